// CPU kernels of elementwise_math_ops.cc against reference values. Unless a test says otherwise,
// the expected numbers were computed with numpy 2.4 (/tmp/venvtest) on the same inputs and printed
// with repr(), e.g. `np.round(np.float32([-2.5, -1.5, ...]))`. Activations were evaluated in
// float64 from the ONNX formula and rounded to float32, e.g. Elu as
// `np.where(x < 0, np.expm1(x.astype(np.float64)), x).astype(np.float32)`.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "tests/unit/op_test_util.h"

namespace aruntime::testing {
namespace {

template <typename T>
Tensor make(Shape shape, std::vector<T> values) {
  return Tensor::from_vector<T>(std::move(shape), values);
}

Tensor make_f16(Shape shape, const std::vector<float>& values) {
  std::vector<Float16> h;
  for (float v : values) h.push_back(Float16(v));
  return Tensor::from_vector<Float16>(std::move(shape), h);
}

Tensor make_bf16(Shape shape, const std::vector<float>& values) {
  std::vector<BFloat16> h;
  for (float v : values) h.push_back(BFloat16(v));
  return Tensor::from_vector<BFloat16>(std::move(shape), h);
}

Tensor make_bool(Shape shape, const std::vector<bool>& values) {
  Tensor t(DataType::kBool, std::move(shape));
  for (size_t i = 0; i < values.size(); ++i) t.data<bool>()[i] = values[i];
  return t;
}

// Runs `test` and expects it to throw aruntime::Error with `code` whose message contains `text`.
void expect_error(OpTest& test, ErrorCode code, const std::string& text) {
  try {
    test.run();
    ADD_FAILURE() << "expected an error containing '" << text << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// ---- Rounding, Sign, Reciprocal --------------------------------------------------------------

TEST(CpuMathOpsTest, FloorCeilRoundHalfToEven) {
  const Tensor x = make<float>({2, 4}, {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 2.4f, -2.6f});
  expect_near(OpTest("Floor", 13).input(x).run()[0],
              make<float>({2, 4}, {-3, -2, -1, 0, 1, 2, 2, -3}));
  expect_near(OpTest("Ceil", 13).input(x).run()[0],
              make<float>({2, 4}, {-2, -1, -0.0f, 1, 2, 3, 3, -2}));
  // np.round rounds halves to the even neighbour.
  expect_near(OpTest("Round", 11).input(x).run()[0],
              make<float>({2, 4}, {-2, -2, -0.0f, 0, 2, 2, 2, -3}));
  expect_near(OpTest("Round", 22)
                  .input(make<double>({4}, {0.5000000000000001, -3.5, 1e16 + 2, 7.49999}))
                  .run()[0],
              make<double>({4}, {1, -4, 1.0000000000000002e+16, 7}), 0, 0);
  // bfloat16 from opset 13 (computed in float): np.floor of the same values.
  expect_near(OpTest("Floor", 13).input(make_bf16({3}, {-2.5f, 0.5f, 2.5f})).run()[0],
              make_bf16({3}, {-3, 0, 2}), 0, 0);
}

TEST(CpuMathOpsTest, RoundRejectsBFloat16BeforeOpset22) {
  OpTest test("Round", 21);
  test.input(make_bf16({1}, {0.5f}));
  expect_error(test, ErrorCode::kNotImplemented, "bfloat16");
}

TEST(CpuMathOpsTest, SignOfIntegersAndFloats) {
  expect_near(OpTest("Sign", 13).input(make<int8_t>({5}, {-128, -3, 0, 5, 127})).run()[0],
              make<int8_t>({5}, {-1, -1, 0, 1, 1}));
  expect_near(OpTest("Sign", 13).input(make<uint8_t>({3}, {0, 1, 255})).run()[0],
              make<uint8_t>({3}, {0, 1, 1}));
  expect_near(OpTest("Sign", 9).input(make<float>({5}, {-0.5f, 0, 3, kNaN, -kInf})).run()[0],
              make<float>({5}, {-1, 0, 1, kNaN, -1}));
}

TEST(CpuMathOpsTest, Reciprocal) {
  expect_near(OpTest("Reciprocal", 13).input(make<float>({3}, {-4, 0.5f, 3})).run()[0],
              make<float>({3}, {-0.25f, 2, 0.3333333432674408f}));
  // 1 / +-0 is +-inf (expect_near cannot compare infinities).
  const Tensor inf = OpTest("Reciprocal", 13).input(make<float>({2}, {0.0f, -0.0f})).run()[0];
  EXPECT_EQ(inf.data<float>()[0], kInf);
  EXPECT_EQ(inf.data<float>()[1], -kInf);
  // np.reciprocal(np.float16([3, -0.25, 7]))
  expect_near(OpTest("Reciprocal", 6).input(make_f16({3}, {3, -0.25f, 7})).run()[0],
              make_f16({3}, {0.333251953125f, -4, 0.142822265625f}), 1e-3, 0);
}

// ---- IsNaN, IsInf ----------------------------------------------------------------------------

TEST(CpuMathOpsTest, IsNaNAndIsInf) {
  const Tensor x = make<float>({2, 3}, {1, kNaN, kInf, -kInf, 0, -kNaN});
  expect_near(OpTest("IsNaN", 13).input(x).run()[0],
              make_bool({2, 3}, {false, true, false, false, false, true}));
  expect_near(OpTest("IsInf", 10).input(x).run()[0],
              make_bool({2, 3}, {false, false, true, true, false, false}));
  expect_near(OpTest("IsInf", 10).attr("detect_negative", int64_t{0}).input(x).run()[0],
              make_bool({2, 3}, {false, false, true, false, false, false}));
  expect_near(OpTest("IsInf", 20).attr("detect_positive", int64_t{0}).input(x).run()[0],
              make_bool({2, 3}, {false, false, false, true, false, false}));
  const Tensor h = make_f16({3}, {kInf, kNaN, 65504});
  expect_near(OpTest("IsInf", 20).input(h).run()[0], make_bool({3}, {true, false, false}));
  expect_near(OpTest("IsNaN", 9).input(h).run()[0], make_bool({3}, {false, true, false}));

  // IsInf takes float16 only from opset 20.
  OpTest old_half("IsInf", 10);
  old_half.input(h);
  expect_error(old_half, ErrorCode::kNotImplemented, "float16");
}

// ---- Mod -------------------------------------------------------------------------------------

TEST(CpuMathOpsTest, ModIntegerSignRules) {
  const Tensor a = make<int32_t>({6}, {-7, 7, -7, 7, 0, 5});
  const Tensor b = make<int32_t>({6}, {3, -3, -3, 3, 4, 5});
  // fmod = 0: np.mod, the remainder takes the divisor's sign.
  expect_near(OpTest("Mod", 13).input(a).input(b).run()[0],
              make<int32_t>({6}, {2, -2, -1, 1, 0, 0}));
  // fmod = 1: np.fmod, the remainder takes the dividend's sign.
  expect_near(OpTest("Mod", 13).attr("fmod", int64_t{1}).input(a).input(b).run()[0],
              make<int32_t>({6}, {-1, 1, -1, 1, 0, 0}));
  // Broadcast, with INT8_MIN % -1 (which overflows in C++): np.mod(int8 [[-128,100,-5],[9,-9,127]],
  // int8 [-1,7,4]).
  expect_near(OpTest("Mod", 10)
                  .input(make<int8_t>({2, 3}, {-128, 100, -5, 9, -9, 127}))
                  .input(make<int8_t>({3}, {-1, 7, 4}))
                  .run()[0],
              make<int8_t>({2, 3}, {0, 2, 3, 0, 5, 3}));
  expect_near(OpTest("Mod", 13)
                  .input(make<uint16_t>({3}, {65535, 10, 3}))
                  .input(make<uint16_t>({3}, {256, 3, 7}))
                  .run()[0],
              make<uint16_t>({3}, {255, 1, 3}));
}

TEST(CpuMathOpsTest, ModFloatNeedsFmod) {
  // np.fmod(np.float32([5.5, -5.5, 5.5, -5.5, 1]), np.float32([2, 2, -2, -2, 0.3]))
  expect_near(OpTest("Mod", 13)
                  .attr("fmod", int64_t{1})
                  .input(make<float>({5}, {5.5f, -5.5f, 5.5f, -5.5f, 1}))
                  .input(make<float>({5}, {2, 2, -2, -2, 0.3f}))
                  .run()[0],
              make<float>({5}, {1.5f, -1.5f, 1.5f, -1.5f, 0.09999996423721313f}));
  // float16 (computed in float; fmod is exact so it rounds the same as numpy's float16 fmod).
  expect_near(OpTest("Mod", 13)
                  .attr("fmod", int64_t{1})
                  .input(make_f16({2}, {-7.5f, 7.5f}))
                  .input(make_f16({1}, {2}))
                  .run()[0],
              make_f16({2}, {-1.5f, 1.5f}), 0, 0);

  OpTest no_fmod("Mod", 13);
  no_fmod.input(make<float>({1}, {1})).input(make<float>({1}, {2}));
  expect_error(no_fmod, ErrorCode::kInvalidModel, "'fmod' must be 1");
}

TEST(CpuMathOpsTest, ModErrors) {
  OpTest zero("Mod", 13);
  zero.input(make<int64_t>({2}, {4, 5})).input(make<int64_t>({2}, {3, 0}));
  expect_error(zero, ErrorCode::kRuntimeError, "modulo by zero (input 1 [2], flat index 1)");

  OpTest types("Mod", 13);
  types.input(make<int64_t>({1}, {4})).input(make<int32_t>({1}, {3}));
  expect_error(types, ErrorCode::kRuntimeError, "input 1 must have the type int64");

  OpTest shapes("Mod", 13);
  shapes.input(make<int32_t>({2}, {4, 5})).input(make<int32_t>({3}, {1, 2, 3}));
  expect_error(shapes, ErrorCode::kRuntimeError, "cannot be broadcast");

  OpTest bad_attr("Mod", 13);
  bad_attr.attr("fmod", int64_t{2}).input(make<int32_t>({1}, {4})).input(make<int32_t>({1}, {3}));
  expect_error(bad_attr, ErrorCode::kInvalidModel, "'fmod' must be 0 or 1, got 2");
}

// ---- Bit operations --------------------------------------------------------------------------

TEST(CpuMathOpsTest, BitShift) {
  // np.left_shift(np.uint8([1, 3, 255, 7]), np.uint8([1, 7, 4, 8])): shifting by the width gives 0.
  expect_near(OpTest("BitShift", 11)
                  .attr("direction", std::string("LEFT"))
                  .input(make<uint8_t>({4}, {1, 3, 255, 7}))
                  .input(make<uint8_t>({4}, {1, 7, 4, 8}))
                  .run()[0],
              make<uint8_t>({4}, {2, 128, 240, 0}));
  // np.right_shift(np.uint32([[4294967295], [256]]), np.uint32([0, 4, 31, 32]))
  expect_near(OpTest("BitShift", 11)
                  .attr("direction", std::string("RIGHT"))
                  .input(make<uint32_t>({2, 1}, {4294967295u, 256}))
                  .input(make<uint32_t>({4}, {0, 4, 31, 32}))
                  .run()[0],
              make<uint32_t>({2, 4}, {4294967295u, 268435455u, 1, 0, 256, 16, 0, 0}));
  // uint64 left shift reaching the top bit; shift of 64 or more gives 0.
  auto wide = OpTest("BitShift", 11)
                  .attr("direction", std::string("LEFT"))
                  .input(make<uint64_t>({3}, {1, 1, 3}))
                  .input(make<uint64_t>({3}, {63, 64, 1000}))
                  .run()[0];
  EXPECT_EQ(wide.data<uint64_t>()[0], uint64_t{1} << 63);
  EXPECT_EQ(wide.data<uint64_t>()[1], 0u);
  EXPECT_EQ(wide.data<uint64_t>()[2], 0u);

  OpTest bad("BitShift", 11);
  bad.attr("direction", std::string("left"))
      .input(make<uint8_t>({1}, {1}))
      .input(make<uint8_t>({1}, {1}));
  expect_error(bad, ErrorCode::kInvalidModel, "'direction' must be \"LEFT\" or \"RIGHT\"");
  OpTest missing("BitShift", 11);
  missing.input(make<uint8_t>({1}, {1})).input(make<uint8_t>({1}, {1}));
  expect_error(missing, ErrorCode::kInvalidModel, "'direction'");
}

TEST(CpuMathOpsTest, BitwiseAndOrXorNot) {
  const Tensor a = make<int16_t>({2, 2}, {-1, 0x0f0f, -32768, 12345});
  const Tensor b = make<int16_t>({2}, {0x00ff, -256});
  expect_near(OpTest("BitwiseAnd", 18).input(a).input(b).run()[0],
              make<int16_t>({2, 2}, {255, 3840, 0, 12288}));
  expect_near(OpTest("BitwiseOr", 18).input(a).input(b).run()[0],
              make<int16_t>({2, 2}, {-1, -241, -32513, -199}));
  expect_near(OpTest("BitwiseXor", 18).input(a).input(b).run()[0],
              make<int16_t>({2, 2}, {-256, -4081, -32513, -12487}));
  expect_near(OpTest("BitwiseNot", 18).input(make<int8_t>({4}, {0, -1, 127, -128})).run()[0],
              make<int8_t>({4}, {-1, 0, -128, 127}));
  expect_near(OpTest("BitwiseNot", 18).input(make<uint16_t>({3}, {0, 65535, 1})).run()[0],
              make<uint16_t>({3}, {65535, 0, 65534}));

  OpTest floats("BitwiseAnd", 18);
  floats.input(make<float>({1}, {1})).input(make<float>({1}, {1}));
  expect_error(floats, ErrorCode::kNotImplemented, "float32");
}

// ---- Trigonometric and hyperbolic ------------------------------------------------------------

TEST(CpuMathOpsTest, TrigonometricFloat) {
  const Tensor x = make<float>({5}, {-0.9f, -0.3f, 0, 0.4f, 0.8f});
  expect_near(OpTest("Sin", 7).input(x).run()[0],
              make<float>({5}, {-0.7833269238471985f, -0.29552021622657776f, 0, 0.3894183337688446f,
                                0.7173560857772827f}));
  expect_near(OpTest("Cos", 7).input(x).run()[0],
              make<float>({5}, {0.6216099858283997f, 0.9553365111351013f, 1, 0.9210609793663025f,
                                0.6967067122459412f}));
  expect_near(OpTest("Tan", 7).input(x).run()[0],
              make<float>({5}, {-1.2601580619812012f, -0.30933627486228943f, 0, 0.4227932393550873f,
                                1.0296385288238525f}));
  expect_near(OpTest("Asin", 7).input(x).run()[0],
              make<float>({5}, {-1.11976957321167f, -0.30469265580177307f, 0, 0.41151684522628784f,
                                0.9272952675819397f}));
  expect_near(OpTest("Acos", 7).input(x).run()[0],
              make<float>({5}, {2.690565824508667f, 1.8754889965057373f, 1.5707963705062866f,
                                1.1592795848846436f, 0.6435011029243469f}));
  expect_near(OpTest("Atan", 22).input(x).run()[0],
              make<float>({5}, {-0.7328150868415833f, -0.29145681858062744f, 0,
                                0.38050636649131775f, 0.6747409701347351f}));
  // Large arguments exercise the range reduction of the vectorised sin/cos.
  const Tensor big = make<float>({4}, {100, -1000, 12345.5f, 3.1415927f});
  expect_near(OpTest("Sin", 7).input(big).run()[0],
              make<float>({4}, {-0.5063656568527222f, -0.8268795609474182f, -0.8186914920806885f,
                                -8.742277657347586e-08f}),
              1e-5, 1e-6);
  expect_near(OpTest("Cos", 7).input(big).run()[0],
              make<float>({4}, {0.8623188734054565f, 0.5623790621757507f, 0.5742335915565491f, -1}),
              1e-5, 1e-6);
  // np.sin(np.float16([0.5, -2, 3]))
  expect_near(OpTest("Sin", 7).input(make_f16({3}, {0.5f, -2, 3})).run()[0],
              make_f16({3}, {0.4794921875f, -0.9091796875f, 0.14111328125f}), 1e-3, 0);
  // Out of the domain: np.arcsin(2) is nan.
  expect_near(OpTest("Asin", 7).input(make<float>({1}, {2})).run()[0], make<float>({1}, {kNaN}));
}

TEST(CpuMathOpsTest, HyperbolicDouble) {
  const Tensor x = make<double>({4}, {-2, -0.5, 0.25, 1.5});
  expect_near(OpTest("Sinh", 9).input(x).run()[0],
              make<double>({4}, {-3.6268604078470186, -0.5210953054937474, 0.2526123168081683,
                                 2.1292794550948173}),
              1e-12, 0);
  expect_near(OpTest("Cosh", 9).input(x).run()[0],
              make<double>({4}, {3.7621956910836314, 1.1276259652063807, 1.0314130998795732,
                                 2.352409615243247}),
              1e-12, 0);
  expect_near(OpTest("Asinh", 9).input(x).run()[0],
              make<double>({4}, {-1.4436354751788103, -0.48121182505960347, 0.24746646154726346,
                                 1.1947632172871092}),
              1e-12, 0);
  expect_near(OpTest("Atanh", 9).input(make<double>({4}, {-0.75, -0.5, 0.25, 0.5})).run()[0],
              make<double>({4}, {-0.9729550745276566, -0.5493061443340549, 0.25541281188299536,
                                 0.5493061443340549}),
              1e-12, 0);
  expect_near(OpTest("Acosh", 22).input(make<double>({4}, {1, 1.5, 10, 0.5})).run()[0],
              make<double>({4}, {0, 0.9624236501192069, 2.993222846126381, NAN}), 1e-12, 0);
}

TEST(CpuMathOpsTest, SinLargeTensorMatchesScalarSin) {
  // Spans across threads and the 512-element float16 blocks; the reference is std::sin in double
  // (independent of the vectorised float kernel under test), so the tolerance is float's.
  const int64_t n = 20000;
  std::vector<float> x(n), expected(n);
  for (int64_t i = 0; i < n; ++i) {
    x[i] = static_cast<float>(i - n / 2) * 0.01f;
    expected[i] = static_cast<float>(std::sin(static_cast<double>(x[i])));
  }
  expect_near(OpTest("Sin", 7).input(make<float>({n}, x)).run()[0], make<float>({n}, expected),
              1e-5, 1e-6);
}

// ---- Activations -----------------------------------------------------------------------------

const std::vector<float> kActivationInput = {-3, -1, -0.25f, 0, 0.5f, 2};

TEST(CpuMathOpsTest, SoftplusSoftsign) {
  const Tensor x = make<float>({2, 3}, kActivationInput);
  // np.log1p(np.exp(x.astype(np.float64))).astype(np.float32)
  expect_near(OpTest("Softplus", 1).input(x).run()[0],
              make<float>({2, 3}, {0.04858735203742981f, 0.3132616877555847f, 0.575939416885376f,
                                   0.6931471824645996f, 0.9740769863128662f, 2.1269280910491943f}));
  // Large magnitudes: np.logaddexp(0, [100, -100, 30]); exp(100) overflows float32.
  expect_near(OpTest("Softplus", 22).input(make<float>({3}, {100, -100, 30})).run()[0],
              make<float>({3}, {100, 3.783505853677006e-44f, 30}), 1e-5, 0);
  // x / (1 + |x|)
  expect_near(OpTest("Softsign", 1).input(x).run()[0],
              make<float>({2, 3}, {-0.75f, -0.5f, -0.20000000298023224f, 0, 0.3333333432674408f,
                                   0.6666666865348816f}));
}

TEST(CpuMathOpsTest, EluSeluCelu) {
  const Tensor x = make<float>({6}, kActivationInput);
  expect_near(OpTest("Elu", 6).input(x).run()[0],
              make<float>({6}, {-0.9502129554748535f, -0.6321205496788025f, -0.22119921445846558f,
                                0, 0.5f, 2}));
  expect_near(OpTest("Elu", 22).attr("alpha", 0.5f).input(x).run()[0],
              make<float>({6}, {-0.47510647773742676f, -0.31606027483940125f, -0.11059960722923279f,
                                0, 0.5f, 2}));
  // gamma * where(x > 0, x, alpha * expm1(x)) with the opset-6 default alpha and gamma.
  expect_near(OpTest("Selu", 6).input(x).run()[0],
              make<float>({6}, {-1.6705687046051025f, -1.1113307476043701f, -0.38889020681381226f,
                                0, 0.5253505110740662f, 2.1014020442962646f}));
  // max(0, x) + min(0, alpha * (exp(x / alpha) - 1)) with alpha = 2 and alpha = -1.5.
  expect_near(OpTest("Celu", 12).attr("alpha", 2.0f).input(x).run()[0],
              make<float>({6}, {-1.5537396669387817f, -0.7869386672973633f, -0.2350061982870102f, 0,
                                0.5f, 2}));
  expect_near(OpTest("Celu", 12).attr("alpha", -1.5f).input(x).run()[0],
              make<float>({6}, {-9.58358383178711f, -1.4216010570526123f, -0.27204060554504395f, 0,
                                0.5f, 2}));

  OpTest zero_alpha("Celu", 12);
  zero_alpha.attr("alpha", 0.0f).input(x);
  expect_error(zero_alpha, ErrorCode::kInvalidModel, "'alpha' must not be 0");
}

TEST(CpuMathOpsTest, ThresholdedReluMish) {
  const Tensor x = make<float>({6}, kActivationInput);
  // np.where(x > alpha, x, 0): x == alpha maps to 0.
  expect_near(OpTest("ThresholdedRelu", 10).attr("alpha", 0.5f).input(x).run()[0],
              make<float>({6}, {0, 0, 0, 0, 0, 2}));
  expect_near(OpTest("ThresholdedRelu", 10).input(x).run()[0],
              make<float>({6}, {0, 0, 0, 0, 0, 2}));
  // x * tanh(log1p(exp(x))) in float64
  expect_near(OpTest("Mish", 18).input(x).run()[0],
              make<float>({6}, {-0.14564746618270874f, -0.30340147018432617f, -0.12992696464061737f,
                                0, 0.37524521350860596f, 1.9439589977264404f}));
}

TEST(CpuMathOpsTest, GeluExactAndTanh) {
  const Tensor x = make<float>({6}, kActivationInput);
  // 0.5 * x * (1 + math.erf(x / sqrt(2))) in float64
  expect_near(
      OpTest("Gelu", 20).input(x).run()[0],
      make<float>({6}, {-0.004049694165587425f, -0.15865525603294373f, -0.10032341629266739f, 0,
                        0.3457312285900116f, 1.9544997215270996f}),
      1e-5, 1e-6);
  // 0.5 * x * (1 + np.tanh(sqrt(2 / pi) * (x + 0.044715 * x**3))) in float64
  expect_near(
      OpTest("Gelu", 20).attr("approximate", std::string("tanh")).input(x).run()[0],
      make<float>({6}, {-0.003637392073869705f, -0.15880800783634186f, -0.10032464563846588f, 0,
                        0.3457140028476715f, 1.9545977115631104f}),
      1e-5, 1e-6);
  expect_near(OpTest("Gelu", 20).input(make<double>({3}, {-1.5, 0.1, 4})).run()[0],
              make<double>({3}, {-0.10021080190328713, 0.053982783727702904, 3.9998733150326675}),
              1e-12, 0);
  // bfloat16 (computed in float, rounded to bfloat16's 8-bit mantissa).
  expect_near(OpTest("Gelu", 20).input(make_bf16({3}, {-1.5f, 0.1f, 4})).run()[0],
              make_bf16({3}, {-0.10021080190328713f, 0.053982783727702904f, 3.9998733150326675f}),
              1e-2, 0);

  OpTest bad("Gelu", 20);
  bad.attr("approximate", std::string("fast")).input(x);
  expect_error(bad, ErrorCode::kInvalidModel, "'approximate' must be \"none\" or \"tanh\"");
}

TEST(CpuMathOpsTest, ShrinkFloatAndIntegers) {
  const Tensor x = make<float>({7}, {-2, -1, -0.5f, 0, 0.5f, 1, 2});
  expect_near(OpTest("Shrink", 9).input(x).run()[0], make<float>({7}, {-2, -1, 0, 0, 0, 1, 2}));
  expect_near(OpTest("Shrink", 9).attr("lambd", 1.0f).attr("bias", 1.0f).input(x).run()[0],
              make<float>({7}, {-1, 0, 0, 0, 0, 0, 1}));
  // Integers go through float64 and are truncated back, as the ONNX reference's astype does:
  // np.where(x < -1.5, x + 1.5, np.where(x > 1.5, x - 1.5, 0)).astype(np.int8)
  expect_near(OpTest("Shrink", 9)
                  .attr("lambd", 1.5f)
                  .attr("bias", 1.5f)
                  .input(make<int8_t>({7}, {-100, -3, -2, 0, 2, 3, 100}))
                  .run()[0],
              make<int8_t>({7}, {-98, -1, 0, 0, 0, 1, 98}));
  expect_near(OpTest("Shrink", 9)
                  .attr("lambd", 1.0f)
                  .attr("bias", 0.5f)
                  .input(make<uint8_t>({5}, {0, 1, 2, 200, 255}))
                  .run()[0],
              make<uint8_t>({5}, {0, 0, 1, 199, 254}));
}

// ---- PRelu -----------------------------------------------------------------------------------

TEST(CpuMathOpsTest, PReluBroadcastsSlopeToInput) {
  // X = np.arange(-6, 6).reshape(2, 3, 2), slope [[0.1], [0.2], [0.3]]: np.where(X > 0, X, X * S)
  const Tensor x = make<float>({2, 3, 2}, {-6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5});
  expect_near(OpTest("PRelu", 16).input(x).input(make<float>({3, 1}, {0.1f, 0.2f, 0.3f})).run()[0],
              make<float>({2, 3, 2},
                          {-0.6000000238418579f, -0.5f, -0.800000011920929f, -0.6000000238418579f,
                           -0.6000000238418579f, -0.30000001192092896f, 0, 1, 2, 3, 4, 5}));
  expect_near(OpTest("PRelu", 9)
                  .input(make<int32_t>({2, 2}, {-5, 3, -2, -1}))
                  .input(make<int32_t>({2}, {2, -3}))
                  .run()[0],
              make<int32_t>({2, 2}, {-10, 3, -4, 3}));
  // Opset 6: a one-element slope of any rank is shared by every element.
  expect_near(OpTest("PRelu", 6).input(x).input(make<float>({1, 1, 1, 1}, {0.5f})).run()[0],
              make<float>({2, 3, 2}, {-3, -2.5f, -2, -1.5f, -1, -0.5f, 0, 1, 2, 3, 4, 5}));
}

TEST(CpuMathOpsTest, PReluRejectsSlopeThatWidensOutput) {
  const Tensor x = make<float>({2, 3}, {-1, -2, -3, 4, 5, 6});
  OpTest wider("PRelu", 16);
  wider.input(x).input(make<float>({2, 1, 3}, {1, 2, 3, 4, 5, 6}));
  expect_error(wider, ErrorCode::kRuntimeError,
               "slope) of shape [2,1,3] does not broadcast unidirectionally to input 0 of shape "
               "[2,3]");
  OpTest legacy("PRelu", 6);
  legacy.input(x).input(make<float>({3}, {1, 2, 3}));
  expect_error(legacy, ErrorCode::kRuntimeError, "before opset 7");
}

}  // namespace
}  // namespace aruntime::testing
