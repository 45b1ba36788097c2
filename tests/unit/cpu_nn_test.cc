// Tests of the CPU NN kernels: Conv, MaxPool, AveragePool, Global*Pool, BatchNormalization, Gemm,
// MatMul and Softmax.
//
// Expected values were computed with onnxruntime 1.32 (CPUExecutionProvider) on single-node models
// fed with the same inputs, which are exact binary fractions ((i * mul) % mod - offset) / div of
// the flat index i (see pattern() below; the generating Python used the same formula). For the
// large cases only per-channel/row/column sums and a few samples of the output are checked.
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
Tensor weights(const Shape& shape) {
  return pattern(shape, 13, 31, 6, 4.0f);
}
Tensor big_input(const Shape& shape) {
  return pattern(shape, 251, 7919, 125, 64.0f);
}
Tensor big_weights(const Shape& shape) {
  return pattern(shape, 61, 37, 30, 16.0f);
}

// Sums of y over every axis but `axis`.
std::vector<float> sums_along(const Tensor& y, size_t axis) {
  const int64_t outer = y.shape().size_from_to(0, axis), n = y.shape()[axis];
  const int64_t inner = y.shape().size_from_to(axis + 1, y.rank());
  std::vector<double> s(static_cast<size_t>(n), 0.0);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t c = 0; c < n; ++c) {
      for (int64_t i = 0; i < inner; ++i) s[c] += y.data<float>()[(o * n + c) * inner + i];
    }
  }
  return std::vector<float>(s.begin(), s.end());
}

void expect_values(const std::vector<float>& actual, const std::vector<float>& expected,
                   double rtol = 1e-5, double atol = 1e-4) {
  const auto n = static_cast<int64_t>(actual.size());
  expect_near(f32(Shape{n}, actual), f32(Shape{static_cast<int64_t>(expected.size())}, expected),
              rtol, atol);
}
std::vector<float> slice(const Tensor& t, int64_t begin, int64_t count) {
  return std::vector<float>(t.data<float>() + begin, t.data<float>() + begin + count);
}

// ---------------------------------------------------------------------------------------------
// Conv

TEST(CpuNnConv, PadsStridesDilationsAndBias) {
  for (bool constant : {false, true}) {
    auto y = OpTest("Conv", 11)
                 .attr("pads", std::vector<int64_t>{1, 0, 2, 1})
                 .attr("strides", std::vector<int64_t>{2, 1})
                 .attr("dilations", std::vector<int64_t>{1, 2})
                 .input(pattern({1, 2, 7, 6}))
                 .input(weights({3, 2, 3, 2}), constant)
                 .input(f32({3}, {0.5f, -1.0f, 0.25f}), constant)
                 .run();
    expect_near(
        y[0],
        f32({1, 3, 4, 5},
            {-1.25f,    2.5f,      -1.65625f, 1.375f,    2.40625f,  -3.75f,    2.28125f,  4.0f,
             -3.625f,   2.53125f,  3.9375f,   -3.6875f,  2.34375f,  4.0625f,   -1.03125f, 1.46875f,
             1.9375f,   0.25f,     2.15625f,  -1.03125f, -1.28125f, 0.09375f,  0.75f,     -2.1875f,
             -0.59375f, 2.46875f,  -1.90625f, 0.1875f,   -1.3125f,  -0.65625f, 0.28125f,  2.375f,
             -2.0f,     0.09375f,  -0.71875f, 0.125f,    -1.09375f, -2.3125f,  0.0625f,   -1.4375f,
             2.25f,     -1.59375f, 1.03125f,  -1.375f,   -0.4375f,  -1.15625f, -0.09375f, -0.46875f,
             1.3125f,   0.125f,    -0.625f,   -1.0f,     0.0625f,   -0.3125f,  0.71875f,  -0.90625f,
             2.6875f,   -0.90625f, -0.90625f, 0.90625f}));
  }
}

TEST(CpuNnConv, Grouped) {
  auto y = OpTest("Conv", 11)
               .attr("group", int64_t{2})
               .attr("pads", std::vector<int64_t>{1, 1, 1, 1})
               .input(pattern({1, 4, 5, 5}))
               .input(weights({6, 2, 3, 3}))
               .run();
  expect_near(
      y[0],
      f32({1, 6, 5, 5},
          {-2.15625f, 1.5625f,   1.90625f,  -0.625f,   -3.125f,   1.8125f,   1.5f,      -0.53125f,
           3.1875f,   -2.21875f, -2.5f,     -0.75f,    2.25f,     0.21875f,  -3.78125f, 1.09375f,
           4.1875f,   0.0f,      0.84375f,  -1.03125f, -1.28125f, 2.3125f,   -1.21875f, -1.875f,
           -0.96875f, -0.875f,   5.84375f,  -0.78125f, -0.21875f, -0.03125f, -1.4375f,  -3.1875f,
           -0.59375f, -0.15625f, -0.0625f,  -1.0625f,  4.03125f,  3.03125f,  -2.28125f, -0.6875f,
           -1.40625f, 0.46875f,  1.625f,    -1.53125f, 2.28125f,  1.15625f,  -0.96875f, 1.4375f,
           -3.34375f, 3.28125f,  2.4375f,   2.8125f,   -1.4375f,  2.21875f,  -0.1875f,  -2.65625f,
           -1.375f,   3.0f,      -2.6875f,  -0.75f,    2.40625f,  1.09375f,  2.59375f,  0.5f,
           -0.84375f, -1.875f,   2.84375f,  -2.84375f, -3.5f,     1.9375f,   1.5625f,   -0.59375f,
           2.0625f,   -3.1875f,  3.46875f,  0.09375f,  -3.0f,     3.0f,      5.40625f,  -3.28125f,
           3.03125f,  0.15625f,  -3.0625f,  3.78125f,  -1.96875f, -1.59375f, -0.84375f, -0.46875f,
           -0.8125f,  -3.28125f, 3.125f,    3.1875f,   -5.78125f, 2.5f,      -0.28125f, 0.3125f,
           3.3125f,   -2.4375f,  3.3125f,   0.125f,    0.34375f,  -3.21875f, 3.03125f,  4.96875f,
           -3.25f,    0.0625f,   -0.71875f, -0.71875f, -0.71875f, -1.65625f, 0.125f,    3.59375f,
           -2.15625f, 0.0f,      -3.15625f, 0.1875f,   2.875f,    -2.875f,   -0.71875f, 0.375f,
           2.21875f,  -1.21875f, -3.875f,   4.96875f,  0.5f,      0.59375f,  -1.0f,     -1.0f,
           3.3125f,   -1.59375f, 0.34375f,  -3.21875f, 0.0f,      2.5f,      -4.1875f,  0.21875f,
           6.40625f,  -5.46875f, -0.8125f,  -1.0f,     0.09375f,  0.9375f,   -1.59375f, 3.78125f,
           -1.40625f, 2.09375f,  -1.28125f, -3.6875f,  5.40625f,  0.875f}));
}

