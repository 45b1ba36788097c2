#include "providers/gpu/ops/movement_kernels.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace aruntime::gpu {
namespace {

constexpr int kThreads = 256;
// Grid-stride loops cover whatever a grid of this many blocks does not.
constexpr int64_t kMaxBlocks = 1 << 16;
// 32-bit index arithmetic is used when every index and offset stays below this (with room for
// the grid stride to be added to the last index without overflowing).
constexpr int64_t kInt32IndexLimit = int64_t{1} << 30;

unsigned blocks_for(int64_t count) {
  return static_cast<unsigned>(std::min<int64_t>((count + kThreads - 1) / kThreads, kMaxBlocks));
}

// Calls f(T{}) with the unsigned integer type of `element_size` bytes: elements move as bits.
template <typename F>
cudaError_t with_bits_type(size_t element_size, F&& f) {
  switch (element_size) {
    case 1:
      return f(uint8_t{});
    case 2:
      return f(uint16_t{});
    case 4:
      return f(uint32_t{});
    case 8:
      return f(uint64_t{});
    default:
      return cudaErrorInvalidValue;
  }
}

// ---- Strided copy ----------------------------------------------------------------------------

template <typename Index>
struct CopyParams {
  int rank = 0;
  Index dims[kMaxCopyDims] = {};
  Index src_strides[kMaxCopyDims] = {};
  Index dst_strides[kMaxCopyDims] = {};
};

template <typename T, typename Index>
__global__ void strided_copy_kernel(const T* __restrict__ src, T* __restrict__ dst,
                                    CopyParams<Index> p, Index count) {
  const Index step = static_cast<Index>(blockDim.x) * static_cast<Index>(gridDim.x);
  for (Index i = static_cast<Index>(blockIdx.x) * static_cast<Index>(blockDim.x) + threadIdx.x;
       i < count; i += step) {
    Index rem = i, s = 0, d = 0;
    for (int k = p.rank - 1; k >= 0; --k) {
      const Index c = rem % p.dims[k];
      rem /= p.dims[k];
      s += c * p.src_strides[k];
      d += c * p.dst_strides[k];
    }
    dst[d] = src[s];
  }
}

// The swap of the two innermost dims into a contiguous destination: the destination is
// [outer..., a, b], the source reads a with stride 1 and b with stride b_src_stride. A block
// moves a 32x32 tile through shared memory so that both the reads (along a) and the writes
// (along b) are coalesced.
constexpr int kTile = 32;
constexpr int kTileRows = 8;

template <typename Index>
struct TileParams {
  int outer_rank = 0;
  Index outer_dims[kMaxCopyDims] = {};
  Index outer_src_strides[kMaxCopyDims] = {};
  Index a = 0, b = 0;
  Index b_src_stride = 0;
  Index tiles_a = 0, tiles_b = 0, total_tiles = 0;
};

template <typename T, typename Index>
__global__ void transpose_tiles_kernel(const T* __restrict__ src, T* __restrict__ dst,
                                       TileParams<Index> p) {
  __shared__ T tile[kTile][kTile + 1];
  // The loop bound depends on blockIdx only, so every thread of a block reaches each barrier.
  for (Index t = blockIdx.x; t < p.total_tiles; t += gridDim.x) {
    const Index tb = t % p.tiles_b;
    const Index rest = t / p.tiles_b;
    const Index ta = rest % p.tiles_a;
    Index outer = rest / p.tiles_a;
    const Index dst_base = outer * p.a * p.b;
    Index src_base = 0;
    for (int k = p.outer_rank - 1; k >= 0; --k) {
      src_base += (outer % p.outer_dims[k]) * p.outer_src_strides[k];
      outer /= p.outer_dims[k];
    }
    const Index a0 = ta * kTile, b0 = tb * kTile;
    const Index tx = threadIdx.x;
    for (Index r = threadIdx.y; r < kTile; r += kTileRows) {
      const Index a = a0 + tx, b = b0 + r;
      if (a < p.a && b < p.b) tile[r][tx] = src[src_base + a + b * p.b_src_stride];
    }
    __syncthreads();
    for (Index r = threadIdx.y; r < kTile; r += kTileRows) {
      const Index a = a0 + r, b = b0 + tx;
      if (a < p.a && b < p.b) dst[dst_base + a * p.b + b] = tile[tx][r];
    }
    __syncthreads();
  }
}

// Drops unit dims and merges neighbours that are contiguous on both sides.
StridedCopy simplify(const StridedCopy& in) {
  StridedCopy out;
  for (int d = 0; d < in.rank; ++d) {
    if (in.dims[d] == 1) continue;
    if (out.rank > 0) {
      const int k = out.rank - 1;
      if (out.src_strides[k] == in.src_strides[d] * in.dims[d] &&
          out.dst_strides[k] == in.dst_strides[d] * in.dims[d]) {
        out.dims[k] *= in.dims[d];
        out.src_strides[k] = in.src_strides[d];
        out.dst_strides[k] = in.dst_strides[d];
        continue;
      }
    }
    out.dims[out.rank] = in.dims[d];
    out.src_strides[out.rank] = in.src_strides[d];
    out.dst_strides[out.rank] = in.dst_strides[d];
    ++out.rank;
  }
  return out;
}

// Largest |offset| a copy reaches on one side, in double (only compared with kInt32IndexLimit).
double max_offset(const StridedCopy& c, const int64_t* strides) {
  double total = 0;
  for (int d = 0; d < c.rank; ++d) {
    total += static_cast<double>(c.dims[d] - 1) * std::fabs(static_cast<double>(strides[d]));
  }
  return total;
}

bool dst_contiguous(const StridedCopy& c) {
  int64_t expected = 1;
  for (int d = c.rank - 1; d >= 0; --d) {
    if (c.dst_strides[d] != expected) return false;
    expected *= c.dims[d];
  }
  return true;
}

template <typename Index>
cudaError_t launch_strided(const void* src, void* dst, size_t element_size, const StridedCopy& c,
                           int64_t count, cudaStream_t stream) {
  CopyParams<Index> p;
  p.rank = c.rank;
  for (int d = 0; d < c.rank; ++d) {
    p.dims[d] = static_cast<Index>(c.dims[d]);
    p.src_strides[d] = static_cast<Index>(c.src_strides[d]);
    p.dst_strides[d] = static_cast<Index>(c.dst_strides[d]);
  }
  return with_bits_type(element_size, [&](auto tag) {
    using T = decltype(tag);
    strided_copy_kernel<T, Index><<<blocks_for(count), kThreads, 0, stream>>>(
        static_cast<const T*>(src), static_cast<T*>(dst), p, static_cast<Index>(count));
    return cudaGetLastError();
  });
}

template <typename Index>
cudaError_t launch_tiles(const void* src, void* dst, size_t element_size, const StridedCopy& c,
                         cudaStream_t stream) {
  TileParams<Index> p;
  p.outer_rank = c.rank - 2;
  int64_t outer = 1;
  for (int d = 0; d < p.outer_rank; ++d) {
    p.outer_dims[d] = static_cast<Index>(c.dims[d]);
    p.outer_src_strides[d] = static_cast<Index>(c.src_strides[d]);
    outer *= c.dims[d];
  }
  p.a = static_cast<Index>(c.dims[c.rank - 2]);
  p.b = static_cast<Index>(c.dims[c.rank - 1]);
  p.b_src_stride = static_cast<Index>(c.src_strides[c.rank - 1]);
  const int64_t tiles_a = (c.dims[c.rank - 2] + kTile - 1) / kTile;
  const int64_t tiles_b = (c.dims[c.rank - 1] + kTile - 1) / kTile;
  p.tiles_a = static_cast<Index>(tiles_a);
  p.tiles_b = static_cast<Index>(tiles_b);
  const int64_t total = tiles_a * tiles_b * outer;
  p.total_tiles = static_cast<Index>(total);
  const unsigned blocks = static_cast<unsigned>(std::min<int64_t>(total, kMaxBlocks));
  return with_bits_type(element_size, [&](auto tag) {
    using T = decltype(tag);
    transpose_tiles_kernel<T, Index><<<blocks, dim3(kTile, kTileRows), 0, stream>>>(
        static_cast<const T*>(src), static_cast<T*>(dst), p);
    return cudaGetLastError();
  });
}

// ---- Fill ------------------------------------------------------------------------------------

template <typename T>
__global__ void fill_kernel(T* dst, int64_t count, T value) {
  const int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += step) {
    dst[i] = value;
  }
}

