#include "providers/npu/npu_capability.h"

#include <algorithm>
#include <map>
#include <set>

#include "providers/npu/npu_compiler.h"
#include "providers/npu/npu_decline.h"

namespace aruntime::npu {
namespace {

// Which element types input 0 of an op may have.
enum class InputTypes { kFloat, kFloatOr8Bit, k8Bit, kAny };

struct OpRule {
  int64_t since = 1;  // first opset the device handles
  InputTypes types = InputTypes::kFloat;
};

const std::map<std::string, OpRule>& op_rules() {
  static const std::map<std::string, OpRule> rules = {
      {"Conv", {1, InputTypes::kFloat}},
      {"Gemm", {7, InputTypes::kFloat}},
      {"MatMul", {1, InputTypes::kFloat}},
      {"MaxPool", {1, InputTypes::kFloatOr8Bit}},
      {"AveragePool", {1, InputTypes::kFloat}},
      {"GlobalAveragePool", {1, InputTypes::kFloat}},
      {"Relu", {1, InputTypes::kFloat}},
      {"LeakyRelu", {1, InputTypes::kFloat}},
      {"Clip", {1, InputTypes::kFloat}},
      {"Sigmoid", {1, InputTypes::kFloat}},
      {"Tanh", {1, InputTypes::kFloat}},
      {"HardSigmoid", {1, InputTypes::kFloat}},
      {"HardSwish", {14, InputTypes::kFloat}},
      {"Gelu", {20, InputTypes::kFloat}},
      {"Softmax", {1, InputTypes::kFloat}},
      {"BatchNormalization", {7, InputTypes::kFloat}},
      {"Add", {7, InputTypes::kFloat}},
      {"Sub", {7, InputTypes::kFloat}},
      {"Mul", {7, InputTypes::kFloat}},
      {"Div", {7, InputTypes::kFloat}},
      {"Concat", {1, InputTypes::kFloatOr8Bit}},
      {"Reshape", {5, InputTypes::kFloatOr8Bit}},
      {"Flatten", {1, InputTypes::kFloatOr8Bit}},
      {"Identity", {1, InputTypes::kFloatOr8Bit}},
      {"Transpose", {1, InputTypes::kFloatOr8Bit}},
      {"QuantizeLinear", {10, InputTypes::kFloat}},
      {"DequantizeLinear", {10, InputTypes::k8Bit}},
      {"QLinearConv", {10, InputTypes::k8Bit}},
      {"QLinearMatMul", {10, InputTypes::k8Bit}},
      {"Constant", {1, InputTypes::kAny}},
  };
  return rules;
}

bool type_allowed(InputTypes rule, DataType t) {
  const bool is_float = t == DataType::kFloat32 || t == DataType::kFloat16;
  const bool is_8bit = t == DataType::kInt8 || t == DataType::kUInt8;
  switch (rule) {
    case InputTypes::kFloat:
      return is_float;
    case InputTypes::kFloatOr8Bit:
      return is_float || is_8bit;
    case InputTypes::k8Bit:
      return is_8bit;
    case InputTypes::kAny:
      return true;
  }
  return false;
}

std::string_view expected_types(InputTypes rule) {
  switch (rule) {
    case InputTypes::kFloat:
      return "float32 or float16 expected";
    case InputTypes::kFloatOr8Bit:
      return "float32, float16, int8 or uint8 expected";
    case InputTypes::k8Bit:
      return "int8 or uint8 expected";
    case InputTypes::kAny:
      return "";
  }
  return "";
}

bool foldable(const Node& node) {
  static const std::set<std::string> ops = {"Constant",  "Reshape",        "Flatten",
                                            "Transpose", "QuantizeLinear", "DequantizeLinear",
                                            "Identity"};
  return node.domain.empty() && ops.count(node.op_type) != 0;
}

// Resolves values the compiler could compute at compile time (constants and what the available
// foldable nodes make of them).
class ConstantLookup {
 public:
  explicit ConstantLookup(const GraphView& view) : view_(view) {}