TEST(CpuNnConv, DepthwiseStridedPaddedWithBias) {
  auto y = OpTest("Conv", 11)
               .attr("group", int64_t{3})
               .attr("strides", std::vector<int64_t>{2, 2})
               .attr("pads", std::vector<int64_t>{1, 1, 1, 1})
               .input(pattern({2, 3, 6, 6}))
               .input(weights({3, 1, 3, 3}), true)
               .input(f32({3}, {0.25f, -0.5f, 1.0f}), true)
               .run();
  expect_near(
      y[0],
      f32({2, 3, 3, 3},
          {1.15625f,  2.1875f,   -1.84375f, 0.09375f, 0.40625f,  0.09375f,  0.96875f,  -0.03125f,
           1.09375f,  -3.5625f,  -2.1875f,  3.25f,    0.875f,    2.34375f,  -3.5625f,  0.71875f,
           -4.34375f, -2.34375f, 2.3125f,   3.1875f,  0.84375f,  0.03125f,  -2.125f,   -2.125f,
           1.6875f,   -0.6875f,  1.46875f,  1.40625f, 2.28125f,  0.40625f,  -0.65625f, 2.9375f,
           -3.84375f, 0.21875f,  -3.96875f, 2.90625f, -1.90625f, 1.0625f,   0.75f,     -0.53125f,
           -0.34375f, 0.21875f,  -1.40625f, 0.15625f, 0.71875f,  -2.09375f, 1.6875f,   1.5f,
           2.0f,      3.625f,    1.46875f,  2.9375f,  -2.125f,   1.46875f}));
}

TEST(CpuNnConv, DepthwiseMultiplierWithDilations) {
  auto y = OpTest("Conv", 11)
               .attr("group", int64_t{2})
               .attr("dilations", std::vector<int64_t>{2, 2})
               .input(pattern({1, 2, 5, 5}))
               .input(weights({4, 1, 2, 2}))
               .run();
  expect_near(y[0],
              f32({1, 4, 3, 3}, {0.21875f,  -1.3125f,  0.75f,     1.1875f,  -0.34375f, -0.4375f,
                                 0.0f,      1.34375f,  0.53125f,  1.21875f, 2.96875f,  -1.75f,
                                 -2.25f,    -0.5f,     1.96875f,  1.46875f, 1.0625f,   -1.5f,
                                 0.625f,    -0.03125f, -0.6875f,  -0.5f,    1.0f,      0.34375f,
                                 0.53125f,  -3.71875f, -0.78125f, 0.5625f,  0.34375f,  -0.59375f,
                                 -0.53125f, 0.6875f,   0.46875f,  0.53125f, 1.03125f,  -0.625f}));
}

TEST(CpuNnConv, AutoPadSameUpperStrided) {
  auto y = OpTest("Conv", 11)
               .attr("auto_pad", std::string("SAME_UPPER"))
               .attr("strides", std::vector<int64_t>{2, 2})
               .input(pattern({1, 1, 5, 5}))
               .input(weights({2, 1, 3, 3}))
               .run();
  expect_near(y[0], f32({1, 2, 3, 3}, {-2.25f, 1.375f, -0.8125f, -1.125f, -0.03125f, -0.875f,
                                       0.40625f, -3.125f, 1.03125f, 2.3125f, 0.84375f, 0.875f,
                                       1.40625f, -0.4375f, 1.6875f, 1.21875f, -1.8125f, 1.15625f}));
}

TEST(CpuNnConv, AutoPadOddTotalPaddingGoesToEndForUpperAndBeginForLower) {
  auto upper = OpTest("Conv", 11)
                   .attr("auto_pad", std::string("SAME_UPPER"))
                   .input(pattern({1, 1, 4, 4}))
                   .input(weights({1, 1, 2, 2}))
                   .run();
  expect_near(upper[0], f32({1, 1, 4, 4}, {1.3125f, -0.21875f, 1.125f, -2.875f, 0.21875f, 1.5625f,
                                           -2.125f, 1.125f, -0.875f, 1.1875f, 1.09375f, 0.8125f,
                                           -1.09375f, -1.90625f, 0.875f, -0.375f}));
  auto lower = OpTest("Conv", 11)
                   .attr("auto_pad", std::string("SAME_LOWER"))
                   .input(pattern({1, 1, 4, 4}))
                   .input(weights({1, 1, 2, 2}))
                   .run();
  expect_near(lower[0], f32({1, 1, 4, 4}, {1.375f, -0.875f, -0.875f, -0.875f, 1.09375f, 1.3125f,
                                           -0.21875f, 1.125f, 0.3125f, 0.21875f, 1.5625f, -2.125f,
                                           -0.46875f, -0.875f, 1.1875f, 1.09375f}));
}

TEST(CpuNnConv, OneDimensional) {
  auto y = OpTest("Conv", 11)
               .attr("strides", std::vector<int64_t>{2})
               .attr("pads", std::vector<int64_t>{1, 2})
               .attr("dilations", std::vector<int64_t>{2})
               .input(pattern({1, 2, 9}))
               .input(weights({3, 2, 3}))
               .run();
  expect_near(y[0], f32({1, 3, 4}, {1.8125f, 1.0f, -1.875f, 0.96875f, -3.875f, 2.125f, -0.90625f,
                                    0.59375f, 1.8125f, -4.0625f, 2.09375f, -0.1875f}));
}

TEST(CpuNnConv, ThreeDimensional) {
  auto y = OpTest("Conv", 11)
               .attr("pads", std::vector<int64_t>{1, 0, 1, 0, 1, 0})
               .attr("strides", std::vector<int64_t>{1, 2, 1})
               .input(pattern({1, 2, 4, 4, 3}))
               .input(weights({2, 2, 2, 3, 2}))
               .run();
  expect_near(y[0], f32({1, 2, 4, 2, 3},
                        {-2.28125f, 0.46875f,  3.0f,     1.28125f,  -3.65625f, 2.375f,    0.5f,
                         0.3125f,   -2.34375f, 1.09375f, -0.84375f, 0.5625f,   -1.15625f, 2.9375f,
                         -4.03125f, -1.1875f,  0.9375f,  1.625f,    -1.375f,   -2.34375f, 2.90625f,
                         2.28125f,  0.5625f,   0.53125f, -0.9375f,  -4.9375f,  4.84375f,  2.21875f,
                         -3.0625f,  -1.09375f, 0.03125f, 1.71875f,  -0.8125f,  1.1875f,   -2.5625f,
                         -0.625f,   -1.59375f, 2.25f,    -0.28125f, 0.46875f,  -1.59375f, 1.78125f,
                         2.53125f,  -0.8125f,  2.40625f, 0.46875f,  -0.625f,   -0.125f}));
}

TEST(CpuNnConv, PointwiseWithBias) {
  auto y = OpTest("Conv", 11)
               .input(pattern({2, 5, 3, 4}))
               .input(weights({4, 5, 1, 1}), true)
               .input(f32({4}, {1, 2, 3, 4}))
               .run();
  expect_near(
      y[0],
      f32({2, 4, 3, 4},
          {1.15625f,  2.71875f,  1.40625f,  -2.78125f, 3.09375f,  1.78125f,  -2.40625f, 3.46875f,
           2.15625f,  -2.03125f, 3.84375f,  3.25f,     -2.40625f, 1.625f,    3.5f,      1.78125f,
           1.5f,      3.375f,    1.65625f,  1.375f,    3.25f,     1.53125f,  1.25f,     3.125f,
           -1.5f,     2.15625f,  4.375f,    2.28125f,  2.34375f,  4.5625f,   2.46875f,  2.53125f,
           4.75f,     2.65625f,  2.71875f,  4.21875f,  3.875f,    0.65625f,  6.0625f,   6.4375f,
           0.34375f,  5.75f,     6.125f,    0.03125f,  5.4375f,   5.8125f,   -0.28125f, 3.6875f,
           2.90625f,  1.59375f,  -2.59375f, 3.28125f,  1.96875f,  -2.21875f, 3.65625f,  2.34375f,
           -1.84375f, 1.15625f,  2.71875f,  1.40625f,  1.5625f,   3.4375f,   1.71875f,  1.4375f,
           3.3125f,   1.59375f,  1.3125f,   3.1875f,   1.46875f,  -2.40625f, 1.625f,    3.5f,
           2.25f,     4.46875f,  2.375f,    2.4375f,   4.65625f,  2.5625f,   2.625f,    4.84375f,
           2.75f,     -1.5f,     2.15625f,  4.375f,    0.5f,      5.90625f,  6.28125f,  0.1875f,
           5.59375f,  5.96875f,  -0.125f,   5.28125f,  5.65625f,  3.875f,    0.65625f,  6.0625f}));
}

