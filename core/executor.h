// The sequential executor: runs the steps of an ExecutionPlan one after another on per-run state
// (a value table indexed by slot), releasing each intermediate value after its last reader so its
// arena block is reused by later steps. The plan and kernels are shared and never modified, so
// several runs may execute the same plan concurrently.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/execution_plan.h"

namespace aruntime {

// Sees every value a model node (or fused group) produced, right after its step, by the name the
// graph gives it. Values may live in device memory.
using ValueObserver = std::function<void(const std::string& name, const Value& value)>;

class SequentialExecutor {
 public:
  SequentialExecutor(const ExecutionPlan& plan, const std::string& origin, Allocator& output_allocator)
      : plan_(plan), origin_(origin), output_allocator_(output_allocator) {}

  // `inputs` is index-aligned with plan.graph_input_slots (undefined Value = not fed; the
  // session has already validated feeds). Returns one tensor per graph output, owned by the
  // caller (never a view of arena memory or of a feed).
  // `observer` (optional) is called after each step that is not an inserted copy.
  std::vector<Value> run(std::vector<Value> inputs, const ValueObserver* observer = nullptr) const;

 private:
  const ExecutionPlan& plan_;
  const std::string& origin_;
  Allocator& output_allocator_;
};

}  // namespace aruntime
