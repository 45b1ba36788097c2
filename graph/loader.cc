#include "graph/loader.h"

#include <onnx/onnx_pb.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unordered_map>
#include <unordered_set>

#include "aruntime/status.h"
#include "graph/loader_functions.h"
#include "graph/optimizer/fused_domain.h"
#include "graph/tensor_proto.h"

namespace aruntime {
namespace {

namespace fs = std::filesystem;
using loader_detail::describe_node;
using loader_detail::LocalFunctions;
using loader_detail::NameRegistry;
using loader_detail::normalize_domain;

[[noreturn]] void fail(const std::string& origin, const std::string& message) {
  throw_error(ErrorCode::kInvalidModel, origin + ": " + message);
}

std::string domain_label(const std::string& domain) {
  return domain.empty() ? "ai.onnx" : domain;
}

// --- Model header: IR version and opsets ----------------------------------------------------

void check_opset_version(const std::string& domain, int64_t version, const std::string& origin,
                         const std::string& importer) {
  int64_t max_version = 0;
  if (domain.empty()) max_version = kMaxOnnxOpset;
  if (domain == "ai.onnx.ml") max_version = kMaxOnnxMlOpset;
  // The optimizer's fused ops: models that `aruntime optimize` saved at level 2 import them.
  if (domain == optimizer::kFusedDomain) max_version = optimizer::kFusedOpset;
  if (max_version == 0) return;  // other domains are versioned by their own kernels
  if (version < 1 || version > max_version) {
    fail(origin, importer + " imports opset " + domain_label(domain) + " version " +
                     std::to_string(version) + ", but aruntime supports " + domain_label(domain) +
                     " versions 1 to " + std::to_string(max_version));
  }
}

std::map<std::string, int64_t> read_opset_imports(const onnx::ModelProto& proto,
                                                  const std::string& origin) {
  std::map<std::string, int64_t> imports;
  for (const auto& opset : proto.opset_import()) {
    const std::string domain = normalize_domain(opset.domain());
    auto [it, inserted] = imports.emplace(domain, opset.version());
    if (!inserted && it->second != opset.version()) {
      fail(origin, "opset_import lists domain '" + domain_label(domain) + "' twice (versions " +
                       std::to_string(it->second) + " and " + std::to_string(opset.version()) +
                       ")");
    }
    check_opset_version(domain, opset.version(), origin, "the model");
  }
  return imports;
}

// Every node's domain must be imported (by the model, or by the function whose body holds it),
// unless it is the domain of a model-local function.
void check_domains(const google::protobuf::RepeatedPtrField<onnx::NodeProto>& nodes,
                   const std::map<std::string, int64_t>& imports, const LocalFunctions& functions,
                   const std::string& origin, const std::string& importer) {
  for (const auto& node : nodes) {
    const std::string domain = normalize_domain(node.domain());
    if (!imports.count(domain) && !functions.has_domain(domain)) {
      fail(origin, describe_node(node) + " uses domain '" + domain_label(domain) + "', which " +
                       importer + " does not import (opset_import)");
    }
    for (const auto& a : node.attribute()) {
      if (a.has_g()) check_domains(a.g().node(), imports, functions, origin, importer);
      for (const auto& g : a.graphs())
        check_domains(g.node(), imports, functions, origin, importer);
    }
  }
}

// --- Unique node names -----------------------------------------------------------------------

void collect_names(const onnx::GraphProto& graph, NameRegistry& node_names,
                   NameRegistry& value_names) {
  for (const auto& v : graph.input()) value_names.claim(v.name());
  for (const auto& v : graph.output()) value_names.claim(v.name());
  for (const auto& v : graph.value_info()) value_names.claim(v.name());
  for (const auto& t : graph.initializer()) value_names.claim(t.name());
  for (const auto& s : graph.sparse_initializer()) value_names.claim(s.values().name());
  for (const auto& node : graph.node()) {
    if (!node.name().empty()) node_names.claim(node.name());
    for (const auto& v : node.input()) value_names.claim(v);
    for (const auto& v : node.output()) value_names.claim(v);
    for (const auto& a : node.attribute()) {
      if (a.has_g()) collect_names(a.g(), node_names, value_names);
      for (const auto& g : a.graphs()) collect_names(g, node_names, value_names);
    }
  }
}

// The first node holding a name keeps it; unnamed nodes become "<op_type>_<index>" and later
// holders of a taken name "<name>_2", ... (node_names already holds every explicit name).
void assign_node_names(onnx::GraphProto& graph, std::unordered_set<std::string>& kept,
                       NameRegistry& node_names) {
  for (int i = 0; i < graph.node_size(); ++i) {
    onnx::NodeProto& node = *graph.mutable_node(i);
    if (node.name().empty() || !kept.insert(node.name()).second) {
      const std::string base =
          node.name().empty() ? node.op_type() + "_" + std::to_string(i) : node.name();
      node.set_name(node_names.unique(base));
      kept.insert(node.name());
    }
    for (auto& a : *node.mutable_attribute()) {
      if (a.has_g()) assign_node_names(*a.mutable_g(), kept, node_names);
      for (auto& g : *a.mutable_graphs()) assign_node_names(g, kept, node_names);
    }
  }
}

// --- Conversion to the IR --------------------------------------------------------------------

TypeInfo convert_type(const onnx::TypeProto& proto);

std::vector<Dim> convert_shape(const onnx::TensorShapeProto& shape) {
  std::vector<Dim> dims;
  dims.reserve(static_cast<size_t>(shape.dim_size()));
  for (const auto& d : shape.dim()) {
    if (d.has_dim_value() && d.dim_value() >= 0) {
      dims.push_back(Dim::fixed(d.dim_value()));
    } else if (d.has_dim_param() && !d.dim_param().empty()) {
      dims.push_back(Dim::symbolic(d.dim_param()));
    } else {
      dims.push_back(Dim{});
    }
  }
  return dims;
}

// Sequences and optionals keep the element type of their innermost tensor. Maps keep their key
// type and the element type of their value tensors; a sequence of maps says so in element_kind.
// A map whose values are not tensors keeps dtype kUndefined (the session refuses it).
TypeInfo convert_type(const onnx::TypeProto& proto) {
  TypeInfo t;
  switch (proto.value_case()) {
    case onnx::TypeProto::kTensorType:
      t.kind = ValueKind::kTensor;
      t.dtype = data_type_from_onnx(proto.tensor_type().elem_type());
      if (proto.tensor_type().has_shape()) t.shape = convert_shape(proto.tensor_type().shape());
      break;
    case onnx::TypeProto::kSequenceType:
      if (proto.sequence_type().has_elem_type())
        t = convert_type(proto.sequence_type().elem_type());
      if (t.kind == ValueKind::kMap) t.element_kind = ValueKind::kMap;
      // Nesting deeper than seq(tensor) or seq(map) (seq(seq(...)), seq(optional(...))) is beyond
      // what TypeInfo describes; such values are unknown rather than mistyped.
      t.kind = (t.kind == ValueKind::kTensor || t.kind == ValueKind::kMap) ? ValueKind::kSequence
                                                                           : ValueKind::kUnknown;
      break;
    case onnx::TypeProto::kOptionalType:
      if (proto.optional_type().has_elem_type())
        t = convert_type(proto.optional_type().elem_type());
      // optional(tensor) or optional(seq(tensor)); element_kind says which.
      if (t.kind == ValueKind::kSequence && t.element_kind == ValueKind::kTensor) {
        t.element_kind = ValueKind::kSequence;
        t.kind = ValueKind::kOptional;
      } else {
        t.kind = t.kind == ValueKind::kTensor ? ValueKind::kOptional : ValueKind::kUnknown;
      }
      break;
    case onnx::TypeProto::kMapType: {
      const onnx::TypeProto& value = proto.map_type().value_type();
      t = TypeInfo::map(data_type_from_onnx(proto.map_type().key_type()),
                        value.has_tensor_type()
                            ? data_type_from_onnx(value.tensor_type().elem_type())
                            : DataType::kUndefined);
      break;
    }
    case onnx::TypeProto::kSparseTensorType:
      t.kind = ValueKind::kUnknown;
      t.dtype = data_type_from_onnx(proto.sparse_tensor_type().elem_type());
      break;
    default:
      t.kind = ValueKind::kUnknown;
      break;
  }
  return t;
}

ValueInfo convert_value_info(const onnx::ValueInfoProto& proto) {
  ValueInfo v;
  v.name = proto.name();
  if (proto.has_type()) {
    v.type = convert_type(proto.type());
  } else {
    v.type.kind = ValueKind::kUnknown;
  }
  return v;
}

onnx::AttributeProto::AttributeType infer_attribute_type(const onnx::AttributeProto& a) {
  using A = onnx::AttributeProto;
  if (a.has_f()) return A::FLOAT;
  if (a.has_i()) return A::INT;
  if (a.has_s()) return A::STRING;
  if (a.has_t()) return A::TENSOR;
  if (a.has_g()) return A::GRAPH;
  if (a.has_sparse_tensor()) return A::SPARSE_TENSOR;
  if (a.has_tp()) return A::TYPE_PROTO;
  if (a.floats_size()) return A::FLOATS;
  if (a.ints_size()) return A::INTS;
  if (a.strings_size()) return A::STRINGS;
  if (a.tensors_size()) return A::TENSORS;
  if (a.graphs_size()) return A::GRAPHS;
  if (a.sparse_tensors_size()) return A::SPARSE_TENSORS;
  if (a.type_protos_size()) return A::TYPE_PROTOS;
  return A::UNDEFINED;
}

class Converter {
 public:
  Converter(const std::string& origin, const std::string& base_dir, const LoadOptions& options)
      : origin_(origin), base_dir_(base_dir), options_(options) {}

