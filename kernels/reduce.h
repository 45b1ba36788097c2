// Reductions over an arbitrary set of axes of a contiguous row-major tensor.
#pragma once

#include <cstdint>
#include <vector>

namespace aruntime::kernels {

// y = mean of x over the axes flagged in `reduce` (x has shape `dims`); y holds the kept axes in
// their order. Sums run in double for floating types and in 64-bit integers for integer types
// (whose mean truncates toward zero). An empty reduction gives NaN (0 for integers).
// Instantiated for float, double, int32_t, int64_t, uint32_t and uint64_t.
template <typename T>
void reduce_mean(const T* x, const std::vector<int64_t>& dims, const std::vector<bool>& reduce,
                 T* y);

}  // namespace aruntime::kernels
