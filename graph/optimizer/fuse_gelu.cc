// GELU as exporters spell it out, one Gelu node instead of five to nine elementwise ones:
//   erf form   0.5 * x * (1 + Erf(x / sqrt(2)))                            (x * (1/sqrt(2)) too)
//   tanh form  0.5 * x * (1 + Tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))     (x^3 as Pow or Mul)
// with the final products in any of torch's orders: (x * (1 + t)) * 0.5, (x * 0.5) * (1 + t),
// x * ((1 + t) * 0.5). Models of opset 20 or later get ONNX Gelu, older ones aruntime.Gelu.
#include <cmath>
#include <numbers>

#include "graph/optimizer/fuse_common.h"
#include "graph/optimizer/fused_domain.h"
#include "graph/optimizer/passes.h"

namespace aruntime::optimizer {
namespace {

// Matching works on one GraphIndex; each step checks an op and constant operands, and the pattern
// as a whole is checked by GraphIndex::replaceable before anything changes.
class Matcher {
 public:
  Matcher(const Graph& graph, const GraphIndex& index) : graph_(graph), index_(index) {}

  // The node producing `value` when it is a two-input `op` one of whose inputs is a scalar
  // constant close to `constant`; `*other` receives the remaining input.
  std::optional<size_t> op_with_constant(const std::string& value, std::string_view op,
                                         double constant, std::string* other) const {
    auto p = index_.producer(value, op);
    if (!p) return std::nullopt;
    const Node& n = graph_.nodes[*p];
    if (n.inputs.size() != 2 || n.outputs.size() != 1) return std::nullopt;
    for (size_t k = 0; k < 2; ++k) {
      // Div is not commutative: its constant must be the divisor.
      if (op == "Div" && k == 0) continue;
      auto c = scalar_constant(graph_, n.inputs[k]);
      if (c && close_to(*c, constant)) {
        *other = n.inputs[1 - k];
        return p;
      }
    }
    return std::nullopt;
  }

  // The only reader of `value` when it is a two-input default-domain `op`.
  std::optional<size_t> consumer(const std::string& value, std::string_view op) const {
    auto c = index_.only_consumer(value);
    if (!c || !is_op(graph_.nodes[*c], op) || graph_.nodes[*c].inputs.size() != 2 ||
        graph_.nodes[*c].outputs.size() != 1) {
      return std::nullopt;
    }
    return c;
  }

  // Given t (Erf or Tanh output) and x, matches (1 + t) and the products with x and 0.5; appends
  // the nodes to `pattern` and returns the last one.
  std::optional<size_t> match_tail(const std::string& t, const std::string& x,
                                   std::vector<size_t>& pattern) const {
    auto plus = consumer(t, "Add");
    if (!plus) return std::nullopt;
    std::string t_again;
    if (!op_with_constant(graph_.nodes[*plus].outputs[0], "Add", 1.0, &t_again) || t_again != t) {
      return std::nullopt;
    }
    const std::string& one_plus = graph_.nodes[*plus].outputs[0];
    auto q = consumer(one_plus, "Mul");
    if (!q) return std::nullopt;
    const Node& qn = graph_.nodes[*q];
    const std::string& other = qn.inputs[qn.inputs[0] == one_plus ? 1 : 0];
    std::string rest;
    if (other == x) {  // (x * (1 + t)) * 0.5
      auto half = consumer(qn.outputs[0], "Mul");
      if (!half || !op_with_constant(graph_.nodes[*half].outputs[0], "Mul", 0.5, &rest) ||
          rest != qn.outputs[0]) {
        return std::nullopt;
      }
      pattern.insert(pattern.end(), {*plus, *q, *half});
      return half;
    }
    if (auto c = scalar_constant(graph_, other); c && close_to(*c, 0.5)) {  // x * ((1 + t) * 0.5)
      auto outer = consumer(qn.outputs[0], "Mul");
      if (!outer) return std::nullopt;
      const Node& on = graph_.nodes[*outer];
      if (on.inputs[0] != x && on.inputs[1] != x) return std::nullopt;
      pattern.insert(pattern.end(), {*plus, *q, *outer});
      return outer;
    }
    // (x * 0.5) * (1 + t)
    auto half = op_with_constant(other, "Mul", 0.5, &rest);
    if (!half || rest != x) return std::nullopt;
    pattern.insert(pattern.end(), {*plus, *half, *q});
    return q;
  }

