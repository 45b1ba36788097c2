// Max and average pools over blocked ("NCHWc") feature maps. A pixel's 16 channels are one
// vector, so a window is a handful of whole-vector loads and maxes/adds. Each output row splits
// into border columns, whose taps are clipped to the image, and interior columns, where every
// column tap is inside the image and the tap loop runs without checks.
#include <algorithm>
#include <limits>

#include "kernels/nchwc.h"
#include "kernels/nchwc_vector.h"
#include "kernels/parallel.h"

namespace aruntime::kernels::nchwc {
namespace {

// Taps k in [lo, hi) of a window starting at `start`, with start + k * dilation in [begin, end).
struct TapRange {
  int64_t lo = 0, hi = 0;
  int64_t count() const { return hi - lo; }
};

TapRange taps_inside(int64_t start, int64_t kernel, int64_t dilation, int64_t begin, int64_t end) {
  TapRange r;
  r.lo = start >= begin ? 0 : std::min(kernel, (begin - start + dilation - 1) / dilation);
  r.hi = end - 1 - start < 0 ? 0 : std::min(kernel, (end - 1 - start) / dilation + 1);
  r.hi = std::max(r.lo, r.hi);
  return r;
}

struct MaxOp {
  static constexpr float kInit = -std::numeric_limits<float>::infinity();
  // NaN never wins (v > acc is false for it), as in kernels::max_pool.
  static void combine(Vec& acc, const Vec& v) { acc = max(v, acc); }
};

struct SumOp {
  static constexpr float kInit = 0.0f;
  static void combine(Vec& acc, const Vec& v) { acc += v; }
};

// The first and one-past-last output columns whose every column tap lies inside the image.
TapRange interior_columns(const Pool2dGeometry& g) {
  TapRange r;
  r.lo = g.pad_left > 0 ? (g.pad_left + g.stride_w - 1) / g.stride_w : 0;
  const int64_t last_tap = (g.kernel_w - 1) * g.dilation_w - g.pad_left;
  r.hi = g.in_w - 1 - last_tap < 0 ? 0 : (g.in_w - 1 - last_tap) / g.stride_w + 1;
  r.lo = std::min(r.lo, g.out_w);
  r.hi = std::clamp(r.hi, r.lo, g.out_w);
  return r;
}

// One output row of one channel block. `plane` is the block's [in_h, in_w, 16] input, `out` the
// row's [out_w, 16] output. finish(dst, acc, in_image_columns, padded_columns) stores a window's
// folded 16 lanes. kFixedKw > 0 is kernel_w known at compile time, so the tap loop unrolls.
template <typename Op, int kFixedKw, typename Finish>
void pool_row(const Pool2dGeometry& g, const TapRange& interior, const float* plane, int64_t oh,
              float* out, Finish finish) {
  const int64_t kw_count = kFixedKw > 0 ? kFixedKw : g.kernel_w;
  const int64_t in_w = g.in_w, stride_w = g.stride_w, pad_left = g.pad_left;
  const int64_t tap_step = g.dilation_w * kBlock;
  const int64_t ih0 = oh * g.stride_h - g.pad_top;
  const TapRange rows = taps_inside(ih0, g.kernel_h, g.dilation_h, 0, g.in_h);
  const int64_t row_step = g.dilation_h * in_w * kBlock;
  const float* first_row = plane + (ih0 + rows.lo * g.dilation_h) * in_w * kBlock;

  auto border = [&](int64_t ow) {
    const int64_t iw0 = ow * stride_w - pad_left;
    const TapRange cols = taps_inside(iw0, kw_count, g.dilation_w, 0, in_w);
    const TapRange padded_cols =
        taps_inside(iw0, kw_count, g.dilation_w, -pad_left, in_w + g.pad_right);
    Vec acc = splat(Op::kInit);
    const float* row = first_row + (iw0 + cols.lo * g.dilation_w) * kBlock;
    for (int64_t kh = rows.lo; kh < rows.hi; ++kh, row += row_step) {
      const float* tap = row;
      for (int64_t kw = cols.lo; kw < cols.hi; ++kw, tap += tap_step) {
        Op::combine(acc, load(tap));
      }
    }
    finish(out + ow * kBlock, acc, cols.count(), padded_cols.count());
  };

  for (int64_t ow = 0; ow < interior.lo; ++ow) border(ow);
  for (int64_t ow = interior.lo; ow < interior.hi; ++ow) {
    Vec acc = splat(Op::kInit);
    const float* row = first_row + (ow * stride_w - pad_left) * kBlock;
    for (int64_t kh = rows.lo; kh < rows.hi; ++kh, row += row_step) {
      for (int64_t kw = 0; kw < kw_count; ++kw) Op::combine(acc, load(row + kw * tap_step));
    }
    finish(out + ow * kBlock, acc, kw_count, kw_count);
  }
  for (int64_t ow = interior.hi; ow < g.out_w; ++ow) border(ow);
}

// Runs pool_row over every (image, channel block, output row), in parallel. make_finish(oh) gives
// the row's finish functor.
template <typename Op, typename MakeFinish>
void pool(const Pool2dGeometry& g, const float* x, float* y, MakeFinish make_finish) {
  if (g.batch <= 0 || g.channels <= 0 || g.out_h <= 0 || g.out_w <= 0) return;
  const int64_t planes = g.batch * blocks(g.channels);
  const int64_t in_plane = g.in_h * g.in_w * kBlock;
  const int64_t out_row = g.out_w * kBlock;
  const TapRange interior = interior_columns(g);
  const int64_t cost = out_row * g.kernel_h * g.kernel_w;
  parallel_for(planes * g.out_h, cost, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t plane = item / g.out_h, oh = item % g.out_h;
      const float* xp = x + plane * in_plane;
      float* out = y + item * out_row;
      auto finish = make_finish(oh);
      switch (g.kernel_w) {
        case 2:
          pool_row<Op, 2>(g, interior, xp, oh, out, finish);
          break;
        case 3:
          pool_row<Op, 3>(g, interior, xp, oh, out, finish);
          break;
        default:
          pool_row<Op, 0>(g, interior, xp, oh, out, finish);
          break;
      }
    }
  });
}

