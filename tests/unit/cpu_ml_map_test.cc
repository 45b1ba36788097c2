// Map values (Value::map, sequences of maps) and the ai.onnx.ml operators over them — ZipMap,
// DictVectorizer, CastMap — end to end: loader types, type inference, kernels, session feeds,
// MapProto/SequenceProto files and `aruntime test`.
//
// Expected values: unless a test says otherwise, the same one-node model was built with
// onnx.helper (onnx 1.18) and run with onnxruntime 1.22 (CPUExecutionProvider), feeding Python
// dicts; the printed outputs are pasted here. onnxruntime's Python binding cannot feed maps with
// double, int64 or string values: those DictVectorizer cases come from onnx's reference
// implementation (onnx.reference.ReferenceEvaluator, which returns a 1-D [V] where onnxruntime
// returns [1, V]), and the CastMap cases over string values are derived by hand from the spec.
#include <gtest/gtest.h>
#include <onnx/onnx-data_pb.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>

#include "aruntime/session.h"
#include "graph/loader.h"
#include "graph/tensor_proto.h"
#include "graph/type_inference.h"
#include "tests/unit/op_test_util.h"
#include "tools/aruntime/commands.h"
#include "tools/aruntime/tensor_text.h"

namespace aruntime {
namespace {

using testing::expect_error;
using testing::expect_near;
using testing::f32;
using testing::i64;

Tensor strings(const std::vector<std::string>& v) {
  return Tensor::from_vector<std::string>(Shape{static_cast<int64_t>(v.size())}, v);
}
Tensor f64(const std::vector<double>& v) {
  return Tensor::from_vector<double>(Shape{static_cast<int64_t>(v.size())}, v);
}
Tensor f32v(const std::vector<float>& v) {
  return f32(Shape{static_cast<int64_t>(v.size())}, v);
}
Tensor i64v(const std::vector<int64_t>& v) {
  return i64(Shape{static_cast<int64_t>(v.size())}, v);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

void set_map_type(onnx::TypeProto* type, int key_type, int value_type) {
  auto* map = type->mutable_map_type();
  map->set_key_type(key_type);
  map->mutable_value_type()->mutable_tensor_type()->set_elem_type(value_type);
}

// A model of ai.onnx.ml nodes (opset 1, with ai.onnx 17) built with the ONNX protobuf API.
class MapModel {
 public:
  MapModel() {
    model_.set_ir_version(8);
    for (auto [domain, version] : {std::pair<const char*, int>{"", 17}, {"ai.onnx.ml", 1}}) {
      auto* o = model_.add_opset_import();
      o->set_domain(domain);
      o->set_version(version);
    }
    graph()->set_name("maps");
  }

  MapModel& tensor_input(const std::string& name, int elem_type) {
    auto* v = graph()->add_input();
    v->set_name(name);
    v->mutable_type()->mutable_tensor_type()->set_elem_type(elem_type);
    return *this;
  }
  MapModel& map_input(const std::string& name, int key_type, int value_type) {
    auto* v = graph()->add_input();
    v->set_name(name);
    set_map_type(v->mutable_type(), key_type, value_type);
    return *this;
  }
  MapModel& map_sequence_input(const std::string& name, int key_type, int value_type) {
    auto* v = graph()->add_input();
    v->set_name(name);
    set_map_type(v->mutable_type()->mutable_sequence_type()->mutable_elem_type(), key_type,
                 value_type);
    return *this;
  }
  MapModel& tensor_output(const std::string& name, int elem_type) {
    auto* v = graph()->add_output();
    v->set_name(name);
    v->mutable_type()->mutable_tensor_type()->set_elem_type(elem_type);
    return *this;
  }
  MapModel& map_sequence_output(const std::string& name, int key_type, int value_type) {
    auto* v = graph()->add_output();
    v->set_name(name);
    set_map_type(v->mutable_type()->mutable_sequence_type()->mutable_elem_type(), key_type,
                 value_type);
    return *this;
  }
  MapModel& node(const std::string& op, std::vector<std::string> inputs,
                 std::vector<std::string> outputs) {
    auto* n = graph()->add_node();
    n->set_op_type(op);
    n->set_domain("ai.onnx.ml");
    n->set_name(op == "ZipMap" || op == "DictVectorizer" || op == "CastMap" ? "map_node" : op);
    for (const auto& i : inputs) n->add_input(i);
    for (const auto& o : outputs) n->add_output(o);
    return *this;
  }
  // Attributes go to the last node added.
  MapModel& attr(const std::string& name, int64_t v) {
    add(name, onnx::AttributeProto::INT)->set_i(v);
    return *this;
  }
  MapModel& attr(const std::string& name, const char* v) {
    add(name, onnx::AttributeProto::STRING)->set_s(v);
    return *this;
  }
  MapModel& attr(const std::string& name, const std::vector<int64_t>& v) {
    auto* a = add(name, onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
    return *this;
  }
  MapModel& attr(const std::string& name, const std::vector<float>& v) {
    auto* a = add(name, onnx::AttributeProto::FLOATS);
    for (float x : v) a->add_floats(x);
    return *this;
  }
  MapModel& attr(const std::string& name, const std::vector<std::string>& v) {
    auto* a = add(name, onnx::AttributeProto::STRINGS);
    for (const auto& x : v) a->add_strings(x);
    return *this;
  }

  std::string bytes() const { return model_.SerializeAsString(); }
  Session session() const { return Session(Environment(), bytes(), "maps.onnx", ""); }
  std::vector<Value> run(const std::map<std::string, Value>& feeds) const {
    return session().run_values(feeds);
  }

 private:
  onnx::GraphProto* graph() { return model_.mutable_graph(); }
  onnx::AttributeProto* add(const std::string& name, onnx::AttributeProto::AttributeType type) {
    auto* n = graph()->mutable_node(graph()->node_size() - 1);
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(type);
    return a;
  }

  onnx::ModelProto model_;
};

// Checks one map's keys (exactly, in order) and values (within tolerance for floats).
void expect_map(const Value& map, const Tensor& keys, const Tensor& values) {
  ASSERT_EQ(map.kind(), ValueKind::kMap) << map.type_string();
  ASSERT_EQ(map.map_keys().dtype(), keys.dtype());
  ASSERT_EQ(map.map_keys().num_elements(), keys.num_elements());
  for (int64_t i = 0; i < keys.num_elements(); ++i) {
    if (keys.dtype() == DataType::kString) {
      EXPECT_EQ(map.map_keys().data<std::string>()[i], keys.data<std::string>()[i]);
    } else {
      EXPECT_EQ(map.map_keys().data<int64_t>()[i], keys.data<int64_t>()[i]);
    }
  }
  expect_near(map.map_values(), values);
}

// ---- Value ------------------------------------------------------------------------------------

TEST(MapValue, HoldsKeysAndValuesAndCopiesDeeply) {
  Value m = Value::map(i64v({3, 1, 7}), f32v({1.5f, -2.25f, 0.5f}));
  EXPECT_EQ(m.kind(), ValueKind::kMap);
  EXPECT_TRUE(m.defined());
  EXPECT_EQ(m.key_type(), DataType::kInt64);
  EXPECT_EQ(m.element_type(), DataType::kFloat32);
  EXPECT_EQ(m.type_string(), "map(int64,float32) of 3");
  EXPECT_EQ(m.map_values().data<float>()[1], -2.25f);
  Value copy = m.deep_copy();
  EXPECT_NE(copy.map_keys().raw_data(), m.map_keys().raw_data());
  EXPECT_NE(copy.map_values().raw_data(), m.map_values().raw_data());
  expect_map(copy, i64v({3, 1, 7}), f32v({1.5f, -2.25f, 0.5f}));
  // A map is no tensor and no sequence.
  expect_error([&] { m.tensor(); }, ErrorCode::kInvalidArgument, {"expected a tensor, got a map"});
  expect_error([&] { m.elements(); }, ErrorCode::kInvalidArgument,
               {"expected a sequence, got a map"});
  expect_error([&] { Value(f32v({1})).map_keys(); }, ErrorCode::kInvalidArgument,
               {"expected a map, got a tensor"});
}

TEST(MapValue, RefusesMalformedMaps) {
  expect_error([] { Value::map(f32v({1}), f32v({1})); }, ErrorCode::kInvalidArgument,
               {"keys must be int64 or string, got float32"});
  expect_error(
      [] {
        Value::map(i64v({1, 2}), f32v({1}));
      },
      ErrorCode::kInvalidArgument, {"2 keys but 1 values"});
  expect_error(
      [] {
        Value::map(i64(Shape{1, 1}, {1}), f32v({1}));
      },
      ErrorCode::kInvalidArgument, {"must be 1-D", "keys [1,1]"});
  expect_error(
      [] {
        Value::map(strings({"a", "b", "a"}), f32v({1, 2, 3}));
      },
      ErrorCode::kInvalidArgument, {"key \"a\" occurs more than once"});
  expect_error([] { Value::map(Tensor(), f32v({})); }, ErrorCode::kInvalidArgument,
               {"must both be given"});
}

TEST(MapValue, SequencesOfMapsKeepTheirOwnAccessor) {
  Value a = Value::map(strings({"cat", "dog"}), f32v({0.25f, 0.75f}));
  Value b = Value::map(strings({"cat", "dog"}), f32v({1, 0}));
  Value seq = Value::map_sequence({a, b}, DataType::kString, DataType::kFloat32);
  EXPECT_EQ(seq.kind(), ValueKind::kSequence);
  EXPECT_EQ(seq.element_kind(), ValueKind::kMap);
  EXPECT_EQ(seq.key_type(), DataType::kString);
  EXPECT_EQ(seq.type_string(), "seq(map(string,float32)) of 2");
  ASSERT_EQ(seq.maps().size(), 2u);
  EXPECT_EQ(seq.maps()[1].map_values().data<float>()[0], 1.0f);
  // Kernels over sequences of tensors get a clear error instead of an empty list.
  expect_error([&] { seq.elements(); }, ErrorCode::kInvalidArgument,
               {"expected a sequence of tensors, got a seq(map(string,float32)) of 2"});
  Value tensors = Value::sequence({f32v({1})}, DataType::kFloat32);
  EXPECT_EQ(tensors.element_kind(), ValueKind::kTensor);
  expect_error([&] { tensors.maps(); }, ErrorCode::kInvalidArgument,
               {"expected a sequence of maps, got a seq(float32)"});
  Value copy = seq.deep_copy();
  EXPECT_NE(copy.maps()[0].map_keys().raw_data(), a.map_keys().raw_data());
  expect_map(copy.maps()[0], strings({"cat", "dog"}), f32v({0.25f, 0.75f}));
  // Every element must be a map of the stated types.
  expect_error([&] { Value::map_sequence({a}, DataType::kInt64, DataType::kFloat32); },
               ErrorCode::kInvalidArgument,
               {"sequence of map(int64,float32) given a map(string,float32) of 2 as element 0"});
  expect_error(
      [&] { Value::map_sequence({Value(f32v({1}))}, DataType::kString, DataType::kFloat32); },
      ErrorCode::kInvalidArgument, {"given a float32[1]"});
  expect_error([&] { Value::map_sequence({}, DataType::kInt32, DataType::kFloat32); },
               ErrorCode::kInvalidArgument, {"keys must be int64 or string, got int32"});
  EXPECT_EQ(Value::map_sequence({}, DataType::kUndefined, DataType::kFloat32).maps().size(), 0u);
}

// ---- Types: loader and inference ----------------------------------------------------------------

TEST(MapTypes, LoaderKeepsKeyAndValueTypes) {
  MapModel m;
  m.map_input("m", onnx::TensorProto::STRING, onnx::TensorProto::DOUBLE)
      .map_sequence_input("s", onnx::TensorProto::INT64, onnx::TensorProto::FLOAT)
      .tensor_output("y", onnx::TensorProto::DOUBLE)
      .node("DictVectorizer", {"m"}, {"y"})
      .attr("string_vocabulary", std::vector<std::string>{"a"});
  Model model = load_model_from_bytes(m.bytes(), "maps.onnx", "");
  const TypeInfo& map = model.graph->inputs[0].type;
  EXPECT_EQ(map.kind, ValueKind::kMap);
  EXPECT_EQ(map.key_dtype, DataType::kString);
  EXPECT_EQ(map.dtype, DataType::kFloat64);
  EXPECT_EQ(map.to_string(), "map(string,float64)");
  const TypeInfo& seq = model.graph->inputs[1].type;
  EXPECT_EQ(seq.kind, ValueKind::kSequence);
  EXPECT_TRUE(seq.is_map_sequence());
  EXPECT_EQ(seq.key_dtype, DataType::kInt64);
  EXPECT_EQ(seq.dtype, DataType::kFloat32);
  EXPECT_EQ(seq.to_string(), "seq(map(int64,float32))");
  EXPECT_EQ(TypeInfo::map_sequence(DataType::kString, DataType::kFloat32).to_string(),
            "seq(map(string,float32))");
  // Sequences of tensors are unchanged.
  EXPECT_EQ((TypeInfo{ValueKind::kSequence, DataType::kInt32, std::nullopt}).to_string(),
            "seq(int32)");
}

TEST(MapTypes, InferenceTypesZipMapDictVectorizerAndCastMap) {
  Graph g;
  g.value_types["x"] = TypeInfo{ValueKind::kTensor, DataType::kFloat32, std::nullopt};
  g.value_types["m"] = TypeInfo::map(DataType::kInt64, DataType::kFloat64);
  g.value_types["ms"] = TypeInfo::map(DataType::kInt64, DataType::kString);
  auto add = [&](const std::string& op, std::string in, std::string out, Attribute a) {
    Node n;
    n.name = out;
    n.op_type = op;
    n.domain = "ai.onnx.ml";
    n.inputs = {std::move(in)};
    n.outputs = {std::move(out)};
    n.attributes.push_back(std::move(a));
    g.nodes.push_back(std::move(n));
  };
  auto attribute = [](const std::string& name, Attribute::Type type) {
    Attribute a;
    a.name = name;
    a.type = type;
    return a;
  };
  Attribute ints = attribute("classlabels_int64s", Attribute::Type::kInts);
  ints.ints = {1, 2};
  Attribute labels = attribute("classlabels_strings", Attribute::Type::kStrings);
  labels.strings = {"a", "b"};
  Attribute vocabulary = attribute("int64_vocabulary", Attribute::Type::kInts);
  vocabulary.ints = {1};
  Attribute to_string = attribute("cast_to", Attribute::Type::kString);
  to_string.s = "TO_STRING";
  Attribute to_int = attribute("cast_to", Attribute::Type::kString);
  to_int.s = "TO_INT64";
  Attribute dense = attribute("map_form", Attribute::Type::kString);
  dense.s = "DENSE";
  add("ZipMap", "x", "z_int", ints);
  add("ZipMap", "x", "z_str", labels);
  add("DictVectorizer", "m", "dv", vocabulary);
  add("CastMap", "ms", "cm_str", to_string);
  add("CastMap", "ms", "cm_int", to_int);
  add("CastMap", "m", "cm_default", dense);  // cast_to defaults to TO_FLOAT
  infer_types(g);
  EXPECT_EQ(g.value_types.at("z_int").to_string(), "seq(map(int64,float32))");
  EXPECT_EQ(g.value_types.at("z_str").to_string(), "seq(map(string,float32))");
  EXPECT_EQ(g.value_types.at("dv").to_string(), "float64");
  EXPECT_EQ(g.value_types.at("cm_str").to_string(), "string");
  EXPECT_EQ(g.value_types.at("cm_int").to_string(), "int64");
  EXPECT_EQ(g.value_types.at("cm_default").to_string(), "float32");
}

// ---- ZipMap -------------------------------------------------------------------------------------

TEST(ZipMap, Int64LabelsMakeOneMapPerRow) {
  MapModel m;
  m.tensor_input("x", onnx::TensorProto::FLOAT)
      .map_sequence_output("z", onnx::TensorProto::INT64, onnx::TensorProto::FLOAT)
      .node("ZipMap", {"x"}, {"z"})
      .attr("classlabels_int64s", std::vector<int64_t>{0, 1, 2});
  // onnxruntime: [{0: 0.1, 1: 0.2, 2: 0.7}, {0: 0.5, 1: 0.25, 2: 0.25}]
  auto out = m.run({{"x", f32(Shape{2, 3}, {0.1f, 0.2f, 0.7f, 0.5f, 0.25f, 0.25f})}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type_string(), "seq(map(int64,float32)) of 2");
  ASSERT_EQ(out[0].maps().size(), 2u);
  expect_map(out[0].maps()[0], i64v({0, 1, 2}), f32v({0.1f, 0.2f, 0.7f}));
  expect_map(out[0].maps()[1], i64v({0, 1, 2}), f32v({0.5f, 0.25f, 0.25f}));
  // onnxruntime: no rows, an empty sequence.
  auto none = m.run({{"x", f32(Shape{0, 3}, {})}});
  EXPECT_EQ(none[0].type_string(), "seq(map(int64,float32)) of 0");
}

TEST(ZipMap, StringLabelsAndOneDimensionalInput) {
  MapModel m;
  m.tensor_input("x", onnx::TensorProto::FLOAT)
      .map_sequence_output("z", onnx::TensorProto::STRING, onnx::TensorProto::FLOAT)
      .node("ZipMap", {"x"}, {"z"})
      .attr("classlabels_strings", std::vector<std::string>{"cat", "dog"});
  // onnxruntime: X [2] is one row -> [{'cat': 0.3, 'dog': 0.7}]
  auto out = m.run({{"x", f32v({0.3f, 0.7f})}});
  ASSERT_EQ(out[0].maps().size(), 1u);
  expect_map(out[0].maps()[0], strings({"cat", "dog"}), f32v({0.3f, 0.7f}));
}

TEST(ZipMap, RefusesBadLabelsAndShapes) {
  auto zipmap = [](const std::function<void(MapModel&)>& attrs) {
    MapModel m;
    m.tensor_input("x", onnx::TensorProto::FLOAT)
        .map_sequence_output("z", onnx::TensorProto::INT64, onnx::TensorProto::FLOAT)
        .node("ZipMap", {"x"}, {"z"});
    attrs(m);
    return m;
  };
  const MapModel good = zipmap([](MapModel& m) {
    m.attr("classlabels_int64s", std::vector<int64_t>{5, 7});
  });
  // onnxruntime: "Input features_per_batch[3] != number of classlabels[2]" and "Zipmap only
  // supports 1D or 2D input tensors".
  expect_error(
      [&] {
        good.run({{"x", f32(Shape{1, 3}, {0, 0, 0})}});
      },
      ErrorCode::kInvalidArgument, {"node 'map_node' (ZipMap", "3 columns", "2 class labels"});
  expect_error(
      [&] {
        good.run({{"x", f32(Shape{1, 2, 1}, {0, 0})}});
      },
      ErrorCode::kInvalidArgument, {"must be 1-D or 2-D, got float32[1,2,1]"});
  expect_error([&] { zipmap([](MapModel&) {}).session(); }, ErrorCode::kInvalidModel,
               {"exactly one of classlabels_strings and classlabels_int64s"});
  expect_error(
      [&] {
        zipmap([](MapModel& m) {
          m.attr("classlabels_int64s", std::vector<int64_t>{1})
              .attr("classlabels_strings", std::vector<std::string>{"a"});
        }).session();
      },
      ErrorCode::kInvalidModel, {"exactly one of"});
  expect_error(
      [&] {
        zipmap([](MapModel& m) {
          m.attr("classlabels_int64s", std::vector<int64_t>{1, 2, 1});
        }).session();
      },
      ErrorCode::kInvalidModel, {"repeats a label"});
  // The declared output says string keys, the labels make int64 ones.
  MapModel mismatch;
  mismatch.tensor_input("x", onnx::TensorProto::FLOAT)
      .map_sequence_output("z", onnx::TensorProto::STRING, onnx::TensorProto::FLOAT)
      .node("ZipMap", {"x"}, {"z"})
      .attr("classlabels_int64s", std::vector<int64_t>{1, 2});
  expect_error([&] { mismatch.session(); }, ErrorCode::kInvalidModel,
               {"output 0 is declared seq(map(string,float32))", "int64 keys"});
  // Only float32 scores (the spec's T).
  MapModel doubles;
  doubles.tensor_input("x", onnx::TensorProto::DOUBLE)
      .map_sequence_output("z", onnx::TensorProto::INT64, onnx::TensorProto::FLOAT)
      .node("ZipMap", {"x"}, {"z"})
      .attr("classlabels_int64s", std::vector<int64_t>{1, 2});
  expect_error([&] { doubles.session(); }, ErrorCode::kNotImplemented,
               {"float64", "supported for T: float32"});
}

// A skl2onnx-like classifier: LinearClassifier (LOGISTIC) -> Normalizer (L1) -> ZipMap, the shape
// of onnxruntime's datasets/logreg_iris.onnx, with string labels.
TEST(ZipMap, EndsAConvertedClassifierPipeline) {
  const std::vector<std::string> labels = {"setosa", "versicolor", "virginica"};
  MapModel m;
  m.tensor_input("x", onnx::TensorProto::FLOAT)
      .tensor_output("label", onnx::TensorProto::STRING)
      .map_sequence_output("probabilities", onnx::TensorProto::STRING, onnx::TensorProto::FLOAT)
      .node("LinearClassifier", {"x"}, {"label", "scores"})
      .attr("classlabels_strings", labels)
      .attr("coefficients", std::vector<float>{0.5f, -1.0f, -0.25f, 0.75f, 1.5f, 0.25f})
      .attr("intercepts", std::vector<float>{0.1f, -0.2f, 0.3f})
      .attr("multi_class", int64_t{0})
      .attr("post_transform", "LOGISTIC")
      .node("Normalizer", {"scores"}, {"probs"})
      .attr("norm", "L1")
      .node("ZipMap", {"probs"}, {"probabilities"})
      .attr("classlabels_strings", labels);
  Session s = m.session();
  ASSERT_EQ(s.outputs().size(), 2u);
  EXPECT_EQ(s.outputs()[1].kind, ValueKind::kSequence);
  auto out = s.run_values({{"x", f32(Shape{3, 2}, {1.0f, 2.0f, -0.5f, 0.25f, 3.0f, -1.0f})}});
  // onnxruntime, same model:
  //   label ['virginica' 'versicolor' 'virginica']
  //   {'setosa': 0.107074171, 'versicolor': 0.400967628, 'virginica': 0.491958171}
  //   {'setosa': 0.300895423, 'versicolor': 0.395954609, 'virginica': 0.303149968}
  //   {'setosa': 0.448636085, 'versicolor': 0.0744457468, 'virginica': 0.476918161}
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].tensor().data<std::string>()[1], "versicolor");
  ASSERT_EQ(out[1].maps().size(), 3u);
  expect_map(out[1].maps()[0], strings(labels), f32v({0.107074171f, 0.400967628f, 0.491958171f}));
  expect_map(out[1].maps()[1], strings(labels), f32v({0.300895423f, 0.395954609f, 0.303149968f}));
  expect_map(out[1].maps()[2], strings(labels), f32v({0.448636085f, 0.0744457468f, 0.476918161f}));
  // The tensor-only API points to run_values.
  expect_error(
      [&] {
        s.run({{"x", f32(Shape{1, 2}, {1, 2})}});
      },
      ErrorCode::kInvalidArgument,
      {"output 'probabilities' is a seq(map(string,float32)) of 1; use Session::run_values"});
}

// ---- DictVectorizer -----------------------------------------------------------------------------

MapModel dict_vectorizer(int key_type, int value_type, bool string_vocabulary,
                         const std::vector<std::string>& words,
                         const std::vector<int64_t>& numbers) {
  MapModel m;
  m.map_input("m", key_type, value_type)
      .tensor_output("y", value_type)
      .node("DictVectorizer", {"m"}, {"y"});
  if (string_vocabulary) {
    m.attr("string_vocabulary", words);
  } else {
    m.attr("int64_vocabulary", numbers);
  }
  return m;
}

TEST(DictVectorizer, StringKeysWithEveryValueType) {
  using P = onnx::TensorProto;
  const std::vector<std::string> vocabulary = {"a", "c", "b", "z"};
  // onnxruntime: {'a': 4.0, 'c': 8.5} -> [[4.0, 8.5, 0.0, 0.0]] of shape (1, 4)
  auto y = dict_vectorizer(P::STRING, P::FLOAT, true, vocabulary, {})
               .run({{"m", Value::map(strings({"a", "c"}), f32v({4.0f, 8.5f}))}});
  EXPECT_EQ(y[0].tensor().shape(), (Shape{1, 4}));
  expect_near(y[0].tensor(), f32(Shape{1, 4}, {4.0f, 8.5f, 0, 0}));
  // onnx reference: {'z': 4.25, 'b': -1.0} -> [0.0, 0.0, -1.0, 4.25]
  y = dict_vectorizer(P::STRING, P::DOUBLE, true, vocabulary, {})
          .run({{"m", Value::map(strings({"z", "b"}), f64({4.25, -1.0}))}});
  expect_near(y[0].tensor(), Tensor::from_vector<double>(Shape{1, 4}, {0, 0, -1.0, 4.25}));
  // onnx reference: {'z': 4, 'a': -3} -> [-3, 0, 0, 4]
  y = dict_vectorizer(P::STRING, P::INT64, true, vocabulary, {})
          .run({{"m", Value::map(strings({"z", "a"}), i64v({4, -3}))}});
  expect_near(y[0].tensor(), i64(Shape{1, 4}, {-3, 0, 0, 4}));
  // onnxruntime: a key outside the vocabulary is dropped: {'a': 4.0, 'q': 8.5} -> [[4.0, 0.0]]
  y = dict_vectorizer(P::STRING, P::FLOAT, true, {"a", "c"}, {})
          .run({{"m", Value::map(strings({"a", "q"}), f32v({4.0f, 8.5f}))}});
  expect_near(y[0].tensor(), f32(Shape{1, 2}, {4.0f, 0}));
  // onnx reference: an empty map gives zeros (onnxruntime refuses it).
  y = dict_vectorizer(P::STRING, P::FLOAT, true, {"a", "c"}, {})
          .run({{"m", Value::map(strings({}), f32v({}))}});
  expect_near(y[0].tensor(), f32(Shape{1, 2}, {0, 0}));
  // By hand: a vocabulary entry repeated fills each of its places.
  y = dict_vectorizer(P::STRING, P::FLOAT, true, {"a", "b", "a"}, {})
          .run({{"m", Value::map(strings({"b", "a"}), f32v({2, 1}))}});
  expect_near(y[0].tensor(), f32(Shape{1, 3}, {1, 2, 1}));
}

TEST(DictVectorizer, Int64KeysWithEveryValueType) {
  using P = onnx::TensorProto;
  // onnxruntime: {30: 1.5, 10: 2.5} -> [[2.5, 0.0, 1.5]]
  auto y = dict_vectorizer(P::INT64, P::FLOAT, false, {}, {10, 20, 30})
               .run({{"m", Value::map(i64v({30, 10}), f32v({1.5f, 2.5f}))}});
  expect_near(y[0].tensor(), f32(Shape{1, 3}, {2.5f, 0, 1.5f}));
  // onnx reference: {20: 1.5} -> [0.0, 1.5, 0.0]
  y = dict_vectorizer(P::INT64, P::DOUBLE, false, {}, {10, 20, 30})
          .run({{"m", Value::map(i64v({20}), f64({1.5}))}});
  expect_near(y[0].tensor(), Tensor::from_vector<double>(Shape{1, 3}, {0, 1.5, 0}));
  // onnx reference: {20: 'x', 10: 'y'} -> ['y', 'x', <missing>]; a missing string is "" here
  // (the reference's '0' is numpy turning its 0 into text).
  y = dict_vectorizer(P::INT64, P::STRING, false, {}, {10, 20, 30})
          .run({{"m", Value::map(i64v({20, 10}), strings({"x", "y"}))}});
  ASSERT_EQ(y[0].tensor().shape(), (Shape{1, 3}));
  const std::string* text = y[0].tensor().data<std::string>();
  EXPECT_EQ(text[0], "y");
  EXPECT_EQ(text[1], "x");
  EXPECT_EQ(text[2], "");
}

TEST(DictVectorizer, RefusesWrongKeysAndMissingVocabulary) {
  using P = onnx::TensorProto;
  // The model's own map type disagrees with the vocabulary: refused at session creation.
  expect_error([] { dict_vectorizer(P::INT64, P::FLOAT, true, {"a"}, {}).session(); },
               ErrorCode::kInvalidModel,
               {"node 'map_node' (DictVectorizer", "input 0 is map(int64,float32)",
                "string_vocabulary needs string keys"});
  MapModel none;
  none.map_input("m", P::STRING, P::FLOAT)
      .tensor_output("y", P::FLOAT)
      .node("DictVectorizer", {"m"}, {"y"});
  expect_error([&] { none.session(); }, ErrorCode::kInvalidModel,
               {"exactly one of string_vocabulary and int64_vocabulary"});
  // A fed map of another key type is refused before the kernel runs.
  auto m = dict_vectorizer(P::STRING, P::FLOAT, true, {"a"}, {});
  EXPECT_EQ(error_of([&] {
              m.run({{"m", Value::map(i64v({1}), f32v({1}))}});
            }),
            "maps.onnx: input 'm': expected map(string,float32), got map(int64,float32) of 1");
  EXPECT_EQ(error_of([&] {
              m.run({{"m", Value::map(strings({"a"}), f64({1}))}});
            }),
            "maps.onnx: input 'm': expected map(string,float32), got map(string,float64) of 1");
  EXPECT_EQ(error_of([&] {
              m.run({{"m", f32v({1})}});
            }),
            "maps.onnx: input 'm': expected a map (map(string,float32)), got a float32[1]");
  // DictVectorizer takes maps only: a tensor input finds no kernel.
  MapModel tensor_in;
  tensor_in.tensor_input("m", P::FLOAT)
      .tensor_output("y", P::FLOAT)
      .node("DictVectorizer", {"m"}, {"y"});
  tensor_in.attr("string_vocabulary", std::vector<std::string>{"a"});
  expect_error([&] { tensor_in.session(); }, ErrorCode::kNotImplemented,
               {"input 0 is a tensor, which this kernel does not take"});
}

// ---- CastMap ------------------------------------------------------------------------------------

MapModel cast_map(int value_type, int out_type, const char* cast_to, const char* form,
                  int64_t max_map) {
  MapModel m;
  m.map_input("m", onnx::TensorProto::INT64, value_type)
      .tensor_output("y", out_type)
      .node("CastMap", {"m"}, {"y"})
      .attr("cast_to", cast_to)
      .attr("map_form", form)
      .attr("max_map", max_map);
  return m;
}

TEST(CastMap, FloatValuesToEveryTypeDenseAndSparse) {
  using P = onnx::TensorProto;
  const Value m = Value::map(i64v({3, 1, 7}), f32v({1.5f, -2.25f, 0.5f}));
  // onnxruntime: {3: 1.5, 1: -2.25, 7: 0.5} -> [[-2.25, 1.5, 0.5]] (ascending keys)
  auto y = cast_map(P::FLOAT, P::FLOAT, "TO_FLOAT", "DENSE", 1).run({{"m", m}});
  expect_near(y[0].tensor(), f32(Shape{1, 3}, {-2.25f, 1.5f, 0.5f}));
  // onnxruntime: SPARSE, max_map 8 -> [[0, -2.25, 0, 1.5, 0, 0, 0, 0.5]]
  y = cast_map(P::FLOAT, P::FLOAT, "TO_FLOAT", "SPARSE", 8).run({{"m", m}});
  expect_near(y[0].tensor(), f32(Shape{1, 8}, {0, -2.25f, 0, 1.5f, 0, 0, 0, 0.5f}));
  // onnxruntime: {3: 1.5, 1: -2.75, 7: 0.5} TO_INT64 -> [[-2, 1, 0]] (toward zero); SPARSE 5 of
  // {3: 1.5, 1: -2.75} -> [[0, -2, 0, 1, 0]]
  y = cast_map(P::FLOAT, P::INT64, "TO_INT64", "DENSE", 1)
          .run({{"m", Value::map(i64v({3, 1, 7}), f32v({1.5f, -2.75f, 0.5f}))}});
  expect_near(y[0].tensor(), i64(Shape{1, 3}, {-2, 1, 0}));
  y = cast_map(P::FLOAT, P::INT64, "TO_INT64", "SPARSE", 5)
          .run({{"m", Value::map(i64v({3, 1}), f32v({1.5f, -2.75f}))}});
  expect_near(y[0].tensor(), i64(Shape{1, 5}, {0, -2, 0, 1, 0}));
  // onnxruntime: TO_STRING -> [['-2.250000', '1.500000', '0.100000']]
  y = cast_map(P::FLOAT, P::STRING, "TO_STRING", "DENSE", 1)
          .run({{"m", Value::map(i64v({3, 1, 7}), f32v({1.5f, -2.25f, 0.1f}))}});
  ASSERT_EQ(y[0].tensor().shape(), (Shape{1, 3}));
  EXPECT_EQ(y[0].tensor().data<std::string>()[0], "-2.250000");
  EXPECT_EQ(y[0].tensor().data<std::string>()[1], "1.500000");
  EXPECT_EQ(y[0].tensor().data<std::string>()[2], "0.100000");
  // By hand: an empty map is an empty row.
  y = cast_map(P::FLOAT, P::FLOAT, "TO_FLOAT", "DENSE", 1)
          .run({{"m", Value::map(i64v({}), f32v({}))}});
  EXPECT_EQ(y[0].tensor().shape(), (Shape{1, 0}));
}

TEST(CastMap, StringValuesParsedAsNumbers) {
  using P = onnx::TensorProto;
  // By hand from the spec (onnxruntime's Python binding cannot feed map(int64, string)).
  auto y = cast_map(P::STRING, P::FLOAT, "TO_FLOAT", "DENSE", 1)
               .run({{"m", Value::map(i64v({3, 1}), strings({"1.5", "-2.25"}))}});
  expect_near(y[0].tensor(), f32(Shape{1, 2}, {-2.25f, 1.5f}));
  y = cast_map(P::STRING, P::INT64, "TO_INT64", "SPARSE", 4)
          .run({{"m", Value::map(i64v({3, 1}), strings({"12", "-7"}))}});
  expect_near(y[0].tensor(), i64(Shape{1, 4}, {0, -7, 0, 12}));
  y = cast_map(P::STRING, P::STRING, "TO_STRING", "SPARSE", 5)
          .run({{"m", Value::map(i64v({3, 1}), strings({"a", "b"}))}});
  const std::string* text = y[0].tensor().data<std::string>();
  EXPECT_EQ(std::vector<std::string>(text, text + 5),
            (std::vector<std::string>{"", "b", "", "a", ""}));
}

TEST(CastMap, RefusesBadValuesKeysAndAttributes) {
  using P = onnx::TensorProto;
  expect_error(
      [] {
        cast_map(P::STRING, P::FLOAT, "TO_FLOAT", "DENSE", 1)
            .run({{"m", Value::map(i64v({3}), strings({"abc"}))}});
      },
      ErrorCode::kInvalidArgument,
      {"node 'map_node' (CastMap", "value of key 3 (\"abc\") is not a float32 number"});
  expect_error(
      [] {
        cast_map(P::STRING, P::INT64, "TO_INT64", "DENSE", 1)
            .run({{"m", Value::map(i64v({3}), strings({"1.5"}))}});
      },
      ErrorCode::kInvalidArgument, {"(\"1.5\") is not an int64 number"});
  expect_error(
      [] {
        cast_map(P::FLOAT, P::INT64, "TO_INT64", "DENSE", 1)
            .run({{"m", Value::map(i64v({2}), f32v({std::numeric_limits<float>::quiet_NaN()}))}});
      },
      ErrorCode::kInvalidArgument, {"value of key 2", "cannot be cast to int64"});
  // SPARSE keys must lie in [0, max_map) (onnxruntime drops key 3 here and refuses key -1).
  expect_error(
      [] {
        cast_map(P::FLOAT, P::FLOAT, "TO_FLOAT", "SPARSE", 3)
            .run({{"m", Value::map(i64v({3}), f32v({1.5f}))}});
      },
      ErrorCode::kInvalidArgument, {"key 3 is outside [0, 3)"});
  expect_error(
      [] {
        cast_map(P::FLOAT, P::FLOAT, "TO_FLOAT", "SPARSE", 3)
            .run({{"m", Value::map(i64v({-1}), f32v({1.5f}))}});
      },
      ErrorCode::kInvalidArgument, {"key -1 is outside [0, 3)"});
  expect_error([] { cast_map(P::FLOAT, P::FLOAT, "TO_DOUBLE", "DENSE", 1).session(); },
               ErrorCode::kInvalidModel,
               {"cast_to 'TO_DOUBLE' is not one of TO_FLOAT, TO_STRING, TO_INT64"});
  expect_error([] { cast_map(P::FLOAT, P::FLOAT, "TO_FLOAT", "CSR", 1).session(); },
               ErrorCode::kInvalidModel, {"map_form 'CSR' is not DENSE or SPARSE"});
  expect_error([] { cast_map(P::FLOAT, P::FLOAT, "TO_FLOAT", "SPARSE", 0).session(); },
               ErrorCode::kInvalidModel, {"max_map must be positive"});
  expect_error([] { cast_map(P::FLOAT, P::FLOAT, "TO_INT64", "DENSE", 1).session(); },
               ErrorCode::kInvalidModel,
               {"output 0 is declared float32, but cast_to TO_INT64 makes int64"});
  // Keys other than int64: the model's type is refused at creation.
  MapModel string_keys;
  string_keys.map_input("m", P::STRING, P::FLOAT)
      .tensor_output("y", P::FLOAT)
      .node("CastMap", {"m"}, {"y"});
  expect_error([&] { string_keys.session(); }, ErrorCode::kInvalidModel,
               {"input 0 is map(string,float32); CastMap needs int64 keys"});
}

// ---- Session: map values at the graph boundary -------------------------------------------------

TEST(MapSession, SequencesOfMapsPassThroughAndAreValidated) {
  // The graph output is the graph input itself: no kernel, only feed validation and the copy out.
  MapModel m;
  m.map_sequence_input("s", onnx::TensorProto::INT64, onnx::TensorProto::FLOAT)
      .map_sequence_output("s", onnx::TensorProto::INT64, onnx::TensorProto::FLOAT);
  Session s = m.session();
  ASSERT_EQ(s.inputs().size(), 1u);
  EXPECT_EQ(s.inputs()[0].kind, ValueKind::kSequence);
  Value fed = Value::map_sequence({Value::map(i64v({4, 2}), f32v({0.5f, 1.5f}))}, DataType::kInt64,
                                  DataType::kFloat32);
  auto out = s.run_values({{"s", fed}});
  ASSERT_EQ(out[0].maps().size(), 1u);
  expect_map(out[0].maps()[0], i64v({4, 2}), f32v({0.5f, 1.5f}));
  // The caller owns what comes back.
  EXPECT_NE(out[0].maps()[0].map_values().raw_data(), fed.maps()[0].map_values().raw_data());
  EXPECT_EQ(error_of([&] {
              s.run_values({{"s", Value::sequence({f32v({1})}, DataType::kFloat32)}});
            }),
            "maps.onnx: input 's': expected seq(map(int64,float32)), got seq(float32) of 1");
  EXPECT_EQ(
      error_of([&] {
        s.run_values({{"s", Value::map_sequence({}, DataType::kString, DataType::kFloat32)}});
      }),
      "maps.onnx: input 's': expected seq(map(int64,float32)), got seq(map(string,float32)) of 0");
  EXPECT_EQ(error_of([&] {
              s.run_values({{"s", Value::map(i64v({1}), f32v({1}))}});
            }),
            "maps.onnx: input 's': expected a sequence (seq(map(int64,float32))), got a "
            "map(int64,float32) of 1");
  // A sequence of tensors is not fed a sequence of maps either.
  MapModel tensors;
  tensors.map_input("unused", onnx::TensorProto::INT64, onnx::TensorProto::FLOAT);
  onnx::ModelProto proto;
  ASSERT_TRUE(proto.ParseFromString(tensors.bytes()));
  auto* in = proto.mutable_graph()->mutable_input(0);
  in->set_name("t");
  in->mutable_type()
      ->mutable_sequence_type()
      ->mutable_elem_type()
      ->mutable_tensor_type()
      ->set_elem_type(onnx::TensorProto::FLOAT);
  *proto.mutable_graph()->add_output() = *in;
  Session ts(Environment(), proto.SerializeAsString(), "maps.onnx", "");
  EXPECT_EQ(error_of([&] {
              ts.run_values({{"t", fed}});
            }),
            "maps.onnx: input 't': expected seq(float32), got seq(map(int64,float32)) of 1");
}

TEST(MapSession, RefusesMapTypesItCannotHold) {
  MapModel int32_keys;
  int32_keys.map_input("m", onnx::TensorProto::INT32, onnx::TensorProto::FLOAT)
      .tensor_output("y", onnx::TensorProto::FLOAT)
      .node("DictVectorizer", {"m"}, {"y"})
      .attr("int64_vocabulary", std::vector<int64_t>{1});
  EXPECT_EQ(
      error_of([&] { int32_keys.session(); }),
      "maps.onnx: graph input 'm' has type map(int32,float32); map keys must be int64 or string");
  onnx::ModelProto proto;
  ASSERT_TRUE(proto.ParseFromString(int32_keys.bytes()));
  auto* map = proto.mutable_graph()->mutable_input(0)->mutable_type()->mutable_map_type();
  map->set_key_type(onnx::TensorProto::INT64);
  map->mutable_value_type()
      ->mutable_sequence_type()
      ->mutable_elem_type()
      ->mutable_tensor_type()
      ->set_elem_type(onnx::TensorProto::FLOAT);
  EXPECT_EQ(error_of([&] { Session(Environment(), proto.SerializeAsString(), "maps.onnx", ""); }),
            "maps.onnx: graph input 'm' has type map(int64,undefined); map values must be tensors");
}

// ---- Files: MapProto and SequenceProto of maps --------------------------------------------------

class MapFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("aruntime_map_files_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::string path(const std::string& name) const { return (root_ / name).string(); }
  void write(const std::string& name, const google::protobuf::MessageLite& proto) const {
    std::ofstream(path(name), std::ios::binary) << proto.SerializeAsString();
  }

  std::filesystem::path root_;
};

TEST_F(MapFiles, RoundTripsMapsAndSequencesOfMaps) {
  write_value_file(Value::map(strings({"b", "a"}), strings({"x", "y"})), "m", path("m.pb"));
  std::string name;
  Value m = read_value_file(path("m.pb"), ValueKind::kMap, DataType::kUndefined, &name);
  EXPECT_EQ(name, "m");
  ASSERT_EQ(m.type_string(), "map(string,string) of 2");
  EXPECT_EQ(m.map_keys().data<std::string>()[0], "b");
  EXPECT_EQ(m.map_values().data<std::string>()[1], "y");

  Value seq = Value::map_sequence(
      {Value::map(i64v({0, 1}), f32v({0.25f, 0.75f})), Value::map(i64v({0, 1}), f32v({1, 0}))},
      DataType::kInt64, DataType::kFloat32);
  write_value_file(seq, "probabilities", path("s.pb"));
  Value back = read_value_file(path("s.pb"), ValueKind::kSequence, DataType::kFloat32, &name);
  EXPECT_EQ(name, "probabilities");
  ASSERT_EQ(back.type_string(), "seq(map(int64,float32)) of 2");
  expect_map(back.maps()[0], i64v({0, 1}), f32v({0.25f, 0.75f}));
  expect_map(back.maps()[1], i64v({0, 1}), f32v({1, 0}));

  // An empty sequence of maps keeps its value type from the caller; the file has no key type.
  write_value_file(Value::map_sequence({}, DataType::kInt64, DataType::kFloat32), "e",
                   path("e.pb"));
  Value empty = read_value_file(path("e.pb"), ValueKind::kSequence, DataType::kFloat32);
  EXPECT_EQ(empty.element_kind(), ValueKind::kMap);
  EXPECT_EQ(empty.key_type(), DataType::kUndefined);
  EXPECT_TRUE(empty.maps().empty());

  // The layout of onnx.numpy_helper.from_dict({1: np.float64(0.5)}): one scalar tensor per value.
  onnx::MapProto proto;
  proto.set_key_type(onnx::TensorProto::INT64);
  proto.add_keys(1);
  proto.mutable_values()->set_elem_type(onnx::SequenceProto::TENSOR);
  auto* t = proto.mutable_values()->add_tensor_values();
  t->set_data_type(onnx::TensorProto::DOUBLE);
  t->add_double_data(0.5);
  write("from_dict.pb", proto);
  Value d = read_value_file(path("from_dict.pb"), ValueKind::kMap, DataType::kUndefined);
  EXPECT_EQ(d.type_string(), "map(int64,float64) of 1");
  EXPECT_EQ(d.map_values().data<double>()[0], 0.5);
}

TEST_F(MapFiles, RefusesMalformedMapProtos) {
  onnx::MapProto proto;
  proto.set_key_type(onnx::TensorProto::INT64);
  proto.add_keys(1);
  proto.add_keys(2);
  proto.mutable_values()->set_elem_type(onnx::SequenceProto::TENSOR);
  auto* t = proto.mutable_values()->add_tensor_values();
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_float_data(0.5f);
  write("short.pb", proto);
  expect_error([&] { read_value_file(path("short.pb"), ValueKind::kMap, DataType::kUndefined); },
               ErrorCode::kInvalidModel, {"short.pb: map ''", "2 keys but 1 values"});
  t->add_dims(2);
  t->add_float_data(1.5f);
  proto.mutable_values()->add_tensor_values()->CopyFrom(*t);
  write("wide.pb", proto);
  expect_error([&] { read_value_file(path("wide.pb"), ValueKind::kMap, DataType::kUndefined); },
               ErrorCode::kInvalidModel, {"value 0 is float32[2], expected one float32 element"});
  proto.set_key_type(onnx::TensorProto::INT32);
  write("int32.pb", proto);
  expect_error([&] { read_value_file(path("int32.pb"), ValueKind::kMap, DataType::kUndefined); },
               ErrorCode::kNotImplemented, {"keys of type INT32 are not supported"});
  write_value_file(Value::map(i64v({1, 2}), f32v({1, 2})), "dup", path("dup.pb"));
  ASSERT_TRUE(proto.ParseFromString([&] {
    std::ifstream in(path("dup.pb"), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }()));
  proto.set_keys(1, 1);
  write("dup.pb", proto);
  expect_error([&] { read_value_file(path("dup.pb"), ValueKind::kMap, DataType::kUndefined); },
               ErrorCode::kInvalidModel, {"dup.pb: map 'dup'", "key 1 occurs more than once"});
}

// ---- CLI: printing and `aruntime test` over map outputs ----------------------------------------

TEST(MapText, SummarisesMapsAndSequencesOfMaps) {
  Value m = Value::map(strings({"cat", "dog"}), f32v({0.25f, 0.75f}));
  EXPECT_EQ(cli::value_summary("p", m),
            "p: map(string,float32) of 2 {\"cat\": 0.25, \"dog\": 0.75}");
  Value seq = Value::map_sequence(
      {Value::map(i64v({0, 1}), f32v({0.5f, 0.5f})), Value::map(i64v({0, 1}), f32v({1, 0})),
       Value::map(i64v({0, 1}), f32v({0, 1})), Value::map(i64v({0, 1}), f32v({0, 1}))},
      DataType::kInt64, DataType::kFloat32);
  EXPECT_EQ(cli::value_summary("z", seq),
            "z: seq(map(int64,float32)) of 4 [{0: 0.5, 1: 0.5}, {0: 1, 1: 0}, {0: 0, 1: 1}, ...]");
  EXPECT_EQ(cli::value_summary("y", f32v({1})), cli::output_summary("y", f32v({1})));
}

TEST_F(MapFiles, TestCommandComparesMapOutputsKeyByKey) {
  MapModel m;
  m.tensor_input("x", onnx::TensorProto::FLOAT)
      .map_sequence_output("z", onnx::TensorProto::INT64, onnx::TensorProto::FLOAT)
      .node("ZipMap", {"x"}, {"z"})
      .attr("classlabels_int64s", std::vector<int64_t>{0, 1, 2});
  std::filesystem::create_directories(root_ / "zipmap" / "test_data_set_0");
  std::ofstream(path("zipmap/model.onnx"), std::ios::binary) << m.bytes();
  write_value_file(f32(Shape{1, 3}, {0.1f, 0.2f, 0.7f}), "x",
                   path("zipmap/test_data_set_0/input_0.pb"));
  // Keys in another order than ZipMap makes them: maps compare by key, not by position.
  const std::string expected = path("zipmap/test_data_set_0/output_0.pb");
  write_value_file(Value::map_sequence({Value::map(i64v({2, 0, 1}), f32v({0.7f, 0.1f, 0.2f}))},
                                       DataType::kInt64, DataType::kFloat32),
                   "z", expected);
  ::testing::internal::CaptureStdout();
  int rc = cli::test_command({path("zipmap")});
  std::string text = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(rc, 0) << text;
  EXPECT_NE(text.find("PASS zipmap"), std::string::npos) << text;

  write_value_file(Value::map_sequence({Value::map(i64v({2, 0, 1}), f32v({0.7f, 0.1f, 0.3f}))},
                                       DataType::kInt64, DataType::kFloat32),
                   "z", expected);
  ::testing::internal::CaptureStdout();
  rc = cli::test_command({path("zipmap")});
  text = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(rc, 0);
  EXPECT_NE(text.find("FAIL zipmap: output 'z[0]'"), std::string::npos) << text;
  EXPECT_NE(text.find("is key 1"), std::string::npos) << text;

  write_value_file(Value::map_sequence({Value::map(i64v({0, 1, 5}), f32v({0.1f, 0.2f, 0.7f}))},
                                       DataType::kInt64, DataType::kFloat32),
                   "z", expected);
  ::testing::internal::CaptureStdout();
  rc = cli::test_command({path("zipmap")});
  text = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(text.find("output 'z[0]' lacks key 5"), std::string::npos) << text;
}

}  // namespace
}  // namespace aruntime
