// Elementwise math beyond the arithmetic of elementwise_ops.cc: rounding, Sign, Reciprocal, the
// NaN/Inf tests, Mod, bit operations, trigonometric and hyperbolic functions, and the activations
// built on exp (Softplus, Selu, Elu, Celu, Mish, Gelu...), PRelu and Shrink. Broadcasting, type
// dispatch and the float16/bfloat16 adapters come from kernels/; float16/bfloat16 are computed in
// float.
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "kernels/broadcast.h"
#include "kernels/cast.h"
#include "kernels/elementwise.h"
#include "providers/cpu/ops/elementwise_extra.h"
#include "providers/common/op_checks.h"

namespace aruntime::cpu {
namespace {

using kernels::compute_type_t;
using kernels::from_compute;
using kernels::to_compute;

using UnsignedTypes = kernels::TypeList<uint8_t, uint16_t, uint32_t, uint64_t>;

[[noreturn]] void throw_bad_attribute(const Node& node, const std::string& message) {
  throw_error(ErrorCode::kInvalidModel, node.describe() + ": " + message);
}

// ---- Unary maps ------------------------------------------------------------------------------

// Applies an Op to every element in the compute type C of the element type. An Op is built from
// the KernelInfo (where attribute-driven activations read and check their parameters), declares
// its rough per-element cost, and provides either a scalar `C operator()(C)` or, when a
// vectorised kernel exists, `void span(const C* in, C* out, int64_t n)`.
template <typename Op, typename Types>
class UnaryMathKernel final : public OpKernel {
 public:
  explicit UnaryMathKernel(const KernelInfo& info) : op_(info) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    const bool handled = kernels::dispatch_type(Types{}, x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_type_t<T>;
      Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
      kernels::unary_span_map(x.data<T>(), y.data<T>(), x.num_elements(), Op::kCost,
                              [this](const C* in, C* out, int64_t n) {
                                if constexpr (requires { op_.span(in, out, n); }) {
                                  op_.span(in, out, n);
                                } else {
                                  for (int64_t i = 0; i < n; ++i) out[i] = op_(in[i]);
                                }
                              });
    });
    if (!handled) throw_unsupported_input_type(ctx.node(), 0, x.dtype());
  }

 private:
  Op op_;
};

// An Op without attributes whose scalar function is `fn` (the std:: math functions).
#define ARUNTIME_STD_MATH_OP(Name, fn, cost) \
  struct Name {                              \
    static constexpr int64_t kCost = cost;   \
    explicit Name(const KernelInfo&) {}      \
    template <typename C>                    \
    C operator()(C x) const {                \
      return std::fn(x);                     \
    }                                        \
  };
ARUNTIME_STD_MATH_OP(FloorOp, floor, 1)
ARUNTIME_STD_MATH_OP(CeilOp, ceil, 1)
// nearbyint rounds in the current rounding mode, which the runtime leaves at the default
// round-half-to-even that ONNX Round (like np.round) specifies.
ARUNTIME_STD_MATH_OP(RoundOp, nearbyint, 1)
ARUNTIME_STD_MATH_OP(TanOp, tan, 16)
ARUNTIME_STD_MATH_OP(AsinOp, asin, 16)
ARUNTIME_STD_MATH_OP(AcosOp, acos, 16)
ARUNTIME_STD_MATH_OP(AtanOp, atan, 16)
ARUNTIME_STD_MATH_OP(SinhOp, sinh, 16)
ARUNTIME_STD_MATH_OP(CoshOp, cosh, 16)
ARUNTIME_STD_MATH_OP(AsinhOp, asinh, 16)
ARUNTIME_STD_MATH_OP(AcoshOp, acosh, 16)
ARUNTIME_STD_MATH_OP(AtanhOp, atanh, 16)
#undef ARUNTIME_STD_MATH_OP

// An Op whose float/double span function is kernels::fn.
#define ARUNTIME_SPAN_MATH_OP(Name, fn)               \
  struct Name {                                       \
    static constexpr int64_t kCost = 16;              \
    explicit Name(const KernelInfo&) {}               \
    template <typename C>                             \
    void span(const C* in, C* out, int64_t n) const { \
      kernels::fn(in, out, n);                        \
    }                                                 \
  };
ARUNTIME_SPAN_MATH_OP(SinOp, sin_span)
ARUNTIME_SPAN_MATH_OP(CosOp, cos_span)
#undef ARUNTIME_SPAN_MATH_OP

