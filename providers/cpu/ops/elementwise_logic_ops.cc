// Comparisons (bool output), boolean logic and Where, all with numpy broadcasting. Comparisons
// follow IEEE semantics, as numpy does: NaN is unequal to everything and unordered.
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "kernels/broadcast.h"
#include "kernels/elementwise.h"
#include "providers/common/op_checks.h"
#include "providers/cpu/ops/elementwise_extra.h"

namespace aruntime::cpu {

Shape broadcast_input_shapes(const Node& node, const std::vector<const Tensor*>& inputs) {
  std::vector<Shape> shapes;
  shapes.reserve(inputs.size());
  for (const Tensor* t : inputs) shapes.push_back(t->shape());
  return broadcast_output_shape(node, shapes);
}

void check_same_element_type(const Node& node, const std::vector<const Tensor*>& inputs,
                             const std::vector<size_t>& indices) {
  for (size_t k = 1; k < inputs.size(); ++k) {
    if (inputs[k]->dtype() != inputs[0]->dtype()) {
      throw_error(ErrorCode::kRuntimeError,
                  node.describe() + ": input " + std::to_string(indices[k]) +
                      " must have the type " + std::string(data_type_name(inputs[0]->dtype())) +
                      " of input " + std::to_string(indices[0]) + ", got " +
                      std::string(data_type_name(inputs[k]->dtype())));
    }
  }
}

std::vector<DataType> types_without(std::vector<DataType> types, DataType removed) {
  std::erase(types, removed);
  return types;
}

void throw_unsupported_input_type(const Node& node, size_t input, DataType dtype) {
  throw_error(ErrorCode::kNotImplemented, node.describe() + ": input " + std::to_string(input) +
                                              " has unsupported type " +
                                              std::string(data_type_name(dtype)));
}

namespace {

using kernels::is_half_v;

struct EqualOp {
  template <typename T>
  bool operator()(const T& a, const T& b) const {
    return a == b;
  }
};
struct LessOp {
  template <typename T>
  bool operator()(const T& a, const T& b) const {
    return a < b;
  }
};
struct GreaterOp {
  template <typename T>
  bool operator()(const T& a, const T& b) const {
    return a > b;
  }
};
struct LessOrEqualOp {
  template <typename T>
  bool operator()(const T& a, const T& b) const {
    return a <= b;
  }
};
struct GreaterOrEqualOp {
  template <typename T>
  bool operator()(const T& a, const T& b) const {
    return a >= b;
  }
};

// Two inputs of one type T (restricted to `Types`), one bool output.
template <typename Op, typename Types>
class ComparisonKernel final : public OpKernel {
 public:
  explicit ComparisonKernel(const KernelInfo&) {}

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
      bool* out = ctx.allocate_output(0, out_shape, DataType::kBool).template data<bool>();
      if constexpr (is_half_v<T>) {
        kernels::binary_broadcast(plan, a.data<T>(), b.data<T>(), out, 2,
                                  [](T x, T y) { return Op{}(x.to_float(), y.to_float()); });
      } else {
        kernels::binary_broadcast(plan, a.data<T>(), b.data<T>(), out,
                                  std::is_same_v<T, std::string> ? 8 : 1, Op{});
      }
    });
    if (!handled) throw_unsupported_input_type(node, 0, a.dtype());
  }
};

// ---- Boolean logic ---------------------------------------------------------------------------

struct AndOp {
  bool operator()(bool a, bool b) const { return a && b; }
};
struct OrOp {
  bool operator()(bool a, bool b) const { return a || b; }
};
struct XorOp {
  bool operator()(bool a, bool b) const { return a != b; }
};

void check_bool_input(const Node& node, const Tensor& t, size_t index) {
  if (t.dtype() != DataType::kBool) {
    throw_error(ErrorCode::kRuntimeError, node.describe() + ": input " + std::to_string(index) +
                                              " must be bool, got " +
                                              std::string(data_type_name(t.dtype())));
  }
}

template <typename Op>
class BinaryLogicKernel final : public OpKernel {
 public:
  explicit BinaryLogicKernel(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& a = ctx.required_input(0);
    const Tensor& b = ctx.required_input(1);
    check_bool_input(node, a, 0);
    check_bool_input(node, b, 1);
    const Shape out_shape = broadcast_input_shapes(node, {&a, &b});
    const kernels::BroadcastPlan plan =
        kernels::make_broadcast_plan(a.shape(), b.shape(), out_shape);
    Tensor& out = ctx.allocate_output(0, out_shape, DataType::kBool);
    kernels::binary_broadcast(plan, a.data<bool>(), b.data<bool>(), out.data<bool>(), 1, Op{});
  }
};

class NotKernel final : public OpKernel {
 public:
  explicit NotKernel(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    check_bool_input(ctx.node(), x, 0);
    Tensor& y = ctx.allocate_output(0, x.shape(), DataType::kBool);
    kernels::unary_map(x.data<bool>(), y.data<bool>(), x.num_elements(), 1,
                       [](bool v) { return !v; });
  }
};

