// Models below IR version 4 list every initializer among the graph inputs too (the ONNX IR
// required it), but such an input is no input a caller may feed: ONNX Runtime refuses the feed
// ("Invalid input name", Graph::CanOverrideInitializer is false below IR 4) and does not list it
// in get_inputs(). The loader (graph/loader.cc) makes those initializers constants, so the
// optimizer folds them (the ONNX model zoo's IR-3 ResNet-50 keeps its BatchNormalizations
// otherwise).
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>

#include "aruntime/session.h"
#include "graph/loader.h"
#include "tests/unit/op_test_util.h"

namespace aruntime {
namespace {

void tensor_value(onnx::ValueInfoProto* v, const std::string& name, std::vector<int64_t> dims,
                  const std::string& symbolic_first = "") {
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = t->mutable_shape();
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i == 0 && !symbolic_first.empty()) {
      shape->add_dim()->set_dim_param(symbolic_first);
    } else {
      shape->add_dim()->set_dim_value(dims[i]);
    }
  }
}

void initializer(onnx::GraphProto* g, const std::string& name, std::vector<int64_t> dims,
                 const std::vector<float>& values) {
  auto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  for (float v : values) t->add_float_data(v);
}

onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& op,
                          std::vector<std::string> inputs, std::vector<std::string> outputs) {
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(op);
  for (const auto& i : inputs) n->add_input(i);
  for (const auto& o : outputs) n->add_output(o);
  return n;
}

std::vector<float> values(size_t n, float step, float offset) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = std::fmod(static_cast<float>(i) * step, 2.0f) - 1.0f + offset;
  return v;
}

// x [1,2,4,4] -> Conv(W [3,2,3,3], B [3], pads 1) -> BatchNormalization -> Relu -> y, with every
// initializer also a graph input (as IR 3 requires), like the model zoo's ResNet-50 (IR 3,
// opset 8). `listed` = false leaves the initializers out of the inputs (IR 4 and later).
onnx::ModelProto conv_bn_model(int64_t ir_version, bool listed = true) {
  onnx::ModelProto m;
  m.set_ir_version(ir_version);
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(8);
  auto* g = m.mutable_graph();
  g->set_name("main");
  tensor_value(g->add_input(), "x", {1, 2, 4, 4});
  const std::vector<std::pair<std::string, std::vector<int64_t>>> weights = {
      {"W", {3, 2, 3, 3}}, {"B", {3}}, {"gamma", {3}}, {"beta", {3}}, {"mean", {3}}, {"var", {3}}};
  float offset = 0;
  for (const auto& [name, dims] : weights) {
    size_t n = 1;
    for (int64_t d : dims) n *= static_cast<size_t>(d);
    std::vector<float> v = values(n, 0.37f, offset);
    if (name == "var") v = {0.5f, 1.5f, 2.0f};
    if (name == "gamma") v = {1.2f, 0.8f, -0.5f};
    initializer(g, name, dims, v);
    // The input declares a symbolic first dim: the initializer's own shape is what counts.
    if (listed) tensor_value(g->add_input(), name, dims, dims.size() > 1 ? "n" : "");
    offset += 0.1f;
  }
  tensor_value(g->add_output(), "y", {1, 3, 4, 4});
  auto* conv = add_node(g, "Conv", {"x", "W", "B"}, {"c"});
  auto* pads = conv->add_attribute();
  pads->set_name("pads");
  pads->set_type(onnx::AttributeProto::INTS);
  for (int i = 0; i < 4; ++i) pads->add_ints(1);
  add_node(g, "BatchNormalization", {"c", "gamma", "beta", "mean", "var"}, {"bn"});
  add_node(g, "Relu", {"bn"}, {"y"});
  return m;
}

Model load(const onnx::ModelProto& m) {
  return load_model_from_bytes(m.SerializeAsString(), "ir.onnx", "");
}

std::vector<std::string> names(const std::vector<ValueInfo>& values) {
  std::vector<std::string> n;
  for (const auto& v : values) n.push_back(v.name);
  return n;
}

TEST(Ir3Initializers, LoaderMakesListedInitializersConstants) {
  const Model model = load(conv_bn_model(3));
  const Graph& g = *model.graph;
  EXPECT_EQ(names(g.inputs), std::vector<std::string>{"x"});
  EXPECT_EQ(model.fixed_initializer_inputs,
            (std::vector<std::string>{"W", "B", "gamma", "beta", "mean", "var"}));
  ASSERT_NE(g.constant("W"), nullptr);
  EXPECT_EQ(g.constant("W")->shape(), (Shape{3, 2, 3, 3}));
  // The initializer's type, not the input's symbolic declaration.
  EXPECT_EQ(g.value_types.at("W").to_string(), "float32[3,2,3,3]");
}