struct ReciprocalOp {
  static constexpr int64_t kCost = 2;
  explicit ReciprocalOp(const KernelInfo&) {}
  template <typename C>
  C operator()(C x) const {
    return C(1) / x;
  }
};

// -1, 0 or 1; NaN stays NaN as in np.sign.
struct SignOp {
  static constexpr int64_t kCost = 1;
  explicit SignOp(const KernelInfo&) {}
  template <typename C>
  C operator()(C x) const {
    if (x > C(0)) return C(1);
    if constexpr (std::is_signed_v<C> || std::is_floating_point_v<C>) {
      if (x < C(0)) return C(-1);
    }
    return x;
  }
};

// ln(1 + e^x) without overflowing e^x for large x: for x > 0 it equals x + ln(1 + e^-x).
template <typename C>
C softplus(C x) {
  return x > C(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

struct SoftplusOp {
  static constexpr int64_t kCost = 16;
  explicit SoftplusOp(const KernelInfo&) {}
  template <typename C>
  C operator()(C x) const {
    return softplus(x);
  }
};

struct SoftsignOp {
  static constexpr int64_t kCost = 2;
  explicit SoftsignOp(const KernelInfo&) {}
  template <typename C>
  C operator()(C x) const {
    return x / (C(1) + std::fabs(x));
  }
};

struct MishOp {
  static constexpr int64_t kCost = 32;
  explicit MishOp(const KernelInfo&) {}
  template <typename C>
  C operator()(C x) const {
    return x * std::tanh(softplus(x));
  }
};

// The exponential branches use expm1, which keeps e^x - 1 accurate near 0.
struct EluOp {
  static constexpr int64_t kCost = 16;
  explicit EluOp(const KernelInfo& info) : alpha(info.node().attr_float("alpha", 1.0f)) {}
  template <typename C>
  C operator()(C x) const {
    return x < C(0) ? static_cast<C>(alpha) * std::expm1(x) : x;
  }
  float alpha;
};

// The opset-6 defaults (opset 1 had shorter constants).
struct SeluOp {
  static constexpr int64_t kCost = 16;
  explicit SeluOp(const KernelInfo& info)
      : alpha(info.node().attr_float("alpha", 1.67326319217681884765625f)),
        gamma(info.node().attr_float("gamma", 1.05070102214813232421875f)) {}
  template <typename C>
  C operator()(C x) const {
    const C g = static_cast<C>(gamma);
    return x > C(0) ? g * x : g * static_cast<C>(alpha) * std::expm1(x);
  }
  float alpha, gamma;
};

// max(0, x) + min(0, alpha * (e^(x/alpha) - 1)): the second term is <= 0 exactly when x <= 0,
// whatever the sign of alpha, so one branch per side suffices.
struct CeluOp {
  static constexpr int64_t kCost = 16;
  explicit CeluOp(const KernelInfo& info) : alpha(info.node().attr_float("alpha", 1.0f)) {
    if (alpha == 0.0f) throw_bad_attribute(info.node(), "attribute 'alpha' must not be 0");
  }
  template <typename C>
  C operator()(C x) const {
    const C a = static_cast<C>(alpha);
    return x > C(0) ? x : a * std::expm1(x / a);
  }
  float alpha;
};

struct ThresholdedReluOp {
  static constexpr int64_t kCost = 1;
  explicit ThresholdedReluOp(const KernelInfo& info)
      : alpha(info.node().attr_float("alpha", 1.0f)) {}
  template <typename C>
  C operator()(C x) const {
    return x > static_cast<C>(alpha) ? x : C(0);
  }
  float alpha;
};

struct GeluOp {
  static constexpr int64_t kCost = 24;
  explicit GeluOp(const KernelInfo& info) {
    const std::string approximate = info.node().attr_string("approximate", "none");
    if (approximate != "none" && approximate != "tanh") {
      throw_bad_attribute(
          info.node(),
          "attribute 'approximate' must be \"none\" or \"tanh\", got \"" + approximate + "\"");
    }
    use_tanh = approximate == "tanh";
  }
  template <typename C>
  void span(const C* in, C* out, int64_t n) const {
    if (use_tanh) {
      kernels::gelu_tanh_span(in, out, n);
    } else {
      kernels::gelu_span(in, out, n);
    }
  }
  bool use_tanh = false;
};

// The float value `v` as the integer type C: truncated toward zero, then wrapped like numpy's
// astype (the ONNX reference computes integer Shrink in float64 and casts back).
template <typename C>
C float64_to_integer(double v) {
  if constexpr (std::is_unsigned_v<C>) {
    // Beyond the int64 range but within uint64's, where double_to_int64 would saturate.
    if (v >= 9223372036854775808.0 && v < 18446744073709551616.0) {
      return static_cast<C>(static_cast<uint64_t>(v));
    }
  }
  return static_cast<C>(kernels::double_to_int64(v));
}

struct ShrinkOp {
  static constexpr int64_t kCost = 2;
  explicit ShrinkOp(const KernelInfo& info)
      : lambd(info.node().attr_float("lambd", 0.5f)), bias(info.node().attr_float("bias", 0.0f)) {}
  template <typename C>
  C operator()(C x) const {
    if constexpr (std::is_integral_v<C>) {
      return float64_to_integer<C>(shrink(static_cast<double>(x)));
    } else {
      return shrink(x);
    }
  }
  template <typename F>
  F shrink(F x) const {
    const F l = static_cast<F>(lambd);
    const F b = static_cast<F>(bias);
    if (x < -l) return x + b;
    if (x > l) return x - b;
    return F(0);
  }
  float lambd, bias;
};

// ---- IsNaN, IsInf ----------------------------------------------------------------------------

struct IsNaNOp {
  explicit IsNaNOp(const KernelInfo&) {}
  template <typename C>
  bool operator()(C x) const {
    return std::isnan(x);
  }
};

struct IsInfOp {
  explicit IsInfOp(const KernelInfo& info)
      : detect_positive(info.node().attr_int("detect_positive", 1) != 0),
        detect_negative(info.node().attr_int("detect_negative", 1) != 0) {}
  template <typename C>
  bool operator()(C x) const {
    return std::isinf(x) && (x > C(0) ? detect_positive : detect_negative);
  }
  bool detect_positive, detect_negative;
};

// A float tensor in, a bool tensor of its shape out.
template <typename Op>
class FloatPredicateKernel final : public OpKernel {
 public:
  explicit FloatPredicateKernel(const KernelInfo& info) : op_(info) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    const bool handled = kernels::dispatch_type(kernels::FloatTypes{}, x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      bool* out = ctx.allocate_output(0, x.shape(), DataType::kBool).template data<bool>();
      kernels::unary_map(x.data<T>(), out, x.num_elements(), 1,
                         [this](T v) { return op_(to_compute(v)); });
    });
    if (!handled) throw_unsupported_input_type(ctx.node(), 0, x.dtype());
  }

 private:
  Op op_;
};

