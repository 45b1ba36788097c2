#include "providers/npu/npu_compiler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <set>

#include "aruntime/float16.h"
#include "aruntime/status.h"
#include "kernels/transpose.h"
#include "providers/npu/npu_cost_model.h"
#include "providers/npu/npu_memory_plan.h"
#include "providers/npu/npu_numeric.h"

namespace aruntime::npu {
namespace {

bool is_float(DataType t) {
  return t == DataType::kFloat32 || t == DataType::kFloat16;
}
bool is_8bit(DataType t) {
  return t == DataType::kInt8 || t == DataType::kUInt8;
}

std::string type_name(DataType t) {
  return std::string(data_type_name(t));
}

std::string ints_text(const std::vector<int64_t>& v) {
  return Shape(v).to_string();
}

int64_t product(const std::vector<int64_t>& v, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end && i < v.size(); ++i) p *= v[i];
  return p;
}

[[noreturn]] void unsupported(const Node& node, DeclineKind kind, const std::string& detail) {
  throw UnsupportedNode(node.name, decline_reason(kind, detail));
}

[[noreturn]] void invalid(const Node& node, const std::string& detail) {
  throw_error(ErrorCode::kInvalidModel, node.describe() + ": " + detail);
}

// ---------------------------------------------------------------------------------------------
// Attribute and shape rules shared by lowering and compile-time folding.

struct Window {
  std::vector<int64_t> kernel, strides, dilations, pads_begin, pads_end, output;
};

std::vector<int64_t> ints_attr(const Node& node, const char* name, size_t count, int64_t fill) {
  std::vector<int64_t> v = node.attr_ints(name, std::vector<int64_t>(count, fill));
  if (v.size() != count) {
    invalid(node, std::string("attribute ") + name + " has " + std::to_string(v.size()) +
                      " values, expected " + std::to_string(count));
  }
  return v;
}

// Output size and pads of a sliding window per the ONNX Conv/pool formulas.
Window resolve_window(const Node& node, const std::vector<int64_t>& input,
                      const std::vector<int64_t>& kernel, bool ceil_mode) {
  const size_t rank = input.size();
  Window w;
  w.kernel = kernel;
  w.strides = ints_attr(node, "strides", rank, 1);
  w.dilations = ints_attr(node, "dilations", rank, 1);
  std::vector<int64_t> pads = ints_attr(node, "pads", 2 * rank, 0);
  const std::string auto_pad = node.attr_string("auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" &&
      auto_pad != "SAME_LOWER" && !auto_pad.empty()) {
    unsupported(node, DeclineKind::kAttributeValue,
                "auto_pad=" + auto_pad + " (NOTSET, VALID, SAME_UPPER and SAME_LOWER are handled)");
  }
  w.pads_begin.assign(rank, 0);
  w.pads_end.assign(rank, 0);
  w.output.assign(rank, 0);
  for (size_t i = 0; i < rank; ++i) {
    if (w.kernel[i] < 1 || w.strides[i] < 1 || w.dilations[i] < 1) {
      invalid(node, "kernel " + ints_text(w.kernel) + ", strides " + ints_text(w.strides) +
                        " and dilations " + ints_text(w.dilations) + " must be positive");
    }
    const int64_t extent = (w.kernel[i] - 1) * w.dilations[i] + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      w.output[i] = (input[i] + w.strides[i] - 1) / w.strides[i];
      const int64_t total =
          std::max<int64_t>(0, (w.output[i] - 1) * w.strides[i] + extent - input[i]);
      w.pads_begin[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      w.pads_end[i] = total - w.pads_begin[i];
      continue;
    }
    if (auto_pad != "VALID") {
      w.pads_begin[i] = pads[i];
      w.pads_end[i] = pads[i + rank];
      if (w.pads_begin[i] < 0 || w.pads_end[i] < 0)
        invalid(node, "pads " + ints_text(pads) + " are negative");
    }
    const int64_t span = input[i] + w.pads_begin[i] + w.pads_end[i] - extent;
    if (span < 0) {
      invalid(node, "input spatial size " + ints_text(input) + " is smaller than the window " +
                        ints_text(w.kernel) + " (dilations " + ints_text(w.dilations) + ")");
    }
    w.output[i] = (ceil_mode ? (span + w.strides[i] - 1) / w.strides[i] : span / w.strides[i]) + 1;
    // A last window that would start in the end padding is dropped (ONNX ceil_mode rule).
    if (ceil_mode && (w.output[i] - 1) * w.strides[i] >= input[i] + w.pads_begin[i]) --w.output[i];
  }
  return w;
}

Shape reshape_output(const Node& node, const Shape& in, const Tensor& shape_tensor, int64_t opset) {
  if (shape_tensor.rank() != 1 ||
      (shape_tensor.dtype() != DataType::kInt64 && shape_tensor.dtype() != DataType::kInt32)) {
    invalid(node, "shape input is " + type_name(shape_tensor.dtype()) +
                      shape_tensor.shape().to_string() + ", expected a 1-D int64 tensor");
  }
  const bool allow_zero = opset >= 14 && node.attr_int("allowzero", 0) != 0;
  std::vector<int64_t> dims = shape_tensor.to_int64_vector();
  int64_t known = 1;
  int infer = -1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == 0 && !allow_zero) {
      if (i >= in.rank())
        invalid(node, "shape " + ints_text(dims) + " copies a dim the input lacks");
      dims[i] = in[i];
    }
    if (dims[i] == -1) {
      if (infer >= 0) invalid(node, "shape " + ints_text(dims) + " has two -1 dims");
      infer = static_cast<int>(i);
    } else if (dims[i] < 0) {
      invalid(node, "shape " + ints_text(dims) + " has a negative dim");
    } else {
      known *= dims[i];
    }
  }
  const int64_t total = in.num_elements();
  if (infer >= 0) {
    if (known == 0 || total % known != 0) {
      invalid(node, "cannot reshape " + in.to_string() + " to " + ints_text(dims));
    }
    dims[infer] = total / known;
  }
  Shape out(dims);
  if (out.num_elements() != total)
    invalid(node, "cannot reshape " + in.to_string() + " to " + ints_text(dims));
  return out;
}

Shape flatten_output(const Node& node, const Shape& in) {
  const int64_t rank = static_cast<int64_t>(in.rank());
  int64_t axis = node.attr_int("axis", 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank)
    invalid(node, "axis " + std::to_string(node.attr_int("axis", 1)) +
                      " is out of range for rank " + std::to_string(rank));
  return Shape{product(in.dims(), 0, static_cast<size_t>(axis)),
               product(in.dims(), static_cast<size_t>(axis), in.rank())};
}

std::vector<int64_t> transpose_perm(const Node& node, size_t rank) {
  std::vector<int64_t> perm(rank);
  for (size_t i = 0; i < rank; ++i) perm[i] = static_cast<int64_t>(rank - 1 - i);
  perm = node.attr_ints("perm", perm);
  std::vector<char> seen(rank, 0);
  for (int64_t p : perm) {
    if (perm.size() != rank || p < 0 || p >= static_cast<int64_t>(rank) || seen[p]) {
      invalid(node, "perm " + ints_text(perm) + " is not a permutation of " + std::to_string(rank) +
                        " axes");
    }
    seen[p] = 1;
  }
  return perm;
}

kernels::RoundingPrecision precision_of(DataType scale_type) {
  return scale_type == DataType::kFloat16 ? kernels::RoundingPrecision::kFloat16
                                          : kernels::RoundingPrecision::kFloat32;
}

struct QuantizeSetup {
  QuantizeParams params;
  DataType out_dtype = DataType::kUndefined;
};