// Large enough to be split into several column tiles of im2col + GEMM.
TEST(CpuNnConv, LargeIm2colTiles) {
  auto y = OpTest("Conv", 11)
               .attr("pads", std::vector<int64_t>{1, 1, 1, 1})
               .input(big_input({1, 16, 24, 24}))
               .input(big_weights({96, 16, 3, 3}))
               .input(pattern({96}, 7, 3, 3, 2.0f))
               .run();
  ASSERT_EQ(y[0].shape(), (Shape{1, 96, 24, 24}));
  expect_values(sums_along(y[0], 1),
                {-929.9355f, 11.68359f,  902.1318f, -303.7207f, 532.5186f, -568.252f,  318.6816f,
                 -921.7812f, -34.19238f, 900.457f,  -267.1514f, 495.2803f, -563.1953f, 330.708f,
                 -916.7842f, -20.43848f, 896.6377f, -293.1904f, 519.876f,  -562.3086f, 329.1523f,
                 -864.5479f, -39.68652f, 891.2695f, -226.1211f, 541.791f,  -582.0332f, 352.7949f,
                 -837.9268f, -76.44824f, 878.2168f, -216.5371f, 543.9883f, -591.1543f, 304.1191f,
                 -831.0234f, -44.34668f, 855.8115f, -247.6396f, 559.7676f, -631.7285f, 312.6904f,
                 -827.3965f, -75.38965f, 854.1367f, -228.9414f, 547.6084f, -634.2969f, 336.4521f,
                 -812.4512f, -38.87988f, 840.3691f, -254.4443f, 601.8105f, -634.6611f, 295.4609f,
                 -791.3105f, -3.442383f, 813.4365f, -229.8486f, 622.3555f, -641.9355f, 299.6836f,
                 -825.8682f, -15.7207f,  820.5186f, -280.252f,  606.6816f, -633.7812f, 253.8076f,
                 -827.543f,  20.84863f,  783.2803f, -275.1953f, 618.708f,  -628.7842f, 267.5615f,
                 -831.3623f, -5.19043f,  807.876f,  -274.3086f, 617.1523f, -576.5479f, 248.3135f,
                 -836.7305f, 61.87891f,  829.791f,  -294.0332f, 640.7949f, -549.9268f, 211.5518f,
                 -849.7832f, 71.46289f,  831.9883f, -303.1543f, 592.1191f},
                1e-5, 2e-3);
  expect_values(slice(y[0], 0, 8), {1.043945f, 3.487305f, -3.962891f, -9.452148f, -1.950195f,
                                    0.1591797f, 3.003906f, 8.054688f});
  expect_values(slice(y[0], 95 * 576 + 23 * 24 + 16, 8),
                {-1.399414f, 0.7070312f, -3.069336f, -2.433594f, 17.32129f, -6.064453f, -3.222656f,
                 2.40332f});
}

// A 1x1 convolution on a small image: a direct GEMM split over output-channel blocks.
TEST(CpuNnConv, LargePointwise) {
  auto y = OpTest("Conv", 11)
               .input(big_input({1, 512, 8, 8}))
               .input(big_weights({128, 512, 1, 1}), true)
               .run();
  ASSERT_EQ(y[0].shape(), (Shape{1, 128, 8, 8}));
  expect_values(sums_along(y[0], 1),
                {-2.169922f, 22.54004f,  -36.26758f, 21.56348f,  -38.79297f, 20.05078f,  -31.37012f,
                 4.360352f,  8.101562f,  -8.291992f, 20.23047f,  -32.56055f, 32.18066f,  -10.30469f,
                 47.64551f,  -14.43848f, 11.87988f,  8.055664f,  -20.84766f, 6.78125f,   -26.29199f,
                 28.56055f,  -21.01367f, 38.90234f,  5.829102f,  -7.466797f, 8.248047f,  -42.21973f,
                 -13.10156f, -47.06836f, 28.45508f,  -17.00879f, 27.06152f,  12.03809f,  20.42578f,
                 27.38379f,  -34.40234f, 8.774414f,  -36.57031f, 30.25586f,  -23.48828f, 23.73926f,
                 -7.129883f, 5.308594f,  18.04492f,  -36.59277f, -5.6875f,   -36.97363f, 19.42773f,
                 -29.01465f, 25.83789f,  12.125f,    -6.234375f, 26.45801f,  -23.35449f, 15.65234f,
                 -28.8584f,  26.64941f,  -16.3125f,  12.98438f,  28.28223f,  -2.169922f, 22.54004f,
                 -36.26758f, 21.56348f,  -38.79297f, 20.05078f,  -31.37012f, 4.360352f,  8.101562f,
                 -8.291992f, 20.23047f,  -32.56055f, 32.18066f,  -10.30469f, 47.64551f,  -14.43848f,
                 11.87988f,  8.055664f,  -20.84766f, 6.78125f,   -26.29199f, 28.56055f,  -21.01367f,
                 38.90234f,  5.829102f,  -7.466797f, 8.248047f,  -42.21973f, -13.10156f, -47.06836f,
                 28.45508f,  -17.00879f, 27.06152f,  12.03809f,  20.42578f,  27.38379f,  -34.40234f,
                 8.774414f,  -36.57031f, 30.25586f,  -23.48828f, 23.73926f,  -7.129883f, 5.308594f,
                 18.04492f,  -36.59277f, -5.6875f,   -36.97363f, 19.42773f,  -29.01465f, 25.83789f,
                 12.125f,    -6.234375f, 26.45801f,  -23.35449f, 15.65234f,  -28.8584f,  26.64941f,
                 -16.3125f,  12.98438f,  28.28223f,  -2.169922f, 22.54004f,  -36.26758f, 21.56348f,
                 -38.79297f, 20.05078f},
                1e-5, 2e-3);
  expect_values(slice(y[0], 0, 8), {12.29688f, -12.99805f, -1.280273f, -17.75098f, 16.27246f,
                                    -7.306641f, 12.74512f, -9.853516f});
  expect_values(slice(y[0], 127 * 64 + 56, 8), {10.60547f, -17.34863f, 5.926758f, -14.67383f,
                                                13.99414f, 2.462891f, 5.638672f, 7.34375f});
}

