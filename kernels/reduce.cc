#include "kernels/reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <type_traits>

#include "kernels/parallel.h"

namespace aruntime::kernels {

ReduceLayout reduce_layout(const std::vector<int64_t>& dims, const std::vector<bool>& reduce) {
  ReduceLayout layout;
  for (size_t d = 0; d < dims.size(); ++d) {
    (reduce[d] ? layout.count : layout.outputs) *= dims[d];
    if (dims[d] == 1) continue;
    if (!layout.sizes.empty() && layout.reduced.back() == reduce[d]) {
      layout.sizes.back() *= dims[d];
    } else {
      layout.sizes.push_back(dims[d]);
      layout.reduced.push_back(reduce[d]);
    }
  }
  if (layout.sizes.empty()) {  // a single element
    layout.sizes.push_back(1);
    layout.reduced.push_back(false);
  }
  layout.strides.assign(layout.sizes.size(), 1);
  for (size_t d = layout.sizes.size() - 1; d > 0; --d) {
    layout.strides[d - 1] = layout.strides[d] * layout.sizes[d];
  }
  return layout;
}

namespace {

template <typename T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::isnan(v);
  } else {
    return false;
  }
}

// The extremes of T, infinite for floating types.
template <typename T>
T lowest_value() {
  if constexpr (std::is_floating_point_v<T>) {
    return -std::numeric_limits<T>::infinity();
  } else {
    return std::numeric_limits<T>::lowest();
  }
}
template <typename T>
T highest_value() {
  if constexpr (std::is_floating_point_v<T>) {
    return std::numeric_limits<T>::infinity();
  } else {
    return std::numeric_limits<T>::max();
  }
}

// A double result as T: integers truncate toward zero and saturate, and NaN becomes 0, so that
// no out-of-range conversion (undefined behaviour) happens.
template <typename T>
T from_double(double v) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(v);
  } else if constexpr (std::is_same_v<T, bool>) {
    return v != 0.0;
  } else {
    if (std::isnan(v)) return T(0);
    if (v <= static_cast<double>(std::numeric_limits<T>::lowest())) {
      return std::numeric_limits<T>::lowest();
    }
    // The bound rounds up to a power of two for 64-bit types, so `>=` also catches it.
    if (v >= static_cast<double>(std::numeric_limits<T>::max())) {
      return std::numeric_limits<T>::max();
    }
    return static_cast<T>(v);
  }
}

// One reduction as a monoid over an accumulator: init, step (fold in one element), merge (combine
// two partial results) and finish (turn the accumulator of `count` elements into the output).
// kLogSumExp folds exp(x - shift), where the shift is the maximum of the output's reduced set,
// found by a first Max pass, so that exp cannot overflow.
template <typename T, ReduceOp Op>
struct Reducer {
  static constexpr bool kExtremum = Op == ReduceOp::kMax || Op == ReduceOp::kMin;
  static constexpr bool kShifted = Op == ReduceOp::kLogSumExp;
  static constexpr int64_t kCost = kShifted ? 16 : 1;  // rough scalar operations per element
  // Integer sums and products wrap in uint64_t: well defined, and the low bits equal those of a
  // wrapping sum in T (numpy's behaviour), which the final conversion keeps.
  using Acc = std::conditional_t<
      kExtremum, T, std::conditional_t<kShifted || std::is_floating_point_v<T>, double, uint64_t>>;

  static Acc init() {
    if constexpr (Op == ReduceOp::kMax) {
      return lowest_value<T>();
    } else if constexpr (Op == ReduceOp::kMin) {
      return highest_value<T>();
    } else if constexpr (Op == ReduceOp::kProd) {
      return Acc(1);
    } else {
      return Acc(0);
    }
  }

  static Acc widen(T x) {
    if constexpr (std::is_same_v<Acc, double>) {
      return static_cast<double>(x);
    } else if constexpr (std::is_signed_v<T>) {
      return static_cast<uint64_t>(static_cast<int64_t>(x));
    } else {
      return static_cast<uint64_t>(x);
    }
  }

