// Executors run the steps of an ExecutionPlan on a RunFrame (core/run_frame.h). The plan and the
// kernels are shared and never modified, so several runs may execute the same plan concurrently.
//   SequentialExecutor: the plan's order, one step at a time (the default; deterministic).
//   ParallelExecutor (core/parallel_executor.h): independent steps at the same time.
#pragma once

#include <string>
#include <vector>

#include "core/execution_plan.h"
#include "core/run_frame.h"
#include "core/run_memory.h"

namespace aruntime {

class Executor {
 public:
  // `memory` (optional) lays intermediate values out by an allocation plan; without it every
  // value comes from its step's arena.
  Executor(const ExecutionPlan& plan, const std::string& origin, Allocator& output_allocator,
           RunMemory* memory = nullptr)
      : plan_(plan), origin_(origin), output_allocator_(output_allocator), memory_(memory) {}
  virtual ~Executor() = default;

  // `inputs` is index-aligned with plan.graph_input_slots (undefined Value = not fed; the
  // session has already validated feeds). Returns one value per graph output, owned by the
  // caller (never a view of arena memory or of a feed).
  std::vector<Value> run(std::vector<Value> inputs, const RunControl& control) const {
    std::vector<Value> outputs;
    run(inputs, control, outputs);
    return outputs;
  }
  // The same into caller-kept vectors: the inputs are moved out of `inputs` and the outputs
  // replace `outputs`' contents, so a caller that keeps both vectors allocates neither per run.
  void run(std::vector<Value>& inputs, const RunControl& control, std::vector<Value>& outputs) const;
  std::vector<Value> run(std::vector<Value> inputs, const ValueObserver* observer = nullptr) const {
    RunControl control;
    control.observer = observer;
    return run(std::move(inputs), control);
  }

  const ExecutionPlan& plan() const { return plan_; }

 protected:
  // Runs every step of the plan on `frame`, releasing each value after its last reader.
  virtual void execute(RunFrame& frame) const = 0;

 private:
  const ExecutionPlan& plan_;
  const std::string& origin_;
  Allocator& output_allocator_;
  RunMemory* memory_;
};

class SequentialExecutor final : public Executor {
 public:
  using Executor::Executor;

 protected:
  void execute(RunFrame& frame) const override;
};

}  // namespace aruntime