// QuantizeLinear / DequantizeLinear parameters: per-tensor or per-axis, 8-bit.
QuantizeSetup quantize_setup(const Node& node, int64_t opset, bool dequantize, const Shape& x_shape,
                             DataType x_dtype, const Tensor& scale, const Tensor* zero_point) {
  if (opset >= 21 && node.attr_int("block_size", 0) != 0) {
    unsupported(
        node, DeclineKind::kAttributeValue,
        "block_size=" + std::to_string(node.attr_int("block_size", 0)) + " (blocked quantization)");
  }
  if (opset >= 23 && !dequantize && node.attr_int("precision", 0) != 0) {
    unsupported(node, DeclineKind::kAttributeValue,
                "precision=" + std::to_string(node.attr_int("precision", 0)));
  }
  if (!is_float(scale.dtype())) {
    unsupported(node, DeclineKind::kTypeNotSupported,
                "scale is " + type_name(scale.dtype()) + " (float32 or float16 expected)");
  }
  QuantizeSetup s;
  if (dequantize) {
    if (!is_8bit(x_dtype)) {
      unsupported(node, DeclineKind::kTypeNotSupported,
                  "input 0 is " + type_name(x_dtype) + " (int8 or uint8 expected)");
    }
    s.out_dtype = scale.dtype();
    if (zero_point != nullptr && zero_point->dtype() != x_dtype) {
      invalid(node, "x_zero_point is " + type_name(zero_point->dtype()) + " but x is " +
                        type_name(x_dtype));
    }
    const int64_t code = opset >= 23 ? node.attr_int("output_dtype", 0) : 0;
    if (code != 0 && data_type_from_onnx(static_cast<int32_t>(code)) != s.out_dtype) {
      unsupported(node, DeclineKind::kAttributeValue,
                  "output_dtype=" + std::to_string(code) + " differs from the scale's type");
    }
  } else {
    if (!is_float(x_dtype)) {
      unsupported(node, DeclineKind::kTypeNotSupported,
                  "input 0 is " + type_name(x_dtype) + " (float32 or float16 expected)");
    }
    s.out_dtype = DataType::kUInt8;
    if (opset >= 21) {
      if (const int64_t code = node.attr_int("output_dtype", 0); code != 0) {
        s.out_dtype = data_type_from_onnx(static_cast<int32_t>(code));
      }
    }
    if (zero_point != nullptr) s.out_dtype = zero_point->dtype();
    if (!is_8bit(s.out_dtype)) {
      unsupported(node, DeclineKind::kTypeNotSupported,
                  "output is " + type_name(s.out_dtype) + " (int8 or uint8 expected)");
    }
    s.params.precision = precision_of(scale.dtype());
  }
  const int64_t rank = static_cast<int64_t>(x_shape.rank());
  kernels::QuantizationLayout& layout = s.params.layout;
  if (scale.num_elements() == 1 && scale.rank() <= 1) {
    layout.granularity = kernels::QuantizationLayout::Granularity::kPerTensor;
    layout.inner = x_shape.num_elements();
  } else {
    int64_t axis = opset >= 13 ? node.attr_int("axis", 1) : 1;
    if (axis < 0) axis += rank;
    if (scale.rank() != 1 || axis < 0 || axis >= rank || scale.shape()[0] != x_shape[axis]) {
      invalid(node, "scale " + scale.shape().to_string() +
                        " fits neither per-tensor nor per-axis quantization of " +
                        x_shape.to_string() + " (axis " + std::to_string(axis) + ")");
    }
    layout.granularity = kernels::QuantizationLayout::Granularity::kPerAxis;
    layout.outer = product(x_shape.dims(), 0, static_cast<size_t>(axis));
    layout.axis_dim = x_shape[axis];
    layout.inner = product(x_shape.dims(), static_cast<size_t>(axis) + 1, x_shape.rank());
  }
  s.params.scales = tensor_to_doubles(scale);
  s.params.zero_points.assign(s.params.scales.size(), 0);
  if (zero_point != nullptr) {
    if (zero_point->num_elements() != scale.num_elements()) {
      invalid(node, "zero point " + zero_point->shape().to_string() + " and scale " +
                        scale.shape().to_string() + " differ in size");
    }
    std::vector<double> zp = tensor_to_doubles(*zero_point);
    for (size_t i = 0; i < zp.size(); ++i) s.params.zero_points[i] = static_cast<int32_t>(zp[i]);
  }
  for (double v : s.params.scales) {
    if (!(v > 0.0) || !std::isfinite(v)) {
      unsupported(node, DeclineKind::kInputValue,
                  "scale " + std::to_string(v) + " is not a positive finite number");
    }
  }
  return s;
}

template <typename X, typename Q>
void run_quantize(const QuantizeParams& p, const X* x, Q* y) {
  kernels::quantize_linear<X, Q>(p.layout, x, p.scales.data(), p.zero_points.data(), p.precision,
                                 y);
}

template <typename Q, typename Y>
void run_dequantize(const QuantizeParams& p, const Q* x, Y* y) {
  kernels::dequantize_linear<Q, Y>(p.layout, x, p.scales.data(), p.zero_points.data(), y);
}

Tensor constant_node_value(const Node& node) {
  if (const Attribute* a = node.find_attribute("value"); a && a->type == Attribute::Type::kTensor)
    return a->t;
  if (node.has_attribute("value_float"))
    return Tensor::scalar<float>(node.attr_float("value_float"));
  if (node.has_attribute("value_int")) return Tensor::scalar<int64_t>(node.attr_int("value_int"));
  if (node.has_attribute("value_floats")) {
    std::vector<float> v = node.attr_floats("value_floats");
    return Tensor::from_vector<float>(Shape{static_cast<int64_t>(v.size())}, v);
  }
  if (node.has_attribute("value_ints")) {
    std::vector<int64_t> v = node.attr_ints("value_ints");
    return Tensor::from_vector<int64_t>(Shape{static_cast<int64_t>(v.size())}, v);
  }
  unsupported(node, DeclineKind::kAttributeValue, "Constant holds a string or sparse value");
}

bool foldable_op(const Node& node) {
  static const std::set<std::string> ops = {"Constant",        "Reshape",  "Flatten",
                                            "Transpose",       "Identity", "QuantizeLinear",
                                            "DequantizeLinear"};
  return node.domain.empty() && ops.count(node.op_type) != 0;
}

// The output of a foldable node whose inputs are all known, or nullopt.
std::optional<Tensor> fold_node(const Node& node, int64_t opset,
                                const std::function<const Tensor*(const std::string&)>& known) {
  if (node.op_type == "Constant") return constant_node_value(node);
  auto in = [&](size_t i) -> const Tensor* {
    return node.has_input(i) ? known(node.inputs[i]) : nullptr;
  };
  const Tensor* x = in(0);
  if (x == nullptr || x->dtype() == DataType::kString) return std::nullopt;
  const Tensor& data = *x;  // views share the buffer: constants are never written
  if (node.op_type == "Identity") return data;
  if (node.op_type == "Flatten") return data.reshaped(flatten_output(node, data.shape()));
  if (node.op_type == "Reshape") {
    const Tensor* shape = in(1);
    if (shape == nullptr || opset < 5) return std::nullopt;
    return data.reshaped(reshape_output(node, data.shape(), *shape, opset));
  }
  if (node.op_type == "Transpose") {
    const std::vector<int64_t> perm = transpose_perm(node, data.rank());
    std::vector<int64_t> out_dims(perm.size());
    for (size_t i = 0; i < perm.size(); ++i) out_dims[i] = data.shape()[perm[i]];
    Tensor out(data.dtype(), Shape(out_dims));
    kernels::transpose(data.dtype(), data.raw_data(), data.shape().dims(), perm, out.raw_data());
    return out;
  }
  const Tensor* scale = in(1);
  if (scale == nullptr || (node.has_input(2) && in(2) == nullptr)) return std::nullopt;
  const bool dequantize = node.op_type == "DequantizeLinear";
  const QuantizeSetup s =
      quantize_setup(node, opset, dequantize, data.shape(), data.dtype(), *scale, in(2));
  Tensor out(s.out_dtype, data.shape());
  if (dequantize) {
    const bool half = s.out_dtype == DataType::kFloat16;
    if (data.dtype() == DataType::kInt8) {
      if (half)
        run_dequantize(s.params, data.data<int8_t>(), out.data<Float16>());
      else
        run_dequantize(s.params, data.data<int8_t>(), out.data<float>());
    } else {
      if (half)
        run_dequantize(s.params, data.data<uint8_t>(), out.data<Float16>());
      else
        run_dequantize(s.params, data.data<uint8_t>(), out.data<float>());
    }
    return out;
  }
  auto quantize_from = [&](auto x_tag) {
    using X = decltype(x_tag);
    if (s.out_dtype == DataType::kInt8)
      run_quantize(s.params, data.data<X>(), out.data<int8_t>());
    else
      run_quantize(s.params, data.data<X>(), out.data<uint8_t>());
  };
  if (data.dtype() == DataType::kFloat16)
    quantize_from(Float16{});
  else
    quantize_from(float{});
  return out;
}

// ---------------------------------------------------------------------------------------------

struct Operand {
  std::string name;
  DataType dtype = DataType::kUndefined;
  Shape shape;
  const Tensor* constant = nullptr;
};

// The weights of a float Conv, with the per-channel affine transforms of folded
// BatchNormalizations.
struct ConvWeights {
  Tensor w;
  std::optional<Tensor> b;
  std::vector<double> scale, shift;  // W'[m] = W[m] * scale[m]; B'[m] = B[m] * scale[m] + shift[m]
  // int8 precision: the folded weights quantized per output channel, computed once.
  std::vector<int8_t> quantized;
  std::vector<float> channel_scales;

  std::vector<float> folded_weights() const {
    std::vector<float> f(static_cast<size_t>(w.num_elements()));
    tensor_to_floats(w, f.data());
    const size_t per_channel = f.size() / scale.size();
    for (size_t i = 0; i < f.size(); ++i) f[i] = static_cast<float>(f[i] * scale[i / per_channel]);
    return f;
  }
  std::vector<float> folded_bias() const {
    std::vector<float> bias(scale.size(), 0.0f);
    if (b) tensor_to_floats(*b, bias.data());
    for (size_t m = 0; m < bias.size(); ++m)
      bias[m] = static_cast<float>(bias[m] * scale[m] + shift[m]);
    return bias;
  }
  void quantize() {
    if (!quantized.empty()) return;
    std::vector<float> f = folded_weights();
    quantized.resize(f.size());
    channel_scales.resize(scale.size());
    const size_t per_channel = f.size() / scale.size();
    for (size_t m = 0; m < scale.size(); ++m) {
      channel_scales[m] =
          quantize_symmetric(f.data() + m * per_channel, static_cast<int64_t>(per_channel),
                             quantized.data() + m * per_channel);
    }
  }
};

// Int8 precision, constant MatMul/Gemm B: each column of op(B) quantized on its own.
struct ColumnQuantizedWeights {
  Tensor b;
  bool trans_b = false;
  int64_t k = 0, n = 0;
  std::vector<int8_t> quantized;  // in B's stored layout
  std::vector<float> column_scales;

  void quantize() {
    if (!quantized.empty()) return;
    std::vector<float> f(static_cast<size_t>(b.num_elements()));
    tensor_to_floats(b, f.data());
    quantized.resize(f.size());
    column_scales.resize(static_cast<size_t>(n));
    std::vector<float> column(static_cast<size_t>(k));
    std::vector<int8_t> q(static_cast<size_t>(k));
    for (int64_t c = 0; c < n; ++c) {
      // op(B)[r, c] is B[c, r] when transposed, else B[r, c].
      auto at = [&](int64_t r) { return static_cast<size_t>(trans_b ? c * k + r : r * n + c); };
      for (int64_t r = 0; r < k; ++r) column[r] = f[at(r)];
      column_scales[c] = quantize_symmetric(column.data(), k, q.data());
      for (int64_t r = 0; r < k; ++r) quantized[at(r)] = q[r];
    }
  }
};

