// GPU kernels of the reduction / normalization / attention family against the CPU EP (whose
// kernels are tested against numpy/onnxruntime values), in float32, float16 and bfloat16, plus
// hand-derived values: the expected numbers in the *HandValues tests are worked out from the ONNX
// definitions in the comments next to them (checked with numpy).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "graph/optimizer/fused_domain.h"
#include "tests/gpu/gpu_test_util.h"

namespace aruntime::gpu_testing {
namespace {

using DT = DataType;
const char* const kFused = optimizer::kFusedDomain;
constexpr float kInf = std::numeric_limits<float>::infinity();

Tensor floats(const Shape& shape, const std::vector<float>& v) {
  return Tensor::from_vector<float>(shape, v);
}
Tensor ints(const std::vector<int64_t>& v) {
  return Tensor::from_vector<int64_t>(Shape{static_cast<int64_t>(v.size())}, v);
}

// A float32 tensor's values in `type` (float32, float16 or bfloat16).
Tensor cast_to(const Tensor& t, DataType type) {
  if (type == DT::kFloat32) return t;
  Tensor out(type, t.shape());
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    const float v = t.data<float>()[i];
    if (type == DT::kFloat16) {
      out.data<Float16>()[i] = Float16(v);
    } else {
      out.data<BFloat16>()[i] = BFloat16(v);
    }
  }
  return out;
}

// Values in {0, 1, 2, 3} in `type`, so that extremes repeat (ArgMax/ArgMin ties).
Tensor small_integers(DataType type, const Shape& shape, uint32_t seed) {
  const Tensor i = random_tensor(DT::kInt32, shape, seed, 0, 3);
  Tensor f(DT::kFloat32, shape);
  for (int64_t k = 0; k < i.num_elements(); ++k)
    f.data<float>()[k] = static_cast<float>(i.data<int32_t>()[k]);
  return cast_to(f, type);
}

struct Tolerance {
  double rtol, atol;
};
// float16/bfloat16 results of both providers are float results rounded to the type: they may be
// one unit in the last place apart.
Tolerance tolerance(DataType type) {
  switch (type) {
    case DT::kFloat16:
      return {2e-3, 2e-3};
    case DT::kBFloat16:
      return {1.6e-2, 1.6e-2};
    default:
      return {1e-4, 1e-5};
  }
}

const DataType kTypes[] = {DT::kFloat32, DT::kFloat16};
const DataType kAllTypes[] = {DT::kFloat32, DT::kFloat16, DT::kBFloat16};

std::string type_name(DataType t) {
  return std::string(data_type_name(t));
}

// ---- reductions ---------------------------------------------------------------------------------

struct ReduceCase {
  Shape shape;
  std::vector<int64_t> axes;  // empty: all axes (no axes input)
};

// Leading, middle, trailing, all and non-neighbouring axes; rows of 1, 7, 1000 and 4097 elements;
// an empty reduced set.
const std::vector<ReduceCase>& reduce_cases() {
  static const std::vector<ReduceCase> cases = {
      {Shape{4, 1000}, {1}},    {Shape{4097, 3}, {0}},       {Shape{3, 7, 5}, {1}},
      {Shape{5, 4097}, {-1}},   {Shape{6, 1}, {1}},          {Shape{3, 4, 5}, {}},
      {Shape{3, 4, 5}, {0, 2}}, {Shape{2, 3, 4, 5}, {1, 2}}, {Shape{2, 7, 3}, {0, 1}},
      {Shape{1, 4097}, {0, 1}}, {Shape{3, 0}, {1}},
  };
  return cases;
}

void expect_reduce_matches(const std::string& op, float lo, float hi, double extra_rtol = 0) {
  uint32_t seed = 1;
  for (DataType type : kTypes) {
    for (const ReduceCase& c : reduce_cases()) {
      for (int64_t keepdims : {0, 1}) {
        SCOPED_TRACE(op + " " + type_name(type) + " " + c.shape.to_string() + " keepdims " +
                     std::to_string(keepdims));
        GpuOpCase reduce(op, 18);
        reduce.attr("keepdims", keepdims).input(random_tensor(type, c.shape, seed++, lo, hi));
        if (!c.axes.empty()) reduce.input(ints(c.axes), true);
        const Tolerance tol = tolerance(type);
        reduce.expect_gpu_matches_cpu(tol.rtol + extra_rtol, tol.atol);
      }
    }
  }
}

TEST(GpuReduce, SumMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  expect_reduce_matches("ReduceSum", -1, 1);
}
TEST(GpuReduce, MeanMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  expect_reduce_matches("ReduceMean", -1, 1);
}
TEST(GpuReduce, MaxMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  expect_reduce_matches("ReduceMax", -1, 1);
}
TEST(GpuReduce, MinMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  expect_reduce_matches("ReduceMin", -1, 1);
}
// Factors near 1 keep a product of 4097 of them inside float's range; its relative rounding
// error grows with the count.
TEST(GpuReduce, ProdMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  expect_reduce_matches("ReduceProd", 0.9f, 1.1f, 1e-3);
}
TEST(GpuReduce, L1MatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  expect_reduce_matches("ReduceL1", -1, 1);
}
TEST(GpuReduce, L2MatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  expect_reduce_matches("ReduceL2", -1, 1);
}
TEST(GpuReduce, SumSquareMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  expect_reduce_matches("ReduceSumSquare", -1, 1);
}
TEST(GpuReduce, LogSumMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  expect_reduce_matches("ReduceLogSum", 0.1f, 2);
}
// Large values: exp would overflow without the shift by the maximum.
TEST(GpuReduce, LogSumExpMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  expect_reduce_matches("ReduceLogSumExp", -50, 100);
}

TEST(GpuReduce, BFloat16MatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  const Tolerance tol = tolerance(DT::kBFloat16);
  for (const char* op : {"ReduceSum", "ReduceMax", "ReduceLogSumExp"}) {
    SCOPED_TRACE(op);
    GpuOpCase reduce(op, 18);
    reduce.input(random_tensor(DT::kBFloat16, Shape{3, 1000}, 7)).input(ints({1}), true);
    reduce.expect_gpu_matches_cpu(tol.rtol, tol.atol);
  }
}

// Axes as an attribute (ReduceMean-13, ReduceSum-11) and ReduceSum-13's axes input.
TEST(GpuReduce, AxesAttributeAndOpset13Input) {
  ARUNTIME_REQUIRE_GPU();
  for (DataType type : kTypes) {
    const Tolerance tol = tolerance(type);
    GpuOpCase mean("ReduceMean", 13);
    mean.attr("axes", std::vector<int64_t>{0, -1}).attr("keepdims", int64_t{0});
    mean.input(random_tensor(type, Shape{6, 5, 300}, 11));
    mean.expect_gpu_matches_cpu(tol.rtol, tol.atol);

    GpuOpCase sum11("ReduceSum", 11);
    sum11.attr("axes", std::vector<int64_t>{1}).input(random_tensor(type, Shape{6, 5, 300}, 12));
    sum11.expect_gpu_matches_cpu(tol.rtol, tol.atol);

    GpuOpCase sum13("ReduceSum", 13);
    sum13.input(random_tensor(type, Shape{6, 5, 300}, 13)).input(ints({2}), true);
    sum13.expect_gpu_matches_cpu(tol.rtol, tol.atol);
  }
}

// Axes fed as a graph input (not an initializer): the GPU claims the node, reads them on the
// host at run time and matches the CPU, for ReduceSum-13 and the opset-18 family; an empty axes
// tensor reduces everything, or with noop_with_empty_axes returns the input.
TEST(GpuReduce, FedAxesAreClaimedAndMatchTheCpu) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 30;
  for (DataType type : kTypes) {
    const Tolerance tol = tolerance(type);
    for (const auto& [op, opset] :
         {std::pair{"ReduceSum", 13}, std::pair{"ReduceSum", 18}, std::pair{"ReduceMean", 18},
          std::pair{"ReduceMax", 18}, std::pair{"ReduceLogSumExp", 18}}) {
      for (const std::vector<int64_t>& axes : {std::vector<int64_t>{1}, {0, 2}, {-1}, {}}) {
        for (int64_t keepdims : {0, 1}) {
          SCOPED_TRACE(std::string(op) + "-" + std::to_string(opset) + " " + type_name(type) +
                       " axes " + Shape(axes).to_string() + " keepdims " +
                       std::to_string(keepdims));
          GpuOpCase reduce(op, opset);
          reduce.attr("keepdims", keepdims).input(random_tensor(type, Shape{3, 4, 5}, seed++));
          reduce.input(
              Tensor::from_vector<int64_t>(Shape{static_cast<int64_t>(axes.size())}, axes));
          EXPECT_EQ(reduce.gpu_decline_reason(), "");
          reduce.expect_gpu_matches_cpu(tol.rtol, tol.atol);
        }
      }
    }
    SCOPED_TRACE(type_name(type) + " noop_with_empty_axes");
    const Tensor x = random_tensor(type, Shape{3, 5}, seed++);
    GpuOpCase noop("ReduceSumSquare", 18);
    noop.attr("noop_with_empty_axes", int64_t{1}).input(x).input(ints({}));
    EXPECT_EQ(noop.gpu_decline_reason(), "");
    const std::vector<Tensor> out = noop.run_on_gpu();
    ASSERT_EQ(out.size(), 1u);
    expect_near(out[0], x, 0, 0);
  }
}

