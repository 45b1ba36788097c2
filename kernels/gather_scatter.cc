#include "kernels/gather_scatter.h"

#include <string>
#include <type_traits>

#include "kernels/copy.h"
#include "kernels/elementwise.h"
#include "kernels/parallel.h"

namespace aruntime::kernels {
namespace {

template <typename T>
T combine(const T& current, const T& update, ScatterReduction reduction) {
  if constexpr (std::is_same_v<T, bool>) {
    switch (reduction) {
      case ScatterReduction::kAdd:
      case ScatterReduction::kMax:
        return current || update;
      case ScatterReduction::kMul:
      case ScatterReduction::kMin:
        return current && update;
      case ScatterReduction::kNone:
        break;
    }
    return update;
  } else {
    using C = compute_type_t<T>;
    const C a = to_compute(current);
    const C b = to_compute(update);
    switch (reduction) {
      case ScatterReduction::kAdd:
        return from_compute<T>(static_cast<C>(a + b));
      case ScatterReduction::kMul:
        return from_compute<T>(static_cast<C>(a * b));
      case ScatterReduction::kMax:
        return from_compute<T>(nan_propagating_max(a, b));
      case ScatterReduction::kMin:
        return from_compute<T>(nan_propagating_min(a, b));
      case ScatterReduction::kNone:
        break;
    }
    return update;
  }
}

}  // namespace

std::vector<int64_t> offsets_along_axis(std::span<const int64_t> data_dims,
                                        std::span<const int64_t> index_dims, int64_t axis,
                                        const int64_t* indices) {
  const std::vector<int64_t> data_strides = contiguous_strides(data_dims);
  const size_t last = index_dims.size() - 1;
  int64_t count = 1;
  for (int64_t d : index_dims) count *= d;
  std::vector<int64_t> offsets(static_cast<size_t>(count));
  if (count == 0) return offsets;
  // Rows along the last index dim are walked with a running offset; the outer coordinates are
  // recomputed per row, which keeps each parallel task independent.
  const int64_t inner = index_dims[last];
  const int64_t inner_stride = static_cast<int64_t>(last) == axis ? 0 : data_strides[last];
  parallel_for(count / inner, inner * 2, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      int64_t rest = r;
      int64_t base = 0;
      for (size_t d = last; d-- > 0;) {
        const int64_t coord = rest % index_dims[d];
        rest /= index_dims[d];
        if (static_cast<int64_t>(d) != axis) base += coord * data_strides[d];
      }
      for (int64_t j = 0; j < inner; ++j) {
        const int64_t p = r * inner + j;
        offsets[p] = base + j * inner_stride + indices[p] * data_strides[axis];
      }
    }
  });
  return offsets;
}

bool scatter_rows(DataType dtype, void* dst, int64_t inner, const int64_t* row_indices,
                  int64_t num_rows, const void* updates, ScatterReduction reduction) {
  bool supported = false;
  dispatch_type(AllTypes{}, dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* out = static_cast<T*>(dst);
    const T* src = static_cast<const T*>(updates);
    if (reduction == ScatterReduction::kNone) {
      for (int64_t j = 0; j < num_rows; ++j) {
        T* row = out + row_indices[j] * inner;
        const T* update = src + j * inner;
        for (int64_t i = 0; i < inner; ++i) row[i] = update[i];
      }
      supported = true;
      return;
    }
    if constexpr (!std::is_same_v<T, std::string>) {
      for (int64_t j = 0; j < num_rows; ++j) {
        T* row = out + row_indices[j] * inner;
        const T* update = src + j * inner;
        for (int64_t i = 0; i < inner; ++i) row[i] = combine(row[i], update[i], reduction);
      }
      supported = true;
    }
  });
  return supported;
}

}  // namespace aruntime::kernels
