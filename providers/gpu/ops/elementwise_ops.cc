// GPU elementwise kernels: unary math and activations, binary arithmetic and comparisons with numpy
// broadcasting, the variadic Max/Min/Sum/Mean, PRelu, Where, Not, IsNaN/IsInf, Cast and the
// runtime's fused Gelu. Attributes are read and validated as the CPU kernels of the same ops do
// (providers/cpu/ops/elementwise_*.cc); shapes are worked out on the host, and the device code in
// elementwise_kernels.cu gets per-dimension broadcast strides in a BroadcastIndex.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/execution_provider.h"
#include "graph/optimizer/fused_domain.h"
#include "kernels/broadcast.h"
#include "providers/gpu/ops/elementwise_kernels.h"
#include "providers/gpu/ops/registrations.h"
#include "providers/common/op_checks.h"

namespace aruntime::gpu {
namespace {

// ---- Shared helpers --------------------------------------------------------------------------

std::string type_name(DataType dtype) {
  return std::string(data_type_name(dtype));
}

// The launch functions' name for `dtype`; throws naming the node's input when the family has no
// device code for it (the registrations keep such nodes on the CPU, so this guards bad feeds).
ElemType elem_type(const Node& node, size_t input, DataType dtype) {
  switch (dtype) {
    case DataType::kFloat32:
      return ElemType::kFloat32;
    case DataType::kFloat16:
      return ElemType::kFloat16;
    case DataType::kBFloat16:
      return ElemType::kBFloat16;
    case DataType::kInt32:
      return ElemType::kInt32;
    case DataType::kInt64:
      return ElemType::kInt64;
    case DataType::kBool:
      return ElemType::kBool;
    case DataType::kInt8:
      return ElemType::kInt8;
    case DataType::kUInt8:
      return ElemType::kUInt8;
    default:
      throw_error(ErrorCode::kNotImplemented, node.describe() + ": input " + std::to_string(input) +
                                                  " has type " + type_name(dtype) +
                                                  ", not supported on the GPU");
  }
}

// elem_type() limited to the float types the math kernels compute.
ElemType float_elem_type(const Node& node, size_t input, DataType dtype) {
  if (dtype != DataType::kFloat32 && dtype != DataType::kFloat16 && dtype != DataType::kBFloat16) {
    throw_error(ErrorCode::kNotImplemented,
                node.describe() + ": input " + std::to_string(input) + " has type " +
                    type_name(dtype) + ", expected float32, float16 or bfloat16 on the GPU");
  }
  return elem_type(node, input, dtype);
}

[[noreturn]] void throw_bad_attribute(const Node& node, const std::string& message) {
  throw_error(ErrorCode::kInvalidModel, node.describe() + ": " + message);
}

void check_same_type(const Node& node, const Tensor& first, size_t first_index, const Tensor& other,
                     size_t other_index) {
  if (other.dtype() != first.dtype()) {
    throw_error(ErrorCode::kRuntimeError,
                node.describe() + ": input " + std::to_string(other_index) +
                    " must have the type " + type_name(first.dtype()) + " of input " +
                    std::to_string(first_index) + ", got " + type_name(other.dtype()));
  }
}

void check_bool_input(const Node& node, const Tensor& t, size_t index) {
  if (t.dtype() != DataType::kBool) {
    throw_error(ErrorCode::kRuntimeError, node.describe() + ": input " + std::to_string(index) +
                                              " must be bool, got " + type_name(t.dtype()));
  }
}

// Per-dimension strides of each input over the output, with the dimensions that every input
// traverses alike merged (kernels/broadcast.h), so most cases reach the device as rank 1 or 2.
BroadcastIndex make_broadcast_index(const Node& node, const std::vector<Shape>& inputs,
                                    const Shape& out) {
  const kernels::MultiBroadcastPlan plan = kernels::make_multi_broadcast_plan(inputs, out);
  const size_t rank = plan.outer_dims.size() + 1;
  if (rank > static_cast<size_t>(kMaxBroadcastRank)) {
    throw_error(ErrorCode::kNotImplemented,
                node.describe() + ": broadcasting output " + out.to_string() + " needs " +
                    std::to_string(rank) + " dimensions on the GPU, at most " +
                    std::to_string(kMaxBroadcastRank) + " are supported");
  }
  BroadcastIndex index;
  index.rank = static_cast<int32_t>(rank);
  for (size_t d = 0; d + 1 < rank; ++d) {
    index.dims[d] = plan.outer_dims[d];
    for (size_t k = 0; k < inputs.size(); ++k) index.strides[k][d] = plan.outer_strides[k][d];
  }
  index.dims[rank - 1] = plan.inner;
  for (size_t k = 0; k < inputs.size(); ++k) index.strides[k][rank - 1] = plan.inner_strides[k];
  return index;
}

void copy_on_device(const Tensor& src, Tensor& dst, cudaStream_t stream) {
  if (src.raw_data() == dst.raw_data() || src.byte_size() == 0) return;
  ARUNTIME_CUDA_CHECK(cudaMemcpyAsync(dst.raw_data(), src.raw_data(), src.byte_size(),
                                      cudaMemcpyDeviceToDevice, stream));
}

// ---- Unary maps ------------------------------------------------------------------------------

// y = op(x) elementwise over a float tensor.
class UnaryKernel : public GpuKernel {
 public:
  UnaryKernel(const KernelInfo& info, GpuContextPtr context, UnaryOp op, UnaryParams params)
      : GpuKernel(info, std::move(context)), op_(op), params_(params) {}

