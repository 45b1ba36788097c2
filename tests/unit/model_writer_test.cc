// The model writer (graph/model_writer.h): models built with the ONNX protobuf API are loaded,
// written and loaded again, and the two IRs must be equal field by field (attributes of every
// kind, subgraphs, symbolic dims, collection types, initializers inline and external). Models
// that run are also run from both files in a Session, which must give identical outputs.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>

#include "aruntime/session.h"
#include "graph/loader.h"
#include "graph/model_writer.h"
#include "graph/optimizer/pass_manager.h"
#include "graph/shape_inference.h"
#include "graph/type_inference.h"

namespace aruntime {
namespace {

namespace fs = std::filesystem;

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

// --- Building ModelProtos ----------------------------------------------------------------------

// Dims: "3" static, "batch" symbolic, "?" unknown.
void set_tensor_type(onnx::TypeProto* type, int elem_type, const std::vector<std::string>* dims) {
  auto* t = type->mutable_tensor_type();
  t->set_elem_type(elem_type);
  if (dims == nullptr) return;
  auto* shape = t->mutable_shape();
  for (const auto& d : *dims) {
    auto* dim = shape->add_dim();
    if (d == "?") continue;
    if (std::isdigit(static_cast<unsigned char>(d[0]))) {
      dim->set_dim_value(std::stoll(d));
    } else {
      dim->set_dim_param(d);
    }
  }
}

void add_tensor_value(onnx::ValueInfoProto* v, const std::string& name, int elem_type,
                      std::vector<std::string> dims) {
  v->set_name(name);
  set_tensor_type(v->mutable_type(), elem_type, &dims);
}

onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& name, const std::string& op,
                          std::vector<std::string> in, std::vector<std::string> out,
                          const std::string& domain = "") {
  auto* n = g->add_node();
  n->set_name(name);
  n->set_op_type(op);
  n->set_domain(domain);
  for (auto& i : in) n->add_input(i);
  for (auto& o : out) n->add_output(o);
  return n;
}

onnx::AttributeProto* add_attr(onnx::NodeProto* n, const std::string& name,
                               onnx::AttributeProto::AttributeType type) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(type);
  return a;
}

void fill_floats(onnx::TensorProto* t, const std::string& name, std::vector<int64_t> dims,
                 std::vector<float> values) {
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  for (float v : values) t->add_float_data(v);
}

onnx::ModelProto base_model(int64_t ir_version = 8, int64_t opset = 17) {
  onnx::ModelProto m;
  m.set_ir_version(ir_version);
  m.set_producer_name("model_writer_test");
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  m.mutable_graph()->set_name("main");
  return m;
}

Model load(const onnx::ModelProto& proto) {
  return load_model_from_bytes(proto.SerializeAsString(), "m.onnx", "");
}

Model round_trip(const Model& model) {
  return load_model_from_bytes(serialize_model(model), "written.onnx", "");
}

// --- Comparing IRs -----------------------------------------------------------------------------

void expect_same_type(const TypeInfo& a, const TypeInfo& b, const std::string& where) {
  EXPECT_EQ(a.to_string(), b.to_string()) << where;
  EXPECT_EQ(a.kind, b.kind) << where;
  EXPECT_EQ(a.dtype, b.dtype) << where;
  EXPECT_EQ(a.element_kind, b.element_kind) << where;
  EXPECT_EQ(a.key_dtype, b.key_dtype) << where;
  ASSERT_EQ(a.shape.has_value(), b.shape.has_value()) << where;
  if (!a.shape) return;
  ASSERT_EQ(a.shape->size(), b.shape->size()) << where;
  for (size_t i = 0; i < a.shape->size(); ++i) {
    EXPECT_EQ((*a.shape)[i].value, (*b.shape)[i].value) << where << " dim " << i;
    EXPECT_EQ((*a.shape)[i].symbol, (*b.shape)[i].symbol) << where << " dim " << i;
  }
}

void expect_same_tensor(const Tensor& a, const Tensor& b, const std::string& where) {
  ASSERT_EQ(a.dtype(), b.dtype()) << where;
  ASSERT_EQ(a.shape().dims(), b.shape().dims()) << where;
  if (a.dtype() == DataType::kString) {
    for (int64_t i = 0; i < a.num_elements(); ++i) {
      EXPECT_EQ(a.data<std::string>()[i], b.data<std::string>()[i]) << where << " element " << i;
    }
    return;
  }
  EXPECT_EQ(std::memcmp(a.raw_data(), b.raw_data(), a.byte_size()), 0) << where;
}

void expect_same_graph(const Graph& a, const Graph& b, const std::string& where);

void expect_same_attribute(const Attribute& a, const Attribute& b, const std::string& where) {
  EXPECT_EQ(a.name, b.name) << where;
  ASSERT_EQ(a.type, b.type) << where;
  EXPECT_EQ(a.f, b.f) << where;
  EXPECT_EQ(a.i, b.i) << where;
  EXPECT_EQ(a.s, b.s) << where;
  EXPECT_EQ(a.floats, b.floats) << where;
  EXPECT_EQ(a.ints, b.ints) << where;
  EXPECT_EQ(a.strings, b.strings) << where;
  ASSERT_EQ(a.t.defined(), b.t.defined()) << where;
  if (a.t.defined()) expect_same_tensor(a.t, b.t, where);
  ASSERT_EQ(a.tensors.size(), b.tensors.size()) << where;
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    expect_same_tensor(a.tensors[i], b.tensors[i], where + " #" + std::to_string(i));
  }
  ASSERT_EQ(a.g != nullptr, b.g != nullptr) << where;
  if (a.g) expect_same_graph(*a.g, *b.g, where + " graph");
  ASSERT_EQ(a.graphs.size(), b.graphs.size()) << where;
  for (size_t i = 0; i < a.graphs.size(); ++i) {
    expect_same_graph(*a.graphs[i], *b.graphs[i], where + " graph #" + std::to_string(i));
  }
  if (a.type == Attribute::Type::kTypeProto) expect_same_type(a.type_proto, b.type_proto, where);
}

