// Reductions (Reduce*, ArgMax/ArgMin), Softmax/LogSoftmax, the normalizations (ONNX
// LayerNormalization-17, RMSNormalization-23, InstanceNormalization, LpNormalization,
// MeanVarianceNormalization over trailing axes; the aruntime domain's LayerNormalization,
// RMSNormalization and SkipLayerNormalization) and the aruntime domain's fused Attention on the
// GPU. Attributes are validated as the CPU kernels of the same ops
// validate them (providers/cpu/ops/reduction_ops.cc, nn_ops.cc, tensor_generate_ops.cc,
// norm_ops.cc, fused_ops.cc), with the same errors; the device code is in normalization_kernels.cu.
#include <algorithm>
#include <array>
#include <climits>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/execution_provider.h"
#include "graph/optimizer/fused_domain.h"
#include "kernels/reduce.h"
#include "providers/common/op_checks.h"
#include "providers/common/window_attributes.h"
#include "providers/gpu/cublas_api.h"
#include "providers/gpu/ops/normalization_kernels.h"
#include "providers/gpu/ops/registrations.h"

namespace aruntime::gpu {
namespace {

GpuFloat gpu_float(const Node& node, DataType type) {
  switch (type) {
    case DataType::kFloat32:
      return GpuFloat::kFloat32;
    case DataType::kFloat16:
      return GpuFloat::kFloat16;
    case DataType::kBFloat16:
      return GpuFloat::kBFloat16;
    default:
      throw_error(ErrorCode::kNotImplemented, node.describe() + ": element type " +
                                                  std::string(data_type_name(type)) +
                                                  " is not supported on the GPU");
  }
}

// `axis` in [-rank, rank), normalised to [0, rank); `code` is the error the CPU kernel of the op
// raises for it.
size_t checked_axis(const Node& node, int64_t axis, const Shape& shape,
                    ErrorCode code = ErrorCode::kInvalidArgument, const char* input = "input") {
  const int64_t rank = static_cast<int64_t>(shape.rank());
  if (axis < -rank || axis >= rank) {
    throw_error(code, node.describe() + ": axis " + std::to_string(axis) + " is out of range for " +
                          input + " of shape " + shape.to_string());
  }
  return static_cast<size_t>(axis < 0 ? axis + rank : axis);
}

std::vector<int64_t> dims_of(const Tensor& t) {
  return t.shape().dims().to_vector();
}

// The static dims of value `name` as inferred at load, or nullopt when its rank or a dim is not
// known.
std::optional<std::vector<int64_t>> static_dims(const GraphView& view, const std::string& name) {
  const TypeInfo* type = view.graph().find_type(name);
  if (type == nullptr || !type->shape) return std::nullopt;
  std::vector<int64_t> dims;
  for (const Dim& d : *type->shape) {
    if (!d.is_static()) return std::nullopt;
    dims.push_back(d.value);
  }
  return dims;
}

// The rank of value `name`, or -1 when unknown.
int64_t static_rank(const GraphView& view, const std::string& name) {
  const TypeInfo* type = view.graph().find_type(name);
  return type != nullptr && type->shape ? static_cast<int64_t>(type->shape->size()) : -1;
}

// ---- Reduce* ------------------------------------------------------------------------------------

// Merging neighbouring axes of the same kind leaves at most ceil(rank / 2) of each kind.
constexpr int64_t kMaxReduceRank = 2 * ReduceGeometry::kMaxAxes;

// The kernels' view of reducing the axes flagged in `reduce` of a tensor of dims `dims` (the same
// layout as the CPU's: kernels::reduce_layout).
ReduceGeometry reduce_geometry(const Node& node, const std::vector<int64_t>& dims,
                               const std::vector<bool>& reduce) {
  const kernels::ReduceLayout layout = kernels::reduce_layout(dims, reduce);
  const std::vector<int64_t>& size = layout.sizes;
  const std::vector<int64_t>& stride = layout.strides;
  const std::vector<bool>& reduced = layout.reduced;
  ReduceGeometry g;
  g.outputs = layout.outputs;
  g.count = layout.count;
  for (size_t d = 0; d < size.size(); ++d) {
    int& rank = reduced[d] ? g.reduced_rank : g.kept_rank;
    if (rank == ReduceGeometry::kMaxAxes) {
      throw_error(ErrorCode::kNotImplemented,
                  node.describe() + ": the GPU kernel reduces at most " +
                      std::to_string(kMaxReduceRank) + " axes, got input dims " + ints_to_string(dims));
    }
    (reduced[d] ? g.reduced_sizes : g.kept_sizes)[rank] = size[d];
    (reduced[d] ? g.reduced_strides : g.kept_strides)[rank] = stride[d];
    ++rank;
  }
  g.innermost_reduced = reduced.back();
  return g;
}

// From opset `axes_input_since` the axes are input 1, which the kernel reads in host memory
// (reads_input_on_host keeps it there, wherever it is computed) every run.
class ReduceKernel final : public GpuKernel {
 public:
  ReduceKernel(const KernelInfo& info, GpuContextPtr context, GpuReduceOp op, int axes_input_since)
      : GpuKernel(info, std::move(context)),
        op_(op),
        keepdims_(info.node().attr_int("keepdims", 1) != 0),
        axes_from_input_(info.opset() >= axes_input_since) {
    const Node& node = info.node();
    noop_with_empty_axes_ = axes_from_input_ && node.attr_int("noop_with_empty_axes", 0) != 0;
    if (!axes_from_input_) {
      attr_axes_ = node.attr_ints("axes", {});
      return;
    }
    if (node.has_attribute("axes")) {
      throw_error(ErrorCode::kInvalidModel, node.describe() + ": from opset " +
                                                std::to_string(axes_input_since) +
                                                " axes is an input, not an attribute");
    }
  }

