#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cmath>

#include "providers/gpu/ops/dense_kernels.h"
#include "providers/gpu/ops/device_common.cuh"

namespace aruntime::gpu::dense {
namespace {

constexpr int kThreads = 256;
// Grid-stride loops cover any count; more blocks than this only add scheduling work.
constexpr int64_t kMaxBlocks = 65535;

int blocks_for(int64_t count) {
  return static_cast<int>(std::min<int64_t>((count + kThreads - 1) / kThreads, kMaxBlocks));
}

// Element `i` of a tensor whose type is known only at run time (BatchNormalization's parameters).
__device__ __forceinline__ double load_as_double(const void* p, DenseType type, int64_t i) {
  switch (type) {
    case DenseType::kFloat16:
      return __half2float(static_cast<const __half*>(p)[i]);
    case DenseType::kBFloat16:
      return __bfloat162float(static_cast<const __nv_bfloat16*>(p)[i]);
    case DenseType::kFloat32:
    default:
      return static_cast<const float*>(p)[i];
  }
}

__device__ __forceinline__ float sigmoid(float x) {
  // exp of a non-positive argument only: no overflow on either side.
  if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
  const float e = expf(x);
  return e / (1.0f + e);
}

// Comparisons written so that NaN passes through, as kernels/activation.cc does.
__device__ __forceinline__ float unit_clamp(float v) {
  v = v < 0.0f ? 0.0f : v;
  return v > 1.0f ? 1.0f : v;
}

__device__ __forceinline__ float activate(float x, kernels::ActivationKind kind, float alpha,
                                          float beta) {
  switch (kind) {
    case kernels::ActivationKind::kIdentity:
      return x;
    case kernels::ActivationKind::kRelu:
      return x < 0.0f ? 0.0f : x;
    case kernels::ActivationKind::kClip: {
      const float v = x < alpha ? alpha : x;
      return v > beta ? beta : v;
    }
    case kernels::ActivationKind::kSigmoid:
      return sigmoid(x);
    case kernels::ActivationKind::kHardSigmoid:
      return unit_clamp(alpha * x + beta);
    case kernels::ActivationKind::kHardSwish:
      return x * unit_clamp(x * (1.0f / 6.0f) + 0.5f);
    case kernels::ActivationKind::kLeakyRelu:
      return x < 0.0f ? x * alpha : x;
    case kernels::ActivationKind::kTanh:
      return tanhf(x);
    case kernels::ActivationKind::kGelu:
      return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
    case kernels::ActivationKind::kGeluTanh: {
      const float inner = 0.79788456080286536f * (x + 0.044715f * x * x * x);
      return 0.5f * x * (1.0f + tanhf(inner));
    }
    case kernels::ActivationKind::kSwish:
      return x * sigmoid(alpha * x);
  }
  return x;
}

template <typename T>
__global__ void epilogue_kernel(T* y, int64_t count, DenseEpilogue e) {
  const T* bias = static_cast<const T*>(e.bias);
  const T* residual = static_cast<const T*>(e.residual);
  const int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += step) {
    float v = to_float(y[i]);
    if (bias != nullptr) {
      const int64_t index = ((i / e.bias_inner) % e.bias_period) * e.bias_outer_stride +
                            (i % e.bias_inner) * e.bias_inner_stride;
      v += e.bias_scale * to_float(bias[index]);
    }
    if (residual != nullptr) v += to_float(residual[i]);
    y[i] = from_float<T>(activate(v, e.activation, e.alpha, e.beta));
  }
}

template <typename T>
__global__ void window_copy_kernel(const T* src, T* dst, int64_t count, WindowCopy c) {
  const int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += step) {
    int64_t rest = i, src_index = 0, src_stride = 1;
    bool inside = true;
    for (int d = c.rank - 1; d >= 0; --d) {
      const int64_t coord = rest % c.dst_dims[d] + c.offsets[d];
      rest /= c.dst_dims[d];
      inside = inside && coord >= 0 && coord < c.src_dims[d];
      src_index += coord * src_stride;
      src_stride *= c.src_dims[d];
    }
    dst[i] = inside ? src[src_index] : from_float<T>(0.0f);
  }
}

