// Tests of the CPU ReduceMean and Resize kernels.
//
// Expected values were computed with onnxruntime 1.32 (CPUExecutionProvider) on single-node models
// fed with the same inputs, and cross-checked against onnx 1.18's reference implementation where
// it runs the case. Inputs are exact binary fractions ((i * mul) % mod - offset) / div of the flat
// index i (see pattern() below; the generating Python used the same formula).
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/unit/op_test_util.h"

namespace aruntime::testing {
namespace {

Tensor pattern(const Shape& shape, int64_t mod = 23, int64_t mul = 7919, int64_t offset = 11,
               float div = 8.0f) {
  std::vector<float> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = static_cast<float>(static_cast<int64_t>(i) * mul % mod - offset) / div;
  }
  return Tensor::from_vector<float>(shape, v);
}
// ---------------------------------------------------------------------------------------------
// ReduceMean

TEST(CpuReduceMean, AxesAttributeKeepDims) {
  auto y = OpTest("ReduceMean", 13)
               .attr("axes", std::vector<int64_t>{1})
               .input(pattern({2, 3, 4}))
               .run();
  expect_near(y[0], f32({2, 1, 4}, {-0.75f, 0.125f, 0.04166667f, -0.04166667f, 0.1666667f,
                                    0.08333334f, 0.0f, -0.08333334f}));
}

TEST(CpuReduceMean, AxesAttributeWithoutKeepDims) {
  auto y = OpTest("ReduceMean", 13)
               .attr("axes", std::vector<int64_t>{0, 2})
               .attr("keepdims", int64_t{0})
               .input(pattern({2, 3, 4}))
               .run();
  expect_near(y[0], f32({3}, {0.15625f, 0.0625f, -0.390625f}));
}

TEST(CpuReduceMean, NoAxesReducesEverything) {
  auto y = OpTest("ReduceMean", 13).input(pattern({2, 3, 4})).run();
  expect_near(y[0], f32({1, 1, 1}, {-0.05729167f}));
}

TEST(CpuReduceMean, Opset18AxesInput) {
  auto y = OpTest("ReduceMean", 18)
               .attr("keepdims", int64_t{0})
               .input(pattern({2, 3, 4}))
               .input(i64({1}, {-1}))
               .run();
  expect_near(y[0], f32({2, 3}, {-0.0625f, -0.15625f, -0.25f, 0.375f, 0.28125f, -0.53125f}));
  auto all = OpTest("ReduceMean", 18).input(pattern({2, 3, 4})).input(i64({0}, {})).run();
  expect_near(all[0], f32({1, 1, 1}, {-0.05729167f}));
}

TEST(CpuReduceMean, Opset18NoopWithEmptyAxes) {
  Tensor x = pattern({2, 3, 4});
  auto omitted = OpTest("ReduceMean", 18).attr("noop_with_empty_axes", int64_t{1}).input(x).run();
  expect_near(omitted[0], x);
  auto empty = OpTest("ReduceMean", 18)
                   .attr("noop_with_empty_axes", int64_t{1})
                   .input(x)
                   .input(i64({0}, {}))
                   .run();
  expect_near(empty[0], x);
}

// Interleaved reduced and kept axes, with the innermost axis kept or reduced.
TEST(CpuReduceMean, InterleavedAxes) {
  Tensor x = pattern({3, 5, 7, 4}, 251, 7919, 125, 64.0f);
  auto inner_reduced = OpTest("ReduceMean", 13)
                           .attr("axes", std::vector<int64_t>{1, 3})
                           .attr("keepdims", int64_t{0})
                           .input(x)
                           .run();
  expect_near(
      inner_reduced[0],
      f32({3, 7}, {-0.1351562f, 0.0578125f,  0.0546875f,  0.0515625f,  0.0484375f,  0.0453125f,
                   0.0421875f,  -0.0484375f, -0.0515625f, -0.0546875f, -0.0578125f, 0.1351562f,
                   -0.0640625f, -0.0671875f, 0.03828125f, 0.03515625f, 0.03203125f, 0.02890625f,
                   0.02578125f, 0.02265625f, 0.01953125f}));
  auto inner_kept =
      OpTest("ReduceMean", 13).attr("axes", std::vector<int64_t>{0, 2}).input(x).run();
  expect_near(
      inner_kept[0],
      f32({1, 5, 1, 4}, {0.09449404f,   0.1964286f,   -0.4486607f, 0.2135417f, 0.1473214f,
                         0.0625f,       -0.02232143f, -0.2938988f, 0.5736607f, -0.07142857f,
                         -0.15625f,     -0.05431548f, -0.1205357f, 0.3549107f, -0.2901786f,
                         -0.001488095f, 0.3058036f,   -0.3392857f, 0.1361607f, -0.1354167f}));
}

TEST(CpuReduceMean, IntegerMeanTruncatesTowardZero) {
  auto y = OpTest("ReduceMean", 13)
               .attr("axes", std::vector<int64_t>{1})
               .attr("keepdims", int64_t{0})
               .input(Tensor::from_vector<int32_t>({2, 3}, {-3, -2, 0, 1, 5, 7}))
               .run();
  expect_near(y[0], Tensor::from_vector<int32_t>({2}, {-1, 4}));
}

TEST(CpuReduceMean, BadAxes) {
  expect_error(
      [] {
        OpTest("ReduceMean", 13)
            .attr("axes", std::vector<int64_t>{3})
            .input(pattern({2, 3, 4}))
            .run();
      },
      ErrorCode::kInvalidArgument, {"test_ReduceMean", "axis 3"});
  expect_error(
      [] {
        OpTest("ReduceMean", 13)
            .attr("axes", std::vector<int64_t>{1, -2})
            .input(pattern({2, 3, 4}))
            .run();
      },
      ErrorCode::kInvalidArgument, {"test_ReduceMean", "repeat"});
}

// ---------------------------------------------------------------------------------------------
// Resize

TEST(CpuResize, NearestAsymmetricFloorUpsample) {
  auto y = OpTest("Resize", 13)
               .attr("mode", std::string("nearest"))
               .attr("coordinate_transformation_mode", std::string("asymmetric"))
               .attr("nearest_mode", std::string("floor"))
               .input(pattern({1, 1, 2, 2}))
               .omitted_input()
               .input(f32({4}, {1, 1, 2, 3}))
               .run();
  expect_near(
      y[0], f32({1, 1, 4, 6}, {-1.375f, -1.375f, -1.375f, -0.5f,  -0.5f,  -0.5f,  -1.375f, -1.375f,
                               -1.375f, -0.5f,   -0.5f,   -0.5f,  0.375f, 0.375f, 0.375f,  1.25f,
                               1.25f,   1.25f,   0.375f,  0.375f, 0.375f, 1.25f,  1.25f,   1.25f}));
}

TEST(CpuResize, NearestHalfPixelSizes) {
  auto down = OpTest("Resize", 13)
                  .attr("mode", std::string("nearest"))
                  .input(pattern({1, 1, 4, 6}))
                  .omitted_input()
                  .omitted_input()
                  .input(i64({4}, {1, 1, 3, 2}))
                  .run();
  expect_near(down[0], f32({1, 1, 3, 2}, {-0.5f, -0.75f, -1.0f, -1.25f, 0.875f, 0.625f}));
  auto up = OpTest("Resize", 13)
                .attr("mode", std::string("nearest"))
                .attr("nearest_mode", std::string("round_prefer_ceil"))
                .input(pattern({1, 1, 2, 3}))
                .omitted_input()
                .omitted_input()
                .input(i64({4}, {1, 1, 5, 4}))
                .run();
  expect_near(up[0], f32({1, 1, 5, 4}, {-1.375f, -0.5f,  -0.5f,  0.375f, -1.375f, -0.5f, -0.5f,
                                        0.375f,  1.25f,  -0.75f, -0.75f, 0.125f,  1.25f, -0.75f,
                                        -0.75f,  0.125f, 1.25f,  -0.75f, -0.75f,  0.125f}));
}

TEST(CpuResize, LinearHalfPixelScales) {
  auto y = OpTest("Resize", 13)
               .attr("mode", std::string("linear"))
               .input(pattern({1, 1, 2, 3}))
               .omitted_input()
               .input(f32({4}, {1, 1, 2, 2}))
               .run();
  expect_near(
      y[0], f32({1, 1, 4, 6}, {-1.375f,   -1.15625f,   -0.71875f,   -0.28125f, 0.15625f,  0.375f,
                               -0.71875f, -0.6796875f, -0.6015625f, -0.34375f, 0.09375f,  0.3125f,
                               0.59375f,  0.2734375f,  -0.3671875f, -0.46875f, -0.03125f, 0.1875f,
                               1.25f,     0.75f,       -0.25f,      -0.53125f, -0.09375f, 0.125f}));
}

TEST(CpuResize, LinearAlignCornersSizes) {
  auto y = OpTest("Resize", 13)
               .attr("mode", std::string("linear"))
               .attr("coordinate_transformation_mode", std::string("align_corners"))
               .input(pattern({1, 1, 2, 3}))
               .input(f32({0}, {}))
               .input(f32({0}, {}))
               .input(i64({4}, {1, 1, 3, 5}))
               .run();
  expect_near(
      y[0], f32({1, 1, 3, 5}, {-1.375f, -0.9375f, -0.5f, -0.0625f, 0.375f, -0.0625f, -0.34375f,
                               -0.625f, -0.1875f, 0.25f, 1.25f, 0.25f, -0.75f, -0.3125f, 0.125f}));
}

TEST(CpuResize, LinearPytorchHalfPixelToOneColumn) {
  auto y = OpTest("Resize", 13)
               .attr("mode", std::string("linear"))
               .attr("coordinate_transformation_mode", std::string("pytorch_half_pixel"))
               .input(pattern({1, 1, 4, 4}))
               .omitted_input()
               .omitted_input()
               .input(i64({4}, {1, 1, 3, 1}))
               .run();
  expect_near(y[0], f32({1, 1, 3, 1}, {-1.270833f, -0.4375f, 0.3958333f}));
}

TEST(CpuResize, LinearOverTwoAxesOfA3dTensor) {
  auto y = OpTest("Resize", 13)
               .attr("mode", std::string("linear"))
               .attr("coordinate_transformation_mode", std::string("asymmetric"))
               .input(pattern({1, 4, 3}))
               .omitted_input()
               .input(f32({3}, {1.0f, 1.5f, 2.0f}))
               .run();
  expect_near(
      y[0],
      f32({1, 6, 6}, {-1.375f,    -0.9375f,    -0.5f,       -0.0625f,    0.375f,      0.375f,
                      0.3750001f, -0.1458333f, -0.6666666f, -0.2291667f, 0.2083333f,  0.2083333f,
                      1.166667f,  0.1666666f,  -0.8333334f, -0.3958333f, 0.04166666f, 0.04166666f,
                      1.0f,       0.0f,        -1.0f,       -0.5625f,    -0.125f,     -0.125f,
                      0.8333333f, -0.1666667f, -1.166667f,  -0.7291667f, -0.2916667f, -0.2916667f,
                      0.75f,      -0.25f,      -1.25f,      -0.8125f,    -0.375f,     -0.375f}));
}

TEST(CpuResize, TfCropAndResizeWithExtrapolation) {
  for (const char* mode : {"linear", "nearest"}) {
    auto y = OpTest("Resize", 13)
                 .attr("mode", std::string(mode))
                 .attr("coordinate_transformation_mode", std::string("tf_crop_and_resize"))
                 .attr("extrapolation_value", 10.0f)
                 .input(pattern({1, 1, 4, 4}))
                 .input(f32({8}, {0, 0, 0.4f, 0.6f, 1, 1, 1.2f, 1.7f}))
                 .omitted_input()
                 .input(i64({4}, {1, 1, 3, 3}))
                 .run();
    if (std::string(mode) == "linear") {
      expect_near(y[0], f32({1, 1, 3, 3}, {0.4899999f, 10.0f, 10.0f, -0.6000001f, 10.0f, 10.0f,
                                           10.0f, 10.0f, 10.0f}));
    } else {
      expect_near(
          y[0], f32({1, 1, 3, 3}, {1.0f, 10.0f, 10.0f, -1.25f, 10.0f, 10.0f, 10.0f, 10.0f, 10.0f}));
    }
  }
}

TEST(CpuResize, Cubic) {
  auto y = OpTest("Resize", 13)
               .attr("mode", std::string("cubic"))
               .input(pattern({1, 1, 3, 3}))
               .omitted_input()
               .input(f32({4}, {1, 1, 2, 2}))
               .run();
  expect_near(
      y[0], f32({1, 1, 6, 6},
                {-1.776121f,  -1.415676f,  -0.832859f,  -0.151125f,  0.2445469f,   0.4936523f,
                 -0.7950706f, -0.7515793f, -0.6908035f, -0.3260231f, 0.1367683f,   0.4194336f,
                 0.8238792f,  0.3453293f,  -0.4537277f, -0.6109886f, -0.03764725f, 0.300293f,
                 1.713133f,   0.9176292f,  -0.4034691f, -0.8776836f, -0.2372227f,  0.1342773f,
                 1.370523f,   0.6421394f,  -0.568409f,  -0.9755039f, -0.3492565f,  0.01513672f,
                 1.18457f,    0.4897461f,  -0.6655273f, -1.039062f,  -0.4199219f,  -0.05908203f}));
  auto excluded = OpTest("Resize", 13)
                      .attr("mode", std::string("cubic"))
                      .attr("cubic_coeff_a", -0.5f)
                      .attr("exclude_outside", int64_t{1})
                      .input(pattern({1, 1, 4, 4}))
                      .omitted_input()
                      .input(f32({4}, {1, 1, 0.8f, 0.8f}))
                      .run();
  expect_near(excluded[0],
              f32({1, 1, 3, 3}, {-1.264684f, -0.1084247f, 0.9006011f, -0.4447189f, 0.4358262f,
                                 -0.5891603f, 0.4082181f, 0.4876309f, -0.3322071f}));
}

TEST(CpuResize, LinearAntialiasDownsample) {
  auto y = OpTest("Resize", 18)
               .attr("mode", std::string("linear"))
               .attr("antialias", int64_t{1})
               .input(pattern({1, 1, 4, 4}))
               .omitted_input()
               .input(f32({4}, {1, 1, 0.6f, 0.6f}))
               .run();
  expect_near(y[0], f32({1, 1, 2, 2}, {-0.8125001f, 0.3697917f, 0.203125f, -0.2561728f}));
}

TEST(CpuResize, AxesWithKeepAspectRatioNotLarger) {
  auto y = OpTest("Resize", 18)
               .attr("mode", std::string("nearest"))
               .attr("axes", std::vector<int64_t>{2, 3})
               .attr("keep_aspect_ratio_policy", std::string("not_larger"))
               .input(pattern({1, 1, 2, 2}))
               .omitted_input()
               .omitted_input()
               .input(i64({2}, {7, 8}))
               .run();
  expect_near(y[0], f32({1, 1, 7, 7}, {-1.375f, -1.375f, -1.375f, -1.375f, -0.5f, -0.5f, -0.5f,
                                       -1.375f, -1.375f, -1.375f, -1.375f, -0.5f, -0.5f, -0.5f,
                                       -1.375f, -1.375f, -1.375f, -1.375f, -0.5f, -0.5f, -0.5f,
                                       -1.375f, -1.375f, -1.375f, -1.375f, -0.5f, -0.5f, -0.5f,
                                       0.375f,  0.375f,  0.375f,  0.375f,  1.25f, 1.25f, 1.25f,
                                       0.375f,  0.375f,  0.375f,  0.375f,  1.25f, 1.25f, 1.25f,
                                       0.375f,  0.375f,  0.375f,  0.375f,  1.25f, 1.25f, 1.25f}));
}

TEST(CpuResize, NegativeAxisWithScales) {
  auto y = OpTest("Resize", 18)
               .attr("mode", std::string("linear"))
               .attr("axes", std::vector<int64_t>{-1})
               .input(pattern({1, 2, 3}))
               .omitted_input()
               .input(f32({1}, {2.0f}))
               .run();
  expect_near(y[0], f32({1, 2, 6}, {-1.375f, -1.15625f, -0.71875f, -0.28125f, 0.15625f, 0.375f,
                                    1.25f, 0.75f, -0.25f, -0.53125f, -0.09375f, 0.125f}));
}

TEST(CpuResize, HalfPixelSymmetricOpset19) {
  auto y = OpTest("Resize", 19)
               .attr("mode", std::string("linear"))
               .attr("coordinate_transformation_mode", std::string("half_pixel_symmetric"))
               .input(pattern({1, 1, 2, 5}))
               .omitted_input()
               .input(f32({4}, {1.0f, 1.0f, 1.7f, 0.7f}))
               .run();
  expect_near(y[0], f32({1, 1, 3, 3}, {-0.875f, 0.375f, 0.3928571f, -0.125f, -0.3125f, 0.3214285f,
                                       0.625f, -1.0f, 0.25f}));
}

TEST(CpuResize, Opset10IsAsymmetric) {
  auto nearest = OpTest("Resize", 10)
                     .attr("mode", std::string("nearest"))
                     .input(pattern({1, 1, 2, 3}))
                     .input(f32({4}, {1.0f, 1.0f, 2.0f, 1.5f}))
                     .run();
  expect_near(nearest[0],
              f32({1, 1, 4, 4}, {-1.375f, -1.375f, -0.5f, 0.375f, -1.375f, -1.375f, -0.5f, 0.375f,
                                 1.25f, 1.25f, -0.75f, 0.125f, 1.25f, 1.25f, -0.75f, 0.125f}));
  auto down = OpTest("Resize", 10)
                  .attr("mode", std::string("nearest"))
                  .input(pattern({1, 1, 4, 6}))
                  .input(f32({4}, {1.0f, 1.0f, 0.5f, 0.7f}))
                  .run();
  expect_near(down[0],
              f32({1, 1, 2, 4}, {-1.375f, 0.375f, 1.25f, 0.125f, 0.5f, -0.625f, 0.25f, -0.875f}));
  auto linear = OpTest("Resize", 10)
                    .attr("mode", std::string("linear"))
                    .input(pattern({1, 1, 2, 3}))
                    .input(f32({4}, {1.0f, 1.0f, 2.0f, 1.5f}))
                    .run();
  expect_near(linear[0],
              f32({1, 1, 4, 4}, {-1.375f, -0.7916666f, -0.2083333f, 0.375f, -0.0625f, -0.4375f,
                                 -0.3333333f, 0.25f, 1.25f, -0.08333337f, -0.4583333f, 0.125f,
                                 1.25f, -0.08333337f, -0.4583333f, 0.125f}));
}

TEST(CpuResize, UInt8NearestAndFloat16Linear) {
  auto u8 = OpTest("Resize", 13)
                .input(Tensor::from_vector<uint8_t>({1, 1, 2, 3}, {0, 41, 82, 123, 164, 205}))
                .omitted_input()
                .input(f32({4}, {1, 1, 2, 2}))
                .run();
  expect_near(u8[0],
              Tensor::from_vector<uint8_t>(
                  {1, 1, 4, 6}, {0,   0,   41,  41,  82,  82,  0,   0,   41,  41,  82,  82,
                                 123, 123, 164, 164, 205, 205, 123, 123, 164, 164, 205, 205}));
  auto half = OpTest("Resize", 13)
                  .attr("mode", std::string("linear"))
                  .input(to_half(pattern({1, 1, 2, 3})))
                  .omitted_input()
                  .input(f32({4}, {1, 1, 2, 2}))
                  .run();
  expect_near(half[0],
              to_half(f32({1, 1, 4, 6},
                          {-1.375f,   -1.15625f,   -0.71875f,   -0.28125f, 0.15625f,  0.375f,
                           -0.71875f, -0.6796875f, -0.6015625f, -0.34375f, 0.09375f,  0.3125f,
                           0.59375f,  0.2734375f,  -0.3671875f, -0.46875f, -0.03125f, 0.1875f,
                           1.25f,     0.75f,       -0.25f,      -0.53125f, -0.09375f, 0.125f})),
              1e-3, 1e-3);
}

TEST(CpuResize, ScalesAndSizesMisuse) {
  expect_error(
      [] {
        OpTest("Resize", 13)
            .input(pattern({1, 1, 2, 2}))
            .omitted_input()
            .input(f32({4}, {1, 1, 2, 2}))
            .input(i64({4}, {1, 1, 4, 4}))
            .run();
      },
      ErrorCode::kInvalidArgument, {"test_Resize", "scales and sizes"});
  expect_error(
      [] {
        OpTest("Resize", 13)
            .input(pattern({1, 1, 2, 2}))
            .omitted_input()
            .input(f32({2}, {2, 2}))
            .run();
      },
      ErrorCode::kInvalidArgument, {"test_Resize", "scales has 2 values, expected 4"});
  expect_error(
      [] {
        OpTest("Resize", 13)
            .attr("mode", std::string("bicubic"))
            .input(pattern({1, 1, 2, 2}))
            .omitted_input()
            .input(f32({4}, {1, 1, 2, 2}))
            .run();
      },
      ErrorCode::kInvalidModel, {"test_Resize", "mode", "bicubic"});
}

}  // namespace
}  // namespace aruntime::testing
