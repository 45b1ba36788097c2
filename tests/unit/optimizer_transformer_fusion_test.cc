// The transformer fusions of the optimizer's level 2: fuse_skip_layer_normalization,
// fuse_rms_normalization and fuse_transpose_matmul (graph/optimizer/), and the CPU kernels of the
// ops they write (providers/cpu/ops/fused_ops.cc): what each pass rewrites, where it must not
// fire, the outputs before and after staying equal on the CPU provider, and each kernel against
// values computed independently with numpy (the expressions are quoted next to the numbers).
#include <gtest/gtest.h>

#include "graph/optimizer/fuse_common.h"
#include "tests/unit/optimizer_fusion_test_util.h"

namespace aruntime {
namespace {

using namespace fusion_test;  // NOLINT: the shared helpers of optimizer_fusion_test_util.h
using testing::OpTest;

using testing::ints_attr;

// Declares `name` (a graph input) with a symbolic dim at `axis`.
void make_symbolic(GraphBuilder& b, const std::string& name, size_t axis) {
  for (auto& in : b.graph().inputs) {
    if (in.name != name) continue;
    (*in.type.shape)[axis] = Dim::symbolic("n");
    b.graph().value_types[name] = in.type;
  }
}

// ---- Kernels against numpy ------------------------------------------------------------------

// x, skip [2,4], bias, gamma, beta [4]; numpy: s = x + skip + bias,
// y = (s - s.mean(-1)) / np.sqrt(s.var(-1) + 1e-3) * gamma + beta.
const Tensor kSkipX = f32({2, 4}, {1, -2, 3, 0.5f, -1, 4, 0.25f, 2});
const Tensor kSkip = f32({2, 4}, {0.5f, 0.5f, -1, 2, 1, -3, 0.75f, -0.5f});
const Tensor kSkipBias = f32({4}, {0.1f, -0.2f, 0.3f, 0});
const Tensor kGamma = f32({4}, {1.5f, -0.5f, 1, 2});
const Tensor kBeta = f32({4}, {0, 0.25f, -0.5f, 1});
const Tensor kSkipSum = f32({2, 4}, {1.6f, -1.7f, 2.3f, 2.5f, 0.1f, 0.8f, 1.3f, 1.5f});
const Tensor kSkipY = f32({2, 4}, {0.3764437f, 1.098844f, 0.1643125f, 2.564825f, -2.286673f,
                                   0.3654885f, 0.1929312f, 3.124989f});

TEST(SkipLayerNormalizationKernel, MatchesNumpyWithAndWithoutTheSumOutput) {
  OpTest both("SkipLayerNormalization", 1, kFused);
  both.input(kSkipX).input(kSkip).input(kGamma, true).input(kBeta, true).input(kSkipBias, true);
  both.attr("epsilon", 1e-3f);
  const auto out = both.outputs({DataType::kFloat32, DataType::kFloat32}).run();
  testing::expect_near(out[0], kSkipY, 1e-5, 1e-6);
  testing::expect_near(out[1], kSkipSum, 1e-6, 1e-6);

  OpTest only_y("SkipLayerNormalization", 1, kFused);
  only_y.input(kSkipX).input(kSkip).input(kGamma).input(kBeta).input(kSkipBias);
  only_y.attr("epsilon", 1e-3f).attr("axis", int64_t{1});
  testing::expect_near(only_y.outputs({DataType::kFloat32}).run()[0], kSkipY, 1e-5, 1e-6);

  // float64, no beta and no bias: numpy as above with beta = 0 and bias = 0.
  OpTest f64("SkipLayerNormalization", 1, kFused);
  auto d = [](const Tensor& t) {
    std::vector<double> v(t.data<float>(), t.data<float>() + t.num_elements());
    return Tensor::from_vector<double>(t.shape(), v);
  };
  f64.input(d(kSkipX)).input(d(kSkip)).input(d(kGamma));
  f64.attr("epsilon", 1e-3f);
  const Tensor y64 = f64.outputs({DataType::kFloat64}).run()[0];
  // s = x + skip = [1.5 -1.5 2 2.5], [0 1 1 1.5]
  const std::vector<double> expected = {0.3613741,  0.84320623,  0.56213749, 1.7667178,
                                        -2.4048184, -0.11451516, 0.22903032, 2.2903032};
  ASSERT_EQ(y64.num_elements(), 8);
  for (int64_t i = 0; i < 8; ++i) EXPECT_NEAR(y64.data<double>()[i], expected[i], 1e-6) << i;
}

TEST(SkipLayerNormalizationKernel, RefusesMismatchedShapes) {
  OpTest broadcast_skip("SkipLayerNormalization", 1, kFused);
  broadcast_skip.input(kSkipX).input(f32({4}, {1, 2, 3, 4})).input(kGamma);
  testing::expect_error([&] { broadcast_skip.outputs({DataType::kFloat32}).run(); },
                        ErrorCode::kInvalidArgument,
                        {"SkipLayerNormalization", "Skip has shape [4]", "X's shape"});
  OpTest wide_gamma("SkipLayerNormalization", 1, kFused);
  wide_gamma.input(kSkipX).input(kSkip).input(f32({2, 4}, std::vector<float>(8, 1)));
  testing::expect_error([&] { wide_gamma.outputs({DataType::kFloat32}).run(); },
                        ErrorCode::kInvalidArgument, {"Gamma has shape [2,4], expected [4]"});
}

TEST(RMSNormalizationKernel, MatchesNumpy) {
  // numpy: x / np.sqrt((x**2).mean(-1, keepdims=True) + 1e-3) * scale
  OpTest last("RMSNormalization", 1, kFused);
  last.input(f32({2, 3}, {1, -2, 3, 0.5f, 0.25f, -4})).input(f32({3}, {2, -1, 0.5f}), true);
  last.attr("epsilon", 1e-3f);
  testing::expect_near(
      last.outputs({DataType::kFloat32}).run()[0],
      f32({2, 3}, {0.9257209f, 0.9257209f, 0.6942907f, 0.4288056f, -0.1072014f, -0.8576112f}), 1e-5,
      1e-6);
  // axis 0: one row of every element; numpy: x / np.sqrt((x**2).mean() + 1e-3) * scale.
  OpTest all("RMSNormalization", 1, kFused);
  all.input(f32({2, 3}, {1, -2, 3, 0.5f, 0.25f, -4}))
      .input(f32({2, 3}, {0.5f, 1, 1.5f, -0.5f, -1, -1.5f}));
  all.attr("epsilon", 1e-3f).attr("axis", int64_t{0});
  testing::expect_near(
      all.outputs({DataType::kFloat32}).run()[0],
      f32({2, 3}, {0.2224292f, -0.8897167f, 2.001863f, -0.1112146f, -0.1112146f, 2.66915f}), 1e-5,
      1e-6);
}

TEST(FusedMatMulKernel, TransposedBatchedOperandsMatchNumpy) {
  // A = (np.arange(12) * 0.25 - 1.5).reshape(2,1,3,2), B = ((np.arange(24) % 7) * 0.5 - 1)
  // .reshape(2,4,3); numpy: 0.5 * np.swapaxes(A, -1, -2) @ np.swapaxes(B, -1, -2) -> [2,2,2,4]
  // (A's batch [2,1] broadcasts against B's [2]).
  std::vector<float> a(12), b(24);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i) * 0.25f - 1.5f;
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(i % 7) * 0.5f - 1;
  OpTest t("FusedMatMul", 1, kFused);
  t.input(f32({2, 1, 3, 2}, a)).input(f32({2, 4, 3}, b));
  t.attr("transA", int64_t{1}).attr("transB", int64_t{1}).attr("alpha", 0.5f);
  testing::expect_near(
      t.outputs({DataType::kFloat32}).run()[0],
      f32({2, 2, 2, 4}, {1.0f,    -1.25f, -0.875f, -0.5f,   0.8125f,  -0.875f, -0.8125f, -0.3125f,
                         -1.875f, 0.25f,  -2.0f,   1.0f,    -1.5625f, 0.25f,   -1.4375f, 0.8125f,
                         -0.125f, 1.0f,   -0.5f,   0.625f,  -0.3125f, 1.375f,  -0.4375f, 0.8125f,
                         0.0f,    0.25f,  1.375f,  -0.125f, 0.3125f,  0.25f,   1.9375f,  -0.3125f}),
      1e-5, 1e-6);

