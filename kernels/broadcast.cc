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

std::optional<Shape> broadcast_shapes(const std::vector<Shape>& shapes) {
  if (shapes.empty()) return std::nullopt;
  Shape out = shapes[0];
  for (size_t i = 1; i < shapes.size(); ++i) {
    std::optional<Shape> next = broadcast_shapes(out, shapes[i]);
    if (!next) return std::nullopt;
    out = std::move(*next);
  }
  return out;
}

MultiBroadcastPlan make_multi_broadcast_plan(const std::vector<Shape>& inputs, const Shape& out) {
  const size_t rank = out.rank();
  const size_t n = inputs.size();
  std::vector<std::vector<int64_t>> input_strides(n);
  for (size_t k = 0; k < n; ++k) input_strides[k] = broadcast_strides(inputs[k], rank);

  // Drop unit dimensions, then merge neighbours that every input traverses as one.
  std::vector<int64_t> dims;
  std::vector<std::vector<int64_t>> strides(n);
  for (size_t i = 0; i < rank; ++i) {
    if (out[i] == 1) continue;
    bool mergeable = !dims.empty();
    for (size_t k = 0; k < n && mergeable; ++k) {
      mergeable = strides[k].back() == input_strides[k][i] * out[i];
    }
    if (mergeable) {
      dims.back() *= out[i];
      for (size_t k = 0; k < n; ++k) strides[k].back() = input_strides[k][i];
      continue;
    }
    dims.push_back(out[i]);
    for (size_t k = 0; k < n; ++k) strides[k].push_back(input_strides[k][i]);
  }

  MultiBroadcastPlan plan;
  plan.num_elements = out.num_elements();
  plan.inner_strides.assign(n, 0);
  if (dims.empty()) {
    plan.inner = 1;
    plan.outer_strides.resize(n);
    return plan;
  }
  plan.inner = dims.back();
  dims.pop_back();
  for (size_t k = 0; k < n; ++k) {
    plan.inner_strides[k] = strides[k].back();
    strides[k].pop_back();
  }
  plan.outer_dims = std::move(dims);
  plan.outer_strides = std::move(strides);
  return plan;
}

BroadcastPlan make_broadcast_plan(const Shape& a, const Shape& b, const Shape& out) {
  MultiBroadcastPlan multi = make_multi_broadcast_plan({a, b}, out);
  BroadcastPlan plan;
  plan.outer_dims = std::move(multi.outer_dims);
  plan.a_outer_strides = std::move(multi.outer_strides[0]);
  plan.b_outer_strides = std::move(multi.outer_strides[1]);
  plan.inner = multi.inner;
  plan.a_inner_stride = multi.inner_strides[0];
  plan.b_inner_stride = multi.inner_strides[1];
  plan.num_elements = multi.num_elements;
  return plan;
}

}  // namespace aruntime::kernels
