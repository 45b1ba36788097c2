// Tests of the CPU loss kernels (NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss).
//
// Inputs are exact binary fractions ((i * 7) % 11 - 5) / 4 of the flat index i (see pattern()).
// Unless a test says otherwise, expected values were computed with onnxruntime 1.32
// (CPUExecutionProvider) on single-node opset-13 models fed with the same inputs, and
// cross-checked with numpy: NLL as -take_along_axis(x, t[:, None], 1) * weight[t], SCE's log_prob
// as (x - max) - log(sum(exp(x - max))) over axis 1; the mean divides by the sum of the applied
// weights (0 for ignored targets). Hand-checkable cases show their arithmetic.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "tests/unit/op_test_util.h"

namespace aruntime::testing {
namespace {

// pattern({2,3,2}) = [-1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25]
Tensor pattern(const Shape& shape) {
  std::vector<float> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = static_cast<float>(static_cast<int64_t>(i) * 7 % 11 - 5) / 4.0f;
  }
  return Tensor::from_vector<float>(shape, v);
}
Tensor i32(const Shape& shape, const std::vector<int32_t>& v) {
  return Tensor::from_vector<int32_t>(shape, v);
}
Tensor to_f64(const Tensor& t) {
  std::vector<double> v(t.data<float>(), t.data<float>() + t.num_elements());
  return Tensor::from_vector<double>(t.shape(), v);
}
Tensor to_f16(const Tensor& t) {
  std::vector<Float16> v;
  for (int64_t i = 0; i < t.num_elements(); ++i) v.push_back(Float16(t.data<float>()[i]));
  return Tensor::from_vector<Float16>(t.shape(), v);
}
Tensor f16_to_f32(const Tensor& t) {
  std::vector<float> v;
  for (int64_t i = 0; i < t.num_elements(); ++i) v.push_back(t.data<Float16>()[i].to_float());
  return Tensor::from_vector<float>(t.shape(), v);
}

// ---- NegativeLogLikelihoodLoss ---------------------------------------------------------------

TEST(CpuLossTest, NllNoneGathersNegatedTargetScores) {
  // x [N=2, C=3, d=2], loss[n, d] = -x[n, t[n, d], d]:
  // -x[0,0,0] = 1.25, -x[0,2,1] = 0.75, -x[1,1,0] = 1.0, -x[1,1,1] = -0.75.
  auto out = OpTest("NegativeLogLikelihoodLoss", 13)
                 .attr("reduction", std::string("none"))
                 .input(pattern({2, 3, 2}))
                 .input(i64({2, 2}, {0, 2, 1, 1}))
                 .outputs({DataType::kFloat32})
                 .run();
  expect_near(out[0], f32({2, 2}, {1.25f, 0.75f, 1.0f, -0.75f}));
}

TEST(CpuLossTest, NllDefaultReductionIsMean) {
  // Same data as above without the attribute: (1.25 + 0.75 + 1.0 - 0.75) / 4 = 0.5625.
  auto out = OpTest("NegativeLogLikelihoodLoss", 12)
                 .input(pattern({2, 3, 2}))
                 .input(i64({2, 2}, {0, 2, 1, 1}))
                 .outputs({DataType::kFloat32})
                 .run();
  EXPECT_EQ(out[0].shape(), Shape{});
  expect_near(out[0], f32({}, {0.5625f}));
}

TEST(CpuLossTest, NllWeightedMeanDividesBySumOfWeights) {
  // x [3, 4] rows [-1.25 .5 -.5 1.25] [.25 -.75 1 0] [-1 .75 -.25 -1.25], t = [3, 1, 0],
  // w = [0.5, 2, 1.5, 0.25]: (-(0.25*1.25) - 2*(-0.75) - 0.5*(-1)) / (0.25 + 2 + 0.5)
  // = 1.6875 / 2.75 = 0.613636... (onnxruntime: 0.6136363744735718).
  auto out = OpTest("NegativeLogLikelihoodLoss", 13)
                 .input(pattern({3, 4}))
                 .input(i64({3}, {3, 1, 0}))
                 .input(f32({4}, {0.5f, 2.0f, 1.5f, 0.25f}))
                 .outputs({DataType::kFloat32})
                 .run();
  expect_near(out[0], f32({}, {0.6136363744735718f}));
}

TEST(CpuLossTest, NllIgnoredTargetLeavesNumeratorAndDenominator) {
  // As above with ignore_index = 1: the middle row drops out of both sums:
  // (-(0.25*1.25) - 0.5*(-1)) / (0.25 + 0.5) = 0.1875 / 0.75 = 0.25.
  auto out = OpTest("NegativeLogLikelihoodLoss", 13)
                 .attr("reduction", std::string("mean"))
                 .attr("ignore_index", int64_t{1})
                 .input(pattern({3, 4}))
                 .input(i64({3}, {3, 1, 0}))
                 .input(f32({4}, {0.5f, 2.0f, 1.5f, 0.25f}))
                 .outputs({DataType::kFloat32})
                 .run();
  expect_near(out[0], f32({}, {0.25f}));
}

TEST(CpuLossTest, NllNegativeIgnoreIndexWithInt32TargetsOnRank4) {
  // x [2, 3, 2, 2], int32 targets with -1 ignored (3 of 8 positions), no weight:
  // sum = -(x[0,0,0,0] + x[0,2,1,0] + x[0,1,1,1] + x[1,1,1,0] + x[1,0,1,1])
  //     = -(-1.25 + -0.25 + 0.0 + 0.0 + 0.25) = 1.25; mean = 1.25 / 5 = 0.25 (onnxruntime agrees).
  const Tensor x = pattern({2, 3, 2, 2});
  const Tensor t = i32({2, 2, 2}, {0, -1, 2, 1, -1, -1, 1, 0});
  auto sum = OpTest("NegativeLogLikelihoodLoss", 13)
                 .attr("reduction", std::string("sum"))
                 .attr("ignore_index", int64_t{-1})
                 .input(x)
                 .input(t)
                 .outputs({DataType::kFloat32})
                 .run();
  expect_near(sum[0], f32({}, {1.25f}));
  auto mean = OpTest("NegativeLogLikelihoodLoss", 13)
                  .attr("ignore_index", int64_t{-1})
                  .input(x)
                  .input(t)
                  .outputs({DataType::kFloat32})
                  .run();
  expect_near(mean[0], f32({}, {0.25f}));
  auto none = OpTest("NegativeLogLikelihoodLoss", 13)
                  .attr("reduction", std::string("none"))
                  .attr("ignore_index", int64_t{-1})
                  .input(x)
                  .input(t)
                  .outputs({DataType::kFloat32})
                  .run();
  expect_near(none[0], f32({2, 2, 2}, {1.25f, 0.0f, 0.25f, 0.0f, 0.0f, 0.0f, 0.0f, -0.25f}));
}

TEST(CpuLossTest, NllAllTargetsIgnoredMeanIsNaN) {
  // The reference divides 0 by a zero weight sum: NaN.
  auto out = OpTest("NegativeLogLikelihoodLoss", 13)
                 .attr("ignore_index", int64_t{2})
                 .input(pattern({2, 3}))
                 .input(i64({2}, {2, 2}))
                 .outputs({DataType::kFloat32})
                 .run();
  EXPECT_TRUE(std::isnan(out[0].data<float>()[0]));
}

TEST(CpuLossTest, NllFloat64) {
  // Same as NllWeightedMeanDividesBySumOfWeights in double: 1.6875 / 2.75.
  auto out = OpTest("NegativeLogLikelihoodLoss", 22)
                 .input(to_f64(pattern({3, 4})))
                 .input(i64({3}, {3, 1, 0}))
                 .input(to_f64(f32({4}, {0.5f, 2.0f, 1.5f, 0.25f})))
                 .outputs({DataType::kFloat64})
                 .run();
  ASSERT_EQ(out[0].dtype(), DataType::kFloat64);
  EXPECT_NEAR(out[0].data<double>()[0], 1.6875 / 2.75, 1e-15);
}

// ---- SoftmaxCrossEntropyLoss -----------------------------------------------------------------

TEST(CpuLossTest, SceMeanWithLogProb) {
  // x [3, 5], t = [1, 4, 0]; loss = mean(-log_prob[n, t[n]]).
  auto out = OpTest("SoftmaxCrossEntropyLoss", 13)
                 .input(pattern({3, 5}))
                 .input(i64({3}, {1, 4, 0}))
                 .outputs({DataType::kFloat32, DataType::kFloat32})
                 .run();
  ASSERT_EQ(out.size(), 2u);
  expect_near(out[0], f32({}, {1.602351188659668f}));
  expect_near(out[1],
              f32({3, 5}, {-3.2400808334350586f, -1.4900808334350586f, -2.4900808334350586f,
                           -0.7400807738304138f, -1.7400808334350586f, -2.6484484672546387f,
                           -0.8984483480453491f, -1.8984483480453491f, -2.8984484672546387f,
                           -1.1484483480453491f, -2.1685242652893066f, -3.1685242652893066f,
                           -1.4185243844985962f, -2.4185242652893066f, -0.6685243844985962f}));
}

TEST(CpuLossTest, SceWeightedIgnoreIndexOn3d) {
  // x [2, 3, 2], t = [[2, 0], [1, 2]] with ignore_index 2, w = [1, 0.5, 2]: only (0,1) with
  // weight 1 and (1,0) with weight 0.5 count; mean = (1.2248058 + 1.1759759) / 1.5.
  const Tensor x = pattern({2, 3, 2});
  const Tensor t = i64({2, 2}, {2, 0, 1, 2});
  const Tensor w = f32({3}, {1.0f, 0.5f, 2.0f});
  auto mean = OpTest("SoftmaxCrossEntropyLoss", 13)
                  .attr("ignore_index", int64_t{2})
                  .input(x)
                  .input(t)
                  .input(w)
                  .outputs({DataType::kFloat32})
                  .run();
  expect_near(mean[0], f32({}, {1.6005210876464844f}));
  auto none = OpTest("SoftmaxCrossEntropyLoss", 13)
                  .attr("reduction", std::string("none"))
                  .attr("ignore_index", int64_t{2})
                  .input(x)
                  .input(t)
                  .input(w)
                  .outputs({DataType::kFloat32})
                  .run();
  expect_near(none[0], f32({2, 2}, {0.0f, 1.2248058319091797f, 1.1759759187698364f, 0.0f}));
}

TEST(CpuLossTest, SceFloat64Sum) {
  auto out = OpTest("SoftmaxCrossEntropyLoss", 13)
                 .attr("reduction", std::string("sum"))
                 .input(to_f64(pattern({3, 5})))
                 .input(i32({3}, {1, 4, 0}))
                 .outputs({DataType::kFloat64})
                 .run();
  ASSERT_EQ(out[0].dtype(), DataType::kFloat64);
  EXPECT_NEAR(out[0].data<double>()[0], 4.807053446950539, 1e-12);
}

TEST(CpuLossTest, SceFloat16ComputesInFloat) {
  // onnxruntime's float16 results (equal to numpy's float32 computation rounded to float16).
  auto out = OpTest("SoftmaxCrossEntropyLoss", 12)
                 .attr("reduction", std::string("none"))
                 .input(to_f16(pattern({3, 5})))
                 .input(i64({3}, {1, 4, 0}))
                 .outputs({DataType::kFloat16, DataType::kFloat16})
                 .run();
  ASSERT_EQ(out[0].dtype(), DataType::kFloat16);
  ASSERT_EQ(out[1].dtype(), DataType::kFloat16);
  expect_near(f16_to_f32(out[0]), f32({3}, {1.490234375f, 1.1484375f, 2.16796875f}), 1e-3, 1e-3);
  expect_near(
      f16_to_f32(out[1]),
      f32({3, 5}, {-3.240234375f, -1.490234375f, -2.490234375f, -0.740234375f, -1.740234375f,
                   -2.6484375f, -0.8984375f, -1.8984375f, -2.8984375f, -1.1484375f, -2.16796875f,
                   -3.16796875f, -1.4189453125f, -2.41796875f, -0.66845703125f}),
      1e-3, 1e-3);
}

TEST(CpuLossTest, SceLargeScoresStayFinite) {
  // Hand-derived: scores [1000, 0] and [0, 1000]; log_softmax = [0, -1000] and [-1000, 0] exactly
  // when the max is subtracted first, so targets [1, 1] give losses [1000, 0].
  auto out = OpTest("SoftmaxCrossEntropyLoss", 13)
                 .attr("reduction", std::string("none"))
                 .input(f32({2, 2}, {1000.0f, 0.0f, 0.0f, 1000.0f}))
                 .input(i64({2}, {1, 1}))
                 .outputs({DataType::kFloat32, DataType::kFloat32})
                 .run();
  expect_near(out[0], f32({2}, {1000.0f, 0.0f}));
  expect_near(out[1], f32({2, 2}, {0.0f, -1000.0f, -1000.0f, 0.0f}));
}

// ---- Errors ------------------------------------------------------------------------------------

TEST(CpuLossTest, TargetOutOfRangeIsRejected) {
  expect_error(
      [] {
        OpTest("SoftmaxCrossEntropyLoss", 13)
            .input(pattern({2, 3}))
            .input(i64({2}, {0, 3}))
            .outputs({DataType::kFloat32})
            .run();
      },
      ErrorCode::kInvalidArgument, {"test_SoftmaxCrossEntropyLoss", "value 3", "[0, 3)"});
  // A negative target that is not the ignore_index.
  expect_error(
      [] {
        OpTest("NegativeLogLikelihoodLoss", 13)
            .attr("ignore_index", int64_t{-100})
            .input(pattern({2, 3}))
            .input(i32({2}, {-1, 0}))
            .outputs({DataType::kFloat32})
            .run();
      },
      ErrorCode::kInvalidArgument, {"value -1", "ignore_index -100"});
}

TEST(CpuLossTest, ShapeMismatchesAreRejected) {
  expect_error(
      [] {
        OpTest("NegativeLogLikelihoodLoss", 13)
            .input(pattern({2, 3, 4}))
            .input(i64({2, 3}, {0, 0, 0, 0, 0, 0}))
            .outputs({DataType::kFloat32})
            .run();
      },
      ErrorCode::kInvalidArgument, {"input 1 (target)", "[2,3,4]", "[2,3]"});
  expect_error(
      [] {
        OpTest("NegativeLogLikelihoodLoss", 13)
            .input(pattern({3}))
            .input(i64({}, {0}))
            .outputs({DataType::kFloat32})
            .run();
      },
      ErrorCode::kInvalidArgument, {"rank >= 2", "[3]"});
  expect_error(
      [] {
        OpTest("SoftmaxCrossEntropyLoss", 13)
            .input(pattern({2, 3}))
            .input(i64({2}, {0, 1}))
            .input(f32({2}, {1.0f, 1.0f}))
            .outputs({DataType::kFloat32})
            .run();
      },
      ErrorCode::kInvalidArgument, {"input 2 (weight)", "[3]", "[2]"});
}

TEST(CpuLossTest, UnknownReductionIsRejected) {
  expect_error(
      [] {
        OpTest("SoftmaxCrossEntropyLoss", 13)
            .attr("reduction", std::string("max"))
            .input(pattern({2, 3}))
            .input(i64({2}, {0, 1}))
            .outputs({DataType::kFloat32})
            .run();
      },
      ErrorCode::kInvalidModel, {"reduction", "'max'"});
}

}  // namespace
}  // namespace aruntime::testing