class Compiler {
 public:
  Compiler(const GroupSource& source, const NpuOptions& options)
      : src_(source), options_(options) {}

  Program compile() {
    program_.name = src_.name;
    program_.precision = options_.precision;
    program_.onnx_nodes = src_.nodes.size();
    count_consumers();
    for (const std::string& name : src_.inputs) define_input(name);
    for (const Node* node : src_.nodes) {
      current_ = node;
      lower(*node);
    }
    for (const std::string& name : src_.outputs) program_.outputs.push_back(output_value(name));
    assign_formats();
    plan_activations();
    layout_weights();
    for (const std::string& name : src_.inputs) program_.io_bytes += io_bytes(name);
    for (const std::string& name : src_.outputs) program_.io_bytes += io_bytes(name);
    estimate_program_cost(program_);
    return std::move(program_);
  }

 private:
  // --- Values -------------------------------------------------------------------------------

  int64_t opset() const { return src_.opset(current_->domain); }

  const Tensor* known_constant(const std::string& name) const {
    auto it = folded_.find(name);
    if (it != folded_.end()) return &it->second;
    return src_.constant ? src_.constant(name) : nullptr;
  }

  const TypeInfo* declared(const std::string& name) const {
    return src_.type ? src_.type(name) : nullptr;
  }

  void count_consumers() {
    for (const Node* node : src_.nodes) {
      std::set<std::string> seen(node->inputs.begin(), node->inputs.end());
      for (const std::string& v : seen) {
        if (!v.empty()) ++consumers_[v];
      }
    }
    outputs_.insert(src_.outputs.begin(), src_.outputs.end());
  }

  int new_value(ProgramValue v) {
    program_.values.push_back(std::move(v));
    producer_.push_back(-1);
    return static_cast<int>(program_.values.size()) - 1;
  }

  int new_activation(const std::string& name, DataType dtype, Shape shape) {
    ProgramValue v;
    v.name = name;
    v.dtype = dtype;
    v.shape = std::move(shape);
    v.storage = static_cast<int>(storage_needs_f32_.size());
    storage_needs_f32_.push_back(false);
    const int id = new_value(std::move(v));
    value_of_[name] = id;
    return id;
  }

  // Float and 8-bit inputs are device buffers. Inputs of other types (an int64 shape computed at
  // run time) get no buffer: a node that needs them as data or as a constant declines.
  void define_input(const std::string& name) {
    current_ = nullptr;
    auto [dtype, shape] = input_type(name);
    if (!is_float(dtype) && !is_8bit(dtype)) {
      program_.inputs.push_back(-1);
      opaque_inputs_[name] = {dtype, shape};
      return;
    }
    program_.inputs.push_back(new_activation(name, dtype, shape));
  }

  std::pair<DataType, Shape> input_type(const std::string& name) {
    const TypeInfo* t = declared(name);
    if (t == nullptr || t->kind != ValueKind::kTensor || !t->has_static_shape()) {
      throw UnsupportedNode(
          first_reader(name),
          decline_reason(
              DeclineKind::kDynamicShape,
              "input '" + name + "' is " + (t ? t->to_string() : std::string("of unknown type"))));
    }
    std::vector<int64_t> dims;
    for (const Dim& d : *t->shape) dims.push_back(d.value);
    return {t->dtype, Shape(dims)};
  }

  std::string first_reader(const std::string& value) const {
    for (const Node* n : src_.nodes) {
      if (std::find(n->inputs.begin(), n->inputs.end(), value) != n->inputs.end()) return n->name;
    }
    return src_.nodes.empty() ? std::string() : src_.nodes.front()->name;
  }

  Operand operand(const Node& node, size_t i) {
    Operand o;
    o.name = node.inputs[i];
    if (const Tensor* c = known_constant(o.name)) {
      o.constant = c;
      o.dtype = c->dtype();
      o.shape = c->shape();
    } else {
      auto it = value_of_.find(o.name);
      if (auto opaque = opaque_inputs_.find(o.name); opaque != opaque_inputs_.end()) {
        o.dtype = opaque->second.first;
        o.shape = opaque->second.second;
      } else if (it == value_of_.end()) {
        throw_error(ErrorCode::kRuntimeError,
                    node.describe() + ": npu compiler has no value '" + o.name + "'");
      } else {
        o.dtype = program_.values[it->second].dtype;
        o.shape = program_.values[it->second].shape;
      }
    }
    if (o.shape.num_elements() == 0) {
      unsupported(node, DeclineKind::kEmptyTensor,
                  "input '" + o.name + "' is " + type_name(o.dtype) + o.shape.to_string());
    }
    return o;
  }

  std::optional<Operand> optional_operand(const Node& node, size_t i) {
    if (!node.has_input(i)) return std::nullopt;
    return operand(node, i);
  }

  void require_float(const Node& node, const Operand& o, size_t i) {
    if (!is_float(o.dtype)) {
      unsupported(node, DeclineKind::kTypeNotSupported,
                  "input " + std::to_string(i) + " is " + type_name(o.dtype) +
                      " (float32 or float16 expected)");
    }
  }

  void require_8bit(const Node& node, const Operand& o, size_t i) {
    if (!is_8bit(o.dtype)) {
      unsupported(
          node, DeclineKind::kTypeNotSupported,
          "input " + std::to_string(i) + " is " + type_name(o.dtype) + " (int8 or uint8 expected)");
    }
  }

  void require_same_type(const Node& node, const Operand& a, const Operand& b, size_t i) {
    if (a.dtype != b.dtype) {
      invalid(node, "input " + std::to_string(i) + " is " + type_name(b.dtype) +
                        " but input 0 is " + type_name(a.dtype));
    }
  }

  const Tensor& require_constant(const Node& node, const Operand& o, size_t i) {
    if (o.constant == nullptr) {
      unsupported(node, DeclineKind::kConstantRequired,
                  "input " + std::to_string(i) + " '" + o.name + "' is computed at run time");
    }
    return *o.constant;
  }

  void require_scalar(const Node& node, const Tensor& t, const std::string& role) {
    if (t.num_elements() != 1) {
      unsupported(node, DeclineKind::kInputValue,
                  role + " has shape " + t.shape().to_string() + " (a scalar expected)");
    }
  }

  // The output value of `node`, checked against the declared type when there is one.
  int define_output(const Node& node, size_t i, DataType dtype, const Shape& shape) {
    const std::string& name = node.outputs[i];
    if (const TypeInfo* t = declared(name); t != nullptr) {
      if (t->dtype != DataType::kUndefined && t->dtype != dtype) {
        invalid(node, "output '" + name + "' is declared " + type_name(t->dtype) +
                          " but computes " + type_name(dtype));
      }
      if (t->has_static_shape()) {
        std::vector<int64_t> dims;
        for (const Dim& d : *t->shape) dims.push_back(d.value);
        if (Shape(dims) != shape) {
          invalid(node, "output '" + name + "' is declared " + t->to_string() + " but computes " +
                            shape.to_string());
        }
      }
    }
    if (shape.num_elements() == 0) {
      unsupported(node, DeclineKind::kEmptyTensor,
                  "output '" + name + "' is " + type_name(dtype) + shape.to_string());
    }
    return new_activation(name, dtype, shape);
  }

  void require_single_output(const Node& node) {
    for (size_t i = 1; i < node.outputs.size(); ++i) {
      if (!node.outputs[i].empty()) {
        unsupported(node, DeclineKind::kOutputNotSupported,
                    "output " + std::to_string(i) + " '" + node.outputs[i] + "'");
      }
    }
    if (!node.has_output(0))
      unsupported(node, DeclineKind::kOutputNotSupported, "output 0 is omitted");
  }

  // Float format of weights that feed float arithmetic.
  BufferFormat float_weight_format() const {
    return options_.precision == Precision::kFp32 ? BufferFormat::kF32 : BufferFormat::kF16;
  }

  int add_weight(const std::string& name, DataType dtype, Shape shape, BufferFormat format,
                 std::function<void(void*)> write) {
    ProgramValue v;
    v.name = name;
    v.dtype = dtype;
    v.shape = std::move(shape);
    v.format = format;
    v.weight = true;
    const int id = new_value(std::move(v));
    program_.weight_inits.push_back({id, std::move(write)});
    return id;
  }

  // A constant stored as it is read by instructions: float constants in `format`, 8-bit and int32
  // ones in their own type. Shared by every instruction that reads the same constant.
  int constant_weight(const std::string& name, const Tensor& t, BufferFormat format) {
    const std::string key = name + "@" + std::string(format_name(format));
    if (auto it = weight_of_.find(key); it != weight_of_.end()) return it->second;
    Tensor value = t;
    std::function<void(void*)> write;
    if (format == BufferFormat::kF16 || format == BufferFormat::kF32) {
      write = [value, format](void* dst) {
        std::vector<float> f(static_cast<size_t>(value.num_elements()));
        tensor_to_floats(value, f.data());
        store_floats(f.data(), value.num_elements(), format, dst);
      };
    } else {
      write = [value](void* dst) { std::memcpy(dst, value.raw_data(), value.byte_size()); };
    }
    const int id = add_weight(name, t.dtype(), t.shape(), format, std::move(write));
    weight_of_[key] = id;
    return id;
  }

