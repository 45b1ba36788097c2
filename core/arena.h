// A best-fit arena over large chunks of a backing allocator. Every intermediate tensor of a run is
// carved out of these chunks instead of costing one system allocation each; freed blocks coalesce
// with their neighbours and are reused by later requests. Chunks grow geometrically (doubling), so
// dynamic shapes do not fragment the arena into request-sized pieces, and `shrink()` returns
// entirely free chunks to the backing allocator.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <memory_resource>
#include <mutex>
#include <set>
#include <unordered_map>
#include <vector>

#include "aruntime/allocator.h"

namespace aruntime {

struct ArenaStats {
  size_t in_use_bytes = 0;       // bytes handed out now
  size_t peak_in_use_bytes = 0;  // high-water mark of in_use_bytes
  size_t reserved_bytes = 0;     // bytes held from the backing allocator
  size_t peak_reserved_bytes = 0;
  size_t num_chunks = 0;
  size_t num_allocations = 0;    // total allocate() calls served
};

struct ArenaOptions {
  size_t initial_chunk_bytes = size_t{1} << 20;
  size_t max_chunk_bytes = size_t{1} << 30;  // growth doubles up to this (larger requests get their own chunk)
  // Largest single request served; larger ones fail with Error(kOutOfMemory). 0 = no cap.
  size_t max_allocation_bytes = 0;
};

class ArenaAllocator final : public Allocator {
 public:
  ArenaAllocator(std::shared_ptr<Allocator> backing, ArenaOptions options = {});
  ~ArenaAllocator() override;

  void* allocate(size_t bytes) override;
  void deallocate(void* ptr) override;
  Device device() const override { return backing_->device(); }
  std::string name() const override { return "arena(" + backing_->name() + ")"; }
  std::pmr::memory_resource* bookkeeping() override { return &records_; }

  // Returns chunks with no live allocation to the backing allocator.
  void shrink();
  ArenaStats stats() const;

 private:
  // The bookkeeping containers draw their nodes from `nodes_`, which recycles the nodes freed
  // blocks leave behind: a warm run's allocations cost no system allocation at all.
  struct Chunk {
    explicit Chunk(std::pmr::memory_resource* nodes) : blocks(nodes) {}
    char* base = nullptr;
    size_t size = 0;
    std::pmr::map<size_t, std::pair<size_t, bool>> blocks;  // offset -> (size, free)
  };
  struct Location {
    Chunk* chunk;
    size_t offset;
  };
  using FreeKey = std::pair<size_t, std::pair<Chunk*, size_t>>;  // (size, (chunk, offset))

  Chunk* add_chunk(size_t min_bytes);
  void* take(Chunk* chunk, size_t offset, size_t block_size, size_t bytes);

  std::shared_ptr<Allocator> backing_;
  ArenaOptions options_;
  mutable std::mutex mutex_;
  std::pmr::unsynchronized_pool_resource nodes_;  // guarded by mutex_
  std::pmr::synchronized_pool_resource records_;  // tensors' ownership records (any thread)
  std::vector<std::unique_ptr<Chunk>> chunks_;
  std::pmr::set<FreeKey> free_blocks_{&nodes_};  // best fit = lower_bound on size
  std::pmr::unordered_map<void*, Location> live_{&nodes_};
  size_t next_chunk_bytes_;
  ArenaStats stats_;
};

}  // namespace aruntime
