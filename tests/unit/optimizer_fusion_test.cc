// The optimizer's level-2 fusions (graph/optimizer/fuse_*.cc) and the CPU kernels of the fused ops
// (providers/cpu/ops/fused_ops.cc): what each pass rewrites, the cases where it must not fire, the
// outputs before and after staying equal on the CPU provider, and each kernel against values
// computed independently with numpy (naive loops and the formulas of the ONNX spec; the script's
// expressions are quoted next to the numbers).
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "core/arena.h"
#include "core/execution_plan.h"
#include "core/executor.h"
#include "core/partitioner.h"
#include "graph/loader.h"
#include "graph/optimizer/fuse_common.h"
#include "graph/optimizer/fused_domain.h"
#include "graph/optimizer/pass_manager.h"
#include "graph/shape_inference.h"
#include "graph/type_inference.h"
#include "providers/cpu/cpu_execution_provider.h"
#include "tests/unit/graph_runner.h"
#include "tests/unit/optimizer_fusion_test_util.h"
#include "tests/unit/op_test_util.h"
#include "tests/unit/test_execution_provider.h"

namespace aruntime {
namespace {

using optimizer::Level;
using testing::f32;
using testing::GraphBuilder;
using testing::OpTest;

using namespace fusion_test;  // NOLINT: the shared helpers of optimizer_fusion_test_util.h

// ---- Kernels against numpy ------------------------------------------------------------------

// X [1,1,3,3], W [2,1,2,2], B [2] (no padding): numpy conv =
//   0.725, 3.85, 5.4125, -9.9, -1.45, 1.05, -1.45, 6.05
const Tensor kConvX = f32({1, 1, 3, 3}, {1, -2, 3, 0.5f, -1, 4, 0.25f, 2, -3});
const Tensor kConvW = f32({2, 1, 2, 2}, {0.5f, -1, 0.25f, 2, -0.5f, 0.75f, 1, -0.25f});
const Tensor kConvB = f32({2}, {0.1f, -0.2f});

Tensor fused_conv(const std::string& activation, std::vector<float> params,
                  const Tensor* z = nullptr) {
  OpTest t("FusedConv", 1, kFused);
  t.input(kConvX).input(kConvW, true).input(kConvB, true);
  if (z != nullptr) t.input(*z);
  if (!activation.empty()) t.attr("activation", activation);
  if (!params.empty()) t.attr("activation_params", std::move(params));
  return t.outputs({DataType::kFloat32}).run()[0];
}

TEST(FusedConvKernel, EveryActivationMatchesNumpy) {
  // numpy: f(conv) with the activations' ONNX formulas, e.g. np.clip(0.25*v + 0.4, 0, 1).
  struct Case {
    std::string activation;
    std::vector<float> params;
    std::vector<float> expected;
  };
  const std::vector<Case> cases = {
      {"", {}, {0.725f, 3.85f, 5.4125f, -9.9f, -1.45f, 1.05f, -1.45f, 6.05f}},
      {"Relu", {}, {0.725f, 3.85f, 5.4125f, 0, 0, 1.05f, 0, 6.05f}},
      {"LeakyRelu", {0.1f}, {0.725f, 3.85f, 5.4125f, -0.99f, -0.145f, 1.05f, -0.145f, 6.05f}},
      {"Clip", {-0.5f, 1.0f}, {0.725f, 1, 1, -0.5f, -0.5f, 1, -0.5f, 1}},
      {"HardSigmoid", {0.25f, 0.4f}, {0.58125f, 1, 1, 0, 0.0375f, 0.6625f, 0.0375f, 1}},
      {"HardSwish", {}, {0.4501042f, 3.85f, 5.4125f, 0, -0.3745833f, 0.70875f, -0.3745833f, 6.05f}},
      {"Sigmoid",
       {},
       {0.6737071f, 0.9791637f, 0.9955593f, 5.017216e-05f, 0.1900016f, 0.7407749f, 0.1900016f,
        0.9976477f}},
      {"Tanh",
       {},
       {0.6199969f, 0.9990948f, 0.9999602f, -1, -0.8956929f, 0.7818064f, -0.8956929f, 0.9999889f}},
      {"Gelu", {}, {0.5551861f, 3.849773f, 5.4125f, 0, -0.1066174f, 0.895798f, -0.1066174f, 6.05f}},
      {"GeluTanh",
       {},
       {0.5551242f, 3.849859f, 5.4125f, 0, -0.1068448f, 0.895628f, -0.1068448f, 6.05f}},
      // y / (1 + np.exp(-1.5 * y))
      {"Swish",
       {1.5f},
       {0.5422352f, 3.838086f, 5.410888f, -3.518536e-06f, -0.1479262f, 0.86992f, -0.1479262f,
        6.049307f}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.activation);
    testing::expect_near(fused_conv(c.activation, c.params), f32({1, 2, 2, 2}, c.expected), 1e-5,
                         1e-6);
  }
}

TEST(FusedConvKernel, ResidualIsAddedBeforeTheActivation) {
  // numpy: np.maximum(conv + z, 0)
  const Tensor z = f32({1, 2, 2, 2}, {0.5f, -0.5f, 1, -1, 2, -2, 0.25f, -0.25f});
  testing::expect_near(fused_conv("Relu", {}, &z),
                       f32({1, 2, 2, 2}, {1.225f, 3.35f, 6.4125f, 0, 0.55f, 0, 0, 5.8f}), 1e-5,
                       1e-6);
}

TEST(FusedConvKernel, DepthwiseAndPointwisePathsApplyTheEpilogue) {
  // Depthwise (group 2, pads 1, strides 2): x = np.arange(18).reshape(1,2,3,3) * 0.5 - 4, W and B
  // as above; numpy: v * np.clip(v / 6 + 0.5, 0, 1).
  std::vector<float> x(18);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) * 0.5f - 4;
  OpTest dw("FusedConv", 1, kFused);
  dw.input(f32({1, 2, 3, 3}, x)).input(kConvW, true).input(kConvB, true);
  dw.attr("group", int64_t{2}).attr("pads", std::vector<int64_t>{1, 1, 1, 1});
  dw.attr("strides", std::vector<int64_t>{2, 2}).attr("activation", std::string("HardSwish"));
  testing::expect_near(
      dw.outputs({DataType::kFloat32}).run()[0],
      f32({1, 2, 2, 2}, {0, 0, 0.36f, 0.2751042f, -0.1448958f, 0.2426042f, 0.2426042f, 3.675f}),
      1e-5, 1e-6);

