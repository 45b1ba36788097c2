#include "core/executor.h"

namespace aruntime {
namespace {

ShapeSignature signature_of(const std::vector<Value>& inputs) {
  ShapeSignature sig(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].is_tensor() && inputs[i].defined()) sig[i] = inputs[i].tensor().shape().dims();
  }
  return sig;
}

}  // namespace

std::vector<Value> Executor::run(std::vector<Value> inputs, const RunControl& control) const {
  RunMemory::Lease lease;
  if (memory_ != nullptr) lease = memory_->acquire(signature_of(inputs));
  std::vector<Value> outputs;
  size_t planned = 0, fallback = 0;
  try {
    RunFrame frame(plan_, origin_, output_allocator_, lease, control, std::move(inputs));
    try {
      execute(frame);
    } catch (...) {
      frame.clear();  // releases every value while the lease's blocks still exist
      throw;
    }
    outputs = frame.take_outputs();
    planned = frame.values_planned();
    fallback = frame.values_fallback();
  } catch (...) {
    if (memory_ != nullptr) memory_->release(std::move(lease), false, planned, fallback);
    throw;
  }
  if (memory_ != nullptr) memory_->release(std::move(lease), true, planned, fallback);
  return outputs;
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