  static Acc magnitude(T x) {
    if constexpr (std::is_same_v<Acc, double>) {
      return std::fabs(static_cast<double>(x));
    } else if constexpr (std::is_signed_v<T>) {
      const uint64_t u = widen(x);
      return x < 0 ? uint64_t{0} - u : u;
    } else {
      return widen(x);
    }
  }

  static Acc step(Acc a, T x, double shift) {
    if constexpr (Op == ReduceOp::kMax) {
      return (x > a || is_nan(x)) ? x : a;
    } else if constexpr (Op == ReduceOp::kMin) {
      return (x < a || is_nan(x)) ? x : a;
    } else if constexpr (Op == ReduceOp::kProd) {
      return a * widen(x);
    } else if constexpr (Op == ReduceOp::kL1) {
      return a + magnitude(x);
    } else if constexpr (Op == ReduceOp::kL2 || Op == ReduceOp::kSumSquare) {
      const Acc v = widen(x);
      return a + v * v;
    } else if constexpr (Op == ReduceOp::kLogSumExp) {
      return a + std::exp(static_cast<double>(x) - shift);
    } else {
      return a + widen(x);
    }
  }

  static Acc merge(Acc a, Acc b) {
    if constexpr (kExtremum) {
      return step(a, b, 0.0);
    } else if constexpr (Op == ReduceOp::kProd) {
      return a * b;
    } else {
      return a + b;
    }
  }

  // The accumulator as a number, signed again for signed integer types.
  static double as_double(Acc a) {
    if constexpr (std::is_same_v<Acc, double>) {
      return a;
    } else if constexpr (std::is_signed_v<T>) {
      return static_cast<double>(static_cast<int64_t>(a));
    } else {
      return static_cast<double>(a);
    }
  }

  static T finish(Acc a, int64_t count, double shift) {
    if constexpr (kExtremum) {
      return a;
    } else if constexpr (Op == ReduceOp::kMean) {
      // Integer means truncate toward zero, as numpy's mean cast back to the type.
      if (count == 0) {
        return std::numeric_limits<T>::has_quiet_NaN ? std::numeric_limits<T>::quiet_NaN() : T(0);
      }
      if constexpr (std::is_same_v<Acc, double>) {
        return static_cast<T>(a / static_cast<double>(count));
      } else if constexpr (std::is_signed_v<T>) {
        return static_cast<T>(static_cast<int64_t>(a) / count);
      } else {
        return static_cast<T>(a / static_cast<uint64_t>(count));
      }
    } else if constexpr (Op == ReduceOp::kL2) {
      return from_double<T>(std::sqrt(as_double(a)));
    } else if constexpr (Op == ReduceOp::kLogSum) {
      return from_double<T>(std::log(as_double(a)));
    } else if constexpr (Op == ReduceOp::kLogSumExp) {
      return from_double<T>(std::log(a) + shift);
    } else {
      return static_cast<T>(a);
    }
  }
};

// Folds a contiguous row into one accumulator. Four independent partial results let the loop
// vectorise (or at least pipeline) without reassociating a single chain.
template <typename R, typename T>
typename R::Acc reduce_row(const T* x, int64_t n, double shift) {
  using Acc = typename R::Acc;
  Acc a0 = R::init(), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    a0 = R::step(a0, x[i], shift);
    a1 = R::step(a1, x[i + 1], shift);
    a2 = R::step(a2, x[i + 2], shift);
    a3 = R::step(a3, x[i + 3], shift);
  }
  for (; i < n; ++i) a0 = R::step(a0, x[i], shift);
  return R::merge(R::merge(a0, a1), R::merge(a2, a3));
}

// Folds a contiguous row element-wise into n accumulators (one per output column).
template <typename R, typename T>
void reduce_columns(typename R::Acc* acc, const T* x, int64_t n, const double* shift) {
  for (int64_t i = 0; i < n; ++i) {
    if constexpr (R::kShifted) {
      acc[i] = R::step(acc[i], x[i], shift[i]);
    } else {
      acc[i] = R::step(acc[i], x[i], 0.0);
    }
  }
}

struct Axis {
  int64_t size;
  int64_t stride;  // in x
};

