#include "graph/standard_functions.h"

#include <onnx/defs/function.h>
#include <onnx/defs/schema.h>

#include <unordered_set>

#include "graph/loader.h"
#include "graph/tensor_proto.h"

namespace aruntime {
namespace {

using Result = FunctionExpansion::Result;

int64_t newest_known_opset(const std::string& domain) {
  const auto& ranges = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  auto it = ranges.find(domain);
  return it == ranges.end() ? 0 : it->second.second;
}

// Scalar, list and tensor attributes; graph attributes never occur on ops ONNX defines as
// functions with a static body, and the context-dependent ones read only these kinds.
bool attribute_to_proto(const Attribute& a, onnx::AttributeProto& p) {
  using A = onnx::AttributeProto;
  p.set_name(a.name);
  switch (a.type) {
    case Attribute::Type::kFloat: p.set_type(A::FLOAT); p.set_f(a.f); return true;
    case Attribute::Type::kInt: p.set_type(A::INT); p.set_i(a.i); return true;
    case Attribute::Type::kString: p.set_type(A::STRING); p.set_s(a.s); return true;
    case Attribute::Type::kTensor:
      p.set_type(A::TENSOR);
      tensor_to_proto(a.t, "", *p.mutable_t());
      return true;
    case Attribute::Type::kFloats:
      p.set_type(A::FLOATS);
      for (float f : a.floats) p.add_floats(f);
      return true;
    case Attribute::Type::kInts:
      p.set_type(A::INTS);
      for (int64_t i : a.ints) p.add_ints(i);
      return true;
    case Attribute::Type::kStrings:
      p.set_type(A::STRINGS);
      for (const auto& s : a.strings) p.add_strings(s);
      return true;
    default: return false;
  }
}

// Every value and node name visible from `graph`, so that body names never shadow one of them.
void collect_names(const Graph& graph, std::unordered_set<std::string>& names) {
  for (const Graph* g = &graph; g != nullptr; g = g->parent) {
    for (const auto& v : g->inputs) names.insert(v.name);
    for (const auto& v : g->outputs) names.insert(v.name);
    for (const auto& [name, t] : g->initializers) names.insert(name);
    for (const auto& n : g->nodes) {
      names.insert(n.name);
      names.insert(n.inputs.begin(), n.inputs.end());
      names.insert(n.outputs.begin(), n.outputs.end());
    }
  }
}

class NameSource {
 public:
  NameSource(const Graph& graph, std::string prefix) : prefix_(std::move(prefix)) { collect_names(graph, used_); }
  std::string fresh(const std::string& base) {
    std::string name = prefix_ + "/" + base;
    for (int k = 2; used_.count(name); ++k) name = prefix_ + "/" + base + "_" + std::to_string(k);
    used_.insert(name);
    return name;
  }

