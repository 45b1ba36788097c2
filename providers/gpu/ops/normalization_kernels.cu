#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <math_constants.h>

#include <algorithm>
#include <cstdint>

#include "providers/gpu/ops/device_common.cuh"
#include "providers/gpu/ops/normalization_kernels.h"

namespace aruntime::gpu {
namespace {

constexpr unsigned kFullMask = 0xffffffffu;
// Grid-stride loops cover any count with at most this many blocks.
constexpr int64_t kMaxBlocks = int64_t{1} << 20;

// The block size for one block per line of `n` elements: a multiple of the warp size, so every
// warp is full and the shuffles below may use the full mask.
int threads_for(int64_t n) {
  if (n <= 32) return 32;
  if (n <= 64) return 64;
  if (n <= 256) return 128;
  if (n <= 2048) return 256;
  return 512;
}

unsigned blocks_for(int64_t items) {
  return static_cast<unsigned>(std::max<int64_t>(1, std::min(items, kMaxBlocks)));
}

// ---- block-wide reductions ----------------------------------------------------------------------

struct SumOp {
  __device__ float operator()(float a, float b) const { return a + b; }
};
// NaN wins, as numpy's max does.
struct MaxOp {
  __device__ float operator()(float a, float b) const { return (b > a || isnan(b)) ? b : a; }
};

template <typename Op>
__device__ float warp_reduce(float v, Op op) {
  for (int offset = 16; offset > 0; offset >>= 1) v = op(v, __shfl_xor_sync(kFullMask, v, offset));
  return v;
}

// Combines one value per thread of the block (blockDim.x a multiple of 32, at most 1024); every
// thread gets the result. `shared` holds 32 floats. Starts with a barrier, so calls may follow
// each other with the same `shared`.
template <typename Op>
__device__ float block_reduce(float v, Op op, float identity, float* shared) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int warps = blockDim.x >> 5;
  v = warp_reduce(v, op);
  __syncthreads();
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  if (warp == 0) {
    float w = lane < warps ? shared[lane] : identity;
    w = warp_reduce(w, op);
    if (lane == 0) shared[0] = w;
  }
  __syncthreads();
  return shared[0];
}

// ---- Reduce* ------------------------------------------------------------------------------------

__device__ float reduce_init(GpuReduceOp op) {
  switch (op) {
    case GpuReduceOp::kMax:
      return -CUDART_INF_F;
    case GpuReduceOp::kMin:
      return CUDART_INF_F;
    case GpuReduceOp::kProd:
      return 1.0f;
    default:
      return 0.0f;
  }
}

__device__ __forceinline__ float reduce_step(GpuReduceOp op, float a, float x, float shift) {
  switch (op) {
    case GpuReduceOp::kMax:
      return (x > a || isnan(x)) ? x : a;
    case GpuReduceOp::kMin:
      return (x < a || isnan(x)) ? x : a;
    case GpuReduceOp::kProd:
      return a * x;
    case GpuReduceOp::kL1:
      return a + fabsf(x);
    case GpuReduceOp::kL2:
    case GpuReduceOp::kSumSquare:
      return a + x * x;
    case GpuReduceOp::kLogSumExp:
      return a + expf(x - shift);
    default:
      return a + x;
  }
}

__device__ __forceinline__ float reduce_merge(GpuReduceOp op, float a, float b) {
  switch (op) {
    case GpuReduceOp::kMax:
    case GpuReduceOp::kMin:
      return reduce_step(op, a, b, 0.0f);
    case GpuReduceOp::kProd:
      return a * b;
    default:
      return a + b;
  }
}

__device__ float reduce_finish(GpuReduceOp op, float a, int64_t count, float shift) {
  switch (op) {
    case GpuReduceOp::kMean:
      return count == 0 ? CUDART_NAN_F : a / static_cast<float>(count);
    case GpuReduceOp::kL2:
      return sqrtf(a);
    case GpuReduceOp::kLogSum:
      return logf(a);
    case GpuReduceOp::kLogSumExp:
      return logf(a) + shift;
    default:
      return a;
  }
}

struct MergeOp {
  GpuReduceOp op;
  __device__ float operator()(float a, float b) const { return reduce_merge(op, a, b); }
};

// LogSumExp shifts by the maximum unless that is infinite or NaN, which decides the result alone
// (shifting by it would turn +inf into NaN).
__device__ __forceinline__ float shift_of(float max) {
  return isfinite(max) ? max : 0.0f;
}

__device__ __forceinline__ int64_t axes_offset(int64_t index, int rank, const int64_t* sizes,
                                               const int64_t* strides) {
  if (rank == 1) return index * strides[0];
  int64_t offset = 0;
  for (int d = rank - 1; d >= 0; --d) {
    offset += (index % sizes[d]) * strides[d];
    index /= sizes[d];
  }
  return offset;
}

__device__ __forceinline__ int64_t kept_offset(const ReduceGeometry& g, int64_t o) {
  return axes_offset(o, g.kept_rank, g.kept_sizes, g.kept_strides);
}
__device__ __forceinline__ int64_t reduced_offset(const ReduceGeometry& g, int64_t r) {
  return axes_offset(r, g.reduced_rank, g.reduced_sizes, g.reduced_strides);
}

// One block per output: its threads stride over the reduced set, whose innermost axis is
// contiguous.
template <typename T>
__global__ void reduce_rows_kernel(GpuReduceOp op, const T* x, T* y, ReduceGeometry g) {
  __shared__ float shared[32];
  for (int64_t o = blockIdx.x; o < g.outputs; o += gridDim.x) {
    const T* base = x + kept_offset(g, o);
    float shift = 0.0f;
    if (op == GpuReduceOp::kLogSumExp) {
      float m = -CUDART_INF_F;
      for (int64_t r = threadIdx.x; r < g.count; r += blockDim.x) {
        m = MaxOp()(m, to_float(base[reduced_offset(g, r)]));
      }
      shift = shift_of(block_reduce(m, MaxOp(), -CUDART_INF_F, shared));
    }
    float a = reduce_init(op);
    for (int64_t r = threadIdx.x; r < g.count; r += blockDim.x) {
      a = reduce_step(op, a, to_float(base[reduced_offset(g, r)]), shift);
    }
    a = block_reduce(a, MergeOp{op}, reduce_init(op), shared);
    if (threadIdx.x == 0) y[o] = from_float<T>(reduce_finish(op, a, g.count, shift));
  }
}

// Tiles of kColumnTile neighbouring outputs, one per threadIdx.x; the kColumnSplit threads of
// threadIdx.y share each output's reduced set in contiguous chunks, merged in shared memory.
constexpr int kColumnTile = 32;
constexpr int kColumnSplit = 8;

template <typename T>
__global__ void reduce_columns_kernel(GpuReduceOp op, const T* x, T* y, ReduceGeometry g) {
  __shared__ float partial[kColumnSplit][kColumnTile];
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int64_t chunk = (g.count + kColumnSplit - 1) / kColumnSplit;
  const int64_t first = ty * chunk;
  const int64_t last = min(g.count, first + chunk);
  const int64_t tiles = (g.outputs + kColumnTile - 1) / kColumnTile;
  for (int64_t tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
    const int64_t o = tile * kColumnTile + tx;
    const bool valid = o < g.outputs;
    const T* base = valid ? x + kept_offset(g, o) : x;
    float shift = 0.0f;
    if (op == GpuReduceOp::kLogSumExp) {
      float m = -CUDART_INF_F;
      if (valid) {
        for (int64_t r = first; r < last; ++r) m = MaxOp()(m, to_float(base[reduced_offset(g, r)]));
      }
      partial[ty][tx] = m;
      __syncthreads();
      m = partial[0][tx];
      for (int s = 1; s < kColumnSplit; ++s) m = MaxOp()(m, partial[s][tx]);
      shift = shift_of(m);
      __syncthreads();
    }
    float a = reduce_init(op);
    if (valid) {
      for (int64_t r = first; r < last; ++r) {
        a = reduce_step(op, a, to_float(base[reduced_offset(g, r)]), shift);
      }
    }
    partial[ty][tx] = a;
    __syncthreads();
    if (ty == 0 && valid) {
      for (int s = 1; s < kColumnSplit; ++s) a = reduce_merge(op, a, partial[s][tx]);
      y[o] = from_float<T>(reduce_finish(op, a, g.count, shift));
    }
    __syncthreads();
  }
}

template <typename T>
cudaError_t reduce_typed(GpuReduceOp op, const T* x, T* y, const ReduceGeometry& g,
                         cudaStream_t stream) {
  if (g.outputs <= 0) return cudaSuccess;
  if (g.innermost_reduced && g.count >= 32) {
    reduce_rows_kernel<T><<<blocks_for(g.outputs), threads_for(g.count), 0, stream>>>(op, x, y, g);
  } else {
    const int64_t tiles = (g.outputs + kColumnTile - 1) / kColumnTile;
    reduce_columns_kernel<T>
        <<<blocks_for(tiles), dim3(kColumnTile, kColumnSplit), 0, stream>>>(op, x, y, g);
  }
  return cudaGetLastError();
}

// ---- ArgMax / ArgMin ----------------------------------------------------------------------------

// Whether candidate (v, i) beats (best, best_i) as the sequential scan defines the result: NaN
// beats every number; a strictly greater (smaller for ArgMin) value wins; among equal values, or
// two NaNs, the smaller index wins, or the larger one with select_last_index.
__device__ __forceinline__ bool arg_beats(bool is_max, bool last, float v, int64_t i, float best,
                                          int64_t best_i) {
  const bool v_nan = isnan(v), best_nan = isnan(best);
  if (v_nan != best_nan) return v_nan;
  if (!v_nan && v != best) return is_max ? v > best : v < best;
  return last ? i > best_i : i < best_i;
}

template <typename T>
__global__ void arg_reduce_rows_kernel(bool is_max, bool last, const T* x, int64_t* y,
                                       int64_t outer, int64_t n) {
  __shared__ float shared_v[32];
  __shared__ int64_t shared_i[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int warps = blockDim.x >> 5;
  for (int64_t o = blockIdx.x; o < outer; o += gridDim.x) {
    const T* row = x + o * n;
    // Thread 0 always sees index 0, so every thread that sees no element starts from that and
    // can never beat a real candidate with it.
    float best = to_float(row[0]);
    int64_t best_i = 0;
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x) {
      const float v = to_float(row[k]);
      if (arg_beats(is_max, last, v, k, best, best_i)) {
        best = v;
        best_i = k;
      }
    }
    for (int offset = 16; offset > 0; offset >>= 1) {
      const float v = __shfl_xor_sync(kFullMask, best, offset);
      const int64_t i = __shfl_xor_sync(kFullMask, best_i, offset);
      if (arg_beats(is_max, last, v, i, best, best_i)) {
        best = v;
        best_i = i;
      }
    }
    __syncthreads();
    if (lane == 0) {
      shared_v[warp] = best;
      shared_i[warp] = best_i;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      for (int w = 1; w < warps; ++w) {
        if (arg_beats(is_max, last, shared_v[w], shared_i[w], best, best_i)) {
          best = shared_v[w];
          best_i = shared_i[w];
        }
      }
      y[o] = best_i;
    }
  }
}

template <typename T>
__global__ void arg_reduce_columns_kernel(bool is_max, bool last, const T* x, int64_t* y,
                                          int64_t outer, int64_t n, int64_t inner) {
  const int64_t total = outer * inner;
  for (int64_t line = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; line < total;
       line += int64_t{gridDim.x} * blockDim.x) {
    const int64_t o = line / inner, i = line % inner;
    const T* in = x + o * n * inner + i;
    float best = to_float(in[0]);
    int64_t best_i = 0;
    for (int64_t k = 1; k < n; ++k) {
      const float v = to_float(in[k * inner]);
      if (arg_beats(is_max, last, v, k, best, best_i)) {
        best = v;
        best_i = k;
      }
    }
    y[line] = best_i;
  }
}

template <typename T>
cudaError_t arg_reduce_typed(bool is_max, bool last, const T* x, int64_t* y, int64_t outer,
                             int64_t n, int64_t inner, cudaStream_t stream) {
  if (outer <= 0 || inner <= 0 || n <= 0) return cudaSuccess;
  if (inner == 1 && n >= 32) {
    arg_reduce_rows_kernel<T>
        <<<blocks_for(outer), threads_for(n), 0, stream>>>(is_max, last, x, y, outer, n);
  } else {
    constexpr int kThreads = 256;
    arg_reduce_columns_kernel<T>
        <<<blocks_for((outer * inner + kThreads - 1) / kThreads), kThreads, 0, stream>>>(
            is_max, last, x, y, outer, n, inner);
  }
  return cudaGetLastError();
}

// ---- Softmax / LogSoftmax / LpNormalization along one axis --------------------------------------

// The result for one element of a line, given the line's statistics: `max` and `sum` (of
// exp(x - max)) for the softmaxes, `sum` (of |x| or x^2) for the norms.
__device__ __forceinline__ float axis_result(GpuAxisOp op, float v, float max, float sum) {
  switch (op) {
    case GpuAxisOp::kSoftmax:
      return expf(v - max) / sum;
    case GpuAxisOp::kLogSoftmax:
      return v - max - logf(sum);
    case GpuAxisOp::kL1:
      return sum == 0.0f ? 0.0f : v / sum;
    default: {
      const float norm = sqrtf(sum);
      return norm == 0.0f ? 0.0f : v / norm;
    }
  }
}

__device__ __forceinline__ float axis_term(GpuAxisOp op, float v, float max) {
  switch (op) {
    case GpuAxisOp::kSoftmax:
    case GpuAxisOp::kLogSoftmax:
      return expf(v - max);
    case GpuAxisOp::kL1:
      return fabsf(v);
    default:
      return v * v;
  }
}

__device__ __forceinline__ bool needs_max(GpuAxisOp op) {
  return op == GpuAxisOp::kSoftmax || op == GpuAxisOp::kLogSoftmax;
}

// One block per contiguous line (inner == 1).
template <typename T>
__global__ void axis_rows_kernel(GpuAxisOp op, const T* x, T* y, int64_t lines, int64_t n) {
  __shared__ float shared[32];
  for (int64_t line = blockIdx.x; line < lines; line += gridDim.x) {
    const T* in = x + line * n;
    T* out = y + line * n;
    float max = 0.0f;
    if (needs_max(op)) {
      float m = -CUDART_INF_F;
      for (int64_t k = threadIdx.x; k < n; k += blockDim.x) m = MaxOp()(m, to_float(in[k]));
      max = block_reduce(m, MaxOp(), -CUDART_INF_F, shared);
    }
    float s = 0.0f;
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x) s += axis_term(op, to_float(in[k]), max);
    s = block_reduce(s, SumOp(), 0.0f, shared);
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x) {
      out[k] = from_float<T>(axis_result(op, to_float(in[k]), max, s));
    }
  }
}

