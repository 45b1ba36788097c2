// The shape inference pass: walks the nodes in topological order, runs the shape rule of each op
// (shape_inference_<family>.cc), follows small integer values (shape_inference_values.cc) and
// merges what it derives into graph.value_types without ever overriding a declared static dim.
#include "graph/shape_inference.h"

#include <cstring>

#include "graph/shape_inference_internal.h"

namespace aruntime {
namespace shape_inference {

// --- ValueStore ------------------------------------------------------------------------------

const Values* ValueStore::values(const std::string& name) const {
  for (const ValueStore* s = this; s != nullptr; s = s->parent_) {
    auto it = s->values_.find(name);
    if (it != s->values_.end()) return &it->second;
  }
  return nullptr;
}

const Tensor* ValueStore::constant(const std::string& name) const {
  for (const ValueStore* s = this; s != nullptr; s = s->parent_) {
    auto it = s->constants_.find(name);
    if (it != s->constants_.end()) return &it->second;
  }
  return nullptr;
}

// --- NodeContext -----------------------------------------------------------------------------

NodeContext::NodeContext(const Graph& graph, const Node& node, const ValueStore& store)
    : out_shapes_(node.outputs.size()),
      out_values_(node.outputs.size()),
      graph_(graph),
      node_(node),
      store_(store) {}

const Dims* NodeContext::shape(size_t i) const {
  if (!has_input(i)) return nullptr;
  const TypeInfo* t = graph_.find_type(node_.inputs[i]);
  if (t == nullptr || t->kind != ValueKind::kTensor || !t->shape) return nullptr;
  return &*t->shape;
}

DataType NodeContext::dtype(size_t i) const {
  if (!has_input(i)) return DataType::kUndefined;
  const TypeInfo* t = graph_.find_type(node_.inputs[i]);
  return t ? t->dtype : DataType::kUndefined;
}

DataType NodeContext::output_dtype(size_t k) const {
  if (!node_.has_output(k)) return DataType::kUndefined;
  const TypeInfo* t = graph_.find_type(node_.outputs[k]);
  return t ? t->dtype : DataType::kUndefined;
}

const Values* NodeContext::values(size_t i) const {
  return has_input(i) ? store_.values(node_.inputs[i]) : nullptr;
}

std::optional<std::vector<int64_t>> NodeContext::ints(size_t i) const {
  const Values* v = values(i);
  if (v == nullptr) return std::nullopt;
  return v->ints();
}

const Tensor* NodeContext::constant(size_t i) const {
  if (!has_input(i)) return nullptr;
  const std::string& name = node_.inputs[i];
  if (const Tensor* t = store_.constant(name)) return t;
  for (const Graph* g = &graph_; g != nullptr; g = g->parent) {
    if (g->value_types.count(name) && !g->initializers.count(name)) return nullptr;  // shadowed
    if (const Tensor* t = g->constant(name)) return t;
  }
  return nullptr;
}

std::optional<std::vector<double>> NodeContext::doubles(size_t i) const {
  const Tensor* t = constant(i);
  if (t == nullptr || !t->device().is_cpu()) return std::nullopt;
  std::vector<double> out(static_cast<size_t>(t->num_elements()));
  switch (t->dtype()) {
    case DataType::kFloat32:
      for (size_t j = 0; j < out.size(); ++j) out[j] = t->data<float>()[j];
      return out;
    case DataType::kFloat64:
      for (size_t j = 0; j < out.size(); ++j) out[j] = t->data<double>()[j];
      return out;
    case DataType::kFloat16:
      for (size_t j = 0; j < out.size(); ++j) out[j] = t->data<Float16>()[j].to_float();
      return out;
    default:
      if (!is_integer(t->dtype())) return std::nullopt;
      std::vector<int64_t> v = t->to_int64_vector();
      for (size_t j = 0; j < out.size(); ++j) out[j] = static_cast<double>(v[j]);
      return out;
  }
}

void NodeContext::set_shape(size_t k, Dims shape) {
  if (k < out_shapes_.size() && node_.has_output(k)) out_shapes_[k] = std::move(shape);
}

void NodeContext::set_values(size_t k, Values values) {
  if (k < out_values_.size() && node_.has_output(k)) out_values_[k] = std::move(values);
}

void NodeContext::fail(const std::string& what) const {
  throw_error(ErrorCode::kInvalidModel, node_.describe() + ": " + what);
}

std::string NodeContext::describe_input(size_t i) const {
  std::string s = "input " + std::to_string(i);
  if (!has_input(i)) return s + " (omitted)";
  s += " '" + node_.inputs[i] + "'";
  if (const Dims* d = shape(i)) s += " " + dims_to_string(*d);
  return s;
}

int64_t NodeContext::normalize_axis(int64_t axis, int64_t rank, std::string_view what) const {
  if (axis < -rank || axis >= rank) {
    fail(std::string(what) + " " + std::to_string(axis) + " is out of range for rank " +
         std::to_string(rank) + " (expected " + std::to_string(-rank) + ".." +
         std::to_string(rank - 1) + ")");
  }
  return axis < 0 ? axis + rank : axis;
}

// --- Helpers shared by rule files --------------------------------------------------------------

void same_shape_as_input(NodeContext& ctx, size_t i, size_t k) {
  if (const Dims* d = ctx.shape(i)) ctx.set_shape(k, *d);
}

std::optional<Dims> broadcast_inputs(NodeContext& ctx, const std::vector<size_t>& inputs) {
  Dims result;
  size_t first = 0;
  bool any = false;
  for (size_t i : inputs) {
    if (!ctx.has_input(i)) continue;
    const Dims* d = ctx.shape(i);
    if (d == nullptr) return std::nullopt;
    if (!any) {
      result = *d;
      first = i;
      any = true;
      continue;
    }
    Dims merged(std::max(result.size(), d->size()));
    for (size_t j = 0; j < merged.size(); ++j) {
      const size_t from_end = merged.size() - j;
      const Dim one = Dim::fixed(1);
      const Dim& a = from_end <= result.size() ? result[result.size() - from_end] : one;
      const Dim& b = from_end <= d->size() ? (*d)[d->size() - from_end] : one;
      std::optional<Dim> m = broadcast_dim(a, b);
      if (!m) {
        ctx.fail(ctx.describe_input(first) + " and " + ctx.describe_input(i) +
                 " cannot be broadcast (" + a.to_string() + " vs " + b.to_string() + ")");
      }
      merged[j] = *m;
    }
    result = std::move(merged);
  }
  if (!any) return std::nullopt;
  return result;
}

std::optional<std::vector<int64_t>> axes_from_attr_or_input(const NodeContext& ctx,
                                                            std::string_view name, size_t input,
                                                            bool* present) {
  if (const Attribute* a = ctx.node().find_attribute(name)) {
    *present = true;
    if (a->type == Attribute::Type::kInts) return a->ints;
    if (a->type == Attribute::Type::kInt) return std::vector<int64_t>{a->i};
    return std::nullopt;
  }
  if (ctx.has_input(input)) {
    *present = true;
    return ctx.ints(input);
  }
  *present = false;
  return std::vector<int64_t>{};
}

namespace {

const RuleTable& rule_table() {
  static const RuleTable table = [] {
    RuleTable t;
    add_elementwise_rules(t);
    add_nn_rules(t);
    add_tensor_rules(t);
    add_reduce_rules(t);
    add_ml_rules(t);
    add_einsum_rules(t);
    add_misc_rules(t);
    return t;
  }();
  return table;
}

void bind_dims(Graph& graph, const std::map<std::string, int64_t>& dim_values) {
  for (auto& [name, type] : graph.value_types) {
    if (!type.shape) continue;
    for (Dim& d : *type.shape) {
      if (d.is_static() || d.symbol.empty()) continue;
      auto it = dim_values.find(d.symbol);
      if (it != dim_values.end() && it->second >= 0) d = Dim::fixed(it->second);
    }
  }
  for (Node& node : graph.nodes) {
    for (Attribute& a : node.attributes) {
      if (a.type == Attribute::Type::kGraph && a.g) bind_dims(*a.g, dim_values);
      for (auto& g : a.graphs) {
        if (g) bind_dims(*g, dim_values);
      }
    }
  }
}

// Per dim: a declared static dim wins (and must agree with a static inferred one); an inferred
// static dim fills a symbolic or unknown declared one; an inferred symbol fills an unknown one.
Dims merge_declared(const NodeContext& ctx, size_t k, const Dims& declared, const Dims& inferred) {
  auto conflict = [&] {
    ctx.fail("output '" + ctx.node().outputs[k] + "' is declared " + dims_to_string(declared) +
             " but its inputs give " + dims_to_string(inferred));
  };
  if (declared.size() != inferred.size()) conflict();
  Dims merged = declared;
  for (size_t j = 0; j < declared.size(); ++j) {
    const Dim& d = declared[j];
    const Dim& i = inferred[j];
    if (d.is_static()) {
      if (i.is_static() && i.value != d.value) conflict();
    } else if (i.is_static()) {
      merged[j] = i;
    } else if (d.symbol.empty() && !i.symbol.empty()) {
      merged[j] = i;
    }
  }
  return merged;
}

// If's outputs have the shape both branches agree on (dims that differ are unknown).
void if_rule(NodeContext& ctx) {
  const Attribute* then_branch = ctx.node().find_attribute("then_branch");
  const Attribute* else_branch = ctx.node().find_attribute("else_branch");
  if (then_branch == nullptr || else_branch == nullptr || !then_branch->g || !else_branch->g)
    return;
  auto branch_shape = [](const Graph& body, size_t k) -> const Dims* {
    if (k >= body.outputs.size()) return nullptr;
    const TypeInfo* t = body.find_type(body.outputs[k].name);
    if (t == nullptr || t->kind != ValueKind::kTensor || !t->shape) {
      t = &body.outputs[k].type;
    }
    return t->kind == ValueKind::kTensor && t->shape ? &*t->shape : nullptr;
  };
  for (size_t k = 0; k < ctx.num_outputs(); ++k) {
    const Dims* a = branch_shape(*then_branch->g, k);
    const Dims* b = branch_shape(*else_branch->g, k);
    if (a == nullptr || b == nullptr || a->size() != b->size()) continue;
    Dims merged(a->size());
    for (size_t j = 0; j < a->size(); ++j) merged[j] = same_dim((*a)[j], (*b)[j]) ? (*a)[j] : Dim{};
    ctx.set_shape(k, std::move(merged));
  }
}

class Inferencer {
 public:
  Inferencer(Graph& graph, const ValueStore* parent) : graph_(graph), store_(parent) {}