  bool known(const std::string& name) {
    if (view_.graph().constant(name)) return true;
    auto it = memo_.find(name);
    if (it != memo_.end()) return it->second;
    const bool found = resolve_constant(
                           view_.graph(), name, [&](NodeIndex i) { return view_.is_available(i); },
                           view_.model().opset(""))
                           .has_value();
    memo_[name] = found;
    return found;
  }

 private:
  const GraphView& view_;
  std::map<std::string, bool> memo_;
};

std::optional<std::string> check_node_with(const GraphView& view, NodeIndex index,
                                           const NpuOptions& options, ConstantLookup& constants) {
  const Graph& graph = view.graph();
  const Node& node = view.node(index);
  if (!node.domain.empty())
    return decline_reason(DeclineKind::kOpNotSupported, node.domain + "::" + node.op_type);
  auto rule = op_rules().find(node.op_type);
  if (rule == op_rules().end()) return decline_reason(DeclineKind::kOpNotSupported, node.op_type);
  const int64_t opset = view.opset(node);
  if (opset < rule->second.since) {
    return decline_reason(DeclineKind::kOpNotSupported,
                          node.op_type + " at opset " + std::to_string(opset) +
                              " (the device handles opset " + std::to_string(rule->second.since) +
                              " and later)");
  }
  // A node the compiler evaluates at compile time needs no device shapes or types.
  if (foldable(node) && node.has_output(0) &&
      (node.op_type == "Constant" || constants.known(node.outputs[0]))) {
    return std::nullopt;
  }
  if (node.has_input(0)) {
    const std::string& x = node.inputs[0];
    DataType t = DataType::kUndefined;
    if (const Tensor* c = graph.constant(x)) {
      t = c->dtype();
    } else if (const TypeInfo* ti = graph.find_type(x)) {
      t = ti->kind == ValueKind::kTensor ? ti->dtype : DataType::kUndefined;
    }
    if (t == DataType::kUndefined) {
      return decline_reason(DeclineKind::kTypeNotSupported,
                            "input 0 '" + x + "' has no known tensor type");
    }
    if (!type_allowed(rule->second.types, t)) {
      return decline_reason(DeclineKind::kTypeNotSupported,
                            "input 0 is " + std::string(data_type_name(t)) + " (" +
                                std::string(expected_types(rule->second.types)) + ")");
    }
  }
  auto static_shape = [&](const std::string& name, const char* role) -> std::optional<std::string> {
    const TypeInfo* t = graph.find_type(name);
    if (t == nullptr || !t->shape) {
      return decline_reason(DeclineKind::kDynamicShape,
                            std::string(role) + " '" + name + "' has no known shape");
    }
    if (!t->has_static_shape()) {
      return decline_reason(DeclineKind::kDynamicShape,
                            std::string(role) + " '" + name + "' is " + t->to_string());
    }
    return std::nullopt;
  };
  for (const std::string& v : node.inputs) {
    if (v.empty() || constants.known(v)) continue;
    if (auto reason = static_shape(v, "input")) return reason;
  }
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (node.outputs[i].empty()) continue;
    if (i > 0) {
      return decline_reason(DeclineKind::kOutputNotSupported,
                            "output " + std::to_string(i) + " '" + node.outputs[i] + "'");
    }
    if (auto reason = static_shape(node.outputs[i], "output")) return reason;
  }
  // Attributes and everything else: the node must compile alone.
  GroupSource source = group_source(view.model(), graph, {index});
  std::map<std::string, Tensor> resolved;
  for (const std::string& v : node.inputs) {
    if (v.empty() || graph.constant(v) || !constants.known(v)) continue;
    if (auto t = resolve_constant(
            graph, v, [&](NodeIndex i) { return view.is_available(i); }, view.model().opset(""))) {
      resolved[v] = *t;
    }
  }
  std::erase_if(source.inputs, [&](const std::string& v) { return resolved.count(v) != 0; });
  source.constant = [&](const std::string& v) -> const Tensor* {
    auto it = resolved.find(v);
    return it != resolved.end() ? &it->second : graph.constant(v);
  };
  try {
    compile_group(source, options);
  } catch (const UnsupportedNode& e) {
    return e.reason();
  } catch (const Error& e) {
    return decline_reason(DeclineKind::kInvalidNode, e.what());
  }
  return std::nullopt;
}

// Edges of the graph between nodes (a value's producer to each node that reads it, subgraph reads
// included), deduplicated.
struct Edges {
  std::vector<std::vector<NodeIndex>> preds, succs;
};

Edges graph_edges(const Graph& graph) {
  Edges e;
  const size_t n = graph.nodes.size();
  e.preds.resize(n);
  e.succs.resize(n);
  const auto producers = graph.producers();
  for (const auto& [value, readers] : graph.consumers()) {
    auto p = producers.find(value);
    if (p == producers.end()) continue;
    for (NodeIndex c : readers) {
      if (c == p->second) continue;
      e.succs[p->second].push_back(c);
      e.preds[c].push_back(p->second);
    }
  }
  for (auto* lists : {&e.preds, &e.succs}) {
    for (auto& l : *lists) {
      std::sort(l.begin(), l.end());
      l.erase(std::unique(l.begin(), l.end()), l.end());
    }
  }
  return e;
}

// Groups of supported nodes, grown in topological order (see the header).
class GroupBuilder {
 public:
  GroupBuilder(const Edges& edges, size_t n) : edges_(edges), group_of_(n, -1) {}