// ---- Bit operations --------------------------------------------------------------------------

struct BitwiseAndOp {
  explicit BitwiseAndOp(const KernelInfo&) {}
  template <typename T>
  T operator()(T a, T b) const {
    return static_cast<T>(a & b);
  }
};
struct BitwiseOrOp {
  explicit BitwiseOrOp(const KernelInfo&) {}
  template <typename T>
  T operator()(T a, T b) const {
    return static_cast<T>(a | b);
  }
};
struct BitwiseXorOp {
  explicit BitwiseXorOp(const KernelInfo&) {}
  template <typename T>
  T operator()(T a, T b) const {
    return static_cast<T>(a ^ b);
  }
};

// Shifting by the bit width or more gives 0, as in numpy (C++ leaves it undefined). The shift is
// done in uint64_t so that narrow types promoted to int cannot overflow.
struct BitShiftOp {
  explicit BitShiftOp(const KernelInfo& info) {
    const Node& node = info.node();
    const std::string direction = node.attr_string("direction", "");
    if (direction != "LEFT" && direction != "RIGHT") {
      throw_bad_attribute(
          node, "attribute 'direction' must be \"LEFT\" or \"RIGHT\", got \"" + direction + "\"");
    }
    left = direction == "LEFT";
  }
  template <typename T>
  T operator()(T x, T shift) const {
    if (static_cast<uint64_t>(shift) >= static_cast<uint64_t>(std::numeric_limits<T>::digits)) {
      return 0;
    }
    const uint64_t v = x;
    return static_cast<T>(left ? v << shift : v >> shift);
  }
  bool left = true;
};