  // Element i is read before it is written, so the output may take over input 0.
  int output_in_place_of(size_t output) const override { return output == 0 ? 0 : -1; }

  void compute_on_device(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    const ElemType type = float_elem_type(ctx.node(), 0, x.dtype());
    Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
    ARUNTIME_CUDA_CHECK(
        launch_unary(op_, params_, type, x.raw_data(), y.raw_data(), x.num_elements(), stream()));
  }

 private:
  UnaryOp op_;
  UnaryParams params_;
};

// The parameters of `op` from the node's attributes, with the defaults the CPU kernels use.
UnaryParams unary_params(UnaryOp op, const Node& node) {
  UnaryParams p;
  switch (op) {
    case UnaryOp::kLeakyRelu:
      p.alpha = node.attr_float("alpha", 0.01f);
      break;
    case UnaryOp::kElu:
      p.alpha = node.attr_float("alpha", 1.0f);
      break;
    case UnaryOp::kSelu:
      // The opset-6 defaults (opset 1 had shorter constants).
      p.alpha = node.attr_float("alpha", 1.67326319217681884765625f);
      p.gamma = node.attr_float("gamma", 1.05070102214813232421875f);
      break;
    case UnaryOp::kHardSigmoid:
      p.alpha = node.attr_float("alpha", 0.2f);
      p.beta = node.attr_float("beta", 0.5f);
      break;
    default:
      break;
  }
  return p;
}

template <UnaryOp kOp>
class UnaryOpKernel final : public UnaryKernel {
 public:
  UnaryOpKernel(const KernelInfo& info, GpuContextPtr context)
      : UnaryKernel(info, std::move(context), kOp, unary_params(kOp, info.node())) {}
};

// "none" (erf form) or "tanh": ONNX Gelu-20 and the runtime's fused Gelu read it alike.
UnaryOp gelu_op(const Node& node) {
  const std::string approximate = node.attr_string("approximate", "none");
  if (approximate != "none" && approximate != "tanh") {
    throw_bad_attribute(
        node, "attribute 'approximate' must be \"none\" or \"tanh\", got \"" + approximate + "\"");
  }
  return approximate == "tanh" ? UnaryOp::kGeluTanh : UnaryOp::kGelu;
}

class GeluKernel final : public UnaryKernel {
 public:
  GeluKernel(const KernelInfo& info, GpuContextPtr context)
      : UnaryKernel(info, std::move(context), gelu_op(info.node()), UnaryParams{}) {}
};

// ---- Clip ------------------------------------------------------------------------------------

// The value of Clip's min (input 1) or max (input 2): a scalar constant of the input's type,
// read once here so that compute never reads device memory on the host.
std::optional<float> clip_bound(const KernelInfo& info, size_t i) {
  if (!info.has_input(i)) return std::nullopt;
  const Node& node = info.node();
  const char* name = i == 1 ? "min" : "max";
  const Tensor* t = info.constant_input(i);
  if (t == nullptr || t->device().type != DeviceType::kCpu) {
    throw_error(ErrorCode::kNotImplemented, node.describe() + ": input " + std::to_string(i) +
                                                " (" + name +
                                                ") must be a constant initializer on the GPU");
  }
  const DataType x_type = info.input_type(0);
  if (t->dtype() != x_type || t->num_elements() != 1) {
    throw_error(ErrorCode::kRuntimeError, node.describe() + ": input " + std::to_string(i) + " (" +
                                              name + ") must be a scalar of type " +
                                              type_name(x_type) + ", got " + type_name(t->dtype()) +
                                              t->shape().to_string());
  }
  switch (t->dtype()) {
    case DataType::kFloat32:
      return t->data<float>()[0];
    case DataType::kFloat16:
      return t->data<Float16>()[0].to_float();
    case DataType::kBFloat16:
      return t->data<BFloat16>()[0].to_float();
    default:
      throw_error(ErrorCode::kNotImplemented,
                  node.describe() + ": input " + std::to_string(i) + " (" + name + ") has type " +
                      type_name(t->dtype()) + ", not supported on the GPU");
  }
}

// y = min(max(x, min), max), so min > max gives max everywhere. Before opset 11 the bounds are
// float attributes; from 11 they are optional scalar inputs, which the GPU takes as constants.
UnaryParams clip_params(const KernelInfo& info) {
  UnaryParams p;
  if (info.opset() < 11) {
    p.alpha = info.node().attr_float("min", std::numeric_limits<float>::lowest());
    p.beta = info.node().attr_float("max", std::numeric_limits<float>::max());
  } else {
    p.alpha = clip_bound(info, 1).value_or(std::numeric_limits<float>::lowest());
    p.beta = clip_bound(info, 2).value_or(std::numeric_limits<float>::max());
  }
  return p;
}

class ClipKernel final : public UnaryKernel {
 public:
  ClipKernel(const KernelInfo& info, GpuContextPtr context)
      : UnaryKernel(info, std::move(context), UnaryOp::kClip, clip_params(info)) {}
};

// ---- IsNaN, IsInf, Not -----------------------------------------------------------------------

template <PredicateOp kOp>
class PredicateKernel final : public GpuKernel {
 public:
  PredicateKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)),
        detect_positive_(info.node().attr_int("detect_positive", 1) != 0),
        detect_negative_(info.node().attr_int("detect_negative", 1) != 0) {}