  bool reads_input_on_host(size_t input) const override { return axes_from_input_ && input == 1; }
  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const std::vector<int64_t> axes = axes_of(ctx);
    // The spec makes the output the input itself for every member of the family.
    if (axes.empty() && noop_with_empty_axes_) {
      ctx.set_output(0, x);
      return;
    }
    const GpuFloat type = gpu_float(node, x.dtype());
    const std::vector<int64_t> dims = dims_of(x);
    std::vector<bool> reduce(dims.size(), axes.empty());
    for (int64_t a : axes) {
      const size_t d = checked_axis(node, a, x.shape());
      if (reduce[d]) {
        throw_error(ErrorCode::kInvalidArgument, node.describe() + ": axes " + ints_to_string(axes) +
                                                     " repeat axis " + std::to_string(d));
      }
      reduce[d] = true;
    }
    std::vector<int64_t> out_dims;
    for (size_t d = 0; d < dims.size(); ++d) {
      if (!reduce[d]) {
        out_dims.push_back(dims[d]);
      } else if (keepdims_) {
        out_dims.push_back(1);
      }
    }
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), x.dtype());
    if (y.num_elements() == 0) return;
    const ReduceGeometry geometry = reduce_geometry(node, dims, reduce);
    ARUNTIME_CUDA_CHECK(launch_reduce(op_, type, x.raw_data(), y.raw_data(), geometry, stream()));
  }

 private:
  // The attribute, or input 1 read on the host with the CPU kernel's errors; empty when not
  // given.
  std::vector<int64_t> axes_of(const KernelContext& ctx) const {
    if (!axes_from_input_) return attr_axes_;
    const Tensor* t = ctx.input(1);
    if (t == nullptr) return {};
    // A device tensor would be a placement bug: the host never reads device memory.
    if (!t->device().is_cpu()) {
      throw_error(ErrorCode::kRuntimeError, ctx.node().describe() + ": input 1 (axes) is in " +
                                                t->device().to_string() +
                                                " memory, the GPU kernel reads it on the host");
    }
    if (t->dtype() != DataType::kInt64 || t->rank() > 1) {
      throw_error(ErrorCode::kInvalidArgument,
                  ctx.node().describe() + ": input axes must be a 1-D int64 tensor, got " +
                      std::string(data_type_name(t->dtype())) + t->shape().to_string());
    }
    return t->to_int64_vector();
  }

  GpuReduceOp op_;
  bool keepdims_;
  bool axes_from_input_;
  bool noop_with_empty_axes_ = false;
  std::vector<int64_t> attr_axes_;
};

class ArgReduceKernel final : public GpuKernel {
 public:
  ArgReduceKernel(const KernelInfo& info, GpuContextPtr context, bool is_max)
      : GpuKernel(info, std::move(context)),
        is_max_(is_max),
        axis_(info.node().attr_int("axis", 0)),
        keepdims_(info.node().attr_int("keepdims", 1) != 0),
        select_last_index_(info.node().attr_int("select_last_index", 0) != 0) {}

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const GpuFloat type = gpu_float(node, x.dtype());
    const Shape& shape = x.shape();
    const size_t axis = checked_axis(node, axis_, shape);
    const int64_t outer = shape.size_from_to(0, axis);
    const int64_t inner = shape.size_from_to(axis + 1, shape.rank());
    const int64_t n = shape[axis];
    if (n == 0 && outer * inner != 0) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": cannot take the index of an extreme along axis " +
                      std::to_string(axis) + " of size 0 (input shape " + shape.to_string() + ")");
    }
    std::vector<int64_t> out_dims = dims_of(x);
    if (keepdims_) {
      out_dims[axis] = 1;
    } else {
      out_dims.erase(out_dims.begin() + static_cast<std::ptrdiff_t>(axis));
    }
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), DataType::kInt64);
    if (y.num_elements() == 0) return;
    ARUNTIME_CUDA_CHECK(launch_arg_reduce(is_max_, select_last_index_, type, x.raw_data(),
                                          y.data<int64_t>(), outer, n, inner, stream()));
  }

 private:
  bool is_max_;
  int64_t axis_;
  bool keepdims_;
  bool select_last_index_;
};

// ---- Softmax, LogSoftmax, LpNormalization -------------------------------------------------------

// Softmax and LogSoftmax before opset 13 flatten the input to 2-D at `axis` (default 1) and
// normalise each row; from 13 they normalise along the single axis `axis` (default -1).
// LpNormalization normalises along `axis` (default -1) with p 1 or 2.
class AxisKernel final : public GpuKernel {
 public:
  AxisKernel(const KernelInfo& info, GpuContextPtr context, GpuAxisOp op)
      : GpuKernel(info, std::move(context)), op_(op) {
    const Node& node = info.node();
    const bool softmax = op == GpuAxisOp::kSoftmax || op == GpuAxisOp::kLogSoftmax;
    flatten_ = softmax && info.opset() < 13;
    axis_ = node.attr_int("axis", flatten_ ? 1 : -1);
    if (!softmax) {
      const int64_t p = node.attr_int("p", 2);
      if (p != 1 && p != 2) {
        throw_error(ErrorCode::kInvalidModel, node.describe() + ": attribute p is " +
                                                  std::to_string(p) + ", expected 1 or 2");
      }
      op_ = p == 1 ? GpuAxisOp::kL1 : GpuAxisOp::kL2;
    }
  }

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const GpuFloat type = gpu_float(node, x.dtype());
    // The CPU kernels report a bad axis as these codes: Softmax and LpNormalization an invalid
    // argument, LogSoftmax a runtime error.
    const ErrorCode code =
        op_ == GpuAxisOp::kLogSoftmax ? ErrorCode::kRuntimeError : ErrorCode::kInvalidArgument;
    if (x.rank() == 0) {
      throw_error(code, node.describe() + ": axis " + std::to_string(axis_) +
                            " is out of range for input of shape " + x.shape().to_string());
    }
    const size_t axis = checked_axis(node, axis_, x.shape(), code);
    const int64_t outer = x.shape().size_from_to(0, axis);
    int64_t n = x.shape()[axis], inner = x.shape().size_from_to(axis + 1, x.rank());
    if (flatten_) {
      n *= inner;
      inner = 1;
    }
    Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
    if (y.num_elements() == 0) return;
    ARUNTIME_CUDA_CHECK(
        launch_axis_op(op_, type, x.raw_data(), y.raw_data(), outer, n, inner, stream()));
  }

 private:
  GpuAxisOp op_;
  bool flatten_ = false;
  int64_t axis_ = -1;
};

