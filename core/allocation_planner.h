// The static memory plan: every intermediate tensor of a run gets an offset in one block per device
// memory, computed once from value sizes and lifetimes, so a run needs no allocator traffic for
// them and the activation peak is known before the first run.
//
// Two layers. `assign_offsets` is the packing algorithm alone (TFLite's and OpenVINO's "greedy by
// size": largest buffer first, each at the lowest offset where it fits between the buffers it
// interferes with). `plan_allocations` turns an ExecutionPlan and value sizes into buffer groups
// (a value, the views of it its readers make, and the values computed in place over it share one
// buffer) and packs them per memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/execution_plan.h"

namespace aruntime {

// --- Packing --------------------------------------------------------------------------------

struct BufferRequest {
  size_t bytes = 0;
};

// Places each request at an offset (aligned to kBufferAlignment) so that no two requests that
// `interferes(a, b)` overlap in memory. Returns the offsets; `block_bytes` receives the size of
// the block holding them all.
std::vector<size_t> assign_offsets(const std::vector<BufferRequest>& requests,
                                   const std::function<bool(size_t, size_t)>& interferes, size_t& block_bytes);

// --- Plans over an ExecutionPlan ------------------------------------------------------------

// How the steps of a plan may overlap in time, which decides which values may share memory.
enum class ScheduleKind {
  kSequential,  // steps run one after another in plan order
  kParallel,    // any order the data dependencies allow (the parallel executor)
};

// Where one slot's tensor lives in its memory's block.
struct PlannedSlot {
  int memory = -1;      // index into AllocationPlan::memories; -1 = not planned (arena at run time)
  int buffer = -1;      // buffer group; slots computed in place over each other share one
  size_t offset = 0;
  size_t bytes = 0;     // planned size; a run needing more falls back to the arena for that value
  int in_place_of = -1; // slot whose buffer this one takes over at its step (it dies there)
};

struct MemoryPlan {
  Allocator* arena = nullptr;  // the device arena the block is carved from
  Device device;
  size_t block_bytes = 0;      // the planned activation peak of this memory
  size_t naive_bytes = 0;      // every planned value in its own buffer
  size_t planned_values = 0;
  int peak_step = -1;          // a step at which live bytes are highest (sequential order)
  size_t live_bytes_at_peak = 0;
  std::vector<int> live_at_peak;  // slots alive at peak_step, largest first
};

struct AllocationPlan {
  std::vector<PlannedSlot> slots;  // per slot of the execution plan
  std::vector<MemoryPlan> memories;
  // Intermediate tensor values whose size was not known, so the arena serves them at run time.
  std::vector<int> unknown_size_slots;
  ScheduleKind schedule = ScheduleKind::kSequential;
  bool empty() const { return memories.empty(); }
};

struct PlannerOptions {
  ScheduleKind schedule = ScheduleKind::kSequential;
  bool in_place = true;  // let kernels that allow it write over an input that dies at their step
};

// Plans the intermediate tensors of `plan` (produced by a step, neither graph inputs, constants
// nor graph outputs) whose byte size `slot_bytes` gives; nullopt entries are left to the arena.
// Sizes must be of the tensors the kernels will allocate (elements × element size).
AllocationPlan plan_allocations(const ExecutionPlan& plan, const std::vector<std::optional<size_t>>& slot_bytes,
                                const PlannerOptions& options = {});

// Byte sizes of every slot whose type and shape the graph knows statically (after shape
// inference); string tensors and non-tensor values are nullopt.
std::vector<std::optional<size_t>> static_slot_bytes(const ExecutionPlan& plan, const Graph& graph);

// True when every intermediate tensor value of `plan` has a size in `slot_bytes`.
bool covers_all_intermediates(const ExecutionPlan& plan, const std::vector<std::optional<size_t>>& slot_bytes,
                              const Graph& graph);

}  // namespace aruntime
