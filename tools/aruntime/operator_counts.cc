#include "tools/aruntime/operator_counts.h"

namespace aruntime::cli {
namespace {

void count_into(const Graph& graph, bool nested, OperatorCounts& counts) {
  for (const Node& node : graph.nodes) {
    const std::string key =
        node.domain.empty() ? node.op_type : node.op_type + " (" + node.domain + ")";
    ++counts.by_op[key];
    ++(nested ? counts.in_subgraphs : counts.top_level);
    for (const Attribute& attribute : node.attributes) {
      if (attribute.g) count_into(*attribute.g, true, counts);
      for (const auto& subgraph : attribute.graphs) {
        if (subgraph) count_into(*subgraph, true, counts);
      }
    }
  }
}

}  // namespace

OperatorCounts count_operators(const Graph& graph) {
  OperatorCounts counts;
  count_into(graph, false, counts);
  return counts;
}

}  // namespace aruntime::cli
