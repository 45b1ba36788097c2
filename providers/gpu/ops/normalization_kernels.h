// Device code of the reduction / normalization / attention family: the ONNX Reduce* ops and
// ArgMax/ArgMin, Softmax/LogSoftmax and LpNormalization along one axis, the row normalizations
// (Layer/RMS/SkipLayer/Instance normalization) and the masked softmax of fused Attention.
// Every launch function queues work on `stream` and returns cudaGetLastError() after its launch;
// sizes are int64_t and every kernel uses 64-bit index arithmetic. Element values are loaded as
// float and every sum accumulates in float, whatever the element type.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace aruntime::gpu {

// The element types the kernels of this family read and write.
enum class GpuFloat : int { kFloat32, kFloat16, kBFloat16 };

// The ONNX Reduce* family, with the CPU kernels' semantics (kernels/reduce.h): Max/Min propagate
// NaN; an empty reduced set gives 0 for the sums, 1 for Prod, -inf for Max, LogSum and LogSumExp,
// +inf for Min and NaN for Mean; LogSumExp = m + log(sum exp(x - m)) with m the set's maximum
// (0 when that maximum is not finite).
enum class GpuReduceOp : int {
  kSum,
  kMean,
  kProd,
  kMax,
  kMin,
  kL1,
  kL2,
  kSumSquare,
  kLogSum,
  kLogSumExp
};

// A reduction over any set of axes of a contiguous row-major tensor, described by its kept and
// reduced axes after merging neighbouring axes of the same kind and dropping size-1 axes. Output
// element o (row-major over kept_sizes) folds the `count` elements at
//   offset(o over kept axes) + offset(r over reduced axes),  r in [0, count),
// where offset(i over axes) decomposes i row-major over the axes' sizes and sums index * stride.
struct ReduceGeometry {
  static constexpr int kMaxAxes = 8;
  int kept_rank = 0;
  int64_t kept_sizes[kMaxAxes] = {};
  int64_t kept_strides[kMaxAxes] = {};
  int reduced_rank = 0;
  int64_t reduced_sizes[kMaxAxes] = {};
  int64_t reduced_strides[kMaxAxes] = {};
  int64_t outputs = 0;  // product of kept_sizes
  int64_t count = 0;    // product of reduced_sizes: elements folded into each output
  // True when the innermost (stride-1) axis is reduced: each output then folds contiguous runs,
  // which one block per output reads coalesced; otherwise neighbouring outputs are neighbours in
  // memory and one thread per output reads coalesced.
  bool innermost_reduced = false;
};

cudaError_t launch_reduce(GpuReduceOp op, GpuFloat type, const void* x, void* y,
                          const ReduceGeometry& geometry, cudaStream_t stream);

// ArgMax (`is_max`) or ArgMin of x viewed as [outer, n, inner] along its middle axis, into int64
// y[outer, inner]: the first index of the extreme, or the last with `select_last_index`; NaN
// counts as the extreme (the first NaN, or the last). Requires n > 0.
cudaError_t launch_arg_reduce(bool is_max, bool select_last_index, GpuFloat type, const void* x,
                              int64_t* y, int64_t outer, int64_t n, int64_t inner,
                              cudaStream_t stream);

// Functions of x viewed as [outer, n, inner] along its middle axis, each line of n elements
// independently:
//   kSoftmax:    y = exp(x - max) / sum(exp(x - max))
//   kLogSoftmax: y = x - max - log(sum(exp(x - max)))
//   kL1, kL2:    y = x / ||x||_p, and 0 for a line whose norm is 0 (LpNormalization)
enum class GpuAxisOp : int { kSoftmax, kLogSoftmax, kL1, kL2 };
cudaError_t launch_axis_op(GpuAxisOp op, GpuFloat type, const void* x, void* y, int64_t outer,
                           int64_t n, int64_t inner, cudaStream_t stream);

// Row normalization of `rows` contiguous rows of `row_size` elements, statistics in float:
//   center:   y = (v - mean) * inv_std * scale + bias,  inv_std = 1 / sqrt(var + epsilon)
//   !center:  y = v * inv_std * scale + bias,           inv_std = 1 / sqrt(mean(v^2) + epsilon)
// or, with epsilon_on_std (MeanVarianceNormalization), inv_std = 1 / (sqrt(var) + epsilon),
// with the population variance, where v = x + skip + skip_bias (skip and skip_bias optional;
// skip has x's shape, skip_bias one value per row element). When `sum` is set, v is written there
// (SkipLayerNormalization's residual output). scale and bias (optional: 1 and 0) are read at
//   (r % period) * segments + (i % modulo) / segment_size
// for row r and element i (modulo: param_modulo for scale, bias_modulo for bias), which covers
// per-element parameters that repeat along the row (LayerNormalization: period 1, segments 0,
// modulo = the parameter's size, segment_size 1) and one per row (InstanceNormalization: period
// C, segments 1, modulo = row_size, segment_size = row_size). Every divisor must be positive. mean
// and inv_std (optional, float32 or bfloat16 as `stat_type`) get one value per row; a row of 0
// elements gets NaN statistics.
struct RowNormParams {
  int64_t rows = 0;
  int64_t row_size = 0;
  float epsilon = 1e-5f;
  bool epsilon_on_std = false;
  bool center = true;
  const void* skip = nullptr;       // element type
  const void* skip_bias = nullptr;  // element type, row_size values
  void* sum = nullptr;              // element type, x's shape
  const void* scale = nullptr;      // element type
  const void* bias = nullptr;       // element type
  int64_t param_period = 1;
  int64_t param_segments = 0;
  int64_t param_modulo = 1;
  int64_t bias_modulo = 1;
  int64_t param_segment_size = 1;
  GpuFloat stat_type = GpuFloat::kFloat32;
  void* mean = nullptr;
  void* inv_std = nullptr;
};
cudaError_t launch_row_normalization(GpuFloat type, const void* x, void* y,
                                     const RowNormParams& params, cudaStream_t stream);

// The softmax step of fused Attention over `batches` heads of [sq, sk] float scores (already
// scaled): probs = softmax(scores + mask) along each row of sk, written in the element type
// (probs may alias scores when the element type is float32). The optional mask (element type)
// broadcasts to [lead..., sq, sk]: head b (row-major over lead_sizes, counted from first_batch)
// reads mask[offset(b over lead axes with mask_lead_strides) + i * stride_sq + j * stride_sk],
// strides 0 on broadcast axes.
struct AttentionMask {
  static constexpr int kMaxLeadAxes = 8;
  const void* data = nullptr;
  int lead_rank = 0;
  int64_t lead_sizes[kMaxLeadAxes] = {};
  int64_t lead_strides[kMaxLeadAxes] = {};
  int64_t stride_sq = 0;
  int64_t stride_sk = 0;
};
cudaError_t launch_attention_softmax(GpuFloat type, const float* scores, void* probs,
                                     int64_t first_batch, int64_t batches, int64_t sq, int64_t sk,
                                     const AttentionMask& mask, cudaStream_t stream);

}  // namespace aruntime::gpu
