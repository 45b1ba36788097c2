// Elementwise arithmetic and activations. The math lives in kernels/ (broadcast plans, span loops,
// Eigen float functions); the kernels here validate inputs, allocate outputs and dispatch on the
// element type. float16/bfloat16 are computed in float.
#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/broadcast.h"
#include "kernels/cast.h"
#include "kernels/elementwise.h"
#include "providers/common/op_checks.h"
#include "providers/cpu/ops/elementwise_extra.h"
#include "providers/cpu/ops/registrations.h"

namespace aruntime::cpu {
namespace {

using kernels::compute_type_t;
using kernels::from_compute;
using kernels::is_half_v;
using kernels::to_compute;

[[noreturn]] void throw_unsupported_type(const Node& node, size_t input, DataType dtype) {
  throw_error(ErrorCode::kNotImplemented, node.describe() + ": input " + std::to_string(input) +
                                              " has unsupported type " +
                                              std::string(data_type_name(dtype)));
}

// Integer arithmetic wraps around (two's complement) instead of overflowing into undefined
// behaviour; small types are widened to 32 bits so that products cannot overflow `int`.
template <typename T>
using WrapType = std::conditional_t<sizeof(T) <= 4, uint32_t, uint64_t>;

template <typename T>
inline T wrap(WrapType<T> v) {
  return static_cast<T>(v);
}

struct AddOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      return wrap<T>(static_cast<WrapType<T>>(a) + static_cast<WrapType<T>>(b));
    } else {
      return a + b;
    }
  }
};

struct SubOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      return wrap<T>(static_cast<WrapType<T>>(a) - static_cast<WrapType<T>>(b));
    } else {
      return a - b;
    }
  }
};

struct MulOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      return wrap<T>(static_cast<WrapType<T>>(a) * static_cast<WrapType<T>>(b));
    } else {
      return a * b;
    }
  }
};

// Integer division truncates toward zero (C++). Divisors are checked for zero before the loop;
// MIN / -1 wraps to MIN instead of trapping.
struct DivOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      if (b == -1) return wrap<T>(WrapType<T>(0) - static_cast<WrapType<T>>(a));
      return static_cast<T>(a / b);
    } else {
      return static_cast<T>(a / b);
    }
  }
};

void check_same_type(const Node& node, const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype()) {
    throw_error(ErrorCode::kRuntimeError, node.describe() +
                                              ": inputs 0 and 1 must have the same type, got " +
                                              std::string(data_type_name(a.dtype())) + " and " +
                                              std::string(data_type_name(b.dtype())));
  }
}

template <typename T>
void check_no_zero_divisor(const Node& node, const Tensor& divisor) {
  const T* d = divisor.data<T>();
  for (int64_t i = 0; i < divisor.num_elements(); ++i) {
    if (d[i] == 0) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() + ": integer division by zero (input 1 " +
                      divisor.shape().to_string() + ", flat index " + std::to_string(i) + ")");
    }
  }
}

template <typename Op>
class BinaryArithmeticKernel final : public OpKernel {
 public:
  explicit BinaryArithmeticKernel(const KernelInfo&) {}

  // Elementwise: element i is read before it is written, so the output may take over input 0
  // when the planner finds it dies here and has the output's size (hence its shape).
  int output_in_place_of(size_t output) const override { return output == 0 ? 0 : -1; }
  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& a = ctx.required_input(0);
    const Tensor& b = ctx.required_input(1);
    check_same_type(node, a, b);
    const Shape out_shape = broadcast_output_shape(node, a.shape(), b.shape());
    const kernels::BroadcastPlan plan =
        kernels::make_broadcast_plan(a.shape(), b.shape(), out_shape);
    const bool handled = kernels::dispatch_type(kernels::NumericTypes{}, a.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (std::is_same_v<Op, DivOp> && std::is_integral_v<T>) {
        check_no_zero_divisor<T>(node, b);
      }
      Tensor& out = ctx.allocate_output(0, out_shape, a.dtype());
      if constexpr (is_half_v<T>) {
        kernels::binary_broadcast(plan, a.data<T>(), b.data<T>(), out.data<T>(), 4,
                                  [](T x, T y) { return T(Op{}(x.to_float(), y.to_float())); });
      } else {
        kernels::binary_broadcast(plan, a.data<T>(), b.data<T>(), out.data<T>(), 1, Op{});
      }
    });
    if (!handled) throw_unsupported_type(node, 0, a.dtype());
  }
};