// Iterates the offsets sum(coord[i] * axes[i].stride) over all coordinates of `axes`.
class OffsetCounter {
 public:
  explicit OffsetCounter(const std::vector<Axis>& axes) : axes_(axes), pos_(axes.size(), 0) {}
  void seek(int64_t index) {
    offset_ = 0;
    for (size_t d = axes_.size(); d-- > 0;) {
      pos_[d] = index % axes_[d].size;
      index /= axes_[d].size;
      offset_ += pos_[d] * axes_[d].stride;
    }
  }
  int64_t offset() const { return offset_; }
  void next() {
    for (size_t d = axes_.size(); d-- > 0;) {
      offset_ += axes_[d].stride;
      if (++pos_[d] < axes_[d].size) return;
      offset_ -= pos_[d] * axes_[d].stride;
      pos_[d] = 0;
    }
  }

 private:
  const std::vector<Axis>& axes_;
  std::vector<int64_t> pos_;
  int64_t offset_ = 0;
};

// The reduction with neighbouring axes of the same kind merged and unit axes dropped: the
// innermost remaining axis is a contiguous row of `row` elements, either reduced (each output
// folds whole rows) or kept (each input row folds element-wise into a row of outputs).
struct Plan {
  int64_t count = 1;      // elements folded into each output
  int64_t out_count = 1;  // outputs
  int64_t row = 1;
  bool row_reduced = false;
  int64_t reduced_rows = 1;      // positions of the outer reduced axes
  std::vector<Axis> kept_outer;  // outer kept axes, in order
  std::vector<Axis> reduced_outer;
};

Plan make_plan(const std::vector<int64_t>& dims, const std::vector<bool>& reduce) {
  const ReduceLayout layout = reduce_layout(dims, reduce);
  Plan p;
  p.count = layout.count;
  p.out_count = layout.outputs;
  const size_t last = layout.sizes.size() - 1;
  for (size_t d = 0; d < last; ++d) {
    (layout.reduced[d] ? p.reduced_outer : p.kept_outer)
        .push_back({layout.sizes[d], layout.strides[d]});
  }
  for (const Axis& a : p.reduced_outer) p.reduced_rows *= a.size;
  p.row = layout.sizes[last];
  p.row_reduced = layout.reduced[last];
  return p;
}

// Splitting one output's reduction over threads only pays off for this much work per output.
constexpr int64_t kMinSplitWork = int64_t{1} << 15;

// How many pieces to cut each of `items` independent work items into so that about four per
// thread exist, for items of `work` scalar operations that can be cut into at most `max_parts`.
int64_t split_count(int64_t items, int64_t work, int64_t max_parts) {
  const int64_t threads = available_parallelism();
  const int64_t target = 4 * threads;
  if (threads <= 1 || items >= target || work < kMinSplitWork) return 1;
  const int64_t wanted = (target + items - 1) / items;
  return std::clamp<int64_t>(std::min(wanted, work / (kMinSplitWork / 4)), 1, max_parts);
}

// Folds the elements [begin, end) of one output's reduced set, numbered row by row, into an
// accumulator; `base` points at the output's first element.
template <typename R, typename T>
typename R::Acc fold_span(const T* base, const Plan& p, OffsetCounter& red, int64_t begin,
                          int64_t end, double shift) {
  typename R::Acc acc = R::init();
  int64_t i = begin % p.row;
  red.seek(begin / p.row);
  while (begin < end) {
    const int64_t n = std::min(p.row - i, end - begin);
    acc = R::merge(acc, reduce_row<R>(base + red.offset() + i, n, shift));
    begin += n;
    i = 0;
    red.next();
  }
  return acc;
}

