#include <gtest/gtest.h>

#include "core/partitioner.h"
#include "tests/unit/op_test_util.h"
#include "tests/unit/test_execution_provider.h"

namespace aruntime {
namespace {

using testing::GraphBuilder;
using testing::TestExecutionProvider;

// x -> a:Mul -> b:Relu -> c:Add -> y, with c also reading x.
GraphBuilder chain() {
  GraphBuilder b;
  b.input("x", {4}).output("y");
  b.node("a", "Mul", {"x", "x"}, {"t1"}).node("b", "Relu", {"t1"}, {"t2"}).node("c", "Add", {"t2", "x"}, {"y"});
  return b;
}

TEST(Partitioner, EarlierProvidersWinAndLaterOnesTakeTheRest) {
  GraphBuilder b = chain();
  TestExecutionProvider first("first", Device::cpu());
  TestExecutionProvider second("second", Device::cpu());
  first.claim_ops({"Relu"});
  second.claim_ops({"Mul", "Relu", "Add"});
  PartitionResult r = partition_graph(b.model, b.graph(), {&first, &second}, "m.onnx");
  EXPECT_EQ(r.nodes[0].provider, 1);
  EXPECT_EQ(r.nodes[1].provider, 0);
  EXPECT_EQ(r.nodes[2].provider, 1);
  // Nodes the first provider declined carry its reason; the node it took has no declines.
  ASSERT_EQ(r.nodes[0].declines.size(), 1u);
  EXPECT_EQ(r.nodes[0].declines[0].first, 0);
  EXPECT_NE(r.nodes[0].declines[0].second.find("does not take Mul"), std::string::npos);
  EXPECT_TRUE(r.nodes[1].declines.empty());
}

TEST(Partitioner, UnclaimedNodesFailWithEveryNodeAndReasonOnOneLine) {
  GraphBuilder b = chain();
  TestExecutionProvider only("only", Device::cpu());
  only.claim_ops({"Relu"});
  try {
    partition_graph(b.model, b.graph(), {&only}, "m.onnx");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(e.code(), ErrorCode::kNotImplemented);
    EXPECT_EQ(msg.find('\n'), std::string::npos);
    EXPECT_NE(msg.find("m.onnx: no provider (only) can run 2 node(s)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("node 'a' (Mul) at opset 17"), std::string::npos) << msg;
    EXPECT_NE(msg.find("node 'c' (Add)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("does not take Add"), std::string::npos) << msg;
  }
}

TEST(Partitioner, ConvexGroupIsFusedIntoOneAssignment) {
  GraphBuilder b = chain();
  TestExecutionProvider dev("dev", Device{DeviceType::kNpu, 0});
  TestExecutionProvider host("host", Device::cpu());
  dev.claim_group({"a", "b"});
  host.claim_ops({"Mul", "Relu", "Add"});
  PartitionResult r = partition_graph(b.model, b.graph(), {&dev, &host}, "m.onnx");
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_EQ(r.nodes[0].group, 0);
  EXPECT_EQ(r.nodes[1].group, 0);
  EXPECT_EQ(r.nodes[2].provider, 1);
}

TEST(Partitioner, NonConvexGroupIsRefused) {
  // a and c grouped without b: the path a -> b -> c leaves the group and re-enters it.
  GraphBuilder b = chain();
  TestExecutionProvider dev("dev", Device::cpu());
  dev.claim_group({"a", "c"});
  EXPECT_FALSE(is_convex(b.graph(), {0, 2}));
  EXPECT_TRUE(is_convex(b.graph(), {0, 1}));
  EXPECT_TRUE(is_convex(b.graph(), {0, 1, 2}));
  try {
    partition_graph(b.model, b.graph(), {&dev}, "m.onnx");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("non-convex group"), std::string::npos) << e.what();
  }
}

TEST(Partitioner, ClaimingATakenNodeIsRefused) {
  GraphBuilder b = chain();
  TestExecutionProvider dev("dev", Device::cpu());
  dev.claim_group({"a", "b"}).claim_group({"b", "c"});
  try {
    partition_graph(b.model, b.graph(), {&dev}, "m.onnx");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("node 'b' (Relu), which is already assigned"), std::string::npos) << e.what();
  }
}

TEST(Partitioner, GroupsThatFeedEachOtherAreRefused) {
  // x -> a -> b -> y1 and x -> c -> d -> y2. {a, d} and {b, c} are each convex, but a feeds b and
  // c feeds d: fused, each group would wait for the other.
  GraphBuilder b;
  b.input("x", {2}).output("y1").output("y2");
  b.node("a", "Neg", {"x"}, {"p"}).node("b", "Relu", {"p"}, {"y1"});
  b.node("c", "Neg", {"x"}, {"q"}).node("d", "Relu", {"q"}, {"y2"});
  TestExecutionProvider dev("dev", Device::cpu());
  dev.claim_group({"a", "d"}).claim_group({"b", "c"});
  testing::expect_error([&] { partition_graph(b.model, b.graph(), {&dev}, "m.onnx"); }, ErrorCode::kRuntimeError,
                        {"m.onnx: fused groups depend on each other in a cycle", "dev group starting at node 'a' (Neg)",
                         "dev group starting at node 'b' (Relu)"});
  // The same groups without the cross edges are fine.
  TestExecutionProvider ok("ok", Device::cpu());
  ok.claim_group({"a", "b"}).claim_group({"c", "d"});
  EXPECT_EQ(partition_graph(b.model, b.graph(), {&ok}, "m.onnx").groups.size(), 2u);
}

}  // namespace
}  // namespace aruntime