void expect_same_graph(const Graph& a, const Graph& b, const std::string& where) {
  EXPECT_EQ(a.name, b.name) << where;
  ASSERT_EQ(a.inputs.size(), b.inputs.size()) << where;
  for (size_t i = 0; i < a.inputs.size(); ++i) {
    EXPECT_EQ(a.inputs[i].name, b.inputs[i].name) << where;
    expect_same_type(a.inputs[i].type, b.inputs[i].type, where + " input " + a.inputs[i].name);
  }
  ASSERT_EQ(a.outputs.size(), b.outputs.size()) << where;
  for (size_t i = 0; i < a.outputs.size(); ++i) {
    EXPECT_EQ(a.outputs[i].name, b.outputs[i].name) << where;
    expect_same_type(a.outputs[i].type, b.outputs[i].type, where + " output " + a.outputs[i].name);
  }
  ASSERT_EQ(a.initializers.size(), b.initializers.size()) << where;
  for (const auto& [name, tensor] : a.initializers) {
    ASSERT_TRUE(b.initializers.count(name)) << where << " initializer " << name;
    expect_same_tensor(tensor, b.initializers.at(name), where + " initializer " + name);
  }
  ASSERT_EQ(a.value_types.size(), b.value_types.size()) << where;
  for (const auto& [name, type] : a.value_types) {
    ASSERT_TRUE(b.value_types.count(name)) << where << " value " << name;
    expect_same_type(type, b.value_types.at(name), where + " value " + name);
  }
  ASSERT_EQ(a.nodes.size(), b.nodes.size()) << where;
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    const Node& n = a.nodes[i];
    const Node& m = b.nodes[i];
    const std::string at = where + " " + n.describe();
    EXPECT_EQ(n.name, m.name) << at;
    EXPECT_EQ(n.op_type, m.op_type) << at;
    EXPECT_EQ(n.domain, m.domain) << at;
    EXPECT_EQ(n.inputs, m.inputs) << at;
    EXPECT_EQ(n.outputs, m.outputs) << at;
    ASSERT_EQ(n.attributes.size(), m.attributes.size()) << at;
    for (size_t k = 0; k < n.attributes.size(); ++k) {
      expect_same_attribute(n.attributes[k], m.attributes[k],
                            at + " attribute " + n.attributes[k].name);
    }
  }
}

void expect_same_model(const Model& a, const Model& b) {
  EXPECT_EQ(a.ir_version, b.ir_version);
  EXPECT_EQ(a.opset_imports, b.opset_imports);
  expect_same_graph(*a.graph, *b.graph, "main");
}

// --- Models ------------------------------------------------------------------------------------

// One node of a custom domain carrying an attribute of every kind; the loader checks attributes
// against no schema, so the node only has to load.
onnx::ModelProto every_attribute_model() {
  onnx::ModelProto m = base_model();
  auto* custom = m.add_opset_import();
  custom->set_domain("test.writer");
  custom->set_version(3);
  auto* g = m.mutable_graph();
  add_tensor_value(g->add_input(), "x", onnx::TensorProto::FLOAT, {"batch", "2"});
  add_tensor_value(g->add_output(), "y", onnx::TensorProto::FLOAT, {"batch", "2"});
  auto* n = add_node(g, "everything", "Everything", {"x", ""}, {"y", ""}, "test.writer");
  add_attr(n, "f", onnx::AttributeProto::FLOAT)->set_f(-2.5f);
  add_attr(n, "i", onnx::AttributeProto::INT)->set_i(-7);
  add_attr(n, "s", onnx::AttributeProto::STRING)->set_s(std::string("a\0b", 3));
  fill_floats(add_attr(n, "t", onnx::AttributeProto::TENSOR)->mutable_t(), "", {2, 2},
              {1, 2, 3, 4});
  // A subgraph that reads the outer input x.
  auto* then_g = add_attr(n, "g", onnx::AttributeProto::GRAPH)->mutable_g();
  then_g->set_name("g_body");
  add_tensor_value(then_g->add_output(), "g_out", onnx::TensorProto::FLOAT, {"batch", "2"});
  add_node(then_g, "g_relu", "Relu", {"x"}, {"g_out"});
  auto* floats = add_attr(n, "floats", onnx::AttributeProto::FLOATS);
  for (float f : {0.5f, -0.0f, 1e30f}) floats->add_floats(f);
  auto* ints = add_attr(n, "ints", onnx::AttributeProto::INTS);
  for (int64_t i : {int64_t{1}, int64_t{-1}, INT64_MAX}) ints->add_ints(i);
  auto* strings = add_attr(n, "strings", onnx::AttributeProto::STRINGS);
  for (const char* s : {"", "two", "three"}) strings->add_strings(s);
  auto* tensors = add_attr(n, "tensors", onnx::AttributeProto::TENSORS);
  auto* t64 = tensors->add_tensors();
  t64->set_data_type(onnx::TensorProto::INT64);
  t64->add_dims(3);
  for (int64_t v : {5, -6, 7}) t64->add_int64_data(v);
  auto* tstr = tensors->add_tensors();
  tstr->set_data_type(onnx::TensorProto::STRING);
  tstr->add_dims(2);
  tstr->add_string_data("x");
  tstr->add_string_data("yz");
  auto* graphs = add_attr(n, "graphs", onnx::AttributeProto::GRAPHS);
  for (int k = 0; k < 2; ++k) {
    auto* body = graphs->add_graphs();
    body->set_name("branch_" + std::to_string(k));
    add_tensor_value(body->add_input(), "b_in", onnx::TensorProto::FLOAT, {"?"});
    add_tensor_value(body->add_output(), "b_out", onnx::TensorProto::FLOAT, {"?"});
    fill_floats(body->add_initializer(), "b_scale", {1}, {static_cast<float>(k + 2)});
    add_node(body, "b_mul", "Mul", {"b_in", "b_scale"}, {"b_out"});
  }
  auto* tp = add_attr(n, "tp", onnx::AttributeProto::TYPE_PROTO)->mutable_tp();
  const std::vector<std::string> element_dims = {"n", "4"};
  set_tensor_type(tp->mutable_sequence_type()->mutable_elem_type(), onnx::TensorProto::FLOAT16,
                  &element_dims);
  return m;
}