// Two inputs of one integer type, broadcast together, an output of that type.
template <typename Op, typename Types>
class IntegerBinaryKernel final : public OpKernel {
 public:
  explicit IntegerBinaryKernel(const KernelInfo& info) : op_(info) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& a = ctx.required_input(0);
    const Tensor& b = ctx.required_input(1);
    check_same_element_type(node, {&a, &b}, {0, 1});
    const Shape out_shape = broadcast_input_shapes(node, {&a, &b});
    const kernels::BroadcastPlan plan =
        kernels::make_broadcast_plan(a.shape(), b.shape(), out_shape);
    const bool handled = kernels::dispatch_type(Types{}, a.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      Tensor& out = ctx.allocate_output(0, out_shape, a.dtype());
      kernels::binary_broadcast(plan, a.data<T>(), b.data<T>(), out.data<T>(), 1, op_);
    });
    if (!handled) throw_unsupported_input_type(node, 0, a.dtype());
  }

 private:
  Op op_;
};

class BitwiseNotKernel final : public OpKernel {
 public:
  explicit BitwiseNotKernel(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    const bool handled = kernels::dispatch_type(kernels::IntTypes{}, x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
      kernels::unary_map(x.data<T>(), y.data<T>(), x.num_elements(), 1,
                         [](T v) { return static_cast<T>(~v); });
    });
    if (!handled) throw_unsupported_input_type(ctx.node(), 0, x.dtype());
  }
};

// ---- Mod -------------------------------------------------------------------------------------

// Integer remainders. MIN % -1 overflows in C++; its remainder is 0 either way.
template <typename T>
T truncated_mod(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b == -1) return 0;
  }
  return static_cast<T>(a % b);
}

// Python's (and np.mod's) remainder, which takes the sign of the divisor.
template <typename T>
T floored_mod(T a, T b) {
  T r = truncated_mod(a, b);
  if constexpr (std::is_signed_v<T>) {
    // r and b have opposite signs here, so r + b cannot overflow.
    if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
  }
  return r;
}

// fmod = 1 is C's fmod (the remainder takes the sign of the dividend); fmod = 0 is integer mod
// with Python's sign rule. The spec requires fmod = 1 for floating-point inputs.
class ModKernel final : public OpKernel {
 public:
  explicit ModKernel(const KernelInfo& info) {
    const int64_t fmod = info.node().attr_int("fmod", 0);
    if (fmod != 0 && fmod != 1) {
      throw_bad_attribute(info.node(),
                          "attribute 'fmod' must be 0 or 1, got " + std::to_string(fmod));
    }
    fmod_ = fmod == 1;
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& a = ctx.required_input(0);
    const Tensor& b = ctx.required_input(1);
    check_same_element_type(node, {&a, &b}, {0, 1});
    const Shape out_shape = broadcast_input_shapes(node, {&a, &b});
    const kernels::BroadcastPlan plan =
        kernels::make_broadcast_plan(a.shape(), b.shape(), out_shape);
    const bool handled = kernels::dispatch_type(kernels::NumericTypes{}, a.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_type_t<T>;
      if constexpr (std::is_floating_point_v<C>) {
        if (!fmod_) {
          throw_bad_attribute(node, "attribute 'fmod' must be 1 for floating-point input type " +
                                        std::string(data_type_name(a.dtype())) + ", got 0");
        }
        Tensor& out = ctx.allocate_output(0, out_shape, a.dtype());
        kernels::binary_broadcast(plan, a.data<T>(), b.data<T>(), out.data<T>(), 8, [](T x, T y) {
          return from_compute<T>(std::fmod(to_compute(x), to_compute(y)));
        });
      } else {
        check_no_zero_divisor<T>(node, b);
        Tensor& out = ctx.allocate_output(0, out_shape, a.dtype());
        if (fmod_) {
          kernels::binary_broadcast(plan, a.data<T>(), b.data<T>(), out.data<T>(), 2,
                                    truncated_mod<T>);
        } else {
          kernels::binary_broadcast(plan, a.data<T>(), b.data<T>(), out.data<T>(), 2,
                                    floored_mod<T>);
        }
      }
    });
    if (!handled) throw_unsupported_input_type(node, 0, a.dtype());
  }

 private:
  template <typename T>
  static void check_no_zero_divisor(const Node& node, const Tensor& divisor) {
    const T* d = divisor.data<T>();
    for (int64_t i = 0; i < divisor.num_elements(); ++i) {
      if (d[i] == 0) {
        throw_error(ErrorCode::kRuntimeError,
                    node.describe() + ": integer modulo by zero (input 1 " +
                        divisor.shape().to_string() + ", flat index " + std::to_string(i) + ")");
      }
    }
  }

  bool fmod_ = false;
};