// A small image with many channels: one column tile, split over output-channel blocks that share
// one im2col matrix.
TEST(CpuNnConv, SmallImageManyChannels) {
  auto y = OpTest("Conv", 11)
               .attr("pads", std::vector<int64_t>{1, 1, 1, 1})
               .input(big_input({1, 128, 7, 7}))
               .input(big_weights({128, 128, 3, 3}), true)
               .input(pattern({128}, 7, 3, 3, 2.0f))
               .run();
  ASSERT_EQ(y[0].shape(), (Shape{1, 128, 7, 7}));
  expect_values(sums_along(y[0], 1),
                {-69.53125f, -15.7002f,  106.3984f, -43.08105f, 61.80176f,  -45.38281f, 9.87793f,
                 -54.11816f, 30.3916f,   62.77734f, -105.3477f, 114.5059f,  -30.56543f, 0.8076172f,
                 -105.7812f, 44.43457f,  63.83398f, -33.87891f, 63.97461f,  -44.3418f,  27.83691f,
                 -86.73438f, -32.00977f, 75.01758f, 52.18457f,  34.11426f,  -103.1533f, 5.482422f,
                 -23.18848f, -20.29004f, 66.72168f, -7.639648f, 17.2998f,   -47.64941f, 13.98535f,
                 -62.3418f,  -10.83398f, 133.5439f, -90.16016f, 14.36523f,  -22.94336f, 85.39453f,
                 -91.72559f, -26.15918f, 101.9561f, -49.19141f, 71.06055f,  -41.90234f, 28.84668f,
                 -94.66016f, 18.5625f,   46.4209f,  -14.41797f, 70.98535f,  -48.11328f, -33.47949f,
                 -63.52051f, 14.85352f,  51.40918f, 0.2802734f, 53.21777f,  -45.03125f, 8.799805f,
                 -40.60156f, -18.58105f, 86.30176f, -20.88281f, 34.37793f,  -29.61816f, 54.8916f,
                 -84.22266f, -80.84766f, 139.0059f, -6.06543f,  25.30762f,  -81.28125f, 68.93457f,
                 -83.16602f, -9.378906f, 88.47461f, -19.8418f,  52.33691f,  -62.23438f, -7.509766f,
                 -71.98242f, 76.68457f,  58.61426f, -78.65332f, 29.98242f,  1.311523f,  4.209961f,
                 -80.27832f, 16.86035f,  41.7998f,  -23.14941f, 38.48535f,  -37.8418f,  13.66602f,
                 -13.45605f, -65.66016f, 38.86523f, 1.556641f,  109.8945f,  -67.22559f, -1.65918f,
                 -45.04395f, -24.69141f, 95.56055f, -17.40234f, 53.34668f,  -70.16016f, 43.0625f,
                 -100.5791f, 10.08203f,  95.48535f, -23.61328f, -8.979492f, -39.02051f, 39.35352f,
                 -95.59082f, 24.78027f,  77.71777f, -20.53125f, 33.2998f,   -16.10156f, 5.918945f,
                 -60.69824f, 3.617188f},
                1e-5, 2e-3);
  expect_values(slice(y[0], 0, 7),
                {1.483398f, 9.419922f, 2.091797f, -11.36426f, 11.70215f, -5.675781f, 1.833008f});
  expect_values(slice(y[0], 127 * 49 + 42, 7),
                {7.566406f, -5.579102f, 2.460938f, -9.353516f, 4.814453f, 4.520508f, 3.335938f});
}

TEST(CpuNnConv, Float16) {
  auto y = OpTest("Conv", 11)
               .attr("pads", std::vector<int64_t>{1, 1, 1, 1})
               .input(to_half(pattern({1, 2, 4, 4})))
               .input(to_half(weights({2, 2, 3, 3})))
               .run();
  expect_near(y[0],
              to_half(f32({1, 2, 4, 4},
                          {-2.21875f, 2.1875f,   2.53125f, -0.625f,  3.21875f,  5.03125f, -2.75f,
                           3.6875f,   -0.375f,   -0.9375f, -2.25f,   -0.4375f,  1.625f,   -4.0f,
                           1.8125f,   1.40625f,  2.34375f, -0.25f,   2.46875f,  1.78125f, 0.34375f,
                           0.03125f,  -2.40625f, 0.28125f, -2.375f,  -2.53125f, 2.21875f, 1.21875f,
                           1.15625f,  -1.625f,   0.78125f, -2.40625f})),
              1e-3, 1e-3);
}

TEST(CpuNnConv, KernelShapeInconsistentWithConstantWeightNamesNode) {
  expect_error(
      [] {
        OpTest("Conv", 11)
            .attr("kernel_shape", std::vector<int64_t>{2, 2})
            .input(pattern({1, 1, 5, 5}))
            .input(weights({2, 1, 3, 3}), true)
            .run();
      },
      ErrorCode::kInvalidModel, {"test_Conv", "kernel_shape", "[2,2]", "[3,3]"});
}

TEST(CpuNnConv, KernelShapeInconsistentWithFedWeightIsInvalidArgument) {
  expect_error(
      [] {
        OpTest("Conv", 11)
            .attr("kernel_shape", std::vector<int64_t>{2, 2})
            .input(pattern({1, 1, 5, 5}))
            .input(weights({2, 1, 3, 3}))
            .run();
      },
      ErrorCode::kInvalidArgument, {"test_Conv", "kernel_shape"});
}

TEST(CpuNnConv, ChannelMismatchNamesNode) {
  expect_error(
      [] {
        OpTest("Conv", 11).input(pattern({1, 3, 5, 5})).input(weights({2, 2, 3, 3})).run();
      },
      ErrorCode::kInvalidArgument, {"test_Conv", "3 channels"});
}

TEST(CpuNnConv, BadAttributesAreInvalidModel) {
  expect_error(
      [] {
        OpTest("Conv", 11)
            .attr("auto_pad", std::string("SAME"))
            .input(pattern({1, 1, 5, 5}))
            .input(weights({1, 1, 3, 3}))
            .run();
      },
      ErrorCode::kInvalidModel, {"test_Conv", "auto_pad"});
  expect_error(
      [] {
        OpTest("Conv", 11)
            .attr("strides", std::vector<int64_t>{0, 1})
            .input(pattern({1, 1, 5, 5}))
            .input(weights({1, 1, 3, 3}))
            .run();
      },
      ErrorCode::kInvalidModel, {"test_Conv", "strides"});
  expect_error(
      [] {
        OpTest("Conv", 11)
            .attr("group", int64_t{0})
            .input(pattern({1, 1, 5, 5}))
            .input(weights({1, 1, 3, 3}))
            .run();
      },
      ErrorCode::kInvalidModel, {"test_Conv", "group"});
}

TEST(CpuNnConv, InputSmallerThanKernel) {
  expect_error(
      [] {
        OpTest("Conv", 11).input(pattern({1, 1, 2, 2})).input(weights({1, 1, 3, 3})).run();
      },
      ErrorCode::kInvalidArgument, {"test_Conv", "too small"});
}

// ---------------------------------------------------------------------------------------------
// Pooling

TEST(CpuNnMaxPool, CeilModeWithIndices) {
  auto y = OpTest("MaxPool", 12)
               .attr("kernel_shape", std::vector<int64_t>{2, 2})
               .attr("strides", std::vector<int64_t>{2, 2})
               .attr("ceil_mode", int64_t{1})
               .input(pattern({1, 1, 5, 5}))
               .outputs({DataType::kFloat32, DataType::kInt64})
               .run();
  expect_near(
      y[0], f32({1, 1, 3, 3}, {1.0f, 1.25f, 0.75f, 1.125f, 1.375f, 0.875f, -0.25f, 0.625f, -0.5f}));
  expect_near(y[1], i64({1, 1, 3, 3}, {6, 3, 9, 16, 13, 19, 21, 22, 24}));
}

