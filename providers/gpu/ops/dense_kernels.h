// Device helpers of the dense GPU kernels (dense_ops.cc and the files it registers): the
// epilogue that adds a bias, a residual and applies an activation after a cuBLAS GEMM or a cuDNN
// convolution, the zero-filling window copy that pads or crops an N-D tensor, direct pooling for
// the geometries cuDNN's pooling cannot express, the global pools, and the inference-mode batch
// normalisation. Plain launch functions over device pointers; each returns cudaGetLastError()
// after its launch (cudaSuccess when there was nothing to do).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels/activation.h"

namespace aruntime::gpu::dense {

// The element types these kernels are instantiated for (float32, __half, __nv_bfloat16).
enum class DenseType : int { kFloat32, kFloat16, kBFloat16 };

// y[i] = activation(y[i] + bias_scale * bias[bias_index(i)] + residual[i]) for i in [0, count),
// in place, the activation by the formulas of kernels/activation.h computed in float. The bias
// (optional) is indexed as
//   bias_index(i) = ((i / bias_inner) % bias_period) * bias_outer_stride
//                   + (i % bias_inner) * bias_inner_stride,
// which expresses a per-channel bias of an NC... tensor (inner = spatial size, period = channels,
// outer stride 1, inner stride 0) and Gemm's C broadcast to [M, N] (inner = N, period = M, outer
// stride 0 or C's row length, inner stride 0 or 1). The residual (optional) has y's layout.
struct DenseEpilogue {
  const void* bias = nullptr;
  float bias_scale = 1.0f;
  int64_t bias_inner = 1;
  int64_t bias_period = 1;
  int64_t bias_outer_stride = 0;
  int64_t bias_inner_stride = 0;
  const void* residual = nullptr;
  kernels::ActivationKind activation = kernels::ActivationKind::kIdentity;
  float alpha = 0.0f;
  float beta = 0.0f;
};

cudaError_t launch_dense_epilogue(DenseType type, void* y, int64_t count,
                                  const DenseEpilogue& epilogue, cudaStream_t stream);

// The largest rank of the window copy and of the direct pooling's tensors.
inline constexpr int kDenseMaxRank = 8;

// dst (shape dst_dims, rank `rank`) = src (shape src_dims) read at dst's coordinates plus
// `offsets` per axis (negative: dst starts before src), zero where that falls outside src. Pads
// an input for a convolution with asymmetric pads, and crops (and zero-extends) a transposed
// convolution's full result to the requested output.
struct WindowCopy {
  int rank = 0;
  int64_t src_dims[kDenseMaxRank] = {};
  int64_t dst_dims[kDenseMaxRank] = {};
  int64_t offsets[kDenseMaxRank] = {};
};

cudaError_t launch_window_copy(DenseType type, const void* src, void* dst, const WindowCopy& copy,
                               cudaStream_t stream);

// The largest spatial rank of the direct pooling.
inline constexpr int kDensePoolRank = 3;

// Max or average pooling over `rank` (1 to 3) spatial axes of `planes` contiguous planes, with
// ONNX's geometry: window start o * stride - pad_begin, taps at start + k * dilation. Max: taps
// inside the input only, NaN never wins (-inf for a window with no such tap). Average: the sum
// of the in-input taps divided by their count, or with count_include_pad by the taps inside the
// padded extent [-pad_begin, input + pad_end).
struct WindowPool {
  int rank = 0;
  int64_t planes = 0;
  int64_t input[kDensePoolRank] = {};
  int64_t output[kDensePoolRank] = {};
  int64_t kernel[kDensePoolRank] = {};
  int64_t strides[kDensePoolRank] = {};
  int64_t dilations[kDensePoolRank] = {};
  int64_t pads_begin[kDensePoolRank] = {};
  int64_t pads_end[kDensePoolRank] = {};
  bool max = true;
  bool count_include_pad = false;
};

cudaError_t launch_window_pool(DenseType type, const void* x, void* y, const WindowPool& pool,
                               cudaStream_t stream);

// y[p] = mean (or max: larger-than comparisons, so NaN never wins) of the plane_size elements of
// plane p, accumulated in float, for p in [0, planes).
cudaError_t launch_global_pool(DenseType type, bool max, const void* x, void* y, int64_t planes,
                               int64_t plane_size, cudaStream_t stream);

// Inference-mode BatchNormalization. First the per-channel coefficients, in double as the CPU
// kernel folds them: multiplier = scale / sqrt(var + epsilon), offset = B - mean * multiplier,
// from parameters of their own element types, stored as float into coefficients[0, channels)
// (multipliers) and [channels, 2 * channels) (offsets). Then y = x * multiplier[c] + offset[c]
// over x [batch, channels, spatial].
struct BatchNormParams {
  const void* scale = nullptr;
  DenseType scale_type = DenseType::kFloat32;
  const void* bias = nullptr;
  DenseType bias_type = DenseType::kFloat32;
  const void* mean = nullptr;
  DenseType mean_type = DenseType::kFloat32;
  const void* var = nullptr;
  DenseType var_type = DenseType::kFloat32;
  int64_t channels = 0;
  double epsilon = 1e-5;
};

cudaError_t launch_batch_norm_coefficients(const BatchNormParams& params, float* coefficients,
                                           cudaStream_t stream);
cudaError_t launch_batch_norm_apply(DenseType type, const void* x, void* y, int64_t batch,
                                    int64_t channels, int64_t spatial, const float* coefficients,
                                    cudaStream_t stream);

}  // namespace aruntime::gpu::dense