// ---- PRelu -----------------------------------------------------------------------------------

// y = x < 0 ? slope * x : x, with slope broadcast unidirectionally to x (the output has x's
// shape). Opset 6 predates broadcasting: slope has x's shape or a single element.
class PReluKernel final : public OpKernel {
 public:
  explicit PReluKernel(const KernelInfo& info) : single_slope_only_(info.opset() < 7) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const Tensor& slope = ctx.required_input(1);
    check_same_element_type(node, {&x, &slope}, {0, 1});
    const Shape slope_shape = prelu_slope_shape(node, x, slope, single_slope_only_);
    const kernels::BroadcastPlan plan =
        kernels::make_broadcast_plan(x.shape(), slope_shape, x.shape());
    const bool handled = kernels::dispatch_type(PReluTypes{}, x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
      kernels::binary_broadcast(plan, x.data<T>(), slope.data<T>(), y.data<T>(), 2,
                                [](T xv, T sv) { return prelu(xv, sv); });
    });
    if (!handled) throw_unsupported_input_type(node, 0, x.dtype());
  }

 private:
  using PReluTypes =
      kernels::TypeList<float, double, Float16, BFloat16, int32_t, int64_t, uint32_t, uint64_t>;

  template <typename T>
  static T prelu(T x, T slope) {
    if constexpr (std::is_unsigned_v<T>) {
      return x;
    } else if constexpr (std::is_integral_v<T>) {
      // Products wrap (two's complement) like numpy's instead of overflowing.
      using U = std::make_unsigned_t<T>;
      return x < 0 ? static_cast<T>(static_cast<U>(x) * static_cast<U>(slope)) : x;
    } else {
      const auto xv = to_compute(x);
      return xv < 0 ? from_compute<T>(xv * to_compute(slope)) : x;
    }
  }

  bool single_slope_only_;
};

// ---- Registration ----------------------------------------------------------------------------

// A kernel with input 0 of a float type and a bool output 0 (IsNaN, IsInf).
void add_float_predicate(KernelRegistry& registry, const std::string& op_type, int since, int end,
                         std::vector<DataType> input_types, KernelFactory factory) {
  KernelDef def;
  def.op_type = op_type;
  def.since_version = since;
  def.end_version = end;
  def.constraints = {{"T1", {0}, {}, std::move(input_types)}, {"T2", {}, {0}, {DataType::kBool}}};
  def.factory = std::move(factory);
  registry.add(std::move(def));
}

template <typename Op, typename Types = kernels::FloatTypes>
KernelFactory unary() {
  return make_kernel<UnaryMathKernel<Op, Types>>();
}

}  // namespace