  // `graph` must already sit at its final (heap) address: subgraphs keep pointers to it.
  void convert_graph(onnx::GraphProto& proto, Graph& graph, const std::string& where) {
    if (graph.name.empty()) graph.name = proto.name();
    for (const auto& v : proto.input()) {
      if (v.name().empty()) fail(origin_, "a graph input" + where + " has no name");
      graph.inputs.push_back(convert_value_info(v));
      if (v.has_type()) graph.value_types.emplace(v.name(), graph.inputs.back().type);
    }
    for (auto& t : *proto.mutable_initializer()) {
      add_initializer(graph, t.name(), where, [&](const std::string& context) {
        return tensor_from_proto_taking_bytes(t, base_dir_, context, options_.max_file_bytes);
      });
      // Large raw_data buffers became the tensors' storage; free what else the proto holds now
      // (clear() would keep the capacity), so loading peaks near one copy of the weights.
      std::string().swap(*t.mutable_raw_data());
      google::protobuf::RepeatedField<float>().Swap(t.mutable_float_data());
    }
    for (const auto& s : proto.sparse_initializer()) {
      add_initializer(graph, s.values().name(), where, [&](const std::string& context) {
        return tensor_from_sparse_proto(s, base_dir_, context, options_.max_sparse_dense_bytes,
                                        options_.max_file_bytes);
      });
    }
    for (const auto& v : proto.output()) {
      if (v.name().empty()) fail(origin_, "a graph output" + where + " has no name");
      graph.outputs.push_back(convert_value_info(v));
      if (v.has_type()) graph.value_types.emplace(v.name(), graph.outputs.back().type);
    }
    for (const auto& v : proto.value_info()) {
      if (!v.name().empty() && v.has_type())
        graph.value_types.emplace(v.name(), convert_type(v.type()));
    }
    graph.nodes.reserve(static_cast<size_t>(proto.node_size()));
    for (auto& n : *proto.mutable_node()) graph.nodes.push_back(convert_node(n, graph, where));
  }