// Inputs and outputs of every type the IR describes, passed through Identity nodes, with
// value_info for the intermediates.
onnx::ModelProto collection_types_model() {
  onnx::ModelProto m = base_model();
  auto* ml = m.add_opset_import();
  ml->set_domain("ai.onnx.ml");
  ml->set_version(3);
  auto* g = m.mutable_graph();
  const std::vector<std::string> seq_dims = {"?", "n"};
  const std::vector<std::string> opt_dims = {"3"};

  auto add_pair = [&](const std::string& name, const std::function<void(onnx::TypeProto*)>& type) {
    auto* in = g->add_input();
    in->set_name(name);
    type(in->mutable_type());
    auto* mid = g->add_value_info();
    mid->set_name(name + "_mid");
    type(mid->mutable_type());
    auto* out = g->add_output();
    out->set_name(name + "_out");
    type(out->mutable_type());
    add_node(g, name + "_copy1", "Identity", {name}, {name + "_mid"});
    add_node(g, name + "_copy2", "Identity", {name + "_mid"}, {name + "_out"});
  };
  add_pair("t", [](onnx::TypeProto* t) {
    const std::vector<std::string> dims = {"batch", "?", "3"};
    set_tensor_type(t, onnx::TensorProto::INT8, &dims);
  });
  add_pair("rankless",
           [](onnx::TypeProto* t) { set_tensor_type(t, onnx::TensorProto::DOUBLE, nullptr); });
  add_pair("seq", [&](onnx::TypeProto* t) {
    set_tensor_type(t->mutable_sequence_type()->mutable_elem_type(), onnx::TensorProto::FLOAT,
                    &seq_dims);
  });
  add_pair("opt", [&](onnx::TypeProto* t) {
    set_tensor_type(t->mutable_optional_type()->mutable_elem_type(), onnx::TensorProto::INT64,
                    &opt_dims);
  });
  add_pair("map", [](onnx::TypeProto* t) {
    auto* map = t->mutable_map_type();
    map->set_key_type(onnx::TensorProto::INT64);
    set_tensor_type(map->mutable_value_type(), onnx::TensorProto::FLOAT, nullptr);
  });
  add_pair("seqmap", [](onnx::TypeProto* t) {
    auto* map = t->mutable_sequence_type()->mutable_elem_type()->mutable_map_type();
    map->set_key_type(onnx::TensorProto::STRING);
    set_tensor_type(map->mutable_value_type(), onnx::TensorProto::FLOAT, nullptr);
  });
  return m;
}

// If whose branches read outer values, followed by a Loop that adds x three times; runs on the
// CPU provider. y = (cond ? relu(x) * w : -x) + 3 * x.
onnx::ModelProto control_flow_model() {
  onnx::ModelProto m = base_model(8, 16);
  auto* g = m.mutable_graph();
  add_tensor_value(g->add_input(), "cond", onnx::TensorProto::BOOL, {});
  add_tensor_value(g->add_input(), "x", onnx::TensorProto::FLOAT, {"n"});
  add_tensor_value(g->add_output(), "y", onnx::TensorProto::FLOAT, {"n"});
  fill_floats(g->add_initializer(), "w", {1}, {1.5f});
  auto* trip = g->add_initializer();
  trip->set_name("trip");
  trip->set_data_type(onnx::TensorProto::INT64);
  trip->add_int64_data(3);
  auto* keep_going = g->add_initializer();
  keep_going->set_name("keep_going");
  keep_going->set_data_type(onnx::TensorProto::BOOL);
  keep_going->add_int32_data(1);

  auto* if_node = add_node(g, "branch", "If", {"cond"}, {"chosen"});
  auto* then_g = add_attr(if_node, "then_branch", onnx::AttributeProto::GRAPH)->mutable_g();
  then_g->set_name("then");
  add_tensor_value(then_g->add_output(), "then_out", onnx::TensorProto::FLOAT, {"n"});
  add_node(then_g, "then_relu", "Relu", {"x"}, {"r"});
  add_node(then_g, "then_mul", "Mul", {"r", "w"}, {"then_out"});
  auto* else_g = add_attr(if_node, "else_branch", onnx::AttributeProto::GRAPH)->mutable_g();
  else_g->set_name("else");
  add_tensor_value(else_g->add_output(), "else_out", onnx::TensorProto::FLOAT, {"n"});
  add_node(else_g, "else_neg", "Neg", {"x"}, {"else_out"});

  auto* loop = add_node(g, "loop", "Loop", {"trip", "keep_going", "chosen"}, {"y"});
  auto* body = add_attr(loop, "body", onnx::AttributeProto::GRAPH)->mutable_g();
  body->set_name("body");
  add_tensor_value(body->add_input(), "i", onnx::TensorProto::INT64, {});
  add_tensor_value(body->add_input(), "c_in", onnx::TensorProto::BOOL, {});
  auto* acc = body->add_input();  // declared without a type, as exporters often do
  acc->set_name("acc");
  add_tensor_value(body->add_output(), "c_out", onnx::TensorProto::BOOL, {});
  add_tensor_value(body->add_output(), "acc_out", onnx::TensorProto::FLOAT, {"n"});
  add_node(body, "body_cond", "Identity", {"c_in"}, {"c_out"});
  add_node(body, "body_add", "Add", {"acc", "x"}, {"acc_out"});
  return m;
}