  BufferFormat natural_format(const Node* node, const std::string& name, DataType dtype) const {
    switch (dtype) {
      case DataType::kFloat32:
        return BufferFormat::kF32;
      case DataType::kFloat16:
        return BufferFormat::kF16;
      case DataType::kInt8:
        return BufferFormat::kI8;
      case DataType::kUInt8:
        return BufferFormat::kU8;
      case DataType::kInt32:
        return BufferFormat::kI32;
      default:
        throw UnsupportedNode(node ? node->name : first_reader(name),
                              decline_reason(DeclineKind::kTypeNotSupported,
                                             "value '" + name + "' is " + type_name(dtype)));
    }
  }

  // Value id of a float operand: an activation, or a constant in the float weight format.
  int float_value(const Operand& o) {
    if (o.constant) return constant_weight(o.name, *o.constant, float_weight_format());
    return value_of_.at(o.name);
  }

  // Value id of an 8-bit operand: an activation, or a constant stored as is.
  int byte_value(const Operand& o) {
    if (o.constant)
      return constant_weight(o.name, *o.constant,
                             o.dtype == DataType::kInt8 ? BufferFormat::kI8 : BufferFormat::kU8);
    return value_of_.at(o.name);
  }

  int output_value(const std::string& name) {
    if (auto it = value_of_.find(name); it != value_of_.end()) return it->second;
    // A value the group computes at compile time but other providers read: stored as a weight.
    if (const Tensor* c = known_constant(name)) {
      const Node* producer = nullptr;
      for (const Node* n : src_.nodes) {
        if (std::find(n->outputs.begin(), n->outputs.end(), name) != n->outputs.end()) producer = n;
      }
      return constant_weight(name, *c, natural_format(producer, name, c->dtype()));
    }
    throw_error(ErrorCode::kRuntimeError,
                "npu compiler: group output '" + name + "' is not produced by the group");
  }

  int emit(Opcode opcode, const Node& node, std::vector<int> inputs, int output,
           InstructionParams params) {
    Instruction ins;
    ins.opcode = opcode;
    ins.inputs = std::move(inputs);
    ins.output = output;
    ins.nodes = {node.name};
    ins.params = std::move(params);
    program_.instructions.push_back(std::move(ins));
    const int index = static_cast<int>(program_.instructions.size()) - 1;
    producer_[output] = index;
    return index;
  }

  // The instruction that produced `value` when `value` may be absorbed into it: its only reader
  // is the node being lowered and it is not a program output.
  Instruction* fusable_producer(const std::string& value) {
    if (!options_.fusion || outputs_.count(value) || consumers_[value] != 1) return nullptr;
    auto it = value_of_.find(value);
    if (it == value_of_.end() || program_.values[it->second].weight) return nullptr;
    const int p = producer_[it->second];
    if (p < 0 || program_.instructions[p].output != it->second) return nullptr;
    return &program_.instructions[p];
  }

  // Moves `ins`'s result to output 0 of `node`, which it now also implements.
  void absorb(Instruction& ins, const Node& node, const Shape& shape) {
    const DataType dtype = program_.values[ins.output].dtype;
    const int out = define_output(node, 0, dtype, shape);
    ins.output = out;
    ins.nodes.push_back(node.name);
    producer_[out] = static_cast<int>(&ins - program_.instructions.data());
  }

  // --- Lowering -----------------------------------------------------------------------------

  void lower(const Node& node) {
    if (!node.domain.empty())
      unsupported(node, DeclineKind::kOpNotSupported, node.domain + "::" + node.op_type);
    if (foldable_op(node)) {
      std::optional<Tensor> value =
          fold_node(node, opset(), [&](const std::string& n) { return known_constant(n); });
      if (value) {
        folded_[node.outputs.at(0)] = std::move(*value);
        return;
      }
    }
    const std::string& op = node.op_type;
    require_single_output(node);
    if (op == "Conv") return lower_conv(node);
    if (op == "Gemm") return lower_gemm(node);
    if (op == "MatMul") return lower_matmul(node);
    if (op == "MaxPool" || op == "AveragePool") return lower_pool(node);
    if (op == "GlobalAveragePool") return lower_global_pool(node);
    if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") return lower_binary(node);
    if (op == "BatchNormalization") return lower_batch_norm(node);
    if (op == "Softmax") return lower_softmax(node);
    if (op == "Concat") return lower_concat(node);
    if (op == "Transpose") return lower_transpose(node);
    if (op == "Reshape" || op == "Flatten" || op == "Identity") return lower_view(node);
    if (op == "QuantizeLinear" || op == "DequantizeLinear") return lower_quantize(node);
    if (op == "QLinearConv") return lower_qlinear_conv(node);
    if (op == "QLinearMatMul") return lower_qlinear_matmul(node);
    if (std::optional<Activation> act = activation_of(node)) return lower_activation(node, *act);
    unsupported(node, DeclineKind::kOpNotSupported, op);
  }

  std::optional<Activation> activation_of(const Node& node) {
    using K = Activation::Kind;
    const std::string& op = node.op_type;
    Activation a;
    if (op == "Relu") {
      a.kind = K::kRelu;
    } else if (op == "LeakyRelu") {
      a.kind = K::kLeakyRelu;
      a.alpha = node.attr_float("alpha", 0.01f);
    } else if (op == "Sigmoid") {
      a.kind = K::kSigmoid;
    } else if (op == "Tanh") {
      a.kind = K::kTanh;
    } else if (op == "HardSigmoid") {
      a.kind = K::kHardSigmoid;
      a.alpha = node.attr_float("alpha", 0.2f);
      a.beta = node.attr_float("beta", 0.5f);
    } else if (op == "HardSwish") {
      a.kind = K::kHardSwish;
    } else if (op == "Gelu") {
      const std::string approximate = node.attr_string("approximate", "none");
      if (approximate != "none" && approximate != "tanh") {
        unsupported(node, DeclineKind::kAttributeValue, "approximate=" + approximate);
      }
      a.kind = approximate == "tanh" ? K::kGeluTanh : K::kGelu;
    } else if (op == "Clip") {
      a.kind = K::kClip;
      a.alpha = -std::numeric_limits<float>::infinity();
      a.beta = std::numeric_limits<float>::infinity();
      if (opset() < 11) {
        a.alpha = node.attr_float("min", std::numeric_limits<float>::lowest());
        a.beta = node.attr_float("max", std::numeric_limits<float>::max());
      } else {
        for (size_t i = 1; i <= 2; ++i) {
          std::optional<Operand> bound = optional_operand(node, i);
          if (!bound) continue;
          const Tensor& t = require_constant(node, *bound, i);
          require_scalar(node, t, i == 1 ? "min" : "max");
          float v = 0.0f;
          tensor_to_floats(t, &v);
          (i == 1 ? a.alpha : a.beta) = v;
        }
      }
    } else {
      return std::nullopt;
    }
    return a;
  }

  void lower_activation(const Node& node, const Activation& act) {
    const Operand x = operand(node, 0);
    require_float(node, x, 0);
    if (!x.constant) {
      if (Instruction* p = fusable_producer(x.name)) {
        Activation* slot = fused_activation_slot(*p);
        if (slot != nullptr && slot->none()) {
          *slot = act;
          absorb(*p, node, x.shape);
          return;
        }
      }
    }
    const int out = define_output(node, 0, x.dtype, x.shape);
    emit(Opcode::kActivation, node, {float_value(x)}, out, ActivationParams{act});
  }

  static Activation* fused_activation_slot(Instruction& ins) {
    if (auto* p = std::get_if<ConvParams>(&ins.params)) return &p->activation;
    if (auto* p = std::get_if<MatMulParams>(&ins.params)) return &p->activation;
    if (auto* p = std::get_if<BinaryParams>(&ins.params)) return &p->activation;
    if (auto* p = std::get_if<ScaleParams>(&ins.params)) return &p->activation;
    return nullptr;
  }

  // Geometry of Conv and QLinearConv: x [N, C, D...], w [M, C/group, k...].
  kernels::ConvGeometry conv_geometry(const Node& node, const Shape& x, const Shape& w,
                                      Shape* out_shape) {
    if (x.rank() < 3 || x.rank() > 5) {
      unsupported(node, DeclineKind::kInputValue,
                  "input is " + x.to_string() + " (1 to 3 spatial dims are handled)");
    }
    if (w.rank() != x.rank())
      invalid(node, "weights " + w.to_string() + " do not match input " + x.to_string());
    const int64_t group = node.attr_int("group", 1);
    kernels::ConvGeometry g;
    g.batch = x[0];
    g.in_channels = x[1];
    g.out_channels = w[0];
    g.group = group;
    if (group < 1 || g.in_channels % group != 0 || g.out_channels % group != 0 ||
        w[1] * group != g.in_channels) {
      invalid(node, "group " + std::to_string(group) + " does not fit input " + x.to_string() +
                        " and weights " + w.to_string());
    }
    std::vector<int64_t> kernel(w.dims().begin() + 2, w.dims().end());
    if (node.has_attribute("kernel_shape") && node.attr_ints("kernel_shape") != kernel) {
      invalid(node, "kernel_shape " + ints_text(node.attr_ints("kernel_shape")) +
                        " differs from the weights " + w.to_string());
    }
    std::vector<int64_t> spatial(x.dims().begin() + 2, x.dims().end());
    Window win = resolve_window(node, spatial, kernel, false);
    g.input_spatial = spatial;
    g.output_spatial = win.output;
    g.kernel = kernel;
    g.strides = win.strides;
    g.dilations = win.dilations;
    g.pads_begin = win.pads_begin;
    std::vector<int64_t> out = {g.batch, g.out_channels};
    out.insert(out.end(), win.output.begin(), win.output.end());
    *out_shape = Shape(out);
    return g;
  }