void register_math_kernels(KernelRegistry& registry) {
  using DT = DataType;
  const std::vector<DataType> floats_no_bf16 = types_without(types::kFloats, DT::kBFloat16);
  const std::vector<DataType> numeric_no_bf16 = types_without(types::kNumeric, DT::kBFloat16);
  const std::vector<DataType> unsigned_ints = {DT::kUInt8, DT::kUInt16, DT::kUInt32, DT::kUInt64};

  // The opset ranges and type lists follow the ONNX schemas; a range ends where a later version
  // of the op adds bfloat16.
  for (const auto& [op, factory] :
       {std::pair{"Floor", unary<FloorOp>()}, std::pair{"Ceil", unary<CeilOp>()},
        std::pair{"Reciprocal", unary<ReciprocalOp>()}}) {
    registry.add(op, 6, 12, {0}, floats_no_bf16, factory);
    registry.add(op, 13, 23, {0}, types::kFloats, factory);
  }
  registry.add("Round", 11, 21, {0}, floats_no_bf16, unary<RoundOp>());
  registry.add("Round", 22, 23, {0}, types::kFloats, unary<RoundOp>());
  registry.add("Sign", 9, 12, {0}, numeric_no_bf16, unary<SignOp, kernels::NumericTypes>());
  registry.add("Sign", 13, 23, {0}, types::kNumeric, unary<SignOp, kernels::NumericTypes>());

  add_float_predicate(registry, "IsNaN", 9, 12, floats_no_bf16,
                      make_kernel<FloatPredicateKernel<IsNaNOp>>());
  add_float_predicate(registry, "IsNaN", 13, 23, types::kFloats,
                      make_kernel<FloatPredicateKernel<IsNaNOp>>());
  add_float_predicate(registry, "IsInf", 10, 19, {DT::kFloat32, DT::kFloat64},
                      make_kernel<FloatPredicateKernel<IsInfOp>>());
  add_float_predicate(registry, "IsInf", 20, 23, types::kFloats,
                      make_kernel<FloatPredicateKernel<IsInfOp>>());

  registry.add("Mod", 10, 12, {0, 1}, numeric_no_bf16, make_kernel<ModKernel>());
  registry.add("Mod", 13, 23, {0, 1}, types::kNumeric, make_kernel<ModKernel>());

  registry.add("BitShift", 11, 23, {0, 1}, unsigned_ints,
               make_kernel<IntegerBinaryKernel<BitShiftOp, UnsignedTypes>>());
  registry.add("BitwiseAnd", 18, 23, {0, 1}, types::kIntegers,
               make_kernel<IntegerBinaryKernel<BitwiseAndOp, kernels::IntTypes>>());
  registry.add("BitwiseOr", 18, 23, {0, 1}, types::kIntegers,
               make_kernel<IntegerBinaryKernel<BitwiseOrOp, kernels::IntTypes>>());
  registry.add("BitwiseXor", 18, 23, {0, 1}, types::kIntegers,
               make_kernel<IntegerBinaryKernel<BitwiseXorOp, kernels::IntTypes>>());
  registry.add("BitwiseNot", 18, 23, {0}, types::kIntegers, make_kernel<BitwiseNotKernel>());

  // Trigonometric functions since opset 7, hyperbolic ones since 9; bfloat16 since 22.
  for (const auto& [op, since, factory] :
       {std::tuple{"Sin", 7, unary<SinOp>()}, std::tuple{"Cos", 7, unary<CosOp>()},
        std::tuple{"Tan", 7, unary<TanOp>()}, std::tuple{"Asin", 7, unary<AsinOp>()},
        std::tuple{"Acos", 7, unary<AcosOp>()}, std::tuple{"Atan", 7, unary<AtanOp>()},
        std::tuple{"Sinh", 9, unary<SinhOp>()}, std::tuple{"Cosh", 9, unary<CoshOp>()},
        std::tuple{"Asinh", 9, unary<AsinhOp>()}, std::tuple{"Acosh", 9, unary<AcoshOp>()},
        std::tuple{"Atanh", 9, unary<AtanhOp>()}, std::tuple{"Softplus", 1, unary<SoftplusOp>()},
        std::tuple{"Softsign", 1, unary<SoftsignOp>()}, std::tuple{"Elu", 6, unary<EluOp>()},
        std::tuple{"Selu", 6, unary<SeluOp>()},
        std::tuple{"ThresholdedRelu", 10, unary<ThresholdedReluOp>()},
        std::tuple{"Mish", 18, unary<MishOp>()}}) {
    registry.add(op, since, 21, {0}, floats_no_bf16, factory);
    registry.add(op, 22, 23, {0}, types::kFloats, factory);
  }
  registry.add("Celu", 12, 23, {0}, {DT::kFloat32}, unary<CeluOp>());
  registry.add("Gelu", 20, 23, {0}, types::kFloats, unary<GeluOp>());
  registry.add("Shrink", 9, 23, {0}, numeric_no_bf16, unary<ShrinkOp, kernels::NumericTypes>());

  const std::vector<DataType> prelu_ints = {DT::kInt32, DT::kInt64, DT::kUInt32, DT::kUInt64};
  std::vector<DataType> prelu_types = floats_no_bf16;
  registry.add("PRelu", 6, 8, {0, 1}, prelu_types, make_kernel<PReluKernel>());
  prelu_types.insert(prelu_types.end(), prelu_ints.begin(), prelu_ints.end());
  registry.add("PRelu", 9, 15, {0, 1}, prelu_types, make_kernel<PReluKernel>());
  prelu_types.push_back(DT::kBFloat16);
  registry.add("PRelu", 16, 23, {0, 1}, prelu_types, make_kernel<PReluKernel>());
}

}  // namespace aruntime::cpu
