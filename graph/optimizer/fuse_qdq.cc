// QDQ-format quantized models (onnxruntime.quantization.quantize_static with QuantFormat.QDQ, and
// other tools writing the same form) keep every operator in float: DequantizeLinear on the 8-bit
// activations and weights (and the int32 bias), the float Conv/MatMul, QuantizeLinear on its
// output. The pattern
//
//   DQ(x_q), DQ(w_q) [, DQ(b_int32)] -> Conv -> [Relu ->] Q(y)      becomes QLinearConv
//   DQ(a_q), DQ(b_q) -> MatMul (or Gemm without C) -> [Relu ->] Q(y)  becomes QLinearMatMul
//
// which computes in integers: the products accumulate exactly in int32 and one multiplier
// x_scale·w_scale/y_scale takes the sum to the output scale. The result can differ from
// dequantize-compute-requantize by one quantization step of y, where the float sum lands near
// the midpoint between two steps and the float rounding of the two paths differs; ONNX Runtime's
// own QDQ fusion has the same property.
//
// Conditions, so that the fused op computes what the pattern does:
//  - scales and zero points are constants; x, y (and a) per tensor; the weight per tensor or per
//    output channel (Conv: DQ axis 0; MatMul: 2-D B with axis 1, per column), as QLinearConv and
//    QLinearMatMul define; scales float32, quantized types int8/uint8;
//  - the bias is int32 dequantized with zero point 0 and scale x_scale·w_scale (per channel),
//    which is how QLinearConv reads it (float32 product; two ulps of slack for tools that round
//    it differently);
//  - a Relu between the op and Q disappears only when Q's zero point is the lowest value of its
//    type: quantization then clamps at the zero point, which is what Relu does;
//  - the float output of the op (and of the Relu) has no reader but the next node of the pattern
//    and is not a graph output. A DQ whose output others read too stays for them, and the fused
//    node reads its quantized input (quantize_static shares one DQ between a Conv and a residual
//    Add);
//  - Gemm: alpha 1, no transA, no C (QLinearMatMul has no bias input, and adding one after the
//    requantization would not be exact); transB needs a constant B, which is transposed.
#include <algorithm>
#include <cmath>
#include <limits>

#include "graph/optimizer/fuse_common.h"
#include "graph/optimizer/graph_edit.h"
#include "graph/optimizer/passes.h"

