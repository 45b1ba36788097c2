#include "graph/optimizer/graph_edit.h"

#include <unordered_set>

namespace aruntime::optimizer {
namespace {

bool reads(const Graph& graph, const std::string& value) {
  for (const Node& node : graph.nodes) {
    for (const auto& in : node.inputs) {
      if (in == value) return true;
    }
    for (const Attribute& a : node.attributes) {
      if (a.g && reads(*a.g, value)) return true;
      for (const auto& g : a.graphs) {
        if (g && reads(*g, value)) return true;
      }
    }
  }
  for (const auto& out : graph.outputs) {
    if (out.name == value) return true;
  }
  return false;
}

}  // namespace

void rename_reads(Graph& graph, const std::string& from, const std::string& to) {
  for (Node& node : graph.nodes) {
    for (auto& in : node.inputs) {
      if (in == from) in = to;
    }
    for (Attribute& a : node.attributes) {
      if (a.g) rename_reads(*a.g, from, to);
      for (auto& g : a.graphs) {
        if (g) rename_reads(*g, from, to);
      }
    }
  }
  // A subgraph may return an outer value as its output; that read is renamed too.
  if (graph.parent != nullptr) {
    for (auto& out : graph.outputs) {
      if (out.name == from) out.name = to;
    }
  }
}

bool read_by_subgraph(const Graph& graph, const std::string& value) {
  for (const Node& node : graph.nodes) {
    for (const Attribute& a : node.attributes) {
      if (a.g && reads(*a.g, value)) return true;
      for (const auto& g : a.graphs) {
        if (g && reads(*g, value)) return true;
      }
    }
  }
  return false;
}

std::string fresh_value_name(const Graph& graph, const std::string& base) {
  std::unordered_set<std::string> used;
  for (const Graph* g = &graph; g != nullptr; g = g->parent) {
    for (const auto& v : g->inputs) used.insert(v.name);
    for (const auto& v : g->outputs) used.insert(v.name);
    for (const auto& [name, t] : g->initializers) used.insert(name);
    for (const auto& [name, t] : g->value_types) used.insert(name);
    for (const Node& n : g->nodes) {
      used.insert(n.inputs.begin(), n.inputs.end());
      used.insert(n.outputs.begin(), n.outputs.end());
    }
  }
  std::string name = base;
  for (int k = 2; used.count(name); ++k) name = base + "_" + std::to_string(k);
  return name;
}

}  // namespace aruntime::optimizer
