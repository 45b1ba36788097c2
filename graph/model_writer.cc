#include "graph/model_writer.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "aruntime/status.h"
#include "graph/tensor_proto.h"

namespace aruntime {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void refuse(const std::string& origin, const std::string& message) {
  throw_error(ErrorCode::kInvalidArgument, (origin.empty() ? "" : origin + ": ") + message);
}

// --- Types -----------------------------------------------------------------------------------

// Why `type` has no TypeProto, or "" when it has one. The loader gives kind kUnknown to types the
// IR does not describe (sparse tensors, collections nested deeper than seq(map)), and dtype
// kUndefined to element types aruntime does not support: writing anything for those would declare
// a type the original model did not have.
std::string unwritable_reason(const TypeInfo& type) {
  if (type.kind == ValueKind::kUnknown) {
    return "has a type aruntime does not describe (a sparse tensor or a nested collection)";
  }
  const bool holds_maps = type.kind == ValueKind::kMap || type.is_map_sequence();
  if (holds_maps && type.key_dtype == DataType::kUndefined) {
    return "is a map without a key type aruntime supports";
  }
  if (type.dtype == DataType::kUndefined) {
    return holds_maps ? "is a map whose values are not tensors of a type aruntime supports"
                      : "has no element type aruntime supports";
  }
  return "";
}

// True for a value the file declared without a type (the loader's kUnknown with no element type).
bool untyped(const TypeInfo& type) {
  return type.kind == ValueKind::kUnknown && type.dtype == DataType::kUndefined;
}

void tensor_type_to_proto(DataType dtype, const std::optional<std::vector<Dim>>& shape,
                          onnx::TypeProto_Tensor& proto) {
  proto.set_elem_type(static_cast<int32_t>(dtype));
  if (!shape) return;  // rank unknown: no shape field at all
  onnx::TensorShapeProto& dims = *proto.mutable_shape();
  for (const Dim& d : *shape) {
    onnx::TensorShapeProto_Dimension& dim = *dims.add_dim();
    if (d.is_static()) {
      dim.set_dim_value(d.value);
    } else if (!d.symbol.empty()) {
      dim.set_dim_param(d.symbol);
    }  // else neither: an unknown, unnamed dimension
  }
}

// Map values are tensors of unspecified shape, as the ONNX-ML ops declare them.
void map_type_to_proto(const TypeInfo& type, onnx::TypeProto_Map& proto) {
  proto.set_key_type(static_cast<int32_t>(type.key_dtype));
  tensor_type_to_proto(type.dtype, std::nullopt,
                       *proto.mutable_value_type()->mutable_tensor_type());
}

// `type` must have no unwritable_reason.
void type_to_proto(const TypeInfo& type, onnx::TypeProto& proto) {
  switch (type.kind) {
    case ValueKind::kTensor:
      tensor_type_to_proto(type.dtype, type.shape, *proto.mutable_tensor_type());
      return;
    case ValueKind::kMap:
      map_type_to_proto(type, *proto.mutable_map_type());
      return;
    case ValueKind::kSequence: {
      onnx::TypeProto& element = *proto.mutable_sequence_type()->mutable_elem_type();
      if (type.element_kind == ValueKind::kMap) {
        map_type_to_proto(type, *element.mutable_map_type());
      } else {
        tensor_type_to_proto(type.dtype, type.shape, *element.mutable_tensor_type());
      }
      return;
    }
    case ValueKind::kOptional: {
      onnx::TypeProto& element = *proto.mutable_optional_type()->mutable_elem_type();
      if (type.element_kind == ValueKind::kSequence) {
        tensor_type_to_proto(
            type.dtype, type.shape,
            *element.mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type());
      } else {
        tensor_type_to_proto(type.dtype, type.shape, *element.mutable_tensor_type());
      }
      return;
    }
    case ValueKind::kUnknown:
      break;
  }
}

// --- External data ---------------------------------------------------------------------------

// The data file that large initializers move to. Opened on the first such tensor, so that a model
// without one leaves no empty file behind.
class ExternalDataFile {
 public:
  ExternalDataFile(fs::path path, std::string location, const ModelWriteOptions& options)
      : path_(std::move(path)), location_(std::move(location)), options_(options) {}

