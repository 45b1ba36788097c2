// Quantized ops on the NPU execute in exact integer arithmetic at every precision setting. Expected
// values are computed independently: QLinearConv with onnxruntime 1.x and onnx.reference (both
// agree), QLinearMatMul with numpy (int32 matmul, float32 multiplier, rint, clip) and onnxruntime,
// QuantizeLinear/DequantizeLinear by hand from the ONNX formulas.
#include <gtest/gtest.h>

#include "tests/unit/npu_test_util.h"
#include "tests/unit/op_test_util.h"

namespace aruntime {
namespace {

using npu_test::attr;
using npu_test::Dims;
using npu_test::ModelBuilder;

const std::vector<std::string> kPrecisions = {"fp16", "fp32", "int8"};

template <typename T>
std::vector<int> ints_of(const Tensor& t) {
  std::vector<int> v;
  for (int64_t i = 0; i < t.num_elements(); ++i) v.push_back(t.data<T>()[i]);
  return v;
}

Tensor uint8_tensor(const Shape& shape, int mul, int add) {
  std::vector<uint8_t> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<uint8_t>((static_cast<int>(i) * mul + add) % 256);
  return Tensor::from_vector<uint8_t>(shape, v);
}

std::vector<int> int8_pattern(size_t n, int mul, int add) {
  std::vector<int> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = (static_cast<int>(i) * mul + add) % 255 - 127;
  return v;
}

void expect_all_on_npu(const Session& s) {
  for (const auto& [node, provider] : npu_test::placement(s)) {
    EXPECT_EQ(provider, "npu") << node << ": " << npu_test::decline_reason(s, node);
  }
}

// x uint8[1,2,4,4] = (i*37 + 11) % 256, w int8[3,2,3,3] = (i*53 + 7) % 255 - 127, per-channel
// w_scale, bias, pads 1.
std::string qlinear_conv_model() {
  ModelBuilder b;
  b.input("x", {1, 2, 4, 4}, onnx::TensorProto::UINT8)
      .output("y", {1, 3, 4, 4}, onnx::TensorProto::UINT8);
  b.f32("xs", {}, {0.05f}).u8("xz", {}, {128});
  b.i8("w", {3, 2, 3, 3}, int8_pattern(54, 53, 7));
  b.f32("ws", {3}, {0.02f, 0.03f, 0.01f}).i8("wz", {3}, {0, 0, 0});
  b.f32("ys", {}, {0.5f}).u8("yz", {}, {100});
  b.i32("bias", {3}, {1000, -2000, 500});
  auto& conv =
      b.node("QLinearConv", {"x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "bias"}, {"y"}, "qconv");
  attr(conv, "pads", Dims{1, 1, 1, 1});
  return b.bytes();
}

TEST(NpuQuantized, QLinearConvIsExact) {
  const std::vector<int> expected = {88,  87,  114, 111, 105, 103, 144, 66,  103, 146, 90,  123,
                                     71,  145, 94,  69,  39,  145, 59,  63,  73,  48,  24,  84,
                                     167, 70,  148, 89,  87,  41,  41,  153, 127, 122, 126, 83,
                                     68,  71,  100, 123, 104, 130, 79,  60,  103, 111, 117, 119};
  const Tensor x = uint8_tensor(Shape{1, 2, 4, 4}, 37, 11);
  for (const std::string& precision : kPrecisions) {
    SCOPED_TRACE(precision);
    Session s = npu_test::make_session(qlinear_conv_model(),
                                       npu_test::npu_options({{"precision", precision}}));
    expect_all_on_npu(s);
    EXPECT_EQ(ints_of<uint8_t>(s.run({{"x", x}})[0]), expected);
  }
}

TEST(NpuQuantized, QLinearMatMulWithPerColumnParametersIsExact) {
  ModelBuilder b(21);
  b.input("a", {2, 3, 4}, onnx::TensorProto::UINT8)
      .output("y", {2, 3, 5}, onnx::TensorProto::UINT8);
  b.f32("as", {}, {0.02f}).u8("az", {}, {3});
  b.i8("b", {4, 5}, int8_pattern(20, 41, 3));
  b.f32("bs", {5}, {0.01f, 0.02f, 0.015f, 0.005f, 0.03f}).i8("bz", {5}, {1, -2, 0, 3, -1});
  b.f32("ys", {}, {0.2f}).u8("yz", {}, {128});
  b.node("QLinearMatMul", {"a", "as", "az", "b", "bs", "bz", "ys", "yz"}, {"y"}, "qmm");
  const std::vector<int> expected = {130, 149, 142, 129, 88,  126, 181, 149, 125, 40,
                                     99,  100, 125, 129, 129, 127, 174, 148, 126, 50,
                                     120, 157, 88,  123, 132, 128, 168, 146, 126, 60};
  const Tensor a = uint8_tensor(Shape{2, 3, 4}, 29, 5);
  for (const std::string& precision : kPrecisions) {
    SCOPED_TRACE(precision);
    Session s =
        npu_test::make_session(b.bytes(), npu_test::npu_options({{"precision", precision}}));
    expect_all_on_npu(s);
    EXPECT_EQ(ints_of<uint8_t>(s.run({{"a", a}})[0]), expected);
  }
}

TEST(NpuQuantized, QuantizeRoundsHalfToEvenSaturatesAndDequantizeIsExact) {
  // Per-axis (axis 0): row 0 scale 1 zero point 0, row 1 scale 0.5 zero point 10.
  // Row 0: -1.5 -> -2, -0.5 -> 0, 0.5 -> 0 (ties to even). Row 1: 1.5/0.5 = 3 -> 13,
  // 2.5/0.5 = 5 -> 15, 300/0.5 = 600 -> 127 (saturated). Dequantized: (q - zp) * scale.
  ModelBuilder b(13);
  b.input("x", {2, 3}).output("q", {2, 3}, onnx::TensorProto::INT8).output("d", {2, 3});
  b.f32("s", {2}, {1.0f, 0.5f}).i8("z", {2}, {0, 10});
  auto& q = b.node("QuantizeLinear", {"x", "s", "z"}, {"q"}, "quant");
  attr(q, "axis", int64_t{0});
  auto& d = b.node("DequantizeLinear", {"q", "s", "z"}, {"d"}, "dequant");
  attr(d, "axis", int64_t{0});
  const Tensor x = testing::f32(Shape{2, 3}, {-1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 300.0f});
  for (const std::string& precision : kPrecisions) {
    SCOPED_TRACE(precision);
    Session s =
        npu_test::make_session(b.bytes(), npu_test::npu_options({{"precision", precision}}));
    expect_all_on_npu(s);
    auto out = s.run({{"x", x}});
    EXPECT_EQ(ints_of<int8_t>(out[0]), (std::vector<int>{-2, 0, 0, 13, 15, 127}));
    testing::expect_near(out[1], testing::f32(Shape{2, 3}, {-2.0f, 0.0f, 0.0f, 1.5f, 2.5f, 58.5f}),
                         0, 0);
  }
}

TEST(NpuQuantized, QuantizationOfAFloat32InputIsNotRoundedToHalfFirst) {
  // x = 1 + 2^-8 + 2^-11 and scale 2^-7: x / scale = 128.5625 -> 129. Rounded to half first, x
  // would become 1 + 2^-8 (a tie, to even) and give 128.5 -> 128. The device keeps the inputs of
  // QuantizeLinear in float32, so even the fp16 setting gives the ONNX result.
  ModelBuilder b(13);
  b.input("x", {1}).output("q", {1}, onnx::TensorProto::UINT8);
  b.f32("s", {}, {0.0078125f}).u8("z", {}, {0});
  b.node("QuantizeLinear", {"x", "s", "z"}, {"q"}, "quant");
  const Tensor x = testing::f32(Shape{1}, {1.00439453125f});
  Session s = npu_test::make_session(b.bytes(), npu_test::npu_options({{"precision", "fp16"}}));
  expect_all_on_npu(s);
  EXPECT_EQ(ints_of<uint8_t>(s.run({{"x", x}})[0]), (std::vector<int>{129}));
}

// A QLinearConv followed by a uint8 MaxPool and a Reshape stays quantized end to end on the
// device: same bytes as the CPU provider, whatever the float precision setting.
TEST(NpuQuantized, QuantizedChainsMatchTheCpuProviderExactly) {
  ModelBuilder b;
  b.input("x", {1, 2, 4, 4}, onnx::TensorProto::UINT8)
      .output("y", {1, 12}, onnx::TensorProto::UINT8);
  b.value("c", {1, 3, 4, 4}, onnx::TensorProto::UINT8)
      .value("p", {1, 3, 2, 2}, onnx::TensorProto::UINT8);
  b.f32("xs", {}, {0.05f}).u8("xz", {}, {128});
  b.i8("w", {3, 2, 3, 3}, int8_pattern(54, 53, 7));
  b.f32("ws", {}, {0.02f}).f32("ys", {}, {0.5f}).u8("yz", {}, {100});
  b.i64("shape", {2}, {1, 12});
  auto& conv = b.node("QLinearConv", {"x", "xs", "xz", "w", "ws", "", "ys", "yz"}, {"c"}, "qconv");
  attr(conv, "pads", Dims{1, 1, 1, 1});
  auto& pool = b.node("MaxPool", {"c"}, {"p"}, "pool");
  attr(pool, "kernel_shape", Dims{2, 2});
  attr(pool, "strides", Dims{2, 2});
  b.node("Reshape", {"p", "shape"}, {"y"}, "reshape");
  const Tensor x = uint8_tensor(Shape{1, 2, 4, 4}, 37, 11);
  Session cpu = npu_test::make_session(b.bytes(), npu_test::cpu_options());
  const std::vector<int> expected = ints_of<uint8_t>(cpu.run({{"x", x}})[0]);
  for (const std::string& precision : kPrecisions) {
    SCOPED_TRACE(precision);
    Session s =
        npu_test::make_session(b.bytes(), npu_test::npu_options({{"precision", precision}}));
    expect_all_on_npu(s);
    EXPECT_EQ(npu_test::figure(s, npu_test::programs(s).at(0), "instructions"),
              2);  // Reshape is a view
    EXPECT_EQ(ints_of<uint8_t>(s.run({{"x", x}})[0]), expected);
  }
}

// The QDQ format: Q -> DQ -> Conv (weights DQ(int8 constant)) -> Q. The float Conv between the
// quantization boundaries runs in the float precision, so its requantized output may move by one
// step at fp16 against the CPU's float32 Conv, and matches exactly at fp32.
TEST(NpuQuantized, QdqConvIsClaimedWholeWithWeightsFoldedAtCompileTime) {
  ModelBuilder b;
  b.input("x", {1, 2, 5, 5}).output("y", {1, 3, 5, 5}, onnx::TensorProto::INT8);
  b.value("xq", {1, 2, 5, 5}, onnx::TensorProto::INT8).value("xd", {1, 2, 5, 5});
  b.value("wd", {3, 2, 3, 3}).value("c", {1, 3, 5, 5});
  b.f32("xs", {}, {0.01f}).i8("xz", {}, {0});
  b.i8("wq", {3, 2, 3, 3}, int8_pattern(54, 53, 7)).f32("wsc", {}, {0.004f}).i8("wz", {}, {0});
  b.f32("ys", {}, {0.05f}).i8("yz", {}, {0});
  b.node("QuantizeLinear", {"x", "xs", "xz"}, {"xq"}, "q_x");
  b.node("DequantizeLinear", {"xq", "xs", "xz"}, {"xd"}, "dq_x");
  b.node("DequantizeLinear", {"wq", "wsc", "wz"}, {"wd"}, "dq_w");
  auto& conv = b.node("Conv", {"xd", "wd"}, {"c"}, "conv");
  attr(conv, "pads", Dims{1, 1, 1, 1});
  b.node("QuantizeLinear", {"c", "ys", "yz"}, {"y"}, "q_y");
  const Tensor x = Tensor::from_vector<float>(Shape{1, 2, 5, 5}, npu_test::pseudo_random(50, 4));
  Session cpu = npu_test::make_session(b.bytes(), npu_test::cpu_options());
  const std::vector<int> expected = ints_of<int8_t>(cpu.run({{"x", x}})[0]);
  for (const auto& [precision, max_step] :
       std::vector<std::pair<std::string, int>>{{"fp32", 0}, {"fp16", 1}}) {
    SCOPED_TRACE(precision);
    Session s =
        npu_test::make_session(b.bytes(), npu_test::npu_options({{"precision", precision}}));
    expect_all_on_npu(s);
    EXPECT_EQ(npu_test::figure(s, npu_test::programs(s).at(0), "instructions"),
              4);  // q, dq, conv, q
    const std::vector<int> got = ints_of<int8_t>(s.run({{"x", x}})[0]);
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i)
      EXPECT_LE(std::abs(got[i] - expected[i]), max_step) << i;
  }
}

}  // namespace
}  // namespace aruntime