  void lower_conv(const Node& node) {
    const Operand x = operand(node, 0);
    const Operand w = operand(node, 1);
    const std::optional<Operand> b = optional_operand(node, 2);
    require_float(node, x, 0);
    require_same_type(node, x, w, 1);
    const Tensor& wt = require_constant(node, w, 1);
    if (b) {
      require_same_type(node, x, *b, 2);
      require_constant(node, *b, 2);
    }
    Shape out_shape;
    ConvParams p;
    p.geometry = conv_geometry(node, x.shape, w.shape, &out_shape);
    const int64_t m = p.geometry.out_channels;
    if (b && (b->shape.rank() != 1 || b->shape[0] != m))
      invalid(node, "bias B is " + b->shape.to_string() + ", expected [" + std::to_string(m) + "]");
    auto weights = std::make_shared<ConvWeights>();
    weights->w = wt;
    if (b) weights->b = *b->constant;
    weights->scale.assign(static_cast<size_t>(m), 1.0);
    weights->shift.assign(static_cast<size_t>(m), 0.0);
    p.x = float_value(x);
    const std::string base = node.name + ":";
    if (options_.precision == Precision::kInt8) {
      p.weight =
          add_weight(base + "weight", x.dtype, w.shape, BufferFormat::kI8, [weights](void* dst) {
            weights->quantize();
            std::memcpy(dst, weights->quantized.data(), weights->quantized.size());
          });
      p.weight_scales =
          add_weight(base + "weight_scales", DataType::kFloat32, Shape{m}, BufferFormat::kF32,
                     [weights](void* dst) {
                       weights->quantize();
                       store_floats(weights->channel_scales.data(),
                                    static_cast<int64_t>(weights->channel_scales.size()),
                                    BufferFormat::kF32, dst);
                     });
    } else {
      const BufferFormat format = float_weight_format();
      p.weight =
          add_weight(base + "weight", x.dtype, w.shape, format, [weights, format](void* dst) {
            const std::vector<float> f = weights->folded_weights();
            store_floats(f.data(), static_cast<int64_t>(f.size()), format, dst);
          });
    }
    p.bias = add_weight(
        base + "bias", DataType::kFloat32, Shape{m}, BufferFormat::kF32, [weights](void* dst) {
          const std::vector<float> f = weights->folded_bias();
          store_floats(f.data(), static_cast<int64_t>(f.size()), BufferFormat::kF32, dst);
        });
    const int out = define_output(node, 0, x.dtype, out_shape);
    std::vector<int> inputs = {p.x, p.weight, p.bias};
    if (p.weight_scales >= 0) inputs.push_back(p.weight_scales);
    const int index = emit(Opcode::kConv, node, inputs, out, p);
    conv_weights_[index] = weights;
  }

  void lower_batch_norm(const Node& node) {
    if (opset() < 7)
      unsupported(node, DeclineKind::kOpNotSupported, "BatchNormalization before opset 7");
    if (opset() < 9 && node.attr_int("spatial", 1) != 1)
      unsupported(node, DeclineKind::kAttributeValue, "spatial=0");
    if (opset() >= 14 && node.attr_int("training_mode", 0) != 0)
      unsupported(node, DeclineKind::kAttributeValue, "training_mode=1");
    const Operand x = operand(node, 0);
    require_float(node, x, 0);
    if (x.shape.rank() < 2)
      invalid(node, "input is " + x.shape.to_string() + ", expected [N, C, ...]");
    const int64_t c = x.shape[1];
    std::vector<std::vector<double>> params;
    for (size_t i = 1; i <= 4; ++i) {
      if (!node.has_input(i)) invalid(node, "input " + std::to_string(i) + " is missing");
      const Operand o = operand(node, i);
      require_float(node, o, i);
      const Tensor& t = require_constant(node, o, i);
      if (t.rank() != 1 || t.shape()[0] != c)
        invalid(node, "input " + std::to_string(i) + " is " + t.shape().to_string() +
                          ", expected [" + std::to_string(c) + "]");
      params.push_back(tensor_to_doubles(t));
    }
    const double epsilon = node.attr_float("epsilon", 1e-5f);
    std::vector<double> mult(static_cast<size_t>(c)), offset(static_cast<size_t>(c));
    for (size_t i = 0; i < mult.size(); ++i) {
      mult[i] = params[0][i] / std::sqrt(params[3][i] + epsilon);
      offset[i] = params[1][i] - params[2][i] * mult[i];
    }
    if (!x.constant) {
      if (Instruction* p = fusable_producer(x.name)) {
        auto* conv = std::get_if<ConvParams>(&p->params);
        const int index = static_cast<int>(p - program_.instructions.data());
        if (conv != nullptr && conv->activation.none() && conv_weights_.count(index)) {
          ConvWeights& w = *conv_weights_[index];
          for (size_t m = 0; m < mult.size(); ++m) {
            w.scale[m] *= mult[m];
            w.shift[m] = w.shift[m] * mult[m] + offset[m];
          }
          absorb(*p, node, x.shape);
          return;
        }
      }
    }
    ScaleParams p;
    p.batch = x.shape[0];
    p.channels = c;
    p.spatial = product(x.shape.dims(), 2, x.shape.rank());
    auto vector_weight = [&](const std::string& role, std::vector<double> values) {
      return add_weight(node.name + ":" + role, DataType::kFloat32, Shape{c}, BufferFormat::kF32,
                        [values](void* dst) {
                          std::vector<float> f(values.begin(), values.end());
                          store_floats(f.data(), static_cast<int64_t>(f.size()), BufferFormat::kF32,
                                       dst);
                        });
    };
    p.multiplier = vector_weight("multiplier", mult);
    p.offset = vector_weight("offset", offset);
    const int out = define_output(node, 0, x.dtype, x.shape);
    emit(Opcode::kScale, node, {float_value(x), p.multiplier, p.offset}, out, p);
  }

  // Gemm: Y = alpha * op(A) op(B) + beta * C, A and B 2-D, C broadcast to [M, N].
  void lower_gemm(const Node& node) {
    if (opset() < 7)
      unsupported(node, DeclineKind::kOpNotSupported, "Gemm before opset 7 (broadcast attribute)");
    const Operand a = operand(node, 0);
    const Operand b = operand(node, 1);
    const std::optional<Operand> c = optional_operand(node, 2);
    require_float(node, a, 0);
    require_same_type(node, a, b, 1);
    if (c) require_same_type(node, a, *c, 2);
    if (a.shape.rank() != 2 || b.shape.rank() != 2)
      invalid(node, "A " + a.shape.to_string() + " and B " + b.shape.to_string() + " must be 2-D");
    MatMulParams p;
    p.trans_a = node.attr_int("transA", 0) != 0;
    p.trans_b = node.attr_int("transB", 0) != 0;
    p.alpha = node.attr_float("alpha", 1.0f);
    p.beta = node.attr_float("beta", 1.0f);
    p.m = p.trans_a ? a.shape[1] : a.shape[0];
    p.k = p.trans_a ? a.shape[0] : a.shape[1];
    const int64_t kb = p.trans_b ? b.shape[1] : b.shape[0];
    p.n = p.trans_b ? b.shape[0] : b.shape[1];
    if (kb != p.k)
      invalid(node, "inner dims of A " + a.shape.to_string() + " and B " + b.shape.to_string() +
                        " differ");
    p.a_offsets = {0};
    p.b_offsets = {0};
    p.a = float_value(a);
    std::vector<int> inputs = {p.a};
    set_matmul_b(node, b, p, inputs);
    if (c) {
      const std::vector<int64_t>& d = c->shape.dims();
      p.bias_rows = d.size() == 2 ? d[0] : 1;
      p.bias_cols = d.empty() ? 1 : d.back();
      if (d.size() > 2 || (p.bias_rows != 1 && p.bias_rows != p.m) ||
          (p.bias_cols != 1 && p.bias_cols != p.n)) {
        invalid(node, "C " + c->shape.to_string() + " does not broadcast to [" +
                          std::to_string(p.m) + "," + std::to_string(p.n) + "]");
      }
      p.bias = c->constant ? constant_weight(c->name, *c->constant, BufferFormat::kF32)
                           : value_of_.at(c->name);
      inputs.push_back(p.bias);
    }
    const int out = define_output(node, 0, a.dtype, Shape{p.m, p.n});
    emit(Opcode::kMatMul, node, inputs, out, p);
  }

  // B of a float matrix product: a constant 2-D B is stored per-column int8 in int8 precision.
  void set_matmul_b(const Node& node, const Operand& b, MatMulParams& p, std::vector<int>& inputs) {
    if (b.constant && options_.precision == Precision::kInt8 && b.shape.rank() == 2) {
      auto q = std::make_shared<ColumnQuantizedWeights>();
      q->b = *b.constant;
      q->trans_b = p.trans_b;
      q->k = p.k;
      q->n = p.n;
      p.b = add_weight(node.name + ":weight", b.dtype, b.shape, BufferFormat::kI8, [q](void* dst) {
        q->quantize();
        std::memcpy(dst, q->quantized.data(), q->quantized.size());
      });
      p.b_scales =
          add_weight(node.name + ":weight_scales", DataType::kFloat32, Shape{p.n},
                     BufferFormat::kF32, [q](void* dst) {
                       q->quantize();
                       store_floats(q->column_scales.data(), q->n, BufferFormat::kF32, dst);
                     });
      inputs.push_back(p.b);
      inputs.push_back(p.b_scales);
      return;
    }
    p.b = float_value(b);
    inputs.push_back(p.b);
  }

