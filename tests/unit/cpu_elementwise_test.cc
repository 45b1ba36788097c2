// CPU elementwise kernels against reference values. Unless a test says otherwise, the expected
// numbers were computed with numpy 2.4 (/tmp/venvtest) on the same inputs, e.g.
// `np.array([[1,2,3],[4,5,6]], np.float32) + np.array([10,20,30], np.float32)`.
#include <cmath>
#include <limits>

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

// Runs `op` and expects it to throw aruntime::Error with `code` whose message contains `text`.
void expect_error(OpTest& test, ErrorCode code, const std::string& text) {
  try {
    test.run();
    ADD_FAILURE() << "expected an error containing '" << text << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

// ---- Binary arithmetic -----------------------------------------------------------------------

TEST(CpuElementwiseTest, AddBroadcastsRowVector) {
  auto out = OpTest("Add", 14)
                 .input(make<float>({2, 3}, {1, 2, 3, 4, 5, 6}))
                 .input(make<float>({3}, {10, 20, 30}))
                 .run();
  expect_near(out[0], make<float>({2, 3}, {11, 22, 33, 14, 25, 36}));
}

TEST(CpuElementwiseTest, SubBroadcastsBothWays) {
  // np.arange(6, dtype=np.float32).reshape(2,1,3) - np.array([[1],[2],[3],[4]], np.float32)
  auto out = OpTest("Sub", 14)
                 .input(make<float>({2, 1, 3}, {0, 1, 2, 3, 4, 5}))
                 .input(make<float>({4, 1}, {1, 2, 3, 4}))
                 .run();
  expect_near(out[0], make<float>({2, 4, 3}, {-1, 0, 1, -2, -1, 0, -3, -2, -1, -4, -3, -2,
                                              2,  3, 4, 1,  2,  3, 0,  1,  2,  -1, 0,  1}));
}

TEST(CpuElementwiseTest, AddScalarAndLargeTensorUsesAllPaths) {
  // Large enough to be split over threads; the expected values follow from the definition.
  const int64_t rows = 500, cols = 300;
  std::vector<float> a(rows * cols), bias(cols), expected(rows * cols);
  for (int64_t i = 0; i < rows * cols; ++i) a[i] = static_cast<float>(i % 97) * 0.5f;
  for (int64_t j = 0; j < cols; ++j) bias[j] = static_cast<float>(j) - 100.0f;
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) expected[i * cols + j] = a[i * cols + j] + bias[j];
  }
  auto out =
      OpTest("Add", 14).input(make<float>({rows, cols}, a)).input(make<float>({cols}, bias)).run();
  expect_near(out[0], make<float>({rows, cols}, expected));

  // Scalar on the left: 2 - a.
  std::vector<float> expected_sub(rows * cols);
  for (int64_t i = 0; i < rows * cols; ++i) expected_sub[i] = 2.0f - a[i];
  auto sub = OpTest("Sub", 14)
                 .input(Tensor::scalar<float>(2.0f))
                 .input(make<float>({rows, cols}, a))
                 .run();
  expect_near(sub[0], make<float>({rows, cols}, expected_sub));
}

TEST(CpuElementwiseTest, MulUint8Wraps) {
  // np.array([200,3,255], np.uint8) * np.array([2], np.uint8) -> [144, 6, 254]
  auto out = OpTest("Mul", 14)
                 .input(make<uint8_t>({3}, {200, 3, 255}))
                 .input(make<uint8_t>({1}, {2}))
                 .run();
  expect_near(out[0], make<uint8_t>({3}, {144, 6, 254}));
}

