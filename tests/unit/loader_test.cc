// Model loading: ModelProtos are built here with the ONNX protobuf API, serialized and loaded, so
// each test states exactly which (mal)formation it exercises. Every refusal must be one line that
// starts with the model's origin and names the node or value involved.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "graph/loader.h"

namespace aruntime {
namespace {

namespace fs = std::filesystem;

constexpr const char* kOrigin = "m.onnx";

struct Failure {
  ErrorCode code = ErrorCode::kOk;
  std::string message;
};

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

void add_tensor_value(onnx::ValueInfoProto* v, const std::string& name, int elem_type,
                      std::vector<std::string> dims) {
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(elem_type);
  auto* shape = t->mutable_shape();
  for (const auto& d : dims) {
    auto* dim = shape->add_dim();
    if (d == "?") continue;  // neither value nor parameter: unknown
    if (std::isdigit(static_cast<unsigned char>(d[0]))) {
      dim->set_dim_value(std::stoll(d));
    } else {
      dim->set_dim_param(d);
    }
  }
}

void add_float_input(onnx::GraphProto* g, const std::string& name) {
  add_tensor_value(g->add_input(), name, onnx::TensorProto::FLOAT, {"2"});
}
void add_float_output(onnx::GraphProto* g, const std::string& name) {
  add_tensor_value(g->add_output(), name, onnx::TensorProto::FLOAT, {"2"});
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

onnx::TensorProto* add_float_initializer(onnx::GraphProto* g, const std::string& name,
                                         std::vector<float> values) {
  auto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(static_cast<int64_t>(values.size()));
  for (float v : values) t->add_float_data(v);
  return t;
}

onnx::ModelProto base_model(int64_t opset = 17) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("loader_test");
  m.set_producer_version("1.0");
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  m.mutable_graph()->set_name("g");
  return m;
}

// x -> Relu -> y, the smallest valid model; tests break it in one place each.
onnx::ModelProto relu_model() {
  onnx::ModelProto m = base_model();
  auto* g = m.mutable_graph();
  add_float_input(g, "x");
  add_float_output(g, "y");
  add_node(g, "relu", "Relu", {"x"}, {"y"});
  return m;
}

Model load(const onnx::ModelProto& m, const std::string& base_dir = "") {
  return load_model_from_bytes(m.SerializeAsString(), kOrigin, base_dir);
}

Failure bytes_failure(const std::string& bytes, const std::string& base_dir = "") {
  try {
    load_model_from_bytes(bytes, kOrigin, base_dir);
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(std::string(kOrigin) + ": ", 0), 0u) << "no origin prefix: " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
    return {e.code(), message};
  }
  ADD_FAILURE() << "the model loaded";
  return {};
}

Failure load_failure(const onnx::ModelProto& m, const std::string& base_dir = "") {
  return bytes_failure(m.SerializeAsString(), base_dir);
}

const Node& node_named(const Graph& g, const std::string& name) {
  for (const auto& n : g.nodes) {
    if (n.name == name) return n;
  }
  throw std::runtime_error("no node " + name);
}

// --- Conversion --------------------------------------------------------------------------------

TEST(LoaderModel, ReadsHeaderAndNormalisesTheDefaultDomain) {
  onnx::ModelProto m = relu_model();
  m.mutable_opset_import(0)->set_domain("ai.onnx");
  auto* ml = m.add_opset_import();
  ml->set_domain("ai.onnx.ml");
  ml->set_version(3);
  m.mutable_graph()->mutable_node(0)->set_domain("ai.onnx");
  Model model = load(m);
  EXPECT_EQ(model.ir_version, 8);
  EXPECT_EQ(model.opset(""), 17);
  EXPECT_EQ(model.opset("ai.onnx.ml"), 3);
  EXPECT_EQ(model.opset_imports.count("ai.onnx"), 0u);
  EXPECT_EQ(model.producer_name, "loader_test");
  EXPECT_EQ(model.producer_version, "1.0");
  EXPECT_EQ(model.origin, kOrigin);
  ASSERT_TRUE(model.graph);
  EXPECT_EQ(model.graph->name, "g");
  ASSERT_EQ(model.graph->nodes.size(), 1u);
  EXPECT_EQ(model.graph->nodes[0].domain, "");
  EXPECT_EQ(model.graph->parent, nullptr);
}

TEST(LoaderModel, NamesUnnamedNodesUniquely) {
  onnx::ModelProto m = base_model();
  auto* g = m.mutable_graph();
  add_float_input(g, "x");
  add_float_output(g, "d");
  add_node(g, "", "Relu", {"x"}, {"a"});         // -> Relu_0
  add_node(g, "Relu_0_2", "Neg", {"a"}, {"b"});  // explicit name that a fallback would pick
  add_node(g, "", "Relu", {"b"}, {"c"});         // -> Relu_2
  add_node(g, "Relu_0", "Neg", {"c"}, {"d"});    // explicit, collides with the generated name
  Model model = load(m);
  std::vector<std::string> names;
  for (const auto& n : model.graph->nodes) names.push_back(n.name);
  // The explicit "Relu_0" is claimed first, so the unnamed first node falls back to "Relu_0_3".
  EXPECT_EQ(names, (std::vector<std::string>{"Relu_0_3", "Relu_0_2", "Relu_2", "Relu_0"}));
}

TEST(LoaderModel, RenamesLaterDuplicateNodeNames) {
  onnx::ModelProto m = base_model();
  auto* g = m.mutable_graph();
  add_float_input(g, "x");
  add_float_output(g, "b");
  add_node(g, "n", "Relu", {"x"}, {"a"});
  add_node(g, "n", "Neg", {"a"}, {"b"});
  Model model = load(m);
  EXPECT_EQ(model.graph->nodes[0].name, "n");
  EXPECT_EQ(model.graph->nodes[1].name, "n_2");
}

TEST(LoaderModel, ConvertsValueTypesWithSymbolicDims) {
  onnx::ModelProto m = relu_model();
  auto* g = m.mutable_graph();
  g->clear_input();
  add_tensor_value(g->add_input(), "x", onnx::TensorProto::FLOAT, {"batch", "3", "?"});
  auto* no_shape = g->add_input();
  no_shape->set_name("s");
  no_shape->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::INT64);
  auto* seq = g->add_input();
  seq->set_name("q");
  seq->mutable_type()
      ->mutable_sequence_type()
      ->mutable_elem_type()
      ->mutable_tensor_type()
      ->set_elem_type(onnx::TensorProto::INT32);
  auto* opt = g->add_input();
  opt->set_name("o");
  opt->mutable_type()
      ->mutable_optional_type()
      ->mutable_elem_type()
      ->mutable_tensor_type()
      ->set_elem_type(onnx::TensorProto::DOUBLE);
  auto* map = g->add_input();
  map->set_name("mp");
  map->mutable_type()->mutable_map_type()->set_key_type(onnx::TensorProto::STRING);
  map->mutable_type()
      ->mutable_map_type()
      ->mutable_value_type()
      ->mutable_tensor_type()
      ->set_elem_type(onnx::TensorProto::FLOAT);
  // float8e8m0 (24) values load with an undefined element type; only initializers must be supported.
  add_tensor_value(g->add_input(), "f8", 24, {"4"});
  add_tensor_value(g->add_value_info(), "mid", onnx::TensorProto::FLOAT16, {"7"});
  auto* untyped = g->add_input();
  untyped->set_name("untyped");
  add_float_initializer(g, "w", {1, 2, 3});

