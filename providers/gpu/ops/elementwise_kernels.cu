// Device code of the elementwise family (see elementwise_kernels.h). Every kernel is a grid-stride
// loop over int64 indices, so any element count works with a capped grid. The math of each op
// mirrors the CPU kernel of the same op (providers/cpu/ops/elementwise_*.cc) so that both
// providers give the same results up to the rounding of the float library functions.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <limits>
#include <type_traits>

#include "providers/gpu/ops/device_common.cuh"
#include "providers/gpu/ops/elementwise_kernels.h"

namespace aruntime::gpu {
namespace {

constexpr int kThreads = 256;
// Grid-stride loops cover what the capped grid does not; 65535 blocks fill any current GPU.
constexpr int64_t kMaxBlocks = 65535;

unsigned int blocks_for(int64_t work) {
  const int64_t blocks = (work + kThreads - 1) / kThreads;
  return static_cast<unsigned int>(blocks < kMaxBlocks ? (blocks > 0 ? blocks : 1) : kMaxBlocks);
}

__device__ __forceinline__ int64_t global_thread() {
  return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ int64_t grid_threads() {
  return static_cast<int64_t>(gridDim.x) * blockDim.x;
}

// N consecutive elements moved with one aligned load or store (float4 for float32, 8 bytes for
// the half types).
template <typename T, int N>
struct alignas(sizeof(T) * N) Pack {
  T v[N];
};

constexpr int kPack = 4;

bool aligned_for_pack(const void* p, size_t element_size) {
  return reinterpret_cast<uintptr_t>(p) % (element_size * kPack) == 0;
}

// Host-side element type dispatch: calls fn(T{}) with the C++ type of `type`.
template <typename T>
struct Tag {
  using type = T;
};

template <typename Fn>
cudaError_t dispatch_float_type(ElemType type, Fn&& fn) {
  switch (type) {
    case ElemType::kFloat32:
      return fn(Tag<float>{});
    case ElemType::kFloat16:
      return fn(Tag<__half>{});
    case ElemType::kBFloat16:
      return fn(Tag<__nv_bfloat16>{});
    default:
      return cudaErrorInvalidValue;
  }
}

// ---- Unary ops -------------------------------------------------------------------------------

__device__ __forceinline__ float clamp_unit(float v) {
  v = v < 0.0f ? 0.0f : v;
  return v > 1.0f ? 1.0f : v;
}

// Comparisons are written so that NaN falls through unchanged, as in the CPU kernels.
template <UnaryOp kOp>
__device__ __forceinline__ float apply_unary(float x, const UnaryParams& p) {
  if constexpr (kOp == UnaryOp::kRelu) {
    return x < 0.0f ? 0.0f : x;
  } else if constexpr (kOp == UnaryOp::kLeakyRelu) {
    return x < 0.0f ? x * p.alpha : x;
  } else if constexpr (kOp == UnaryOp::kElu) {
    return x < 0.0f ? p.alpha * expm1f(x) : x;
  } else if constexpr (kOp == UnaryOp::kSelu) {
    return x > 0.0f ? p.gamma * x : p.gamma * p.alpha * expm1f(x);
  } else if constexpr (kOp == UnaryOp::kSigmoid) {
    // Both branches keep exp's argument <= 0, so nothing overflows.
    if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
    const float e = expf(x);
    return e / (1.0f + e);
  } else if constexpr (kOp == UnaryOp::kHardSigmoid) {
    return clamp_unit(p.alpha * x + p.beta);
  } else if constexpr (kOp == UnaryOp::kHardSwish) {
    return x * clamp_unit(x * static_cast<float>(1.0 / 6.0) + 0.5f);
  } else if constexpr (kOp == UnaryOp::kTanh) {
    return tanhf(x);
  } else if constexpr (kOp == UnaryOp::kSoftplus) {
    // ln(1 + e^x) without overflowing e^x: for x > 0 it equals x + ln(1 + e^-x).
    return x > 0.0f ? x + log1pf(expf(-x)) : log1pf(expf(x));
  } else if constexpr (kOp == UnaryOp::kSoftsign) {
    return x / (1.0f + fabsf(x));
  } else if constexpr (kOp == UnaryOp::kGelu) {
    constexpr float kInvSqrt2 = 0.70710678118654752440f;
    return 0.5f * x * (1.0f + erff(x * kInvSqrt2));
  } else if constexpr (kOp == UnaryOp::kGeluTanh) {
    constexpr float kSqrt2OverPi = 0.79788456080286535588f;
    return 0.5f * x * (1.0f + tanhf(kSqrt2OverPi * (x + 0.044715f * x * x * x)));
  } else if constexpr (kOp == UnaryOp::kErf) {
    return erff(x);
  } else if constexpr (kOp == UnaryOp::kExp) {
    return expf(x);
  } else if constexpr (kOp == UnaryOp::kLog) {
    return logf(x);
  } else if constexpr (kOp == UnaryOp::kSqrt) {
    return sqrtf(x);
  } else if constexpr (kOp == UnaryOp::kReciprocal) {
    return 1.0f / x;
  } else if constexpr (kOp == UnaryOp::kNeg) {
    return -x;
  } else if constexpr (kOp == UnaryOp::kAbs) {
    return fabsf(x);
  } else if constexpr (kOp == UnaryOp::kFloor) {
    return floorf(x);
  } else if constexpr (kOp == UnaryOp::kCeil) {
    return ceilf(x);
  } else if constexpr (kOp == UnaryOp::kRound) {
    // rint rounds in the default mode, round half to even, as ONNX Round specifies.
    return rintf(x);
  } else if constexpr (kOp == UnaryOp::kSin) {
    return sinf(x);
  } else if constexpr (kOp == UnaryOp::kCos) {
    return cosf(x);
  } else if constexpr (kOp == UnaryOp::kSign) {
    // -1, 0 or 1; zeros keep their sign and NaN stays NaN, as np.sign.
    if (x > 0.0f) return 1.0f;
    if (x < 0.0f) return -1.0f;
    return x;
  } else if constexpr (kOp == UnaryOp::kClip) {
    const float v = x < p.alpha ? p.alpha : x;
    return v > p.beta ? p.beta : v;
  } else if constexpr (kOp == UnaryOp::kSquare) {
    return x * x;
  } else {
    static_assert(kOp == UnaryOp::kDivideBy);
    return x / p.alpha;
  }
}

// Each element is read before the same thread writes it, so y may be x. With N > 1 the first
// n / N packs move as aligned packs and the tail element by element.
template <UnaryOp kOp, typename T, int N>
__global__ void unary_kernel(const T* x, T* y, int64_t n, UnaryParams params) {
  const int64_t packs = n / N;
  const auto* xp = reinterpret_cast<const Pack<T, N>*>(x);
  auto* yp = reinterpret_cast<Pack<T, N>*>(y);
  for (int64_t i = global_thread(); i < packs; i += grid_threads()) {
    Pack<T, N> v = xp[i];
#pragma unroll
    for (int k = 0; k < N; ++k) v.v[k] = from_float<T>(apply_unary<kOp>(to_float(v.v[k]), params));
    yp[i] = v;
  }
  for (int64_t i = packs * N + global_thread(); i < n; i += grid_threads()) {
    y[i] = from_float<T>(apply_unary<kOp>(to_float(x[i]), params));
  }
}

template <UnaryOp kOp, typename T>
cudaError_t run_unary(const UnaryParams& params, const void* x, void* y, int64_t n,
                      cudaStream_t stream) {
  const T* in = static_cast<const T*>(x);
  T* out = static_cast<T*>(y);
  if (n >= kPack && aligned_for_pack(in, sizeof(T)) && aligned_for_pack(out, sizeof(T))) {
    unary_kernel<kOp, T, kPack><<<blocks_for(n / kPack), kThreads, 0, stream>>>(in, out, n, params);
  } else {
    unary_kernel<kOp, T, 1><<<blocks_for(n), kThreads, 0, stream>>>(in, out, n, params);
  }
  return cudaGetLastError();
}

template <typename T>
cudaError_t unary_for_type(UnaryOp op, const UnaryParams& params, const void* x, void* y, int64_t n,
                           cudaStream_t stream) {
  switch (op) {
#define ARUNTIME_UNARY_CASE(name) \
  case UnaryOp::name:             \
    return run_unary<UnaryOp::name, T>(params, x, y, n, stream);
    ARUNTIME_UNARY_CASE(kRelu)
    ARUNTIME_UNARY_CASE(kLeakyRelu)
    ARUNTIME_UNARY_CASE(kElu)
    ARUNTIME_UNARY_CASE(kSelu)
    ARUNTIME_UNARY_CASE(kSigmoid)
    ARUNTIME_UNARY_CASE(kHardSigmoid)
    ARUNTIME_UNARY_CASE(kHardSwish)
    ARUNTIME_UNARY_CASE(kTanh)
    ARUNTIME_UNARY_CASE(kSoftplus)
    ARUNTIME_UNARY_CASE(kSoftsign)
    ARUNTIME_UNARY_CASE(kGelu)
    ARUNTIME_UNARY_CASE(kGeluTanh)
    ARUNTIME_UNARY_CASE(kErf)
    ARUNTIME_UNARY_CASE(kExp)
    ARUNTIME_UNARY_CASE(kLog)
    ARUNTIME_UNARY_CASE(kSqrt)
    ARUNTIME_UNARY_CASE(kReciprocal)
    ARUNTIME_UNARY_CASE(kNeg)
    ARUNTIME_UNARY_CASE(kAbs)
    ARUNTIME_UNARY_CASE(kFloor)
    ARUNTIME_UNARY_CASE(kCeil)
    ARUNTIME_UNARY_CASE(kRound)
    ARUNTIME_UNARY_CASE(kSin)
    ARUNTIME_UNARY_CASE(kCos)
    ARUNTIME_UNARY_CASE(kSign)
    ARUNTIME_UNARY_CASE(kClip)
    ARUNTIME_UNARY_CASE(kSquare)
    ARUNTIME_UNARY_CASE(kDivideBy)
#undef ARUNTIME_UNARY_CASE
  }
  return cudaErrorInvalidValue;
}

// ---- Predicates and Not ----------------------------------------------------------------------

template <PredicateOp kOp, typename T>
__global__ void predicate_kernel(const T* x, bool* y, int64_t n, bool detect_positive,
                                 bool detect_negative) {
  for (int64_t i = global_thread(); i < n; i += grid_threads()) {
    const float v = to_float(x[i]);
    if constexpr (kOp == PredicateOp::kIsNaN) {
      y[i] = isnan(v);
    } else {
      y[i] = isinf(v) && (v > 0.0f ? detect_positive : detect_negative);
    }
  }
}

__global__ void not_kernel(const bool* x, bool* y, int64_t n) {
  for (int64_t i = global_thread(); i < n; i += grid_threads()) y[i] = !x[i];
}

// ---- Broadcast indexing ----------------------------------------------------------------------

// How an output index becomes input offsets: kFlat for rank 1 (same shape, or inputs of one
// element), kRows for rank 2 (a row or column broadcast: one division), kGeneral otherwise.
enum class IndexMode { kFlat, kRows, kGeneral };

template <int kInputs, IndexMode kMode>
__device__ __forceinline__ void input_offsets(const BroadcastIndex& index, int64_t i,
                                              int64_t (&offsets)[kInputs]) {
  if constexpr (kMode == IndexMode::kFlat) {
#pragma unroll
    for (int k = 0; k < kInputs; ++k) offsets[k] = i * index.strides[k][0];
  } else if constexpr (kMode == IndexMode::kRows) {
    const int64_t row = i / index.dims[1];
    const int64_t col = i - row * index.dims[1];
#pragma unroll
    for (int k = 0; k < kInputs; ++k) {
      offsets[k] = row * index.strides[k][0] + col * index.strides[k][1];
    }
  } else {
#pragma unroll
    for (int k = 0; k < kInputs; ++k) offsets[k] = 0;
    int64_t rest = i;
    for (int d = index.rank - 1; d > 0; --d) {
      const int64_t quotient = rest / index.dims[d];
      const int64_t coordinate = rest - quotient * index.dims[d];
      rest = quotient;
#pragma unroll
      for (int k = 0; k < kInputs; ++k) offsets[k] += coordinate * index.strides[k][d];
    }
#pragma unroll
    for (int k = 0; k < kInputs; ++k) offsets[k] += rest * index.strides[k][0];
  }
}

IndexMode index_mode(const BroadcastIndex& index) {
  if (index.rank <= 1) return IndexMode::kFlat;
  if (index.rank == 2) return IndexMode::kRows;
  return IndexMode::kGeneral;
}

bool valid_index(const BroadcastIndex& index) {
  if (index.rank < 1 || index.rank > kMaxBroadcastRank) return false;
  for (int d = 0; d < index.rank; ++d) {
    if (index.dims[d] <= 0) return false;
  }
  return true;
}

// ---- Binary ops ------------------------------------------------------------------------------

template <BinaryOp kOp>
__device__ __forceinline__ auto apply_binary(float a, float b) {
  if constexpr (kOp == BinaryOp::kAdd) {
    return a + b;
  } else if constexpr (kOp == BinaryOp::kSub) {
    return a - b;
  } else if constexpr (kOp == BinaryOp::kMul) {
    return a * b;
  } else if constexpr (kOp == BinaryOp::kDiv) {
    return a / b;
  } else if constexpr (kOp == BinaryOp::kPow) {
    return powf(a, b);
  } else if constexpr (kOp == BinaryOp::kMax) {
    return (a != a || a > b) ? a : b;
  } else if constexpr (kOp == BinaryOp::kMin) {
    return (a != a || a < b) ? a : b;
  } else if constexpr (kOp == BinaryOp::kPRelu) {
    return a < 0.0f ? a * b : a;
  } else if constexpr (kOp == BinaryOp::kEqual) {
    return a == b;
  } else if constexpr (kOp == BinaryOp::kLess) {
    return a < b;
  } else if constexpr (kOp == BinaryOp::kGreater) {
    return a > b;
  } else if constexpr (kOp == BinaryOp::kLessOrEqual) {
    return a <= b;
  } else {
    static_assert(kOp == BinaryOp::kGreaterOrEqual);
    return a >= b;
  }
}

template <BinaryOp kOp, typename TO>
__device__ __forceinline__ TO binary_value(float a, float b) {
  if constexpr (is_comparison(kOp)) {
    return apply_binary<kOp>(a, b);
  } else {
    return from_float<TO>(apply_binary<kOp>(a, b));
  }
}

template <BinaryOp kOp, typename TA, typename TB, typename TO, IndexMode kMode>
__global__ void binary_kernel(const TA* a, const TB* b, TO* out, int64_t n, BroadcastIndex index) {
  for (int64_t i = global_thread(); i < n; i += grid_threads()) {
    int64_t offsets[2];
    input_offsets<2, kMode>(index, i, offsets);
    out[i] = binary_value<kOp, TO>(to_float(a[offsets[0]]), to_float(b[offsets[1]]));
  }
}

// The flat case in packs of kPack: each input either advances with the output (stride 1, loaded
// as aligned packs) or repeats its single element (stride 0).
template <BinaryOp kOp, typename TA, typename TB, typename TO>
__global__ void binary_flat_pack_kernel(const TA* a, bool a_advances, const TB* b, bool b_advances,
                                        TO* out, int64_t n) {
  const int64_t packs = n / kPack;
  for (int64_t i = global_thread(); i < packs; i += grid_threads()) {
    float av[kPack], bv[kPack];
    if (a_advances) {
      const Pack<TA, kPack> p = reinterpret_cast<const Pack<TA, kPack>*>(a)[i];
#pragma unroll
      for (int k = 0; k < kPack; ++k) av[k] = to_float(p.v[k]);
    } else {
#pragma unroll
      for (int k = 0; k < kPack; ++k) av[k] = to_float(a[0]);
    }
    if (b_advances) {
      const Pack<TB, kPack> p = reinterpret_cast<const Pack<TB, kPack>*>(b)[i];
#pragma unroll
      for (int k = 0; k < kPack; ++k) bv[k] = to_float(p.v[k]);
    } else {
#pragma unroll
      for (int k = 0; k < kPack; ++k) bv[k] = to_float(b[0]);
    }
    Pack<TO, kPack> result;
#pragma unroll
    for (int k = 0; k < kPack; ++k) result.v[k] = binary_value<kOp, TO>(av[k], bv[k]);
    reinterpret_cast<Pack<TO, kPack>*>(out)[i] = result;
  }
  for (int64_t i = packs * kPack + global_thread(); i < n; i += grid_threads()) {
    out[i] =
        binary_value<kOp, TO>(to_float(a[a_advances ? i : 0]), to_float(b[b_advances ? i : 0]));
  }
}

template <BinaryOp kOp, typename TA, typename TB>
cudaError_t run_binary(const void* a_ptr, const void* b_ptr, void* out_ptr, int64_t n,
                       const BroadcastIndex& index, cudaStream_t stream) {
  using TO = std::conditional_t<is_comparison(kOp), bool, TA>;
  const TA* a = static_cast<const TA*>(a_ptr);
  const TB* b = static_cast<const TB*>(b_ptr);
  TO* out = static_cast<TO*>(out_ptr);
  const unsigned int blocks = blocks_for(n);
  switch (index_mode(index)) {
    case IndexMode::kFlat: {
      const bool a_advances = index.strides[0][0] != 0;
      const bool b_advances = index.strides[1][0] != 0;
      const bool packable = n >= kPack && aligned_for_pack(out, sizeof(TO)) &&
                            (!a_advances || aligned_for_pack(a, sizeof(TA))) &&
                            (!b_advances || aligned_for_pack(b, sizeof(TB)));
      if (packable) {
        binary_flat_pack_kernel<kOp, TA, TB, TO>
            <<<blocks_for(n / kPack), kThreads, 0, stream>>>(a, a_advances, b, b_advances, out, n);
      } else {
        binary_kernel<kOp, TA, TB, TO, IndexMode::kFlat>
            <<<blocks, kThreads, 0, stream>>>(a, b, out, n, index);
      }
      break;
    }
    case IndexMode::kRows:
      binary_kernel<kOp, TA, TB, TO, IndexMode::kRows>
          <<<blocks, kThreads, 0, stream>>>(a, b, out, n, index);
      break;
    case IndexMode::kGeneral:
      binary_kernel<kOp, TA, TB, TO, IndexMode::kGeneral>
          <<<blocks, kThreads, 0, stream>>>(a, b, out, n, index);
      break;
  }
  return cudaGetLastError();
}

template <typename TA, typename TB>
cudaError_t binary_for_types(BinaryOp op, const void* a, const void* b, void* out, int64_t n,
                             const BroadcastIndex& index, cudaStream_t stream) {
  switch (op) {
#define ARUNTIME_BINARY_CASE(name) \
  case BinaryOp::name:             \
    return run_binary<BinaryOp::name, TA, TB>(a, b, out, n, index, stream);
    ARUNTIME_BINARY_CASE(kAdd)
    ARUNTIME_BINARY_CASE(kSub)
    ARUNTIME_BINARY_CASE(kMul)
    ARUNTIME_BINARY_CASE(kDiv)
    ARUNTIME_BINARY_CASE(kPow)
    ARUNTIME_BINARY_CASE(kMax)
    ARUNTIME_BINARY_CASE(kMin)
    ARUNTIME_BINARY_CASE(kPRelu)
    ARUNTIME_BINARY_CASE(kEqual)
    ARUNTIME_BINARY_CASE(kLess)
    ARUNTIME_BINARY_CASE(kGreater)
    ARUNTIME_BINARY_CASE(kLessOrEqual)
    ARUNTIME_BINARY_CASE(kGreaterOrEqual)
#undef ARUNTIME_BINARY_CASE
  }
  return cudaErrorInvalidValue;
}

// ---- Where -----------------------------------------------------------------------------------

// Copies the chosen element's bits: no float round trip, so NaN payloads and -0 survive.
template <typename T, IndexMode kMode>
__global__ void where_kernel(const bool* condition, const T* x, const T* y, T* out, int64_t n,
                             BroadcastIndex index) {
  for (int64_t i = global_thread(); i < n; i += grid_threads()) {
    int64_t offsets[3];
    input_offsets<3, kMode>(index, i, offsets);
    out[i] = condition[offsets[0]] ? x[offsets[1]] : y[offsets[2]];
  }
}

// ---- Cast ------------------------------------------------------------------------------------

template <typename T>
inline constexpr bool kIsFloat =
    std::is_same_v<T, float> || std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>;

// float -> integer as the CPU's Cast does it: truncate toward zero; NaN -> 0; beyond the int64
// range saturate to the destination's limits; then wrap into the destination (low bits).
template <typename I>
__device__ __forceinline__ I float_to_integer(double value) {
  if (isnan(value)) return I(0);
  constexpr double kTwo63 = 9223372036854775808.0;
  if (value >= kTwo63) return std::numeric_limits<I>::max();
  if (value < -kTwo63) return std::numeric_limits<I>::lowest();
  return static_cast<I>(static_cast<int64_t>(value));
}

// float32 -> bfloat16 keeping the upper 16 bits (ONNX's reference Cast); NaN stays a quiet NaN
// as the CPU's round-to-nearest conversion makes it.
__device__ __forceinline__ __nv_bfloat16 float_to_bfloat16_truncated(float f) {
  const uint32_t bits = __float_as_uint(f);
  uint16_t upper = static_cast<uint16_t>(bits >> 16);
  if (isnan(f)) upper = static_cast<uint16_t>(upper | 0x40);
  return __ushort_as_bfloat16(upper);
}

template <typename D, typename S>
__device__ __forceinline__ D convert(S value) {
  if constexpr (std::is_same_v<S, bool>) {
    return convert<D>(static_cast<uint8_t>(value ? 1 : 0));
  } else if constexpr (std::is_same_v<D, bool>) {
    if constexpr (kIsFloat<S>) {
      return to_float(value) != 0.0f;
    } else {
      return value != 0;
    }
  } else if constexpr (std::is_same_v<D, __nv_bfloat16>) {
    if constexpr (kIsFloat<S>) {
      return float_to_bfloat16_truncated(to_float(value));
    } else {
      return float_to_bfloat16_truncated(static_cast<float>(value));
    }
  } else if constexpr (kIsFloat<D>) {
    if constexpr (kIsFloat<S>) {
      return from_float<D>(to_float(value));
    } else {
      return from_float<D>(static_cast<float>(value));
    }
  } else if constexpr (kIsFloat<S>) {
    return float_to_integer<D>(static_cast<double>(to_float(value)));
  } else {
    return static_cast<D>(value);  // integer -> integer keeps the low bits
  }
}

template <typename S, typename D>
__global__ void cast_kernel(const S* x, D* y, int64_t n) {
  for (int64_t i = global_thread(); i < n; i += grid_threads()) y[i] = convert<D>(x[i]);
}

template <typename Fn>
cudaError_t dispatch_cast_type(ElemType type, Fn&& fn) {
  switch (type) {
    case ElemType::kFloat32:
      return fn(Tag<float>{});
    case ElemType::kFloat16:
      return fn(Tag<__half>{});
    case ElemType::kBFloat16:
      return fn(Tag<__nv_bfloat16>{});
    case ElemType::kInt32:
      return fn(Tag<int32_t>{});
    case ElemType::kInt64:
      return fn(Tag<int64_t>{});
    case ElemType::kBool:
      return fn(Tag<bool>{});
    case ElemType::kInt8:
      return fn(Tag<int8_t>{});
    case ElemType::kUInt8:
      return fn(Tag<uint8_t>{});
  }
  return cudaErrorInvalidValue;
}

}  // namespace

cudaError_t launch_unary(UnaryOp op, const UnaryParams& params, ElemType type, const void* x,
                         void* y, int64_t n, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  return dispatch_float_type(type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    return unary_for_type<T>(op, params, x, y, n, stream);
  });
}

cudaError_t launch_float_predicate(PredicateOp op, bool detect_positive, bool detect_negative,
                                   ElemType type, const void* x, bool* y, int64_t n,
                                   cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  return dispatch_float_type(type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = static_cast<const T*>(x);
    if (op == PredicateOp::kIsNaN) {
      predicate_kernel<PredicateOp::kIsNaN, T>
          <<<blocks_for(n), kThreads, 0, stream>>>(in, y, n, detect_positive, detect_negative);
    } else {
      predicate_kernel<PredicateOp::kIsInf, T>
          <<<blocks_for(n), kThreads, 0, stream>>>(in, y, n, detect_positive, detect_negative);
    }
    return cudaGetLastError();
  });
}

