#include "providers/common/op_checks.h"

#include "kernels/broadcast.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "aruntime/data_type.h"
#include "aruntime/status.h"
#include "graph/optimizer/fused_domain.h"
#include "providers/common/window_attributes.h"

namespace aruntime {
namespace {

[[noreturn]] void bad_attribute(const Node& node, const std::string& what) {
  throw_error(ErrorCode::kInvalidModel, node.describe() + ": " + what);
}

}  // namespace

void check_same_type(const Node& node, const Tensor& reference, const Tensor& t, size_t index) {
  if (t.dtype() != reference.dtype()) {
    throw_error(ErrorCode::kInvalidArgument,
                node.describe() + ": input " + std::to_string(index) + " has type " +
                    std::string(data_type_name(t.dtype())) + ", expected " +
                    std::string(data_type_name(reference.dtype())) + " like input 0");
  }
}

kernels::Activation read_fused_activation(const Node& node) {
  using Kind = kernels::ActivationKind;
  struct Known {
    const char* name;
    Kind kind;
    size_t params;
  };
  static const Known kKnown[] = {
      {"Relu", Kind::kRelu, 0},           {"Clip", Kind::kClip, 2},
      {"Sigmoid", Kind::kSigmoid, 0},     {"HardSigmoid", Kind::kHardSigmoid, 2},
      {"HardSwish", Kind::kHardSwish, 0}, {"LeakyRelu", Kind::kLeakyRelu, 1},
      {"Tanh", Kind::kTanh, 0},           {"Gelu", Kind::kGelu, 0},
      {"GeluTanh", Kind::kGeluTanh, 0},   {"Swish", Kind::kSwish, 1}};
  kernels::Activation activation;
  const std::vector<float> params = node.attr_floats(optimizer::kActivationParamsAttr, {});
  if (!node.has_attribute(optimizer::kActivationAttr)) {
    if (!params.empty()) bad_attribute(node, "activation_params given without an activation");
    return activation;
  }
  const std::string name = node.attr_string(optimizer::kActivationAttr);
  for (const Known& k : kKnown) {
    if (name != k.name) continue;
    if (params.size() != k.params) {
      bad_attribute(node, "activation " + name + " takes " + std::to_string(k.params) +
                              " activation_params, got " + std::to_string(params.size()));
    }
    activation.kind = k.kind;
    if (!params.empty()) activation.alpha = params[0];
    if (params.size() > 1) activation.beta = params[1];
    return activation;
  }
  bad_attribute(node, "activation '" + name +
                          "' is not one of Relu, Clip, Sigmoid, HardSigmoid, HardSwish, "
                          "LeakyRelu, Tanh, Gelu, GeluTanh, Swish");
}

int64_t MatMulBatches::count(size_t begin, size_t end) const {
  int64_t n = 1;
  for (size_t i = begin; i < end; ++i) n *= dims[i];
  return n;
}

void MatMulBatches::offsets(int64_t index, int64_t& a_offset, int64_t& b_offset) const {
  a_offset = 0;
  b_offset = 0;
  for (size_t i = dims.size(); i-- > 0;) {
    const int64_t coord = index % dims[i];
    index /= dims[i];
    a_offset += coord * a_stride[i];
    b_offset += coord * b_stride[i];
  }
}

MatMulBatches matmul_batches(const Node& node, const std::vector<int64_t>& a_dims,
                             const std::vector<int64_t>& b_dims, const Shape& a_shape,
                             const Shape& b_shape) {
  const size_t a_batch_rank = a_dims.size() - 2, b_batch_rank = b_dims.size() - 2;
  const size_t batch_rank = std::max(a_batch_rank, b_batch_rank);
  MatMulBatches b;
  b.dims.resize(batch_rank);
  b.a_stride.assign(batch_rank, 0);
  b.b_stride.assign(batch_rank, 0);
  int64_t a_step = a_dims[a_batch_rank] * a_dims[a_batch_rank + 1];
  int64_t b_step = b_dims[b_batch_rank] * b_dims[b_batch_rank + 1];
  for (size_t i = batch_rank; i-- > 0;) {
    const size_t from_end = batch_rank - i;
    const int64_t da = from_end <= a_batch_rank ? a_dims[a_batch_rank - from_end] : 1;
    const int64_t db = from_end <= b_batch_rank ? b_dims[b_batch_rank - from_end] : 1;
    if (da != db && da != 1 && db != 1) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": batch dimensions of " +
                                                   a_shape.to_string() + " and " +
                                                   b_shape.to_string() + " do not broadcast");
    }
    b.dims[i] = da == 1 ? db : da;
    if (da != 1) b.a_stride[i] = a_step;
    if (db != 1) b.b_stride[i] = b_step;
    a_step *= da;
    b_step *= db;
  }
  return b;
}

