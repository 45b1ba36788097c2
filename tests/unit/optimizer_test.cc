// The graph optimizer's pass manager and basic passes (graph/optimizer/), on small graphs: what each
// pass rewrites, the cases where it must not fire, and the numbers staying the same (run on the CPU
// provider before and after).
#include <gtest/gtest.h>

#include "core/arena.h"
#include "core/execution_plan.h"
#include "core/executor.h"
#include "core/partitioner.h"
#include "graph/optimizer/pass_manager.h"
#include "graph/type_inference.h"
#include "providers/cpu/cpu_execution_provider.h"
#include "tests/unit/graph_runner.h"
#include "tests/unit/op_test_util.h"
#include "tests/unit/test_execution_provider.h"

namespace aruntime {
namespace {

using optimizer::Level;
using optimizer::OptimizerOptions;
using testing::GraphBuilder;

std::vector<std::string> ops(const Graph& g) {
  std::vector<std::string> o;
  for (const Node& n : g.nodes) o.push_back(n.op_type);
  return o;
}

optimizer::OptimizationReport optimize(GraphBuilder& b, Level level = Level::kBasic,
                                       std::set<std::string> disabled = {}) {
  OptimizerOptions o;
  o.level = level;
  o.disabled = std::move(disabled);
  return optimizer::optimize(b.model, o);
}

int rewrites(const optimizer::OptimizationReport& r, const std::string& pass) {
  for (const auto& p : r.passes) {
    if (p.pass == pass) return p.rewrites;
  }
  return -1;
}

std::vector<Tensor> run_on_cpu(GraphBuilder& b, std::vector<Tensor> inputs) {
  return testing::run_graph_on_cpu(b, std::move(inputs));
}

TEST(EliminateIdentity, ReadersOfTheCopyReadTheOriginal) {
  GraphBuilder b;
  b.input("x", {3}).output("y").node("id", "Identity", {"x"}, {"a"}).node("relu", "Relu", {"a"}, {"y"});
  auto r = optimize(b);
  EXPECT_EQ(ops(b.graph()), std::vector<std::string>{"Relu"});
  EXPECT_EQ(b.graph().nodes[0].inputs[0], "x");
  EXPECT_EQ(rewrites(r, "eliminate_identity"), 1);
  EXPECT_EQ(r.nodes_before, 2u);
  EXPECT_EQ(r.nodes_after, 1u);
}

TEST(EliminateIdentity, ACopyIntoAGraphOutputRenamesItsProducer) {
  GraphBuilder b;
  b.input("x", {3}).output("y").node("relu", "Relu", {"x"}, {"r"}).node("id", "Identity", {"r"}, {"y"});
  optimize(b);
  ASSERT_EQ(ops(b.graph()), std::vector<std::string>{"Relu"});
  EXPECT_EQ(b.graph().nodes[0].outputs[0], "y");
  auto out = run_on_cpu(b, {testing::f32({3}, {-1, 0, 2})});
  testing::expect_near(out[0], testing::f32({3}, {0, 0, 2}));
}

TEST(EliminateIdentity, MustNotFire) {
  // A graph input copied straight to a graph output: both names are the model's interface.
  GraphBuilder direct;
  direct.input("x", {3}).output("y").node("id", "Identity", {"x"}, {"y"});
  optimize(direct);
  EXPECT_EQ(ops(direct.graph()), std::vector<std::string>{"Identity"});

  // A Dropout whose mask is read, or that trains.
  GraphBuilder mask;
  mask.input("x", {3}).output("y").output("m").node("drop", "Dropout", {"x"}, {"d", "m"});
  mask.node("relu", "Relu", {"d"}, {"y"});
  optimize(mask);
  EXPECT_EQ(ops(mask.graph()), (std::vector<std::string>{"Dropout", "Relu"}));

  GraphBuilder training;
  training.input("x", {3}).output("y");
  training.initializer("ratio", Tensor::from_vector<float>(Shape{}, {0.5f}));
  training.initializer("train", Tensor::from_vector<bool>(Shape{}, {true}));
  training.node("drop", "Dropout", {"x", "ratio", "train"}, {"d"}).node("relu", "Relu", {"d"}, {"y"});
  optimize(training);
  EXPECT_EQ(ops(training.graph()), (std::vector<std::string>{"Dropout", "Relu"}));

  GraphBuilder inference;
  inference.input("x", {3}).output("y");
  inference.initializer("train", Tensor::from_vector<bool>(Shape{}, {false}));
  inference.node("drop", "Dropout", {"x", "", "train"}, {"d"}).node("relu", "Relu", {"d"}, {"y"});
  optimize(inference);
  EXPECT_EQ(ops(inference.graph()), std::vector<std::string>{"Relu"});
}

TEST(EliminateIdentity, SubgraphsReadingTheCopyAreRenamedToo) {
  GraphBuilder b;
  b.input("x", {3}).output("y").node("id", "Identity", {"x"}, {"a"});
  auto body = std::make_shared<Graph>();
  body->parent = &b.graph();
  Node neg;
  neg.name = "neg";
  neg.op_type = "Neg";
  neg.inputs = {"a"};
  neg.outputs = {"then_y"};
  body->nodes.push_back(neg);
  body->outputs.push_back({"then_y", TypeInfo{ValueKind::kTensor, DataType::kFloat32, std::nullopt}});
  Node wrapper;
  wrapper.name = "if";
  wrapper.op_type = "If";
  wrapper.inputs = {"c"};
  wrapper.outputs = {"y"};
  Attribute then_branch;
  then_branch.name = "then_branch";
  then_branch.type = Attribute::Type::kGraph;
  then_branch.g = body;
  wrapper.attributes.push_back(then_branch);
  b.graph().nodes.push_back(wrapper);
  optimize(b, Level::kBasic, {"eliminate_dead_code"});
  EXPECT_EQ(ops(b.graph()), std::vector<std::string>{"If"});
  EXPECT_EQ(body->nodes[0].inputs[0], "x");
}

TEST(EliminateDeadCode, UnreadNodesAndInitializersGo) {
  GraphBuilder b;
  b.input("x", {3}).output("y");
  b.initializer("w", Tensor::from_vector<float>(Shape{3}, {1, 2, 3}));
  b.initializer("unused", Tensor::from_vector<float>(Shape{1}, {7}));
  // dead chain: mul -> neg (nobody reads neg's output)
  b.node("mul", "Mul", {"x", "w"}, {"m"}).node("neg", "Neg", {"m"}, {"n"}).node("relu", "Relu", {"x"}, {"y"});
  auto r = optimize(b);
  EXPECT_EQ(ops(b.graph()), std::vector<std::string>{"Relu"});
  EXPECT_FALSE(b.graph().is_initializer("w"));
  EXPECT_FALSE(b.graph().is_initializer("unused"));
  EXPECT_EQ(rewrites(r, "eliminate_dead_code"), 4);

  // An initializer that is also a graph input is part of the interface and stays.
  GraphBuilder kept;
  kept.input("x", {3}).input("bias", {1}).output("y").node("relu", "Relu", {"x"}, {"y"});
  kept.initializer("bias", Tensor::from_vector<float>(Shape{1}, {0}));
  optimize(kept);
  EXPECT_TRUE(kept.graph().is_initializer("bias"));
}

// Conv(x, W, B) -> BatchNormalization -> y, 2 output channels, 1x1 kernel on 2 input channels.
GraphBuilder conv_bn() {
  GraphBuilder b;
  b.input("x", {1, 2, 2, 2}).output("y");
  b.initializer("W", Tensor::from_vector<float>(Shape{2, 2, 1, 1}, {0.5f, -1.0f, 2.0f, 0.25f}));
  b.initializer("B", Tensor::from_vector<float>(Shape{2}, {0.1f, -0.2f}));
  b.initializer("gamma", Tensor::from_vector<float>(Shape{2}, {1.5f, 0.8f}));
  b.initializer("beta", Tensor::from_vector<float>(Shape{2}, {0.3f, -0.1f}));
  b.initializer("mean", Tensor::from_vector<float>(Shape{2}, {0.2f, 1.0f}));
  b.initializer("var", Tensor::from_vector<float>(Shape{2}, {0.5f, 2.0f}));
  b.node("conv", "Conv", {"x", "W", "B"}, {"c"}).node("bn", "BatchNormalization", {"c", "gamma", "beta", "mean", "var"}, {"y"});
  return b;
}

TEST(FuseConvBatchNorm, FoldsIntoTheConvAndKeepsTheNumbers) {
  const Tensor x = testing::f32({1, 2, 2, 2}, {1, -2, 3, 0.5f, -1, 4, 0.25f, 2});
  GraphBuilder plain = conv_bn();
  const Tensor expected = run_on_cpu(plain, {x})[0];
  GraphBuilder fused = conv_bn();
  auto r = optimize(fused);
  EXPECT_EQ(rewrites(r, "fuse_conv_batchnorm"), 1);
  ASSERT_EQ(ops(fused.graph()), std::vector<std::string>{"Conv"});
  EXPECT_EQ(fused.graph().nodes[0].outputs[0], "y");
  // s = gamma / sqrt(var + 1e-5): s0 = 1.5 / sqrt(0.50001), s1 = 0.8 / sqrt(2.00001).
  const Tensor& w = fused.graph().initializers.at(fused.graph().nodes[0].inputs[1]);
  const double s0 = 1.5 / std::sqrt(0.50001), s1 = 0.8 / std::sqrt(2.00001);
  EXPECT_NEAR(w.data<float>()[0], 0.5 * s0, 1e-6);
  EXPECT_NEAR(w.data<float>()[3], 0.25 * s1, 1e-6);
  const Tensor& bias = fused.graph().initializers.at(fused.graph().nodes[0].inputs[2]);
  EXPECT_NEAR(bias.data<float>()[0], s0 * (0.1 - 0.2) + 0.3, 1e-6);
  EXPECT_NEAR(bias.data<float>()[1], s1 * (-0.2 - 1.0) - 0.1, 1e-6);
  // The old weights are unread and gone.
  EXPECT_FALSE(fused.graph().is_initializer("W"));
  testing::expect_near(run_on_cpu(fused, {x})[0], expected, 1e-5, 1e-6);
}

TEST(FuseConvBatchNorm, MustNotFire) {
  // The conv output is also a graph output.
  GraphBuilder both = conv_bn();
  both.output("c");
  optimize(both);
  EXPECT_EQ(ops(both.graph()), (std::vector<std::string>{"Conv", "BatchNormalization"}));

  // The conv output has a second reader.
  GraphBuilder shared = conv_bn();
  shared.output("z").node("relu", "Relu", {"c"}, {"z"});
  optimize(shared);
  EXPECT_EQ(ops(shared.graph())[1], "BatchNormalization");

  // Statistics that are graph inputs (may change per run).
  GraphBuilder fed = conv_bn();
  fed.input("mean", {2});
  optimize(fed);
  EXPECT_EQ(ops(fed.graph()), (std::vector<std::string>{"Conv", "BatchNormalization"}));

  // Training mode.
  GraphBuilder training = conv_bn();
  Attribute t;
  t.name = "training_mode";
  t.type = Attribute::Type::kInt;
  t.i = 1;
  training.graph().nodes[1].attributes.push_back(t);
  optimize(training);
  EXPECT_EQ(ops(training.graph()), (std::vector<std::string>{"Conv", "BatchNormalization"}));
}

TEST(PassManager, LevelsDisabledPassesAndUnknownNames) {
  GraphBuilder off = conv_bn();
  auto r = optimize(off, Level::kOff);
  EXPECT_EQ(ops(off.graph()), (std::vector<std::string>{"Conv", "BatchNormalization"}));
  EXPECT_TRUE(r.passes.empty());

  GraphBuilder disabled = conv_bn();
  r = optimize(disabled, Level::kExtended, {"fuse_conv_batchnorm"});
  EXPECT_EQ(ops(disabled.graph()), (std::vector<std::string>{"Conv", "BatchNormalization"}));
  EXPECT_EQ(rewrites(r, "fuse_conv_batchnorm"), -1);

  GraphBuilder typo = conv_bn();
  testing::expect_error([&] { optimize(typo, Level::kBasic, {"fuse_conv_bn"}); }, ErrorCode::kInvalidArgument,
                        {"no optimizer pass is named 'fuse_conv_bn'", "fuse_conv_batchnorm"});
}

}  // namespace
}  // namespace aruntime