// ---- Gather / GatherElements -----------------------------------------------------------------

template <typename T, typename Ind>
__global__ void gather_kernel(const T* __restrict__ src, const Ind* __restrict__ indices,
                              T* __restrict__ dst, int64_t axis_dim, int64_t inner,
                              int64_t num_indices, int64_t count) {
  const int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += step) {
    const int64_t k = i % inner;
    const int64_t row = i / inner;
    const int64_t j = row % num_indices;
    const int64_t o = row / num_indices;
    int64_t index = static_cast<int64_t>(indices[j]);
    if (index < 0) index += axis_dim;
    dst[i] = (index >= 0 && index < axis_dim) ? src[(o * axis_dim + index) * inner + k] : T(0);
  }
}

template <typename T, typename Ind>
__global__ void gather_elements_kernel(const T* __restrict__ src, const Ind* __restrict__ indices,
                                       T* __restrict__ dst, GatherElementsGeometry g,
                                       int64_t count) {
  const int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += step) {
    int64_t index = static_cast<int64_t>(indices[i]);
    if (index < 0) index += g.axis_dim;
    if (index < 0 || index >= g.axis_dim) {
      dst[i] = T(0);
      continue;
    }
    int64_t rem = i, offset = 0;
    for (int k = g.rank - 1; k >= 0; --k) {
      const int64_t c = rem % g.index_dims[k];
      rem /= g.index_dims[k];
      offset += (k == g.axis ? index : c) * g.data_strides[k];
    }
    dst[i] = src[offset];
  }
}