  template <typename MakeTensor>
  void add_initializer(Graph& graph, const std::string& name, const std::string& where,
                       MakeTensor make_tensor) {
    if (name.empty()) fail(origin_, "an initializer" + where + " has no name");
    if (graph.initializers.count(name)) {
      fail(origin_, "initializer '" + name + "'" + where + " is declared twice");
    }
    Tensor t = make_tensor(origin_ + ": initializer '" + name + "'" + where);
    std::vector<Dim> dims;
    for (int64_t d : t.shape().dims()) dims.push_back(Dim::fixed(d));
    graph.value_types.emplace(name, TypeInfo{ValueKind::kTensor, t.dtype(), std::move(dims)});
    graph.initializers.emplace(name, std::move(t));
  }

  Node convert_node(onnx::NodeProto& proto, Graph& owner, const std::string& where) {
    Node node;
    node.name = proto.name();
    node.op_type = proto.op_type();
    node.domain = normalize_domain(proto.domain());
    if (node.op_type.empty()) fail(origin_, node.describe() + where + " has no op_type");
    node.inputs.assign(proto.input().begin(), proto.input().end());
    node.outputs.assign(proto.output().begin(), proto.output().end());
    std::unordered_set<std::string> seen;
    for (auto& a : *proto.mutable_attribute()) {
      if (a.name().empty())
        fail(origin_, node.describe() + where + " has an attribute without a name");
      if (!seen.insert(a.name()).second) {
        fail(origin_, node.describe() + where + " has attribute '" + a.name() + "' twice");
      }
      if (!a.ref_attr_name().empty()) {
        fail(origin_, node.describe() + where + ": attribute '" + a.name() +
                          "' refers to attribute '" + a.ref_attr_name() +
                          "' of an enclosing function, but the node is not in a local function");
      }
      node.attributes.push_back(convert_attribute(a, node, owner, where));
    }
    return node;
  }