// ---- Pow -------------------------------------------------------------------------------------

// base^exponent for integers by repeated squaring, wrapping on overflow. A negative exponent
// truncates 1/base^n toward zero like integer division, so 0 to a negative power is an error.
template <typename T>
T integer_pow(T base, int64_t exponent, const Node& node) {
  if (exponent < 0) {
    if (base == 0) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() + ": integer 0 raised to a negative power");
    }
    if (base == 1) return 1;
    if (base == -1) return (exponent % 2 == 0) ? 1 : -1;
    return 0;
  }
  uint64_t result = 1;
  uint64_t factor = static_cast<uint64_t>(base);
  while (exponent > 0) {
    if (exponent & 1) result *= factor;
    factor *= factor;
    exponent >>= 1;
  }
  return static_cast<T>(result);
}

class PowKernel final : public OpKernel {
 public:
  explicit PowKernel(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& base = ctx.required_input(0);
    const Tensor& exponent = ctx.required_input(1);
    const Shape out_shape = broadcast_output_shape(node, base.shape(), exponent.shape());
    const kernels::BroadcastPlan plan =
        kernels::make_broadcast_plan(base.shape(), exponent.shape(), out_shape);
    if (!is_integer(exponent.dtype()) && !is_floating_point(exponent.dtype())) {
      throw_unsupported_type(node, 1, exponent.dtype());
    }

    using FloatBases = kernels::TypeList<float, double, Float16, BFloat16>;
    using IntegerBases = kernels::TypeList<int32_t, int64_t>;
    bool handled = kernels::dispatch_type(FloatBases{}, base.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_type_t<T>;
      const Tensor exp_values = converted(ctx, exponent, DataTypeOf<C>::value);
      Tensor& out = ctx.allocate_output(0, out_shape, base.dtype());
      const C* e = exp_values.data<C>();
      if (exp_values.num_elements() == 1 && e[0] == C(2)) {
        // Squares are common (variance, norms); x*x is what pow(x, 2) rounds to anyway.
        kernels::unary_map(base.data<T>(), out.data<T>(), base.num_elements(), 1, [](T x) {
          const C v = to_compute(x);
          return from_compute<T>(v * v);
        });
        return;
      }
      kernels::binary_broadcast(plan, base.data<T>(), e, out.data<T>(), 20, [](T x, C y) {
        return from_compute<T>(std::pow(to_compute(x), y));
      });
    });
    if (!handled) {
      handled = kernels::dispatch_type(IntegerBases{}, base.dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        Tensor& out = ctx.allocate_output(0, out_shape, base.dtype());
        if (is_integer(exponent.dtype())) {
          const Tensor exp_values = converted(ctx, exponent, DataType::kInt64);
          kernels::binary_broadcast(plan, base.data<T>(), exp_values.data<int64_t>(), out.data<T>(),
                                    8,
                                    [&node](T x, int64_t y) { return integer_pow<T>(x, y, node); });
        } else {
          // numpy computes int ** float in float64 and casts the result back.
          const Tensor exp_values = converted(ctx, exponent, DataType::kFloat64);
          kernels::binary_broadcast(plan, base.data<T>(), exp_values.data<double>(), out.data<T>(),
                                    20, [](T x, double y) {
                                      return static_cast<T>(kernels::double_to_int64(
                                          std::pow(static_cast<double>(x), y)));
                                    });
        }
      });
    }
    if (!handled) throw_unsupported_type(node, 0, base.dtype());
  }

 private:
  static Tensor converted(KernelContext& ctx, const Tensor& t, DataType dtype) {
    if (t.dtype() == dtype) return t;
    Tensor c = ctx.allocate_temp(t.shape(), dtype);
    kernels::cast(t.dtype(), t.raw_data(), dtype, c.raw_data(), t.num_elements());
    return c;
  }
};