// ---- Pad -------------------------------------------------------------------------------------

template <typename T>
__global__ void pad_kernel(const T* __restrict__ src, T* __restrict__ dst, PadGeometry g,
                           int64_t count, const T* fill_device, T fill_value) {
  const T fill = fill_device != nullptr ? *fill_device : fill_value;
  const int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += step) {
    int64_t rem = i, offset = 0;
    bool outside = false;
    for (int k = g.rank - 1; k >= 0; --k) {
      const int64_t c = rem % g.out_dims[k];
      rem /= g.out_dims[k];
      const int64_t s = kernels::pad_source_index(c - g.pad_begin[k], g.kept[k], g.mode);
      if (s < 0) {
        outside = true;
      } else {
        offset += (s + g.crop_begin[k]) * g.src_strides[k];
      }
    }
    dst[i] = outside ? fill : src[offset];
  }
}

// ---- Resize ----------------------------------------------------------------------------------

// The input coordinate output coordinate `o` maps to; the same expressions, in the same order,
// as kernels/resize.cc. The _rn intrinsics keep nvcc from fusing a multiply and an add, so that
// nearest picks the same input element as the CPU kernel on ties.
__device__ double original_coordinate(const ResizeAxisGeometry& a, ResizeTransform transform,
                                      int64_t o) {
  const double in = static_cast<double>(a.input_size);
  const double target = __dmul_rn(a.scale, in);
  const double x = static_cast<double>(o);
  const double half_pixel = __dsub_rn(__ddiv_rn(__dadd_rn(x, 0.5), a.scale), 0.5);
  switch (transform) {
    case ResizeTransform::kHalfPixel:
      return half_pixel;
    case ResizeTransform::kHalfPixelSymmetric: {
      const double adjustment = __ddiv_rn(static_cast<double>(a.output_size), target);
      const double offset = __dmul_rn(__ddiv_rn(in, 2.0), __dsub_rn(1.0, adjustment));
      return __dsub_rn(__dadd_rn(offset, __ddiv_rn(__dadd_rn(x, 0.5), a.scale)), 0.5);
    }
    case ResizeTransform::kPytorchHalfPixel:
      return a.output_size > 1 ? half_pixel : 0.0;
    case ResizeTransform::kAlignCorners:
      return target == 1.0 ? 0.0
                           : __ddiv_rn(__dmul_rn(x, __dsub_rn(in, 1.0)), __dsub_rn(target, 1.0));
    case ResizeTransform::kAsymmetric:
      return __ddiv_rn(x, a.scale);
    case ResizeTransform::kTfHalfPixelForNn:
      return __ddiv_rn(__dadd_rn(x, 0.5), a.scale);
  }
  return 0.0;
}

__device__ int64_t clamp_index(int64_t i, int64_t size) {
  return i < 0 ? 0 : (i > size - 1 ? (size > 0 ? size - 1 : 0) : i);
}