// One thread per line of a strided axis (inner > 1): neighbouring threads read neighbouring
// elements.
template <typename T>
__global__ void axis_columns_kernel(GpuAxisOp op, const T* x, T* y, int64_t outer, int64_t n,
                                    int64_t inner) {
  const int64_t total = outer * inner;
  for (int64_t line = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; line < total;
       line += int64_t{gridDim.x} * blockDim.x) {
    const int64_t offset = (line / inner) * n * inner + line % inner;
    const T* in = x + offset;
    T* out = y + offset;
    float max = 0.0f;
    if (needs_max(op)) {
      max = -CUDART_INF_F;
      for (int64_t k = 0; k < n; ++k) max = MaxOp()(max, to_float(in[k * inner]));
    }
    float s = 0.0f;
    for (int64_t k = 0; k < n; ++k) s += axis_term(op, to_float(in[k * inner]), max);
    for (int64_t k = 0; k < n; ++k) {
      out[k * inner] = from_float<T>(axis_result(op, to_float(in[k * inner]), max, s));
    }
  }
}

template <typename T>
cudaError_t axis_op_typed(GpuAxisOp op, const T* x, T* y, int64_t outer, int64_t n, int64_t inner,
                          cudaStream_t stream) {
  if (outer <= 0 || n <= 0 || inner <= 0) return cudaSuccess;
  if (inner == 1) {
    axis_rows_kernel<T><<<blocks_for(outer), threads_for(n), 0, stream>>>(op, x, y, outer, n);
  } else {
    constexpr int kThreads = 256;
    axis_columns_kernel<T>
        <<<blocks_for((outer * inner + kThreads - 1) / kThreads), kThreads, 0, stream>>>(
            op, x, y, outer, n, inner);
  }
  return cudaGetLastError();
}

