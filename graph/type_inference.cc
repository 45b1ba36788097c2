#include "graph/type_inference.h"

#include <optional>
#include <set>
#include <string_view>

namespace aruntime {
namespace {

DataType type_of(const Graph& graph, const Node& node, size_t input) {
  if (!node.has_input(input)) return DataType::kUndefined;
  const TypeInfo* t = graph.find_type(node.inputs[input]);
  return t ? t->dtype : DataType::kUndefined;
}

DataType attr_dtype(const Node& node, std::string_view name, DataType fallback) {
  const Attribute* a = node.find_attribute(name);
  if (a == nullptr || a->type != Attribute::Type::kInt) return fallback;
  return data_type_from_onnx(static_cast<int32_t>(a->i));
}

bool is_one_of(std::string_view op, std::initializer_list<std::string_view> ops) {
  for (auto o : ops) {
    if (o == op) return true;
  }
  return false;
}

// The element type of output `k` of `node` under the ONNX type rules, or kUndefined.
DataType output_type(const Graph& graph, const Node& node, size_t k) {
  const std::string& op = node.op_type;
  const DataType in0 = type_of(graph, node, 0);
  if (node.domain == "" || node.domain == "ai.onnx") {
    if (is_one_of(op, {"Shape", "Size", "NonZero", "ArgMax", "ArgMin", "NonMaxSuppression"})) {
      return DataType::kInt64;
    }
    if (is_one_of(op, {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or",
                       "Xor", "Not", "IsNaN", "IsInf", "RegexFullMatch", "OptionalHasElement"})) {
      return DataType::kBool;
    }
    if (op == "Cast") return attr_dtype(node, "to", DataType::kUndefined);
    if (op == "CastLike") return type_of(graph, node, 1);
    if (op == "Constant") {
      if (const Attribute* a = node.find_attribute("value"); a && a->type == Attribute::Type::kTensor) {
        return a->t.dtype();
      }
      if (node.has_attribute("value_float") || node.has_attribute("value_floats")) return DataType::kFloat32;
      if (node.has_attribute("value_int") || node.has_attribute("value_ints")) return DataType::kInt64;
      if (node.has_attribute("value_string") || node.has_attribute("value_strings")) return DataType::kString;
      return DataType::kUndefined;
    }
    if (op == "ConstantOfShape") {
      const Attribute* a = node.find_attribute("value");
      return a && a->type == Attribute::Type::kTensor ? a->t.dtype() : DataType::kFloat32;
    }
    if (is_one_of(op, {"RandomNormal", "RandomUniform"})) return attr_dtype(node, "dtype", DataType::kFloat32);
    if (is_one_of(op, {"RandomNormalLike", "RandomUniformLike", "EyeLike", "Bernoulli"})) {
      return attr_dtype(node, "dtype", in0);
    }
    if (op == "Multinomial") return attr_dtype(node, "dtype", DataType::kInt32);
    if (op == "MaxPool" || op == "TopK") return k == 0 ? in0 : DataType::kInt64;
    if (op == "Unique") return k == 0 ? in0 : DataType::kInt64;
    if (op == "Dropout") return k == 0 ? in0 : DataType::kBool;
    if (op == "Where") return type_of(graph, node, 1);
    if (op == "OneHot") return type_of(graph, node, 2);
    if (op == "QuantizeLinear") {
      DataType zp = type_of(graph, node, 2);
      return zp != DataType::kUndefined ? zp : attr_dtype(node, "output_dtype", DataType::kUInt8);
    }
    if (op == "DequantizeLinear") {
      if (DataType t = attr_dtype(node, "output_dtype", DataType::kUndefined); t != DataType::kUndefined) return t;
      DataType scale = type_of(graph, node, 1);
      return scale != DataType::kUndefined ? scale : DataType::kFloat32;
    }
    if (op == "DynamicQuantizeLinear") return k == 1 ? DataType::kFloat32 : DataType::kUInt8;
    if (is_one_of(op, {"MatMulInteger", "ConvInteger"})) return DataType::kInt32;
    if (op == "QLinearMatMul" || op == "QLinearConv") return type_of(graph, node, 7);  // y_zero_point
    if (is_one_of(op, {"LayerNormalization"}) && k > 0) {
      return attr_dtype(node, "stash_type", DataType::kFloat32);
    }
    if (is_one_of(op, {"StringNormalizer", "StringConcat"})) return DataType::kString;
    if (op == "StringSplit") return k == 0 ? DataType::kString : DataType::kInt64;
    if (is_one_of(op, {"SequenceLength"})) return DataType::kInt64;
    if (op == "TfIdfVectorizer") return DataType::kFloat32;
    if (is_one_of(op, {"Range", "Gather", "GatherElements", "GatherND"})) return in0;
  }
  if (node.domain == "ai.onnx.ml") {
    if (op == "LinearClassifier" || op == "TreeEnsembleClassifier") {
      if (k == 1) return DataType::kFloat32;
      return node.has_attribute("classlabels_strings") ? DataType::kString : DataType::kInt64;
    }
    if (is_one_of(op, {"LinearRegressor", "TreeEnsembleRegressor", "Normalizer", "Scaler", "OneHotEncoder"})) {
      return DataType::kFloat32;
    }
    if (op == "LabelEncoder") {
      if (const Attribute* a = node.find_attribute("values_tensor"); a && a->type == Attribute::Type::kTensor) {
        return a->t.dtype();
      }
      if (node.has_attribute("values_strings")) return DataType::kString;
      if (node.has_attribute("values_int64s")) return DataType::kInt64;
      if (node.has_attribute("values_floats")) return DataType::kFloat32;
      return in0 == DataType::kString ? DataType::kInt64 : DataType::kString;  // opset 1
    }
  }
  // Most ops (elementwise, NN, data movement) produce the type of their first input.
  return in0;
}

bool makes_sequence_or_optional(const Node& node) {
  return node.domain.empty() &&
         is_one_of(node.op_type,
                   {"SequenceConstruct", "SequenceEmpty", "SequenceInsert", "SequenceErase",
                    "SplitToSequence", "Optional", "OptionalGetElement"});
}

// What the optional `value` holds (a tensor or a sequence) when an Optional node of this graph
// makes it: TypeInfo keeps the element type of an optional but not the kind of its element.
std::optional<ValueKind> optional_element_kind(const Graph& graph, const std::string& value) {
  for (const Node& n : graph.nodes) {
    if (n.op_type != "Optional" || !n.domain.empty() || n.outputs.empty() || n.outputs[0] != value)
      continue;
    if (n.has_input(0)) {
      const TypeInfo* t = graph.find_type(n.inputs[0]);
      return t ? std::optional<ValueKind>(t->kind) : std::nullopt;
    }
    const Attribute* a = n.find_attribute("type");
    if (a != nullptr && a->type == Attribute::Type::kTypeProto) return a->type_proto.kind;
    return std::nullopt;
  }
  return std::nullopt;
}

// Output type of the ops for which makes_sequence_or_optional() holds; nullopt when the inputs do
// not tell (the output then stays untyped rather than being guessed a tensor).
std::optional<TypeInfo> sequence_or_optional_type(const Graph& graph, const Node& node) {
  const TypeInfo* in0 = node.has_input(0) ? graph.find_type(node.inputs[0]) : nullptr;
  const DataType t0 = in0 ? in0->dtype : DataType::kUndefined;
  auto typed = [](ValueKind kind, DataType dtype) -> std::optional<TypeInfo> {
    if (dtype == DataType::kUndefined) return std::nullopt;
    return TypeInfo{kind, dtype, std::nullopt};
  };
  const std::string& op = node.op_type;
  if (op == "SequenceEmpty") {
    return typed(ValueKind::kSequence, attr_dtype(node, "dtype", DataType::kFloat32));
  }
  if (op == "Optional") {
    if (in0 != nullptr) return typed(ValueKind::kOptional, t0);
    const Attribute* a = node.find_attribute("type");
    if (a != nullptr && a->type == Attribute::Type::kTypeProto) {
      return typed(ValueKind::kOptional, a->type_proto.dtype);
    }
    return std::nullopt;
  }
  if (op == "OptionalGetElement") {
    if (in0 == nullptr) return std::nullopt;
    if (in0->kind != ValueKind::kOptional) return typed(in0->kind, t0);  // opset 18 pass-through
    if (auto kind = optional_element_kind(graph, node.inputs[0])) return typed(*kind, t0);
    return std::nullopt;
  }
  return typed(ValueKind::kSequence, t0);  // SequenceConstruct/Insert/Erase, SplitToSequence
}

// Output types of the ai.onnx.ml operators that take or make maps: ZipMap makes
// seq(map(label type, float32)); DictVectorizer and CastMap turn a map into a tensor (of the map's
// value type, or of CastMap's cast_to). nullopt for other nodes, and where the attributes or the
// input type do not tell.
std::optional<TypeInfo> ml_map_op_type(const Graph& graph, const Node& node) {
  if (node.domain != "ai.onnx.ml") return std::nullopt;
  const std::string& op = node.op_type;
  if (op == "ZipMap") {
    const bool strings = node.has_attribute("classlabels_strings");
    if (strings == node.has_attribute("classlabels_int64s")) return std::nullopt;
    return TypeInfo::map_sequence(strings ? DataType::kString : DataType::kInt64,
                                  DataType::kFloat32);
  }
  if (op == "DictVectorizer") {
    const TypeInfo* in = node.has_input(0) ? graph.find_type(node.inputs[0]) : nullptr;
    if (in == nullptr || in->kind != ValueKind::kMap || in->dtype == DataType::kUndefined)
      return std::nullopt;
    return TypeInfo{ValueKind::kTensor, in->dtype, std::nullopt};
  }
  if (op == "CastMap") {
    const Attribute* a = node.find_attribute("cast_to");
    const std::string cast_to =
        a != nullptr && a->type == Attribute::Type::kString ? a->s : "TO_FLOAT";
    DataType t = DataType::kUndefined;
    if (cast_to == "TO_FLOAT") t = DataType::kFloat32;
    if (cast_to == "TO_STRING") t = DataType::kString;
    if (cast_to == "TO_INT64") t = DataType::kInt64;
    if (t == DataType::kUndefined) return std::nullopt;
    return TypeInfo{ValueKind::kTensor, t, std::nullopt};
  }
  return std::nullopt;
}

}  // namespace

void infer_types(Graph& graph) {
  for (const Node& node : graph.nodes) {
    for (const auto& a : node.attributes) {
      if (a.type == Attribute::Type::kGraph && a.g) infer_types(*a.g);
      if (a.type == Attribute::Type::kGraphs) {
        for (const auto& g : a.graphs) {
          if (g) infer_types(*g);
        }
      }
    }
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      const std::string& out = node.outputs[k];
      if (out.empty()) continue;
      auto it = graph.value_types.find(out);
      if (it != graph.value_types.end() && it->second.dtype != DataType::kUndefined) continue;
      // Control flow: outputs are typed by the body's outputs (Loop's first body output is the
      // condition).
      if (node.domain.empty() && (node.op_type == "If" || node.op_type == "Loop" || node.op_type == "Scan")) {
        const Attribute* body = node.find_attribute(node.op_type == "If" ? "then_branch" : "body");
        const size_t offset = node.op_type == "Loop" ? 1 : 0;
        if (body && body->g && k + offset < body->g->outputs.size()) {
          TypeInfo t = body->g->outputs[k + offset].type;
          if (t.dtype == DataType::kUndefined) {
            if (const TypeInfo* inner = body->g->find_type(body->g->outputs[k + offset].name)) t = *inner;
          }
          if (t.dtype != DataType::kUndefined) {
            t.shape.reset();  // iteration counts and branch choice decide the shape at run time
            graph.value_types[out] = t;
            continue;
          }
        }
      }
      // SequenceMap: sequences of its body's output types.
      if (node.domain.empty() && node.op_type == "SequenceMap") {
        const Attribute* body = node.find_attribute("body");
        if (body && body->g && k < body->g->outputs.size()) {
          DataType t = body->g->outputs[k].type.dtype;
          if (const TypeInfo* inner = body->g->find_type(body->g->outputs[k].name); t == DataType::kUndefined && inner) {
            t = inner->dtype;
          }
          if (t != DataType::kUndefined) {
            graph.value_types[out] = TypeInfo{ValueKind::kSequence, t, std::nullopt};
            continue;
          }
        }
      }
      // Identity passes sequences and optionals through unchanged.
      if (node.op_type == "Identity" && node.domain.empty() && node.has_input(0)) {
        if (const TypeInfo* in = graph.find_type(node.inputs[0]); in && in->kind != ValueKind::kTensor) {
          graph.value_types[out] = *in;
          continue;
        }
      }
      if (std::optional<TypeInfo> info = ml_map_op_type(graph, node)) {
        if (info->kind == ValueKind::kTensor && it != graph.value_types.end())
          info->shape = it->second.shape;
        graph.value_types[out] = *info;
        continue;
      }
      if (makes_sequence_or_optional(node)) {
        if (k != 0) continue;
        if (std::optional<TypeInfo> info = sequence_or_optional_type(graph, node)) {
          // Keep a declared shape (of a tensor, or of a sequence's elements).
          if (it != graph.value_types.end() && info->kind == it->second.kind) {
            info->shape = it->second.shape;
          }
          graph.value_types[out] = *info;
        }
        continue;
      }
      DataType t = output_type(graph, node, k);
      if (t == DataType::kUndefined) continue;
      if (it == graph.value_types.end()) {
        graph.value_types[out] = TypeInfo{ValueKind::kTensor, t, std::nullopt};
      } else {
        it->second.dtype = t;
      }
    }
  }
}

}  // namespace aruntime