  void compute_on_device(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    const ElemType type = float_elem_type(ctx.node(), 0, x.dtype());
    Tensor& y = ctx.allocate_output(0, x.shape(), DataType::kBool);
    ARUNTIME_CUDA_CHECK(launch_float_predicate(kOp, detect_positive_, detect_negative_, type,
                                               x.raw_data(), static_cast<bool*>(y.raw_data()),
                                               x.num_elements(), stream()));
  }

 private:
  bool detect_positive_, detect_negative_;
};

class NotKernel final : public GpuKernel {
 public:
  NotKernel(const KernelInfo& info, GpuContextPtr context) : GpuKernel(info, std::move(context)) {}

  int output_in_place_of(size_t output) const override { return output == 0 ? 0 : -1; }

  void compute_on_device(KernelContext& ctx) const override {
    const Tensor& x = ctx.required_input(0);
    check_bool_input(ctx.node(), x, 0);
    Tensor& y = ctx.allocate_output(0, x.shape(), DataType::kBool);
    ARUNTIME_CUDA_CHECK(launch_not(static_cast<const bool*>(x.raw_data()),
                                   static_cast<bool*>(y.raw_data()), x.num_elements(), stream()));
  }
};

// ---- Binary ops ------------------------------------------------------------------------------

// out = op(a, b) with numpy broadcasting; a bool output for comparisons.
template <BinaryOp kOp>
class BinaryKernel final : public GpuKernel {
 public:
  BinaryKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)) {}

  // Element i of input 0 is read before output element i is written; the planner only reuses
  // input 0 when it has the output's size, hence its shape. Comparisons change the element size.
  int output_in_place_of(size_t output) const override {
    return output == 0 && !is_comparison(kOp) ? 0 : -1;
  }

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& a = ctx.required_input(0);
    const Tensor& b = ctx.required_input(1);
    check_same_type(node, a, 0, b, 1);
    const ElemType type = float_elem_type(node, 0, a.dtype());
    const Shape out_shape = broadcast_output_shape(node, a.shape(), b.shape());
    const BroadcastIndex index = make_broadcast_index(node, {a.shape(), b.shape()}, out_shape);
    Tensor& out =
        ctx.allocate_output(0, out_shape, is_comparison(kOp) ? DataType::kBool : a.dtype());
    ARUNTIME_CUDA_CHECK(launch_binary(kOp, type, type, a.raw_data(), b.raw_data(), out.raw_data(),
                                      out.num_elements(), index, stream()));
  }
};

// Pow(X, Y): the exponent has the base's type or is float32 (the support check declines the
// rest). A constant exponent of exactly 2 becomes x * x, as on the CPU (variance, norms).
class PowKernel final : public GpuKernel {
 public:
  PowKernel(const KernelInfo& info, GpuContextPtr context) : GpuKernel(info, std::move(context)) {
    const Tensor* exponent = info.constant_input(1);
    if (exponent != nullptr && exponent->device().type == DeviceType::kCpu &&
        exponent->num_elements() == 1) {
      switch (exponent->dtype()) {
        case DataType::kFloat32:
          square_ = exponent->data<float>()[0] == 2.0f;
          break;
        case DataType::kFloat16:
          square_ = exponent->data<Float16>()[0].to_float() == 2.0f;
          break;
        case DataType::kBFloat16:
          square_ = exponent->data<BFloat16>()[0].to_float() == 2.0f;
          break;
        default:
          break;
      }
    }
  }

