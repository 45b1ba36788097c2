// Pins and cost rules on top of provider claims (core/placement_rules.h), through the partitioner.
#include <gtest/gtest.h>

#include "core/partitioner.h"
#include "core/placement_rules.h"
#include "tests/unit/op_test_util.h"
#include "tests/unit/test_execution_provider.h"

namespace aruntime {
namespace {

using testing::GraphBuilder;
using testing::TestExecutionProvider;

const Device kDevice{DeviceType::kGpu, 0};

// x -> a:Mul -> b:Relu -> c:Add -> y, with c also reading x.
GraphBuilder chain() {
  GraphBuilder b;
  b.input("x", {4}).output("y");
  b.node("a", "Mul", {"x", "x"}, {"t1"}).node("b", "Relu", {"t1"}, {"t2"}).node("c", "Add", {"t2", "x"}, {"y"});
  return b;
}

// Gives every value of `b` the static float32 shape `dims`, so the cost rules can estimate.
void make_static(GraphBuilder& b, std::vector<int64_t> dims) {
  for (auto& [name, type] : b.graph().value_types) {
    type.shape = std::vector<Dim>{};
    for (int64_t d : dims) type.shape->push_back(Dim::fixed(d));
  }
}

const std::string* decline_of(const PartitionResult& r, NodeIndex node, int provider) {
  for (const auto& [p, reason] : r.nodes[node].declines) {
    if (p == provider) return &reason;
  }
  return nullptr;
}

TEST(PlacementRules, PinnedNodeIsOfferedOnlyToItsProvider) {
  GraphBuilder b = chain();
  TestExecutionProvider dev("dev", kDevice);
  TestExecutionProvider host("host", Device::cpu());
  dev.claim_ops({"Mul", "Relu", "Add"});
  host.claim_ops({"Mul", "Relu", "Add"});
  PlacementOptions options;
  options.min_flops_per_copied_byte = 0;
  options.assignments = {{"b", "host"}};
  PartitionResult r = partition_graph(b.model, b.graph(), {&dev, &host}, "m.onnx", options);
  EXPECT_EQ(r.nodes[0].provider, 0);
  EXPECT_EQ(r.nodes[1].provider, 1);
  EXPECT_EQ(r.nodes[2].provider, 0);
  const std::string* why = decline_of(r, 1, 0);
  ASSERT_NE(why, nullptr);
  EXPECT_EQ(*why, "pinned to host by assignment 'b=host'");
}

TEST(PlacementRules, NodeNameWinsOverOpType) {
  GraphBuilder b = chain();
  TestExecutionProvider dev("dev", kDevice);
  TestExecutionProvider host("host", Device::cpu());
  dev.claim_ops({"Mul", "Relu", "Add"});
  host.claim_ops({"Mul", "Relu", "Add"});
  PlacementOptions options;
  options.min_flops_per_copied_byte = 0;
  options.assignments = {{"Mul", "host"}, {"a", "dev"}, {"Relu", "host"}};
  PartitionResult r = partition_graph(b.model, b.graph(), {&dev, &host}, "m.onnx", options);
  EXPECT_EQ(r.nodes[0].provider, 0);  // "a" by name, despite Mul=host
  EXPECT_EQ(r.nodes[1].provider, 1);  // Relu by op type
}

TEST(PlacementRules, PinnedProviderMustTakeTheNode) {
  GraphBuilder b = chain();
  TestExecutionProvider dev("dev", kDevice);
  TestExecutionProvider host("host", Device::cpu());
  dev.claim_ops({"Mul"});
  host.claim_ops({"Mul", "Relu", "Add"});
  PlacementOptions options;
  options.assignments = {{"c", "dev"}};
  testing::expect_error([&] { partition_graph(b.model, b.graph(), {&dev, &host}, "m.onnx", options); },
                        ErrorCode::kInvalidArgument,
                        {"m.onnx: node 'c' (Add) is assigned to dev by 'c=dev', but it declined: test provider dev "
                         "does not take Add"});
  options.assignments = {{"c", "gpu"}};
  testing::expect_error([&] { partition_graph(b.model, b.graph(), {&dev, &host}, "m.onnx", options); },
                        ErrorCode::kInvalidArgument, {"names provider 'gpu'", "providers: dev,host"});
}

TEST(PlacementRules, SmallDeviceRegionsStayOnTheHostUnlessPinned) {
  GraphBuilder b = chain();
  TestExecutionProvider dev("dev", kDevice);
  TestExecutionProvider host("host", Device::cpu());
  dev.claim_ops({"Mul", "Add"});  // two claims, not connected: a -> b(host) -> c
  host.claim_ops({"Mul", "Relu", "Add"});
  PlacementOptions options;
  options.min_flops_per_copied_byte = 0;
  options.min_device_group_nodes = 2;
  PartitionResult r = partition_graph(b.model, b.graph(), {&dev, &host}, "m.onnx", options);
  EXPECT_EQ(r.nodes[0].provider, 1);
  EXPECT_EQ(r.nodes[2].provider, 1);
  ASSERT_NE(decline_of(r, 0, 0), nullptr);
  EXPECT_EQ(*decline_of(r, 0, 0), "group too small (1 node(s) < min_device_group_nodes 2)");

  // Connected claims count together: Mul -> Relu make a region of two.
  dev.claim_ops({"Mul", "Relu"});
  r = partition_graph(b.model, b.graph(), {&dev, &host}, "m.onnx", options);
  EXPECT_EQ(r.nodes[0].provider, 0);
  EXPECT_EQ(r.nodes[1].provider, 0);

  // A pin exempts its region from the rule.
  dev.claim_ops({"Add"});
  options.assignments = {{"c", "dev"}};
  r = partition_graph(b.model, b.graph(), {&dev, &host}, "m.onnx", options);
  EXPECT_EQ(r.nodes[2].provider, 0);
}

TEST(PlacementRules, CheapRegionsWhoseCopiesCostMoreStayOnTheHost) {
  GraphBuilder b = chain();
  make_static(b, {1000});
  TestExecutionProvider dev("dev", kDevice);
  TestExecutionProvider host("host", Device::cpu());
  dev.claim_ops({"Relu"});
  host.claim_ops({"Mul", "Relu", "Add"});
  // Relu on 1000 floats: 1000 FLOPs against 4000 bytes in and 4000 out.
  PartitionResult r = partition_graph(b.model, b.graph(), {&dev, &host}, "m.onnx", PlacementOptions{});
  EXPECT_EQ(r.nodes[1].provider, 1);
  ASSERT_NE(decline_of(r, 1, 0), nullptr);
  EXPECT_EQ(*decline_of(r, 1, 0),
            "copy cost: 1 node(s) move 7.8 KB across the device boundary for 1000 FLOP (< 4 FLOP per copied byte)");

  PlacementOptions off;
  off.min_flops_per_copied_byte = 0;
  r = partition_graph(b.model, b.graph(), {&dev, &host}, "m.onnx", off);
  EXPECT_EQ(r.nodes[1].provider, 0);

  // 1000 FLOPs per 8000 bytes passes a threshold of 0.1 FLOP per byte.
  PlacementOptions low;
  low.min_flops_per_copied_byte = 0.1;
  r = partition_graph(b.model, b.graph(), {&dev, &host}, "m.onnx", low);
  EXPECT_EQ(r.nodes[1].provider, 0);

  // Host providers are never subject to the rule.
  TestExecutionProvider host_first("host_first", Device::cpu());
  host_first.claim_ops({"Relu"});
  r = partition_graph(b.model, b.graph(), {&host_first, &host}, "m.onnx", PlacementOptions{});
  EXPECT_EQ(r.nodes[1].provider, 0);
}

TEST(PlacementRules, ShapeComputationsStayOnTheHost) {
  // x -> Shape -> Gather(idx) -> Unsqueeze -> Concat(with const) -> Reshape(x, shape) -> y
  GraphBuilder b;
  b.input("x", {2, 6}).output("y");
  b.initializer("idx", Tensor::from_vector<int64_t>(Shape{}, {0}));
  b.initializer("axes", Tensor::from_vector<int64_t>(Shape{1}, {0}));
  b.initializer("minus1", Tensor::from_vector<int64_t>(Shape{1}, {-1}));
  b.node("shape", "Shape", {"x"}, {"s"})
      .node("gather", "Gather", {"s", "idx"}, {"n"})
      .node("unsq", "Unsqueeze", {"n", "axes"}, {"n1"})
      .node("concat", "Concat", {"n1", "minus1"}, {"target"})
      .node("reshape", "Reshape", {"x", "target"}, {"y"});
  auto shapes = shape_computation_nodes(b.graph());
  EXPECT_EQ(shapes, (std::vector<bool>{false, true, true, true, false}));

  TestExecutionProvider dev("dev", kDevice);
  TestExecutionProvider host("host", Device::cpu());
  dev.claim_ops({"Shape", "Gather", "Unsqueeze", "Concat", "Reshape"});
  host.claim_ops({"Shape", "Gather", "Unsqueeze", "Concat", "Reshape"});
  PlacementOptions options;
  options.min_flops_per_copied_byte = 0;
  PartitionResult r = partition_graph(b.model, b.graph(), {&dev, &host}, "m.onnx", options);
  EXPECT_EQ(r.nodes[0].provider, 0);
  for (NodeIndex i : {1, 2, 3}) {
    EXPECT_EQ(r.nodes[i].provider, 1) << i;
    ASSERT_NE(decline_of(r, i, 0), nullptr);
    EXPECT_EQ(*decline_of(r, i, 0), "shape computation stays on the host");
  }
  EXPECT_EQ(r.nodes[4].provider, 0);

  options.keep_shape_computations_on_host = false;
  r = partition_graph(b.model, b.graph(), {&dev, &host}, "m.onnx", options);
  EXPECT_EQ(r.nodes[2].provider, 0);
}

}  // namespace
}  // namespace aruntime
