// AffineGrid, DeformConv, Det, TfIdfVectorizer, Upsample and SequenceMap
// (providers/cpu/ops/extra_ops.cc). Expected values were computed in /tmp/venvtest with
// onnx 1.18's ReferenceEvaluator (AffineGrid, DeformConv), numpy.linalg.det (Det) and
// onnxruntime (TfIdfVectorizer, Upsample); SequenceMap's are derived by hand. Each test names
// its source.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <string>
#include <vector>

#include "aruntime/session.h"
#include "tests/unit/op_test_util.h"

namespace aruntime {
namespace {

using testing::expect_near;
using testing::OpTest;

Tensor floats(Shape shape, std::vector<float> values) {
  return Tensor::from_vector<float>(std::move(shape), values);
}
Tensor int64s(Shape shape, std::vector<int64_t> values) {
  return Tensor::from_vector<int64_t>(std::move(shape), values);
}

// ---- AffineGrid ------------------------------------------------------------------------------

// ReferenceEvaluator(AffineGrid(theta, size=[1,1,2,3], align_corners=ac)), opset 20.
TEST(CpuExtraOps, AffineGrid2D) {
  const Tensor theta = floats({1, 2, 3}, {1.0f, 0.5f, 0.1f, -0.2f, 2.0f, 0.3f});
  auto out = OpTest("AffineGrid", 20)
                 .input(theta)
                 .input(int64s({4}, {1, 1, 2, 3}))
                 .outputs({DataType::kFloat32})
                 .run();
  expect_near(
      out[0],
      floats({1, 2, 3, 2}, {-0.8166667f, -0.5666667f, -0.15f, -0.7f, 0.5166667f, -0.8333333f,
                            -0.3166667f, 1.433333f, 0.35f, 1.3f, 1.016667f, 1.166667f}),
      1e-5, 1e-6);
  out = OpTest("AffineGrid", 20)
            .attr("align_corners", int64_t{1})
            .input(theta)
            .input(int64s({4}, {1, 1, 2, 3}))
            .outputs({DataType::kFloat32})
            .run();
  expect_near(out[0],
              floats({1, 2, 3, 2}, {-1.4f, -1.5f, -0.4f, -1.7f, 0.6f, -1.9f, -0.4f, 2.5f, 0.6f,
                                    2.3f, 1.6f, 2.1f}),
              1e-5, 1e-6);
}

// ReferenceEvaluator(AffineGrid(theta, size=[1,3,2,2,3])), opset 20.
TEST(CpuExtraOps, AffineGrid3D) {
  auto out = OpTest("AffineGrid", 20)
                 .input(floats({1, 3, 4}, {1.0f, 0.2f, -0.1f, 0.5f, 0.3f, 1.5f, 0.0f, -0.2f, 0.1f,
                                           -0.4f, 0.8f, 0.05f}))
                 .input(int64s({5}, {1, 3, 2, 2, 3}))
                 .outputs({DataType::kFloat32})
                 .run();
  expect_near(out[0],
              floats({1, 2, 2, 3, 3},
                     {-0.2166667f, -1.15f, -0.2166667f,  0.45f,        -0.95f, -0.15f,
                      1.116667f,   -0.75f, -0.08333334f, -0.01666666f, 0.35f,  -0.6166667f,
                      0.65f,       0.55f,  -0.55f,       1.316667f,    0.75f,  -0.4833333f,
                      -0.3166667f, -1.15f, 0.5833333f,   0.35f,        -0.95f, 0.65f,
                      1.016667f,   -0.75f, 0.7166667f,   -0.1166667f,  0.35f,  0.1833333f,
                      0.55f,       0.55f,  0.25f,        1.216667f,    0.75f,  0.3166667f}),
              1e-5, 1e-6);
}

TEST(CpuExtraOps, AffineGridRejectsMismatchedTheta) {
  EXPECT_THROW(OpTest("AffineGrid", 20)
                   .input(floats({1, 2, 3}, {1, 0, 0, 0, 1, 0}))
                   .input(int64s({5}, {1, 1, 2, 2, 2}))
                   .outputs({DataType::kFloat32})
                   .run(),
               Error);
}

// ---- DeformConv ------------------------------------------------------------------------------

// X = arange(18).reshape(1,2,3,3) * 0.5; offset = sin(arange(64)) * 0.7 as [1,16,2,2];
// mask = 0.5 + 0.4 * cos(arange(32)) as [1,8,2,2]; group=2, offset_group=2, kernel 2x2.
// Expected: ReferenceEvaluator(DeformConv), opset 19.
TEST(CpuExtraOps, DeformConvWithMaskBiasGroups) {
  std::vector<float> x(18), offset(64), mask(32);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.5f * static_cast<float>(i);
  for (size_t i = 0; i < offset.size(); ++i)
    offset[i] = static_cast<float>(std::sin(static_cast<double>(i)) * 0.7);
  for (size_t i = 0; i < mask.size(); ++i)
    mask[i] = static_cast<float>(0.5 + 0.4 * std::cos(static_cast<double>(i)));
  auto out = OpTest("DeformConv", 19)
                 .attr("group", int64_t{2})
                 .attr("offset_group", int64_t{2})
                 .attr("kernel_shape", std::vector<int64_t>{2, 2})
                 .input(floats({1, 2, 3, 3}, x))
                 .input(floats({4, 1, 2, 2},
                               {1, -1, 0.5f, 2, 0.25f, 1, -0.5f, 1.5f, 1, 1, 1, 1, -1, 0, 2, 0.5f}))
                 .input(floats({1, 16, 2, 2}, offset))
                 .input(floats({4}, {0.1f, -0.2f, 0.3f, 0.0f}))
                 .input(floats({1, 8, 2, 2}, mask))
                 .outputs({DataType::kFloat32})
                 .run();
  expect_near(
      out[0],
      floats({1, 4, 2, 2}, {2.029107f, 3.991144f, 1.000962f, 0.9338677f, 1.224291f, 3.27666f,
                            2.577214f, 0.1507821f, 8.701844f, 9.609699f, 10.63766f, 12.78321f,
                            7.572567f, 8.550676f, 2.249635f, -0.8073905f}),
      1e-4, 1e-5);
}

// X = arange(16).reshape(1,1,4,4); W = arange(1,10).reshape(1,1,3,3) * 0.1;
// offset = cos(arange(72)) * 1.3 as [1,18,2,2]; pads 1, strides 2 (samples fall outside X).
// Expected: ReferenceEvaluator(DeformConv), opset 19.
TEST(CpuExtraOps, DeformConvPaddedStrided) {
  std::vector<float> x(16), w(9), offset(72);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.1f * static_cast<float>(i + 1);
  for (size_t i = 0; i < offset.size(); ++i)
    offset[i] = static_cast<float>(std::cos(static_cast<double>(i)) * 1.3);
  auto out = OpTest("DeformConv", 19)
                 .attr("pads", std::vector<int64_t>{1, 1, 1, 1})
                 .attr("strides", std::vector<int64_t>{2, 2})
                 .input(floats({1, 1, 4, 4}, x))
                 .input(floats({1, 1, 3, 3}, w))
                 .input(floats({1, 18, 2, 2}, offset))
                 .outputs({DataType::kFloat32})
                 .run();
  expect_near(out[0], floats({1, 1, 2, 2}, {8.840521f, 15.05514f, 25.41009f, 35.78463f}), 1e-4,
              1e-5);
}

TEST(CpuExtraOps, DeformConvRejectsBadOffsetShape) {
  EXPECT_THROW(OpTest("DeformConv", 19)
                   .input(floats({1, 1, 3, 3}, std::vector<float>(9, 1.0f)))
                   .input(floats({1, 1, 2, 2}, std::vector<float>(4, 1.0f)))
                   .input(floats({1, 4, 2, 2}, std::vector<float>(16, 0.0f)))
                   .outputs({DataType::kFloat32})
                   .run(),
               Error);
}

// ---- Det -------------------------------------------------------------------------------------

// numpy.linalg.det on a batch of two 3x3 matrices (the second singular).
TEST(CpuExtraOps, DetBatchedFloat32) {
  auto out =
      OpTest("Det", 11)
          .input(floats({2, 3, 3}, {2, 1, 3, 0, -1, 4, 1, 2, 0.5f, 1, 2, 3, 4, 5, 6, 7, 8, 9}))
          .outputs({DataType::kFloat32})
          .run();
  expect_near(out[0], floats({2}, {-10.0f, 0.0f}), 1e-5, 1e-5);
}

// numpy.linalg.det of a 4x4 float64 matrix with a zero leading pivot: 37.
TEST(CpuExtraOps, DetFloat64NeedsPivoting) {
  auto out = OpTest("Det", 11)
                 .input(Tensor::from_vector<double>(
                     {4, 4}, {0, 2, 1, 0, 1, 0, 0, 3, 0, 1, 4, 1, 2, 0, 1, 1}))
                 .outputs({DataType::kFloat64})
                 .run();
  ASSERT_EQ(out[0].rank(), 0u);
  EXPECT_NEAR(out[0].data<double>()[0], 37.0, 1e-12);
}

TEST(CpuExtraOps, DetRejectsNonSquare) {
  EXPECT_THROW(OpTest("Det", 11)
                   .input(floats({2, 3}, {1, 2, 3, 4, 5, 6}))
                   .outputs({DataType::kFloat32})
                   .run(),
               Error);
}

// ---- TfIdfVectorizer -------------------------------------------------------------------------

// x = [[1,1,3,3,3,7],[8,6,7,5,6,8]] (int32); pool_int64s=[2,3,5,4,5,6,7,8,6,7],
// ngram_counts=[0,4], ngram_indexes=0..6. Expected: onnxruntime.
OpTest tfidf(const std::string& mode, int64_t min_gram, int64_t max_gram, int64_t skip) {
  OpTest t("TfIdfVectorizer", 9);
  t.attr("mode", mode)
      .attr("min_gram_length", min_gram)
      .attr("max_gram_length", max_gram)
      .attr("max_skip_count", skip)
      .attr("ngram_counts", std::vector<int64_t>{0, 4})
      .attr("ngram_indexes", std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6})
      .attr("pool_int64s", std::vector<int64_t>{2, 3, 5, 4, 5, 6, 7, 8, 6, 7});
  return t;
}
const Tensor kTfIdfInput =
    Tensor::from_vector<int32_t>({2, 6}, {1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8});

TEST(CpuExtraOps, TfIdfTermFrequencies) {
  auto out = tfidf("TF", 2, 2, 0).input(kTfIdfInput).outputs({DataType::kFloat32}).run();
  expect_near(out[0], floats({2, 7}, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1}));
  out = tfidf("TF", 1, 2, 5).input(kTfIdfInput).outputs({DataType::kFloat32}).run();
  expect_near(out[0], floats({2, 7}, {0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1}));
}