  int output_in_place_of(size_t output) const override { return output == 0 ? 0 : -1; }

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& base = ctx.required_input(0);
    const Tensor& exponent = ctx.required_input(1);
    const ElemType type = float_elem_type(node, 0, base.dtype());
    const ElemType exponent_type = float_elem_type(node, 1, exponent.dtype());
    if (exponent.dtype() != base.dtype() && exponent.dtype() != DataType::kFloat32) {
      throw_error(ErrorCode::kNotImplemented,
                  node.describe() + ": exponent type " + type_name(exponent.dtype()) +
                      " with base type " + type_name(base.dtype()) +
                      " is not supported on the GPU (expected the base's type or float32)");
    }
    const Shape out_shape = broadcast_output_shape(node, base.shape(), exponent.shape());
    Tensor& out = ctx.allocate_output(0, out_shape, base.dtype());
    if (square_) {
      // One exponent element: the output has the base's elements in the base's order.
      ARUNTIME_CUDA_CHECK(launch_unary(UnaryOp::kSquare, UnaryParams{}, type, base.raw_data(),
                                       out.raw_data(), out.num_elements(), stream()));
      return;
    }
    const BroadcastIndex index =
        make_broadcast_index(node, {base.shape(), exponent.shape()}, out_shape);
    ARUNTIME_CUDA_CHECK(launch_binary(BinaryOp::kPow, type, exponent_type, base.raw_data(),
                                      exponent.raw_data(), out.raw_data(), out.num_elements(),
                                      index, stream()));
  }

 private:
  bool square_ = false;
};

// y = x < 0 ? slope * x : x, slope broadcast unidirectionally to x. Opset 6 predates
// broadcasting: slope has x's shape or a single element.
class PReluKernel final : public GpuKernel {
 public:
  PReluKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)), single_slope_only_(info.opset() < 7) {}

  int output_in_place_of(size_t output) const override { return output == 0 ? 0 : -1; }

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const Tensor& slope = ctx.required_input(1);
    check_same_type(node, x, 0, slope, 1);
    const ElemType type = float_elem_type(node, 0, x.dtype());
    const BroadcastIndex index =
        make_broadcast_index(node, {x.shape(), prelu_slope_shape(node, x, slope, single_slope_only_)}, x.shape());
    Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
    ARUNTIME_CUDA_CHECK(launch_binary(BinaryOp::kPRelu, type, type, x.raw_data(), slope.raw_data(),
                                      y.raw_data(), y.num_elements(), index, stream()));
  }

 private:
  bool single_slope_only_;
};

// ---- Variadic Max, Min, Sum, Mean ------------------------------------------------------------

// Inputs folded left to right into the output, each step a broadcast binary op rounded to the
// element type, as the CPU kernels (and numpy) do; Mean divides the sum by the input count.
// Output 0 is never declared in place: a later input may be input 0 again (Sum(x, y, x)).
template <BinaryOp kOp, bool kMean>
class VariadicKernel final : public GpuKernel {
 public:
  VariadicKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)), broadcasts_(info.opset() >= 8) {}

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const size_t n = ctx.num_inputs();
    if (n == 0) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": expected at least 1 input, got 0");
    }
    std::vector<const Tensor*> inputs;
    std::vector<Shape> shapes;
    for (size_t i = 0; i < n; ++i) {
      inputs.push_back(&ctx.required_input(i));
      shapes.push_back(inputs.back()->shape());
      check_same_type(node, *inputs[0], 0, *inputs[i], i);
      if (!broadcasts_ && shapes[i] != shapes[0]) {
        throw_error(ErrorCode::kRuntimeError,
                    node.describe() + ": before opset 8 all inputs must have one shape; input " +
                        std::to_string(i) + " has " + shapes[i].to_string() + ", input 0 has " +
                        shapes[0].to_string());
      }
    }
    const DataType dtype = inputs[0]->dtype();
    const ElemType type = float_elem_type(node, 0, dtype);
    const Shape out_shape = broadcast_output_shape(node, shapes);
    // Every index is built before the output exists, so a bad shape allocates nothing.
    std::vector<BroadcastIndex> steps;
    if (n >= 2) steps.push_back(make_broadcast_index(node, {shapes[0], shapes[1]}, out_shape));
    for (size_t k = 2; k < n; ++k) {
      steps.push_back(make_broadcast_index(node, {out_shape, shapes[k]}, out_shape));
    }
    Tensor& out = ctx.allocate_output(0, out_shape, dtype);
    const int64_t count = out.num_elements();
    if (n == 1) {
      copy_on_device(*inputs[0], out, stream());
      return;
    }
    ARUNTIME_CUDA_CHECK(launch_binary(kOp, type, type, inputs[0]->raw_data(), inputs[1]->raw_data(),
                                      out.raw_data(), count, steps[0], stream()));
    // `out` has the output shape, so each step reads and writes it at the same offset.
    for (size_t k = 2; k < n; ++k) {
      ARUNTIME_CUDA_CHECK(launch_binary(kOp, type, type, out.raw_data(), inputs[k]->raw_data(),
                                        out.raw_data(), count, steps[k - 1], stream()));
    }
    if constexpr (kMean) {
      UnaryParams divide;
      divide.alpha = static_cast<float>(n);
      ARUNTIME_CUDA_CHECK(launch_unary(UnaryOp::kDivideBy, divide, type, out.raw_data(),
                                       out.raw_data(), count, stream()));
    }
  }

 private:
  bool broadcasts_;
};