TEST(CpuNnMaxPool, CeilModeDropsWindowStartingInEndPadding) {
  auto y = OpTest("MaxPool", 12)
               .attr("kernel_shape", std::vector<int64_t>{2, 2})
               .attr("strides", std::vector<int64_t>{2, 2})
               .attr("pads", std::vector<int64_t>{0, 0, 1, 1})
               .attr("ceil_mode", int64_t{1})
               .input(pattern({1, 1, 4, 4}))
               .run();
  expect_near(y[0], f32({1, 1, 2, 2}, {0.125f, 1.25f, 1.375f, 0.25f}));
}

TEST(CpuNnMaxPool, PadsDilationsColumnMajorIndices) {
  auto y = OpTest("MaxPool", 12)
               .attr("kernel_shape", std::vector<int64_t>{2, 3})
               .attr("pads", std::vector<int64_t>{1, 1, 1, 0})
               .attr("dilations", std::vector<int64_t>{2, 1})
               .attr("strides", std::vector<int64_t>{1, 2})
               .attr("storage_order", int64_t{1})
               .input(pattern({1, 2, 5, 6}))
               .outputs({DataType::kFloat32, DataType::kInt64})
               .run();
  expect_near(y[0],
              f32({1, 2, 5, 3},
                  {1.0f,   0.75f,  0.75f,  1.375f, 1.375f, 1.25f,  1.0f,   0.875f, 0.75f,  1.375f,
                   1.375f, 1.125f, 0.875f, 0.875f, 0.625f, 1.375f, 1.125f, 1.125f, 0.875f, 0.75f,
                   0.625f, 1.375f, 1.25f,  1.125f, 0.875f, 0.75f,  1.375f, 1.25f,  1.25f,  1.0f}));
  expect_near(y[1],
              i64({1, 2, 5, 3}, {1,  16, 16, 7,  7,  15, 1,  8,  16, 7,  7,  22, 8,  8,  23,
                                 31, 46, 46, 32, 40, 47, 31, 38, 46, 32, 39, 59, 38, 38, 53}));
}

TEST(CpuNnMaxPool, SameLower1d) {
  auto y = OpTest("MaxPool", 12)
               .attr("kernel_shape", std::vector<int64_t>{3})
               .attr("strides", std::vector<int64_t>{2})
               .attr("auto_pad", std::string("SAME_LOWER"))
               .input(pattern({1, 2, 7}))
               .run();
  expect_near(y[0], f32({1, 2, 4}, {-0.5f, 1.25f, 1.25f, 1.0f, -0.125f, 0.75f, 0.5f, 1.375f}));
}

TEST(CpuNnMaxPool, ThreeDimensionalWithIndices) {
  auto y = OpTest("MaxPool", 12)
               .attr("kernel_shape", std::vector<int64_t>{2, 2, 2})
               .attr("strides", std::vector<int64_t>{1, 2, 2})
               .input(pattern({1, 1, 3, 4, 4}))
               .outputs({DataType::kFloat32, DataType::kInt64})
               .run();
  expect_near(y[0],
              f32({1, 1, 2, 2, 2}, {1.125f, 1.25f, 1.375f, 1.25f, 1.375f, 1.125f, 1.0f, 1.25f}));
  expect_near(y[1], i64({1, 1, 2, 2, 2}, {16, 3, 13, 26, 36, 39, 29, 26}));
}

TEST(CpuNnMaxPool, UInt8) {
  auto y =
      OpTest("MaxPool", 12)
          .attr("kernel_shape", std::vector<int64_t>{2, 2})
          .input(Tensor::from_vector<uint8_t>(
              {1, 1, 4, 4}, {0, 37, 74, 111, 148, 185, 222, 8, 45, 82, 119, 156, 193, 230, 16, 53}))
          .run();
  expect_near(y[0], Tensor::from_vector<uint8_t>({1, 1, 3, 3},
                                                 {185, 222, 222, 185, 222, 222, 230, 230, 156}));
}

TEST(CpuNnMaxPool, MissingKernelShapeIsInvalidModel) {
  expect_error(
      [] {
        OpTest("MaxPool", 12).input(pattern({1, 1, 4, 4})).run();
      },
      ErrorCode::kInvalidModel, {"test_MaxPool", "kernel_shape"});
}

TEST(CpuNnAveragePool, CountIncludePadOffAndOn) {
  auto excluded = OpTest("AveragePool", 17)
                      .attr("kernel_shape", std::vector<int64_t>{3, 3})
                      .attr("strides", std::vector<int64_t>{2, 2})
                      .attr("pads", std::vector<int64_t>{1, 1, 1, 1})
                      .attr("count_include_pad", int64_t{0})
                      .input(pattern({1, 1, 5, 5}))
                      .run();
  expect_near(excluded[0], f32({1, 1, 3, 3}, {-0.1875f, 0.1666667f, 0.28125f, 0.1458333f,
                                              0.1805556f, 0.375f, 0.0f, -0.125f, -0.25f}));
  auto included = OpTest("AveragePool", 17)
                      .attr("kernel_shape", std::vector<int64_t>{3, 3})
                      .attr("strides", std::vector<int64_t>{2, 2})
                      .attr("pads", std::vector<int64_t>{1, 1, 1, 1})
                      .attr("count_include_pad", int64_t{1})
                      .input(pattern({1, 1, 5, 5}))
                      .run();
  expect_near(included[0], f32({1, 1, 3, 3}, {-0.08333334f, 0.1111111f, 0.125f, 0.09722222f,
                                              0.1805556f, 0.25f, 0.0f, -0.08333334f, -0.1111111f}));
}

TEST(CpuNnAveragePool, CeilModeWithEndPadding) {
  for (int64_t include : {0, 1}) {
    auto y = OpTest("AveragePool", 17)
                 .attr("kernel_shape", std::vector<int64_t>{3, 3})
                 .attr("strides", std::vector<int64_t>{2, 2})
                 .attr("pads", std::vector<int64_t>{0, 0, 1, 1})
                 .attr("ceil_mode", int64_t{1})
                 .attr("count_include_pad", include)
                 .input(pattern({1, 1, 6, 6}))
                 .run();
    if (include) {
      expect_near(y[0],
                  f32({1, 1, 3, 3}, {-0.04166667f, 0.1111111f, -0.2222222f, 0.2361111f, 0.06944445f,
                                     0.06944445f, 0.08333334f, -0.02777778f, 0.1388889f}));
    } else {
      expect_near(y[0],
                  f32({1, 1, 3, 3}, {-0.04166667f, 0.1111111f, -0.3333333f, 0.2361111f, 0.06944445f,
                                     0.1041667f, 0.125f, -0.04166667f, 0.3125f}));
    }
  }
}

TEST(CpuNnAveragePool, DilationsFromOpset19) {
  auto y = OpTest("AveragePool", 19)
               .attr("kernel_shape", std::vector<int64_t>{2, 2})
               .attr("dilations", std::vector<int64_t>{2, 2})
               .attr("pads", std::vector<int64_t>{1, 1, 1, 1})
               .attr("count_include_pad", int64_t{1})
               .input(pattern({1, 1, 6, 6}))
               .run();
  expect_near(y[0],
              f32({1, 1, 6, 6}, {-0.25f,    0.21875f,  -0.0625f,  -0.34375f, 0.09375f,  -0.3125f,
                                 0.21875f,  -0.28125f, 0.59375f,  0.03125f,  0.1875f,   0.09375f,
                                 -0.03125f, -0.0625f,  0.09375f,  -0.46875f, -0.3125f,  -0.15625f,
                                 0.4375f,   0.15625f,  0.3125f,   0.46875f,  -0.09375f, 0.3125f,
                                 0.1875f,   -0.34375f, -0.1875f,  -0.03125f, -0.59375f, 0.0625f,
                                 0.09375f,  0.1875f,   -0.09375f, 0.34375f,  0.0625f,   0.03125f}));
}

