#include "core/placement_rules.h"

#include <cstdio>
#include <numeric>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/cost_model.h"

namespace aruntime {
namespace {

std::string op_key(const Node& node) { return node.domain.empty() ? node.op_type : node.domain + ":" + node.op_type; }

std::string human_bytes(double bytes) {
  char buf[32];
  if (bytes >= 1 << 20) {
    std::snprintf(buf, sizeof buf, "%.1f MB", bytes / (1 << 20));
  } else if (bytes >= 1 << 10) {
    std::snprintf(buf, sizeof buf, "%.1f KB", bytes / (1 << 10));
  } else {
    std::snprintf(buf, sizeof buf, "%.0f bytes", bytes);
  }
  return buf;
}

std::string human_flops(double flops) {
  char buf[32];
  if (flops >= 1e9) {
    std::snprintf(buf, sizeof buf, "%.2f GFLOP", flops / 1e9);
  } else if (flops >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.2f MFLOP", flops / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f FLOP", flops);
  }
  return buf;
}

// Union-find over claim indices: claims joined by an edge form one connected device region.
struct Regions {
  std::vector<size_t> parent;
  explicit Regions(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), size_t{0}); }
  size_t find(size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  }
  void join(size_t a, size_t b) { parent[find(a)] = find(b); }
};

}  // namespace

NodePins resolve_pins(const Graph& graph, const std::vector<const ExecutionProvider*>& providers,
                      const PlacementOptions& options) {
  NodePins pins;
  pins.provider.assign(graph.nodes.size(), -1);
  pins.source.assign(graph.nodes.size(), "");
  if (options.assignments.empty()) return pins;
  auto provider_index = [&](const std::string& key, const std::string& name) {
    for (size_t p = 0; p < providers.size(); ++p) {
      if (providers[p]->name() == name) return static_cast<int>(p);
    }
    std::string names;
    for (size_t p = 0; p < providers.size(); ++p) names += (p ? "," : "") + providers[p]->name();
    throw_error(ErrorCode::kInvalidArgument, "assignment '" + key + "=" + name + "' names provider '" + name +
                                                 "', which this session does not use (providers: " + names + ")");
  };
  for (NodeIndex i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    auto by_name = options.assignments.find(node.name);
    auto by_op = options.assignments.find(op_key(node));
    auto hit = by_name != options.assignments.end() ? by_name : by_op;
    if (hit == options.assignments.end()) continue;
    pins.provider[i] = provider_index(hit->first, hit->second);
    pins.source[i] = hit->first + "=" + hit->second;
  }
  return pins;
}

void collect_assignment_keys(const Graph& graph, std::vector<std::string>& keys) {
  for (const Node& node : graph.nodes) {
    keys.push_back(node.name);
    keys.push_back(op_key(node));
    for (const Attribute& a : node.attributes) {
      if (a.g) collect_assignment_keys(*a.g, keys);
      for (const auto& g : a.graphs) collect_assignment_keys(*g, keys);
    }
  }
}

std::vector<bool> shape_computation_nodes(const Graph& graph) {
  static const std::set<std::string> kShapeSources = {"Shape", "Size"};
  static const std::set<std::string> kShapeShuffles = {"Gather", "Concat", "Unsqueeze", "Squeeze", "Slice",
                                                       "Cast",   "Add",    "Sub",       "Mul",     "Div",
                                                       "Identity", "Range", "Equal",   "Where",   "ReduceProd",
                                                       "Max",    "Min",    "Neg",       "Abs",     "Floor", "Ceil"};
  std::unordered_set<std::string> shape_values;
  std::vector<bool> result(graph.nodes.size(), false);
  for (NodeIndex i = 0; i < graph.nodes.size(); ++i) {  // topological order: one pass suffices
    const Node& node = graph.nodes[i];
    if (!node.domain.empty()) continue;
    bool is_shape = false;
    if (kShapeSources.count(node.op_type)) {
      shape_values.insert(node.outputs.begin(), node.outputs.end());
      continue;  // Shape itself reads only metadata; it runs where its input lives
    }
    if (kShapeShuffles.count(node.op_type)) {
      bool reads_shape = false;
      bool all_small = true;
      for (const auto& in : node.inputs) {
        if (in.empty()) continue;
        if (shape_values.count(in)) {
          reads_shape = true;
        } else if (const Tensor* c = graph.constant(in); c == nullptr || c->num_elements() > 64) {
          all_small = false;
        }
      }
      is_shape = reads_shape && all_small;
    }
    if (!is_shape) continue;
    result[i] = true;
    shape_values.insert(node.outputs.begin(), node.outputs.end());
  }
  return result;
}

