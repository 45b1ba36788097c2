// The blocked ("NCHWc") kernels of kernels/nchwc.h against the NCHW kernels (kernels/pool.h,
// kernels/conv.h, conformance-tested against ONNX's reference data), against a naive convolution
// written here, and on small cases whose expected numbers come from onnxruntime.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "kernels/activation.h"
#include "kernels/conv.h"
#include "kernels/nchwc.h"
#include "kernels/pool.h"

namespace aruntime::kernels::nchwc {
namespace {

std::vector<float> random_values(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& f : v) f = dist(rng);
  return v;
}

std::vector<float> to_blocked(const std::vector<float>& x, int64_t batch, int64_t channels,
                              int64_t spatial) {
  std::vector<float> y(static_cast<size_t>(batch * padded(channels) * spatial),
                       std::numeric_limits<float>::quiet_NaN());
  reorder_to_blocked(x.data(), y.data(), batch, channels, spatial);
  return y;
}

std::vector<float> from_blocked(const std::vector<float>& x, int64_t batch, int64_t channels,
                                int64_t spatial) {
  std::vector<float> y(static_cast<size_t>(batch * channels * spatial),
                       std::numeric_limits<float>::quiet_NaN());
  reorder_from_blocked(x.data(), y.data(), batch, channels, spatial);
  return y;
}

// |got - want| <= tolerance * max(1, |want|) element by element; reports the first few misses.
void expect_close(const std::vector<float>& got, const std::vector<float>& want, float tolerance,
                  const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  int misses = 0;
  for (size_t i = 0; i < got.size() && misses < 5; ++i) {
    const float bound = tolerance * std::max(1.0f, std::fabs(want[i]));
    if (!(std::fabs(got[i] - want[i]) <= bound)) {
      ADD_FAILURE() << what << ": element " << i << " is " << got[i] << ", expected " << want[i];
      ++misses;
    }
  }
}

// ---- Reorders ----

TEST(NchwcReorder, RoundTripAndPaddedLanesZero) {
  for (int64_t channels : {3, 16, 20, 40}) {
    // Spatial sizes below one 16-position tile, across tiles and across parallel chunks.
    for (int64_t spatial : {1, 7, 35, 16 * 40 + 3}) {
      SCOPED_TRACE("channels " + std::to_string(channels) + ", spatial " + std::to_string(spatial));
      const int64_t batch = 2;
      const std::vector<float> x = random_values(batch * channels * spatial, 7);
      const std::vector<float> blocked = to_blocked(x, batch, channels, spatial);
      // Element (n, c, s) of NCHW sits at [n, c / 16, s, c % 16] of the blocked layout.
      for (int64_t n = 0; n < batch; ++n) {
        for (int64_t c = 0; c < padded(channels); ++c) {
          for (int64_t s = 0; s < spatial; ++s) {
            const float got =
                blocked[((n * blocks(channels) + c / kBlock) * spatial + s) * kBlock + c % kBlock];
            const float want = c < channels ? x[(n * channels + c) * spatial + s] : 0.0f;
            ASSERT_EQ(got, want) << "n " << n << " c " << c << " s " << s;
          }
        }
      }
      EXPECT_EQ(from_blocked(blocked, batch, channels, spatial), x);
    }
  }
}

TEST(NchwcReorder, FromBlockedDropsPaddedLanes) {
  // Padded lanes hold what an activation made of zeros (Sigmoid: 0.5); none may reach the NCHW
  // output, and nothing past its end is written.
  const int64_t batch = 2, channels = 20, spatial = 37;
  std::vector<float> blocked(batch * padded(channels) * spatial, 0.5f);
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      for (int64_t s = 0; s < spatial; ++s) {
        blocked[((n * blocks(channels) + c / kBlock) * spatial + s) * kBlock + c % kBlock] =
            static_cast<float>((n * channels + c) * spatial + s);
      }
    }
  }
  const int64_t size = batch * channels * spatial;
  std::vector<float> y(size + 64, -7.0f);
  reorder_from_blocked(blocked.data(), y.data(), batch, channels, spatial);
  for (int64_t i = 0; i < size; ++i) ASSERT_EQ(y[i], static_cast<float>(i));
  for (int64_t i = size; i < size + 64; ++i) ASSERT_EQ(y[i], -7.0f);
}

// ---- Pools ----

struct PoolCase {
  int64_t batch, channels, in_h, in_w, kernel_h, kernel_w, stride_h, stride_w;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  bool ceil_mode = false;
};

