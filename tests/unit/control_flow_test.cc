// If, Loop and Scan through the public Session API: bodies are partitioned, planned and run by
// the same machinery as the main graph, and read values of the enclosing graph.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include "aruntime/session.h"

namespace aruntime {
namespace {

void tensor_value(onnx::ValueInfoProto* v, const std::string& name, int elem_type) {
  v->set_name(name);
  v->mutable_type()->mutable_tensor_type()->set_elem_type(elem_type);
}

void node(onnx::GraphProto* g, const std::string& op, std::vector<std::string> in, std::vector<std::string> out) {
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(op + "_" + out[0]);
  for (auto& i : in) n->add_input(i);
  for (auto& o : out) n->add_output(o);
}

onnx::ModelProto model() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(17);
  return m;
}

Session session_of(const onnx::ModelProto& m) {
  return Session(Environment(), m.SerializeAsString(), "cf.onnx", "");
}

// y = cond ? x * k : x - k, where k is a value of the main graph read inside both branches.
TEST(ControlFlow, IfRunsTheChosenBranchWithOuterScopeValues) {
  onnx::ModelProto m = model();
  auto* g = m.mutable_graph();
  g->set_name("main");
  tensor_value(g->add_input(), "cond", onnx::TensorProto::BOOL);
  tensor_value(g->add_input(), "x", onnx::TensorProto::FLOAT);
  tensor_value(g->add_output(), "y", onnx::TensorProto::FLOAT);
  node(g, "Add", {"x", "x"}, {"k"});  // k = 2x, produced in the main graph
  auto* n = g->add_node();
  n->set_op_type("If");
  n->set_name("choose");
  n->add_input("cond");
  n->add_output("y");
  for (const char* branch : {"then_branch", "else_branch"}) {
    auto* a = n->add_attribute();
    a->set_name(branch);
    a->set_type(onnx::AttributeProto::GRAPH);
    auto* b = a->mutable_g();
    b->set_name(branch);
    node(b, std::string(branch) == "then_branch" ? "Mul" : "Sub", {"x", "k"}, {std::string(branch) + "_out"});
    tensor_value(b->add_output(), std::string(branch) + "_out", onnx::TensorProto::FLOAT);
  }
  Session s = session_of(m);
  Tensor x = Tensor::from_vector<float>(Shape{2}, {1.5f, -2.0f});
  auto then_out = s.run({{"cond", Tensor::scalar<bool>(true)}, {"x", x}});
  EXPECT_FLOAT_EQ(then_out[0].data<float>()[0], 4.5f);  // 1.5 * 3
  EXPECT_FLOAT_EQ(then_out[0].data<float>()[1], 8.0f);  // -2 * -4
  auto else_out = s.run({{"cond", Tensor::scalar<bool>(false)}, {"x", x}});
  EXPECT_FLOAT_EQ(else_out[0].data<float>()[0], -1.5f);  // 1.5 - 3
  EXPECT_FLOAT_EQ(else_out[0].data<float>()[1], 2.0f);   // -2 - (-4)
}

// Loop: acc starts at 0 and adds the outer value `step` each iteration; the scan output records
// acc after each iteration. With M = 4 and step = 2.5: acc = 10, scan = [2.5, 5, 7.5, 10].
TEST(ControlFlow, LoopCarriesValuesAndStacksScanOutputs) {
  onnx::ModelProto m = model();
  auto* g = m.mutable_graph();
  g->set_name("main");
  tensor_value(g->add_input(), "M", onnx::TensorProto::INT64);
  tensor_value(g->add_input(), "step", onnx::TensorProto::FLOAT);
  tensor_value(g->add_input(), "acc0", onnx::TensorProto::FLOAT);
  tensor_value(g->add_output(), "acc", onnx::TensorProto::FLOAT);
  tensor_value(g->add_output(), "history", onnx::TensorProto::FLOAT);
  auto* n = g->add_node();
  n->set_op_type("Loop");
  n->set_name("loop");
  for (const char* i : {"M", "", "acc0"}) n->add_input(i);
  n->add_output("acc");
  n->add_output("history");
  auto* a = n->add_attribute();
  a->set_name("body");
  a->set_type(onnx::AttributeProto::GRAPH);
  auto* b = a->mutable_g();
  b->set_name("body");
  tensor_value(b->add_input(), "i", onnx::TensorProto::INT64);
  tensor_value(b->add_input(), "cond_in", onnx::TensorProto::BOOL);
  tensor_value(b->add_input(), "acc_in", onnx::TensorProto::FLOAT);
  node(b, "Identity", {"cond_in"}, {"cond_out"});
  node(b, "Add", {"acc_in", "step"}, {"acc_out"});
  node(b, "Identity", {"acc_out"}, {"scan_out"});
  tensor_value(b->add_output(), "cond_out", onnx::TensorProto::BOOL);
  tensor_value(b->add_output(), "acc_out", onnx::TensorProto::FLOAT);
  tensor_value(b->add_output(), "scan_out", onnx::TensorProto::FLOAT);
  Session s = session_of(m);
  auto out = s.run({{"M", Tensor::scalar<int64_t>(4)},
                    {"step", Tensor::from_vector<float>(Shape{1}, {2.5f})},
                    {"acc0", Tensor::from_vector<float>(Shape{1}, {0.0f})}});
  EXPECT_FLOAT_EQ(out[0].data<float>()[0], 10.0f);
  ASSERT_EQ(out[1].shape(), (Shape{4, 1}));
  const float expected[4] = {2.5f, 5.0f, 7.5f, 10.0f};
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(out[1].data<float>()[i], expected[i]);
  // Zero iterations: the carried value comes back unchanged, the scan output is empty.
  auto none = s.run({{"M", Tensor::scalar<int64_t>(0)},
                     {"step", Tensor::from_vector<float>(Shape{1}, {2.5f})},
                     {"acc0", Tensor::from_vector<float>(Shape{1}, {1.0f})}});
  EXPECT_FLOAT_EQ(none[0].data<float>()[0], 1.0f);
  EXPECT_EQ(none[1].num_elements(), 0);
}

TEST(ControlFlow, AnUnsupportedOpInsideABodyFailsAtCreationNamingIt) {
  onnx::ModelProto m = model();
  auto* g = m.mutable_graph();
  g->set_name("main");
  tensor_value(g->add_input(), "cond", onnx::TensorProto::BOOL);
  tensor_value(g->add_output(), "y", onnx::TensorProto::FLOAT);
  auto* n = g->add_node();
  n->set_op_type("If");
  n->set_name("choose");
  n->add_input("cond");
  n->add_output("y");
  for (const char* branch : {"then_branch", "else_branch"}) {
    auto* a = n->add_attribute();
    a->set_name(branch);
    a->set_type(onnx::AttributeProto::GRAPH);
    auto* b = a->mutable_g();
    b->set_name(branch);
    auto* inner = b->add_node();
    inner->set_op_type("NoSuchOp");
    inner->set_name(std::string("inner_") + branch);
    inner->add_output("o");
    tensor_value(b->add_output(), "o", onnx::TensorProto::FLOAT);
  }
  try {
    session_of(m);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(msg.rfind("cf.onnx: node 'choose' (If): no provider (cpu) can run 1 node(s): node 'inner_then_branch'", 0),
              0u) << msg;
  }
}

}  // namespace
}  // namespace aruntime
