#include "core/cost_model.h"

#include <set>

namespace aruntime {
namespace {

std::optional<std::vector<int64_t>> static_dims(const Graph& graph, const std::string& value) {
  if (value.empty()) return std::nullopt;
  const TypeInfo* t = graph.find_type(value);
  if (t == nullptr || t->kind != ValueKind::kTensor || !t->has_static_shape()) return std::nullopt;
  std::vector<int64_t> dims;
  for (const Dim& d : *t->shape) dims.push_back(d.value);
  return dims;
}

double elements(const std::vector<int64_t>& dims) {
  double n = 1;
  for (int64_t d : dims) n *= static_cast<double>(d);
  return n;
}

std::optional<double> output_elements(const Graph& graph, const Node& node) {
  double total = 0;
  bool any = false;
  for (const auto& o : node.outputs) {
    auto dims = static_dims(graph, o);
    if (!o.empty() && !dims) return std::nullopt;
    if (dims) {
      total += elements(*dims);
      any = true;
    }
  }
  if (!any) return std::nullopt;
  return total;
}

}  // namespace

std::optional<uint64_t> static_value_bytes(const Graph& graph, const std::string& value) {
  auto dims = static_dims(graph, value);
  if (!dims) return std::nullopt;
  const TypeInfo* t = graph.find_type(value);
  if (t->dtype == DataType::kString) return std::nullopt;
  const size_t size = element_size(t->dtype);
  if (size == 0) return std::nullopt;
  return static_cast<uint64_t>(elements(*dims)) * size;
}

std::optional<double> estimate_flops(const Graph& graph, const Node& node) {
  const std::string& op = node.op_type;
  auto in0 = node.inputs.empty() ? std::nullopt : static_dims(graph, node.inputs[0]);
  auto in1 = node.inputs.size() < 2 ? std::nullopt : static_dims(graph, node.inputs[1]);
  auto out0 = node.outputs.empty() ? std::nullopt : static_dims(graph, node.outputs[0]);

  // The runtime's fused ops (graph/optimizer/fused_domain.h) cost what the op they extend does.
  if (op == "Conv" || op == "ConvInteger" || op == "QLinearConv" || op == "FusedConv") {
    // 2 * output elements * (input channels per group * kernel window)
    const std::string& w = op == "QLinearConv" ? node.inputs.at(3) : node.inputs.at(1);
    auto wd = static_dims(graph, w);
    if (!out0 || !wd || wd->size() < 2) return std::nullopt;
    double window = 1;
    for (size_t i = 1; i < wd->size(); ++i) window *= static_cast<double>((*wd)[i]);
    return 2.0 * elements(*out0) * window;
  }
  if (op == "ConvTranspose") {
    auto wd = static_dims(graph, node.inputs.at(1));
    if (!in0 || !wd || wd->size() < 2) return std::nullopt;
    double window = 1;
    for (size_t i = 1; i < wd->size(); ++i) window *= static_cast<double>((*wd)[i]);
    return 2.0 * elements(*in0) * window;
  }
  if (op == "Attention") {
    // Q K^T and P V: 2 * 2 * output elements * keys (head sizes of Q and V alike).
    if (!out0 || !in1 || in1->size() < 2) return std::nullopt;
    const bool k_transposed = node.attr_int("k_transposed", 0) != 0;
    const int64_t keys = k_transposed ? in1->back() : (*in1)[in1->size() - 2];
    return 4.0 * elements(*out0) * static_cast<double>(keys);
  }
  if (op == "Gemm" || op == "MatMul" || op == "MatMulInteger" || op == "QLinearMatMul" || op == "FusedGemm" ||
      op == "FusedMatMul") {
    // 2 * output elements * inner dimension
    auto a = op == "QLinearMatMul" ? static_dims(graph, node.inputs.at(0)) : in0;
    if (!a || !out0 || a->empty()) return std::nullopt;
    int64_t k = a->back();
    if ((op == "Gemm" || op == "FusedGemm") && node.attr_int("transA", 0) != 0 && a->size() == 2) k = (*a)[0];
    if (op == "FusedMatMul" && node.attr_int("transA", 0) != 0 && a->size() >= 2) k = (*a)[a->size() - 2];
    return 2.0 * elements(*out0) * static_cast<double>(k);
  }
  if (op == "MaxPool" || op == "AveragePool" || op == "LpPool") {
    if (!out0) return std::nullopt;
    double window = 1;
    for (int64_t k : node.attr_ints("kernel_shape", {})) window *= static_cast<double>(k);
    return elements(*out0) * window;
  }
  static const std::set<std::string> kWholeInput = {
      "GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin",
      "ReduceProd", "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp",
      "ArgMax", "ArgMin"};
  if (kWholeInput.count(op)) {
    if (!in0) return std::nullopt;
    return elements(*in0);
  }
  static const std::set<std::string> kFewPerElement = {
      "BatchNormalization", "LayerNormalization", "InstanceNormalization", "GroupNormalization",
      "Softmax", "LogSoftmax", "RMSNormalization", "LRN", "Gelu", "Erf", "SkipLayerNormalization"};
  if (kFewPerElement.count(op)) {
    if (!out0) return std::nullopt;
    return 5.0 * elements(*out0);
  }
  return output_elements(graph, node);
}

}  // namespace aruntime