TEST(CpuNnAveragePool, SameUpper) {
  auto y = OpTest("AveragePool", 17)
               .attr("kernel_shape", std::vector<int64_t>{2, 3})
               .attr("strides", std::vector<int64_t>{2, 2})
               .attr("auto_pad", std::string("SAME_UPPER"))
               .input(pattern({1, 1, 4, 5}))
               .run();
  expect_near(y[0],
              f32({1, 1, 2, 3}, {-0.1875f, 0.1666667f, 0.28125f, -0.0625f, 0.2916667f, 0.40625f}));
}

TEST(CpuNnGlobalPool, AverageAndMax) {
  auto avg = OpTest("GlobalAveragePool", 17).input(pattern({2, 3, 4, 5})).run();
  expect_near(avg[0], f32({2, 3, 1, 1}, {0.0375f, 0.0f, -0.0375f, -0.075f, 0.03125f, -0.00625f}));
  auto max = OpTest("GlobalMaxPool", 17).input(pattern({2, 3, 4, 5})).run();
  expect_near(max[0], f32({2, 3, 1, 1}, {1.375f, 1.375f, 1.375f, 1.25f, 1.375f, 1.375f}));
}

// ---------------------------------------------------------------------------------------------
// BatchNormalization

TEST(CpuNnBatchNorm, Opset15Inference) {
  auto y = OpTest("BatchNormalization", 15)
               .attr("epsilon", 1e-3f)
               .input(pattern({2, 3, 2, 2}))
               .input(f32({3}, {0.5f, 1.5f, -2.0f}))
               .input(f32({3}, {0.1f, -0.2f, 0.3f}))
               .input(f32({3}, {0.25f, -0.5f, 0.125f}))
               .input(f32({3}, {0.5f, 2.0f, 0.75f}))
               .run();
  expect_near(y[0],
              f32({2, 3, 2, 2},
                  {-1.047901f, -0.4298006f, 0.1883001f,  0.8064008f, -0.4650987f, 0.462747f,
                   1.390593f,  -0.7301975f, 0.8769658f,  -1.142414f, 3.473312f,   1.453931f,
                   0.2766002f, 0.8947008f,  -0.5181007f, 0.1f,       1.523142f,   -0.5976481f,
                   0.3301976f, 1.258043f,   3.184829f,   1.165449f,  -0.8539315f, 3.761795f}));
}

TEST(CpuNnBatchNorm, Opset9ConstantStatistics) {
  auto y = OpTest("BatchNormalization", 9)
               .input(pattern({2, 3, 2, 2}))
               .input(f32({3}, {0.5f, 1.5f, -2.0f}), true)
               .input(f32({3}, {0.1f, -0.2f, 0.3f}), true)
               .input(f32({3}, {0.25f, -0.5f, 0.125f}), true)
               .input(f32({3}, {0.5f, 2.0f, 0.75f}), true)
               .run();
  expect_near(y[0],
              f32({2, 3, 2, 2},
                  {-1.049037f, -0.4303248f, 0.1883875f,  0.8070997f, -0.4651644f, 0.462911f,
                   1.390986f,  -0.7303287f, 0.8773465f,  -1.143366f, 3.475405f,   1.454693f,
                   0.2767749f, 0.8954871f,  -0.5187122f, 0.1f,       1.523568f,   -0.5977466f,
                   0.3303288f, 1.258404f,   3.186732f,   1.16602f,   -0.8546928f, 3.764079f}));
}

// Opset 7 with spatial=0: statistics per (channel, position), here of shape [C, 1, W].
TEST(CpuNnBatchNorm, Opset7SpatialZero) {
  auto y = OpTest("BatchNormalization", 7)
               .attr("spatial", int64_t{0})
               .input(pattern({2, 2, 1, 3}))
               .input(f32({2, 1, 3}, {0.5f, 1, 1.5f, 2, -1, 0.25f}))
               .input(f32({2, 1, 3}, {0, 0.5f, -0.5f, 1, 0.25f, 0}))
               .input(f32({2, 1, 3}, {0.125f, -0.25f, 0, 0.5f, -0.5f, 0.25f}))
               .input(f32({2, 1, 3}, {1, 0.5f, 2, 0.25f, 1.5f, 0.75f}))
               .run();
  expect_near(y[0], f32({2, 2, 1, 3},
                        {-0.7499962f, 0.1464502f, -0.1022534f, 3.99994f, 0.4541234f, -0.03608415f,
                         0.4374978f, -0.5606495f, -0.6325822f, 1.99998f, 0.8623704f, -0.1804208f}));
}

TEST(CpuNnBatchNorm, WrongStatisticsSize) {
  expect_error(
      [] {
        OpTest("BatchNormalization", 15)
            .input(pattern({1, 3, 2, 2}))
            .input(f32({2}, {1, 1}))
            .input(f32({2}, {0, 0}))
            .input(f32({2}, {0, 0}))
            .input(f32({2}, {1, 1}))
            .run();
      },
      ErrorCode::kInvalidArgument, {"test_BatchNormalization"});
}

// ---------------------------------------------------------------------------------------------
// Gemm / MatMul

TEST(CpuNnGemm, TransposesAlphaBetaAndRowBias) {
  auto y = OpTest("Gemm", 13)
               .attr("transA", int64_t{1})
               .attr("transB", int64_t{1})
               .attr("alpha", 0.5f)
               .attr("beta", 2.0f)
               .input(pattern({4, 3}))
               .input(weights({5, 4}))
               .input(f32({5}, {1, 2, 3, 4, 5}))
               .run();
  expect_near(y[0], f32({3, 5}, {3.0f, 4.796875f, 7.203125f, 6.96875f, 11.40625f, 2.59375f,
                                 3.15625f, 6.15625f, 7.9375f, 9.71875f, 1.828125f, 4.03125f,
                                 5.828125f, 7.828125f, 9.828125f}));
}

TEST(CpuNnGemm, ColumnBias) {
  auto y = OpTest("Gemm", 13)
               .input(pattern({3, 4}))
               .input(weights({4, 5}), true)
               .input(f32({3, 1}, {1.0f, -1.0f, 0.5f}))
               .run();
  expect_near(
      y[0], f32({3, 5}, {4.03125f, 0.0625f, -0.25f, 4.3125f, -0.0625f, 0.5625f, -0.625f, -1.40625f,
                         -3.40625f, -0.9375f, -0.125f, 1.46875f, 0.21875f, 1.0f, 0.96875f}));
}

TEST(CpuNnGemm, NoBiasAndScalarBias) {
  auto no_c =
      OpTest("Gemm", 13).attr("alpha", 2.0f).input(pattern({3, 4})).input(weights({4, 5})).run();
  expect_near(no_c[0],
              f32({3, 5}, {6.0625f, -1.875f, -2.5f, 6.625f, -2.125f, 3.125f, 0.75f, -0.8125f,
                           -4.8125f, 0.125f, -1.25f, 1.9375f, -0.5625f, 1.0f, 0.9375f}));
  auto scalar = OpTest("Gemm", 13)
                    .attr("beta", 0.5f)
                    .input(pattern({3, 4}))
                    .input(weights({4, 5}))
                    .input(Tensor::scalar<float>(3.0f))
                    .run();
  expect_near(scalar[0],
              f32({3, 5}, {4.53125f, 0.5625f, 0.25f, 4.8125f, 0.4375f, 3.0625f, 1.875f, 1.09375f,
                           -0.90625f, 1.5625f, 0.875f, 2.46875f, 1.21875f, 2.0f, 1.96875f}));
}