// Conv -> Identity -> BatchNormalization -> Relu on float32[1,2,4,4]: level 1 removes the
// Identity and folds the BatchNormalization into the Conv.
onnx::ModelProto conv_bn_model() {
  onnx::ModelProto m = base_model();
  auto* g = m.mutable_graph();
  add_tensor_value(g->add_input(), "x", onnx::TensorProto::FLOAT, {"1", "2", "4", "4"});
  add_tensor_value(g->add_output(), "y", onnx::TensorProto::FLOAT, {"1", "3", "4", "4"});
  std::vector<float> w(3 * 2 * 3 * 3);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>((i * 7) % 11) * 0.1f - 0.5f;
  fill_floats(g->add_initializer(), "w", {3, 2, 3, 3}, w);
  fill_floats(g->add_initializer(), "b", {3}, {0.1f, -0.2f, 0.3f});
  fill_floats(g->add_initializer(), "gamma", {3}, {1.5f, 0.5f, -1.0f});
  fill_floats(g->add_initializer(), "beta", {3}, {0.0f, 0.25f, -0.5f});
  fill_floats(g->add_initializer(), "mean", {3}, {0.2f, -0.1f, 0.05f});
  fill_floats(g->add_initializer(), "var", {3}, {1.0f, 0.25f, 2.0f});
  auto* conv = add_node(g, "conv", "Conv", {"x", "w", "b"}, {"c"});
  auto* pads = add_attr(conv, "pads", onnx::AttributeProto::INTS);
  for (int k = 0; k < 4; ++k) pads->add_ints(1);
  add_node(g, "copy", "Identity", {"c"}, {"c2"});
  add_node(g, "bn", "BatchNormalization", {"c2", "gamma", "beta", "mean", "var"}, {"n"});
  add_node(g, "relu", "Relu", {"n"}, {"y"});
  return m;
}

std::vector<Tensor> run(const std::string& bytes, const std::string& base_dir,
                        const std::map<std::string, Tensor>& feeds, int opt_level = 0) {
  SessionOptions options;
  options.optimization.level = opt_level;
  const Session session(Environment(), bytes, "model.onnx", base_dir, options);
  return session.run(feeds);
}

void expect_same_outputs(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    expect_same_tensor(a[i], b[i], "output " + std::to_string(i));
}

Tensor ramp(std::vector<int64_t> dims, float scale) {
  Shape shape(dims);
  std::vector<float> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = (static_cast<float>(i % 13) - 6.0f) * scale;
  return Tensor::from_vector<float>(shape, v);
}

// --- In-memory round trips ---------------------------------------------------------------------

TEST(ModelWriter, EveryAttributeKindRoundTrips) {
  const Model model = load(every_attribute_model());
  const Model written = round_trip(model);
  expect_same_model(model, written);
  const Node& node = written.graph->nodes.at(0);
  EXPECT_EQ(node.attr_string("s"), std::string("a\0b", 3));
  EXPECT_EQ(node.attr_graph("g")->parent, written.graph.get());
  EXPECT_EQ(node.find_attribute("tp")->type_proto.to_string(), "seq(float16[n,4])");
  EXPECT_EQ(node.inputs, (std::vector<std::string>{"x", ""}));
  EXPECT_EQ(written.producer_name, "aruntime");
  EXPECT_EQ(written.producer_version, std::string(kAruntimeVersion));
}

TEST(ModelWriter, WritesTheDefaultDomainAsEmptyAndKeepsOtherImports) {
  onnx::ModelProto m = every_attribute_model();
  m.mutable_opset_import(0)->set_domain("ai.onnx");
  onnx::ModelProto written;
  model_to_proto(load(m), written);
  std::map<std::string, int64_t> imports;
  for (const auto& opset : written.opset_import()) imports[opset.domain()] = opset.version();
  EXPECT_EQ(imports, (std::map<std::string, int64_t>{{"", 17}, {"test.writer", 3}}));
  EXPECT_EQ(written.graph().node(0).domain(), "test.writer");
  EXPECT_EQ(written.graph().node(0).attribute(4).name(), "g");
  EXPECT_EQ(written.graph().node(0).attribute(4).g().node(0).domain(), "");
  EXPECT_EQ(written.ir_version(), 8);
}