// Output size by ONNX's rule (onnx/reference/ops/op_pool_common.py): with ceil_mode the last
// window must still start inside the image or its begin padding.
int64_t pool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                         int64_t pad_begin, int64_t pad_end, bool ceil_mode) {
  const int64_t span = in + pad_begin + pad_end - dilation * (kernel - 1) - 1;
  int64_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad_begin) --out;
  return out;
}

Pool2dGeometry blocked_geometry(const PoolCase& c) {
  Pool2dGeometry g;
  g.batch = c.batch;
  g.channels = c.channels;
  g.in_h = c.in_h;
  g.in_w = c.in_w;
  g.out_h = pool_output_size(c.in_h, c.kernel_h, c.stride_h, c.dilation_h, c.pad_top, c.pad_bottom,
                             c.ceil_mode);
  g.out_w = pool_output_size(c.in_w, c.kernel_w, c.stride_w, c.dilation_w, c.pad_left, c.pad_right,
                             c.ceil_mode);
  g.kernel_h = c.kernel_h;
  g.kernel_w = c.kernel_w;
  g.stride_h = c.stride_h;
  g.stride_w = c.stride_w;
  g.dilation_h = c.dilation_h;
  g.dilation_w = c.dilation_w;
  g.pad_top = c.pad_top;
  g.pad_left = c.pad_left;
  g.pad_bottom = c.pad_bottom;
  g.pad_right = c.pad_right;
  return g;
}

PoolGeometry nchw_geometry(const Pool2dGeometry& g) {
  PoolGeometry p;
  p.planes = g.batch * g.channels;
  p.input_spatial = {g.in_h, g.in_w};
  p.output_spatial = {g.out_h, g.out_w};
  p.kernel = {g.kernel_h, g.kernel_w};
  p.strides = {g.stride_h, g.stride_w};
  p.dilations = {g.dilation_h, g.dilation_w};
  p.pads_begin = {g.pad_top, g.pad_left};
  p.pads_end = {g.pad_bottom, g.pad_right};
  return p;
}

enum class PoolKind { kMax, kAverage, kAverageIncludePad };

// Runs the blocked pool on reordered x and returns the NCHW result.
std::vector<float> blocked_pool(PoolKind kind, const Pool2dGeometry& g,
                                const std::vector<float>& x) {
  const std::vector<float> xb = to_blocked(x, g.batch, g.channels, g.in_h * g.in_w);
  std::vector<float> yb(g.batch * padded(g.channels) * g.out_h * g.out_w,
                        std::numeric_limits<float>::quiet_NaN());
  if (kind == PoolKind::kMax) {
    max_pool(g, xb.data(), yb.data());
  } else {
    average_pool(g, kind == PoolKind::kAverageIncludePad, xb.data(), yb.data());
  }
  return from_blocked(yb, g.batch, g.channels, g.out_h * g.out_w);
}

