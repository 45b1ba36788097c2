#include "core/partitioner.h"

#include <algorithm>
#include <set>

#include "aruntime/status.h"
#include "core/placement_rules.h"
#include "graph/standard_functions.h"
#include "graph/shape_inference.h"
#include "graph/type_inference.h"

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

namespace {

// Asks every provider in order; nodes nobody takes keep provider -1.
PartitionResult assign_nodes(const Model& model, const Graph& graph,
                             const std::vector<const ExecutionProvider*>& providers,
                             const std::string& origin, const PlacementOptions& options) {
  PartitionResult result;
  const size_t n = graph.nodes.size();
  result.nodes.resize(n);
  std::vector<bool> assigned(n, false);
  const NodePins pins = resolve_pins(graph, providers, options);
  const std::vector<bool> shape_nodes = shape_computation_nodes(graph);

  for (size_t p = 0; p < providers.size(); ++p) {
    const ExecutionProvider& ep = *providers[p];
    // A node pinned to another provider is not offered to this one.
    std::vector<bool> unavailable = assigned;
    std::vector<bool> pinned_here(n, false);
    for (NodeIndex i = 0; i < n; ++i) {
      if (assigned[i] || pins.provider[i] < 0) continue;
      if (pins.provider[i] == static_cast<int>(p)) {
        pinned_here[i] = true;
      } else {
        unavailable[i] = true;
        result.nodes[i].declines.emplace_back(static_cast<int>(p), "pinned to " + providers[pins.provider[i]]->name() +
                                                                         " by assignment '" + pins.source[i] + "'");
      }
    }
    GraphView view(model, graph, unavailable, &pinned_here);
    CapabilityReport report = ep.capabilities(view);
    for (auto& claim : report.claims) {
      for (NodeIndex i : claim.nodes) {
        if (i >= n || unavailable[i]) {
          throw_error(ErrorCode::kRuntimeError,
                      origin + ": provider " + ep.name() + " claimed " +
                          (i >= n ? "a node index out of range" : graph.nodes[i].describe() + ", which is not available to it"));
        }
      }
    }
    if (!ep.device().is_cpu()) apply_device_cost_rules(graph, report, pinned_here, shape_nodes, options);
    for (auto& claim : report.claims) {
      if (claim.nodes.empty()) continue;
      for (NodeIndex i : claim.nodes) {
        if (assigned[i]) {
          throw_error(ErrorCode::kRuntimeError, origin + ": provider " + ep.name() + " claimed " +
                                                    graph.nodes[i].describe() + ", which is already assigned");
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
      if (d.node < n && !unavailable[d.node] && !assigned[d.node]) {
        result.nodes[d.node].declines.emplace_back(static_cast<int>(p), d.reason);
      }
    }
  }
  // A pin is a requirement: the named provider must have taken the node.
  for (NodeIndex i = 0; i < n; ++i) {
    const int want = pins.provider[i];
    if (want < 0 || result.nodes[i].provider == want) continue;
    std::string why = "it did not claim it";
    for (const auto& [p, reason] : result.nodes[i].declines) {
      if (p == want) why = "it declined: " + reason;
    }
    throw_error(ErrorCode::kInvalidArgument, origin + ": " + graph.nodes[i].describe() + " is assigned to " +
                                                 providers[want]->name() + " by '" + pins.source[i] + "', but " + why);
  }

  return result;
}

std::vector<NodeIndex> unassigned_nodes(const PartitionResult& result) {
  std::vector<NodeIndex> missing;
  for (NodeIndex i = 0; i < result.nodes.size(); ++i) {
    if (result.nodes[i].provider < 0) missing.push_back(i);
  }
  return missing;
}

// Every node must have a home; report them all at once, on one line.
void throw_if_unassigned(const Model& model, const Graph& graph, const PartitionResult& result,
                         const std::vector<const ExecutionProvider*>& providers, const std::string& origin) {
  const std::vector<NodeIndex> missing = unassigned_nodes(result);
  if (missing.empty()) return;
  std::string detail;
  // Every node, up to a bound that keeps the line readable when a provider takes almost nothing.
  constexpr size_t kListed = 64;
  for (size_t k = 0; k < missing.size() && k < kListed; ++k) {
    const Node& node = graph.nodes[missing[k]];
    detail += (k ? "; " : "") + node.describe() + " at opset " + std::to_string(model.opset(node.domain));
    for (const auto& [p, reason] : result.nodes[missing[k]].declines) {
      detail += " — " + (p == kFunctionBodyDecline ? std::string("ONNX function") : providers[p]->name()) + ": " + reason;
    }
  }
  std::string names;
  for (size_t p = 0; p < providers.size(); ++p) names += (p ? "," : "") + providers[p]->name();
  if (missing.size() > kListed) detail += "; and " + std::to_string(missing.size() - kListed) + " more";
  throw_error(ErrorCode::kNotImplemented, origin + ": no provider (" + names + ") can run " +
                                              std::to_string(missing.size()) + " node(s): " + detail);
}

// Each group may be convex on its own and still two groups can depend on each other (a path from
// group A to group B and one from B back to A); fused into single nodes they would deadlock.
// Checks the graph with every group contracted to one node for a cycle.
void check_groups_acyclic(const Graph& graph, const PartitionResult& result,
                          const std::vector<const ExecutionProvider*>& providers, const std::string& origin) {
  if (result.groups.size() < 2) return;
  const size_t n = graph.nodes.size();
  auto unit = [&](NodeIndex i) { return result.nodes[i].group >= 0 ? n + static_cast<size_t>(result.nodes[i].group) : i; };
  const size_t units = n + result.groups.size();
  std::vector<std::vector<size_t>> successors(units);
  std::vector<int> indegree(units, 0);
  const auto consumers = graph.consumers();
  for (NodeIndex i = 0; i < n; ++i) {
    for (const auto& out : graph.nodes[i].outputs) {
      auto it = consumers.find(out);
      if (out.empty() || it == consumers.end()) continue;
      for (NodeIndex c : it->second) {
        if (unit(c) == unit(i)) continue;
        successors[unit(i)].push_back(unit(c));
        ++indegree[unit(c)];
      }
    }
  }
  std::vector<size_t> ready;
  std::vector<char> used(units, 0);
  for (NodeIndex i = 0; i < n; ++i) used[unit(i)] = 1;
  for (size_t u = 0; u < units; ++u) {
    if (used[u] && indegree[u] == 0) ready.push_back(u);
  }
  size_t done = 0;
  while (!ready.empty()) {
    const size_t u = ready.back();
    ready.pop_back();
    ++done;
    for (size_t v : successors[u]) {
      if (--indegree[v] == 0) ready.push_back(v);
    }
  }
  size_t total = 0;
  for (size_t u = 0; u < units; ++u) total += used[u];
  if (done == total) return;
  std::string stuck;
  for (size_t g = 0; g < result.groups.size(); ++g) {
    if (indegree[n + g] <= 0) continue;
    const FusedGroup& group = result.groups[g];
    stuck += (stuck.empty() ? "" : ", ") + providers[group.provider]->name() + " group starting at " +
             graph.nodes[group.nodes.front()].describe();
  }
  throw_error(ErrorCode::kRuntimeError, origin + ": fused groups depend on each other in a cycle (" + stuck +
                                            "); a provider must not claim groups that feed each other");
}

// Bodies of functions may themselves hold function ops nobody runs; this bounds the rounds.
constexpr int kMaxExpansionRounds = 16;

}  // namespace

PartitionResult partition_graph(const Model& model, const Graph& graph,
                                const std::vector<const ExecutionProvider*>& providers,
                                const std::string& origin, const PlacementOptions& options) {
  PartitionResult result = assign_nodes(model, graph, providers, origin, options);
  throw_if_unassigned(model, graph, result, providers, origin);
  check_groups_acyclic(graph, result, providers, origin);
  return result;
}

PartitionResult partition_expanding_functions(const Model& model, Graph& graph,
                                              const std::vector<const ExecutionProvider*>& providers,
                                              const std::string& origin, const PlacementOptions& options) {
  for (int round = 0;; ++round) {
    PartitionResult result = assign_nodes(model, graph, providers, origin, options);
    const std::vector<NodeIndex> missing = unassigned_nodes(result);
    if (missing.empty()) {
      check_groups_acyclic(graph, result, providers, origin);
      return result;
    }
    bool expanded = false;
    // Back to front, so the indices still to visit stay valid as bodies are spliced in.
    for (auto it = missing.rbegin(); it != missing.rend() && round < kMaxExpansionRounds; ++it) {
      FunctionExpansion body = expand_standard_function(model, graph, graph.nodes[*it]);
      if (body.result == FunctionExpansion::Result::kUnusable) {
        result.nodes[*it].declines.emplace_back(kFunctionBodyDecline, body.reason);
      }
      if (body.result != FunctionExpansion::Result::kExpanded) continue;
      const auto at = graph.nodes.erase(graph.nodes.begin() + static_cast<std::ptrdiff_t>(*it));
      graph.nodes.insert(at, std::make_move_iterator(body.nodes.begin()), std::make_move_iterator(body.nodes.end()));
      expanded = true;
    }
    if (!expanded) {
      throw_if_unassigned(model, graph, result, providers, origin);
      check_groups_acyclic(graph, result, providers, origin);
      return result;
    }
    infer_types(graph);
    infer_shapes(graph);
  }
}

}  // namespace aruntime