cudaError_t launch_not(const bool* x, bool* y, int64_t n, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  not_kernel<<<blocks_for(n), kThreads, 0, stream>>>(x, y, n);
  return cudaGetLastError();
}

cudaError_t launch_binary(BinaryOp op, ElemType type, ElemType b_type, const void* a, const void* b,
                          void* out, int64_t n, const BroadcastIndex& index, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  if (!valid_index(index)) return cudaErrorInvalidValue;
  if (b_type != type && !(op == BinaryOp::kPow && b_type == ElemType::kFloat32)) {
    return cudaErrorInvalidValue;
  }
  return dispatch_float_type(type, [&](auto tag) {
    using TA = typename decltype(tag)::type;
    if (b_type == type) return binary_for_types<TA, TA>(op, a, b, out, n, index, stream);
    return run_binary<BinaryOp::kPow, TA, float>(a, b, out, n, index, stream);
  });
}

cudaError_t launch_where(ElemType type, const bool* condition, const void* x, const void* y,
                         void* out, int64_t n, const BroadcastIndex& index, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  if (!valid_index(index)) return cudaErrorInvalidValue;
  return dispatch_float_type(type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* px = static_cast<const T*>(x);
    const T* py = static_cast<const T*>(y);
    T* po = static_cast<T*>(out);
    const unsigned int blocks = blocks_for(n);
    switch (index_mode(index)) {
      case IndexMode::kFlat:
        where_kernel<T, IndexMode::kFlat>
            <<<blocks, kThreads, 0, stream>>>(condition, px, py, po, n, index);
        break;
      case IndexMode::kRows:
        where_kernel<T, IndexMode::kRows>
            <<<blocks, kThreads, 0, stream>>>(condition, px, py, po, n, index);
        break;
      case IndexMode::kGeneral:
        where_kernel<T, IndexMode::kGeneral>
            <<<blocks, kThreads, 0, stream>>>(condition, px, py, po, n, index);
        break;
    }
    return cudaGetLastError();
  });
}

cudaError_t launch_cast(ElemType from, ElemType to, const void* x, void* y, int64_t n,
                        cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  if (from == to) return cudaErrorInvalidValue;
  return dispatch_cast_type(from, [&](auto from_tag) {
    using S = typename decltype(from_tag)::type;
    return dispatch_cast_type(to, [&](auto to_tag) {
      using D = typename decltype(to_tag)::type;
      if constexpr (std::is_same_v<S, D>) {
        return cudaErrorInvalidValue;
      } else {
        cast_kernel<S, D><<<blocks_for(n), kThreads, 0, stream>>>(static_cast<const S*>(x),
                                                                  static_cast<D*>(y), n);
        return cudaGetLastError();
      }
    });
  });
}

}  // namespace aruntime::gpu
