#include "core/kernel.h"

namespace aruntime {

const Tensor& KernelContext::required_input(size_t i) const {
  const Tensor* t = input(i);
  if (t == nullptr) {
    throw_error(ErrorCode::kInvalidArgument,
                node().describe() + ": input " + std::to_string(i) + " is required but omitted");
  }
  return *t;
}

}  // namespace aruntime
