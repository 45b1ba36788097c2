// Level 3's layout pass (graph/optimizer/blocked_layout.cc): which nodes move into the blocked
// channel layout, where the reorders go, where it must not fire, and that the rewritten graphs
// compute what the plain ones do on the CPU provider; then the session's wiring (level 3 only,
// only on the nodes of a provider that prefers the layout).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>

#include "tests/unit/npu_test_util.h"
#include "tests/unit/optimizer_fusion_test_util.h"

namespace aruntime {
namespace {

using fusion_test::ops;
using fusion_test::ramp;
using testing::GraphBuilder;

using testing::int_attr;
using testing::ints_attr;

// Convolution weights in [-0.2, 0.2): activations stay of order 1 through a few layers, so the
// blocked and plain summation orders agree to float32 rounding.
Tensor weights(const Shape& shape, float step) {
  Tensor t = ramp(shape, step);
  float* v = t.data<float>();
  for (int64_t i = 0; i < shape.num_elements(); ++i) v[i] *= 0.1f;
  return t;
}

void set(GraphBuilder& b, const std::string& node, Attribute a) {
  fusion_test::add_attribute(b, node, std::move(a));
}

// A small CNN with every kind of node the pass handles:
//   x[1,20,10,10] -> conv3x3 (32, pad 1; reads x plain) -> Relu -> MaxPool 3x3/2 pad 1
//   -> conv1x1 (24) -> depthwise 3x3 (group 24, pad 1) -> Add(depthwise, conv1x1)
//   -> squeeze-excitation: GlobalAveragePool -> conv1x1 (24) -> Sigmoid -> Mul(sum, gate)
//   -> GlobalAveragePool -> Flatten -> y
GraphBuilder small_cnn() {
  GraphBuilder b;
  b.input("x", {1, 20, 10, 10}).output("y");
  b.initializer("w1", weights(Shape{32, 20, 3, 3}, 0.013f));
  b.initializer("b1", ramp(Shape{32}, 0.3f));
  b.initializer("w2", weights(Shape{24, 32, 1, 1}, 0.031f));
  b.initializer("w3", weights(Shape{24, 1, 3, 3}, 0.17f));
  b.initializer("b3", ramp(Shape{24}, 0.11f));
  b.initializer("w4", weights(Shape{24, 24, 1, 1}, 0.029f));
  b.node("conv1", "Conv", {"x", "w1", "b1"}, {"c1"});
  set(b, "conv1", ints_attr("pads", {1, 1, 1, 1}));
  b.node("relu", "Relu", {"c1"}, {"r1"});
  b.node("pool", "MaxPool", {"r1"}, {"p1"});
  set(b, "pool", ints_attr("kernel_shape", {3, 3}));
  set(b, "pool", ints_attr("strides", {2, 2}));
  set(b, "pool", ints_attr("pads", {1, 1, 1, 1}));
  b.node("conv2", "Conv", {"p1", "w2"}, {"c2"});
  b.node("dw", "Conv", {"c2", "w3", "b3"}, {"c3"});
  set(b, "dw", int_attr("group", 24));
  set(b, "dw", ints_attr("pads", {1, 1, 1, 1}));
  b.node("sum", "Add", {"c3", "c2"}, {"s"});
  b.node("se_pool", "GlobalAveragePool", {"s"}, {"g"});
  b.node("se_conv", "Conv", {"g", "w4"}, {"gc"});
  b.node("se_gate", "Sigmoid", {"gc"}, {"gs"});
  b.node("se_mul", "Mul", {"s", "gs"}, {"m"});
  b.node("head_pool", "GlobalAveragePool", {"m"}, {"h"});
  b.node("flatten", "Flatten", {"h"}, {"y"});
  return b;
}

// Runs the layout pass alone, every node owned by `owner(name)` (nullopt: not the layout's).
optimizer::OptimizationReport lay_out(
    GraphBuilder& b, const std::function<std::optional<int>(const std::string&)>& owner) {
  fusion_test::prepare(b);
  optimizer::OptimizerOptions o;
  o.first_level = o.level = optimizer::Level::kProviderAware;
  o.layout_owner = [&](const Graph&, const Node& n) { return owner(n.name); };
  return optimizer::optimize(b.model, o);
}

std::optional<int> everything(const std::string&) {
  return 0;
}

void expect_same_outputs(const std::function<GraphBuilder()>& make, GraphBuilder& rewritten,
                         const Tensor& x) {
  GraphBuilder plain = make();
  const std::vector<Tensor> expected = fusion_test::run_on_cpu(plain, {x});
  const std::vector<Tensor> got = testing::run_graph_on_cpu(rewritten, {x});
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) testing::expect_near(got[i], expected[i], 1e-4, 1e-5);
}

const Tensor kInput = ramp(Shape{1, 20, 10, 10}, 0.041f);

TEST(BlockedLayoutPass, MovesAWholeCnnIntoTheLayoutWithOneReorderAtItsEnd) {
  GraphBuilder b = small_cnn();
  const auto report = lay_out(b, everything);
  EXPECT_EQ(fusion_test::rewrites(report, "blocked_channel_layout"), 11);
  EXPECT_EQ(ops(b.graph()),
            (std::vector<std::string>{
                "aruntime.NchwcConv",  // reads x as it is: no reorder of the input
                "Relu", "aruntime.NchwcMaxPool", "aruntime.NchwcConv",
                "aruntime.NchwcConv",  // depthwise
                "Add", "aruntime.NchwcGlobalAveragePool", "aruntime.NchwcConv", "Sigmoid", "Mul",
                "aruntime.NchwcGlobalAveragePool", "aruntime.NchwcReorderOutput", "Flatten"}));
  const Node& reorder = b.graph().nodes[11];
  EXPECT_EQ(reorder.outputs, std::vector<std::string>{"h"});  // the plain name Flatten reads
  EXPECT_EQ(reorder.attr_int("channels"), 24);
  // Blocked values are [N, blocks(C), H, W, 16]: 32 channels after conv1 are 2 blocks, 24 are 2.
  EXPECT_EQ(b.graph().find_type(b.graph().nodes[0].outputs[0])->to_string(),
            "float32[1,2,10,10,16]");
  EXPECT_EQ(b.graph().find_type(b.graph().nodes[4].outputs[0])->to_string(), "float32[1,2,5,5,16]");
  // The plain intermediates no node reads any more have no type left behind.
  EXPECT_EQ(b.graph().find_type("c1"), nullptr);
  EXPECT_EQ(b.model.opset(fusion_test::kFused), optimizer::kFusedOpset);
  expect_same_outputs(small_cnn, b, kInput);
}

TEST(BlockedLayoutPass, RunsOnceToAFixedPoint) {
  GraphBuilder b = small_cnn();
  lay_out(b, everything);
  const std::vector<std::string> after = ops(b.graph());
  optimizer::OptimizerOptions o;
  o.first_level = o.level = optimizer::Level::kProviderAware;
  o.layout_owner = [](const Graph&, const Node&) { return std::optional<int>(0); };
  const auto again = optimizer::optimize(b.model, o);
  EXPECT_EQ(fusion_test::rewrites(again, "blocked_channel_layout"), 0);
  EXPECT_EQ(ops(b.graph()), after);
}

TEST(BlockedLayoutPass, DoesNothingWithoutOwnersOrOutsideThem) {
  // Without layout_owner (a file saved by `aruntime optimize`, a session without such a provider).
  GraphBuilder none = small_cnn();
  fusion_test::prepare(none);
  optimizer::OptimizerOptions o;
  o.first_level = o.level = optimizer::Level::kProviderAware;
  optimizer::optimize(none.model, o);
  EXPECT_EQ(ops(none.graph()).front(), "Conv");
  // Nodes without an owner keep NCHW; the blocked region ends before them.
  GraphBuilder part = small_cnn();
  lay_out(part, [](const std::string& name) -> std::optional<int> {
    if (name == "conv2" || name == "se_mul") return std::nullopt;
    return 0;
  });
  const std::vector<std::string> got = ops(part.graph());
  EXPECT_EQ(got, (std::vector<std::string>{
                     "aruntime.NchwcConv", "Relu", "aruntime.NchwcMaxPool",
                     "aruntime.NchwcReorderOutput",  // for conv2, not the layout's
                     "Conv",
                     "aruntime.NchwcReorderInput",  // the depthwise needs its input blocked...
                     "aruntime.NchwcConv",
                     "Add",  // ... and the residual Add reads that reorder too
                     "aruntime.NchwcReorderOutput",  // se_mul reads the sum plain
                     "aruntime.NchwcGlobalAveragePool", "aruntime.NchwcConv", "Sigmoid",
                     "aruntime.NchwcReorderOutput",  // and the gate
                     "Mul", "GlobalAveragePool", "Flatten"}))
      << ::testing::PrintToString(got);
  expect_same_outputs(small_cnn, part, kInput);
  // Two providers that both prefer the layout: values cross between them in NCHW.
  GraphBuilder two = small_cnn();
  lay_out(two,
          [](const std::string& name) -> std::optional<int> { return name == "relu" ? 1 : 0; });
  const std::vector<std::string> two_ops = ops(two.graph());
  EXPECT_EQ(two_ops[1], "aruntime.NchwcReorderOutput") << ::testing::PrintToString(two_ops);
  EXPECT_EQ(two_ops[2], "Relu");     // provider 1's: it reads conv1's output plain
  EXPECT_EQ(two_ops[3], "MaxPool");  // a pool joins only a blocked input
  EXPECT_EQ(two_ops[4], "aruntime.NchwcConv");
  expect_same_outputs(small_cnn, two, kInput);
}

TEST(BlockedLayoutPass, AGraphOutputInsideTheRegionStaysAvailable) {
  auto make = [] {
    GraphBuilder b = small_cnn();
    b.output("r1");  // the Relu's output is also a graph output
    return b;
  };
  GraphBuilder b = make();
  lay_out(b, everything);
  const std::vector<std::string> got = ops(b.graph());
  EXPECT_EQ(got[2], "aruntime.NchwcReorderOutput") << ::testing::PrintToString(got);
  EXPECT_EQ(b.graph().nodes[2].outputs, std::vector<std::string>{"r1"});
  EXPECT_EQ(got[3], "aruntime.NchwcMaxPool");  // the region goes on in the blocked layout
  expect_same_outputs(make, b, kInput);
}

// One convolution in a form the layout does not take, between two that it does.
GraphBuilder conv_between(const std::function<void(GraphBuilder&)>& middle) {
  GraphBuilder b;
  b.input("x", {1, 16, 6, 6}).output("y");
  b.initializer("w1", weights(Shape{16, 16, 3, 3}, 0.013f));
  b.initializer("w3", weights(Shape{16, 16, 1, 1}, 0.07f));
  b.node("conv1", "Conv", {"x", "w1"}, {"c1"});
  set(b, "conv1", ints_attr("pads", {1, 1, 1, 1}));
  middle(b);  // c1 -> c2
  b.node("conv3", "Conv", {"c2", "w3"}, {"y"});
  return b;
}

TEST(BlockedLayoutPass, LeavesConvolutionsItCannotRunAsTheyAre) {
  const Tensor x = ramp(Shape{1, 16, 6, 6}, 0.05f);
  struct Case {
    const char* what;
    std::function<void(GraphBuilder&)> middle;
  };
  const std::vector<Case> cases = {
      {"grouped, not depthwise",
       [](GraphBuilder& b) {
         b.initializer("w2", weights(Shape{16, 8, 3, 3}, 0.02f));
         b.node("conv2", "Conv", {"c1", "w2"}, {"c2"});
         set(b, "conv2", int_attr("group", 2));
         set(b, "conv2", ints_attr("pads", {1, 1, 1, 1}));
       }},
      {"depthwise with a channel multiplier",
       [](GraphBuilder& b) {
         b.initializer("w2", weights(Shape{32, 1, 1, 1}, 0.02f));
         b.initializer("w2b", weights(Shape{16, 32, 1, 1}, 0.02f));
         b.node("conv2", "Conv", {"c1", "w2"}, {"c2a"});
         set(b, "conv2", int_attr("group", 16));
         b.node("conv2b", "Conv", {"c2a", "w2b"}, {"c2"});
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    auto make = [&] { return conv_between(c.middle); };
    GraphBuilder b = make();
    lay_out(b, everything);
    std::vector<std::string> got = ops(b.graph());
    EXPECT_EQ(got[2], "Conv") << ::testing::PrintToString(got);
    EXPECT_EQ(got[1], "aruntime.NchwcReorderOutput");
    expect_same_outputs(make, b, x);
  }
  // Weights fed at run time (not constants: nothing to prepack) stay a plain Conv.
  GraphBuilder fed;
  fed.input("x", {1, 16, 6, 6}).input("w", {16, 16, 3, 3}).output("y");
  fed.node("conv", "Conv", {"x", "w"}, {"y"});
  lay_out(fed, everything);
  EXPECT_EQ(ops(fed.graph()), std::vector<std::string>{"Conv"});
  // 1-D convolutions are not the layout's.
  GraphBuilder one_d;
  one_d.input("x", {1, 16, 6}).output("y");
  one_d.initializer("w", weights(Shape{16, 16, 3}, 0.02f));
  one_d.node("conv", "Conv", {"x", "w"}, {"y"});
  lay_out(one_d, everything);
  EXPECT_EQ(ops(one_d.graph()), std::vector<std::string>{"Conv"});
}

TEST(BlockedLayoutPass, OnlyOpsThatKeepPaddedLanesFiniteJoinTheRegion) {
  // Div is never taken (by a blocked value it would divide the padded lanes, 0, by 0), nor a
  // constant that varies over rows (it does not fit the blocked shape): both read plain values.
  // A per-channel constant (an affine normalization) joins as a blocked constant.
  auto make = [] {
    GraphBuilder b;
    b.input("x", {1, 20, 4, 4}).output("y").output("z").output("v");
    b.initializer("w", weights(Shape{20, 20, 1, 1}, 0.03f));
    b.initializer("scale", ramp(Shape{1, 20, 1, 1}, 0.3f));
    b.initializer("rows", ramp(Shape{1, 1, 4, 1}, 0.3f));
    b.initializer("two", fusion_test::f32({1}, {2.0f}));
    std::vector<float> den(320);
    for (size_t i = 0; i < den.size(); ++i) den[i] = 1.0f + static_cast<float>(i % 7) / 7.0f;
    b.initializer("den", fusion_test::f32({1, 20, 4, 4}, den));
    b.node("conv", "Conv", {"x", "w"}, {"c"});
    b.node("double", "Mul", {"c", "two"}, {"d"});  // one-element constant: stays blocked
    b.node("div", "Div", {"d", "den"}, {"y"});
    b.node("scale_mul", "Mul", {"scale", "d"}, {"z"});  // the constant first
    b.node("row_add", "Add", {"d", "rows"}, {"v"});
    return b;
  };
  GraphBuilder b = make();
  lay_out(b, everything);
  EXPECT_EQ(ops(b.graph()),
            (std::vector<std::string>{"aruntime.NchwcConv", "Mul", "aruntime.NchwcReorderOutput",
                                      "Div", "Mul", "aruntime.NchwcReorderOutput", "Add"}))
      << ::testing::PrintToString(ops(b.graph()));
  const Node& scale_mul = b.graph().nodes[4];
  EXPECT_EQ(b.graph().find_type(scale_mul.inputs[0])->to_string(), "float32[1,2,1,1,16]");
  expect_same_outputs(make, b, ramp(Shape{1, 20, 4, 4}, 0.2f));
}

// DenseNet's pattern: the features of earlier layers concatenated over channels, normalized by a
// BatchNormalization no Conv absorbs, then convolved.
GraphBuilder concat_batchnorm(int64_t first_channels, int64_t axis) {
  GraphBuilder b;
  b.input("x", {1, 16, 6, 6}).output("y");
  b.initializer("w1", weights(Shape{first_channels, 16, 3, 3}, 0.013f));
  b.initializer("w2", weights(Shape{16, first_channels, 1, 1}, 0.021f));
  const int64_t c = axis == 1 ? first_channels + 16 : 16;
  b.initializer("gamma", ramp(Shape{c}, 0.31f));
  b.initializer("beta", ramp(Shape{c}, 0.17f));
  b.initializer("mean", ramp(Shape{c}, 0.23f));
  std::vector<float> var(static_cast<size_t>(c));
  for (size_t i = 0; i < var.size(); ++i) var[i] = 0.5f + 0.1f * static_cast<float>(i % 7);
  b.initializer("var", fusion_test::f32({c}, var));
  b.initializer("w3", weights(Shape{20, c, 3, 3}, 0.019f));
  b.node("conv1", "Conv", {"x", "w1"}, {"c1"});
  set(b, "conv1", ints_attr("pads", {1, 1, 1, 1}));
  b.node("conv2", "Conv", {"c1", "w2"}, {"c2"});
  b.node("cat", "Concat", {"c1", "c2"}, {"cat"});
  set(b, "cat", int_attr("axis", axis));
  b.node("bn", "BatchNormalization", {"cat", "gamma", "beta", "mean", "var"}, {"n"});
  b.node("relu", "Relu", {"n"}, {"r"});
  b.node("conv3", "Conv", {"r", "w3"}, {"y"});
  set(b, "conv3", ints_attr("pads", {1, 1, 1, 1}));
  return b;
}

TEST(BlockedLayoutPass, ConcatOverWholeBlocksAndBatchNormalizationStayBlocked) {
  const Tensor x = ramp(Shape{1, 16, 6, 6}, 0.05f);
  auto make = [] { return concat_batchnorm(32, 1); };
  GraphBuilder b = make();
  lay_out(b, everything);
  const std::vector<std::string> got = ops(b.graph());
  EXPECT_EQ(got,
            (std::vector<std::string>{"aruntime.NchwcConv", "aruntime.NchwcConv",
                                      "Concat",      // of [1,2,6,6,16] and [1,1,6,6,16]
                                      "Mul", "Add",  // the normalization, blocked
                                      "Relu", "aruntime.NchwcConv", "aruntime.NchwcReorderOutput"}))
      << ::testing::PrintToString(got);
  EXPECT_EQ(b.graph().nodes[2].attr_int("axis"), 1);
  EXPECT_EQ(b.graph().find_type(b.graph().nodes[2].outputs[0])->to_string(), "float32[1,3,6,6,16]");
  expect_same_outputs(make, b, x);

  // The first input's 20 channels leave a padded block inside the result: Concat and what
  // follows it until the next convolution stay NCHW.
  auto partial = [] { return concat_batchnorm(20, 1); };
  GraphBuilder p = partial();
  lay_out(p, everything);
  const std::vector<std::string> p_ops = ops(p.graph());
  EXPECT_EQ(p_ops, (std::vector<std::string>{"aruntime.NchwcConv", "aruntime.NchwcReorderOutput",
                                             "aruntime.NchwcConv", "aruntime.NchwcReorderOutput",
                                             "Concat", "BatchNormalization", "Relu",
                                             "aruntime.NchwcConv", "aruntime.NchwcReorderOutput"}))
      << ::testing::PrintToString(p_ops);
  expect_same_outputs(partial, p, x);

  // Concatenating over rows is not the channels' business.
  auto rows = [] { return concat_batchnorm(16, 2); };
  GraphBuilder r = rows();
  lay_out(r, everything);
  const std::vector<std::string> r_ops = ops(r.graph());
  EXPECT_NE(std::find(r_ops.begin(), r_ops.end(), "BatchNormalization"), r_ops.end())
      << ::testing::PrintToString(r_ops);
  expect_same_outputs(rows, r, x);
}

// --- Sessions --------------------------------------------------------------------------------

using npu_test::attr;
using npu_test::Dims;
using npu_test::ModelBuilder;

// x[1,3,12,12] -> conv 3x3 (16, pad 1) -> Relu -> conv 3x3 (16, pad 1) -> GlobalAveragePool
// -> Flatten -> y[1,16]
std::string session_model() {
  ModelBuilder b(17);
  b.input("x", {1, 3, 12, 12}).output("y", {1, 16});
  b.f32("w1", {16, 3, 3, 3}, npu_test::pseudo_random(16 * 27, 1));
  b.f32("w2", {16, 16, 3, 3}, npu_test::pseudo_random(16 * 144, 2));
  auto& c1 = b.node("Conv", {"x", "w1"}, {"c1"}, "conv1");
  attr(c1, "pads", Dims{1, 1, 1, 1});
  b.node("Relu", {"c1"}, {"r1"}, "relu");
  auto& c2 = b.node("Conv", {"r1", "w2"}, {"c2"}, "conv2");
  attr(c2, "pads", Dims{1, 1, 1, 1});
  b.node("GlobalAveragePool", {"c2"}, {"g"}, "pool");
  b.node("Flatten", {"g"}, {"y"}, "flatten");
  return b.bytes();
}

std::map<std::string, std::string> ops_by_node(const Session& s) {
  std::map<std::string, std::string> m;
  for (const NodePlacement& n : s.placement()) {
    m[n.node_name] = (n.domain.empty() ? n.op_type : n.domain + "." + n.op_type) + "@" + n.provider;
  }
  return m;
}

TEST(BlockedLayoutSession, TheCpuProviderGetsTheLayoutAtLevelThreeOnly) {
  const std::string model = session_model();
  std::map<std::string, Tensor> feeds = {{"x", ramp(Shape{1, 3, 12, 12}, 0.07f)}};
  SessionOptions level2;
  level2.optimization.level = 2;
  Session plain = npu_test::make_session(model, level2);
  EXPECT_EQ(ops_by_node(plain).at("conv1"), "aruntime.FusedConv@cpu");  // Conv + Relu
  EXPECT_EQ(ops_by_node(plain).at("conv2"), "Conv@cpu");
  Session blocked = npu_test::make_session(model, SessionOptions{});  // default: level 3
  const auto placed = ops_by_node(blocked);
  SCOPED_TRACE(::testing::PrintToString(placed));
  EXPECT_EQ(placed.at("conv1"), "aruntime.NchwcConv@cpu");  // Conv + Relu fused at level 2 first
  EXPECT_EQ(placed.at("conv2"), "aruntime.NchwcConv@cpu");
  EXPECT_EQ(placed.at("pool"), "aruntime.NchwcGlobalAveragePool@cpu");
  EXPECT_EQ(placed.at("flatten"), "Flatten@cpu");
  EXPECT_EQ(placed.size(), 5u);  // conv1, conv2, pool, the reorder before Flatten, flatten
  testing::expect_near(blocked.run(feeds)[0], plain.run(feeds)[0], 1e-4, 1e-5);
  // The pass can be turned off by name like any other.
  SessionOptions off;
  off.optimization.disabled_passes = {"blocked_channel_layout"};
  EXPECT_EQ(ops_by_node(npu_test::make_session(model, off)).at("conv2"), "Conv@cpu");
}

TEST(BlockedLayoutSession, PackedWeightsReplaceTheInitializers) {
  // Each blocked convolution packs its weights when the session is created and the session drops
  // the initializer at once: the memory report's weights are the packed ones, zero-padded to
  // whole blocks of output channels. conv1 reads the 3-channel image as NCHW:
  // [16/16, 3, 3, 3, 16] = 432 floats; conv2 [1, 1, 3, 3, 16, 16] = 2304; and each a bias of
  // 16 zeros (none given).
  const std::string model = session_model();
  Session blocked = npu_test::make_session(model, SessionOptions{});
  EXPECT_EQ(blocked.memory_report().weights_bytes, (432u + 2304u + 2u * 16u) * 4u);
  SessionOptions level2;
  level2.optimization.level = 2;
  Session plain = npu_test::make_session(model, level2);
  EXPECT_EQ(plain.memory_report().weights_bytes, (16u * 27u + 16u * 144u) * 4u);
  // The released weights are not needed by any run.
  std::map<std::string, Tensor> feeds = {{"x", ramp(Shape{1, 3, 12, 12}, 0.11f)}};
  for (int run = 0; run < 2; ++run) {
    testing::expect_near(blocked.run(feeds)[0], plain.run(feeds)[0], 1e-4, 1e-5);
  }
}

TEST(BlockedLayoutSession, ADeviceProvidersNodesKeepTheirLayout) {
  // The simulated NPU takes the float32 CNN; nothing is left on the CPU to rewrite.
  const std::string model = session_model();
  Session s = npu_test::make_session(model, npu_test::npu_options());
  for (const auto& [node, where] : ops_by_node(s)) {
    EXPECT_EQ(where.find("Nchwc"), std::string::npos) << node << " " << where;
  }
}

}  // namespace
}  // namespace aruntime