// Runs reducer R over every output and hands each output's index and accumulator to `out`.
// `shift` (per output) is read by shifted reducers only.
template <typename R, typename T, typename Out>
void run_reduction(const Plan& p, const T* x, const double* shift, const Out& out) {
  using Acc = typename R::Acc;
  auto shift_of = [shift](int64_t j) {
    if constexpr (R::kShifted) {
      return shift[j];
    } else {
      return 0.0;
    }
  };

  if (p.row_reduced) {
    // Each output folds reduced_rows contiguous rows. Few outputs with much work each (a full
    // reduction, say) are cut into pieces of their reduced set that run in parallel.
    const int64_t parts = split_count(p.out_count, p.count * R::kCost, p.count);
    if (parts == 1) {
      parallel_for(p.out_count, p.count * R::kCost, [&](int64_t begin, int64_t end) {
        OffsetCounter kept(p.kept_outer), red(p.reduced_outer);
        kept.seek(begin);
        for (int64_t j = begin; j < end; ++j, kept.next()) {
          out(j, fold_span<R>(x + kept.offset(), p, red, 0, p.count, shift_of(j)));
        }
      });
      return;
    }
    auto partial = std::make_unique<Acc[]>(static_cast<size_t>(p.out_count * parts));
    parallel_for(p.out_count * parts, p.count / parts * R::kCost, [&](int64_t begin, int64_t end) {
      OffsetCounter kept(p.kept_outer), red(p.reduced_outer);
      for (int64_t item = begin; item < end; ++item) {
        const int64_t j = item / parts, q = item % parts;
        kept.seek(j);
        partial[item] = fold_span<R>(x + kept.offset(), p, red, p.count * q / parts,
                                     p.count * (q + 1) / parts, shift_of(j));
      }
    });
    for (int64_t j = 0; j < p.out_count; ++j) {
      Acc acc = partial[j * parts];
      for (int64_t q = 1; q < parts; ++q) acc = R::merge(acc, partial[j * parts + q]);
      out(j, acc);
    }
    return;
  }

  // The innermost axis is kept: each output row (cut into column tiles so that one long row
  // still spreads over threads) folds reduced_rows input rows element-wise. Few tiles with many
  // reduced rows each are also cut along the reduced rows, into partial rows merged at the end.
  constexpr int64_t kChunk = 2048;
  const int64_t width = std::min(p.row, kChunk);
  const int64_t chunks = (p.row + kChunk - 1) / kChunk;
  const int64_t tiles = p.out_count / p.row * chunks;
  const int64_t parts = split_count(tiles, p.reduced_rows * width * R::kCost, p.reduced_rows);
  std::unique_ptr<Acc[]> partial;
  if (parts > 1) partial = std::make_unique<Acc[]>(static_cast<size_t>(tiles * parts * width));
  parallel_for(
      tiles * parts, p.reduced_rows / parts * width * R::kCost, [&](int64_t begin, int64_t end) {
        OffsetCounter kept(p.kept_outer), red(p.reduced_outer);
        auto local = std::make_unique<Acc[]>(static_cast<size_t>(width));
        for (int64_t item = begin; item < end; ++item) {
          const int64_t tile = item / parts, q = item % parts;
          const int64_t out_row = tile / chunks, c0 = (tile % chunks) * kChunk;
          const int64_t n = std::min(kChunk, p.row - c0);
          const int64_t first = out_row * p.row + c0;  // output index of column 0
          const int64_t r0 = p.reduced_rows * q / parts;
          const int64_t r1 = p.reduced_rows * (q + 1) / parts;
          Acc* acc = parts > 1 ? partial.get() + item * width : local.get();
          std::fill(acc, acc + n, R::init());
          kept.seek(out_row);
          red.seek(r0);
          const T* in = x + kept.offset() + c0;
          for (int64_t r = r0; r < r1; ++r, red.next()) {
            reduce_columns<R>(acc, in + red.offset(), n, R::kShifted ? shift + first : nullptr);
          }
          if (parts == 1) {
            for (int64_t i = 0; i < n; ++i) out(first + i, acc[i]);
          }
        }
      });
  if (parts == 1) return;
  parallel_for(tiles, parts * width, [&](int64_t begin, int64_t end) {
    for (int64_t tile = begin; tile < end; ++tile) {
      const int64_t out_row = tile / chunks, c0 = (tile % chunks) * kChunk;
      const int64_t n = std::min(kChunk, p.row - c0);
      const Acc* first_part = partial.get() + tile * parts * width;
      for (int64_t i = 0; i < n; ++i) {
        Acc acc = first_part[i];
        for (int64_t q = 1; q < parts; ++q) acc = R::merge(acc, first_part[q * width + i]);
        out(out_row * p.row + c0 + i, acc);
      }
    }
  });
}