  // Pointwise (1x1, no bias) with a residual: x3 [1,2,2,2], w3 [3,2,1,1], z3 =
  // np.linspace(-1, 1, 12); numpy: np.where(v < 0, 0.1 * v, v) for v = conv + z3.
  std::vector<float> z(12);
  for (size_t i = 0; i < z.size(); ++i) z[i] = -1.0f + 2.0f * static_cast<float>(i) / 11.0f;
  OpTest pw("FusedConv", 1, kFused);
  pw.input(f32({1, 2, 2, 2}, {1, -2, 3, 0.5f, -1, 4, 0.25f, 2}))
      .input(f32({3, 2, 1, 1}, {0.5f, -1, 2, 0.25f, -0.75f, 1.5f}), true)
      .omitted_input()
      .input(f32({1, 3, 2, 2}, z));
  pw.attr("activation", std::string("LeakyRelu"))
      .attr("activation_params", std::vector<float>{0.1f});
  testing::expect_near(
      pw.outputs({DataType::kFloat32}).run()[0],
      f32({1, 3, 2, 2}, {0.5f, -0.5818182f, 0.6136364f, -0.2204545f, 1.477273f, -0.3090909f,
                         6.153409f, 1.772727f, -0.1795455f, 8.136364f, -0.1056818f, 3.625f}),
      1e-5, 1e-6);
}

TEST(FusedConvKernel, LargeConvolutionsMatchConvThenActivation) {
  // Shapes large enough for the parallel im2col and shared-column paths; the reference is the
  // standalone Conv, Add and Relu kernels.
  // ({1, 80, 8, 8}: one column tile shared by several output-channel blocks.)
  for (const std::vector<int64_t>& dims :
       {std::vector<int64_t>{1, 16, 20, 20}, std::vector<int64_t>{2, 8, 33, 17},
        std::vector<int64_t>{1, 80, 8, 8}}) {
    SCOPED_TRACE(::testing::PrintToString(dims));
    const std::vector<int64_t> z_dims = {dims[0], 96, dims[2], dims[3]};
    auto make = [&] {
      GraphBuilder b;
      b.input("x", dims).input("z", z_dims).output("y");
      b.initializer("W", ramp(Shape{96, dims[1], 3, 3}, 0.013f));
      b.initializer("B", ramp(Shape{96}, 0.29f));
      b.node("conv", "Conv", {"x", "W", "B"}, {"c"});
      Attribute pads;
      pads.name = "pads";
      pads.type = Attribute::Type::kInts;
      pads.ints = {1, 1, 1, 1};
      add_attribute(b, "conv", pads);
      b.node("add", "Add", {"c", "z"}, {"s"}).node("relu", "Relu", {"s"}, {"y"});
      return b;
    };
    expect_fused(make, {ramp(Shape(dims)), ramp(Shape(z_dims), 0.11f)}, {"aruntime.FusedConv"});
  }
}

TEST(FusedConvKernel, RefusesBadAttributesAndResiduals) {
  auto run = [](const std::string& activation, std::vector<float> params) {
    fused_conv(activation, std::move(params));
  };
  testing::expect_error([&] { run("Softplus", {}); }, ErrorCode::kInvalidModel,
                        {"FusedConv", "activation 'Softplus' is not one of"});
  testing::expect_error([&] { run("Clip", {1.0f}); }, ErrorCode::kInvalidModel,
                        {"activation Clip takes 2 activation_params, got 1"});
  const Tensor small = f32({1, 2, 1, 2}, {1, 2, 3, 4});
  testing::expect_error([&] { fused_conv("Relu", {}, &small); }, ErrorCode::kInvalidArgument,
                        {"input Z has shape [1,2,1,2], expected Y's [1,2,2,2]"});
}

TEST(FusedGemmKernel, BatchedAAndTransposedOperandsMatchNumpy) {
  // A [2,2,3] folds into M = 4. numpy: np.maximum(0.5 * A @ B + 2 * C, 0).
  OpTest nd("FusedGemm", 1, kFused);
  nd.input(f32({2, 2, 3}, {1, -2, 3, 0.5f, -1, 4, 0.25f, 2, -3, 1.5f, 0, -0.5f}))
      .input(f32({3, 2}, {0.5f, -1, 2, 0.25f, -0.75f, 1.5f}), true)
      .input(f32({2}, {0.1f, -0.3f}), true);
  nd.attr("alpha", 0.5f).attr("beta", 2.0f).attr("activation", std::string("Relu"));
  testing::expect_near(nd.outputs({DataType::kFloat32}).run()[0],
                       f32({2, 2, 2}, {0, 0.9f, 0, 2.025f, 3.3875f, 0, 0.7625f, 0}), 1e-5, 1e-6);

  // transA, transB, C [2,1]. numpy: np.tanh(A.T @ B.T + C).
  OpTest trans("FusedGemm", 1, kFused);
  trans.input(f32({3, 2}, {1, -2, 3, 0.5f, -1, 4}))
      .input(f32({2, 3}, {0.5f, -1, 2, 0.25f, -0.75f, 1.5f}))
      .input(f32({2, 1}, {0.2f, -0.4f}));
  trans.attr("transA", int64_t{1})
      .attr("transB", int64_t{1})
      .attr("activation", std::string("Tanh"));
  testing::expect_near(trans.outputs({DataType::kFloat32}).run()[0],
                       f32({2, 2}, {-0.9996319f, -0.997283f, 0.9999899f, 0.9998426f}), 1e-5, 1e-6);

  OpTest bad("FusedGemm", 1, kFused);
  bad.input(f32({2, 2, 3}, std::vector<float>(12, 1))).input(f32({3, 2}, std::vector<float>(6, 1)));
  bad.attr("transA", int64_t{1});
  testing::expect_error([&] { bad.outputs({DataType::kFloat32}).run(); },
                        ErrorCode::kInvalidArgument,
                        {"FusedGemm", "A must have rank >= 2 (2 when transA is set)"});
}

TEST(GeluKernel, ErfAndTanhFormsMatchNumpy) {
  // numpy: 0.5*v*(1 + erf(v/sqrt(2))) and 0.5*v*(1 + tanh(sqrt(2/pi)*(v + 0.044715*v**3))).
  const Tensor x = f32({8}, {-3, -1, -0.5f, 0, 0.5f, 1, 2, 4});
  OpTest erf("Gelu", 1, kFused);
  testing::expect_near(erf.input(x).outputs({DataType::kFloat32}).run()[0],
                       f32({8}, {-0.004049694f, -0.1586553f, -0.1542688f, 0, 0.3457312f, 0.8413447f,
                                 1.9545f, 3.999873f}),
                       1e-5, 1e-6);
  OpTest tanh("Gelu", 1, kFused);
  tanh.attr("approximate", std::string("tanh"));
  testing::expect_near(tanh.input(x).outputs({DataType::kFloat32}).run()[0],
                       f32({8}, {-0.003637392f, -0.158808f, -0.154286f, 0, 0.345714f, 0.841192f,
                                 1.954598f, 3.99993f}),
                       1e-5, 1e-6);
  OpTest bad("Gelu", 1, kFused);
  bad.attr("approximate", std::string("fast"));
  testing::expect_error([&] { bad.input(x).outputs({DataType::kFloat32}).run(); },
                        ErrorCode::kInvalidModel, {"Gelu", "approximate must be"});
}

TEST(LayerNormalizationKernel, MatchesNumpy) {
  const Tensor x = f32({2, 2, 3}, {1, 2, 3, -1, 0.5f, 4, 2, 2, 2, 0, -3, 1.5f});
  // numpy: mu = X.mean(-1), var = ((X - mu)**2).mean(-1); (X - mu)/sqrt(var + 1e-5)*sc + bi.
  OpTest last("LayerNormalization", 1, kFused);
  last.input(x).input(f32({3}, {0.5f, 1, 2}), true).input(f32({3}, {0.1f, 0, -0.1f}), true);
  testing::expect_near(
      last.outputs({DataType::kFloat32}).run()[0],
      f32({2, 2, 3}, {-0.5123678f, 0, 2.349471f, -0.4171116f, -0.3182226f, 2.604892f, 0.1f, 0,
                      -0.1f, 0.2336304f, -1.336304f, 2.038087f}),
      1e-5, 1e-6);
  // Over axes (1, 2), epsilon 0.01, no B.
  OpTest two("LayerNormalization", 1, kFused);
  two.input(x).input(f32({2, 3}, {1, -1, 0.5f, 2, 1.5f, 0.25f}), true);
  two.attr("axis", int64_t{1}).attr("epsilon", 0.01f);
  testing::expect_near(
      two.outputs({DataType::kFloat32}).run()[0],
      f32({2, 2, 3}, {-0.354259f, -0.2530421f, 0.4301716f, -3.137723f, -0.9868643f, 0.3669111f,
                      0.6857685f, -0.6857685f, 0.3428842f, -0.8229222f, -3.085958f, 0.1028653f}),
      1e-5, 1e-6);
  OpTest bad("LayerNormalization", 1, kFused);
  bad.input(x).input(f32({2}, {1, 1}), true);
  testing::expect_error([&] { bad.outputs({DataType::kFloat32}).run(); },
                        ErrorCode::kInvalidArgument, {"Scale has shape [2], expected [3]"});
}

TEST(AttentionKernel, MatchesNumpy) {
  // Q = np.arange(12).reshape(2,2,3)*0.3 - 1.5, K = (np.arange(24).reshape(2,4,3) % 7)*0.25 - 0.6,
  // V = np.arange(16).reshape(2,4,2)*0.1 - 0.5; numpy: softmax(scale * Q @ K^T + mask) @ V.
  std::vector<float> q(12), k(24), v(16);
  for (size_t i = 0; i < q.size(); ++i) q[i] = static_cast<float>(i) * 0.3f - 1.5f;
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<float>(i % 7) * 0.25f - 0.6f;
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) * 0.1f - 0.5f;
  OpTest plain("Attention", 1, kFused);
  plain.input(f32({2, 2, 3}, q)).input(f32({2, 4, 3}, k)).input(f32({2, 4, 2}, v));
  plain.input(f32({2, 4}, {0, -1, 0, -1e9f, 0.5f, 0, 0, 0})).attr("scale", 0.5f);
  testing::expect_near(plain.outputs({DataType::kFloat32}).run()[0],
                       f32({2, 2, 2}, {-0.3761653f, -0.2761653f, -0.2680702f, -0.1680702f,
                                       0.5489693f, 0.6489693f, 0.5647623f, 0.6647623f}),
                       1e-5, 1e-6);
  // K given transposed (K.transpose(0, 2, 1)), mask [2,1,4] (one row per batch), scale 1.
  OpTest kt("Attention", 1, kFused);
  kt.input(f32({2, 2, 3}, q))
      .input(f32({2, 3, 4}, {-0.6f, 0.15f, 0.9f,   -0.1f,  -0.35f, 0.4f,   -0.6f, 0.15f,
                             -0.1f, 0.65f, -0.35f, 0.4f,   0.65f,  -0.35f, 0.4f,  -0.6f,
                             0.9f,  -0.1f, 0.65f,  -0.35f, -0.6f,  0.15f,  0.9f,  -0.1f}))
      .input(f32({2, 4, 2}, v))
      .input(f32({2, 1, 4}, {0.25f, -0.5f, 0, 1, 0, 0, -2, 0}));
  kt.attr("k_transposed", int64_t{1});
  testing::expect_near(kt.outputs({DataType::kFloat32}).run()[0],
                       f32({2, 2, 2}, {-0.3212258f, -0.2212258f, -0.1607607f, -0.06076067f,
                                       0.5319449f, 0.6319449f, 0.5163499f, 0.6163499f}),
                       1e-5, 1e-6);
  OpTest bad("Attention", 1, kFused);
  bad.input(f32({2, 2, 3}, q)).input(f32({2, 4, 3}, k)).input(f32({2, 4, 2}, v));
  bad.input(f32({3, 4}, std::vector<float>(12, 0)));
  testing::expect_error(
      [&] { bad.outputs({DataType::kFloat32}).run(); }, ErrorCode::kInvalidArgument,
      {"Attention", "mask of shape [3,4] does not broadcast to the scores [2,2,4]"});
}

