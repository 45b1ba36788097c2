// Tests of the CPU quantization kernels: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear,
// MatMulInteger, ConvInteger, QLinearMatMul and QLinearConv.
//
// Unless a test says otherwise, expected values were computed with onnxruntime 1.32
// (CPUExecutionProvider) on single-node models at the test's opset, fed with the same inputs.
// Where onnxruntime has no kernel (blocked 16-bit quantization, int32 QuantizeLinear) the onnx
// 1.18 reference evaluator (onnx.reference.ReferenceEvaluator) was used, and for per-row /
// per-column / per-channel zero points plain numpy following the spec's formulas, as noted.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/unit/op_test_util.h"

namespace aruntime::testing {
namespace {

template <typename T>
Tensor tensor(const Shape& shape, const std::vector<T>& values) {
  return Tensor::from_vector<T>(shape, values);
}
Tensor f32(const Shape& shape, const std::vector<float>& v) {
  return tensor<float>(shape, v);
}
Tensor f16(const Shape& shape, const std::vector<float>& v) {
  std::vector<Float16> h;
  for (float x : v) h.push_back(Float16(x));
  return tensor<Float16>(shape, h);
}
Tensor u8(const Shape& shape, const std::vector<uint8_t>& v) {
  return tensor<uint8_t>(shape, v);
}
Tensor i8(const Shape& shape, const std::vector<int8_t>& v) {
  return tensor<int8_t>(shape, v);
}
Tensor i16(const Shape& shape, const std::vector<int16_t>& v) {
  return tensor<int16_t>(shape, v);
}
Tensor u16(const Shape& shape, const std::vector<uint16_t>& v) {
  return tensor<uint16_t>(shape, v);
}
Tensor i32(const Shape& shape, const std::vector<int32_t>& v) {
  return tensor<int32_t>(shape, v);
}

// Element types, shapes and values must match exactly.
void expect_exact(const Tensor& actual, const Tensor& expected) {
  expect_near(actual, expected, 0.0, 0.0);
}

// Values (i * mul) % 256 + offset of the flat index i, as the generating numpy script built them.
template <typename T>
Tensor ramp(const Shape& shape, int64_t mul, int64_t offset) {
  std::vector<T> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = static_cast<T>(static_cast<int64_t>(i) * mul % 256 + offset);
  }
  return Tensor::from_vector<T>(shape, v);
}

// x of the per-tensor QuantizeLinear tests: exact halves (ties), and values that saturate.
Tensor tie_input(float factor) {
  std::vector<float> v = {0.0f,  0.5f,   1.5f,    2.5f, -0.5f, -1.5f,
                          3.49f, 300.0f, -300.0f, 1.0f, 2.0f,  7.0f};
  for (float& x : v) x *= factor;
  return f32({3, 4}, v);
}

// ---------------------------------------------------------------------------------------------
// QuantizeLinear

TEST(CpuQuantizeLinear, PerTensorRoundsHalfToEvenAndSaturates) {
  auto y = OpTest("QuantizeLinear", 10)
               .input(tie_input(1.0f))
               .input(Tensor::scalar(0.5f))
               .input(Tensor::scalar(uint8_t{3}))
               .run();
  expect_exact(y[0], u8({3, 4}, {3, 4, 6, 8, 2, 0, 10, 255, 0, 5, 7, 17}));

  // x / 0.25 = 0.5, 1.5, 2.5, -0.5, -1.5: ties to even before the zero point is added.
  y = OpTest("QuantizeLinear", 10)
          .input(tie_input(0.25f))
          .input(Tensor::scalar(0.25f), true)
          .input(Tensor::scalar(int8_t{-1}), true)
          .run();
  expect_exact(y[0], i8({3, 4}, {-1, -1, 1, 1, -1, -3, 2, 127, -128, 0, 1, 6}));
}

TEST(CpuQuantizeLinear, WithoutZeroPointIsUint8) {
  auto y = OpTest("QuantizeLinear", 13).input(tie_input(1.0f)).input(Tensor::scalar(2.0f)).run();
  expect_exact(y[0], u8({3, 4}, {0, 0, 1, 1, 0, 0, 2, 150, 0, 0, 1, 4}));
}

TEST(CpuQuantizeLinear, PerAxis) {
  std::vector<float> xv;
  for (int i = 0; i < 12; ++i) xv.push_back(static_cast<float>(i) * 3.7f - 20.0f);
  const Tensor x = f32({2, 3, 2}, xv);
  auto y = OpTest("QuantizeLinear", 13)
               .attr("axis", int64_t{1})
               .input(x)
               .input(f32({3}, {1.0f, 0.5f, 4.0f}))
               .input(i8({3}, {0, -5, 10}))
               .run();
  expect_exact(y[0], i8({2, 3, 2}, {-20, -16, -30, -23, 9, 10, 2, 6, 14, 22, 14, 15}));

  y = OpTest("QuantizeLinear", 13)
          .attr("axis", int64_t{-1})
          .input(x)
          .input(f32({2}, {2.0f, 0.25f}))
          .input(u8({2}, {100, 200}))
          .run();
  expect_exact(y[0], u8({2, 3, 2}, {90, 135, 94, 164, 97, 194, 101, 224, 105, 253, 108, 255}));
}

Tensor blocked_input() {
  std::vector<float> v;
  for (int i = 0; i < 10; ++i) v.push_back(static_cast<float>(i) * 101.3f - 300.0f);
  return f32({2, 5}, v);
}
Tensor blocked_scale() {
  return f32({2, 3}, {0.5f, 1.0f, 2.0f, 0.01f, 4.0f, 8.0f});
}
Tensor blocked_zero_point() {
  return i16({2, 3}, {0, -100, 100, -32000, 5, 32000});
}

TEST(CpuQuantizeLinear, BlockedInt16WithShortLastBlock) {
  // onnx reference evaluator: x [2,5], axis 1, block_size 2 -> scale [2,3] (last block is 1 wide).
  auto y = OpTest("QuantizeLinear", 21)
               .attr("axis", int64_t{1})
               .attr("block_size", int64_t{2})
               .input(blocked_input())
               .input(blocked_scale())
               .input(blocked_zero_point())
               .run();
  expect_exact(y[0], i16({2, 5}, {-600, -397, -197, -96, 153, -11350, -1220, 107, 133, 32076}));
}

TEST(CpuQuantizeLinear, OutputDtypeUint16) {
  auto y = OpTest("QuantizeLinear", 21)
               .attr("output_dtype", int64_t{4})  // TensorProto.UINT16
               .input(blocked_input())
               .input(Tensor::scalar(0.125f))
               .run();
  expect_exact(y[0], u16({2, 5}, {0, 0, 0, 31, 842, 1652, 2462, 3273, 4083, 4894}));
}

TEST(CpuQuantizeLinear, Float16InputAndScale) {
  auto y = OpTest("QuantizeLinear", 19)
               .input(f16({6}, {0.1f, 1.7f, -2.3f, 100.0f, 0.05f, -0.05f}))
               .input(f16({}, {0.1f}))
               .input(Tensor::scalar(int8_t{2}))
               .run();
  expect_exact(y[0], i8({6}, {3, 19, -21, 127, 2, 2}));
}

TEST(CpuQuantizeLinear, Int32Input) {
  // onnx reference evaluator (onnxruntime has no int32 QuantizeLinear kernel).
  auto y = OpTest("QuantizeLinear", 10)
               .input(i32({6}, {0, 7, -7, 10, 1000, -1000}))
               .input(Tensor::scalar(4.0f))
               .input(Tensor::scalar(uint8_t{128}))
               .run();
  expect_exact(y[0], u8({6}, {128, 130, 126, 130, 255, 0}));
}

TEST(CpuQuantizeLinear, LargePerAxisSplitsOverThreads) {
  // x[i] = ((i * 7919) % 2001 - 1000) / 8 over [8, 4, 3000]; only the per-channel sums of y and a
  // few samples were taken from onnxruntime.
  const Shape shape{8, 4, 3000};
  std::vector<float> xv(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < xv.size(); ++i) {
    xv[i] = static_cast<float>(static_cast<int64_t>(i) * 7919 % 2001 - 1000) / 8.0f;
  }
  auto y = OpTest("QuantizeLinear", 13)
               .attr("axis", int64_t{1})
               .input(f32(shape, xv))
               .input(f32({4}, {0.5f, 1.0f, 2.0f, 3.0f}))
               .input(u8({4}, {128, 0, 255, 100}))
               .run();
  ASSERT_EQ(y[0].shape(), shape);
  std::vector<int64_t> sums(4, 0);
  const uint8_t* py = y[0].data<uint8_t>();
  for (int64_t i = 0; i < shape.num_elements(); ++i) sums[(i / 3000) % 4] += py[i];
  EXPECT_EQ(sums, (std::vector<int64_t>{3065061, 750972, 5744453, 2400448}));
  EXPECT_EQ(py[0], 0);
  EXPECT_EQ(py[12345], 178);
  EXPECT_EQ(py[95999], 65);
}

TEST(CpuQuantizeLinear, RejectsBadParameters) {
  const Tensor x = f32({2, 3, 2}, std::vector<float>(12, 1.0f));
  expect_error(
      [&] {
        OpTest("QuantizeLinear", 13).input(x).input(f32({2}, {1, 2})).run();
      },
      ErrorCode::kInvalidArgument, {"QuantizeLinear", "y_scale", "[2]", "[3]"});
  expect_error(
      [&] {
        OpTest("QuantizeLinear", 10).input(x).input(f32({3}, {1, 2, 3})).run();
      },
      ErrorCode::kInvalidArgument, {"y_scale", "opset 13"});
  expect_error(
      [&] {
        OpTest("QuantizeLinear", 13)
            .input(x)
            .input(f32({3}, {1, 2, 3}))
            .input(u8({2}, {0, 0}))
            .run();
      },
      ErrorCode::kInvalidArgument, {"zero point", "[2]", "[3]"});
  expect_error(
      [&] {
        OpTest("QuantizeLinear", 13)
            .attr("axis", int64_t{3})
            .input(x)
            .input(f32({3}, {1, 2, 3}))
            .run();
      },
      ErrorCode::kInvalidArgument, {"axis 3"});
  expect_error(
      [&] {
        OpTest("QuantizeLinear", 21)
            .attr("axis", int64_t{1})
            .attr("block_size", int64_t{2})
            .input(blocked_input())
            .input(f32({2, 2}, {1, 1, 1, 1}))
            .run();
      },
      ErrorCode::kInvalidArgument, {"y_scale", "[2,2]", "expected [2,3]", "block_size 2"});
  expect_error(
      [&] {
        OpTest("QuantizeLinear", 21)
            .attr("output_dtype", int64_t{24})  // FLOAT8E8M0
            .input(x)
            .input(Tensor::scalar(1.0f))
            .run();
      },
      ErrorCode::kNotImplemented, {"output_dtype", "24"});
  expect_error(
      [&] {
        OpTest("QuantizeLinear", 21)
            .attr("output_dtype", int64_t{4})
            .input(x)
            .input(Tensor::scalar(1.0f))
            .input(Tensor::scalar(int8_t{0}))
            .run();
      },
      ErrorCode::kInvalidModel, {"y_zero_point", "int8", "uint16"});
}

// ---------------------------------------------------------------------------------------------
// DequantizeLinear

Tensor dequantize_input() {
  return u8({6}, {0, 3, 128, 255, 17, 200});
}

TEST(CpuDequantizeLinear, PerTensor) {
  auto y = OpTest("DequantizeLinear", 10)
               .input(dequantize_input())
               .input(Tensor::scalar(0.5f))
               .input(Tensor::scalar(uint8_t{128}))
               .run();
  expect_exact(y[0], f32({6}, {-64.0f, -62.5f, 0.0f, 63.5f, -55.5f, 36.0f}));
}

TEST(CpuDequantizeLinear, PerAxis) {
  auto y = OpTest("DequantizeLinear", 13)
               .attr("axis", int64_t{0})
               .input(i8({3, 2}, {-128, -1, 0, 1, 127, 50}))
               .input(f32({3}, {0.1f, 2.0f, -0.5f}))
               .input(i8({3}, {0, 1, -3}))
               .run();
  expect_exact(y[0], f32({3, 2}, {-12.8f, -0.1f, -2.0f, 0.0f, -65.0f, -26.5f}));
}

TEST(CpuDequantizeLinear, BlockedInt16) {
  // onnx reference evaluator.
  auto y = OpTest("DequantizeLinear", 21)
               .attr("axis", int64_t{1})
               .attr("block_size", int64_t{2})
               .input(i16({2, 5}, {-32768, -1000, 0, 1, 32767, 500, 12, -12, 7, 9}))
               .input(blocked_scale())
               .input(blocked_zero_point())
               .run();
  expect_exact(y[0], f32({2, 5}, {-16384.0f, -500.0f, 100.0f, 101.0f, 65334.0f, 325.0f, 320.12f,
                                  -68.0f, 8.0f, -255928.0f}));
}

TEST(CpuDequantizeLinear, Float16ScaleGivesFloat16) {
  auto y = OpTest("DequantizeLinear", 19)
               .input(dequantize_input())
               .input(f16({}, {0.0123f}))
               .input(Tensor::scalar(uint8_t{100}))
               .run();
  expect_exact(y[0], f16({6}, {-1.2294921875f, -1.193359375f, 0.34423828125f, 1.90625f,
                               -1.0205078125f, 1.2294921875f}));
}

TEST(CpuDequantizeLinear, OutputDtypeAtOpset23) {
  // numpy: (x - 100) in float32 times the float16 scale widened to float32 (onnxruntime 1.32 and
  // the onnx 1.18 reference do not implement output_dtype).
  auto y = OpTest("DequantizeLinear", 23)
               .attr("output_dtype", int64_t{1})  // FLOAT
               .input(dequantize_input())
               .input(f16({}, {0.0123f}))
               .input(Tensor::scalar(uint8_t{100}))
               .run();
  expect_exact(y[0], f32({6}, {-1.2298583984375f, -1.192962646484375f, 0.3443603515625f,
                               1.906280517578125f, -1.020782470703125f, 1.2298583984375f}));
}

TEST(CpuDequantizeLinear, Int32AndUint16) {
  auto y = OpTest("DequantizeLinear", 10)
               .input(i32({4}, {-100000, 0, 7, 123456789}))
               .input(Tensor::scalar(0.001f))
               .run();
  expect_exact(y[0], f32({4}, {-100.00000762939453f, 0.0f, 0.007000000216066837f, 123456.796875f}));

  y = OpTest("DequantizeLinear", 21)
          .input(u16({4}, {0, 1, 65535, 40000}))
          .input(Tensor::scalar(0.25f))
          .input(Tensor::scalar(uint16_t{30000}))
          .run();
  expect_exact(y[0], f32({4}, {-7500.0f, -7499.75f, 8883.75f, 2500.0f}));
}

TEST(CpuDequantizeLinear, RejectsMismatchedZeroPoint) {
  expect_error(
      [&] {
        OpTest("DequantizeLinear", 13)
            .input(i8({2}, {1, 2}))
            .input(Tensor::scalar(1.0f))
            .input(Tensor::scalar(uint8_t{0}))
            .run();
      },
      ErrorCode::kInvalidArgument, {"DequantizeLinear", "x_zero_point", "uint8", "int8"});
  expect_error(
      [&] {
        OpTest("DequantizeLinear", 13)
            .input(u8({2, 2}, {1, 2, 3, 4}))
            .input(f32({3}, {1, 1, 1}))
            .run();
      },
      ErrorCode::kInvalidArgument, {"x_scale", "[3]", "expected a scalar or [2]"});
}

// ---------------------------------------------------------------------------------------------
// DynamicQuantizeLinear

void check_dynamic(const Tensor& x, const Tensor& y, float scale, uint8_t zero_point) {
  auto out = OpTest("DynamicQuantizeLinear", 11)
                 .outputs({DataType::kUInt8, DataType::kFloat32, DataType::kUInt8})
                 .input(x)
                 .run();
  ASSERT_EQ(out.size(), 3u);
  expect_exact(out[0], y);
  expect_exact(out[1], Tensor::scalar(scale));
  expect_exact(out[2], Tensor::scalar(zero_point));
}

TEST(CpuDynamicQuantizeLinear, RangesIncludeZero) {
  check_dynamic(f32({2, 3}, {-1.3f, 0.0f, 2.7f, 0.55f, -0.2f, 1.9f}),
                u8({2, 3}, {0, 83, 255, 118, 70, 204}), 0.01568627543747425f, 83);
  check_dynamic(f32({4}, {1.0f, 2.5f, 3.25f, 0.125f}), u8({4}, {78, 196, 255, 10}),
                0.01274509821087122f, 0);
  check_dynamic(f32({3}, {-4.0f, -0.3f, -2.2f}), u8({3}, {0, 236, 115}), 0.01568627543747425f, 255);
}

// ---------------------------------------------------------------------------------------------
// MatMulInteger

Tensor mat_a() {
  return u8({3, 4}, {11, 7, 200, 3, 0, 255, 128, 64, 9, 8, 7, 6});
}
Tensor mat_b() {
  return i8({4, 3}, {-1, 2, 127, -128, 0, 5, 3, 3, 3, 40, -40, 1});
}

TEST(CpuMatMulInteger, ScalarZeroPoints) {
  auto y = OpTest("MatMulInteger", 10)
               .input(mat_a())
               .input(mat_b())
               .input(Tensor::scalar(uint8_t{12}))
               .input(Tensor::scalar(int8_t{-2}))
               .run();
  expect_exact(y[0], i32({3, 3}, {1191, 1268, 749, -27866, -958, 889, 224, 183, -458}));

  y = OpTest("MatMulInteger", 10).input(mat_a()).input(mat_b()).run();
  expect_exact(y[0], i32({3, 3}, {-187, 502, 2035, -29696, -2176, 1723, -772, -201, 1210}));
}

TEST(CpuMatMulInteger, PerRowAndPerColumnZeroPoints) {
  // numpy: (A - a_zp[:, None]) @ (B - b_zp[None, :]) in int32.
  const Tensor expected = i32({3, 3}, {116, 537, 1248, -18753, 2304, -15490, -168, 44, 252});
  auto y = OpTest("MatMulInteger", 10)
               .input(mat_a())
               .input(mat_b())
               .input(u8({3}, {1, 128, 7}))
               .input(i8({3}, {-1, 0, 3}))
               .run();
  expect_exact(y[0], expected);
  // The same parameters in the N-D form: [M, 1] and [1, N].
  y = OpTest("MatMulInteger", 10)
          .input(mat_a())
          .input(mat_b())
          .input(u8({3, 1}, {1, 128, 7}))
          .input(i8({1, 3}, {-1, 0, 3}))
          .run();
  expect_exact(y[0], expected);
}

TEST(CpuMatMulInteger, BroadcastBatch) {
  auto y = OpTest("MatMulInteger", 10)
               .input(ramp<uint8_t>({2, 3, 4}, 37, 0))
               .input(mat_b())
               .input(Tensor::scalar(uint8_t{100}))
               .run();
  expect_exact(y[0], i32({2, 3, 3}, {8526, -718, -13082, -14442, 4342, 6790, 5086, -2118, -7642,
                                     -18650, 2174, 11462, 1646, -3518, -2202, 10678, 774, 15622}));
}

TEST(CpuMatMulInteger, LargeProductSplitsOverThreads) {
  // A[i] = (i * 37) % 256 ([64, 300], uint8), B[i] = (i * 11) % 256 - 128 ([300, 50], int8);
  // the row sums of Y and a few samples were taken from onnxruntime.
  auto y = OpTest("MatMulInteger", 10)
               .input(ramp<uint8_t>({64, 300}, 37, 0))
               .input(ramp<int8_t>({300, 50}, 11, -128))
               .input(Tensor::scalar(uint8_t{3}))
               .input(Tensor::scalar(int8_t{-7}))
               .run();
  ASSERT_EQ(y[0].shape(), (Shape{64, 50}));
  const int32_t* py = y[0].data<int32_t>();
  std::vector<int64_t> row_sums(64, 0);
  for (int64_t i = 0; i < 64 * 50; ++i) row_sums[i / 50] += py[i];
  EXPECT_EQ(row_sums,
            (std::vector<int64_t>{
                12417542, 12171894, 11761894, 12607062, 11712966, 11850806, 12393126, 12116502,
                11705478, 12582390, 11661926, 12091094, 12141382, 11689398, 12497958, 11989398,
                11776774, 12708214, 11858918, 11733078, 12604614, 11614518, 12048038, 11905302,
                11873414, 12219126, 12156262, 11719894, 12578374, 11779254, 11857190, 12492182,
                12135942, 11706230, 12692966, 11629910, 11950022, 12076598, 11651494, 12531478,
                11846022, 11777526, 12616294, 11826902, 11834438, 12474294, 11807014, 11950486,
                12386822, 11808630, 12132070, 12124246, 11723974, 12448054, 11982246, 11694102,
                12675462, 11940086, 11718502, 12653014, 11664710, 12063670, 11929894, 11856278}));
  EXPECT_EQ(py[0], 368738);
  EXPECT_EQ(py[1234], 401222);
  EXPECT_EQ(py[3199], 132644);
}

TEST(CpuMatMulInteger, RejectsBadShapes) {
  expect_error([&] { OpTest("MatMulInteger", 10).input(mat_a()).input(mat_a()).run(); },
               ErrorCode::kInvalidArgument, {"MatMulInteger", "inner dimensions", "[3,4]"});
  expect_error(
      [&] {
        OpTest("MatMulInteger", 10).input(mat_a()).input(mat_b()).input(u8({2}, {1, 2})).run();
      },
      ErrorCode::kInvalidArgument, {"a_zero_point", "[2]", "[3]"});
}

// ---------------------------------------------------------------------------------------------
// QLinearMatMul

Tensor qa() {
  return u8({2, 4}, {208, 236, 0, 238, 3, 214, 255, 29});
}
Tensor qb() {
  return u8({4, 3}, {152, 51, 244, 60, 26, 255, 0, 127, 246, 127, 254, 247});
}

std::vector<Tensor> qlinear_matmul(const Tensor& a, const Tensor& a_scale, const Tensor& a_zp,
                                   const Tensor& b, const Tensor& b_scale, const Tensor& b_zp,
                                   const Tensor& y_scale, const Tensor& y_zp, int64_t opset = 10) {
  return OpTest("QLinearMatMul", opset)
      .input(a)
      .input(a_scale)
      .input(a_zp)
      .input(b)
      .input(b_scale)
      .input(b_zp)
      .input(y_scale)
      .input(y_zp)
      .run();
}

TEST(CpuQLinearMatMul, Uint8AndSaturation) {
  auto y = qlinear_matmul(qa(), f32({1}, {0.0066f}), u8({1}, {113}), qb(), f32({1}, {0.00705f}),
                          u8({1}, {114}), f32({1}, {0.0107f}), u8({1}, {118}));
  expect_exact(y[0], u8({2, 3}, {168, 115, 255, 1, 66, 151}));
  y = qlinear_matmul(qa(), f32({1}, {0.05f}), u8({1}, {113}), qb(), f32({1}, {0.03f}),
                     u8({1}, {114}), f32({1}, {0.0107f}), u8({1}, {118}));
  expect_exact(y[0], u8({2, 3}, {255, 9, 255, 0, 0, 255}));
}

TEST(CpuQLinearMatMul, Int8PerColumnScales) {
  // onnxruntime, confirmed with numpy: clip(rint(C * (a_scale * b_scale / y_scale) + y_zp)).
  const Tensor a = i8({2, 4}, {81, 109, -127, 111, -124, 87, -128, -98});
  const Tensor b = i8({4, 3}, {25, -76, 117, -67, -101, -128, -127, 0, 119, 0, 127, 120});
  auto y = qlinear_matmul(a, f32({}, {0.0066f}), Tensor::scalar(int8_t{-14}), b,
                          f32({3}, {0.007f, 0.002f, 0.004f}), i8({3}, {-13, 0, 5}),
                          f32({}, {0.0107f}), Tensor::scalar(int8_t{-9}));
  expect_exact(y[0], i8({2, 3}, {41, -14, -19, 1, -24, -128}));
}

TEST(CpuQLinearMatMul, Float16ScalesBatched) {
  auto y = qlinear_matmul(ramp<uint8_t>({2, 2, 4}, 53, 0), f16({}, {0.0066f}),
                          Tensor::scalar(uint8_t{113}), ramp<uint8_t>({2, 4, 3}, 71, 0),
                          f16({}, {0.00705f}), Tensor::scalar(uint8_t{114}), f16({}, {0.0107f}),
                          Tensor::scalar(uint8_t{118}), 21);
  expect_exact(y[0], u8({2, 2, 3}, {149, 175, 90, 12, 111, 149, 1, 162, 170, 131, 129, 162}));
}

TEST(CpuQLinearMatMul, RejectsNonScalarOutputScale) {
  expect_error(
      [&] {
        qlinear_matmul(qa(), f32({1}, {0.1f}), u8({1}, {0}), qb(), f32({1}, {0.1f}), u8({1}, {0}),
                       f32({2}, {0.1f, 0.2f}), u8({1}, {0}));
      },
      ErrorCode::kInvalidArgument, {"QLinearMatMul", "y_scale", "[2]"});
}

// ---------------------------------------------------------------------------------------------
// ConvInteger

TEST(CpuConvInteger, PadsStridesAndZeroPoints) {
  const Tensor x = ramp<uint8_t>({2, 2, 4, 4}, 29, 0);
  const Tensor w = ramp<uint8_t>({3, 2, 3, 3}, 13, 0);
  auto conv = [&](const Tensor& w_zero_point) {
    return OpTest("ConvInteger", 10)
        .attr("pads", std::vector<int64_t>{1, 1, 1, 0})
        .attr("strides", std::vector<int64_t>{1, 2})
        .input(x)
        .input(w, true)
        .input(Tensor::scalar(uint8_t{100}))
        .input(w_zero_point)
        .run();
  };
  expect_exact(
      conv(Tensor::scalar(uint8_t{7}))[0],
      i32({2, 3, 4, 2},
          {31488, 26076,  70527, 35554,  14751, 44558, 11748, 27132, 29288, 22556, 37579, 3722,
           14667, 65606,  41932, -16900, 27088, 860,   12055, 9010,  22007, 58238, 14004, -23812,
           9856,  5212,   16511, 46914,  62111, -6802, 44900, 7932,  7656,  -1124, 27339, 84330,
           34635, -25050, 44876, 43004,  5456,  15324, 45591, 93330, 14583, -6178, 52276, 49660}));
  // numpy direct convolution of (x - 100) with (w - w_zp[m]) for a per-channel zero point.
  expect_exact(conv(u8({3}, {7, 0, 250}))[0],
               i32({2, 3, 4, 2},
                   {31488,  26076,  70527,  35554,  14751,  44558,  11748,  27132,  29988,  23676,
                    39917,  4646,   15997,  68602,  43080,  -16004, 2788,   -38020, -69107, -23066,
                    -24163, -45766, -25848, -54916, 9856,   5212,   16511,  46914,  62111,  -6802,
                    44900,  7932,   8356,   892,    28781,  89286,  36861,  -25190, 47816,  44796,
                    -18844, -54660, -4467,  -78714, -62691, -1318,  -49784, -12548}));
}

TEST(CpuConvInteger, NoZeroPoints) {
  // x is the first image of the test above and w its top-left 2x2 taps:
  // numpy x[:1], w[:, :, :2, :2].
  const Tensor x = ramp<uint8_t>({1, 2, 4, 4}, 29, 0);
  const Tensor full_w = ramp<uint8_t>({3, 2, 3, 3}, 13, 0);
  std::vector<uint8_t> wv;
  for (int64_t m = 0; m < 3; ++m)
    for (int64_t c = 0; c < 2; ++c)
      for (int64_t i = 0; i < 2; ++i)
        for (int64_t j = 0; j < 2; ++j)
          wv.push_back(full_w.data<uint8_t>()[((m * 2 + c) * 3 + i) * 3 + j]);
  auto y = OpTest("ConvInteger", 10).input(x).input(u8({3, 2, 2, 2}, wv)).run();
  expect_exact(y[0], i32({1, 3, 3, 3},
                         {94588, 80912,  70564,  96460,  106080, 82420,  78364,  97968, 84292,
                          82212, 83912,  88940,  139956, 164952, 156668, 117828, 87272, 88972,
                          92108, 101760, 114740, 176028, 143440, 143108, 120172, 97568, 107220}));
}

TEST(CpuConvInteger, RejectsChannelMismatch) {
  expect_error(
      [&] {
        OpTest("ConvInteger", 10)
            .input(ramp<uint8_t>({1, 3, 4, 4}, 1, 0))
            .input(ramp<uint8_t>({2, 2, 3, 3}, 1, 0))
            .run();
      },
      ErrorCode::kInvalidArgument, {"ConvInteger", "[2,2,3,3]", "[1,3,4,4]"});
}

// ---------------------------------------------------------------------------------------------
// QLinearConv

TEST(CpuQLinearConv, Int8PerChannelGroupedWithBias) {
  auto y = OpTest("QLinearConv", 10)
               .attr("group", int64_t{2})
               .attr("pads", std::vector<int64_t>{1, 1, 1, 1})
               .attr("strides", std::vector<int64_t>{2, 1})
               .input(ramp<int8_t>({1, 4, 5, 5}, 37, -128))
               .input(Tensor::scalar(0.05f))
               .input(Tensor::scalar(int8_t{3}))
               .input(ramp<int8_t>({6, 2, 3, 3}, 11, -128), true)
               .input(f32({6}, {0.01f, 0.02f, 0.005f, 0.03f, 0.015f, 0.001f}))
               .input(i8({6}, {0, 0, 0, 0, 0, 0}))
               .input(Tensor::scalar(0.4f))
               .input(Tensor::scalar(int8_t{-5}))
               .input(i32({6}, {100, -2000, 0, 5000, -7, 123456}))
               .run();
  expect_exact(y[0],
               i8({1, 6, 3, 5},
                  {9,    26,  24,  29, 13,  -8,  -5, -12,  12,   4,   14,   27,  35,  7,  -8,  -120,
                   -114, -37, 54,  51, 87,  79,  21, -102, -103, -83, -101, -98, 0,   12, -8,  -25,
                   -26,  -24, -7,  -8, -6,  4,   6,  12,   -14,  4,   -22,  -24, -15, 61, -21, -98,
                   -35,  81,  97,  50, 127, 111, 79, 17,   -44,  -85, -116, -63, 31,  34, 39,  -10,
                   -20,  -55, -57, 3,  10,  18,  25, 12,   -29,  -65, -56,  12,  10,  12, 11,  10,
                   8,    6,   6,   10, 6,   14,  12, 13,   14,   13}));
}

TEST(CpuQLinearConv, Uint8PerTensor) {
  auto y = OpTest("QLinearConv", 10)
               .input(ramp<uint8_t>({2, 2, 4, 4}, 29, 0))
               .input(Tensor::scalar(0.02f))
               .input(Tensor::scalar(uint8_t{120}))
               .input(ramp<uint8_t>({3, 2, 2, 2}, 13, 0))
               .input(Tensor::scalar(0.01f))
               .input(Tensor::scalar(uint8_t{130}))
               .input(Tensor::scalar(0.15f))
               .input(Tensor::scalar(uint8_t{128}))
               .run();
  expect_exact(
      y[0], u8({2, 3, 3, 3}, {146, 142, 143, 121, 131, 118, 123, 142, 138, 138, 130, 128, 135, 141,
                              125, 124, 139, 131, 85,  122, 164, 121, 84,  113, 113, 85,  122, 130,
                              122, 96,  150, 151, 125, 103, 126, 118, 122, 110, 116, 129, 126, 132,
                              139, 123, 111, 113, 146, 145, 123, 164, 163, 120, 113, 146}));
}

TEST(CpuQLinearConv, RejectsBadWeightScale) {
  expect_error(
      [&] {
        OpTest("QLinearConv", 10)
            .input(ramp<uint8_t>({1, 2, 4, 4}, 29, 0))
            .input(Tensor::scalar(0.02f))
            .input(Tensor::scalar(uint8_t{120}))
            .input(ramp<uint8_t>({3, 2, 2, 2}, 13, 0))
            .input(f32({2}, {0.01f, 0.02f}))
            .input(Tensor::scalar(uint8_t{130}))
            .input(Tensor::scalar(0.15f))
            .input(Tensor::scalar(uint8_t{128}))
            .run();
      },
      ErrorCode::kInvalidArgument, {"QLinearConv", "w_scale", "[2]", "[3]"});
}

}  // namespace
}  // namespace aruntime::testing
