// Float ops on the NPU against the CPU provider's output for the same graph (the CPU kernels are
// conformance-tested, so they are the reference here). fp32 precision must agree closely; fp16 and
// int8 within the tolerances providers/npu/README.md derives from the device's numerics:
//   fp32: rtol 1e-5, atol 1e-5
//   fp16: rtol 1e-2, atol 1e-2 (inputs in [-1, 1), as here)
//   int8: rtol 5e-2, atol 5e-2 on MAC outputs (dynamic per-tensor activation quantization).
#include <gtest/gtest.h>

#include <cmath>

#include "tests/unit/npu_test_util.h"
#include "tests/unit/op_test_util.h"

namespace aruntime {
namespace {

using npu_test::attr;
using npu_test::Dims;
using npu_test::ModelBuilder;

struct Tolerance {
  std::string precision;
  double rtol, atol;
};
const std::vector<Tolerance> kFloatTolerances = {{"fp32", 1e-5, 1e-5}, {"fp16", 1e-2, 1e-2}};

std::map<std::string, Tensor> feeds_for(const Session& s, uint32_t seed) {
  std::map<std::string, Tensor> feeds;
  for (const ValueMetadata& in : s.inputs()) {
    Shape shape(in.dims);
    feeds[in.name] = Tensor::from_vector<float>(
        shape, npu_test::pseudo_random(static_cast<size_t>(shape.num_elements()), seed++));
  }
  return feeds;
}

// Runs `model` on the CPU and on the NPU at each precision of `tolerances`, requiring every node
// on the NPU and the outputs within tolerance.
void expect_matches_cpu(const std::string& model,
                        const std::vector<Tolerance>& tolerances = kFloatTolerances,
                        std::map<std::string, std::string> extra = {}) {
  Session cpu = npu_test::make_session(model, npu_test::cpu_options());
  const auto feeds = feeds_for(cpu, 11);
  const std::vector<Tensor> expected = cpu.run(feeds);
  for (const Tolerance& t : tolerances) {
    SCOPED_TRACE("precision " + t.precision);
    auto settings = extra;
    settings["precision"] = t.precision;
    Session npu = npu_test::make_session(model, npu_test::npu_options(settings));
    for (const auto& [node, provider] : npu_test::placement(npu)) {
      EXPECT_EQ(provider, "npu") << node << ": " << npu_test::decline_reason(npu, node);
    }
    const std::vector<Tensor> got = npu.run(feeds);
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i)
      testing::expect_near(got[i], expected[i], t.rtol, t.atol);
  }
}

TEST(NpuNumerics, BroadcastingArithmetic) {
  ModelBuilder b;
  b.input("x", {2, 3, 4}).input("z", {2, 1, 4}).output("y", {2, 3, 4});
  for (const char* v : {"a", "s", "m"}) b.value(v, {2, 3, 4});
  b.f32("c", {4}, {0.5f, -0.25f, 1.0f, 2.0f})
      .f32("k", {}, {3.0f})
      .f32("d", {3, 1}, {2.0f, -4.0f, 0.5f});
  b.node("Add", {"x", "c"}, {"a"});
  b.node("Sub", {"a", "z"}, {"s"});
  b.node("Mul", {"k", "s"}, {"m"});
  b.node("Div", {"m", "d"}, {"y"});
  expect_matches_cpu(b.bytes());
}

TEST(NpuNumerics, EveryActivation) {
  struct Case {
    std::string op;
    std::function<void(onnx::NodeProto&)> attrs;
  };
  const std::vector<Case> cases = {
      {"Relu", {}},
      {"LeakyRelu", [](onnx::NodeProto& n) { attr(n, "alpha", 0.1f); }},
      {"Sigmoid", {}},
      {"Tanh", {}},
      {"HardSigmoid",
       [](onnx::NodeProto& n) {
         attr(n, "alpha", 0.3f);
         attr(n, "beta", 0.4f);
       }},
      {"HardSwish", {}},
      {"Gelu", {}},
      {"Gelu", [](onnx::NodeProto& n) { attr(n, "approximate", std::string("tanh")); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.op);
    ModelBuilder b(20);
    b.input("x", {3, 5}).output("y", {3, 5}).value("s", {3, 5});
    b.f32("two", {}, {2.0f});
    b.node("Mul", {"x", "two"}, {"s"});  // inputs in [-2, 2) reach the nonlinear parts
    auto& n = b.node(c.op, {"s"}, {"y"});
    if (c.attrs) c.attrs(n);
    expect_matches_cpu(b.bytes());
  }
}

TEST(NpuNumerics, ClipFromInputsAndFromAttributes) {
  ModelBuilder b(13);
  b.input("x", {4, 4}).output("y", {4, 4});
  b.f32("lo", {}, {-0.25f}).f32("hi", {}, {0.5f});
  b.node("Clip", {"x", "lo", "hi"}, {"y"});
  expect_matches_cpu(b.bytes());
  ModelBuilder old(6);
  old.input("x", {4, 4}).output("y", {4, 4});
  auto& clip = old.node("Clip", {"x"}, {"y"});
  attr(clip, "min", 0.0f);
  attr(clip, "max", 0.3f);
  expect_matches_cpu(old.bytes());
}

TEST(NpuNumerics, GemmWithTransposesAlphaBetaAndBroadcastBias) {
  for (int variant = 0; variant < 2; ++variant) {
    SCOPED_TRACE(variant);
    ModelBuilder b;
    b.input("a", {4, 3}).output("y", {3, 5});            // transA: A^T is 3x4
    b.f32("w", {5, 4}, npu_test::pseudo_random(20, 2));  // transB: B^T is 4x5
    if (variant == 0)
      b.f32("c", {5}, npu_test::pseudo_random(5, 3));
    else
      b.f32("c", {3, 1}, npu_test::pseudo_random(3, 4));
    auto& g = b.node("Gemm", {"a", "w", "c"}, {"y"});
    attr(g, "transA", int64_t{1});
    attr(g, "transB", int64_t{1});
    attr(g, "alpha", 0.75f);
    attr(g, "beta", -1.5f);
    expect_matches_cpu(b.bytes());
  }
}

TEST(NpuNumerics, MatMulWithBatchBroadcastingAndVectors) {
  ModelBuilder b;
  b.input("a", {2, 1, 3, 4}).input("b", {3, 4, 5}).output("y", {2, 3, 3, 5});
  b.node("MatMul", {"a", "b"}, {"y"});
  expect_matches_cpu(b.bytes(), {{"fp32", 1e-5, 1e-5}, {"fp16", 1e-2, 1e-2}, {"int8", 5e-2, 5e-2}});
  ModelBuilder v;
  v.input("a", {4}).output("y", {5});
  v.f32("w", {4, 5}, npu_test::pseudo_random(20, 6));
  v.node("MatMul", {"a", "w"}, {"y"});
  expect_matches_cpu(v.bytes(), {{"fp32", 1e-5, 1e-5}, {"fp16", 1e-2, 1e-2}, {"int8", 5e-2, 5e-2}});
}

TEST(NpuNumerics, ConvolutionsGroupedDepthwiseStridedAndSamePadded) {
  struct Case {
    int64_t group;
    Dims w;
    std::string auto_pad;
    Dims strides, dilations, out;
  };
  const std::vector<Case> cases = {
      {2, {6, 2, 3, 3}, "NOTSET", {1, 1}, {1, 1}, {1, 6, 5, 7}},  // grouped, pads 1
      {4, {4, 1, 3, 3}, "NOTSET", {1, 1}, {1, 1}, {1, 4, 5, 7}},  // depthwise
      {1, {3, 4, 3, 2}, "SAME_UPPER", {2, 2}, {1, 1}, {1, 3, 3, 4}},
      {1, {3, 4, 2, 2}, "SAME_LOWER", {1, 1}, {1, 1}, {1, 3, 5, 7}},
      {1, {3, 4, 2, 2}, "VALID", {1, 2}, {2, 1}, {1, 3, 3, 3}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.auto_pad + " group " + std::to_string(c.group));
    ModelBuilder b;
    b.input("x", {1, 4, 5, 7}).output("y", c.out);
    b.f32("w", c.w, npu_test::pseudo_random(npu_test::count(c.w), 7));
    b.f32("b", {c.w[0]}, npu_test::pseudo_random(static_cast<size_t>(c.w[0]), 8));
    auto& conv = b.node("Conv", {"x", "w", "b"}, {"y"});
    attr(conv, "group", c.group);
    attr(conv, "strides", c.strides);
    attr(conv, "dilations", c.dilations);
    if (c.auto_pad == "NOTSET")
      attr(conv, "pads", Dims{1, 1, 1, 1});
    else
      attr(conv, "auto_pad", c.auto_pad);
    expect_matches_cpu(b.bytes(),
                       {{"fp32", 1e-5, 1e-5}, {"fp16", 1e-2, 1e-2}, {"int8", 5e-2, 5e-2}});
  }
}

TEST(NpuNumerics, PoolsWithPaddingCeilModeAndDilation) {
  ModelBuilder b(19);
  b.input("x", {1, 2, 7, 6})
      .output("avg", {1, 2, 4, 4})
      .output("max", {1, 2, 3, 2})
      .output("gap", {1, 2, 1, 1});
  auto& avg = b.node("AveragePool", {"x"}, {"avg"});
  attr(avg, "kernel_shape", Dims{3, 3});
  attr(avg, "strides", Dims{2, 2});
  attr(avg, "pads", Dims{1, 1, 1, 1});
  attr(avg, "ceil_mode", int64_t{1});
  attr(avg, "count_include_pad", int64_t{1});
  auto& max = b.node("MaxPool", {"x"}, {"max"});
  attr(max, "kernel_shape", Dims{2, 2});
  attr(max, "dilations", Dims{2, 2});
  attr(max, "strides", Dims{2, 2});
  b.node("GlobalAveragePool", {"x"}, {"gap"});
  expect_matches_cpu(b.bytes());
}

TEST(NpuNumerics, SoftmaxBeforeAndAfterOpset13) {
  for (int opset : {11, 13}) {
    SCOPED_TRACE(opset);
    ModelBuilder b(opset);
    b.input("x", {2, 3, 4}).output("y", {2, 3, 4});
    auto& sm = b.node("Softmax", {"x"}, {"y"});
    attr(sm, "axis", int64_t{1});
    expect_matches_cpu(b.bytes());
  }
}

TEST(NpuNumerics, ConcatTransposeAndAStandaloneBatchNorm) {
  ModelBuilder b;
  b.input("x", {2, 2, 3}).input("z", {2, 1, 3}).output("y", {3, 2, 4});
  b.f32("k", {2, 1, 3}, npu_test::pseudo_random(6, 9));
  b.value("c", {2, 4, 3}).value("n", {2, 4, 3});
  b.f32("s", {4}, {1.0f, 0.5f, 2.0f, -1.0f}).f32("o", {4}, {0.0f, 0.1f, 0.2f, 0.3f});
  b.f32("m", {4}, {0.1f, 0.0f, -0.1f, 0.2f}).f32("v", {4}, {1.0f, 0.5f, 2.0f, 0.25f});
  auto& cat = b.node("Concat", {"x", "k", "z"}, {"c"});
  attr(cat, "axis", int64_t{1});
  b.node("BatchNormalization", {"c", "s", "o", "m", "v"}, {"n"});
  auto& t = b.node("Transpose", {"n"}, {"y"});
  attr(t, "perm", Dims{2, 0, 1});
  expect_matches_cpu(b.bytes());
}

TEST(NpuNumerics, Float16ModelsKeepTheirTypeAtTheBoundary) {
  ModelBuilder b;
  b.input("x", {2, 8}, onnx::TensorProto::FLOAT16).output("y", {2, 8}, onnx::TensorProto::FLOAT16);
  b.node("Sigmoid", {"x"}, {"y"});
  Session cpu = npu_test::make_session(b.bytes(), npu_test::cpu_options());
  Session npu = npu_test::make_session(b.bytes(), npu_test::npu_options());
  EXPECT_EQ(npu_test::placement(npu).begin()->second, "npu");
  const Tensor x =
      testing::to_half(Tensor::from_vector<float>(Shape{2, 8}, npu_test::pseudo_random(16, 1)));
  const Tensor got = npu.run({{"x", x}})[0];
  EXPECT_EQ(got.dtype(), DataType::kFloat16);
  // Both compute in float32 and round once to half: equal up to one half ulp where the two
  // sigmoid formulas differ in the last float32 bit.
  testing::expect_near(got, cpu.run({{"x", x}})[0], 1e-3, 0);
}

// The precisions really differ: x = [1, 2^-10 + 2^-12] times w = [[1], [1]] is 1.001220703125.
// fp32 keeps it; fp16 stores the input 2^-10 + 2^-12 as is (a half) but rounds the sum to the
// nearest half, 1.0009765625 (spacing 2^-10 above 1); int8 quantizes x per tensor with step 1/127,
// which turns 0.00122 into 0, so the product is exactly 1.
TEST(NpuNumerics, EachPrecisionRoundsWhereTheDeviceModelSays) {
  ModelBuilder b;
  b.input("x", {1, 2}).output("y", {1, 1});
  b.f32("w", {2, 1}, {1.0f, 1.0f});
  b.node("MatMul", {"x", "w"}, {"y"});
  const Tensor x = testing::f32(Shape{1, 2}, {1.0f, 0.001220703125f});
  const std::vector<std::pair<std::string, float>> cases = {
      {"fp32", 1.001220703125f}, {"fp16", 1.0009765625f}, {"int8", 1.0f}};
  for (const auto& [precision, expected] : cases) {
    SCOPED_TRACE(precision);
    Session s =
        npu_test::make_session(b.bytes(), npu_test::npu_options({{"precision", precision}}));
    EXPECT_EQ(s.run({{"x", x}})[0].data<float>()[0], expected);
  }
}

}  // namespace
}  // namespace aruntime