// ---- Unary maps ------------------------------------------------------------------------------

// Runs a span function (kernels::exp_span...) over a float tensor of any precision.
template <typename SpanFn>
class FloatSpanKernel final : public OpKernel {
 public:
  explicit FloatSpanKernel(const KernelInfo&) {}

  // Elementwise: element i is read before it is written, so the output may take over input 0
  // when the planner finds it dies here and has the output's size (hence its shape).
  int output_in_place_of(size_t output) const override { return output == 0 ? 0 : -1; }
  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    const bool handled = kernels::dispatch_type(kernels::FloatTypes{}, x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
      kernels::unary_span_map(x.data<T>(), y.data<T>(), x.num_elements(), 16, SpanFn{});
    });
    if (!handled) throw_unsupported_type(ctx.node(), 0, x.dtype());
  }
};

#define ARUNTIME_SPAN_FN(Name, fn)                          \
  struct Name {                                             \
    template <typename C>                                   \
    void operator()(const C* in, C* out, int64_t n) const { \
      kernels::fn(in, out, n);                              \
    }                                                       \
  };
ARUNTIME_SPAN_FN(ExpSpan, exp_span)
ARUNTIME_SPAN_FN(LogSpan, log_span)
ARUNTIME_SPAN_FN(SqrtSpan, sqrt_span)
ARUNTIME_SPAN_FN(TanhSpan, tanh_span)
ARUNTIME_SPAN_FN(SigmoidSpan, sigmoid_span)
ARUNTIME_SPAN_FN(ErfSpan, erf_span)
#undef ARUNTIME_SPAN_FN

// Applies a scalar functor op(C) -> C (C = compute type) to every element. `Op` is built from the
// KernelInfo, which is where attribute-driven activations read their parameters.
template <typename Op, typename Types>
class ScalarMapKernel final : public OpKernel {
 public:
  explicit ScalarMapKernel(const KernelInfo& info) : op_(info) {}

  // Elementwise: element i is read before it is written, so the output may take over input 0
  // when the planner finds it dies here and has the output's size (hence its shape).
  int output_in_place_of(size_t output) const override { return output == 0 ? 0 : -1; }
  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    const bool handled = kernels::dispatch_type(Types{}, x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_type_t<T>;
      Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
      kernels::unary_span_map(x.data<T>(), y.data<T>(), x.num_elements(), 2,
                              [this](const C* in, C* out, int64_t n) {
                                for (int64_t i = 0; i < n; ++i) out[i] = op_(in[i]);
                              });
    });
    if (!handled) throw_unsupported_type(ctx.node(), 0, x.dtype());
  }

 private:
  Op op_;
};

using FloatAndSignedTypes =
    kernels::TypeList<float, double, Float16, BFloat16, int8_t, int16_t, int32_t, int64_t>;

struct NegOp {
  explicit NegOp(const KernelInfo&) {}
  template <typename C>
  C operator()(C x) const {
    if constexpr (std::is_integral_v<C>) {
      return wrap<C>(WrapType<C>(0) - static_cast<WrapType<C>>(x));
    } else {
      return -x;
    }
  }
};

struct AbsOp {
  explicit AbsOp(const KernelInfo&) {}
  template <typename C>
  C operator()(C x) const {
    if constexpr (std::is_unsigned_v<C>) {
      return x;
    } else if constexpr (std::is_integral_v<C>) {
      return x < 0 ? wrap<C>(WrapType<C>(0) - static_cast<WrapType<C>>(x)) : x;
    } else {
      return std::fabs(x);
    }
  }
};