// By hand, axes fed: the sums of [[1, 2], [3, 4]] along axis 1 are [3, 7], along axis 0 [4, 6],
// along both 10. A repeated axis is the CPU kernel's one-line error.
TEST(GpuReduce, FedAxesHandValuesAndErrors) {
  ARUNTIME_REQUIRE_GPU();
  const Tensor x = floats({2, 2}, {1, 2, 3, 4});
  auto run = [&](const std::vector<int64_t>& axes) {
    GpuOpCase reduce("ReduceSum", 13);
    reduce.attr("keepdims", int64_t{0}).input(x).input(ints(axes));
    std::vector<Tensor> out = reduce.run_on_gpu();
    return out.empty() ? Tensor() : out[0];
  };
  expect_near(run({1}), floats({2}, {3, 7}), 0, 0);
  expect_near(run({-2}), floats({2}, {4, 6}), 0, 0);
  expect_near(run({0, 1}), floats({}, {10}), 0, 0);
  for (const auto& [axes, part] : {std::pair{std::vector<int64_t>{1, -1}, "repeat axis 1"},
                                   std::pair{std::vector<int64_t>{2}, "axis 2 is out of range"}}) {
    SCOPED_TRACE(part);
    try {
      run(axes);
      ADD_FAILURE() << "the run did not fail";
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << message;
      EXPECT_NE(message.find("node 'test_ReduceSum'"), std::string::npos) << message;
      EXPECT_NE(message.find(part), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  }
}

// noop_with_empty_axes = 1 and no axes: the output is the input.
TEST(GpuReduce, NoopWithEmptyAxes) {
  ARUNTIME_REQUIRE_GPU();
  const Tensor x = random_tensor(DT::kFloat32, Shape{3, 5}, 21);
  GpuOpCase reduce("ReduceSumSquare", 18);
  reduce.attr("noop_with_empty_axes", int64_t{1}).input(x);
  const std::vector<Tensor> out = reduce.run_on_gpu();
  ASSERT_EQ(out.size(), 1u);
  expect_near(out[0], x, 0, 0);
}

// By hand: sums of [[1, 2], [3, 4]] along axis 1 are [3, 7]; the maximum of [-inf, NaN, 1] is NaN
// (NaN propagates, as in numpy); log(exp(0) + exp(ln 3)) = ln 4; log-sum-exp of [+inf, 1] is
// +inf and of [-inf, -inf] is -inf; the mean of no elements is NaN, their sum 0.
TEST(GpuReduce, HandValues) {
  ARUNTIME_REQUIRE_GPU();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto run = [](const std::string& op, const Tensor& x, const std::vector<int64_t>& axes) {
    GpuOpCase reduce(op, 18);
    reduce.attr("keepdims", int64_t{0}).input(x).input(ints(axes), true);
    std::vector<Tensor> out = reduce.run_on_gpu();
    return out.empty() ? Tensor() : out[0];
  };
  expect_near(run("ReduceSum", floats({2, 2}, {1, 2, 3, 4}), {1}), floats({2}, {3, 7}), 0, 0);
  expect_near(run("ReduceMax", floats({1, 3}, {-kInf, nan, 1}), {1}), floats({1}, {nan}), 0, 0);
  expect_near(run("ReduceLogSumExp", floats({1, 2}, {0.0f, std::log(3.0f)}), {1}),
              floats({1}, {std::log(4.0f)}), 1e-6, 0);
  expect_near(run("ReduceLogSumExp", floats({2, 2}, {kInf, 1, -kInf, -kInf}), {1}),
              floats({2}, {kInf, -kInf}), 0, 0);
  expect_near(run("ReduceMean", floats({2, 0}, {}), {1}), floats({2}, {nan, nan}), 0, 0);
  expect_near(run("ReduceSum", floats({2, 0}, {}), {1}), floats({2}, {0, 0}), 0, 0);
}

// ---- ArgMax / ArgMin ----------------------------------------------------------------------------

TEST(GpuArgReduce, MatchesCpuWithTies) {
  ARUNTIME_REQUIRE_GPU();
  struct Case {
    Shape shape;
    int64_t axis;
  };
  const Case cases[] = {{Shape{5, 1000}, 1},  {Shape{1000, 6}, 0}, {Shape{3, 7, 5}, 1},
                        {Shape{4, 4097}, -1}, {Shape{6, 1}, 1},    {Shape{7}, 0}};
  uint32_t seed = 100;
  for (DataType type : kAllTypes) {
    for (const char* op : {"ArgMax", "ArgMin"}) {
      for (const Case& c : cases) {
        for (int64_t last : {0, 1}) {
          for (int64_t keepdims : {0, 1}) {
            SCOPED_TRACE(std::string(op) + " " + type_name(type) + " " + c.shape.to_string() +
                         " axis " + std::to_string(c.axis) + " select_last_index " +
                         std::to_string(last) + " keepdims " + std::to_string(keepdims));
            GpuOpCase arg(op, 13);
            arg.attr("axis", c.axis).attr("keepdims", keepdims).attr("select_last_index", last);
            arg.input(small_integers(type, c.shape, seed++));
            arg.expect_gpu_matches_cpu(0, 0);
          }
        }
      }
    }
  }
}

// By hand: in [[1, 3, 3], [2, NaN, 0]] the first maximum of row 0 is at 1 and the last at 2; NaN
// is the extreme of row 1 either way. ArgMin of row 0 is 0.
TEST(GpuArgReduce, HandValues) {
  ARUNTIME_REQUIRE_GPU();
  const Tensor x = floats({2, 3}, {1, 3, 3, 2, std::numeric_limits<float>::quiet_NaN(), 0});
  auto run = [&](const char* op, int64_t last) {
    GpuOpCase arg(op, 13);
    arg.attr("axis", int64_t{1}).attr("keepdims", int64_t{0}).attr("select_last_index", last);
    arg.input(x);
    std::vector<Tensor> out = arg.run_on_gpu();
    return out.empty() ? Tensor() : out[0];
  };
  expect_near(run("ArgMax", 0), ints({1, 1}), 0, 0);
  expect_near(run("ArgMax", 1), ints({2, 1}), 0, 0);
  expect_near(run("ArgMin", 0), ints({0, 1}), 0, 0);
}

// ---- Softmax / LogSoftmax -----------------------------------------------------------------------

TEST(GpuSoftmax, MatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  struct Case {
    Shape shape;
    int64_t axis;
    int64_t opset;
  };
  // Opset 13: one axis (contiguous rows of 1, 7, 1000 and 4097, and a strided middle axis);
  // opset 11: the input coerced to 2-D at `axis`.
  const Case cases[] = {{Shape{4, 1000}, -1, 13}, {Shape{2, 4097}, 1, 13}, {Shape{3, 7, 5}, 1, 13},
                        {Shape{6, 1}, 1, 13},     {Shape{5, 7}, -1, 13},   {Shape{4097, 2}, 0, 13},
                        {Shape{2, 3, 4}, 1, 11},  {Shape{2, 3, 4}, 0, 11}, {Shape{3, 5, 4}, 2, 11}};
  uint32_t seed = 200;
  for (DataType type : kAllTypes) {
    for (const char* op : {"Softmax", "LogSoftmax"}) {
      for (const Case& c : cases) {
        SCOPED_TRACE(std::string(op) + "-" + std::to_string(c.opset) + " " + type_name(type) + " " +
                     c.shape.to_string() + " axis " + std::to_string(c.axis));
        GpuOpCase softmax(op, c.opset);
        softmax.attr("axis", c.axis).input(random_tensor(type, c.shape, seed++, -10, 10));
        const Tolerance tol = tolerance(type);
        softmax.expect_gpu_matches_cpu(tol.rtol, tol.atol);
      }
    }
  }
}

// By hand: softmax([0, ln 3]) = [1, 3] / 4 = [0.25, 0.75]; with -inf entries, softmax([0, -inf,
// 1, -inf]) = [1, 0, e, 0] / (1 + e); log_softmax([0, ln 3]) = [ln 0.25, ln 0.75]; a row of only
// -inf has no maximum to shift by: NaN, as on the CPU.
TEST(GpuSoftmax, HandValuesAndInfinities) {
  ARUNTIME_REQUIRE_GPU();
  const float e = std::exp(1.0f), nan = std::numeric_limits<float>::quiet_NaN();
  auto run = [](const char* op, const Tensor& x) {
    GpuOpCase softmax(op, 13);
    softmax.input(x);
    std::vector<Tensor> out = softmax.run_on_gpu();
    return out.empty() ? Tensor() : out[0];
  };
  expect_near(run("Softmax", floats({1, 2}, {0.0f, std::log(3.0f)})),
              floats({1, 2}, {0.25f, 0.75f}), 1e-6, 1e-7);
  expect_near(run("Softmax", floats({1, 4}, {0, -kInf, 1, -kInf})),
              floats({1, 4}, {1 / (1 + e), 0, e / (1 + e), 0}), 1e-6, 1e-7);
  expect_near(run("LogSoftmax", floats({1, 2}, {0.0f, std::log(3.0f)})),
              floats({1, 2}, {std::log(0.25f), std::log(0.75f)}), 1e-6, 1e-7);
  expect_near(run("Softmax", floats({1, 2}, {-kInf, -kInf})), floats({1, 2}, {nan, nan}), 0, 0);

  // -inf entries in long rows (the block-per-row kernel) and along a strided axis.
  for (DataType type : kTypes) {
    Tensor x = random_tensor(DT::kFloat32, Shape{3, 1000}, 300, -5, 5);
    for (int64_t i = 0; i < x.num_elements(); i += 3) x.data<float>()[i] = -kInf;
    for (const char* op : {"Softmax", "LogSoftmax"}) {
      for (int64_t axis : {0, 1}) {
        SCOPED_TRACE(std::string(op) + " " + type_name(type) + " axis " + std::to_string(axis));
        GpuOpCase softmax(op, 13);
        softmax.attr("axis", axis).input(cast_to(x, type));
        const Tolerance tol = tolerance(type);
        softmax.expect_gpu_matches_cpu(tol.rtol, tol.atol);
      }
    }
  }
}

// ---- LayerNormalization / RMSNormalization (ONNX) -----------------------------------------------

TEST(GpuLayerNorm, OnnxMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  struct Case {
    Shape x, scale;
    int64_t axis;
    bool bias;
  };
  // Scale/B of the normalised axes' dims, of a suffix of them (broadcast along the row), with a
  // leading 1; rows of 1, 7, 1000 and 4097 elements.
  const Case cases[] = {
      {Shape{4, 1000}, Shape{1000}, -1, true}, {Shape{4, 1000}, Shape{1000}, -1, false},
      {Shape{2, 3, 7}, Shape{3, 7}, 1, true},  {Shape{2, 3, 7}, Shape{7}, 1, true},
      {Shape{2, 3, 7}, Shape{1, 7}, 1, false}, {Shape{3, 4097}, Shape{4097}, 1, true},
      {Shape{5, 1}, Shape{1}, -1, true},       {Shape{2, 3, 4}, Shape{3, 4}, -2, true}};
  uint32_t seed = 400;
  for (DataType type : kAllTypes) {
    for (const Case& c : cases) {
      for (size_t outputs : {size_t{1}, size_t{3}}) {
        SCOPED_TRACE(type_name(type) + " X " + c.x.to_string() + " Scale " + c.scale.to_string() +
                     " axis " + std::to_string(c.axis) + (c.bias ? " with B" : " without B") +
                     ", " + std::to_string(outputs) + " outputs");
        GpuOpCase norm("LayerNormalization", 17);
        norm.attr("axis", c.axis).attr("epsilon", 1e-3f).outputs(outputs);
        norm.input(random_tensor(type, c.x, seed++, -3, 5));
        norm.input(random_tensor(type, c.scale, seed++, 0.5f, 1.5f), true);
        if (c.bias) norm.input(random_tensor(type, c.scale, seed++), true);
        const Tolerance tol = tolerance(type);
        norm.expect_gpu_matches_cpu(tol.rtol, tol.atol);
      }
    }
  }
}

// By hand: [1, 2, 3] has mean 2 and population variance 2/3, so with epsilon 0, Scale 1 and B 0
// LayerNormalization gives (x - 2) / sqrt(2/3) = [-1.2247449, 0, 1.2247449], Mean 2 and InvStdDev
// sqrt(3/2) = 1.2247449.
TEST(GpuLayerNorm, HandValues) {
  ARUNTIME_REQUIRE_GPU();
  GpuOpCase norm("LayerNormalization", 17);
  norm.attr("epsilon", 0.0f).outputs(3);
  norm.input(floats({1, 3}, {1, 2, 3})).input(floats({3}, {1, 1, 1}), true);
  const std::vector<Tensor> out = norm.run_on_gpu();
  ASSERT_EQ(out.size(), 3u);
  expect_near(out[0], floats({1, 3}, {-1.2247449f, 0, 1.2247449f}), 1e-5, 1e-6);
  expect_near(out[1], floats({1, 1}, {2}), 1e-6, 0);
  expect_near(out[2], floats({1, 1}, {1.2247449f}), 1e-5, 0);
}

TEST(GpuRmsNorm, OnnxMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 500;
  for (DataType type : kAllTypes) {
    for (const auto& [x, scale, axis] : {std::tuple{Shape{4, 1000}, Shape{1000}, int64_t{-1}},
                                         std::tuple{Shape{2, 3, 7}, Shape{3, 7}, int64_t{1}},
                                         std::tuple{Shape{2, 3, 7}, Shape{7}, int64_t{1}},
                                         std::tuple{Shape{3, 4097}, Shape{4097}, int64_t{-1}}}) {
      SCOPED_TRACE(type_name(type) + " X " + x.to_string() + " scale " + scale.to_string());
      GpuOpCase norm("RMSNormalization", 23);
      norm.attr("axis", axis).input(random_tensor(type, x, seed++, -3, 5));
      norm.input(random_tensor(type, scale, seed++, 0.5f, 1.5f), true);
      const Tolerance tol = tolerance(type);
      norm.expect_gpu_matches_cpu(tol.rtol, tol.atol);
    }
  }
}

// ---- the aruntime domain's LayerNormalization, RMSNormalization, SkipLayerNormalization ---------

TEST(GpuFusedNorm, LayerAndRmsMatchCpu) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 600;
  for (DataType type : kAllTypes) {
    for (const auto& [x, axis] :
         {std::pair{Shape{4, 1000}, int64_t{-1}}, std::pair{Shape{2, 3, 7}, int64_t{1}},
          std::pair{Shape{3, 4097}, int64_t{1}}, std::pair{Shape{6, 1}, int64_t{-1}}}) {
      const int64_t first = axis < 0 ? axis + static_cast<int64_t>(x.rank()) : axis;
      const std::vector<int64_t> param_dims(x.dims().begin() + first, x.dims().end());
      const Shape param(param_dims);
      const Tolerance tol = tolerance(type);
      for (bool bias : {false, true}) {
        SCOPED_TRACE(type_name(type) + " LayerNormalization X " + x.to_string() +
                     (bias ? " with B" : " without B"));
        GpuOpCase norm("LayerNormalization", optimizer::kFusedOpset, kFused);
        norm.attr("axis", axis).attr("epsilon", 1e-5f);
        norm.input(random_tensor(type, x, seed++, -2, 4));
        norm.input(random_tensor(type, param, seed++, 0.5f, 1.5f));
        if (bias) norm.input(random_tensor(type, param, seed++));
        norm.expect_gpu_matches_cpu(tol.rtol, tol.atol);
      }
      SCOPED_TRACE(type_name(type) + " RMSNormalization X " + x.to_string());
      GpuOpCase rms("RMSNormalization", optimizer::kFusedOpset, kFused);
      rms.attr("axis", axis).attr("epsilon", 1e-6f);
      rms.input(random_tensor(type, x, seed++, -2, 4));
      rms.input(random_tensor(type, param, seed++, 0.5f, 1.5f), true);
      rms.expect_gpu_matches_cpu(tol.rtol, tol.atol);
    }
  }
}

TEST(GpuFusedNorm, SkipLayerNormMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 700;
  for (DataType type : kAllTypes) {
    for (const Shape& x : {Shape{4, 1000}, Shape{2, 3, 7}, Shape{2, 4097}}) {
      const Shape param{x[x.rank() - 1]};
      for (bool beta : {false, true}) {
        for (bool bias : {false, true}) {
          for (size_t outputs : {size_t{1}, size_t{2}}) {
            SCOPED_TRACE(type_name(type) + " X " + x.to_string() + (beta ? " Beta" : "") +
                         (bias ? " Bias" : "") + " outputs " + std::to_string(outputs));
            GpuOpCase norm("SkipLayerNormalization", optimizer::kFusedOpset, kFused);
            norm.attr("epsilon", 1e-5f).outputs(outputs);
            norm.input(random_tensor(type, x, seed++, -2, 2));
            norm.input(random_tensor(type, x, seed++, -2, 2));
            norm.input(random_tensor(type, param, seed++, 0.5f, 1.5f));
            if (beta) {
              norm.input(random_tensor(type, param, seed++));
            } else if (bias) {
              norm.omitted_input();
            }
            if (bias) norm.input(random_tensor(type, param, seed++));
            const Tolerance tol = tolerance(type);
            norm.expect_gpu_matches_cpu(tol.rtol, tol.atol);
          }
        }
      }
    }
  }
}

// By hand: RMS normalization of [3, 4] with epsilon 0: mean(x^2) = 12.5, so y = x / sqrt(12.5) =
// [0.8485281, 1.1313708]. SkipLayerNormalization of X [0, 1] + Skip [1, 1] + Bias [0, 1] = [1, 3]:
// mean 2, variance 1, so Y = [-1, 1] (Gamma 1, no Beta) and Sum = [1, 3].
TEST(GpuFusedNorm, HandValues) {
  ARUNTIME_REQUIRE_GPU();
  GpuOpCase rms("RMSNormalization", optimizer::kFusedOpset, kFused);
  rms.attr("epsilon", 0.0f).input(floats({1, 2}, {3, 4})).input(floats({2}, {1, 1}));
  const std::vector<Tensor> y = rms.run_on_gpu();
  ASSERT_EQ(y.size(), 1u);
  expect_near(y[0], floats({1, 2}, {0.8485281f, 1.1313708f}), 1e-6, 0);

  GpuOpCase skip("SkipLayerNormalization", optimizer::kFusedOpset, kFused);
  skip.attr("epsilon", 0.0f).outputs(2);
  skip.input(floats({1, 2}, {0, 1})).input(floats({1, 2}, {1, 1})).input(floats({2}, {1, 1}));
  skip.omitted_input().input(floats({2}, {0, 1}));
  const std::vector<Tensor> out = skip.run_on_gpu();
  ASSERT_EQ(out.size(), 2u);
  expect_near(out[0], floats({1, 2}, {-1, 1}), 1e-6, 1e-7);
  expect_near(out[1], floats({1, 2}, {1, 3}), 0, 0);
}

// ---- InstanceNormalization, LpNormalization -----------------------------------------------------

TEST(GpuInstanceNorm, MatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 800;
  for (DataType type : kAllTypes) {
    for (const Shape& x : {Shape{2, 3, 5, 7}, Shape{1, 4, 4097}, Shape{3, 2, 1}}) {
      SCOPED_TRACE(type_name(type) + " X " + x.to_string());
      GpuOpCase norm("InstanceNormalization", 6);
      norm.attr("epsilon", 1e-4f).input(random_tensor(type, x, seed++, -3, 5));
      norm.input(random_tensor(type, Shape{x[1]}, seed++, 0.5f, 1.5f), true);
      norm.input(random_tensor(type, Shape{x[1]}, seed++), true);
      const Tolerance tol = tolerance(type);
      norm.expect_gpu_matches_cpu(tol.rtol, tol.atol);
    }
  }
}

TEST(GpuLpNorm, MatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 900;
  for (DataType type : kAllTypes) {
    for (int64_t p : {1, 2}) {
      for (const auto& [x, axis] :
           {std::pair{Shape{4, 1000}, int64_t{-1}}, std::pair{Shape{3, 7, 5}, int64_t{1}},
            std::pair{Shape{4097, 2}, int64_t{0}}}) {
        SCOPED_TRACE(type_name(type) + " p " + std::to_string(p) + " X " + x.to_string());
        GpuOpCase norm("LpNormalization", 1);
        norm.attr("p", p).attr("axis", axis).input(random_tensor(type, x, seed++, -3, 5));
        const Tolerance tol = tolerance(type);
        norm.expect_gpu_matches_cpu(tol.rtol, tol.atol);
      }
    }
  }
}

// By hand: [[1, 2], [3, 4]] over axis 1: L2 gives [1, 2] / sqrt(5) and [3, 4] / 5, L1 [1, 2] / 3
// and [3, 4] / 7; a zero row stays zero.
TEST(GpuLpNorm, HandValues) {
  ARUNTIME_REQUIRE_GPU();
  auto run = [](int64_t p, const Tensor& x) {
    GpuOpCase norm("LpNormalization", 1);
    norm.attr("p", p).attr("axis", int64_t{1}).input(x);
    std::vector<Tensor> out = norm.run_on_gpu();
    return out.empty() ? Tensor() : out[0];
  };
  const Tensor x = floats({3, 2}, {1, 2, 3, 4, 0, 0});
  expect_near(run(2, x), floats({3, 2}, {0.4472136f, 0.8944272f, 0.6f, 0.8f, 0, 0}), 1e-6, 0);
  expect_near(run(1, x), floats({3, 2}, {1 / 3.0f, 2 / 3.0f, 3 / 7.0f, 4 / 7.0f, 0, 0}), 1e-6, 0);
}

// MeanVarianceNormalization over trailing axes, and the default axes [0, 2, 3] for a batch of 1.
TEST(GpuMeanVarianceNorm, MatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  struct Case {
    Shape x;
    std::vector<int64_t> axes;  // empty: the default
  };
  const Case cases[] = {{Shape{2, 3, 5, 7}, {2, 3}},
                        {Shape{1, 3, 4, 5}, {}},
                        {Shape{4, 1000}, {1}},
                        {Shape{2, 4097}, {-1}},
                        {Shape{3, 2, 1, 1}, {1, 2, 3}}};
  uint32_t seed = 950;
  for (DataType type : kAllTypes) {
    for (const Case& c : cases) {
      SCOPED_TRACE(type_name(type) + " X " + c.x.to_string());
      GpuOpCase norm("MeanVarianceNormalization", 13);
      if (!c.axes.empty()) norm.attr("axes", c.axes);
      norm.input(random_tensor(type, c.x, seed++, -3, 5));
      const Tolerance tol = tolerance(type);
      norm.expect_gpu_matches_cpu(tol.rtol, tol.atol);
    }
  }
}

// By hand: [1, 3] has mean 2 and standard deviation 1, so y = (x - 2) / (1 + 1e-9) = [-1, 1].
TEST(GpuMeanVarianceNorm, HandValues) {
  ARUNTIME_REQUIRE_GPU();
  GpuOpCase norm("MeanVarianceNormalization", 13);
  norm.attr("axes", std::vector<int64_t>{1}).input(floats({1, 2}, {1, 3}));
  const std::vector<Tensor> out = norm.run_on_gpu();
  ASSERT_EQ(out.size(), 1u);
  expect_near(out[0], floats({1, 2}, {-1, 1}), 1e-6, 0);
}

// ---- Attention (aruntime domain) ----------------------------------------------------------------

struct AttentionCase {
  Shape q, k, v;
  bool k_transposed;
  Shape mask;  // rank 0: no mask
  std::string what;
};

Tolerance attention_tolerance(DataType type) {
  // float16/bfloat16: the GPU rounds the probabilities to the type before P V.
  switch (type) {
    case DT::kFloat16:
      return {3e-3, 2e-3};
    case DT::kBFloat16:
      return {3e-2, 2e-2};
    default:
      return {1e-4, 1e-5};
  }
}

TEST(GpuAttention, MatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  const std::vector<AttentionCase> cases = {
      {Shape{2, 3, 5, 8}, Shape{2, 3, 7, 8}, Shape{2, 3, 7, 4}, false, Shape{}, "no mask"},
      {Shape{2, 3, 5, 8}, Shape{2, 3, 8, 7}, Shape{2, 3, 7, 4}, true, Shape{}, "k_transposed"},
      {Shape{2, 3, 5, 8}, Shape{2, 3, 7, 8}, Shape{2, 3, 7, 4}, false, Shape{5, 7},
       "[Sq, Sk] mask"},
      {Shape{2, 3, 5, 8}, Shape{2, 3, 7, 8}, Shape{2, 3, 7, 4}, false, Shape{2, 1, 1, 7},
       "padding mask"},
      {Shape{2, 3, 5, 8}, Shape{2, 3, 7, 8}, Shape{2, 3, 7, 4}, false, Shape{2, 3, 5, 7},
       "full mask"},
      {Shape{2, 3, 5, 8}, Shape{2, 3, 8, 7}, Shape{2, 3, 7, 4}, true, Shape{1, 3, 1, 7},
       "per-head mask, k_transposed"},
      {Shape{2, 3, 5, 8}, Shape{2, 3, 7, 8}, Shape{2, 3, 7, 4}, false, Shape{7}, "[Sk] mask"},
      {Shape{2, 3, 5, 8}, Shape{2, 3, 7, 8}, Shape{2, 3, 7, 4}, false, Shape{5, 1}, "[Sq, 1] mask"},
      {Shape{6, 5, 16}, Shape{6, 9, 16}, Shape{6, 9, 16}, false, Shape{6, 5, 9}, "rank 3"},
      {Shape{2, 1, 64}, Shape{2, 1000, 64}, Shape{2, 1000, 32}, false, Shape{2, 1, 1000},
       "1000 keys"},
      {Shape{1, 2, 4097, 8}, Shape{1, 2, 1, 8}, Shape{1, 2, 1, 8}, false, Shape{}, "one key"},
      {Shape{2, 7, 8}, Shape{2, 7, 8}, Shape{2, 7, 8}, false, Shape{7, 7}, "causal mask"},
  };
  uint32_t seed = 1000;
  for (DataType type : kAllTypes) {
    for (const AttentionCase& c : cases) {
      SCOPED_TRACE(type_name(type) + " " + c.what);
      GpuOpCase attention("Attention", optimizer::kFusedOpset, kFused);
      attention.attr("scale", 0.35f).attr("k_transposed", int64_t{c.k_transposed ? 1 : 0});
      attention.input(random_tensor(type, c.q, seed++, -2, 2));
      attention.input(random_tensor(type, c.k, seed++, -2, 2));
      attention.input(random_tensor(type, c.v, seed++));
      if (c.mask.rank() > 0) {
        Tensor mask = random_tensor(DT::kFloat32, c.mask, seed++, -3, 0);
        if (c.what == "causal mask") {
          // -inf above the diagonal: query i sees keys 0..i (every row keeps one).
          for (int64_t i = 0; i < 7; ++i) {
            for (int64_t j = 0; j < 7; ++j) mask.data<float>()[i * 7 + j] = j > i ? -kInf : 0;
          }
        } else if (c.what == "padding mask") {
          // The last two keys of batch 1 padded out with a large negative value.
          mask.data<float>()[12] = -10000;
          mask.data<float>()[13] = -10000;
        }
        attention.input(cast_to(mask, type));
      }
      const Tolerance tol = attention_tolerance(type);
      attention.expect_gpu_matches_cpu(tol.rtol, tol.atol);
    }
  }
}

// By hand: one query q = [ln 3, 0] against keys [1, 0] and [0, 1] scores [ln 3, 0]; softmax
// [0.75, 0.25] weighs values [1, 0] and [0, 1] into [0.75, 0.25]. A mask [-inf, 0] leaves only
// the second key: [0, 1].
TEST(GpuAttention, HandValues) {
  ARUNTIME_REQUIRE_GPU();
  const Tensor q = floats({1, 1, 2}, {std::log(3.0f), 0});
  const Tensor k = floats({1, 2, 2}, {1, 0, 0, 1});
  const Tensor v = floats({1, 2, 2}, {1, 0, 0, 1});
  GpuOpCase plain("Attention", optimizer::kFusedOpset, kFused);
  plain.input(q).input(k).input(v);
  const std::vector<Tensor> y = plain.run_on_gpu();
  ASSERT_EQ(y.size(), 1u);
  expect_near(y[0], floats({1, 1, 2}, {0.75f, 0.25f}), 1e-6, 1e-7);

  GpuOpCase masked("Attention", optimizer::kFusedOpset, kFused);
  masked.input(q).input(k).input(v).input(floats({1, 2}, {-kInf, 0}));
  const std::vector<Tensor> ym = masked.run_on_gpu();
  ASSERT_EQ(ym.size(), 1u);
  expect_near(ym[0], floats({1, 1, 2}, {0, 1}), 1e-6, 1e-7);
}

// ---- declines -----------------------------------------------------------------------------------

// What the kernels do not do stays on the CPU, with the reason: a LayerNormalization Scale of
// [C, 1] for normalised axes [C, D] (it varies along C but not D), MeanVarianceNormalization over
// axes that are not the trailing ones, an RMSNormalization scale of another type than X, and an
// element type outside the registration. Axes computed at run time (a graph input rather than an
// initializer) are not among them: the kernel reads them on the host.
TEST(GpuNormalizationDeclines, Reasons) {
  ARUNTIME_REQUIRE_GPU();
  GpuOpCase fed_axes("ReduceSum", 13);
  fed_axes.input(random_tensor(DT::kFloat32, Shape{3, 4}, 1)).input(ints({1}));
  EXPECT_EQ(fed_axes.gpu_decline_reason(), "");

  // Rank 17 is more than the reduction's geometry holds, whatever the axes.
  GpuOpCase deep("ReduceSum", 13);
  deep.input(random_tensor(DT::kFloat32, Shape(std::vector<int64_t>(17, 1)), 8)).input(ints({0}));
  EXPECT_NE(deep.gpu_decline_reason().find("rank at most 16"), std::string::npos)
      << deep.gpu_decline_reason();

  GpuOpCase partial("LayerNormalization", 17);
  partial.attr("axis", int64_t{1}).input(random_tensor(DT::kFloat32, Shape{2, 3, 7}, 2));
  partial.input(random_tensor(DT::kFloat32, Shape{3, 1}, 3), true);
  EXPECT_NE(partial.gpu_decline_reason().find("suffix"), std::string::npos)
      << partial.gpu_decline_reason();

  // The default axes [0, 2, 3] of a batch of 2 are not trailing axes.
  GpuOpCase mvn("MeanVarianceNormalization", 13);
  mvn.input(random_tensor(DT::kFloat32, Shape{2, 3, 4, 5}, 5));
  EXPECT_NE(mvn.gpu_decline_reason().find("trailing axes"), std::string::npos)
      << mvn.gpu_decline_reason();

  // RMSNormalization-23's scale may have its own type; the kernel reads it in X's.
  GpuOpCase mixed("RMSNormalization", 23);
  mixed.input(random_tensor(DT::kFloat16, Shape{2, 8}, 6));
  mixed.input(random_tensor(DT::kFloat32, Shape{8}, 7), true);
  EXPECT_NE(mixed.gpu_decline_reason().find("X's type"), std::string::npos)
      << mixed.gpu_decline_reason();
  ASSERT_EQ(mixed.run_on_cpu().size(), 1u);

  GpuOpCase doubles("Softmax", 13);
  doubles.input(random_tensor(DT::kFloat64, Shape{2, 3}, 4));
  EXPECT_NE(doubles.gpu_decline_reason().find("float64"), std::string::npos)
      << doubles.gpu_decline_reason();

  // The same ops in forms the kernels take are claimed.
  GpuOpCase constant_axes("ReduceSum", 13);
  constant_axes.input(random_tensor(DT::kFloat32, Shape{3, 4}, 1)).input(ints({1}), true);
  EXPECT_EQ(constant_axes.gpu_decline_reason(), "");
}

}  // namespace
}  // namespace aruntime::gpu_testing