TEST(ModelWriter, CollectionTypesAndSymbolicDimsRoundTrip) {
  const Model model = load(collection_types_model());
  EXPECT_EQ(model.graph->value_types.at("seqmap_mid").to_string(), "seq(map(string,float32))");
  const Model written = round_trip(model);
  expect_same_model(model, written);
  const auto& types = written.graph->value_types;
  EXPECT_EQ(types.at("t_mid").to_string(), "int8[batch,?,3]");
  EXPECT_EQ(types.at("rankless_mid").to_string(), "float64");
  EXPECT_EQ(types.at("seq_mid").to_string(), "seq(float32[?,n])");
  EXPECT_EQ(types.at("opt_mid").to_string(), "optional(int64[3])");
  EXPECT_EQ(types.at("map_mid").to_string(), "map(int64,float32)");
  EXPECT_EQ(types.at("seqmap_out").to_string(), "seq(map(string,float32))");

  // The TypeProto fields themselves: an unknown dim has neither value nor parameter.
  onnx::ModelProto proto;
  model_to_proto(model, proto);
  const auto& t_in = proto.graph().input(0).type().tensor_type();
  ASSERT_EQ(t_in.shape().dim_size(), 3);
  EXPECT_EQ(t_in.shape().dim(0).dim_param(), "batch");
  EXPECT_FALSE(t_in.shape().dim(1).has_dim_value());
  EXPECT_FALSE(t_in.shape().dim(1).has_dim_param());
  EXPECT_EQ(t_in.shape().dim(2).dim_value(), 3);
  EXPECT_FALSE(proto.graph().input(1).type().tensor_type().has_shape());
}

// y = relu(x @ w), x: float32[batch,4]; nothing declares the intermediate's type.
onnx::ModelProto matmul_relu_model() {
  onnx::ModelProto m = base_model();
  auto* g = m.mutable_graph();
  add_tensor_value(g->add_input(), "x", onnx::TensorProto::FLOAT, {"batch", "4"});
  add_tensor_value(g->add_output(), "y", onnx::TensorProto::FLOAT, {"batch", "3"});
  std::vector<float> w(12, 0.5f);
  fill_floats(g->add_initializer(), "w", {4, 3}, w);
  add_node(g, "mm", "MatMul", {"x", "w"}, {"h"});
  add_node(g, "relu", "Relu", {"h"}, {"y"});
  return m;
}

TEST(ModelWriter, WritesInferredTypesOfIntermediatesButNotStaleOnes) {
  Model model = load(matmul_relu_model());
  EXPECT_FALSE(model.graph->value_types.count("h"));
  infer_types(*model.graph);
  infer_shapes(*model.graph);
  // An entry for a value no node produces (as a pass that removed it might leave behind).
  model.graph->value_types["gone"] = TypeInfo{ValueKind::kTensor, DataType::kFloat32, std::nullopt};

  onnx::ModelProto proto;
  model_to_proto(model, proto);
  ASSERT_EQ(proto.graph().value_info_size(), 1);
  EXPECT_EQ(proto.graph().value_info(0).name(), "h");
  const Model written = round_trip(model);
  EXPECT_EQ(written.graph->value_types.at("h").to_string(), "float32[batch,3]");
  EXPECT_FALSE(written.graph->value_types.count("gone"));
}

TEST(ModelWriter, UntypedOutputsGetTheInferredTypeAndUntypedInputsStayUntyped) {
  const Model model = load(control_flow_model());
  const Graph& body = *model.graph->nodes.at(1).attr_graph("body");
  EXPECT_EQ(body.inputs.at(2).type.kind, ValueKind::kUnknown);
  onnx::ModelProto proto;
  model_to_proto(model, proto);
  const onnx::GraphProto& body_proto = proto.graph().node(1).attribute(0).g();
  EXPECT_EQ(body_proto.input(2).name(), "acc");
  EXPECT_FALSE(body_proto.input(2).has_type());

  onnx::ModelProto m = matmul_relu_model();
  m.mutable_graph()->mutable_output(0)->clear_type();
  Model untyped = load(m);
  EXPECT_EQ(untyped.graph->outputs[0].type.kind, ValueKind::kUnknown);
  model_to_proto(untyped, proto);
  EXPECT_FALSE(proto.graph().output(0).has_type());
  infer_types(*untyped.graph);
  infer_shapes(*untyped.graph);
  model_to_proto(untyped, proto);
  ASSERT_TRUE(proto.graph().output(0).has_type());
  EXPECT_EQ(load(proto).graph->outputs[0].type.to_string(), "float32[batch,3]");
}

TEST(ModelWriter, ControlFlowModelRunsTheSameFromTheWrittenBytes) {
  const onnx::ModelProto m = control_flow_model();
  const Model model = load(m);
  const Model written = round_trip(model);
  expect_same_model(model, written);
  const std::string bytes = serialize_model(model);
  for (bool cond : {true, false}) {
    const std::map<std::string, Tensor> feeds = {
        {"cond", Tensor::scalar(cond)},
        {"x", Tensor::from_vector<float>(Shape{4}, {-1, 0.5f, 2, -3})}};
    const std::vector<Tensor> expected = run(m.SerializeAsString(), "", feeds);
    // Hand-derived: cond: 1.5 * relu(x) + 3x; else: -x + 3x = 2x.
    const std::vector<float> by_hand =
        cond ? std::vector<float>{-3, 2.25f, 9, -9} : std::vector<float>{-2, 1, 4, -6};
    ASSERT_EQ(expected.size(), 1u);
    for (size_t i = 0; i < by_hand.size(); ++i)
      EXPECT_FLOAT_EQ(expected[0].data<float>()[i], by_hand[i]);
    expect_same_outputs(expected, run(bytes, "", feeds));
  }
}

