#include "graph/loader_functions.h"

#include <google/protobuf/unknown_field_set.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <unordered_map>

#include "aruntime/status.h"

namespace aruntime::loader_detail {

namespace {

// FunctionProto / NodeProto fields newer than ONNX 1.12's proto, recovered from unknown fields.
constexpr int kFunctionAttributeProtoField = 11;
constexpr int kFunctionValueInfoField = 12;
constexpr int kFunctionOverloadField = 13;
constexpr int kNodeOverloadField = 8;

std::string function_key(const std::string& domain, const std::string& name,
                         const std::string& overload) {
  std::string key = domain;
  key += '\0';
  key += name;
  key += '\0';
  key += overload;
  return key;
}

std::string first_unknown_string(const google::protobuf::Message& message, int number) {
  auto values = unknown_length_delimited(message, number);
  return values.empty() ? std::string() : values.front();
}

std::string attribute_type_label(onnx::AttributeProto::AttributeType type) {
  return onnx::AttributeProto::AttributeType_Name(type);
}

using Scope = std::unordered_map<std::string, std::string>;

class Inliner {
 public:
  Inliner(const LocalFunctions& functions, NameRegistry& node_names, NameRegistry& value_names,
          const std::string& origin)
      : functions_(functions),
        node_names_(node_names),
        value_names_(value_names),
        origin_(origin) {}

  void inline_graph(onnx::GraphProto& graph) {
    google::protobuf::RepeatedPtrField<onnx::NodeProto> expanded;
    std::vector<onnx::ValueInfoProto> value_info;
    for (auto& node : *graph.mutable_node()) expand(std::move(node), expanded, value_info);
    graph.mutable_node()->Swap(&expanded);
    for (auto& v : value_info) *graph.add_value_info() = std::move(v);
  }

 private:
  // State of one call being instantiated.
  struct Call {
    const onnx::NodeProto& node;
    const LocalFunction& function;
  };

  [[noreturn]] void fail(const std::string& message) const {
    throw_error(ErrorCode::kInvalidModel, origin_ + ": " + message);
  }

  void expand(onnx::NodeProto&& node, google::protobuf::RepeatedPtrField<onnx::NodeProto>& out,
              std::vector<onnx::ValueInfoProto>& value_info) {
    for (auto& attribute : *node.mutable_attribute()) {
      if (attribute.has_g()) inline_graph(*attribute.mutable_g());
      for (auto& g : *attribute.mutable_graphs()) inline_graph(g);
    }
    const LocalFunction* function = functions_.find(node);
    if (function == nullptr) {
      if (++emitted_ > kMaxInlinedNodes) {
        fail("inlining local functions produces more than " + std::to_string(kMaxInlinedNodes) +
             " nodes");
      }
      *out.Add() = std::move(node);
      return;
    }
    if (std::find(stack_.begin(), stack_.end(), function) != stack_.end()) {
      std::string chain;
      for (const LocalFunction* f : stack_) chain += f->proto->name() + " -> ";
      fail(describe_node(node) + " calls " + function->describe() + " recursively (" + chain +
           function->proto->name() + ")");
    }
    if (stack_.size() >= static_cast<size_t>(kMaxFunctionNesting)) {
      fail(describe_node(node) + ": local function calls nest deeper than " +
           std::to_string(kMaxFunctionNesting) + " levels");
    }
    std::vector<onnx::NodeProto> body = instantiate({node, *function}, value_info);
    stack_.push_back(function);
    for (auto& b : body) expand(std::move(b), out, value_info);
    stack_.pop_back();
  }

  std::vector<onnx::NodeProto> instantiate(const Call& call,
                                           std::vector<onnx::ValueInfoProto>& value_info) {
    const onnx::FunctionProto& f = *call.function.proto;
    if (call.node.input_size() > f.input_size()) {
      fail(describe_node(call.node) + " passes " + std::to_string(call.node.input_size()) +
           " inputs to " + call.function.describe() + ", which declares " +
           std::to_string(f.input_size()));
    }
    if (call.node.output_size() > f.output_size()) {
      fail(describe_node(call.node) + " expects " + std::to_string(call.node.output_size()) +
           " outputs from " + call.function.describe() + ", which declares " +
           std::to_string(f.output_size()));
    }
    Scope scope;
    for (int i = 0; i < call.node.output_size(); ++i) {
      if (!call.node.output(i).empty()) scope[f.output(i)] = call.node.output(i);
    }
    // Inputs bind last: a name that is both a formal input and output reads the actual input.
    for (int i = 0; i < f.input_size(); ++i) {
      scope[f.input(i)] = i < call.node.input_size() ? call.node.input(i) : std::string();
    }
    for (const auto& n : f.node()) {
      for (const auto& o : n.output()) {
        if (!o.empty() && !scope.count(o)) scope[o] = fresh_value(call, o);
      }
    }
    std::vector<onnx::NodeProto> body;
    body.reserve(static_cast<size_t>(f.node_size()) + 1);
    for (int i = 0; i < f.node_size(); ++i) {
      body.push_back(f.node(i));
      rename_node(body.back(), static_cast<size_t>(i), scope, call);
    }
    // A formal output that is also a formal input passes its value through unchanged.
    const std::vector<std::string> formal_inputs(f.input().begin(), f.input().end());
    for (int i = 0; i < call.node.output_size(); ++i) {
      const std::string& formal = f.output(i);
      if (call.node.output(i).empty() ||
          std::find(formal_inputs.begin(), formal_inputs.end(), formal) == formal_inputs.end()) {
        continue;
      }
      onnx::NodeProto identity;
      identity.set_op_type("Identity");
      identity.set_name(node_names_.unique(call.node.name() + "/Identity_" + formal));
      identity.add_input(scope[formal]);
      identity.add_output(call.node.output(i));
      body.push_back(std::move(identity));
    }
    for (const auto& v : call.function.value_info) {
      auto it = scope.find(v.name());
      if (it == scope.end() || it->second.empty()) continue;
      onnx::ValueInfoProto renamed = v;
      renamed.set_name(it->second);
      value_info.push_back(std::move(renamed));
    }
    return body;
  }

