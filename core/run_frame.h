// The state of one run: a value per slot, the run's planned memory, and what the caller asked for
// (observation, cancellation, profiling). Executors decide the order of steps; the frame runs one
// step at a time and owns everything else, so sequential and parallel executors share it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/execution_plan.h"
#include "core/run_memory.h"

namespace aruntime {

class RunFrame;

// Sees every value a model node (or fused group) produced, right after its step, by the name the
// graph gives it. Values may live in device memory.
using ValueObserver = std::function<void(const std::string& name, const Value& value)>;

// Receives the timing of every step (profiling). Called from the thread that ran the step, after
// the step and before its inputs are released: the step's inputs and outputs can be read.
class StepProfiler {
 public:
  virtual ~StepProfiler() = default;
  virtual void record(const ExecutionStep& step, const RunFrame& frame, std::chrono::steady_clock::time_point start,
                      std::chrono::steady_clock::time_point end) = 0;
};

// What the caller controls about one run.
struct RunControl {
  const ValueObserver* observer = nullptr;
  const std::atomic<bool>* cancel = nullptr;  // set to true from any thread to stop the run
  std::optional<std::chrono::steady_clock::time_point> deadline;
  StepProfiler* profiler = nullptr;
  int64_t profile_run = -1;  // the profiler's number for this run
  // Caller memory for graph outputs (index-aligned with plan.graph_output_slots; an undefined
  // tensor: allocate). Host tensors of the exact dtype and shape the run produces.
  const std::vector<Tensor>* output_buffers = nullptr;
};

class RunFrame {
 public:
  // `inputs` is index-aligned with plan.graph_input_slots (undefined Value = not fed).
  // The inputs are moved out of `inputs` (its capacity stays with the caller).
  RunFrame(const ExecutionPlan& plan, const std::string& origin, Allocator& output_allocator, RunMemory::Lease& memory,
           const RunControl& control, std::vector<Value>& inputs);

  // Runs step `index` of the plan: the kernel, then the output checks, the observer and the
  // profiler. Errors are rethrown as aruntime::Error naming the model and the node.
  // `last_reader_of`: whether this step is the only remaining reader of a slot (in-place reuse
  // checks it at run time; the sequential order answers from the plan).
  void run_step(size_t index, const std::function<bool(int slot)>& only_remaining_reader);
  // Drops the run's reference to a slot's value (its last reader is done).
  void release(int slot) { values_[slot] = Value(); }
  // Throws Error(kCancelled) when the caller cancelled the run or its deadline passed.
  void check_cancelled() const;

  // The graph outputs, owned by the caller (never sharing a feed, a constant, arena memory or
  // another output). Ends the run: every other value is released.
  void take_outputs(std::vector<Value>& outputs);

  // Releases every value but the constants, which stay for the next run on this value table.
  void clear();

  const Value& value(int slot) const { return values_[slot]; }
  const RunControl& control() const { return control_; }
  size_t values_planned() const { return planned_.load(); }
  size_t values_fallback() const { return fallback_.load(); }

 private:
  friend class StepContext;
  // Whether a feed or a constant holds the buffer at `p` (an output must not share it).
  bool owned_elsewhere(const void* p) const;
  // The caller's buffer for the graph output held in `slot`, if one is bound.
  const Tensor* bound_output(int slot) const;
  // Allocates a tensor for `slot` from the plan when it fits, else from `arena`.
  Tensor allocate_slot(const ExecutionStep& step, int slot, const Shape& shape, DataType dtype,
                       const std::function<bool(int)>& only_remaining_reader);

  const ExecutionPlan& plan_;
  const std::string& origin_;
  Allocator& output_allocator_;
  RunMemory::Lease& memory_;
  const RunControl& control_;
  std::vector<Value>& values_;  // the lease's pooled table
  std::atomic<size_t> planned_{0}, fallback_{0};
};

}  // namespace aruntime