TEST(CpuNnGemm, BiasThatDoesNotBroadcast) {
  expect_error(
      [] {
        OpTest("Gemm", 13).input(pattern({3, 4})).input(weights({4, 5})).input(pattern({4})).run();
      },
      ErrorCode::kInvalidArgument, {"test_Gemm", "[4]"});
}

TEST(CpuNnMatMul, BatchBroadcast) {
  auto y = OpTest("MatMul", 13).input(pattern({2, 1, 3, 4})).input(weights({3, 4, 5})).run();
  expect_near(
      y[0],
      f32({2, 3, 3, 5},
          {3.03125f,  -0.9375f,  -1.25f,   3.3125f,   -1.0625f,  1.5625f,   0.375f,    -0.40625f,
           -2.40625f, 0.0625f,   -0.625f,  0.96875f,  -0.28125f, 0.5f,      0.46875f,  -1.1875f,
           4.59375f,  -1.0f,     -1.3125f, -0.8125f,  -0.25f,    1.0f,      0.21875f,  -0.5625f,
           0.6875f,   -0.03125f, -3.3125f, 0.71875f,  -0.53125f, 1.46875f,  -0.9375f,  -1.25f,
           3.3125f,   -1.0625f,  -1.375f,  0.375f,    -0.40625f, -2.40625f, 0.0625f,   -0.71875f,
           0.96875f,  -0.28125f, 0.5f,     0.46875f,  -0.78125f, 0.78125f,  -0.59375f, 1.28125f,
           -0.90625f, 0.15625f,  -2.125f,  -0.71875f, 0.6875f,   1.28125f,  -0.15625f, 0.71875f,
           1.3125f,   -1.34375f, -1.5625f, 0.25f,     0.90625f,  -3.3125f,  -0.21875f, 1.65625f,
           -1.34375f, 0.40625f,  1.0f,     -0.4375f,  0.96875f,  -1.28125f, -0.8125f,  1.0f,
           0.78125f,  -1.875f,   2.375f,   -0.59375f, 1.28125f,  -0.90625f, 0.15625f,  2.03125f,
           -0.71875f, 0.6875f,   1.28125f, -0.15625f, 1.25f,     1.3125f,   -1.34375f, -1.5625f,
           0.25f,     -2.40625f}));
}

TEST(CpuNnMatMul, OneDimensionalOperands) {
  auto left = OpTest("MatMul", 13).input(pattern({4})).input(weights({2, 4, 3})).run();
  expect_near(left[0], f32({2, 3}, {2.375f, 2.0625f, -3.53125f, -2.1875f, 2.375f, 2.0625f}));
  auto right = OpTest("MatMul", 13).input(pattern({2, 3, 4})).input(weights({4})).run();
  expect_near(right[0], f32({2, 3}, {1.3125f, 3.09375f, -0.875f, -1.96875f, -2.34375f, 3.75f}));
  auto dot = OpTest("MatMul", 13).input(pattern({4})).input(weights({4})).run();
  expect_near(dot[0], f32({}, {1.3125f}));
}

TEST(CpuNnMatMul, BatchedRightOperandOnly) {
  auto y = OpTest("MatMul", 13).input(pattern({3, 4})).input(weights({2, 4, 2})).run();
  expect_near(y[0], f32({2, 3, 2}, {1.03125f, 2.34375f, 2.0f, 0.8125f, 0.8125f, -2.875f, 0.96875f,
                                    1.0625f, 1.84375f, -2.59375f, 0.5625f, 0.9375f}));
}

// Large enough for the product to be split into row blocks.
TEST(CpuNnMatMul, Large) {
  auto y = OpTest("MatMul", 13).input(big_input({160, 128})).input(big_weights({128, 128})).run();
  ASSERT_EQ(y[0].shape(), (Shape{160, 128}));
  expect_values(
      sums_along(y[0], 0),
      {35.71973f,    -29.01758f, 13.60645f,  -8.480469f, 15.75977f,  -39.17285f, 33.60059f,
       3.915039f,    23.00781f,  -29.22852f, 13.64062f,  -11.3877f,  15.79395f,  -44.77637f,
       33.63477f,    -4.384766f, 23.04199f,  -25.27246f, 13.6748f,   -10.12793f, 15.82812f,
       -46.21289f,   33.66895f,  -8.517578f, 23.07617f,  -32.10156f, 13.70898f,  -4.701172f,
       15.8623f,     -43.48242f, 33.70312f,  -8.483398f, 23.11035f,  -34.76367f, 13.74316f,
       -10.05957f,   15.89648f,  -36.58496f, 33.7373f,   -4.282227f, 23.14453f,  -33.25879f,
       13.77734f,    -11.25098f, 15.93066f,  -40.47266f, 33.77148f,  4.085938f,  23.17871f,
       -27.58691f,   13.81152f,  -8.275391f, 15.96484f,  -40.19336f, 33.80566f,  1.668945f,
       23.21289f,    -17.74805f, 21.19922f,  -8.241211f, 20.65625f,  -40.15918f, 35.80078f,
       1.703125f,    22.51172f,  -17.71387f, 32.75391f,  -8.207031f, 14.5625f,   -40.125f,
       41.96289f,    1.737305f,  11.02539f,  -17.67969f, 33.52344f,  -8.172852f, 12.63574f,
       -40.09082f,   37.33984f,  1.771484f,  3.706055f,  -17.64551f, 23.50781f,  -8.138672f,
       -0.07617188f, -40.05664f, 36.88379f,  1.805664f,  0.5537109f, -17.61133f, 17.65918f,
       -8.104492f,   -8.621094f, -40.02246f, 25.64258f,  1.839844f,  1.568359f,  -17.57715f,
       15.97754f,    -8.070312f, -12.99902f, -39.98828f, 18.56836f,  1.874023f,  -8.202148f,
       -17.54297f,   18.46289f,  -8.036133f, -13.20996f, -42.65039f, 18.60254f,  -3.484375f,
       -8.167969f,   -10.64551f, 18.49707f,  -3.834961f, -13.17578f, -41.14551f, 18.63672f,
       -4.675781f,   -8.133789f, -14.5332f,  18.53125f,  4.533203f,  -13.1416f,  -35.47363f,
       18.6709f,     -1.700195f, -8.099609f, -14.25391f, 18.56543f,  2.116211f,  -13.10742f,
       -25.63477f,   18.70508f,  5.442383f,  -8.06543f,  -9.807617f, 18.59961f,  3.866211f,
       -13.07324f,   -26.58105f, 18.73926f,  16.75195f,  -8.03125f,  -1.194336f, 18.63379f,
       9.783203f,    -13.03906f, -23.36035f, 18.77344f,  17.27637f,  -7.99707f,  11.58594f,
       18.66797f,    19.86719f,  -13.00488f, -15.97266f, 8.757812f,  17.31055f},
      1e-5, 1e-3);
  expect_values(sums_along(y[0], 1),
                {13.72168f,  44.64355f,  34.04492f,  -31.59668f, 8.856445f,  -79.54102f, -59.46094f,
                 10.47949f,  -66.00391f, 40.5127f,   -29.29883f, -5.108398f, 68.94238f,  -31.66699f,
                 78.95996f,  -14.97754f, -1.628906f, 61.58008f,  -49.87109f, 36.62988f,  -53.19727f,
                 -49.49902f, 3.344727f,  -103.9961f, -13.38477f, -22.67285f, -29.81641f, 57.75684f,
                 0.3359375f, 95.05762f,  89.87988f,  14.70703f,  60.58105f,  -37.34766f, -11.84668f,
                 -12.91406f, -83.97656f, 13.00879f,  -51.38184f, -36.72266f, 42.74902f,  -39.15527f,
                 76.89258f,  -11.62402f, 7.145508f,  75.77539f,  -30.25488f, 74.95117f,  -24.40723f,
                 -15.28809f, 28.02441f,  -73.89551f, 7.18457f,   -73.11133f, -74.83398f, 3.208008f,
                 -48.79199f, 36.39844f,  36.6416f,   24.07715f,  121.1816f,  13.72168f,  44.64355f,
                 34.04492f,  -31.59668f, 8.856445f,  -79.54102f, -59.46094f, 10.47949f,  -66.00391f,
                 40.5127f,   -29.29883f, -5.108398f, 68.94238f,  -31.66699f, 78.95996f,  -14.97754f,
                 -1.628906f, 61.58008f,  -49.87109f, 36.62988f,  -53.19727f, -49.49902f, 3.344727f,
                 -103.9961f, -13.38477f, -22.67285f, -29.81641f, 57.75684f,  0.3359375f, 95.05762f,
                 89.87988f,  14.70703f,  60.58105f,  -37.34766f, -11.84668f, -12.91406f, -83.97656f,
                 13.00879f,  -51.38184f, -36.72266f, 42.74902f,  -39.15527f, 76.89258f,  -11.62402f,
                 7.145508f,  75.77539f,  -30.25488f, 74.95117f,  -24.40723f, -15.28809f, 28.02441f,
                 -73.89551f, 7.18457f,   -73.11133f, -74.83398f, 3.208008f,  -48.79199f, 36.39844f,
                 36.6416f,   24.07715f,  121.1816f,  13.72168f,  44.64355f,  34.04492f,  -31.59668f,
                 8.856445f,  -79.54102f},
                1e-5, 1e-3);
  expect_values(slice(y[0], 159 * 128 + 120, 8), {8.293945f, -0.6367188f, -2.061523f, 2.113281f,
                                                  -3.004883f, 14.33496f, 3.617188f, 2.311523f});
}