  std::vector<std::vector<NodeIndex>> build(const std::vector<char>& supported) {
    for (NodeIndex i = 0; i < supported.size(); ++i) {
      if (!supported[i]) continue;
      std::vector<int> candidates;
      for (NodeIndex p : edges_.preds[i]) {
        const int g = group_of_[p];
        if (g >= 0 && std::find(candidates.begin(), candidates.end(), g) == candidates.end())
          candidates.push_back(g);
      }
      // Larger groups first: when not every candidate can merge, the biggest one wins.
      std::stable_sort(candidates.begin(), candidates.end(),
                       [&](int a, int b) { return members_[a].size() > members_[b].size(); });
      std::vector<int> chosen;
      for (int g : candidates) {
        chosen.push_back(g);
        if (!keeps_acyclic(chosen, i)) chosen.pop_back();
      }
      if (chosen.empty()) {
        group_of_[i] = static_cast<int>(members_.size());
        members_.push_back({i});
        continue;
      }
      const int target = chosen[0];
      for (size_t k = 1; k < chosen.size(); ++k) {
        for (NodeIndex m : members_[chosen[k]]) group_of_[m] = target;
        members_[target].insert(members_[target].end(), members_[chosen[k]].begin(),
                                members_[chosen[k]].end());
        members_[chosen[k]].clear();
      }
      members_[target].push_back(i);
      group_of_[i] = target;
    }
    std::vector<std::vector<NodeIndex>> groups;
    for (auto& m : members_) {
      if (m.empty()) continue;
      std::sort(m.begin(), m.end());
      groups.push_back(m);
    }
    std::sort(groups.begin(), groups.end());
    return groups;
  }

 private:
  // True when the groups `chosen` plus node i, fused into one node, leave the graph (with every
  // other group fused too) acyclic: nothing reachable from the unit through outside nodes leads
  // back into it. Only nodes before i can lead back, since edges follow the topological order.
  bool keeps_acyclic(const std::vector<int>& chosen, NodeIndex i) const {
    std::set<NodeIndex> unit(edges_.preds[i].begin(), edges_.preds[i].end());  // targets
    std::set<NodeIndex> inside;
    for (int g : chosen) inside.insert(members_[g].begin(), members_[g].end());
    for (NodeIndex m : inside) unit.erase(m);  // preds inside the unit are internal edges
    unit.insert(inside.begin(), inside.end());
    std::vector<char> visited(group_of_.size(), 0);
    std::vector<NodeIndex> stack;
    auto visit = [&](NodeIndex x) {
      if (x >= i || visited[x] || inside.count(x)) return;
      visited[x] = 1;
      stack.push_back(x);
    };
    for (NodeIndex m : inside) {
      for (NodeIndex s : edges_.succs[m]) visit(s);
    }
    while (!stack.empty()) {
      const NodeIndex x = stack.back();
      stack.pop_back();
      if (unit.count(x)) return false;
      // Reaching one node of another group reaches all of its fused node's outputs.
      if (group_of_[x] >= 0) {
        for (NodeIndex m : members_[group_of_[x]]) {
          if (unit.count(m)) return false;
          if (!visited[m]) {
            visited[m] = 1;
            stack.push_back(m);
          }
        }
      }
      for (NodeIndex s : edges_.succs[x]) {
        if (inside.count(s)) return false;
        visit(s);
      }
    }
    return true;
  }