  void run() {
    for (const auto& [name, tensor] : graph_.initializers) {
      if (graph_.is_graph_input(name)) continue;  // a feed may replace it
      auto it = graph_.value_types.find(name);
      if (it != graph_.value_types.end() && !it->second.shape) {
        Dims d;
        for (int64_t x : tensor.shape().dims()) d.push_back(Dim::fixed(x));
        it->second.shape = std::move(d);
      }
      if (auto v = values_of_tensor(tensor)) store_.set_values(name, std::move(*v));
    }
    for (const Node& node : graph_.nodes) infer_node(node);
  }

 private:
  void infer_node(const Node& node) {
    for (const Attribute& a : node.attributes) {
      if (a.type == Attribute::Type::kGraph && a.g) Inferencer(*a.g, &store_).run();
      for (const auto& g : a.graphs) {
        if (g) Inferencer(*g, &store_).run();
      }
    }
    NodeContext ctx(graph_, node, store_);
    const bool default_domain = node.domain.empty() || node.domain == "ai.onnx";
    try {
      if (default_domain && node.op_type == "If") {
        if_rule(ctx);
      } else {
        const std::string key = default_domain ? node.op_type : node.domain + ":" + node.op_type;
        auto it = rule_table().find(key);
        if (it != rule_table().end()) it->second(ctx);
      }
      if (default_domain) propagate_values(ctx);
    } catch (const Error& e) {
      if (e.code() == ErrorCode::kInvalidModel) throw;
      // Anything else is a value this pass could not interpret (an odd constant, say): the
      // outputs stay unknown rather than the model being refused.
      return;
    }
    if (default_domain && node.op_type == "Constant" && node.has_output(0)) remember_constant(node);
    apply(ctx);
  }

