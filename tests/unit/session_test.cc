// End-to-end tests of the public Session API on small models built with the ONNX protobuf API.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <thread>

#include "aruntime/session.h"

namespace aruntime {
namespace {

void add_value(onnx::ValueInfoProto* v, const std::string& name, int elem_type, std::vector<std::string> dims) {
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(elem_type);
  auto* shape = t->mutable_shape();
  for (const auto& d : dims) {
    auto* dim = shape->add_dim();
    if (!d.empty() && std::isdigit(static_cast<unsigned char>(d[0]))) dim->set_dim_value(std::stoll(d));
    else dim->set_dim_param(d);
  }
}

onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& name, const std::string& op,
                          std::vector<std::string> in, std::vector<std::string> out) {
  auto* n = g->add_node();
  n->set_name(name);
  n->set_op_type(op);
  for (auto& i : in) n->add_input(i);
  for (auto& o : out) n->add_output(o);
  return n;
}

onnx::ModelProto base_model(int opset = 17) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  m.mutable_graph()->set_name("test");
  return m;
}

// y = relu(x + b), x: float32[batch, 3], b a constant initializer.
std::string add_relu_model() {
  onnx::ModelProto m = base_model();
  auto* g = m.mutable_graph();
  add_value(g->add_input(), "x", onnx::TensorProto::FLOAT, {"batch", "3"});
  add_value(g->add_output(), "y", onnx::TensorProto::FLOAT, {"batch", "3"});
  auto* b = g->add_initializer();
  b->set_name("b");
  b->set_data_type(onnx::TensorProto::FLOAT);
  b->add_dims(3);
  for (float v : {1.0f, -1.0f, 0.5f}) b->add_float_data(v);
  add_node(g, "add", "Add", {"x", "b"}, {"s"});
  add_node(g, "relu", "Relu", {"s"}, {"y"});
  return m.SerializeAsString();
}

Session make_session(const std::string& bytes, SessionOptions options = {}) {
  return Session(Environment(), bytes, "model.onnx", "", options);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Session, RunsAModelAndReportsMetadataAndPlacement) {
  Session s = make_session(add_relu_model());
  ASSERT_EQ(s.inputs().size(), 1u);
  EXPECT_EQ(s.inputs()[0].name, "x");
  EXPECT_EQ(s.inputs()[0].dims, (std::vector<int64_t>{-1, 3}));
  EXPECT_EQ(s.inputs()[0].dim_symbols[0], "batch");
  ASSERT_EQ(s.placement().size(), 2u);
  EXPECT_EQ(s.placement()[0].provider, "cpu");
  EXPECT_EQ(s.providers(), std::vector<std::string>{"cpu"});

  float x[6] = {0, 0, 0, -2, 2, -1};
  auto out = s.run({{"x", Tensor::wrap(DataType::kFloat32, Shape{2, 3}, x)}});
  ASSERT_EQ(out.size(), 1u);
  // relu([1,-1,0.5, -1,1,-0.5])
  const float expected[6] = {1, 0, 0.5f, 0, 1, 0};
  ASSERT_EQ(out[0].shape(), (Shape{2, 3}));
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(out[0].data<float>()[i], expected[i]);
}

TEST(Session, RefusesWrongFeedsWithExpectedVersusGot) {
  Session s = make_session(add_relu_model());
  Tensor ints = Tensor::from_vector<int64_t>(Shape{1, 3}, {1, 2, 3});
  EXPECT_EQ(error_of([&] { s.run({{"x", ints}}); }),
            "model.onnx: input 'x': expected element type float32, got int64");
  Tensor rank1 = Tensor::from_vector<float>(Shape{3}, {1, 2, 3});
  EXPECT_EQ(error_of([&] { s.run({{"x", rank1}}); }),
            "model.onnx: input 'x': expected shape float32[batch,3], got float32[3]");
  Tensor wrong_dim = Tensor::from_vector<float>(Shape{1, 4}, {1, 2, 3, 4});
  EXPECT_EQ(error_of([&] { s.run({{"x", wrong_dim}}); }),
            "model.onnx: input 'x': expected shape float32[batch,3], got float32[1,4]");
  EXPECT_EQ(error_of([&] { s.run({}); }), "model.onnx: input 'x' (float32[batch,3]) is required but was not fed");
  EXPECT_EQ(error_of([&] { s.run({{"z", rank1}}); }), "model.onnx: feed 'z' is not an input of the model (inputs: x)");
  Tensor ok = Tensor::from_vector<float>(Shape{1, 3}, {1, 2, 3});
  EXPECT_EQ(error_of([&] { s.run({{"x", ok}}, {"nope"}); }),
            "model.onnx: 'nope' is not an output of the model (outputs: y)");
}

