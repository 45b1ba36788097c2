#include "core/executor.h"

namespace aruntime {

void Executor::run(std::vector<Value>& inputs, const RunControl& control, std::vector<Value>& outputs) const {
  RunMemory::Lease lease;
  if (memory_ != nullptr) lease = memory_->acquire(inputs);
  size_t planned = 0, fallback = 0;
  try {
    RunFrame frame(plan_, origin_, output_allocator_, lease, control, inputs);
    try {
      execute(frame);
    } catch (...) {
      frame.clear();  // releases every value while the lease's blocks still exist
      throw;
    }
    frame.take_outputs(outputs);
    planned = frame.values_planned();
    fallback = frame.values_fallback();
  } catch (...) {
    if (memory_ != nullptr) memory_->release(std::move(lease), false, planned, fallback);
    throw;
  }
  if (memory_ != nullptr) memory_->release(std::move(lease), true, planned, fallback);
}

void SequentialExecutor::execute(RunFrame& frame) const {
  // In plan order, a planned in-place source's last reader is the step taking it over.
  const std::function<bool(int)> in_order = [](int) { return true; };
  for (size_t s = 0; s < plan().steps.size(); ++s) {
    frame.check_cancelled();
    frame.run_step(s, in_order);
    for (int slot : plan().steps[s].release_after) frame.release(slot);
  }
}

}  // namespace aruntime
