// Signal-processing kernels (signal_ops.cc, kernels/fft.cc) against reference values. Unless a
// test says otherwise the expected numbers were computed with numpy 2 (/tmp/venvtest) on the same
// inputs, printed to 9 significant digits; the numpy expression is quoted next to each. Lengths
// too long to list (the Bluestein path) are checked against closed-form DFTs derived by hand.
#include <cmath>
#include <complex>
#include <numbers>

#include "kernels/fft.h"
#include "tests/unit/op_test_util.h"

namespace aruntime::testing {
namespace {

template <typename T>
Tensor make(Shape shape, std::vector<T> values) {
  return Tensor::from_vector<T>(std::move(shape), values);
}

Tensor i64(int64_t v) {
  return Tensor::scalar<int64_t>(v);
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

// ---- DFT -------------------------------------------------------------------------------------

TEST(CpuSignalTest, DftRealPrimeLengthOpset17) {
  // x = [1,2,-1,0.5,3,-2,0.25]; f = np.fft.fft(x); stack([f.real, f.imag], -1). Length 7 runs as
  // one generic radix-7 butterfly.
  auto out = OpTest("DFT", 17)
                 .attr("axis", int64_t{1})
                 .input(make<float>({1, 7, 1}, {1, 2, -1, 0.5f, 3, -2, 0.25f}))
                 .run();
  expect_near(
      out[0],
      make<float>({1, 7, 2}, {3.75f, 0, -0.0829761816f, -1.25842366f, 5.38444881f, -3.22681881f,
                              -3.67647263f, 2.45985472f, -3.67647263f, -2.45985472f, 5.38444881f,
                              3.22681881f, -0.0829761816f, 1.25842366f}),
      1e-5, 1e-5);
}

TEST(CpuSignalTest, DftComplexMixedRadixFloat64Opset20) {
  // xr = np.arange(24).reshape(2,12)*0.5-3; xi = np.cos(np.arange(24).reshape(2,12));
  // f = np.fft.fft(xr+1j*xi, axis=1). Length 12 = 4*3; the axis comes in as input 2 (-2).
  const std::vector<double> xi = {
      1,           0.540302306, -0.416146837, -0.989992497, -0.653643621, 0.283662185,
      0.960170287, 0.753902254, -0.145500034, -0.911130262, -0.839071529, 0.00442569799,
      0.843853959, 0.907446781, 0.136737218,  -0.759687913, -0.95765948,  -0.275163338,
      0.660316708, 0.988704618, 0.408082062,  -0.54772926,  -0.999960826, -0.53283302};
  std::vector<double> x;
  for (int i = 0; i < 24; ++i) {
    x.push_back(i * 0.5 - 3);
    x.push_back(xi[static_cast<size_t>(i)]);
  }
  auto out =
      OpTest("DFT", 20).input(make<double>({2, 12, 2}, x)).omitted_input().input(i64(-2)).run();
  expect_near(out[0],
              make<double>(
                  {2, 12, 2},
                  {-3,          -0.413022048, -3.11984569, 10.5811359,   -1.32234862, 10.8757727,
                   -2.85550123, 3.49590442,   -2.93500618, 2.02713312,   -2.97224224, 1.04244881,
                   -3,          0.224638581,  -3.02775776, -0.565246346, -3.06499382, -1.43696849,
                   -3.14449877, -2.50409558,  -4.67765138, 0.483467854,  -2.88015431, -11.8111689,
                   69,          -0.127892492, -3.32211022, 10.9293467,   1.50903691,  9.2582183,
                   -2.6116295,  3.49718344,   -2.8253156,  2.09112729,   -2.92539524, 1.12408157,
                   -3,          0.310631772,  -3.07460476, -0.48361358,  -3.1746844,  -1.37297432,
                   -3.3883705,  -2.50281656,  -7.50903691, -1.13408655,  -2.67788978, -11.4629581}),
              1e-7, 1e-7);
}

TEST(CpuSignalTest, DftLengthPadsOrTruncatesAndOnesided) {
  const Tensor x = make<float>({5, 1}, {1, -2, 3, 0.5f, 4});
  // np.fft.rfft([1,-2,3,0.5,4], n=8): zero-padded to 8, onesided keeps 8/2+1 = 5 bins.
  auto padded = OpTest("DFT", 17)
                    .attr("axis", int64_t{0})
                    .attr("onesided", int64_t{1})
                    .input(x)
                    .input(i64(8))
                    .run();
  expect_near(padded[0],
              make<float>({5, 2}, {6.5f, 0, -4.76776695f, -1.93933983f, 2, 2.5f, -1.23223305f,
                                   4.06066017f, 9.5f, 0}),
              1e-5, 1e-5);
  // np.fft.fft([1,-2,3,0.5,4], n=3): only the first 3 samples are used.
  auto cut = OpTest("DFT", 20).input(x).input(i64(3)).input(i64(0)).run();
  expect_near(cut[0], make<float>({3, 2}, {2, 0, 0.5f, 4.33012702f, 0.5f, -4.33012702f}), 1e-5,
              1e-5);
}

TEST(CpuSignalTest, DftInverseIsNormalised) {
  // z = [1+2j, -1+0.5j, 3-1j, 0.25, -2-2j, 0.5+1.5j]; np.fft.ifft(z) (scaled by 1/6).
  auto out =
      OpTest("DFT", 17)
          .attr("axis", int64_t{0})
          .attr("inverse", int64_t{1})
          .input(make<float>({6, 1, 2}, {1, 2, -1, 0.5f, 3, -1, 0.25f, 0, -2, -2, 0.5f, 1.5f}))
          .run();
  expect_near(out[0],
              make<float>({6, 1, 2},
                          {0.291666667f, 0.166666667f, 0, 1.25518149f, 0.455341801f, -0.521527521f,
                           0.375f, -0.5f, -0.122008468f, 1.35486085f, 0, 0.244818514f}),
              1e-5, 1e-6);
}

// Hand-derived: for x[j] = cos(2*pi*f*j/n), X[k] = n/2 at k = f and k = n - f, 0 elsewhere.
// 67 and 2*101 have prime factors above the direct radix limit, so they run through Bluestein.
TEST(CpuSignalTest, DftBluesteinMatchesClosedForm) {
  for (int64_t n : {67, 202}) {
    const int64_t f = 5;
    std::vector<double> x(static_cast<size_t>(n));
    for (int64_t j = 0; j < n; ++j) {
      x[static_cast<size_t>(j)] =
          std::cos(2 * std::numbers::pi * static_cast<double>(f * j) / static_cast<double>(n));
    }
    auto out = OpTest("DFT", 20).input(make<double>({1, n, 1}, x)).run();
    std::vector<double> expected(static_cast<size_t>(2 * n), 0.0);
    expected[static_cast<size_t>(2 * f)] = static_cast<double>(n) / 2;
    expected[static_cast<size_t>(2 * (n - f))] = static_cast<double>(n) / 2;
    expect_near(out[0], make<double>({1, n, 2}, expected), 0, 1e-9);
  }
}

// Hand-derived: the DFT of a unit impulse at position m is exp(-2*pi*i*k*m/n); a forward then an
// inverse plan (scaled by 1/n) returns the input. Covers the radix-2, 4, generic and Bluestein
// paths of kernels::FftPlan directly in float.
TEST(CpuSignalTest, FftPlanImpulseAndRoundTrip) {
  for (int64_t n : {1, 2, 8, 30, 97, 128, 139}) {
    const int64_t m = n / 3;
    std::vector<std::complex<float>> impulse(static_cast<size_t>(n)), spectrum(impulse.size()),
        back(impulse.size());
    impulse[static_cast<size_t>(m)] = 1.0f;
    kernels::FftPlan<float> forward(n, false), inverse(n, true);
    forward.execute(impulse.data(), spectrum.data());
    for (int64_t k = 0; k < n; ++k) {
      const double angle = -2 * std::numbers::pi * static_cast<double>(k * m % n) / n;
      EXPECT_NEAR(spectrum[static_cast<size_t>(k)].real(), std::cos(angle), 1e-5) << n << " " << k;
      EXPECT_NEAR(spectrum[static_cast<size_t>(k)].imag(), std::sin(angle), 1e-5) << n << " " << k;
    }
    inverse.execute(spectrum.data(), back.data());
    for (int64_t j = 0; j < n; ++j) {
      EXPECT_NEAR(back[static_cast<size_t>(j)].real() / n, j == m ? 1.0 : 0.0, 1e-5) << n;
      EXPECT_NEAR(back[static_cast<size_t>(j)].imag() / n, 0.0, 1e-5) << n;
    }
  }
}

TEST(CpuSignalTest, DftRejectsBadAxisAndShape) {
  const Tensor x = make<float>({2, 3, 1}, {1, 2, 3, 4, 5, 6});
  OpTest last_axis("DFT", 20);
  last_axis.input(x).omitted_input().input(i64(-1));
  expect_error(last_axis, ErrorCode::kRuntimeError, "axis -1");
  OpTest beyond("DFT", 17);
  beyond.attr("axis", int64_t{2}).input(x);
  expect_error(beyond, ErrorCode::kRuntimeError, "axis 2");
  OpTest three_components("DFT", 17);
  three_components.input(make<float>({2, 3}, {1, 2, 3, 4, 5, 6}));
  expect_error(three_components, ErrorCode::kRuntimeError, "last dimension of 1");
  OpTest zero_length("DFT", 17);
  zero_length.input(x).input(i64(0));
  expect_error(zero_length, ErrorCode::kRuntimeError, "must be positive");
}

// ---- STFT ------------------------------------------------------------------------------------

TEST(CpuSignalTest, StftWithWindowAndStep) {
  // sig = [0.5,1,-1,2,0,3,-0.5,1.5,2.5,-2]; w = np.hanning(5)[:-1] (periodic Hann 4 = [0,.5,1,.5]);
  // frames = [sig[3i:3i+4]*w for i in range(3)]; np.fft.rfft(frames, axis=1).
  auto out = OpTest("STFT", 17)
                 .input(make<float>({1, 10, 1}, {0.5f, 1, -1, 2, 0, 3, -0.5f, 1.5f, 2.5f, -2}))
                 .input(i64(3))
                 .input(make<float>({4}, {0, 0.5f, 1, 0.5f}))
                 .run();
  expect_near(out[0],
              make<float>({1, 3, 3, 2}, {0.5f, 0, 1, 0.5f, -2.5f, 0, 2.75f, 0, -3, -0.25f, 3.25f, 0,
                                         2.25f, 0, -2.5f, -1.75f, 2.75f, 0}),
              1e-5, 1e-6);
}

TEST(CpuSignalTest, StftWithoutWindowTwoSided) {
  // Hand-derived: frame_length 2 without a window, step 2 on [1,2,3,4] gives frames [1,2] and
  // [3,4]; their 2-point DFTs are [a+b, a-b] = [3,-1] and [7,-1].
  auto out = OpTest("STFT", 17)
                 .attr("onesided", int64_t{0})
                 .input(make<double>({1, 4, 1}, {1, 2, 3, 4}))
                 .input(i64(2))
                 .omitted_input()
                 .input(i64(2))
                 .run();
  expect_near(out[0], make<double>({1, 2, 2, 2}, {3, 0, -1, 0, 7, 0, -1, 0}));
}

// ---- Windows ---------------------------------------------------------------------------------

TEST(CpuSignalTest, HannWindowPeriodicFloat) {
  // n = np.arange(8); 0.5 - 0.5*np.cos(2*np.pi*n/8) (equals np.hanning(9)[:8]).
  auto out = OpTest("HannWindow", 17).input(i64(8)).outputs({DataType::kFloat32}).run();
  expect_near(out[0], make<float>({8}, {0, 0.146446609f, 0.5f, 0.853553391f, 1, 0.853553391f, 0.5f,
                                        0.146446609f}));
}

TEST(CpuSignalTest, HammingWindowSymmetricDouble) {
  // ONNX uses alpha = 25/46: n = np.arange(5); a = 25/46; a - (1-a)*np.cos(2*np.pi*n/4).
  auto out = OpTest("HammingWindow", 17)
                 .attr("periodic", int64_t{0})
                 .attr("output_datatype", int64_t{11})
                 .input(Tensor::scalar<int32_t>(5))
                 .outputs({DataType::kFloat64})
                 .run();
  expect_near(out[0], make<double>({5}, {0.0869565217, 0.543478261, 1, 0.543478261, 0.0869565217}),
              1e-8, 1e-9);
}

TEST(CpuSignalTest, BlackmanWindowPeriodicAndDegenerateSizes) {
  // np.blackman(7)[:6] (periodic Blackman of 6 points).
  auto out = OpTest("BlackmanWindow", 17).input(i64(6)).outputs({DataType::kFloat32}).run();
  expect_near(out[0], make<float>({6}, {0, 0.13f, 0.63f, 1, 0.63f, 0.13f}), 1e-5, 1e-6);
  // np.blackman(1) == [1]; size 0 is an empty window.
  auto one = OpTest("BlackmanWindow", 17).attr("periodic", int64_t{0}).input(i64(1)).run();
  expect_near(one[0], make<float>({1}, {1}));
  auto none = OpTest("BlackmanWindow", 17).input(i64(0)).run();
  EXPECT_EQ(none[0].shape(), Shape({0}));
  OpTest negative("HannWindow", 17);
  negative.input(i64(-3));
  expect_error(negative, ErrorCode::kRuntimeError, "size must be non-negative");
}

// ---- MelWeightMatrix -------------------------------------------------------------------------

TEST(CpuSignalTest, MelWeightMatrixMatchesOnnxReference) {
  // onnx.reference.ReferenceEvaluator on MelWeightMatrix(num_mel_bins=3, dft_length=16,
  // sample_rate=8000, lower_edge_hertz=100, upper_edge_hertz=3500), opset 17.
  auto out = OpTest("MelWeightMatrix", 17)
                 .input(i64(3))
                 .input(i64(16))
                 .input(i64(8000))
                 .input(Tensor::scalar<float>(100))
                 .input(Tensor::scalar<float>(3500))
                 .run();
  std::vector<float> expected(27, 0.0f);
  for (auto [index, value] :
       std::vector<std::pair<int, float>>{{0, 1}, {4, 1}, {7, 0.5f}, {8, 0.5f}, {11, 1}}) {
    expected[static_cast<size_t>(index)] = value;
  }
  expect_near(out[0], make<float>({9, 3}, expected));
}

TEST(CpuSignalTest, MelWeightMatrixRejectsEdgesBeyondNyquist) {
  // upper_edge_hertz far above sample_rate / 2 would index past the 9 spectrogram rows.
  OpTest test("MelWeightMatrix", 17);
  test.input(i64(3))
      .input(i64(16))
      .input(i64(8000))
      .input(Tensor::scalar<float>(0))
      .input(Tensor::scalar<float>(40000));
  expect_error(test, ErrorCode::kRuntimeError, "spectrogram bins");
}

}  // namespace
}  // namespace aruntime::testing