std::vector<PoolCase> pool_cases() {
  std::vector<PoolCase> cases;
  // One case per statement reads better than one field per line.
  // clang-format off
  // ResNet-50's stem MaxPool: 3x3 stride 2 pad 1 on 112x112x64.
  cases.push_back({.batch = 1, .channels = 64, .in_h = 112, .in_w = 112, .kernel_h = 3,
                   .kernel_w = 3, .stride_h = 2, .stride_w = 2, .pad_top = 1, .pad_left = 1,
                   .pad_bottom = 1, .pad_right = 1});
  cases.push_back({.batch = 2, .channels = 20, .in_h = 9, .in_w = 11, .kernel_h = 2, .kernel_w = 2,
                   .stride_h = 2, .stride_w = 2});
  cases.push_back({.batch = 2, .channels = 40, .in_h = 13, .in_w = 10, .kernel_h = 3,
                   .kernel_w = 3, .stride_h = 1, .stride_w = 1, .pad_top = 1, .pad_left = 1,
                   .pad_bottom = 1, .pad_right = 1});
  // Asymmetric pads and ceil_mode: the last windows run past the end padding.
  cases.push_back({.batch = 1, .channels = 3, .in_h = 17, .in_w = 14, .kernel_h = 5,
                   .kernel_w = 5, .stride_h = 2, .stride_w = 3, .pad_top = 2, .pad_left = 1,
                   .pad_bottom = 0, .pad_right = 2, .ceil_mode = true});
  cases.push_back({.batch = 1, .channels = 20, .in_h = 6, .in_w = 6, .kernel_h = 3, .kernel_w = 3,
                   .stride_h = 2, .stride_w = 2, .pad_top = 1, .pad_left = 1, .pad_bottom = 1,
                   .pad_right = 1, .ceil_mode = true});
  // Dilation 2 with padding, a non-square kernel.
  cases.push_back({.batch = 2, .channels = 16, .in_h = 12, .in_w = 15, .kernel_h = 2,
                   .kernel_w = 3, .stride_h = 1, .stride_w = 2, .dilation_h = 2, .dilation_w = 2,
                   .pad_top = 1, .pad_left = 2, .pad_bottom = 2, .pad_right = 1});
  // A window wider than the image (every column is a border column), and a 7x7 window over a
  // 7x7 image (EfficientNet-style average at the head).
  cases.push_back({.batch = 1, .channels = 40, .in_h = 5, .in_w = 4, .kernel_h = 3, .kernel_w = 6,
                   .stride_h = 1, .stride_w = 1, .pad_top = 1, .pad_left = 2, .pad_bottom = 1,
                   .pad_right = 2});
  cases.push_back({.batch = 2, .channels = 24, .in_h = 7, .in_w = 7, .kernel_h = 7, .kernel_w = 7,
                   .stride_h = 1, .stride_w = 1});
  // 1 x k and k x 1 windows.
  cases.push_back({.batch = 1, .channels = 17, .in_h = 8, .in_w = 19, .kernel_h = 1,
                   .kernel_w = 4, .stride_h = 1, .stride_w = 3, .pad_left = 3, .pad_right = 1});
  cases.push_back({.batch = 1, .channels = 17, .in_h = 19, .in_w = 8, .kernel_h = 4,
                   .kernel_w = 1, .stride_h = 3, .stride_w = 1, .pad_top = 3, .pad_bottom = 1});
  // clang-format on
  return cases;
}

TEST(NchwcPool, MatchesNchwKernels) {
  uint32_t seed = 100;
  for (const PoolCase& c : pool_cases()) {
    const Pool2dGeometry g = blocked_geometry(c);
    const PoolGeometry nchw = nchw_geometry(g);
    SCOPED_TRACE("channels " + std::to_string(c.channels) + ", in " + std::to_string(c.in_h) + "x" +
                 std::to_string(c.in_w) + ", kernel " + std::to_string(c.kernel_h) + "x" +
                 std::to_string(c.kernel_w) + ", out " + std::to_string(g.out_h) + "x" +
                 std::to_string(g.out_w));
    const std::vector<float> x = random_values(g.batch * g.channels * g.in_h * g.in_w, ++seed);
    std::vector<float> want(g.batch * g.channels * g.out_h * g.out_w);

    kernels::max_pool<float>(nchw, x.data(), want.data(), nullptr, false);
    expect_close(blocked_pool(PoolKind::kMax, g, x), want, 0.0f, "max_pool");

    // AveragePool has no dilations before opset 19; the window kernels support them all the same.
    kernels::average_pool<float>(nchw, x.data(), want.data(), false);
    expect_close(blocked_pool(PoolKind::kAverage, g, x), want, 1e-5f, "average_pool");
    kernels::average_pool<float>(nchw, x.data(), want.data(), true);
    expect_close(blocked_pool(PoolKind::kAverageIncludePad, g, x), want, 1e-5f,
                 "average_pool count_include_pad");
  }
}

// x [1, 2, 6, 6]: channel 0 is 0..35 in row-major order, channel 1 is (i * 7 mod 11) - 5 for
// element i. kernel 3x3, strides 2, pads 1 on every side, ceil_mode 1: out 4x4, and the last row
// and column of windows cover input rows / columns 5..7, past the padded extent [-1, 7).
// Expected values: onnxruntime 1.22.1 and onnx 1.18.0 ReferenceEvaluator (they agree) on an
// opset-19 model of the single op. E.g. output (3, 3) of channel 0 with count_include_pad covers
// only x[5][5] = 35 in the image and 2 x 2 taps inside [-1, 7): 35 / 4 = 8.75.
class NchwcPoolOnnxCase : public ::testing::Test {
 protected:
  NchwcPoolOnnxCase() : x_(2 * 36) {
    for (int i = 0; i < 36; ++i) {
      x_[i] = static_cast<float>(i);
      x_[36 + i] = static_cast<float>((i * 7) % 11 - 5);
    }
    // clang-format off
    g_ = blocked_geometry({.batch = 1, .channels = 2, .in_h = 6, .in_w = 6, .kernel_h = 3,
                           .kernel_w = 3, .stride_h = 2, .stride_w = 2, .pad_top = 1,
                           .pad_left = 1, .pad_bottom = 1, .pad_right = 1, .ceil_mode = true});
    // clang-format on
  }
  std::vector<float> x_;
  Pool2dGeometry g_;
};

