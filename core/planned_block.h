// One run's block of one device memory, laid out by an AllocationPlan. A value gets its planned
// region only when that region holds no live value: the plan is computed from lifetimes, but a
// kernel may keep a buffer alive longer than the plan knows (an undeclared view, a sequence holding
// a tensor), and then the value goes to the arena instead. A plan can make a run slower, never wrong.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <mutex>
#include <vector>

#include "aruntime/allocator.h"
#include "core/allocation_planner.h"

namespace aruntime {

class PlannedBlock final : public Allocator {
 public:
  explicit PlannedBlock(Allocator& arena) : arena_(arena) {}
  ~PlannedBlock() override;
  PlannedBlock(const PlannedBlock&) = delete;
  PlannedBlock& operator=(const PlannedBlock&) = delete;

  // Makes the block at least `bytes` large. Only between runs.
  void reserve(size_t bytes);
  // Gives the block's memory back to the arena. Only between runs.
  void release();
  size_t capacity() const { return capacity_; }
  const Allocator& arena() const { return arena_; }

  // The planned region of `slot` for a tensor of `bytes`, or nullptr when it cannot be used now:
  // the tensor is larger than planned, or a live value still occupies part of the region. When
  // `in_place_source` is the region's own address, the value there is the one this value is
  // computed in place over, and the region is shared with it.
  void* acquire(const PlannedSlot& slot, size_t bytes, const void* in_place_source);

  // Allocator: the block hands memory out through acquire() only; deallocate() ends a value's hold.
  void* allocate(size_t bytes) override;
  void deallocate(void* ptr) override;
  Device device() const override { return arena_.device(); }
  std::string name() const override { return "planned(" + arena_.name() + ")"; }

  // Values currently holding a region (0 after a run whose values were all released).
  size_t live_regions() const;
  // Where the planned tensors' ownership records live (recycled from run to run).
  std::pmr::memory_resource* bookkeeping() override { return &bookkeeping_; }

 private:
  struct Hold {
    char* begin;
    char* end;
    int refs;
  };
  Allocator& arena_;
  char* base_ = nullptr;
  size_t capacity_ = 0;
  mutable std::mutex mutex_;  // steps of one run may allocate concurrently (parallel executor)
  std::vector<Hold> holds_;
  std::pmr::synchronized_pool_resource bookkeeping_;  // tensors may be released on any thread
};

}  // namespace aruntime
