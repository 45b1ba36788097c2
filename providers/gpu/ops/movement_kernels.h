// Device code of the GPU data-movement kernels (movement_ops.cc): plain launch functions over raw
// device pointers. Elements move as raw bytes of 1, 2, 4 or 8 bytes, so one instantiation serves
// every element type of that size; only Resize's linear mode looks at the values.
//
// Every launch function queues its work on `stream`, returns cudaGetLastError() (cudaSuccess when
// there is nothing to do) and never synchronises. Element offsets are int64 (tensors may exceed
// 2^31 elements); the kernels switch to 32-bit index arithmetic where every offset fits.
//
// This header is compiled by both nvcc and the host compiler: standard and CUDA headers only, and
// kernels/shape_ops.h, whose index arithmetic the device code shares with the CPU kernels.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "kernels/shape_ops.h"

namespace aruntime::gpu {

// The highest tensor rank the movement kernels take (larger ranks stay on the CPU).
inline constexpr int kMaxMovementRank = 8;
// A strided copy may see twice that many dims: Tile reads its output as [r0, d0, r1, d1, ...].
inline constexpr int kMaxCopyDims = 2 * kMaxMovementRank;

// dst[sum(c_d * dst_strides[d])] = src[sum(c_d * src_strides[d])] for every coordinate c of
// `dims`, strides in elements from the two base pointers. Source strides may be negative
// (reversed slices) or zero (broadcasts); destination positions must be distinct.
struct StridedCopy {
  int rank = 0;
  int64_t dims[kMaxCopyDims] = {};
  int64_t src_strides[kMaxCopyDims] = {};
  int64_t dst_strides[kMaxCopyDims] = {};
};

// Runs `copy` (unit dims dropped, dims contiguous on both sides merged). Whole-buffer copies go
// to cudaMemcpyAsync and the swap of the last two dims into a contiguous destination (the
// Transposes NCHW<->NHWC, [B,M,N]->[B,N,M]) to a tiled kernel through shared memory.
cudaError_t copy_strided(const void* src, void* dst, size_t element_size, const StridedCopy& copy,
                         cudaStream_t stream);

// Sets `count` elements of `element_size` bytes to the low bytes of `bits`.
cudaError_t fill_elements(void* dst, size_t element_size, int64_t count, uint64_t bits,
                          cudaStream_t stream);

// Gather: dst[o, j, i] = src[o, indices[j], i] for data [outer, axis_dim, inner] and
// `num_indices` indices (int32 or int64, on the device). Negative indices count from the end;
// an index outside [-axis_dim, axis_dim) is never dereferenced: its elements are zero.
cudaError_t gather(const void* src, const void* indices, bool indices_int64, void* dst,
                   size_t element_size, int64_t outer, int64_t axis_dim, int64_t inner,
                   int64_t num_indices, cudaStream_t stream);

// GatherElements: dst has the index tensor's shape; dst[p] = src[p with p[axis] = indices[p]].
// Out-of-range indices give zeros, as for gather.
struct GatherElementsGeometry {
  int rank = 0;
  int axis = 0;
  int64_t index_dims[kMaxMovementRank] = {};
  int64_t data_strides[kMaxMovementRank] = {};  // contiguous strides of the data tensor
  int64_t axis_dim = 0;                         // data's size along axis
};
cudaError_t gather_elements(const void* src, const void* indices, bool indices_int64, void* dst,
                            size_t element_size, const GatherElementsGeometry& geometry,
                            int64_t count, cudaStream_t stream);

// Pad, per axis: output position o reads kept-input position o - pad_begin (the kept input is the
// input without crop_begin leading elements and whatever the end crop drops), mapped back into
// [0, kept) by the mode where it falls outside; constant mode writes the fill value there.
using kernels::PadMode;
struct PadGeometry {
  int rank = 0;
  PadMode mode = PadMode::kConstant;
  int64_t out_dims[kMaxMovementRank] = {};
  int64_t src_strides[kMaxMovementRank] = {};
  int64_t pad_begin[kMaxMovementRank] = {};   // >= 0
  int64_t crop_begin[kMaxMovementRank] = {};  // >= 0
  int64_t kept[kMaxMovementRank] = {};        // > 0 on axes padded in a non-constant mode
};
// The fill value is *fill_device (one element on the device) when it is not null, else the low
// bytes of `fill_bits`.
cudaError_t pad(const void* src, void* dst, size_t element_size, const PadGeometry& geometry,
                int64_t count, const void* fill_device, uint64_t fill_bits, cudaStream_t stream);

// Resize (nearest and linear; cubic, antialias and tf_crop_and_resize stay on the CPU). The
// enumerators mirror kernels/resize.h.
enum class ResizeTransform : int {
  kHalfPixel = 0,
  kHalfPixelSymmetric = 1,
  kPytorchHalfPixel = 2,
  kAlignCorners = 3,
  kAsymmetric = 4,
  kTfHalfPixelForNn = 5,
};
enum class ResizeRounding : int {
  kRoundPreferFloor = 0,
  kRoundPreferCeil = 1,
  kFloor = 2,
  kCeil = 3,
  kSimple = 4,  // Resize-10: ceil when downsampling, floor otherwise
};
struct ResizeAxisGeometry {
  int64_t input_size = 0;
  int64_t output_size = 0;
  double scale = 1.0;  // the given scale, or output_size / input_size for sizes
};
struct ResizeGeometry {
  int rank = 0;
  ResizeTransform transform = ResizeTransform::kHalfPixel;
  ResizeRounding rounding = ResizeRounding::kRoundPreferFloor;
  bool exclude_outside = false;  // linear: taps outside the input get weight 0, then renormalise
  ResizeAxisGeometry axes[kMaxMovementRank] = {};
};
// Element types that linear interpolation reads and writes (in float, integers truncated toward
// zero and saturated on the way back, like the CPU kernel).
enum class ResizeElement : int { kFloat32, kFloat16, kBFloat16, kInt8, kUInt8, kInt32, kInt64 };

cudaError_t resize_nearest(const void* src, void* dst, size_t element_size,
                           const ResizeGeometry& geometry, int64_t count, cudaStream_t stream);
cudaError_t resize_linear(const void* src, void* dst, ResizeElement element,
                          const ResizeGeometry& geometry, int64_t count, cudaStream_t stream);

}  // namespace aruntime::gpu