TEST(CpuExtraOps, TfIdfWeightedModes) {
  const std::vector<float> weights = {2, 3, 4, 5, 6, 7, 8};
  auto out = tfidf("IDF", 1, 2, 5)
                 .attr("weights", weights)
                 .input(kTfIdfInput)
                 .outputs({DataType::kFloat32})
                 .run();
  expect_near(out[0], floats({2, 7}, {0, 3, 0, 0, 0, 0, 0, 0, 0, 4, 0, 6, 7, 8}));
  out = tfidf("TFIDF", 1, 2, 5)
            .attr("weights", weights)
            .input(kTfIdfInput)
            .outputs({DataType::kFloat32})
            .run();
  expect_near(out[0], floats({2, 7}, {0, 9, 0, 0, 0, 0, 0, 0, 0, 4, 0, 6, 7, 8}));
}

// Strings, a permuted ngram_indexes and weights that follow the pool's n-gram order:
// x = [a b c b c x a], pool_strings=[a,c | b,c, a,b], ngram_counts=[0,2], ngram_indexes=[2,0,1,3],
// weights=[0.5,2,1.5,3], TFIDF, grams 1..2, max_skip_count 1. Expected: onnxruntime.
TEST(CpuExtraOps, TfIdfStringsPermutedIndexes) {
  // OpTest has no strings-attribute setter: give the pool through a one-node model instead.
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(9);
  auto* g = m.mutable_graph();
  g->set_name("tfidf");
  auto* in = g->add_input();
  in->set_name("x");
  in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::STRING);
  in->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(7);
  auto* o = g->add_output();
  o->set_name("y");
  o->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  auto* n = g->add_node();
  n->set_op_type("TfIdfVectorizer");
  n->set_name("tfidf");
  n->add_input("x");
  n->add_output("y");
  auto add_int = [&](const char* name, int64_t v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  };
  auto add_ints = [&](const char* name, std::vector<int64_t> v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t i : v) a->add_ints(i);
  };
  add_int("min_gram_length", 1);
  add_int("max_gram_length", 2);
  add_int("max_skip_count", 1);
  add_ints("ngram_counts", {0, 2});
  add_ints("ngram_indexes", {2, 0, 1, 3});
  auto* mode = n->add_attribute();
  mode->set_name("mode");
  mode->set_type(onnx::AttributeProto::STRING);
  mode->set_s("TFIDF");
  auto* w = n->add_attribute();
  w->set_name("weights");
  w->set_type(onnx::AttributeProto::FLOATS);
  for (float f : {0.5f, 2.0f, 1.5f, 3.0f}) w->add_floats(f);
  auto* p = n->add_attribute();
  p->set_name("pool_strings");
  p->set_type(onnx::AttributeProto::STRINGS);
  for (const char* s : {"a", "c", "b", "c", "a", "b"}) p->add_strings(s);
  Session s(Environment(), m.SerializeAsString(), "tfidf.onnx", "", {});
  auto out =
      s.run({{"x", Tensor::from_vector<std::string>({7}, {"a", "b", "c", "b", "c", "x", "a"})}});
  expect_near(out[0], floats({4}, {4, 3, 1, 3}));
}

