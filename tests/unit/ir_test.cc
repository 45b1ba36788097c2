#include <gtest/gtest.h>

#include "graph/type_inference.h"
#include "tests/unit/test_execution_provider.h"

namespace aruntime {
namespace {

using testing::GraphBuilder;

TEST(TopologicalSort, OrdersNodesAndKeepsFileOrderWhenFree) {
  GraphBuilder b;
  b.input("x", {1}).output("z");
  b.node("second", "Relu", {"y"}, {"z"}).node("first", "Neg", {"x"}, {"y"}).node("free", "Neg", {"x"}, {"w"});
  topological_sort(b.graph(), "m.onnx");
  ASSERT_EQ(b.graph().nodes.size(), 3u);
  EXPECT_EQ(b.graph().nodes[0].name, "first");
  EXPECT_EQ(b.graph().nodes[1].name, "second");
  EXPECT_EQ(b.graph().nodes[2].name, "free");
}

TEST(TopologicalSort, RefusesCyclesNamingANode) {
  GraphBuilder b;
  b.input("x", {1}).output("z");
  b.node("p", "Add", {"x", "q_out"}, {"p_out"}).node("q", "Relu", {"p_out"}, {"q_out"}).node("r", "Neg", {"q_out"}, {"z"});
  try {
    topological_sort(b.graph(), "m.onnx");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidModel);
    EXPECT_NE(std::string(e.what()).find("m.onnx: graph 'g' has a cycle through node 'p' (Add)"), std::string::npos)
        << e.what();
  }
}

TEST(TopologicalSort, RefusesUndefinedInputs) {
  GraphBuilder b;
  b.input("x", {1}).output("z");
  b.node("n", "Add", {"x", "ghost"}, {"z"});
  try {
    topological_sort(b.graph(), "m.onnx");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("node 'n' (Add) reads 'ghost'"), std::string::npos) << e.what();
  }
}

TEST(Graph, FindsOuterScopeReadsOfSubgraphs) {
  auto body = std::make_shared<Graph>();
  body->inputs.push_back({"i", {}});
  Node n;
  n.name = "inner";
  n.op_type = "Add";
  n.inputs = {"i", "outer_value"};
  n.outputs = {"o"};
  body->nodes.push_back(n);
  body->outputs.push_back({"o", {}});
  EXPECT_EQ(Graph::outer_scope_inputs(*body), std::vector<std::string>{"outer_value"});

  GraphBuilder b;
  b.input("outer_value", {1}).output("res");
  b.node("loop", "Loop", {}, {"res"});
  Attribute a;
  a.name = "body";
  a.type = Attribute::Type::kGraph;
  a.g = body;
  b.graph().nodes[0].attributes.push_back(a);
  auto consumers = b.graph().consumers();
  ASSERT_EQ(consumers["outer_value"].size(), 1u);
  EXPECT_EQ(consumers["outer_value"][0], 0u);
}

TEST(TypeInference, FollowsOnnxTypeRules) {
  GraphBuilder b;
  b.input("x", {2, 3}).output("s");
  b.node("shape", "Shape", {"x"}, {"s"});
  b.node("eq", "Equal", {"x", "x"}, {"e"});
  b.node("cast", "Cast", {"x"}, {"c"});
  Attribute to;
  to.name = "to";
  to.type = Attribute::Type::kInt;
  to.i = 10;  // FLOAT16
  b.graph().nodes.back().attributes.push_back(to);
  b.node("mp", "MaxPool", {"x"}, {"pooled", "indices"});
  b.node("relu", "Relu", {"c"}, {"r"});
  // The builder records float32 for every node output; clear them so inference has work to do.
  for (const char* v : {"s", "e", "c", "pooled", "indices", "r"}) b.graph().value_types.erase(v);
  infer_types(b.graph());
  EXPECT_EQ(b.graph().value_types["s"].dtype, DataType::kInt64);
  EXPECT_EQ(b.graph().value_types["e"].dtype, DataType::kBool);
  EXPECT_EQ(b.graph().value_types["c"].dtype, DataType::kFloat16);
  EXPECT_EQ(b.graph().value_types["pooled"].dtype, DataType::kFloat32);
  EXPECT_EQ(b.graph().value_types["indices"].dtype, DataType::kInt64);
  EXPECT_EQ(b.graph().value_types["r"].dtype, DataType::kFloat16);
}

}  // namespace
}  // namespace aruntime