  // Moves the proto's raw_data into the file when it reaches the threshold.
  void maybe_move_out(onnx::TensorProto& proto) {
    if (proto.data_type() == static_cast<int32_t>(DataType::kString) || !proto.has_raw_data() ||
        proto.raw_data().size() < options_.external_threshold_bytes) {
      return;
    }
    if (!out_.is_open()) {
      out_.open(path_, std::ios::binary | std::ios::trunc);
      if (!out_) fail_io("cannot open for writing: " + std::string(std::strerror(errno)));
    }
    const uint64_t alignment = options_.external_alignment;
    const uint64_t offset = (size_ + alignment - 1) / alignment * alignment;
    static const char kZeros[4096] = {};
    for (uint64_t pad = offset - size_; pad > 0;) {
      const uint64_t n = std::min<uint64_t>(pad, sizeof kZeros);
      out_.write(kZeros, static_cast<std::streamsize>(n));
      pad -= n;
    }
    const std::string& raw = proto.raw_data();
    out_.write(raw.data(), static_cast<std::streamsize>(raw.size()));
    if (!out_) fail_io("write failed (disk full?)");
    size_ = offset + raw.size();
    ++tensors_;
    add_entry(proto, "location", location_);
    add_entry(proto, "offset", std::to_string(offset));
    add_entry(proto, "length", std::to_string(raw.size()));
    proto.set_data_location(onnx::TensorProto::EXTERNAL);
    proto.clear_raw_data();
  }

  void finish(ModelWriteResult& result) {
    if (!out_.is_open()) return;
    out_.close();
    if (!out_) fail_io("write failed while closing");
    result.external_path = path_.string();
    result.external_bytes = size_;
    result.external_tensors = tensors_;
  }

 private:
  static void add_entry(onnx::TensorProto& proto, const std::string& key,
                        const std::string& value) {
    onnx::StringStringEntryProto& entry = *proto.add_external_data();
    entry.set_key(key);
    entry.set_value(value);
  }

  [[noreturn]] void fail_io(const std::string& message) const {
    throw_error(ErrorCode::kIoError, path_.string() + ": " + message);
  }

  fs::path path_;
  std::string location_;
  const ModelWriteOptions& options_;
  std::ofstream out_;
  uint64_t size_ = 0;
  size_t tensors_ = 0;
};

// --- Graphs ----------------------------------------------------------------------------------

class ProtoWriter {
 public:
  ProtoWriter(const std::string& origin, ExternalDataFile* external)
      : origin_(origin), external_(external) {}

  void write_model(const Model& model, onnx::ModelProto& proto) {
    if (!model.graph) refuse(origin_, "the model has no graph");
    proto.Clear();
    // IR versions before 4 require every initializer to be a graph input too; passes add
    // initializers that are not (folded weights), which IR version 4 allows without other change.
    proto.set_ir_version(
        model.ir_version < 4 && has_initializer_without_input(*model.graph) ? 4 : model.ir_version);
    proto.set_producer_name("aruntime");
    proto.set_producer_version(std::string(kAruntimeVersion));
    // Passes get the model read-only, so nodes they create in a domain of their own cannot add its
    // import; version 1 is what such a domain starts with.
    std::map<std::string, int64_t> imports = model.opset_imports;
    std::set<std::string> domains;
    collect_domains(*model.graph, domains);
    for (const std::string& domain : domains) imports.emplace(domain, 1);
    for (const auto& [domain, version] : imports) {
      onnx::OperatorSetIdProto& opset = *proto.add_opset_import();
      opset.set_domain(domain);  // "" is ai.onnx, as the loader normalised it
      opset.set_version(version);
    }
    write_graph(*model.graph, "", *proto.mutable_graph());
  }

 private:
  static bool has_initializer_without_input(const Graph& graph) {
    for (const auto& [name, tensor] : graph.initializers) {
      if (!graph.is_graph_input(name)) return true;
    }
    return any_subgraph(graph, has_initializer_without_input);
  }

  static void collect_domains(const Graph& graph, std::set<std::string>& domains) {
    for (const Node& node : graph.nodes) domains.insert(node.domain);
    any_subgraph(graph, [&](const Graph& g) {
      collect_domains(g, domains);
      return false;
    });
  }

  template <typename Predicate>
  static bool any_subgraph(const Graph& graph, Predicate&& predicate) {
    for (const Node& node : graph.nodes) {
      for (const Attribute& a : node.attributes) {
        if (a.g && predicate(*a.g)) return true;
        for (const auto& g : a.graphs) {
          if (g && predicate(*g)) return true;
        }
      }
    }
    return false;
  }