// Fold of every spatial position of each [spatial, 16] block. Four independent accumulators keep
// the adds/maxes from waiting on each other's latency.
template <typename Op>
void global_pool(const float* x, float* y, int64_t planes, int64_t spatial, float scale) {
  parallel_for(planes, spatial * kBlock, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const float* xp = x + p * spatial * kBlock;
      Vec acc0 = splat(Op::kInit), acc1 = acc0, acc2 = acc0, acc3 = acc0;
      int64_t s = 0;
      for (; s + 4 <= spatial; s += 4) {
        const float* v = xp + s * kBlock;
        Op::combine(acc0, load(v));
        Op::combine(acc1, load(v + kBlock));
        Op::combine(acc2, load(v + 2 * kBlock));
        Op::combine(acc3, load(v + 3 * kBlock));
      }
      for (; s < spatial; ++s) Op::combine(acc0, load(xp + s * kBlock));
      Op::combine(acc0, acc1);
      Op::combine(acc2, acc3);
      Op::combine(acc0, acc2);
      store(y + p * kBlock, acc0 * scale);
    }
  });
}

}  // namespace

void max_pool(const Pool2dGeometry& g, const float* x, float* y) {
  pool<MaxOp>(g, x, y, [](int64_t) {
    return [](float* dst, const Vec& acc, int64_t, int64_t) { store(dst, acc); };
  });
}

void average_pool(const Pool2dGeometry& g, bool count_include_pad, const float* x, float* y) {
  pool<SumOp>(g, x, y, [&](int64_t oh) {
    // The divisor is the product of the window's row and column tap counts.
    const int64_t ih0 = oh * g.stride_h - g.pad_top;
    const int64_t row_taps =
        count_include_pad
            ? taps_inside(ih0, g.kernel_h, g.dilation_h, -g.pad_top, g.in_h + g.pad_bottom).count()
            : taps_inside(ih0, g.kernel_h, g.dilation_h, 0, g.in_h).count();
    return [row_taps, count_include_pad](float* dst, const Vec& acc, int64_t in_image_columns,
                                         int64_t padded_columns) {
      const int64_t columns = count_include_pad ? padded_columns : in_image_columns;
      store(dst, acc * (1.0f / static_cast<float>(row_taps * columns)));
    };
  });
}

void global_average_pool(const float* x, float* y, int64_t batch, int64_t channels,
                         int64_t spatial) {
  // An empty plane gives 0 / 0, as kernels::global_average_pool does.
  if (batch <= 0 || channels <= 0 || spatial < 0) return;
  global_pool<SumOp>(x, y, batch * blocks(channels), spatial, 1.0f / static_cast<float>(spatial));
}

void global_max_pool(const float* x, float* y, int64_t batch, int64_t channels, int64_t spatial) {
  if (batch <= 0 || channels <= 0 || spatial < 0) return;
  global_pool<MaxOp>(x, y, batch * blocks(channels), spatial, 1.0f);
}

}  // namespace aruntime::kernels::nchwc
