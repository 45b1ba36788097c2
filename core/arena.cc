#include "core/arena.h"

#include <algorithm>

#include "aruntime/status.h"

namespace aruntime {
namespace {
size_t round_up(size_t bytes) {
  return std::max<size_t>(kBufferAlignment, (bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment);
}
}  // namespace

ArenaAllocator::ArenaAllocator(std::shared_ptr<Allocator> backing, ArenaOptions options)
    : backing_(std::move(backing)), options_(options), next_chunk_bytes_(options.initial_chunk_bytes) {}

ArenaAllocator::~ArenaAllocator() {
  for (auto& c : chunks_) backing_->deallocate(c->base);
}

ArenaAllocator::Chunk* ArenaAllocator::add_chunk(size_t min_bytes) {
  size_t size = std::max(min_bytes, next_chunk_bytes_);
  auto chunk = std::make_unique<Chunk>(&nodes_);
  chunk->base = static_cast<char*>(backing_->allocate(size));
  chunk->size = size;
  chunk->blocks[0] = {size, true};
  Chunk* raw = chunk.get();
  chunks_.push_back(std::move(chunk));
  free_blocks_.insert({size, {raw, 0}});
  next_chunk_bytes_ = std::min(options_.max_chunk_bytes, std::max(next_chunk_bytes_, size) * 2);
  stats_.reserved_bytes += size;
  stats_.peak_reserved_bytes = std::max(stats_.peak_reserved_bytes, stats_.reserved_bytes);
  stats_.num_chunks = chunks_.size();
  return raw;
}

void* ArenaAllocator::take(Chunk* chunk, size_t offset, size_t block_size, size_t bytes) {
  free_blocks_.erase({block_size, {chunk, offset}});
  chunk->blocks[offset] = {bytes, false};
  if (block_size > bytes) {
    chunk->blocks[offset + bytes] = {block_size - bytes, true};
    free_blocks_.insert({block_size - bytes, {chunk, offset + bytes}});
  }
  void* p = chunk->base + offset;
  live_[p] = {chunk, offset};
  stats_.in_use_bytes += bytes;
  stats_.peak_in_use_bytes = std::max(stats_.peak_in_use_bytes, stats_.in_use_bytes);
  ++stats_.num_allocations;
  return p;
}

void* ArenaAllocator::allocate(size_t requested) {
  if (options_.max_allocation_bytes != 0 && requested > options_.max_allocation_bytes) {
    throw_error(ErrorCode::kOutOfMemory,
                "allocation of " + std::to_string(requested) + " bytes exceeds the limit of " +
                    std::to_string(options_.max_allocation_bytes) + " bytes (SessionOptions::max_allocation_bytes)");
  }
  if (requested > (size_t{1} << 62)) {
    throw_error(ErrorCode::kOutOfMemory, "allocation of " + std::to_string(requested) + " bytes refused");
  }
  const size_t bytes = round_up(requested);
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = free_blocks_.lower_bound({bytes, {nullptr, 0}});
  if (it == free_blocks_.end()) {
    Chunk* c = add_chunk(bytes);
    return take(c, 0, c->size, bytes);
  }
  auto [size, loc] = *it;
  return take(loc.first, loc.second, size, bytes);
}

void ArenaAllocator::deallocate(void* ptr) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = live_.find(ptr);
  if (it == live_.end()) return;  // not ours: a programming error, but never corrupt the arena
  Chunk* chunk = it->second.chunk;
  size_t offset = it->second.offset;
  live_.erase(it);
  auto block = chunk->blocks.find(offset);
  size_t size = block->second.first;
  stats_.in_use_bytes -= size;
  block->second.second = true;
  // Coalesce with the next and previous free neighbours.
  auto next = std::next(block);
  if (next != chunk->blocks.end() && next->second.second) {
    free_blocks_.erase({next->second.first, {chunk, next->first}});
    block->second.first += next->second.first;
    chunk->blocks.erase(next);
  }
  if (block != chunk->blocks.begin()) {
    auto prev = std::prev(block);
    if (prev->second.second) {
      free_blocks_.erase({prev->second.first, {chunk, prev->first}});
      prev->second.first += block->second.first;
      chunk->blocks.erase(block);
      block = prev;
    }
  }
  free_blocks_.insert({block->second.first, {chunk, block->first}});
}

void ArenaAllocator::shrink() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = chunks_.begin(); it != chunks_.end();) {
    Chunk* c = it->get();
    if (c->blocks.size() == 1 && c->blocks.begin()->second.second) {
      free_blocks_.erase({c->size, {c, 0}});
      stats_.reserved_bytes -= c->size;
      backing_->deallocate(c->base);
      it = chunks_.erase(it);
    } else {
      ++it;
    }
  }
  stats_.num_chunks = chunks_.size();
  next_chunk_bytes_ = options_.initial_chunk_bytes;
}

ArenaStats ArenaAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

}  // namespace aruntime