TEST(CpuElementwiseTest, DivFloatAndIntegerTruncation) {
  auto f = OpTest("Div", 14)
               .input(make<float>({3}, {1, -3, 7}))
               .input(make<float>({3}, {4, 2, -8}))
               .run();
  expect_near(f[0], make<float>({3}, {0.25f, -1.5f, -0.875f}));

  // C++ truncation toward zero (not numpy's floor): -7/2 = -3, 7/-2 = -3; INT32_MIN / -1 wraps.
  const int32_t min32 = std::numeric_limits<int32_t>::min();
  auto i = OpTest("Div", 14)
               .input(make<int32_t>({4}, {-7, 7, 9, min32}))
               .input(make<int32_t>({4}, {2, -2, 3, -1}))
               .run();
  expect_near(i[0], make<int32_t>({4}, {-3, -3, 3, min32}));
}

TEST(CpuElementwiseTest, IntegerDivisionByZeroThrows) {
  OpTest test("Div", 14);
  test.input(make<int64_t>({2}, {4, 5})).input(make<int64_t>({2}, {1, 0}));
  expect_error(test, ErrorCode::kRuntimeError, "division by zero");
}

TEST(CpuElementwiseTest, BinaryErrors) {
  OpTest shapes("Add", 14);
  shapes.input(make<float>({2, 3}, {1, 2, 3, 4, 5, 6})).input(make<float>({2}, {1, 2}));
  expect_error(shapes, ErrorCode::kRuntimeError,
               "node 'test_Add' (Add): input shapes [2,3] and [2]");

  OpTest types("Add", 14);
  types.input(make<float>({1}, {1})).input(make<double>({1}, {1}));
  expect_error(types, ErrorCode::kRuntimeError, "same type");
}

TEST(CpuElementwiseTest, AddFloat16AndBFloat16) {
  // np.float16([0.5, 1.5, -2]) + np.float16(0.25) = [0.75, 1.75, -1.75]
  auto h = OpTest("Add", 14)
               .input(make_f16({3}, {0.5f, 1.5f, -2.0f}))
               .input(make_f16({}, {0.25f}))
               .run();
  expect_near(h[0], make_f16({3}, {0.75f, 1.75f, -1.75f}));
  auto b = OpTest("Mul", 14)
               .input(make_bf16({2}, {1.5f, -3.0f}))
               .input(make_bf16({2}, {2.0f, 0.5f}))
               .run();
  expect_near(b[0], make_bf16({2}, {3.0f, -1.5f}));
}

// ---- Pow -------------------------------------------------------------------------------------

TEST(CpuElementwiseTest, PowMixedTypes) {
  // np.power(np.float32([1.5, 2, 3]), np.int64([2, -1, 3])).astype(np.float32) = [2.25, 0.5, 27]
  auto f = OpTest("Pow", 15)
               .input(make<float>({3}, {1.5f, 2, 3}))
               .input(make<int64_t>({3}, {2, -1, 3}))
               .run();
  expect_near(f[0], make<float>({3}, {2.25f, 0.5f, 27}));

  // np.power(np.int32([2,3,4]), np.float32([0.5,2,1.5])).astype(np.int32) = [1, 9, 8]
  auto i = OpTest("Pow", 15)
               .input(make<int32_t>({3}, {2, 3, 4}))
               .input(make<float>({3}, {0.5f, 2, 1.5f}))
               .run();
  expect_near(i[0], make<int32_t>({3}, {1, 9, 8}));

  // int64 ** int64 by repeated squaring: 3**4 = 81, (-2)**5 = -32, 7**0 = 1
  auto ii = OpTest("Pow", 15)
                .input(make<int64_t>({3}, {3, -2, 7}))
                .input(make<int64_t>({3}, {4, 5, 0}))
                .run();
  expect_near(ii[0], make<int64_t>({3}, {81, -32, 1}));
}

TEST(CpuElementwiseTest, PowBroadcastAndSquare) {
  // np.power(np.float32([[1,2],[3,4]]), np.float32([2])) = [[1,4],[9,16]] (the x*x path);
  // np.power(np.float32([[4],[9]]), np.float32([0.5, 1])) = [[2,4],[3,9]]
  auto sq =
      OpTest("Pow", 15).input(make<float>({2, 2}, {1, 2, 3, 4})).input(make<float>({1}, {2})).run();
  expect_near(sq[0], make<float>({2, 2}, {1, 4, 9, 16}));
  auto b =
      OpTest("Pow", 15).input(make<float>({2, 1}, {4, 9})).input(make<float>({2}, {0.5f, 1})).run();
  expect_near(b[0], make<float>({2, 2}, {2, 4, 3, 9}));
}