// ---- Where -----------------------------------------------------------------------------------

class WhereKernel final : public GpuKernel {
 public:
  WhereKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)) {}

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& condition = ctx.required_input(0);
    const Tensor& x = ctx.required_input(1);
    const Tensor& y = ctx.required_input(2);
    check_bool_input(node, condition, 0);
    check_same_type(node, x, 1, y, 2);
    const ElemType type = float_elem_type(node, 1, x.dtype());
    const std::vector<Shape> shapes = {condition.shape(), x.shape(), y.shape()};
    const Shape out_shape = broadcast_output_shape(node, shapes);
    const BroadcastIndex index = make_broadcast_index(node, shapes, out_shape);
    Tensor& out = ctx.allocate_output(0, out_shape, x.dtype());
    ARUNTIME_CUDA_CHECK(launch_where(type, static_cast<const bool*>(condition.raw_data()),
                                     x.raw_data(), y.raw_data(), out.raw_data(), out.num_elements(),
                                     index, stream()));
  }
};

// ---- Cast ------------------------------------------------------------------------------------

// The element types the GPU's Cast converts between, both ways.
const std::vector<DataType>& cast_types() {
  static const std::vector<DataType> types = {
      DataType::kFloat32, DataType::kFloat16, DataType::kBFloat16, DataType::kInt32,
      DataType::kInt64,   DataType::kBool,    DataType::kInt8,     DataType::kUInt8};
  return types;
}

bool is_cast_type(DataType dtype) {
  for (DataType t : cast_types()) {
    if (t == dtype) return true;
  }
  return false;
}

// Cast's `to` and `saturate` read and checked as the CPU's Cast does. saturate only affects
// float8 destinations, which the GPU declines, but a bad value is still a bad model.
class CastKernel final : public GpuKernel {
 public:
  CastKernel(const KernelInfo& info, GpuContextPtr context) : GpuKernel(info, std::move(context)) {
    const Node& node = info.node();
    if (info.opset() >= 19) {
      const int64_t saturate = node.attr_int("saturate", 1);
      if (saturate != 0 && saturate != 1) {
        throw_error(ErrorCode::kInvalidModel, node.describe() + ": attribute saturate is " +
                                                  std::to_string(saturate) + ", expected 0 or 1");
      }
    }
    const int64_t to = node.attr_int("to");
    to_ = to == static_cast<int32_t>(to) ? data_type_from_onnx(static_cast<int32_t>(to))
                                         : DataType::kUndefined;
    if (!is_cast_type(to_)) {
      throw_error(ErrorCode::kNotImplemented, node.describe() + ": casting to ONNX element type " +
                                                  std::to_string(to) +
                                                  " is not supported on the GPU");
    }
  }

  // Element i is read before it is written; the planner reuses input 0 only for equal sizes.
  int output_in_place_of(size_t output) const override { return output == 0 ? 0 : -1; }

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const ElemType from = elem_type(node, 0, x.dtype());
    Tensor& y = ctx.allocate_output(0, x.shape(), to_);
    if (x.dtype() == to_) {
      copy_on_device(x, y, stream());
      return;
    }
    ARUNTIME_CUDA_CHECK(launch_cast(from, elem_type(node, 0, to_), x.raw_data(), y.raw_data(),
                                    x.num_elements(), stream()));
  }

 private:
  DataType to_ = DataType::kUndefined;
};

// ---- Support checks --------------------------------------------------------------------------