// ---- Conv fusions -----------------------------------------------------------------------------

// x [1,2,4,4] -> Conv(W [3,2,3,3], B, pads 1) -> c -> `act` -> y
GraphBuilder conv_then(const std::string& act) {
  GraphBuilder b;
  b.input("x", {1, 2, 4, 4}).output("y");
  b.initializer("W", ramp(Shape{3, 2, 3, 3}, 0.31f));
  b.initializer("B", f32({3}, {0.1f, -0.2f, 0.3f}));
  b.node("conv", "Conv", {"x", "W", "B"}, {"c"});
  Attribute pads;
  pads.name = "pads";
  pads.type = Attribute::Type::kInts;
  pads.ints = {1, 1, 1, 1};
  add_attribute(b, "conv", pads);
  if (act == "Silu" || act == "Swish") {  // c * Sigmoid(c), c * Sigmoid(1.702 * c)
    std::string gate_in = "c";
    if (act == "Swish") {
      b.initializer("alpha", Tensor::scalar(1.702f));
      b.node("scale", "Mul", {"alpha", "c"}, {"ac"});
      gate_in = "ac";
    }
    b.node("gate", "Sigmoid", {gate_in}, {"g"}).node("act", "Mul", {"g", "c"}, {"y"});
  } else if (act == "Clip" || act == "Relu6") {
    b.initializer("lo", Tensor::scalar(act == "Relu6" ? 0.0f : -0.5f));
    b.initializer("hi", Tensor::scalar(act == "Relu6" ? 6.0f : 0.75f));
    b.node("act", "Clip", {"c", "lo", "hi"}, {"y"});
  } else {
    b.node("act", act, {"c"}, {"y"});
  }
  return b;
}