TEST(Session, ObserverSeesEveryProducedValueInOrder) {
  Session s = make_session(add_relu_model());
  std::vector<std::string> names;
  std::vector<float> sums;
  RunOptions options;
  options.observe_value = [&](const std::string& name, const Value& v) {
    names.push_back(name);
    const float* d = v.tensor().data<float>();
    sums.push_back(d[0] + d[1] + d[2]);
  };
  Tensor x = Tensor::from_vector<float>(Shape{1, 3}, {1, 2, -3});
  s.run({{"x", x}}, {}, options);
  // s = x + b = {2, 1, -2.5}; y = relu(s) = {2, 1, 0}
  EXPECT_EQ(names, (std::vector<std::string>{"s", "y"}));
  EXPECT_FLOAT_EQ(sums[0], 0.5f);
  EXPECT_FLOAT_EQ(sums[1], 3.0f);
  // Host-only placement: no copies, and the placement reports no fused group.
  EXPECT_TRUE(s.copies().empty());
  for (const NodePlacement& p : s.placement()) EXPECT_TRUE(p.fused_group.empty());
}

TEST(Session, PlacementOptionsAreValidatedAgainstTheModel) {
  SessionOptions o;
  o.placement.assignments = {{"Conv", "cpu"}};
  EXPECT_EQ(error_of([&] { make_session(add_relu_model(), o); }),
            "model.onnx: assignment 'Conv=cpu' matches no node name or op type of the model");
  o.placement.assignments = {{"relu", "cpu"}};
  EXPECT_EQ(make_session(add_relu_model(), o).placement()[1].provider, "cpu");
  SessionOptions p;
  p.provider_options["gpu"]["x"] = "1";
  EXPECT_NE(error_of([&] { make_session(add_relu_model(), p); }).find("options given for provider 'gpu'"),
            std::string::npos);
}

TEST(Session, RefusesUnknownProviders) {
  SessionOptions o;
  o.providers = {"tpu"};
  std::string msg = error_of([&] { make_session(add_relu_model(), o); });
  EXPECT_NE(msg.find("unknown provider 'tpu' (this build has: "), std::string::npos) << msg;
  EXPECT_NE(msg.find("cpu)"), std::string::npos) << msg;
}

TEST(Session, UnsupportedOpFailsAtCreationNamingNodeOpOpsetAndReason) {
  onnx::ModelProto m = base_model();
  auto* g = m.mutable_graph();
  add_value(g->add_input(), "x", onnx::TensorProto::FLOAT, {"2"});
  add_value(g->add_output(), "y", onnx::TensorProto::FLOAT, {"2"});
  add_node(g, "mystery", "NoSuchOp", {"x"}, {"y"});
  std::string msg = error_of([&] { make_session(m.SerializeAsString()); });
  EXPECT_NE(msg.find("model.onnx: no provider (cpu) can run 1 node(s): node 'mystery' (NoSuchOp) at opset 17"),
            std::string::npos) << msg;
  EXPECT_NE(msg.find("cpu: op NoSuchOp is not supported"), std::string::npos) << msg;
}

TEST(Session, UnsupportedTypeFailsAtCreationNamingTheType) {
  onnx::ModelProto m = base_model();
  auto* g = m.mutable_graph();
  add_value(g->add_input(), "x", onnx::TensorProto::STRING, {"2"});
  add_value(g->add_output(), "y", onnx::TensorProto::STRING, {"2"});
  add_node(g, "r", "Relu", {"x"}, {"y"});
  std::string msg = error_of([&] { make_session(m.SerializeAsString()); });
  EXPECT_NE(msg.find("node 'r' (Relu) at opset 17 — cpu: input 0 has type string"), std::string::npos) << msg;
}

TEST(Session, ImpossibleStaticReshapeFailsAtCreationNamingTheNode) {
  onnx::ModelProto m = base_model();
  auto* g = m.mutable_graph();
  add_value(g->add_input(), "x", onnx::TensorProto::FLOAT, {"2", "3"});
  add_value(g->add_output(), "y", onnx::TensorProto::FLOAT, {});
  auto* shape = g->add_initializer();
  shape->set_name("shape");
  shape->set_data_type(onnx::TensorProto::INT64);
  shape->add_dims(2);
  shape->add_int64_data(4);
  shape->add_int64_data(2);
  add_node(g, "bad_reshape", "Reshape", {"x", "shape"}, {"y"});
  // Shape inference proves it impossible before any run.
  std::string msg = error_of([&] { make_session(m.SerializeAsString()); });
  EXPECT_EQ(msg.rfind("model.onnx: node 'bad_reshape' (Reshape)", 0), 0u) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos);

  // With a symbolic dimension it can only fail at run time, still naming the node.
  g->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0)->set_dim_param("n");
  g->mutable_output(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  Session s = make_session(m.SerializeAsString());
  Tensor x(DataType::kFloat32, Shape{2, 3});
  msg = error_of([&] { s.run({{"x", x}}); });
  EXPECT_EQ(msg.rfind("model.onnx: node 'bad_reshape' (Reshape)", 0), 0u) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos);
}