// ---- Unary math ------------------------------------------------------------------------------

const std::vector<float> kActivationInput = {-2.0f, -0.5f, 0.0f, 0.5f, 1.0f, 3.0f};

TEST(CpuElementwiseTest, ExpTanhSigmoidErf) {
  const Tensor x = make<float>({2, 3}, kActivationInput);
  expect_near(
      OpTest("Exp", 13).input(x).run()[0],
      make<float>({2, 3}, {0.13533528f, 0.60653066f, 1.0f, 1.6487212f, 2.7182820f, 20.085537f}));
  expect_near(OpTest("Tanh", 13).input(x).run()[0],
              make<float>({2, 3}, {-0.96402758f, -0.46211720f, 0.0f, 0.46211720f, 0.76159418f,
                                   0.99505478f}));
  // 1 / (1 + np.exp(-x))
  expect_near(
      OpTest("Sigmoid", 13).input(x).run()[0],
      make<float>({2, 3}, {0.11920293f, 0.37754068f, 0.5f, 0.62245935f, 0.73105860f, 0.95257413f}));
  // math.erf on each value
  expect_near(OpTest("Erf", 13).input(x).run()[0],
              make<float>({2, 3}, {-0.99532227f, -0.52049988f, 0.0f, 0.52049988f, 0.84270079f,
                                   0.99997791f}));
}

TEST(CpuElementwiseTest, SqrtLogDouble) {
  const Tensor x = make<double>({4}, {0.25, 1, 2, 9});
  expect_near(OpTest("Sqrt", 13).input(x).run()[0],
              make<double>({4}, {0.5, 1, 1.4142135623730951, 3}), 1e-12, 0);
  expect_near(OpTest("Log", 13).input(x).run()[0],
              make<double>({4}, {-1.3862943611198906, 0, 0.6931471805599453, 2.1972245773362196}),
              1e-12, 0);
  // log(0) = -inf, sqrt(-1) = nan, as numpy gives.
  auto edge = OpTest("Log", 13).input(make<float>({2}, {0.0f, -1.0f})).run()[0];
  EXPECT_TRUE(std::isinf(edge.data<float>()[0]) && edge.data<float>()[0] < 0);
  EXPECT_TRUE(std::isnan(edge.data<float>()[1]));
}

TEST(CpuElementwiseTest, ExpFloat16) {
  // np.exp(np.float16([-1, 0, 0.5, 2])) = [0.3679, 1, 1.648, 7.39] (float16 results)
  auto out = OpTest("Exp", 13).input(make_f16({4}, {-1.0f, 0.0f, 0.5f, 2.0f})).run();
  expect_near(out[0], make_f16({4}, {0.367919921875f, 1.0f, 1.6484375f, 7.390625f}), 1e-3, 0);
}

TEST(CpuElementwiseTest, NegAbsReluIntegers) {
  // np.negative(np.int8([-128, -3, 0, 5])) = [-128, 3, 0, -5] (wraps like numpy)
  expect_near(OpTest("Neg", 13).input(make<int8_t>({4}, {-128, -3, 0, 5})).run()[0],
              make<int8_t>({4}, {-128, 3, 0, -5}));
  expect_near(OpTest("Abs", 13).input(make<int32_t>({3}, {-7, 0, 4})).run()[0],
              make<int32_t>({3}, {7, 0, 4}));
  expect_near(OpTest("Abs", 13).input(make<uint16_t>({2}, {7, 65535})).run()[0],
              make<uint16_t>({2}, {7, 65535}));
  expect_near(OpTest("Relu", 14).input(make<int64_t>({3}, {-4, 0, 9})).run()[0],
              make<int64_t>({3}, {0, 0, 9}));
  expect_near(OpTest("Relu", 14).input(make<float>({6}, kActivationInput)).run()[0],
              make<float>({6}, {0, 0, 0, 0.5f, 1, 3}));
}

