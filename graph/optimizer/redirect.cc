#include "graph/optimizer/redirect.h"

#include "graph/optimizer/graph_edit.h"

namespace aruntime::optimizer {
namespace {

// Index of the node of graph.nodes[0, before) that produces `value`, or `before` when none does.
size_t producer_before(const Graph& graph, const std::string& value, size_t before) {
  for (size_t p = 0; p < before && p < graph.nodes.size(); ++p) {
    for (const auto& o : graph.nodes[p].outputs) {
      if (o == value) return p;
    }
  }
  return before;
}

}  // namespace

bool can_redirect_reads(const Graph& graph, const std::string& from, const std::string& to,
                        size_t producer) {
  if (from == to || !graph.is_graph_output(from)) return true;
  if (graph.is_graph_output(to) || graph.is_graph_input(to) || graph.is_initializer(to))
    return false;
  return producer_before(graph, to, producer) < producer;
}

void redirect_reads(Graph& graph, std::string from, std::string to, size_t producer) {
  if (from == to) return;
  if (!graph.is_graph_output(from)) {
    rename_reads(graph, from, to);
    graph.value_types.erase(from);
    return;
  }
  const size_t p = producer_before(graph, to, producer);
  for (auto& o : graph.nodes[p].outputs) {
    if (o == to) o = from;
  }
  rename_reads(graph, to, from);
  graph.value_types.erase(to);
}

bool bypass_node(Graph& graph, size_t index, const std::string& source) {
  const std::string out = graph.nodes[index].outputs[0];
  if (!can_redirect_reads(graph, out, source, index)) return false;
  redirect_reads(graph, out, source, index);
  graph.nodes.erase(graph.nodes.begin() + static_cast<std::ptrdiff_t>(index));
  return true;
}

}  // namespace aruntime::optimizer