namespace aruntime::optimizer {
namespace {

bool eight_bit(DataType t) {
  return t == DataType::kInt8 || t == DataType::kUInt8;
}

int64_t lowest_value(DataType t) {
  return t == DataType::kInt8 ? std::numeric_limits<int8_t>::min() : 0;
}

// Attributes of Q/DQ that this pass understands: anything else (block_size, a non-float
// output_dtype or precision, or an attribute of a later opset) keeps the pattern as it is.
bool plain_quantization_attributes(const Node& node) {
  for (const Attribute& a : node.attributes) {
    if (a.name == "axis" || a.name == "saturate") continue;  // saturate: float8 only
    if (a.name == "block_size" && a.type == Attribute::Type::kInt && a.i == 0) continue;
    // DequantizeLinear's output_dtype and QuantizeLinear's precision: float32 is the default.
    if ((a.name == "output_dtype" && node.op_type == "DequantizeLinear") || a.name == "precision") {
      if (a.type == Attribute::Type::kInt && (a.i == 0 || a.i == 1)) continue;
    }
    if (a.name == "output_dtype" && node.op_type == "QuantizeLinear") continue;  // checked by type
    return false;
  }
  return true;
}

// The constant scale and zero point of a Q or DQ node.
struct QuantParams {
  std::string scale;       // value names
  std::string zero_point;  // "" when the node has none (then 0 of the quantized type)
  std::vector<double> scales;
  std::vector<int64_t> zero_points;      // empty when absent
  DataType type = DataType::kUndefined;  // the quantized element type
  int64_t axis = -1;                     // the quantized operand's axis; -1 per tensor
};

// Reads inputs 1 and 2 of `node` (a Q or DQ whose quantized operand has type `type` and rank
// `rank`): float32 constant scales, constant zero points of `type`, one value or one per index of
// the (normalised) axis attribute.
std::optional<QuantParams> quant_params(const Model& model, const Graph& graph, const Node& node,
                                        DataType type, int64_t rank) {
  if (!eight_bit(type) && type != DataType::kInt32) return std::nullopt;
  if (node.inputs.size() < 2 || !plain_quantization_attributes(node)) return std::nullopt;
  const std::optional<Tensor> scale = constant_value(graph, node.inputs[1]);
  if (!scale || scale->dtype() != DataType::kFloat32 || scale->num_elements() == 0) {
    return std::nullopt;
  }
  QuantParams p;
  p.scale = node.inputs[1];
  p.type = type;
  for (int64_t i = 0; i < scale->num_elements(); ++i) p.scales.push_back(scale->data<float>()[i]);
  for (double s : p.scales) {
    if (!std::isfinite(s) || s <= 0) return std::nullopt;
  }
  if (node.has_input(2)) {
    const std::optional<Tensor> zero_point = constant_value(graph, node.inputs[2]);
    if (!zero_point || zero_point->dtype() != type ||
        zero_point->num_elements() != scale->num_elements()) {
      return std::nullopt;
    }
    p.zero_point = node.inputs[2];
    p.zero_points = zero_point->to_int64_vector();
  }
  if (scale->num_elements() == 1 && scale->rank() <= 1) return p;
  // Per axis: a 1-D scale along the axis attribute (from opset 13, default 1).
  if (scale->rank() != 1 || model.opset("") < 13 || rank < 1) return std::nullopt;
  int64_t axis = node.attr_int("axis", 1);
  if (axis < -rank || axis >= rank) return std::nullopt;
  p.axis = axis < 0 ? axis + rank : axis;
  return p;
}

// A DequantizeLinear producing the float32 `value`.
struct Dequantized {
  size_t node = 0;
  std::string quantized;  // its input 0
  QuantParams params;
};

std::optional<Dequantized> dequantized(const Model& model, const Graph& graph,
                                       const GraphIndex& index, const std::string& value) {
  if (value.empty() || element_type(graph, value) != DataType::kFloat32) return std::nullopt;
  const auto p = index.producer(value, "DequantizeLinear");
  if (!p) return std::nullopt;
  const Node& dq = graph.nodes[*p];
  if (dq.inputs.empty() || dq.inputs[0].empty()) return std::nullopt;
  const DataType type = element_type(graph, dq.inputs[0]);
  auto params = quant_params(model, graph, dq, type, rank_of(graph, dq.inputs[0]));
  if (!params) return std::nullopt;
  return Dequantized{*p, dq.inputs[0], std::move(*params)};
}

bool per_tensor_8bit(const QuantParams& p) {
  return p.axis < 0 && eight_bit(p.type);
}

// The QuantizeLinear (with the Relu before it, if any) that is the only reader of the float
// output `value` of node `op`.
struct OutputQuantization {
  std::vector<size_t> nodes;  // the Relu (if any) and the QuantizeLinear
  size_t quantize = 0;
  QuantParams params;
};

std::optional<OutputQuantization> output_quantization(const Model& model, const Graph& graph,
                                                      const GraphIndex& index,
                                                      const std::string& value) {
  OutputQuantization out;
  auto reader = index.only_consumer(value);
  if (!reader) return std::nullopt;
  std::string quantized_value = value;
  bool relu = false;
  if (is_op(graph.nodes[*reader], "Relu")) {
    relu = true;
    out.nodes.push_back(*reader);
    quantized_value = graph.nodes[*reader].outputs[0];
    reader = index.only_consumer(quantized_value);
    if (!reader) return std::nullopt;
  }
  const Node& q = graph.nodes[*reader];
  if (!is_op(q, "QuantizeLinear") || q.inputs.empty() || q.inputs[0] != quantized_value ||
      q.outputs.size() != 1) {
    return std::nullopt;
  }
  const DataType type = element_type(graph, q.outputs[0]);
  auto params = quant_params(model, graph, q, type, rank_of(graph, q.inputs[0]));
  if (!params || !per_tensor_8bit(*params)) return std::nullopt;
  const int64_t zero_point = params->zero_points.empty() ? 0 : params->zero_points[0];
  if (relu && zero_point != lowest_value(type)) return std::nullopt;
  out.quantize = *reader;
  out.nodes.push_back(*reader);
  out.params = std::move(*params);
  return out;
}

// The bias of QLinearConv: int32 dequantized with zero point 0 and scale x_scale·w_scale[m].
bool bias_matches(const QuantParams& bias, const QuantParams& x, const QuantParams& w) {
  if (bias.type != DataType::kInt32) return false;
  for (int64_t z : bias.zero_points) {
    if (z != 0) return false;
  }
  const size_t channels = std::max(bias.scales.size(), w.scales.size());
  if ((bias.scales.size() != 1 && bias.scales.size() != channels) ||
      (w.scales.size() != 1 && w.scales.size() != channels)) {
    return false;
  }
  for (size_t m = 0; m < channels; ++m) {
    const double expected = static_cast<float>(
        x.scales[0] * w.scales[w.scales.size() == 1 ? 0 : m]);  // numpy's float32 product
    const double actual = bias.scales[bias.scales.size() == 1 ? 0 : m];
    if (std::fabs(actual - expected) > 2.5e-7 * expected) return false;
  }
  return true;
}

// The zero point input for the fused node: the Q/DQ's own, or a new 0 of its type (the QLinear
// ops require the input).
std::string zero_point_input(Graph& graph, const QuantParams& p, const std::string& base) {
  if (!p.zero_point.empty()) return p.zero_point;
  const std::string name = fresh_value_name(graph, base + "_zero_point");
  Tensor zero = p.type == DataType::kInt8 ? Tensor::scalar(int8_t{0}) : Tensor::scalar(uint8_t{0});
  graph.value_types[name] = TypeInfo{ValueKind::kTensor, zero.dtype(), std::vector<Dim>{}};
  graph.initializers[name] = std::move(zero);
  return name;
}

// B [N, K] of a Gemm with transB, as the [K, N] constant QLinearMatMul reads.
std::optional<std::string> transposed_weight(Graph& graph, const std::string& value) {
  const std::optional<Tensor> w = constant_value(graph, value);
  if (!w || w->rank() != 2 || !eight_bit(w->dtype())) return std::nullopt;
  const int64_t n = w->shape()[0], k = w->shape()[1];
  Tensor t(w->dtype(), Shape{k, n});
  const auto* src = static_cast<const uint8_t*>(w->raw_data());
  auto* dst = static_cast<uint8_t*>(t.raw_data());
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t c = 0; c < k; ++c) dst[c * n + r] = src[r * k + c];
  }
  const std::string name = fresh_value_name(graph, value + "_transposed");
  graph.value_types[name] =
      TypeInfo{ValueKind::kTensor, t.dtype(), std::vector<Dim>{Dim::fixed(k), Dim::fixed(n)}};
  graph.initializers[name] = std::move(t);
  return name;
}

