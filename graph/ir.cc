#include "graph/ir.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <set>
#include <unordered_set>

#include "aruntime/status.h"

namespace aruntime {

std::string Dim::to_string() const {
  if (is_static()) return std::to_string(value);
  return symbol.empty() ? "?" : symbol;
}

bool TypeInfo::has_static_shape() const {
  if (!shape) return false;
  return std::all_of(shape->begin(), shape->end(), [](const Dim& d) { return d.is_static(); });
}

TypeInfo TypeInfo::map(DataType key, DataType value) {
  TypeInfo t;
  t.kind = ValueKind::kMap;
  t.key_dtype = key;
  t.dtype = value;
  return t;
}

TypeInfo TypeInfo::map_sequence(DataType key, DataType value) {
  TypeInfo t = map(key, value);
  t.kind = ValueKind::kSequence;
  t.element_kind = ValueKind::kMap;
  return t;
}

std::string TypeInfo::to_string() const {
  if (kind == ValueKind::kMap || is_map_sequence()) {
    std::string m = "map(" + std::string(data_type_name(key_dtype)) + "," +
                    std::string(data_type_name(dtype)) + ")";
    return kind == ValueKind::kMap ? m : "seq(" + m + ")";
  }
  std::string s;
  if (kind == ValueKind::kSequence) s = "seq(";
  if (kind == ValueKind::kOptional) s = element_kind == ValueKind::kSequence ? "optional(seq(" : "optional(";
  s += std::string(data_type_name(dtype));
  if (shape) {
    s += "[";
    for (size_t i = 0; i < shape->size(); ++i) {
      if (i) s += ",";
      s += (*shape)[i].to_string();
    }
    s += "]";
  }
  if (kind == ValueKind::kSequence || kind == ValueKind::kOptional) s += ")";
  if (kind == ValueKind::kOptional && element_kind == ValueKind::kSequence) s += ")";
  return s;
}

std::string_view attribute_type_name(Attribute::Type type) {
  switch (type) {
    case Attribute::Type::kUndefined: return "undefined";
    case Attribute::Type::kFloat: return "float";
    case Attribute::Type::kInt: return "int";
    case Attribute::Type::kString: return "string";
    case Attribute::Type::kTensor: return "tensor";
    case Attribute::Type::kGraph: return "graph";
    case Attribute::Type::kFloats: return "floats";
    case Attribute::Type::kInts: return "ints";
    case Attribute::Type::kStrings: return "strings";
    case Attribute::Type::kTensors: return "tensors";
    case Attribute::Type::kGraphs: return "graphs";
    case Attribute::Type::kTypeProto: return "type_proto";
  }
  return "undefined";
}

const Attribute* Node::find_attribute(std::string_view attr_name) const {
  for (const auto& a : attributes) {
    if (a.name == attr_name) return &a;
  }
  return nullptr;
}

std::string Node::describe() const {
  std::string d = "node '" + name + "' (" + op_type;
  if (!domain.empty()) d += ", domain " + domain;
  return d + ")";
}

namespace {

const Attribute& require(const Node& node, std::string_view name, Attribute::Type type) {
  const Attribute* a = node.find_attribute(name);
  if (a == nullptr) {
    throw_error(ErrorCode::kInvalidModel,
                node.describe() + ": required attribute '" + std::string(name) + "' is missing");
  }
  if (a->type != type) {
    throw_error(ErrorCode::kInvalidModel,
                node.describe() + ": attribute '" + std::string(name) + "' should be " +
                    std::string(attribute_type_name(type)) + ", got " +
                    std::string(attribute_type_name(a->type)));
  }
  return *a;
}

const Attribute* optional_attr(const Node& node, std::string_view name, Attribute::Type type) {
  const Attribute* a = node.find_attribute(name);
  if (a == nullptr) return nullptr;
  return &require(node, name, type);
}

}  // namespace

int64_t Node::attr_int(std::string_view n) const { return require(*this, n, Attribute::Type::kInt).i; }
int64_t Node::attr_int(std::string_view n, int64_t fallback) const {
  const Attribute* a = optional_attr(*this, n, Attribute::Type::kInt);
  return a ? a->i : fallback;
}
float Node::attr_float(std::string_view n) const { return require(*this, n, Attribute::Type::kFloat).f; }
float Node::attr_float(std::string_view n, float fallback) const {
  const Attribute* a = optional_attr(*this, n, Attribute::Type::kFloat);
  return a ? a->f : fallback;
}
std::string Node::attr_string(std::string_view n) const {
  return require(*this, n, Attribute::Type::kString).s;
}
std::string Node::attr_string(std::string_view n, const std::string& fallback) const {
  const Attribute* a = optional_attr(*this, n, Attribute::Type::kString);
  return a ? a->s : fallback;
}
std::vector<int64_t> Node::attr_ints(std::string_view n) const {
  return require(*this, n, Attribute::Type::kInts).ints;
}
std::vector<int64_t> Node::attr_ints(std::string_view n, const std::vector<int64_t>& fallback) const {
  const Attribute* a = optional_attr(*this, n, Attribute::Type::kInts);
  return a ? a->ints : fallback;
}
std::vector<float> Node::attr_floats(std::string_view n) const {
  return require(*this, n, Attribute::Type::kFloats).floats;
}
std::vector<float> Node::attr_floats(std::string_view n, const std::vector<float>& fallback) const {
  const Attribute* a = optional_attr(*this, n, Attribute::Type::kFloats);
  return a ? a->floats : fallback;
}
std::vector<std::string> Node::attr_strings(std::string_view n) const {
  return require(*this, n, Attribute::Type::kStrings).strings;
}
const Tensor& Node::attr_tensor(std::string_view n) const {
  return require(*this, n, Attribute::Type::kTensor).t;
}
std::shared_ptr<Graph> Node::attr_graph(std::string_view n) const {
  return require(*this, n, Attribute::Type::kGraph).g;
}

bool Graph::is_graph_input(const std::string& value) const {
  return std::any_of(inputs.begin(), inputs.end(), [&](const ValueInfo& v) { return v.name == value; });
}

bool Graph::is_graph_output(const std::string& value) const {
  return std::any_of(outputs.begin(), outputs.end(), [&](const ValueInfo& v) { return v.name == value; });
}

const Tensor* Graph::constant(const std::string& value) const {
  auto it = initializers.find(value);
  if (it == initializers.end() || is_graph_input(value)) return nullptr;
  return &it->second;
}

const TypeInfo* Graph::find_type(const std::string& value) const {
  for (const Graph* g = this; g != nullptr; g = g->parent) {
    auto it = g->value_types.find(value);
    if (it != g->value_types.end()) return &it->second;
  }
  return nullptr;
}

std::unordered_map<std::string, NodeIndex> Graph::producers() const {
  std::unordered_map<std::string, NodeIndex> p;
  for (NodeIndex i = 0; i < nodes.size(); ++i) {
    for (const auto& o : nodes[i].outputs) {
      if (!o.empty()) p[o] = i;
    }
  }
  return p;
}

namespace {

// Values a node reads: its inputs plus what its subgraphs read from outside themselves.
std::vector<std::string> node_reads(const Node& node) {
  std::vector<std::string> reads;
  for (const auto& in : node.inputs) {
    if (!in.empty()) reads.push_back(in);
  }
  for (const auto& a : node.attributes) {
    if (a.type == Attribute::Type::kGraph && a.g) {
      for (auto& v : Graph::outer_scope_inputs(*a.g)) reads.push_back(std::move(v));
    }
    if (a.type == Attribute::Type::kGraphs) {
      for (const auto& g : a.graphs) {
        if (g) {
          for (auto& v : Graph::outer_scope_inputs(*g)) reads.push_back(std::move(v));
        }
      }
    }
  }
  return reads;
}

}  // namespace

std::unordered_map<std::string, std::vector<NodeIndex>> Graph::consumers() const {
  std::unordered_map<std::string, std::vector<NodeIndex>> c;
  for (NodeIndex i = 0; i < nodes.size(); ++i) {
    std::set<std::string> seen;
    for (const auto& v : node_reads(nodes[i])) {
      if (seen.insert(v).second) c[v].push_back(i);
    }
  }
  return c;
}

std::vector<std::string> Graph::outer_scope_inputs(const Graph& subgraph) {
  std::unordered_set<std::string> defined;
  for (const auto& v : subgraph.inputs) defined.insert(v.name);
  for (const auto& [name, t] : subgraph.initializers) defined.insert(name);
  for (const auto& n : subgraph.nodes) {
    for (const auto& o : n.outputs) {
      if (!o.empty()) defined.insert(o);
    }
  }
  std::vector<std::string> outer;
  std::unordered_set<std::string> added;
  auto consider = [&](const std::string& v) {
    if (!v.empty() && !defined.count(v) && added.insert(v).second) outer.push_back(v);
  };
  for (const auto& n : subgraph.nodes) {
    for (const auto& v : node_reads(n)) consider(v);
  }
  for (const auto& o : subgraph.outputs) consider(o.name);
  return outer;
}

int64_t Model::opset(const std::string& domain) const {
  auto it = opset_imports.find(domain);
  return it == opset_imports.end() ? 0 : it->second;
}

std::string Model::fixed_initializer_feed_error(const std::string& name) const {
  if (std::find(fixed_initializer_inputs.begin(), fixed_initializer_inputs.end(), name) ==
      fixed_initializer_inputs.end()) {
    return {};
  }
  return origin + ": feed '" + name + "' names an initializer of this IR version " +
         std::to_string(ir_version) +
         " model, which cannot be overridden: below IR version 4 initializers are listed as graph "
         "inputs but are constants (re-export the model with IR version 4 or later to feed it)";
}

void topological_sort(Graph& graph, const std::string& origin) {
  const size_t n = graph.nodes.size();
  auto producers = graph.producers();
  std::unordered_set<std::string> available;
  for (const auto& v : graph.inputs) available.insert(v.name);
  for (const auto& [name, t] : graph.initializers) available.insert(name);

  std::vector<std::vector<NodeIndex>> dependents(n);
  std::vector<size_t> pending(n, 0);
  for (NodeIndex i = 0; i < n; ++i) {
    std::set<NodeIndex> deps;
    for (const auto& v : node_reads(graph.nodes[i])) {
      auto it = producers.find(v);
      if (it != producers.end()) {
        deps.insert(it->second);
      } else if (!available.count(v) && graph.parent == nullptr) {
        throw_error(ErrorCode::kInvalidModel,
                    origin + ": " + graph.nodes[i].describe() + " reads '" + v +
                        "', which is not a graph input, an initializer or any node's output");
      }
    }
    for (NodeIndex d : deps) dependents[d].push_back(i);
    pending[i] = deps.size();
  }
  // Kahn's algorithm with a min-heap on the original index keeps file order where possible.
  std::priority_queue<NodeIndex, std::vector<NodeIndex>, std::greater<>> ready;
  for (NodeIndex i = 0; i < n; ++i) {
    if (pending[i] == 0) ready.push(i);
  }
  std::vector<NodeIndex> order;
  order.reserve(n);
  while (!ready.empty()) {
    NodeIndex i = ready.top();
    ready.pop();
    order.push_back(i);
    for (NodeIndex d : dependents[i]) {
      if (--pending[d] == 0) ready.push(d);
    }
  }
  if (order.size() != n) {
    for (NodeIndex i = 0; i < n; ++i) {
      if (pending[i] != 0) {
        throw_error(ErrorCode::kInvalidModel,
                    origin + ": graph '" + graph.name + "' has a cycle through " +
                        graph.nodes[i].describe());
      }
    }
  }
  std::vector<Node> sorted;
  sorted.reserve(n);
  for (NodeIndex i : order) sorted.push_back(std::move(graph.nodes[i]));
  graph.nodes = std::move(sorted);
}

}  // namespace aruntime
