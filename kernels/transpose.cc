#include "kernels/transpose.h"

#include "kernels/copy.h"

namespace aruntime::kernels {

void transpose(DataType dtype, const void* in, std::span<const int64_t> in_dims,
               std::span<const int64_t> perm, void* out) {
  const std::vector<int64_t> in_strides = contiguous_strides(in_dims);
  std::vector<int64_t> out_dims(perm.size());
  std::vector<int64_t> src_strides(perm.size());
  for (size_t d = 0; d < perm.size(); ++d) {
    out_dims[d] = in_dims[perm[d]];
    src_strides[d] = in_strides[perm[d]];
  }
  strided_copy(dtype, in, src_strides, out, contiguous_strides(out_dims), out_dims);
}

bool transpose_is_reshape(std::span<const int64_t> in_dims, std::span<const int64_t> perm) {
  int64_t previous = -1;
  for (int64_t axis : perm) {
    if (in_dims[axis] == 1) continue;
    if (axis < previous) return false;
    previous = axis;
  }
  return true;
}

}  // namespace aruntime::kernels