// ---- row normalization --------------------------------------------------------------------------

template <typename T>
struct RowNormArgs {
  const T* x;
  T* y;
  const T* skip;
  const T* skip_bias;
  T* sum;
  const T* scale;
  const T* bias;
};

// v = x + skip + skip_bias at element i of row r (offset = r * row_size + i).
template <typename T>
__device__ __forceinline__ float row_value(const RowNormArgs<T>& a, int64_t offset, int64_t i) {
  float v = to_float(a.x[offset]);
  if (a.skip != nullptr) v += to_float(a.skip[offset]);
  if (a.skip_bias != nullptr) v += to_float(a.skip_bias[i]);
  return v;
}

template <typename S>
__device__ __forceinline__ void store_stat(void* out, int64_t r, float v) {
  static_cast<S*>(out)[r] = from_float<S>(v);
}

template <typename T>
__global__ void row_norm_kernel(RowNormArgs<T> a, RowNormParams p) {
  __shared__ float shared[32];
  const float count = static_cast<float>(p.row_size);
  for (int64_t r = blockIdx.x; r < p.rows; r += gridDim.x) {
    const int64_t row = r * p.row_size;
    float mean = 0.0f;
    if (p.center) {
      float s = 0.0f;
      for (int64_t i = threadIdx.x; i < p.row_size; i += blockDim.x) s += row_value(a, row + i, i);
      mean = block_reduce(s, SumOp(), 0.0f, shared) / count;
    }
    // The second moment about the mean (0 for RMS), from a second pass: no cancellation.
    float s2 = 0.0f;
    for (int64_t i = threadIdx.x; i < p.row_size; i += blockDim.x) {
      const float d = row_value(a, row + i, i) - mean;
      s2 += d * d;
    }
    const float var = block_reduce(s2, SumOp(), 0.0f, shared) / count;
    const float inv_std =
        p.epsilon_on_std ? 1.0f / (sqrtf(var) + p.epsilon) : rsqrtf(var + p.epsilon);
    if (threadIdx.x == 0) {
      // A row of no elements: 0 / 0 above already made both NaN for LayerNormalization; say so
      // for RMS too.
      const float m = p.row_size == 0 ? CUDART_NAN_F : (p.center ? mean : 0.0f);
      const float is = p.row_size == 0 ? CUDART_NAN_F : inv_std;
      if (p.stat_type == GpuFloat::kBFloat16) {
        if (p.mean != nullptr) store_stat<__nv_bfloat16>(p.mean, r, m);
        if (p.inv_std != nullptr) store_stat<__nv_bfloat16>(p.inv_std, r, is);
      } else {
        if (p.mean != nullptr) store_stat<float>(p.mean, r, m);
        if (p.inv_std != nullptr) store_stat<float>(p.inv_std, r, is);
      }
    }
    const int64_t param_base = (r % p.param_period) * p.param_segments;
    for (int64_t i = threadIdx.x; i < p.row_size; i += blockDim.x) {
      const float v = row_value(a, row + i, i);
      if (a.sum != nullptr) a.sum[row + i] = from_float<T>(v);
      float scale = 1.0f, bias = 0.0f;
      if (a.scale != nullptr) {
        scale = to_float(a.scale[param_base + (i % p.param_modulo) / p.param_segment_size]);
      }
      if (a.bias != nullptr) {
        bias = to_float(a.bias[param_base + (i % p.bias_modulo) / p.param_segment_size]);
      }
      a.y[row + i] = from_float<T>((v - mean) * inv_std * scale + bias);
    }
  }
}

