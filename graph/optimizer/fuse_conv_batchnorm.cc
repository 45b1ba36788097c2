// Conv followed by inference BatchNormalization is one Conv: per output channel m,
//   y = s[m] * (conv(x, W)[m] + B[m] - mean[m]) + beta[m],  s[m] = gamma[m] / sqrt(var[m] + eps)
// which is conv(x, W') + B' with W'[m] = s[m] * W[m] and B'[m] = s[m] * (B[m] - mean[m]) + beta[m].
// Folded in double precision, stored as float32.
#include <cmath>

#include "graph/optimizer/graph_edit.h"
#include "graph/optimizer/passes.h"

namespace aruntime::optimizer {
namespace {

const Tensor* float_constant(const Graph& graph, const Node& node, size_t input, int64_t elements) {
  if (!node.has_input(input)) return nullptr;
  const Tensor* t = graph.constant(node.inputs[input]);
  if (t == nullptr || t->dtype() != DataType::kFloat32) return nullptr;
  if (elements >= 0 && (t->rank() != 1 || t->num_elements() != elements)) return nullptr;
  return t;
}

class FuseConvBatchNorm final : public GraphPass {
 public:
  const std::string& name() const override { return name_; }
  Level level() const override { return Level::kBasic; }

  int run(const Model&, Graph& graph) const override {
    int changes = 0;
    for (size_t b = 0; b < graph.nodes.size(); ++b) {
      const Node& bn = graph.nodes[b];
      if (bn.op_type != "BatchNormalization" || !bn.domain.empty() || bn.inputs.size() != 5) continue;
      if (bn.attr_int("training_mode", 0) != 0) continue;
      bool extra_outputs = false;
      for (size_t k = 1; k < bn.outputs.size(); ++k) extra_outputs |= !bn.outputs[k].empty();
      if (extra_outputs) continue;
      const auto consumers = graph.consumers();
      const auto producers = graph.producers();
      auto p = producers.find(bn.inputs[0]);
      if (p == producers.end()) continue;
      const size_t c = p->second;
      const Node& conv = graph.nodes[c];
      if (conv.op_type != "Conv" || !conv.domain.empty() || conv.outputs.size() != 1) continue;
      const std::string mid = conv.outputs[0];
      if (graph.is_graph_output(mid) || consumers.at(mid).size() != 1 || read_by_subgraph(graph, mid)) continue;
      const Tensor* w = float_constant(graph, conv, 1, -1);
      if (w == nullptr || w->rank() < 3) continue;
      const int64_t m = w->shape()[0];
      const Tensor* bias = conv.has_input(2) ? float_constant(graph, conv, 2, m) : nullptr;
      if (conv.has_input(2) && bias == nullptr) continue;
      const Tensor* gamma = float_constant(graph, bn, 1, m);
      const Tensor* beta = float_constant(graph, bn, 2, m);
      const Tensor* mean = float_constant(graph, bn, 3, m);
      const Tensor* var = float_constant(graph, bn, 4, m);
      if (!gamma || !beta || !mean || !var) continue;
      const double eps = bn.attr_float("epsilon", 1e-5f);

      Tensor new_w(DataType::kFloat32, w->shape());
      Tensor new_b(DataType::kFloat32, Shape{m});
      const int64_t per_channel = w->num_elements() / m;
      for (int64_t ch = 0; ch < m; ++ch) {
        const double s = gamma->data<float>()[ch] / std::sqrt(static_cast<double>(var->data<float>()[ch]) + eps);
        for (int64_t k = 0; k < per_channel; ++k) {
          const int64_t idx = ch * per_channel + k;
          new_w.data<float>()[idx] = static_cast<float>(s * w->data<float>()[idx]);
        }
        const double b0 = bias ? bias->data<float>()[ch] : 0.0;
        new_b.data<float>()[ch] = static_cast<float>(s * (b0 - mean->data<float>()[ch]) + beta->data<float>()[ch]);
      }
      const std::string w_name = fresh_value_name(graph, conv.name + "/bn_folded_weight");
      graph.initializers.emplace(w_name, std::move(new_w));
      graph.value_types[w_name] = TypeInfo{ValueKind::kTensor, DataType::kFloat32, dims_of(graph.initializers.at(w_name))};
      const std::string b_name = fresh_value_name(graph, conv.name + "/bn_folded_bias");
      graph.initializers.emplace(b_name, std::move(new_b));
      graph.value_types[b_name] = TypeInfo{ValueKind::kTensor, DataType::kFloat32, std::vector<Dim>{Dim::fixed(m)}};

      const std::string out = bn.outputs[0];
      Node& fused = graph.nodes[c];
      fused.inputs.resize(3);
      fused.inputs[1] = w_name;
      fused.inputs[2] = b_name;
      fused.outputs[0] = out;
      graph.value_types.erase(mid);
      graph.nodes.erase(graph.nodes.begin() + static_cast<std::ptrdiff_t>(b));
      --b;
      ++changes;
    }
    return changes;
  }

 private:
  static std::vector<Dim> dims_of(const Tensor& t) {
    std::vector<Dim> dims;
    for (int64_t d : t.shape().dims()) dims.push_back(Dim::fixed(d));
    return dims;
  }

  std::string name_ = "fuse_conv_batchnorm";
};

}  // namespace

std::unique_ptr<GraphPass> make_fuse_conv_batchnorm() { return std::make_unique<FuseConvBatchNorm>(); }

}  // namespace aruntime::optimizer