std::array<DataType, 2> axis_norm_stat_types(const KernelInfo& info) {
  const int64_t stash = info.node().attr_int("stash_type", 1);
  if (stash != 1 && stash != 11 && stash != 16 && stash != 10) {
    throw_error(ErrorCode::kInvalidModel, info.node().describe() + ": attribute stash_type " +
                                              std::to_string(stash) +
                                              " is not a floating-point type");
  }
  std::array<DataType, 2> types;
  for (size_t i = 1; i < 3; ++i) {
    const DataType t = info.output_type(i);
    types[i - 1] = t == DataType::kUndefined ? DataType::kFloat32 : t;
  }
  return types;
}

AttentionShape attention_shape(const Node& node, const Shape& q, const Shape& k, const Shape& v,
                               bool k_transposed) {
  const size_t rank = q.rank();
  auto lead = [](const Shape& t) { return Dims(t.dims().begin(), t.dims().end() - 2); };
  if (rank < 2 || k.rank() != rank || v.rank() != rank || lead(k) != lead(q) ||
      lead(v) != lead(q)) {
    throw_error(ErrorCode::kInvalidArgument,
                node.describe() + ": Q " + q.to_string() + ", K " + k.to_string() + " and V " +
                    v.to_string() + " must have one rank >= 2 and the same leading axes");
  }
  AttentionShape a;
  a.lead = lead(q);
  a.sq = q[rank - 2];
  a.d = q[rank - 1];
  a.sk = k[rank - (k_transposed ? 1 : 2)];
  const int64_t kd = k[rank - (k_transposed ? 2 : 1)];
  a.dv = v[rank - 1];
  if (kd != a.d || v[rank - 2] != a.sk) {
    throw_error(ErrorCode::kInvalidArgument,
                node.describe() + ": Q " + q.to_string() + ", K " + k.to_string() +
                    (k_transposed ? " (transposed)" : "") + " and V " + v.to_string() +
                    " do not agree on the head size and the key count");
  }
  return a;
}

GlobalPoolShape global_pool_shape(const Node& node, const Shape& x) {
  if (x.rank() < 2) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": input X has shape " +
                                                 x.to_string() + ", expected [N, C, D1, ...]");
  }
  GlobalPoolShape g;
  g.output = x.dims();
  g.planes = g.output[0] * g.output[1];
  g.plane_size = x.size_from_to(2, x.rank());
  std::fill(g.output.begin() + 2, g.output.end(), 1);
  if (g.planes != 0 && g.plane_size == 0) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": input X of shape " +
                                                 x.to_string() + " has empty spatial axes");
  }
  return g;
}

void check_batch_norm_outputs(const Node& node, int opset, bool training) {
  if (opset >= 14) {
    if (!training && (node.has_output(1) || node.has_output(2))) {
      throw_error(ErrorCode::kInvalidModel,
                  node.describe() +
                      ": outputs running_mean/running_var are only valid with training_mode=1");
    }
    return;
  }
  // Before opset 14 training mode is signalled by the extra outputs, and the spec leaves
  // saved_mean/saved_var (and whether Y uses batch or running statistics) undefined.
  for (size_t i = 1; i < node.outputs.size(); ++i) {
    if (node.has_output(i)) {
      throw_error(ErrorCode::kNotImplemented,
                  node.describe() + ": output " + std::to_string(i) + " requests the opset " +
                      std::to_string(opset) +
                      " training mode, which is not supported (use opset 14+ training_mode)");
    }
  }
}

