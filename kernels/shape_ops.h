// Shape and index arithmetic shared by every provider's data-movement kernels: pure functions over
// dims, with no tensors and no errors of their own (the callers validate and name the node). The
// inline ones also compile as CUDA device code, so a GPU kernel indexes exactly as the CPU does.
#pragma once

#include <cstdint>
#include <vector>

#if defined(__CUDACC__)
#define ARUNTIME_HOST_DEVICE __host__ __device__
#else
#define ARUNTIME_HOST_DEVICE
#endif

namespace aruntime::kernels {

// How Pad fills positions outside the kept input along an axis.
enum class PadMode : int { kConstant = 0, kReflect = 1, kEdge = 2, kWrap = 3 };

// The position in [0, n) that Pad's output position `i` (relative to the first kept input element)
// reads, or -1 for the constant. n > 0 unless the mode is constant.
ARUNTIME_HOST_DEVICE inline int64_t pad_source_index(int64_t i, int64_t n, PadMode mode) {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case PadMode::kConstant:
      return -1;
    case PadMode::kEdge:
      return i < 0 ? 0 : n - 1;
    case PadMode::kWrap:
      return ((i % n) + n) % n;
    case PadMode::kReflect: {
      if (n == 1) return 0;
      const int64_t period = 2 * (n - 1);
      const int64_t m = ((i % period) + period) % period;
      return m < n ? m : period - m;
    }
  }
  return -1;
}

// One sliced axis in numpy's terms: `count` elements from `start`, `step` apart.
struct AxisSlice {
  int64_t start;
  int64_t step;
  int64_t count;
};

// Python's slice.indices() for an axis of `dim` elements: negative start/end count from the end,
// then clamp to the axis (to [-1, dim-1] when stepping backwards). `step` must not be 0.
AxisSlice resolve_slice(int64_t start, int64_t end, int64_t step, int64_t dim);

// A strided read of a contiguous input: a view of `dims` whose element (i0, i1, ...) is input
// element offset + sum(ik * src_strides[k]). Copied out contiguously it is the op's output.
struct StridedView {
  std::vector<int64_t> dims;
  std::vector<int64_t> src_strides;
  int64_t offset = 0;
};
// Slice of an input of `in_dims`, one AxisSlice per dim.
StridedView slice_view(const std::vector<int64_t>& in_dims, const std::vector<AxisSlice>& slices);
// Expand of `in_dims` to the broadcast `out_dims`: stride 0 along broadcast dims.
StridedView expand_view(const std::vector<int64_t>& in_dims, const std::vector<int64_t>& out_dims);
// Tile of `in_dims` by `repeats`: the output viewed as [r0, d0, r1, d1, ...], stride 0 along each
// repeat dim.
StridedView tile_view(const std::vector<int64_t>& in_dims, const std::vector<int64_t>& repeats);

// DepthToSpace and SpaceToDepth are a transpose by `perm` of the 4-D input [N, C, H, W] viewed as
// the 6-D `dims` (blocksize must divide what it splits). DepthToSpace's DCR mode reads the channel
// index as (row, column, channel), CRD as (channel, row, column); SpaceToDepth inverts DCR.
struct TransposeView {
  std::vector<int64_t> dims;
  std::vector<int64_t> perm;
};
TransposeView depth_to_space_view(const std::vector<int64_t>& in_dims, int64_t blocksize, bool crd);
TransposeView space_to_depth_view(const std::vector<int64_t>& in_dims, int64_t blocksize);

}  // namespace aruntime::kernels