template <typename T, ReduceOp Op>
void reduce_with(const T* x, const std::vector<int64_t>& dims, const std::vector<bool>& reduce,
                 T* y) {
  using R = Reducer<T, Op>;
  int64_t count = 1, out_count = 1;
  for (size_t d = 0; d < dims.size(); ++d) (reduce[d] ? count : out_count) *= dims[d];
  if (out_count == 0) return;
  if (count == 0) {
    std::fill(y, y + out_count, R::finish(R::init(), 0, 0.0));
    return;
  }
  const Plan p = make_plan(dims, reduce);
  if constexpr (R::kShifted) {
    std::vector<double> shift(static_cast<size_t>(out_count));
    // An infinite or NaN maximum already decides the result; shifting by 0 keeps it so
    // (inf - inf would turn +inf into NaN).
    run_reduction<Reducer<T, ReduceOp::kMax>>(p, x, nullptr, [&](int64_t j, T m) {
      const double v = static_cast<double>(m);
      shift[j] = std::isfinite(v) ? v : 0.0;
    });
    run_reduction<R>(p, x, shift.data(),
                     [&](int64_t j, typename R::Acc a) { y[j] = R::finish(a, count, shift[j]); });
  } else {
    run_reduction<R>(p, x, nullptr,
                     [&](int64_t j, typename R::Acc a) { y[j] = R::finish(a, count, 0.0); });
  }
}

// Whether v replaces the current extreme `best` of an ArgMax (kMax) or ArgMin. NaN beats every
// number; among equals the first one stays unless kLast.
template <bool kMax, bool kLast, typename T>
bool replaces(T v, T best) {
  if constexpr (kLast) {
    return (kMax ? v >= best : v <= best) || is_nan(v);
  } else {
    return (kMax ? v > best : v < best) || (is_nan(v) && !is_nan(best));
  }
}

template <bool kMax, bool kLast, typename T>
void arg_reduce_with(const T* x, int64_t outer, int64_t n, int64_t inner, int64_t* y) {
  if (inner == 1) {
    parallel_for(outer, n, [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; ++o) {
        const T* row = x + o * n;
        T best = row[0];
        int64_t index = 0;
        for (int64_t k = 1; k < n; ++k) {
          if (replaces<kMax, kLast>(row[k], best)) {
            best = row[k];
            index = k;
          }
        }
        y[o] = index;
      }
    });
    return;
  }
  // Rows along the axis are `inner` apart: compare whole rows against a row of current extremes
  // instead of striding through memory for each output.
  constexpr int64_t kChunk = 1024;
  const int64_t width = std::min(inner, kChunk);
  const int64_t chunks = (inner + kChunk - 1) / kChunk;
  parallel_for(outer * chunks, n * width, [&](int64_t begin, int64_t end) {
    std::vector<T> best(static_cast<size_t>(width));
    for (int64_t item = begin; item < end; ++item) {
      const int64_t o = item / chunks, c0 = (item % chunks) * kChunk;
      const int64_t m = std::min(kChunk, inner - c0);
      const T* base = x + o * n * inner + c0;
      int64_t* out = y + o * inner + c0;
      std::copy(base, base + m, best.begin());
      std::fill(out, out + m, int64_t{0});
      for (int64_t k = 1; k < n; ++k) {
        const T* row = base + k * inner;
        for (int64_t i = 0; i < m; ++i) {
          if (replaces<kMax, kLast>(row[i], best[i])) {
            best[i] = row[i];
            out[i] = k;
          }
        }
      }
    }
  });
}

}  // namespace

