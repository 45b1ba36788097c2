// Layer normalization spelled out by exporters that predate the operator (opset < 17) or avoid it:
//   mu = ReduceMean(x), d = x - mu, var = ReduceMean(d^2 or d*d), y = d / Sqrt(var + eps),
//   then y * gamma (+ beta)
// over the last axes of x, with keepdims. It becomes LayerNormalization(x, gamma, beta) when the
// model imports opset 17 or later, aruntime.LayerNormalization (same contract) otherwise. Only
// fires when both means reduce the same trailing axes and gamma/beta are constants of the
// normalised axes' shape (or broadcast to it without adding axes).
#include <algorithm>

#include "graph/optimizer/fuse_common.h"
#include "graph/optimizer/fused_domain.h"
#include "graph/optimizer/graph_edit.h"
#include "graph/optimizer/passes.h"

namespace aruntime::optimizer {
namespace {

class FuseLayerNorm final : public GraphPass {
 public:
  const std::string& name() const override { return name_; }
  Level level() const override { return Level::kExtended; }

  int run(const Model& model, Graph& graph) const override {
    int changes = 0;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      if (!is_op(graph.nodes[i], "ReduceMean")) continue;
      if (fuse_at(model, graph, i)) {
        ++changes;
        --i;
      }
    }
    return changes;
  }

 private:
  // Tries the pattern whose first mean is node `m`.
  bool fuse_at(const Model& model, Graph& graph, size_t m) const {
    const GraphIndex index(graph);
    const Node& mean = graph.nodes[m];
    if (mean.inputs.empty()) return false;
    const std::string x = mean.inputs[0];
    const DataType type = element_type(graph, x);
    const int64_t rank = rank_of(graph, x);
    if ((type != DataType::kFloat32 && type != DataType::kFloat64) || rank < 1) return false;
    const auto axis = trailing_axis(model, graph, mean, rank);
    if (!axis) return false;
    const auto trailing = trailing_static_dims(graph, x, *axis);
    if (!trailing) return false;
    const std::vector<int64_t>& normalized = *trailing;

    // d = x - mu: the Sub reading mu, with x as its first input.
    auto sub = index.only_consumer(mean.outputs[0]);
    if (!sub || !is_op(graph.nodes[*sub], "Sub")) return false;
    const Node& sub_n = graph.nodes[*sub];
    if (sub_n.inputs.size() != 2 || sub_n.inputs[0] != x || sub_n.inputs[1] != mean.outputs[0]) {
      return false;
    }
    const std::string& d = sub_n.outputs[0];
    // d is read twice: by the square and by the final division.
    std::optional<size_t> square, division;
    for (size_t c : index.consumers(d)) {
      const Node& n = graph.nodes[c];
      if (is_op(n, "Pow") && n.inputs.size() == 2 && n.inputs[0] == d) {
        auto e = scalar_constant(graph, n.inputs[1]);
        if (e && *e == 2.0) square = c;
      } else if (is_op(n, "Mul") && n.inputs.size() == 2 && n.inputs[0] == d && n.inputs[1] == d) {
        square = c;
      } else if (is_op(n, "Div") && n.inputs.size() == 2 && n.inputs[0] == d) {
        division = c;
      }
    }
    if (!square || !division) return false;
    auto var = index.only_consumer(graph.nodes[*square].outputs[0]);
    if (!var || !is_op(graph.nodes[*var], "ReduceMean") ||
        trailing_axis(model, graph, graph.nodes[*var], rank) != axis) {
      return false;
    }
    auto plus_eps = index.only_consumer(graph.nodes[*var].outputs[0]);
    if (!plus_eps || !is_op(graph.nodes[*plus_eps], "Add")) return false;
    const auto eps_input = other_input(graph.nodes[*plus_eps], graph.nodes[*var].outputs[0]);
    const auto eps = eps_input ? scalar_constant(graph, graph.nodes[*plus_eps].inputs[*eps_input])
                               : std::nullopt;
    if (!eps || *eps < 0) return false;
    auto root = index.only_consumer(graph.nodes[*plus_eps].outputs[0]);
    if (!root || !is_op(graph.nodes[*root], "Sqrt")) return false;
    if (graph.nodes[*division].inputs[1] != graph.nodes[*root].outputs[0]) return false;

    // y * gamma, then optionally + beta.
    auto scale = index.only_consumer(graph.nodes[*division].outputs[0]);
    if (!scale || !is_op(graph.nodes[*scale], "Mul")) return false;
    const auto gamma_input = other_input(graph.nodes[*scale], graph.nodes[*division].outputs[0]);
    if (!gamma_input) return false;
    const std::string gamma = graph.nodes[*scale].inputs[*gamma_input];
    std::vector<size_t> pattern = {m, *sub, *square, *var, *plus_eps, *root, *division, *scale};
    size_t last = *scale;
    std::string beta;
    if (auto shift = index.only_consumer(graph.nodes[*scale].outputs[0]);
        shift && is_op(graph.nodes[*shift], "Add")) {
      const auto beta_input = other_input(graph.nodes[*shift], graph.nodes[*scale].outputs[0]);
      if (beta_input && normalization_parameter(graph, graph.nodes[*shift].inputs[*beta_input], type, normalized,
                                  rank, false, "/layer_norm")) {
        beta = graph.nodes[*shift].inputs[*beta_input];
        pattern.push_back(*shift);
        last = *shift;
      }
    }
    if (!normalization_parameter(graph, gamma, type, normalized, rank, false, "/layer_norm")) return false;
    if (!index.replaceable(pattern, last)) return false;

    const std::string y = graph.nodes[last].outputs[0];
    const std::string node_name = graph.nodes[last].name;
    std::vector<std::string> inputs = {x, *normalization_parameter(graph, gamma, type, normalized, rank, true, "/layer_norm")};
    if (!beta.empty()) inputs.push_back(*normalization_parameter(graph, beta, type, normalized, rank, true, "/layer_norm"));
    Node norm = fused_node("LayerNormalization", node_name, std::move(inputs), y);
    if (model.opset("") >= 17) norm.domain.clear();
    norm.attributes.push_back(int_attribute("axis", *axis));
    norm.attributes.push_back(float_attribute("epsilon", static_cast<float>(*eps)));
    replace_pattern(graph, std::move(pattern), std::move(norm));
    return true;
  }

  std::string name_ = "fuse_layer_normalization";
};

}  // namespace

std::unique_ptr<GraphPass> make_fuse_layer_normalization() {
  return std::make_unique<FuseLayerNorm>();
}

}  // namespace aruntime::optimizer
