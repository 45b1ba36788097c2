// Tests of the GPU elementwise family (providers/gpu/ops/elementwise_ops.cc): every op against the
// CPU provider in float32 and float16 (bfloat16 for the unary maps), the broadcasting shapes the
// device indexing distinguishes (flat, rows, general up to rank 5), odd and large sizes that hit
// the packed paths' tails, a few values derived by hand from the ONNX spec, and the nodes the GPU
// declines. All need a CUDA device and are skipped without one.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "tests/gpu/gpu_test_util.h"

namespace aruntime::gpu_testing {
namespace {

struct Tolerance {
  double rtol;
  double atol;
};

// Both providers compute half types in float and round once; where the float results straddle a
// rounding boundary they differ by one unit in the last place (2^-10 for float16, 2^-7 relative
// for bfloat16). float32 differs only by the float library's last-bit rounding.
Tolerance tolerance_for(DataType dtype) {
  switch (dtype) {
    case DataType::kFloat16:
      return {2e-3, 1e-3};
    case DataType::kBFloat16:
      return {1.6e-2, 1e-2};
    default:
      return {1e-4, 1e-5};
  }
}

const DataType kFloatTypes[] = {DataType::kFloat32, DataType::kFloat16};

Tensor floats(const Shape& shape, const std::vector<float>& v) {
  return Tensor::from_vector<float>(shape, v);
}

// `values` as a host tensor of the float type `dtype` (rounded to nearest even for half types).
Tensor as_float_type(DataType dtype, const Shape& shape, const std::vector<float>& values) {
  Tensor t(dtype, shape);
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    const float v = values[static_cast<size_t>(i)];
    if (dtype == DataType::kFloat32) t.data<float>()[i] = v;
    if (dtype == DataType::kFloat16) t.data<Float16>()[i] = Float16(v);
    if (dtype == DataType::kBFloat16) t.data<BFloat16>()[i] = BFloat16(v);
  }
  return t;
}

// Integer values in [lo, hi] stored in the float type `dtype`: comparisons, Max and Min then see
// ties, which uniform floats almost never give.
Tensor small_integers(DataType dtype, const Shape& shape, uint32_t seed, int lo = -2, int hi = 2) {
  const Tensor ints =
      random_tensor(DataType::kInt32, shape, seed, static_cast<float>(lo), static_cast<float>(hi));
  std::vector<float> values(static_cast<size_t>(ints.num_elements()));
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = static_cast<float>(ints.data<int32_t>()[i]);
  return as_float_type(dtype, shape, values);
}

std::string case_name(const std::string& op, DataType dtype, const Shape& a, const Shape& b = {}) {
  return op + " " + std::string(data_type_name(dtype)) + " " + a.to_string() + " " + b.to_string();
}

// ---- Unary maps ------------------------------------------------------------------------------

struct UnaryCase {
  const char* op;
  int64_t opset;
  float lo;  // input range
  float hi;
};

// Ranges keep Log/Sqrt/Reciprocal in their domains and cover both branches of the activations.
const UnaryCase kUnaryCases[] = {
    {"Relu", 17, -3, 3},          {"Sigmoid", 17, -12, 12},  {"Tanh", 17, -4, 4},
    {"Exp", 17, -5, 5},           {"Log", 17, 0.05f, 8},     {"Sqrt", 17, 0, 9},
    {"Reciprocal", 17, 0.25f, 4}, {"Neg", 17, -3, 3},        {"Abs", 17, -3, 3},
    {"Floor", 17, -3, 3},         {"Ceil", 17, -3, 3},       {"Round", 17, -3, 3},
    {"Sin", 17, -3, 3},           {"Cos", 17, -3, 3},        {"Sign", 17, -3, 3},
    {"Erf", 17, -3, 3},           {"Softplus", 17, -20, 20}, {"Softsign", 17, -3, 3},
    {"Elu", 17, -3, 3},           {"Selu", 17, -3, 3},       {"LeakyRelu", 17, -3, 3},
    {"HardSigmoid", 17, -4, 4},   {"HardSwish", 17, -5, 5},  {"Gelu", 20, -4, 4},
};

TEST(GpuElementwise, UnaryOpsMatchCpu) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 1;
  for (const UnaryCase& u : kUnaryCases) {
    for (DataType dtype : kFloatTypes) {
      for (const Shape& shape : {Shape{2, 3, 7}, Shape{1}, Shape{7}, Shape{0, 3}}) {
        SCOPED_TRACE(case_name(u.op, dtype, shape));
        GpuOpCase c(u.op, u.opset);
        c.input(random_tensor(dtype, shape, seed++, u.lo, u.hi));
        const Tolerance tol = tolerance_for(dtype);
        c.expect_gpu_matches_cpu(tol.rtol, tol.atol);
      }
    }
  }
}