// ---- LayerNormalization / RMSNormalization (ONNX) -----------------------------------------------

// How the kernel reads a Scale or B of dims `param` along rows of X's dims from `axis`: the
// parameter broadcasts (numpy rules) to X's trailing `param_rank` dims, as Mul/Add would broadcast
// it. The kernel handles the parameters that vary along the normalised axes only, and along all
// of a suffix of them: without their leading 1s, exactly a suffix of those axes' dims, read at
// (element of the row) % modulo. Others (a [C, 1] Scale for axes [C, D], or one reaching into the
// leading axes) are declined.
struct ParamFit {
  std::string error;       // not broadcastable: the CPU kernel's error
  bool supported = false;  // broadcastable and of the form the kernel reads
  int64_t modulo = 1;
};

ParamFit fit_parameter(const std::string& node_text, const char* name,
                       const std::vector<int64_t>& x_dims, size_t axis,
                       const std::vector<int64_t>& param, size_t param_rank) {
  ParamFit fit;
  const std::vector<int64_t> target(x_dims.end() - static_cast<std::ptrdiff_t>(param_rank),
                                    x_dims.end());
  bool ok = param.size() <= target.size();
  const size_t lead = ok ? target.size() - param.size() : 0;
  for (size_t d = 0; ok && d < param.size(); ++d)
    ok = param[d] == 1 || param[d] == target[lead + d];
  if (!ok) {
    fit.error = node_text + ": " + name + " has shape " + ints_to_string(param) +
                ", which does not broadcast to " + ints_to_string(target) + " (trailing axes of X)";
    return fit;
  }
  size_t first = 0;
  while (first < param.size() && param[first] == 1) ++first;
  const size_t kept = param.size() - first;
  const size_t normalized = x_dims.size() - axis;
  if (kept > normalized) return fit;
  for (size_t d = 0; d < kept; ++d) {
    fit.modulo *= param[first + d];
    if (param[first + d] != x_dims[x_dims.size() - kept + d]) return fit;
  }
  fit.supported = true;
  return fit;
}

size_t parameter_rank(size_t x_rank, size_t axis, size_t scale_rank, size_t bias_rank) {
  return std::min(std::max({x_rank - axis, scale_rank, bias_rank}), x_rank);
}

// ONNX LayerNormalization-17 (`center`) and RMSNormalization-23: normalise over the axes
// [axis, rank); Scale and B broadcast to those axes; LayerNormalization's optional outputs Mean and
// InvStdDev (type U) have X's dims with the normalised axes set to 1.
class OnnxAxisNormKernel final : public GpuKernel {
 public:
  OnnxAxisNormKernel(const KernelInfo& info, GpuContextPtr context, bool center)
      : GpuKernel(info, std::move(context)),
        center_(center),
        axis_(info.node().attr_int("axis", -1)),
        epsilon_(info.node().attr_float("epsilon", 1e-5f)),
        stat_types_(axis_norm_stat_types(info)) {}

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const GpuFloat type = gpu_float(node, x.dtype());
    const size_t axis = checked_axis(node, axis_, x.shape());
    const std::vector<int64_t> x_dims = dims_of(x);
    const Tensor& scale = ctx.required_input(1);
    const Tensor* bias = center_ ? ctx.input(2) : nullptr;
    const size_t param_rank =
        parameter_rank(x.rank(), axis, scale.rank(), bias != nullptr ? bias->rank() : 0);
    auto fit = [&](const char* name, const Tensor& t) {
      // RMSNormalization's scale may have a type of its own (V); a support check keeps those nodes
      // on the CPU, since the kernel reads parameters in X's type.
      if (t.dtype() != x.dtype()) {
        throw_error(center_ ? ErrorCode::kInvalidArgument : ErrorCode::kNotImplemented,
                    node.describe() + ": " + name + " has type " +
                        std::string(data_type_name(t.dtype())) + ", expected X's " +
                        std::string(data_type_name(x.dtype())));
      }
      ParamFit f = fit_parameter(node.describe(), name, x_dims, axis, dims_of(t), param_rank);
      if (!f.error.empty()) throw_error(ErrorCode::kInvalidArgument, f.error);
      if (!f.supported) {
        throw_error(ErrorCode::kNotImplemented,
                    node.describe() + ": " + name + " of shape " + t.shape().to_string() +
                        " is not a suffix of X " + x.shape().to_string() + "'s axes from " +
                        std::to_string(axis) + " (after leading 1s), which the GPU kernel needs");
      }
      // A parameter with no elements goes with rows of none, which read no parameter.
      return std::max<int64_t>(f.modulo, 1);
    };
    RowNormParams p;
    p.rows = x.shape().size_from_to(0, axis);
    p.row_size = x.shape().size_from_to(axis, x.rank());
    p.epsilon = epsilon_;
    p.center = center_;
    p.scale = scale.raw_data();
    p.param_modulo = fit("Scale", scale);
    if (bias != nullptr) {
      p.bias = bias->raw_data();
      p.bias_modulo = fit("B", *bias);
    }
    Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
    if (center_) {
      std::vector<int64_t> stat_dims = x_dims;
      std::fill(stat_dims.begin() + static_cast<std::ptrdiff_t>(axis), stat_dims.end(), 1);
      void** stat_data[2] = {&p.mean, &p.inv_std};
      bool bf16 = false;
      for (size_t i = 1; i < 3; ++i) {
        if (i < ctx.num_outputs() && node.has_output(i) && ctx.output_requested(i)) {
          const DataType t = stat_types_[i - 1];
          // The registration allows U as float32 or bfloat16, and a support check the same U for
          // both outputs: the kernel writes both in one type.
          if ((t != DataType::kFloat32 && t != DataType::kBFloat16) ||
              (*stat_data[0] != nullptr && (t == DataType::kBFloat16) != bf16)) {
            throw_error(ErrorCode::kNotImplemented,
                        node.describe() +
                            ": the GPU kernel writes Mean and InvStdDev as one "
                            "type, float32 or bfloat16; output " +
                            std::to_string(i) + " is " + std::string(data_type_name(t)));
          }
          bf16 = t == DataType::kBFloat16;
          *stat_data[i - 1] = ctx.allocate_output(i, Shape(stat_dims), t).raw_data();
        }
      }
      p.stat_type = bf16 ? GpuFloat::kBFloat16 : GpuFloat::kFloat32;
    }
    if (p.rows == 0) return;
    ARUNTIME_CUDA_CHECK(launch_row_normalization(type, x.raw_data(), y.raw_data(), p, stream()));
  }

 private:
  bool center_;
  int64_t axis_;
  float epsilon_;
  std::array<DataType, 2> stat_types_;
};

