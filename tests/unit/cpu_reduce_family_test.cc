// Tests of the CPU Reduce* family (besides ReduceMean, see cpu_reduction_resize_test.cc) and of
// ArgMax/ArgMin.
//
// Expected values were computed with numpy 2 (float64 where the comment says so, then rounded to
// float32) from the same inputs; the numpy expression is given with each case. Reductions the
// ONNX spec defines in numpy terms map directly: ReduceL1 = sum(abs(x)), ReduceL2 =
// sqrt(sum(x**2)), ReduceSumSquare = sum(x**2), ReduceLogSum = log(sum(x)), ReduceLogSumExp =
// log(sum(exp(x))) (computed as m + log(sum(exp(x - m))) for large x), ArgMax/ArgMin =
// argmax/argmin, and select_last_index as the onnx reference computes it:
// n - 1 - argmax(flip(x, axis), axis). Inputs are exact binary fractions
// ((i * mul) % mod - offset) / div of the flat index i, as pattern() below and the generating
// Python compute them.
#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "tests/unit/op_test_util.h"

namespace aruntime::testing {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

Tensor pattern(const Shape& shape, int64_t mod = 23, int64_t mul = 7919, int64_t offset = 11,
               float div = 8.0f) {
  std::vector<float> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = static_cast<float>(static_cast<int64_t>(i) * mul % mod - offset) / div;
  }
  return Tensor::from_vector<float>(shape, v);
}
Tensor axes(const std::vector<int64_t>& v) {
  return i64({static_cast<int64_t>(v.size())}, v);
}

