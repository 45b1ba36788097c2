// Inference-mode batch normalization: per-channel (or, for the spatial=0 form of opset 7, per
// position within a sample) affine transform y = x * multiplier + offset.
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

}  // namespace aruntime::kernels
