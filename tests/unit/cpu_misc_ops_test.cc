// Einsum, GridSample, NonMaxSuppression, CenterCropPad, Attention, RotaryEmbedding and the random
// generators on the CPU kernels. Inputs are values rounded to 2 decimals drawn once from
// numpy.random.default_rng(7); expected outputs come from numpy.einsum and from
// onnx.reference.ReferenceEvaluator (onnx 1.18) on a one-node model, printed with 8 digits.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/unit/op_test_util.h"

namespace aruntime::testing {
namespace {

Tensor f32(Shape shape, const std::vector<float>& values) {
  return Tensor::from_vector<float>(std::move(shape), values);
}

TEST(CpuMiscEinsum, BatchMatMul) {
  // numpy.einsum("bij,bjk->bik", a, b).
  Tensor a =
      f32({2, 2, 3}, {0.25f, 0.79000002f, 0.55000001f, -0.55000001f, -0.40000001f, 0.75f,
                      -0.99000001f, 0.63999999f, 0.58999997f, -0.059999999f, -0.38999999f, -0.44f});
  Tensor b =
      f32({2, 3, 2}, {-0.49000001f, -0.11f, 0.0099999998f, 0.11f, 0.99000001f, 0.58999997f,
                      0.23999999f, 0.98000002f, -0.56999999f, -0.68000001f, 0.23f, -0.91000003f});
  auto out = OpTest("Einsum", 12)
                 .attr("equation", std::string("bij,bjk->bik"))
                 .input(a)
                 .input(b)
                 .outputs({DataType::kFloat32})
                 .run();
  ASSERT_EQ(out[0].shape(), (Shape{2, 2, 2}));
  expect_near(out[0], f32({2, 2, 2}, {0.42989999f, 0.38389999f, 1.008f, 0.45899999f, -0.46669996f,
                                      -1.9423001f, 0.10669999f, 0.60680002f}));
}

const std::vector<float> kSquare = {-0.93000001f, 0.029999999f,   -0.07f, 0.82999998f, 0.25999999f,
                                    0.029999999f, -0.0099999998f, -0.5f,  -0.98000002f};

TEST(CpuMiscEinsum, DiagonalAndImplicitTrace) {
  // numpy.einsum("ii->i", c) and numpy.einsum("ii", c) (implicit output: scalar trace).
  auto diag = OpTest("Einsum", 12)
                  .attr("equation", std::string("ii->i"))
                  .input(f32({3, 3}, kSquare))
                  .outputs({DataType::kFloat32})
                  .run();
  expect_near(diag[0], f32({3}, {-0.93000001f, 0.25999999f, -0.98000002f}));
  auto trace = OpTest("Einsum", 12)
                   .attr("equation", std::string("ii"))
                   .input(f32({3, 3}, kSquare))
                   .outputs({DataType::kFloat32})
                   .run();
  expect_near(trace[0], f32({}, {-1.6500001f}));
}

TEST(CpuMiscEinsum, ImplicitTransposeAndBroadcastEllipsis) {
  // "ji" in implicit mode outputs the labels sorted: "ij", a transpose of the input.
  auto t = OpTest("Einsum", 12)
               .attr("equation", std::string("ji"))
               .input(f32({2, 3}, {1, 2, 3, 4, 5, 6}))
               .outputs({DataType::kFloat32})
               .run();
  expect_near(t[0], f32({3, 2}, {1, 4, 2, 5, 3, 6}));
  // numpy.einsum("...ij,...jk", e, f) with e [2,1,2,3] and f [3,3,2]: the ellipsis broadcasts
  // [2,1] against [3] to [2,3].
  Tensor e =
      f32({2, 1, 2, 3}, {-0.62f, 0.38f, -0.60000002f, -0.25999999f, -0.99000001f, 0.66000003f,
                         -0.69f, -0.46000001f, 0.75999999f, 0.02f, 0.69f, 0.28f});
  Tensor f = f32({3, 3, 2}, {0.47999999f, -0.81999999f, 0.079999998f, 0.02f, 0.74000001f, -0.28f,
                             0.2f, -0.88f, -0.22f, -0.34999999f, -0.69999999f, 0.63f, -0.23999999f,
                             0.95999998f, 0.18000001f, 0.20999999f, 0.28f, 0.34999999f});
  auto out = OpTest("Einsum", 12)
                 .attr("equation", std::string("...ij,...jk"))
                 .input(e)
                 .input(f)
                 .outputs({DataType::kFloat32})
                 .run();
  ASSERT_EQ(out[0].shape(), (Shape{2, 3, 2, 2}));
  expect_near(out[0], f32({2, 3, 2, 2}, {-0.7112f,     0.68400002f,  0.28440002f,  0.0085999817f,
                                         0.21240002f,  0.03459996f,  -0.29620001f, 0.99109995f,
                                         0.049199998f, -0.72539997f, 0.069000006f, -0.22649997f,
                                         0.19439998f,  0.34380004f,  0.27200001f,  -0.081f,
                                         -0.56879997f, 1.247f,       -0.34380001f, -0.082699984f,
                                         0.2956f,      -0.493f,      0.19780001f,  0.26209998f}),
              1e-5, 1e-5);
}

TEST(CpuMiscEinsum, RejectsRankMismatch) {
  EXPECT_THROW(OpTest("Einsum", 12)
                   .attr("equation", std::string("ij->i"))
                   .input(f32({3}, {1, 2, 3}))
                   .outputs({DataType::kFloat32})
                   .run(),
               Error);
}

TEST(CpuMiscGridSample, ModesAndPaddings) {
  // onnx reference GridSample (opset 20 names linear/cubic; opset 16 spells them bilinear/bicubic).
  Tensor x =
      f32({1, 1, 3, 4}, {-0.69999999f, -0.12f, -0.51999998f, -0.2f, -0.81f, 0.94f, -0.56999999f,
                         0.34f, -0.40000001f, 0.75f, 0.31999999f, -0.74000001f});
  Tensor grid =
      f32({1, 2, 3, 2}, {0.89999998f, 1.16f, 1.05f, 0.18000001f, -0.92000002f, -0.80000001f, 1.11f,
                         0.14f, -0.82999998f, 1.0f, 0.37f, 0.18000001f});
  auto linear = OpTest("GridSample", 16)
                    .attr("mode", std::string("bilinear"))
                    .attr("padding_mode", std::string("zeros"))
                    .input(x)
                    .input(grid)
                    .outputs({DataType::kFloat32})
                    .run();
  expect_near(linear[0],
              f32({1, 1, 2, 3}, {-0.13468014f, 0.019359969f, -0.36959997f, 0.031695958f,
                                 -0.16800001f, -0.23895597f}),
              1e-5, 1e-5);
  auto cubic = OpTest("GridSample", 20)
                   .attr("mode", std::string("cubic"))
                   .attr("padding_mode", std::string("border"))
                   .attr("align_corners", int64_t{1})
                   .input(x)
                   .input(grid)
                   .outputs({DataType::kFloat32})
                   .run();
  expect_near(cubic[0],
              f32({1, 1, 2, 3}, {-0.61081868f, 0.22012359f, -0.64331502f, 0.25414106f, -0.11788984f,
                                 -0.46000028f}),
              1e-5, 1e-5);
  auto nearest = OpTest("GridSample", 20)
                     .attr("mode", std::string("nearest"))
                     .attr("padding_mode", std::string("reflection"))
                     .input(x)
                     .input(grid)
                     .outputs({DataType::kFloat32})
                     .run();
  expect_near(nearest[0], f32({1, 1, 2, 3}, {-0.74000001f, 0.34f, -0.69999999f, 0.34f, -0.40000001f,
                                             -0.56999999f}));
  // Opset 16 does not know the opset-20 mode names.
  EXPECT_THROW(OpTest("GridSample", 16)
                   .attr("mode", std::string("linear"))
                   .input(x)
                   .input(grid)
                   .outputs({DataType::kFloat32})
                   .run(),
               Error);
}

TEST(CpuMiscNonMaxSuppression, SuppressesByIouAndScore) {
  // Hand-derived: boxes 0 and 1 overlap with IoU 81/119 = 0.68 > 0.5, so 1 (lower score) is
  // suppressed; box 2 is disjoint; box 3 scores below the 0.2 threshold. Class 1 ranks the boxes
  // 3 > 1 > 0 > 2 and keeps at most 2: box 3 then box 1 (box 1 is disjoint from box 3).
  Tensor boxes = f32({1, 4, 4}, {0, 0, 10, 10, 1, 1, 11, 11, 20, 20, 30, 30, 40, 40, 50, 50});
  Tensor scores = f32({1, 2, 4}, {0.9f, 0.8f, 0.7f, 0.1f, 0.3f, 0.6f, 0.4f, 0.95f});
  auto out = OpTest("NonMaxSuppression", 11)
                 .input(boxes)
                 .input(scores)
                 .input(Tensor::from_vector<int64_t>({1}, {2}))
                 .input(f32({1}, {0.5f}))
                 .input(f32({1}, {0.2f}))
                 .outputs({DataType::kInt64})
                 .run();
  ASSERT_EQ(out[0].shape(), (Shape{4, 3}));
  const int64_t* p = out[0].data<int64_t>();
  EXPECT_EQ(std::vector<int64_t>(p, p + 12),
            (std::vector<int64_t>{0, 0, 0, 0, 0, 2, 0, 1, 3, 0, 1, 1}));
}

TEST(CpuMiscNonMaxSuppression, CenterPointBoxes) {
  // The same first two boxes in (x_center, y_center, width, height) form: IoU 0.68 > 0.5.
  Tensor boxes = f32({1, 2, 4}, {5, 5, 10, 10, 6, 6, 10, 10});
  Tensor scores = f32({1, 1, 2}, {0.5f, 0.9f});
  auto out = OpTest("NonMaxSuppression", 11)
                 .attr("center_point_box", int64_t{1})
                 .input(boxes)
                 .input(scores)
                 .input(Tensor::from_vector<int64_t>({1}, {5}))
                 .input(f32({1}, {0.5f}))
                 .outputs({DataType::kInt64})
                 .run();
  ASSERT_EQ(out[0].shape(), (Shape{1, 3}));
  EXPECT_EQ(out[0].data<int64_t>()[2], 1);
}

TEST(CpuMiscCenterCropPad, CropsOneAxisPadsAnother) {
  // Hand-derived from the spec: rows 3 -> 1 keep the middle row; columns 2 -> 4 put the input at
  // offset (4 - 2) / 2 = 1 with zeros around.
  auto out = OpTest("CenterCropPad", 18)
                 .input(f32({3, 2}, {1, 2, 3, 4, 5, 6}))
                 .input(Tensor::from_vector<int64_t>({2}, {1, 4}))
                 .outputs({DataType::kFloat32})
                 .run();
  expect_near(out[0], f32({1, 4}, {0, 3, 4, 0}));
}

const std::vector<float> kQ = {
    -0.25f, -0.18000001f, -0.51999998f, -0.92000002f, 0.75f,        -0.059999999f,
    0.1f,   -0.36000001f, 0.5f,         -0.94999999f, -0.25999999f, -0.94f,
    -0.75f, 0.93000001f,  0.31999999f,  -0.14f,       0.050000001f, 0.75f,
    -0.31f, 0.18000001f,  0.37f,        -0.28999999f, 0.039999999f, 0.52999997f};
const std::vector<float> kK = {0.81999999f, -0.69999999f, 0.87f,        -0.99000001f,
                               0.50999999f, 0.62f,        -0.73000002f, -0.16f,
                               0.63f,       -0.97000003f, 0.25999999f,  0.58999997f};
const std::vector<float> kV = {0.029999999f, 0.44999999f,  -0.55000001f, -0.60000002f,
                               -0.27000001f, -0.63999999f, -0.31f,       0.89999998f,
                               0.15000001f,  -0.31999999f, -0.46000001f, 0.89999998f};

TEST(CpuMiscAttention, GroupedQueryCausal4D) {
  // onnx reference Attention: Q [1,4,3,2], K/V [1,2,3,2] (two query heads per kv head),
  // is_causal=1, default scale 1/sqrt(2).
  auto out = OpTest("Attention", 23)
                 .attr("is_causal", int64_t{1})
                 .input(f32({1, 4, 3, 2}, kQ))
                 .input(f32({1, 2, 3, 2}, kK))
                 .input(f32({1, 2, 3, 2}, kV))
                 .outputs({DataType::kFloat32})
                 .run();
  expect_near(out[0], f32({1, 4, 3, 2}, {0.029999999f,  0.44999999f,   -0.28462988f, -0.11958857f,
                                         -0.26686233f,  -0.24180435f,  -0.31f,       0.89999998f,
                                         0.028530531f,  0.0021581645f, -0.1206748f,  0.32696149f,
                                         0.029999999f,  0.44999999f,   -0.26580247f, -0.085504457f,
                                         -0.25455141f,  -0.34802234f,  -0.31f,       0.89999998f,
                                         -0.021306034f, 0.1343334f,    -0.26252726f, 0.60092258f}),
              1e-5, 1e-6);
}

TEST(CpuMiscAttention, PastBoolMaskSoftcapAndSoftmaxOutput) {
  // onnx reference Attention with past_key/past_value [1,2,1,2], a bool mask [3,4], softcap=2,
  // scale=0.5 and qk_matmul_output_mode=3 (the softmax probabilities).
  Tensor mask = Tensor::from_vector<bool>(
      {3, 4}, {true, false, true, true, true, true, true, false, false, true, true, true});
  auto out =
      OpTest("Attention", 23)
          .attr("softcap", 2.0f)
          .attr("scale", 0.5f)
          .attr("qk_matmul_output_mode", int64_t{3})
          .input(f32({1, 4, 3, 2}, kQ))
          .input(f32({1, 2, 3, 2}, kK))
          .input(f32({1, 2, 3, 2}, kV))
          .input(mask)
          .input(f32({1, 2, 1, 2}, {-0.11f, 0.95999998f, 0.029999999f, 0.039999999f}))
          .input(f32({1, 2, 1, 2}, {0.79000002f, 0.49000001f, 0.16f, -0.15000001f}))
          .outputs({DataType::kFloat32, DataType::kFloat32, DataType::kFloat32, DataType::kFloat32})
          .run();
  expect_near(
      out[0],
      f32({1, 4, 3, 2},
          {-0.01369914f,  -0.21808745f,  -0.053071894f, -0.0039904751f, -0.23109902f, -0.22374442f,
           -0.036026221f, 0.12227f,      0.023499703f,  0.052036423f,   -0.13318966f, 0.35522884f,
           0.21687099f,   -0.041427564f, 0.013836268f,  0.04699254f,    -0.20764922f, -0.28273013f,
           -0.074967742f, 0.20728374f,   0.0042762267f, 0.10943542f,    -0.22837698f, 0.53846562f}),
      1e-5, 1e-6);
  ASSERT_EQ(out[1].shape(), (Shape{1, 2, 4, 2}));
  EXPECT_FLOAT_EQ(out[1].data<float>()[0], -0.11f);       // past row first
  EXPECT_FLOAT_EQ(out[1].data<float>()[2], 0.81999999f);  // then K's first row
  ASSERT_EQ(out[3].shape(), (Shape{1, 4, 3, 4}));
  const std::vector<float> qk = {
      0.31703627f, 0.046137877f, 0.33428195f,  0.30254391f, 0.20980304f, 0.35145795f,
      0.39607322f, 0.04266578f,  0.032766014f, 0.33528107f, 0.34434038f, 0.28761253f,
      0.30419245f, 0.041403297f, 0.37567863f,  0.27872562f, 0.25718608f, 0.23390156f,
      0.47370344f, 0.035208929f, 0.038644716f, 0.33835679f, 0.41327393f, 0.20972458f,
      0.48539129f, 0.040721033f, 0.1423575f,   0.33153009f, 0.26386583f, 0.34374627f,
      0.35351923f, 0.038868725f, 0.046583541f, 0.27054042f, 0.24353531f, 0.43934074f,
      0.33535895f, 0.045433577f, 0.27917165f,  0.34003589f, 0.30105233f, 0.26929313f,
      0.38890126f, 0.040753186f, 0.044533614f, 0.31083423f, 0.25801155f, 0.38662061f};
  expect_near(out[3], f32({1, 4, 3, 4}, qk), 1e-5, 1e-6);
}

TEST(CpuMiscAttention, ThreeDimensionalMultiQuery) {
  // onnx reference Attention on 3-D inputs with q_num_heads=2, kv_num_heads=1; the reference
  // reshapes [1,3,4] to [1,2,3,2] directly (no transpose) and transposes only the output back.
  // Q = arange(12)/10 - 0.5, K = arange(6)/5 - 0.4, V = arange(6) with rows reversed, / 4.
  std::vector<float> q(12), k(6);
  for (int i = 0; i < 12; ++i) q[i] = static_cast<float>(i) / 10 - 0.5f;
  for (int i = 0; i < 6; ++i) k[i] = static_cast<float>(i) / 5 - 0.4f;
  auto out = OpTest("Attention", 23)
                 .attr("q_num_heads", int64_t{2})
                 .attr("kv_num_heads", int64_t{1})
                 .input(f32({1, 3, 4}, q))
                 .input(f32({1, 3, 2}, k))
                 .input(f32({1, 3, 2}, {1, 1.25f, 0.5f, 0.75f, 0, 0.25f}))
                 .outputs({DataType::kFloat32})
                 .run();
  expect_near(out[0], f32({1, 3, 4}, {0.58394909f, 0.83394909f, 0.4717496f, 0.7217496f, 0.54698402f,
                                      0.79698402f, 0.43443093f, 0.6844309f, 0.50942683f,
                                      0.75942683f, 0.39792982f, 0.64792985f}));
}

TEST(CpuMiscRotaryEmbedding, HalvesAndInterleavedWithPositionIds) {
  // onnx reference RotaryEmbedding: x [1,2,2,4] (4-D: batch, heads, seq, head), caches [3,2],
  // position_ids [[2, 0]].
  Tensor x =
      f32({1, 2, 2, 4}, {0.75999999f, -0.18000001f, 0.85000002f, -0.86000001f, -0.14f, 0.039999999f,
                         0.89999998f, -0.5f, 0.61000001f, 0.34999999f, 0.43000001f, 0.25999999f,
                         0.94f, -0.33000001f, -0.2f, -0.58999997f});
  Tensor cos = f32(
      {3, 2}, {-0.89999998f, -0.56999999f, 0.82999998f, 0.68000001f, -0.77999997f, 0.20999999f});
  Tensor sin = f32({3, 2}, {-0.039999999f, 0.19f, 0.31999999f, -0.38999999f, 0.92000002f, -0.07f});
  Tensor ids = Tensor::from_vector<int64_t>({1, 2}, {2, 0});
  auto halves = OpTest("RotaryEmbedding", 23)
                    .input(x)
                    .input(cos)
                    .input(sin)
                    .input(ids)
                    .outputs({DataType::kFloat32})
                    .run();
  expect_near(halves[0],
              f32({1, 2, 2, 4}, {-1.3748f, -0.098000005f, 0.036199987f, -0.168f, 0.162f, 0.0722f,
                                 -0.80439997f, 0.29260001f, -0.8714f, 0.091700003f, 0.22580004f,
                                 0.030099997f, -0.85399997f, 0.30019999f, 0.1424f, 0.27359998f}));
  auto interleaved = OpTest("RotaryEmbedding", 23)
                         .attr("interleaved", int64_t{1})
                         .input(x)
                         .input(cos)
                         .input(sin)
                         .input(ids)
                         .outputs({DataType::kFloat32})
                         .run();
  expect_near(interleaved[0], f32({1, 2, 2, 4}, {-0.42719996f, 0.83959997f, 0.11829999f, -0.2401f,
                                                 0.1276f, -0.030399999f, -0.41799995f, 0.45599997f,
                                                 -0.7978f, 0.28820005f, 0.1085f, 0.024499996f,
                                                 -0.85919994f, 0.25939998f, 0.2261f, 0.2983f}));
}

TEST(CpuMiscRandom, SeededIsDeterministicAndInRange) {
  auto draw = [](float seed) {
    return OpTest("RandomUniform", 22)
        .attr("shape", std::vector<int64_t>{64})
        .attr("low", 2.0f)
        .attr("high", 3.0f)
        .attr("seed", seed)
        .outputs({DataType::kFloat32})
        .run()[0];
  };
  Tensor a = draw(1.0f), b = draw(1.0f), c = draw(2.0f);
  ASSERT_EQ(a.shape(), (Shape{64}));
  bool differs = false;
  for (int i = 0; i < 64; ++i) {
    EXPECT_EQ(a.data<float>()[i], b.data<float>()[i]);
    EXPECT_GE(a.data<float>()[i], 2.0f);
    EXPECT_LT(a.data<float>()[i], 3.0f);
    differs = differs || a.data<float>()[i] != c.data<float>()[i];
  }
  EXPECT_TRUE(differs);
  // Mean of 4096 N(5, 0.5) draws lies within 5 +- 0.1 (over 8 standard errors).
  Tensor n = OpTest("RandomNormalLike", 22)
                 .attr("mean", 5.0f)
                 .attr("scale", 0.5f)
                 .attr("seed", 3.0f)
                 .input(Tensor(DataType::kFloat64, Shape{4096}))
                 .outputs({DataType::kFloat64})
                 .run()[0];
  ASSERT_EQ(n.dtype(), DataType::kFloat64);
  double sum = 0;
  for (int i = 0; i < 4096; ++i) sum += n.data<double>()[i];
  EXPECT_NEAR(sum / 4096, 5.0, 0.1);
}

TEST(CpuMiscRandom, BernoulliAndMultinomialExtremes) {
  // Probabilities 0 and 1 give certain outcomes; a class with all the mass is always drawn.
  Tensor bern = OpTest("Bernoulli", 22)
                    .attr("seed", 1.0f)
                    .input(f32({4}, {0, 1, 1, 0}))
                    .outputs({DataType::kFloat32})
                    .run()[0];
  expect_near(bern, f32({4}, {0, 1, 1, 0}));
  Tensor multi = OpTest("Multinomial", 22)
                     .attr("sample_size", int64_t{5})
                     .attr("seed", 4.0f)
                     .attr("dtype", int64_t{7})
                     .input(f32({2, 3}, {-100, 0, -100, 5, -100, -100}))
                     .outputs({DataType::kInt64})
                     .run()[0];
  ASSERT_EQ(multi.shape(), (Shape{2, 5}));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(multi.data<int64_t>()[i], 1);
    EXPECT_EQ(multi.data<int64_t>()[5 + i], 0);
  }
}

}  // namespace
}  // namespace aruntime::testing