TEST_F(NchwcPoolOnnxCase, MaxPool) {
  ASSERT_EQ(g_.out_h, 4);
  ASSERT_EQ(g_.out_w, 4);
  const std::vector<float> want = {
      7, 9, 11, 11, 19, 21, 23, 23, 31, 33, 35, 35, 31, 33, 35, 35,  // channel 0
      4, 5, 5,  -3, 4,  5,  4,  4,  5,  5,  4,  2,  3,  3,  2,  -2,  // channel 1
  };
  expect_close(blocked_pool(PoolKind::kMax, g_, x_), want, 0.0f, "max_pool");
}

TEST_F(NchwcPoolOnnxCase, AveragePool) {
  const std::vector<float> want = {
      3.5f,        5.0f,        7.0f,        8.0f,  12.5f, 14.0f,      16.0f,       17.0f,
      24.5f,       26.0f,       28.0f,       29.0f, 30.5f, 32.0f,      34.0f,       35.0f,
      0.25f,       0.6666667f,  0.0f,        -4.0f, 0.0f,  0.1111111f, -0.5555556f, 0.3333333f,
      -0.3333333f, -0.2222222f, -0.8888889f, 0.0f,  -0.5f, -1.0f,      -1.6666666f, -2.0f,
  };
  expect_close(blocked_pool(PoolKind::kAverage, g_, x_), want, 1e-5f, "average_pool");
}

TEST_F(NchwcPoolOnnxCase, AveragePoolCountIncludePad) {
  const std::vector<float> want = {
      1.5555556f,  3.3333333f,  4.6666665f,  2.6666667f,  8.333333f,   14.0f,       16.0f,
      8.5f,        16.333334f,  26.0f,       28.0f,       14.5f,       10.166667f,  16.0f,
      17.0f,       8.75f,       0.1111111f,  0.4444444f,  0.0f,        -1.3333334f, 0.0f,
      0.1111111f,  -0.5555556f, 0.1666667f,  -0.2222222f, -0.2222222f, -0.8888889f, 0.0f,
      -0.1666667f, -0.5f,       -0.8333333f, -0.5f,
  };
  expect_close(blocked_pool(PoolKind::kAverageIncludePad, g_, x_), want, 1e-5f,
               "average_pool count_include_pad");
}

TEST_F(NchwcPoolOnnxCase, GlobalPools) {
  const std::vector<float> xb = to_blocked(x_, 1, 2, 36);
  std::vector<float> yb(kBlock, std::numeric_limits<float>::quiet_NaN());
  global_average_pool(xb.data(), yb.data(), 1, 2, 36);
  expect_close(from_blocked(yb, 1, 2, 1), {17.5f, -0.1388889f}, 1e-5f, "global_average_pool");
  global_max_pool(xb.data(), yb.data(), 1, 2, 36);
  expect_close(from_blocked(yb, 1, 2, 1), {35.0f, 5.0f}, 0.0f, "global_max_pool");
}

TEST(NchwcPool, GlobalPoolsMatchNchwKernels) {
  // Squeeze-excitation shapes (many channels, small planes) and a large plane; channels 20 and 3
  // leave padded lanes.
  struct Case {
    int64_t batch, channels, spatial;
  };
  for (const Case& c : {Case{2, 3, 1}, Case{1, 20, 3}, Case{2, 40, 7 * 7}, Case{1, 1152, 7 * 7},
                        Case{1, 96, 112 * 112}, Case{3, 16, 14 * 14 + 1}}) {
    SCOPED_TRACE("channels " + std::to_string(c.channels) + ", spatial " +
                 std::to_string(c.spatial));
    const std::vector<float> x = random_values(c.batch * c.channels * c.spatial, 11);
    const std::vector<float> xb = to_blocked(x, c.batch, c.channels, c.spatial);
    std::vector<float> yb(c.batch * padded(c.channels), std::numeric_limits<float>::quiet_NaN());
    std::vector<float> want(c.batch * c.channels);

    kernels::global_average_pool<float>(x.data(), want.data(), c.batch * c.channels, c.spatial);
    global_average_pool(xb.data(), yb.data(), c.batch, c.channels, c.spatial);
    expect_close(from_blocked(yb, c.batch, c.channels, 1), want, 1e-5f, "global_average_pool");

    kernels::global_max_pool<float>(x.data(), want.data(), c.batch * c.channels, c.spatial);
    global_max_pool(xb.data(), yb.data(), c.batch, c.channels, c.spatial);
    expect_close(from_blocked(yb, c.batch, c.channels, 1), want, 0.0f, "global_max_pool");
  }
}