template <typename T>
cudaError_t row_norm_typed(const T* x, T* y, const RowNormParams& p, cudaStream_t stream) {
  if (p.param_period <= 0 || p.param_modulo <= 0 || p.bias_modulo <= 0 ||
      p.param_segment_size <= 0) {
    return cudaErrorInvalidValue;
  }
  if (p.rows <= 0) return cudaSuccess;
  RowNormArgs<T> a{x,
                   y,
                   static_cast<const T*>(p.skip),
                   static_cast<const T*>(p.skip_bias),
                   static_cast<T*>(p.sum),
                   static_cast<const T*>(p.scale),
                   static_cast<const T*>(p.bias)};
  row_norm_kernel<T><<<blocks_for(p.rows), threads_for(p.row_size), 0, stream>>>(a, p);
  return cudaGetLastError();
}

// ---- Attention's masked softmax -----------------------------------------------------------------

template <typename T>
__device__ __forceinline__ float masked_score(const float* scores, const T* mask, int64_t mask_row,
                                              int64_t stride_sk, int64_t j) {
  float s = scores[j];
  if (mask != nullptr) s += to_float(mask[mask_row + j * stride_sk]);
  return s;
}

// One block per row of scores (head b, query i).
template <typename T>
__global__ void attention_softmax_kernel(const float* scores, T* probs, int64_t first_batch,
                                         int64_t batches, int64_t sq, int64_t sk, AttentionMask m) {
  __shared__ float shared[32];
  const T* mask = static_cast<const T*>(m.data);
  const int64_t rows = batches * sq;
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const int64_t b = first_batch + row / sq, i = row % sq;
    int64_t mask_row = 0;
    if (mask != nullptr) {
      mask_row = i * m.stride_sq;
      int64_t rest = b;
      for (int d = m.lead_rank - 1; d >= 0; --d) {
        mask_row += (rest % m.lead_sizes[d]) * m.lead_strides[d];
        rest /= m.lead_sizes[d];
      }
    }
    const float* in = scores + row * sk;
    T* out = probs + row * sk;
    float mx = -CUDART_INF_F;
    for (int64_t j = threadIdx.x; j < sk; j += blockDim.x) {
      mx = MaxOp()(mx, masked_score(in, mask, mask_row, m.stride_sk, j));
    }
    mx = block_reduce(mx, MaxOp(), -CUDART_INF_F, shared);
    float s = 0.0f;
    for (int64_t j = threadIdx.x; j < sk; j += blockDim.x) {
      s += expf(masked_score(in, mask, mask_row, m.stride_sk, j) - mx);
    }
    s = block_reduce(s, SumOp(), 0.0f, shared);
    // Each element is read and then written by the same thread after both reductions, so probs
    // may be the scores themselves.
    for (int64_t j = threadIdx.x; j < sk; j += blockDim.x) {
      out[j] = from_float<T>(expf(masked_score(in, mask, mask_row, m.stride_sk, j) - mx) / s);
    }
  }
}

