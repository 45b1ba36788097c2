// Softmax along one axis of a tensor viewed as [outer, axis, inner] (contiguous, row-major).
#pragma once

#include <cstdint>

namespace aruntime::kernels {

// y = exp(x - max) / sum(exp(x - max)) along the middle axis. Instantiated for float and double.
template <typename T>
void softmax(const T* x, T* y, int64_t outer, int64_t axis_size, int64_t inner);

}  // namespace aruntime::kernels