// Inputs of known rank above what BroadcastIndex holds stay on the CPU. (Collapsing dimensions
// usually brings higher ranks down; an unknown rank is claimed and checked at run time.)
std::string check_broadcast_rank(const Node& node, const GraphView& view) {
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (!node.has_input(i)) continue;
    const TypeInfo* type = view.graph().find_type(node.inputs[i]);
    if (type != nullptr && type->shape && type->shape->size() > kMaxBroadcastRank) {
      return node.op_type + ": input " + std::to_string(i) + " has rank " +
             std::to_string(type->shape->size()) + ", the GPU broadcasts at most rank " +
             std::to_string(kMaxBroadcastRank);
    }
  }
  return "";
}

// Clip-11+: min and max are read once when the kernel is created, so they must be constants.
std::string check_clip_bounds_constant(const Node& node, const GraphView& view) {
  if (view.opset(node) < 11) return "";
  for (size_t i = 1; i <= 2; ++i) {
    if (node.has_input(i) && view.graph().constant(node.inputs[i]) == nullptr) {
      return std::string("Clip: input ") + std::to_string(i) + (i == 1 ? " (min)" : " (max)") +
             " must be a constant initializer on the GPU";
    }
  }
  return "";
}

// Pow's exponent must have the base's type or be float32.
std::string check_pow_exponent_type(const Node& node, const GraphView& view) {
  const std::vector<DataType> types = view.input_types(node);
  if (types.size() < 2) return "";
  if (types[1] == types[0] || types[1] == DataType::kFloat32) return "";
  return "Pow: exponent type " + type_name(types[1]) + " with base type " + type_name(types[0]) +
         " is not supported on the GPU (expected the base's type or float32)";
}

// Cast's destination must be one of cast_types() (float8 and the 4-bit types are not).
std::string check_cast_destination(const Node& node, const GraphView&) {
  const Attribute* to = node.find_attribute("to");
  // A missing or mistyped `to` is a model error that the kernel reports like the CPU's.
  if (to == nullptr || to->type != Attribute::Type::kInt) return "";
  const DataType dtype = to->i == static_cast<int32_t>(to->i)
                             ? data_type_from_onnx(static_cast<int32_t>(to->i))
                             : DataType::kUndefined;
  if (is_cast_type(dtype)) return "";
  const std::string name =
      dtype == DataType::kUndefined ? "ONNX type " + std::to_string(to->i) : type_name(dtype);
  return "Cast: to " + name +
         " is not supported on the GPU (float32, float16, bfloat16, int32, int64, bool, int8, "
         "uint8)";
}

// ---- Registration helpers --------------------------------------------------------------------

const std::vector<DataType> kFloatsAndBf16 = kGpuFloatsAndBf16;

// A kernel with inputs `inputs` of type T and a bool output 0 (comparisons, IsNaN, IsInf).
void add_bool_output(KernelRegistry& registry, const std::string& op_type, int since, int end,
                     std::vector<int> inputs, std::vector<DataType> input_types,
                     KernelFactory factory) {
  KernelDef def;
  def.op_type = op_type;
  def.since_version = since;
  def.end_version = end;
  def.constraints = {{"T", std::move(inputs), {}, std::move(input_types)},
                     {"T1", {}, {0}, {DataType::kBool}}};
  def.factory = std::move(factory);
  registry.add(std::move(def));
}

}  // namespace

