// Loader internals: unique naming and inlining of model-local functions (ModelProto.functions).
// Inlining works on the protobuf messages, before conversion to the IR, so that the converted graph
// never contains calls to local functions and every later stage sees plain ONNX ops.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

namespace google::protobuf {
class Message;
}
namespace onnx {
class AttributeProto;
class FunctionProto;
class GraphProto;
class ModelProto;
class NodeProto;
class ValueInfoProto;
}  // namespace onnx

namespace aruntime::loader_detail {

// Hands out names that no other node (or value) of the model uses.
class NameRegistry {
 public:
  // Marks `name` as taken; returns false when it already was.
  bool claim(const std::string& name) { return used_.insert(name).second; }
  bool contains(const std::string& name) const { return used_.count(name) != 0; }
  // `base` if free, else the first free "base_2", "base_3", ...; the result is claimed.
  std::string unique(const std::string& base);

 private:
  std::unordered_set<std::string> used_;
};

// "" for the default domain, which models may also spell "ai.onnx".
std::string normalize_domain(const std::string& domain);
// "node 'n' (Op)" or "node 'n' (Op, domain d)", like Node::describe().
std::string describe_node(const onnx::NodeProto& node);
// Payloads of the length-delimited fields numbered `number` that this build's ONNX proto (1.12)
// does not know, e.g. FunctionProto.attribute_proto (11) or NodeProto.overload (8).
std::vector<std::string> unknown_length_delimited(const google::protobuf::Message& message,
                                                  int number);

struct LocalFunction {
  const onnx::FunctionProto* proto = nullptr;
  std::string domain;  // normalised
  std::string overload;
  std::vector<onnx::AttributeProto> attribute_defaults;  // FunctionProto.attribute_proto (IR 9+)
  std::vector<onnx::ValueInfoProto> value_info;          // FunctionProto.value_info (IR 10+)
  std::map<std::string, int64_t> opset_imports;          // normalised domains
  std::string describe() const;                          // "local function 'F' (domain d)"
};

class LocalFunctions {
 public:
  // Indexes model.functions; refuses unnamed functions and duplicate (domain, name, overload).
  LocalFunctions(const onnx::ModelProto& model, const std::string& origin);
  ~LocalFunctions();
  bool empty() const { return functions_.empty(); }
  bool has_domain(const std::string& domain) const { return domains_.count(domain) != 0; }
  // The function a node calls, or nullptr when the node is an ordinary op.
  const LocalFunction* find(const onnx::NodeProto& node) const;
  const std::vector<LocalFunction>& all() const { return functions_; }

 private:
  std::vector<LocalFunction> functions_;
  std::map<std::string, size_t> index_;  // domain '\0' name '\0' overload -> functions_ index
  std::unordered_set<std::string> domains_;
};

// Guards against runaway expansion (recursive or exponentially nested functions).
inline constexpr int kMaxFunctionNesting = 64;
inline constexpr size_t kMaxInlinedNodes = size_t{1} << 22;

// Replaces every call of a local function in `graph` and its subgraphs (recursively, including
// calls inside function bodies) with the function's nodes. Internal values and nodes get names
// prefixed with the calling node's name ("call/x"), made unique through the registries; formal
// inputs and outputs are bound to the call's actual names (an omitted actual input becomes "");
// attributes that reference the caller's attributes (ref_attr_name) take the caller's value, the
// function's default, or are dropped when neither exists.
void inline_local_functions(onnx::GraphProto& graph, const LocalFunctions& functions,
                            NameRegistry& node_names, NameRegistry& value_names,
                            const std::string& origin);

}  // namespace aruntime::loader_detail
