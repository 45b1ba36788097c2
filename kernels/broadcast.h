// Numpy-style multidirectional broadcasting for binary elementwise kernels. A BroadcastPlan views
// the output as rows of `inner` elements over collapsed outer dimensions; within a row each input
// either advances with the output (stride 1) or repeats one element (stride 0), which is what lets
// the inner loops vectorise.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "aruntime/shape.h"
#include "kernels/parallel.h"

namespace aruntime::kernels {

// The broadcast of `a` and `b`, or nullopt when a pair of dimensions is neither equal nor 1.
std::optional<Shape> broadcast_shapes(const Shape& a, const Shape& b);

struct BroadcastPlan {
  // Collapsed outer dimensions (all but the innermost) and each input's element stride along them.
  std::vector<int64_t> outer_dims;
  std::vector<int64_t> a_outer_strides;
  std::vector<int64_t> b_outer_strides;
  int64_t inner = 1;           // elements per row
  int64_t a_inner_stride = 0;  // 0 (repeat) or 1 (advance)
  int64_t b_inner_stride = 0;
  int64_t num_elements = 0;  // of the output
};

// `out` must be broadcast_shapes(a, b).
BroadcastPlan make_broadcast_plan(const Shape& a, const Shape& b, const Shape& out);

// Calls fn(a_offset, b_offset, out_offset, length) for the row segments covering output elements
// [begin, end); within a segment input offsets advance by the plan's inner strides.
template <typename Fn>
void for_each_broadcast_segment(const BroadcastPlan& plan, int64_t begin, int64_t end, Fn&& fn) {
  if (begin >= end) return;
  const size_t rank = plan.outer_dims.size();
  int64_t row = begin / plan.inner;
  int64_t col = begin % plan.inner;
  std::vector<int64_t> index(rank, 0);
  int64_t a_off = 0, b_off = 0;
  for (size_t d = rank; d-- > 0;) {
    index[d] = row % plan.outer_dims[d];
    row /= plan.outer_dims[d];
    a_off += index[d] * plan.a_outer_strides[d];
    b_off += index[d] * plan.b_outer_strides[d];
  }
  int64_t pos = begin;
  while (pos < end) {
    const int64_t len = std::min(plan.inner - col, end - pos);
    fn(a_off + col * plan.a_inner_stride, b_off + col * plan.b_inner_stride, pos, len);
    pos += len;
    col = 0;
    for (size_t d = rank; d-- > 0;) {
      a_off += plan.a_outer_strides[d];
      b_off += plan.b_outer_strides[d];
      if (++index[d] < plan.outer_dims[d]) break;
      a_off -= plan.a_outer_strides[d] * plan.outer_dims[d];
      b_off -= plan.b_outer_strides[d] * plan.outer_dims[d];
      index[d] = 0;
    }
  }
}

// out[i] = op(a[i*sa], b[i*sb]) for i < n, with sa, sb in {0, 1}. The four stride cases are
// separate loops so that the compiler sees unit-stride or invariant operands.
template <typename TA, typename TB, typename TO, typename Op>
inline void binary_span(const TA* a, int64_t sa, const TB* b, int64_t sb, TO* out, int64_t n,
                        const Op& op) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = op(a[i], b[i]);
  } else if (sa == 1) {
    const TB bv = b[0];
    for (int64_t i = 0; i < n; ++i) out[i] = op(a[i], bv);
  } else if (sb == 1) {
    const TA av = a[0];
    for (int64_t i = 0; i < n; ++i) out[i] = op(av, b[i]);
  } else {
    const TO v = op(a[0], b[0]);
    for (int64_t i = 0; i < n; ++i) out[i] = v;
  }
}

// out = op(a, b) with broadcasting, split over threads. `cost` is the rough per-element cost.
template <typename TA, typename TB, typename TO, typename Op>
void binary_broadcast(const BroadcastPlan& plan, const TA* a, const TB* b, TO* out, int64_t cost,
                      const Op& op) {
  parallel_for(plan.num_elements, cost, [&](int64_t begin, int64_t end) {
    for_each_broadcast_segment(plan, begin, end,
                               [&](int64_t a_off, int64_t b_off, int64_t out_off, int64_t len) {
                                 binary_span(a + a_off, plan.a_inner_stride, b + b_off,
                                             plan.b_inner_stride, out + out_off, len, op);
                               });
  });
}

}  // namespace aruntime::kernels