  Model model = load(m);
  const Graph& graph = *model.graph;
  ASSERT_EQ(graph.inputs.size(), 7u);
  const TypeInfo& x = graph.inputs[0].type;
  EXPECT_EQ(x.kind, ValueKind::kTensor);
  EXPECT_EQ(x.dtype, DataType::kFloat32);
  ASSERT_TRUE(x.shape.has_value());
  ASSERT_EQ(x.shape->size(), 3u);
  EXPECT_EQ((*x.shape)[0].symbol, "batch");
  EXPECT_FALSE((*x.shape)[0].is_static());
  EXPECT_EQ((*x.shape)[1].value, 3);
  EXPECT_FALSE((*x.shape)[2].is_static());
  EXPECT_TRUE((*x.shape)[2].symbol.empty());
  EXPECT_EQ(x.to_string(), "float32[batch,3,?]");
  EXPECT_FALSE(graph.inputs[1].type.shape.has_value());
  EXPECT_EQ(graph.inputs[1].type.dtype, DataType::kInt64);
  EXPECT_EQ(graph.inputs[2].type.kind, ValueKind::kSequence);
  EXPECT_EQ(graph.inputs[2].type.dtype, DataType::kInt32);
  EXPECT_EQ(graph.inputs[3].type.kind, ValueKind::kOptional);
  EXPECT_EQ(graph.inputs[3].type.dtype, DataType::kFloat64);
  EXPECT_EQ(graph.inputs[4].type.kind, ValueKind::kMap);
  EXPECT_EQ(graph.inputs[4].type.dtype, DataType::kFloat32);
  EXPECT_EQ(graph.inputs[5].type.dtype, DataType::kUndefined);
  EXPECT_EQ(graph.inputs[6].type.kind, ValueKind::kUnknown);
  EXPECT_EQ(graph.value_types.count("untyped"), 0u);
  EXPECT_EQ(graph.value_types.at("mid").to_string(), "float16[7]");
  EXPECT_EQ(graph.value_types.at("y").dtype, DataType::kFloat32);
  EXPECT_EQ(graph.value_types.at("w").to_string(), "float32[3]");
  ASSERT_TRUE(graph.constant("w"));
  EXPECT_EQ(graph.constant("w")->data<float>()[2], 3.0f);
}

TEST(LoaderModel, NestedContainerTypesAreKeptOrMarkedUnknown) {
  onnx::ModelProto m = relu_model();
  auto* g = m.mutable_graph();
  // optional(seq(float)): an optional holding a sequence.
  auto* opt_seq = g->add_value_info();
  opt_seq->set_name("opt_seq");
  opt_seq->mutable_type()->mutable_optional_type()->mutable_elem_type()->mutable_sequence_type()
      ->mutable_elem_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  // seq(seq(float)): deeper than TypeInfo describes.
  auto* seq_seq = g->add_value_info();
  seq_seq->set_name("seq_seq");
  seq_seq->mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_sequence_type()
      ->mutable_elem_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  Model model = load(m);
  const TypeInfo& os = model.graph->value_types.at("opt_seq");
  EXPECT_EQ(os.kind, ValueKind::kOptional);
  EXPECT_EQ(os.element_kind, ValueKind::kSequence);
  EXPECT_EQ(os.to_string(), "optional(seq(float32))");
  EXPECT_EQ(model.graph->value_types.at("seq_seq").kind, ValueKind::kUnknown);
}