TEST(Session, SequencesAndOptionalsFlowThroughIdentity) {
  onnx::ModelProto m = base_model(16);
  auto* g = m.mutable_graph();
  auto* seq = g->add_input();
  seq->set_name("seq");
  seq->mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(
      onnx::TensorProto::FLOAT);
  *g->add_output() = *seq;
  g->mutable_output(0)->set_name("seq_out");
  auto* opt = g->add_input();
  opt->set_name("opt");
  opt->mutable_type()->mutable_optional_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(
      onnx::TensorProto::INT64);
  *g->add_output() = *opt;
  g->mutable_output(1)->set_name("opt_out");
  add_node(g, "id_seq", "Identity", {"seq"}, {"seq_out"});
  add_node(g, "id_opt", "Identity", {"opt"}, {"opt_out"});
  Session s = make_session(m.SerializeAsString());
  EXPECT_EQ(s.inputs()[0].kind, ValueKind::kSequence);
  EXPECT_EQ(s.inputs()[1].kind, ValueKind::kOptional);

  Value sequence = Value::sequence({Tensor::from_vector<float>(Shape{2}, {1, 2}), Tensor::from_vector<float>(Shape{1}, {3})},
                                   DataType::kFloat32);
  Value present = Value::optional(Tensor::from_vector<int64_t>(Shape{1}, {7}));
  auto out = s.run_values({{"seq", sequence}, {"opt", present}});
  ASSERT_EQ(out.size(), 2u);
  ASSERT_EQ(out[0].kind(), ValueKind::kSequence);
  ASSERT_EQ(out[0].elements().size(), 2u);
  EXPECT_EQ(out[0].elements()[1].data<float>()[0], 3.0f);
  // Outputs own their memory: no buffer is shared with the feed.
  EXPECT_NE(out[0].elements()[0].raw_data(), sequence.elements()[0].raw_data());
  ASSERT_TRUE(out[1].has_element());
  EXPECT_EQ(out[1].element().tensor().data<int64_t>()[0], 7);

  auto empty = s.run_values({{"seq", sequence}, {"opt", Value::empty_optional(ValueKind::kTensor, DataType::kInt64)}});
  EXPECT_FALSE(empty[1].has_element());

  // Wrong kinds and element types are refused with expected versus got.
  EXPECT_EQ(error_of([&] { s.run_values({{"seq", Tensor::from_vector<float>(Shape{1}, {1})}, {"opt", present}}); }),
            "model.onnx: input 'seq': expected a sequence (seq(float32)), got a float32[1]");
  Value ints = Value::sequence({Tensor::from_vector<int64_t>(Shape{1}, {1})}, DataType::kInt64);
  EXPECT_EQ(error_of([&] { s.run_values({{"seq", ints}, {"opt", present}}); }),
            "model.onnx: input 'seq': expected seq(float32), got seq(int64) of 1");
  // The tensor-only API says where to go instead of returning something else.
  EXPECT_NE(error_of([&] { s.run({}); }).find("is required but was not fed"), std::string::npos);
}

TEST(Session, MapsReachingAKernelThatTakesNoneFailAtCreation) {
  onnx::ModelProto m = base_model();
  auto* ml = m.add_opset_import();
  ml->set_domain("ai.onnx.ml");
  ml->set_version(3);
  auto* g = m.mutable_graph();
  auto* in = g->add_input();
  in->set_name("map");
  auto* map_type = in->mutable_type()->mutable_map_type();
  map_type->set_key_type(onnx::TensorProto::INT64);
  map_type->mutable_value_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  *g->add_output() = *in;
  g->mutable_output(0)->set_name("out");
  add_node(g, "id", "Identity", {"map"}, {"out"});
  std::string msg = error_of([&] { make_session(m.SerializeAsString()); });
  // Identity takes tensors, sequences and optionals, not maps (ONNX's type constraint V).
  EXPECT_NE(msg.find("node 'id' (Identity) at opset 17"), std::string::npos) << msg;
  EXPECT_NE(msg.find("input 0 is a map"), std::string::npos) << msg;
}

TEST(Session, ConcurrentRunsGiveTheSameResults) {
  Session s = make_session(add_relu_model());
  std::vector<float> x(3 * 64);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 7) - 3.0f;
  Tensor feed = Tensor::wrap(DataType::kFloat32, Shape{64, 3}, x.data());
  auto reference = s.run({{"x", feed}})[0];
  std::vector<std::thread> threads;
  std::vector<int> mismatches(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < 20; ++r) {
        auto out = s.run({{"x", feed}})[0];
        for (int64_t i = 0; i < out.num_elements(); ++i) {
          mismatches[t] += out.data<float>()[i] != reference.data<float>()[i];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(mismatches[t], 0);
}

}  // namespace
}  // namespace aruntime