// The partition-time side of fit_parameter: declines an ONNX LayerNormalization/RMSNormalization
// whose static shapes show a Scale or B the kernel does not read (unknown shapes pass, and
// compute() reports them).
std::string check_onnx_norm_parameters(const Node& node, const GraphView& view) {
  if (!node.has_input(0) || !node.has_input(1)) return "";
  const auto x = static_dims(view, node.inputs[0]);
  if (!x) return "";
  const int64_t rank = static_cast<int64_t>(x->size());
  const int64_t axis_attr = node.attr_int("axis", -1);
  if (axis_attr < -rank || axis_attr >= rank) return "";  // compute() reports it
  const size_t axis = static_cast<size_t>(axis_attr < 0 ? axis_attr + rank : axis_attr);
  const bool center = node.op_type == "LayerNormalization";
  std::optional<std::vector<int64_t>> params[2] = {static_dims(view, node.inputs[1]), std::nullopt};
  if (center && node.has_input(2)) {
    params[1] = static_dims(view, node.inputs[2]);
    if (!params[1]) return "";
  }
  if (!params[0]) return "";
  const size_t param_rank =
      parameter_rank(x->size(), axis, params[0]->size(), params[1] ? params[1]->size() : 0);
  for (const auto& param : params) {
    if (!param) continue;
    const ParamFit fit = fit_parameter(node.describe(), "Scale", *x, axis, *param, param_rank);
    if (fit.error.empty() && !fit.supported) {
      return node.op_type + ": Scale or B of shape " + ints_to_string(*param) +
             " is not a suffix of X " + ints_to_string(*x) + "'s axes from " + std::to_string(axis) +
             " (after leading 1s), which the GPU kernel needs";
    }
  }
  return "";
}

// ---- the aruntime domain's LayerNormalization, RMSNormalization, SkipLayerNormalization ---------

// The contracts are in providers/cpu/ops/fused_ops.cc: Scale/Gamma, B/Beta and Bias have exactly
// X's dims from `axis`, Skip exactly X's dims; SkipLayerNormalization's output 1 is X + Skip (+
// Bias).
class FusedAxisNormKernel final : public GpuKernel {
 public:
  FusedAxisNormKernel(const KernelInfo& info, GpuContextPtr context, bool center, bool skip)
      : GpuKernel(info, std::move(context)),
        center_(center),
        skip_(skip),
        axis_(info.node().attr_int("axis", -1)),
        epsilon_(info.node().attr_float("epsilon", 1e-5f)) {
    if (epsilon_ < 0) {
      throw_error(ErrorCode::kInvalidModel,
                  info.node().describe() + ": attribute epsilon is negative");
    }
  }

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const GpuFloat type = gpu_float(node, ctx.required_input(0).dtype());
    const RowNormInputs in = row_norm_inputs(ctx, axis_, center_, skip_);
    const Tensor& x = *in.x;
    const size_t axis = in.axis;
    const Tensor* skip = in.skip;
    const Tensor* scale = in.scale;
    const Tensor* bias = in.bias;
    const Tensor* skip_bias = in.skip_bias;
    Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
    const bool want_sum = skip_ && ctx.num_outputs() > 1 && ctx.output_requested(1);
    Tensor* sum = want_sum ? &ctx.allocate_output(1, x.shape(), x.dtype()) : nullptr;
    RowNormParams p;
    p.rows = x.shape().size_from_to(0, axis);
    p.row_size = x.shape().size_from_to(axis, x.rank());
    if (p.rows == 0 || p.row_size == 0) return;
    p.epsilon = epsilon_;
    p.center = center_;
    p.skip = skip != nullptr ? skip->raw_data() : nullptr;
    p.skip_bias = skip_bias != nullptr ? skip_bias->raw_data() : nullptr;
    p.sum = sum != nullptr ? sum->raw_data() : nullptr;
    p.scale = scale->raw_data();
    p.bias = bias != nullptr ? bias->raw_data() : nullptr;
    p.param_modulo = p.row_size;
    p.bias_modulo = p.row_size;
    ARUNTIME_CUDA_CHECK(launch_row_normalization(type, x.raw_data(), y.raw_data(), p, stream()));
  }

 private:
  bool center_;
  bool skip_;
  int64_t axis_;
  float epsilon_;
};

