// What the NPU provider claims and why it declines the rest: one test per decline reason of the
// fixed vocabulary (providers/npu/npu_decline.h), group growth and convex splitting, the memory
// budget and the minimum group size, all through Session placement. Outputs of mixed placements
// are checked against the CPU provider (fp32 precision, so the comparison is tight).
#include <gtest/gtest.h>

#include "core/execution_provider.h"
#include "core/partitioner.h"
#include "graph/loader.h"
#include "providers/npu/npu_capability.h"
#include "tests/unit/npu_test_util.h"
#include "tests/unit/op_test_util.h"

namespace aruntime {
namespace {

using npu_test::attr;
using npu_test::decline_reason;
using npu_test::Dims;
using npu_test::ModelBuilder;

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

TEST(NpuCapability, UnsupportedOpIsDeclinedAsOpNotSupported) {
  ModelBuilder b;
  b.input("x", {2, 3}).output("y", {2, 3}).value("r", {2, 3});
  b.node("Relu", {"x"}, {"r"}, "relu");
  b.node("Cos", {"r"}, {"y"}, "cos");
  Session s = npu_test::make_session(b.bytes(), npu_test::npu_options());
  EXPECT_EQ(npu_test::placement(s)["relu"], "npu");
  EXPECT_EQ(npu_test::placement(s)["cos"], "cpu");
  EXPECT_EQ(decline_reason(s, "cos"), "op not supported: Cos");
}

TEST(NpuCapability, OpBeforeTheOpsetTheDeviceHandlesIsDeclined) {
  // No session here: the CPU provider lacks Add-6 too, so the model could not be created.
  ModelBuilder b(6);
  b.input("x", {2, 3}).input("z", {2, 3}).output("y", {2, 3});
  b.node("Add", {"x", "z"}, {"y"}, "add");
  Model model = load_model_from_bytes(b.bytes(), "npu_test.onnx", "");
  std::vector<bool> assigned(1, false);
  GraphView view(model, *model.graph, assigned);
  EXPECT_EQ(npu::check_node(view, 0, {}).value_or(""),
            "op not supported: Add at opset 6 (the device handles opset 7 and later)");
}

TEST(NpuCapability, UnsupportedElementTypeIsDeclinedNamingTheType) {
  ModelBuilder b;
  b.input("x", {2, 3}, onnx::TensorProto::DOUBLE).output("y", {2, 3}, onnx::TensorProto::DOUBLE);
  b.node("Relu", {"x"}, {"y"}, "relu");
  Session s = npu_test::make_session(b.bytes(), npu_test::npu_options());
  EXPECT_EQ(npu_test::placement(s)["relu"], "cpu");
  EXPECT_EQ(decline_reason(s, "relu"),
            "type not supported: input 0 is float64 (float32 or float16 expected)");
}

TEST(NpuCapability, DynamicShapeIsDeclinedShowingTheShape) {
  ModelBuilder b;
  b.symbolic_input("x", {1, 16}, {"batch", ""}).output("y", {1, 16});
  auto* y = b.graph()
                ->mutable_output(0)
                ->mutable_type()
                ->mutable_tensor_type()
                ->mutable_shape()
                ->mutable_dim(0);
  y->set_dim_param("batch");
  b.node("Relu", {"x"}, {"y"}, "relu");
  Session s = npu_test::make_session(b.bytes(), npu_test::npu_options());
  EXPECT_EQ(decline_reason(s, "relu"), "dynamic shape: input 'x' is float32[batch,16]");
  // The same node with static shapes goes to the NPU.
  ModelBuilder c;
  c.input("x", {1, 16}).output("y", {1, 16});
  c.node("Relu", {"x"}, {"y"}, "relu");
  EXPECT_EQ(npu_test::placement(npu_test::make_session(c.bytes(), npu_test::npu_options()))["relu"],
            "npu");
}

TEST(NpuCapability, UnsupportedAttributeValueIsDeclinedNamingIt) {
  // BatchNormalization in training mode computes batch statistics: the device only folds the
  // inference form.
  ModelBuilder b(15);
  b.input("x", {2, 3, 4}).output("y", {2, 3, 4});
  b.f32("s", {3}, {1, 1, 1})
      .f32("o", {3}, {0, 0, 0})
      .f32("m", {3}, {0, 0, 0})
      .f32("v", {3}, {1, 1, 1});
  auto& bn = b.node("BatchNormalization", {"x", "s", "o", "m", "v"}, {"y"}, "bn");
  attr(bn, "training_mode", int64_t{1});
  Session s = npu_test::make_session(b.bytes(), npu_test::npu_options());
  EXPECT_EQ(npu_test::placement(s)["bn"], "cpu");
  EXPECT_EQ(decline_reason(s, "bn"), "attribute value: training_mode=1");
}

TEST(NpuCapability, BlockedQuantizationIsAnUnsupportedAttributeValue) {
  ModelBuilder b(21);
  b.input("x", {2, 4}).output("y", {2, 4}, onnx::TensorProto::INT8);
  b.f32("scale", {2, 2}, {0.5f, 0.5f, 0.25f, 0.25f}).i8("zp", {2, 2}, {0, 0, 0, 0});
  auto& q = b.node("QuantizeLinear", {"x", "scale", "zp"}, {"y"}, "q");
  attr(q, "block_size", int64_t{2});
  attr(q, "axis", int64_t{1});
  Session s = npu_test::make_session(b.bytes(), npu_test::npu_options());
  EXPECT_EQ(decline_reason(s, "q"), "attribute value: block_size=2 (blocked quantization)");
}

TEST(NpuCapability, WeightsComputedAtRunTimeAreDeclinedAsConstantRequired) {
  ModelBuilder b;
  b.input("x", {1, 2, 4, 4}).input("w", {3, 2, 1, 1}).output("y", {1, 3, 4, 4});
  b.node("Conv", {"x", "w"}, {"y"}, "conv");
  Session s = npu_test::make_session(b.bytes(), npu_test::npu_options());
  EXPECT_EQ(decline_reason(s, "conv"), "constant required: input 1 'w' is computed at run time");
}

TEST(NpuCapability, MaxPoolIndicesAreAnUnsupportedOutput) {
  ModelBuilder b;
  b.input("x", {1, 1, 4, 4})
      .output("y", {1, 1, 2, 2})
      .output("i", {1, 1, 2, 2}, onnx::TensorProto::INT64);
  auto& pool = b.node("MaxPool", {"x"}, {"y", "i"}, "pool");
  attr(pool, "kernel_shape", Dims{2, 2});
  attr(pool, "strides", Dims{2, 2});
  Session s = npu_test::make_session(b.bytes(), npu_test::npu_options());
  EXPECT_EQ(decline_reason(s, "pool"), "output not supported: output 1 'i'");
}

TEST(NpuCapability, EmptyTensorsAreDeclined) {
  ModelBuilder b;
  b.input("x", {0, 3}).output("y", {0, 3});
  b.node("Relu", {"x"}, {"y"}, "relu");
  Session s = npu_test::make_session(b.bytes(), npu_test::npu_options());
  EXPECT_EQ(decline_reason(s, "relu"), "empty tensor: input 'x' is float32[0,3]");
}

TEST(NpuCapability, ADeclaredShapeThatContradictsTheOpIsLeftToTheHostAsInvalid) {
  ModelBuilder b;
  b.input("x", {1, 4}).input("z", {3, 4}).output("y", {1, 4});  // Add really gives [3,4]
  b.node("Add", {"x", "z"}, {"y"}, "add");
  try {
    Session s = npu_test::make_session(b.bytes(), npu_test::npu_options());
    const std::string reason = decline_reason(s, "add");
    EXPECT_TRUE(starts_with(reason, "invalid node: ")) << reason;
    EXPECT_NE(reason.find("[3,4]"), std::string::npos) << reason;
  } catch (const Error& e) {
    // Shape inference may reject the model before partitioning; then the NPU never sees it.
    EXPECT_EQ(e.code(), ErrorCode::kInvalidModel) << e.what();
  }
}

// x -> a:Relu -> u:Cos (host) -> d:Add(u, b) ; a -> b:Sigmoid -> d
// {a, b, d} is connected but not convex (a -> u -> d leaves and re-enters it): the NPU must claim
// {a, b} and {d} separately, and the result must still be right.
std::string diamond_through_host() {
  ModelBuilder b;
  b.input("x", {2, 8}).output("y", {2, 8});
  for (const char* v : {"ra", "cu", "sb"}) b.value(v, {2, 8});
  b.node("Relu", {"x"}, {"ra"}, "a");
  b.node("Cos", {"ra"}, {"cu"}, "u");
  b.node("Sigmoid", {"ra"}, {"sb"}, "b");
  b.node("Add", {"cu", "sb"}, {"y"}, "d");
  return b.bytes();
}

TEST(NpuCapability, NonConvexGroupsAreSplitIntoConvexOnes) {
  Session s = npu_test::make_session(diamond_through_host(),
                                     npu_test::npu_options({{"precision", "fp32"}}));
  auto p = npu_test::placement(s);
  EXPECT_EQ(p["a"], "npu");
  EXPECT_EQ(p["b"], "npu");
  EXPECT_EQ(p["u"], "cpu");
  EXPECT_EQ(p["d"], "npu");
  EXPECT_EQ(npu_test::programs(s).size(), 2u);
  Session cpu = npu_test::make_session(diamond_through_host(), npu_test::cpu_options());
  const Tensor x = Tensor::from_vector<float>(Shape{2, 8}, npu_test::pseudo_random(16, 3));
  testing::expect_near(s.run({{"x", x}})[0], cpu.run({{"x", x}})[0], 1e-6, 1e-6);
}

// Two branches that are not connected to each other through the NPU but meet at d: a and b start
// separate groups, d merges them.
TEST(NpuCapability, GroupsMergeWhereBranchesMeet) {
  ModelBuilder b;
  b.input("x", {2, 8}).output("y", {2, 8});
  for (const char* v : {"ra", "sb"}) b.value(v, {2, 8});
  b.node("Relu", {"x"}, {"ra"}, "a");
  b.node("Sigmoid", {"x"}, {"sb"}, "b");
  b.node("Add", {"ra", "sb"}, {"y"}, "d");
  Session s = npu_test::make_session(b.bytes(), npu_test::npu_options());
  EXPECT_EQ(npu_test::programs(s).size(), 1u);
  EXPECT_EQ(npu_test::figure(s, npu_test::programs(s)[0], "onnx_nodes"), 3);
}

// The check behind the splitting: claims never form a cycle once fused, even when each group
// alone is convex. a1 and b1 start groups; a2 reads both; b2 reads a1 and c reads b1's group.
TEST(NpuCapability, ClaimsKeepTheFusedGraphAcyclic) {
  ModelBuilder b;
  b.input("x", {4}).output("y", {4}).output("z", {4});
  for (const char* v : {"a1", "b1", "h", "a2", "b2"}) b.value(v, {4});
  b.node("Relu", {"x"}, {"a1"}, "A1");
  b.node("Sigmoid", {"x"}, {"b1"}, "B1");
  b.node("Cos", {"b1"}, {"h"}, "H");         // host
  b.node("Add", {"a1", "h"}, {"a2"}, "A2");  // may not join B1's group through H
  b.node("Mul", {"a1", "b1"}, {"b2"}, "B2");
  b.node("Relu", {"a2"}, {"y"}, "Y");
  b.node("Tanh", {"b2"}, {"z"}, "Z");
  Session s = npu_test::make_session(b.bytes(), npu_test::npu_options({{"precision", "fp32"}}));
  // B2 joins A1's group; it may not also merge B1's, since B1 -> H -> A2 would then leave the
  // group and come back.
  auto p = npu_test::placement(s);
  EXPECT_EQ(p["H"], "cpu");
  EXPECT_EQ(npu_test::programs(s).size(), 2u);
  Session cpu = npu_test::make_session(b.bytes(), npu_test::cpu_options());
  const Tensor x = Tensor::from_vector<float>(Shape{4}, {-1.0f, 0.5f, 2.0f, -0.25f});
  auto got = s.run({{"x", x}});
  auto want = cpu.run({{"x", x}});
  testing::expect_near(got[0], want[0], 1e-6, 1e-6);
  testing::expect_near(got[1], want[1], 1e-6, 1e-6);
}

// Each group can be convex and the fused graph still deadlock: here G = {a0, a} reaches H's m1
// through the host node h, and H's m2 feeds n. Were n to join G, G would wait for H (m2) and H for
// G (through h -> m1), although no path in the original graph leaves G and comes back. The check
// treats reaching any member of a group as reaching all of its fused node's outputs.
TEST(NpuCapability, GroupsThatWouldDeadlockOnceFusedStaySeparate) {
  ModelBuilder b;
  b.input("x", {4}).output("y", {4}).output("z", {4});
  for (const char* v : {"a0", "a", "m2", "h"}) b.value(v, {4});
  b.node("Relu", {"x"}, {"a0"}, "A0");
  b.node("Tanh", {"a0"}, {"a"}, "A");
  b.node("Sigmoid", {"x"}, {"m2"}, "M2");
  b.node("Cos", {"a"}, {"h"}, "H");  // host
  b.node("Add", {"h", "m2"}, {"z"}, "M1");
  b.node("Mul", {"a", "m2"}, {"y"}, "N");
  Session s = npu_test::make_session(b.bytes(), npu_test::npu_options({{"precision", "fp32"}}));
  EXPECT_EQ(npu_test::programs(s).size(), 2u);
  Session cpu = npu_test::make_session(b.bytes(), npu_test::cpu_options());
  const Tensor x = Tensor::from_vector<float>(Shape{4}, {-1.0f, 0.5f, 2.0f, -0.25f});
  auto got = s.run({{"x", x}});
  auto want = cpu.run({{"x", x}});
  for (size_t i = 0; i < 2; ++i) testing::expect_near(got[i], want[i], 1e-6, 1e-6);
}

// Two 3x3 convolutions of 384 channels: fp16 weights of 2,654,208 bytes each. With a 4 MiB
// budget both do not fit; the first does, and the second is left to the host.
std::string two_big_convs() {
  ModelBuilder b;
  b.input("x", {1, 384, 4, 4}).output("y", {1, 384, 4, 4}).value("c1", {1, 384, 4, 4});
  b.f32("w1", {384, 384, 3, 3}, npu_test::pseudo_random(384 * 384 * 9, 1));
  b.f32("w2", {384, 384, 3, 3}, npu_test::pseudo_random(384 * 384 * 9, 2));
  auto& c1 = b.node("Conv", {"x", "w1"}, {"c1"}, "conv1");
  attr(c1, "pads", Dims{1, 1, 1, 1});
  auto& c2 = b.node("Conv", {"c1", "w2"}, {"y"}, "conv2");
  attr(c2, "pads", Dims{1, 1, 1, 1});
  return b.bytes();
}

TEST(NpuCapability, GroupsOverTheMemoryBudgetAreSplitAndWhatDoesNotFitStaysOnTheHost) {
  const std::string model = two_big_convs();
  Session roomy = npu_test::make_session(model, npu_test::npu_options());
  EXPECT_EQ(npu_test::programs(roomy).size(), 1u);
  EXPECT_EQ(npu_test::placement(roomy)["conv2"], "npu");

  Session s =
      npu_test::make_session(model, npu_test::npu_options({{"memory_budget_bytes", "4194304"}}));
  EXPECT_EQ(npu_test::placement(s)["conv1"], "npu");
  EXPECT_EQ(npu_test::placement(s)["conv2"], "cpu");
  const std::string reason = decline_reason(s, "conv2");
  EXPECT_TRUE(starts_with(reason, "memory budget: group needs ")) << reason;
  // What is left for conv2 is the budget minus conv1's resident weights: 2,654,208 bytes of fp16
  // kernel and a 1,536-byte float32 bias.
  EXPECT_NE(reason.find(", budget 1538560 (of 4194304,"), std::string::npos) << reason;
  const Tensor x =
      Tensor::from_vector<float>(Shape{1, 384, 4, 4}, npu_test::pseudo_random(384 * 16, 5));
  s.run({{"x", x}});
  EXPECT_LE(npu_test::figure(s, "host_transfers", "device_memory_peak_bytes"), 4194304);
}

TEST(NpuCapability, GroupsSmallerThanTheMinimumStayOnTheHost) {
  ModelBuilder b;
  b.input("x", {2, 3}).output("y", {2, 3});
  for (const char* v : {"r1", "r2", "c"}) b.value(v, {2, 3});
  b.node("Relu", {"x"}, {"r1"}, "relu1");
  b.node("Sigmoid", {"r1"}, {"r2"}, "sig");
  b.node("Cos", {"r2"}, {"c"}, "cos");
  b.node("Tanh", {"c"}, {"y"}, "tanh");
  Session s = npu_test::make_session(b.bytes(), npu_test::npu_options({{"min_group_size", "2"}}));
  auto p = npu_test::placement(s);
  EXPECT_EQ(p["relu1"], "npu");
  EXPECT_EQ(p["sig"], "npu");
  EXPECT_EQ(p["tanh"], "cpu");
  EXPECT_EQ(decline_reason(s, "tanh"), "group too small (1 < min_group_size 2)");
}

TEST(NpuCapability, GroupsWithoutDeviceWorkStayOnTheHost) {
  // A Flatten alone is a view: a program for it would only copy its input in and out.
  ModelBuilder b;
  b.input("x", {2, 3, 4}).output("y", {2, 12});
  b.node("Flatten", {"x"}, {"y"}, "flatten");
  Session s = npu_test::make_session(b.bytes(), npu_test::npu_options());
  EXPECT_EQ(npu_test::placement(s)["flatten"], "cpu");
  EXPECT_EQ(decline_reason(s, "flatten"),
            "group too small: no device work (only views and compile-time constants)");
}

TEST(NpuCapability, ConstantNodesJoinTheGroupsThatReadThem) {
  ModelBuilder b;
  b.input("x", {2, 6}).output("y", {3, 4}).value("r", {2, 6});
  auto& shape = b.node("Constant", {}, {"shape"}, "shape_const");
  auto* a = shape.add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  a->mutable_t()->set_data_type(onnx::TensorProto::INT64);
  a->mutable_t()->add_dims(2);
  a->mutable_t()->add_int64_data(3);
  a->mutable_t()->add_int64_data(4);
  b.node("Relu", {"x"}, {"r"}, "relu");
  b.node("Reshape", {"r", "shape"}, {"y"}, "reshape");
  Session s = npu_test::make_session(b.bytes(), npu_test::npu_options());
  for (const auto& [node, provider] : npu_test::placement(s)) EXPECT_EQ(provider, "npu") << node;
  // Relu is the only instruction: the Constant is evaluated at compile time, the Reshape is a view.
  EXPECT_EQ(npu_test::figure(s, npu_test::programs(s).at(0), "instructions"), 1);
  const Tensor x = Tensor::from_vector<float>(Shape{2, 6}, npu_test::pseudo_random(12, 1));
  const Tensor y = s.run({{"x", x}})[0];
  ASSERT_EQ(y.shape(), (Shape{3, 4}));
  for (int i = 0; i < 12; ++i) {
    // fp16 storage: Relu of a value in [-1, 1) rounded to half.
    const float expected = std::max(0.0f, x.data<float>()[i]);
    EXPECT_NEAR(y.data<float>()[i], expected, 1e-3f * expected + 1e-7f) << i;
  }
}

TEST(NpuCapability, CheckNodeAgreesWithTheClaims) {
  // The per-node rule behind capabilities(), for the lead's diagnostics: nullopt means "takes it".
  Model model;
  model.ir_version = 8;
  model.opset_imports[""] = 17;
  model.graph = std::make_shared<Graph>();
  Graph& g = *model.graph;
  TypeInfo t{ValueKind::kTensor, DataType::kFloat32,
             std::vector<Dim>{Dim::fixed(2), Dim::fixed(3)}};
  g.inputs.push_back({"x", t});
  g.value_types["x"] = t;
  g.value_types["r"] = t;
  g.value_types["y"] = t;
  g.outputs.push_back({"y", t});
  Node relu;
  relu.name = "relu";
  relu.op_type = "Relu";
  relu.inputs = {"x"};
  relu.outputs = {"r"};
  Node cos = relu;
  cos.name = "cos";
  cos.op_type = "Cos";
  cos.inputs = {"r"};
  cos.outputs = {"y"};
  g.nodes = {relu, cos};
  std::vector<bool> assigned(2, false);
  GraphView view(model, g, assigned);
  EXPECT_FALSE(npu::check_node(view, 0, {}).has_value());
  EXPECT_EQ(npu::check_node(view, 1, {}).value_or(""), "op not supported: Cos");
  CapabilityReport report = npu::npu_capabilities(view, {});
  ASSERT_EQ(report.claims.size(), 1u);
  EXPECT_EQ(report.claims[0].kind, CapabilityClaim::Kind::kFusedGroup);
  EXPECT_EQ(report.claims[0].nodes, (std::vector<NodeIndex>{0}));
  EXPECT_TRUE(is_convex(g, report.claims[0].nodes));
  ASSERT_EQ(report.declines.size(), 1u);
  EXPECT_EQ(report.declines[0].node, 1u);
}

}  // namespace
}  // namespace aruntime
