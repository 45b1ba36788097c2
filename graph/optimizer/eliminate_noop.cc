// Ops that, with these attributes and constant inputs, hand back their input unchanged: Cast to the
// type it already has, Reshape or Expand to the shape it already has, Transpose by the identity
// permutation, Slice of every element, Pad by nothing, Squeeze/Unsqueeze that change no axis.
// Each goes the way of Identity (readers read the input; see redirect.h for graph outputs).
#include <limits>
#include <optional>

#include "graph/optimizer/passes.h"
#include "graph/optimizer/redirect.h"

namespace aruntime::optimizer {
namespace {

std::optional<std::vector<int64_t>> constant_ints(const Graph& graph, const Node& node,
                                                  size_t input) {
  if (!node.has_input(input)) return std::nullopt;
  const Tensor* t = graph.constant(node.inputs[input]);
  if (t == nullptr || (t->dtype() != DataType::kInt64 && t->dtype() != DataType::kInt32) ||
      t->rank() > 1) {
    return std::nullopt;
  }
  return t->to_int64_vector();
}

// The input's dims (-1 where not static), or nullopt when its rank is unknown.
std::optional<std::vector<int64_t>> dims_of(const Graph& graph, const std::string& value) {
  const TypeInfo* type = graph.find_type(value);
  if (type == nullptr || type->kind != ValueKind::kTensor || !type->shape) return std::nullopt;
  std::vector<int64_t> dims;
  for (const Dim& d : *type->shape) dims.push_back(d.is_static() ? d.value : -1);
  return dims;
}

bool same_static_shape(const Graph& graph, const std::string& a, const std::string& b) {
  const TypeInfo* ta = graph.find_type(a);
  const TypeInfo* tb = graph.find_type(b);
  if (ta == nullptr || tb == nullptr || !ta->has_static_shape() || !tb->has_static_shape())
    return false;
  if (ta->shape->size() != tb->shape->size()) return false;
  for (size_t i = 0; i < ta->shape->size(); ++i) {
    if ((*ta->shape)[i].value != (*tb->shape)[i].value) return false;
  }
  return true;
}

DataType dtype_of(const Graph& graph, const std::string& value) {
  const TypeInfo* type = graph.find_type(value);
  return type == nullptr || type->kind != ValueKind::kTensor ? DataType::kUndefined : type->dtype;
}

bool is_noop_cast(const Graph& graph, const Node& node) {
  const DataType in = dtype_of(graph, node.inputs[0]);
  if (in == DataType::kUndefined) return false;
  if (node.op_type == "Cast") {
    const Attribute* to = node.find_attribute("to");
    return to != nullptr && to->type == Attribute::Type::kInt &&
           data_type_from_onnx(static_cast<int32_t>(to->i)) == in;
  }
  return node.has_input(1) && dtype_of(graph, node.inputs[1]) == in;  // CastLike
}

// Reshape(x, shape) keeps x's shape when shape has x's rank and each entry is x's static dim, a
// 0 that copies x's dim (allowzero unset), or a single -1 (which then resolves to the only dim
// left, x's own).
bool is_noop_reshape(const Graph& graph, const Node& node) {
  if (same_static_shape(graph, node.inputs[0], node.outputs[0])) return true;
  const auto dims = dims_of(graph, node.inputs[0]);
  const auto target = constant_ints(graph, node, 1);
  if (!dims || !target || target->size() != dims->size()) return false;
  const bool allowzero = node.attr_int("allowzero", 0) != 0;
  int inferred = 0;
  for (size_t i = 0; i < dims->size(); ++i) {
    const int64_t t = (*target)[i], d = (*dims)[i];
    if (t == -1) {
      ++inferred;
    } else if (!((t == 0 && !allowzero) || (d >= 0 && t == d))) {
      return false;
    }
  }
  return inferred <= 1;
}

// Expand(x, shape) keeps x's shape when shape is no longer than x's rank and each of its entries
// is 1 or x's static dim (broadcasting then leaves every dim of x as it is).
bool is_noop_expand(const Graph& graph, const Node& node) {
  if (same_static_shape(graph, node.inputs[0], node.outputs[0])) return true;
  const auto dims = dims_of(graph, node.inputs[0]);
  const auto target = constant_ints(graph, node, 1);
  if (!dims || !target || target->size() > dims->size()) return false;
  const size_t offset = dims->size() - target->size();
  for (size_t i = 0; i < target->size(); ++i) {
    const int64_t t = (*target)[i], d = (*dims)[offset + i];
    if (t != 1 && !(d >= 0 && t == d)) return false;
  }
  return true;
}

bool is_noop_transpose(const Graph& graph, const Node& node) {
  const Attribute* perm = node.find_attribute("perm");
  if (perm == nullptr) {  // reverses the dims: the identity on rank 0 and 1
    const auto dims = dims_of(graph, node.inputs[0]);
    return dims && dims->size() <= 1;
  }
  if (perm->type != Attribute::Type::kInts) return false;
  for (size_t i = 0; i < perm->ints.size(); ++i) {
    if (perm->ints[i] != static_cast<int64_t>(i)) return false;
  }
  return true;
}

// Slice with step 1 from the first to past the last element on every sliced axis. Bounds clamp
// to [0, dim], so an axis of unknown size is covered only by start 0 and end INT64_MAX.
bool is_noop_slice(const Graph& graph, const Node& node, int64_t opset) {
  const auto dims = dims_of(graph, node.inputs[0]);
  if (!dims) return false;
  std::optional<std::vector<int64_t>> starts, ends, axes, steps;
  if (opset < 10) {
    if (!node.has_attribute("starts") || !node.has_attribute("ends")) return false;
    starts = node.attr_ints("starts");
    ends = node.attr_ints("ends");
    if (node.has_attribute("axes")) axes = node.attr_ints("axes");
  } else {
    starts = constant_ints(graph, node, 1);
    ends = constant_ints(graph, node, 2);
    if (node.has_input(3) && !(axes = constant_ints(graph, node, 3))) return false;
    if (node.has_input(4) && !(steps = constant_ints(graph, node, 4))) return false;
  }
  if (!starts || !ends || starts->size() != ends->size()) return false;
  const int64_t rank = static_cast<int64_t>(dims->size());
  if (!axes) {
    if (static_cast<int64_t>(starts->size()) > rank) return false;
    axes.emplace();
    for (size_t i = 0; i < starts->size(); ++i) axes->push_back(static_cast<int64_t>(i));
  }
  if (axes->size() != starts->size() || (steps && steps->size() != starts->size())) return false;
  for (size_t i = 0; i < starts->size(); ++i) {
    if (steps && (*steps)[i] != 1) return false;
    const int64_t axis = (*axes)[i] < 0 ? (*axes)[i] + rank : (*axes)[i];
    if (axis < 0 || axis >= rank) return false;
    const int64_t dim = (*dims)[static_cast<size_t>(axis)];
    const int64_t start = (*starts)[i], end = (*ends)[i];
    if (dim < 0) {
      if (start != 0 || end != std::numeric_limits<int64_t>::max()) return false;
      continue;
    }
    const bool from_first = start == 0 || (start < 0 && start + dim <= 0);
    const bool to_last = end >= dim;
    if (!from_first || !to_last) return false;
  }
  return true;
}

bool is_noop_pad(const Graph& graph, const Node& node, int64_t opset) {
  std::optional<std::vector<int64_t>> pads;
  if (opset < 11) {
    const char* attr = opset < 2 ? "paddings" : "pads";
    if (!node.has_attribute(attr)) return false;
    pads = node.attr_ints(attr);
  } else {
    pads = constant_ints(graph, node, 1);
  }
  if (!pads) return false;
  for (int64_t p : *pads) {
    if (p != 0) return false;
  }
  return true;
}

// Squeeze only removes dims and Unsqueeze only adds them: equal ranks mean nothing changed.
bool is_noop_squeeze(const Graph& graph, const Node& node) {
  const auto in = dims_of(graph, node.inputs[0]);
  const auto out = dims_of(graph, node.outputs[0]);
  return in && out && in->size() == out->size();
}

bool is_noop(const Model& model, const Graph& graph, const Node& node) {
  if (!node.domain.empty() || !node.has_input(0) || node.outputs.size() != 1 || !node.has_output(0))
    return false;
  const std::string& op = node.op_type;
  const int64_t opset = model.opset("");
  if (op == "Cast" || op == "CastLike") return is_noop_cast(graph, node);
  if (op == "Reshape") return is_noop_reshape(graph, node);
  if (op == "Expand") return is_noop_expand(graph, node);
  if (op == "Transpose") return is_noop_transpose(graph, node);
  if (op == "Slice") return is_noop_slice(graph, node, opset);
  if (op == "Pad") return is_noop_pad(graph, node, opset);
  if (op == "Squeeze" || op == "Unsqueeze") return is_noop_squeeze(graph, node);
  return false;
}

class EliminateNoop final : public GraphPass {
 public:
  const std::string& name() const override { return name_; }
  Level level() const override { return Level::kBasic; }

  int run(const Model& model, Graph& graph) const override {
    int changes = 0;
    for (size_t i = 0; i < graph.nodes.size();) {
      const Node& node = graph.nodes[i];
      if (is_noop(model, graph, node) && bypass_node(graph, i, std::string(node.inputs[0]))) {
        ++changes;
      } else {
        ++i;
      }
    }
    return changes;
  }

 private:
  std::string name_ = "eliminate_noop";
};

}  // namespace

std::unique_ptr<GraphPass> make_eliminate_noop() {
  return std::make_unique<EliminateNoop>();
}

}  // namespace aruntime::optimizer