// From opset 22 (13 for some) the unary schemas take bfloat16.
TEST(GpuElementwise, UnaryOpsMatchCpuInBFloat16) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 100;
  for (const UnaryCase& u : kUnaryCases) {
    SCOPED_TRACE(u.op);
    GpuOpCase c(u.op, 22);
    c.input(random_tensor(DataType::kBFloat16, {3, 5}, seed++, u.lo, u.hi));
    const Tolerance tol = tolerance_for(DataType::kBFloat16);
    c.expect_gpu_matches_cpu(tol.rtol, tol.atol);
  }
}

// 1000003 elements: the packed path over 250000 packs and a tail of 3 (and int64 indexing of a
// size that is not a multiple of the block size).
TEST(GpuElementwise, UnaryOpsMatchCpuOnLargeTensors) {
  ARUNTIME_REQUIRE_GPU();
  for (const char* op : {"Relu", "Sigmoid", "Gelu"}) {
    for (DataType dtype : kFloatTypes) {
      SCOPED_TRACE(case_name(op, dtype, {1000003}));
      GpuOpCase c(op, 20);
      c.input(random_tensor(dtype, {1000003}, 7, -4, 4));
      const Tolerance tol = tolerance_for(dtype);
      c.expect_gpu_matches_cpu(tol.rtol, tol.atol);
    }
  }
}

TEST(GpuElementwise, ActivationAttributesMatchCpu) {
  ARUNTIME_REQUIRE_GPU();
  for (DataType dtype : kFloatTypes) {
    SCOPED_TRACE(data_type_name(dtype));
    const Tolerance tol = tolerance_for(dtype);
    const Tensor x = random_tensor(dtype, {4, 9}, 11, -4, 4);
    GpuOpCase("LeakyRelu").attr("alpha", 0.3f).input(x).expect_gpu_matches_cpu(tol.rtol, tol.atol);
    GpuOpCase("Elu").attr("alpha", 0.5f).input(x).expect_gpu_matches_cpu(tol.rtol, tol.atol);
    GpuOpCase("Selu")
        .attr("alpha", 2.0f)
        .attr("gamma", 0.5f)
        .input(x)
        .expect_gpu_matches_cpu(tol.rtol, tol.atol);
    GpuOpCase("HardSigmoid")
        .attr("alpha", 0.3f)
        .attr("beta", 0.4f)
        .input(x)
        .expect_gpu_matches_cpu(tol.rtol, tol.atol);
    GpuOpCase("Gelu", 20)
        .attr("approximate", "tanh")
        .input(x)
        .expect_gpu_matches_cpu(tol.rtol, tol.atol);
    GpuOpCase("Gelu", 20)
        .attr("approximate", "none")
        .input(x)
        .expect_gpu_matches_cpu(tol.rtol, tol.atol);
  }
}

// The runtime's own Gelu (domain "aruntime", version 1), with both approximations.
TEST(GpuElementwise, FusedGeluMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  for (DataType dtype : kFloatTypes) {
    for (const char* approximate : {"none", "tanh"}) {
      SCOPED_TRACE(std::string(data_type_name(dtype)) + " " + approximate);
      const Tolerance tol = tolerance_for(dtype);
      GpuOpCase("Gelu", 1, "aruntime")
          .attr("approximate", approximate)
          .input(random_tensor(dtype, {3, 33}, 12, -5, 5))
          .expect_gpu_matches_cpu(tol.rtol, tol.atol);
    }
  }
}