// ---- Convolutions ----

struct ConvCase {
  std::string name;
  ConvKind kind;
  int64_t batch, in_channels, out_channels, in_h, in_w, kernel_h, kernel_w;
  int64_t stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  bool bias = false, residual = false;
  ActivationKind activation = ActivationKind::kIdentity;
};

// Names the case in gtest's messages instead of dumping its bytes.
void PrintTo(const ConvCase& c, std::ostream* os) {
  *os << c.name;
}

Conv2dGeometry conv_geometry(const ConvCase& c) {
  Conv2dGeometry g;
  g.batch = c.batch;
  g.in_channels = c.in_channels;
  g.out_channels = c.out_channels;
  g.in_h = c.in_h;
  g.in_w = c.in_w;
  g.out_h =
      (c.in_h + c.pad_top + c.pad_bottom - c.dilation_h * (c.kernel_h - 1) - 1) / c.stride_h + 1;
  g.out_w =
      (c.in_w + c.pad_left + c.pad_right - c.dilation_w * (c.kernel_w - 1) - 1) / c.stride_w + 1;
  g.kernel_h = c.kernel_h;
  g.kernel_w = c.kernel_w;
  g.stride_h = c.stride_h;
  g.stride_w = c.stride_w;
  g.dilation_h = c.dilation_h;
  g.dilation_w = c.dilation_w;
  g.pad_top = c.pad_top;
  g.pad_left = c.pad_left;
  return g;
}

// The activations by their ONNX definitions, in double.
double activate(ActivationKind kind, double v) {
  switch (kind) {
    case ActivationKind::kIdentity:
      return v;
    case ActivationKind::kRelu:
      return v > 0 ? v : 0;
    case ActivationKind::kHardSwish:
      return v * std::clamp(v / 6 + 0.5, 0.0, 1.0);
    case ActivationKind::kSigmoid:
      return 1 / (1 + std::exp(-v));
    default:
      ADD_FAILURE() << "activation not covered by the reference";
      return v;
  }
}

// ONNX Conv by its definition: seven loops over (image, output channel, output row, output
// column, input channel of the group, kernel row, kernel column), taps in the padding read 0.
std::vector<float> naive_conv(const Conv2dGeometry& g, int64_t group, const std::vector<float>& x,
                              const std::vector<float>& w, const std::vector<float>& bias,
                              const std::vector<float>& residual, ActivationKind activation) {
  const int64_t c_per_group = g.in_channels / group, m_per_group = g.out_channels / group;
  std::vector<float> y(g.batch * g.out_channels * g.out_h * g.out_w);
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t m = 0; m < g.out_channels; ++m) {
      for (int64_t oh = 0; oh < g.out_h; ++oh) {
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
          double sum = bias.empty() ? 0.0 : bias[m];
          for (int64_t ci = 0; ci < c_per_group; ++ci) {
            const int64_t c = (m / m_per_group) * c_per_group + ci;
            for (int64_t kh = 0; kh < g.kernel_h; ++kh) {
              const int64_t ih = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
              if (ih < 0 || ih >= g.in_h) continue;
              for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
                const int64_t iw = ow * g.stride_w - g.pad_left + kw * g.dilation_w;
                if (iw < 0 || iw >= g.in_w) continue;
                sum +=
                    static_cast<double>(x[((n * g.in_channels + c) * g.in_h + ih) * g.in_w + iw]) *
                    w[((m * c_per_group + ci) * g.kernel_h + kh) * g.kernel_w + kw];
              }
            }
          }
          const int64_t at = ((n * g.out_channels + m) * g.out_h + oh) * g.out_w + ow;
          if (!residual.empty()) sum += residual[at];
          y[at] = static_cast<float>(activate(activation, sum));
        }
      }
    }
  }
  return y;
}