template <typename T>
__global__ void window_pool_kernel(const T* x, T* y, int64_t count, WindowPool p) {
  int64_t in_plane = 1, out_plane = 1;
  for (int d = 0; d < p.rank; ++d) {
    in_plane *= p.input[d];
    out_plane *= p.output[d];
  }
  const int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += step) {
    const int64_t plane = i / out_plane;
    int64_t rest = i % out_plane;
    int64_t start[kDensePoolRank] = {0, 0, 0};
    int64_t taps[kDensePoolRank] = {1, 1, 1};
    int64_t in_image = 1, in_padded = 1;
    for (int d = p.rank - 1; d >= 0; --d) {
      const int64_t o = rest % p.output[d];
      rest /= p.output[d];
      start[d] = o * p.strides[d] - p.pads_begin[d];
      taps[d] = p.kernel[d];
      int64_t inside = 0, padded = 0;
      for (int64_t k = 0; k < p.kernel[d]; ++k) {
        const int64_t pos = start[d] + k * p.dilations[d];
        inside += pos >= 0 && pos < p.input[d];
        padded += pos >= -p.pads_begin[d] && pos < p.input[d] + p.pads_end[d];
      }
      in_image *= inside;
      in_padded *= padded;
    }
    const T* xp = x + plane * in_plane;
    float acc = p.max ? -INFINITY : 0.0f;
    // Unused axes have one tap at position 0 of an axis of size 1.
    for (int64_t k0 = 0; k0 < taps[0]; ++k0) {
      const int64_t i0 = start[0] + k0 * p.dilations[0];
      if (i0 < 0 || i0 >= p.input[0]) continue;
      for (int64_t k1 = 0; k1 < (p.rank > 1 ? taps[1] : 1); ++k1) {
        const int64_t i1 = p.rank > 1 ? start[1] + k1 * p.dilations[1] : 0;
        if (p.rank > 1 && (i1 < 0 || i1 >= p.input[1])) continue;
        for (int64_t k2 = 0; k2 < (p.rank > 2 ? taps[2] : 1); ++k2) {
          const int64_t i2 = p.rank > 2 ? start[2] + k2 * p.dilations[2] : 0;
          if (p.rank > 2 && (i2 < 0 || i2 >= p.input[2])) continue;
          int64_t offset = i0;
          if (p.rank > 1) offset = offset * p.input[1] + i1;
          if (p.rank > 2) offset = offset * p.input[2] + i2;
          const float v = to_float(xp[offset]);
          if (p.max) {
            acc = v > acc ? v : acc;  // NaN never wins
          } else {
            acc += v;
          }
        }
      }
    }
    if (!p.max) acc /= static_cast<float>(p.count_include_pad ? in_padded : in_image);
    y[i] = from_float<T>(acc);
  }
}

// One warp per plane: planes of any size, float accumulation, lanes combined by shuffles.
template <typename T>
__global__ void global_pool_kernel(const T* x, T* y, int64_t planes, int64_t plane_size, bool max) {
  const int lane = static_cast<int>(threadIdx.x % 32);
  const int64_t warp = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int64_t warps = static_cast<int64_t>(blockDim.x) * gridDim.x / 32;
  for (int64_t p = warp; p < planes; p += warps) {
    const T* xp = x + p * plane_size;
    float acc = max ? -INFINITY : 0.0f;
    for (int64_t i = lane; i < plane_size; i += 32) {
      const float v = to_float(xp[i]);
      if (max) {
        acc = v > acc ? v : acc;
      } else {
        acc += v;
      }
    }
    for (int offset = 16; offset > 0; offset /= 2) {
      const float other = __shfl_down_sync(0xffffffffu, acc, offset);
      if (max) {
        acc = other > acc ? other : acc;
      } else {
        acc += other;
      }
    }
    if (lane == 0) y[p] = from_float<T>(max ? acc : acc / static_cast<float>(plane_size));
  }
}

__global__ void batch_norm_coefficients_kernel(BatchNormParams p, float* coefficients) {
  const int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; c < p.channels;
       c += step) {
    const double multiplier = load_as_double(p.scale, p.scale_type, c) /
                              sqrt(load_as_double(p.var, p.var_type, c) + p.epsilon);
    const double offset = load_as_double(p.bias, p.bias_type, c) -
                          load_as_double(p.mean, p.mean_type, c) * multiplier;
    coefficients[c] = static_cast<float>(multiplier);
    coefficients[p.channels + c] = static_cast<float>(offset);
  }
}