// Relu, Round (half to even), Sign and Abs on values chosen by hand; expected values follow from
// the ONNX definitions (Round: np.round, ties to the even neighbour; Sign: np.sign).
TEST(GpuElementwise, UnaryHandValues) {
  ARUNTIME_REQUIRE_GPU();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  {
    const auto out = GpuOpCase("Relu").input(floats({5}, {-2, -0.5f, 0, 0.5f, 3})).run_on_gpu();
    expect_near(out[0], floats({5}, {0, 0, 0, 0.5f, 3}), 0, 0);
  }
  {
    const auto out = GpuOpCase("Round")
                         .input(floats({8}, {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 3.7f, -3.2f}))
                         .run_on_gpu();
    expect_near(out[0], floats({8}, {-2, -2, -0.0f, 0, 2, 2, 4, -3}), 0, 0);
    EXPECT_TRUE(std::signbit(out[0].data<float>()[2])) << "Round(-0.5) is -0";
  }
  {
    const auto out = GpuOpCase("Sign").input(floats({5}, {-3, -0.0f, 0, 2, nan})).run_on_gpu();
    expect_near(out[0], floats({5}, {-1, 0, 0, 1, nan}), 0, 0);
  }
  {
    // float16: 0.5 and 2.5 are exact, so Round gives 0 and 2.
    const auto out = GpuOpCase("Round")
                         .input(as_float_type(DataType::kFloat16, {3}, {0.5f, 2.5f, -7.5f}))
                         .run_on_gpu();
    expect_near(out[0], as_float_type(DataType::kFloat16, {3}, {0, 2, -8}), 0, 0);
  }
}

// ---- Clip ------------------------------------------------------------------------------------

TEST(GpuElementwise, ClipMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  for (DataType dtype : kFloatTypes) {
    SCOPED_TRACE(data_type_name(dtype));
    const Tolerance tol = tolerance_for(dtype);
    const Tensor x = random_tensor(dtype, {5, 7}, 21, -3, 3);
    const Tensor lo = as_float_type(dtype, {}, {-1.25f});
    const Tensor hi = as_float_type(dtype, {}, {0.75f});
    GpuOpCase("Clip", 13)
        .input(x)
        .input(lo, true)
        .input(hi, true)
        .expect_gpu_matches_cpu(tol.rtol, tol.atol);
    GpuOpCase("Clip", 13).input(x).input(lo, true).expect_gpu_matches_cpu(tol.rtol, tol.atol);
    GpuOpCase("Clip", 13)
        .input(x)
        .omitted_input()
        .input(hi, true)
        .expect_gpu_matches_cpu(tol.rtol, tol.atol);
    GpuOpCase("Clip", 13).input(x).expect_gpu_matches_cpu(tol.rtol, tol.atol);
    // min > max gives max everywhere.
    GpuOpCase("Clip", 13)
        .input(x)
        .input(hi, true)
        .input(lo, true)
        .expect_gpu_matches_cpu(tol.rtol, tol.atol);
    // Opset 6: bounds are attributes.
    GpuOpCase("Clip", 6)
        .attr("min", -0.5f)
        .attr("max", 1.5f)
        .input(x)
        .expect_gpu_matches_cpu(tol.rtol, tol.atol);
  }
}

TEST(GpuElementwise, ClipHandValues) {
  ARUNTIME_REQUIRE_GPU();
  // min(max(x, -1), 2) by hand.
  const auto out = GpuOpCase("Clip", 13)
                       .input(floats({5}, {-3, -1, 0.5f, 2, 5}))
                       .input(floats({}, {-1}), true)
                       .input(floats({}, {2}), true)
                       .run_on_gpu();
  expect_near(out[0], floats({5}, {-1, -1, 0.5f, 2, 2}), 0, 0);
}

// ---- Binary ops with broadcasting ------------------------------------------------------------

struct BroadcastCase {
  Shape a;
  Shape b;
};