// ---- Where -----------------------------------------------------------------------------------

// out = condition ? X : Y, the three inputs broadcast together.
class WhereKernel final : public OpKernel {
 public:
  explicit WhereKernel(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& condition = ctx.required_input(0);
    const Tensor& x = ctx.required_input(1);
    const Tensor& y = ctx.required_input(2);
    check_bool_input(node, condition, 0);
    check_same_element_type(node, {&x, &y}, {1, 2});
    const Shape out_shape = broadcast_input_shapes(node, {&condition, &x, &y});
    const kernels::MultiBroadcastPlan plan =
        kernels::make_multi_broadcast_plan({condition.shape(), x.shape(), y.shape()}, out_shape);
    const bool handled = kernels::dispatch_type(kernels::AllTypes{}, x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      Tensor& out = ctx.allocate_output(0, out_shape, x.dtype());
      kernels::ternary_broadcast(
          plan, condition.data<bool>(), x.data<T>(), y.data<T>(), out.data<T>(),
          std::is_same_v<T, std::string> ? 8 : 1,
          [](bool c, const T& a, const T& b) -> const T& { return c ? a : b; });
    });
    if (!handled) throw_unsupported_input_type(node, 1, x.dtype());
  }
};

// A kernel with inputs 0 and 1 of type T and a bool output 0.
void add_comparison(KernelRegistry& registry, const std::string& op_type, int since, int end,
                    std::vector<DataType> input_types, KernelFactory factory) {
  KernelDef def;
  def.op_type = op_type;
  def.since_version = since;
  def.end_version = end;
  def.constraints = {{"T", {0, 1}, {}, std::move(input_types)}, {"T1", {}, {0}, {DataType::kBool}}};
  def.factory = std::move(factory);
  registry.add(std::move(def));
}

std::vector<DataType> with(std::vector<DataType> base, DataType extra) {
  base.push_back(extra);
  return base;
}

}  // namespace

void register_logic_kernels(KernelRegistry& registry) {
  using DT = DataType;
  const std::vector<DataType> numeric_no_bf16 = types_without(types::kNumeric, DT::kBFloat16);
  const std::vector<DataType> floats_no_bf16 = types_without(types::kFloats, DT::kBFloat16);

  // The type lists follow the ONNX schema of each opset range.
  const auto equal = make_kernel<ComparisonKernel<EqualOp, kernels::AllTypes>>();
  add_comparison(registry, "Equal", 7, 10, {DT::kBool, DT::kInt32, DT::kInt64}, equal);
  add_comparison(registry, "Equal", 11, 12, with(numeric_no_bf16, DT::kBool), equal);
  add_comparison(registry, "Equal", 13, 18, types::kAllNonString, equal);
  add_comparison(registry, "Equal", 19, 23, types::kAll, equal);

  const auto less = make_kernel<ComparisonKernel<LessOp, kernels::NumericTypes>>();
  const auto greater = make_kernel<ComparisonKernel<GreaterOp, kernels::NumericTypes>>();
  for (const auto& [op, factory] : {std::pair{"Less", less}, std::pair{"Greater", greater}}) {
    add_comparison(registry, op, 7, 8, floats_no_bf16, factory);
    add_comparison(registry, op, 9, 12, numeric_no_bf16, factory);
    add_comparison(registry, op, 13, 23, types::kNumeric, factory);
  }
  const auto less_equal = make_kernel<ComparisonKernel<LessOrEqualOp, kernels::NumericTypes>>();
  const auto greater_equal =
      make_kernel<ComparisonKernel<GreaterOrEqualOp, kernels::NumericTypes>>();
  for (const auto& [op, factory] :
       {std::pair{"LessOrEqual", less_equal}, std::pair{"GreaterOrEqual", greater_equal}}) {
    add_comparison(registry, op, 12, 15, numeric_no_bf16, factory);
    add_comparison(registry, op, 16, 23, types::kNumeric, factory);
  }

  const std::vector<DataType> bool_only = {DT::kBool};
  add_comparison(registry, "And", 7, 23, bool_only, make_kernel<BinaryLogicKernel<AndOp>>());
  add_comparison(registry, "Or", 7, 23, bool_only, make_kernel<BinaryLogicKernel<OrOp>>());
  add_comparison(registry, "Xor", 7, 23, bool_only, make_kernel<BinaryLogicKernel<XorOp>>());
  registry.add("Not", 1, 23, {0}, bool_only, make_kernel<NotKernel>());

  for (const auto& [since, end, value_types] :
       {std::tuple{9, 15, types_without(types::kAll, DT::kBFloat16)},
        std::tuple{16, 23, types::kAll}}) {
    KernelDef where;
    where.op_type = "Where";
    where.since_version = since;
    where.end_version = end;
    where.constraints = {{"B", {0}, {}, bool_only}, {"T", {1, 2}, {0}, value_types}};
    where.factory = make_kernel<WhereKernel>();
    registry.add(std::move(where));
  }
}

}  // namespace aruntime::cpu
