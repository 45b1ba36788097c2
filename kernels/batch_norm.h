// Batch normalization as a per-channel (or, for the spatial=0 form of opset 7, per position within
// a sample) affine transform y = x * multiplier + offset. Inference mode takes the statistics as
// inputs; training mode computes them from the batch with batch_norm_statistics first.
#pragma once

#include <cstdint>

namespace aruntime::kernels {

// multiplier = scale / sqrt(var + epsilon), offset = bias - mean * multiplier, for `count` entries.
void batch_norm_coefficients(const double* scale, const double* bias, const double* mean,
                             const double* var, int64_t count, double epsilon, double* multiplier,
                             double* offset);

// x, y: [batch, channels, spatial]. multiplier/offset hold `channels` entries, or
// channels * spatial entries when `per_element`. Instantiated for float and double.
template <typename T>
void batch_norm_apply(const T* x, T* y, int64_t batch, int64_t channels, int64_t spatial,
                      const T* multiplier, const T* offset, bool per_element);

// Per-channel mean and population variance (divisor batch * spatial, not N - 1) of x:
// [batch, channels, spatial], accumulated in double in two passes so that a large mean does not
// swamp the variance. An empty channel yields NaN, as numpy does. Instantiated for float and
// double.
template <typename T>
void batch_norm_statistics(const T* x, int64_t batch, int64_t channels, int64_t spatial,
                           double* mean, double* var);

}  // namespace aruntime::kernels