void apply_device_cost_rules(const Graph& graph, CapabilityReport& report, const std::vector<bool>& pinned_here,
                             const std::vector<bool>& shape_nodes, const PlacementOptions& options) {
  auto& claims = report.claims;
  auto pinned = [&](const CapabilityClaim& c) {
    for (NodeIndex i : c.nodes) {
      if (pinned_here[i]) return true;
    }
    return false;
  };
  std::vector<bool> drop(claims.size(), false);
  auto decline_claim = [&](size_t c, const std::string& reason) {
    drop[c] = true;
    for (NodeIndex i : claims[c].nodes) report.declines.push_back({i, reason});
  };

  if (options.keep_shape_computations_on_host) {
    for (size_t c = 0; c < claims.size(); ++c) {
      if (claims[c].kind != CapabilityClaim::Kind::kKernel || pinned(claims[c])) continue;
      if (shape_nodes[claims[c].nodes[0]]) decline_claim(c, "shape computation stays on the host");
    }
  }

  // Connected regions of the remaining claims: values flowing between them stay on the device.
  std::unordered_map<NodeIndex, size_t> claim_of;
  for (size_t c = 0; c < claims.size(); ++c) {
    if (drop[c]) continue;
    for (NodeIndex i : claims[c].nodes) claim_of[i] = c;
  }
  Regions regions(claims.size());
  const auto consumers = graph.consumers();
  for (const auto& [i, c] : claim_of) {
    for (const auto& out : graph.nodes[i].outputs) {
      auto it = consumers.find(out);
      if (out.empty() || it == consumers.end()) continue;
      for (NodeIndex consumer : it->second) {
        auto other = claim_of.find(consumer);
        if (other != claim_of.end()) regions.join(c, other->second);
      }
    }
  }
  std::map<size_t, std::vector<size_t>> members;
  for (size_t c = 0; c < claims.size(); ++c) {
    if (!drop[c]) members[regions.find(c)].push_back(c);
  }

  for (const auto& [root, region] : members) {
    std::set<NodeIndex> nodes;
    bool has_pin = false;
    for (size_t c : region) {
      nodes.insert(claims[c].nodes.begin(), claims[c].nodes.end());
      has_pin |= pinned(claims[c]);
    }
    if (has_pin) continue;
    auto drop_region = [&](const std::string& reason) {
      for (size_t c : region) decline_claim(c, reason);
    };
    if (static_cast<int>(nodes.size()) < options.min_device_group_nodes) {
      drop_region("group too small (" + std::to_string(nodes.size()) + " node(s) < min_device_group_nodes " +
                  std::to_string(options.min_device_group_nodes) + ")");
      continue;
    }
    if (options.min_flops_per_copied_byte <= 0) continue;
    // Values crossing the region's boundary are copied once per run (weights are placed once,
    // at session creation, and do not count).
    double flops = 0;
    double bytes = 0;
    bool known = true;
    std::unordered_set<std::string> counted;
    std::unordered_set<std::string> produced;
    for (NodeIndex i : nodes) produced.insert(graph.nodes[i].outputs.begin(), graph.nodes[i].outputs.end());
    for (NodeIndex i : nodes) {
      const Node& node = graph.nodes[i];
      auto f = estimate_flops(graph, node);
      known &= f.has_value();
      flops += f.value_or(0);
      auto cross = [&](const std::string& v) {
        if (v.empty() || !counted.insert(v).second) return;
        auto b = static_value_bytes(graph, v);
        known &= b.has_value();
        bytes += static_cast<double>(b.value_or(0));
      };
      for (const auto& in : node.inputs) {
        if (!in.empty() && graph.constant(in) == nullptr && !produced.count(in)) cross(in);
      }
      for (const auto& out : node.outputs) {
        if (out.empty()) continue;
        bool leaves = graph.is_graph_output(out);
        auto it = consumers.find(out);
        if (it != consumers.end()) {
          for (NodeIndex c : it->second) leaves |= !nodes.count(c);
        }
        if (leaves) cross(out);
      }
    }
    if (!known || bytes <= 0) continue;  // no estimate: the provider's claim stands
    if (flops < options.min_flops_per_copied_byte * bytes) {
      char ratio[32];
      std::snprintf(ratio, sizeof ratio, "%g", options.min_flops_per_copied_byte);
      drop_region("copy cost: " + std::to_string(nodes.size()) + " node(s) move " + human_bytes(bytes) +
                  " across the device boundary for " + human_flops(flops) + " (< " + ratio +
                  " FLOP per copied byte)");
    }
  }

  std::vector<CapabilityClaim> kept;
  for (size_t c = 0; c < claims.size(); ++c) {
    if (!drop[c]) kept.push_back(std::move(claims[c]));
  }
  claims = std::move(kept);
}

}  // namespace aruntime