 private:
  std::shared_ptr<Graph> convert_subgraph(onnx::GraphProto& proto, Graph& owner, const Node& node,
                                          const std::string& attribute, const std::string& where) {
    auto sub = std::make_shared<Graph>();
    sub->parent = &owner;
    sub->name = proto.name().empty() ? node.name + "." + attribute : proto.name();
    convert_graph(proto, *sub, " in subgraph '" + attribute + "' of " + node.describe() + where);
    return sub;
  }

  Attribute convert_attribute(onnx::AttributeProto& proto, const Node& node, Graph& owner,
                              const std::string& where) {
    using A = onnx::AttributeProto;
    Attribute a;
    a.name = proto.name();
    const std::string context =
        origin_ + ": " + node.describe() + where + " attribute '" + a.name + "'";
    A::AttributeType type = proto.type();
    if (type == A::UNDEFINED) type = infer_attribute_type(proto);
    switch (type) {
      case A::FLOAT:
        a.type = Attribute::Type::kFloat;
        a.f = proto.f();
        break;
      case A::INT:
        a.type = Attribute::Type::kInt;
        a.i = proto.i();
        break;
      case A::STRING:
        a.type = Attribute::Type::kString;
        a.s = proto.s();
        break;
      case A::TENSOR:
        a.type = Attribute::Type::kTensor;
        a.t = tensor_from_proto(proto.t(), base_dir_, context, options_.max_file_bytes);
        break;
      case A::SPARSE_TENSOR:
        // Stored dense: kernels see Constant's sparse_value as an ordinary tensor attribute.
        a.type = Attribute::Type::kTensor;
        a.t = tensor_from_sparse_proto(proto.sparse_tensor(), base_dir_, context,
                                       options_.max_sparse_dense_bytes, options_.max_file_bytes);
        break;
      case A::GRAPH:
        a.type = Attribute::Type::kGraph;
        a.g = convert_subgraph(*proto.mutable_g(), owner, node, a.name, where);
        break;
      case A::FLOATS:
        a.type = Attribute::Type::kFloats;
        a.floats.assign(proto.floats().begin(), proto.floats().end());
        break;
      case A::INTS:
        a.type = Attribute::Type::kInts;
        a.ints.assign(proto.ints().begin(), proto.ints().end());
        break;
      case A::STRINGS:
        a.type = Attribute::Type::kStrings;
        a.strings.assign(proto.strings().begin(), proto.strings().end());
        break;
      case A::TENSORS:
        a.type = Attribute::Type::kTensors;
        for (int i = 0; i < proto.tensors_size(); ++i) {
          a.tensors.push_back(tensor_from_proto(proto.tensors(i), base_dir_,
                                                context + " #" + std::to_string(i),
                                                options_.max_file_bytes));
        }
        break;
      case A::SPARSE_TENSORS:
        a.type = Attribute::Type::kTensors;
        for (int i = 0; i < proto.sparse_tensors_size(); ++i) {
          a.tensors.push_back(tensor_from_sparse_proto(
              proto.sparse_tensors(i), base_dir_, context + " #" + std::to_string(i),
              options_.max_sparse_dense_bytes, options_.max_file_bytes));
        }
        break;
      case A::GRAPHS:
        a.type = Attribute::Type::kGraphs;
        for (int i = 0; i < proto.graphs_size(); ++i) {
          a.graphs.push_back(convert_subgraph(*proto.mutable_graphs(i), owner, node,
                                              a.name + "#" + std::to_string(i), where));
        }
        break;
      case A::TYPE_PROTO:
        a.type = Attribute::Type::kTypeProto;
        a.type_proto = convert_type(proto.tp());
        break;
      case A::TYPE_PROTOS:
        throw_error(ErrorCode::kNotImplemented,
                    context + " has type TYPE_PROTOS, which aruntime does not support");
      default:
        fail(origin_, node.describe() + where + ": attribute '" + a.name +
                          "' has no value or an unknown type (" + std::to_string(proto.type()) +
                          ")");
    }
    return a;
  }