// ---- InstanceNormalization ----------------------------------------------------------------------

class InstanceNormKernel final : public GpuKernel {
 public:
  InstanceNormKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)), epsilon_(info.node().attr_float("epsilon", 1e-5f)) {}

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const GpuFloat type = gpu_float(node, x.dtype());
    if (x.rank() < 2) {
      throw_error(ErrorCode::kInvalidArgument, node.describe() + ": input X has shape " +
                                                   x.shape().to_string() +
                                                   ", expected [N, C, D1, ...]");
    }
    const int64_t batch = x.shape()[0], channels = x.shape()[1];
    const int64_t spatial = x.shape().size_from_to(2, x.rank());
    const Tensor& scale = ctx.required_input(1);
    const Tensor& bias = ctx.required_input(2);
    for (const auto& [t, name] : {std::pair{&scale, "scale"}, std::pair{&bias, "B"}}) {
      if (t->dtype() != x.dtype()) {
        throw_error(ErrorCode::kInvalidArgument, node.describe() + ": " + name + " has type " +
                                                     std::string(data_type_name(t->dtype())) +
                                                     ", expected X's " +
                                                     std::string(data_type_name(x.dtype())));
      }
      if (t->rank() != 1 || t->shape()[0] != channels) {
        throw_error(ErrorCode::kInvalidArgument,
                    node.describe() + ": " + name + " has shape " + t->shape().to_string() +
                        ", expected [" + std::to_string(channels) + "] (one per channel)");
      }
    }
    Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
    if (y.num_elements() == 0) return;
    RowNormParams p;
    p.rows = batch * channels;
    p.row_size = spatial;
    p.epsilon = epsilon_;
    p.scale = scale.raw_data();
    p.bias = bias.raw_data();
    // One parameter per row: row r reads parameter r % C.
    p.param_period = channels;
    p.param_segments = 1;
    p.param_modulo = spatial;
    p.bias_modulo = spatial;
    p.param_segment_size = spatial;
    ARUNTIME_CUDA_CHECK(launch_row_normalization(type, x.raw_data(), y.raw_data(), p, stream()));
  }

 private:
  float epsilon_;
};

// ---- MeanVarianceNormalization ------------------------------------------------------------------

// y = (x - mean) / (sqrt(var) + 1e-9) over `axes` (default [0, 2, 3]), the epsilon of the ONNX
// function body, as on the CPU. The kernel normalises contiguous rows: it takes the axes sets that,
// ignoring axes of size 1, are the trailing axes (e.g. [2, 3], or the default for a batch of 1).
std::vector<int64_t> mvn_axes(const Node& node) {
  return node.attr_ints("axes", {0, 2, 3});
}

// {rows, row_size} when the axes flagged in `reduced` are, ignoring size-1 axes, a suffix.
std::optional<std::pair<int64_t, int64_t>> trailing_rows(const std::vector<int64_t>& dims,
                                                         const std::vector<bool>& reduced) {
  int64_t rows = 1, row_size = 1;
  bool in_suffix = false;
  for (size_t d = 0; d < dims.size(); ++d) {
    if (dims[d] == 1) continue;
    if (reduced[d]) {
      in_suffix = true;
      row_size *= dims[d];
    } else if (in_suffix) {
      return std::nullopt;
    } else {
      rows *= dims[d];
    }
  }
  return std::pair{rows, row_size};
}

// The reduced-axis flags, or the CPU kernel's error for an axis out of range.
std::vector<bool> mvn_reduced(const Node& node, const std::vector<int64_t>& axes,
                              const Shape& shape) {
  std::vector<bool> reduced(shape.rank(), false);
  for (int64_t a : axes) reduced[checked_axis(node, a, shape)] = true;
  return reduced;
}

class MeanVarianceNormKernel final : public GpuKernel {
 public:
  MeanVarianceNormKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)), axes_(mvn_axes(info.node())) {}

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& x = ctx.required_input(0);
    const GpuFloat type = gpu_float(node, x.dtype());
    const std::vector<bool> reduced = mvn_reduced(node, axes_, x.shape());
    Tensor& y = ctx.allocate_output(0, x.shape(), x.dtype());
    if (y.num_elements() == 0) return;
    const auto rows = trailing_rows(dims_of(x), reduced);
    if (!rows) {
      throw_error(ErrorCode::kNotImplemented,
                  node.describe() +
                      ": the GPU kernel normalises over trailing axes only, got axes " +
                      ints_to_string(axes_) + " for input of shape " + x.shape().to_string());
    }
    RowNormParams p;
    p.rows = rows->first;
    p.row_size = rows->second;
    p.epsilon = 1e-9f;
    p.epsilon_on_std = true;
    ARUNTIME_CUDA_CHECK(launch_row_normalization(type, x.raw_data(), y.raw_data(), p, stream()));
  }

 private:
  std::vector<int64_t> axes_;
};

// Declines the axes sets the kernel does not take, and those it cannot judge without X's static
// shape.
std::string check_mvn_axes(const Node& node, const GraphView& view) {
  const auto x = node.has_input(0) ? static_dims(view, node.inputs[0]) : std::nullopt;
  const std::vector<int64_t> axes = mvn_axes(node);
  if (!x) {
    return "MeanVarianceNormalization: the GPU kernel needs X's static shape to see that axes " +
           ints_to_string(axes) + " are its trailing axes";
  }
  const int64_t rank = static_cast<int64_t>(x->size());
  std::vector<bool> reduced(x->size(), false);
  for (int64_t a : axes) {
    if (a < -rank || a >= rank) return "";  // compute() reports it, as on the CPU
    reduced[static_cast<size_t>(a < 0 ? a + rank : a)] = true;
  }
  if (!trailing_rows(*x, reduced)) {
    return "MeanVarianceNormalization: the GPU kernel normalises over trailing axes only, got "
           "axes " +
           ints_to_string(axes) + " for X " + ints_to_string(*x);
  }
  return "";
}