  // numpy.matmul batching: returns the output shape and fills m, n, k and the batch offsets.
  template <typename P>
  Shape matmul_batches(const Node& node, const Shape& a, const Shape& b, P& p) {
    if (a.rank() == 0 || b.rank() == 0)
      invalid(node, "operands " + a.to_string() + " and " + b.to_string() + " must have rank >= 1");
    std::vector<int64_t> ad = a.dims(), bd = b.dims();
    if (ad.size() == 1) ad.insert(ad.begin(), 1);
    if (bd.size() == 1) bd.push_back(1);
    p.m = ad[ad.size() - 2];
    p.k = ad.back();
    p.n = bd.back();
    if (bd[bd.size() - 2] != p.k)
      invalid(node, "inner dims of " + a.to_string() + " and " + b.to_string() + " differ");
    const std::vector<int64_t> ab(ad.begin(), ad.end() - 2), bb(bd.begin(), bd.end() - 2);
    const size_t rank = std::max(ab.size(), bb.size());
    std::vector<int64_t> batch(rank), a_dims(rank, 1), b_dims(rank, 1);
    std::copy(ab.begin(), ab.end(), a_dims.begin() + (rank - ab.size()));
    std::copy(bb.begin(), bb.end(), b_dims.begin() + (rank - bb.size()));
    for (size_t i = 0; i < rank; ++i) {
      if (a_dims[i] != b_dims[i] && a_dims[i] != 1 && b_dims[i] != 1) {
        invalid(node,
                "batch dims of " + a.to_string() + " and " + b.to_string() + " do not broadcast");
      }
      batch[i] = a_dims[i] == 1 ? b_dims[i] : a_dims[i];
    }
    const int64_t batches = product(batch, 0, rank);
    std::vector<int64_t> index(rank, 0);
    for (int64_t t = 0; t < batches; ++t) {
      int64_t ao = 0, bo = 0;
      for (size_t i = 0; i < rank; ++i) {
        ao = ao * a_dims[i] + (a_dims[i] == 1 ? 0 : index[i]);
        bo = bo * b_dims[i] + (b_dims[i] == 1 ? 0 : index[i]);
      }
      p.a_offsets.push_back(ao * p.m * p.k);
      p.b_offsets.push_back(bo * p.k * p.n);
      for (size_t i = rank; i-- > 0;) {
        if (++index[i] < batch[i]) break;
        index[i] = 0;
      }
    }
    std::vector<int64_t> out = batch;
    if (a.rank() > 1) out.push_back(p.m);
    if (b.rank() > 1) out.push_back(p.n);
    return Shape(out);
  }

  void lower_matmul(const Node& node) {
    const Operand a = operand(node, 0);
    const Operand b = operand(node, 1);
    require_float(node, a, 0);
    require_same_type(node, a, b, 1);
    MatMulParams p;
    p.beta = 0.0f;
    const Shape out_shape = matmul_batches(node, a.shape, b.shape, p);
    p.a = float_value(a);
    std::vector<int> inputs = {p.a};
    set_matmul_b(node, b, p, inputs);
    const int out = define_output(node, 0, a.dtype, out_shape);
    emit(Opcode::kMatMul, node, inputs, out, p);
  }

  void lower_pool(const Node& node) {
    const bool max = node.op_type == "MaxPool";
    const Operand x = operand(node, 0);
    if (is_8bit(x.dtype)) {
      if (!max || opset() < 12) require_float(node, x, 0);
    } else {
      require_float(node, x, 0);
    }
    if (x.shape.rank() < 3 || x.shape.rank() > 2 + kernels::kMaxPoolRank) {
      unsupported(node, DeclineKind::kInputValue,
                  "input is " + x.shape.to_string() + " (1 to 3 spatial dims are handled)");
    }
    const size_t rank = x.shape.rank() - 2;
    if (!node.has_attribute("kernel_shape")) invalid(node, "attribute kernel_shape is missing");
    std::vector<int64_t> kernel = node.attr_ints("kernel_shape");
    if (kernel.size() != rank)
      invalid(node,
              "kernel_shape " + ints_text(kernel) + " does not match input " + x.shape.to_string());
    std::vector<int64_t> spatial(x.shape.dims().begin() + 2, x.shape.dims().end());
    const bool ceil_mode = node.attr_int("ceil_mode", 0) != 0;
    Window win = resolve_window(node, spatial, kernel, ceil_mode);
    PoolParams p;
    p.geometry.planes = x.shape[0] * x.shape[1];
    p.geometry.input_spatial = spatial;
    p.geometry.output_spatial = win.output;
    p.geometry.kernel = win.kernel;
    p.geometry.strides = win.strides;
    p.geometry.dilations = win.dilations;
    p.geometry.pads_begin = win.pads_begin;
    p.geometry.pads_end = win.pads_end;
    p.count_include_pad = !max && node.attr_int("count_include_pad", 0) != 0;
    std::vector<int64_t> out_dims = {x.shape[0], x.shape[1]};
    out_dims.insert(out_dims.end(), win.output.begin(), win.output.end());
    const int out = define_output(node, 0, x.dtype, Shape(out_dims));
    const int in = is_8bit(x.dtype) ? byte_value(x) : float_value(x);
    emit(max ? Opcode::kMaxPool : Opcode::kAveragePool, node, {in}, out, p);
  }

  void lower_global_pool(const Node& node) {
    const Operand x = operand(node, 0);
    require_float(node, x, 0);
    if (x.shape.rank() < 3)
      invalid(node, "input is " + x.shape.to_string() + ", expected [N, C, D...]");
    PoolParams p;
    p.geometry.planes = x.shape[0] * x.shape[1];
    p.geometry.input_spatial.assign(x.shape.dims().begin() + 2, x.shape.dims().end());
    p.geometry.kernel = p.geometry.input_spatial;
    p.geometry.output_spatial.assign(x.shape.rank() - 2, 1);
    std::vector<int64_t> out_dims = {x.shape[0], x.shape[1]};
    out_dims.resize(x.shape.rank(), 1);
    const int out = define_output(node, 0, x.dtype, Shape(out_dims));
    emit(Opcode::kGlobalAveragePool, node, {float_value(x)}, out, p);
  }

  void lower_binary(const Node& node) {
    if (opset() < 7)
      unsupported(node, DeclineKind::kOpNotSupported,
                  node.op_type + " before opset 7 (broadcast attribute)");
    const Operand a = operand(node, 0);
    const Operand b = operand(node, 1);
    require_float(node, a, 0);
    require_same_type(node, a, b, 1);
    std::optional<Shape> out_shape = kernels::broadcast_shapes(a.shape, b.shape);
    if (!out_shape)
      invalid(node, "shapes " + a.shape.to_string() + " and " + b.shape.to_string() +
                        " do not broadcast");
    BinaryParams p;
    const std::string& op = node.op_type;
    p.op = op == "Add"   ? BinaryParams::Op::kAdd
           : op == "Sub" ? BinaryParams::Op::kSub
           : op == "Mul" ? BinaryParams::Op::kMul
                         : BinaryParams::Op::kDiv;
    p.plan = kernels::make_broadcast_plan(a.shape, b.shape, *out_shape);
    const int va = float_value(a);
    const int vb = float_value(b);
    const int out = define_output(node, 0, a.dtype, *out_shape);
    emit(Opcode::kBinary, node, {va, vb}, out, p);
  }

  void lower_softmax(const Node& node) {
    const Operand x = operand(node, 0);
    require_float(node, x, 0);
    const int64_t rank = static_cast<int64_t>(x.shape.rank());
    int64_t axis = node.attr_int("axis", opset() >= 13 ? -1 : 1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= std::max<int64_t>(rank, 1))
      invalid(node, "axis " + std::to_string(node.attr_int("axis", 0)) + " is out of range for " +
                        x.shape.to_string());
    SoftmaxParams p;
    const std::vector<int64_t>& d = x.shape.dims();
    p.outer = product(d, 0, static_cast<size_t>(axis));
    if (opset() >= 13) {
      p.axis = rank == 0 ? 1 : d[axis];
      p.inner = product(d, static_cast<size_t>(axis) + 1, d.size());
    } else {  // the input is coerced to 2-D [outer, rest]
      p.axis = product(d, static_cast<size_t>(axis), d.size());
      p.inner = 1;
    }
    const int out = define_output(node, 0, x.dtype, x.shape);
    emit(Opcode::kSoftmax, node, {float_value(x)}, out, p);
  }

