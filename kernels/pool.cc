#include "kernels/pool.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <mutex>

#include "kernels/parallel.h"

namespace aruntime::kernels {
namespace {

// Per output coordinate of one axis: where the window starts, which taps fall inside the input
// ([lo, hi)), and how many fall inside the padded extent.
struct AxisWindows {
  std::vector<int64_t> start, lo, hi, padded_taps;
  int64_t kernel = 1, stride = 1, dilation = 1, pad_begin = 0;
};

AxisWindows axis_windows(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t dilation,
                         int64_t pad_begin, int64_t pad_end) {
  AxisWindows w;
  w.kernel = kernel;
  w.stride = stride;
  w.dilation = dilation;
  w.pad_begin = pad_begin;
  w.start.resize(out);
  w.lo.resize(out);
  w.hi.resize(out);
  w.padded_taps.resize(out);
  auto taps_below = [&](int64_t start, int64_t limit) {  // taps k with start + k*dilation < limit
    if (limit - 1 - start < 0) return int64_t{0};
    return std::min(kernel, (limit - 1 - start) / dilation + 1);
  };
  for (int64_t o = 0; o < out; ++o) {
    const int64_t start = o * stride - pad_begin;
    const int64_t lo = start >= 0 ? 0 : std::min(kernel, (-start + dilation - 1) / dilation);
    w.start[o] = start;
    w.lo[o] = lo;
    w.hi[o] = std::max(lo, taps_below(start, in));
    const int64_t padded_lo =
        start >= -pad_begin ? 0 : std::min(kernel, (-pad_begin - start + dilation - 1) / dilation);
    w.padded_taps[o] = std::max<int64_t>(0, taps_below(start, in + pad_end) - padded_lo);
  }
  return w;
}

// The geometry as exactly three spatial axes (depth, height, width), unit axes in front.
struct Geometry3d {
  int64_t in[3], out[3];
  AxisWindows axes[3];
};

Geometry3d to_3d(const PoolGeometry& g) {
  Geometry3d r;
  const size_t rank = g.input_spatial.size();
  const size_t lead = kMaxPoolRank - rank;
  for (size_t d = 0; d < kMaxPoolRank; ++d) {
    if (d < lead) {
      r.in[d] = r.out[d] = 1;
      r.axes[d] = axis_windows(1, 1, 1, 1, 1, 0, 0);
    } else {
      const size_t s = d - lead;
      r.in[d] = g.input_spatial[s];
      r.out[d] = g.output_spatial[s];
      r.axes[d] = axis_windows(g.input_spatial[s], g.output_spatial[s], g.kernel[s], g.strides[s],
                               g.dilations[s], g.pads_begin[s], g.pads_end[s]);
    }
  }
  return r;
}

template <typename T>
bool is_nan(T v) {
  if constexpr (std::numeric_limits<T>::has_quiet_NaN) {
    return v != v;
  } else {
    return false;
  }
}

// For each tap kw of the innermost axis, the output columns [lo, hi) whose input column
// ow * stride + offset lies inside the input.
struct ColumnTaps {
  std::vector<int64_t> offset, lo, hi;
};

ColumnTaps column_taps(const AxisWindows& w, int64_t in, int64_t out) {
  ColumnTaps c;
  for (int64_t k = 0; k < w.kernel; ++k) {
    const int64_t offset = k * w.dilation - w.pad_begin;
    int64_t lo = offset >= 0 ? 0 : (-offset + w.stride - 1) / w.stride;
    int64_t hi = in - 1 - offset < 0 ? 0 : (in - 1 - offset) / w.stride + 1;
    lo = std::min(lo, out);
    c.offset.push_back(offset);
    c.lo.push_back(lo);
    c.hi.push_back(std::clamp(hi, lo, out));
  }
  return c;
}

// Everything about a pooling geometry that does not depend on the data: the window tables of the
// three axes, the innermost axis's column taps and the average divisors. Pools run on every
// node of every run with the same few geometries, so the tables are made once per geometry and
// shared (process-wide, bounded): a warm run's pooling allocates nothing.
struct PoolTables {
  Geometry3d r;
  ColumnTaps cols;
  std::vector<int64_t> divisor_in[kMaxPoolRank], divisor_padded[kMaxPoolRank];
};

bool same_geometry(const PoolGeometry& a, const PoolGeometry& b) {
  return a.input_spatial == b.input_spatial && a.output_spatial == b.output_spatial && a.kernel == b.kernel &&
         a.strides == b.strides && a.dilations == b.dilations && a.pads_begin == b.pads_begin &&
         a.pads_end == b.pads_end;
}

std::shared_ptr<const PoolTables> pool_tables(const PoolGeometry& g) {
  constexpr size_t kCapacity = 64;
  static std::mutex mutex;
  static std::vector<std::pair<PoolGeometry, std::shared_ptr<const PoolTables>>> cache;
  static size_t next_victim = 0;
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (const auto& [key, tables] : cache) {
      if (same_geometry(key, g)) return tables;
    }
  }
  auto tables = std::make_shared<PoolTables>();
  tables->r = to_3d(g);
  tables->cols = column_taps(tables->r.axes[2], tables->r.in[2], tables->r.out[2]);
  for (size_t d = 0; d < kMaxPoolRank; ++d) {
    const AxisWindows& a = tables->r.axes[d];
    for (int64_t o = 0; o < tables->r.out[d]; ++o) {
      tables->divisor_in[d].push_back(a.hi[o] - a.lo[o]);
      tables->divisor_padded[d].push_back(a.padded_taps[o]);
    }
  }
  PoolGeometry key = g;
  key.planes = 0;
  std::lock_guard<std::mutex> lock(mutex);
  if (cache.size() < kCapacity) {
    cache.emplace_back(std::move(key), tables);
  } else {
    cache[next_victim] = {std::move(key), tables};
    next_victim = (next_victim + 1) % kCapacity;
  }
  return tables;
}

// A row of `value` as long as `width`: on the stack for the widths images have, else on the heap.
template <typename T>
class NeutralRow {
 public:
  NeutralRow(int64_t width, T value) {
    if (width > kStack) {
      heap_.assign(static_cast<size_t>(width), value);
      data_ = heap_.data();
    } else {
      std::fill(stack_, stack_ + width, value);
      data_ = stack_;
    }
  }
  const T* data() const { return data_; }

