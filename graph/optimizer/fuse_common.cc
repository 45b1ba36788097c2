#include "graph/optimizer/fuse_common.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "graph/optimizer/fused_domain.h"
#include "graph/optimizer/graph_edit.h"
#include "graph/optimizer/pass_context.h"

namespace aruntime::optimizer {
namespace {

const std::vector<NodeIndex> kNoConsumers;

bool read_in(const Graph& graph, const std::string& value) {
  for (const Node& node : graph.nodes) {
    if (std::find(node.inputs.begin(), node.inputs.end(), value) != node.inputs.end()) return true;
  }
  return graph.is_graph_output(value) || read_by_subgraph(graph, value);
}

std::optional<Tensor> constant_node_value(const Node& node) {
  for (const Attribute& a : node.attributes) {
    if (a.name == "value" && a.type == Attribute::Type::kTensor) return a.t;
    if (a.name == "value_float" && a.type == Attribute::Type::kFloat) return Tensor::scalar(a.f);
    if (a.name == "value_int" && a.type == Attribute::Type::kInt) return Tensor::scalar(a.i);
    if (a.name == "value_floats" && a.type == Attribute::Type::kFloats) {
      return Tensor::from_vector<float>(Shape{static_cast<int64_t>(a.floats.size())}, a.floats);
    }
    if (a.name == "value_ints" && a.type == Attribute::Type::kInts) {
      return Tensor::from_vector<int64_t>(Shape{static_cast<int64_t>(a.ints.size())}, a.ints);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<size_t> GraphIndex::producer(const std::string& value, std::string_view op) const {
  auto p = producer(value);
  if (!p || !is_op(graph_.nodes[*p], op)) return std::nullopt;
  return p;
}

std::optional<size_t> GraphIndex::producer(const std::string& value) const {
  auto it = producers_.find(value);
  if (it == producers_.end()) return std::nullopt;
  return it->second;
}

const std::vector<NodeIndex>& GraphIndex::consumers(const std::string& value) const {
  auto it = consumers_.find(value);
  return it == consumers_.end() ? kNoConsumers : it->second;
}

std::optional<size_t> GraphIndex::only_consumer(const std::string& value) const {
  const auto& c = consumers(value);
  if (c.size() != 1 || graph_.is_graph_output(value)) return std::nullopt;
  return c[0];
}

bool GraphIndex::replaceable(const std::vector<size_t>& pattern, size_t last) const {
  const std::set<size_t> members(pattern.begin(), pattern.end());
  if (!members.count(last)) return false;
  for (size_t p : members) {
    const Node& node = graph_.nodes[p];
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      const std::string& out = node.outputs[k];
      if (out.empty()) continue;
      if (p == last) {
        if (k == 0) continue;
        if (graph_.is_graph_output(out) || !consumers(out).empty()) return false;
        continue;
      }
      if (graph_.is_graph_output(out)) return false;
      for (NodeIndex c : consumers(out)) {
        if (!members.count(c)) return false;
      }
    }
  }
  return may_fuse(graph_, pattern);
}

bool may_fuse(const Graph& graph, const std::vector<size_t>& pattern) {
  const PassContext* context = active_pass_context();
  if (context == nullptr || !context->options.fusion_owner) return true;
  std::optional<int> owner;
  for (size_t p : pattern) {
    if (p >= graph.nodes.size()) return false;
    const std::optional<int> o = context->options.fusion_owner(graph, graph.nodes[p]);
    if (!o || (owner && *o != *owner)) return false;
    owner = o;
  }
  return true;
}

void replace_pattern(Graph& graph, std::vector<size_t> pattern, Node fused) {
  std::sort(pattern.begin(), pattern.end());
  pattern.erase(std::unique(pattern.begin(), pattern.end()), pattern.end());
  std::set<std::string> read, produced;
  for (size_t p : pattern) {
    for (const auto& in : graph.nodes[p].inputs) {
      if (!in.empty()) read.insert(in);
    }
    for (const auto& out : graph.nodes[p].outputs) {
      if (!out.empty()) produced.insert(out);
    }
  }
  for (const auto& out : fused.outputs) produced.erase(out);
  graph.nodes[pattern.back()] = std::move(fused);
  for (size_t i = pattern.size() - 1; i-- > 0;) {
    graph.nodes.erase(graph.nodes.begin() + static_cast<std::ptrdiff_t>(pattern[i]));
  }
  for (const auto& value : produced) graph.value_types.erase(value);
  // Constants that only the pattern read (the exporters' 0.5, 1.0, sqrt(2), eps...).
  for (const auto& value : read) {
    if (read_in(graph, value) || graph.is_graph_input(value)) continue;
    if (graph.initializers.erase(value)) {
      graph.value_types.erase(value);
      continue;
    }
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const Node& node = graph.nodes[i];
      if (is_op(node, "Constant") && node.outputs.size() == 1 && node.outputs[0] == value) {
        graph.nodes.erase(graph.nodes.begin() + static_cast<std::ptrdiff_t>(i));
        graph.value_types.erase(value);
        break;
      }
    }
  }
}

std::optional<Tensor> constant_value(const Graph& graph, const std::string& name) {
  if (name.empty()) return std::nullopt;
  if (const Tensor* t = graph.constant(name)) return *t;
  if (graph.is_initializer(name)) return std::nullopt;  // a graph input with a default
  for (const Node& node : graph.nodes) {
    if (node.outputs.size() == 1 && node.outputs[0] == name) {
      if (!is_op(node, "Constant")) return std::nullopt;
      return constant_node_value(node);
    }
  }
  return std::nullopt;
}

std::optional<std::vector<double>> float_constant(const Graph& graph, const std::string& name) {
  std::optional<Tensor> t = constant_value(graph, name);
  if (!t) return std::nullopt;
  const int64_t n = t->num_elements();
  std::vector<double> values(static_cast<size_t>(n));
  switch (t->dtype()) {
    case DataType::kFloat32:
      for (int64_t i = 0; i < n; ++i) values[i] = t->data<float>()[i];
      return values;
    case DataType::kFloat64:
      for (int64_t i = 0; i < n; ++i) values[i] = t->data<double>()[i];
      return values;
    case DataType::kFloat16:
      for (int64_t i = 0; i < n; ++i) values[i] = t->data<Float16>()[i].to_float();
      return values;
    default:
      return std::nullopt;
  }
}

std::optional<double> scalar_constant(const Graph& graph, const std::string& name) {
  auto values = float_constant(graph, name);
  if (!values || values->size() != 1) return std::nullopt;
  return (*values)[0];
}

bool close_to(double a, double b, double tolerance) {
  return std::fabs(a - b) <= tolerance * std::fabs(b);
}

std::optional<std::vector<int64_t>> static_shape(const Graph& graph, const std::string& value) {
  const TypeInfo* t = graph.find_type(value);
  if (t == nullptr || t->kind != ValueKind::kTensor || !t->shape) return std::nullopt;
  std::vector<int64_t> dims;
  for (const Dim& d : *t->shape) {
    if (!d.is_static()) return std::nullopt;
    dims.push_back(d.value);
  }
  return dims;
}

bool same_shape(const Graph& graph, const std::string& a, const std::string& b) {
  const TypeInfo* ta = graph.find_type(a);
  const TypeInfo* tb = graph.find_type(b);
  if (ta == nullptr || tb == nullptr || !ta->shape || !tb->shape) return false;
  if (ta->shape->size() != tb->shape->size()) return false;
  for (size_t d = 0; d < ta->shape->size(); ++d) {
    const Dim& da = (*ta->shape)[d];
    const Dim& db = (*tb->shape)[d];
    const bool equal =
        da.is_static() ? da.value == db.value : !da.symbol.empty() && da.symbol == db.symbol;
    if (!equal) return false;
  }
  return true;
}

DataType element_type(const Graph& graph, const std::string& value) {
  const TypeInfo* t = graph.find_type(value);
  return t != nullptr && t->kind == ValueKind::kTensor ? t->dtype : DataType::kUndefined;
}

int64_t rank_of(const Graph& graph, const std::string& value) {
  const TypeInfo* t = graph.find_type(value);
  if (t == nullptr || t->kind != ValueKind::kTensor || !t->shape) return -1;
  return static_cast<int64_t>(t->shape->size());
}

bool is_op(const Node& node, std::string_view op) {
  return node.op_type == op && node.domain.empty();
}

std::optional<size_t> other_input(const Node& node, const std::string& value) {
  if (node.inputs.size() != 2) return std::nullopt;
  if (node.inputs[0] == value) return 1;
  if (node.inputs[1] == value) return 0;
  return std::nullopt;
}

std::optional<ActivationSpec> activation_of(const Model& model, const Graph& graph,
                                            const Node& node) {
  if (node.outputs.size() != 1 || !node.has_input(0)) return std::nullopt;
  const std::string& op = node.op_type;
  if (op == "Gelu" && (node.domain.empty() || node.domain == kFusedDomain)) {
    const std::string approximate = node.attr_string("approximate", "none");
    if (approximate == "none") return ActivationSpec{"Gelu", {}};
    if (approximate == "tanh") return ActivationSpec{"GeluTanh", {}};
    return std::nullopt;
  }
  if (!node.domain.empty()) return std::nullopt;
  if (op == "Relu" || op == "Sigmoid" || op == "Tanh" || op == "HardSwish") {
    return ActivationSpec{op, {}};
  }
  if (op == "LeakyRelu") return ActivationSpec{op, {node.attr_float("alpha", 0.01f)}};
  if (op == "HardSigmoid") {
    return ActivationSpec{op, {node.attr_float("alpha", 0.2f), node.attr_float("beta", 0.5f)}};
  }
  if (op != "Clip") return std::nullopt;
  constexpr float kInf = std::numeric_limits<float>::infinity();
  if (model.opset("") < 11) {
    return ActivationSpec{op, {node.attr_float("min", -kInf), node.attr_float("max", kInf)}};
  }
  std::vector<float> bounds = {-kInf, kInf};
  for (size_t i = 1; i <= 2; ++i) {
    if (!node.has_input(i)) continue;
    auto bound = scalar_constant(graph, node.inputs[i]);
    if (!bound) return std::nullopt;  // a bound computed at run time
    bounds[i - 1] = static_cast<float>(*bound);
  }
  if (node.inputs.size() > 3) return std::nullopt;
  return ActivationSpec{op, bounds};
}

std::optional<ActivationMatch> activation_after(const Model& model, const Graph& graph,
                                                const GraphIndex& index, const std::string& value) {
  if (auto only = index.only_consumer(value)) {
    const Node& node = graph.nodes[*only];
    auto spec = activation_of(model, graph, node);
    if (!spec || node.inputs[0] != value) return std::nullopt;
    return ActivationMatch{*spec, {*only}, *only};
  }
  // Swish: two readers, Mul(value, s) and the start of s = Sigmoid([alpha *] value).
  const auto& readers = index.consumers(value);
  if (readers.size() != 2 || graph.is_graph_output(value)) return std::nullopt;
  for (size_t r = 0; r < 2; ++r) {
    const Node& first = graph.nodes[readers[r]];
    const Node& product = graph.nodes[readers[1 - r]];
    if (first.outputs.size() != 1 || !is_op(product, "Mul") || product.outputs.size() != 1)
      continue;
    std::vector<size_t> nodes = {readers[r]};
    double alpha = 1.0;
    std::string sigmoid_in = value;
    if (is_op(first, "Mul")) {
      const auto c = other_input(first, value);
      const auto factor = c ? scalar_constant(graph, first.inputs[*c]) : std::nullopt;
      if (!factor) continue;
      alpha = *factor;
      sigmoid_in = first.outputs[0];
      auto next = index.only_consumer(sigmoid_in);
      if (!next) continue;
      nodes.push_back(*next);
    } else if (!is_op(first, "Sigmoid")) {
      continue;
    }
    const Node& sigmoid = graph.nodes[nodes.back()];
    if (!is_op(sigmoid, "Sigmoid") || sigmoid.inputs.size() != 1 ||
        sigmoid.inputs[0] != sigmoid_in || sigmoid.outputs.size() != 1) {
      continue;
    }
    const auto other = other_input(product, value);
    if (!other || product.inputs[*other] != sigmoid.outputs[0]) continue;
    nodes.push_back(readers[1 - r]);
    return ActivationMatch{{"Swish", {static_cast<float>(alpha)}}, nodes, readers[1 - r]};
  }
  return std::nullopt;
}

void set_activation(Node& node, const ActivationSpec& activation) {
  node.attributes.push_back(string_attribute(kActivationAttr, activation.op));
  if (!activation.params.empty()) {
    node.attributes.push_back(floats_attribute(kActivationParamsAttr, activation.params));
  }
}

bool has_activation(const Node& node) {
  return node.has_attribute(kActivationAttr);
}

Attribute string_attribute(const std::string& name, const std::string& value) {
  Attribute a;
  a.name = name;
  a.type = Attribute::Type::kString;
  a.s = value;
  return a;
}

Attribute int_attribute(const std::string& name, int64_t value) {
  Attribute a;
  a.name = name;
  a.type = Attribute::Type::kInt;
  a.i = value;
  return a;
}

Attribute float_attribute(const std::string& name, float value) {
  Attribute a;
  a.name = name;
  a.type = Attribute::Type::kFloat;
  a.f = value;
  return a;
}

Attribute floats_attribute(const std::string& name, std::vector<float> values) {
  Attribute a;
  a.name = name;
  a.type = Attribute::Type::kFloats;
  a.floats = std::move(values);
  return a;
}

Node fused_node(const std::string& op_type, const std::string& name,
                std::vector<std::string> inputs, const std::string& output) {
  Node n;
  n.name = name;
  n.op_type = op_type;
  n.domain = kFusedDomain;
  n.inputs = std::move(inputs);
  n.outputs = {output};
  return n;
}

std::optional<int64_t> trailing_axis(const Model& model, const Graph& graph, const Node& mean, int64_t rank) {
  if (mean.attr_int("keepdims", 1) != 1 || mean.outputs.size() != 1) return std::nullopt;
  std::vector<int64_t> axes;
  if (model.opset("") >= 18) {
    if (mean.inputs.size() != 2) return std::nullopt;  // no axes: every axis, noop_with_empty_axes
    auto t = constant_value(graph, mean.inputs[1]);
    if (!t || t->dtype() != DataType::kInt64) return std::nullopt;
    axes = t->to_int64_vector();
  } else {
    if (mean.inputs.size() != 1 || !mean.has_attribute("axes")) return std::nullopt;
    axes = mean.attr_ints("axes");
  }
  if (axes.empty()) return std::nullopt;
  for (int64_t& a : axes) {
    if (a < -rank || a >= rank) return std::nullopt;
    if (a < 0) a += rank;
  }
  std::sort(axes.begin(), axes.end());
  for (size_t k = 0; k < axes.size(); ++k) {
    if (axes[k] != rank - static_cast<int64_t>(axes.size()) + static_cast<int64_t>(k)) return std::nullopt;
  }
  return axes.front();
}

std::vector<int64_t> without_leading_ones(std::vector<int64_t> dims) {
  while (!dims.empty() && dims.front() == 1) dims.erase(dims.begin());
  return dims;
}

std::optional<std::vector<int64_t>> trailing_static_dims(const Graph& graph, const std::string& value, int64_t axis) {
  const TypeInfo* t = graph.find_type(value);
  if (t == nullptr || !t->shape || axis < 0 || axis > static_cast<int64_t>(t->shape->size())) return std::nullopt;
  std::vector<int64_t> dims;
  for (size_t d = static_cast<size_t>(axis); d < t->shape->size(); ++d) {
    if (!(*t->shape)[d].is_static()) return std::nullopt;
    dims.push_back((*t->shape)[d].value);
  }
  return dims;
}

std::optional<std::string> normalization_parameter(Graph& graph, const std::string& name, DataType type,
                                                   const std::vector<int64_t>& normalized, int64_t x_rank,
                                                   bool commit, const std::string& suffix) {
  auto t = constant_value(graph, name);
  if (!t || t->dtype() != type || static_cast<int64_t>(t->rank()) > x_rank) return std::nullopt;
  if (without_leading_ones(t->shape().dims()) != without_leading_ones(normalized)) return std::nullopt;
  if (t->shape().dims() == normalized && graph.constant(name) != nullptr) return name;
  if (!commit) return name;
  const std::string fresh = fresh_value_name(graph, name + suffix);
  graph.initializers.emplace(fresh, t->reshaped(Shape(normalized)));
  std::vector<Dim> dims;
  for (int64_t d : normalized) dims.push_back(Dim::fixed(d));
  graph.value_types[fresh] = TypeInfo{ValueKind::kTensor, type, dims};
  return fresh;
}

}  // namespace aruntime::optimizer