TEST(ModelWriter, ADenseSparseConstantIsWrittenAsValue) {
  onnx::ModelProto m = base_model();
  auto* g = m.mutable_graph();
  add_tensor_value(g->add_output(), "c", onnx::TensorProto::FLOAT, {"4"});
  auto* constant = add_node(g, "const", "Constant", {}, {"c"});
  auto* sparse = add_attr(constant, "sparse_value", onnx::AttributeProto::SPARSE_TENSOR)
                     ->mutable_sparse_tensor();
  sparse->add_dims(4);
  fill_floats(sparse->mutable_values(), "", {1}, {7.5f});
  auto* indices = sparse->mutable_indices();
  indices->set_data_type(onnx::TensorProto::INT64);
  indices->add_dims(1);
  indices->add_int64_data(2);
  const Model model = load(m);
  onnx::ModelProto proto;
  model_to_proto(model, proto);
  ASSERT_EQ(proto.graph().node(0).attribute_size(), 1);
  EXPECT_EQ(proto.graph().node(0).attribute(0).name(), "value");
  EXPECT_EQ(proto.graph().node(0).attribute(0).type(), onnx::AttributeProto::TENSOR);
  const std::vector<Tensor> out = run(proto.SerializeAsString(), "", {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::vector<float>(out[0].data<float>(), out[0].data<float>() + 4),
            (std::vector<float>{0, 0, 7.5f, 0}));
}

TEST(ModelWriter, OldIrVersionIsRaisedWhenInitializersAreNotInputs) {
  onnx::ModelProto m = base_model(3, 7);
  auto* g = m.mutable_graph();
  add_tensor_value(g->add_input(), "x", onnx::TensorProto::FLOAT, {"2"});
  add_tensor_value(g->add_input(), "b", onnx::TensorProto::FLOAT, {"2"});
  add_tensor_value(g->add_output(), "y", onnx::TensorProto::FLOAT, {"2"});
  fill_floats(g->add_initializer(), "b", {2}, {1, 2});
  add_node(g, "add", "Add", {"x", "b"}, {"y"});
  Model model = load(m);
  onnx::ModelProto proto;
  // Loading an IR-3 model makes its initializers constants (not inputs, as onnxruntime treats
  // them), and IR 3 needs every initializer listed as an input, so the file says IR 4.
  model_to_proto(model, proto);
  EXPECT_EQ(proto.ir_version(), 4);
  ASSERT_EQ(proto.graph().input_size(), 1);
  EXPECT_EQ(proto.graph().input(0).name(), "x");
}

TEST(ModelWriter, ImportsDomainsOfNodesTheModelDoesNotImport) {
  Model model = load(collection_types_model());
  model.graph->nodes.at(0).domain = "com.aruntime";
  onnx::ModelProto proto;
  model_to_proto(model, proto);
  std::map<std::string, int64_t> imports;
  for (const auto& opset : proto.opset_import()) imports[opset.domain()] = opset.version();
  EXPECT_EQ(imports,
            (std::map<std::string, int64_t>{{"", 17}, {"ai.onnx.ml", 3}, {"com.aruntime", 1}}));
}

TEST(ModelWriter, OptimizedModelReloadsAndComputesTheSame) {
  const onnx::ModelProto m = conv_bn_model();
  Model model = load(m);
  infer_types(*model.graph);
  infer_shapes(*model.graph);
  optimizer::OptimizerOptions options;
  options.level = optimizer::Level::kBasic;
  const optimizer::OptimizationReport report = optimizer::optimize(model, options);
  EXPECT_EQ(report.nodes_before, 4u);
  EXPECT_EQ(report.nodes_after, 2u);
  const std::string bytes = serialize_model(model);
  const Model written = load_model_from_bytes(bytes, "written.onnx", "");
  ASSERT_EQ(written.graph->nodes.size(), 2u);
  EXPECT_EQ(written.graph->nodes[0].op_type, "Conv");
  EXPECT_EQ(written.graph->nodes[1].op_type, "Relu");
  // The folded weights replace the originals, which nothing reads any more.
  EXPECT_FALSE(written.graph->initializers.count("gamma"));
  EXPECT_EQ(written.graph->value_types.at(written.graph->nodes[0].outputs[0]).to_string(),
            "float32[1,3,4,4]");

  const std::map<std::string, Tensor> feeds = {{"x", ramp({1, 2, 4, 4}, 0.25f)}};
  const std::vector<Tensor> original = run(m.SerializeAsString(), "", feeds);
  const std::vector<Tensor> optimized = run(bytes, "", feeds);
  ASSERT_EQ(original.size(), 1u);
  ASSERT_EQ(optimized.size(), 1u);
  // Folding changes the rounding (W·s computed once in double instead of BN after Conv).
  for (int64_t i = 0; i < original[0].num_elements(); ++i) {
    EXPECT_NEAR(optimized[0].data<float>()[i], original[0].data<float>()[i],
                1e-5f * (1.0f + std::abs(original[0].data<float>()[i])));
  }
}

// --- Refusals ----------------------------------------------------------------------------------

Attribute& attribute_named(Node& node, const std::string& name) {
  for (Attribute& a : node.attributes) {
    if (a.name == name) return a;
  }
  throw std::runtime_error("no attribute " + name);
}

std::string error_of(const std::function<void()>& f, ErrorCode expected_code) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), expected_code) << e.what();
    return e.what();
  }
  return "(no error)";
}