TEST(LoaderModel, ConvertsEveryAttributeType) {
  onnx::ModelProto m = relu_model();
  auto* n = m.mutable_graph()->mutable_node(0);
  add_attr(n, "f", onnx::AttributeProto::FLOAT)->set_f(0.5f);
  add_attr(n, "i", onnx::AttributeProto::INT)->set_i(-7);
  add_attr(n, "s", onnx::AttributeProto::STRING)->set_s("text");
  auto* floats = add_attr(n, "fs", onnx::AttributeProto::FLOATS);
  floats->add_floats(1.0f);
  floats->add_floats(2.0f);
  auto* ints = add_attr(n, "is", onnx::AttributeProto::INTS);
  ints->add_ints(3);
  auto* strings = add_attr(n, "ss", onnx::AttributeProto::STRINGS);
  strings->add_strings("a");
  strings->add_strings("b");
  auto* t = add_attr(n, "t", onnx::AttributeProto::TENSOR)->mutable_t();
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(2);
  t->add_int64_data(10);
  t->add_int64_data(20);
  auto* ts = add_attr(n, "ts", onnx::AttributeProto::TENSORS)->add_tensors();
  ts->set_data_type(onnx::TensorProto::FLOAT);
  ts->add_float_data(4.0f);
  auto* tp = add_attr(n, "tp", onnx::AttributeProto::TYPE_PROTO)->mutable_tp();
  tp->mutable_tensor_type()->set_elem_type(onnx::TensorProto::BOOL);
  auto* sparse = add_attr(n, "sp", onnx::AttributeProto::SPARSE_TENSOR)->mutable_sparse_tensor();
  sparse->add_dims(3);
  sparse->mutable_values()->set_data_type(onnx::TensorProto::FLOAT);
  sparse->mutable_values()->add_dims(1);
  sparse->mutable_values()->add_float_data(9.0f);
  sparse->mutable_indices()->set_data_type(onnx::TensorProto::INT64);
  sparse->mutable_indices()->add_dims(1);
  sparse->mutable_indices()->add_int64_data(2);
  // Old exporters leave `type` unset; the type follows from the field that holds the value.
  auto* untyped = n->add_attribute();
  untyped->set_name("legacy");
  untyped->add_ints(5);
  untyped->add_ints(6);

  Model model = load(m);
  const Node& node = model.graph->nodes[0];
  EXPECT_EQ(node.attr_float("f"), 0.5f);
  EXPECT_EQ(node.attr_int("i"), -7);
  EXPECT_EQ(node.attr_string("s"), "text");
  EXPECT_EQ(node.attr_floats("fs"), (std::vector<float>{1.0f, 2.0f}));
  EXPECT_EQ(node.attr_ints("is"), (std::vector<int64_t>{3}));
  EXPECT_EQ(node.attr_strings("ss"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(node.attr_tensor("t").to_int64_vector(), (std::vector<int64_t>{10, 20}));
  const Attribute* tensors = node.find_attribute("ts");
  ASSERT_TRUE(tensors);
  ASSERT_EQ(tensors->type, Attribute::Type::kTensors);
  ASSERT_EQ(tensors->tensors.size(), 1u);
  EXPECT_EQ(tensors->tensors[0].rank(), 0u);
  EXPECT_EQ(tensors->tensors[0].data<float>()[0], 4.0f);
  const Attribute* type_proto = node.find_attribute("tp");
  ASSERT_TRUE(type_proto);
  EXPECT_EQ(type_proto->type, Attribute::Type::kTypeProto);
  EXPECT_EQ(type_proto->type_proto.dtype, DataType::kBool);
  const Tensor& dense = node.attr_tensor("sp");
  EXPECT_EQ(dense.shape(), Shape({3}));
  EXPECT_EQ(dense.data<float>()[0], 0.0f);
  EXPECT_EQ(dense.data<float>()[2], 9.0f);
  EXPECT_EQ(node.attr_ints("legacy"), (std::vector<int64_t>{5, 6}));
}

TEST(LoaderModel, ConstantValueTensorErrorsNameTheNode) {
  onnx::ModelProto m = relu_model();
  auto* c = add_node(m.mutable_graph(), "const", "Constant", {}, {"k"});
  auto* t = add_attr(c, "value", onnx::AttributeProto::TENSOR)->mutable_t();
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(2);
  t->add_float_data(1.0f);
  Failure f = load_failure(m);
  EXPECT_EQ(f.code, ErrorCode::kInvalidModel);
  EXPECT_EQ(f.message,
            "m.onnx: node 'const' (Constant) attribute 'value' has 1 values in float_data, but "
            "float32[2] needs 2");
}

TEST(LoaderModel, SortsNodesTopologically) {
  onnx::ModelProto m = base_model();
  auto* g = m.mutable_graph();
  add_float_input(g, "x");
  add_float_output(g, "z");
  add_node(g, "second", "Relu", {"y"}, {"z"});
  add_node(g, "first", "Neg", {"x"}, {"y"});
  Model model = load(m);
  EXPECT_EQ(model.graph->nodes[0].name, "first");
  EXPECT_EQ(model.graph->nodes[1].name, "second");
}

// If(cond) { then: Add(x, outer) } else { Loop body reading x from two levels up }.
onnx::ModelProto if_model() {
  onnx::ModelProto m = base_model();
  auto* g = m.mutable_graph();
  add_tensor_value(g->add_input(), "cond", onnx::TensorProto::BOOL, {});
  add_float_input(g, "x");
  add_float_output(g, "out");
  add_node(g, "make_outer", "Neg", {"x"}, {"outer"});
  auto* if_node = add_node(g, "if", "If", {"cond"}, {"out"});
  auto* then_branch = add_attr(if_node, "then_branch", onnx::AttributeProto::GRAPH)->mutable_g();
  then_branch->set_name("then");
  add_float_output(then_branch, "t_out");
  add_node(then_branch, "then_add", "Add", {"x", "outer"}, {"t_out"});
  auto* else_branch = add_attr(if_node, "else_branch", onnx::AttributeProto::GRAPH)->mutable_g();
  add_float_output(else_branch, "e_out");
  auto* inner_if = add_node(else_branch, "inner_if", "If", {"cond"}, {"e_out"});
  auto* inner = add_attr(inner_if, "then_branch", onnx::AttributeProto::GRAPH)->mutable_g();
  inner->set_name("inner");
  add_float_output(inner, "i_out");
  add_node(inner, "", "Relu", {"x"}, {"i_out"});
  return m;
}

TEST(LoaderSubgraph, ConvertsSubgraphsWithOuterScopeReadsAndParents) {
  Model model = load(if_model());
  const Graph& main = *model.graph;
  ASSERT_EQ(main.nodes.size(), 2u);
  EXPECT_EQ(main.nodes[0].name, "make_outer");
  const Node& if_node = node_named(main, "if");
  auto then_branch = if_node.attr_graph("then_branch");
  ASSERT_TRUE(then_branch);
  EXPECT_EQ(then_branch->parent, &main);
  EXPECT_EQ(then_branch->name, "then");
  EXPECT_EQ(Graph::outer_scope_inputs(*then_branch), (std::vector<std::string>{"x", "outer"}));
  EXPECT_EQ(then_branch->value_types.at("t_out").dtype, DataType::kFloat32);
  auto else_branch = if_node.attr_graph("else_branch");
  EXPECT_EQ(else_branch->name, "if.else_branch");  // unnamed subgraphs are named after the node
  auto inner = else_branch->nodes[0].attr_graph("then_branch");
  EXPECT_EQ(inner->parent, else_branch.get());
  EXPECT_EQ(inner->find_type("x")->dtype, DataType::kFloat32);  // found two levels up
  EXPECT_EQ(inner->nodes[0].name, "Relu_0");
  // The If node depends on make_outer through its subgraph's read of "outer".
  EXPECT_EQ(main.consumers().at("outer"), (std::vector<NodeIndex>{1}));
}

TEST(LoaderSubgraph, ParentPointersSurviveSorting) {
  onnx::ModelProto m = if_model();
  // Put the If before its producer so sorting moves the nodes.
  m.mutable_graph()->mutable_node()->SwapElements(0, 1);
  Model model = load(m);
  const Node& if_node = node_named(*model.graph, "if");
  EXPECT_EQ(model.graph->nodes[1].name, "if");
  EXPECT_EQ(if_node.attr_graph("then_branch")->parent, model.graph.get());
}

TEST(LoaderSubgraph, RefusesUndefinedReadsInsideSubgraphs) {
  onnx::ModelProto m = if_model();
  auto* inner = m.mutable_graph()
                    ->mutable_node(1)
                    ->mutable_attribute(1)
                    ->mutable_g()
                    ->mutable_node(0)
                    ->mutable_attribute(0)
                    ->mutable_g();
  inner->mutable_node(0)->set_input(0, "ghost");
  Failure f = load_failure(m);
  EXPECT_EQ(f.code, ErrorCode::kInvalidModel);
  EXPECT_EQ(
      f.message,
      "m.onnx: node 'Relu_0' (Relu) in subgraph 'then_branch' of node 'inner_if' (If) in "
      "subgraph 'else_branch' of node 'if' (If) reads 'ghost', which is not a graph input, an "
      "initializer or any node's output of this graph or an enclosing one");
}

TEST(LoaderSubgraph, OuterGraphCannotReadSubgraphValues) {
  onnx::ModelProto m = if_model();
  add_node(m.mutable_graph(), "peek", "Relu", {"t_out"}, {"peeked"});
  Failure f = load_failure(m);
  EXPECT_CONTAINS(f.message, "node 'peek' (Relu) reads 't_out', which is not a graph input");
}

TEST(LoaderSubgraph, RefusesSubgraphOutputsThatNothingProduces) {
  onnx::ModelProto m = if_model();
  m.mutable_graph()
      ->mutable_node(1)
      ->mutable_attribute(0)
      ->mutable_g()
      ->mutable_output(0)
      ->set_name("nothing");
  Failure f = load_failure(m);
  EXPECT_CONTAINS(
      f.message,
      "graph output 'nothing' in subgraph 'then_branch' of node 'if' (If) is not produced");
}

// --- Validation errors -------------------------------------------------------------------------

TEST(LoaderValidation, EmptyFile) {
  Failure f = bytes_failure("");
  EXPECT_EQ(f.code, ErrorCode::kInvalidModel);
  EXPECT_EQ(f.message, "m.onnx: not a valid ONNX model (empty file)");
}

TEST(LoaderValidation, UnparsableBytes) {
  Failure f = bytes_failure("\xff\xff\xff\xff garbage");
  EXPECT_EQ(f.code, ErrorCode::kInvalidModel);
  EXPECT_EQ(f.message, "m.onnx: not a valid ONNX model (protobuf parse failed)");
}

TEST(LoaderValidation, TruncatedModel) {
  onnx::ModelProto m = relu_model();
  add_float_initializer(m.mutable_graph(), "w", std::vector<float>(64, 1.0f));
  const std::string bytes = m.SerializeAsString();
  // Cut inside the graph message (its length prefix then promises more than is there).
  Failure f = bytes_failure(bytes.substr(0, bytes.size() - 10));
  EXPECT_EQ(f.code, ErrorCode::kInvalidModel);
  EXPECT_EQ(f.message, "m.onnx: not a valid ONNX model (protobuf parse failed)");
}

TEST(LoaderValidation, MissingGraph) {
  onnx::ModelProto m = relu_model();
  m.clear_graph();
  EXPECT_EQ(load_failure(m).message, "m.onnx: the model has no graph");
}

TEST(LoaderValidation, Cycle) {
  onnx::ModelProto m = base_model();
  auto* g = m.mutable_graph();
  add_float_input(g, "x");
  add_float_output(g, "z");
  add_node(g, "p", "Add", {"x", "q_out"}, {"p_out"});
  add_node(g, "q", "Relu", {"p_out"}, {"q_out"});
  add_node(g, "r", "Neg", {"q_out"}, {"z"});
  Failure f = load_failure(m);
  EXPECT_EQ(f.code, ErrorCode::kInvalidModel);
  EXPECT_EQ(f.message, "m.onnx: graph 'g' has a cycle through node 'p' (Add)");
}

TEST(LoaderValidation, UndefinedInput) {
  onnx::ModelProto m = relu_model();
  m.mutable_graph()->mutable_node(0)->set_input(0, "ghost");
  Failure f = load_failure(m);
  EXPECT_EQ(f.code, ErrorCode::kInvalidModel);
  EXPECT_EQ(f.message,
            "m.onnx: node 'relu' (Relu) reads 'ghost', which is not a graph input, an initializer "
            "or any node's output");
}

TEST(LoaderValidation, ControlCharactersInNamesKeepMessagesOnOneLine) {
  onnx::ModelProto m = relu_model();
  m.mutable_graph()->mutable_node(0)->set_input(0, "gh\nost\x01");
  Failure f = load_failure(m);  // checks that the message is one line
  EXPECT_CONTAINS(f.message, "reads 'gh\\nost\\x01'");
}

TEST(LoaderValidation, OmittedOptionalInputsAreNotUndefined) {
  onnx::ModelProto m = relu_model();
  add_node(m.mutable_graph(), "clip", "Clip", {"x", "", ""}, {"clipped"});
  EXPECT_NO_THROW(load(m));
}

TEST(LoaderValidation, ValueProducedTwice) {
  onnx::ModelProto m = relu_model();
  add_node(m.mutable_graph(), "again", "Neg", {"x"}, {"y"});
  Failure f = load_failure(m);
  EXPECT_EQ(f.code, ErrorCode::kInvalidModel);
  EXPECT_EQ(f.message,
            "m.onnx: value 'y' is produced twice, by node 'relu' (Relu) and by node 'again' (Neg)");
}

TEST(LoaderValidation, InitializerDeclaredTwice) {
  onnx::ModelProto m = relu_model();
  add_float_initializer(m.mutable_graph(), "w", {1});
  add_float_initializer(m.mutable_graph(), "w", {2});
  EXPECT_EQ(load_failure(m).message, "m.onnx: initializer 'w' is declared twice");
}

TEST(LoaderValidation, GraphInputDeclaredTwice) {
  onnx::ModelProto m = relu_model();
  add_float_input(m.mutable_graph(), "x");
  EXPECT_EQ(load_failure(m).message, "m.onnx: graph input 'x' is declared twice");
}

TEST(LoaderValidation, NodeOutputShadowsGraphInputOrInitializer) {
  onnx::ModelProto m = relu_model();
  add_float_input(m.mutable_graph(), "x2");
  add_node(m.mutable_graph(), "shadow", "Neg", {"x"}, {"x2"});
  EXPECT_EQ(load_failure(m).message,
            "m.onnx: node 'shadow' (Neg) writes 'x2', which is already a graph input");

  onnx::ModelProto m2 = relu_model();
  add_float_initializer(m2.mutable_graph(), "w", {1, 2});
  add_node(m2.mutable_graph(), "shadow", "Neg", {"x"}, {"w"});
  EXPECT_EQ(load_failure(m2).message,
            "m.onnx: node 'shadow' (Neg) writes 'w', which is already an initializer");
}

TEST(LoaderValidation, InitializerMayAlsoBeAGraphInput) {
  onnx::ModelProto m = relu_model();
  add_float_input(m.mutable_graph(), "w");
  add_float_initializer(m.mutable_graph(), "w", {1, 2});
  Model model = load(m);
  EXPECT_TRUE(model.graph->is_initializer("w"));
  EXPECT_EQ(model.graph->constant("w"), nullptr);  // overridable by a feed
}

TEST(LoaderValidation, MissingGraphOutput) {
  onnx::ModelProto m = relu_model();
  add_float_output(m.mutable_graph(), "never");
  Failure f = load_failure(m);
  EXPECT_EQ(f.code, ErrorCode::kInvalidModel);
  EXPECT_EQ(f.message,
            "m.onnx: graph output 'never' is not produced by any node, graph input or initializer");
}

TEST(LoaderValidation, InitializerSizeMismatch) {
  onnx::ModelProto m = relu_model();
  auto* w = add_float_initializer(m.mutable_graph(), "w", {1, 2, 3});
  w->add_dims(2);  // shape [3,2] with 3 values
  Failure f = load_failure(m);
  EXPECT_EQ(f.code, ErrorCode::kInvalidModel);
  EXPECT_EQ(f.message,
            "m.onnx: initializer 'w' has 3 values in float_data, but float32[3,2] needs 6");

  onnx::ModelProto raw = relu_model();
  auto* r = raw.mutable_graph()->add_initializer();
  r->set_name("r");
  r->set_data_type(onnx::TensorProto::INT64);
  r->add_dims(int64_t{1} << 62);
  r->add_dims(4);  // 2^64 elements: the count itself overflows
  r->set_raw_data(std::string(8, '\0'));
  EXPECT_EQ(load_failure(raw).message,
            "m.onnx: initializer 'r' has shape [4611686018427387904,4], more elements than can be "
            "addressed");
}

TEST(LoaderValidation, UnsupportedInitializerTypeIsNamed) {
  onnx::ModelProto m = relu_model();
  auto* c = m.mutable_graph()->add_initializer();
  c->set_name("cplx");
  c->set_data_type(onnx::TensorProto::COMPLEX128);
  c->add_dims(1);
  c->set_raw_data(std::string(16, '\0'));
  Failure f = load_failure(m);
  EXPECT_EQ(f.code, ErrorCode::kNotImplemented);
  EXPECT_EQ(f.message,
            "m.onnx: initializer 'cplx' has element type COMPLEX128 (15), which aruntime does not "
            "support");
}

TEST(LoaderValidation, InitializerErrorsInSubgraphsSayWhere) {
  onnx::ModelProto m = if_model();
  auto* then_branch = m.mutable_graph()->mutable_node(1)->mutable_attribute(0)->mutable_g();
  auto* w = add_float_initializer(then_branch, "w", {1});
  w->add_dims(3);
  EXPECT_CONTAINS(
      load_failure(m).message,
      "m.onnx: initializer 'w' in subgraph 'then_branch' of node 'if' (If) has 1 values");
}

TEST(LoaderValidation, UnsupportedIrVersion) {
  onnx::ModelProto m = relu_model();
  m.set_ir_version(12);
  Failure f = load_failure(m);
  EXPECT_EQ(f.code, ErrorCode::kInvalidModel);
  EXPECT_EQ(f.message,
            "m.onnx: IR version 12 is not supported (aruntime loads IR versions 3 to 11)");
  m.set_ir_version(2);
  EXPECT_CONTAINS(load_failure(m).message, "IR version 2 is not supported");
  m.clear_ir_version();
  EXPECT_CONTAINS(load_failure(m).message, "IR version 0 is not supported");
  m.set_ir_version(kMaxIrVersion);
  EXPECT_NO_THROW(load(m));
}

TEST(LoaderValidation, UnsupportedOpsets) {
  onnx::ModelProto m = relu_model();
  m.mutable_opset_import(0)->set_version(99);
  Failure f = load_failure(m);
  EXPECT_EQ(f.code, ErrorCode::kInvalidModel);
  EXPECT_EQ(f.message,
            "m.onnx: the model imports opset ai.onnx version 99, but aruntime supports ai.onnx "
            "versions 1 to 23");
  m.mutable_opset_import(0)->set_version(0);
  EXPECT_CONTAINS(load_failure(m).message, "imports opset ai.onnx version 0");
  m.mutable_opset_import(0)->set_version(kMaxOnnxOpset);
  EXPECT_NO_THROW(load(m));

  auto* ml = m.add_opset_import();
  ml->set_domain("ai.onnx.ml");
  ml->set_version(kMaxOnnxMlOpset + 1);
  EXPECT_CONTAINS(
      load_failure(m).message,
      "imports opset ai.onnx.ml version 6, but aruntime supports ai.onnx.ml versions 1 to 5");

  onnx::ModelProto twice = relu_model();
  auto* again = twice.add_opset_import();
  again->set_domain("ai.onnx");
  again->set_version(13);
  EXPECT_EQ(load_failure(twice).message,
            "m.onnx: opset_import lists domain 'ai.onnx' twice (versions 17 and 13)");
}

TEST(LoaderValidation, NodeDomainNotImported) {
  onnx::ModelProto m = relu_model();
  add_node(m.mutable_graph(), "custom", "Frobnicate", {"x"}, {"f"}, "com.example");
  Failure f = load_failure(m);
  EXPECT_EQ(f.code, ErrorCode::kInvalidModel);
  EXPECT_EQ(f.message,
            "m.onnx: node 'custom' (Frobnicate, domain com.example) uses domain 'com.example', "
            "which the model does not import (opset_import)");

  // Imported custom domains load; whether a kernel exists is the partitioner's question.
  auto* op = m.add_opset_import();
  op->set_domain("com.example");
  op->set_version(1);
  EXPECT_NO_THROW(load(m));

  onnx::ModelProto no_default = relu_model();
  no_default.mutable_opset_import(0)->set_domain("com.other");
  EXPECT_EQ(load_failure(no_default).message,
            "m.onnx: node 'relu' (Relu) uses domain 'ai.onnx', which the model does not import "
            "(opset_import)");
}

TEST(LoaderValidation, NodeDomainCheckReachesSubgraphs) {
  onnx::ModelProto m = if_model();
  m.mutable_graph()
      ->mutable_node(1)
      ->mutable_attribute(0)
      ->mutable_g()
      ->mutable_node(0)
      ->set_domain("x.y");
  EXPECT_CONTAINS(load_failure(m).message, "node 'then_add' (Add, domain x.y) uses domain 'x.y'");
}

TEST(LoaderValidation, MalformedNodesAndAttributes) {
  onnx::ModelProto m = relu_model();
  add_node(m.mutable_graph(), "noop", "", {"x"}, {"n"});
  EXPECT_EQ(load_failure(m).message, "m.onnx: node 'noop' () has no op_type");

  onnx::ModelProto twice = relu_model();
  auto* n = twice.mutable_graph()->mutable_node(0);
  add_attr(n, "a", onnx::AttributeProto::INT)->set_i(1);
  add_attr(n, "a", onnx::AttributeProto::INT)->set_i(2);
  EXPECT_EQ(load_failure(twice).message, "m.onnx: node 'relu' (Relu) has attribute 'a' twice");

  onnx::ModelProto ref = relu_model();
  auto* r = add_attr(ref.mutable_graph()->mutable_node(0), "alpha", onnx::AttributeProto::FLOAT);
  r->set_ref_attr_name("slope");
  EXPECT_EQ(load_failure(ref).message,
            "m.onnx: node 'relu' (Relu): attribute 'alpha' refers to attribute 'slope' of an "
            "enclosing function, but the node is not in a local function");

  onnx::ModelProto empty_attr = relu_model();
  add_attr(empty_attr.mutable_graph()->mutable_node(0), "nothing", onnx::AttributeProto::UNDEFINED);
  EXPECT_CONTAINS(load_failure(empty_attr).message,
                  "attribute 'nothing' has no value or an unknown type");
}

TEST(LoaderValidation, UnnamedValuesAreRefused) {
  onnx::ModelProto m = relu_model();
  add_float_input(m.mutable_graph(), "");
  EXPECT_EQ(load_failure(m).message, "m.onnx: a graph input has no name");
}

// --- Files -------------------------------------------------------------------------------------

class LoaderFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("aruntime_loader_test_" + std::to_string(getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    dir_ = root_ / "model";
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(root_); }

  static void write_file(const fs::path& path, const std::string& bytes) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
  }
  static std::string float_bytes(std::vector<float> values) {
    return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  }

  // relu_model plus initializer "w" (float32[n]) stored externally at `location`.
  static onnx::ModelProto external_model(const std::string& location, int64_t n,
                                         const std::string& offset = "",
                                         const std::string& length = "") {
    onnx::ModelProto m = relu_model();
    auto* w = m.mutable_graph()->add_initializer();
    w->set_name("w");
    w->set_data_type(onnx::TensorProto::FLOAT);
    w->add_dims(n);
    w->set_data_location(onnx::TensorProto::EXTERNAL);
    auto add = [&](const std::string& key, const std::string& value) {
      auto* e = w->add_external_data();
      e->set_key(key);
      e->set_value(value);
    };
    add("location", location);
    if (!offset.empty()) add("offset", offset);
    if (!length.empty()) add("length", length);
    return m;
  }

  fs::path root_;
  fs::path dir_;
};

TEST_F(LoaderFiles, LoadsFromAPathWithThePathAsOrigin) {
  const std::string path = (dir_ / "relu.onnx").string();
  write_file(path, relu_model().SerializeAsString());
  Model model = load_model(path);
  EXPECT_EQ(model.origin, path);
  EXPECT_EQ(model.graph->nodes.size(), 1u);
}

TEST_F(LoaderFiles, FileErrorsAreIoErrors) {
  try {
    load_model((dir_ / "missing.onnx").string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIoError);
    EXPECT_CONTAINS(e.what(), "missing.onnx: cannot open model file");
  }
  try {
    load_model(dir_.string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIoError);
    EXPECT_CONTAINS(e.what(), "is a directory");
  }
}

TEST_F(LoaderFiles, RefusesFilesAboveTheSizeLimitWithoutReadingThem) {
  const std::string path = (dir_ / "big.onnx").string();
  write_file(path, std::string(1000, 'x'));  // unparsable: reading it would fail differently
  LoadOptions options;
  options.max_file_bytes = 999;
  try {
    load_model(path, options);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidModel);
    EXPECT_EQ(std::string(e.what()),
              path + ": the model file is 1000 bytes, above the limit of 999 bytes");
  }
}