template <typename T>
cudaError_t attention_softmax_typed(const float* scores, T* probs, int64_t first_batch,
                                    int64_t batches, int64_t sq, int64_t sk,
                                    const AttentionMask& mask, cudaStream_t stream) {
  if (batches <= 0 || sq <= 0 || sk <= 0) return cudaSuccess;
  attention_softmax_kernel<T><<<blocks_for(batches * sq), threads_for(sk), 0, stream>>>(
      scores, probs, first_batch, batches, sq, sk, mask);
  return cudaGetLastError();
}

// Calls go(T{}) for the element type.
template <typename F>
cudaError_t dispatch(GpuFloat type, F&& go) {
  switch (type) {
    case GpuFloat::kFloat32:
      return go(float{});
    case GpuFloat::kFloat16:
      return go(__half{});
    case GpuFloat::kBFloat16:
      return go(__nv_bfloat16{});
  }
  return cudaErrorInvalidValue;
}

}  // namespace

cudaError_t launch_reduce(GpuReduceOp op, GpuFloat type, const void* x, void* y,
                          const ReduceGeometry& geometry, cudaStream_t stream) {
  return dispatch(type, [&](auto tag) {
    using T = decltype(tag);
    return reduce_typed<T>(op, static_cast<const T*>(x), static_cast<T*>(y), geometry, stream);
  });
}

