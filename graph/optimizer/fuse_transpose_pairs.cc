// Transpose(Transpose(x, p1), p2) is Transpose(x, q) with q[i] = p1[p2[i]] (output dim i of the
// second is its input dim p2[i], which is x's dim p1[p2[i]]). When q is the identity the pair
// vanishes. The first Transpose stays while something else reads it (eliminate_dead_code removes
// it otherwise), so rewriting the second never adds work.
#include <numeric>
#include <optional>

#include "graph/optimizer/passes.h"
#include "graph/optimizer/redirect.h"

namespace aruntime::optimizer {
namespace {

// The node's permutation, or nullopt when it is not a valid one. Without `perm` the dims are
// reversed, which needs the rank of the input.
std::optional<std::vector<int64_t>> permutation(const Graph& graph, const Node& node) {
  std::vector<int64_t> perm;
  if (const Attribute* a = node.find_attribute("perm")) {
    if (a->type != Attribute::Type::kInts) return std::nullopt;
    perm = a->ints;
  } else {
    const TypeInfo* type = graph.find_type(node.inputs[0]);
    if (type == nullptr || !type->shape) return std::nullopt;
    perm.resize(type->shape->size());
    std::iota(perm.rbegin(), perm.rend(), int64_t{0});
  }
  std::vector<bool> seen(perm.size(), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(perm.size()) || seen[static_cast<size_t>(p)])
      return std::nullopt;
    seen[static_cast<size_t>(p)] = true;
  }
  return perm;
}

bool is_transpose(const Node& node) {
  return node.op_type == "Transpose" && node.domain.empty() && node.has_input(0) &&
         node.outputs.size() == 1 && node.has_output(0);
}

class FuseTransposePairs final : public GraphPass {
 public:
  const std::string& name() const override { return name_; }
  Level level() const override { return Level::kBasic; }

  int run(const Model&, Graph& graph) const override {
    int changes = 0;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      if (!is_transpose(graph.nodes[i])) continue;
      const auto producers = graph.producers();
      auto p = producers.find(graph.nodes[i].inputs[0]);
      if (p == producers.end() || !is_transpose(graph.nodes[p->second])) continue;
      const Node& first = graph.nodes[p->second];
      const auto p1 = permutation(graph, first);
      const auto p2 = permutation(graph, graph.nodes[i]);
      if (!p1 || !p2 || p1->size() != p2->size()) continue;
      std::vector<int64_t> q(p2->size());
      bool identity = true;
      for (size_t k = 0; k < q.size(); ++k) {
        q[k] = (*p1)[static_cast<size_t>((*p2)[k])];
        identity &= q[k] == static_cast<int64_t>(k);
      }
      const std::string source = first.inputs[0];
      if (identity && bypass_node(graph, i, source)) {
        --i;
        ++changes;
        continue;
      }
      Node& second = graph.nodes[i];
      second.inputs[0] = source;
      second.attributes.clear();
      Attribute perm;
      perm.name = "perm";
      perm.type = Attribute::Type::kInts;
      perm.ints = q;
      second.attributes.push_back(perm);
      ++changes;
    }
    return changes;
  }

 private:
  std::string name_ = "fuse_transpose_pairs";
};

}  // namespace

std::unique_ptr<GraphPass> make_fuse_transpose_pairs() {
  return std::make_unique<FuseTransposePairs>();
}

}  // namespace aruntime::optimizer