  const std::string& origin_;
  const std::string& base_dir_;
  const LoadOptions& options_;
};

// --- Validation ------------------------------------------------------------------------------

// The values visible at some point: those of a graph and, through `outer`, of enclosing graphs.
struct ValueScope {
  const std::unordered_set<std::string>& defined;
  const ValueScope* outer;
  bool contains(const std::string& value) const {
    for (const ValueScope* s = this; s != nullptr; s = s->outer) {
      if (s->defined.count(value)) return true;
    }
    return false;
  }
};

void validate_graph(Graph& graph, const ValueScope* outer, const std::string& where,
                    const std::string& origin) {
  std::unordered_set<std::string> inputs;
  for (const auto& v : graph.inputs) {
    if (!inputs.insert(v.name).second)
      fail(origin, "graph input '" + v.name + "'" + where + " is declared twice");
  }
  std::unordered_set<std::string> defined = inputs;
  for (const auto& [name, t] : graph.initializers) defined.insert(name);
  std::unordered_map<std::string, const Node*> producer;
  for (const Node& node : graph.nodes) {
    for (const auto& out : node.outputs) {
      if (out.empty()) continue;
      auto it = producer.find(out);
      if (it != producer.end()) {
        fail(origin, "value '" + out + "'" + where + " is produced twice, by " +
                         it->second->describe() + " and by " + node.describe());
      }
      if (inputs.count(out)) {
        fail(origin,
             node.describe() + where + " writes '" + out + "', which is already a graph input");
      }
      if (graph.initializers.count(out)) {
        fail(origin,
             node.describe() + where + " writes '" + out + "', which is already an initializer");
      }
      producer.emplace(out, &node);
      defined.insert(out);
    }
  }
  const ValueScope scope{defined, outer};
  const std::string scope_note = outer != nullptr ? " of this graph or an enclosing one" : "";
  for (const Node& node : graph.nodes) {
    for (const auto& in : node.inputs) {
      if (!in.empty() && !scope.contains(in)) {
        fail(origin, node.describe() + where + " reads '" + in +
                         "', which is not a graph input, an initializer or any node's output" +
                         scope_note);
      }
    }
    for (const auto& a : node.attributes) {
      const std::string sub_where = " in subgraph '" + a.name + "' of " + node.describe() + where;
      if (a.type == Attribute::Type::kGraph && a.g) validate_graph(*a.g, &scope, sub_where, origin);
      if (a.type == Attribute::Type::kGraphs) {
        for (const auto& g : a.graphs) {
          if (g) validate_graph(*g, &scope, sub_where, origin);
        }
      }
    }
  }
  for (const auto& v : graph.outputs) {
    if (!scope.contains(v.name)) {
      fail(origin, "graph output '" + v.name + "'" + where +
                       " is not produced by any node, graph input or initializer" + scope_note);
    }
  }
  topological_sort(graph, origin);
}

// --- Whole model -----------------------------------------------------------------------------

// IR versions before 4 require every initializer to be listed as a graph input as well, and such
// an input cannot be fed (ONNX Runtime's Graph::CanOverrideInitializer is false below IR version
// 4): the main graph's initializers are constants, which the optimizer may fold. Subgraph inputs
// stay as they are: a Loop or Scan body binds its inputs by position.
void fix_listed_initializers(Model& model) {
  Graph& graph = *model.graph;
  std::vector<ValueInfo> inputs;
  for (ValueInfo& v : graph.inputs) {
    auto it = graph.initializers.find(v.name);
    if (it == graph.initializers.end()) {
      inputs.push_back(std::move(v));
      continue;
    }
    // The value is the initializer now, whatever type (or symbolic shape) the input declared.
    std::vector<Dim> dims;
    for (int64_t d : it->second.shape().dims()) dims.push_back(Dim::fixed(d));
    graph.value_types[v.name] = TypeInfo{ValueKind::kTensor, it->second.dtype(), std::move(dims)};
    model.fixed_initializer_inputs.push_back(v.name);
  }
  graph.inputs = std::move(inputs);
}

Model convert_model(onnx::ModelProto& proto, const std::string& origin, const std::string& base_dir,
                    const LoadOptions& options) {
  Model model;
  model.origin = origin;
  model.ir_version = proto.ir_version();
  model.producer_name = proto.producer_name();
  model.producer_version = proto.producer_version();
  if (model.ir_version < kMinIrVersion || model.ir_version > kMaxIrVersion) {
    fail(origin, "IR version " + std::to_string(model.ir_version) +
                     " is not supported (aruntime loads IR versions " +
                     std::to_string(kMinIrVersion) + " to " + std::to_string(kMaxIrVersion) + ")");
  }
  model.opset_imports = read_opset_imports(proto, origin);
  if (!proto.has_graph()) fail(origin, "the model has no graph");

  // Names first, so that every later message can name the node it is about.
  NameRegistry node_names;
  NameRegistry value_names;
  collect_names(proto.graph(), node_names, value_names);
  std::unordered_set<std::string> kept;
  assign_node_names(*proto.mutable_graph(), kept, node_names);

  const LocalFunctions functions(proto, origin);
  check_domains(proto.graph().node(), model.opset_imports, functions, origin, "the model");
  for (const auto& f : functions.all()) {
    const std::string importer = f.describe();
    // A function without opset imports of its own uses the model's.
    const auto& imports = f.opset_imports.empty() ? model.opset_imports : f.opset_imports;
    for (const auto& [domain, version] : f.opset_imports) {
      check_opset_version(domain, version, origin, importer);
    }
    check_domains(f.proto->node(), imports, functions, origin, importer);
  }
  // Inlined nodes keep the versions their function imported where the model imports nothing.
  for (const auto& f : functions.all()) {
    for (const auto& [domain, version] : f.opset_imports)
      model.opset_imports.emplace(domain, version);
  }

  loader_detail::inline_local_functions(*proto.mutable_graph(), functions, node_names, value_names,
                                        origin);

  model.graph = std::make_shared<Graph>();
  Converter(origin, base_dir, options).convert_graph(*proto.mutable_graph(), *model.graph, "");
  if (model.graph->name.empty()) model.graph->name = "main";
  validate_graph(*model.graph, nullptr, "", origin);
  if (model.ir_version < 4) fix_listed_initializers(model);
  return model;
}

// Names in a model are arbitrary bytes; control characters in them must not split the one-line
// error messages.
std::string one_line(const std::string& message) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(message.size());
  for (char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (byte < 0x20 || byte == 0x7f) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

template <typename F>
Model with_one_line_errors(F&& load) {
  try {
    return load();
  } catch (const Error& e) {
    throw Error(e.code(), one_line(e.what()));
  }
}

Model load_bytes(const std::string& bytes, const std::string& origin, const std::string& base_dir,
                 const LoadOptions& options) {
  if (bytes.empty()) fail(origin, "not a valid ONNX model (empty file)");
  if (bytes.size() > options.max_file_bytes) {
    fail(origin, "the model is " + std::to_string(bytes.size()) + " bytes, above the limit of " +
                     std::to_string(options.max_file_bytes) + " bytes");
  }
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    fail(origin, "the model is " + std::to_string(bytes.size()) +
                     " bytes, above protobuf's 2 GiB limit; store the weights as external data");
  }
  onnx::ModelProto proto;
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    fail(origin, "not a valid ONNX model (protobuf parse failed)");
  }
  return convert_model(proto, origin, base_dir, options);
}

Model load_file(const std::string& path, const LoadOptions& options) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    throw_error(ErrorCode::kIoError, path + ": cannot open model file: " +
                                         (ec ? ec.message() : std::string("no such file")));
  }
  if (fs::is_directory(status)) {
    throw_error(ErrorCode::kIoError, path + ": is a directory, not a model file");
  }
  if (!fs::is_regular_file(status)) {
    throw_error(ErrorCode::kIoError, path + ": is not a regular file");
  }
  const uint64_t size = fs::file_size(path, ec);
  if (ec) throw_error(ErrorCode::kIoError, path + ": cannot get the file size: " + ec.message());
  if (size > options.max_file_bytes) {
    fail(path, "the model file is " + std::to_string(size) + " bytes, above the limit of " +
                   std::to_string(options.max_file_bytes) + " bytes");
  }
  if (size > static_cast<uint64_t>(INT_MAX)) {
    fail(path, "the model file is " + std::to_string(size) +
                   " bytes, above protobuf's 2 GiB limit; store the weights as external data");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw_error(ErrorCode::kIoError, path + ": cannot open model file: " + std::strerror(errno));
  if (size == 0) fail(path, "not a valid ONNX model (empty file)");
  // Parsed straight from the file: a copy of its bytes in memory would double the load's peak.
  onnx::ModelProto proto;
  if (!proto.ParseFromIstream(&in)) {
    if (in.bad()) throw_error(ErrorCode::kIoError, path + ": read failed: " + std::strerror(errno));
    fail(path, "not a valid ONNX model (protobuf parse failed)");
  }
  const std::string base_dir = fs::absolute(fs::path(path), ec).parent_path().string();
  return convert_model(proto, path, base_dir, options);
}

}  // namespace

Node node_from_proto(onnx::NodeProto& proto, Graph& owner, const std::string& origin) {
  const std::string no_base_dir;
  const LoadOptions options;
  return Converter(origin, no_base_dir, options).convert_node(proto, owner, "");
}

Model load_model(const std::string& path, const LoadOptions& options) {
  return with_one_line_errors([&] { return load_file(path, options); });
}

Model load_model_from_bytes(const std::string& bytes, const std::string& origin,
                            const std::string& base_dir, const LoadOptions& options) {
  return with_one_line_errors([&] { return load_bytes(bytes, origin, base_dir, options); });
}

}  // namespace aruntime