cudaError_t launch_arg_reduce(bool is_max, bool select_last_index, GpuFloat type, const void* x,
                              int64_t* y, int64_t outer, int64_t n, int64_t inner,
                              cudaStream_t stream) {
  return dispatch(type, [&](auto tag) {
    using T = decltype(tag);
    return arg_reduce_typed<T>(is_max, select_last_index, static_cast<const T*>(x), y, outer, n,
                               inner, stream);
  });
}

cudaError_t launch_axis_op(GpuAxisOp op, GpuFloat type, const void* x, void* y, int64_t outer,
                           int64_t n, int64_t inner, cudaStream_t stream) {
  return dispatch(type, [&](auto tag) {
    using T = decltype(tag);
    return axis_op_typed<T>(op, static_cast<const T*>(x), static_cast<T*>(y), outer, n, inner,
                            stream);
  });
}

cudaError_t launch_row_normalization(GpuFloat type, const void* x, void* y,
                                     const RowNormParams& params, cudaStream_t stream) {
  return dispatch(type, [&](auto tag) {
    using T = decltype(tag);
    return row_norm_typed<T>(static_cast<const T*>(x), static_cast<T*>(y), params, stream);
  });
}

cudaError_t launch_attention_softmax(GpuFloat type, const float* scores, void* probs,
                                     int64_t first_batch, int64_t batches, int64_t sq, int64_t sk,
                                     const AttentionMask& mask, cudaStream_t stream) {
  return dispatch(type, [&](auto tag) {
    using T = decltype(tag);
    return attention_softmax_typed<T>(scores, static_cast<T*>(probs), first_batch, batches, sq, sk,
                                      mask, stream);
  });
}

}  // namespace aruntime::gpu