  std::string fresh_value(const Call& call, const std::string& name) {
    return value_names_.unique(call.node.name() + "/" + name);
  }

  const std::string& map_value(const std::string& name, Scope& scope, const Call& call) {
    static const std::string kEmpty;
    if (name.empty()) return kEmpty;
    auto it = scope.find(name);
    if (it == scope.end()) it = scope.emplace(name, fresh_value(call, name)).first;
    return it->second;
  }

  const onnx::AttributeProto* attribute_source(const std::string& reference, const Call& call) {
    for (const auto& a : call.node.attribute()) {
      if (a.name() == reference) return &a;
    }
    for (const auto& a : call.function.attribute_defaults) {
      if (a.name() == reference) return &a;
    }
    return nullptr;
  }

  void rename_node(onnx::NodeProto& node, size_t index, Scope& scope, const Call& call) {
    for (auto& in : *node.mutable_input()) in = map_value(in, scope, call);
    for (auto& out : *node.mutable_output()) out = map_value(out, scope, call);
    const std::string local =
        node.name().empty() ? node.op_type() + "_" + std::to_string(index) : node.name();
    node.set_name(node_names_.unique(call.node.name() + "/" + local));

    google::protobuf::RepeatedPtrField<onnx::AttributeProto> attributes;
    for (auto& a : *node.mutable_attribute()) {
      if (a.ref_attr_name().empty()) {
        // Graphs written in the function body read the function's values: rename them too.
        if (a.has_g()) rename_graph(*a.mutable_g(), scope, call);
        for (auto& g : *a.mutable_graphs()) rename_graph(g, scope, call);
        *attributes.Add() = std::move(a);
        continue;
      }
      const onnx::AttributeProto* source = attribute_source(a.ref_attr_name(), call);
      if (source == nullptr) continue;  // neither given nor defaulted: the attribute is absent
      if (a.type() != onnx::AttributeProto::UNDEFINED &&
          source->type() != onnx::AttributeProto::UNDEFINED && a.type() != source->type()) {
        fail(describe_node(call.node) + ": attribute '" + source->name() + "' is " +
             attribute_type_label(source->type()) + ", but " + call.function.describe() +
             " uses it as " + attribute_type_label(a.type()) + " for attribute '" + a.name() +
             "' of its node '" + node.name() + "'");
      }
      onnx::AttributeProto substituted = *source;
      substituted.set_name(a.name());
      substituted.clear_ref_attr_name();
      *attributes.Add() = std::move(substituted);
    }
    node.mutable_attribute()->Swap(&attributes);
  }

  // Renames a subgraph nested in a function body. Names it defines get fresh names (they may
  // shadow outer ones); names it reads from outside resolve through `outer`.
  void rename_graph(onnx::GraphProto& graph, const Scope& outer, const Call& call) {
    Scope scope = outer;
    auto define = [&](const std::string& name) {
      if (!name.empty()) scope[name] = fresh_value(call, name);
    };
    for (const auto& v : graph.input()) define(v.name());
    for (const auto& t : graph.initializer()) define(t.name());
    for (const auto& s : graph.sparse_initializer()) define(s.values().name());
    for (const auto& n : graph.node()) {
      for (const auto& o : n.output()) define(o);
    }
    for (auto& v : *graph.mutable_input()) v.set_name(map_value(v.name(), scope, call));
    for (auto& t : *graph.mutable_initializer()) t.set_name(map_value(t.name(), scope, call));
    for (auto& s : *graph.mutable_sparse_initializer()) {
      s.mutable_values()->set_name(map_value(s.values().name(), scope, call));
    }
    for (int i = 0; i < graph.node_size(); ++i) {
      rename_node(*graph.mutable_node(i), static_cast<size_t>(i), scope, call);
    }
    for (auto& v : *graph.mutable_output()) v.set_name(map_value(v.name(), scope, call));
    for (auto& v : *graph.mutable_value_info()) v.set_name(map_value(v.name(), scope, call));
  }