__device__ int64_t nearest_input_index(const ResizeAxisGeometry& a, const ResizeGeometry& g,
                                       int64_t o) {
  const double c = original_coordinate(a, g.transform, o);
  const double fl = floor(c);
  const double frac = __dsub_rn(c, fl);
  double r = fl;
  switch (g.rounding) {
    case ResizeRounding::kRoundPreferFloor:
      r = frac <= 0.5 ? fl : fl + 1;
      break;
    case ResizeRounding::kRoundPreferCeil:
      r = frac < 0.5 ? fl : fl + 1;
      break;
    case ResizeRounding::kFloor:
      r = fl;
      break;
    case ResizeRounding::kCeil:
      r = ceil(c);
      break;
    case ResizeRounding::kSimple:
      r = a.scale < 1.0 ? ceil(c) : fl;
      break;
  }
  r = fmin(fmax(r, -1.0), 9.0e15);
  return clamp_index(static_cast<int64_t>(r), a.input_size);
}

template <typename T>
__global__ void resize_nearest_kernel(const T* __restrict__ src, T* __restrict__ dst,
                                      ResizeGeometry g, int64_t count) {
  const int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += step) {
    int64_t rem = i, offset = 0, stride = 1;
    for (int k = g.rank - 1; k >= 0; --k) {
      const ResizeAxisGeometry& a = g.axes[k];
      const int64_t c = rem % a.output_size;
      rem /= a.output_size;
      // An axis left alone maps each coordinate to itself (tf_half_pixel_for_nn shifts by half a
      // pixel, so it does not qualify).
      const bool same = a.input_size == a.output_size && a.scale == 1.0 &&
                        g.transform != ResizeTransform::kTfHalfPixelForNn;
      const int64_t in = same ? c : nearest_input_index(a, g, c);
      offset += in * stride;
      stride *= a.input_size;
    }
    dst[i] = src[offset];
  }
}

// Linear interpolation loads and stores through float.
__device__ float load_float(const float* p) {
  return *p;
}
__device__ float load_float(const __half* p) {
  return __half2float(*p);
}
__device__ float load_float(const __nv_bfloat16* p) {
  return __bfloat162float(*p);
}
template <typename I>
__device__ float load_float(const I* p) {
  return static_cast<float>(*p);
}

__device__ void store_float(float v, float* p) {
  *p = v;
}
__device__ void store_float(float v, __half* p) {
  *p = __float2half_rn(v);
}
__device__ void store_float(float v, __nv_bfloat16* p) {
  *p = __float2bfloat16_rn(v);
}
// Integers: truncated toward zero and saturated, as the CPU kernel writes them back.
template <typename I>
__device__ void store_float(float v, I* p) {
  const float lo = static_cast<float>(std::numeric_limits<I>::lowest());
  const float hi = static_cast<float>(std::numeric_limits<I>::max());
  *p = v <= lo ? std::numeric_limits<I>::lowest()
               : (v >= hi ? std::numeric_limits<I>::max() : static_cast<I>(v));
}

template <typename T>
__global__ void resize_linear_kernel(const T* __restrict__ src, T* __restrict__ dst,
                                     ResizeGeometry g, int64_t count) {
  const int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += step) {
    // Axes whose two taps both have weight go to `lo/hi`; the rest fold into base.
    int64_t lo[kMaxMovementRank], hi[kMaxMovementRank];
    float w_lo[kMaxMovementRank], w_hi[kMaxMovementRank];
    int active = 0;
    int64_t base = 0;
    float base_weight = 1.0f;
    int64_t rem = i, stride = 1;
    for (int k = g.rank - 1; k >= 0; --k) {
      const ResizeAxisGeometry& a = g.axes[k];
      const int64_t o = rem % a.output_size;
      rem /= a.output_size;
      // Two taps left and right of the coordinate, weighted as kernels/resize.cc does.
      const double c = original_coordinate(a, g.transform, o);
      double left = floor(c);
      double ratio = __dsub_rn(c, left);
      if (ratio == 0.0) {
        ratio = 1.0;
        left -= 1.0;
      }
      left = fmin(fmax(left, -1.0e15), 1.0e15);
      const int64_t i0 = static_cast<int64_t>(left), i1 = i0 + 1;
      double w0 = fmax(0.0, 1.0 - fabs(-ratio));
      double w1 = fmax(0.0, 1.0 - fabs(1.0 - ratio));
      if (g.exclude_outside) {
        if (i0 < 0 || i0 >= a.input_size) w0 = 0.0;
        if (i1 < 0 || i1 >= a.input_size) w1 = 0.0;
        const double sum = w0 + w1;
        if (sum != 0.0) {
          w0 /= sum;
          w1 /= sum;
        }
      }
      const float f0 = static_cast<float>(w0), f1 = static_cast<float>(w1);
      const int64_t off0 = clamp_index(i0, a.input_size) * stride;
      const int64_t off1 = clamp_index(i1, a.input_size) * stride;
      if (f1 == 0.0f) {
        base += off0;
        base_weight *= f0;
      } else if (f0 == 0.0f) {
        base += off1;
        base_weight *= f1;
      } else {
        lo[active] = off0;
        hi[active] = off1;
        w_lo[active] = f0;
        w_hi[active] = f1;
        ++active;
      }
      stride *= a.input_size;
    }
    float acc = 0.0f;
    for (int corner = 0; corner < (1 << active); ++corner) {
      int64_t offset = base;
      float w = base_weight;
      for (int j = 0; j < active; ++j) {
        const bool high = (corner >> j) & 1;
        offset += high ? hi[j] : lo[j];
        w *= high ? w_hi[j] : w_lo[j];
      }
      acc += w * load_float(src + offset);
    }
    store_float(acc, dst + i);
  }
}