  OpTest bad("FusedMatMul", 1, kFused);
  // op(B) = B^T is [2,3]: 2 rows against A's 3 columns.
  bad.input(f32({2, 3}, std::vector<float>(6, 1))).input(f32({3, 2}, std::vector<float>(6, 1)));
  bad.attr("transB", int64_t{1});
  testing::expect_error([&] { bad.outputs({DataType::kFloat32}).run(); },
                        ErrorCode::kInvalidArgument,
                        {"FusedMatMul", "inner dimensions differ", "(transposed)"});
  OpTest vector("FusedMatMul", 1, kFused);
  vector.input(f32({3}, {1, 2, 3})).input(f32({3, 2}, std::vector<float>(6, 1)));
  testing::expect_error([&] { vector.outputs({DataType::kFloat32}).run(); },
                        ErrorCode::kInvalidArgument, {"A and B must have rank >= 2"});
}

// ---- SkipLayerNormalization -----------------------------------------------------------------

// x, skip [2,3,4] -> Add [-> Add bias] -> LayerNormalization(gamma, beta) -> y (opset 17).
enum class SkipBias { kNone, kAfterSum, kOnSkip };
GraphBuilder skip_norm_graph(SkipBias bias = SkipBias::kNone, bool runtime_norm = false) {
  GraphBuilder b;
  b.input("x", {2, 3, 4}).input("skip", {2, 3, 4}).output("y");
  b.initializer("gamma", ramp(Shape{4}, 0.7f)).initializer("beta", ramp(Shape{4}, 0.3f));
  b.initializer("bias", f32({4}, {0.1f, -0.2f, 0.3f, -0.4f}));
  switch (bias) {
    case SkipBias::kNone:
      b.node("add", "Add", {"x", "skip"}, {"s"});
      break;
    case SkipBias::kAfterSum:
      b.node("add", "Add", {"x", "skip"}, {"xs"}).node("bias_add", "Add", {"xs", "bias"}, {"s"});
      break;
    case SkipBias::kOnSkip:
      b.node("bias_add", "Add", {"bias", "skip"}, {"sb"}).node("add", "Add", {"x", "sb"}, {"s"});
      break;
  }
  b.node("norm", "LayerNormalization", {"s", "gamma", "beta"}, {"y"});
  add_attribute(b, "norm", optimizer::float_attribute("epsilon", 1e-3f));
  if (runtime_norm) {
    b.graph().nodes.back().domain = kFused;
    b.model.opset_imports[kFused] = optimizer::kFusedOpset;
  }
  return b;
}

std::vector<Tensor> skip_norm_inputs() {
  return {ramp(Shape{2, 3, 4}, 0.53f), ramp(Shape{2, 3, 4}, 0.29f)};
}

TEST(FuseSkipLayerNormalization, ResidualAddAndNormalizationBecomeOneOp) {
  const std::vector<std::string> fused = {"aruntime.SkipLayerNormalization"};
  expect_fused([] { return skip_norm_graph(); }, skip_norm_inputs(), fused);
  expect_fused([] { return skip_norm_graph(SkipBias::kAfterSum); }, skip_norm_inputs(), fused);
  expect_fused([] { return skip_norm_graph(SkipBias::kOnSkip); }, skip_norm_inputs(), fused);
  expect_fused([] { return skip_norm_graph(SkipBias::kNone, true); }, skip_norm_inputs(), fused);

  GraphBuilder b = skip_norm_graph(SkipBias::kOnSkip);
  auto r = fuse(b);
  EXPECT_EQ(rewrites(r, "fuse_skip_layer_normalization"), 1);
  const Node& n = only_node(b.graph());
  EXPECT_EQ(n.inputs, (std::vector<std::string>{"x", "skip", "gamma", "beta", "bias"}));
  EXPECT_EQ(n.outputs, std::vector<std::string>{"y"});
  EXPECT_EQ(n.attr_int("axis"), 2);
  EXPECT_FLOAT_EQ(n.attr_float("epsilon"), 1e-3f);
}

TEST(FuseSkipLayerNormalization, FollowsTheSpelledOutLayerNorm) {
  // The opset-12 spelling that fuse_layer_normalization turns into aruntime.LayerNormalization
  // first; the sum is then taken in by this pass in the same optimize() call.
  auto make = [] {
    GraphBuilder b;
    b.model.opset_imports[""] = 12;
    b.input("x", {2, 3, 4}).input("skip", {2, 3, 4}).output("y");
    b.initializer("two", Tensor::scalar(2.0f)).initializer("eps", Tensor::scalar(1e-3f));
    b.initializer("gamma", ramp(Shape{4}, 0.7f)).initializer("beta", ramp(Shape{4}, 0.3f));
    b.node("add", "Add", {"x", "skip"}, {"s"});
    b.node("mean", "ReduceMean", {"s"}, {"mu"}).node("sub", "Sub", {"s", "mu"}, {"d"});
    b.node("sq", "Pow", {"d", "two"}, {"d2"}).node("var", "ReduceMean", {"d2"}, {"v"});
    b.node("eps_add", "Add", {"v", "eps"}, {"ve"}).node("sqrt", "Sqrt", {"ve"}, {"sd"});
    b.node("div", "Div", {"d", "sd"}, {"n"}).node("scale", "Mul", {"n", "gamma"}, {"g"});
    b.node("shift", "Add", {"g", "beta"}, {"y"});
    add_attribute(b, "mean", ints_attr("axes", {-1}));
    add_attribute(b, "var", ints_attr("axes", {-1}));
    return b;
  };
  expect_fused(make, skip_norm_inputs(), {"aruntime.SkipLayerNormalization"});
}

TEST(FuseSkipLayerNormalization, KeepsTheSumWhenItIsReadElsewhere) {
  // Pre-LN residual stream: the sum feeds the next block (here a Relu that sits between the Add
  // and the normalization, so the fused node has to take the Add's place) and is a graph output.
  auto make = [] {
    GraphBuilder b = skip_norm_graph();
    b.output("s").output("r");
    b.graph().nodes.insert(b.graph().nodes.begin() + 1, Node{});
    Node& relu = b.graph().nodes[1];
    relu.name = "relu";
    relu.op_type = "Relu";
    relu.inputs = {"s"};
    relu.outputs = {"r"};
    return b;
  };
  expect_fused(make, skip_norm_inputs(), {"aruntime.SkipLayerNormalization", "Relu"});
  GraphBuilder b = make();
  fuse(b);
  EXPECT_EQ(b.graph().nodes[0].outputs, (std::vector<std::string>{"y", "s"}));
}

TEST(FuseSkipLayerNormalization, MustNotFire) {
  const size_t pattern = 2;
  // The normalization's Mean output is read.
  GraphBuilder mean = skip_norm_graph();
  mean.graph().nodes.back().outputs = {"y", "mu"};
  mean.output("mu");
  fuse(mean);
  EXPECT_EQ(mean.graph().nodes.size(), pattern);

  // skip broadcasts (a [3,4] tensor added to every batch): the sum is not x + skip elementwise.
  GraphBuilder broadcast = skip_norm_graph();
  broadcast.graph().inputs[1].type.shape = std::vector<Dim>{Dim::fixed(3), Dim::fixed(4)};
  broadcast.graph().value_types["skip"] = broadcast.graph().inputs[1].type;
  fuse(broadcast);
  EXPECT_EQ(broadcast.graph().nodes.size(), pattern);

  // gamma fed with another shape ([1,4] broadcasts in LayerNormalization, not in the fused op).
  GraphBuilder wide = skip_norm_graph();
  wide.graph().initializers.at("gamma") = ramp(Shape{1, 4}, 0.7f);
  fuse(wide);
  EXPECT_EQ(wide.graph().nodes.size(), pattern);

  // The normalised dim is not static.
  GraphBuilder symbolic = skip_norm_graph();
  make_symbolic(symbolic, "x", 2);
  make_symbolic(symbolic, "skip", 2);
  fuse(symbolic);
  EXPECT_EQ(symbolic.graph().nodes.size(), pattern);

  // The sum is read elsewhere, but gamma is computed between the Add and the normalization: the
  // fused node could stand neither before gamma nor after the sum's other reader.
  GraphBuilder late = skip_norm_graph();
  late.output("s").output("r");
  late.input("g0", {4});
  Node copy;
  copy.name = "gamma_copy";
  copy.op_type = "Neg";
  copy.inputs = {"g0"};
  copy.outputs = {"g1"};
  late.graph().nodes.insert(late.graph().nodes.begin() + 1, copy);
  late.graph().nodes.back().inputs[1] = "g1";
  late.node("relu", "Relu", {"s"}, {"r"});
  fuse(late);
  EXPECT_EQ(late.graph().nodes.size(), 4u) << ::testing::PrintToString(ops(late.graph()));

  // A bias-looking Add whose inner sum is also read elsewhere: only the outer Add may go, and
  // the remaining terms (x + skip, bias) are not x and skip of the sum's shape.
  GraphBuilder shared = skip_norm_graph(SkipBias::kAfterSum);
  shared.output("xs");
  fuse(shared);
  EXPECT_EQ(shared.graph().nodes.size(), 3u);
}

// ---- RMSNormalization -----------------------------------------------------------------------

// Llama's RMSNorm as torch exports it (opset 18: axes as an input):
//   Pow(x, 2) -> ReduceMean(-1) -> Add eps -> Sqrt -> Div(1, .) -> Mul(x, .) -> Mul(gamma, .)
enum class RmsForm { kDivOne, kReciprocal, kDivX, kSquareMul };
GraphBuilder rms_graph(int64_t opset = 18, RmsForm form = RmsForm::kDivOne, bool with_gamma = true,
                       Shape gamma_shape = Shape{4}, std::vector<int64_t> axes = {-1}) {
  GraphBuilder b;
  b.model.opset_imports[""] = opset;
  b.input("x", {2, 3, 4}).output("y");
  b.initializer("two", Tensor::scalar(2.0f)).initializer("eps", Tensor::scalar(1e-3f));
  b.initializer("one", Tensor::scalar(1.0f));
  b.initializer("axes",
                Tensor::from_vector<int64_t>(Shape{static_cast<int64_t>(axes.size())}, axes));
  b.initializer("gamma", ramp(gamma_shape, 0.7f));
  if (form == RmsForm::kSquareMul) {
    b.node("sq", "Mul", {"x", "x"}, {"x2"});
  } else {
    b.node("sq", "Pow", {"x", "two"}, {"x2"});
  }
  b.node("mean", "ReduceMean", {"x2", "axes"}, {"ms"});
  b.node("eps_add", "Add", {"ms", "eps"}, {"mse"}).node("sqrt", "Sqrt", {"mse"}, {"r"});
  const std::string normed = with_gamma ? "n" : "y";
  switch (form) {
    case RmsForm::kDivOne:
    case RmsForm::kSquareMul:
      b.node("inv", "Div", {"one", "r"}, {"ir"}).node("norm", "Mul", {"x", "ir"}, {normed});
      break;
    case RmsForm::kReciprocal:
      b.node("inv", "Reciprocal", {"r"}, {"ir"}).node("norm", "Mul", {"ir", "x"}, {normed});
      break;
    case RmsForm::kDivX:
      b.node("norm", "Div", {"x", "r"}, {normed});
      break;
  }
  if (with_gamma) b.node("scale", "Mul", {"gamma", "n"}, {"y"});
  return b;
}

TEST(FuseRmsNormalization, TorchSpellingsBecomeOneOp) {
  const Tensor x = ramp(Shape{2, 3, 4}, 0.53f);
  const std::vector<std::string> runtime = {"aruntime.RMSNormalization"};
  expect_fused([] { return rms_graph(); }, {x}, runtime);
  expect_fused([] { return rms_graph(18, RmsForm::kReciprocal); }, {x}, runtime);
  expect_fused([] { return rms_graph(18, RmsForm::kDivX); }, {x}, runtime);
  expect_fused([] { return rms_graph(18, RmsForm::kSquareMul); }, {x}, runtime);
  expect_fused([] { return rms_graph(18, RmsForm::kDivOne, false); }, {x}, runtime);
  expect_fused([] { return rms_graph(18, RmsForm::kDivOne, true, Shape{1, 1, 4}); }, {x}, runtime);
  expect_fused(
      [] {
        return rms_graph(18, RmsForm::kDivOne, true, Shape{3, 4}, {1, 2});
      },
      {x}, runtime);
  // Opset 23 has the ONNX operator.
  expect_fused([] { return rms_graph(23); }, {x}, {"RMSNormalization"});

  GraphBuilder b = rms_graph(18, RmsForm::kDivOne, true, Shape{1, 1, 4});
  auto r = fuse(b);
  EXPECT_EQ(rewrites(r, "fuse_rms_normalization"), 1);
  const Node& n = only_node(b.graph());
  EXPECT_EQ(n.attr_int("axis"), 2);
  EXPECT_FLOAT_EQ(n.attr_float("epsilon"), 1e-3f);
  ASSERT_EQ(n.inputs.size(), 2u);
  EXPECT_EQ(b.graph().initializers.at(n.inputs[1]).shape(), Shape{4});
  EXPECT_EQ(b.graph().initializers.size(), 1u);  // the exponent, epsilon, 1 and axes are gone
}

TEST(FuseRmsNormalization, MustNotFire) {
  const size_t pattern = 7;
  GraphBuilder cube = rms_graph();
  cube.graph().initializers.at("two") = Tensor::scalar(3.0f);
  fuse(cube);
  EXPECT_EQ(cube.graph().nodes.size(), pattern);

  // Not the trailing axes.
  GraphBuilder middle = rms_graph(18, RmsForm::kDivOne, true, Shape{4}, {1});
  fuse(middle);
  EXPECT_EQ(middle.graph().nodes.size(), pattern);

  // 2 / r is not a reciprocal.
  GraphBuilder two = rms_graph();
  two.graph().initializers.at("one") = Tensor::scalar(2.0f);
  fuse(two);
  EXPECT_EQ(two.graph().nodes.size(), pattern);

  // An intermediate is a graph output.
  GraphBuilder exposed = rms_graph();
  exposed.output("r");
  fuse(exposed);
  EXPECT_EQ(exposed.graph().nodes.size(), pattern);

  // The normalised dim is symbolic.
  GraphBuilder symbolic = rms_graph();
  make_symbolic(symbolic, "x", 2);
  fuse(symbolic);
  EXPECT_EQ(symbolic.graph().nodes.size(), pattern);

  // The mean of squares of another value than the one normalised.
  GraphBuilder other = rms_graph();
  other.input("x_other", {2, 3, 4});
  other.graph().nodes[5].inputs[0] = "x_other";
  fuse(other);
  EXPECT_EQ(other.graph().nodes.size(), pattern);

  // gamma fed at run time: the normalization fuses (with a scale of ones) and the Mul stays.
  auto fed = [] {
    GraphBuilder b = rms_graph();
    b.graph().initializers.erase("gamma");
    b.input("gamma", {4});
    return b;
  };
  expect_fused(fed, {ramp(Shape{2, 3, 4}, 0.53f), ramp(Shape{4}, 0.9f)},
               {"aruntime.RMSNormalization", "Mul"});
}

// ---- Transpose into MatMul / Gemm -----------------------------------------------------------

Attribute perm(std::vector<int64_t> p) {
  return ints_attr("perm", std::move(p));
}

// MatMul(Transpose(a) or a, Transpose(b) or b) on [2,3,4]-shaped batches.
GraphBuilder transpose_matmul_graph(bool transpose_a, bool transpose_b,
                                    std::vector<int64_t> a_perm = {0, 2, 1}) {
  GraphBuilder b;
  b.input("a", transpose_a ? std::vector<int64_t>{2, 4, 3} : std::vector<int64_t>{2, 3, 4});
  b.input("b", transpose_b ? std::vector<int64_t>{2, 5, 4} : std::vector<int64_t>{2, 4, 5});
  b.output("y");
  if (transpose_a) {
    b.node("ta", "Transpose", {"a"}, {"at"});
    add_attribute(b, "ta", perm(a_perm));
  }
  if (transpose_b) {
    b.node("tb", "Transpose", {"b"}, {"bt"});
    add_attribute(b, "tb", perm({0, 2, 1}));
  }
  b.node("mm", "MatMul", {transpose_a ? "at" : "a", transpose_b ? "bt" : "b"}, {"y"});
  return b;
}

std::vector<Tensor> transpose_matmul_inputs(bool transpose_a, bool transpose_b) {
  return {ramp(transpose_a ? Shape{2, 4, 3} : Shape{2, 3, 4}, 0.43f),
          ramp(transpose_b ? Shape{2, 5, 4} : Shape{2, 4, 5}, 0.29f)};
}

TEST(FuseTransposeMatMul, TransposesBecomeFlagsOfTheProduct) {
  const std::vector<std::string> fused = {"aruntime.FusedMatMul"};
  expect_fused([] { return transpose_matmul_graph(true, false); },
               transpose_matmul_inputs(true, false), fused);
  expect_fused([] { return transpose_matmul_graph(false, true); },
               transpose_matmul_inputs(false, true), fused);
  expect_fused([] { return transpose_matmul_graph(true, true); },
               transpose_matmul_inputs(true, true), fused);
  GraphBuilder both = transpose_matmul_graph(true, true);
  auto r = fuse(both);
  EXPECT_EQ(rewrites(r, "fuse_transpose_matmul"), 1);
  const Node& n = only_node(both.graph());
  EXPECT_EQ(n.inputs, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(n.attr_int("transA"), 1);
  EXPECT_EQ(n.attr_int("transB"), 1);

  // 2-D operands: a Gemm, with a Transpose without perm (which reverses the two axes).
  auto two_d = [] {
    GraphBuilder b;
    b.input("a", {4, 3}).input("b", {4, 5}).output("y");
    b.node("ta", "Transpose", {"a"}, {"at"}).node("mm", "MatMul", {"at", "b"}, {"y"});
    return b;
  };
  expect_fused(two_d, {ramp(Shape{4, 3}, 0.43f), ramp(Shape{4, 5}, 0.29f)}, {"Gemm"});

  // MatMul(t, t): one Transpose read twice by the product.
  auto square = [] {
    GraphBuilder b;
    b.input("a", {2, 3, 3}).output("y");
    b.node("ta", "Transpose", {"a"}, {"at"}).node("mm", "MatMul", {"at", "at"}, {"y"});
    add_attribute(b, "ta", perm({0, 2, 1}));
    return b;
  };
  expect_fused(square, {ramp(Shape{2, 3, 3}, 0.43f)}, {"aruntime.FusedMatMul"});
}

TEST(FuseTransposeMatMul, GemmAndFusedGemmFlipTheirFlags) {
  // torch's Linear over [batch, seq, features] with a weight transposed at run time: MatMul + bias
  // becomes FusedGemm (fuse_matmul_add), whose B then takes the Transpose as transB.
  auto linear = [] {
    GraphBuilder b;
    b.input("x", {2, 3, 4}).input("w", {5, 4}).output("y");
    b.initializer("bias", f32({5}, {0.1f, -0.2f, 0.3f, -0.4f, 0.5f}));
    b.node("tw", "Transpose", {"w"}, {"wt"}).node("mm", "MatMul", {"x", "wt"}, {"p"});
    b.node("add", "Add", {"p", "bias"}, {"y"});
    add_attribute(b, "tw", perm({1, 0}));
    return b;
  };
  expect_fused(linear, {ramp(Shape{2, 3, 4}, 0.43f), ramp(Shape{5, 4}, 0.29f)},
               {"aruntime.FusedGemm"});
  GraphBuilder b = linear();
  fuse(b);
  EXPECT_EQ(only_node(b.graph()).attr_int("transB"), 1);

  // Gemm with transA already set reads the Transpose's input untransposed.
  auto gemm = [] {
    GraphBuilder g;
    g.input("a", {3, 4}).input("b", {4, 5}).output("y");
    g.node("ta", "Transpose", {"a"}, {"at"}).node("gemm", "Gemm", {"at", "b"}, {"y"});
    add_attribute(g, "gemm", optimizer::int_attribute("transA", 1));
    add_attribute(g, "gemm", optimizer::float_attribute("alpha", 0.5f));
    return g;
  };
  expect_fused(gemm, {ramp(Shape{3, 4}, 0.43f), ramp(Shape{4, 5}, 0.29f)}, {"Gemm"});
  GraphBuilder g = gemm();
  fuse(g);
  EXPECT_EQ(only_node(g.graph()).attr_int("transA"), 0);
  EXPECT_FLOAT_EQ(only_node(g.graph()).attr_float("alpha"), 0.5f);
}

TEST(FuseTransposeMatMul, MustNotFire) {
  // The transposed value is also a graph output, or read by another node.
  GraphBuilder exposed = transpose_matmul_graph(true, false);
  exposed.output("at");
  fuse(exposed);
  EXPECT_EQ(exposed.graph().nodes.size(), 2u);
  GraphBuilder reread = transpose_matmul_graph(false, true);
  reread.node("neg", "Neg", {"bt"}, {"n"}).output("n");
  fuse(reread);
  EXPECT_EQ(reread.graph().nodes.size(), 3u);

  // A perm that moves another axis too: [2, 1, 0] on a [3, 4, 2] a.
  GraphBuilder axes = transpose_matmul_graph(true, false, {2, 1, 0});
  axes.graph().inputs[0].type.shape = std::vector<Dim>{Dim::fixed(3), Dim::fixed(4), Dim::fixed(2)};
  axes.graph().value_types["a"] = axes.graph().inputs[0].type;
  axes.graph().inputs[1].type.shape = std::vector<Dim>{Dim::fixed(2), Dim::fixed(3), Dim::fixed(5)};
  axes.graph().value_types["b"] = axes.graph().inputs[1].type;
  fuse(axes);
  EXPECT_EQ(axes.graph().nodes.size(), 2u);

  // Unknown rank of the transposed value.
  GraphBuilder unknown = transpose_matmul_graph(true, false);
  unknown.graph().inputs[0].type.shape = std::nullopt;
  unknown.graph().value_types["a"] = unknown.graph().inputs[0].type;
  fuse(unknown);
  EXPECT_EQ(unknown.graph().nodes.size(), 2u);

  // A 1-D B: MatMul's vector form has no transposed counterpart.
  GraphBuilder vector;
  vector.input("a", {4, 3}).input("b", {4}).output("y");
  vector.node("ta", "Transpose", {"a"}, {"at"}).node("mm", "MatMul", {"at", "b"}, {"y"});
  fuse(vector);
  EXPECT_EQ(vector.graph().nodes.size(), 2u);

  // FusedGemm's A of rank > 2 cannot be transposed.
  GraphBuilder batched;
  batched.input("x", {2, 4, 3}).input("w", {4, 5}).output("y");
  batched.node("tx", "Transpose", {"x"}, {"xt"}).node("gemm", "FusedGemm", {"xt", "w"}, {"y"});
  add_attribute(batched, "tx", perm({0, 2, 1}));
  batched.graph().nodes.back().domain = kFused;
  fuse(batched);
  EXPECT_EQ(batched.graph().nodes.size(), 2u);
}

}  // namespace
}  // namespace aruntime
