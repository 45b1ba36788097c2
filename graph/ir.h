// The runtime's own graph IR, independent of protobuf: a Model owns a Graph of Nodes that name
// their input and output values; values carry an element type and an (optionally symbolic) shape;
// initializers are Tensors. Subgraphs (If/Loop/Scan bodies) hang off node attributes and see the
// values of their enclosing graphs through `parent`.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "aruntime/data_type.h"
#include "aruntime/tensor.h"
#include "aruntime/value.h"

namespace aruntime {

class Graph;

// One dimension: a static size, a named symbol ("batch"), or unknown (value < 0, empty symbol).
struct Dim {
  int64_t value = -1;
  std::string symbol;

  static Dim fixed(int64_t v) { return Dim{v, {}}; }
  static Dim symbolic(std::string s) { return Dim{-1, std::move(s)}; }
  bool is_static() const { return value >= 0; }
  std::string to_string() const;  // "3", "batch" or "?"
};

struct TypeInfo {
  ValueKind kind = ValueKind::kTensor;
  // Element type of the tensor, of sequence elements, of what an optional holds, or of map values.
  DataType dtype = DataType::kUndefined;
  std::optional<std::vector<Dim>> shape;  // nullopt: rank unknown
  // What a sequence holds: kTensor, or kMap for seq(map(key_dtype, dtype)); what an optional
  // holds: kTensor, or kSequence for optional(seq(dtype)). kTensor for the other kinds.
  ValueKind element_kind = ValueKind::kTensor;
  // Key type of a map, or of the maps of a sequence of maps; kUndefined otherwise, and for a map
  // whose values are not tensors (which this runtime does not support).
  DataType key_dtype = DataType::kUndefined;

  static TypeInfo map(DataType key, DataType value);           // map(key, value)
  static TypeInfo map_sequence(DataType key, DataType value);  // seq(map(key, value))
  bool is_map_sequence() const {
    return kind == ValueKind::kSequence && element_kind == ValueKind::kMap;
  }
  bool has_static_shape() const;
  // "float32[batch,3,224,224]", "seq(float32)", "map(int64,float32)", "seq(map(string,float32))"
  std::string to_string() const;
};

struct ValueInfo {
  std::string name;
  TypeInfo type;
};

struct Attribute {
  enum class Type { kUndefined, kFloat, kInt, kString, kTensor, kGraph, kFloats, kInts, kStrings,
                    kTensors, kGraphs, kTypeProto };
  std::string name;
  Type type = Type::kUndefined;
  float f = 0.0f;
  int64_t i = 0;
  std::string s;
  Tensor t;
  std::shared_ptr<Graph> g;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::vector<Tensor> tensors;
  std::vector<std::shared_ptr<Graph>> graphs;
  TypeInfo type_proto;  // for kTypeProto
};

std::string_view attribute_type_name(Attribute::Type type);

using NodeIndex = size_t;

class Node {
 public:
  std::string name;     // unique within its graph after loading (the loader names unnamed nodes)
  std::string op_type;
  std::string domain;   // "" for the default ONNX domain ("ai.onnx" is normalised to "")
  std::vector<std::string> inputs;   // "" marks an omitted optional input
  std::vector<std::string> outputs;  // "" marks an omitted optional output
  std::vector<Attribute> attributes;

  const Attribute* find_attribute(std::string_view attr_name) const;
  bool has_attribute(std::string_view attr_name) const { return find_attribute(attr_name) != nullptr; }

  // Typed attribute access. The one-argument forms throw Error(kInvalidModel) naming the node when
  // the attribute is missing; all forms throw when it has another type.
  int64_t attr_int(std::string_view attr_name) const;
  int64_t attr_int(std::string_view attr_name, int64_t fallback) const;
  float attr_float(std::string_view attr_name) const;
  float attr_float(std::string_view attr_name, float fallback) const;
  std::string attr_string(std::string_view attr_name) const;
  std::string attr_string(std::string_view attr_name, const std::string& fallback) const;
  std::vector<int64_t> attr_ints(std::string_view attr_name) const;
  std::vector<int64_t> attr_ints(std::string_view attr_name, const std::vector<int64_t>& fallback) const;
  std::vector<float> attr_floats(std::string_view attr_name) const;
  std::vector<float> attr_floats(std::string_view attr_name, const std::vector<float>& fallback) const;
  std::vector<std::string> attr_strings(std::string_view attr_name) const;
  const Tensor& attr_tensor(std::string_view attr_name) const;
  std::shared_ptr<Graph> attr_graph(std::string_view attr_name) const;

  // "node 'conv1' (Conv)" — the prefix of every error about this node.
  std::string describe() const;
  bool has_input(size_t i) const { return i < inputs.size() && !inputs[i].empty(); }
  bool has_output(size_t i) const { return i < outputs.size() && !outputs[i].empty(); }
};

class Graph {
 public:
  std::string name;
  std::vector<Node> nodes;  // in topological order once the loader has sorted them
  std::vector<ValueInfo> inputs;
  std::vector<ValueInfo> outputs;
  std::map<std::string, TypeInfo> value_types;  // every value whose type is known (value_info,
                                                // inputs, outputs, initializers, inferred)
  std::map<std::string, Tensor> initializers;
  const Graph* parent = nullptr;                // enclosing graph of a subgraph

  bool is_initializer(const std::string& value) const { return initializers.count(value) != 0; }
  bool is_graph_input(const std::string& value) const;
  bool is_graph_output(const std::string& value) const;
  // A constant is an initializer that is not also a graph input (a graph input may override it).
  const Tensor* constant(const std::string& value) const;
  // Type of a value in this graph or any enclosing graph; nullptr if unknown.
  const TypeInfo* find_type(const std::string& value) const;

  // Producer node of every value produced in this graph.
  std::unordered_map<std::string, NodeIndex> producers() const;
  // Consumer nodes of every value consumed in this graph (including by nested subgraphs, which
  // count as consumption by the node that owns them).
  std::unordered_map<std::string, std::vector<NodeIndex>> consumers() const;

  // Names that nodes of this graph's subgraphs read from outside themselves (outer-scope values).
  static std::vector<std::string> outer_scope_inputs(const Graph& subgraph);
};

struct Model {
  int64_t ir_version = 0;
  std::map<std::string, int64_t> opset_imports;  // domain ("" = ai.onnx) -> version
  std::string producer_name;
  std::string producer_version;
  std::string origin;  // file path or caller-given name, for error messages
  std::shared_ptr<Graph> graph;
  // Below IR version 4 every initializer must also be listed as a graph input, yet no feed may
  // override it (ONNX Runtime refuses such a feed as an unknown input): the loader removes these
  // names from the main graph's inputs, so they are constants the optimizer may fold, and keeps
  // them here so that a feed naming one is told why (fixed_initializer_feed_error).
  std::vector<std::string> fixed_initializer_inputs;

  // Opset of `domain`, or 0 when the model does not import it.
  int64_t opset(const std::string& domain) const;
  // The one-line error for a feed named `name` that is one of fixed_initializer_inputs; empty
  // when it is not one.
  std::string fixed_initializer_feed_error(const std::string& name) const;
};

// Reorders graph.nodes topologically (stable: keeps file order where the graph allows it).
// Throws Error(kInvalidModel) naming a node on a cycle, or an input that nothing produces.
void topological_sort(Graph& graph, const std::string& origin);

}  // namespace aruntime