template <typename T>
cudaError_t launch_resize_linear(const void* src, void* dst, const ResizeGeometry& g, int64_t count,
                                 cudaStream_t stream) {
  resize_linear_kernel<T><<<blocks_for(count), kThreads, 0, stream>>>(
      static_cast<const T*>(src), static_cast<T*>(dst), g, count);
  return cudaGetLastError();
}

}  // namespace

cudaError_t copy_strided(const void* src, void* dst, size_t element_size, const StridedCopy& copy,
                         cudaStream_t stream) {
  if (copy.rank < 0 || copy.rank > kMaxCopyDims) return cudaErrorInvalidValue;
  int64_t count = 1;
  for (int d = 0; d < copy.rank; ++d) {
    if (copy.dims[d] <= 0) return copy.dims[d] == 0 ? cudaSuccess : cudaErrorInvalidValue;
    count *= copy.dims[d];
  }
  const StridedCopy c = simplify(copy);
  if (c.rank == 0 || (c.rank == 1 && c.src_strides[0] == 1 && c.dst_strides[0] == 1)) {
    return cudaMemcpyAsync(dst, src, static_cast<size_t>(count) * element_size,
                           cudaMemcpyDeviceToDevice, stream);
  }
  const bool small = count < kInt32IndexLimit && max_offset(c, c.src_strides) < kInt32IndexLimit &&
                     max_offset(c, c.dst_strides) < kInt32IndexLimit;
  // Tiles pay off when both swapped dims fill a good part of a 32x32 tile.
  const bool swap_last_two = c.rank >= 2 && dst_contiguous(c) && c.src_strides[c.rank - 2] == 1 &&
                             c.src_strides[c.rank - 1] != 1 && c.dims[c.rank - 2] >= 8 &&
                             c.dims[c.rank - 1] >= 8;
  if (swap_last_two) {
    return small ? launch_tiles<int32_t>(src, dst, element_size, c, stream)
                 : launch_tiles<int64_t>(src, dst, element_size, c, stream);
  }
  return small ? launch_strided<int32_t>(src, dst, element_size, c, count, stream)
               : launch_strided<int64_t>(src, dst, element_size, c, count, stream);
}

cudaError_t fill_elements(void* dst, size_t element_size, int64_t count, uint64_t bits,
                          cudaStream_t stream) {
  if (count <= 0) return cudaSuccess;
  return with_bits_type(element_size, [&](auto tag) {
    using T = decltype(tag);
    fill_kernel<T><<<blocks_for(count), kThreads, 0, stream>>>(static_cast<T*>(dst), count,
                                                               static_cast<T>(bits));
    return cudaGetLastError();
  });
}