template <typename T>
void reduce(ReduceOp op, const T* x, const std::vector<int64_t>& dims,
            const std::vector<bool>& reduced, T* y) {
  switch (op) {
    case ReduceOp::kSum:
      return reduce_with<T, ReduceOp::kSum>(x, dims, reduced, y);
    case ReduceOp::kMean:
      return reduce_with<T, ReduceOp::kMean>(x, dims, reduced, y);
    case ReduceOp::kProd:
      return reduce_with<T, ReduceOp::kProd>(x, dims, reduced, y);
    case ReduceOp::kMax:
      return reduce_with<T, ReduceOp::kMax>(x, dims, reduced, y);
    case ReduceOp::kMin:
      return reduce_with<T, ReduceOp::kMin>(x, dims, reduced, y);
    case ReduceOp::kL1:
      return reduce_with<T, ReduceOp::kL1>(x, dims, reduced, y);
    case ReduceOp::kL2:
      return reduce_with<T, ReduceOp::kL2>(x, dims, reduced, y);
    case ReduceOp::kSumSquare:
      return reduce_with<T, ReduceOp::kSumSquare>(x, dims, reduced, y);
    case ReduceOp::kLogSum:
      return reduce_with<T, ReduceOp::kLogSum>(x, dims, reduced, y);
    case ReduceOp::kLogSumExp:
      return reduce_with<T, ReduceOp::kLogSumExp>(x, dims, reduced, y);
  }
}

template <typename T>
void reduce_mean(const T* x, const std::vector<int64_t>& dims, const std::vector<bool>& reduce,
                 T* y) {
  reduce_with<T, ReduceOp::kMean>(x, dims, reduce, y);
}

template <typename T>
void arg_reduce(bool is_max, bool select_last_index, const T* x, int64_t outer, int64_t n,
                int64_t inner, int64_t* y) {
  if (outer == 0 || inner == 0) return;
  if (is_max) {
    select_last_index ? arg_reduce_with<true, true>(x, outer, n, inner, y)
                      : arg_reduce_with<true, false>(x, outer, n, inner, y);
  } else {
    select_last_index ? arg_reduce_with<false, true>(x, outer, n, inner, y)
                      : arg_reduce_with<false, false>(x, outer, n, inner, y);
  }
}

#define ARUNTIME_INSTANTIATE_REDUCE(T)                                     \
  template void reduce<T>(ReduceOp, const T*, const std::vector<int64_t>&, \
                          const std::vector<bool>&, T*);                   \
  template void reduce_mean<T>(const T*, const std::vector<int64_t>&, const std::vector<bool>&, T*);
ARUNTIME_INSTANTIATE_REDUCE(float)
ARUNTIME_INSTANTIATE_REDUCE(double)
ARUNTIME_INSTANTIATE_REDUCE(int8_t)
ARUNTIME_INSTANTIATE_REDUCE(uint8_t)
ARUNTIME_INSTANTIATE_REDUCE(int32_t)
ARUNTIME_INSTANTIATE_REDUCE(int64_t)
ARUNTIME_INSTANTIATE_REDUCE(uint32_t)
ARUNTIME_INSTANTIATE_REDUCE(uint64_t)
ARUNTIME_INSTANTIATE_REDUCE(bool)
#undef ARUNTIME_INSTANTIATE_REDUCE

#define ARUNTIME_INSTANTIATE_ARG_REDUCE(T) \
  template void arg_reduce<T>(bool, bool, const T*, int64_t, int64_t, int64_t, int64_t*);
ARUNTIME_INSTANTIATE_ARG_REDUCE(float)
ARUNTIME_INSTANTIATE_ARG_REDUCE(double)
ARUNTIME_INSTANTIATE_ARG_REDUCE(int8_t)
ARUNTIME_INSTANTIATE_ARG_REDUCE(uint8_t)
ARUNTIME_INSTANTIATE_ARG_REDUCE(int16_t)
ARUNTIME_INSTANTIATE_ARG_REDUCE(uint16_t)
ARUNTIME_INSTANTIATE_ARG_REDUCE(int32_t)
ARUNTIME_INSTANTIATE_ARG_REDUCE(uint32_t)
ARUNTIME_INSTANTIATE_ARG_REDUCE(int64_t)
ARUNTIME_INSTANTIATE_ARG_REDUCE(uint64_t)
#undef ARUNTIME_INSTANTIATE_ARG_REDUCE

}  // namespace aruntime::kernels
