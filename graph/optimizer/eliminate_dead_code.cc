// Nodes whose results nobody reads, and initializers nothing reads. ONNX ops have no side
// effects, so such nodes only cost time and memory.
#include <unordered_set>

#include "graph/optimizer/passes.h"

namespace aruntime::optimizer {
namespace {

void collect_reads(const Graph& graph, std::unordered_set<std::string>& read) {
  for (const Node& node : graph.nodes) {
    read.insert(node.inputs.begin(), node.inputs.end());
    for (const Attribute& a : node.attributes) {
      if (a.g) collect_reads(*a.g, read);
      for (const auto& g : a.graphs) {
        if (g) collect_reads(*g, read);
      }
    }
  }
  for (const auto& out : graph.outputs) read.insert(out.name);
}

class EliminateDeadCode final : public GraphPass {
 public:
  const std::string& name() const override { return name_; }
  Level level() const override { return Level::kBasic; }

  int run(const Model&, Graph& graph) const override {
    int changes = 0;
    // Back to front: removing a dead node can make its producers dead in the same sweep.
    std::unordered_set<std::string> read;
    collect_reads(graph, read);
    for (size_t i = graph.nodes.size(); i-- > 0;) {
      const Node& node = graph.nodes[i];
      bool used = false;
      for (const auto& o : node.outputs) used |= !o.empty() && read.count(o);
      if (used) continue;
      graph.nodes.erase(graph.nodes.begin() + static_cast<std::ptrdiff_t>(i));
      ++changes;
      read.clear();
      collect_reads(graph, read);
    }
    for (auto it = graph.initializers.begin(); it != graph.initializers.end();) {
      if (read.count(it->first) || graph.is_graph_input(it->first)) {
        ++it;
        continue;
      }
      graph.value_types.erase(it->first);
      it = graph.initializers.erase(it);
      ++changes;
    }
    return changes;
  }

 private:
  std::string name_ = "eliminate_dead_code";
};

}  // namespace

std::unique_ptr<GraphPass> make_eliminate_dead_code() { return std::make_unique<EliminateDeadCode>(); }

}  // namespace aruntime::optimizer