  const Edges& edges_;
  std::vector<int> group_of_;
  std::vector<std::vector<NodeIndex>> members_;
};

// Splits `nodes` (topological order) into weakly connected components.
std::vector<std::vector<NodeIndex>> components(const Edges& edges,
                                               const std::vector<NodeIndex>& nodes) {
  std::set<NodeIndex> in(nodes.begin(), nodes.end());
  std::map<NodeIndex, int> comp;
  std::vector<std::vector<NodeIndex>> out;
  for (NodeIndex start : nodes) {
    if (comp.count(start)) continue;
    const int c = static_cast<int>(out.size());
    out.emplace_back();
    std::vector<NodeIndex> stack = {start};
    comp[start] = c;
    while (!stack.empty()) {
      const NodeIndex x = stack.back();
      stack.pop_back();
      out[c].push_back(x);
      for (const auto* list : {&edges.preds[x], &edges.succs[x]}) {
        for (NodeIndex y : *list) {
          if (in.count(y) && !comp.count(y)) {
            comp[y] = c;
            stack.push_back(y);
          }
        }
      }
    }
    std::sort(out[c].begin(), out[c].end());
  }
  return out;
}

bool is_compute(const Node& node) {
  return !(node.domain.empty() && node.op_type == "Constant");
}

size_t compute_nodes(const Graph& graph, const std::vector<NodeIndex>& group) {
  return static_cast<size_t>(std::count_if(
      group.begin(), group.end(), [&](NodeIndex i) { return is_compute(graph.nodes[i]); }));
}

}  // namespace

std::optional<std::string> check_node(const GraphView& view, NodeIndex i,
                                      const NpuOptions& options) {
  ConstantLookup constants(view);
  return check_node_with(view, i, options, constants);
}