// Same shape (flat), scalar both ways (flat), row and column (rank 2 after merging), a
// three-dimensional cross broadcast, rank 5 (general indexing), odd sizes and an empty output.
const BroadcastCase kBroadcastCases[] = {
    {{2, 3, 4}, {2, 3, 4}},
    {{2, 3, 4}, {}},
    {{}, {2, 3, 4}},
    {{3, 4}, {4}},
    {{3, 4}, {3, 1}},
    {{3, 1}, {1, 4}},
    {{2, 1, 3}, {1, 4, 1}},
    {{2, 1, 3, 1, 5}, {1, 4, 1, 2, 1}},
    {{1}, {7}},
    {{7}, {7}},
    {{1}, {1}},
    {{0, 3}, {3}},
};

// Inputs for `op`: Div keeps divisors away from 0, Pow keeps bases positive; comparisons and
// Max/Min get small integers so that ties occur.
std::pair<Tensor, Tensor> binary_inputs(const std::string& op, DataType dtype, const Shape& a,
                                        const Shape& b, uint32_t seed) {
  if (op == "Div") {
    return {random_tensor(dtype, a, seed, -3, 3), random_tensor(dtype, b, seed + 1, 0.5f, 2)};
  }
  if (op == "Pow") {
    return {random_tensor(dtype, a, seed, 0.1f, 2), random_tensor(dtype, b, seed + 1, -2, 2)};
  }
  if (op == "Add" || op == "Sub" || op == "Mul") {
    return {random_tensor(dtype, a, seed, -3, 3), random_tensor(dtype, b, seed + 1, -3, 3)};
  }
  return {small_integers(dtype, a, seed), small_integers(dtype, b, seed + 1)};
}

TEST(GpuElementwise, BinaryOpsMatchCpuWithBroadcasting) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 1000;
  for (const char* op : {"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Equal",
                         "Less", "Greater", "LessOrEqual", "GreaterOrEqual"}) {
    for (DataType dtype : kFloatTypes) {
      for (const BroadcastCase& bc : kBroadcastCases) {
        SCOPED_TRACE(case_name(op, dtype, bc.a, bc.b));
        const auto [a, b] = binary_inputs(op, dtype, bc.a, bc.b, seed);
        seed += 2;
        const Tolerance tol = tolerance_for(dtype);
        GpuOpCase(op).input(a).input(b).expect_gpu_matches_cpu(tol.rtol, tol.atol);
      }
    }
  }
}

TEST(GpuElementwise, BinaryOpsMatchCpuInBFloat16) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 2000;
  for (const char* op : {"Add", "Mul", "Div", "Pow", "Max", "Less", "Equal"}) {
    for (const BroadcastCase& bc :
         {BroadcastCase{{3, 4}, {3, 4}}, BroadcastCase{{2, 1, 3}, {1, 4, 1}}}) {
      SCOPED_TRACE(case_name(op, DataType::kBFloat16, bc.a, bc.b));
      const auto [a, b] = binary_inputs(op, DataType::kBFloat16, bc.a, bc.b, seed);
      seed += 2;
      const Tolerance tol = tolerance_for(DataType::kBFloat16);
      GpuOpCase(op).input(a).input(b).expect_gpu_matches_cpu(tol.rtol, tol.atol);
    }
  }
}

// 1000003 elements against the same shape, a scalar and a one-element tensor (packed path and
// its tail), and a large row broadcast.
TEST(GpuElementwise, BinaryOpsMatchCpuOnLargeTensors) {
  ARUNTIME_REQUIRE_GPU();
  for (DataType dtype : kFloatTypes) {
    const Tolerance tol = tolerance_for(dtype);
    for (const BroadcastCase& bc :
         {BroadcastCase{{1000003}, {1000003}}, BroadcastCase{{1000003}, {}},
          BroadcastCase{{1}, {1000003}}, BroadcastCase{{1000003, 1}, {1, 3}}}) {
      for (const char* op : {"Add", "Less"}) {
        SCOPED_TRACE(case_name(op, dtype, bc.a, bc.b));
        const auto [a, b] = binary_inputs(op, dtype, bc.a, bc.b, 31);
        GpuOpCase(op).input(a).input(b).expect_gpu_matches_cpu(tol.rtol, tol.atol);
      }
    }
  }
}