template <typename T>
__global__ void batch_norm_apply_kernel(const T* x, T* y, int64_t count, int64_t channels,
                                        int64_t spatial, const float* coefficients) {
  const int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += step) {
    const int64_t c = (i / spatial) % channels;
    y[i] = from_float<T>(to_float(x[i]) * coefficients[c] + coefficients[channels + c]);
  }
}

// Calls f(T{}) for the storage type of `type`.
template <typename F>
cudaError_t dispatch(DenseType type, F&& f) {
  switch (type) {
    case DenseType::kFloat32:
      f(float{});
      break;
    case DenseType::kFloat16:
      f(__half{});
      break;
    case DenseType::kBFloat16:
      f(__nv_bfloat16{});
      break;
    default:
      return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

}  // namespace

cudaError_t launch_dense_epilogue(DenseType type, void* y, int64_t count,
                                  const DenseEpilogue& epilogue, cudaStream_t stream) {
  if (count <= 0) return cudaSuccess;
  if (epilogue.bias != nullptr && (epilogue.bias_inner <= 0 || epilogue.bias_period <= 0)) {
    return cudaErrorInvalidValue;
  }
  return dispatch(type, [&](auto tag) {
    using T = decltype(tag);
    epilogue_kernel<T>
        <<<blocks_for(count), kThreads, 0, stream>>>(static_cast<T*>(y), count, epilogue);
  });
}

cudaError_t launch_window_copy(DenseType type, const void* src, void* dst, const WindowCopy& copy,
                               cudaStream_t stream) {
  if (copy.rank <= 0 || copy.rank > kDenseMaxRank) return cudaErrorInvalidValue;
  int64_t count = 1;
  for (int d = 0; d < copy.rank; ++d) count *= copy.dst_dims[d];
  if (count <= 0) return cudaSuccess;
  return dispatch(type, [&](auto tag) {
    using T = decltype(tag);
    window_copy_kernel<T><<<blocks_for(count), kThreads, 0, stream>>>(
        static_cast<const T*>(src), static_cast<T*>(dst), count, copy);
  });
}

cudaError_t launch_window_pool(DenseType type, const void* x, void* y, const WindowPool& pool,
                               cudaStream_t stream) {
  if (pool.rank <= 0 || pool.rank > kDensePoolRank) return cudaErrorInvalidValue;
  int64_t count = pool.planes;
  for (int d = 0; d < pool.rank; ++d) count *= pool.output[d];
  if (count <= 0) return cudaSuccess;
  return dispatch(type, [&](auto tag) {
    using T = decltype(tag);
    window_pool_kernel<T><<<blocks_for(count), kThreads, 0, stream>>>(
        static_cast<const T*>(x), static_cast<T*>(y), count, pool);
  });
}

cudaError_t launch_global_pool(DenseType type, bool max, const void* x, void* y, int64_t planes,
                               int64_t plane_size, cudaStream_t stream) {
  if (planes <= 0) return cudaSuccess;
  if (plane_size <= 0) return cudaErrorInvalidValue;
  constexpr int64_t kWarpsPerBlock = kThreads / 32;
  const int blocks = static_cast<int>(
      std::min<int64_t>((planes + kWarpsPerBlock - 1) / kWarpsPerBlock, kMaxBlocks));
  return dispatch(type, [&](auto tag) {
    using T = decltype(tag);
    global_pool_kernel<T><<<blocks, kThreads, 0, stream>>>(
        static_cast<const T*>(x), static_cast<T*>(y), planes, plane_size, max);
  });
}

cudaError_t launch_batch_norm_coefficients(const BatchNormParams& params, float* coefficients,
                                           cudaStream_t stream) {
  if (params.channels <= 0) return cudaSuccess;
  batch_norm_coefficients_kernel<<<blocks_for(params.channels), kThreads, 0, stream>>>(
      params, coefficients);
  return cudaGetLastError();
}

cudaError_t launch_batch_norm_apply(DenseType type, const void* x, void* y, int64_t batch,
                                    int64_t channels, int64_t spatial, const float* coefficients,
                                    cudaStream_t stream) {
  const int64_t count = batch * channels * spatial;
  if (count <= 0) return cudaSuccess;
  return dispatch(type, [&](auto tag) {
    using T = decltype(tag);
    batch_norm_apply_kernel<T><<<blocks_for(count), kThreads, 0, stream>>>(
        static_cast<const T*>(x), static_cast<T*>(y), count, channels, spatial, coefficients);
  });
}

}  // namespace aruntime::gpu::dense
