#include "kernels/softmax.h"

#include <Eigen/Core>
#include <algorithm>

#include "kernels/parallel.h"

namespace aruntime::kernels {
namespace {

template <typename T>
using ArrayMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <typename T>
using ConstArrayMap = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

// Softmax of one contiguous row (inner == 1), with Eigen's vectorised exp.
template <typename T>
void softmax_row(const T* x, T* y, int64_t n) {
  ConstArrayMap<T> in(x, n);
  ArrayMap<T> out(y, n);
  const T max = in.maxCoeff();
  out = (in - max).exp();
  out *= T(1) / out.sum();
}

// Softmax along the rows of an [axis_size, columns] block whose rows are `stride` apart; the
// reductions run across rows so every step is a contiguous vector operation.
template <typename T>
void softmax_columns(const T* x, T* y, int64_t axis_size, int64_t columns, int64_t stride) {
  Eigen::Array<T, Eigen::Dynamic, 1> max = ConstArrayMap<T>(x, columns);
  for (int64_t r = 1; r < axis_size; ++r) max = max.max(ConstArrayMap<T>(x + r * stride, columns));
  Eigen::Array<T, Eigen::Dynamic, 1> sum = Eigen::Array<T, Eigen::Dynamic, 1>::Zero(columns);
  for (int64_t r = 0; r < axis_size; ++r) {
    ArrayMap<T> out(y + r * stride, columns);
    out = (ConstArrayMap<T>(x + r * stride, columns) - max).exp();
    sum += out;
  }
  sum = sum.inverse();
  for (int64_t r = 0; r < axis_size; ++r) ArrayMap<T>(y + r * stride, columns) *= sum;
}

}  // namespace

template <typename T>
void softmax(const T* x, T* y, int64_t outer, int64_t axis_size, int64_t inner) {
  if (outer <= 0 || axis_size <= 0 || inner <= 0) return;
  // Rough cost of one element: exp plus a handful of adds and multiplies.
  constexpr int64_t kElementCost = 24;
  if (inner == 1) {
    parallel_for(outer, axis_size * kElementCost, [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; ++o)
        softmax_row(x + o * axis_size, y + o * axis_size, axis_size);
    });
    return;
  }
  // Blocks of at most kChunk columns so that a single outer slice still splits over threads.
  constexpr int64_t kChunk = 1024;
  const int64_t chunks = (inner + kChunk - 1) / kChunk;
  parallel_for(outer * chunks, axis_size * std::min(inner, kChunk) * kElementCost,
               [&](int64_t begin, int64_t end) {
                 for (int64_t item = begin; item < end; ++item) {
                   const int64_t o = item / chunks, c0 = (item % chunks) * kChunk;
                   const int64_t offset = o * axis_size * inner + c0;
                   softmax_columns(x + offset, y + offset, axis_size, std::min(kChunk, inner - c0),
                                   inner);
                 }
               });
}

template void softmax<float>(const float*, float*, int64_t, int64_t, int64_t);
template void softmax<double>(const double*, double*, int64_t, int64_t, int64_t);

}  // namespace aruntime::kernels