  void write_graph(const Graph& graph, const std::string& where, onnx::GraphProto& proto) {
    proto.set_name(graph.name);
    for (const ValueInfo& input : graph.inputs) {
      write_interface_value(input, nullptr, "graph input", where, *proto.add_input());
    }
    for (const ValueInfo& output : graph.outputs) {
      auto inferred = graph.value_types.find(output.name);
      write_interface_value(output,
                            inferred == graph.value_types.end() ? nullptr : &inferred->second,
                            "graph output", where, *proto.add_output());
    }
    for (const auto& [name, tensor] : graph.initializers) {
      onnx::TensorProto& t = *proto.add_initializer();
      try {
        tensor_to_proto(tensor, name, t);
      } catch (const Error& e) {
        refuse(origin_, "initializer '" + name + "'" + where + ": " + e.what());
      }
      if (external_ != nullptr) external_->maybe_move_out(t);
    }
    write_value_info(graph, proto);
    for (const Node& node : graph.nodes) write_node(node, where, *proto.add_node());
  }

  // A graph input or output as declared. A value the file declared without a type gets the type
  // inference found (outputs only: `inferred` is null for inputs), or stays untyped.
  void write_interface_value(const ValueInfo& value, const TypeInfo* inferred,
                             const std::string& what, const std::string& where,
                             onnx::ValueInfoProto& proto) {
    proto.set_name(value.name);
    const TypeInfo* type = &value.type;
    if (untyped(value.type)) {
      if (inferred == nullptr || !unwritable_reason(*inferred).empty()) return;
      type = inferred;
    }
    const std::string reason = unwritable_reason(*type);
    if (!reason.empty()) refuse(origin_, what + " '" + value.name + "'" + where + " " + reason);
    type_to_proto(*type, *proto.mutable_type());
  }

  // The types of the values this graph's nodes produce (graph outputs excepted: they are declared
  // above), so a reader gets the shapes inference derived. Entries the optimizer left behind for
  // values it removed are not written, nor types ONNX cannot express (which are optional here).
  static void write_value_info(const Graph& graph, onnx::GraphProto& proto) {
    std::set<std::string> produced;
    for (const Node& node : graph.nodes) {
      for (const std::string& out : node.outputs) {
        if (!out.empty()) produced.insert(out);
      }
    }
    for (const auto& [name, type] : graph.value_types) {
      if (!produced.count(name) || graph.is_graph_output(name) || graph.is_initializer(name) ||
          !unwritable_reason(type).empty()) {
        continue;
      }
      onnx::ValueInfoProto& v = *proto.add_value_info();
      v.set_name(name);
      type_to_proto(type, *v.mutable_type());
    }
  }

  void write_node(const Node& node, const std::string& where, onnx::NodeProto& proto) {
    proto.set_name(node.name);
    proto.set_op_type(node.op_type);
    proto.set_domain(node.domain);
    for (const std::string& in : node.inputs) proto.add_input(in);
    for (const std::string& out : node.outputs) proto.add_output(out);
    for (const Attribute& a : node.attributes)
      write_attribute(node, a, where, *proto.add_attribute());
  }

  void write_attribute(const Node& node, const Attribute& a, const std::string& where,
                       onnx::AttributeProto& proto) {
    using A = onnx::AttributeProto;
    const std::string what = node.describe() + where + " attribute '" + a.name + "'";
    const std::string sub_where = " in subgraph '" + a.name + "' of " + node.describe() + where;
    // The loader stores a Constant's sparse_value dense; ONNX calls a dense constant `value`.
    const bool dense_sparse_value = node.op_type == "Constant" && node.domain.empty() &&
                                    a.name == "sparse_value" && a.type == Attribute::Type::kTensor;
    proto.set_name(dense_sparse_value ? "value" : a.name);
    switch (a.type) {
      case Attribute::Type::kFloat:
        proto.set_type(A::FLOAT);
        proto.set_f(a.f);
        return;
      case Attribute::Type::kInt:
        proto.set_type(A::INT);
        proto.set_i(a.i);
        return;
      case Attribute::Type::kString:
        proto.set_type(A::STRING);
        proto.set_s(a.s);
        return;
      case Attribute::Type::kTensor:
        proto.set_type(A::TENSOR);
        write_tensor(a.t, what, *proto.mutable_t());
        return;
      case Attribute::Type::kGraph:
        proto.set_type(A::GRAPH);
        if (!a.g) refuse(origin_, what + " has no graph");
        write_graph(*a.g, sub_where, *proto.mutable_g());
        return;
      case Attribute::Type::kFloats:
        proto.set_type(A::FLOATS);
        for (float f : a.floats) proto.add_floats(f);
        return;
      case Attribute::Type::kInts:
        proto.set_type(A::INTS);
        for (int64_t i : a.ints) proto.add_ints(i);
        return;
      case Attribute::Type::kStrings:
        proto.set_type(A::STRINGS);
        for (const std::string& s : a.strings) proto.add_strings(s);
        return;
      case Attribute::Type::kTensors:
        proto.set_type(A::TENSORS);
        for (size_t i = 0; i < a.tensors.size(); ++i) {
          write_tensor(a.tensors[i], what + " #" + std::to_string(i), *proto.add_tensors());
        }
        return;
      case Attribute::Type::kGraphs:
        proto.set_type(A::GRAPHS);
        for (size_t i = 0; i < a.graphs.size(); ++i) {
          if (!a.graphs[i]) refuse(origin_, what + " #" + std::to_string(i) + " has no graph");
          write_graph(*a.graphs[i], sub_where, *proto.add_graphs());
        }
        return;
      case Attribute::Type::kTypeProto: {
        proto.set_type(A::TYPE_PROTO);
        const std::string reason = unwritable_reason(a.type_proto);
        if (!reason.empty()) refuse(origin_, what + " " + reason);
        type_to_proto(a.type_proto, *proto.mutable_tp());
        return;
      }
      case Attribute::Type::kUndefined:
        break;
    }
    refuse(origin_, what + " has no type");
  }