TEST(FuseConvActivation, EveryActivationBecomesOneFusedConv) {
  const Tensor x = ramp(Shape{1, 2, 4, 4});
  for (const std::string act : {"Relu", "Relu6", "Clip", "Sigmoid", "HardSigmoid", "HardSwish",
                                "LeakyRelu", "Tanh", "Silu", "Swish"}) {
    SCOPED_TRACE(act);
    expect_fused([&] { return conv_then(act); }, {x}, {"aruntime.FusedConv"});
  }
  GraphBuilder relu6 = conv_then("Relu6");
  auto r = fuse(relu6);
  EXPECT_EQ(rewrites(r, "fuse_conv_activation"), 1);
  const Node& n = only_node(relu6.graph());
  EXPECT_EQ(n.attr_string("activation"), "Clip");
  EXPECT_EQ(n.attr_floats("activation_params"), (std::vector<float>{0.0f, 6.0f}));
  EXPECT_EQ(n.attr_ints("pads"), (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(n.outputs, std::vector<std::string>{"y"});
  // The Clip bounds are unread now and gone; the conv's weights stay.
  EXPECT_FALSE(relu6.graph().is_initializer("lo"));
  EXPECT_TRUE(relu6.graph().is_initializer("W"));

  GraphBuilder swish = conv_then("Swish");
  fuse(swish);
  EXPECT_EQ(only_node(swish.graph()).attr_string("activation"), "Swish");
  EXPECT_EQ(only_node(swish.graph()).attr_floats("activation_params"), std::vector<float>{1.702f});

  // Clip with omitted bounds.
  GraphBuilder open = conv_then("Relu");
  open.graph().nodes[1].op_type = "Clip";
  fuse(open);
  EXPECT_EQ(only_node(open.graph()).attr_floats("activation_params"),
            (std::vector<float>{-INFINITY, INFINITY}));
}

TEST(FuseConvActivation, MustNotFire) {
  // The conv output is a graph output too.
  GraphBuilder both = conv_then("Relu");
  both.output("c");
  fuse(both);
  EXPECT_EQ(ops(both.graph()), (std::vector<std::string>{"Conv", "Relu"}));

  // The conv output has a second reader.
  GraphBuilder shared = conv_then("Relu");
  shared.output("n").node("neg", "Neg", {"c"}, {"n"});
  fuse(shared);
  EXPECT_EQ(ops(shared.graph()), (std::vector<std::string>{"Conv", "Relu", "Neg"}));

  // A Clip bound computed at run time (a graph input).
  GraphBuilder fed = conv_then("Clip");
  fed.input("hi", {});
  fed.graph().initializers.erase("hi");
  fuse(fed);
  EXPECT_EQ(ops(fed.graph()), (std::vector<std::string>{"Conv", "Clip"}));

  // x * Sigmoid(y) for another y is no SiLU.
  GraphBuilder gated = conv_then("Silu");
  gated.input("other", {1, 3, 4, 4});
  gated.graph().nodes[1].inputs = {"other"};
  fuse(gated);
  EXPECT_EQ(ops(gated.graph()), (std::vector<std::string>{"Conv", "Sigmoid", "Mul"}));

  // Not an activation the kernel applies.
  GraphBuilder other = conv_then("Softplus");
  fuse(other);
  EXPECT_EQ(ops(other.graph()), (std::vector<std::string>{"Conv", "Softplus"}));

  // Integer or half data is left alone.
  GraphBuilder half = conv_then("Relu");
  prepare(half);
  half.graph().value_types["c"].dtype = DataType::kFloat16;
  optimizer::OptimizerOptions o;
  optimizer::optimize(half.model, o);
  EXPECT_EQ(ops(half.graph()), (std::vector<std::string>{"Conv", "Relu"}));
  EXPECT_EQ(half.model.opset(kFused), 0);

  // Disabled by name.
  GraphBuilder disabled = conv_then("Relu");
  prepare(disabled);
  o.disabled = {"fuse_conv_activation"};
  optimizer::optimize(disabled.model, o);
  EXPECT_EQ(ops(disabled.graph()), (std::vector<std::string>{"Conv", "Relu"}));
}

TEST(FuseConvActivation, SubgraphReadersKeepTheIntermediate) {
  GraphBuilder b = conv_then("Relu");
  auto body = std::make_shared<Graph>();
  body->parent = &b.graph();
  Node neg;
  neg.name = "neg";
  neg.op_type = "Neg";
  neg.inputs = {"c"};
  neg.outputs = {"then_y"};
  body->nodes.push_back(neg);
  body->outputs.push_back(
      {"then_y", TypeInfo{ValueKind::kTensor, DataType::kFloat32, std::nullopt}});
  Node wrapper;
  wrapper.name = "if";
  wrapper.op_type = "If";
  wrapper.inputs = {"cond"};
  wrapper.outputs = {"z"};
  Attribute branch;
  branch.name = "then_branch";
  branch.type = Attribute::Type::kGraph;
  branch.g = body;
  wrapper.attributes.push_back(branch);
  b.graph().nodes.push_back(wrapper);
  b.input("cond", {}).output("z");
  prepare(b);
  optimizer::OptimizerOptions o;
  o.disabled = {"eliminate_dead_code"};
  optimizer::optimize(b.model, o);
  EXPECT_EQ(ops(b.graph()), (std::vector<std::string>{"Conv", "Relu", "If"}));
}

// x -> Conv -> c; Add(c, r) -> s -> Relu -> y, with r of c's shape.
GraphBuilder residual_block(std::vector<int64_t> r_dims = {1, 3, 4, 4}) {
  GraphBuilder b = conv_then("Relu");
  b.input("r", r_dims);
  b.graph().nodes[1].inputs = {"s"};
  b.graph().nodes.insert(b.graph().nodes.begin() + 1, Node{});
  Node& add = b.graph().nodes[1];
  add.name = "add";
  add.op_type = "Add";
  add.inputs = {"r", "c"};
  add.outputs = {"s"};
  return b;
}

TEST(FuseConvAdd, ResidualAndReluBecomeOneFusedConv) {
  const std::vector<Tensor> in = {ramp(Shape{1, 2, 4, 4}), ramp(Shape{1, 3, 4, 4}, 0.23f)};
  expect_fused([] { return residual_block(); }, in, {"aruntime.FusedConv"});
  GraphBuilder b = residual_block();
  auto r = fuse(b);
  EXPECT_EQ(rewrites(r, "fuse_conv_add"), 1);
  EXPECT_EQ(rewrites(r, "fuse_conv_activation"), 1);
  const Node& n = only_node(b.graph());
  EXPECT_EQ(n.inputs, (std::vector<std::string>{"x", "W", "B", "r"}));
  EXPECT_EQ(n.attr_string("activation"), "Relu");

  // A two-input Sum (opset 9 ResNets) fuses the same way; no activation after it.
  auto sum_block = [] {
    GraphBuilder s = residual_block();
    s.graph().nodes[1].op_type = "Sum";
    s.graph().nodes[2].op_type = "Identity";
    return s;
  };
  expect_fused(sum_block, in, {"aruntime.FusedConv", "Identity"});
}

TEST(FuseConvAdd, MustNotFire) {
  // The other operand broadcasts (a per-channel bias): the sum is not elementwise with Y.
  GraphBuilder bias = residual_block({3, 1, 1});
  fuse(bias);
  EXPECT_EQ(ops(bias.graph()), (std::vector<std::string>{"Conv", "Add", "Relu"}));

  // Shapes unknown (no shape inference): the fusion cannot check them.
  GraphBuilder unknown = residual_block();
  unknown.graph().inputs.back().type.shape.reset();
  unknown.graph().value_types["r"].shape.reset();
  fuse(unknown);
  EXPECT_EQ(ops(unknown.graph()), (std::vector<std::string>{"Conv", "Add", "Relu"}));

  // Conv output added to itself.
  GraphBuilder twice = residual_block();
  twice.graph().nodes[1].inputs = {"c", "c"};
  fuse(twice);
  EXPECT_EQ(ops(twice.graph()), (std::vector<std::string>{"Conv", "Add", "Relu"}));

  // An activation before the sum stays a separate step (FusedConv applies it after Z).
  GraphBuilder relu_first;
  relu_first.input("x", {1, 2, 4, 4}).input("r", {1, 3, 4, 4}).output("y");
  relu_first.initializer("W", ramp(Shape{3, 2, 1, 1}));
  relu_first.node("conv", "Conv", {"x", "W"}, {"c"}).node("relu", "Relu", {"c"}, {"a"});
  relu_first.node("add", "Add", {"a", "r"}, {"y"});
  fuse(relu_first);
  EXPECT_EQ(ops(relu_first.graph()), (std::vector<std::string>{"aruntime.FusedConv", "Add"}));
}

// ---- MatMul + Add, Gemm + activation ----------------------------------------------------------

// MatMul(a [a_dims], B [4,3]) + bias -> `act` (optional) -> y
GraphBuilder linear(std::vector<int64_t> a_dims, const Tensor& bias, const std::string& act = "") {
  GraphBuilder b;
  b.input("a", a_dims).output("y");
  b.initializer("B", ramp(Shape{4, 3}, 0.41f));
  b.initializer("bias", bias);
  b.node("mm", "MatMul", {"a", "B"}, {"m"});
  b.node("add", "Add", {"bias", "m"}, {act.empty() ? "y" : "s"});
  if (!act.empty()) b.node("act", act, {"s"}, {"y"});
  return b;
}

TEST(FuseMatMulAdd, TwoDimensionalBecomesGemmAndBatchedBecomesFusedGemm) {
  const Tensor bias = f32({3}, {0.5f, -1, 0.25f});
  expect_fused([&] { return linear({5, 4}, bias); }, {ramp(Shape{5, 4})}, {"Gemm"});
  expect_fused(
      [&] {
        return linear({2, 5, 4}, bias);
      },
      {ramp(Shape{2, 5, 4})}, {"aruntime.FusedGemm"});
  expect_fused(
      [&] {
        return linear({2, 5, 4}, bias, "Relu");
      },
      {ramp(Shape{2, 5, 4})}, {"aruntime.FusedGemm"});
  expect_fused(
      [&] {
        return linear({5, 4}, f32({5, 3}, std::vector<float>(15, 0.5f)), "Sigmoid");
      },
      {ramp(Shape{5, 4})}, {"aruntime.FusedGemm"});
  GraphBuilder b = linear({5, 4}, bias, "Tanh");
  auto r = fuse(b);
  EXPECT_EQ(rewrites(r, "fuse_matmul_add"), 1);
  EXPECT_EQ(rewrites(r, "fuse_gemm_activation"), 1);
  EXPECT_EQ(only_node(b.graph()).inputs, (std::vector<std::string>{"a", "B", "bias"}));
}

TEST(FuseMatMulAdd, MustNotFire) {
  // A per-row bias for a batched A would repeat over the batch, not over M.
  GraphBuilder rows = linear({2, 5, 4}, f32({5, 3}, std::vector<float>(15, 1)));
  fuse(rows);
  EXPECT_EQ(ops(rows.graph()), (std::vector<std::string>{"MatMul", "Add"}));

  // A bias that makes the sum larger than the product.
  GraphBuilder grows = linear({5, 4}, f32({2, 5, 3}, std::vector<float>(30, 1)));
  fuse(grows);
  EXPECT_EQ(ops(grows.graph()), (std::vector<std::string>{"MatMul", "Add"}));

  // The product is read twice.
  GraphBuilder shared = linear({5, 4}, f32({3}, {1, 2, 3}));
  shared.output("m");
  fuse(shared);
  EXPECT_EQ(ops(shared.graph()), (std::vector<std::string>{"MatMul", "Add"}));

  // A of unknown rank.
  GraphBuilder unknown = linear({5, 4}, f32({3}, {1, 2, 3}));
  unknown.graph().inputs[0].type.shape.reset();
  unknown.graph().value_types["a"].shape.reset();
  fuse(unknown);
  EXPECT_EQ(ops(unknown.graph()), (std::vector<std::string>{"MatMul", "Add"}));

  // A Gemm of a model older than opset 7 (C broadcasting needed a flag then).
  GraphBuilder old = linear({5, 4}, f32({3}, {1, 2, 3}), "Relu");
  old.model.opset_imports[""] = 6;
  fuse(old);
  EXPECT_EQ(ops(old.graph()), (std::vector<std::string>{"MatMul", "Add", "Relu"}));
}

// ---- GELU
// ----------------------------------------------------------------------------------------

// x [2,6] -> h = x + 0 (so that x is a value produced in the graph) -> GELU(h) -> y, spelled
// `form`: "torch" (x/sqrt2, erf, +1, *x, *0.5), "half_first" ((x*0.5) * (1+erf)), "half_last"
// (x * ((1+erf)*0.5)), "mul_inv_sqrt2", "tanh_pow", "tanh_mul".
GraphBuilder gelu_graph(const std::string& form, int64_t opset = 17) {
  GraphBuilder b;
  b.model.opset_imports[""] = opset;
  b.input("x", {2, 6}).output("y");
  b.initializer("zero", Tensor::scalar(0.0f));
  b.initializer("one", Tensor::scalar(1.0f));
  b.initializer("half", Tensor::scalar(0.5f));
  b.node("shift", "Add", {"x", "zero"}, {"h"});
  std::string t;
  if (form.rfind("tanh", 0) == 0) {
    b.initializer("kappa", Tensor::scalar(0.044715f));
    b.initializer("beta", Tensor::scalar(0.7978845608f));
    if (form == "tanh_pow") {
      b.initializer("three", Tensor::scalar(3.0f));
      b.node("cube", "Pow", {"h", "three"}, {"h3"});
    } else {
      b.node("sq", "Mul", {"h", "h"}, {"h2"}).node("cube", "Mul", {"h", "h2"}, {"h3"});
    }
    b.node("k", "Mul", {"kappa", "h3"}, {"kh3"}).node("inner", "Add", {"h", "kh3"}, {"s"});
    b.node("scale", "Mul", {"beta", "s"}, {"u"}).node("tanh", "Tanh", {"u"}, {"t"});
    t = "t";
  } else {
    if (form == "mul_inv_sqrt2") {
      b.initializer("c", Tensor::scalar(0.70710678f));
      b.node("scale", "Mul", {"h", "c"}, {"u"});
    } else {
      b.initializer("c", Tensor::scalar(1.4142135f));
      b.node("scale", "Div", {"h", "c"}, {"u"});
    }
    b.node("erf", "Erf", {"u"}, {"e"});
    t = "e";
  }
  b.node("plus", "Add", {t, "one"}, {"p"});
  if (form == "half_first" || form == "tanh_pow") {
    b.node("hx", "Mul", {"half", "h"}, {"hh"}).node("out", "Mul", {"hh", "p"}, {"y"});
  } else if (form == "half_last") {
    b.node("ph", "Mul", {"p", "half"}, {"q"}).node("out", "Mul", {"h", "q"}, {"y"});
  } else {
    b.node("xp", "Mul", {"h", "p"}, {"q"}).node("out", "Mul", {"q", "half"}, {"y"});
  }
  return b;
}

TEST(FuseGelu, EveryExportedSpellingBecomesOneGelu) {
  const Tensor x = ramp(Shape{2, 6}, 0.61f);
  for (const std::string form :
       {"torch", "half_first", "half_last", "mul_inv_sqrt2", "tanh_pow", "tanh_mul"}) {
    SCOPED_TRACE(form);
    expect_fused([&] { return gelu_graph(form); }, {x}, {"Add", "aruntime.Gelu"});
    GraphBuilder b = gelu_graph(form);
    fuse(b);
    const Node& gelu = b.graph().nodes.back();
    EXPECT_EQ(gelu.inputs, std::vector<std::string>{"h"});
    EXPECT_EQ(gelu.attr_string("approximate", "none"),
              form.rfind("tanh", 0) == 0 ? "tanh" : "none");
    // Only the shift's constant is still read.
    EXPECT_EQ(b.graph().initializers.size(), 1u);
  }
  // Opset 20 has Gelu itself.
  GraphBuilder onnx = gelu_graph("torch", 20);
  fuse(onnx);
  EXPECT_EQ(ops(onnx.graph()), (std::vector<std::string>{"Add", "Gelu"}));
}

TEST(FuseGelu, FeedsFusedGemm) {
  // The transformer MLP: MatMul + bias + GELU is one FusedGemm with a Gelu activation.
  auto make = [] {
    GraphBuilder b = gelu_graph("torch");
    b.initializer("W", ramp(Shape{6, 6}, 0.17f));
    Node& shift = b.graph().nodes[0];
    shift.op_type = "MatMul";
    shift.inputs = {"x", "W"};
    shift.outputs = {"mm"};
    Node add;
    add.name = "bias";
    add.op_type = "Add";
    add.inputs = {"mm", "zero_vec"};
    add.outputs = {"h"};
    b.graph().nodes.insert(b.graph().nodes.begin() + 1, add);
    b.initializer("zero_vec", f32({6}, {0.1f, -0.1f, 0.2f, -0.2f, 0.3f, -0.3f}));
    b.graph().initializers.erase("zero");
    b.graph().value_types.erase("zero");
    return b;
  };
  expect_fused(make, {ramp(Shape{2, 6}, 0.61f)}, {"aruntime.FusedGemm"});
  GraphBuilder b = make();
  fuse(b);
  EXPECT_EQ(only_node(b.graph()).attr_string("activation"), "Gelu");
}

TEST(FuseGelu, MustNotFire) {
  // A constant that is not the GELU one.
  GraphBuilder wrong = gelu_graph("torch");
  wrong.graph().initializers.at("half") = Tensor::scalar(0.6f);
  fuse(wrong);
  EXPECT_EQ(wrong.graph().nodes.size(), 6u);

  GraphBuilder kappa = gelu_graph("tanh_mul");
  kappa.graph().initializers.at("kappa") = Tensor::scalar(0.05f);
  fuse(kappa);
  EXPECT_EQ(kappa.graph().nodes.size(), 10u);

  // An intermediate that is a graph output, or read elsewhere.
  GraphBuilder exposed = gelu_graph("torch");
  exposed.output("e");
  fuse(exposed);
  EXPECT_EQ(exposed.graph().nodes.size(), 6u);

  GraphBuilder reread = gelu_graph("half_last");
  reread.output("n").node("neg", "Neg", {"p"}, {"n"});
  fuse(reread);
  EXPECT_EQ(reread.graph().nodes.size(), 7u);

  // The erf's argument is not derived from the x the products use.
  GraphBuilder other_x = gelu_graph("torch");
  other_x.input("x2", {2, 6});
  other_x.graph().nodes[1].inputs[0] = "x2";
  fuse(other_x);
  EXPECT_EQ(other_x.graph().nodes.size(), 6u);

  // Pow with the operands swapped computes 3^x.
  GraphBuilder swapped = gelu_graph("tanh_pow");
  swapped.graph().nodes[1].inputs = {"three", "h"};
  fuse(swapped);
  EXPECT_EQ(swapped.graph().nodes.size(), 9u);
}

// ---- LayerNormalization ---------------------------------------------------------------------

// x [2,3,4] -> mean over `axes` -> ... -> y (the pattern of the module's header).
GraphBuilder layer_norm_graph(int64_t opset, std::vector<int64_t> axes = {-1},
                              bool with_beta = true, Shape gamma_shape = Shape{4},
                              std::vector<int64_t> x_dims = {2, 3, 4}) {
  GraphBuilder b;
  b.model.opset_imports[""] = opset;
  b.input("x", x_dims).output("y");
  b.initializer("two", Tensor::scalar(2.0f));
  b.initializer("eps", Tensor::scalar(1e-3f));
  b.initializer("gamma", ramp(gamma_shape, 0.7f));
  if (with_beta) b.initializer("beta", ramp(Shape{4}, 0.3f));
  const bool axes_input = opset >= 18;
  if (axes_input) {
    b.initializer("axes",
                  Tensor::from_vector<int64_t>(Shape{static_cast<int64_t>(axes.size())}, axes));
  }
  auto mean = [&](const std::string& name, const std::string& in, const std::string& out) {
    b.node(name, "ReduceMean",
           axes_input ? std::vector<std::string>{in, "axes"} : std::vector<std::string>{in}, {out});
    if (!axes_input) {
      Attribute a;
      a.name = "axes";
      a.type = Attribute::Type::kInts;
      a.ints = axes;
      add_attribute(b, name, a);
    }
  };
  mean("mean", "x", "mu");
  b.node("sub", "Sub", {"x", "mu"}, {"d"}).node("sq", "Pow", {"d", "two"}, {"d2"});
  mean("var", "d2", "v");
  b.node("eps_add", "Add", {"v", "eps"}, {"ve"}).node("sqrt", "Sqrt", {"ve"}, {"s"});
  b.node("div", "Div", {"d", "s"}, {"n"})
      .node("scale", "Mul", {"n", "gamma"}, {with_beta ? "g" : "y"});
  if (with_beta) b.node("shift", "Add", {"g", "beta"}, {"y"});
  return b;
}

TEST(FuseLayerNormalization, BecomesTheOnnxOpOrTheRuntimeOne) {
  const Tensor x = ramp(Shape{2, 3, 4}, 0.53f);
  expect_fused([] { return layer_norm_graph(17); }, {x}, {"LayerNormalization"});
  expect_fused([] { return layer_norm_graph(18); }, {x}, {"LayerNormalization"});
  expect_fused([] { return layer_norm_graph(12); }, {x}, {"aruntime.LayerNormalization"});
  expect_fused(
      [] {
        return layer_norm_graph(12, {1, 2}, false, Shape{3, 4});
      },
      {x}, {"aruntime.LayerNormalization"});
  // gamma [1, 4] broadcasts without adding axes: it is given to the op as [4].
  expect_fused(
      [] {
        return layer_norm_graph(17, {-1}, true, Shape{1, 4});
      },
      {x}, {"LayerNormalization"});
  GraphBuilder b = layer_norm_graph(12, {1, 2}, false, Shape{3, 4});
  auto r = fuse(b);
  EXPECT_EQ(rewrites(r, "fuse_layer_normalization"), 1);
  const Node& n = only_node(b.graph());
  EXPECT_EQ(n.attr_int("axis"), 1);
  EXPECT_FLOAT_EQ(n.attr_float("epsilon"), 1e-3f);
  EXPECT_EQ(n.inputs, (std::vector<std::string>{"x", "gamma"}));
  EXPECT_EQ(b.graph().initializers.size(), 1u);  // the exponent and epsilon are gone
}

// No LayerNormalization came out, and the mean and the difference x - mu are still computed. (The
// second half of the pattern, d / Sqrt(mean(d^2) + eps) [* gamma], may become RMSNormalization
// of d: fuse_rms_normalization is right to take it.)
void expect_not_layer_norm(const Graph& g) {
  const std::vector<std::string> o = ops(g);
  EXPECT_EQ(std::count(o.begin(), o.end(), "LayerNormalization"), 0) << ::testing::PrintToString(o);
  EXPECT_EQ(std::count(o.begin(), o.end(), "aruntime.LayerNormalization"), 0);
  EXPECT_EQ(std::count(o.begin(), o.end(), "Sub"), 1) << ::testing::PrintToString(o);
}

TEST(FuseLayerNormalization, MustNotFire) {
  // Axes that are not the trailing ones.
  GraphBuilder middle = layer_norm_graph(12, {1}, true, Shape{3, 1});
  fuse(middle);
  expect_not_layer_norm(middle.graph());

  // The two means over different axes.
  GraphBuilder mixed = layer_norm_graph(12);
  mixed.graph().nodes[3].attributes[0].ints = {1, 2};
  fuse(mixed);
  expect_not_layer_norm(mixed.graph());

  // gamma fed at run time, or of a shape that would broadcast the output.
  GraphBuilder fed = layer_norm_graph(17);
  fed.input("gamma", {4});
  fuse(fed);
  expect_not_layer_norm(fed.graph());
  GraphBuilder wide = layer_norm_graph(17, {-1}, true, Shape{3, 4});
  fuse(wide);
  expect_not_layer_norm(wide.graph());

  // keepdims 0: on x [1,4,4] the mean [1,4] broadcasts along the wrong axis.
  GraphBuilder flat = layer_norm_graph(12, {-1}, true, Shape{4}, {1, 4, 4});
  add_attribute(flat, "mean", optimizer::int_attribute("keepdims", 0));
  fuse(flat);
  expect_not_layer_norm(flat.graph());

  // d^3 is not a variance; and a difference that is also read elsewhere.
  GraphBuilder cubed = layer_norm_graph(12);
  cubed.graph().initializers.at("two") = Tensor::scalar(3.0f);
  fuse(cubed);
  expect_not_layer_norm(cubed.graph());
  GraphBuilder reread = layer_norm_graph(12);
  reread.output("d");
  fuse(reread);
  expect_not_layer_norm(reread.graph());
}

// ---- Attention ---------------------------------------------------------------------------------

// nn.MultiheadAttention / scaled_dot_product_attention as torch exports them: q [1,2,3,4],
// k [1,2,5,4] (Transpose swaps its last axes) or k_t [1,2,4,5] (already transposed), v [1,2,5,4],
// both sides scaled by sqrt(1/sqrt(4)), an additive mask [1,1,3,5], Softmax, MatMul by v.
GraphBuilder attention_graph(bool pre_transposed = false, bool with_mask = true) {
  GraphBuilder b;
  b.input("q", {1, 2, 3, 4}).input("v", {1, 2, 5, 4}).output("y");
  b.initializer("c", Tensor::scalar(0.70710678f));
  if (pre_transposed) {
    b.input("kt", {1, 2, 4, 5});
  } else {
    b.input("k", {1, 2, 5, 4});
    b.node("t", "Transpose", {"k"}, {"kt"});
    add_attribute(b, "t", [] {
      Attribute perm;
      perm.name = "perm";
      perm.type = Attribute::Type::kInts;
      perm.ints = {0, 1, 3, 2};
      return perm;
    }());
  }
  b.node("qs", "Mul", {"q", "c"}, {"q2"}).node("ks", "Mul", {"kt", "c"}, {"k2"});
  b.node("qk", "MatMul", {"q2", "k2"}, {"scores"});
  if (with_mask) {
    b.input("mask", {1, 1, 3, 5});
    b.node("masked", "Add", {"scores", "mask"}, {"sm_in"});
  }
  b.node("softmax", "Softmax", {with_mask ? "sm_in" : "scores"}, {"p"});
  add_attribute(b, "softmax", optimizer::int_attribute("axis", -1));
  b.node("pv", "MatMul", {"p", "v"}, {"y"});
  return b;
}

std::vector<Tensor> attention_inputs(bool pre_transposed = false, bool with_mask = true) {
  std::vector<Tensor> in = {
      ramp(Shape{1, 2, 3, 4}, 0.43f), ramp(Shape{1, 2, 5, 4}, 0.29f),
      ramp(Shape{1, 2, pre_transposed ? 4 : 5, pre_transposed ? 5 : 4}, 0.71f)};
  if (with_mask)
    in.push_back(f32({1, 1, 3, 5}, {0, -1, 0, -1e9f, 0.5f, 0, 0, 0, 0, 0, -2, 0, 1, 0, 0}));
  return in;
}

TEST(FuseAttention, TorchExportsBecomeOneAttention) {
  expect_fused([] { return attention_graph(); }, attention_inputs(), {"aruntime.Attention"});
  expect_fused([] { return attention_graph(true); }, attention_inputs(true),
               {"aruntime.Attention"});
  expect_fused([] { return attention_graph(true, false); }, attention_inputs(true, false),
               {"aruntime.Attention"});
  GraphBuilder b = attention_graph();
  auto r = fuse(b);
  EXPECT_EQ(rewrites(r, "fuse_attention"), 1);
  const Node& n = only_node(b.graph());
  EXPECT_EQ(n.inputs, (std::vector<std::string>{"q", "k", "v", "mask"}));
  EXPECT_NEAR(n.attr_float("scale"), 0.5, 1e-6);
  EXPECT_FALSE(n.has_attribute("k_transposed"));
  GraphBuilder pre = attention_graph(true);
  fuse(pre);
  EXPECT_EQ(only_node(pre.graph()).attr_int("k_transposed"), 1);
  EXPECT_EQ(only_node(pre.graph()).inputs[1], "kt");
  // A scale after the product (BERT's Div by sqrt(d)) counts too.
  GraphBuilder div = attention_graph(true);
  Node& qk = div.graph().nodes[2];
  qk.outputs = {"raw"};
  div.initializer("root_d", Tensor::scalar(2.0f));
  div.graph().nodes.insert(div.graph().nodes.begin() + 3, Node{});
  Node& scale = div.graph().nodes[3];
  scale.name = "div";
  scale.op_type = "Div";
  scale.inputs = {"raw", "root_d"};
  scale.outputs = {"scores"};
  fuse(div);
  EXPECT_NEAR(only_node(div.graph()).attr_float("scale"), 0.25, 1e-6);
}

TEST(FuseAttention, MustNotFire) {
  // Softmax over another axis.
  GraphBuilder axis = attention_graph();
  for (Node& n : axis.graph().nodes) {
    if (n.op_type == "Softmax") n.attributes[0].i = 2;
  }
  fuse(axis);
  EXPECT_EQ(axis.graph().nodes.size(), 7u);

  // The probabilities are also a graph output.
  GraphBuilder exposed = attention_graph();
  exposed.output("p");
  fuse(exposed);
  EXPECT_EQ(exposed.graph().nodes.size(), 7u);

  // A mask that broadcasts the scores over a batch q does not have.
  GraphBuilder wide = attention_graph();
  wide.graph().inputs[3].type.shape =
      std::vector<Dim>{Dim::fixed(2), Dim::fixed(1), Dim::fixed(3), Dim::fixed(5)};
  wide.graph().value_types["mask"] = wide.graph().inputs[3].type;
  fuse(wide);
  EXPECT_EQ(wide.graph().nodes.size(), 7u);

  // MatMul broadcasting q over k's leading axes.
  GraphBuilder broadcast = attention_graph(true);
  broadcast.graph().inputs[0].type.shape = std::vector<Dim>{Dim::fixed(3), Dim::fixed(4)};
  broadcast.graph().value_types["q"] = broadcast.graph().inputs[0].type;
  fuse(broadcast);
  EXPECT_EQ(broadcast.graph().nodes.size(), 6u);
}

TEST(FuseAttention, BertPaddingMaskIsAbsorbed) {
  // BERT's extended mask, (1 - mask[:, None, None, :]) * -10000 on the [2,5] padding mask,
  // broadcasts over heads and queries into the scores [2,2,3,5]; it becomes the mask input.
  auto make = [](std::vector<int64_t> mask_dims) {
    GraphBuilder b;
    b.input("q", {2, 2, 3, 4}).input("kt", {2, 2, 4, 5}).input("v", {2, 2, 5, 4});
    b.input("attention_mask", mask_dims).output("y");
    b.initializer("one", Tensor::scalar(1.0f)).initializer("big", Tensor::scalar(-10000.0f));
    b.initializer("root_d", Tensor::scalar(2.0f));
    b.initializer("axes", Tensor::from_vector<int64_t>(Shape{2}, {1, 2}));
    b.node("unsqueeze", "Unsqueeze", {"attention_mask", "axes"}, {"m4"});
    b.node("invert", "Sub", {"one", "m4"}, {"inv"}).node("scale_mask", "Mul", {"inv", "big"}, {"mask"});
    b.node("qk", "MatMul", {"q", "kt"}, {"raw"}).node("div", "Div", {"raw", "root_d"}, {"scores"});
    b.node("masked", "Add", {"scores", "mask"}, {"sm_in"}).node("softmax", "Softmax", {"sm_in"}, {"p"});
    b.node("pv", "MatMul", {"p", "v"}, {"y"});
    return b;
  };
  const Tensor padding = f32({2, 5}, {1, 1, 1, 1, 1, 1, 1, 1, 0, 0});
  const std::vector<Tensor> inputs = {ramp(Shape{2, 2, 3, 4}, 0.43f), ramp(Shape{2, 2, 4, 5}, 0.71f),
                                      ramp(Shape{2, 2, 5, 4}, 0.29f), padding};
  expect_fused([&] { return make({2, 5}); }, inputs,
               {"Unsqueeze", "Sub", "Mul", "aruntime.Attention"});
  GraphBuilder b = make({2, 5});
  fuse(b);
  EXPECT_EQ(b.graph().nodes.back().inputs, (std::vector<std::string>{"q", "kt", "v", "mask"}));

  // A mask of more axes than the scores (here [2,1,1,1,5]) would add one to them.
  GraphBuilder extra = make({2, 5});
  extra.graph().initializers.at("axes") = Tensor::from_vector<int64_t>(Shape{3}, {1, 2, 3});
  fuse(extra);
  EXPECT_EQ(extra.graph().nodes.size(), 8u) << ::testing::PrintToString(ops(extra.graph()));
}

// scores.masked_fill(cond, fill) before the Softmax: Where(cond, fill, scores), cond bool [1,1,3,5].
GraphBuilder masked_fill_graph(float fill, bool fill_when_true = true) {
  GraphBuilder b;
  b.input("q", {1, 2, 3, 4}).input("kt", {1, 2, 4, 5}).input("v", {1, 2, 5, 4});
  b.input("cond", {1, 1, 3, 5}).output("y");
  b.graph().inputs.back().type.dtype = DataType::kBool;
  b.graph().value_types["cond"] = b.graph().inputs.back().type;
  b.initializer("fill", Tensor::scalar(fill));
  b.node("qk", "MatMul", {"q", "kt"}, {"scores"});
  b.node("fill_masked", "Where",
         fill_when_true ? std::vector<std::string>{"cond", "fill", "scores"}
                        : std::vector<std::string>{"cond", "scores", "fill"},
         {"sm_in"});
  b.node("softmax", "Softmax", {"sm_in"}, {"p"}).node("pv", "MatMul", {"p", "v"}, {"y"});
  return b;
}

std::vector<Tensor> masked_fill_inputs(bool fill_when_true) {
  // Row 2 masks every key (the fill everywhere: a uniform softmax for a finite fill).
  std::vector<bool> cond = {false, true, false, true, true,  false, false, false,
                            false, false, true, true, true,  true,  true};
  if (!fill_when_true) cond.flip();
  return {ramp(Shape{1, 2, 3, 4}, 0.43f), ramp(Shape{1, 2, 4, 5}, 0.71f),
          ramp(Shape{1, 2, 5, 4}, 0.29f), Tensor::from_vector<bool>(Shape{1, 1, 3, 5}, cond)};
}

TEST(FuseAttention, MaskedFillBecomesAnAdditiveMask) {
  const float lowest = -std::numeric_limits<float>::max();
  const std::vector<std::string> fused = {"Where", "aruntime.Attention"};
  expect_fused([&] { return masked_fill_graph(lowest); }, masked_fill_inputs(true), fused);
  expect_fused([&] { return masked_fill_graph(lowest, false); }, masked_fill_inputs(false), fused);
  GraphBuilder b = masked_fill_graph(-std::numeric_limits<float>::infinity());
  fuse(b);
  ASSERT_EQ(ops(b.graph()), fused);
  const Node& where = b.graph().nodes[0];
  EXPECT_EQ(where.inputs[0], "cond");
  EXPECT_TRUE(std::isinf(b.graph().initializers.at(where.inputs[1]).data<float>()[0]));
  EXPECT_EQ(b.graph().initializers.at(where.inputs[2]).data<float>()[0], 0.0f);
  EXPECT_EQ(b.graph().nodes[1].inputs[3], where.outputs[0]);
  EXPECT_FALSE(b.graph().initializers.count("fill"));

  // A constant condition (a causal triangle stored as an initializer) stays for the new Where.
  auto causal = [&] {
    GraphBuilder c = masked_fill_graph(lowest);
    c.graph().inputs.pop_back();
    c.initializer("cond", masked_fill_inputs(true)[3]);
    return c;
  };
  auto inputs = masked_fill_inputs(true);
  inputs.pop_back();
  expect_fused(causal, inputs, fused);
}

TEST(FuseAttention, MaskedFillMustNotFire) {
  // -1e9 plus a score is not exactly -1e9: rows masked completely would change.
  GraphBuilder finite = masked_fill_graph(-1e9f);
  fuse(finite);
  EXPECT_EQ(finite.graph().nodes.size(), 4u);
  // A condition that would broadcast the scores over a batch they do not have.
  GraphBuilder wide = masked_fill_graph(-std::numeric_limits<float>::infinity());
  wide.graph().inputs[3].type.shape =
      std::vector<Dim>{Dim::fixed(2), Dim::fixed(1), Dim::fixed(3), Dim::fixed(5)};
  wide.graph().value_types["cond"] = wide.graph().inputs[3].type;
  fuse(wide);
  EXPECT_EQ(wide.graph().nodes.size(), 4u);
}

// ---- The domain in model files ------------------------------------------------------------------

onnx::ModelProto gelu_model(int64_t fused_version) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* onnx_opset = m.add_opset_import();
  onnx_opset->set_domain("");
  onnx_opset->set_version(17);
  auto* fused = m.add_opset_import();
  fused->set_domain(kFused);
  fused->set_version(fused_version);
  auto* g = m.mutable_graph();
  g->set_name("g");
  auto declare = [](onnx::ValueInfoProto* v, const std::string& name) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    t->mutable_shape()->add_dim()->set_dim_value(3);
  };
  declare(g->add_input(), "x");
  declare(g->add_output(), "y");
  auto* n = g->add_node();
  n->set_op_type("Gelu");
  n->set_domain(kFused);
  n->add_input("x");
  n->add_output("y");
  return m;
}

