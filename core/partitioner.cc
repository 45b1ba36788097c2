#include "core/partitioner.h"

#include <algorithm>
#include <set>

#include "aruntime/status.h"

namespace aruntime {

bool is_convex(const Graph& graph, const std::vector<NodeIndex>& group) {
  // Walk forward from the group's outside successors; reaching a group node means a path left
  // the group and came back.
  std::vector<char> in_group(graph.nodes.size(), 0);
  for (NodeIndex n : group) in_group[n] = 1;
  auto consumers = graph.consumers();
  std::vector<char> visited(graph.nodes.size(), 0);
  std::vector<NodeIndex> stack;
  auto push_successors = [&](NodeIndex n, bool from_group) {
    for (const auto& out : graph.nodes[n].outputs) {
      if (out.empty()) continue;
      auto it = consumers.find(out);
      if (it == consumers.end()) continue;
      for (NodeIndex c : it->second) {
        if (from_group && in_group[c]) continue;
        if (!visited[c]) {
          visited[c] = 1;
          stack.push_back(c);
        }
      }
    }
  };
  for (NodeIndex n : group) push_successors(n, true);
  while (!stack.empty()) {
    NodeIndex n = stack.back();
    stack.pop_back();
    if (in_group[n]) return false;
    push_successors(n, false);
  }
  return true;
}

PartitionResult partition_graph(const Model& model, const Graph& graph,
                                const std::vector<const ExecutionProvider*>& providers,
                                const std::string& origin) {
  PartitionResult result;
  const size_t n = graph.nodes.size();
  result.nodes.resize(n);
  std::vector<bool> assigned(n, false);

  for (size_t p = 0; p < providers.size(); ++p) {
    const ExecutionProvider& ep = *providers[p];
    GraphView view(model, graph, assigned);
    CapabilityReport report = ep.capabilities(view);
    for (auto& claim : report.claims) {
      if (claim.nodes.empty()) continue;
      for (NodeIndex i : claim.nodes) {
        if (i >= n || assigned[i]) {
          throw_error(ErrorCode::kRuntimeError,
                      origin + ": provider " + ep.name() + " claimed " +
                          (i >= n ? "a node index out of range" : graph.nodes[i].describe() + ", which is already assigned"));
        }
      }
      if (claim.kind == CapabilityClaim::Kind::kKernel) {
        if (claim.nodes.size() != 1 || claim.kernel == nullptr) {
          throw_error(ErrorCode::kRuntimeError,
                      origin + ": provider " + ep.name() + " made a kernel claim that is not one node with a kernel");
        }
        NodeIndex i = claim.nodes[0];
        assigned[i] = true;
        result.nodes[i].provider = static_cast<int>(p);
        result.nodes[i].kernel = claim.kernel;
        continue;
      }
      std::vector<NodeIndex> group = claim.nodes;
      std::sort(group.begin(), group.end());
      if (std::adjacent_find(group.begin(), group.end()) != group.end()) {
        throw_error(ErrorCode::kRuntimeError, origin + ": provider " + ep.name() + " claimed a group listing a node twice");
      }
      if (!is_convex(graph, group)) {
        throw_error(ErrorCode::kRuntimeError,
                    origin + ": provider " + ep.name() + " claimed a non-convex group starting at " +
                        graph.nodes[group[0]].describe() + " (a path leaves the group and re-enters it)");
      }
      const int g = static_cast<int>(result.groups.size());
      result.groups.push_back({static_cast<int>(p), group});
      for (NodeIndex i : group) {
        assigned[i] = true;
        result.nodes[i].provider = static_cast<int>(p);
        result.nodes[i].group = g;
      }
    }
    for (const auto& d : report.declines) {
      if (d.node < n && !assigned[d.node]) result.nodes[d.node].declines.emplace_back(static_cast<int>(p), d.reason);
    }
  }

  // Every node must have a home; report them all at once, on one line.
  size_t missing = 0;
  std::string detail;
  for (NodeIndex i = 0; i < n; ++i) {
    if (assigned[i]) continue;
    ++missing;
    if (missing <= 8) {
      detail += (missing > 1 ? "; " : "") + graph.nodes[i].describe() + " at opset " +
                std::to_string(model.opset(graph.nodes[i].domain));
      for (const auto& [p, reason] : result.nodes[i].declines) detail += " — " + providers[p]->name() + ": " + reason;
    }
  }
  if (missing > 0) {
    std::string names;
    for (size_t p = 0; p < providers.size(); ++p) names += (p ? "," : "") + providers[p]->name();
    if (missing > 8) detail += "; and " + std::to_string(missing - 8) + " more";
    throw_error(ErrorCode::kNotImplemented, origin + ": no provider (" + names + ") can run " +
                                                std::to_string(missing) + " node(s): " + detail);
  }
  return result;
}

}  // namespace aruntime