  void lower_concat(const Node& node) {
    std::vector<Operand> ins;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (!node.has_input(i)) invalid(node, "input " + std::to_string(i) + " is omitted");
      ins.push_back(operand(node, i));
    }
    if (ins.empty()) invalid(node, "has no inputs");
    const Operand& first = ins[0];
    if (!is_float(first.dtype) && !is_8bit(first.dtype)) require_float(node, first, 0);
    const int64_t rank = static_cast<int64_t>(first.shape.rank());
    int64_t axis = node.attr_int("axis", 1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank)
      invalid(node, "axis " + std::to_string(node.attr_int("axis", 1)) +
                        " is out of range for rank " + std::to_string(rank));
    ConcatParams p;
    p.outer = product(first.shape.dims(), 0, static_cast<size_t>(axis));
    const int64_t tail =
        product(first.shape.dims(), static_cast<size_t>(axis) + 1, first.shape.rank());
    std::vector<int64_t> out_dims = first.shape.dims();
    out_dims[axis] = 0;
    std::vector<int> values;
    for (size_t i = 0; i < ins.size(); ++i) {
      const Operand& o = ins[i];
      require_same_type(node, first, o, i);
      bool fits = o.shape.rank() == first.shape.rank();
      for (int64_t d = 0; fits && d < rank; ++d) fits = d == axis || o.shape[d] == first.shape[d];
      if (!fits)
        invalid(node, "input " + std::to_string(i) + " " + o.shape.to_string() +
                          " does not fit input 0 " + first.shape.to_string());
      out_dims[axis] += o.shape[axis];
      p.inner.push_back(o.shape[axis] * tail);
      values.push_back(is_8bit(o.dtype) ? byte_value(o) : float_value(o));
    }
    const int out = define_output(node, 0, first.dtype, Shape(out_dims));
    emit(Opcode::kConcat, node, values, out, p);
  }

  void lower_transpose(const Node& node) {
    const Operand x = operand(node, 0);
    if (!is_8bit(x.dtype)) require_float(node, x, 0);
    TransposeParams p;
    p.perm = transpose_perm(node, x.shape.rank());
    std::vector<int64_t> out_dims(p.perm.size());
    for (size_t i = 0; i < p.perm.size(); ++i) out_dims[i] = x.shape[p.perm[i]];
    const int out = define_output(node, 0, x.dtype, Shape(out_dims));
    emit(Opcode::kTranspose, node, {is_8bit(x.dtype) ? byte_value(x) : float_value(x)}, out, p);
  }

  // Reshape, Flatten and Identity move no data: the output is the input's buffer, reshaped.
  void lower_view(const Node& node) {
    const Operand x = operand(node, 0);
    if (!is_8bit(x.dtype)) require_float(node, x, 0);
    Shape out_shape = x.shape;
    if (node.op_type == "Reshape") {
      if (opset() < 5)
        unsupported(node, DeclineKind::kOpNotSupported, "Reshape before opset 5 (shape attribute)");
      if (!node.has_input(1)) invalid(node, "shape input is missing");
      const Operand shape = operand(node, 1);
      out_shape = reshape_output(node, x.shape, require_constant(node, shape, 1), opset());
    } else if (node.op_type == "Flatten") {
      out_shape = flatten_output(node, x.shape);
    }
    const int source = value_of_.at(x.name);
    const int storage = program_.values[source].storage;
    define_output(node, 0, x.dtype, out_shape);
    ProgramValue& view = program_.values[value_of_.at(node.outputs[0])];
    storage_needs_f32_.pop_back();  // the view takes no storage of its own
    view.storage = storage;
  }

  void lower_quantize(const Node& node) {
    const bool dequantize = node.op_type == "DequantizeLinear";
    const Operand x = operand(node, 0);
    if (!node.has_input(1)) invalid(node, "scale input is missing");
    const Tensor& scale = require_constant(node, operand(node, 1), 1);
    const Tensor* zero_point = nullptr;
    if (node.has_input(2)) zero_point = &require_constant(node, operand(node, 2), 2);
    const QuantizeSetup s =
        quantize_setup(node, opset(), dequantize, x.shape, x.dtype, scale, zero_point);
    const int out = define_output(node, 0, s.out_dtype, x.shape);
    // Quantization boundaries stay in float32 on the device so that Q and DQ are exact.
    if (dequantize) {
      storage_needs_f32_[program_.values[out].storage] = true;
      emit(Opcode::kDequantize, node, {byte_value(x)}, out, s.params);
    } else {
      const int in = value_of_.at(x.name);
      storage_needs_f32_[program_.values[in].storage] = true;
      emit(Opcode::kQuantize, node, {in}, out, s.params);
    }
  }

  int32_t zero_point_of(const Node& node, size_t i, DataType expected, const std::string& role) {
    if (!node.has_input(i)) return 0;
    const Operand o = operand(node, i);
    const Tensor& t = require_constant(node, o, i);
    if (t.dtype() != expected)
      invalid(node, role + " is " + type_name(t.dtype()) + ", expected " + type_name(expected));
    require_scalar(node, t, role);
    return static_cast<int32_t>(tensor_to_doubles(t)[0]);
  }

  double scale_of(const Node& node, size_t i, const std::string& role, DataType* type = nullptr) {
    if (!node.has_input(i)) invalid(node, role + " is missing");
    const Tensor& t = require_constant(node, operand(node, i), i);
    if (!is_float(t.dtype()))
      unsupported(node, DeclineKind::kTypeNotSupported, role + " is " + type_name(t.dtype()));
    require_scalar(node, t, role);
    if (type) *type = t.dtype();
    const double v = tensor_to_doubles(t)[0];
    if (!(v > 0.0) || !std::isfinite(v))
      unsupported(node, DeclineKind::kInputValue,
                  role + " " + std::to_string(v) + " is not a positive finite number");
    return v;
  }

  // Per-channel parameter (scale or zero point) of `count` entries from a scalar or a [count]
  // tensor.
  std::vector<double> channel_values(const Node& node, const Tensor& t, int64_t count,
                                     const std::string& role) {
    std::vector<double> v = tensor_to_doubles(t);
    if (v.size() == 1) return std::vector<double>(static_cast<size_t>(count), v[0]);
    if (t.rank() != 1 || t.shape()[0] != count) {
      unsupported(node, DeclineKind::kInputValue,
                  role + " is " + t.shape().to_string() + " (a scalar or [" +
                      std::to_string(count) + "] expected)");
    }
    return v;
  }

  std::vector<double> multipliers(double in_scale, const std::vector<double>& weight_scales,
                                  double out_scale, DataType scale_type) {
    const kernels::RoundingPrecision precision = precision_of(scale_type);
    std::vector<double> m(weight_scales.size());
    for (size_t i = 0; i < m.size(); ++i) {
      const double product = kernels::round_to_precision(in_scale * weight_scales[i], precision);
      m[i] = kernels::round_to_precision(product / out_scale, precision);
    }
    return m;
  }

  DataType output_8bit_type(const Node& node, size_t zp_index, DataType fallback) {
    if (!node.has_input(zp_index)) return fallback;
    const DataType t = operand(node, zp_index).dtype;
    if (!is_8bit(t))
      unsupported(node, DeclineKind::kTypeNotSupported, "y_zero_point is " + type_name(t));
    return t;
  }

  void lower_qlinear_conv(const Node& node) {
    const Operand x = operand(node, 0);
    const Operand w = operand(node, 3);
    require_8bit(node, x, 0);
    require_8bit(node, w, 3);
    const Tensor& wt = require_constant(node, w, 3);
    DataType scale_type = DataType::kFloat32;
    const double xs = scale_of(node, 1, "x_scale", &scale_type);
    const double ys = scale_of(node, 6, "y_scale");
    QLinearConvParams p;
    p.x_zero_point = zero_point_of(node, 2, x.dtype, "x_zero_point");
    p.y_zero_point = 0;
    const DataType out_type = output_8bit_type(node, 7, x.dtype);
    p.y_zero_point = zero_point_of(node, 7, out_type, "y_zero_point");
    Shape out_shape;
    p.geometry = conv_geometry(node, x.shape, w.shape, &out_shape);
    const int64_t m = p.geometry.out_channels;
    if (!node.has_input(4)) invalid(node, "w_scale is missing");
    const Tensor& w_scale = require_constant(node, operand(node, 4), 4);
    if (!is_float(w_scale.dtype()))
      unsupported(node, DeclineKind::kTypeNotSupported, "w_scale is " + type_name(w_scale.dtype()));
    p.multipliers = multipliers(xs, channel_values(node, w_scale, m, "w_scale"), ys, scale_type);
    p.w_zero_points.assign(static_cast<size_t>(m), 0);
    if (node.has_input(5)) {
      const Tensor& wzp = require_constant(node, operand(node, 5), 5);
      if (wzp.dtype() != w.dtype)
        invalid(node,
                "w_zero_point is " + type_name(wzp.dtype()) + " but w is " + type_name(w.dtype));
      const std::vector<double> z = channel_values(node, wzp, m, "w_zero_point");
      for (size_t i = 0; i < z.size(); ++i) p.w_zero_points[i] = static_cast<int32_t>(z[i]);
    }
    p.x = byte_value(x);
    p.weight = constant_weight(w.name, wt,
                               w.dtype == DataType::kInt8 ? BufferFormat::kI8 : BufferFormat::kU8);
    std::vector<int> inputs = {p.x, p.weight};
    if (node.has_input(8)) {
      const Operand b = operand(node, 8);
      const Tensor& bt = require_constant(node, b, 8);
      if (bt.dtype() != DataType::kInt32 || bt.rank() != 1 || bt.shape()[0] != m) {
        invalid(node, "bias is " + type_name(bt.dtype()) + bt.shape().to_string() +
                          ", expected int32[" + std::to_string(m) + "]");
      }
      p.bias = constant_weight(b.name, bt, BufferFormat::kI32);
      inputs.push_back(p.bias);
    }
    const int out = define_output(node, 0, out_type, out_shape);
    emit(Opcode::kQLinearConv, node, inputs, out, p);
  }

  void lower_qlinear_matmul(const Node& node) {
    const Operand a = operand(node, 0);
    const Operand b = operand(node, 3);
    require_8bit(node, a, 0);
    require_8bit(node, b, 3);
    DataType scale_type = DataType::kFloat32;
    const double as = scale_of(node, 1, "a_scale", &scale_type);
    const double ys = scale_of(node, 6, "y_scale");
    QLinearMatMulParams p;
    p.a_zero_point = zero_point_of(node, 2, a.dtype, "a_zero_point");
    const DataType out_type = output_8bit_type(node, 7, a.dtype);
    p.y_zero_point = zero_point_of(node, 7, out_type, "y_zero_point");
    const Shape out_shape = matmul_batches(node, a.shape, b.shape, p);
    if (!node.has_input(4)) invalid(node, "b_scale is missing");
    const Tensor& b_scale = require_constant(node, operand(node, 4), 4);
    if (!is_float(b_scale.dtype()))
      unsupported(node, DeclineKind::kTypeNotSupported, "b_scale is " + type_name(b_scale.dtype()));
    p.multipliers = multipliers(as, channel_values(node, b_scale, p.n, "b_scale"), ys, scale_type);
    p.b_zero_points.assign(static_cast<size_t>(p.n), 0);
    if (node.has_input(5)) {
      const Tensor& bzp = require_constant(node, operand(node, 5), 5);
      if (bzp.dtype() != b.dtype)
        invalid(node,
                "b_zero_point is " + type_name(bzp.dtype()) + " but b is " + type_name(b.dtype));
      const std::vector<double> z = channel_values(node, bzp, p.n, "b_zero_point");
      for (size_t i = 0; i < z.size(); ++i) p.b_zero_points[i] = static_cast<int32_t>(z[i]);
    }
    p.a = byte_value(a);
    p.b = byte_value(b);
    const int out = define_output(node, 0, out_type, out_shape);
    emit(Opcode::kQLinearMatMul, node, {p.a, p.b}, out, p);
  }

  // --- Formats, memory plan, weights --------------------------------------------------------

  void assign_formats() {
    for (ProgramValue& v : program_.values) {
      if (v.weight) continue;
      if (is_8bit(v.dtype)) {
        v.format = v.dtype == DataType::kInt8 ? BufferFormat::kI8 : BufferFormat::kU8;
      } else if (options_.precision == Precision::kFp32 || storage_needs_f32_[v.storage]) {
        v.format = BufferFormat::kF32;
      } else {
        v.format = BufferFormat::kF16;
      }
    }
  }

  void plan_activations() {
    const int steps = static_cast<int>(program_.instructions.size());
    const size_t storages = storage_needs_f32_.size();
    std::vector<BufferLifetime> life(storages);
    std::vector<char> used(storages, 0);
    auto touch = [&](int value, int step) {
      const ProgramValue& v = program_.values[value];
      if (v.weight) return;
      BufferLifetime& l = life[v.storage];
      if (!used[v.storage]) {
        l = {v.bytes(), step, step};
        used[v.storage] = 1;
      }
      l.bytes = std::max(l.bytes, v.bytes());
      l.first = std::min(l.first, step);
      l.last = std::max(l.last, step);
    };
    for (int v : program_.inputs) {
      if (v >= 0) touch(v, -1);
    }
    for (int t = 0; t < steps; ++t) {
      for (int v : program_.instructions[t].inputs) touch(v, t);
      touch(program_.instructions[t].output, t);
    }
    for (int v : program_.outputs) touch(v, steps);
    std::vector<BufferLifetime> buffers;
    std::vector<int> index_of(storages, -1);
    for (size_t s = 0; s < storages; ++s) {
      if (!used[s]) continue;
      index_of[s] = static_cast<int>(buffers.size());
      buffers.push_back(life[s]);
    }
    const MemoryPlan plan = plan_memory(buffers);
    program_.block_bytes = plan.peak_bytes;
    program_.block_lower_bound = plan.lower_bound_bytes;
    for (ProgramValue& v : program_.values) {
      if (!v.weight && index_of[v.storage] >= 0) v.offset = plan.offsets[index_of[v.storage]];
    }
  }

  void layout_weights() {
    size_t offset = 0;
    for (const WeightInit& w : program_.weight_inits) {
      ProgramValue& v = program_.values[w.value];
      v.offset = offset;
      offset += (v.bytes() + kDeviceAlignment - 1) / kDeviceAlignment * kDeviceAlignment;
    }
    program_.weight_bytes = offset;
  }

  // Bytes of a program input or output as the session holds it (ONNX element type).
  size_t io_bytes(const std::string& name) const {
    if (auto it = value_of_.find(name); it != value_of_.end()) {
      const ProgramValue& v = program_.values[it->second];
      return static_cast<size_t>(v.num_elements()) * element_size(v.dtype);
    }
    if (const Tensor* c = known_constant(name)) return c->byte_size();
    if (auto it = opaque_inputs_.find(name); it != opaque_inputs_.end()) {
      return static_cast<size_t>(it->second.second.num_elements()) * element_size(it->second.first);
    }
    return 0;
  }

  const GroupSource& src_;
  const NpuOptions& options_;
  Program program_;
  const Node* current_ = nullptr;
  std::map<std::string, int> value_of_;   // ONNX value -> program value (activations)
  std::map<std::string, int> weight_of_;  // constant + format -> weight value
  std::map<std::string, Tensor> folded_;  // values computed at compile time
  std::map<std::string, std::pair<DataType, Shape>> opaque_inputs_;  // inputs without a buffer
  std::map<std::string, int> consumers_;  // nodes of the group reading each value
  std::set<std::string> outputs_;
  std::vector<int> producer_;            // per value: the instruction writing it, or -1
  std::vector<bool> storage_needs_f32_;  // per storage class
  std::map<int, std::shared_ptr<ConvWeights>> conv_weights_;  // per Conv instruction
};

}  // namespace