  // x^3 spelled Pow(x, 3), x * (x * x) or (x * x) * x; appends its nodes to `pattern`.
  bool match_cube(const std::string& value, const std::string& x,
                  std::vector<size_t>& pattern) const {
    std::string base;
    if (auto pow = op_with_constant(value, "Pow", 3.0, &base)) {
      if (base != x || graph_.nodes[*pow].inputs[0] != x) return false;
      pattern.push_back(*pow);
      return true;
    }
    auto outer = index_.producer(value, "Mul");
    if (!outer || graph_.nodes[*outer].inputs.size() != 2) return false;
    const Node& on = graph_.nodes[*outer];
    for (size_t k = 0; k < 2; ++k) {
      if (on.inputs[k] != x) continue;
      auto square = index_.producer(on.inputs[1 - k], "Mul");
      if (!square) continue;
      const Node& sn = graph_.nodes[*square];
      if (sn.inputs.size() == 2 && sn.inputs[0] == x && sn.inputs[1] == x) {
        pattern.insert(pattern.end(), {*outer, *square});
        return true;
      }
    }
    return false;
  }

 private:
  const Graph& graph_;
  const GraphIndex& index_;
};

struct GeluMatch {
  std::vector<size_t> pattern;
  size_t last = 0;
  std::string x;
  bool tanh = false;
};

std::optional<GeluMatch> match_erf(const Graph& graph, const GraphIndex& index, size_t e) {
  const Matcher m(graph, index);
  const Node& erf = graph.nodes[e];
  if (erf.inputs.size() != 1 || erf.outputs.size() != 1) return std::nullopt;
  GeluMatch match;
  auto scale = m.op_with_constant(erf.inputs[0], "Div", std::numbers::sqrt2, &match.x);
  if (!scale) scale = m.op_with_constant(erf.inputs[0], "Mul", 1.0 / std::numbers::sqrt2, &match.x);
  if (!scale) return std::nullopt;
  match.pattern = {*scale, e};
  auto last = m.match_tail(erf.outputs[0], match.x, match.pattern);
  if (!last) return std::nullopt;
  match.last = *last;
  return match;
}

std::optional<GeluMatch> match_tanh(const Graph& graph, const GraphIndex& index, size_t t) {
  const Matcher m(graph, index);
  const Node& tanh = graph.nodes[t];
  if (tanh.inputs.size() != 1 || tanh.outputs.size() != 1) return std::nullopt;
  GeluMatch match;
  match.tanh = true;
  std::string inner;
  const double sqrt_2_over_pi = std::numbers::sqrt2 * std::numbers::inv_sqrtpi;
  auto scale = m.op_with_constant(tanh.inputs[0], "Mul", sqrt_2_over_pi, &inner);
  auto sum = scale ? index.producer(inner, "Add") : std::nullopt;
  if (!sum || graph.nodes[*sum].inputs.size() != 2) return std::nullopt;
  const Node& sn = graph.nodes[*sum];
  for (size_t k = 0; k < 2 && match.x.empty(); ++k) {
    std::vector<size_t> pattern = {*scale, *sum, t};
    std::string cube;
    auto kappa = m.op_with_constant(sn.inputs[1 - k], "Mul", 0.044715, &cube);
    if (!kappa) continue;
    pattern.push_back(*kappa);
    if (!m.match_cube(cube, sn.inputs[k], pattern)) continue;
    match.x = sn.inputs[k];
    match.pattern = std::move(pattern);
  }
  if (match.x.empty()) return std::nullopt;
  auto last = m.match_tail(tanh.outputs[0], match.x, match.pattern);
  if (!last) return std::nullopt;
  match.last = *last;
  return match;
}

class FuseGelu final : public GraphPass {
 public:
  const std::string& name() const override { return name_; }
  Level level() const override { return Level::kExtended; }

  int run(const Model& model, Graph& graph) const override {
    int changes = 0;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const Node& node = graph.nodes[i];
      if (!is_op(node, "Erf") && !is_op(node, "Tanh")) continue;
      const GraphIndex index(graph);
      auto match = is_op(node, "Erf") ? match_erf(graph, index, i) : match_tanh(graph, index, i);
      if (!match || !index.replaceable(match->pattern, match->last)) continue;
      const std::string& y = graph.nodes[match->last].outputs[0];
      const DataType type = element_type(graph, y);
      if ((type != DataType::kFloat32 && type != DataType::kFloat64) ||
          element_type(graph, match->x) != type) {
        continue;
      }
      Node gelu = fused_node("Gelu", graph.nodes[match->last].name, {match->x}, y);
      if (model.opset("") >= 20) gelu.domain.clear();
      if (match->tanh) gelu.attributes.push_back(string_attribute("approximate", "tanh"));
      replace_pattern(graph, match->pattern, std::move(gelu));
      ++changes;
      i = static_cast<size_t>(-1);  // the pattern began before its Erf/Tanh: rescan from the top
    }
    return changes;
  }

 private:
  std::string name_ = "fuse_gelu";
};

}  // namespace

std::unique_ptr<GraphPass> make_fuse_gelu() {
  return std::make_unique<FuseGelu>();
}

}  // namespace aruntime::optimizer
