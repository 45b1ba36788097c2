// Numpy-style multidirectional broadcasting for binary elementwise kernels. A BroadcastPlan views
// the output as rows of `inner` elements over collapsed outer dimensions; within a row each input
// either advances with the output (stride 1) or repeats one element (stride 0), which is what lets
// the inner loops vectorise.
#pragma once

#include <algorithm>
#include <array>
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

// The broadcast of all `shapes` (at least one), or nullopt when they are not compatible.
std::optional<Shape> broadcast_shapes(const std::vector<Shape>& shapes);

// BroadcastPlan for any number of inputs (Where broadcasts three).
struct MultiBroadcastPlan {
  std::vector<int64_t> outer_dims;
  std::vector<std::vector<int64_t>> outer_strides;  // [input][outer dim]
  int64_t inner = 1;
  std::vector<int64_t> inner_strides;  // per input: 0 (repeat) or 1 (advance)
  int64_t num_elements = 0;
};

// `out` must be broadcast_shapes(inputs).
MultiBroadcastPlan make_multi_broadcast_plan(const std::vector<Shape>& inputs, const Shape& out);

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

// for_each_broadcast_segment for a plan of N inputs: calls fn(offsets, out_offset, length) where
// offsets[k] is input k's element offset at the segment start. `plan` must have N inputs.
template <size_t N, typename Fn>
void for_each_multi_broadcast_segment(const MultiBroadcastPlan& plan, int64_t begin, int64_t end,
                                      Fn&& fn) {
  if (begin >= end) return;
  const size_t rank = plan.outer_dims.size();
  int64_t row = begin / plan.inner;
  int64_t col = begin % plan.inner;
  std::vector<int64_t> index(rank, 0);
  std::array<int64_t, N> offsets{};
  for (size_t d = rank; d-- > 0;) {
    index[d] = row % plan.outer_dims[d];
    row /= plan.outer_dims[d];
    for (size_t k = 0; k < N; ++k) offsets[k] += index[d] * plan.outer_strides[k][d];
  }
  std::array<int64_t, N> segment{};
  int64_t pos = begin;
  while (pos < end) {
    const int64_t len = std::min(plan.inner - col, end - pos);
    for (size_t k = 0; k < N; ++k) segment[k] = offsets[k] + col * plan.inner_strides[k];
    fn(segment, pos, len);
    pos += len;
    col = 0;
    for (size_t d = rank; d-- > 0;) {
      for (size_t k = 0; k < N; ++k) offsets[k] += plan.outer_strides[k][d];
      if (++index[d] < plan.outer_dims[d]) break;
      for (size_t k = 0; k < N; ++k) offsets[k] -= plan.outer_strides[k][d] * plan.outer_dims[d];
      index[d] = 0;
    }
  }
}

// out = op(a, b, c) with broadcasting over a three-input plan, split over threads. `op` may return
// a reference to one of its arguments (Where on strings copies only the chosen element).
template <typename TA, typename TB, typename TC, typename TO, typename Op>
void ternary_broadcast(const MultiBroadcastPlan& plan, const TA* a, const TB* b, const TC* c,
                       TO* out, int64_t cost, const Op& op) {
  const int64_t sa = plan.inner_strides[0];
  const int64_t sb = plan.inner_strides[1];
  const int64_t sc = plan.inner_strides[2];
  parallel_for(plan.num_elements, cost, [&](int64_t begin, int64_t end) {
    for_each_multi_broadcast_segment<3>(
        plan, begin, end, [&](const std::array<int64_t, 3>& off, int64_t out_off, int64_t len) {
          const TA* pa = a + off[0];
          const TB* pb = b + off[1];
          const TC* pc = c + off[2];
          TO* po = out + out_off;
          if (sa == 1 && sb == 1 && sc == 1) {
            for (int64_t i = 0; i < len; ++i) po[i] = op(pa[i], pb[i], pc[i]);
          } else {
            for (int64_t i = 0; i < len; ++i) po[i] = op(pa[i * sa], pb[i * sb], pc[i * sc]);
          }
        });
  });
}

}  // namespace aruntime::kernels