// The same through kernels::conv (NCHW), then residual and activation.
std::vector<float> nchw_conv(const Conv2dGeometry& g, int64_t group, const std::vector<float>& x,
                             const std::vector<float>& w, const std::vector<float>& bias,
                             const std::vector<float>& residual, ActivationKind activation) {
  ConvGeometry cg;
  cg.batch = g.batch;
  cg.in_channels = g.in_channels;
  cg.out_channels = g.out_channels;
  cg.group = group;
  cg.input_spatial = {g.in_h, g.in_w};
  cg.output_spatial = {g.out_h, g.out_w};
  cg.kernel = {g.kernel_h, g.kernel_w};
  cg.strides = {g.stride_h, g.stride_w};
  cg.dilations = {g.dilation_h, g.dilation_w};
  cg.pads_begin = {g.pad_top, g.pad_left};
  const ConvPlan plan = plan_conv(cg);
  std::vector<float> scratch(std::max<int64_t>(plan.scratch_elements, 1));
  std::vector<float> y(g.batch * g.out_channels * g.out_h * g.out_w);
  kernels::conv<float>(cg, plan, x.data(), w.data(), bias.empty() ? nullptr : bias.data(), y.data(),
                       scratch.data());
  for (size_t i = 0; i < residual.size(); ++i) y[i] += residual[i];
  apply_activation<float>(Activation{activation}, y.data(), static_cast<int64_t>(y.size()));
  return y;
}

class NchwcConv : public ::testing::TestWithParam<ConvCase> {};

TEST_P(NchwcConv, MatchesNchwAndNaive) {
  const ConvCase& c = GetParam();
  const Conv2dGeometry g = conv_geometry(c);
  const bool depthwise = c.kind == ConvKind::kDepthwise;
  const int64_t group = depthwise ? c.in_channels : 1;
  const int64_t in_spatial = g.in_h * g.in_w, out_spatial = g.out_h * g.out_w;
  const std::vector<float> x = random_values(g.batch * g.in_channels * in_spatial, 1);
  const std::vector<float> w =
      random_values(g.out_channels * (g.in_channels / group) * g.kernel_h * g.kernel_w, 2);
  const std::vector<float> bias = c.bias ? random_values(g.out_channels, 3) : std::vector<float>{};
  const std::vector<float> residual =
      c.residual ? random_values(g.batch * g.out_channels * out_spatial, 4) : std::vector<float>{};

  std::vector<float> packed_w(packed_weights_size(c.kind, g),
                              std::numeric_limits<float>::quiet_NaN());
  pack_weights(c.kind, g, w.data(), packed_w.data());
  std::vector<float> packed_bias(padded(g.out_channels), std::numeric_limits<float>::quiet_NaN());
  pack_bias(c.bias ? bias.data() : nullptr, g.out_channels, packed_bias.data());
  for (int64_t m = 0; m < padded(g.out_channels); ++m) {
    ASSERT_EQ(packed_bias[m], m < g.out_channels && c.bias ? bias[m] : 0.0f) << "bias lane " << m;
  }

  const std::vector<float> x_in =
      c.kind == ConvKind::kNchwInput ? x : to_blocked(x, g.batch, g.in_channels, in_spatial);
  const std::vector<float> residual_blocked =
      c.residual ? to_blocked(residual, g.batch, g.out_channels, out_spatial)
                 : std::vector<float>{};
  std::vector<float> y_blocked(g.batch * padded(g.out_channels) * out_spatial,
                               std::numeric_limits<float>::quiet_NaN());
  std::vector<float> scratch(conv_scratch_size(c.kind, g), std::numeric_limits<float>::quiet_NaN());
  conv(c.kind, g, x_in.data(), packed_w.data(), packed_bias.data(),
       c.residual ? residual_blocked.data() : nullptr, Activation{c.activation}, y_blocked.data(),
       scratch.data());
  // Padded lanes may hold anything finite (Sigmoid makes 0.5 of them), but something.
  for (float v : y_blocked) ASSERT_TRUE(std::isfinite(v));
  const std::vector<float> y = from_blocked(y_blocked, g.batch, g.out_channels, out_spatial);

  expect_close(y, naive_conv(g, group, x, w, bias, residual, c.activation), 1e-4f, "vs naive");
  expect_close(y, nchw_conv(g, group, x, w, bias, residual, c.activation), 1e-4f,
               "vs kernels::conv");
}

using AK = ActivationKind;

