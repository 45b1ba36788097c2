// CPU tensor (data movement) kernels against reference values. Unless a test says otherwise, the
// expected numbers were computed with numpy 2.4 (/tmp/venvtest) on the same inputs, e.g.
// `np.arange(24).reshape(2,3,4).transpose(1,2,0)`; shape-only results follow from the ONNX spec.
#include <cmath>
#include <numeric>

#include "tests/unit/op_test_util.h"

namespace aruntime::testing {
namespace {

template <typename T>
Tensor make(Shape shape, std::vector<T> values) {
  return Tensor::from_vector<T>(std::move(shape), values);
}

// np.arange(n) reshaped to `shape`, as int64.
Tensor arange(Shape shape) {
  std::vector<int64_t> v(static_cast<size_t>(shape.num_elements()));
  std::iota(v.begin(), v.end(), 0);
  return Tensor::from_vector<int64_t>(std::move(shape), v);
}

Tensor ints(std::vector<int64_t> values) {
  const int64_t n = static_cast<int64_t>(values.size());
  return Tensor::from_vector<int64_t>(Shape{n}, values);
}

Tensor strings(Shape shape, std::vector<std::string> values) {
  return Tensor::from_vector<std::string>(std::move(shape), values);
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

// ---- Reshape and friends (views of the input buffer) -----------------------------------------

TEST(CpuTensorTest, ReshapeZeroAndInferredDims) {
  const Tensor x = arange({2, 3, 4});
  auto out = OpTest("Reshape", 14).input(x).input(ints({0, -1, 2})).run();
  EXPECT_EQ(out[0].shape(), (Shape{2, 6, 2}));
  EXPECT_EQ(out[0].raw_data(), x.raw_data()) << "Reshape should alias its input";
  expect_near(out[0], arange({2, 6, 2}));

  // allowzero=1: 0 is a real zero-sized dim (input has 0 elements).
  auto zero = OpTest("Reshape", 14)
                  .attr("allowzero", int64_t{1})
                  .input(arange({0, 3}))
                  .input(ints({3, 0}))
                  .run();
  EXPECT_EQ(zero[0].shape(), (Shape{3, 0}));
}

TEST(CpuTensorTest, ImpossibleReshapeNamesNodeAndShapes) {
  OpTest test("Reshape", 14);
  test.input(arange({2, 3})).input(ints({4, -1}));
  expect_error(test, ErrorCode::kRuntimeError,
               "node 'test_Reshape' (Reshape): cannot reshape input of shape [2,3] to requested "
               "shape [4,-1]");
  OpTest two_inferred("Reshape", 14);
  two_inferred.input(arange({2, 3})).input(ints({-1, -1}));
  expect_error(two_inferred, ErrorCode::kRuntimeError, "more than one -1");
}

TEST(CpuTensorTest, FlattenAxes) {
  const Tensor x = arange({2, 3, 4});
  EXPECT_EQ(OpTest("Flatten", 13).input(x).run()[0].shape(), (Shape{2, 12}));
  EXPECT_EQ(OpTest("Flatten", 13).attr("axis", int64_t{0}).input(x).run()[0].shape(),
            (Shape{1, 24}));
  EXPECT_EQ(OpTest("Flatten", 13).attr("axis", int64_t{-1}).input(x).run()[0].shape(),
            (Shape{6, 4}));
  EXPECT_EQ(OpTest("Flatten", 13).attr("axis", int64_t{3}).input(x).run()[0].shape(),
            (Shape{24, 1}));
  OpTest bad("Flatten", 13);
  bad.attr("axis", int64_t{4}).input(x);
  expect_error(bad, ErrorCode::kRuntimeError, "axis 4 is out of range");
}

TEST(CpuTensorTest, SqueezeAttributeAndInput) {
  const Tensor x = arange({1, 3, 1, 2});
  // Opset 11: axes attribute with a negative axis.
  auto a = OpTest("Squeeze", 11).attr("axes", std::vector<int64_t>{-2}).input(x).run();
  EXPECT_EQ(a[0].shape(), (Shape{1, 3, 2}));
  // Opset 13: axes input; without axes every 1 goes.
  auto b = OpTest("Squeeze", 13).input(x).input(ints({0, 2})).run();
  EXPECT_EQ(b[0].shape(), (Shape{3, 2}));
  auto c = OpTest("Squeeze", 13).input(x).run();
  EXPECT_EQ(c[0].shape(), (Shape{3, 2}));
  expect_near(c[0], arange({3, 2}));
  OpTest bad("Squeeze", 13);
  bad.input(x).input(ints({1}));
  expect_error(bad, ErrorCode::kRuntimeError, "its size is not 1");
}

TEST(CpuTensorTest, UnsqueezeUnsortedAndNegativeAxes) {
  const Tensor x = arange({3, 4});
  // np.expand_dims(x, (2, 0)).shape = (1, 3, 1, 4)
  EXPECT_EQ(OpTest("Unsqueeze", 13).input(x).input(ints({2, 0})).run()[0].shape(),
            (Shape{1, 3, 1, 4}));
  // Opset 11 attribute; -1 refers to the last output axis.
  EXPECT_EQ(
      OpTest("Unsqueeze", 11).attr("axes", std::vector<int64_t>{-1}).input(x).run()[0].shape(),
      (Shape{3, 4, 1}));
  OpTest dup("Unsqueeze", 13);
  dup.input(x).input(ints({1, -3}));  // -3 + 4 = 1
  expect_error(dup, ErrorCode::kRuntimeError, "repeated");
}

TEST(CpuTensorTest, IdentityAliasesAnyType) {
  const Tensor b = make<bool>({3}, {true, false, true});
  auto out = OpTest("Identity", 16).input(b).run();
  EXPECT_EQ(out[0].raw_data(), b.raw_data());
  expect_near(out[0], b);
}

// ---- Shape / Constant / ConstantOfShape ------------------------------------------------------

TEST(CpuTensorTest, ShapeWithStartEnd) {
  const Tensor x = arange({2, 3, 4, 5});
  expect_near(OpTest("Shape", 13).input(x).run()[0], ints({2, 3, 4, 5}));
  // x.shape[1:-1], and clamped x.shape[-10:10]
  expect_near(
      OpTest("Shape", 15).attr("start", int64_t{1}).attr("end", int64_t{-1}).input(x).run()[0],
      ints({3, 4}));
  expect_near(
      OpTest("Shape", 15).attr("start", int64_t{-10}).attr("end", int64_t{10}).input(x).run()[0],
      ints({2, 3, 4, 5}));
  EXPECT_EQ(OpTest("Shape", 15)
                .attr("start", int64_t{3})
                .attr("end", int64_t{1})
                .input(x)
                .run()[0]
                .shape(),
            (Shape{0}));
}

TEST(CpuTensorTest, ConstantFromEachAttributeKind) {
  expect_near(OpTest("Constant", 13).attr("value_floats", std::vector<float>{1.5f, -2}).run()[0],
              make<float>({2}, {1.5f, -2}));
  expect_near(OpTest("Constant", 13).attr("value_int", int64_t{7}).run()[0],
              Tensor::scalar<int64_t>(7));
  const Tensor v = make<int32_t>({2, 2}, {1, 2, 3, 4});
  auto out = OpTest("Constant", 13).attr("value", v).run();
  expect_near(out[0], v);
  EXPECT_NE(out[0].raw_data(), v.raw_data()) << "each run gets its own copy";
  expect_near(OpTest("Constant", 13).attr("value_string", std::string("hi")).run()[0],
              Tensor::scalar<std::string>("hi"));

  OpTest none("Constant", 13);
  expect_error(none, ErrorCode::kInvalidModel, "no value attribute");
}

TEST(CpuTensorTest, ConstantOfShape) {
  auto f = OpTest("ConstantOfShape", 20).input(ints({2, 3})).run();
  expect_near(f[0], make<float>({2, 3}, {0, 0, 0, 0, 0, 0}));
  auto i =
      OpTest("ConstantOfShape", 20).attr("value", make<int64_t>({1}, {-4})).input(ints({3})).run();
  expect_near(i[0], make<int64_t>({3}, {-4, -4, -4}));
  // An empty shape makes a scalar.
  auto s =
      OpTest("ConstantOfShape", 20).attr("value", make<int32_t>({1}, {9})).input(ints({})).run();
  expect_near(s[0], Tensor::scalar<int32_t>(9));
}

// ---- Transpose -------------------------------------------------------------------------------

TEST(CpuTensorTest, TransposePermAndDefault) {
  // np.arange(24).reshape(2,3,4).transpose(1,2,0)
  auto out = OpTest("Transpose", 13)
                 .attr("perm", std::vector<int64_t>{1, 2, 0})
                 .input(arange({2, 3, 4}))
                 .run();
  expect_near(out[0], make<int64_t>({3, 4, 2}, {0, 12, 1, 13, 2, 14, 3, 15, 4,  16, 5,  17,
                                                6, 18, 7, 19, 8, 20, 9, 21, 10, 22, 11, 23}));
  // Default perm reverses the dims: [[0,3],[1,4],[2,5]]
  auto rev = OpTest("Transpose", 13).input(arange({2, 3})).run();
  expect_near(rev[0], make<int64_t>({3, 2}, {0, 3, 1, 4, 2, 5}));
  // Strings move as objects.
  auto s = OpTest("Transpose", 13).input(strings({2, 2}, {"a", "b", "c", "d"})).run();
  expect_near(s[0], strings({2, 2}, {"a", "c", "b", "d"}));
}

TEST(CpuTensorTest, TransposeLargeTiledMatchesDefinition) {
  // Big enough for the tiled, multi-threaded path; expected from out[i,j,k] = in[k,i,j].
  const int64_t a = 70, b = 3, c = 130;
  const Tensor x = arange({a, b, c});
  auto out = OpTest("Transpose", 13).attr("perm", std::vector<int64_t>{1, 2, 0}).input(x).run();
  std::vector<int64_t> expected;
  for (int64_t i = 0; i < b; ++i) {
    for (int64_t j = 0; j < c; ++j) {
      for (int64_t k = 0; k < a; ++k) expected.push_back((k * b + i) * c + j);
    }
  }
  expect_near(out[0], make<int64_t>({b, c, a}, expected));
}

TEST(CpuTensorTest, TransposeOfUnitDimsIsAView) {
  const Tensor x = arange({1, 5, 1});
  auto out = OpTest("Transpose", 13).attr("perm", std::vector<int64_t>{2, 1, 0}).input(x).run();
  EXPECT_EQ(out[0].shape(), (Shape{1, 5, 1}));
  EXPECT_EQ(out[0].raw_data(), x.raw_data());
}

// ---- Concat / Split --------------------------------------------------------------------------

TEST(CpuTensorTest, ConcatNegativeAxis) {
  // np.concatenate([arange(4).reshape(2,2), arange(10,16).reshape(2,3), [[20],[21]]], axis=-1)
  auto out = OpTest("Concat", 13)
                 .attr("axis", int64_t{-1})
                 .input(arange({2, 2}))
                 .input(make<int64_t>({2, 3}, {10, 11, 12, 13, 14, 15}))
                 .input(make<int64_t>({2, 1}, {20, 21}))
                 .run();
  expect_near(out[0], make<int64_t>({2, 6}, {0, 1, 10, 11, 12, 20, 2, 3, 13, 14, 15, 21}));
  auto s = OpTest("Concat", 13)
               .attr("axis", int64_t{0})
               .input(strings({1}, {"x"}))
               .input(strings({2}, {"y", "z"}))
               .run();
  expect_near(s[0], strings({3}, {"x", "y", "z"}));
  OpTest bad("Concat", 13);
  bad.attr("axis", int64_t{0}).input(arange({2, 2})).input(arange({2, 3}));
  expect_error(bad, ErrorCode::kRuntimeError, "does not match input 0");
}

TEST(CpuTensorTest, SplitForms) {
  const Tensor x = arange({3, 4});
  // Opset 13, split input along axis 1: np.split(x, [1, 4], axis=1) -> [3,1], [3,3], [3,0]
  auto v = OpTest("Split", 13)
               .attr("axis", int64_t{1})
               .input(x)
               .input(ints({1, 3, 0}))
               .outputs({DataType::kInt64, DataType::kInt64, DataType::kInt64})
               .run();
  expect_near(v[0], make<int64_t>({3, 1}, {0, 4, 8}));
  expect_near(v[1], make<int64_t>({3, 3}, {1, 2, 3, 5, 6, 7, 9, 10, 11}));
  EXPECT_EQ(v[2].shape(), (Shape{3, 0}));
  // Opset 11, split attribute along axis 0.
  auto a = OpTest("Split", 11)
               .attr("split", std::vector<int64_t>{2, 1})
               .input(x)
               .outputs({DataType::kInt64, DataType::kInt64})
               .run();
  expect_near(a[1], make<int64_t>({1, 4}, {8, 9, 10, 11}));
  // Opset 18, num_outputs with an uneven split: [0..2], [3..5], [6] as ONNX's reference does.
  auto n = OpTest("Split", 18)
               .attr("num_outputs", int64_t{3})
               .input(arange({7}))
               .outputs({DataType::kInt64, DataType::kInt64, DataType::kInt64})
               .run();
  expect_near(n[0], make<int64_t>({3}, {0, 1, 2}));
  expect_near(n[1], make<int64_t>({3}, {3, 4, 5}));
  expect_near(n[2], make<int64_t>({1}, {6}));
  // Equal parts by the number of outputs.
  auto e = OpTest("Split", 13)
               .attr("axis", int64_t{-1})
               .input(x)
               .outputs({DataType::kInt64, DataType::kInt64})
               .run();
  expect_near(e[0], make<int64_t>({3, 2}, {0, 1, 4, 5, 8, 9}));

  OpTest bad("Split", 13);
  bad.input(x).input(ints({1, 1})).outputs({DataType::kInt64, DataType::kInt64});
  expect_error(bad, ErrorCode::kRuntimeError, "split sizes [1,1]");
}

// ---- Slice -----------------------------------------------------------------------------------

TEST(CpuTensorTest, SliceStepsClampingAndAxes) {
  const Tensor t = arange({2, 3, 4});
  // t[:, ::-2, 1:100] with axes [-1, 1]
  auto a = OpTest("Slice", 13)
               .input(t)
               .input(ints({1, -1}))
               .input(ints({100, INT64_MIN}))
               .input(ints({-1, 1}))
               .input(ints({1, -2}))
               .run();
  expect_near(a[0], make<int64_t>({2, 2, 3}, {9, 10, 11, 1, 2, 3, 21, 22, 23, 13, 14, 15}));
  // np.arange(10)[8:2:-3] = [8, 5]; np.arange(10)[-100:3] = [0, 1, 2]
  expect_near(OpTest("Slice", 13)
                  .input(arange({10}))
                  .input(ints({8}))
                  .input(ints({2}))
                  .input(ints({0}))
                  .input(ints({-3}))
                  .run()[0],
              make<int64_t>({2}, {8, 5}));
  expect_near(OpTest("Slice", 13).input(arange({10})).input(ints({-100})).input(ints({3})).run()[0],
              make<int64_t>({3}, {0, 1, 2}));
  // Empty result when start >= end.
  EXPECT_EQ(
      OpTest("Slice", 13).input(arange({10})).input(ints({5})).input(ints({2})).run()[0].shape(),
      (Shape{0}));
  // int32 indices.
  auto i32 = OpTest("Slice", 13)
                 .input(arange({4, 5}))
                 .input(make<int32_t>({2}, {-1, -1}))
                 .input(make<int32_t>({2}, {-5, -6}))
                 .input(make<int32_t>({2}, {0, 1}))
                 .input(make<int32_t>({2}, {-2, -1}))
                 .run();
  // np.arange(20).reshape(4,5)[-1:-5:-2, ::-1]
  expect_near(i32[0], make<int64_t>({2, 5}, {19, 18, 17, 16, 15, 9, 8, 7, 6, 5}));
}

TEST(CpuTensorTest, SliceOpset1AttributesAndErrors) {
  // Opset 1-9: starts/ends/axes attributes. t[:, 1:3] of a 2x4 float tensor.
  auto a = OpTest("Slice", 9)
               .attr("starts", std::vector<int64_t>{1})
               .attr("ends", std::vector<int64_t>{3})
               .attr("axes", std::vector<int64_t>{1})
               .input(make<float>({2, 4}, {0, 1, 2, 3, 4, 5, 6, 7}))
               .run();
  expect_near(a[0], make<float>({2, 2}, {1, 2, 5, 6}));
  OpTest zero_step("Slice", 13);
  zero_step.input(arange({4})).input(ints({0})).input(ints({4})).input(ints({0})).input(ints({0}));
  expect_error(zero_step, ErrorCode::kRuntimeError, "step for axis 0 is 0");
}

// ---- Gather ----------------------------------------------------------------------------------

TEST(CpuTensorTest, GatherNegativeIndicesAndErrors) {
  // np.take(np.arange(12).reshape(3,4), [[0,-1],[2,1]], axis=1)
  auto out = OpTest("Gather", 13)
                 .attr("axis", int64_t{1})
                 .input(arange({3, 4}))
                 .input(make<int64_t>({2, 2}, {0, -1, 2, 1}))
                 .run();
  expect_near(out[0], make<int64_t>({3, 2, 2}, {0, 3, 2, 1, 4, 7, 6, 5, 8, 11, 10, 9}));
  // Scalar int32 index on axis 0 drops the axis: x[2]
  auto row = OpTest("Gather", 13)
                 .input(strings({3}, {"a", "b", "c"}))
                 .input(Tensor::scalar<int32_t>(2))
                 .run();
  expect_near(row[0], Tensor::scalar<std::string>("c"));

  OpTest bad("Gather", 13);
  bad.input(arange({3, 4})).input(make<int64_t>({2}, {1, 3}));
  expect_error(bad, ErrorCode::kRuntimeError, "index 3 (flat position 1");
}

// ---- Pad -------------------------------------------------------------------------------------

TEST(CpuTensorTest, PadConstantWithValue) {
  // np.pad(x, ((1,0),(0,2)), constant_values=9.5)
  auto out = OpTest("Pad", 13)
                 .input(make<float>({2, 2}, {1, 2, 3, 4}))
                 .input(ints({1, 0, 0, 2}))
                 .input(Tensor::scalar<float>(9.5f))
                 .run();
  expect_near(out[0],
              make<float>({3, 4}, {9.5f, 9.5f, 9.5f, 9.5f, 1, 2, 9.5f, 9.5f, 3, 4, 9.5f, 9.5f}));
  // Opset 2: pads and value are attributes.
  auto old = OpTest("Pad", 2)
                 .attr("pads", std::vector<int64_t>{0, 1, 0, 0})
                 .attr("value", 7.0f)
                 .input(make<float>({1, 2}, {1, 2}))
                 .run();
  expect_near(old[0], make<float>({1, 3}, {7, 1, 2}));
}

TEST(CpuTensorTest, PadReflectEdgeWrap) {
  const Tensor x = make<int64_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  // np.pad(x, ((1,1),(2,2)), mode='reflect')
  auto r = OpTest("Pad", 13)
               .attr("mode", std::string("reflect"))
               .input(x)
               .input(ints({1, 2, 1, 2}))
               .run();
  expect_near(r[0], make<int64_t>({4, 7}, {6, 5, 4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 2, 1,
                                           6, 5, 4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 2, 1}));
  // np.pad([1,2,3], (5,4), mode='reflect'): pads longer than the axis reflect repeatedly.
  auto big = OpTest("Pad", 13)
                 .attr("mode", std::string("reflect"))
                 .input(make<int64_t>({3}, {1, 2, 3}))
                 .input(ints({5, 4}))
                 .run();
  expect_near(big[0], make<int64_t>({12}, {2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3}));
  // np.pad([[1,2],[3,4]], ((0,1),(1,0)), mode='edge')
  auto e = OpTest("Pad", 13)
               .attr("mode", std::string("edge"))
               .input(make<int64_t>({2, 2}, {1, 2, 3, 4}))
               .input(ints({0, 1, 1, 0}))
               .run();
  expect_near(e[0], make<int64_t>({3, 3}, {1, 1, 2, 3, 3, 4, 3, 3, 4}));
  // np.pad(x, ((1,0),(2,1)), mode='wrap'), opset 19
  auto w =
      OpTest("Pad", 19).attr("mode", std::string("wrap")).input(x).input(ints({1, 2, 0, 1})).run();
  expect_near(w[0], make<int64_t>({3, 6}, {5, 6, 4, 5, 6, 4, 2, 3, 1, 2, 3, 1, 5, 6, 4, 5, 6, 4}));

  OpTest wrap_too_early("Pad", 13);
  wrap_too_early.attr("mode", std::string("wrap")).input(x).input(ints({0, 0, 0, 0}));
  expect_error(wrap_too_early, ErrorCode::kInvalidModel,
               "mode 'wrap' is not supported at opset 13");
}

TEST(CpuTensorTest, PadNegativeAndAxes) {
  // Negative begin pad crops: np.pad(np.arange(12).reshape(3,4)[:, 1:], ((0,0),(0,1)), 'edge')
  auto n = OpTest("Pad", 13)
               .attr("mode", std::string("edge"))
               .input(arange({3, 4}))
               .input(ints({0, -1, 0, 1}))
               .run();
  expect_near(n[0], make<int64_t>({3, 4}, {1, 2, 3, 3, 5, 6, 7, 7, 9, 10, 11, 11}));
  // Opset 18 axes input: pad only axis -1 by (1, 0) with zeros.
  auto a = OpTest("Pad", 18)
               .input(make<float>({2, 2}, {1, 2, 3, 4}))
               .input(ints({1, 0}))
               .omitted_input()
               .input(ints({-1}))
               .run();
  expect_near(a[0], make<float>({2, 3}, {0, 1, 2, 0, 3, 4}));
  OpTest bad("Pad", 13);
  bad.input(arange({2, 2})).input(ints({1, 1}));
  expect_error(bad, ErrorCode::kRuntimeError, "should have 4 values");
}

// ---- Cast ------------------------------------------------------------------------------------

TEST(CpuTensorTest, CastNumeric) {
  // np.float32([-1.7, 2.9, 0.0]).astype(np.int32) = [-1, 2, 0]
  expect_near(
      OpTest("Cast", 13).attr("to", int64_t{6}).input(make<float>({3}, {-1.7f, 2.9f, 0})).run()[0],
      make<int32_t>({3}, {-1, 2, 0}));
  // np.array([300.7, -1.5, 2.9]).astype(np.int64).astype(np.uint8) = [44, 255, 2]
  expect_near(OpTest("Cast", 13)
                  .attr("to", int64_t{2})
                  .input(make<double>({3}, {300.7, -1.5, 2.9}))
                  .run()[0],
              make<uint8_t>({3}, {44, 255, 2}));
  // Integers and floats to bool: nonzero is true.
  expect_near(
      OpTest("Cast", 13).attr("to", int64_t{9}).input(make<int64_t>({3}, {0, 36, -1})).run()[0],
      make<bool>({3}, {false, true, true}));
  expect_near(
      OpTest("Cast", 13).attr("to", int64_t{1}).input(make<bool>({2}, {true, false})).run()[0],
      make<float>({2}, {1, 0}));
}

TEST(CpuTensorTest, CastHalfTypes) {
  // np.float32([0.1, 65520, -2.5]).astype(np.float16) = [0.1 (0.0999755859375), inf, -2.5]
  auto h = OpTest("Cast", 13)
               .attr("to", int64_t{10})
               .input(make<float>({3}, {0.1f, 65520.0f, -2.5f}))
               .run();
  ASSERT_EQ(h[0].dtype(), DataType::kFloat16);
  EXPECT_EQ(h[0].data<Float16>()[0].to_float(), 0.0999755859375f);
  EXPECT_TRUE(std::isinf(h[0].data<Float16>()[1].to_float()));
  EXPECT_EQ(h[0].data<Float16>()[2].to_float(), -2.5f);
  auto back = OpTest("Cast", 13).attr("to", int64_t{1}).input(h[0]).run();
  EXPECT_EQ(back[0].data<float>()[0], 0.0999755859375f);
  // float32 -> bfloat16 keeps the upper 16 bits, as ONNX's reference Cast does:
  // np.float32([0.48033667, -1.00390625]).view(np.uint32) >> 16 = [16117, 49024]
  auto bf = OpTest("Cast", 13)
                .attr("to", int64_t{16})
                .input(make<float>({2}, {0.48033667f, -1.00390625f}))
                .run();
  EXPECT_EQ(bf[0].data<BFloat16>()[0].bits, 16117);
  EXPECT_EQ(bf[0].data<BFloat16>()[1].bits, 49024);
}

TEST(CpuTensorTest, CastStrings) {
  // str(np.float32(v)) for each value
  auto s = OpTest("Cast", 13)
               .attr("to", int64_t{8})
               .input(make<float>({7}, {0.5f, 1e-5f, 123456.0f, 0.1f, 1e20f, 3.0f, -INFINITY}))
               .run();
  expect_near(s[0], strings({7}, {"0.5", "1e-05", "123456.0", "0.1", "1e+20", "3.0", "-inf"}));
  // numpy switches to scientific notation at 1e6 for float32 (and 1e3 for float16), and compares
  // the exact value with 1e-4: str(np.float32(1e-4)) = '1e-04', str(np.float32(1e6)) = '1e+06',
  // str(np.float16(0.1)) = '0.1', str(np.float16(1000)) = '1e+03'.
  expect_near(OpTest("Cast", 13)
                  .attr("to", int64_t{8})
                  .input(make<float>({3}, {1e-4f, 1e6f, 999999.0f}))
                  .run()[0],
              strings({3}, {"1e-04", "1e+06", "999999.0"}));
  std::vector<Float16> halves = {Float16(0.1f), Float16(1000.0f)};
  expect_near(OpTest("Cast", 13)
                  .attr("to", int64_t{8})
                  .input(Tensor::from_vector<Float16>(Shape{2}, halves))
                  .run()[0],
              strings({2}, {"0.1", "1e+03"}));
  auto f = OpTest("Cast", 13)
               .attr("to", int64_t{1})
               .input(strings({5}, {"3.25", "1E8", "+INF", "-inf", "NaN"}))
               .run();
  ASSERT_EQ(f[0].dtype(), DataType::kFloat32);
  EXPECT_EQ(f[0].data<float>()[0], 3.25f);
  EXPECT_EQ(f[0].data<float>()[1], 1e8f);
  EXPECT_TRUE(std::isinf(f[0].data<float>()[2]) && f[0].data<float>()[2] > 0);
  EXPECT_TRUE(std::isinf(f[0].data<float>()[3]) && f[0].data<float>()[3] < 0);
  EXPECT_TRUE(std::isnan(f[0].data<float>()[4]));
  // "100.5" to an integer truncates (the spec allows 100).
  expect_near(
      OpTest("Cast", 13).attr("to", int64_t{7}).input(strings({2}, {"100.5", "-42"})).run()[0],
      make<int64_t>({2}, {100, -42}));
  OpTest bad("Cast", 13);
  bad.attr("to", int64_t{1}).input(strings({1}, {"hello"}));
  expect_error(bad, ErrorCode::kInvalidArgument,
               "node 'test_Cast' (Cast): cannot convert string \"hello\"");
}

TEST(CpuTensorTest, CastLikeAndUnsupportedTarget) {
  auto out =
      OpTest("CastLike", 15).input(make<int32_t>({2}, {3, -4})).input(make<double>({0}, {})).run();
  expect_near(out[0], make<double>({2}, {3, -4}));
  OpTest f8("Cast", 19);
  f8.attr("to", int64_t{21}).input(make<float>({1}, {1}));  // UINT4
  expect_error(f8, ErrorCode::kNotImplemented, "element type 21");
}

}  // namespace
}  // namespace aruntime::testing
