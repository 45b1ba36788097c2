// Chains of shape-only ops:
//  - Reshape(Reshape(x, s1), s2) is Reshape(x, s2) when s2 is a constant that does not copy dims
//    from its input (no 0 entries, or allowzero set, where 0 means an empty dim): -1 resolves from
//    the element count, which both inputs share.
//  - Squeeze(Unsqueeze(x, a), a) and Unsqueeze(Squeeze(x, a), a) are x: the axes are both
//    normalised against the rank of the larger tensor (Unsqueeze's output, Squeeze's input), so
//    the same set inserts exactly the dims the other removes. Squeeze without axes (every 1-dim)
//    is left alone.
// The first node stays while something else reads it.
#include <algorithm>
#include <optional>

#include "graph/optimizer/passes.h"
#include "graph/optimizer/redirect.h"

namespace aruntime::optimizer {
namespace {

bool is_single_output(const Node& node, const char* op) {
  return node.op_type == op && node.domain.empty() && node.has_input(0) &&
         node.outputs.size() == 1 && node.has_output(0);
}

std::optional<std::vector<int64_t>> constant_ints(const Graph& graph, const Node& node,
                                                  size_t input) {
  if (!node.has_input(input)) return std::nullopt;
  const Tensor* t = graph.constant(node.inputs[input]);
  if (t == nullptr || (t->dtype() != DataType::kInt64 && t->dtype() != DataType::kInt32) ||
      t->rank() > 1) {
    return std::nullopt;
  }
  return t->to_int64_vector();
}

// Squeeze/Unsqueeze axes as written (attribute before opset 13, input 1 from 13); nullopt when
// absent or not constant.
std::optional<std::vector<int64_t>> raw_axes(const Graph& graph, const Node& node, int64_t opset) {
  if (opset >= 13) return constant_ints(graph, node, 1);
  if (!node.has_attribute("axes")) return std::nullopt;
  return node.attr_ints("axes");
}

// The axes normalised against `rank` and sorted; nullopt when absent, empty, out of range or
// repeated.
std::optional<std::vector<int64_t>> axes_of(const Graph& graph, const Node& node, int64_t opset,
                                            int64_t rank) {
  std::optional<std::vector<int64_t>> axes = raw_axes(graph, node, opset);
  if (!axes || axes->empty()) return std::nullopt;
  for (int64_t& a : *axes) {
    if (a < 0) a += rank;
    if (a < 0 || a >= rank) return std::nullopt;
  }
  std::sort(axes->begin(), axes->end());
  if (std::adjacent_find(axes->begin(), axes->end()) != axes->end()) return std::nullopt;
  return axes;
}

int64_t rank_of(const Graph& graph, const std::string& value) {
  const TypeInfo* type = graph.find_type(value);
  return type != nullptr && type->kind == ValueKind::kTensor && type->shape
             ? static_cast<int64_t>(type->shape->size())
             : -1;
}

class FuseReshapeChains final : public GraphPass {
 public:
  const std::string& name() const override { return name_; }
  Level level() const override { return Level::kBasic; }

  int run(const Model& model, Graph& graph) const override {
    const int64_t opset = model.opset("");
    int changes = 0;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const Node& second = graph.nodes[i];
      const bool reshape = is_single_output(second, "Reshape");
      const bool squeeze = is_single_output(second, "Squeeze");
      const bool unsqueeze = is_single_output(second, "Unsqueeze");
      if (!reshape && !squeeze && !unsqueeze) continue;
      const auto producers = graph.producers();
      auto p = producers.find(second.inputs[0]);
      if (p == producers.end()) continue;
      const Node& first = graph.nodes[p->second];
      if (reshape) {
        if (!is_single_output(first, "Reshape") || !shape_is_absolute(graph, second)) continue;
        graph.nodes[i].inputs[0] = first.inputs[0];
        ++changes;
        continue;
      }
      // Squeeze after Unsqueeze, or Unsqueeze after Squeeze, over the same axes.
      if (!is_single_output(first, squeeze ? "Unsqueeze" : "Squeeze")) continue;
      const std::string& wide =
          squeeze ? second.inputs[0] : first.inputs[0];  // the higher-rank tensor
      int64_t rank = rank_of(graph, wide);
      if (rank < 0 && squeeze) {  // Unsqueeze's output rank: its input's plus the axes added
        const int64_t in_rank = rank_of(graph, first.inputs[0]);
        const auto added = raw_axes(graph, first, opset);
        if (in_rank >= 0 && added) rank = in_rank + static_cast<int64_t>(added->size());
      }
      if (rank < 0) continue;
      const auto a1 = axes_of(graph, first, opset, rank);
      const auto a2 = axes_of(graph, second, opset, rank);
      if (!a1 || !a2 || *a1 != *a2) continue;
      if (bypass_node(graph, i, std::string(first.inputs[0]))) {
        --i;
        ++changes;
      }
    }
    return changes;
  }

 private:
  static bool shape_is_absolute(const Graph& graph, const Node& reshape) {
    const auto shape = constant_ints(graph, reshape, 1);
    if (!shape) return false;
    if (reshape.attr_int("allowzero", 0) != 0) return true;
    return std::find(shape->begin(), shape->end(), 0) == shape->end();
  }

  std::string name_ = "fuse_reshape_chains";
};

}  // namespace

std::unique_ptr<GraphPass> make_fuse_reshape_chains() {
  return std::make_unique<FuseReshapeChains>();
}

}  // namespace aruntime::optimizer