CapabilityReport npu_capabilities(const GraphView& view, const NpuOptions& options) {
  const Graph& graph = view.graph();
  const size_t n = view.num_nodes();
  const Edges edges = graph_edges(graph);
  std::vector<std::string> reason(n);
  std::vector<char> supported(n, 0);
  ConstantLookup constants(view);
  for (NodeIndex i = 0; i < n; ++i) {
    if (!view.is_available(i)) continue;
    std::optional<std::string> r = check_node_with(view, i, options, constants);
    supported[i] = !r.has_value();
    if (r) reason[i] = *r;
  }

  // Grow groups; a node that compiles alone but not in its group (a constant it needs went to
  // another group) leaves, and the groups are grown again.
  std::vector<std::vector<NodeIndex>> groups;
  for (size_t round = 0; round <= n; ++round) {
    groups = GroupBuilder(edges, n).build(supported);
    bool changed = false;
    for (const auto& g : groups) {
      try {
        compile_group(group_source(view.model(), graph, g), options);
      } catch (const UnsupportedNode& e) {
        for (NodeIndex i : g) {
          if (graph.nodes[i].name == e.node_name()) {
            supported[i] = 0;
            reason[i] = e.reason();
            changed = true;
          }
        }
        if (!changed) {  // the node is not identified: the whole group stays off the device
          for (NodeIndex i : g) {
            supported[i] = 0;
            reason[i] = e.reason();
          }
          changed = true;
        }
      } catch (const Error& e) {
        for (NodeIndex i : g) {
          supported[i] = 0;
          reason[i] = decline_reason(DeclineKind::kInvalidNode, e.what());
        }
        changed = true;
      }
      if (changed) break;
    }
    if (!changed) break;
  }

  // Memory budget: weights of accepted groups stay resident, so each group must fit in what the
  // earlier ones left.
  const uint64_t budget = options.memory_budget_bytes;
  uint64_t committed = 0;
  auto needs = [&](const std::vector<NodeIndex>& g) {
    return compile_group(group_source(view.model(), graph, g), options);
  };
  auto fits = [&](const Program& p) { return committed + p.device_bytes_needed() <= budget; };
  auto budget_reason = [&](size_t bytes) {
    return decline_reason(DeclineKind::kMemoryBudget,
                          "group needs " + std::to_string(bytes) + " bytes, budget " +
                              std::to_string(budget - committed) +
                              (committed ? " (of " + std::to_string(budget) +
                                               ", the rest holds weights of earlier groups)"
                                         : ""));
  };
  // A group that fits is kept when it does device work and is large enough (a node the user
  // pinned to this provider keeps its group whatever its size); only kept groups hold memory.
  std::vector<std::vector<NodeIndex>> accepted;
  auto accept = [&](const std::vector<NodeIndex>& group, const Program& program) {
    const size_t size = compute_nodes(graph, group);
    const bool pinned =
        std::any_of(group.begin(), group.end(), [&](NodeIndex i) { return view.is_pinned(i); });
    std::string why;
    if (program.instructions.empty()) {
      why = decline_reason(DeclineKind::kGroupTooSmall,
                           "no device work (only views and compile-time constants)");
    } else if (!pinned && static_cast<int64_t>(size) < options.min_group_size) {
      why = "group too small (" + std::to_string(size) + " < min_group_size " +
            std::to_string(options.min_group_size) + ")";
    }
    if (!why.empty()) {
      for (NodeIndex i : group) reason[i] = why;
      return;
    }
    committed += program.weight_bytes;
    accepted.push_back(group);
  };
  for (const auto& group : groups) {
    const Program whole = needs(group);
    if (fits(whole)) {
      accept(group, whole);
      continue;
    }
    // The longest topological prefix that fits becomes a group (its connected pieces); the rest
    // is split the same way. A node that does not fit alone stays on the host.
    size_t begin = 0;
    while (begin < group.size()) {
      // Invariants: the prefix [begin, lo) fits (or is empty); [begin, hi) does not fit.
      size_t lo = begin, hi = group.size() + 1;
      while (hi - lo > 1) {
        const size_t mid = (lo + hi) / 2;
        const std::vector<NodeIndex> prefix(group.begin() + static_cast<std::ptrdiff_t>(begin),
                                            group.begin() + static_cast<std::ptrdiff_t>(mid));
        if (fits(needs(prefix))) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      if (lo == begin) {
        const Program alone = needs({group[begin]});
        reason[group[begin]] = budget_reason(alone.device_bytes_needed());
        ++begin;
        continue;
      }
      const std::vector<NodeIndex> piece(group.begin() + static_cast<std::ptrdiff_t>(begin),
                                         group.begin() + static_cast<std::ptrdiff_t>(lo));
      for (auto& part : components(edges, piece)) {
        const Program p = needs(part);
        if (fits(p)) {
          accept(part, p);
        } else {
          for (NodeIndex i : part) reason[i] = budget_reason(p.device_bytes_needed());
        }
      }
      begin = lo;
    }
  }

  CapabilityReport report;
  std::vector<char> claimed(n, 0);
  for (const auto& group : accepted) {
    CapabilityClaim claim;
    claim.kind = CapabilityClaim::Kind::kFusedGroup;
    claim.nodes = group;
    for (NodeIndex i : group) claimed[i] = 1;
    report.claims.push_back(std::move(claim));
  }
  for (NodeIndex i = 0; i < n; ++i) {
    if (!view.is_available(i) || claimed[i]) continue;
    report.declines.push_back(
        {i, reason[i].empty() ? decline_reason(DeclineKind::kOpNotSupported, graph.nodes[i].op_type)
                              : reason[i]});
  }
  return report;
}

}  // namespace aruntime::npu
