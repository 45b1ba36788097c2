#include "kernels/broadcast.h"

namespace aruntime::kernels {

std::optional<Shape> broadcast_shapes(const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.rank(), b.rank());
  std::vector<int64_t> dims(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Align trailing dimensions; missing leading dimensions act as 1.
    const int64_t da = i < rank - a.rank() ? 1 : a[i - (rank - a.rank())];
    const int64_t db = i < rank - b.rank() ? 1 : b[i - (rank - b.rank())];
    if (da == db || db == 1) {
      dims[i] = da;
    } else if (da == 1) {
      dims[i] = db;
    } else {
      return std::nullopt;
    }
  }
  return Shape(std::move(dims));
}

namespace {

// Element strides of `s` aligned to the last `rank` output dims, 0 where `s` broadcasts.
std::vector<int64_t> broadcast_strides(const Shape& s, size_t rank) {
  std::vector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (size_t k = 0; k < s.rank(); ++k) {
    const size_t src = s.rank() - 1 - k;
    const size_t dst = rank - 1 - k;
    strides[dst] = s[src] == 1 ? 0 : stride;
    stride *= s[src];
  }
  return strides;
}

}  // namespace

BroadcastPlan make_broadcast_plan(const Shape& a, const Shape& b, const Shape& out) {
  const size_t rank = out.rank();
  const std::vector<int64_t> sa = broadcast_strides(a, rank);
  const std::vector<int64_t> sb = broadcast_strides(b, rank);

  // Drop unit dimensions, then merge neighbours that both inputs traverse as one.
  std::vector<int64_t> dims, strides_a, strides_b;
  for (size_t i = 0; i < rank; ++i) {
    if (out[i] == 1) continue;
    if (!dims.empty() && strides_a.back() == sa[i] * out[i] && strides_b.back() == sb[i] * out[i]) {
      dims.back() *= out[i];
      strides_a.back() = sa[i];
      strides_b.back() = sb[i];
      continue;
    }
    dims.push_back(out[i]);
    strides_a.push_back(sa[i]);
    strides_b.push_back(sb[i]);
  }

  BroadcastPlan plan;
  plan.num_elements = out.num_elements();
  if (dims.empty()) {
    plan.inner = 1;
    return plan;
  }
  plan.inner = dims.back();
  plan.a_inner_stride = strides_a.back();
  plan.b_inner_stride = strides_b.back();
  dims.pop_back();
  strides_a.pop_back();
  strides_b.pop_back();
  plan.outer_dims = std::move(dims);
  plan.a_outer_strides = std::move(strides_a);
  plan.b_outer_strides = std::move(strides_b);
  return plan;
}

}  // namespace aruntime::kernels