  void write_tensor(const Tensor& tensor, const std::string& what, onnx::TensorProto& proto) {
    try {
      tensor_to_proto(tensor, "", proto);
    } catch (const Error& e) {
      refuse(origin_, what + ": " + e.what());
    }
  }

  const std::string& origin_;
  ExternalDataFile* external_;
};

std::string serialize(const onnx::ModelProto& proto, const std::string& origin) {
  const size_t bytes = proto.ByteSizeLong();
  if (bytes > static_cast<size_t>(INT_MAX)) {
    refuse(origin, "the model would be " + std::to_string(bytes) +
                       " bytes, above protobuf's 2 GiB limit; write its weights as external data");
  }
  std::string out;
  if (!proto.SerializeToString(&out)) refuse(origin, "the model cannot be serialized");
  return out;
}

// The external data file's location, checked to stay inside the model's folder as the loader
// requires (it refuses absolute paths and '..' escapes).
std::string checked_location(const std::string& model_path, const ModelWriteOptions& options) {
  std::string location = options.external_location;
  if (location.empty()) location = fs::path(model_path).filename().string() + ".data";
  const fs::path relative(location);
  if (relative.is_absolute() || relative.has_root_name() || relative.has_root_directory()) {
    throw_error(ErrorCode::kInvalidArgument,
                "external data location '" + location + "' must be relative to the model's folder");
  }
  for (const fs::path& part : relative) {
    if (part == "..") {
      throw_error(ErrorCode::kInvalidArgument,
                  "external data location '" + location +
                      "' must stay inside the model's folder (no '..')");
    }
  }
  if (location.find('\0') != std::string::npos || !relative.has_filename()) {
    throw_error(ErrorCode::kInvalidArgument,
                "external data location '" + location + "' is not a file name");
  }
  return location;
}

}  // namespace

void model_to_proto(const Model& model, onnx::ModelProto& proto) {
  ProtoWriter(model.origin, nullptr).write_model(model, proto);
}

std::string serialize_model(const Model& model) {
  onnx::ModelProto proto;
  model_to_proto(model, proto);
  return serialize(proto, model.origin);
}

ModelWriteResult write_model(const Model& model, const std::string& path,
                             const ModelWriteOptions& options) {
  if (path.empty()) throw_error(ErrorCode::kInvalidArgument, "write_model: no output path given");
  onnx::ModelProto proto;
  ModelWriteResult result;
  if (options.external_data) {
    const uint64_t alignment = options.external_alignment;
    if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > (uint64_t{1} << 30)) {
      throw_error(ErrorCode::kInvalidArgument, "external data alignment " +
                                                   std::to_string(alignment) +
                                                   " is not a power of two up to 2^30");
    }
    const std::string location = checked_location(path, options);
    const fs::path data_path = fs::path(path).parent_path() / location;
    if (data_path.lexically_normal() == fs::path(path).lexically_normal()) {
      throw_error(ErrorCode::kInvalidArgument,
                  path + ": the external data file would overwrite the model itself");
    }
    ExternalDataFile external(data_path, location, options);
    ProtoWriter(model.origin, &external).write_model(model, proto);
    external.finish(result);
  } else {
    ProtoWriter(model.origin, nullptr).write_model(model, proto);
  }
  const std::string bytes = serialize(proto, model.origin);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    throw_error(ErrorCode::kIoError, path + ": cannot open for writing: " + std::strerror(errno));
  }
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw_error(ErrorCode::kIoError, path + ": write failed (disk full?)");
  result.model_bytes = bytes.size();
  return result;
}

}  // namespace aruntime