TEST(CpuElementwiseTest, ActivationsWithAttributes) {
  const Tensor x = make<float>({6}, kActivationInput);
  // np.where(x > 0, x, x * 0.1)
  expect_near(OpTest("LeakyRelu", 16).attr("alpha", 0.1f).input(x).run()[0],
              make<float>({6}, {-0.2f, -0.05f, 0, 0.5f, 1, 3}));
  // np.clip(0.2 * x + 0.5, 0, 1) with the default alpha and beta
  expect_near(OpTest("HardSigmoid", 6).input(x).run()[0],
              make<float>({6}, {0.1f, 0.4f, 0.5f, 0.6f, 0.7f, 1.0f}));
  // x * np.clip(x / 6 + 0.5, 0, 1)
  expect_near(OpTest("HardSwish", 14).input(x).run()[0],
              make<float>({6}, {-0.33333331f, -0.20833333f, 0, 0.29166666f, 0.66666669f, 3}));
}

// ---- Clip ------------------------------------------------------------------------------------

TEST(CpuElementwiseTest, ClipAttributesBeforeOpset11) {
  auto out = OpTest("Clip", 6)
                 .attr("min", -1.0f)
                 .attr("max", 1.0f)
                 .input(make<float>({5}, {-3, -0.5f, 0, 0.5f, 3}))
                 .run();
  expect_near(out[0], make<float>({5}, {-1, -0.5f, 0, 0.5f, 1}));
}

TEST(CpuElementwiseTest, ClipInputsFromOpset11) {
  const Tensor x = make<float>({5}, {-3, -0.5f, 0, 0.5f, 3});
  auto both = OpTest("Clip", 13)
                  .input(x)
                  .input(Tensor::scalar<float>(-1.0f))
                  .input(Tensor::scalar<float>(0.25f))
                  .run();
  expect_near(both[0], make<float>({5}, {-1, -0.5f, 0, 0.25f, 0.25f}));
  // Only max given (min omitted): np.clip(x, None, 0)
  auto max_only =
      OpTest("Clip", 13).input(x).omitted_input().input(Tensor::scalar<float>(0.0f)).run();
  expect_near(max_only[0], make<float>({5}, {-3, -0.5f, 0, 0, 0}));
  // min > max: every value becomes max (ONNX spec).
  auto crossed = OpTest("Clip", 13)
                     .input(x)
                     .input(Tensor::scalar<float>(2.0f))
                     .input(Tensor::scalar<float>(1.0f))
                     .run();
  expect_near(crossed[0], make<float>({5}, {1, 1, 1, 1, 1}));
  // int8 with only min.
  auto i8 = OpTest("Clip", 13)
                .input(make<int8_t>({3}, {-100, 5, 127}))
                .input(Tensor::scalar<int8_t>(0))
                .run();
  expect_near(i8[0], make<int8_t>({3}, {0, 5, 127}));
}

TEST(CpuElementwiseTest, ClipFloat16AndBadBound) {
  auto h = OpTest("Clip", 13)
               .input(make_f16({3}, {-2.0f, 0.3f, 2.0f}))
               .input(make_f16({}, {-1.0f}))
               .input(make_f16({}, {1.0f}))
               .run();
  expect_near(h[0], make_f16({3}, {-1.0f, 0.3f, 1.0f}), 1e-3, 0);

  OpTest bad("Clip", 13);
  bad.input(make<float>({2}, {1, 2})).input(make<float>({2}, {0, 0}));
  expect_error(bad, ErrorCode::kRuntimeError, "must be a scalar");
}

}  // namespace
}  // namespace aruntime::testing