// One case per entry reads better than one field per line.
// clang-format off
INSTANTIATE_TEST_SUITE_P(
    Nchwc, NchwcConv,
    ::testing::Values(
        // Dense.
        ConvCase{.name = "Dense3x3C20M24Relu", .kind = ConvKind::kDense, .batch = 2,
                 .in_channels = 20, .out_channels = 24, .in_h = 11, .in_w = 13, .kernel_h = 3,
                 .kernel_w = 3, .pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1,
                 .bias = true, .activation = AK::kRelu},
        ConvCase{.name = "Dense1x1C40M40ResidualRelu", .kind = ConvKind::kDense, .batch = 1,
                 .in_channels = 40, .out_channels = 40, .in_h = 9, .in_w = 17, .kernel_h = 1,
                 .kernel_w = 1, .bias = true, .residual = true, .activation = AK::kRelu},
        ConvCase{.name = "Dense1x1Stride2C16M32", .kind = ConvKind::kDense, .batch = 2,
                 .in_channels = 16, .out_channels = 32, .in_h = 14, .in_w = 15, .kernel_h = 1,
                 .kernel_w = 1, .stride_h = 2, .stride_w = 2},
        ConvCase{.name = "Dense5x5Stride2AsymmetricPadHardSwish", .kind = ConvKind::kDense,
                 .batch = 1, .in_channels = 20, .out_channels = 36, .in_h = 16, .in_w = 19,
                 .kernel_h = 5, .kernel_w = 5, .stride_h = 2, .stride_w = 2, .pad_top = 2,
                 .pad_left = 1, .pad_bottom = 1, .pad_right = 2, .activation = AK::kHardSwish},
        ConvCase{.name = "Dense3x3Dilation2SigmoidResidual", .kind = ConvKind::kDense, .batch = 2,
                 .in_channels = 24, .out_channels = 20, .in_h = 12, .in_w = 12, .kernel_h = 3,
                 .kernel_w = 3, .dilation_h = 2, .dilation_w = 2, .pad_top = 2, .pad_left = 2,
                 .pad_bottom = 2, .pad_right = 2, .bias = true, .residual = true,
                 .activation = AK::kSigmoid},
        ConvCase{.name = "Dense7x7Stride2C3M16", .kind = ConvKind::kDense, .batch = 1,
                 .in_channels = 3, .out_channels = 16, .in_h = 23, .in_w = 21, .kernel_h = 7,
                 .kernel_w = 7, .stride_h = 2, .stride_w = 2, .pad_top = 3, .pad_left = 3,
                 .pad_bottom = 3, .pad_right = 3, .bias = true},
        ConvCase{.name = "Dense3x3Stride2C40M48", .kind = ConvKind::kDense, .batch = 2,
                 .in_channels = 40, .out_channels = 48, .in_h = 15, .in_w = 30, .kernel_h = 3,
                 .kernel_w = 3, .stride_h = 2, .stride_w = 2, .pad_bottom = 1, .pad_right = 1,
                 .bias = true, .activation = AK::kRelu},
        // Rows of 7 pixels or a multiple take four output blocks per tile: 5 blocks (4 + 1),
        // 7 wide, and 14 wide (two tiles of 7) with 6 blocks (4 + 2).
        ConvCase{.name = "Dense3x3Width7C32M80Residual", .kind = ConvKind::kDense, .batch = 2,
                 .in_channels = 32, .out_channels = 80, .in_h = 7, .in_w = 7, .kernel_h = 3,
                 .kernel_w = 3, .pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1,
                 .bias = true, .residual = true, .activation = AK::kRelu},
        ConvCase{.name = "Dense1x1Stride2Width14C48M96", .kind = ConvKind::kDense, .batch = 1,
                 .in_channels = 48, .out_channels = 96, .in_h = 28, .in_w = 28, .kernel_h = 1,
                 .kernel_w = 1, .stride_h = 2, .stride_w = 2, .bias = true},
        // Enough output blocks (more than 16 per thread) for a 1x1 convolution to run its image
        // as one long row of pixels.
        ConvCase{.name = "Dense1x1FlattenedC20M1030", .kind = ConvKind::kDense, .batch = 1,
                 .in_channels = 20, .out_channels = 1030, .in_h = 5, .in_w = 3, .kernel_h = 1,
                 .kernel_w = 1, .bias = true, .activation = AK::kHardSwish},
        ConvCase{.name = "Dense3x1C40M7", .kind = ConvKind::kDense, .batch = 1,
                 .in_channels = 40, .out_channels = 7, .in_h = 10, .in_w = 6, .kernel_h = 3,
                 .kernel_w = 1, .pad_top = 1, .pad_bottom = 0, .residual = true,
                 .activation = AK::kSigmoid},
        // Depthwise.
        ConvCase{.name = "Depthwise5x5Stride2C40HardSwish", .kind = ConvKind::kDepthwise,
                 .batch = 1, .in_channels = 40, .out_channels = 40, .in_h = 19, .in_w = 18,
                 .kernel_h = 5, .kernel_w = 5, .stride_h = 2, .stride_w = 2, .pad_top = 2,
                 .pad_left = 2, .pad_bottom = 2, .pad_right = 2, .bias = true,
                 .activation = AK::kHardSwish},
        ConvCase{.name = "Depthwise3x3C20ResidualRelu", .kind = ConvKind::kDepthwise, .batch = 2,
                 .in_channels = 20, .out_channels = 20, .in_h = 10, .in_w = 21, .kernel_h = 3,
                 .kernel_w = 3, .pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1,
                 .bias = true, .residual = true, .activation = AK::kRelu},
        ConvCase{.name = "Depthwise3x3Dilation2Sigmoid", .kind = ConvKind::kDepthwise,
                 .batch = 1, .in_channels = 16, .out_channels = 16, .in_h = 9, .in_w = 9,
                 .kernel_h = 3, .kernel_w = 3, .dilation_h = 2, .dilation_w = 2, .pad_top = 2,
                 .pad_left = 2, .pad_bottom = 2, .pad_right = 2, .activation = AK::kSigmoid},
        ConvCase{.name = "Depthwise7x7C3AsymmetricPad", .kind = ConvKind::kDepthwise,
                 .batch = 2, .in_channels = 3, .out_channels = 3, .in_h = 12, .in_w = 11,
                 .kernel_h = 7, .kernel_w = 7, .pad_top = 3, .pad_left = 2, .pad_bottom = 1,
                 .pad_right = 4},
        ConvCase{.name = "Depthwise3x3Stride2C20", .kind = ConvKind::kDepthwise, .batch = 1,
                 .in_channels = 20, .out_channels = 20, .in_h = 14, .in_w = 14, .kernel_h = 3,
                 .kernel_w = 3, .stride_h = 2, .stride_w = 2, .pad_top = 0, .pad_left = 0,
                 .pad_bottom = 1, .pad_right = 1, .bias = true, .activation = AK::kHardSwish},
        // First convolution of a network: NCHW input.
        ConvCase{.name = "NchwInput3x3Stride2C3M32HardSwish", .kind = ConvKind::kNchwInput,
                 .batch = 1, .in_channels = 3, .out_channels = 32, .in_h = 24, .in_w = 25,
                 .kernel_h = 3, .kernel_w = 3, .stride_h = 2, .stride_w = 2, .pad_top = 1,
                 .pad_left = 1, .pad_bottom = 1, .pad_right = 1, .bias = true,
                 .activation = AK::kHardSwish},
        ConvCase{.name = "NchwInput7x7Stride2C3M20Relu", .kind = ConvKind::kNchwInput,
                 .batch = 2, .in_channels = 3, .out_channels = 20, .in_h = 29, .in_w = 27,
                 .kernel_h = 7, .kernel_w = 7, .stride_h = 2, .stride_w = 2, .pad_top = 3,
                 .pad_left = 3, .pad_bottom = 3, .pad_right = 3, .bias = true,
                 .activation = AK::kRelu},
        ConvCase{.name = "NchwInput5x5Dilation2AsymmetricPadSigmoid",
                 .kind = ConvKind::kNchwInput, .batch = 1, .in_channels = 3, .out_channels = 8,
                 .in_h = 17, .in_w = 14, .kernel_h = 5, .kernel_w = 5, .dilation_h = 2,
                 .dilation_w = 2, .pad_top = 4, .pad_left = 1, .pad_bottom = 2, .pad_right = 3,
                 .residual = true, .activation = AK::kSigmoid},
        ConvCase{.name = "NchwInput1x1C1M16", .kind = ConvKind::kNchwInput, .batch = 2,
                 .in_channels = 1, .out_channels = 16, .in_h = 5, .in_w = 6, .kernel_h = 1,
                 .kernel_w = 1, .bias = true},
        ConvCase{.name = "NchwInput3x3C40M20Stride1", .kind = ConvKind::kNchwInput, .batch = 1,
                 .in_channels = 40, .out_channels = 20, .in_h = 8, .in_w = 9, .kernel_h = 3,
                 .kernel_w = 3, .pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1}),
    [](const ::testing::TestParamInfo<ConvCase>& info) { return info.param.name; });
// clang-format on

}  // namespace
}  // namespace aruntime::kernels::nchwc