// [2, 1] + [1, 3] by hand: out[i][j] = a[i] + b[j].
TEST(GpuElementwise, BroadcastHandValues) {
  ARUNTIME_REQUIRE_GPU();
  const auto sum = GpuOpCase("Add")
                       .input(floats({2, 1}, {1, 2}))
                       .input(floats({1, 3}, {10, 20, 30}))
                       .run_on_gpu();
  expect_near(sum[0], floats({2, 3}, {11, 21, 31, 12, 22, 32}), 0, 0);
  // Greater([2, 1, 2], [3, 1]) -> [2, 3, 2] (rank 3 after merging: the general indexing):
  // out[i][j][k] = a[i][0][k] > b[j][0].
  const auto greater = GpuOpCase("Greater")
                           .input(floats({2, 1, 2}, {1, 5, 2, 0}))
                           .input(floats({3, 1}, {1, 2, 4}))
                           .run_on_gpu();
  const std::vector<bool> expected = {false, true,  false, true,  false, true,
                                      true,  false, false, false, false, false};
  ASSERT_EQ(greater[0].dtype(), DataType::kBool);
  ASSERT_EQ(greater[0].shape(), Shape({2, 3, 2}));
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(greater[0].data<bool>()[i], expected[i]) << "element " << i;
  }
}

// Max and Min propagate NaN like np.maximum / np.minimum, from either side.
TEST(GpuElementwise, MaxMinPropagateNaN) {
  ARUNTIME_REQUIRE_GPU();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor a = floats({4}, {nan, 1, -2, 3});
  const Tensor b = floats({4}, {1, nan, 5, -4});
  expect_near(GpuOpCase("Max").input(a).input(b).run_on_gpu()[0], floats({4}, {nan, nan, 5, 3}), 0,
              0);
  expect_near(GpuOpCase("Min").input(a).input(b).run_on_gpu()[0], floats({4}, {nan, nan, -2, -4}),
              0, 0);
}

TEST(GpuElementwise, PowVariantsMatchCpu) {
  ARUNTIME_REQUIRE_GPU();
  for (DataType dtype : kFloatTypes) {
    SCOPED_TRACE(data_type_name(dtype));
    const Tolerance tol = tolerance_for(dtype);
    const Tensor base = random_tensor(dtype, {3, 4}, 41, -2, 2);
    // A constant exponent of 2 takes the x * x path; a [1, 1, 1] one also broadcasts the shape.
    GpuOpCase("Pow")
        .input(base)
        .input(as_float_type(dtype, {}, {2}), true)
        .expect_gpu_matches_cpu(tol.rtol, tol.atol);
    GpuOpCase("Pow")
        .input(base)
        .input(as_float_type(dtype, {1, 1, 1}, {2}), true)
        .expect_gpu_matches_cpu(tol.rtol, tol.atol);
    // A constant exponent other than 2, and integer powers of negative bases.
    GpuOpCase("Pow")
        .input(base)
        .input(as_float_type(dtype, {}, {3}), true)
        .expect_gpu_matches_cpu(tol.rtol, tol.atol);
    // A float32 exponent of a float16 base (Pow-12 lets T1 differ from T).
    GpuOpCase("Pow")
        .input(random_tensor(dtype, {2, 5}, 42, 0.1f, 3))
        .input(random_tensor(DataType::kFloat32, {5}, 43, -1.5f, 1.5f))
        .expect_gpu_matches_cpu(tol.rtol, tol.atol);
  }
}

TEST(GpuElementwise, PReluMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 50;
  for (DataType dtype : kFloatTypes) {
    const Tolerance tol = tolerance_for(dtype);
    for (const Shape& slope_shape : {Shape{3, 1, 1}, Shape{5}, Shape{1}, Shape{2, 3, 4, 5}}) {
      SCOPED_TRACE(case_name("PRelu", dtype, {2, 3, 4, 5}, slope_shape));
      GpuOpCase("PRelu")
          .input(random_tensor(dtype, {2, 3, 4, 5}, seed, -3, 3))
          .input(random_tensor(dtype, slope_shape, seed + 1, 0, 0.5f))
          .expect_gpu_matches_cpu(tol.rtol, tol.atol);
      seed += 2;
    }
  }
}

// ---- Variadic ops ----------------------------------------------------------------------------