TEST_F(LoaderFiles, EmptyModelFile) {
  const std::string path = (dir_ / "empty.onnx").string();
  write_file(path, "");
  try {
    load_model(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), path + ": not a valid ONNX model (empty file)");
  }
}

TEST_F(LoaderFiles, ExternalDataInsideTheFolderLoads) {
  write_file(dir_ / "weights" / "w.bin", float_bytes({9, 9, 1.5f, -2.0f, 4.0f}));
  // Offset skips the first two floats; the '..' stays inside the folder.
  onnx::ModelProto m = external_model("weights/../weights/w.bin", 3, "8", "12");
  Model model = load(m, dir_.string());
  const Tensor& w = model.graph->initializers.at("w");
  EXPECT_EQ(w.shape(), Shape({3}));
  EXPECT_EQ(w.data<float>()[0], 1.5f);
  EXPECT_EQ(w.data<float>()[1], -2.0f);
  EXPECT_EQ(w.data<float>()[2], 4.0f);

  // Through load_model the model's own folder is the base.
  const std::string path = (dir_ / "m.onnx").string();
  write_file(path, external_model("weights/w.bin", 5).SerializeAsString());
  EXPECT_EQ(load_model(path).graph->initializers.at("w").data<float>()[4], 4.0f);
}

TEST_F(LoaderFiles, ExternalDataOutsideTheFolderIsRefused) {
  write_file(root_ / "outside.bin", float_bytes({1, 2}));
  Failure dotdot = load_failure(external_model("../outside.bin", 2), dir_.string());
  EXPECT_EQ(dotdot.code, ErrorCode::kInvalidModel);
  EXPECT_CONTAINS(dotdot.message,
                  "m.onnx: initializer 'w' refers to external data '../outside.bin'");
  EXPECT_CONTAINS(dotdot.message, "outside the model's folder");

  const std::string absolute = (root_ / "outside.bin").string();
  Failure abs = load_failure(external_model(absolute, 2), dir_.string());
  EXPECT_EQ(abs.message, "m.onnx: initializer 'w' refers to external data at absolute path '" +
                             absolute + "'; external data must be inside the model's folder");

  fs::create_symlink(root_ / "outside.bin", dir_ / "link.bin");
  Failure link = load_failure(external_model("link.bin", 2), dir_.string());
  EXPECT_CONTAINS(link.message, "refers to external data 'link.bin', which resolves to");
  EXPECT_CONTAINS(link.message, "outside the model's folder");
}

