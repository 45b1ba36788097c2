#include "kernels/reduce.h"

#include <algorithm>
#include <limits>
#include <type_traits>

#include "kernels/parallel.h"

namespace aruntime::kernels {
namespace {

template <typename T>
using Accumulator = std::conditional_t<std::is_floating_point_v<T>, double,
                                       std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>;

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

template <typename T, typename Acc>
Acc row_sum(const T* x, int64_t n) {
  // Independent partial sums so the loop vectorises without reassociation.
  Acc s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += static_cast<Acc>(x[i]);
    s1 += static_cast<Acc>(x[i + 1]);
    s2 += static_cast<Acc>(x[i + 2]);
    s3 += static_cast<Acc>(x[i + 3]);
  }
  for (; i < n; ++i) s0 += static_cast<Acc>(x[i]);
  return (s0 + s1) + (s2 + s3);
}

// For integer types the division truncates toward zero, as numpy's mean cast back to the type.
template <typename T, typename Acc>
T mean_of(Acc sum, int64_t count) {
  return static_cast<T>(sum / static_cast<Acc>(count));
}

}  // namespace

template <typename T>
void reduce_mean(const T* x, const std::vector<int64_t>& dims, const std::vector<bool>& reduce,
                 T* y) {
  using Acc = Accumulator<T>;
  int64_t count = 1, out_count = 1;
  for (size_t d = 0; d < dims.size(); ++d) (reduce[d] ? count : out_count) *= dims[d];
  if (out_count == 0) return;
  if (count == 0) {
    const T empty =
        std::numeric_limits<T>::has_quiet_NaN ? std::numeric_limits<T>::quiet_NaN() : T(0);
    std::fill(y, y + out_count, empty);
    return;
  }

  // Merge neighbouring axes of the same kind and drop unit axes.
  std::vector<int64_t> size;
  std::vector<bool> reduced;
  for (size_t d = 0; d < dims.size(); ++d) {
    if (dims[d] == 1) continue;
    if (!size.empty() && reduced.back() == reduce[d]) {
      size.back() *= dims[d];
    } else {
      size.push_back(dims[d]);
      reduced.push_back(reduce[d]);
    }
  }
  if (size.empty()) {
    y[0] = x[0];
    return;
  }
  const size_t last = size.size() - 1;
  std::vector<int64_t> stride(size.size(), 1);
  for (size_t d = last; d > 0; --d) stride[d - 1] = stride[d] * size[d];
  std::vector<Axis> kept_outer, reduced_outer;
  for (size_t d = 0; d < last; ++d)
    (reduced[d] ? reduced_outer : kept_outer).push_back({size[d], stride[d]});
  int64_t reduced_rows = 1;
  for (const Axis& a : reduced_outer) reduced_rows *= a.size;
  const int64_t row = size[last];

  if (reduced[last]) {
    // Each output sums reduced_rows contiguous rows.
    parallel_for(out_count, count, [&](int64_t begin, int64_t end) {
      OffsetCounter kept(kept_outer), red(reduced_outer);
      kept.seek(begin);
      for (int64_t j = begin; j < end; ++j, kept.next()) {
        Acc sum = 0;
        red.seek(0);
        for (int64_t r = 0; r < reduced_rows; ++r, red.next()) {
          sum += row_sum<T, Acc>(x + kept.offset() + red.offset(), row);
        }
        y[j] = mean_of<T>(sum, count);
      }
    });
    return;
  }

  // The innermost axis is kept: each output row accumulates reduced_rows input rows; long rows are
  // split into column chunks so that a single output row still spreads over threads.
  constexpr int64_t kChunk = 2048;
  const int64_t chunks = (row + kChunk - 1) / kChunk;
  const int64_t out_rows = out_count / row;
  parallel_for(out_rows * chunks, reduced_rows * std::min(row, kChunk),
               [&](int64_t begin, int64_t end) {
                 OffsetCounter kept(kept_outer), red(reduced_outer);
                 std::vector<Acc> acc(std::min(row, kChunk));
                 for (int64_t item = begin; item < end; ++item) {
                   const int64_t out_row = item / chunks, c0 = (item % chunks) * kChunk;
                   const int64_t n = std::min(kChunk, row - c0);
                   kept.seek(out_row);
                   std::fill(acc.begin(), acc.begin() + n, Acc(0));
                   red.seek(0);
                   for (int64_t r = 0; r < reduced_rows; ++r, red.next()) {
                     const T* in = x + kept.offset() + red.offset() + c0;
                     for (int64_t i = 0; i < n; ++i) acc[i] += static_cast<Acc>(in[i]);
                   }
                   T* out = y + out_row * row + c0;
                   for (int64_t i = 0; i < n; ++i) out[i] = mean_of<T>(acc[i], count);
                 }
               });
}

template void reduce_mean<float>(const float*, const std::vector<int64_t>&,
                                 const std::vector<bool>&, float*);
template void reduce_mean<double>(const double*, const std::vector<int64_t>&,
                                  const std::vector<bool>&, double*);
template void reduce_mean<int32_t>(const int32_t*, const std::vector<int64_t>&,
                                   const std::vector<bool>&, int32_t*);
template void reduce_mean<int64_t>(const int64_t*, const std::vector<int64_t>&,
                                   const std::vector<bool>&, int64_t*);
template void reduce_mean<uint32_t>(const uint32_t*, const std::vector<int64_t>&,
                                    const std::vector<bool>&, uint32_t*);
template void reduce_mean<uint64_t>(const uint64_t*, const std::vector<int64_t>&,
                                    const std::vector<bool>&, uint64_t*);

}  // namespace aruntime::kernels
