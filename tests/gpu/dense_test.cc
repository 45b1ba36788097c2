// Tests of the GPU dense family (providers/gpu/ops/dense_ops.cc and the files it registers):
// MatMul, Gemm, aruntime.FusedGemm and aruntime.FusedMatMul on cuBLAS; Conv, aruntime.FusedConv and
// ConvTranspose on cuDNN; the pools, BatchNormalization and LRN. Each op runs against the CPU
// provider (itself tested against numpy/onnxruntime) in float32 at rtol 1e-4 and in float16 with
// a looser tolerance, over the shapes that take different paths on the device (the single-GEMM
// fold of a shared B, strided batches, the per-group loop of a broadcast that is not strided,
// 1-D operands; asymmetric pads, which are applied by a padded copy; the cropped transposed
// convolution; pools that cuDNN cannot express, which run on the direct kernel). A few values are
// derived by hand; the declines are checked. All need a CUDA device and are skipped without one.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/gpu/gpu_test_util.h"

namespace aruntime::gpu_testing {
namespace {

struct Tolerance {
  double rtol;
  double atol;
};

// float32: cuBLAS and cuDNN without TF32 differ from the CPU's sums only in summation order (and,
// for cuDNN's FFT and Winograd algorithms, by transform rounding of about 1e-6 of the terms). The
// half types accumulate in float on both sides, but the GPU rounds a GEMM's or convolution's
// result to the half type before the epilogue adds C, the bias or the residual, where the CPU
// rounds once at the end: up to about two units in the last place of the terms.
Tolerance product_tolerance(DataType dtype) {
  switch (dtype) {
    case DataType::kFloat16:
      return {1e-2, 1e-2};
    case DataType::kBFloat16:
      return {4e-2, 4e-2};
    default:
      return {1e-4, 1e-4};
  }
}

// Pools, BatchNormalization, LRN: float arithmetic on both sides, one rounding at the end.
Tolerance pointwise_tolerance(DataType dtype) {
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

std::string describe(const std::string& what, DataType dtype) {
  return what + " " + std::string(data_type_name(dtype));
}

// The seeds of a test's inputs, one per call (a function, so chained input() calls read clearly).
uint32_t next(uint32_t& seed) {
  return seed++;
}

void expect_matches(const GpuOpCase& c, const Tolerance& tol) {
  c.expect_gpu_matches_cpu(tol.rtol, tol.atol);
}

// ---- MatMul ----------------------------------------------------------------------------------

// [[1,2],[3,4]] x [[5,6],[7,8]] = [[1*5+2*7, 1*6+2*8], [3*5+4*7, 3*6+4*8]] = [[19,22],[43,50]].
TEST(GpuDense, MatMulHandValues) {
  ARUNTIME_REQUIRE_GPU();
  const auto out = GpuOpCase("MatMul", 13)
                       .input(floats({2, 2}, {1, 2, 3, 4}))
                       .input(floats({2, 2}, {5, 6, 7, 8}))
                       .run_on_gpu();
  expect_near(out[0], floats({2, 2}, {19, 22, 43, 50}), 0, 0);
  // Non-square: [1,2,3] x [[1,0],[0,1],[1,1]] = [1+3, 2+3] = [4, 5] (rows of A pick rows of B).
  const auto row = GpuOpCase("MatMul", 13)
                       .input(floats({1, 3}, {1, 2, 3}))
                       .input(floats({3, 2}, {1, 0, 0, 1, 1, 1}))
                       .run_on_gpu();
  expect_near(row[0], floats({1, 2}, {4, 5}), 0, 0);
}

struct MatMulShapes {
  Shape a, b;
};

// The device paths: plain 2-D; a shared B (one GEMM over all of A's rows); a shared A (strided
// batches with A's stride 0); full batches; batch axes that broadcast on both sides ([2,1] x [3]:
// one strided call per leading index); 1-D operands on either or both sides; empty K and M.
const MatMulShapes kMatMulShapes[] = {
    {{3, 5}, {5, 7}},
    {{2, 3, 4, 5}, {5, 6}},
    {{4, 5}, {2, 5, 6}},
    {{2, 3, 4, 5}, {2, 3, 5, 6}},
    {{2, 1, 4, 5}, {3, 5, 6}},
    {{1, 3, 4, 5}, {2, 1, 5, 6}},
    {{5}, {5}},
    {{5}, {5, 7}},
    {{3, 5}, {5}},
    {{5}, {2, 5, 7}},
    {{2, 3, 5}, {5}},
    {{3, 0}, {0, 4}},
    {{0, 5}, {5, 3}},
    {{1, 1}, {1, 1}},
    {{7, 33, 65}, {65, 17}},
};

TEST(GpuDense, MatMulMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 1;
  for (const MatMulShapes& s : kMatMulShapes) {
    for (DataType dtype : {DataType::kFloat32, DataType::kFloat16, DataType::kBFloat16}) {
      SCOPED_TRACE(describe("MatMul " + s.a.to_string() + " x " + s.b.to_string(), dtype));
      GpuOpCase c("MatMul", 13);
      c.input(random_tensor(dtype, s.a, next(seed))).input(random_tensor(dtype, s.b, next(seed)));
      expect_matches(c, product_tolerance(dtype));
    }
  }
}

// A constant B (a weight), and large enough for cuBLAS to pick tiled kernels.
TEST(GpuDense, MatMulWithConstantWeightMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  for (DataType dtype : kFloatTypes) {
    SCOPED_TRACE(data_type_name(dtype));
    GpuOpCase c("MatMul", 13);
    c.input(random_tensor(dtype, {4, 37, 130}, 20))
        .input(random_tensor(dtype, {130, 71}, 21), true);
    expect_matches(c, product_tolerance(dtype));
  }
}

// ---- Gemm ------------------------------------------------------------------------------------

// A = [[1,2,3],[4,5,6]] (2x3), B = [[1,0],[0,1],[1,1]] (3x2): AB = [[4,5],[10,11]];
// alpha = 2, beta = 0.5, C = [10, 20] (broadcast over rows): Y = 2AB + [5, 10] =
// [[13,20],[25,32]].
TEST(GpuDense, GemmHandValues) {
  ARUNTIME_REQUIRE_GPU();
  const auto out = GpuOpCase("Gemm", 13)
                       .attr("alpha", 2.0f)
                       .attr("beta", 0.5f)
                       .input(floats({2, 3}, {1, 2, 3, 4, 5, 6}))
                       .input(floats({3, 2}, {1, 0, 0, 1, 1, 1}))
                       .input(floats({2}, {10, 20}))
                       .run_on_gpu();
  expect_near(out[0], floats({2, 2}, {13, 20, 25, 32}), 0, 0);
  // transA and transB: Aᵀ is [3,2] = [[1,4],[2,5],[3,6]] and Bᵀ [2,3] = [[1,0,1],[0,1,1]];
  // AᵀBᵀ = [[1,4,5],[2,5,7],[3,6,9]].
  const auto both = GpuOpCase("Gemm", 13)
                        .attr("transA", int64_t{1})
                        .attr("transB", int64_t{1})
                        .input(floats({2, 3}, {1, 2, 3, 4, 5, 6}))
                        .input(floats({3, 2}, {1, 0, 0, 1, 1, 1}))
                        .run_on_gpu();
  expect_near(both[0], floats({3, 3}, {1, 4, 5, 2, 5, 7, 3, 6, 9}), 0, 0);
}

TEST(GpuDense, GemmTransposesAndCShapesMatchCpu) {
  ARUNTIME_REQUIRE_GPU();
  const int64_t m = 5, k = 7, n = 3;
  const std::vector<Shape> c_shapes = {{}, {1}, {n}, {1, n}, {m, 1}, {m, n}};
  uint32_t seed = 40;
  for (DataType dtype : kFloatTypes) {
    for (int trans_a = 0; trans_a < 2; ++trans_a) {
      for (int trans_b = 0; trans_b < 2; ++trans_b) {
        const Shape a = trans_a ? Shape{k, m} : Shape{m, k};
        const Shape b = trans_b ? Shape{n, k} : Shape{k, n};
        {
          SCOPED_TRACE(describe("Gemm without C transA " + std::to_string(trans_a) + " transB " +
                                    std::to_string(trans_b),
                                dtype));
          GpuOpCase c("Gemm", 13);
          c.attr("transA", int64_t{trans_a}).attr("transB", int64_t{trans_b}).attr("alpha", 0.75f);
          c.input(random_tensor(dtype, a, next(seed))).input(random_tensor(dtype, b, next(seed)));
          expect_matches(c, product_tolerance(dtype));
        }
        for (const Shape& cs : c_shapes) {
          SCOPED_TRACE(describe("Gemm C " + cs.to_string() + " transA " + std::to_string(trans_a) +
                                    " transB " + std::to_string(trans_b),
                                dtype));
          GpuOpCase c("Gemm", 13);
          c.attr("transA", int64_t{trans_a})
              .attr("transB", int64_t{trans_b})
              .attr("alpha", 1.5f)
              .attr("beta", -0.5f);
          c.input(random_tensor(dtype, a, next(seed)))
              .input(random_tensor(dtype, b, next(seed)))
              .input(random_tensor(dtype, cs, next(seed)));
          expect_matches(c, product_tolerance(dtype));
        }
      }
    }
  }
}

// beta = 0 ignores C; K = 0 leaves beta * C.
TEST(GpuDense, GemmEdgeCasesMatchCpu) {
  ARUNTIME_REQUIRE_GPU();
  {
    GpuOpCase c("Gemm", 13);
    c.attr("beta", 0.0f)
        .input(random_tensor(DataType::kFloat32, {4, 6}, 60))
        .input(random_tensor(DataType::kFloat32, {6, 2}, 61))
        .input(random_tensor(DataType::kFloat32, {4, 2}, 62));
    expect_matches(c, product_tolerance(DataType::kFloat32));
  }
  {
    GpuOpCase c("Gemm", 13);
    c.attr("beta", 2.0f)
        .input(random_tensor(DataType::kFloat32, {3, 0}, 63))
        .input(random_tensor(DataType::kFloat32, {0, 4}, 64))
        .input(random_tensor(DataType::kFloat32, {4}, 65));
    expect_matches(c, product_tolerance(DataType::kFloat32));
  }
}

// ---- FusedGemm / FusedMatMul -----------------------------------------------------------------

struct ActivationCase {
  const char* name;
  std::vector<float> params;
};

const ActivationCase kActivations[] = {
    {"Relu", {}},      {"Clip", {-0.5f, 0.7f}}, {"Sigmoid", {}}, {"HardSigmoid", {0.3f, 0.4f}},
    {"HardSwish", {}}, {"LeakyRelu", {0.2f}},   {"Tanh", {}},    {"Gelu", {}},
    {"GeluTanh", {}},  {"Swish", {1.5f}},
};

GpuOpCase& with_activation(GpuOpCase& c, const ActivationCase& a) {
  c.attr("activation", std::string(a.name));
  if (!a.params.empty()) c.attr("activation_params", a.params);
  return c;
}

TEST(GpuDense, FusedGemmActivationsMatchCpu) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 80;
  for (DataType dtype : kFloatTypes) {
    for (const ActivationCase& act : kActivations) {
      SCOPED_TRACE(describe(std::string("FusedGemm ") + act.name, dtype));
      GpuOpCase c("FusedGemm", 1, "aruntime");
      c.attr("transB", int64_t{1}).attr("alpha", 1.25f).attr("beta", 1.0f);
      with_activation(c, act);
      c.input(random_tensor(dtype, {6, 9}, next(seed)))
          .input(random_tensor(dtype, {4, 9}, next(seed)), true)
          .input(random_tensor(dtype, {4}, next(seed)), true);
      expect_matches(c, product_tolerance(dtype));
    }
  }
}

// A of rank 3 folds into M; transA on a 2-D A; no C; no activation.
TEST(GpuDense, FusedGemmShapesMatchCpu) {
  ARUNTIME_REQUIRE_GPU();
  for (DataType dtype : kFloatTypes) {
    SCOPED_TRACE(data_type_name(dtype));
    {
      GpuOpCase c("FusedGemm", 1, "aruntime");
      c.attr("activation", "Relu")
          .input(random_tensor(dtype, {2, 3, 5}, 90))
          .input(random_tensor(dtype, {5, 4}, 91))
          .input(random_tensor(dtype, {3 * 2, 4}, 92));
      expect_matches(c, product_tolerance(dtype));
    }
    {
      GpuOpCase c("FusedGemm", 1, "aruntime");
      c.attr("transA", int64_t{1})
          .attr("activation", "Tanh")
          .input(random_tensor(dtype, {5, 3}, 93))
          .input(random_tensor(dtype, {5, 4}, 94));
      expect_matches(c, product_tolerance(dtype));
    }
    {
      GpuOpCase c("FusedGemm", 1, "aruntime");
      c.input(random_tensor(dtype, {3, 5}, 95)).input(random_tensor(dtype, {5, 4}, 96));
      expect_matches(c, product_tolerance(dtype));
    }
  }
}

TEST(GpuDense, FusedMatMulMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 100;
  const int64_t m = 4, k = 6, n = 3;
  for (DataType dtype : kFloatTypes) {
    for (int trans_a = 0; trans_a < 2; ++trans_a) {
      for (int trans_b = 0; trans_b < 2; ++trans_b) {
        const Shape a = trans_a ? Shape{2, 1, k, m} : Shape{2, 1, m, k};
        const Shape b = trans_b ? Shape{3, n, k} : Shape{3, k, n};
        SCOPED_TRACE(describe(
            "FusedMatMul transA " + std::to_string(trans_a) + " transB " + std::to_string(trans_b),
            dtype));
        GpuOpCase c("FusedMatMul", 1, "aruntime");
        c.attr("transA", int64_t{trans_a}).attr("transB", int64_t{trans_b}).attr("alpha", 0.5f);
        c.input(random_tensor(dtype, a, next(seed))).input(random_tensor(dtype, b, next(seed)));
        expect_matches(c, product_tolerance(dtype));
      }
    }
    // A shared B without transA: the single-GEMM fold, scaled.
    SCOPED_TRACE(describe("FusedMatMul shared B", dtype));
    GpuOpCase c("FusedMatMul", 1, "aruntime");
    c.attr("alpha", 2.0f)
        .input(random_tensor(dtype, {3, 5, k}, next(seed)))
        .input(random_tensor(dtype, {k, n}, next(seed)));
    expect_matches(c, product_tolerance(dtype));
  }
}

// ---- Conv ------------------------------------------------------------------------------------

// X = [[1,2,3],[4,5,6],[7,8,9]] (1x1x3x3), W = 3x3 ones, pads 1, bias 1: each output is 1 + the
// sum of the in-image 3x3 neighbourhood: corners 1+2+4+5=12, 2+3+5+6=16, 4+5+7+8=24, 5+6+8+9=28;
// edges 1+..+6=21, 27 (1,2,4,5,7,8), 33 (2,3,5,6,8,9), 39 (4..9); centre 45.
TEST(GpuDense, ConvHandValues) {
  ARUNTIME_REQUIRE_GPU();
  const Tensor x = floats({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const auto out = GpuOpCase("Conv", 11)
                       .attr("pads", std::vector<int64_t>{1, 1, 1, 1})
                       .input(x)
                       .input(floats({1, 1, 3, 3}, std::vector<float>(9, 1.0f)), true)
                       .input(floats({1}, {1}), true)
                       .run_on_gpu();
  // cuDNN may pick a transform (FFT, Winograd) algorithm, exact only to rounding.
  expect_near(out[0], floats({1, 1, 3, 3}, {13, 22, 17, 28, 46, 34, 25, 40, 29}), 1e-5, 1e-5);
  // A 2x2 kernel [[1,0],[0,-1]] without pads: x[i][j] - x[i+1][j+1] = -4 everywhere.
  const auto diff =
      GpuOpCase("Conv", 11).input(x).input(floats({1, 1, 2, 2}, {1, 0, 0, -1})).run_on_gpu();
  expect_near(diff[0], floats({1, 1, 2, 2}, {-4, -4, -4, -4}), 1e-5, 1e-5);
}

struct ConvCase {
  std::string name;
  Shape x, w;
  std::vector<std::pair<std::string, std::vector<int64_t>>> ints;
  int64_t group = 1;
  std::string auto_pad = "";
  bool bias = true;
};

std::vector<ConvCase> conv_cases() {
  return {
      {"plain 3x3", {2, 3, 9, 8}, {4, 3, 3, 3}, {}},
      {"strides", {1, 3, 11, 10}, {5, 3, 3, 3}, {{"strides", {2, 3}}}},
      {"symmetric pads", {1, 2, 7, 7}, {3, 2, 3, 3}, {{"pads", {1, 2, 1, 2}}}},
      {"asymmetric pads", {1, 2, 7, 6}, {3, 2, 3, 2}, {{"pads", {0, 1, 2, 0}}}},
      {"dilations", {1, 2, 12, 11}, {3, 2, 3, 3}, {{"dilations", {2, 3}}, {"pads", {1, 1, 1, 1}}}},
      {"groups", {2, 4, 8, 8}, {6, 2, 3, 3}, {{"pads", {1, 1, 1, 1}}}, 2},
      {"depthwise", {1, 6, 9, 9}, {6, 1, 3, 3}, {{"pads", {1, 1, 1, 1}}, {"strides", {2, 2}}}, 6},
      {"depthwise multiplier 2", {1, 3, 8, 7}, {6, 1, 3, 3}, {}, 3},
      {"pointwise", {2, 8, 5, 5}, {4, 8, 1, 1}, {}},
      {"same upper stride 2", {1, 3, 10, 9}, {4, 3, 3, 3}, {{"strides", {2, 2}}}, 1, "SAME_UPPER"},
      {"same upper even kernel", {1, 2, 7, 7}, {3, 2, 4, 2}, {}, 1, "SAME_UPPER"},
      {"same lower", {1, 2, 8, 9}, {3, 2, 4, 3}, {{"strides", {2, 1}}}, 1, "SAME_LOWER"},
      {"valid", {1, 2, 8, 9}, {3, 2, 3, 3}, {{"strides", {2, 2}}}, 1, "VALID"},
      {"no bias", {1, 3, 6, 6}, {2, 3, 3, 3}, {}, 1, "", false},
      {"1-D", {2, 3, 17}, {4, 3, 5}, {{"pads", {2, 1}}, {"strides", {2}}}},
      {"1-D dilated", {1, 2, 20}, {3, 2, 3}, {{"dilations", {3}}}},
      {"3-D", {1, 2, 5, 6, 7}, {3, 2, 3, 3, 3}, {{"pads", {1, 0, 1, 1, 0, 1}}}},
      {"3-D grouped strided", {1, 4, 6, 6, 6}, {4, 2, 2, 2, 2}, {{"strides", {2, 2, 2}}}, 2},
  };
}

GpuOpCase conv_op(const std::string& op, int64_t opset, const std::string& domain,
                  const ConvCase& cc) {
  GpuOpCase c(op, opset, domain);
  for (const auto& [name, values] : cc.ints) c.attr(name, values);
  if (cc.group != 1) c.attr("group", cc.group);
  if (!cc.auto_pad.empty()) c.attr("auto_pad", cc.auto_pad);
  return c;
}

TEST(GpuDense, ConvMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 200;
  for (const ConvCase& cc : conv_cases()) {
    for (DataType dtype : kFloatTypes) {
      SCOPED_TRACE(describe("Conv " + cc.name, dtype));
      GpuOpCase c = conv_op("Conv", 11, "", cc);
      c.input(random_tensor(dtype, cc.x, next(seed)))
          .input(random_tensor(dtype, cc.w, next(seed)), true);
      if (cc.bias) c.input(random_tensor(dtype, {cc.w[0]}, next(seed)), true);
      expect_matches(c, product_tolerance(dtype));
    }
  }
}

// W fed at run time (not a constant) and a batch large enough for several algorithm tiles.
TEST(GpuDense, ConvWithRuntimeWeightMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  for (DataType dtype : kFloatTypes) {
    SCOPED_TRACE(data_type_name(dtype));
    GpuOpCase c("Conv", 11);
    c.attr("pads", std::vector<int64_t>{1, 1, 1, 1})
        .input(random_tensor(dtype, {4, 16, 20, 20}, 300))
        .input(random_tensor(dtype, {32, 16, 3, 3}, 301, -0.25f, 0.25f))
        .input(random_tensor(dtype, {32}, 302));
    expect_matches(c, product_tolerance(dtype));
  }
}

TEST(GpuDense, FusedConvMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 400;
  const ConvCase geometry = {"", {2, 4, 7, 6}, {6, 2, 3, 3}, {{"pads", {1, 0, 1, 2}}}, 2};
  const Shape y_shape = {2, 6, 7, 6};
  for (DataType dtype : kFloatTypes) {
    for (const ActivationCase& act : kActivations) {
      for (bool residual : {false, true}) {
        SCOPED_TRACE(describe(
            std::string("FusedConv ") + act.name + (residual ? " with residual" : ""), dtype));
        GpuOpCase c = conv_op("FusedConv", 1, "aruntime", geometry);
        with_activation(c, act);
        c.input(random_tensor(dtype, geometry.x, next(seed)))
            .input(random_tensor(dtype, geometry.w, next(seed)), true)
            .input(random_tensor(dtype, {6}, next(seed)), true);
        if (residual) c.input(random_tensor(dtype, y_shape, next(seed)));
        expect_matches(c, product_tolerance(dtype));
      }
    }
    // Residual without bias (input 2 omitted) and without activation.
    SCOPED_TRACE(describe("FusedConv residual only", dtype));
    GpuOpCase c = conv_op("FusedConv", 1, "aruntime", geometry);
    c.input(random_tensor(dtype, geometry.x, next(seed)))
        .input(random_tensor(dtype, geometry.w, next(seed)), true)
        .omitted_input()
        .input(random_tensor(dtype, y_shape, next(seed)));
    expect_matches(c, product_tolerance(dtype));
  }
}

// ---- ConvTranspose ---------------------------------------------------------------------------

// X = [[1,2],[3,4]] (1x1x2x2), W = 2x2 ones, stride 1: every input scatters into a 2x2 block of
// the 3x3 output: [[1,3,2],[4,10,6],[3,7,4]].
TEST(GpuDense, ConvTransposeHandValues) {
  ARUNTIME_REQUIRE_GPU();
  const auto out = GpuOpCase("ConvTranspose", 11)
                       .input(floats({1, 1, 2, 2}, {1, 2, 3, 4}))
                       .input(floats({1, 1, 2, 2}, {1, 1, 1, 1}), true)
                       .run_on_gpu();
  expect_near(out[0], floats({1, 1, 3, 3}, {1, 3, 2, 4, 10, 6, 3, 7, 4}), 1e-5, 1e-5);
  // Stride 2 and output_padding 1 on a 1-D input [1, 2] with kernel [1, 1]: blocks do not
  // overlap, the extra output position gets no taps: [1, 1, 2, 2, 0].
  const auto padded = GpuOpCase("ConvTranspose", 11)
                          .attr("strides", std::vector<int64_t>{2})
                          .attr("output_padding", std::vector<int64_t>{1})
                          .input(floats({1, 1, 2}, {1, 2}))
                          .input(floats({1, 1, 2}, {1, 1}), true)
                          .run_on_gpu();
  expect_near(padded[0], floats({1, 1, 5}, {1, 1, 2, 2, 0}), 1e-5, 1e-5);
}

TEST(GpuDense, ConvTransposeMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  // W is [C, M/group, k...].
  const std::vector<ConvCase> cases = {
      {"plain", {2, 3, 5, 4}, {3, 2, 3, 3}, {}},
      {"strides", {1, 3, 4, 5}, {3, 4, 3, 3}, {{"strides", {2, 2}}}},
      {"output_padding",
       {1, 2, 4, 4},
       {2, 3, 3, 3},
       {{"strides", {2, 3}}, {"output_padding", {1, 2}}}},
      {"symmetric pads", {1, 2, 5, 5}, {2, 3, 3, 3}, {{"pads", {1, 1, 1, 1}}, {"strides", {2, 2}}}},
      {"asymmetric pads",
       {1, 2, 5, 4},
       {2, 2, 3, 4},
       {{"pads", {0, 2, 1, 1}}, {"strides", {2, 1}}}},
      {"pads and output_padding",
       {1, 2, 4, 4},
       {2, 2, 3, 3},
       {{"pads", {1, 1, 1, 1}}, {"strides", {2, 2}}, {"output_padding", {1, 1}}}},
      {"output_shape", {1, 2, 3, 4}, {2, 3, 3, 3}, {{"strides", {2, 2}}, {"output_shape", {6, 8}}}},
      {"output_shape beyond the full extent",
       {1, 1, 3, 3},
       {1, 1, 2, 2},
       {{"output_shape", {6, 5}}}},
      {"same upper", {1, 2, 4, 5}, {2, 3, 3, 3}, {{"strides", {2, 2}}}, 1, "SAME_UPPER"},
      {"same lower", {1, 2, 4, 5}, {2, 3, 4, 3}, {{"strides", {2, 2}}}, 1, "SAME_LOWER"},
      {"valid", {1, 2, 3, 3}, {2, 2, 3, 3}, {{"strides", {2, 2}}}, 1, "VALID"},
      {"groups", {1, 4, 5, 5}, {4, 3, 3, 3}, {{"strides", {2, 2}}}, 2},
      {"depthwise", {1, 4, 5, 5}, {4, 1, 3, 3}, {{"pads", {1, 1, 1, 1}}}, 4},
      {"dilations", {1, 2, 5, 5}, {2, 2, 3, 3}, {{"dilations", {2, 2}}}},
      {"no bias", {1, 2, 4, 4}, {2, 3, 3, 3}, {}, 1, "", false},
      {"1-D", {2, 3, 7}, {3, 2, 4}, {{"strides", {3}}, {"pads", {1, 2}}}},
      {"3-D",
       {1, 2, 3, 4, 3},
       {2, 2, 2, 3, 2},
       {{"strides", {2, 1, 2}}, {"output_padding", {1, 0, 1}}}},
  };
  uint32_t seed = 500;
  for (const ConvCase& cc : cases) {
    for (DataType dtype : kFloatTypes) {
      SCOPED_TRACE(describe("ConvTranspose " + cc.name, dtype));
      GpuOpCase c = conv_op("ConvTranspose", 11, "", cc);
      c.input(random_tensor(dtype, cc.x, next(seed)))
          .input(random_tensor(dtype, cc.w, next(seed)), true);
      if (cc.bias) c.input(random_tensor(dtype, {cc.w[1] * cc.group}, next(seed)), true);
      expect_matches(c, product_tolerance(dtype));
    }
  }
}

// ---- Pools -----------------------------------------------------------------------------------

// X = 1..16 as 1x1x4x4. MaxPool 2x2 stride 2: the maxima of the quadrants [6, 8, 14, 16].
// AveragePool 3x3 stride 1 pads 1, count_include_pad=0 at the corner (0,0): (1+2+5+6)/4 = 3.5;
// with count_include_pad=1: 14/9.
TEST(GpuDense, PoolHandValues) {
  ARUNTIME_REQUIRE_GPU();
  std::vector<float> v(16);
  for (int i = 0; i < 16; ++i) v[static_cast<size_t>(i)] = static_cast<float>(i + 1);
  const Tensor x = floats({1, 1, 4, 4}, v);
  const auto max = GpuOpCase("MaxPool", 12)
                       .attr("kernel_shape", std::vector<int64_t>{2, 2})
                       .attr("strides", std::vector<int64_t>{2, 2})
                       .input(x)
                       .run_on_gpu();
  expect_near(max[0], floats({1, 1, 2, 2}, {6, 8, 14, 16}), 0, 0);
  for (int64_t include : {0, 1}) {
    const auto avg = GpuOpCase("AveragePool", 11)
                         .attr("kernel_shape", std::vector<int64_t>{3, 3})
                         .attr("pads", std::vector<int64_t>{1, 1, 1, 1})
                         .attr("count_include_pad", include)
                         .input(x)
                         .run_on_gpu();
    const float corner = include ? 14.0f / 9.0f : 3.5f;
    EXPECT_NEAR(avg[0].data<float>()[0], corner, 1e-6) << "count_include_pad " << include;
    // The centre windows lie inside the image: (1+2+3+5+6+7+9+10+11)/9 = 6 at (1,1).
    EXPECT_NEAR(avg[0].data<float>()[5], 6.0f, 1e-6) << "count_include_pad " << include;
  }
}

struct PoolCase {
  std::string name;
  Shape x;
  std::vector<std::pair<std::string, std::vector<int64_t>>> ints;
  int64_t ceil_mode = 0;
  std::string auto_pad = "";
};

// The first four run on cuDNN (one pad per axis, no dilation, floor-sized output); the rest on
// the direct kernel.
std::vector<PoolCase> pool_cases() {
  return {
      {"2x2 stride 2", {2, 3, 8, 9}, {{"kernel_shape", {2, 2}}, {"strides", {2, 2}}}},
      {"3x3 stride 2 pads 1",
       {1, 4, 9, 10},
       {{"kernel_shape", {3, 3}}, {"strides", {2, 2}}, {"pads", {1, 1, 1, 1}}}},
      {"1-D", {2, 3, 15}, {{"kernel_shape", {3}}, {"strides", {2}}, {"pads", {1, 1}}}},
      {"3-D", {1, 2, 6, 7, 8}, {{"kernel_shape", {2, 3, 2}}, {"strides", {2, 2, 2}}}},
      {"ceil_mode", {1, 2, 7, 8}, {{"kernel_shape", {3, 3}}, {"strides", {2, 2}}}, 1},
      {"ceil_mode with pads",
       {1, 2, 6, 8},
       {{"kernel_shape", {2, 3}}, {"strides", {2, 2}}, {"pads", {1, 1, 1, 1}}},
       1},
      {"asymmetric pads",
       {1, 3, 7, 7},
       {{"kernel_shape", {3, 3}}, {"strides", {2, 2}}, {"pads", {0, 1, 2, 0}}}},
      {"same upper",
       {1, 2, 8, 7},
       {{"kernel_shape", {3, 2}}, {"strides", {2, 2}}},
       0,
       "SAME_UPPER"},
      {"same lower",
       {1, 2, 8, 7},
       {{"kernel_shape", {2, 3}}, {"strides", {2, 1}}},
       0,
       "SAME_LOWER"},
      {"dilations",
       {1, 2, 10, 9},
       {{"kernel_shape", {3, 2}}, {"dilations", {2, 3}}, {"pads", {1, 1, 1, 1}}}},
      {"3-D ceil_mode", {1, 1, 5, 6, 7}, {{"kernel_shape", {2, 2, 3}}, {"strides", {2, 2, 2}}}, 1},
  };
}

GpuOpCase pool_op(const std::string& op, int64_t opset, const PoolCase& pc) {
  GpuOpCase c(op, opset);
  for (const auto& [name, values] : pc.ints) c.attr(name, values);
  if (pc.ceil_mode != 0) c.attr("ceil_mode", pc.ceil_mode);
  if (!pc.auto_pad.empty()) c.attr("auto_pad", pc.auto_pad);
  return c;
}

TEST(GpuDense, MaxPoolMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 600;
  for (const PoolCase& pc : pool_cases()) {
    for (DataType dtype : kFloatTypes) {
      SCOPED_TRACE(describe("MaxPool " + pc.name, dtype));
      GpuOpCase c = pool_op("MaxPool", 12, pc);
      c.input(random_tensor(dtype, pc.x, next(seed)));
      expect_matches(c, {0, 0});  // a maximum is one of the inputs, exactly
    }
  }
}

TEST(GpuDense, AveragePoolMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 700;
  for (const PoolCase& pc : pool_cases()) {
    for (int64_t include : {0, 1}) {
      for (DataType dtype : kFloatTypes) {
        SCOPED_TRACE(describe(
            "AveragePool " + pc.name + " count_include_pad " + std::to_string(include), dtype));
        // Opset 19: AveragePool's dilations.
        GpuOpCase c = pool_op("AveragePool", 19, pc);
        c.attr("count_include_pad", include);
        c.input(random_tensor(dtype, pc.x, next(seed)));
        expect_matches(c, pointwise_tolerance(dtype));
      }
    }
  }
}

// Plane sizes below, at and far above a warp's 32 lanes, ranks 2 to 5, and 1000003 elements.
TEST(GpuDense, GlobalPoolsMatchCpu) {
  ARUNTIME_REQUIRE_GPU();
  const std::vector<Shape> shapes = {{2, 3},          {2, 3, 1},       {1, 7, 32},   {2, 3, 7, 9},
                                     {1, 2, 3, 4, 5}, {1, 1, 1000003}, {3, 64, 7, 7}};
  uint32_t seed = 800;
  for (const char* op : {"GlobalAveragePool", "GlobalMaxPool"}) {
    for (const Shape& shape : shapes) {
      for (DataType dtype : {DataType::kFloat32, DataType::kFloat16, DataType::kBFloat16}) {
        SCOPED_TRACE(describe(std::string(op) + " " + shape.to_string(), dtype));
        GpuOpCase c(op, 22);  // opset 22: bfloat16
        c.input(random_tensor(dtype, shape, next(seed)));
        // A mean of a million terms: both sides accumulate in float, in different orders.
        const bool large = shape.num_elements() > 100000;
        Tolerance tol = pointwise_tolerance(dtype);
        if (large && dtype == DataType::kFloat32) tol = {1e-3, 1e-5};
        expect_matches(c, tol);
      }
    }
  }
}

// ---- BatchNormalization and LRN --------------------------------------------------------------

// One channel, mean 1, var 3, epsilon 1: (x - 1) / sqrt(4) * 2 + 0.5 = x - 0.5.
TEST(GpuDense, BatchNormalizationHandValues) {
  ARUNTIME_REQUIRE_GPU();
  const auto out = GpuOpCase("BatchNormalization", 15)
                       .attr("epsilon", 1.0f)
                       .input(floats({1, 1, 2, 2}, {1, 2, 3, -4}))
                       .input(floats({1}, {2}), true)
                       .input(floats({1}, {0.5f}), true)
                       .input(floats({1}, {1}), true)
                       .input(floats({1}, {3}), true)
                       .run_on_gpu();
  expect_near(out[0], floats({1, 1, 2, 2}, {0.5f, 1.5f, 2.5f, -4.5f}), 1e-6, 1e-6);
}

TEST(GpuDense, BatchNormalizationMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 900;
  for (DataType dtype : {DataType::kFloat32, DataType::kFloat16, DataType::kBFloat16}) {
    for (const Shape& shape : {Shape{2, 5, 4, 3}, Shape{3, 4}, Shape{1, 3, 2, 3, 4}}) {
      for (bool constant : {true, false}) {
        SCOPED_TRACE(describe(
            "BatchNormalization " + shape.to_string() + (constant ? " constant parameters" : ""),
            dtype));
        const Shape c = {shape[1]};
        GpuOpCase op("BatchNormalization", 15);
        op.attr("epsilon", 1e-3f)
            .input(random_tensor(dtype, shape, next(seed), -3, 3))
            .input(random_tensor(dtype, c, next(seed), 0.5f, 2), constant)
            .input(random_tensor(dtype, c, next(seed)), constant)
            .input(random_tensor(dtype, c, next(seed)), constant)
            .input(random_tensor(dtype, c, next(seed), 0.1f, 2), constant);
        expect_matches(op, pointwise_tolerance(dtype));
      }
    }
  }
  // Opset 15: float16 X with float32 scale/B (T1) and mean/var (T2); opset 9 and 7.
  {
    SCOPED_TRACE("BatchNormalization mixed types");
    GpuOpCase op("BatchNormalization", 15);
    op.input(random_tensor(DataType::kFloat16, {2, 3, 5}, next(seed)))
        .input(random_tensor(DataType::kFloat32, {3}, next(seed), 0.5f, 2))
        .input(random_tensor(DataType::kFloat32, {3}, next(seed)))
        .input(random_tensor(DataType::kFloat32, {3}, next(seed)))
        .input(random_tensor(DataType::kFloat32, {3}, next(seed), 0.1f, 2));
    expect_matches(op, pointwise_tolerance(DataType::kFloat16));
  }
  for (int64_t opset : {7, 9}) {
    SCOPED_TRACE("BatchNormalization opset " + std::to_string(opset));
    GpuOpCase op("BatchNormalization", opset);
    op.input(random_tensor(DataType::kFloat32, {2, 3, 4}, next(seed)));
    for (int i = 0; i < 4; ++i)
      op.input(random_tensor(DataType::kFloat32, {3}, next(seed), 0.1f, 2));
    expect_matches(op, pointwise_tolerance(DataType::kFloat32));
  }
}

TEST(GpuDense, LrnMatchesCpu) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 1000;
  struct LrnCase {
    int64_t size;
    float alpha, beta, bias;
    Shape shape;
  };
  // Odd and even windows (the even one reaches one channel further ahead than behind), windows
  // wider than the channel count, rank 3 and 5 inputs.
  const LrnCase cases[] = {
      {3, 1e-4f, 0.75f, 1.0f, {2, 7, 5, 4}},    {4, 0.5f, 0.5f, 2.0f, {1, 6, 3, 3}},
      {5, 2.0f, 1.0f, 1.5f, {1, 3, 4, 4}},      {1, 1.0f, 0.3f, 0.5f, {2, 4, 9}},
      {16, 0.1f, 2.0f, 1.0f, {1, 20, 2, 2, 3}},
  };
  for (const LrnCase& l : cases) {
    for (DataType dtype : kFloatTypes) {
      SCOPED_TRACE(describe("LRN size " + std::to_string(l.size), dtype));
      GpuOpCase c("LRN", 13);
      c.attr("size", l.size).attr("alpha", l.alpha).attr("beta", l.beta).attr("bias", l.bias);
      c.input(random_tensor(dtype, l.shape, next(seed), -2, 2));
      // cuDNN casts alpha, beta and bias to the tensor's type: for float16 they carry its
      // rounding too.
      expect_matches(c, product_tolerance(dtype));
    }
  }
}

// ---- Declines --------------------------------------------------------------------------------

TEST(GpuDense, UnsupportedConfigurationsAreDeclined) {
  ARUNTIME_REQUIRE_GPU();
  {
    GpuOpCase c("MaxPool", 12);
    c.attr("kernel_shape", std::vector<int64_t>{2, 2})
        .input(random_tensor(DataType::kFloat32, {1, 1, 4, 4}, 1100))
        .outputs(2);
    const std::string reason = c.gpu_decline_reason();
    EXPECT_NE(reason.find("Indices"), std::string::npos) << reason;
  }
  {
    GpuOpCase c("BatchNormalization", 15);
    c.attr("training_mode", int64_t{1}).input(random_tensor(DataType::kFloat32, {2, 3, 4}, 1101));
    for (int i = 0; i < 4; ++i) c.input(random_tensor(DataType::kFloat32, {3}, 1102 + i, 0.1f, 2));
    const std::string reason = c.gpu_decline_reason();
    EXPECT_NE(reason.find("training_mode"), std::string::npos) << reason;
  }
  {
    GpuOpCase c("LRN", 13);
    c.attr("size", int64_t{17}).input(random_tensor(DataType::kFloat32, {1, 20, 3, 3}, 1110));
    const std::string reason = c.gpu_decline_reason();
    EXPECT_NE(reason.find("cuDNN's limit of 16"), std::string::npos) << reason;
    // The CPU runs it instead.
    EXPECT_EQ(c.run_on_cpu()[0].shape(), (Shape{1, 20, 3, 3}));
  }
  {
    // Four spatial axes: beyond cuDNN's convolutions.
    GpuOpCase c("Conv", 11);
    c.input(random_tensor(DataType::kFloat32, {1, 1, 3, 3, 3, 3}, 1120))
        .input(random_tensor(DataType::kFloat32, {1, 1, 2, 2, 2, 2}, 1121), true);
    const std::string reason = c.gpu_decline_reason();
    EXPECT_NE(reason.find("1 to 3 spatial axes"), std::string::npos) << reason;
  }
  {
    // Integer products stay on the CPU.
    GpuOpCase c("MatMul", 13);
    c.input(Tensor::from_vector<int32_t>({1, 2}, {1, 2}))
        .input(Tensor::from_vector<int32_t>({2, 1}, {3, 4}));
    EXPECT_NE(c.gpu_decline_reason(), "");
  }
}

}  // namespace
}  // namespace aruntime::gpu_testing
