// The sequential executor: runs the steps of an ExecutionPlan one after another on per-run state
// (a value table indexed by slot), releasing each intermediate value after its last reader so its
// arena block is reused by later steps. The plan and kernels are shared and never modified, so
// several runs may execute the same plan concurrently.
#pragma once

#include <string>
#include <vector>

#include "core/execution_plan.h"

namespace aruntime {

class SequentialExecutor {
 public:
  SequentialExecutor(const ExecutionPlan& plan, const std::string& origin, Allocator& output_allocator)
      : plan_(plan), origin_(origin), output_allocator_(output_allocator) {}

  // `inputs` is index-aligned with plan.graph_input_slots (undefined Value = not fed; the
  // session has already validated feeds). Returns one tensor per graph output, owned by the
  // caller (never a view of arena memory or of a feed).
  std::vector<Value> run(std::vector<Value> inputs) const;

 private:
  const ExecutionPlan& plan_;
  const std::string& origin_;
  Allocator& output_allocator_;
};

}  // namespace aruntime