 private:
  static constexpr int64_t kStack = 2048;
  T stack_[kStack];
  std::vector<T> heap_;
  const T* data_;
};

// Square K x K windows with column stride S on a plane of depth 1. Each output row reads K input
// rows (a row outside the image reads `neutral`, a row of `init`); on the interior columns, where
// every tap is inside the row, the taps are unrolled so that the column loop vectorises.
template <typename T, int K, int S, typename Combine>
void sweep_plane_fixed(const Geometry3d& r, const T* xp, T* yp, T init, const T* neutral,
                       Combine combine) {
  const AxisWindows &ah = r.axes[1], &aw = r.axes[2];
  const int64_t in_h = r.in[1], in_w = r.in[2], out_w = r.out[2];
  const int64_t dilation = aw.dilation, pad = aw.pad_begin;
  // Columns whose first and last taps are both inside the row.
  int64_t lo = pad > 0 ? (pad + S - 1) / S : 0;
  const int64_t last = (K - 1) * dilation - pad;
  int64_t hi = in_w - 1 - last < 0 ? 0 : (in_w - 1 - last) / S + 1;
  lo = std::min(lo, out_w);
  hi = std::clamp(hi, lo, out_w);
  for (int64_t oh = 0; oh < r.out[1]; ++oh) {
    const T* rows[K];
    for (int kh = 0; kh < K; ++kh) {
      const int64_t ih = ah.start[oh] + kh * ah.dilation;
      rows[kh] = ih >= 0 && ih < in_h ? xp + ih * in_w : neutral;
    }
    T* y = yp + oh * out_w;
    auto edge = [&](int64_t ow) {
      T acc = init;
      for (int kh = 0; kh < K; ++kh) {
        for (int kw = 0; kw < K; ++kw) {
          const int64_t iw = ow * S + kw * dilation - pad;
          if (iw >= 0 && iw < in_w) acc = combine(acc, rows[kh][iw]);
        }
      }
      y[ow] = acc;
    };
    for (int64_t ow = 0; ow < lo; ++ow) edge(ow);
    for (int64_t ow = lo; ow < hi; ++ow) {
      T acc = init;
      for (int kh = 0; kh < K; ++kh) {
        const T* row = rows[kh] + (ow * S - pad);
        for (int kw = 0; kw < K; ++kw) acc = combine(acc, row[kw * dilation]);
      }
      y[ow] = acc;
    }
    for (int64_t ow = hi; ow < out_w; ++ow) edge(ow);
  }
}

// Folds every window of one plane into its output with `combine`. Common square 2-D windows take
// sweep_plane_fixed; the rest sweep whole output rows once per tap, contiguously per column tap.
// `neutral` is a row of `init` as long as an input row.
template <typename T, typename Combine>
void sweep_plane(const Geometry3d& r, const ColumnTaps& cols, const T* xp, T* yp, T init,
                 const T* neutral, Combine combine) {
  const AxisWindows &ad = r.axes[0], &ah = r.axes[1];
  const int64_t out_w = r.out[2], in_w = r.in[2], stride = r.axes[2].stride;
  if (r.in[0] == 1 && r.out[0] == 1 && ad.kernel == 1 && ah.kernel == r.axes[2].kernel) {
    const int64_t k = ah.kernel;
    if (k == 2 && stride == 1) return sweep_plane_fixed<T, 2, 1>(r, xp, yp, init, neutral, combine);
    if (k == 2 && stride == 2) return sweep_plane_fixed<T, 2, 2>(r, xp, yp, init, neutral, combine);
    if (k == 3 && stride == 1) return sweep_plane_fixed<T, 3, 1>(r, xp, yp, init, neutral, combine);
    if (k == 3 && stride == 2) return sweep_plane_fixed<T, 3, 2>(r, xp, yp, init, neutral, combine);
  }
  const size_t taps = cols.offset.size();
  for (int64_t od = 0; od < r.out[0]; ++od) {
    for (int64_t oh = 0; oh < r.out[1]; ++oh) {
      T* y_row = yp + (od * r.out[1] + oh) * out_w;
      std::fill(y_row, y_row + out_w, init);
      for (int64_t kd = ad.lo[od]; kd < ad.hi[od]; ++kd) {
        const int64_t id = ad.start[od] + kd * ad.dilation;
        for (int64_t kh = ah.lo[oh]; kh < ah.hi[oh]; ++kh) {
          const int64_t ih = ah.start[oh] + kh * ah.dilation;
          const T* x_row = xp + (id * r.in[1] + ih) * in_w;
          for (size_t k = 0; k < taps; ++k) {
            const int64_t offset = cols.offset[k], hi = cols.hi[k];
            if (stride == 1) {
              for (int64_t ow = cols.lo[k]; ow < hi; ++ow) {
                y_row[ow] = combine(y_row[ow], x_row[ow + offset]);
              }
            } else {
              for (int64_t ow = cols.lo[k]; ow < hi; ++ow) {
                y_row[ow] = combine(y_row[ow], x_row[ow * stride + offset]);
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace

template <typename T>
void max_pool(const PoolGeometry& g, const T* x, T* y, int64_t* indices, bool column_major) {
  const std::shared_ptr<const PoolTables> tables = pool_tables(g);
  const Geometry3d& r = tables->r;
  const int64_t in_plane = r.in[0] * r.in[1] * r.in[2];
  const int64_t out_plane = r.out[0] * r.out[1] * r.out[2];
  int64_t window = 1;
  for (int64_t k : g.kernel) window *= k;
  const T lowest = std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity()
                                                        : std::numeric_limits<T>::lowest();
  const AxisWindows &ad = r.axes[0], &ah = r.axes[1], &aw = r.axes[2];
  if (indices == nullptr) {
    const ColumnTaps& cols = tables->cols;
    parallel_for(g.planes, out_plane * window, [&](int64_t begin, int64_t end) {
      const NeutralRow<T> neutral(r.in[2], lowest);
      for (int64_t p = begin; p < end; ++p) {
        // NaN inputs never win: v > a is false for them.
        sweep_plane(r, cols, x + p * in_plane, y + p * out_plane, lowest, neutral.data(),
                    [](T a, T v) { return v > a ? v : a; });
      }
    });
    return;
  }
  parallel_for(g.planes, out_plane * window, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const T* xp = x + p * in_plane;
      T* yp = y + p * out_plane;
      int64_t* ip = indices + p * out_plane;
      int64_t o = 0;
      for (int64_t od = 0; od < r.out[0]; ++od) {
        for (int64_t oh = 0; oh < r.out[1]; ++oh) {
          for (int64_t ow = 0; ow < r.out[2]; ++ow, ++o) {
            T best = lowest;
            int64_t best_at = -1;
            for (int64_t kd = ad.lo[od]; kd < ad.hi[od]; ++kd) {
              const int64_t id = ad.start[od] + kd * ad.dilation;
              for (int64_t kh = ah.lo[oh]; kh < ah.hi[oh]; ++kh) {
                const int64_t ih = ah.start[oh] + kh * ah.dilation;
                const int64_t row = (id * r.in[1] + ih) * r.in[2];
                for (int64_t kw = aw.lo[ow]; kw < aw.hi[ow]; ++kw) {
                  const int64_t iw = aw.start[ow] + kw * aw.dilation;
                  const T v = xp[row + iw];
                  if (v > best || (best_at < 0 && !is_nan(v))) {
                    best = v;
                    best_at = column_major ? id + ih * r.in[0] + iw * r.in[0] * r.in[1] : row + iw;
                  }
                }
              }
            }
            yp[o] = best;
            ip[o] = best_at < 0 ? -1 : p * in_plane + best_at;
          }
        }
      }
    }
  });
}

template <typename T>
void average_pool(const PoolGeometry& g, const T* x, T* y, bool count_include_pad) {
  const std::shared_ptr<const PoolTables> tables = pool_tables(g);
  const Geometry3d& r = tables->r;
  const int64_t in_plane = r.in[0] * r.in[1] * r.in[2];
  const int64_t out_plane = r.out[0] * r.out[1] * r.out[2];
  int64_t window = 1;
  for (int64_t k : g.kernel) window *= k;
  // Divisor per output coordinate of each axis; the window's divisor is their product.
  const auto& count = count_include_pad ? tables->divisor_padded : tables->divisor_in;
  const ColumnTaps& cols = tables->cols;
  parallel_for(g.planes, out_plane * window, [&](int64_t begin, int64_t end) {
    const NeutralRow<T> neutral(r.in[2], T(0));
    for (int64_t p = begin; p < end; ++p) {
      T* yp = y + p * out_plane;
      sweep_plane(r, cols, x + p * in_plane, yp, T(0), neutral.data(),
                  [](T a, T v) { return a + v; });
      int64_t o = 0;
      for (int64_t od = 0; od < r.out[0]; ++od) {
        for (int64_t oh = 0; oh < r.out[1]; ++oh) {
          const int64_t rows = count[0][od] * count[1][oh];
          for (int64_t ow = 0; ow < r.out[2]; ++ow, ++o) {
            yp[o] /= static_cast<T>(rows * count[2][ow]);
          }
        }
      }
    }
  });
}

template <typename T>
void global_average_pool(const T* x, T* y, int64_t planes, int64_t plane_size) {
  parallel_for(planes, plane_size, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const T* xp = x + p * plane_size;
      // Four partial sums let the compiler vectorise without reassociating.
      T s[4] = {0, 0, 0, 0};
      int64_t i = 0;
      for (; i + 4 <= plane_size; i += 4) {
        s[0] += xp[i];
        s[1] += xp[i + 1];
        s[2] += xp[i + 2];
        s[3] += xp[i + 3];
      }
      for (; i < plane_size; ++i) s[0] += xp[i];
      y[p] = ((s[0] + s[1]) + (s[2] + s[3])) / static_cast<T>(plane_size);
    }
  });
}

template <typename T>
void global_max_pool(const T* x, T* y, int64_t planes, int64_t plane_size) {
  parallel_for(planes, plane_size, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const T* xp = x + p * plane_size;
      T best = -std::numeric_limits<T>::infinity();
      for (int64_t i = 0; i < plane_size; ++i) best = xp[i] > best ? xp[i] : best;
      y[p] = best;
    }
  });
}

template void max_pool<float>(const PoolGeometry&, const float*, float*, int64_t*, bool);
template void max_pool<double>(const PoolGeometry&, const double*, double*, int64_t*, bool);
template void max_pool<int8_t>(const PoolGeometry&, const int8_t*, int8_t*, int64_t*, bool);
template void max_pool<uint8_t>(const PoolGeometry&, const uint8_t*, uint8_t*, int64_t*, bool);
template void average_pool<float>(const PoolGeometry&, const float*, float*, bool);
template void average_pool<double>(const PoolGeometry&, const double*, double*, bool);
template void global_average_pool<float>(const float*, float*, int64_t, int64_t);
template void global_average_pool<double>(const double*, double*, int64_t, int64_t);
template void global_max_pool<float>(const float*, float*, int64_t, int64_t);
template void global_max_pool<double>(const double*, double*, int64_t, int64_t);

}  // namespace aruntime::kernels