TEST(CpuExtraOps, TfIdfRejectsWrongInputType) {
  EXPECT_THROW(tfidf("TF", 1, 1, 0).input(floats({2}, {1, 2})).outputs({DataType::kFloat32}).run(),
               Error);
}

// ---- Upsample --------------------------------------------------------------------------------

// onnxruntime Upsample-9, nearest, scales [1,1,2,3] on [[1,2],[3,4]].
TEST(CpuExtraOps, UpsampleNearestOpset9) {
  auto out = OpTest("Upsample", 9)
                 .input(floats({1, 1, 2, 2}, {1, 2, 3, 4}))
                 .input(floats({4}, {1, 1, 2, 3}))
                 .outputs({DataType::kFloat32})
                 .run();
  expect_near(out[0], floats({1, 1, 4, 6}, {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2,
                                            3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}));
}

// onnxruntime Upsample-7, linear, scales attribute [1,1,2,1.5] on [[1,2],[3,4]].
TEST(CpuExtraOps, UpsampleLinearOpset7) {
  auto out = OpTest("Upsample", 7)
                 .attr("mode", std::string("linear"))
                 .attr("scales", std::vector<float>{1.0f, 1.0f, 2.0f, 1.5f})
                 .input(floats({1, 1, 2, 2}, {1, 2, 3, 4}))
                 .outputs({DataType::kFloat32})
                 .run();
  expect_near(
      out[0],
      floats({1, 1, 4, 3}, {1, 1.666667f, 2, 2, 2.666667f, 3, 3, 3.666667f, 4, 3, 3.666667f, 4}),
      1e-5, 1e-6);
}