cudaError_t gather(const void* src, const void* indices, bool indices_int64, void* dst,
                   size_t element_size, int64_t outer, int64_t axis_dim, int64_t inner,
                   int64_t num_indices, cudaStream_t stream) {
  const int64_t count = outer * num_indices * inner;
  if (count <= 0) return cudaSuccess;
  return with_bits_type(element_size, [&](auto tag) {
    using T = decltype(tag);
    if (indices_int64) {
      gather_kernel<T, int64_t><<<blocks_for(count), kThreads, 0, stream>>>(
          static_cast<const T*>(src), static_cast<const int64_t*>(indices), static_cast<T*>(dst),
          axis_dim, inner, num_indices, count);
    } else {
      gather_kernel<T, int32_t><<<blocks_for(count), kThreads, 0, stream>>>(
          static_cast<const T*>(src), static_cast<const int32_t*>(indices), static_cast<T*>(dst),
          axis_dim, inner, num_indices, count);
    }
    return cudaGetLastError();
  });
}

cudaError_t gather_elements(const void* src, const void* indices, bool indices_int64, void* dst,
                            size_t element_size, const GatherElementsGeometry& geometry,
                            int64_t count, cudaStream_t stream) {
  if (count <= 0) return cudaSuccess;
  if (geometry.rank < 1 || geometry.rank > kMaxMovementRank) return cudaErrorInvalidValue;
  return with_bits_type(element_size, [&](auto tag) {
    using T = decltype(tag);
    if (indices_int64) {
      gather_elements_kernel<T, int64_t><<<blocks_for(count), kThreads, 0, stream>>>(
          static_cast<const T*>(src), static_cast<const int64_t*>(indices), static_cast<T*>(dst),
          geometry, count);
    } else {
      gather_elements_kernel<T, int32_t><<<blocks_for(count), kThreads, 0, stream>>>(
          static_cast<const T*>(src), static_cast<const int32_t*>(indices), static_cast<T*>(dst),
          geometry, count);
    }
    return cudaGetLastError();
  });
}

cudaError_t pad(const void* src, void* dst, size_t element_size, const PadGeometry& geometry,
                int64_t count, const void* fill_device, uint64_t fill_bits, cudaStream_t stream) {
  if (count <= 0) return cudaSuccess;
  if (geometry.rank < 0 || geometry.rank > kMaxMovementRank) return cudaErrorInvalidValue;
  return with_bits_type(element_size, [&](auto tag) {
    using T = decltype(tag);
    pad_kernel<T><<<blocks_for(count), kThreads, 0, stream>>>(
        static_cast<const T*>(src), static_cast<T*>(dst), geometry, count,
        static_cast<const T*>(fill_device), static_cast<T>(fill_bits));
    return cudaGetLastError();
  });
}

cudaError_t resize_nearest(const void* src, void* dst, size_t element_size,
                           const ResizeGeometry& geometry, int64_t count, cudaStream_t stream) {
  if (count <= 0) return cudaSuccess;
  if (geometry.rank < 0 || geometry.rank > kMaxMovementRank) return cudaErrorInvalidValue;
  return with_bits_type(element_size, [&](auto tag) {
    using T = decltype(tag);
    resize_nearest_kernel<T><<<blocks_for(count), kThreads, 0, stream>>>(
        static_cast<const T*>(src), static_cast<T*>(dst), geometry, count);
    return cudaGetLastError();
  });
}

cudaError_t resize_linear(const void* src, void* dst, ResizeElement element,
                          const ResizeGeometry& geometry, int64_t count, cudaStream_t stream) {
  if (count <= 0) return cudaSuccess;
  if (geometry.rank < 0 || geometry.rank > kMaxMovementRank) return cudaErrorInvalidValue;
  switch (element) {
    case ResizeElement::kFloat32:
      return launch_resize_linear<float>(src, dst, geometry, count, stream);
    case ResizeElement::kFloat16:
      return launch_resize_linear<__half>(src, dst, geometry, count, stream);
    case ResizeElement::kBFloat16:
      return launch_resize_linear<__nv_bfloat16>(src, dst, geometry, count, stream);
    case ResizeElement::kInt8:
      return launch_resize_linear<int8_t>(src, dst, geometry, count, stream);
    case ResizeElement::kUInt8:
      return launch_resize_linear<uint8_t>(src, dst, geometry, count, stream);
    case ResizeElement::kInt32:
      return launch_resize_linear<int32_t>(src, dst, geometry, count, stream);
    case ResizeElement::kInt64:
      return launch_resize_linear<int64_t>(src, dst, geometry, count, stream);
  }
  return cudaErrorInvalidValue;
}

}  // namespace aruntime::gpu
