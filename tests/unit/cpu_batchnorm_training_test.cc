// Tests of BatchNormalization with training_mode=1 (opsets 14 and 15) on the CPU EP.
//
// Expected values were computed with numpy from the ONNX formulas, independently of the kernel:
// current_mean = x.mean(axis=all but 1), current_var = x.var(axis=all but 1) (population, ddof=0),
// Y = (x - current_mean) / sqrt(current_var + eps) * scale + B, and
// running_* = input_* * momentum + current_* * (1 - momentum), all in float64 and then cast to the
// output type (eps and momentum taken as float32 values, as the attributes are). The float32 case
// was also checked against onnxruntime 1.32 (CPUExecutionProvider): differences below 2e-7.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/unit/op_test_util.h"

namespace aruntime::testing {
namespace {

Tensor f64(const Shape& shape, const std::vector<double>& v) {
  return Tensor::from_vector<double>(shape, v);
}
Tensor f16(const Shape& shape, const std::vector<float>& v) {
  std::vector<Float16> h;
  for (float f : v) h.push_back(Float16(f));
  return Tensor::from_vector<Float16>(shape, h);
}

// ((i * mul) % mod - offset) / div for flat index i: exact binary fractions, the same formula the
// generating numpy script used.
std::vector<float> pattern(int64_t n, int64_t mod, int64_t mul, int64_t offset, float div) {
  std::vector<float> v(static_cast<size_t>(n));
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = static_cast<float>(static_cast<int64_t>(i) * mul % mod - offset) / div;
  }
  return v;
}

// X: [2, 3, 2, 2], all three outputs, explicit epsilon and momentum.
TEST(CpuBatchNormTraining, Opset15Float32AllOutputs) {
  auto out = OpTest("BatchNormalization", 15)
                 .attr("training_mode", int64_t{1})
                 .attr("epsilon", 1e-3f)
                 .attr("momentum", 0.8f)
                 .input(f32({2, 3, 2, 2}, pattern(24, 23, 7919, 11, 8.0f)))
                 .input(f32({3}, {0.5f, 1.5f, -2.0f}))
                 .input(f32({3}, {0.1f, -0.2f, 0.3f}))
                 .input(f32({3}, {0.25f, -0.5f, 0.125f}))
                 .input(f32({3}, {0.5f, 2.0f, 0.75f}))
                 .outputs({DataType::kFloat32, DataType::kFloat32, DataType::kFloat32})
                 .run();
  ASSERT_EQ(out.size(), 3u);
  expect_near(out[0],
              f32({2, 3, 2, 2},
                  {-0.7661928f, -0.2712255f, 0.2237418f,  0.7187092f,   -1.690087f, -0.0853779f,
                   1.519331f,   -2.148576f,  -0.3947322f, -2.683262f,   2.547663f,  0.2591334f,
                   0.2944514f,  0.7894188f,  -0.3419351f, 0.1530322f,   1.748576f,  -1.919332f,
                   -0.3146221f, 1.290087f,   2.22073f,    -0.06779941f, -2.356329f, 2.874596f}));
  expect_near(out[1], f32({3}, {0.23125f, -0.3875f, 0.021875f}));
  expect_near(out[2], f32({3}, {0.5560547f, 1.733594f, 0.7167481f}));
}

// X: [3, 2, 5] around 1000, so a one-pass sum-of-squares variance would lose most digits. Default
// epsilon (1e-5) and momentum (0.9); the running outputs are requested.
TEST(CpuBatchNormTraining, Opset14Float64DefaultsRank3) {
  auto out = OpTest("BatchNormalization", 14)
                 .attr("training_mode", int64_t{1})
                 .input(f64({3, 2, 5},
                            {998,     1001.5, 1000.75, 1000,    999.25,  998.5,  1002,    1001.25,
                             1000.5,  999.75, 999,     998.25,  1001.75, 1001,   1000.25, 999.5,
                             998.75,  998,    1001.5,  1000.75, 1000,    999.25, 998.5,   1002,
                             1001.25, 1000.5, 999.75,  999,     998.25,  1001.75}))
                 .input(f64({2}, {1.25, -0.75}))
                 .input(f64({2}, {0.5, 2.0}))
                 .input(f64({2}, {999.0, 1001.0}))
                 .input(f64({2}, {3.0, 0.5}))
                 .outputs({DataType::kFloat64, DataType::kFloat64, DataType::kFloat64})
                 .run();
  ASSERT_EQ(out.size(), 3u);
  expect_near(
      out[0],
      f64({3, 2, 5},
          {-1.5300614783193347, 1.9358971432015575,  1.1931917243042234,   0.45048630540688944,
           -0.2922191134904446, 2.8761656471328534,  0.80880850221265899,  1.2518136046955577,
           1.6948187071784564,  2.1378238096613553,  -0.53978758645622271, -1.2824930053535568,
           2.1834656161673358,  1.4407601972700015,  0.69805477837266738,  2.2854921771556547,
           2.7284972796385536,  3.1715023821214525,  1.1041452372012581,   1.5471503396841568,
           0.45048630540688944, -0.2922191134904446, -1.0349245323877785,  2.4310340891331137,
           1.6883286702357796,  1.6948187071784564,  2.1378238096613553,   2.5808289121442538,
           3.0238340146271527,  0.95647686970695833}),
      1e-12, 1e-12);
  expect_near(out[1], f64({2}, {999.10500002503397, 1000.8983333090941}), 1e-12, 1e-12);
  expect_near(out[2], f64({2}, {2.8593332997957868, 0.61122224873966635}), 1e-12, 1e-12);
}

// Only Y is requested: the running statistics are optional and must not be produced.
TEST(CpuBatchNormTraining, RunningStatisticsOmitted) {
  auto out = OpTest("BatchNormalization", 15)
                 .attr("training_mode", int64_t{1})
                 .attr("epsilon", 1e-3f)
                 .input(f32({2, 3, 2, 2}, pattern(24, 23, 7919, 11, 8.0f)))
                 .input(f32({3}, {0.5f, 1.5f, -2.0f}))
                 .input(f32({3}, {0.1f, -0.2f, 0.3f}))
                 .input(f32({3}, {0.25f, -0.5f, 0.125f}))
                 .input(f32({3}, {0.5f, 2.0f, 0.75f}))
                 .run();
  ASSERT_EQ(out.size(), 1u);
  // Y does not depend on momentum, so these are the values of Opset15Float32AllOutputs.
  expect_near(out[0],
              f32({2, 3, 2, 2},
                  {-0.7661928f, -0.2712255f, 0.2237418f,  0.7187092f,   -1.690087f, -0.0853779f,
                   1.519331f,   -2.148576f,  -0.3947322f, -2.683262f,   2.547663f,  0.2591334f,
                   0.2944514f,  0.7894188f,  -0.3419351f, 0.1530322f,   1.748576f,  -1.919332f,
                   -0.3146221f, 1.290087f,   2.22073f,    -0.06779941f, -2.356329f, 2.874596f}));
}

// Opset 15 lets the statistics differ in type from X: float16 X [4, 3] (rank 2, no spatial axes)
// with float32 scale/B/mean/var. Y is float16; the running statistics stay float32.
TEST(CpuBatchNormTraining, Float16InputFloat32Statistics) {
  auto out = OpTest("BatchNormalization", 15)
                 .attr("training_mode", int64_t{1})
                 .attr("epsilon", 1e-2f)
                 .attr("momentum", 0.5f)
                 .input(f16({4, 3}, pattern(12, 13, 37, 6, 4.0f)))
                 .input(f32({3}, {1.0f, 2.0f, 0.5f}))
                 .input(f32({3}, {0.0f, -1.0f, 0.25f}))
                 .input(f32({3}, {0.5f, 0.0f, -0.5f}))
                 .input(f32({3}, {1.0f, 0.25f, 4.0f}))
                 .outputs({DataType::kFloat16, DataType::kFloat32, DataType::kFloat32})
                 .run();
  ASSERT_EQ(out.size(), 3u);
  expect_near(out[0],
              f16({4, 3}, {-1.124023f, 0.6298828f, 0.6577148f, 0.8432617f, -3.28125f, -0.3205566f,
                           -0.8432617f, 1.282227f, 0.8203125f, 1.124023f, -2.630859f, -0.1574707f}),
              1e-3, 1e-3);
  expect_near(out[1], f32({3}, {0.0f, 0.3125f, -0.1875f}));
  expect_near(out[2], f32({3}, {0.890625f, 0.4140625f, 2.289062f}));
}

TEST(CpuBatchNormTraining, StatisticsOfWrongSize) {
  expect_error(
      [] {
        OpTest("BatchNormalization", 15)
            .attr("training_mode", int64_t{1})
            .input(f32({1, 3, 2}, pattern(6, 23, 7919, 11, 8.0f)))
            .input(f32({3}, {1, 1, 1}))
            .input(f32({3}, {0, 0, 0}))
            .input(f32({2}, {0, 0}))
            .input(f32({3}, {1, 1, 1}))
            .outputs({DataType::kFloat32, DataType::kFloat32, DataType::kFloat32})
            .run();
      },
      ErrorCode::kInvalidArgument, {"test_BatchNormalization", "input_mean", "[2]", "[3]"});
}

TEST(CpuBatchNormTraining, InputOfRankOne) {
  expect_error(
      [] {
        OpTest("BatchNormalization", 15)
            .attr("training_mode", int64_t{1})
            .input(f32({3}, {1, 2, 3}))
            .input(f32({3}, {1, 1, 1}))
            .input(f32({3}, {0, 0, 0}))
            .input(f32({3}, {0, 0, 0}))
            .input(f32({3}, {1, 1, 1}))
            .run();
      },
      ErrorCode::kInvalidArgument, {"test_BatchNormalization", "input X"});
}

TEST(CpuBatchNormTraining, RunningOutputsNeedTrainingMode) {
  expect_error(
      [] {
        OpTest("BatchNormalization", 14)
            .input(f32({1, 1, 2}, {1, 2}))
            .input(f32({1}, {1}))
            .input(f32({1}, {0}))
            .input(f32({1}, {0}))
            .input(f32({1}, {1}))
            .outputs({DataType::kFloat32, DataType::kFloat32, DataType::kFloat32})
            .run();
      },
      ErrorCode::kInvalidModel, {"test_BatchNormalization", "training_mode=1"});
}

// Before opset 14 training mode has no attribute and leaves saved_mean/saved_var unspecified.
TEST(CpuBatchNormTraining, Opset9TrainingOutputsNotImplemented) {
  expect_error(
      [] {
        OpTest("BatchNormalization", 9)
            .input(f32({1, 1, 2}, {1, 2}))
            .input(f32({1}, {1}))
            .input(f32({1}, {0}))
            .input(f32({1}, {0}))
            .input(f32({1}, {1}))
            .outputs({DataType::kFloat32, DataType::kFloat32, DataType::kFloat32})
            .run();
      },
      ErrorCode::kNotImplemented, {"test_BatchNormalization", "training"});
}

}  // namespace
}  // namespace aruntime::testing
