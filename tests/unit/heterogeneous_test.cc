// Partitioning and copy insertion across several devices, with the configurable test provider:
// interleaved claims, graph inputs and outputs on a device, a value read on several devices,
// values moving between two devices, and claims inside control-flow subgraphs.
#include <gtest/gtest.h>

#include "core/arena.h"
#include "core/execution_plan.h"
#include "core/executor.h"
#include "core/partitioner.h"
#include "core/subgraph_compiler.h"
#include "graph/type_inference.h"
#include "providers/cpu/cpu_execution_provider.h"
#include "tests/unit/op_test_util.h"
#include "tests/unit/test_execution_provider.h"

namespace aruntime {
namespace {

using testing::GraphBuilder;
using testing::TestExecutionProvider;

const Device kNpu{DeviceType::kNpu, 0};
const Device kGpu{DeviceType::kGpu, 0};

struct Harness {
  GraphBuilder builder;
  std::vector<const ExecutionProvider*> eps;
  std::vector<std::shared_ptr<ArenaAllocator>> arenas;
  std::shared_ptr<ArenaAllocator> host = std::make_shared<ArenaAllocator>(cpu_heap_allocator());
  std::unique_ptr<SessionSubgraphCompiler> subgraphs;
  PartitionResult partition;
  ExecutionPlan plan;

