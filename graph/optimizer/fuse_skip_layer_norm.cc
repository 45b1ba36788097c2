// The residual connection of a transformer block and the normalization after it:
//   s = Add(x, skip) [+ bias]  ->  LayerNormalization(s, gamma, beta)
// becomes aruntime.SkipLayerNormalization(x, skip, gamma, beta, bias) -> (y, s), which adds and
// normalises each row while it is in cache instead of writing s and reading it back. The sum
// stays available as output 1 when something else reads it (the residual stream of a pre-LN block,
// or a graph output): the fused node then takes the Add's place, so those readers still come after
// it. Runs after fuse_layer_normalization, so spelled-out normalizations count too. The bias is a
// constant of the normalised axes' shape added to either term (Add(Add(x, skip), bias) or
// Add(x, Add(skip, bias))), as when a Linear's bias was not folded into a FusedGemm.
#include <algorithm>

#include "graph/optimizer/fuse_common.h"
#include "graph/optimizer/fused_domain.h"
#include "graph/optimizer/passes.h"

namespace aruntime::optimizer {
namespace {

// A LayerNormalization (ONNX, or the runtime's own that fuse_layer_normalization writes).
bool is_layer_norm(const Node& node) {
  return node.op_type == "LayerNormalization" &&
         (node.domain.empty() || node.domain == kFusedDomain);
}

bool used(const Graph& graph, const GraphIndex& index, const std::string& value) {
  return !value.empty() && (graph.is_graph_output(value) || !index.consumers(value).empty());
}

class FuseSkipLayerNorm final : public GraphPass {
 public:
  const std::string& name() const override { return name_; }
  Level level() const override { return Level::kExtended; }

  int run(const Model& model, Graph& graph) const override {
    (void)model;
    int changes = 0;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      if (!is_layer_norm(graph.nodes[i])) continue;
      if (fuse_at(graph, i)) {
        ++changes;
        i = static_cast<size_t>(-1);  // the fused node may have moved up to the Add: rescan
      }
    }
    return changes;
  }

 private:
  bool fuse_at(Graph& graph, size_t n) const {
    const GraphIndex index(graph);
    const Node& norm = graph.nodes[n];
    if (norm.inputs.size() < 2 || norm.inputs[0].empty() || norm.outputs.empty()) return false;
    // Mean and InvStdDev (ONNX outputs 1 and 2) are not outputs of the fused op.
    for (size_t k = 1; k < norm.outputs.size(); ++k) {
      if (used(graph, index, norm.outputs[k])) return false;
    }
    const std::string& sum = norm.inputs[0];
    const DataType type = element_type(graph, sum);
    const int64_t rank = rank_of(graph, sum);
    if ((type != DataType::kFloat32 && type != DataType::kFloat64) || rank < 1) return false;
    int64_t axis = norm.attr_int("axis", -1);
    if (axis < -rank || axis >= rank) return false;
    if (axis < 0) axis += rank;
    const TypeInfo* st = graph.find_type(sum);
    std::vector<int64_t> normalized;
    for (int64_t d = axis; d < rank; ++d) {
      if (!(*st->shape)[d].is_static()) return false;
      normalized.push_back((*st->shape)[d].value);
    }
    // Gamma and beta as the fused op takes them: exactly the normalised dims.
    auto parameter_ok = [&](const std::string& value) {
      return element_type(graph, value) == type && static_shape(graph, value) == normalized;
    };
    const std::string gamma = norm.inputs[1];
    const std::string beta = norm.inputs.size() > 2 ? norm.inputs[2] : "";
    if (!parameter_ok(gamma) || (!beta.empty() && !parameter_ok(beta))) return false;

    auto add = index.producer(sum, "Add");
    if (!add) return false;
    const Node& top = graph.nodes[*add];
    if (top.inputs.size() != 2 || top.outputs.size() != 1) return false;
    // The two terms of x + skip, both of the sum's shape, and a bias on one side.
    std::vector<size_t> pattern = {*add, n};
    std::string x = top.inputs[0], skip = top.inputs[1], bias;
    auto is_bias = [&](const std::string& value) {
      return constant_value(graph, value).has_value() && parameter_ok(value);
    };
    for (size_t k = 0; k < 2 && bias.empty(); ++k) {
      auto inner = index.producer(top.inputs[k], "Add");
      if (!inner || index.only_consumer(top.inputs[k]) != *add) continue;
      const Node& in = graph.nodes[*inner];
      if (in.inputs.size() != 2 || in.outputs.size() != 1) continue;
      if (is_bias(top.inputs[1 - k])) {  // Add(Add(x, skip), bias)
        bias = top.inputs[1 - k];
        x = in.inputs[0];
        skip = in.inputs[1];
        pattern.push_back(*inner);
        break;
      }
      for (size_t j = 0; j < 2; ++j) {  // Add(x, Add(skip, bias))
        if (!is_bias(in.inputs[j]) || !same_shape(graph, in.inputs[1 - j], sum)) continue;
        bias = in.inputs[j];
        x = top.inputs[1 - k];
        skip = in.inputs[1 - j];
        pattern.push_back(*inner);
        break;
      }
    }
    if (!same_shape(graph, x, sum) || !same_shape(graph, skip, sum)) return false;
    if (element_type(graph, x) != type || element_type(graph, skip) != type) return false;

    // The sum stays an output when anything but the normalization reads it; the fused node then
    // stands where the Add was, and everything it reads must be defined before that.
    const auto& sum_readers = index.consumers(sum);
    const bool keep_sum =
        graph.is_graph_output(sum) ||
        std::any_of(sum_readers.begin(), sum_readers.end(), [&](NodeIndex r) { return r != n; });
    const size_t position = keep_sum ? *add : n;
    std::vector<std::string> inputs = {x, skip, gamma, beta, bias};
    for (const std::string& value : inputs) {
      if (value.empty()) continue;
      auto p = index.producer(value);
      if (p && *p >= position) return false;
    }
    if (!may_fuse(graph, pattern)) return false;  // replaces its pattern without replaceable()
    while (!inputs.empty() && inputs.back().empty()) inputs.pop_back();

    Node fused =
        fused_node("SkipLayerNormalization", norm.name, std::move(inputs), norm.outputs[0]);
    if (keep_sum) fused.outputs.push_back(sum);
    fused.attributes.push_back(int_attribute("axis", axis));
    fused.attributes.push_back(float_attribute("epsilon", norm.attr_float("epsilon", 1e-5f)));

    std::vector<std::string> dropped;
    for (size_t p : pattern) {
      for (const std::string& out : graph.nodes[p].outputs) {
        if (!out.empty() && out != norm.outputs[0] && !(keep_sum && out == sum)) {
          dropped.push_back(out);
        }
      }
    }
    std::sort(pattern.begin(), pattern.end());
    graph.nodes[position] = std::move(fused);
    for (size_t k = pattern.size(); k-- > 0;) {
      if (pattern[k] != position) {
        graph.nodes.erase(graph.nodes.begin() + static_cast<std::ptrdiff_t>(pattern[k]));
      }
    }
    for (const std::string& value : dropped) graph.value_types.erase(value);
    return true;
  }

  std::string name_ = "fuse_skip_layer_normalization";
};

}  // namespace

std::unique_ptr<GraphPass> make_fuse_skip_layer_normalization() {
  return std::make_unique<FuseSkipLayerNorm>();
}

}  // namespace aruntime::optimizer