TEST_F(LoaderFiles, SymlinksThatStayInsideAreFollowed) {
  write_file(dir_ / "real.bin", float_bytes({3, 4}));
  fs::create_symlink(dir_ / "real.bin", dir_ / "alias.bin");
  Model model = load(external_model("alias.bin", 2), dir_.string());
  EXPECT_EQ(model.graph->initializers.at("w").data<float>()[1], 4.0f);
}

TEST_F(LoaderFiles, MissingExternalDataIsRefused) {
  Failure f = load_failure(external_model("nope.bin", 2), dir_.string());
  EXPECT_EQ(f.code, ErrorCode::kIoError);
  EXPECT_EQ(
      f.message,
      "m.onnx: initializer 'w' refers to external data file 'nope.bin', which does not exist");
}

TEST_F(LoaderFiles, TruncatedExternalDataIsRefused) {
  write_file(dir_ / "w.bin", float_bytes({1, 2, 3}));
  Failure f = load_failure(external_model("w.bin", 4), dir_.string());
  EXPECT_EQ(f.code, ErrorCode::kInvalidModel);
  EXPECT_EQ(f.message,
            "m.onnx: initializer 'w' reads bytes [0, 0+16) of external data file 'w.bin', which "
            "has only 12 bytes");
  Failure offset = load_failure(external_model("w.bin", 2, "8"), dir_.string());
  EXPECT_CONTAINS(offset.message, "reads bytes [8, 8+8)");
  Failure far = load_failure(external_model("w.bin", 1, "18446744073709551615"), dir_.string());
  EXPECT_CONTAINS(far.message, "reads bytes [18446744073709551615, ");
}