  void build() {
    std::vector<Allocator*> raw;
    for (const auto* ep : eps) {
      arenas.push_back(ep->device().is_cpu() ? host : std::make_shared<ArenaAllocator>(ep->allocator()));
      raw.push_back(arenas.back().get());
    }
    infer_types(builder.graph());
    PlacementOptions no_cost_rules;
    no_cost_rules.min_flops_per_copied_byte = 0;
    subgraphs = std::make_unique<SessionSubgraphCompiler>(builder.model, eps, raw, host.get(), no_cost_rules);
    partition = partition_graph(builder.model, builder.graph(), eps, "m.onnx", no_cost_rules);
    plan = build_execution_plan({builder.model, builder.graph(), eps, partition, raw, host.get(), subgraphs.get()});
  }
  std::vector<Tensor> run(std::vector<Value> inputs) {
    SequentialExecutor ex(plan, builder.model.origin, *cpu_heap_allocator());
    std::vector<Tensor> out;
    for (Value& v : ex.run(std::move(inputs))) out.push_back(std::move(v.tensor()));
    return out;
  }
};

TEST(Heterogeneous, InterleavedClaimsCopyAtEveryBoundary) {
  // x -> a:Neg (npu) -> b:Relu (host) -> c:Neg (npu) -> y
  Harness h;
  h.builder.input("x", {3}).output("y");
  h.builder.node("a", "Neg", {"x"}, {"t1"}).node("b", "Relu", {"t1"}, {"t2"}).node("c", "Neg", {"t2"}, {"y"});
  TestExecutionProvider npu("npu", kNpu);
  TestExecutionProvider host("host", Device::cpu());
  npu.claim_ops({"Neg"});
  host.claim_ops({"Relu", "Neg"});
  h.eps = {&npu, &host};
  h.build();
  // x in, t1 out, t2 in, y out.
  EXPECT_EQ(h.plan.num_copies, 4u);
  auto out = h.run({testing::f32({3}, {-1, 2, -3})});
  EXPECT_EQ(npu.copies(), 4);
  testing::expect_near(out[0], testing::f32({3}, {-1, 0, -3}));
}

TEST(Heterogeneous, GraphInputsAndOutputsOnTheDeviceCostOneCopyEach) {
  // Every node on the device: the only copies are the graph input in and the outputs out.
  Harness h;
  h.builder.input("x", {2}).output("y").output("z");
  h.builder.node("a", "Mul", {"x", "x"}, {"y"}).node("b", "Neg", {"y"}, {"z"});
  TestExecutionProvider npu("npu", kNpu);
  npu.claim_ops({"Mul", "Neg"});
  h.eps = {&npu};
  h.build();
  EXPECT_EQ(h.plan.num_copies, 3u);
  auto out = h.run({testing::f32({2}, {3, -2})});
  testing::expect_near(out[0], testing::f32({2}, {9, 4}));
  testing::expect_near(out[1], testing::f32({2}, {-9, -4}));
  EXPECT_TRUE(out[0].device().is_cpu());
  EXPECT_TRUE(out[1].device().is_cpu());
}

TEST(Heterogeneous, ConstantsOfAProviderThatKeepsThemOnTheDeviceAreUploadedOncePerPlan) {
  // y = (x + w) * w with w a constant, both nodes on the device.
  for (bool keep : {false, true}) {
    Harness h;
    h.builder.input("x", {2}).output("y").initializer("w", testing::f32({2}, {2, -3}));
    h.builder.node("a", "Add", {"x", "w"}, {"t"}).node("b", "Mul", {"t", "w"}, {"y"});
    TestExecutionProvider gpu("gpu", kGpu);
    gpu.claim_ops({"Add", "Mul"}).keep_constants_on_device(keep);
    h.eps = {&gpu};
    h.build();
    // Per run: x in and y out, plus w in when it is not kept on the device.
    EXPECT_EQ(h.plan.num_copies, keep ? 2u : 3u) << keep;
    EXPECT_EQ(h.plan.num_constant_uploads, keep ? 1u : 0u) << keep;
    EXPECT_EQ(gpu.copies(), keep ? 1 : 0) << keep;
    for (int run = 1; run <= 2; ++run) {
      auto out = h.run({testing::f32({2}, {1, 1})});
      testing::expect_near(out[0], testing::f32({2}, {6, 6}));
    }
    EXPECT_EQ(gpu.copies(), keep ? 1 + 2 * 2 : 2 * 3) << keep;
    // The uploaded constant lives on the device, beside the host one.
    int on_device = 0;
    for (const auto& [slot, t] : h.plan.constants) on_device += t.device() == kGpu;
    EXPECT_EQ(on_device, keep ? 1 : 0);
  }
}

TEST(Heterogeneous, InputsAKernelReadsInHostMemoryAreNotCopiedToTheDevice) {
  // y = x * s with s produced on the host (Relu) and read by the device kernel on the host.
  Harness h;
  h.builder.input("x", {2}).input("t", {2}).output("y");
  h.builder.node("r", "Relu", {"t"}, {"s"}).node("m", "Mul", {"x", "s"}, {"y"});
  TestExecutionProvider gpu("gpu", kGpu);
  TestExecutionProvider host("host", Device::cpu());
  gpu.claim_ops({"Mul"}).host_inputs({1});
  host.claim_ops({"Relu"});
  h.eps = {&gpu, &host};
  h.build();
  EXPECT_EQ(h.plan.num_copies, 2u);  // x in, y out; s stays where Relu wrote it
  for (const ExecutionStep& step : h.plan.steps) {
    if (step.node->name != "m") continue;
    EXPECT_EQ(h.plan.slot_devices[step.inputs[0]], kGpu);
    EXPECT_TRUE(h.plan.slot_devices[step.inputs[1]].is_cpu());
  }
  auto out = h.run({testing::f32({2}, {3, 4}), testing::f32({2}, {-1, 2})});
  testing::expect_near(out[0], testing::f32({2}, {0, 8}));
}

TEST(Heterogeneous, ShapeOfADeviceValueCopiesNothing) {
  // x -> Relu (gpu) -> r -> Neg (gpu) -> y; Shape(r) on the host reads only r's shape.
  Harness h;
  h.builder.input("x", {2, 3}).output("y").output("s");
  h.builder.node("a", "Relu", {"x"}, {"r"}).node("b", "Neg", {"r"}, {"y"}).node("c", "Shape", {"r"}, {"s"});
  h.builder.graph().value_types["s"].dtype = DataType::kInt64;  // the builder declares float32
  TestExecutionProvider gpu("gpu", kGpu);
  gpu.claim_ops({"Relu", "Neg"});
  CpuExecutionProvider cpu;
  h.eps = {&gpu, &cpu};
  h.build();
  EXPECT_EQ(h.plan.num_copies, 2u);  // x in, y out: r is never copied for Shape
  auto out = h.run({testing::f32({2, 3}, {-1, 2, -3, 4, -5, 6})});
  testing::expect_near(out[0], testing::f32({2, 3}, {0, -2, 0, -4, 0, -6}));
  ASSERT_EQ(out[1].dtype(), DataType::kInt64);
  EXPECT_EQ(out[1].data<int64_t>()[0], 2);
  EXPECT_EQ(out[1].data<int64_t>()[1], 3);
}

TEST(Heterogeneous, ValueReadOnTwoDevicesIsCopiedOncePerDevice) {
  // x feeds npu (a, b) and gpu (c, d); each device gets one copy of x however many readers.
  Harness h;
  h.builder.input("x", {2}).output("y1").output("y2").output("y3").output("y4");
  h.builder.node("a", "Neg", {"x"}, {"y1"}).node("b", "Relu", {"x"}, {"y2"});
  h.builder.node("c", "Mul", {"x", "x"}, {"y3"}).node("d", "Add", {"x", "x"}, {"y4"});
  TestExecutionProvider npu("npu", kNpu);
  TestExecutionProvider gpu("gpu", kGpu);
  npu.claim_ops({"Neg", "Relu"});
  gpu.claim_ops({"Mul", "Add"});
  h.eps = {&npu, &gpu};
  h.build();
  EXPECT_EQ(h.plan.num_copies, 2u + 4u);  // x to each device, four outputs back
  auto out = h.run({testing::f32({2}, {-2, 5})});
  EXPECT_EQ(npu.copies(), 3);
  EXPECT_EQ(gpu.copies(), 3);
  testing::expect_near(out[0], testing::f32({2}, {2, -5}));
  testing::expect_near(out[1], testing::f32({2}, {0, 5}));
  testing::expect_near(out[2], testing::f32({2}, {4, 25}));
  testing::expect_near(out[3], testing::f32({2}, {-4, 10}));
}

TEST(Heterogeneous, ValuesMoveBetweenTwoDevicesThroughTheHost) {
  // a on npu produces t, read by b on gpu: neither device copies to the other directly.
  Harness h;
  h.builder.input("x", {2}).output("y");
  h.builder.node("a", "Neg", {"x"}, {"t"}).node("b", "Mul", {"t", "t"}, {"y"});
  TestExecutionProvider npu("npu", kNpu);
  TestExecutionProvider gpu("gpu", kGpu);
  npu.claim_ops({"Neg"});
  gpu.claim_ops({"Mul"});
  h.eps = {&npu, &gpu};
  h.build();
  auto out = h.run({testing::f32({2}, {3, -4})});
  testing::expect_near(out[0], testing::f32({2}, {9, 16}));
  EXPECT_EQ(npu.copies(), 2);  // x in, t out
  EXPECT_EQ(gpu.copies(), 2);  // t in, y out
}

// If(cond) then: y = -x on the device, else: y = relu(x) on the device; the If runs on the host.
GraphBuilder if_model() {
  GraphBuilder b;
  b.input("x", {3}).output("y");
  b.graph().inputs.push_back({"cond", TypeInfo{ValueKind::kTensor, DataType::kBool, std::vector<Dim>{}}});
  b.graph().value_types["cond"] = b.graph().inputs.back().type;
  auto branch = [&](const std::string& name, const std::string& op) {
    auto g = std::make_shared<Graph>();
    g->name = name;
    g->parent = &b.graph();
    Node n;
    n.name = name + "_node";
    n.op_type = op;
    n.inputs = {"x"};
    n.outputs = {name + "_y"};
    g->nodes.push_back(n);
    g->outputs.push_back({name + "_y", TypeInfo{ValueKind::kTensor, DataType::kFloat32, std::nullopt}});
    g->value_types[name + "_y"] = g->outputs.back().type;
    Attribute a;
    a.name = name == "then" ? "then_branch" : "else_branch";
    a.type = Attribute::Type::kGraph;
    a.g = g;
    return a;
  };
  Node n;
  n.name = "if";
  n.op_type = "If";
  n.inputs = {"cond"};
  n.outputs = {"y"};
  n.attributes = {branch("then", "Neg"), branch("else", "Relu")};
  b.graph().nodes.push_back(n);
  return b;
}

TEST(Heterogeneous, ClaimsInsideSubgraphsRunOnTheDevice) {
  Harness h;
  h.builder = if_model();
  TestExecutionProvider npu("npu", kNpu);
  npu.claim_ops({"Neg", "Relu"});
  CpuExecutionProvider cpu;
  h.eps = {&npu, &cpu};
  h.build();
  EXPECT_EQ(h.partition.nodes[0].provider, 1);  // If: only the host has it
  Tensor yes = Tensor::from_vector<bool>(Shape{}, {true});
  Tensor no = Tensor::from_vector<bool>(Shape{}, {false});
  auto out = h.run({testing::f32({3}, {-1, 2, -3}), Value(yes)});
  testing::expect_near(out[0], testing::f32({3}, {1, -2, 3}));
  // The branch node ran on the device: x went in and its result came back.
  EXPECT_EQ(npu.copies(), 2);
  out = h.run({testing::f32({3}, {-1, 2, -3}), Value(no)});
  testing::expect_near(out[0], testing::f32({3}, {0, 2, 0}));
  EXPECT_EQ(npu.copies(), 4);
}

}  // namespace
}  // namespace aruntime