TEST(FusedDomain, ShapeInferenceKnowsTheFusedOps) {
  // As when a model that `aruntime optimize` saved is loaded again: the fused ops' outputs get
  // their shapes from the rules in graph/shape_inference_nn.cc.
  GraphBuilder b;
  b.input("x", {1, 2, 5, 5})
      .input("a", {2, 7, 4})
      .input("q", {1, 2, 3, 4})
      .input("k", {1, 2, 6, 4});
  b.input("v", {1, 2, 6, 8});
  b.initializer("W", ramp(Shape{3, 2, 3, 3}));
  b.initializer("B", ramp(Shape{4, 5}));
  b.initializer("gamma", ramp(Shape{5}));
  b.node("conv", "FusedConv", {"x", "W"}, {"c"}).node("gemm", "FusedGemm", {"a", "B"}, {"g"});
  b.node("attention", "Attention", {"q", "k", "v"}, {"att"}).node("gelu", "Gelu", {"g"}, {"ge"});
  b.node("norm", "LayerNormalization", {"g", "gamma"}, {"n"});
  for (Node& n : b.graph().nodes) n.domain = kFused;
  Attribute strides;
  strides.name = "strides";
  strides.type = Attribute::Type::kInts;
  strides.ints = {2, 2};
  add_attribute(b, "conv", strides);
  prepare(b);
  auto dims = [&](const std::string& value) {
    std::vector<int64_t> d;
    for (const Dim& dim : b.graph().value_types.at(value).shape.value()) d.push_back(dim.value);
    return d;
  };
  EXPECT_EQ(dims("c"), (std::vector<int64_t>{1, 3, 2, 2}));
  EXPECT_EQ(dims("g"), (std::vector<int64_t>{2, 7, 5}));
  EXPECT_EQ(dims("att"), (std::vector<int64_t>{1, 2, 3, 8}));
  EXPECT_EQ(dims("ge"), (std::vector<int64_t>{2, 7, 5}));
  EXPECT_EQ(dims("n"), (std::vector<int64_t>{2, 7, 5}));
}

TEST(FusedDomain, SavedModelsLoadAtTheRuntimesVersionOnly) {
  Model model = load_model_from_bytes(gelu_model(1).SerializeAsString(), "fused.onnx", "");
  EXPECT_EQ(model.opset(kFused), 1);
  EXPECT_EQ(ops(*model.graph), std::vector<std::string>{"aruntime.Gelu"});
  testing::expect_error(
      [] { load_model_from_bytes(gelu_model(2).SerializeAsString(), "fused.onnx", ""); },
      ErrorCode::kInvalidModel, {"imports opset aruntime version 2", "versions 1 to 1"});
}

}  // namespace
}  // namespace aruntime