TEST_F(LoaderFiles, ExternalLengthMustMatchTheShape) {
  write_file(dir_ / "w.bin", float_bytes({1, 2, 3, 4}));
  Failure f = load_failure(external_model("w.bin", 2, "0", "16"), dir_.string());
  EXPECT_EQ(f.code, ErrorCode::kInvalidModel);
  EXPECT_EQ(
      f.message,
      "m.onnx: initializer 'w' has external data length 16 bytes, but float32[2] needs 8 bytes");
  EXPECT_CONTAINS(load_failure(external_model("w.bin", 2, "-4"), dir_.string()).message,
                  "invalid external data offset '-4'");
}

TEST_F(LoaderFiles, ExternalDataWithoutBaseDirIsRefused) {
  write_file(dir_ / "w.bin", float_bytes({1, 2}));
  Failure f = load_failure(external_model("w.bin", 2), "");
  EXPECT_EQ(f.code, ErrorCode::kInvalidModel);
  EXPECT_EQ(f.message,
            "m.onnx: initializer 'w' uses external data file 'w.bin', but the model was loaded "
            "without a base directory, so external data is refused");
}

TEST_F(LoaderFiles, ExternalFilesAboveTheSizeLimitAreRefused) {
  write_file(dir_ / "w.bin", float_bytes(std::vector<float>(1000, 1.0f)));
  const std::string bytes = external_model("w.bin", 1).SerializeAsString();
  LoadOptions options;
  options.max_file_bytes = bytes.size();  // the model passes, its 4000-byte data file does not
  try {
    load_model_from_bytes(bytes, kOrigin, dir_.string(), options);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidModel);
    EXPECT_CONTAINS(e.what(),
                    "refers to external data file 'w.bin' of 4000 bytes, above the limit of " +
                        std::to_string(bytes.size()) + " bytes");
  }
}

// --- Model-local functions ----------------------------------------------------------------------

onnx::FunctionProto* add_function(onnx::ModelProto& m, const std::string& domain,
                                  const std::string& name, std::vector<std::string> inputs,
                                  std::vector<std::string> outputs) {
  auto* f = m.add_functions();
  f->set_domain(domain);
  f->set_name(name);
  for (auto& i : inputs) f->add_input(i);
  for (auto& o : outputs) f->add_output(o);
  auto* op = f->add_opset_import();
  op->set_domain("");
  op->set_version(17);
  return f;
}

// A node of a function body, added through the GraphProto helpers' signature.
onnx::NodeProto* add_body_node(onnx::FunctionProto* f, const std::string& name,
                               const std::string& op, std::vector<std::string> in,
                               std::vector<std::string> out, const std::string& domain = "") {
  auto* n = f->add_node();
  n->set_name(name);
  n->set_op_type(op);
  n->set_domain(domain);
  for (auto& i : in) n->add_input(i);
  for (auto& o : out) n->add_output(o);
  return n;
}