TEST(CpuExtraOps, UpsampleRejectsScalesBelowOne) {
  EXPECT_THROW(OpTest("Upsample", 9)
                   .input(floats({1, 4}, {1, 2, 3, 4}))
                   .input(floats({2}, {1, 0.5f}))
                   .outputs({DataType::kFloat32})
                   .run(),
               Error);
}

// ---- SequenceMap -----------------------------------------------------------------------------

void seq_value(onnx::ValueInfoProto* v, const std::string& name, int elem_type) {
  v->set_name(name);
  v->mutable_type()
      ->mutable_sequence_type()
      ->mutable_elem_type()
      ->mutable_tensor_type()
      ->set_elem_type(elem_type);
}
void tensor_value(onnx::ValueInfoProto* v, const std::string& name, int elem_type) {
  v->set_name(name);
  v->mutable_type()->mutable_tensor_type()->set_elem_type(elem_type);
}

// Body (a, b) -> (a * b + bias, Shape(a)) where bias = 0.5 lives in the outer graph. Over
// xs = [[1,2], [[1,2],[3,4],[5,6]]] with the tensor w = [10,-1], by hand:
// ys = [[10.5,-1.5], [[10.5,-1.5],[30.5,-3.5],[50.5,-5.5]]], shapes = [[2], [3,2]].
TEST(CpuExtraOps, SequenceMapRunsBodyPerElement) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(17);
  auto* g = m.mutable_graph();
  g->set_name("seq_map");
  seq_value(g->add_input(), "xs", onnx::TensorProto::FLOAT);
  tensor_value(g->add_input(), "w", onnx::TensorProto::FLOAT);
  seq_value(g->add_output(), "ys", onnx::TensorProto::FLOAT);
  seq_value(g->add_output(), "shapes", onnx::TensorProto::INT64);
  auto* bias = g->add_initializer();
  bias->set_name("bias");
  bias->set_data_type(onnx::TensorProto::FLOAT);
  bias->add_float_data(0.5f);
  auto* n = g->add_node();
  n->set_op_type("SequenceMap");
  n->set_name("map");
  n->add_input("xs");
  n->add_input("w");
  n->add_output("ys");
  n->add_output("shapes");
  auto* a = n->add_attribute();
  a->set_name("body");
  a->set_type(onnx::AttributeProto::GRAPH);
  auto* b = a->mutable_g();
  b->set_name("body");
  tensor_value(b->add_input(), "a", onnx::TensorProto::FLOAT);
  tensor_value(b->add_input(), "b", onnx::TensorProto::FLOAT);
  tensor_value(b->add_output(), "y", onnx::TensorProto::FLOAT);
  tensor_value(b->add_output(), "s", onnx::TensorProto::INT64);
  auto body_node = [&](const char* op, std::vector<std::string> in, const char* out) {
    auto* bn = b->add_node();
    bn->set_op_type(op);
    bn->set_name(std::string(op) + "_" + out);
    for (auto& i : in) bn->add_input(i);
    bn->add_output(out);
  };
  body_node("Mul", {"a", "b"}, "ab");
  body_node("Add", {"ab", "bias"}, "y");
  body_node("Shape", {"a"}, "s");

  Session s(Environment(), m.SerializeAsString(), "seq_map.onnx", "", {});
  Value xs = Value::sequence({floats({2}, {1, 2}), floats({3, 2}, {1, 2, 3, 4, 5, 6})},
                             DataType::kFloat32);
  auto out = s.run_values({{"xs", xs}, {"w", Value(floats({2}, {10, -1}))}});
  ASSERT_EQ(out.size(), 2u);
  ASSERT_EQ(out[0].kind(), ValueKind::kSequence);
  ASSERT_EQ(out[0].elements().size(), 2u);
  expect_near(out[0].elements()[0], floats({2}, {10.5f, -1.5f}));
  expect_near(out[0].elements()[1], floats({3, 2}, {10.5f, -1.5f, 30.5f, -3.5f, 50.5f, -5.5f}));
  ASSERT_EQ(out[1].kind(), ValueKind::kSequence);
  ASSERT_EQ(out[1].elements().size(), 2u);
  EXPECT_EQ(out[1].elements()[0].to_int64_vector(), (std::vector<int64_t>{2}));
  EXPECT_EQ(out[1].elements()[1].to_int64_vector(), (std::vector<int64_t>{3, 2}));

  // An empty sequence maps to empty sequences of the body's output types.
  auto empty = s.run_values(
      {{"xs", Value::sequence({}, DataType::kFloat32)}, {"w", Value(floats({2}, {10, -1}))}});
  ASSERT_EQ(empty[0].kind(), ValueKind::kSequence);
  EXPECT_TRUE(empty[0].elements().empty());
  EXPECT_EQ(empty[1].element_type(), DataType::kInt64);
}

}  // namespace
}  // namespace aruntime