int64_t GroupSource::opset(const std::string& domain) const {
  auto it = opsets.find(domain);
  return it == opsets.end() ? 0 : it->second;
}

GroupSource group_source(const Model& model, const Graph& graph,
                         const std::vector<NodeIndex>& nodes) {
  GroupSource s;
  s.name = "candidate";
  s.opsets = model.opset_imports;
  std::set<std::string> produced;
  std::set<NodeIndex> members(nodes.begin(), nodes.end());
  for (NodeIndex i : nodes) {
    s.nodes.push_back(&graph.nodes[i]);
    for (const auto& o : graph.nodes[i].outputs) {
      if (!o.empty()) produced.insert(o);
    }
  }
  std::set<std::string> seen;
  for (const Node* n : s.nodes) {
    for (const auto& v : n->inputs) {
      if (v.empty() || produced.count(v) || graph.constant(v) || !seen.insert(v).second) continue;
      s.inputs.push_back(v);
    }
  }
  const auto consumers = graph.consumers();
  for (const auto& v : produced) {
    bool outside = graph.is_graph_output(v);
    if (auto it = consumers.find(v); it != consumers.end()) {
      for (NodeIndex c : it->second) outside = outside || !members.count(c);
    }
    if (outside) s.outputs.push_back(v);
  }
  s.constant = [&graph](const std::string& v) { return graph.constant(v); };
  s.type = [&graph](const std::string& v) { return graph.find_type(v); };
  return s;
}

GroupSource group_source(const Graph& fused, std::map<std::string, int64_t> opsets) {
  GroupSource s;
  s.name = fused.name;
  s.opsets = std::move(opsets);
  for (const Node& n : fused.nodes) s.nodes.push_back(&n);
  for (const ValueInfo& v : fused.inputs) s.inputs.push_back(v.name);
  for (const ValueInfo& v : fused.outputs) s.outputs.push_back(v.name);
  s.constant = [&fused](const std::string& v) -> const Tensor* {
    auto it = fused.initializers.find(v);
    return it == fused.initializers.end() ? nullptr : &it->second;
  };
  s.type = [&fused](const std::string& v) -> const TypeInfo* {
    for (const ValueInfo& i : fused.inputs) {
      if (i.name == v) return &i.type;
    }
    for (const ValueInfo& o : fused.outputs) {
      if (o.name == v && o.type.dtype != DataType::kUndefined) return &o.type;
    }
    return fused.find_type(v);
  };
  return s;
}

Program compile_group(const GroupSource& source, const NpuOptions& options) {
  return Compiler(source, options).compile();
}

std::optional<Program> compile_single_node(const Model& model, const Graph& graph, const Node& node,
                                           const NpuOptions& options) {
  const NodeIndex index = static_cast<NodeIndex>(&node - graph.nodes.data());
  if (index >= graph.nodes.size()) return std::nullopt;
  GroupSource s = group_source(model, graph, {index});
  // Inputs the compiler could compute at compile time count as constants, as they will once
  // their producers join the group.
  std::map<std::string, Tensor> resolved;
  const int64_t opset = model.opset("");
  for (const auto& v : node.inputs) {
    if (v.empty() || graph.constant(v)) continue;
    if (std::optional<Tensor> t = resolve_constant(
            graph, v, [](NodeIndex) { return true; }, opset)) {
      resolved[v] = *t;
    }
  }
  std::erase_if(s.inputs, [&](const std::string& v) { return resolved.count(v) != 0; });
  s.constant = [&graph, &resolved](const std::string& v) -> const Tensor* {
    auto it = resolved.find(v);
    return it != resolved.end() ? &it->second : graph.constant(v);
  };
  try {
    return compile_group(s, options);
  } catch (const UnsupportedNode&) {
    return std::nullopt;
  } catch (const Error&) {
    return std::nullopt;
  }
}

std::optional<Tensor> resolve_constant(const Graph& graph, const std::string& name,
                                       const std::function<bool(NodeIndex)>& may_fold,
                                       int64_t default_opset) {
  const auto producers = graph.producers();
  std::map<std::string, std::optional<Tensor>> memo;
  std::function<const Tensor*(const std::string&)> resolve =
      [&](const std::string& v) -> const Tensor* {
    if (const Tensor* c = graph.constant(v)) return c;
    if (auto it = memo.find(v); it != memo.end()) return it->second ? &*it->second : nullptr;
    memo[v] = std::nullopt;  // guards against revisiting while folding
    auto p = producers.find(v);
    if (p == producers.end() || !may_fold(p->second)) return nullptr;
    const Node& node = graph.nodes[p->second];
    if (!foldable_op(node) || node.outputs.empty() || node.outputs[0] != v) return nullptr;
    std::optional<Tensor> value;
    try {
      value = fold_node(node, default_opset, resolve);
    } catch (const UnsupportedNode&) {
      return nullptr;
    } catch (const Error&) {
      return nullptr;
    }
    memo[v] = std::move(value);
    return memo[v] ? &*memo[v] : nullptr;
  };
  const Tensor* t = resolve(name);
  if (t == nullptr) return std::nullopt;
  return *t;
}

}  // namespace aruntime::npu