// ---- Attention (aruntime domain) ----------------------------------------------------------------

// Attention(Q, K, V, mask?) -> Y = Softmax(scale * Q Kᵀ + mask) V over the last axis, as in
// providers/cpu/ops/fused_ops.cc: Q [..., Sq, D], K [..., Sk, D] (k_transposed = 1: Kᵀ
// [..., D, Sk]), V [..., Sk, Dv] with the same leading axes; the additive mask broadcasts to
// [..., Sq, Sk]. Per chunk of heads: scores = scale * Q Kᵀ (cuBLAS, float32 result), the masked
// softmax kernel, Y = P V (cuBLAS). float32 multiplies in CUBLAS_COMPUTE_32F (no TF32); float16
// and bfloat16 multiply with float32 accumulation.
constexpr int64_t kMaxAttentionRank = AttentionMask::kMaxLeadAxes + 2;

class AttentionKernel final : public GpuKernel {
 public:
  AttentionKernel(const KernelInfo& info, GpuContextPtr context)
      : GpuKernel(info, std::move(context)),
        scale_(info.node().attr_float("scale", 1.0f)),
        k_transposed_(info.node().attr_int("k_transposed", 0) != 0) {}

  void compute_on_device(KernelContext& ctx) const override {
    const Node& node = ctx.node();
    const Tensor& q = ctx.required_input(0);
    const Tensor& k = ctx.required_input(1);
    const Tensor& v = ctx.required_input(2);
    const Tensor* mask = ctx.input(3);
    const GpuFloat type = gpu_float(node, q.dtype());
    const Tensor* others[] = {&k, &v, mask};
    for (size_t index = 1; index <= 3; ++index) {
      const Tensor* t = others[index - 1];
      if (t != nullptr && t->dtype() != q.dtype()) {
        throw_error(ErrorCode::kInvalidArgument,
                    node.describe() + ": input " + std::to_string(index) + " has type " +
                        std::string(data_type_name(t->dtype())) + ", expected Q's " +
                        std::string(data_type_name(q.dtype())));
      }
    }
    const size_t rank = q.rank();
    const AttentionShape shape =
        attention_shape(node, q.shape(), k.shape(), v.shape(), k_transposed_);
    const int64_t sq = shape.sq, sk = shape.sk, d = shape.d, dv = shape.dv;
    const std::vector<int64_t>& lead_dims = shape.lead;
    if (static_cast<int64_t>(rank) > kMaxAttentionRank) {
      throw_error(ErrorCode::kNotImplemented,
                  node.describe() + ": the GPU kernel takes inputs of rank at most " +
                      std::to_string(kMaxAttentionRank) + ", got Q " + q.shape().to_string());
    }
    std::vector<int64_t> out_dims = lead_dims;
    const int64_t batches = Shape(lead_dims).num_elements();
    out_dims.push_back(sq);
    out_dims.push_back(dv);
    Tensor& y = ctx.allocate_output(0, Shape(out_dims), q.dtype());
    if (y.num_elements() == 0) return;

    AttentionMask m;
    if (mask != nullptr) m = mask_geometry(node, *mask, lead_dims, sq, sk);
    for (int64_t size : {sq, sk, d, dv}) {
      if (size > INT_MAX) {
        throw_error(ErrorCode::kNotImplemented,
                    node.describe() + ": the GPU kernel takes sizes up to 2^31 - 1, got Q " +
                        q.shape().to_string() + ", K " + k.shape().to_string() + ", V " +
                        v.shape().to_string());
      }
    }
    // Scores for a chunk of heads at a time, so that long sequences do not need scratch for all
    // of them at once.
    constexpr int64_t kScratchBudget = int64_t{256} << 20;  // bytes
    const bool float32 = q.dtype() == DataType::kFloat32;
    const size_t element = element_size(q.dtype());
    const int64_t per_head =
        sq * sk * static_cast<int64_t>(sizeof(float) + (float32 ? 0 : element));
    const int64_t chunk = std::clamp<int64_t>(kScratchBudget / std::max<int64_t>(per_head, 1), 1,
                                              std::min<int64_t>(batches, INT_MAX));
    Tensor scores = ctx.allocate_temp(Shape{chunk * sq * sk}, DataType::kFloat32);
    Tensor probs_storage;
    if (!float32) probs_storage = ctx.allocate_temp(Shape{chunk * sq * sk}, q.dtype());
    void* probs = float32 ? scores.raw_data() : probs_storage.raw_data();
    // sk = 0 (softmax over no keys) or d = 0: Y = P V or the scores are sums over nothing. cuBLAS
    // is not relied on for k = 0 products: the results are written as zeros here.
    if (sk == 0) {
      ARUNTIME_CUDA_CHECK(cudaMemsetAsync(y.raw_data(), 0, y.byte_size(), stream()));
      return;
    }
    if (d == 0) ARUNTIME_CUDA_CHECK(cudaMemsetAsync(scores.raw_data(), 0, scores.byte_size(), stream()));

    const CublasApi& blas = cublas_api();
    const cudaDataType_t data_type = float32                           ? CUDA_R_32F
                                     : q.dtype() == DataType::kFloat16 ? CUDA_R_16F
                                                                       : CUDA_R_16BF;
    const float alpha_scores = scale_, alpha_one = 1.0f, beta_zero = 0.0f;
    const auto* pq = static_cast<const char*>(q.raw_data());
    const auto* pk = static_cast<const char*>(k.raw_data());
    const auto* pv = static_cast<const char*>(v.raw_data());
    auto* py = static_cast<char*>(y.raw_data());
    const int isq = static_cast<int>(sq), isk = static_cast<int>(sk), id = static_cast<int>(d),
              idv = static_cast<int>(dv);
    for (int64_t first = 0; first < batches; first += chunk) {
      const int count = static_cast<int>(std::min(chunk, batches - first));
      const auto bytes = [&](int64_t elements) { return static_cast<size_t>(elements) * element; };
      // Row-major products through column-major cuBLAS: a row-major [r, c] matrix is the
      // column-major [c, r] one, so scoresᵀ [sk, sq] = K [sk, d] Qᵀ and Yᵀ [dv, sq] = Vᵀ Pᵀ.
      if (sk > 0) {
        ARUNTIME_CUBLAS_CHECK(blas.gemm_strided_batched_ex(
            gpu().cublas(), k_transposed_ ? CUBLAS_OP_N : CUBLAS_OP_T, CUBLAS_OP_N, isk, isq, id,
            &alpha_scores, pk + bytes(first * sk * d), data_type,
            k_transposed_ ? isk : std::max(id, 1), sk * d, pq + bytes(first * sq * d), data_type,
            std::max(id, 1), sq * d, &beta_zero, scores.raw_data(), CUDA_R_32F, isk, sq * sk, count,
            CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
        ARUNTIME_CUDA_CHECK(launch_attention_softmax(type, scores.data<float>(), probs, first,
                                                     count, sq, sk, m, stream()));
      }
      ARUNTIME_CUBLAS_CHECK(blas.gemm_strided_batched_ex(
          gpu().cublas(), CUBLAS_OP_N, CUBLAS_OP_N, idv, isq, isk, &alpha_one,
          pv + bytes(first * sk * dv), data_type, std::max(idv, 1), sk * dv, probs, data_type,
          std::max(isk, 1), sq * sk, &beta_zero, py + bytes(first * sq * dv), data_type,
          std::max(idv, 1), sq * dv, count, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    }
  }

 private:
  // The mask's strides over the scores' axes [lead..., Sq, Sk], 0 where it broadcasts; throws the
  // CPU kernel's error when it does not broadcast.
  static AttentionMask mask_geometry(const Node& node, const Tensor& mask,
                                     const std::vector<int64_t>& lead_dims, int64_t sq,
                                     int64_t sk) {
    std::vector<int64_t> score_dims = lead_dims;
    score_dims.push_back(sq);
    score_dims.push_back(sk);
    const size_t rank = score_dims.size();
    std::vector<int64_t> strides(rank, 0);
    const auto md = dims_of(mask);
    bool ok = md.size() <= rank;
    int64_t stride = 1;
    for (size_t i = 0; ok && i < md.size(); ++i) {
      const size_t axis = rank - 1 - i;
      const int64_t dim = md[md.size() - 1 - i];
      ok = dim == 1 || dim == score_dims[axis];
      if (dim != 1) strides[axis] = stride;
      stride *= dim;
    }
    if (!ok) {
      throw_error(ErrorCode::kInvalidArgument,
                  node.describe() + ": mask of shape " + mask.shape().to_string() +
                      " does not broadcast to the scores " + ints_to_string(score_dims));
    }
    AttentionMask m;
    m.data = mask.raw_data();
    m.lead_rank = static_cast<int>(lead_dims.size());
    for (size_t a = 0; a < lead_dims.size(); ++a) {
      m.lead_sizes[a] = lead_dims[a];
      m.lead_strides[a] = strides[a];
    }
    m.stride_sq = strides[rank - 2];
    m.stride_sk = strides[rank - 1];
    return m;
  }

  float scale_;
  bool k_transposed_;
};

// ---- registration -------------------------------------------------------------------------------

template <typename K, typename... Args>
KernelFactory factory(const GpuContextPtr& context, Args... args) {
  return [context, args...](const KernelInfo& info) -> std::unique_ptr<OpKernel> {
    return std::make_unique<K>(info, context, args...);
  };
}

void add_def(KernelRegistry& registry, const std::string& domain, const std::string& op_type,
             int since, int end, std::vector<TypeConstraint> constraints, KernelFactory f) {
  KernelDef def;
  def.domain = domain;
  def.op_type = op_type;
  def.since_version = since;
  def.end_version = end;
  def.constraints = std::move(constraints);
  def.factory = std::move(f);
  registry.add(std::move(def));
}

void register_reductions(KernelRegistry& registry, GpuSupportChecks& checks,
                         const GpuContextPtr& context) {
  struct Member {
    const char* op_type;
    GpuReduceOp op;
    int axes_input_since;
  };
  const Member members[] = {
      {"ReduceSum", GpuReduceOp::kSum, 13},       {"ReduceMean", GpuReduceOp::kMean, 18},
      {"ReduceProd", GpuReduceOp::kProd, 18},     {"ReduceMax", GpuReduceOp::kMax, 18},
      {"ReduceMin", GpuReduceOp::kMin, 18},       {"ReduceL1", GpuReduceOp::kL1, 18},
      {"ReduceL2", GpuReduceOp::kL2, 18},         {"ReduceSumSquare", GpuReduceOp::kSumSquare, 18},
      {"ReduceLogSum", GpuReduceOp::kLogSum, 18}, {"ReduceLogSumExp", GpuReduceOp::kLogSumExp, 18},
  };
  for (const Member& m : members) {
    const KernelFactory f = factory<ReduceKernel>(context, m.op, m.axes_input_since);
    registry.add(m.op_type, 1, m.axes_input_since - 1, {0}, kGpuFloatsAndBf16, f);
    add_def(registry, "", m.op_type, m.axes_input_since, INT_MAX,
            {{"T", {0}, {0}, kGpuFloatsAndBf16}, {"tensor(int64)", {1}, {}, {DataType::kInt64}}},
            f);
    const std::string op_type = m.op_type;
    checks.add(op_type, [op_type](const Node& node, const GraphView& view) -> std::string {
      if (node.has_input(0) && static_rank(view, node.inputs[0]) > kMaxReduceRank) {
        return op_type + ": the GPU kernel reduces inputs of rank at most " +
               std::to_string(kMaxReduceRank);
      }
      return "";
    });
  }
  for (const auto& [op_type, is_max] : {std::pair{"ArgMax", true}, std::pair{"ArgMin", false}}) {
    add_def(registry, "", op_type, 1, INT_MAX,
            {{"T", {0}, {}, kGpuFloatsAndBf16}, {"tensor(int64)", {}, {0}, {DataType::kInt64}}},
            factory<ArgReduceKernel>(context, is_max));
  }
}

void register_softmax_and_norms(KernelRegistry& registry, GpuSupportChecks& checks,
                                const GpuContextPtr& context) {
  for (const auto& [op_type, op] : {std::pair{"Softmax", GpuAxisOp::kSoftmax},
                                    std::pair{"LogSoftmax", GpuAxisOp::kLogSoftmax}}) {
    const KernelFactory f = factory<AxisKernel>(context, op);
    registry.add(op_type, 1, 12, {0}, kGpuFloatsAndBf16, f);
    registry.add(op_type, 13, INT_MAX, {0}, kGpuFloatsAndBf16, f);
  }
  registry.add("LpNormalization", 1, INT_MAX, {0}, kGpuFloatsAndBf16,
               factory<AxisKernel>(context, GpuAxisOp::kL2));

  // LayerNormalization-17: T for X/Scale/B/Y, U (float32 or bfloat16) for Mean/InvStdDev.
  add_def(registry, "", "LayerNormalization", 17, INT_MAX,
          {{"T", {0, 1, 2}, {0}, kGpuFloatsAndBf16},
           {"U", {}, {1, 2}, {DataType::kFloat32, DataType::kBFloat16}}},
          factory<OnnxAxisNormKernel>(context, true));
  // RMSNormalization-23: the kernel reads scale in X's type (the spec allows another, V, which a
  // check below declines; the registry only checks each input against the allowed types).
  add_def(registry, "", "RMSNormalization", 23, INT_MAX, {{"T", {0, 1}, {0}, kGpuFloatsAndBf16}},
          factory<OnnxAxisNormKernel>(context, false));
  checks.add("LayerNormalization", check_onnx_norm_parameters);
  checks.add("RMSNormalization", check_onnx_norm_parameters);
  checks.add("RMSNormalization", [](const Node& node, const GraphView& view) -> std::string {
    const auto types = view.input_types(node);
    if (types.size() > 1 && types[1] != types[0]) {
      return "RMSNormalization: the GPU kernel reads scale in X's type " +
             std::string(data_type_name(types[0])) + ", got " +
             std::string(data_type_name(types[1]));
    }
    return "";
  });
  checks.add("LayerNormalization", [](const Node& node, const GraphView& view) -> std::string {
    const bool mean = node.has_output(1), inv_std = node.has_output(2);
    if (!mean || !inv_std) return "";
    const auto types = view.output_types(node);
    if (types.size() > 2 && types[1] != types[2]) {
      return "LayerNormalization: the GPU kernel writes Mean and InvStdDev in one type, got " +
             std::string(data_type_name(types[1])) + " and " +
             std::string(data_type_name(types[2]));
    }
    return "";
  });

  registry.add("InstanceNormalization", 1, INT_MAX, {0, 1, 2}, kGpuFloatsAndBf16,
               factory<InstanceNormKernel>(context));
  registry.add("MeanVarianceNormalization", 9, INT_MAX, {0}, kGpuFloatsAndBf16,
               factory<MeanVarianceNormKernel>(context));
  checks.add("MeanVarianceNormalization", check_mvn_axes);
}

void register_fused(KernelRegistry& registry, GpuSupportChecks& checks,
                    const GpuContextPtr& context) {
  const std::string domain = optimizer::kFusedDomain;
  const int version = static_cast<int>(optimizer::kFusedOpset);
  registry.add("LayerNormalization", version, version, {0, 1, 2}, kGpuFloatsAndBf16,
               factory<FusedAxisNormKernel>(context, true, false), domain);
  registry.add("RMSNormalization", version, version, {0, 1}, kGpuFloatsAndBf16,
               factory<FusedAxisNormKernel>(context, false, false), domain);
  add_def(registry, domain, "SkipLayerNormalization", version, version,
          {{"T", {0, 1, 2, 3, 4}, {0, 1}, kGpuFloatsAndBf16}},
          factory<FusedAxisNormKernel>(context, true, true));
  registry.add("Attention", version, version, {0, 1, 2, 3}, kGpuFloatsAndBf16,
               factory<AttentionKernel>(context), domain);
  checks.add(
      "Attention",
      [](const Node& node, const GraphView& view) -> std::string {
        if (node.has_input(0) && static_rank(view, node.inputs[0]) > kMaxAttentionRank) {
          return "Attention: the GPU kernel takes inputs of rank at most " +
                 std::to_string(kMaxAttentionRank);
        }
        return "";
      },
      domain);
}

}  // namespace

void register_normalization_kernels(KernelRegistry& registry, GpuSupportChecks& checks,
                                    const GpuContextPtr& context) {
  register_reductions(registry, checks, context);
  register_softmax_and_norms(registry, checks, context);
  register_fused(registry, checks, context);
}

}  // namespace aruntime::gpu