TEST(ModelWriter, RefusesWhatOnnxCannotExpressAsTheIrHoldsIt) {
  Model model = load(collection_types_model());
  model.graph->inputs[0].type.kind = ValueKind::kUnknown;  // e.g. a sparse tensor input
  EXPECT_EQ(error_of([&] { serialize_model(model); }, ErrorCode::kInvalidArgument),
            "m.onnx: graph input 't' has a type aruntime does not describe (a sparse tensor or a "
            "nested collection)");

  model = load(collection_types_model());
  model.graph->outputs[0].type.dtype = DataType::kUndefined;  // an unsupported element type
  EXPECT_EQ(error_of([&] { serialize_model(model); }, ErrorCode::kInvalidArgument),
            "m.onnx: graph output 't_out' has no element type aruntime supports");

  model = load(every_attribute_model());
  Graph& branch = *attribute_named(model.graph->nodes[0], "graphs").graphs[1];
  branch.nodes[0].attributes.push_back(Attribute{});
  branch.nodes[0].attributes.back().name = "broken";
  EXPECT_EQ(error_of([&] { serialize_model(model); }, ErrorCode::kInvalidArgument),
            "m.onnx: node 'b_mul_2' (Mul) in subgraph 'graphs' of node 'everything' (Everything, "
            "domain test.writer) attribute 'broken' has no type");
}

// --- Files and external data -------------------------------------------------------------------

class ModelWriterFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("aruntime_model_writer_test_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static onnx::ModelProto read_proto(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    onnx::ModelProto proto;
    EXPECT_TRUE(proto.ParseFromIstream(&in)) << path;
    return proto;
  }

  static std::map<std::string, std::string> external_entries(const onnx::TensorProto& t) {
    std::map<std::string, std::string> entries;
    for (const auto& e : t.external_data()) entries[e.key()] = e.value();
    return entries;
  }

  fs::path dir_;
};

// y = x * big + mid + small + (int4 weights dequantized), big and mid above 1024 bytes, so the
// data file holds two tensors, the second at an aligned offset.
onnx::ModelProto external_candidates_model() {
  onnx::ModelProto m = base_model(10, 21);
  auto* g = m.mutable_graph();
  add_tensor_value(g->add_input(), "x", onnx::TensorProto::FLOAT, {"300"});
  add_tensor_value(g->add_output(), "y", onnx::TensorProto::FLOAT, {"300"});
  std::vector<float> big(300), mid(300);
  for (size_t i = 0; i < 300; ++i) {
    big[i] = static_cast<float>(i) * 0.01f - 1.0f;
    mid[i] = static_cast<float>(i % 7) - 3.0f;
  }
  fill_floats(g->add_initializer(), "big", {300}, big);
  fill_floats(g->add_initializer(), "mid", {300}, mid);
  fill_floats(g->add_initializer(), "small", {1}, {0.5f});
  // 2500 int4 weights (1250 packed bytes) dequantized with scale 0.5.
  auto* q = g->add_initializer();
  q->set_name("q");
  q->set_data_type(22);  // INT4, newer than the enum of the installed onnx headers
  q->add_dims(2500);
  std::string packed(1250, '\0');
  for (size_t i = 0; i < packed.size(); ++i)
    packed[i] = static_cast<char>(((i % 16) << 4) | ((i * 3) % 16));
  q->set_raw_data(packed);
  fill_floats(g->add_initializer(), "q_scale", {}, {0.5f});
  add_node(g, "mul", "Mul", {"x", "big"}, {"a"});
  add_node(g, "add_mid", "Add", {"a", "mid"}, {"b"});
  add_node(g, "add_small", "Add", {"b", "small"}, {"c"});
  add_node(g, "deq", "DequantizeLinear", {"q", "q_scale"}, {"dq"});
  auto* slice_starts = g->add_initializer();
  slice_starts->set_name("starts");
  slice_starts->set_data_type(onnx::TensorProto::INT64);
  slice_starts->add_dims(1);
  slice_starts->add_int64_data(100);
  auto* slice_ends = g->add_initializer();
  slice_ends->set_name("ends");
  slice_ends->set_data_type(onnx::TensorProto::INT64);
  slice_ends->add_dims(1);
  slice_ends->add_int64_data(400);
  add_node(g, "slice", "Slice", {"dq", "starts", "ends"}, {"dq300"});
  add_node(g, "add_q", "Add", {"c", "dq300"}, {"y"});
  return m;
}