 private:
  std::string prefix_;
  std::unordered_set<std::string> used_;
};

}  // namespace

FunctionExpansion expand_standard_function(const Model& model, Graph& graph, const Node& node) {
  FunctionExpansion out;
  const std::string& domain = node.domain;
  const int64_t opset = model.opset(node.domain);
  const onnx::OpSchema* schema =
      onnx::OpSchemaRegistry::Schema(node.op_type, static_cast<int>(opset), domain);
  if (schema == nullptr || !(schema->HasFunction() || schema->HasContextDependentFunction())) return out;

  out.result = Result::kUnusable;
  const int64_t known = newest_known_opset(domain);
  if (opset > known) {
    out.reason = "its ONNX function body is known only up to opset " + std::to_string(known) +
                 " in this build, the model uses opset " + std::to_string(opset);
    return out;
  }

  // The calling node as ONNX sees it: attributes, and input types for context-dependent bodies.
  onnx::NodeProto call;
  call.set_op_type(node.op_type);
  call.set_domain(node.domain);
  call.set_name(node.name);
  for (const auto& in : node.inputs) call.add_input(in);
  for (const auto& o : node.outputs) call.add_output(o);
  for (const auto& a : node.attributes) {
    if (!attribute_to_proto(a, *call.add_attribute())) {
      out.reason = "attribute '" + a.name + "' has a kind function bodies cannot take";
      return out;
    }
  }
  std::vector<onnx::TypeProto> input_types;
  for (const auto& in : node.inputs) {
    onnx::TypeProto t;
    const TypeInfo* info = in.empty() ? nullptr : graph.find_type(in);
    if (info != nullptr && info->kind == ValueKind::kTensor && info->dtype != DataType::kUndefined) {
      t.mutable_tensor_type()->set_elem_type(static_cast<int32_t>(info->dtype));
    }
    input_types.push_back(std::move(t));
  }

  onnx::FunctionProto body;
  if (schema->HasFunction()) {
    body = *schema->GetFunction();
  } else {
    onnx::FunctionBodyBuildContextImpl context(call, input_types);
    bool built = false;
    try {
      built = schema->BuildContextDependentFunction(context, body);
    } catch (const std::exception& e) {
      out.reason = std::string("ONNX could not build its function body: ") + e.what();
      return out;
    }
    if (!built) {
      out.reason = "ONNX builds no function body for these input types or attributes";
      return out;
    }
  }

  // Formal names bind to the call's values; everything else gets a fresh name.
  std::map<std::string, std::string> rename;
  for (int i = 0; i < body.input_size(); ++i) {
    rename[body.input(i)] = i < static_cast<int>(node.inputs.size()) ? node.inputs[i] : "";
  }
  for (int i = 0; i < body.output_size(); ++i) {
    rename[body.output(i)] = i < static_cast<int>(node.outputs.size()) ? node.outputs[i] : "";
  }
  NameSource names(graph, node.name);
  auto bind = [&](const std::string& formal) -> std::string {
    if (formal.empty()) return formal;
    auto it = rename.find(formal);
    if (it != rename.end()) return it->second;
    return rename[formal] = names.fresh(formal);
  };

  for (const auto& proto : body.node()) {
    onnx::NodeProto n = proto;
    n.set_name(names.fresh(proto.name().empty() ? proto.op_type() : proto.name()));
    for (auto& in : *n.mutable_input()) in = bind(in);
    for (auto& o : *n.mutable_output()) o = bind(o);
    // Attribute references take the caller's value, else the schema's default, else vanish.
    google::protobuf::RepeatedPtrField<onnx::AttributeProto> resolved;
    for (const auto& a : n.attribute()) {
      if (a.ref_attr_name().empty()) {
        *resolved.Add() = a;
        continue;
      }
      const onnx::AttributeProto* value = nullptr;
      for (const auto& c : call.attribute()) {
        if (c.name() == a.ref_attr_name()) value = &c;
      }
      if (value == nullptr) {
        auto it = schema->attributes().find(a.ref_attr_name());
        if (it != schema->attributes().end() && it->second.default_value.type() != onnx::AttributeProto::UNDEFINED) {
          value = &it->second.default_value;
        }
      }
      if (value == nullptr) continue;
      onnx::AttributeProto copy = *value;
      copy.set_name(a.name());
      *resolved.Add() = std::move(copy);
    }
    *n.mutable_attribute() = std::move(resolved);
    out.nodes.push_back(node_from_proto(n, graph, model.origin));
  }
  // An output the body never produces would leave the call's consumers without a value.
  std::unordered_set<std::string> produced;
  for (const auto& n : out.nodes) produced.insert(n.outputs.begin(), n.outputs.end());
  for (const auto& o : node.outputs) {
    if (!o.empty() && !produced.count(o)) {
      out.nodes.clear();
      out.reason = "its ONNX function body does not produce output '" + o + "'";
      return out;
    }
  }
  out.result = Result::kExpanded;
  return out;
}

}  // namespace aruntime