  void remember_constant(const Node& node) {
    const Attribute* a = node.find_attribute("value");
    if (a != nullptr && a->type == Attribute::Type::kTensor && a->t.defined()) {
      store_.set_constant(node.outputs[0], a->t);
    }
  }

  void apply(const NodeContext& ctx) {
    const Node& node = ctx.node();
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      if (!node.has_output(k)) continue;
      const std::string& out = node.outputs[k];
      std::optional<Dims> inferred = ctx.output_shape(k);
      if (const auto& v = ctx.output_values(k)) {
        if (!inferred) {
          inferred = Dims();
          for (int64_t d : v->dims) inferred->push_back(Dim::fixed(d));
        }
        store_.set_values(out, *v);
      }
      if (!inferred) continue;
      auto it = graph_.value_types.find(out);
      if (it == graph_.value_types.end() || it->second.kind != ValueKind::kTensor) continue;
      TypeInfo& type = it->second;
      type.shape = type.shape ? merge_declared(ctx, k, *type.shape, *inferred) : *inferred;
    }
  }

  Graph& graph_;
  ValueStore store_;
};

}  // namespace
}  // namespace shape_inference

void infer_shapes(Graph& graph, const std::map<std::string, int64_t>& dim_values) {
  if (!dim_values.empty()) shape_inference::bind_dims(graph, dim_values);
  shape_inference::Inferencer(graph, nullptr).run();
}

}  // namespace aruntime