TEST(GpuElementwise, VariadicOpsMatchCpu) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 60;
  for (const char* op : {"Sum", "Mean", "Max", "Min"}) {
    for (DataType dtype : kFloatTypes) {
      SCOPED_TRACE(std::string(op) + " " + std::string(data_type_name(dtype)));
      const Tolerance tol = tolerance_for(dtype);
      // Three inputs broadcast to [2, 4, 3]; the fold then reads the output back.
      GpuOpCase(op)
          .input(random_tensor(dtype, {2, 1, 3}, seed, -3, 3))
          .input(random_tensor(dtype, {4, 1}, seed + 1, -3, 3))
          .input(random_tensor(dtype, {1}, seed + 2, -3, 3))
          .expect_gpu_matches_cpu(tol.rtol, tol.atol);
      // Four inputs of one shape, one of them twice.
      const Tensor x = random_tensor(dtype, {7}, seed + 3, -3, 3);
      GpuOpCase(op)
          .input(x)
          .input(random_tensor(dtype, {7}, seed + 4, -3, 3))
          .input(x)
          .input(random_tensor(dtype, {7}, seed + 5, -3, 3))
          .expect_gpu_matches_cpu(tol.rtol, tol.atol);
      // One input: a copy.
      GpuOpCase(op)
          .input(random_tensor(dtype, {2, 5}, seed + 6, -3, 3))
          .expect_gpu_matches_cpu(tol.rtol, tol.atol);
      seed += 7;
    }
  }
}

TEST(GpuElementwise, MeanHandValues) {
  ARUNTIME_REQUIRE_GPU();
  // (1 + 2 + 6) / 3 = 3, (-3 + 0 + 0) / 3 = -1, with input 2 broadcast.
  const auto out = GpuOpCase("Mean")
                       .input(floats({2}, {1, -3}))
                       .input(floats({2}, {2, 0}))
                       .input(floats({1}, {6}))
                       .run_on_gpu();
  expect_near(out[0], floats({2}, {3, 1}), 0, 0);
}

// ---- Where, Not, IsNaN, IsInf ----------------------------------------------------------------

TEST(GpuElementwise, WhereMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 70;
  struct WhereShapes {
    Shape condition, x, y;
  };
  for (DataType dtype : kFloatTypes) {
    for (const WhereShapes& s : {WhereShapes{{2, 1, 3}, {1, 4, 1}, {}}, WhereShapes{{7}, {7}, {7}},
                                 WhereShapes{{1}, {3, 4}, {4}}, WhereShapes{{3, 1}, {1, 4}, {3, 4}},
                                 WhereShapes{{2, 1, 3, 1, 2}, {1, 4, 1, 2, 1}, {2, 4, 3, 2, 2}},
                                 WhereShapes{{1000003}, {1000003}, {}}}) {
      SCOPED_TRACE(case_name("Where", dtype, s.condition, s.x) + " " + s.y.to_string());
      GpuOpCase("Where")
          .input(random_tensor(DataType::kBool, s.condition, seed))
          .input(random_tensor(dtype, s.x, seed + 1, -3, 3))
          .input(random_tensor(dtype, s.y, seed + 2, -3, 3))
          .expect_gpu_matches_cpu(0, 0);
      seed += 3;
    }
  }
}

TEST(GpuElementwise, NotMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  for (const Shape& shape : {Shape{1}, Shape{7}, Shape{3, 333}}) {
    SCOPED_TRACE(shape.to_string());
    GpuOpCase("Not").input(random_tensor(DataType::kBool, shape, 80)).expect_gpu_matches_cpu(0, 0);
  }
}

TEST(GpuElementwise, IsNaNAndIsInfHandValues) {
  ARUNTIME_REQUIRE_GPU();
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> values = {1, inf, -inf, nan, 0, -2};
  const auto check = [](const Tensor& got, const std::vector<bool>& expected) {
    ASSERT_EQ(got.dtype(), DataType::kBool);
    ASSERT_EQ(got.num_elements(), static_cast<int64_t>(expected.size()));
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(got.data<bool>()[i], expected[i]) << "element " << i;
    }
  };
  for (DataType dtype : kFloatTypes) {
    SCOPED_TRACE(data_type_name(dtype));
    const Tensor x = as_float_type(dtype, {6}, values);
    check(GpuOpCase("IsNaN", 20).input(x).run_on_gpu()[0],
          {false, false, false, true, false, false});
    check(GpuOpCase("IsInf", 20).input(x).run_on_gpu()[0],
          {false, true, true, false, false, false});
    check(GpuOpCase("IsInf", 20).attr("detect_negative", 0).input(x).run_on_gpu()[0],
          {false, true, false, false, false, false});
    check(GpuOpCase("IsInf", 20).attr("detect_positive", 0).input(x).run_on_gpu()[0],
          {false, false, true, false, false, false});
    GpuOpCase("IsNaN", 20).input(x).expect_gpu_matches_cpu(0, 0);
  }
}

