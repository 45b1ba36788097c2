// Device code of the GPU elementwise family behind plain launch functions: unary maps and
// activations, binary ops and comparisons with numpy broadcasting, Where, Not, IsNaN/IsInf and
// Cast. Each function queues one kernel on `stream` (nothing when the tensor is empty) and returns
// cudaGetLastError(), which the caller checks. float16 and bfloat16 are computed in float and
// rounded to nearest even on store, like the CPU kernels.
//
// Only standard and CUDA headers here: the .cc side includes this without nvcc.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace aruntime::gpu {

// Element types the launch functions take (the subset of DataType the family handles).
enum class ElemType : int32_t {
  kFloat32,
  kFloat16,
  kBFloat16,
  kInt32,
  kInt64,
  kBool,
  kInt8,
  kUInt8
};

// ---- Broadcasting ----------------------------------------------------------------------------

inline constexpr int kMaxBroadcastRank = 8;
inline constexpr int kMaxBroadcastInputs = 3;

// Where each output element reads its inputs: the output viewed as `rank` (collapsed) dimensions,
// each input's element stride along them (0 where it repeats). Built on the host, passed by value.
// rank is at least 1; a rank-1 index is the flat case (same shape or a single element).
struct BroadcastIndex {
  int32_t rank = 1;
  int64_t dims[kMaxBroadcastRank] = {};
  int64_t strides[kMaxBroadcastInputs][kMaxBroadcastRank] = {};
};

// ---- Unary -----------------------------------------------------------------------------------

enum class UnaryOp : int32_t {
  kRelu,
  kLeakyRelu,  // alpha
  kElu,        // alpha
  kSelu,       // alpha, gamma
  kSigmoid,
  kHardSigmoid,  // alpha, beta
  kHardSwish,
  kTanh,
  kSoftplus,
  kSoftsign,
  kGelu,      // erf form
  kGeluTanh,  // tanh approximation
  kErf,
  kExp,
  kLog,
  kSqrt,
  kReciprocal,
  kNeg,
  kAbs,
  kFloor,
  kCeil,
  kRound,  // half to even
  kSin,
  kCos,
  kSign,
  kClip,      // alpha = min, beta = max
  kSquare,    // Pow with a constant exponent of 2
  kDivideBy,  // alpha = divisor (Mean's last step)
};

// Float parameters of a unary op; the meaning of each per op is listed at UnaryOp.
struct UnaryParams {
  float alpha = 0.0f;
  float beta = 0.0f;
  float gamma = 0.0f;
};

// y = op(x) over n elements of `type` (kFloat32, kFloat16 or kBFloat16). y may be x.
cudaError_t launch_unary(UnaryOp op, const UnaryParams& params, ElemType type, const void* x,
                         void* y, int64_t n, cudaStream_t stream);

// y = isnan(x) or (isinf(x) and the sign is detected), bool output.
enum class PredicateOp : int32_t { kIsNaN, kIsInf };
cudaError_t launch_float_predicate(PredicateOp op, bool detect_positive, bool detect_negative,
                                   ElemType type, const void* x, bool* y, int64_t n,
                                   cudaStream_t stream);

// y = !x over bools. y may be x.
cudaError_t launch_not(const bool* x, bool* y, int64_t n, cudaStream_t stream);

// ---- Binary ----------------------------------------------------------------------------------

enum class BinaryOp : int32_t {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kPow,
  kMax,    // NaN-propagating
  kMin,    // NaN-propagating
  kPRelu,  // a < 0 ? a * b : a
  // Comparisons: bool output.
  kEqual,
  kLess,
  kGreater,
  kLessOrEqual,
  kGreaterOrEqual,
};

inline constexpr bool is_comparison(BinaryOp op) {
  return op >= BinaryOp::kEqual;
}

// out[i] = op(a[..], b[..]) over the n output elements, input offsets from `index` (inputs 0 and
// 1). a and out have `type`; b has `type`, or kFloat32 for kPow (a float32 exponent of a half
// base); out is bool for comparisons. out may be a when a has the output's shape.
cudaError_t launch_binary(BinaryOp op, ElemType type, ElemType b_type, const void* a, const void* b,
                          void* out, int64_t n, const BroadcastIndex& index, cudaStream_t stream);

// out[i] = condition[..] ? x[..] : y[..] over the n output elements (index inputs 0, 1, 2).
cudaError_t launch_where(ElemType type, const bool* condition, const void* x, const void* y,
                         void* out, int64_t n, const BroadcastIndex& index, cudaStream_t stream);

// ---- Cast ------------------------------------------------------------------------------------

// y = x converted from `from` to `to` with ONNX Cast semantics as the CPU EP implements them:
// float -> integer truncates toward zero (NaN -> 0, beyond the int64 range saturating), then
// wraps like integer -> integer (low bits kept); anything -> bool is != 0; conversions into
// bfloat16 truncate the float32 value (ONNX's reference), into float16 round to nearest even.
// y may be x when both types have the same size. from != to.
cudaError_t launch_cast(ElemType from, ElemType to, const void* x, void* y, int64_t n,
                        cudaStream_t stream);

}  // namespace aruntime::gpu