// Main graph: z = local.AddMul(x, y); AddMul(a, b) = (a + b) * a.
onnx::ModelProto function_model() {
  onnx::ModelProto m = base_model();
  auto* op = m.add_opset_import();
  op->set_domain("local");
  op->set_version(1);
  auto* g = m.mutable_graph();
  add_float_input(g, "x");
  add_float_input(g, "y");
  add_float_output(g, "z");
  add_node(g, "call", "AddMul", {"x", "y"}, {"z"}, "local");
  auto* f = add_function(m, "local", "AddMul", {"a", "b"}, {"c"});
  add_body_node(f, "add", "Add", {"a", "b"}, {"t"});
  add_body_node(f, "", "Mul", {"t", "a"}, {"c"});
  return m;
}

TEST(LoaderFunctions, InlinesCallsBindingInputsAndOutputs) {
  Model model = load(function_model());
  const Graph& g = *model.graph;
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].name, "call/add");
  EXPECT_EQ(g.nodes[0].op_type, "Add");
  EXPECT_EQ(g.nodes[0].inputs, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(g.nodes[0].outputs, (std::vector<std::string>{"call/t"}));
  EXPECT_EQ(g.nodes[1].name, "call/Mul_1");
  EXPECT_EQ(g.nodes[1].inputs, (std::vector<std::string>{"call/t", "x"}));
  EXPECT_EQ(g.nodes[1].outputs, (std::vector<std::string>{"z"}));
}

TEST(LoaderFunctions, TwoCallsGetDistinctInternalNames) {
  onnx::ModelProto m = function_model();
  auto* g = m.mutable_graph();
  g->mutable_node(0)->set_name("");  // -> AddMul_0
  g->mutable_node(0)->set_output(0, "z1");
  add_node(g, "", "AddMul", {"z1", "y"}, {"z"}, "local");  // -> AddMul_1
  add_float_input(g, "call/t");  // a user value that an internal name would collide with
  g->mutable_node(1)->set_name("call");
  Model model = load(m);
  std::vector<std::string> outputs;
  for (const auto& n : model.graph->nodes) outputs.push_back(n.outputs[0]);
  EXPECT_EQ(outputs, (std::vector<std::string>{"AddMul_0/t", "z1", "call/t_2", "z"}));
}

TEST(LoaderFunctions, OmittedOptionalInputsBindToEmpty) {
  onnx::ModelProto m = function_model();
  auto* f = m.mutable_functions(0);
  f->add_input("bias");
  add_body_node(f, "clip", "Clip", {"c", "bias"}, {"clipped"});
  f->set_output(0, "clipped");
  Model model = load(m);
  const Node& clip = node_named(*model.graph, "call/clip");
  EXPECT_EQ(clip.inputs, (std::vector<std::string>{"call/c", ""}));
  EXPECT_EQ(clip.outputs, (std::vector<std::string>{"z"}));
}

TEST(LoaderFunctions, SubstitutesAttributeReferencesAndDefaults) {
  onnx::ModelProto m = base_model();
  auto* op = m.add_opset_import();
  op->set_domain("local");
  op->set_version(1);
  auto* g = m.mutable_graph();
  add_float_input(g, "x");
  add_float_output(g, "y1");
  add_float_output(g, "y2");
  auto* given = add_node(g, "given", "Leaky", {"x"}, {"y1"}, "local");
  add_attr(given, "slope", onnx::AttributeProto::FLOAT)->set_f(0.25f);
  add_node(g, "defaulted", "Leaky", {"x"}, {"y2"}, "local");

  auto* f = add_function(m, "local", "Leaky", {"in"}, {"out"});
  f->add_attribute("slope");
  f->add_attribute("unused");
  auto* body = add_body_node(f, "lrelu", "LeakyRelu", {"in"}, {"out"});
  add_attr(body, "alpha", onnx::AttributeProto::FLOAT)->set_ref_attr_name("slope");
  add_attr(body, "gone", onnx::AttributeProto::INT)->set_ref_attr_name("unused");
  add_attr(body, "fixed", onnx::AttributeProto::INT)->set_i(3);
  // FunctionProto.attribute_proto (field 11, IR 9) holds defaults; this build's ONNX proto does
  // not know the field, so it travels as an unknown field, as it does in a real file.
  onnx::AttributeProto default_slope;
  default_slope.set_name("slope");
  default_slope.set_type(onnx::AttributeProto::FLOAT);
  default_slope.set_f(0.5f);
  f->GetReflection()->MutableUnknownFields(f)->AddLengthDelimited(
      11, default_slope.SerializeAsString());

  Model model = load(m);
  const Node& from_caller = node_named(*model.graph, "given/lrelu");
  EXPECT_EQ(from_caller.attr_float("alpha"), 0.25f);
  EXPECT_EQ(from_caller.attr_int("fixed"), 3);
  EXPECT_FALSE(from_caller.has_attribute("gone"));  // neither given nor defaulted
  EXPECT_FALSE(from_caller.has_attribute("slope"));
  EXPECT_EQ(node_named(*model.graph, "defaulted/lrelu").attr_float("alpha"), 0.5f);
}

TEST(LoaderFunctions, AttributeReferenceTypeMismatchIsRefused) {
  onnx::ModelProto m = function_model();
  auto* body = m.mutable_functions(0)->mutable_node(0);
  add_attr(body, "alpha", onnx::AttributeProto::FLOAT)->set_ref_attr_name("k");
  add_attr(m.mutable_graph()->mutable_node(0), "k", onnx::AttributeProto::STRING)->set_s("no");
  EXPECT_EQ(load_failure(m).message,
            "m.onnx: node 'call' (AddMul, domain local): attribute 'k' is STRING, but local "
            "function 'AddMul' (domain local) uses it as FLOAT for attribute 'alpha' of its node "
            "'call/add'");
}

TEST(LoaderFunctions, InlinesNestedFunctionsAndPassesAttributesDown) {
  onnx::ModelProto m = function_model();
  auto* outer = add_function(m, "local", "Outer", {"p"}, {"q"});
  outer->add_attribute("power");
  auto* inner_call = add_body_node(outer, "inner", "Inner", {"p"}, {"q"}, "local");
  add_attr(inner_call, "e", onnx::AttributeProto::INT)->set_ref_attr_name("power");
  auto* inner_fn = add_function(m, "local", "Inner", {"u"}, {"v"});
  inner_fn->add_attribute("e");
  auto* pow = add_body_node(inner_fn, "pow", "AddMul", {"u", "u"}, {"v"}, "local");
  add_attr(pow, "exp", onnx::AttributeProto::INT)->set_ref_attr_name("e");
  auto* g = m.mutable_graph();
  g->mutable_output(0)->set_name("w");
  auto* call = add_node(g, "outer_call", "Outer", {"z"}, {"w"}, "local");
  add_attr(call, "power", onnx::AttributeProto::INT)->set_i(3);

  Model model = load(m);
  const Graph& graph = *model.graph;
  ASSERT_EQ(graph.nodes.size(), 4u);
  // Outer -> Inner -> AddMul -> {Add, Mul}, named by the chain of calls.
  const Node& add = node_named(graph, "outer_call/inner/pow/add");
  EXPECT_EQ(add.inputs, (std::vector<std::string>{"z", "z"}));
  EXPECT_EQ(add.outputs, (std::vector<std::string>{"outer_call/inner/pow/t"}));
  const Node& mul = node_named(graph, "outer_call/inner/pow/Mul_1");
  EXPECT_EQ(mul.outputs, (std::vector<std::string>{"w"}));
  // The attribute reached the Inner call's AddMul node; AddMul's body never references it.
  EXPECT_FALSE(add.has_attribute("exp"));
}

