// Level 3 of the optimizer: in a session with a device provider, the level-2 fusions run after
// partitioning on the nodes placed on the CPU only (core/session.cc fuse_placed_nodes), through
// OptimizerOptions::fusion_owner, which every fusion consults (fuse_common.h may_fuse).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <optional>

#include "core/provider_registry.h"
#include "graph/optimizer/fused_domain.h"
#include "tests/unit/npu_test_util.h"
#include "tests/unit/optimizer_fusion_test_util.h"

namespace aruntime {
namespace {

using fusion_test::ops;
using npu_test::attr;
using npu_test::Dims;
using npu_test::ModelBuilder;
using testing::GraphBuilder;

// --- The restriction in the pass framework ----------------------------------------------------

// y = Relu(x·W + b): fuse_matmul_add then fuse_gemm_activation make one FusedGemm of it.
GraphBuilder matmul_add_relu() {
  GraphBuilder b;
  b.input("x", {2, 4}).output("y");
  b.initializer("W", Tensor::from_vector<float>(Shape{4, 3}, npu_test::pseudo_random(12, 1)));
  b.initializer("B", Tensor::from_vector<float>(Shape{3}, npu_test::pseudo_random(3, 2)));
  b.node("matmul", "MatMul", {"x", "W"}, {"p"});
  b.node("add", "Add", {"p", "B"}, {"s"});
  b.node("relu", "Relu", {"s"}, {"y"});
  return b;
}

// Runs the level-2 passes alone with `owner` (node name -> provider; absent: not fusable).
std::vector<std::string> fuse_owned(GraphBuilder& b, const std::map<std::string, int>& owner) {
  fusion_test::prepare(b);
  optimizer::OptimizerOptions o;
  o.first_level = o.level = optimizer::Level::kExtended;
  o.fusion_owner = [&](const Graph&, const Node& n) -> std::optional<int> {
    auto it = owner.find(n.name);
    return it == owner.end() ? std::nullopt : std::optional<int>(it->second);
  };
  optimizer::optimize(b.model, o);
  return ops(b.graph());
}

TEST(ProviderAwareFusion, FusionsTakeOnlyNodesOfOneOwner) {
  GraphBuilder all = matmul_add_relu();
  EXPECT_EQ(fuse_owned(all, {{"matmul", 0}, {"add", 0}, {"relu", 0}}),
            std::vector<std::string>{"aruntime.FusedGemm"});
  // The Relu is another provider's: the product and its bias still fuse, the Relu stays.
  GraphBuilder split = matmul_add_relu();
  EXPECT_EQ(fuse_owned(split, {{"matmul", 0}, {"add", 0}, {"relu", 1}}),
            (std::vector<std::string>{"Gemm", "Relu"}));
  // A node without an owner (a device's, say) is never consumed.
  GraphBuilder unowned = matmul_add_relu();
  EXPECT_EQ(fuse_owned(unowned, {{"add", 0}, {"relu", 0}}),
            (std::vector<std::string>{"MatMul", "Add", "Relu"}));
  // The same owner id only: 1 and 1 fuse like 0 and 0.
  GraphBuilder other = matmul_add_relu();
  EXPECT_EQ(fuse_owned(other, {{"matmul", 1}, {"add", 1}, {"relu", 0}}),
            (std::vector<std::string>{"Gemm", "Relu"}));
}

// fuse_skip_layer_normalization replaces its pattern without GraphIndex::replaceable and checks
// may_fuse itself.
TEST(ProviderAwareFusion, SkipLayerNormalizationRespectsOwners) {
  auto make = [] {
    GraphBuilder b;
    b.input("x", {2, 4}).input("skip", {2, 4}).output("y");
    b.initializer("gamma", Tensor::from_vector<float>(Shape{4}, {1, 2, 3, 4}));
    b.initializer("beta", Tensor::from_vector<float>(Shape{4}, {0, 1, 0, 1}));
    b.node("sum", "Add", {"x", "skip"}, {"s"});
    b.node("norm", "LayerNormalization", {"s", "gamma", "beta"}, {"y"});
    return b;
  };
  GraphBuilder same = make();
  EXPECT_EQ(fuse_owned(same, {{"sum", 0}, {"norm", 0}}),
            std::vector<std::string>{"aruntime.SkipLayerNormalization"});
  GraphBuilder split = make();
  EXPECT_EQ(fuse_owned(split, {{"sum", 1}, {"norm", 0}}),
            (std::vector<std::string>{"Add", "LayerNormalization"}));
}

TEST(ProviderAwareFusion, OnlyTheCpuProviderRunsTheFusedOps) {
  SessionOptions options;
  auto cpu = find_provider("cpu")->create(options);
  auto npu = find_provider("npu")->create(options);
  for (const char* op : optimizer::kFusedOps) {
    EXPECT_TRUE(cpu->can_run(optimizer::kFusedDomain, op)) << op;
    EXPECT_FALSE(npu->can_run(optimizer::kFusedDomain, op)) << op;
  }
  EXPECT_TRUE(cpu->can_run("", "Conv"));
  EXPECT_FALSE(cpu->can_run("", "NoSuchOp"));
  EXPECT_FALSE(cpu->can_run(optimizer::kFusedDomain, "Conv"));
}

// --- Sessions with the simulated NPU -------------------------------------------------------

void f64(ModelBuilder& b, const std::string& name, Dims dims, const std::vector<float>& values) {
  auto* t = b.graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::DOUBLE);
  for (int64_t d : dims) t->add_dims(d);
  for (float v : values) t->add_double_data(v);
}

// x[1,3,8,8] -> Conv(4, 3x3, pad 1) -> Relu                      float32: the NPU's
//   -> Cast(float64) -> Conv(4, 3x3, pad 1) -> Relu -> Flatten
//   -> MatMul(256 -> 16) -> Add(bias) -> GELU as torch exports it (x·0.5·(1 + erf(x/√2)))
//   -> y[1,16] float64: the NPU declines float64 and Cast, Erf, so this part falls back to the CPU.
std::string npu_then_cpu_model() {
  ModelBuilder b(17);
  b.input("x", {1, 3, 8, 8}).output("y", {1, 16}, onnx::TensorProto::DOUBLE);
  b.f32("w_npu", {4, 3, 3, 3}, npu_test::pseudo_random(4 * 27, 11));
  b.f32("b_npu", {4}, npu_test::pseudo_random(4, 12));
  f64(b, "w_cpu", {4, 4, 3, 3}, npu_test::pseudo_random(4 * 36, 13));
  f64(b, "b_cpu", {4}, npu_test::pseudo_random(4, 14));
  std::vector<float> fc = npu_test::pseudo_random(256 * 16, 15);
  for (float& v : fc) v *= 0.125f;
  f64(b, "w_fc", {256, 16}, fc);
  f64(b, "b_fc", {16}, npu_test::pseudo_random(16, 16));
  f64(b, "sqrt2", {}, {1.41421356f});
  f64(b, "one", {}, {1.0f});
  f64(b, "half", {}, {0.5f});
  b.value("c1", {1, 4, 8, 8}).value("r1", {1, 4, 8, 8});
  auto& conv_npu = b.node("Conv", {"x", "w_npu", "b_npu"}, {"c1"}, "conv_npu");
  attr(conv_npu, "kernel_shape", Dims{3, 3});
  attr(conv_npu, "pads", Dims{1, 1, 1, 1});
  b.node("Relu", {"c1"}, {"r1"}, "relu_npu");
  auto& cast = b.node("Cast", {"r1"}, {"d"}, "cast");
  attr(cast, "to", int64_t{onnx::TensorProto::DOUBLE});
  auto& conv_cpu = b.node("Conv", {"d", "w_cpu", "b_cpu"}, {"c2"}, "conv_cpu");
  attr(conv_cpu, "kernel_shape", Dims{3, 3});
  attr(conv_cpu, "pads", Dims{1, 1, 1, 1});
  b.node("Relu", {"c2"}, {"r2"}, "relu_cpu");
  b.node("Flatten", {"r2"}, {"f"}, "flatten");
  b.node("MatMul", {"f", "w_fc"}, {"m"}, "matmul");
  b.node("Add", {"m", "b_fc"}, {"h"}, "add_bias");
  b.node("Div", {"h", "sqrt2"}, {"g1"}, "gelu_div");
  b.node("Erf", {"g1"}, {"g2"}, "gelu_erf");
  b.node("Add", {"g2", "one"}, {"g3"}, "gelu_add");
  b.node("Mul", {"h", "g3"}, {"g4"}, "gelu_mul");
  b.node("Mul", {"g4", "half"}, {"y"}, "gelu_half");
  return b.bytes();
}

struct Placed {
  std::string op;  // "Op" or "domain.Op"
  std::string provider;
};

std::map<std::string, Placed> placed(const Session& s) {
  std::map<std::string, Placed> p;
  for (const NodePlacement& n : s.placement()) {
    p[n.node_name] = {n.domain.empty() ? n.op_type : n.domain + "." + n.op_type, n.provider};
  }
  return p;
}

std::string describe(const std::map<std::string, Placed>& p) {
  std::string s;
  for (const auto& [name, where] : p) s += name + "=" + where.op + "@" + where.provider + " ";
  return s;
}

// The fp16 tolerance of providers/npu/README.md (rtol 1e-2, atol 1e-3 for values of order 1).
void expect_close_to_level0(const std::string& model, SessionOptions options,
                            const std::map<std::string, Tensor>& feeds) {
  SessionOptions off = options;
  off.optimization.level = 0;
  Session reference = npu_test::make_session(model, off);
  Session fused = npu_test::make_session(model, options);
  const auto expected = reference.run(feeds);
  const auto got = fused.run(feeds);
  ASSERT_EQ(expected.size(), got.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    testing::expect_near(got[i], expected[i], 1e-2, 1e-3);
  }
}

TEST(ProviderAwareFusion, TheCpuPartOfAnNpuSessionIsFusedAndTheNpuPartIsNot) {
  const std::string model = npu_then_cpu_model();
  Session session = npu_test::make_session(model, npu_test::npu_options());
  const auto p = placed(session);
  SCOPED_TRACE(describe(p));
  ASSERT_EQ(p.size(), 6u);
  EXPECT_EQ(p.at("conv_npu").op, "Conv");
  EXPECT_EQ(p.at("conv_npu").provider, "npu");
  EXPECT_EQ(p.at("relu_npu").op, "Relu");
  EXPECT_EQ(p.at("relu_npu").provider, "npu");
  EXPECT_EQ(p.at("cast").provider, "cpu");
  EXPECT_EQ(p.at("flatten").provider, "cpu");
  // Conv + Relu, and MatMul + Add + the erf GELU, each one fused kernel on the CPU.
  EXPECT_EQ(p.at("conv_cpu").op, "aruntime.FusedConv");
  EXPECT_EQ(p.at("conv_cpu").provider, "cpu");
  EXPECT_EQ(p.at("matmul").op, "aruntime.FusedGemm");
  EXPECT_EQ(p.at("matmul").provider, "cpu");
  // The NPU compiled the same two-node program as without the optimizer.
  SessionOptions off = npu_test::npu_options();
  off.optimization.level = 0;
  Session unoptimized = npu_test::make_session(model, off);
  ASSERT_EQ(npu_test::programs(session).size(), 1u);
  ASSERT_EQ(npu_test::programs(unoptimized).size(), 1u);
  const std::string program = npu_test::programs(session)[0];
  EXPECT_EQ(npu_test::figure(session, program, "onnx_nodes"), 2);
  EXPECT_EQ(npu_test::figure(session, program, "instructions"),
            npu_test::figure(unoptimized, npu_test::programs(unoptimized)[0], "instructions"));

  const Tensor x = Tensor::from_vector<float>(Shape{1, 3, 8, 8}, npu_test::pseudo_random(192, 17));
  expect_close_to_level0(model, npu_test::npu_options(), {{"x", x}});
}

TEST(ProviderAwareFusion, LevelTwoInAnNpuSessionLeavesTheFusionsOut) {
  SessionOptions options = npu_test::npu_options();
  options.optimization.level = 2;
  Session session = npu_test::make_session(npu_then_cpu_model(), options);
  const auto p = placed(session);
  SCOPED_TRACE(describe(p));
  EXPECT_EQ(p.at("conv_cpu").op, "Conv");
  EXPECT_EQ(p.at("relu_cpu").op, "Relu");
  EXPECT_EQ(p.at("matmul").op, "MatMul");
  EXPECT_EQ(p.at("gelu_erf").op, "Erf");
}

// x[2,16] -> MatMul -> Add(bias) -> Relu -> y: the user pins the product and its bias to the CPU,
// the Relu goes to the NPU. The CPU's two nodes become a Gemm, an op the NPU could run: it stays
// on the CPU, where its nodes were placed; the NPU's Relu is not absorbed into it.
TEST(ProviderAwareFusion, AFusionNeverCrossesProvidersAndStaysWhereItsNodesWere) {
  ModelBuilder b(17);
  b.input("x", {2, 16}).output("y", {2, 8});
  b.f32("w", {16, 8}, npu_test::pseudo_random(128, 21));
  b.f32("bias", {8}, npu_test::pseudo_random(8, 22));
  b.value("m", {2, 8}).value("s", {2, 8});
  b.node("MatMul", {"x", "w"}, {"m"}, "matmul");
  b.node("Add", {"m", "bias"}, {"s"}, "bias_add");
  b.node("Relu", {"s"}, {"y"}, "relu");
  const std::string model = b.bytes();
  SessionOptions options = npu_test::npu_options();
  options.placement.assignments = {{"MatMul", "cpu"}, {"bias_add", "cpu"}};
  Session session = npu_test::make_session(model, options);
  const auto p = placed(session);
  SCOPED_TRACE(describe(p));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p.at("matmul").op, "Gemm");
  EXPECT_EQ(p.at("matmul").provider, "cpu");
  EXPECT_EQ(p.at("relu").op, "Relu");
  EXPECT_EQ(p.at("relu").provider, "npu");

  const Tensor x = Tensor::from_vector<float>(Shape{2, 16}, npu_test::pseudo_random(32, 23));
  expect_close_to_level0(model, options, {{"x", x}});
}

}  // namespace
}  // namespace aruntime