Shape prelu_slope_shape(const Node& node, const Tensor& x, const Tensor& slope, bool single_slope_only) {
  if (single_slope_only) {
    if (slope.num_elements() == 1) return Shape{};
    if (slope.shape() == x.shape()) return slope.shape();
    throw_error(ErrorCode::kRuntimeError, node.describe() +
                                              ": before opset 7 input 1 (slope) must have one element or "
                                              "the shape of input 0 " +
                                              x.shape().to_string() + ", got " + slope.shape().to_string());
  }
  const std::optional<Shape> shape = kernels::broadcast_shapes(x.shape(), slope.shape());
  if (!shape || *shape != x.shape()) {
    throw_error(ErrorCode::kRuntimeError, node.describe() + ": input 1 (slope) of shape " +
                                              slope.shape().to_string() +
                                              " does not broadcast unidirectionally to input 0 of shape " +
                                              x.shape().to_string());
  }
  return slope.shape();
}

Shape broadcast_output_shape(const Node& node, const std::vector<Shape>& shapes) {
  std::optional<Shape> out = kernels::broadcast_shapes(shapes);
  if (!out) {
    std::string list;
    for (size_t i = 0; i < shapes.size(); ++i) {
      if (i > 0) list += i + 1 == shapes.size() ? " and " : ", ";
      list += shapes[i].to_string();
    }
    throw_error(ErrorCode::kRuntimeError,
                node.describe() + ": input shapes " + list + " cannot be broadcast");
  }
  return *out;
}

Shape broadcast_output_shape(const Node& node, const Shape& a, const Shape& b) {
  std::optional<Shape> out = kernels::broadcast_shapes(a, b);
  if (!out) {
    throw_error(ErrorCode::kRuntimeError, node.describe() + ": input shapes " + a.to_string() +
                                              " and " + b.to_string() + " cannot be broadcast");
  }
  return *out;
}

RowNormInputs row_norm_inputs(const KernelContext& ctx, int64_t axis, bool center, bool skip) {
  const Node& node = ctx.node();
  RowNormInputs in;
  in.x = &ctx.required_input(0);
  const Tensor& x = *in.x;
  const int64_t rank = static_cast<int64_t>(x.rank());
  if (axis < -rank || axis >= rank) {
    throw_error(ErrorCode::kInvalidArgument, node.describe() + ": axis " + std::to_string(axis) +
                                                 " is out of range for X of shape " +
                                                 x.shape().to_string());
  }
  in.axis = static_cast<size_t>(axis < 0 ? axis + rank : axis);
  const std::vector<int64_t> normalized(x.shape().dims().begin() + static_cast<int64_t>(in.axis),
                                        x.shape().dims().end());
  auto check_shape = [&](const Tensor& t, size_t index, const char* name,
                         const std::vector<int64_t>& dims, const std::string& expected) {
    check_same_type(node, x, t, index);
    if (t.shape().dims() != dims) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": " + name + " has shape " + t.shape().to_string() +
                      ", expected " + ints_to_string(dims) + " (" + expected + "; input " +
                      std::to_string(index) + ")");
    }
  };
  const std::string params_expected = "X's axes from " + std::to_string(in.axis);
  const size_t scale_index = skip ? 2 : 1;
  if (skip) {
    in.skip = &ctx.required_input(1);
    check_shape(*in.skip, 1, "Skip", x.shape().dims(), "X's shape");
  }
  auto parameter = [&](size_t index, const char* name, bool required) -> const Tensor* {
    const Tensor* t = required ? &ctx.required_input(index) : ctx.input(index);
    if (t != nullptr) check_shape(*t, index, name, normalized, params_expected);
    return t;
  };
  in.scale = parameter(scale_index, skip ? "Gamma" : "Scale", true);
  if (center) in.bias = parameter(scale_index + 1, skip ? "Beta" : "B", false);
  if (skip) in.skip_bias = parameter(4, "Bias", false);
  return in;
}

}  // namespace aruntime
