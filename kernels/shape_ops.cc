#include "kernels/shape_ops.h"

#include <climits>

#include "kernels/copy.h"

namespace aruntime::kernels {

AxisSlice resolve_slice(int64_t start, int64_t end, int64_t step, int64_t dim) {
  auto adjust = [&](int64_t v) {
    if (v < 0) {
      v += dim;
      if (v < 0) v = step < 0 ? -1 : 0;
    } else if (v >= dim) {
      v = step < 0 ? dim - 1 : dim;
    }
    return v;
  };
  start = adjust(start);
  end = adjust(end);
  int64_t count = 0;
  if (step > 0) {
    if (start < end) count = (end - start - 1) / step + 1;
  } else {
    const int64_t back_step = step == INT64_MIN ? INT64_MAX : -step;
    if (end < start) count = (start - end - 1) / back_step + 1;
  }
  return {start, step, count};
}

StridedView slice_view(const std::vector<int64_t>& in_dims, const std::vector<AxisSlice>& slices) {
  const std::vector<int64_t> in_strides = contiguous_strides(in_dims);
  StridedView v;
  v.dims.resize(in_dims.size());
  v.src_strides.resize(in_dims.size());
  for (size_t d = 0; d < in_dims.size(); ++d) {
    v.dims[d] = slices[d].count;
    v.src_strides[d] = in_strides[d] * slices[d].step;
    if (slices[d].count > 0) v.offset += slices[d].start * in_strides[d];
  }
  return v;
}

StridedView expand_view(const std::vector<int64_t>& in_dims, const std::vector<int64_t>& out_dims) {
  const std::vector<int64_t> in_strides = contiguous_strides(in_dims);
  StridedView v;
  v.dims = out_dims;
  v.src_strides.assign(out_dims.size(), 0);
  const size_t lead = out_dims.size() - in_dims.size();
  for (size_t d = lead; d < out_dims.size(); ++d) {
    if (in_dims[d - lead] != 1) v.src_strides[d] = in_strides[d - lead];
  }
  return v;
}

StridedView tile_view(const std::vector<int64_t>& in_dims, const std::vector<int64_t>& repeats) {
  const std::vector<int64_t> in_strides = contiguous_strides(in_dims);
  StridedView v;
  for (size_t d = 0; d < in_dims.size(); ++d) {
    v.dims.insert(v.dims.end(), {repeats[d], in_dims[d]});
    v.src_strides.insert(v.src_strides.end(), {0, in_strides[d]});
  }
  return v;
}

TransposeView depth_to_space_view(const std::vector<int64_t>& in_dims, int64_t blocksize,
                                  bool crd) {
  const int64_t n = in_dims[0], c = in_dims[1], h = in_dims[2], w = in_dims[3], b = blocksize;
  const int64_t oc = c / b / b;
  if (crd) return {{n, oc, b, b, h, w}, {0, 1, 4, 2, 5, 3}};
  return {{n, b, b, oc, h, w}, {0, 3, 4, 1, 5, 2}};
}

TransposeView space_to_depth_view(const std::vector<int64_t>& in_dims, int64_t blocksize) {
  const int64_t n = in_dims[0], c = in_dims[1], h = in_dims[2], w = in_dims[3], b = blocksize;
  return {{n, c, h / b, b, w / b, b}, {0, 3, 5, 1, 2, 4}};
}

}  // namespace aruntime::kernels