// ---- Cast ------------------------------------------------------------------------------------

// Values that exercise every conversion rule: truncation toward zero, wrapping into narrow
// integers, saturation beyond the int64 range, NaN and infinities, -0, bool's != 0.
Tensor cast_source(DataType dtype) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> float_values = {-300.7f, -3.7f, -1.5f,  -0.5f,  -0.0f,  0,      0.4f,
                                           1.5f,    2.9f,  127.9f, 128.2f, 255.5f, 300.7f, 1e10f,
                                           -1e10f,  1e20f, -1e20f, inf,    -inf,   nan};
  const Shape float_shape{static_cast<int64_t>(float_values.size())};
  switch (dtype) {
    case DataType::kFloat32:
    case DataType::kFloat16:
    case DataType::kBFloat16:
      return as_float_type(dtype, float_shape, float_values);
    case DataType::kInt32:
      return Tensor::from_vector<int32_t>(
          {11}, {std::numeric_limits<int32_t>::min(), -300, -129, -1, 0, 1, 127, 128, 255, 256,
                 std::numeric_limits<int32_t>::max()});
    case DataType::kInt64:
      return Tensor::from_vector<int64_t>(
          {11}, {std::numeric_limits<int64_t>::min(), -(int64_t{1} << 40) - 3, -300, -1, 0, 1, 255,
                 256, 16777217, (int64_t{1} << 40) + 5, std::numeric_limits<int64_t>::max()});
    case DataType::kInt8:
      return Tensor::from_vector<int8_t>({5}, {-128, -1, 0, 1, 127});
    case DataType::kUInt8:
      return Tensor::from_vector<uint8_t>({5}, {0, 1, 127, 128, 255});
    case DataType::kBool:
      return Tensor::from_vector<bool>({3}, {true, false, true});
    default:
      ADD_FAILURE() << "no Cast source values for " << data_type_name(dtype);
      return Tensor();
  }
}

TEST(GpuElementwise, CastMatchesCpuForEveryTypePair) {
  ARUNTIME_REQUIRE_GPU();
  const DataType types[] = {DataType::kFloat32, DataType::kFloat16, DataType::kBFloat16,
                            DataType::kInt32,   DataType::kInt64,   DataType::kBool,
                            DataType::kInt8,    DataType::kUInt8};
  for (DataType from : types) {
    for (DataType to : types) {
      SCOPED_TRACE(std::string(data_type_name(from)) + " -> " + std::string(data_type_name(to)));
      // Exact: both providers implement the same conversion rules.
      GpuOpCase("Cast")
          .attr("to", static_cast<int64_t>(to))
          .input(cast_source(from))
          .expect_gpu_matches_cpu(0, 0);
    }
  }
}

TEST(GpuElementwise, CastMatchesCpuOnLargeTensors) {
  ARUNTIME_REQUIRE_GPU();
  GpuOpCase("Cast")
      .attr("to", static_cast<int64_t>(DataType::kFloat16))
      .input(random_tensor(DataType::kFloat32, {1000003}, 90, -70000, 70000))
      .expect_gpu_matches_cpu(0, 0);
  GpuOpCase("Cast")
      .attr("to", static_cast<int64_t>(DataType::kInt64))
      .input(random_tensor(DataType::kFloat16, {1000003}, 91, -1000, 1000))
      .expect_gpu_matches_cpu(0, 0);
}

