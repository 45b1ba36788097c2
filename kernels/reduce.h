// Reductions over an arbitrary set of axes of a contiguous row-major tensor, and ArgMax/ArgMin
// along one axis.
#pragma once

#include <cstdint>
#include <vector>

namespace aruntime::kernels {

// The ONNX Reduce* family. Each output element combines the elements of its reduced set:
//   kSum, kMean, kProd, kMax, kMin        as named (Max/Min propagate NaN, as numpy does)
//   kL1 = sum |x|, kL2 = sqrt(sum x^2), kSumSquare = sum x^2
//   kLogSum = log(sum x), kLogSumExp = log(sum exp(x)), computed as m + log(sum exp(x - m))
// An empty reduced set gives the identity of the reduction: 0 for the sums, 1 for kProd, -inf
// (the lowest value for integers) for kMax, kLogSum and kLogSumExp, +inf (the highest value) for
// kMin, NaN for a floating kMean (0 for integers).
enum class ReduceOp { kSum, kMean, kProd, kMax, kMin, kL1, kL2, kSumSquare, kLogSum, kLogSumExp };

// y = op over the axes flagged in `reduced` of x (shape `dims`); y holds the kept axes in their
// order. Sums and products run in double for floating types and in wrapping 64-bit integers for
// integer types (so integer results wrap as numpy's do); Max/Min compare in the element type.
// Integer results of kL2, kLogSum and kLogSumExp are the double result truncated and clamped to
// the type. Instantiated for float, double, int8_t, uint8_t, int32_t, int64_t, uint32_t, uint64_t
// and bool (where only kMax = any and kMin = all are meaningful).
template <typename T>
void reduce(ReduceOp op, const T* x, const std::vector<int64_t>& dims,
            const std::vector<bool>& reduced, T* y);

// The layout a reduction over the axes flagged in `reduce` of a row-major tensor of dims `dims`
// walks: size-1 axes dropped and neighbouring axes of one kind (reduced or kept) merged, outermost
// first, with their element strides; a tensor of one element gives a single kept axis of size 1.
// `count` is the number of elements folded into each output, `outputs` the number of outputs.
struct ReduceLayout {
  std::vector<int64_t> sizes;
  std::vector<int64_t> strides;
  std::vector<bool> reduced;
  int64_t count = 1;
  int64_t outputs = 1;
};
ReduceLayout reduce_layout(const std::vector<int64_t>& dims, const std::vector<bool>& reduce);

// reduce(ReduceOp::kMean, ...).
template <typename T>
void reduce_mean(const T* x, const std::vector<int64_t>& dims, const std::vector<bool>& reduce,
                 T* y);

// ArgMax (`is_max`) or ArgMin of x viewed as [outer, n, inner] along its middle axis:
// y[o * inner + i] is the index k of the extreme x[o][k][i], the first one or, with
// `select_last_index`, the last one among equals. NaN counts as the extreme, as in numpy.
// Requires n > 0 unless outer * inner == 0. Instantiated for float, double, int8_t, uint8_t,
// int16_t, uint16_t, int32_t, uint32_t, int64_t and uint64_t.
template <typename T>
void arg_reduce(bool is_max, bool select_last_index, const T* x, int64_t outer, int64_t n,
                int64_t inner, int64_t* y);

}  // namespace aruntime::kernels