TEST(Ir3Initializers, FromIrVersion4TheyStayOverridableInputs) {
  const Model model = load(conv_bn_model(4));
  const Graph& g = *model.graph;
  EXPECT_EQ(names(g.inputs),
            (std::vector<std::string>{"x", "W", "B", "gamma", "beta", "mean", "var"}));
  EXPECT_TRUE(model.fixed_initializer_inputs.empty());
  EXPECT_EQ(g.constant("W"), nullptr);
  EXPECT_TRUE(g.is_initializer("W"));
}

TEST(Ir3Initializers, InputsWithoutInitializersStayInputs) {
  onnx::ModelProto m = conv_bn_model(3);
  // An IR-3 input without an initializer is an ordinary input.
  tensor_value(m.mutable_graph()->add_input(), "unused", {2});
  const Model model = load(m);
  EXPECT_EQ(names(model.graph->inputs), (std::vector<std::string>{"x", "unused"}));
}

TEST(Ir3Initializers, SessionListsNoOverridableInputsAndRefusesTheirFeeds) {
  const std::string bytes = conv_bn_model(3).SerializeAsString();
  const Session session(Environment(), bytes, "ir3.onnx", "");
  ASSERT_EQ(session.inputs().size(), 1u);
  EXPECT_EQ(session.inputs()[0].name, "x");
  EXPECT_TRUE(session.overridable_inputs().empty());
  const Tensor x = testing::f32({1, 2, 4, 4}, values(32, 0.29f, 0));
  const Tensor w = testing::f32({3, 2, 3, 3}, std::vector<float>(54, 0.0f));
  try {
    session.run({{"x", x}, {"W", w}});
    FAIL() << "feeding an IR-3 initializer was accepted";
  } catch (const Error& e) {
    // onnxruntime 1.22: INVALID_ARGUMENT "Invalid input name: W".
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("'W'"), std::string::npos) << e.what();
  }
  // From IR version 4 the same feed overrides the weights: all-zero W, so y = relu(BN(B)).
  const Session ir4(Environment(), conv_bn_model(4).SerializeAsString(), "ir4.onnx", "");
  EXPECT_EQ(ir4.overridable_inputs().size(), 6u);
  EXPECT_NO_THROW(ir4.run({{"x", x}, {"W", w}}));
}

TEST(Ir3Initializers, FeedErrorNamesTheIrVersion) {
  const Model model = load(conv_bn_model(3));
  EXPECT_EQ(model.fixed_initializer_feed_error("x"), "");
  EXPECT_EQ(model.fixed_initializer_feed_error("W"),
            "ir.onnx: feed 'W' names an initializer of this IR version 3 model, which cannot be "
            "overridden: below IR version 4 initializers are listed as graph inputs but are "
            "constants (re-export the model with IR version 4 or later to feed it)");
}

std::vector<std::string> session_ops(const Session& s) {
  std::vector<std::string> ops;
  for (const auto& p : s.placement()) ops.push_back(p.op_type);
  return ops;
}

TEST(Ir3Initializers, BatchNormalizationFoldsIntoTheConv) {
  const Tensor x = testing::f32({1, 2, 4, 4}, values(32, 0.29f, 0));
  SessionOptions unoptimized;
  unoptimized.optimization.level = 0;
  SessionOptions basic;
  basic.optimization.level = 1;
  const std::string ir3 = conv_bn_model(3).SerializeAsString();
  const Session plain(Environment(), ir3, "ir3.onnx", "", unoptimized);
  const Session folded(Environment(), ir3, "ir3.onnx", "", basic);
  EXPECT_EQ(session_ops(plain), (std::vector<std::string>{"Conv", "BatchNormalization", "Relu"}));
  EXPECT_EQ(session_ops(folded), (std::vector<std::string>{"Conv", "Relu"}));
  testing::expect_near(folded.run({{"x", x}})[0], plain.run({{"x", x}})[0], 1e-5, 1e-5);
  // At IR 4 with the weights listed as inputs a feed may replace them: nothing folds.
  const Session ir4(Environment(), conv_bn_model(4).SerializeAsString(), "ir4.onnx", "", basic);
  EXPECT_EQ(session_ops(ir4), (std::vector<std::string>{"Conv", "BatchNormalization", "Relu"}));
  // At IR 4 without them listed they are constants anyway.
  const Session unlisted(Environment(), conv_bn_model(4, false).SerializeAsString(), "ir4.onnx", "",
                         basic);
  EXPECT_EQ(session_ops(unlisted), (std::vector<std::string>{"Conv", "Relu"}));
}

}  // namespace
}  // namespace aruntime