class FuseQdq final : public GraphPass {
 public:
  const std::string& name() const override { return name_; }
  Level level() const override { return Level::kExtended; }

  int run(const Model& model, Graph& graph) const override {
    int changes = 0;
    for (size_t i = 0; i < graph.nodes.size();) {
      const Node& node = graph.nodes[i];
      const bool conv = is_op(node, "Conv"), matmul = is_op(node, "MatMul");
      const bool gemm = is_op(node, "Gemm");
      if ((conv || matmul || gemm) && node.outputs.size() == 1 && node.inputs.size() >= 2 &&
          element_type(graph, node.outputs[0]) == DataType::kFloat32) {
        if (const size_t removed = try_fuse(model, graph, i, conv, gemm)) {
          ++changes;
          i = i + 1 - removed;  // where the node after the op moved to
          continue;
        }
      }
      ++i;
    }
    return changes;
  }

 private:
  // Fuses the pattern around graph.nodes[op_index]; returns how many of the removed nodes sat at
  // or before op_index (the op and its DQs), or 0 when nothing changed.
  static size_t try_fuse(const Model& model, Graph& graph, size_t op_index, bool conv, bool gemm) {
    const GraphIndex index(graph);
    const Node& op = graph.nodes[op_index];
    const auto x = dequantized(model, graph, index, op.inputs[0]);
    const auto w = dequantized(model, graph, index, op.inputs[1]);
    if (!x || !w || !per_tensor_8bit(x->params) || !eight_bit(w->params.type)) return 0;
    bool transpose_b = false;
    std::optional<Dequantized> bias;
    if (conv) {
      if (w->params.axis > 0) return 0;  // per output channel: axis 0 of [M, C, k...]
      if (op.has_input(2)) {
        bias = dequantized(model, graph, index, op.inputs[2]);
        if (!bias || !bias_matches(bias->params, x->params, w->params)) return 0;
      }
    } else {
      const int64_t b_rank = rank_of(graph, w->quantized);
      if (gemm) {
        if (op.has_input(2) || op.attr_float("alpha", 1.0f) != 1.0f ||
            op.attr_int("transA", 0) != 0 || b_rank != 2) {
          return 0;
        }
        transpose_b = op.attr_int("transB", 0) != 0;
      }
      // Per column of a 2-D B: axis 1 of [K, N], or axis 0 of the [N, K] that transB reads.
      const int64_t column_axis = transpose_b ? 0 : 1;
      if (w->params.axis >= 0 && (b_rank != 2 || w->params.axis != column_axis)) return 0;
    }
    const auto y = output_quantization(model, graph, index, op.outputs[0]);
    if (!y) return 0;

    std::vector<size_t> pattern = y->nodes;
    pattern.push_back(op_index);
    // DQs read by the op alone go with it; others stay for their other readers.
    std::vector<const Dequantized*> inputs = {&*x, &*w};
    if (bias) inputs.push_back(&*bias);
    for (const Dequantized* d : inputs) {
      const std::string& out = graph.nodes[d->node].outputs[0];
      const auto& readers = index.consumers(out);
      const bool exclusive =
          !graph.is_graph_output(out) &&
          std::all_of(readers.begin(), readers.end(), [&](NodeIndex r) { return r == op_index; });
      if (exclusive && graph.nodes[d->node].outputs.size() == 1) pattern.push_back(d->node);
    }
    if (!index.replaceable(pattern, y->quantize)) return 0;

    std::string b_input = w->quantized;
    if (transpose_b) {
      const auto t = transposed_weight(graph, w->quantized);
      if (!t) return 0;
      b_input = *t;
    }
    Node fused;
    fused.name = op.name;
    fused.op_type = conv ? "QLinearConv" : "QLinearMatMul";
    fused.outputs = {graph.nodes[y->quantize].outputs[0]};
    if (conv) fused.attributes = op.attributes;
    const std::string& y_name = fused.outputs[0];
    fused.inputs = {x->quantized,
                    x->params.scale,
                    zero_point_input(graph, x->params, x->quantized),
                    b_input,
                    w->params.scale,
                    zero_point_input(graph, w->params, w->quantized),
                    y->params.scale,
                    zero_point_input(graph, y->params, y_name)};
    if (bias) fused.inputs.push_back(bias->quantized);
    const size_t removed = static_cast<size_t>(
        std::count_if(pattern.begin(), pattern.end(), [&](size_t p) { return p <= op_index; }));
    replace_pattern(graph, std::move(pattern), std::move(fused));
    return removed;
  }

  std::string name_ = "fuse_qdq";
};

}  // namespace

std::unique_ptr<GraphPass> make_fuse_qdq() {
  return std::make_unique<FuseQdq>();
}

}  // namespace aruntime::optimizer