TEST(CpuNnMatMul, Float64Int32AndFloat16) {
  Tensor a64(DataType::kFloat64, {2, 3}), b64(DataType::kFloat64, {3, 2});
  for (int64_t i = 0; i < 6; ++i) {
    a64.data<double>()[i] = pattern({2, 3}).data<float>()[i];
    b64.data<double>()[i] = weights({3, 2}).data<float>()[i];
  }
  auto y64 = OpTest("MatMul", 13).input(a64).input(b64).run();
  const std::vector<float> e64 = {1.65625f, 1.40625f, -2.59375f, 0.625f};
  expect_near(y64[0],
              Tensor::from_vector<double>({2, 2}, std::vector<double>(e64.begin(), e64.end())));

  auto yi = OpTest("MatMul", 13)
                .input(Tensor::from_vector<int32_t>({2, 3}, {-2, -1, 0, 1, 2, 3}))
                .input(Tensor::from_vector<int32_t>({3, 2}, {0, 3, 1, 4, 2, 0}))
                .run();
  expect_near(yi[0], Tensor::from_vector<int32_t>({2, 2}, {-1, -10, 8, 11}));

  auto yh =
      OpTest("MatMul", 13).input(to_half(pattern({2, 3}))).input(to_half(weights({3, 2}))).run();
  expect_near(yh[0], to_half(f32({2, 2}, {1.65625f, 1.40625f, -2.59375f, 0.625f})), 1e-3, 1e-3);
}

TEST(CpuNnMatMul, InnerDimensionMismatch) {
  expect_error(
      [] {
        OpTest("MatMul", 13).input(pattern({2, 3})).input(weights({4, 2})).run();
      },
      ErrorCode::kInvalidArgument, {"test_MatMul", "[2,3]", "[4,2]"});
}

// ---------------------------------------------------------------------------------------------
// Softmax

TEST(CpuNnSoftmax, Opset11FlattensWhileOpset13UsesOneAxis) {
  auto flat = OpTest("Softmax", 11).attr("axis", int64_t{1}).input(pattern({2, 3, 4})).run();
  expect_near(flat[0],
              f32({2, 3, 4},
                  {0.01747376f, 0.04191738f, 0.1005546f,  0.2412178f,  0.03264529f, 0.07831196f,
                   0.1878606f,  0.02542417f, 0.06098942f, 0.146306f,   0.01980036f, 0.04749861f,
                   0.09397862f, 0.225443f,   0.03051039f, 0.07319063f, 0.1755752f,  0.02376152f,
                   0.05700092f, 0.1367381f,  0.01850549f, 0.04439236f, 0.1064917f,  0.01441209f}));
  auto along = OpTest("Softmax", 13).attr("axis", int64_t{1}).input(pattern({2, 3, 4})).run();
  expect_near(
      along[0],
      f32({2, 3, 4}, {0.1572676f, 0.1572676f,  0.3262475f,  0.7678658f, 0.2938146f,  0.2938146f,
                      0.6095105f, 0.08093246f, 0.5489178f,  0.5489178f, 0.06424194f, 0.1512017f,
                      0.3262475f, 0.7678658f,  0.1572676f,  0.3262475f, 0.6095105f,  0.08093246f,
                      0.2938146f, 0.6095105f,  0.06424194f, 0.1512017f, 0.5489178f,  0.06424194f}));
}

TEST(CpuNnSoftmax, Opset13DefaultAxisIsLastAndStable) {
  Tensor x = pattern({2, 3, 4});
  for (int64_t i = 0; i < x.num_elements(); ++i) x.data<float>()[i] *= 100.0f;
  auto y = OpTest("Softmax", 13).input(x).run();
  expect_near(
      y[0],
      f32({2, 3, 4}, {0.0f,          0.0f,          9.982351e-39f, 1.0f, 0.0f, 9.982351e-39f, 1.0f,
                      0.0f,          9.982351e-39f, 1.0f,          0.0f, 0.0f, 9.982351e-39f, 1.0f,
                      0.0f,          0.0f,          1.0f,          0.0f, 0.0f, 1.388794e-11f, 0.0f,
                      9.982351e-39f, 1.0f,          0.0f}));
}

TEST(CpuNnSoftmax, Opset1DefaultAxisIsOne) {
  auto y = OpTest("Softmax", 1).input(pattern({2, 3, 4})).run();
  expect_near(y[0], f32({2, 3, 4}, {0.01747376f, 0.04191738f, 0.1005546f,  0.2412178f,  0.03264529f,
                                    0.07831196f, 0.1878606f,  0.02542417f, 0.06098942f, 0.146306f,
                                    0.01980036f, 0.04749861f, 0.09397862f, 0.225443f,   0.03051039f,
                                    0.07319063f, 0.1755752f,  0.02376152f, 0.05700092f, 0.1367381f,
                                    0.01850549f, 0.04439236f, 0.1064917f,  0.01441209f}));
}

TEST(CpuNnSoftmax, AxisOutOfRange) {
  expect_error(
      [] {
        OpTest("Softmax", 13).attr("axis", int64_t{3}).input(pattern({2, 3, 4})).run();
      },
      ErrorCode::kInvalidArgument, {"test_Softmax", "axis 3"});
}

}  // namespace
}  // namespace aruntime::testing
