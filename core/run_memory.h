// Memory for runs: which allocation plan a run uses, and the planned blocks it runs in.
//
// When shape inference sized every intermediate value, one plan made at session creation serves
// every run (a value that turns out larger than planned at run time goes to the arena). Otherwise
// the first run of each input-shape signature runs on the arena and records the size of every
// value it allocates; the plan made from those sizes is cached (least recently used out) and
// serves later runs of that signature. Blocks are pooled, one set per concurrent run, so a warm
// run allocates nothing for its intermediate values.
#pragma once

#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "aruntime/value.h"
#include "core/allocation_planner.h"
#include "core/planned_block.h"

namespace aruntime {

struct RunMemoryOptions {
  PlannerOptions planner;
  bool enabled = true;          // false: every value from the arena (no plan)
  size_t max_cached_plans = 8;  // per input-shape signature, for models with dynamic shapes
  // Cap on a plan's activation bytes (sum over memories); 0 = none. A plan over it is an error.
  size_t max_activation_bytes = 0;
  // Give the blocks back to the arenas (and the arenas' free chunks to the system) after each run.
  bool release_after_run = false;
};

// Input shapes of a run, the key of cached plans.
using ShapeSignature = std::vector<std::vector<int64_t>>;

struct RunMemoryStats {
  size_t runs_planned = 0;     // runs that used a plan
  size_t runs_recorded = 0;    // runs that recorded sizes for a new signature
  size_t values_planned = 0;   // values that got their planned region
  size_t values_fallback = 0;  // planned values that went to the arena instead
  size_t cached_plans = 0;
  size_t pooled_block_sets = 0;
  size_t pooled_block_bytes = 0;
};

class RunMemory {
 public:
  // `static_bytes`: slot sizes known before any run (static_slot_bytes). `complete`: they cover
  // every intermediate value, so the static plan serves every signature.
  RunMemory(const ExecutionPlan& plan, std::vector<std::optional<size_t>> static_bytes, bool complete,
            RunMemoryOptions options, std::string origin);

  // The plan made at session creation (may be partial, or empty when disabled).
  const AllocationPlan& static_plan() const { return *static_plan_; }
  bool static_plan_complete() const { return complete_; }

  // What one run holds: its plan (null: record sizes instead) and blocks laid out for it.
  struct Lease {
    std::shared_ptr<const AllocationPlan> plan;
    std::vector<std::unique_ptr<PlannedBlock>> blocks;  // one per arena, pooled
    std::vector<PlannedBlock*> by_memory;               // index-aligned with plan->memories
    ShapeSignature signature;
    std::vector<std::optional<size_t>> observed;  // slot sizes seen, when recording
    bool recording = false;
    // The run's value table, pooled with the blocks so that a warm run does not allocate it.
    // Constants stay in it between runs; everything else is released at the end of each run.
    std::vector<Value> values;
  };
  // For a run of `inputs` (index-aligned with the graph inputs): its plan by their shapes.
  Lease acquire(const std::vector<Value>& inputs);
  // Returns the blocks to the pool; a completed recording run's sizes become the signature's plan
  // (an Error(kOutOfMemory) when that plan is over the cap).
  void release(Lease lease, bool completed, size_t values_planned, size_t values_fallback);

  RunMemoryStats stats() const;

 private:
  std::shared_ptr<const AllocationPlan> make_plan(const std::vector<std::optional<size_t>>& bytes) const;
  void check_cap(const AllocationPlan& plan, const std::string& what) const;

  const ExecutionPlan& plan_;
  std::vector<std::optional<size_t>> static_bytes_;
  bool complete_;
  RunMemoryOptions options_;
  std::string origin_;
  std::shared_ptr<const AllocationPlan> static_plan_;
  mutable std::mutex mutex_;
  std::list<std::pair<ShapeSignature, std::shared_ptr<const AllocationPlan>>> cache_;  // most recent first
  struct Pooled {
    std::vector<std::unique_ptr<PlannedBlock>> blocks;
    std::vector<Value> values;
    std::vector<PlannedBlock*> by_memory;
  };
  std::vector<Pooled> pool_;
  RunMemoryStats stats_;
};

// Sum of a plan's blocks over its memories.
size_t planned_activation_bytes(const AllocationPlan& plan);

}  // namespace aruntime