// Hand-derived from the ONNX Cast rules: float -> int64 truncates toward zero (1e10 is exact in
// float32); float -> uint8 truncates then wraps (-1.5 -> -1 -> 255, 300.7 -> 300 -> 44); to
// bool is != 0 (NaN is true); float32 -> bfloat16 keeps the upper 16 bits, so 1 + 2^-8 + 2^-10
// becomes 1 where rounding to nearest would give 1 + 2^-7.
TEST(GpuElementwise, CastHandValues) {
  ARUNTIME_REQUIRE_GPU();
  {
    const auto out = GpuOpCase("Cast")
                         .attr("to", static_cast<int64_t>(DataType::kInt64))
                         .input(floats({6}, {-2.7f, -0.5f, 0.5f, 2.7f, 1e10f, -7.99f}))
                         .run_on_gpu();
    expect_near(out[0], Tensor::from_vector<int64_t>({6}, {-2, 0, 0, 2, 10000000000, -7}), 0, 0);
  }
  {
    const auto out = GpuOpCase("Cast")
                         .attr("to", static_cast<int64_t>(DataType::kUInt8))
                         .input(floats({3}, {-1.5f, 300.7f, 7.9f}))
                         .run_on_gpu();
    expect_near(out[0], Tensor::from_vector<uint8_t>({3}, {255, 44, 7}), 0, 0);
  }
  {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const auto out = GpuOpCase("Cast")
                         .attr("to", static_cast<int64_t>(DataType::kBool))
                         .input(floats({4}, {0, -0.0f, 0.1f, nan}))
                         .run_on_gpu();
    expect_near(out[0], Tensor::from_vector<bool>({4}, {false, false, true, true}), 0, 0);
  }
  {
    const auto out = GpuOpCase("Cast")
                         .attr("to", static_cast<int64_t>(DataType::kBFloat16))
                         .input(floats({2}, {1.0048828125f, -2.5f}))
                         .run_on_gpu();
    expect_near(out[0], as_float_type(DataType::kBFloat16, {2}, {1.0f, -2.5f}), 0, 0);
  }
}

// ---- Declines --------------------------------------------------------------------------------

TEST(GpuElementwise, ClipWithNonConstantBoundStaysOnCpu) {
  ARUNTIME_REQUIRE_GPU();
  GpuOpCase c("Clip", 13);
  c.input(floats({3}, {-2, 0, 2})).input(floats({}, {-1})).input(floats({}, {1}), true);
  const std::string reason = c.gpu_decline_reason();
  EXPECT_NE(reason.find("input 1 (min) must be a constant initializer"), std::string::npos)
      << reason;
  // The CPU runs it instead.
  expect_near(c.run_on_cpu()[0], floats({3}, {-1, 0, 1}), 0, 0);
}

TEST(GpuElementwise, UnsupportedTypesAndAttributesAreDeclined) {
  ARUNTIME_REQUIRE_GPU();
  {
    GpuOpCase c("Cast", 19);
    c.attr("to", static_cast<int64_t>(DataType::kFloat8E4M3FN)).input(floats({2}, {1, 2}));
    const std::string reason = c.gpu_decline_reason();
    EXPECT_NE(reason.find("float8"), std::string::npos) << reason;
  }
  {
    // Integer arithmetic is shape math, which stays on the CPU.
    GpuOpCase c("Add");
    c.input(Tensor::from_vector<int64_t>({2}, {1, 2}))
        .input(Tensor::from_vector<int64_t>({2}, {3, 4}));
    EXPECT_NE(c.gpu_decline_reason(), "");
  }
  {
    GpuOpCase c("Pow", 15);
    c.input(floats({2}, {1, 2})).input(Tensor::from_vector<int64_t>({1}, {3}));
    EXPECT_NE(c.gpu_decline_reason(), "");
  }
  {
    // Rank 9 is more than the device indexing holds.
    GpuOpCase c("Add");
    c.input(random_tensor(DataType::kFloat32, {2, 1, 2, 1, 2, 1, 2, 1, 2}, 95))
        .input(random_tensor(DataType::kFloat32, {1, 2, 1, 2, 1, 2, 1, 2, 1}, 96));
    const std::string reason = c.gpu_decline_reason();
    EXPECT_NE(reason.find("rank 9"), std::string::npos) << reason;
  }
}

}  // namespace
}  // namespace aruntime::gpu_testing