void register_elementwise_kernels(KernelRegistry& registry, GpuSupportChecks& checks,
                                  const GpuContextPtr& context) {
  const GpuContextPtr& ctx = context;
  const std::vector<DataType>& floats = kGpuFloats;  // before an op's schema adds bfloat16
  const std::vector<DataType>& all_floats = kFloatsAndBf16;

  // Binary arithmetic (integer Add/Sub/Mul/Div are shape math, left to the CPU).
  registry.add("Add", 7, 23, {0, 1}, all_floats, gpu_kernel<BinaryKernel<BinaryOp::kAdd>>(ctx));
  registry.add("Sub", 7, 23, {0, 1}, all_floats, gpu_kernel<BinaryKernel<BinaryOp::kSub>>(ctx));
  registry.add("Mul", 7, 23, {0, 1}, all_floats, gpu_kernel<BinaryKernel<BinaryOp::kMul>>(ctx));
  registry.add("Div", 7, 23, {0, 1}, all_floats, gpu_kernel<BinaryKernel<BinaryOp::kDiv>>(ctx));
  for (const char* op : {"Add", "Sub", "Mul", "Div"}) checks.add(op, check_broadcast_rank);

  // Pow: from opset 12 the exponent (T1) may have another type than the base (T).
  KernelDef pow;
  pow.op_type = "Pow";
  pow.since_version = 7;
  pow.end_version = 23;
  pow.constraints = {{"T", {0}, {0}, all_floats}, {"T1", {1}, {}, all_floats}};
  pow.factory = gpu_kernel<PowKernel>(ctx);
  registry.add(std::move(pow));
  checks.add("Pow", check_pow_exponent_type);
  checks.add("Pow", check_broadcast_rank);

  // Variadic ops: bfloat16 from opset 13 (Min/Max-12 added integers, which stay on the CPU).
  using Max = VariadicKernel<BinaryOp::kMax, false>;
  using Min = VariadicKernel<BinaryOp::kMin, false>;
  using Sum = VariadicKernel<BinaryOp::kAdd, false>;
  using Mean = VariadicKernel<BinaryOp::kAdd, true>;
  for (const auto& [op, factory] :
       {std::pair{"Max", gpu_kernel<Max>(ctx)}, std::pair{"Min", gpu_kernel<Min>(ctx)},
        std::pair{"Sum", gpu_kernel<Sum>(ctx)}, std::pair{"Mean", gpu_kernel<Mean>(ctx)}}) {
    registry.add(op, 6, 12, {0}, floats, factory);
    registry.add(op, 13, 23, {0}, all_floats, factory);
    checks.add(op, check_broadcast_rank);
  }

  registry.add("PRelu", 6, 15, {0, 1}, floats, gpu_kernel<PReluKernel>(ctx));
  registry.add("PRelu", 16, 23, {0, 1}, all_floats, gpu_kernel<PReluKernel>(ctx));
  checks.add("PRelu", check_broadcast_rank);

  // Comparisons of float inputs. Equal-7 took integers and bool only.
  using Equal = BinaryKernel<BinaryOp::kEqual>;
  add_bool_output(registry, "Equal", 11, 12, {0, 1}, floats, gpu_kernel<Equal>(ctx));
  add_bool_output(registry, "Equal", 13, 23, {0, 1}, all_floats, gpu_kernel<Equal>(ctx));
  for (const auto& [op, factory] :
       {std::pair{"Less", gpu_kernel<BinaryKernel<BinaryOp::kLess>>(ctx)},
        std::pair{"Greater", gpu_kernel<BinaryKernel<BinaryOp::kGreater>>(ctx)}}) {
    add_bool_output(registry, op, 7, 12, {0, 1}, floats, factory);
    add_bool_output(registry, op, 13, 23, {0, 1}, all_floats, factory);
  }
  for (const auto& [op, factory] :
       {std::pair{"LessOrEqual", gpu_kernel<BinaryKernel<BinaryOp::kLessOrEqual>>(ctx)},
        std::pair{"GreaterOrEqual", gpu_kernel<BinaryKernel<BinaryOp::kGreaterOrEqual>>(ctx)}}) {
    add_bool_output(registry, op, 12, 15, {0, 1}, floats, factory);
    add_bool_output(registry, op, 16, 23, {0, 1}, all_floats, factory);
  }
  for (const char* op : {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"}) {
    checks.add(op, check_broadcast_rank);
  }

  for (const auto& [since, end, value_types] :
       {std::tuple{9, 15, floats}, std::tuple{16, 23, all_floats}}) {
    KernelDef where;
    where.op_type = "Where";
    where.since_version = since;
    where.end_version = end;
    where.constraints = {{"B", {0}, {}, {DataType::kBool}}, {"T", {1, 2}, {0}, value_types}};
    where.factory = gpu_kernel<WhereKernel>(ctx);
    registry.add(std::move(where));
  }
  checks.add("Where", check_broadcast_rank);

  // Unary maps whose type lists do not change with the opset.
  for (const auto& [op, since, factory] : {
           std::tuple{"Sqrt", 6, gpu_kernel<UnaryOpKernel<UnaryOp::kSqrt>>(ctx)},
           std::tuple{"Exp", 6, gpu_kernel<UnaryOpKernel<UnaryOp::kExp>>(ctx)},
           std::tuple{"Log", 6, gpu_kernel<UnaryOpKernel<UnaryOp::kLog>>(ctx)},
           std::tuple{"Tanh", 6, gpu_kernel<UnaryOpKernel<UnaryOp::kTanh>>(ctx)},
           std::tuple{"Sigmoid", 6, gpu_kernel<UnaryOpKernel<UnaryOp::kSigmoid>>(ctx)},
           std::tuple{"Erf", 9, gpu_kernel<UnaryOpKernel<UnaryOp::kErf>>(ctx)},
           std::tuple{"Neg", 6, gpu_kernel<UnaryOpKernel<UnaryOp::kNeg>>(ctx)},
           std::tuple{"Abs", 6, gpu_kernel<UnaryOpKernel<UnaryOp::kAbs>>(ctx)},
           std::tuple{"Relu", 6, gpu_kernel<UnaryOpKernel<UnaryOp::kRelu>>(ctx)},
           std::tuple{"LeakyRelu", 6, gpu_kernel<UnaryOpKernel<UnaryOp::kLeakyRelu>>(ctx)},
           std::tuple{"HardSigmoid", 6, gpu_kernel<UnaryOpKernel<UnaryOp::kHardSigmoid>>(ctx)},
           std::tuple{"HardSwish", 14, gpu_kernel<UnaryOpKernel<UnaryOp::kHardSwish>>(ctx)},
           std::tuple{"Gelu", 20, gpu_kernel<GeluKernel>(ctx)},
       }) {
    registry.add(op, since, 23, {0}, all_floats, factory);
  }
  // Unary maps whose schema added bfloat16 at a later opset.
  for (const auto& [op, since, bf16_since, factory] : {
           std::tuple{"Floor", 6, 13, gpu_kernel<UnaryOpKernel<UnaryOp::kFloor>>(ctx)},
           std::tuple{"Ceil", 6, 13, gpu_kernel<UnaryOpKernel<UnaryOp::kCeil>>(ctx)},
           std::tuple{"Reciprocal", 6, 13, gpu_kernel<UnaryOpKernel<UnaryOp::kReciprocal>>(ctx)},
           std::tuple{"Round", 11, 22, gpu_kernel<UnaryOpKernel<UnaryOp::kRound>>(ctx)},
           std::tuple{"Sign", 9, 13, gpu_kernel<UnaryOpKernel<UnaryOp::kSign>>(ctx)},
           std::tuple{"Sin", 7, 22, gpu_kernel<UnaryOpKernel<UnaryOp::kSin>>(ctx)},
           std::tuple{"Cos", 7, 22, gpu_kernel<UnaryOpKernel<UnaryOp::kCos>>(ctx)},
           std::tuple{"Softplus", 1, 22, gpu_kernel<UnaryOpKernel<UnaryOp::kSoftplus>>(ctx)},
           std::tuple{"Softsign", 1, 22, gpu_kernel<UnaryOpKernel<UnaryOp::kSoftsign>>(ctx)},
           std::tuple{"Elu", 6, 22, gpu_kernel<UnaryOpKernel<UnaryOp::kElu>>(ctx)},
           std::tuple{"Selu", 6, 22, gpu_kernel<UnaryOpKernel<UnaryOp::kSelu>>(ctx)},
       }) {
    registry.add(op, since, bf16_since - 1, {0}, floats, factory);
    registry.add(op, bf16_since, 23, {0}, all_floats, factory);
  }
  // The runtime's fused Gelu (graph/optimizer/fused_domain.h), spec in
  // providers/cpu/ops/fused_ops.cc.
  const int fused_version = static_cast<int>(optimizer::kFusedOpset);
  registry.add("Gelu", fused_version, fused_version, {0}, all_floats, gpu_kernel<GeluKernel>(ctx),
               optimizer::kFusedDomain);

  // Clip: bounds are attributes before opset 11 and inputs from 11, taken only as constants.
  registry.add("Clip", 6, 10, {0}, all_floats, gpu_kernel<ClipKernel>(ctx));
  registry.add("Clip", 11, 23, {0, 1, 2}, all_floats, gpu_kernel<ClipKernel>(ctx));
  checks.add("Clip", check_clip_bounds_constant);

  add_bool_output(registry, "IsNaN", 9, 12, {0}, floats,
                  gpu_kernel<PredicateKernel<PredicateOp::kIsNaN>>(ctx));
  add_bool_output(registry, "IsNaN", 13, 23, {0}, all_floats,
                  gpu_kernel<PredicateKernel<PredicateOp::kIsNaN>>(ctx));
  add_bool_output(registry, "IsInf", 10, 19, {0}, {DataType::kFloat32},
                  gpu_kernel<PredicateKernel<PredicateOp::kIsInf>>(ctx));
  add_bool_output(registry, "IsInf", 20, 23, {0}, all_floats,
                  gpu_kernel<PredicateKernel<PredicateOp::kIsInf>>(ctx));
  registry.add("Not", 1, 23, {0}, {DataType::kBool}, gpu_kernel<NotKernel>(ctx));

  // Cast: saturate (opset 19+) matters only for float8 destinations, which stay on the CPU.
  KernelDef cast;
  cast.op_type = "Cast";
  cast.since_version = 6;
  cast.end_version = 23;
  cast.constraints = {{"T1", {0}, {}, cast_types()}, {"T2", {}, {0}, cast_types()}};
  cast.factory = gpu_kernel<CastKernel>(ctx);
  registry.add(std::move(cast));
  checks.add("Cast", check_cast_destination);
}

}  // namespace aruntime::gpu