TEST_F(ModelWriterFiles, LargeInitializersGoToOneAlignedExternalFileAndLoadBack) {
  const onnx::ModelProto m = external_candidates_model();
  const Model model = load(m);
  const std::string path = (dir_ / "model.onnx").string();
  ModelWriteOptions options;
  options.external_data = true;
  options.external_threshold_bytes = 1024;
  const ModelWriteResult result = write_model(model, path, options);
  EXPECT_EQ(result.external_path, (dir_ / "model.onnx.data").string());
  EXPECT_EQ(result.external_tensors, 3u);
  EXPECT_EQ(result.model_bytes, fs::file_size(path));
  EXPECT_EQ(result.external_bytes, fs::file_size(dir_ / "model.onnx.data"));

  // Initializers are written in name order: big (1200 bytes at 0), mid (1200 bytes at 1216, the
  // next multiple of 64), q (1250 packed bytes at 2432); small and the int64 slice bounds stay.
  const onnx::ModelProto proto = read_proto(path);
  std::map<std::string, const onnx::TensorProto*> by_name;
  for (const auto& t : proto.graph().initializer()) by_name[t.name()] = &t;
  using Entries = std::map<std::string, std::string>;
  EXPECT_EQ(external_entries(*by_name.at("big")),
            (Entries{{"location", "model.onnx.data"}, {"offset", "0"}, {"length", "1200"}}));
  EXPECT_EQ(external_entries(*by_name.at("mid")),
            (Entries{{"location", "model.onnx.data"}, {"offset", "1216"}, {"length", "1200"}}));
  EXPECT_EQ(external_entries(*by_name.at("q")),
            (Entries{{"location", "model.onnx.data"}, {"offset", "2432"}, {"length", "1250"}}));
  EXPECT_EQ(result.external_bytes, 2432u + 1250u);
  for (const char* inline_name : {"small", "starts", "ends", "q_scale"}) {
    EXPECT_NE(by_name.at(inline_name)->data_location(), onnx::TensorProto::EXTERNAL) << inline_name;
    EXPECT_TRUE(by_name.at(inline_name)->has_raw_data()) << inline_name;
  }
  EXPECT_FALSE(by_name.at("big")->has_raw_data());

  const Model reloaded = load_model(path);
  expect_same_model(model, reloaded);
  const std::map<std::string, Tensor> feeds = {{"x", ramp({300}, 0.5f)}};
  expect_same_outputs(run(m.SerializeAsString(), "", feeds),
                      run(serialize_model(reloaded), "", feeds));
}

TEST_F(ModelWriterFiles, WithoutExternalDataEverythingStaysInline) {
  const Model model = load(external_candidates_model());
  const std::string path = (dir_ / "inline.onnx").string();
  const ModelWriteResult result = write_model(model, path);
  EXPECT_TRUE(result.external_path.empty());
  EXPECT_FALSE(fs::exists(dir_ / "inline.onnx.data"));
  const onnx::ModelProto proto = read_proto(path);
  for (const auto& t : proto.graph().initializer()) {
    EXPECT_NE(t.data_location(), onnx::TensorProto::EXTERNAL) << t.name();
  }
  expect_same_model(model, load_model(path));

  // A threshold nothing reaches: no data file either.
  ModelWriteOptions options;
  options.external_data = true;
  options.external_threshold_bytes = 1 << 20;
  EXPECT_TRUE(write_model(model, path, options).external_path.empty());
  EXPECT_FALSE(fs::exists(dir_ / "inline.onnx.data"));
}

TEST_F(ModelWriterFiles, ExternalDataInSubgraphsAndACustomLocation) {
  onnx::ModelProto m = control_flow_model();
  auto* then_g = m.mutable_graph()->mutable_node(0)->mutable_attribute(0)->mutable_g();
  std::vector<float> weights(400, 0.25f);
  fill_floats(then_g->add_initializer(), "then_w", {400}, weights);
  const Model model = load(m);
  fs::create_directories(dir_ / "weights");
  ModelWriteOptions options;
  options.external_data = true;
  options.external_location = "weights/cf.bin";
  options.external_alignment = 4096;
  const ModelWriteResult result = write_model(model, (dir_ / "cf.onnx").string(), options);
  EXPECT_EQ(result.external_tensors, 1u);
  EXPECT_EQ(result.external_bytes, 1600u);
  const onnx::ModelProto proto = read_proto(dir_ / "cf.onnx");
  const auto& then_w = proto.graph().node(0).attribute(0).g().initializer(0);
  EXPECT_EQ(external_entries(then_w).at("location"), "weights/cf.bin");
  expect_same_model(model, load_model((dir_ / "cf.onnx").string()));
}

TEST_F(ModelWriterFiles, RefusesBadLocationsAndUnwritablePaths) {
  const Model model = load(external_candidates_model());
  const std::string path = (dir_ / "m.onnx").string();
  ModelWriteOptions options;
  options.external_data = true;
  options.external_location = "../outside.data";
  EXPECT_CONTAINS(error_of([&] { write_model(model, path, options); }, ErrorCode::kInvalidArgument),
                  "must stay inside the model's folder");
  options.external_location = (dir_ / "abs.data").string();
  EXPECT_CONTAINS(error_of([&] { write_model(model, path, options); }, ErrorCode::kInvalidArgument),
                  "must be relative to the model's folder");
  options.external_location = "m.onnx";
  EXPECT_CONTAINS(error_of([&] { write_model(model, path, options); }, ErrorCode::kInvalidArgument),
                  "would overwrite the model itself");
  options.external_location = "";
  options.external_alignment = 48;
  EXPECT_CONTAINS(error_of([&] { write_model(model, path, options); }, ErrorCode::kInvalidArgument),
                  "alignment 48 is not a power of two");
  EXPECT_FALSE(fs::exists(path));

  const std::string missing_dir = (dir_ / "no_such_dir" / "m.onnx").string();
  EXPECT_CONTAINS(error_of([&] { write_model(model, missing_dir); }, ErrorCode::kIoError),
                  missing_dir + ": cannot open for writing");
}

}  // namespace
}  // namespace aruntime