// expect_near, with infinities compared exactly (|inf - inf| is NaN, which never compares <=).
void expect_values(const Tensor& actual, const Tensor& expected, double rtol = 1e-5) {
  ASSERT_EQ(actual.dtype(), DataType::kFloat32);
  ASSERT_EQ(expected.dtype(), DataType::kFloat32);
  ASSERT_EQ(actual.shape(), expected.shape())
      << actual.shape().to_string() << " vs " << expected.shape().to_string();
  for (int64_t i = 0; i < actual.num_elements(); ++i) {
    const float a = actual.data<float>()[i], e = expected.data<float>()[i];
    if (std::isnan(e)) {
      EXPECT_TRUE(std::isnan(a)) << "at " << i << ": " << a;
    } else if (std::isinf(e)) {
      EXPECT_EQ(a, e) << "at " << i;
    } else {
      EXPECT_LE(std::fabs(a - e), 1e-6 + rtol * std::fabs(e))
          << "at " << i << ": " << a << " vs expected " << e;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Axes handling, on ReduceSum (axes input from opset 13) with x = pattern({2, 3, 4}).

TEST(CpuReduceSum, AxesInputKeepDims) {
  // np.sum(x, axis=1, keepdims=True)
  auto y = OpTest("ReduceSum", 13).input(pattern({2, 3, 4})).input(axes({1})).run();
  expect_values(y[0], f32({2, 1, 4}, {-2.25f, 0.375f, 0.125f, -0.125f, 0.5f, 0.25f, 0.0f, -0.25f}));
}

TEST(CpuReduceSum, NegativeAxisWithoutKeepDims) {
  // np.sum(x, axis=-1)
  auto y = OpTest("ReduceSum", 13)
               .attr("keepdims", int64_t{0})
               .input(pattern({2, 3, 4}))
               .input(axes({-1}))
               .run();
  expect_values(y[0], f32({2, 3}, {-0.25f, -0.625f, -1.0f, 1.5f, 1.125f, -2.125f}));
}

TEST(CpuReduceSum, AxesAttributeBeforeOpset13) {
  // np.sum(x, axis=(0, 2))
  auto y = OpTest("ReduceSum", 11)
               .attr("axes", std::vector<int64_t>{0, -1})
               .attr("keepdims", int64_t{0})
               .input(pattern({2, 3, 4}))
               .run();
  expect_values(y[0], f32({3}, {1.25f, 0.5f, -3.125f}));
}

TEST(CpuReduceSum, MissingOrEmptyAxesReduceEverything) {
  // np.sum(x, keepdims=True)
  const Tensor expected = f32({1, 1, 1}, {-1.375f});
  expect_values(OpTest("ReduceSum", 13).input(pattern({2, 3, 4})).run()[0], expected);
  expect_values(OpTest("ReduceSum", 13).input(pattern({2, 3, 4})).input(axes({})).run()[0],
                expected);
  expect_values(OpTest("ReduceSum", 11).input(pattern({2, 3, 4})).run()[0], expected);
}

TEST(CpuReduceFamily, NoopWithEmptyAxesPassesTheInputThrough) {
  // The spec: with empty axes and noop_with_empty_axes "the output tensor would be equivalent to
  // the input tensor", for every member (onnxruntime agrees; onnx's reference squares the input
  // for ReduceSumSquare only).
  const Tensor x = pattern({2, 3, 4});
  for (const char* op : {"ReduceSumSquare", "ReduceL1", "ReduceLogSumExp", "ReduceMax"}) {
    SCOPED_TRACE(op);
    auto empty =
        OpTest(op, 18).attr("noop_with_empty_axes", int64_t{1}).input(x).input(axes({})).run();
    expect_values(empty[0], x);
    auto omitted = OpTest(op, 18).attr("noop_with_empty_axes", int64_t{1}).input(x).run();
    expect_values(omitted[0], x);
  }
  auto sum = OpTest("ReduceSum", 13).attr("noop_with_empty_axes", int64_t{1}).input(x).run();
  expect_values(sum[0], x);
  // Non-empty axes reduce as usual: np.sum(x, axis=1, keepdims=True).
  auto reduced = OpTest("ReduceSum", 13)
                     .attr("noop_with_empty_axes", int64_t{1})
                     .input(x)
                     .input(axes({1}))
                     .run();
  expect_values(reduced[0],
                f32({2, 1, 4}, {-2.25f, 0.375f, 0.125f, -0.125f, 0.5f, 0.25f, 0.0f, -0.25f}));
}

// ---------------------------------------------------------------------------------------------
// Each reduction, float32, x = pattern({2, 3, 4}) unless said otherwise.

TEST(CpuReduceFamily, MaxAndMin) {
  // np.max(x, axis=(0, 2), keepdims=True)
  auto max = OpTest("ReduceMax", 18).input(pattern({2, 3, 4})).input(axes({0, -1})).run();
  expect_values(max[0], f32({1, 3, 1}, {1.375f, 1.125f, 0.75f}));
  // np.min(x, axis=1)
  auto min = OpTest("ReduceMin", 13)
                 .attr("axes", std::vector<int64_t>{1})
                 .attr("keepdims", int64_t{0})
                 .input(pattern({2, 3, 4}))
                 .run();
  expect_values(min[0],
                f32({2, 4}, {-1.375f, -0.5f, -1.25f, -1.0f, -1.125f, -0.875f, -0.625f, -1.375f}));
}

TEST(CpuReduceFamily, MaxAndMinPropagateNaN) {
  // np.max / np.min (axis=1) of [[1, nan, 3], [4, 5, 6]]
  const Tensor x = f32({2, 3}, {1, kNaN, 3, 4, 5, 6});
  auto max = OpTest("ReduceMax", 13).attr("axes", std::vector<int64_t>{1}).input(x).run();
  expect_values(max[0], f32({2, 1}, {kNaN, 6}));
  auto min = OpTest("ReduceMin", 13).attr("axes", std::vector<int64_t>{1}).input(x).run();
  expect_values(min[0], f32({2, 1}, {kNaN, 4}));
}

TEST(CpuReduceFamily, Prod) {
  // xp = pattern({2, 3, 4}, 7, 7919, 3, 2); np.prod(xp, axis=2, keepdims=True)
  auto y = OpTest("ReduceProd", 13)
               .attr("axes", std::vector<int64_t>{2})
               .input(pattern({2, 3, 4}, 7, 7919, 3, 2.0f))
               .run();
  expect_values(y[0], f32({2, 3, 1}, {0.5625f, 0.0f, 0.375f, 0.0f, -0.0f, 0.375f}));
}

TEST(CpuReduceFamily, NormsAndSumSquare) {
  const Tensor x = pattern({2, 3, 4});
  // np.sum(np.abs(x), axis=1, keepdims=True)
  auto l1 = OpTest("ReduceL1", 18).input(x).input(axes({1})).run();
  expect_values(l1[0], f32({2, 1, 4}, {2.25f, 1.375f, 2.625f, 2.625f, 2.75f, 2.5f, 1.25f, 2.5f}));
  // np.sqrt(np.sum(np.square(x), axis=1, keepdims=True))
  auto l2 = OpTest("ReduceL2", 13).attr("axes", std::vector<int64_t>{1}).input(x).run();
  expect_values(l2[0], f32({2, 1, 4}, {1.5712256f, 0.91001374f, 1.6441183f, 1.6441183f, 1.667708f,
                                       1.6488632f, 0.8838835f, 1.6488632f}));
  // np.sum(np.square(x), axis=1, keepdims=True)
  auto sum_square = OpTest("ReduceSumSquare", 18).input(x).input(axes({-2})).run();
  expect_values(sum_square[0], f32({2, 1, 4}, {2.46875f, 0.828125f, 2.703125f, 2.703125f, 2.78125f,
                                               2.71875f, 0.78125f, 2.71875f}));
}

TEST(CpuReduceFamily, LogSum) {
  // xpos = pattern({2, 3, 4}, 23, 7919, -1, 8) (all positive); np.log(np.sum(xpos, axis=-2))
  auto y = OpTest("ReduceLogSum", 18)
               .attr("keepdims", int64_t{0})
               .input(pattern({2, 3, 4}, 23, 7919, -1, 8.0f))
               .input(axes({-2}))
               .run();
  expect_values(y[0], f32({2, 4}, {0.81093025f, 1.58412f, 1.5314764f, 1.4759065f, 1.609438f,
                                   1.5581446f, 1.5040774f, 1.446919f}));
}

TEST(CpuReduceFamily, LogSumExpOfLargeValuesDoesNotOverflow) {
  // b = pattern({2, 3, 4}) * 100 in float64 (exp(137.5) overflows float32);
  // m = b.max(axis=2); np.log(np.sum(np.exp(b - m[..., None]), axis=2)) + m
  std::vector<float> v;
  const Tensor x = pattern({2, 3, 4});
  for (int64_t i = 0; i < x.num_elements(); ++i) v.push_back(x.data<float>()[i] * 100.0f);
  auto y = OpTest("ReduceLogSumExp", 13)
               .attr("axes", std::vector<int64_t>{2})
               .attr("keepdims", int64_t{0})
               .input(f32({2, 3, 4}, v))
               .run();
  expect_values(y[0], f32({2, 3}, {125.0f, 100.0f, 75.0f, 137.5f, 112.5f, 62.5f}));
}

TEST(CpuReduceFamily, LogSumExpOfInfinities) {
  // np.log(np.sum(np.exp([[inf, 1], [-inf, -inf], [-inf, 2]]), axis=1)) = [inf, -inf, 2]
  auto y = OpTest("ReduceLogSumExp", 18)
               .attr("keepdims", int64_t{0})
               .input(f32({3, 2}, {kInf, 1, -kInf, -kInf, -kInf, 2}))
               .input(axes({1}))
               .run();
  expect_values(y[0], f32({3}, {kInf, -kInf, 2}));
}

// Interleaved reduced and kept axes of xi = pattern({3, 5, 7, 4}, 251, 7919, 125, 64), with the
// innermost axis reduced (axes 1, 3) or kept (axes 0, 2); L2 and LogSumExp in float64.
TEST(CpuReduceFamily, InterleavedAxes) {
  const Tensor x = pattern({3, 5, 7, 4}, 251, 7919, 125, 64.0f);
  auto run = [&](const char* op, std::vector<int64_t> a) {
    return OpTest(op, 18).attr("keepdims", int64_t{0}).input(x).input(axes(a)).run()[0];
  };
  // np.max(xi, axis=(1, 3)), np.max(xi, axis=(0, 2))
  expect_values(
      run("ReduceMax", {1, 3}),
      f32({3, 7}, {1.75f,     1.921875f, 1.875f,    1.9375f,   1.890625f, 1.953125f, 1.90625f,
                   1.859375f, 1.8125f,   1.765625f, 1.828125f, 1.953125f, 1.84375f,  1.796875f,
                   1.921875f, 1.875f,    1.9375f,   1.890625f, 1.84375f,  1.90625f,  1.859375f}));
  expect_values(
      run("ReduceMax", {0, 2}),
      f32({5, 4}, {1.953125f, 1.765625f, 1.5625f,  1.9375f,   1.9375f,   1.75f,     1.546875f,
                   1.921875f, 1.921875f, 1.71875f, 1.53125f,  1.890625f, 1.890625f, 1.703125f,
                   1.5f,      1.875f,    1.875f,   1.671875f, 1.484375f, 1.953125f}));
  // np.sqrt(np.sum(xi**2, axis=(1, 3))), np.sqrt(np.sum(xi**2, axis=(0, 2)))
  expect_values(run("ReduceL2", {1, 3}),
                f32({3, 7}, {5.0776443f, 5.0490756f, 5.0653443f, 5.0477214f, 5.0809846f, 5.080408f,
                             5.04598f,   5.0809846f, 5.0477214f, 5.0653443f, 5.0490756f, 5.0776443f,
                             5.084443f,  5.051396f,  5.0952115f, 5.0269537f, 5.094349f,  5.043197f,
                             5.042858f,  5.093343f,  5.025254f}));
  expect_values(run("ReduceL2", {0, 2}),
                f32({5, 4}, {5.9178333f, 4.5877404f, 5.446495f,  5.0267596f, 4.5489416f,
                             5.788172f,  4.4997287f, 5.835744f,  5.6875215f, 4.510459f,
                             5.825255f,  4.5723085f, 5.073676f,  5.299271f,  4.690988f,
                             5.907903f,  4.7117863f, 5.2777357f, 5.0819697f, 4.969487f}));
  // np.log(np.sum(np.exp(xi), axis=(1, 3))), np.log(np.sum(np.exp(xi), axis=(0, 2)))
  expect_values(run("ReduceLogSumExp", {1, 3}),
                f32({3, 7}, {3.4325988f, 3.6227875f, 3.623799f,  3.6177266f, 3.617929f,  3.6213524f,
                             3.6071625f, 3.5276024f, 3.5134125f, 3.514424f,  3.5083516f, 3.6966243f,
                             3.5119774f, 3.4977875f, 3.616677f,  3.596682f,  3.6087449f, 3.5952768f,
                             3.5872493f, 3.601052f,  3.581057f}));
  expect_values(run("ReduceLogSumExp", {0, 2}),
                f32({5, 4}, {3.8616714f, 3.6599324f, 3.221026f,  3.7225933f, 3.6762273f,
                             3.780636f,  3.4411824f, 3.5092833f, 4.0897927f, 3.4574773f,
                             3.561886f,  3.4525685f, 3.549151f,  3.871043f,  3.2387273f,
                             3.7133777f, 3.7693074f, 3.330401f,  3.652293f,  3.514434f}));
}

// ---------------------------------------------------------------------------------------------
// Reductions over an empty set (a reduced axis of size 0) give the reduction's identity, as in
// onnx's reference (reduce_constant): x has shape [2, 0, 4], axes = [1].

TEST(CpuReduceFamily, EmptySetGivesTheIdentity) {
  const Tensor x = f32({2, 0, 4}, {});
  const std::vector<std::pair<const char*, float>> cases = {
      {"ReduceSum", 0.0f}, {"ReduceSumSquare", 0.0f}, {"ReduceL1", 0.0f},
      {"ReduceL2", 0.0f},  {"ReduceProd", 1.0f},      {"ReduceMax", -kInf},
      {"ReduceMin", kInf}, {"ReduceLogSum", -kInf},   {"ReduceLogSumExp", -kInf},
      {"ReduceMean", kNaN}};
  for (const auto& [op, value] : cases) {
    SCOPED_TRACE(op);
    auto y = OpTest(op, 18).input(x).input(axes({1})).run();
    expect_values(y[0], f32({2, 1, 4}, std::vector<float>(8, value)));
  }
  // Integer ReduceMax of nothing: np.iinfo(np.int32).min.
  auto int_max = OpTest("ReduceMax", 13)
                     .attr("axes", std::vector<int64_t>{1})
                     .attr("keepdims", int64_t{0})
                     .input(Tensor::from_vector<int32_t>({2, 0}, {}))
                     .run();
  expect_near(int_max[0], Tensor::from_vector<int32_t>(
                              {2}, std::vector<int32_t>(2, std::numeric_limits<int32_t>::min())));
  // A kept axis of size 0 leaves nothing to compute: np.sum(np.zeros((2, 0, 4)), axis=2).
  auto none = OpTest("ReduceSum", 13).input(x).input(axes({2})).run();
  expect_values(none[0], f32({2, 0, 1}, {}));
}

// ---------------------------------------------------------------------------------------------
// Integer and bool element types.

TEST(CpuReduceFamily, Integers) {
  const Tensor a = Tensor::from_vector<int32_t>({2, 3}, {-7, 3, 100, 5, -2, -9});
  auto attr_op = [](const char* op, int64_t axis, const Tensor& x) {
    return OpTest(op, 12)
        .attr("axes", std::vector<int64_t>{axis})
        .attr("keepdims", int64_t{0})
        .input(x)
        .run()[0];
  };
  // np.sum(a, axis=1), np.sum(np.abs(a), axis=0), np.sum(np.square(a), axis=1)
  expect_near(attr_op("ReduceSum", 1, a), Tensor::from_vector<int32_t>({2}, {96, -6}));
  expect_near(attr_op("ReduceL1", 0, a), Tensor::from_vector<int32_t>({3}, {12, 5, 109}));
  expect_near(attr_op("ReduceSumSquare", 1, a), Tensor::from_vector<int32_t>({2}, {10058, 110}));
  // np.sqrt(np.sum(np.square(a), axis=1)).astype(np.int32): sqrt(10058) = 100.29 -> 100
  expect_near(attr_op("ReduceL2", 1, a), Tensor::from_vector<int32_t>({2}, {100, 10}));
  // np.prod(b, axis=1) for int64 b
  const Tensor b = Tensor::from_vector<int64_t>({2, 3}, {3, -4, 5, -6, 7, 2});
  expect_near(attr_op("ReduceProd", 1, b), i64({2}, {-60, -84}));
  // int8 and uint8 Max/Min: np.max(i8, axis=0), np.min(i8, axis=1), np.max(u8, axis=1),
  // np.min(u8, axis=0)
  const Tensor i8 = Tensor::from_vector<int8_t>({2, 3}, {-128, 5, 127, 0, -3, -100});
  expect_near(attr_op("ReduceMax", 0, i8), Tensor::from_vector<int8_t>({3}, {0, 5, 127}));
  expect_near(attr_op("ReduceMin", 1, i8), Tensor::from_vector<int8_t>({2}, {-128, -100}));
  const Tensor u8 = Tensor::from_vector<uint8_t>({2, 3}, {200, 5, 255, 0, 13, 100});
  expect_near(attr_op("ReduceMax", 1, u8), Tensor::from_vector<uint8_t>({2}, {255, 100}));
  expect_near(attr_op("ReduceMin", 0, u8), Tensor::from_vector<uint8_t>({3}, {0, 5, 100}));
}

TEST(CpuReduceFamily, IntegerSumWrapsAsInNumpy) {
  // np.sum(np.full(3, 2**30, np.int32), dtype=np.int32) = -1073741824
  auto y = OpTest("ReduceSum", 13)
               .attr("keepdims", int64_t{0})
               .input(Tensor::from_vector<int32_t>({3}, {1 << 30, 1 << 30, 1 << 30}))
               .run();
  expect_near(y[0], Tensor::scalar<int32_t>(-1073741824));
}

TEST(CpuReduceFamily, BoolMaxIsAnyAndMinIsAll) {
  // np.max(bo, axis=1), np.min(bo, axis=0) for bo = [[T, F, F], [F, F, F]]
  const Tensor bo = Tensor::from_vector<bool>({2, 3}, {true, false, false, false, false, false});
  auto max = OpTest("ReduceMax", 20).attr("keepdims", int64_t{0}).input(bo).input(axes({1})).run();
  expect_near(max[0], Tensor::from_vector<bool>({2}, {true, false}));
  auto min = OpTest("ReduceMin", 20).attr("keepdims", int64_t{0}).input(bo).input(axes({0})).run();
  expect_near(min[0], Tensor::from_vector<bool>({3}, {false, false, false}));
  // Of nothing, Min (all) is true and Max (any) is false. (onnx's reference fills both with
  // bool(+-inf) = True; false is the identity of "any" and what ReduceMax is for bool.)
  const Tensor empty = Tensor::from_vector<bool>({0, 2}, {});
  auto empty_min = OpTest("ReduceMin", 20).input(empty).input(axes({0})).run();
  expect_near(empty_min[0], Tensor::from_vector<bool>({1, 2}, {true, true}));
  auto empty_max = OpTest("ReduceMax", 20).input(empty).input(axes({0})).run();
  expect_near(empty_max[0], Tensor::from_vector<bool>({1, 2}, {false, false}));
  // bool arrives with opset 20.
  expect_error([&] { OpTest("ReduceMax", 18).input(bo).run(); }, ErrorCode::kNotImplemented,
               {"bool"});
}

TEST(CpuReduceFamily, Float16) {
  // np.sum(h, axis=1) and np.max(h, axis=0) for float16 h = [[0.5, -2.25, 3], [1.5, 1.5, -0.75]]
  std::vector<Float16> h;
  for (float v : {0.5f, -2.25f, 3.0f, 1.5f, 1.5f, -0.75f}) h.push_back(Float16(v));
  const Tensor x = Tensor::from_vector<Float16>({2, 3}, h);
  auto sum = OpTest("ReduceSum", 13).attr("keepdims", int64_t{0}).input(x).input(axes({1})).run();
  expect_near(sum[0], Tensor::from_vector<Float16>({2}, {Float16(1.25f), Float16(2.25f)}));
  auto max = OpTest("ReduceMax", 13)
                 .attr("axes", std::vector<int64_t>{0})
                 .attr("keepdims", int64_t{0})
                 .input(x)
                 .run();
  expect_near(max[0],
              Tensor::from_vector<Float16>({3}, {Float16(1.5f), Float16(1.5f), Float16(3.0f)}));
}

// ---------------------------------------------------------------------------------------------
// Tensors large enough for the work to be split over threads, including a single output's
// reduced set split into parts. big(shape) = (i * 7919) % 1001 - 500 (integers, so the float64
// sums below are exact; reference values from numpy in float64).

Tensor big(const Shape& shape, int64_t mod = 1001, int64_t offset = 500, float div = 1.0f) {
  return pattern(shape, mod, 7919, offset, div);
}

// Runs `body` with four threads available whatever the machine has, so that the kernels take
// their split paths (partial results merged at the end) deterministically.
void with_four_threads(const std::function<void()>& body) {
  tbb::task_arena arena(4);
  arena.execute(body);
}

void check_large_full_reductions() {
  const Tensor x = big({512, 512});
  auto all = [&](const char* op) {
    return OpTest(op, 18).attr("keepdims", int64_t{0}).input(x).run()[0];
  };
  expect_values(all("ReduceSum"), Tensor::scalar<float>(1698.0f));     // np.sum
  expect_values(all("ReduceL1"), Tensor::scalar<float>(65601696.0f));  // np.sum(np.abs(x))
  expect_values(all("ReduceMax"), Tensor::scalar<float>(500.0f));      // np.max
  expect_values(all("ReduceMin"), Tensor::scalar<float>(-500.0f));     // np.min
  expect_values(all("ReduceMean"), Tensor::scalar<float>(1698.0f / 262144.0f));
}
TEST(CpuReduceFamily, LargeFullReductions) {
  with_four_threads(check_large_full_reductions);
}

void check_large_outer_reductions() {
  // np.sum(t, axis=0), np.max(t, axis=0) for t = big((16384, 4))
  const Tensor t = big({16384, 4});
  auto sum = OpTest("ReduceSum", 13).attr("keepdims", int64_t{0}).input(t).input(axes({0})).run();
  expect_values(sum[0], f32({4}, {232.0f, 513.0f, 794.0f, 1075.0f}));
  auto max = OpTest("ReduceMax", 18).attr("keepdims", int64_t{0}).input(t).input(axes({0})).run();
  expect_values(max[0], f32({4}, {500.0f, 500.0f, 500.0f, 500.0f}));
  // m = big((3, 20000, 5), 101, 50) / 16; np.log(np.sum(np.exp(m), axis=1)) in float64
  const Tensor m = big({3, 20000, 5}, 101, 50, 16.0f);
  auto lse =
      OpTest("ReduceLogSumExp", 18).attr("keepdims", int64_t{0}).input(m).input(axes({1})).run();
  expect_values(lse[0], f32({3, 5}, {11.215129f, 11.215145f, 11.215347f, 11.215133f, 11.215195f,
                                     11.21513f, 11.215153f, 11.215447f, 11.215136f, 11.215225f,
                                     11.215131f, 11.215163f, 11.215592f, 11.215138f, 11.21527f}));
}
TEST(CpuReduceFamily, LargeOuterReductions) {
  with_four_threads(check_large_outer_reductions);
}

// ---------------------------------------------------------------------------------------------
// Errors

TEST(CpuReduceFamily, BadAxes) {
  expect_error(
      [] {
        OpTest("ReduceSum", 13).input(pattern({2, 3})).input(axes({2})).run();
      },
      ErrorCode::kInvalidArgument, {"test_ReduceSum", "axis 2", "[2,3]"});
  expect_error(
      [] {
        OpTest("ReduceMax", 18).input(pattern({2, 3})).input(axes({0, -2})).run();
      },
      ErrorCode::kInvalidArgument, {"test_ReduceMax", "repeat"});
  expect_error(
      [] {
        OpTest("ReduceL1", 18)
            .input(pattern({2, 3}))
            .input(Tensor::from_vector<int64_t>({1, 1}, {0}))
            .run();
      },
      ErrorCode::kInvalidArgument, {"test_ReduceL1", "1-D int64"});
  expect_error(
      [] {
        OpTest("ReduceProd", 18).attr("axes", std::vector<int64_t>{0}).input(pattern({2, 3})).run();
      },
      ErrorCode::kInvalidModel, {"test_ReduceProd", "opset 18"});
  expect_error(
      [] {
        OpTest("ReduceSum", 13).input(Tensor::from_vector<int8_t>({2}, {1, 2})).run();
      },
      ErrorCode::kNotImplemented, {"int8"});
}

// ---------------------------------------------------------------------------------------------
// ArgMax / ArgMin. t = [[2, 5, 5, 1], [7, 7, 0, 7], [7, 1, 5, 1]] has ties along both axes.

const std::vector<float> kTies = {2, 5, 5, 1, 7, 7, 0, 7, 7, 1, 5, 1};

std::vector<Tensor> arg(const char* op, const Tensor& x, int64_t axis, int64_t keepdims,
                        int64_t select_last_index, int64_t opset = 13) {
  OpTest t(op, opset);
  t.attr("axis", axis).attr("keepdims", keepdims);
  if (opset >= 12) t.attr("select_last_index", select_last_index);
  return t.input(x).run();
}

TEST(CpuArgReduce, InnermostAxisWithTies) {
  const Tensor t = f32({3, 4}, kTies);
  // np.argmax(t, axis=1) and the flipped form for the last index; likewise argmin.
  expect_near(arg("ArgMax", t, 1, 0, 0)[0], i64({3}, {1, 0, 0}));
  expect_near(arg("ArgMax", t, 1, 0, 1)[0], i64({3}, {2, 3, 0}));
  expect_near(arg("ArgMin", t, -1, 1, 0)[0], i64({3, 1}, {3, 2, 1}));
  expect_near(arg("ArgMin", t, -1, 1, 1)[0], i64({3, 1}, {3, 2, 3}));
}

TEST(CpuArgReduce, OuterAxisWithTies) {
  const Tensor t = f32({3, 4}, kTies);
  // np.argmax(t, axis=0), np.argmin(t, axis=0), first and last index
  expect_near(arg("ArgMax", t, 0, 1, 0)[0], i64({1, 4}, {1, 1, 0, 1}));
  expect_near(arg("ArgMax", t, 0, 1, 1)[0], i64({1, 4}, {2, 1, 2, 1}));
  expect_near(arg("ArgMin", t, -2, 0, 0)[0], i64({4}, {0, 2, 1, 0}));
  expect_near(arg("ArgMin", t, -2, 0, 1)[0], i64({4}, {0, 2, 1, 2}));
}

TEST(CpuArgReduce, MiddleAxisAndDefaults) {
  // np.argmax(x, axis=1) with keepdims for x = pattern({2, 3, 4}); np.argmin(x, axis=-1)
  const Tensor x = pattern({2, 3, 4});
  expect_near(arg("ArgMax", x, 1, 1, 0)[0], i64({2, 1, 4}, {2, 2, 1, 0, 1, 0, 2, 1}));
  expect_near(arg("ArgMin", x, -1, 0, 0, 11)[0], i64({2, 3}, {0, 3, 2, 2, 1, 3}));
  // Defaults are axis 0 and keepdims 1: np.argmax(t, axis=0)[None] (opset 1 has neither
  // negative axes nor select_last_index).
  auto y = OpTest("ArgMax", 1).input(f32({3, 4}, kTies)).run();
  expect_near(y[0], i64({1, 4}, {1, 1, 0, 1}));
}

TEST(CpuArgReduce, NaNIsTheExtreme) {
  // np.argmax / np.argmin of [1, nan, 3, nan, 0] return the first NaN (1); the flipped form the
  // last (3).
  const Tensor n = f32({5}, {1, kNaN, 3, kNaN, 0});
  expect_near(arg("ArgMax", n, 0, 0, 0)[0], Tensor::scalar<int64_t>(1));
  expect_near(arg("ArgMax", n, 0, 0, 1)[0], Tensor::scalar<int64_t>(3));
  expect_near(arg("ArgMin", n, 0, 0, 0)[0], Tensor::scalar<int64_t>(1));
  expect_near(arg("ArgMin", n, 0, 0, 1)[0], Tensor::scalar<int64_t>(3));
}

TEST(CpuArgReduce, IntegerAndHalfTypes) {
  // flipped argmax of u8 = [[9, 200, 200], [0, 0, 3]] along axis 1; np.argmin(u8, axis=0)
  const Tensor u8 = Tensor::from_vector<uint8_t>({2, 3}, {9, 200, 200, 0, 0, 3});
  expect_near(arg("ArgMax", u8, 1, 0, 1)[0], i64({2}, {2, 2}));
  expect_near(arg("ArgMin", u8, 0, 0, 0)[0], i64({3}, {1, 1, 1}));
  // np.argmin / np.argmax(i, axis=1) for int64 values beyond float precision's comfort
  const Tensor i = i64({2, 3}, {-5, int64_t{1} << 40, -(int64_t{1} << 40), 7, 7, -1});
  expect_near(arg("ArgMin", i, 1, 0, 0)[0], i64({2}, {2, 2}));
  expect_near(arg("ArgMax", i, 1, 0, 0)[0], i64({2}, {1, 0}));
  // np.argmax(h, axis=0) for float16 h = [[0.5, -2.25, 3], [1.5, 1.5, -0.75]]
  std::vector<Float16> h;
  for (float v : {0.5f, -2.25f, 3.0f, 1.5f, 1.5f, -0.75f}) h.push_back(Float16(v));
  expect_near(arg("ArgMax", Tensor::from_vector<Float16>({2, 3}, h), 0, 0, 0)[0],
              i64({3}, {1, 1, 0}));
}

TEST(CpuArgReduce, Errors) {
  expect_error(
      [] {
        arg("ArgMax", pattern({2, 3}), 2, 1, 0);
      },
      ErrorCode::kInvalidArgument, {"test_ArgMax", "axis 2"});
  expect_error(
      [] {
        arg("ArgMin", f32({2, 0}, {}), 1, 1, 0);
      },
      ErrorCode::kInvalidArgument, {"test_ArgMin", "size 0"});
  // Along a non-empty axis of an empty tensor there is nothing to index: shape [0, 1].
  auto y = arg("ArgMax", f32({0, 3}, {}), 1, 1, 0);
  expect_near(y[0], i64({0, 1}, {}));
}

}  // namespace
}  // namespace aruntime::testing
