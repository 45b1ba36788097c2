// The parallel executor: runs steps as soon as the values they read exist, so independent branches
// (Inception blocks, the heads of a multi-output model, Q/K/V projections) run at the same time on
// the session's TBB task arena. Kernels' own parallel loops share that arena, so one thread budget
// governs both kinds of parallelism. Steps estimated cheaper than `inline_flops` never become
// tasks of their own: dispatching one costs more than running it.
#pragma once

#include <vector>

#include "core/executor.h"

namespace aruntime {

struct ParallelExecutorOptions {
  // Steps below this estimate (about 10 µs of work) run on the thread that readied them: sharing
  // a step costs microseconds, which only a larger one repays.
  double inline_flops = 1e6;
  int max_concurrent_steps = 0;  // at most this many steps at once; 0 = the task arena's threads
};

class ParallelExecutor final : public Executor {
 public:
  // `graph` (optional) gives the cost estimates of the steps' nodes (core/cost_model.h); steps
  // without one are treated as large.
  ParallelExecutor(const ExecutionPlan& plan, const std::string& origin, Allocator& output_allocator,
                   RunMemory* memory, const Graph* graph, ParallelExecutorOptions options = {});

  // Whether any two steps may run at the same time (false for a chain).
  bool has_parallel_branches() const { return max_width_ > 1; }

 protected:
  void execute(RunFrame& frame) const override;

 private:
  std::vector<std::vector<int>> successors_;  // per step, distinct
  std::vector<int> num_predecessors_;         // per step, distinct producer steps
  std::vector<std::vector<int>> reads_;       // per step, distinct slots read
  std::vector<std::vector<int>> unread_outputs_;  // per step, produced slots no step reads
  std::vector<int> num_readers_;              // per slot, distinct reader steps
  std::vector<char> keep_;                    // per slot: graph inputs, outputs, constants
  std::vector<char> small_;                   // per step: run inline
  int max_width_ = 1;
  int max_large_width_ = 1;  // the most steps above inline_flops that may run at once
  int max_concurrent_steps_ = 0;
};

}  // namespace aruntime