// Comparisons are written so that NaN falls through unchanged, as numpy propagates it.
struct ReluOp {
  explicit ReluOp(const KernelInfo&) {}
  template <typename C>
  C operator()(C x) const {
    return x < C(0) ? C(0) : x;
  }
};

struct LeakyReluOp {
  explicit LeakyReluOp(const KernelInfo& info) : alpha(info.node().attr_float("alpha", 0.01f)) {}
  template <typename C>
  C operator()(C x) const {
    return x < C(0) ? x * static_cast<C>(alpha) : x;
  }
  float alpha;
};

template <typename C>
inline C clamp_unit(C v) {
  v = v < C(0) ? C(0) : v;
  return v > C(1) ? C(1) : v;
}

struct HardSigmoidOp {
  explicit HardSigmoidOp(const KernelInfo& info)
      : alpha(info.node().attr_float("alpha", 0.2f)), beta(info.node().attr_float("beta", 0.5f)) {}
  template <typename C>
  C operator()(C x) const {
    return clamp_unit(static_cast<C>(alpha) * x + static_cast<C>(beta));
  }
  float alpha, beta;
};

struct HardSwishOp {
  explicit HardSwishOp(const KernelInfo&) {}
  template <typename C>
  C operator()(C x) const {
    return x * clamp_unit(x * static_cast<C>(1.0 / 6.0) + C(0.5));
  }
};

// ---- Clip ------------------------------------------------------------------------------------

// Clip: y = min(max(x, lo), hi), so min > max gives max everywhere. Before opset 11 the bounds are
// float attributes; from 11 they are optional scalar inputs of the input's type.
class ClipKernel final : public OpKernel {
 public:
  explicit ClipKernel(const KernelInfo& info) : bounds_are_inputs_(info.opset() >= 11) {
    if (!bounds_are_inputs_) {
      min_attr_ = info.node().attr_float("min", std::numeric_limits<float>::lowest());
      max_attr_ = info.node().attr_float("max", std::numeric_limits<float>::max());
    }
  }

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const bool handled = kernels::dispatch_type(kernels::NumericTypes{}, x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_type_t<T>;
      C lo = std::numeric_limits<C>::lowest();
      C hi = std::numeric_limits<C>::max();
      if (bounds_are_inputs_) {
        if (const Tensor* t = bound_input(ctx, 1, x)) lo = to_compute(t->data<T>()[0]);
        if (const Tensor* t = bound_input(ctx, 2, x)) hi = to_compute(t->data<T>()[0]);
      } else if constexpr (std::is_floating_point_v<C>) {
        lo = static_cast<C>(min_attr_);
        hi = static_cast<C>(max_attr_);
      } else {
        throw_unsupported_type(node, 0, x.dtype());
      }
      Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
      kernels::unary_span_map(x.data<T>(), y.data<T>(), x.num_elements(), 2,
                              [lo, hi](const C* in, C* out, int64_t n) {
                                for (int64_t i = 0; i < n; ++i) {
                                  const C v = in[i] < lo ? lo : in[i];
                                  out[i] = v > hi ? hi : v;
                                }
                              });
    });
    if (!handled) throw_unsupported_type(node, 0, x.dtype());
  }

 private:
  static const Tensor* bound_input(const KernelContext& ctx, size_t i, const Tensor& x) {
    const Tensor* t = ctx.input(i);
    if (t == nullptr) return nullptr;
    if (t->dtype() != x.dtype() || t->num_elements() != 1) {
      throw_error(ErrorCode::kRuntimeError,
                  ctx.node().describe() + ": input " + std::to_string(i) + " (" +
                      (i == 1 ? "min" : "max") + ") must be a scalar of type " +
                      std::string(data_type_name(x.dtype())) + ", got " +
                      std::string(data_type_name(t->dtype())) + t->shape().to_string());
    }
    return t;
  }

  bool bounds_are_inputs_;
  float min_attr_ = 0.0f;
  float max_attr_ = 0.0f;
};

}  // namespace