TEST(LoaderFunctions, InlinesCallsInsideSubgraphsAndSubgraphsInsideFunctions) {
  onnx::ModelProto m = function_model();
  // Function body: If(cond) { then: Neg(t) } else { Relu(a) } with t a function-internal value.
  auto* f = add_function(m, "local", "Branchy", {"cond", "a"}, {"r"});
  add_body_node(f, "neg_a", "Neg", {"a"}, {"t"});
  auto* if_node = add_body_node(f, "if", "If", {"cond"}, {"r"});
  auto* then_branch = add_attr(if_node, "then_branch", onnx::AttributeProto::GRAPH)->mutable_g();
  add_float_output(then_branch, "then_out");
  add_node(then_branch, "then_neg", "Neg", {"t"}, {"then_out"});
  auto* else_branch = add_attr(if_node, "else_branch", onnx::AttributeProto::GRAPH)->mutable_g();
  add_float_output(else_branch, "else_out");
  add_node(else_branch, "else_call", "AddMul", {"a", "t"}, {"else_out"}, "local");

  auto* g = m.mutable_graph();
  add_tensor_value(g->add_input(), "c", onnx::TensorProto::BOOL, {});
  g->mutable_output(0)->set_name("res");
  add_node(g, "b", "Branchy", {"c", "z"}, {"res"}, "local");

  Model model = load(m);
  const Node& inlined_if = node_named(*model.graph, "b/if");
  EXPECT_EQ(inlined_if.outputs, (std::vector<std::string>{"res"}));
  auto then_graph = inlined_if.attr_graph("then_branch");
  EXPECT_EQ(then_graph->parent, model.graph.get());
  EXPECT_EQ(then_graph->nodes[0].name, "b/then_neg");
  EXPECT_EQ(then_graph->nodes[0].inputs, (std::vector<std::string>{"b/t"}));
  EXPECT_EQ(then_graph->nodes[0].outputs, (std::vector<std::string>{"b/then_out"}));
  EXPECT_EQ(then_graph->outputs[0].name, "b/then_out");
  auto else_graph = inlined_if.attr_graph("else_branch");
  ASSERT_EQ(else_graph->nodes.size(), 2u);  // the AddMul call inside the subgraph is inlined
  EXPECT_EQ(else_graph->nodes[0].name, "b/else_call/add");
  EXPECT_EQ(else_graph->nodes[0].inputs, (std::vector<std::string>{"z", "b/t"}));
  EXPECT_EQ(else_graph->nodes[1].outputs, (std::vector<std::string>{"b/else_out"}));
}

TEST(LoaderFunctions, RecursionIsRefused) {
  onnx::ModelProto m = function_model();
  auto* f = m.mutable_functions(0);
  add_body_node(f, "again", "AddMul", {"a", "b"}, {"unused"}, "local");
  Failure fail = load_failure(m);
  EXPECT_EQ(fail.code, ErrorCode::kInvalidModel);
  EXPECT_EQ(fail.message,
            "m.onnx: node 'call/again' (AddMul, domain local) calls local function 'AddMul' "
            "(domain local) recursively (AddMul -> AddMul)");
}

TEST(LoaderFunctions, ArityErrorsNameTheCall) {
  onnx::ModelProto m = function_model();
  m.mutable_graph()->mutable_node(0)->add_input("x");
  EXPECT_EQ(load_failure(m).message,
            "m.onnx: node 'call' (AddMul, domain local) passes 3 inputs to local function "
            "'AddMul' (domain local), which declares 2");
}

TEST(LoaderFunctions, FunctionDomainsNeedNoImportButBodyDomainsDo) {
  onnx::ModelProto m = function_model();
  m.mutable_opset_import()->RemoveLast();  // drop the "local" import
  EXPECT_NO_THROW(load(m));

  m.mutable_functions(0)->mutable_node(0)->set_domain("com.elsewhere");
  EXPECT_EQ(load_failure(m).message,
            "m.onnx: node 'add' (Add, domain com.elsewhere) uses domain 'com.elsewhere', which "
            "local function 'AddMul' (domain local) does not import (opset_import)");
}

TEST(LoaderFunctions, FunctionOpsetsJoinTheModelsImports) {
  onnx::ModelProto m = function_model();
  auto* ml = m.mutable_functions(0)->add_opset_import();
  ml->set_domain("ai.onnx.ml");
  ml->set_version(2);
  EXPECT_EQ(load(m).opset("ai.onnx.ml"), 2);
}

TEST(LoaderFunctions, DuplicateFunctionsAndOverloads) {
  onnx::ModelProto m = function_model();
  *m.add_functions() = m.functions(0);
  EXPECT_EQ(load_failure(m).message,
            "m.onnx: local function 'AddMul' (domain local) is declared twice");

  // IR 10 overloads (FunctionProto field 13, NodeProto field 8) tell the two apart.
  onnx::ModelProto o = function_model();
  auto* second = o.add_functions();
  *second = o.functions(0);
  second->mutable_node(0)->set_op_type("Sub");
  second->GetReflection()->MutableUnknownFields(second)->AddLengthDelimited(13, "minus");
  auto* call = o.mutable_graph()->mutable_node(0);
  call->GetReflection()->MutableUnknownFields(call)->AddLengthDelimited(8, "minus");
  Model model = load(o);
  EXPECT_EQ(node_named(*model.graph, "call/add").op_type, "Sub");
}

TEST(LoaderFunctions, FormalOutputThatIsAnInputBecomesIdentity) {
  onnx::ModelProto m = function_model();
  auto* f = m.mutable_functions(0);
  f->add_output("a");  // second output: the first input, unchanged
  auto* g = m.mutable_graph();
  g->mutable_node(0)->add_output("passthrough");
  add_float_output(g, "passthrough");
  Model model = load(m);
  const Node& identity = node_named(*model.graph, "call/Identity_a");
  EXPECT_EQ(identity.op_type, "Identity");
  EXPECT_EQ(identity.inputs, (std::vector<std::string>{"x"}));
  EXPECT_EQ(identity.outputs, (std::vector<std::string>{"passthrough"}));
}

TEST(LoaderFunctions, FunctionValueInfoTypesInternalValues) {
  onnx::ModelProto m = function_model();
  onnx::ValueInfoProto t;
  add_tensor_value(&t, "t", onnx::TensorProto::FLOAT, {"2"});
  auto* f = m.mutable_functions(0);
  f->GetReflection()->MutableUnknownFields(f)->AddLengthDelimited(12, t.SerializeAsString());
  Model model = load(m);
  EXPECT_EQ(model.graph->value_types.at("call/t").to_string(), "float32[2]");
}

}  // namespace
}  // namespace aruntime