  const LocalFunctions& functions_;
  NameRegistry& node_names_;
  NameRegistry& value_names_;
  const std::string& origin_;
  std::vector<const LocalFunction*> stack_;
  size_t emitted_ = 0;
};

}  // namespace

std::string NameRegistry::unique(const std::string& base) {
  if (claim(base)) return base;
  for (size_t k = 2;; ++k) {
    std::string candidate = base + "_" + std::to_string(k);
    if (claim(candidate)) return candidate;
  }
}

std::string normalize_domain(const std::string& domain) {
  return domain == "ai.onnx" ? std::string() : domain;
}

std::string describe_node(const onnx::NodeProto& node) {
  std::string d = "node '" + node.name() + "' (" + node.op_type();
  const std::string domain = normalize_domain(node.domain());
  if (!domain.empty()) d += ", domain " + domain;
  return d + ")";
}

std::vector<std::string> unknown_length_delimited(const google::protobuf::Message& message,
                                                  int number) {
  std::vector<std::string> values;
  const auto& fields = message.GetReflection()->GetUnknownFields(message);
  for (int i = 0; i < fields.field_count(); ++i) {
    const auto& field = fields.field(i);
    if (field.number() == number &&
        field.type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) {
      values.push_back(field.length_delimited());
    }
  }
  return values;
}

std::string LocalFunction::describe() const {
  std::string d = "local function '" + proto->name() + "'";
  if (!domain.empty()) d += " (domain " + domain + ")";
  return d;
}

LocalFunctions::LocalFunctions(const onnx::ModelProto& model, const std::string& origin) {
  functions_.reserve(static_cast<size_t>(model.functions_size()));
  for (int i = 0; i < model.functions_size(); ++i) {
    const onnx::FunctionProto& f = model.functions(i);
    LocalFunction lf;
    lf.proto = &f;
    lf.domain = normalize_domain(f.domain());
    lf.overload = first_unknown_string(f, kFunctionOverloadField);
    if (f.name().empty()) {
      throw_error(ErrorCode::kInvalidModel,
                  origin + ": local function #" + std::to_string(i) + " has no name");
    }
    for (const auto& payload : unknown_length_delimited(f, kFunctionAttributeProtoField)) {
      onnx::AttributeProto a;
      if (!a.ParseFromString(payload)) {
        throw_error(ErrorCode::kInvalidModel,
                    origin + ": " + lf.describe() + " has an unparsable attribute default");
      }
      lf.attribute_defaults.push_back(std::move(a));
    }
    for (const auto& payload : unknown_length_delimited(f, kFunctionValueInfoField)) {
      onnx::ValueInfoProto v;
      if (!v.ParseFromString(payload)) {
        throw_error(ErrorCode::kInvalidModel,
                    origin + ": " + lf.describe() + " has an unparsable value_info entry");
      }
      lf.value_info.push_back(std::move(v));
    }
    for (const auto& opset : f.opset_import()) {
      const std::string domain = normalize_domain(opset.domain());
      auto [it, inserted] = lf.opset_imports.emplace(domain, opset.version());
      if (!inserted && it->second != opset.version()) {
        throw_error(ErrorCode::kInvalidModel, origin + ": " + lf.describe() + " imports domain '" +
                                                  (domain.empty() ? "ai.onnx" : domain) +
                                                  "' twice (versions " +
                                                  std::to_string(it->second) + " and " +
                                                  std::to_string(opset.version()) + ")");
      }
    }
    const std::string key = function_key(lf.domain, f.name(), lf.overload);
    if (!index_.emplace(key, functions_.size()).second) {
      throw_error(ErrorCode::kInvalidModel,
                  origin + ": " + lf.describe() + " is declared twice" +
                      (lf.overload.empty() ? std::string() : " (overload '" + lf.overload + "')"));
    }
    domains_.insert(lf.domain);
    functions_.push_back(std::move(lf));
  }
}

LocalFunctions::~LocalFunctions() = default;

const LocalFunction* LocalFunctions::find(const onnx::NodeProto& node) const {
  if (functions_.empty()) return nullptr;
  const std::string domain = normalize_domain(node.domain());
  if (!domains_.count(domain)) return nullptr;
  auto it = index_.find(
      function_key(domain, node.op_type(), first_unknown_string(node, kNodeOverloadField)));
  return it == index_.end() ? nullptr : &functions_[it->second];
}

void inline_local_functions(onnx::GraphProto& graph, const LocalFunctions& functions,
                            NameRegistry& node_names, NameRegistry& value_names,
                            const std::string& origin) {
  if (functions.empty()) return;
  Inliner(functions, node_names, value_names, origin).inline_graph(graph);
}

}  // namespace aruntime::loader_detail