void register_elementwise_kernels(KernelRegistry& registry) {
  using DT = DataType;
  const std::vector<DataType> float_and_signed = {DT::kFloat32,  DT::kFloat64, DT::kFloat16,
                                                  DT::kBFloat16, DT::kInt8,    DT::kInt16,
                                                  DT::kInt32,    DT::kInt64};

  registry.add("Add", 7, 23, {0, 1}, types::kNumeric, make_kernel<BinaryArithmeticKernel<AddOp>>());
  registry.add("Sub", 7, 23, {0, 1}, types::kNumeric, make_kernel<BinaryArithmeticKernel<SubOp>>());
  registry.add("Mul", 7, 23, {0, 1}, types::kNumeric, make_kernel<BinaryArithmeticKernel<MulOp>>());
  registry.add("Div", 7, 23, {0, 1}, types::kNumeric, make_kernel<BinaryArithmeticKernel<DivOp>>());

  // Pow: from opset 12 the exponent (T1) may have another type than the base (T).
  KernelDef pow;
  pow.op_type = "Pow";
  pow.since_version = 7;
  pow.end_version = 23;
  pow.constraints = {
      {"T",
       {0},
       {0},
       {DT::kFloat32, DT::kFloat64, DT::kFloat16, DT::kBFloat16, DT::kInt32, DT::kInt64}},
      {"T1", {1}, {}, types::kNumeric}};
  pow.factory = make_kernel<PowKernel>();
  registry.add(std::move(pow));

  registry.add("Sqrt", 6, 23, {0}, types::kFloats, make_kernel<FloatSpanKernel<SqrtSpan>>());
  registry.add("Exp", 6, 23, {0}, types::kFloats, make_kernel<FloatSpanKernel<ExpSpan>>());
  registry.add("Log", 6, 23, {0}, types::kFloats, make_kernel<FloatSpanKernel<LogSpan>>());
  registry.add("Tanh", 6, 23, {0}, types::kFloats, make_kernel<FloatSpanKernel<TanhSpan>>());
  registry.add("Sigmoid", 6, 23, {0}, types::kFloats, make_kernel<FloatSpanKernel<SigmoidSpan>>());
  registry.add("Erf", 9, 23, {0}, types::kFloats, make_kernel<FloatSpanKernel<ErfSpan>>());

  registry.add("Neg", 6, 23, {0}, float_and_signed,
               make_kernel<ScalarMapKernel<NegOp, FloatAndSignedTypes>>());
  registry.add("Abs", 6, 23, {0}, types::kNumeric,
               make_kernel<ScalarMapKernel<AbsOp, kernels::NumericTypes>>());
  registry.add("Relu", 6, 23, {0}, float_and_signed,
               make_kernel<ScalarMapKernel<ReluOp, FloatAndSignedTypes>>());
  registry.add("LeakyRelu", 6, 23, {0}, types::kFloats,
               make_kernel<ScalarMapKernel<LeakyReluOp, kernels::FloatTypes>>());
  registry.add("HardSigmoid", 6, 23, {0}, types::kFloats,
               make_kernel<ScalarMapKernel<HardSigmoidOp, kernels::FloatTypes>>());
  registry.add("HardSwish", 14, 23, {0}, types::kFloats,
               make_kernel<ScalarMapKernel<HardSwishOp, kernels::FloatTypes>>());

  // Clip: bounds are attributes before opset 11 and inputs from 11 (integer types from 12).
  registry.add("Clip", 6, 10, {0}, types::kFloats, make_kernel<ClipKernel>());
  registry.add("Clip", 11, 23, {0, 1, 2}, types::kNumeric, make_kernel<ClipKernel>());

  register_logic_kernels(registry);
  register_variadic_kernels(registry);
  register_math_kernels(registry);
}

}  // namespace aruntime::cpu
