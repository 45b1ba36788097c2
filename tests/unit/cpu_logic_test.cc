// CPU comparison, logic, Where and variadic Min/Max/Sum/Mean kernels against reference values.
// Unless a test says otherwise, the expected numbers were computed with numpy 2.4 (/tmp/venvtest)
// on the same inputs, with the function the ONNX reference implementation uses for the op
// (np.equal, np.less, np.logical_and, np.where, np.minimum folded left to right, ...).
#include <cmath>
#include <limits>
#include <string>

#include "tests/unit/op_test_util.h"

namespace aruntime::testing {
namespace {

template <typename T>
Tensor make(Shape shape, std::vector<T> values) {
  return Tensor::from_vector<T>(std::move(shape), values);
}

Tensor make_bool(Shape shape, const std::vector<int>& values) {
  std::vector<bool> b;
  for (int v : values) b.push_back(v != 0);
  return Tensor::from_vector<bool>(std::move(shape), b);
}

Tensor make_f16(Shape shape, const std::vector<float>& values) {
  std::vector<Float16> h;
  for (float v : values) h.push_back(Float16(v));
  return Tensor::from_vector<Float16>(std::move(shape), h);
}

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

// ---- Comparisons -----------------------------------------------------------------------------

TEST(CpuLogicTest, ComparisonsBroadcastRowToBoolOutput) {
  // a = [[1,2,3],[4,5,6]], b = [3,2,7] (float32), e.g. np.less(a, b).astype(int).ravel()
  const Tensor a = make<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor b = make<float>({3}, {3, 2, 7});
  const std::vector<std::pair<std::string, std::vector<int>>> cases = {
      {"Equal", {0, 1, 0, 0, 0, 0}},
      {"Less", {1, 0, 1, 0, 0, 1}},
      {"Greater", {0, 0, 0, 1, 1, 0}},
      {"LessOrEqual", {1, 1, 1, 0, 0, 1}},
      {"GreaterOrEqual", {0, 1, 0, 1, 1, 0}}};
  for (const auto& [op, expected] : cases) {
    SCOPED_TRACE(op);
    auto out = OpTest(op, 16).input(a).input(b).run();
    ASSERT_EQ(out[0].dtype(), DataType::kBool);
    expect_near(out[0], make_bool({2, 3}, expected));
  }
}

TEST(CpuLogicTest, ComparisonsWithNaNAreFalse) {
  // np.equal([1,nan,3], [1,nan,3]) = [T,F,T]; np.less([1,nan,3], 2) = [T,F,F]
  const Tensor x = make<float>({3}, {1, kNaN, 3});
  auto eq = OpTest("Equal", 13).input(x).input(x).run();
  expect_near(eq[0], make_bool({3}, {1, 0, 1}));
  auto lt = OpTest("Less", 13).input(x).input(Tensor::scalar<float>(2)).run();
  expect_near(lt[0], make_bool({3}, {1, 0, 0}));
}

TEST(CpuLogicTest, GreaterOrEqualInt64BroadcastsBothWays) {
  // np.greater_equal(np.arange(6).reshape(2,3,1), np.array([1,3])) -> shape (2,3,2)
  auto out = OpTest("GreaterOrEqual", 12)
                 .input(make<int64_t>({2, 3, 1}, {0, 1, 2, 3, 4, 5}))
                 .input(make<int64_t>({2}, {1, 3}))
                 .run();
  expect_near(out[0], make_bool({2, 3, 2}, {0, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1}));
}

TEST(CpuLogicTest, EqualBoolFloat16AndString) {
  // Bool equality is XNOR.
  auto b = OpTest("Equal", 11)
               .input(make_bool({4}, {1, 1, 0, 0}))
               .input(make_bool({4}, {1, 0, 1, 0}))
               .run();
  expect_near(b[0], make_bool({4}, {1, 0, 0, 1}));

  // np.float16(0.1) == np.float16(0.1) is True; 0.1 vs 0.2 False; -0 == 0 True.
  auto h = OpTest("Equal", 13)
               .input(make_f16({3}, {0.1f, 0.1f, -0.0f}))
               .input(make_f16({3}, {0.1f, 0.2f, 0.0f}))
               .run();
  expect_near(h[0], make_bool({3}, {1, 0, 1}));

  // np.equal(np.array([['a','bc'],['','x']], object), np.array(['bc','x'], object))
  auto s = OpTest("Equal", 19)
               .input(make<std::string>({2, 2}, {"a", "bc", "", "x"}))
               .input(make<std::string>({2}, {"bc", "x"}))
               .run();
  expect_near(s[0], make_bool({2, 2}, {0, 0, 0, 1}));
}

TEST(CpuLogicTest, ComparisonTypesFollowTheOpset) {
  // Strings are comparable from Equal-19, integers ordered from Less-9.
  OpTest string_equal("Equal", 18);
  string_equal.input(make<std::string>({1}, {"a"})).input(make<std::string>({1}, {"a"}));
  expect_error(string_equal, ErrorCode::kNotImplemented, "string");
  OpTest int_less("Less", 8);
  int_less.input(make<int32_t>({1}, {1})).input(make<int32_t>({1}, {2}));
  expect_error(int_less, ErrorCode::kNotImplemented, "int32");
}

TEST(CpuLogicTest, ComparisonErrors) {
  OpTest shapes("Greater", 13);
  shapes.input(make<float>({2, 3}, {1, 2, 3, 4, 5, 6})).input(make<float>({2}, {1, 2}));
  expect_error(shapes, ErrorCode::kRuntimeError,
               "node 'test_Greater' (Greater): input shapes [2,3] and [2] cannot be broadcast");
  OpTest types("Equal", 13);
  types.input(make<float>({1}, {1})).input(make<int32_t>({1}, {1}));
  expect_error(types, ErrorCode::kRuntimeError, "input 1 must have the type float32 of input 0");
}

// ---- Boolean logic ---------------------------------------------------------------------------

TEST(CpuLogicTest, AndOrXorBroadcastColumnAgainstRow) {
  // p = [[T],[F]], q = [T,F,T]: np.logical_and/or/xor(p, q).astype(int).ravel()
  const Tensor p = make_bool({2, 1}, {1, 0});
  const Tensor q = make_bool({3}, {1, 0, 1});
  auto a = OpTest("And", 7).input(p).input(q).run();
  expect_near(a[0], make_bool({2, 3}, {1, 0, 1, 0, 0, 0}));
  auto o = OpTest("Or", 7).input(p).input(q).run();
  expect_near(o[0], make_bool({2, 3}, {1, 1, 1, 1, 0, 1}));
  auto x = OpTest("Xor", 7).input(p).input(q).run();
  expect_near(x[0], make_bool({2, 3}, {0, 1, 0, 1, 0, 1}));
}

TEST(CpuLogicTest, NotAndNonBoolInput) {
  auto out = OpTest("Not", 1).input(make_bool({2, 2}, {1, 0, 0, 1})).run();
  expect_near(out[0], make_bool({2, 2}, {0, 1, 1, 0}));
  OpTest bad("And", 7);
  bad.input(make<int32_t>({1}, {1})).input(make_bool({1}, {1}));
  expect_error(bad, ErrorCode::kNotImplemented, "input 0 has type int32");
}

// ---- Where -----------------------------------------------------------------------------------

TEST(CpuLogicTest, WhereBroadcastsConditionAndOperands) {
  // np.where([T,F,T], [[1,2,3],[4,5,6]], [[-1],[-2]]) -> (2,3)
  auto out = OpTest("Where", 16)
                 .input(make_bool({3}, {1, 0, 1}))
                 .input(make<float>({2, 3}, {1, 2, 3, 4, 5, 6}))
                 .input(make<float>({2, 1}, {-1, -2}))
                 .run();
  expect_near(out[0], make<float>({2, 3}, {1, -1, 3, 4, -2, 6}));
}

TEST(CpuLogicTest, WhereStringsAndScalarOperand) {
  // np.where([[T],[F]], np.array(['a','b'], object), np.array(['z'], object)) -> [[a,b],[z,z]]
  auto out = OpTest("Where", 9)
                 .input(make_bool({2, 1}, {1, 0}))
                 .input(make<std::string>({2}, {"a", "b"}))
                 .input(make<std::string>({1}, {"z"}))
                 .run();
  expect_near(out[0], make<std::string>({2, 2}, {"a", "b", "z", "z"}));
}

TEST(CpuLogicTest, WhereLargeThreeWayBroadcast) {
  // Large enough to be split over threads, so segments start mid-row; the expected values follow
  // from the definition out[i,j,k] = cond[i,0,k] ? x[0,j,k] : y[i,j,0].
  const int64_t n0 = 40, n1 = 30, n2 = 50;
  std::vector<bool> cond(n0 * n2);
  std::vector<int32_t> x(n1 * n2), y(n0 * n1), expected(n0 * n1 * n2);
  for (int64_t i = 0; i < n0 * n2; ++i) cond[i] = (i * 7) % 3 == 0;
  for (int64_t i = 0; i < n1 * n2; ++i) x[i] = static_cast<int32_t>(i);
  for (int64_t i = 0; i < n0 * n1; ++i) y[i] = -static_cast<int32_t>(i) - 1;
  for (int64_t i = 0; i < n0; ++i) {
    for (int64_t j = 0; j < n1; ++j) {
      for (int64_t k = 0; k < n2; ++k) {
        expected[(i * n1 + j) * n2 + k] = cond[i * n2 + k] ? x[j * n2 + k] : y[i * n1 + j];
      }
    }
  }
  auto out = OpTest("Where", 16)
                 .input(Tensor::from_vector<bool>({n0, 1, n2}, cond))
                 .input(make<int32_t>({1, n1, n2}, x))
                 .input(make<int32_t>({n0, n1, 1}, y))
                 .run();
  expect_near(out[0], make<int32_t>({n0, n1, n2}, expected));
}

TEST(CpuLogicTest, WhereErrors) {
  OpTest cond_type("Where", 16);
  cond_type.input(make<int32_t>({1}, {1}))
      .input(make<float>({1}, {1}))
      .input(make<float>({1}, {2}));
  expect_error(cond_type, ErrorCode::kNotImplemented, "input 0 has type int32");
  OpTest value_types("Where", 16);
  value_types.input(make_bool({1}, {1})).input(make<float>({1}, {1})).input(make<double>({1}, {2}));
  expect_error(value_types, ErrorCode::kRuntimeError,
               "input 2 must have the type float32 of input 1");
  OpTest shapes("Where", 16);
  shapes.input(make_bool({2}, {1, 0}))
      .input(make<float>({3}, {1, 2, 3}))
      .input(make<float>({1}, {0}));
  expect_error(shapes, ErrorCode::kRuntimeError,
               "input shapes [2], [3] and [1] cannot be broadcast");
}

// ---- Variadic Min / Max / Sum / Mean ---------------------------------------------------------

TEST(CpuLogicTest, VariadicThreeInputsBroadcast) {
  // m0 = [[3,1,4],[1,5,9]], m1 = [2,7,1], m2 = [[6],[0]] (float32):
  // np.minimum(np.minimum(m0, m1), m2), likewise np.maximum, m0 + m1 + m2, (m0 + m1 + m2) / 3
  auto inputs = [](OpTest test) {
    return test.input(make<float>({2, 3}, {3, 1, 4, 1, 5, 9}))
        .input(make<float>({3}, {2, 7, 1}))
        .input(make<float>({2, 1}, {6, 0}))
        .run();
  };
  expect_near(inputs(OpTest("Min", 13))[0], make<float>({2, 3}, {2, 1, 1, 0, 0, 0}));
  expect_near(inputs(OpTest("Max", 13))[0], make<float>({2, 3}, {6, 7, 6, 2, 7, 9}));
  expect_near(inputs(OpTest("Sum", 13))[0], make<float>({2, 3}, {11, 14, 11, 3, 12, 10}));
  expect_near(inputs(OpTest("Mean", 13))[0],
              make<float>({2, 3}, {3.6666667f, 4.6666665f, 3.6666667f, 1, 4, 3.3333333f}));
}

TEST(CpuLogicTest, MinMaxPropagateNaN) {
  // np.minimum([1,nan,3,nan], [nan,2,1,nan]) = [nan,nan,1,nan]; np.maximum: [nan,nan,3,nan]
  const Tensor a = make<float>({4}, {1, kNaN, 3, kNaN});
  const Tensor b = make<float>({4}, {kNaN, 2, 1, kNaN});
  auto mn = OpTest("Min", 13).input(a).input(b).run();
  expect_near(mn[0], make<float>({4}, {kNaN, kNaN, 1, kNaN}));
  auto mx = OpTest("Max", 13).input(a).input(b).run();
  expect_near(mx[0], make<float>({4}, {kNaN, kNaN, 3, kNaN}));
}

TEST(CpuLogicTest, MinMaxIntegersAndOneInput) {
  // np.minimum(np.int8([-5,100,7]), np.int8([3])) = [-5,3,3]
  auto i8 =
      OpTest("Min", 13).input(make<int8_t>({3}, {-5, 100, 7})).input(make<int8_t>({1}, {3})).run();
  expect_near(i8[0], make<int8_t>({3}, {-5, 3, 3}));
  // np.maximum(np.uint64([0,2**64-1,5]), np.uint64([1,0,9])) = [1, 2**64-1, 9]
  const uint64_t top = std::numeric_limits<uint64_t>::max();
  auto u64 = OpTest("Max", 12)
                 .input(make<uint64_t>({3}, {0, top, 5}))
                 .input(make<uint64_t>({3}, {1, 0, 9}))
                 .run();
  ASSERT_EQ(u64[0].dtype(), DataType::kUInt64);
  EXPECT_EQ(u64[0].data<uint64_t>()[0], 1u);
  EXPECT_EQ(u64[0].data<uint64_t>()[1], top);
  EXPECT_EQ(u64[0].data<uint64_t>()[2], 9u);
  // A single input is copied.
  auto one = OpTest("Max", 13).input(make<int32_t>({2}, {4, -4})).run();
  expect_near(one[0], make<int32_t>({2}, {4, -4}));
}

TEST(CpuLogicTest, SumAndMeanFloat16RoundEachStep) {
  // h0 = f16[0.1,0.2,0.3], h1 = f16[0.7]*3, h2 = f16[1000,1,2]; numpy f16 arithmetic:
  // (h0 + h1) + h2 = [1001, 1.900390625, 3]; Mean: that / 3 = [333.75, 0.63330078125, 1]
  auto inputs = [](OpTest test) {
    return test.input(make_f16({3}, {0.1f, 0.2f, 0.3f}))
        .input(make_f16({3}, {0.7f, 0.7f, 0.7f}))
        .input(make_f16({3}, {1000, 1, 2}))
        .run();
  };
  expect_near(inputs(OpTest("Sum", 13))[0], make_f16({3}, {1001, 1.900390625f, 3}), 0, 0);
  expect_near(inputs(OpTest("Mean", 13))[0], make_f16({3}, {333.75f, 0.63330078125f, 1}), 0, 0);
}

TEST(CpuLogicTest, VariadicErrorsAndOpsetRules) {
  // Before opset 8 Min/Max/Sum/Mean do not broadcast.
  OpTest old("Sum", 7);
  old.input(make<float>({2, 3}, {1, 2, 3, 4, 5, 6})).input(make<float>({3}, {1, 2, 3}));
  expect_error(old, ErrorCode::kRuntimeError, "before opset 8 all inputs must have one shape");
  OpTest types("Max", 13);
  types.input(make<float>({1}, {1})).input(make<float>({1}, {2})).input(make<double>({1}, {3}));
  expect_error(types, ErrorCode::kRuntimeError, "input 2 must have the type float32 of input 0");
  OpTest shapes("Min", 13);
  shapes.input(make<float>({2}, {1, 2})).input(make<float>({3}, {1, 2, 3}));
  expect_error(shapes, ErrorCode::kRuntimeError, "input shapes [2] and [3] cannot be broadcast");
  // Integers are accepted by Min-12 but not by Sum.
  OpTest int_sum("Sum", 13);
  int_sum.input(make<int32_t>({1}, {1})).input(make<int32_t>({1}, {2}));
  expect_error(int_sum, ErrorCode::kNotImplemented, "int32");
}

}  // namespace
}  // namespace aruntime::testing
