#include "core/planned_block.h"

#include <algorithm>

#include "aruntime/status.h"

namespace aruntime {
namespace {
size_t aligned(size_t bytes) {
  return std::max<size_t>(kBufferAlignment, (bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment);
}
}  // namespace

PlannedBlock::~PlannedBlock() { release(); }

void PlannedBlock::reserve(size_t bytes) {
  if (bytes <= capacity_) return;
  release();
  base_ = static_cast<char*>(arena_.allocate(bytes));
  capacity_ = bytes;
  holds_.reserve(64);
}

void PlannedBlock::release() {
  if (base_ != nullptr) arena_.deallocate(base_);
  base_ = nullptr;
  capacity_ = 0;
  holds_.clear();
}

void* PlannedBlock::acquire(const PlannedSlot& slot, size_t bytes, const void* in_place_source) {
  if (bytes > slot.bytes || slot.offset + aligned(slot.bytes) > capacity_) return nullptr;
  char* begin = base_ + slot.offset;
  char* end = begin + aligned(slot.bytes);
  std::lock_guard<std::mutex> lock(mutex_);
  Hold* shared = nullptr;
  for (Hold& h : holds_) {
    if (h.begin >= end || begin >= h.end) continue;
    if (in_place_source == begin && h.begin == begin && h.end == end) {
      shared = &h;
      continue;
    }
    return nullptr;
  }
  if (shared != nullptr) {
    ++shared->refs;
  } else {
    holds_.push_back({begin, end, 1});
  }
  return begin;
}

void* PlannedBlock::allocate(size_t bytes) {
  (void)bytes;
  throw_error(ErrorCode::kRuntimeError, "PlannedBlock::allocate: planned memory is handed out by slot only");
}

void PlannedBlock::deallocate(void* ptr) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t i = 0; i < holds_.size(); ++i) {
    if (holds_[i].begin != ptr) continue;
    if (--holds_[i].refs == 0) {
      holds_[i] = holds_.back();
      holds_.pop_back();
    }
    return;
  }
}

size_t PlannedBlock::live_regions() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return holds_.size();
}

}  // namespace aruntime
