// CPU indexing, generation and data-movement kernels (tensor_index_ops.cc, tensor_generate_ops.cc)
// against reference values. Unless a test says otherwise the expected numbers were computed with
// numpy 2.4 (/tmp/venvtest) on the same inputs; the numpy expression is quoted next to each.
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
Tensor arange(Shape shape, int64_t start = 0) {
  std::vector<int64_t> v(static_cast<size_t>(shape.num_elements()));
  std::iota(v.begin(), v.end(), start);
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

void expect_strings(const Tensor& actual, Shape shape, const std::vector<std::string>& expected) {
  ASSERT_EQ(actual.dtype(), DataType::kString);
  ASSERT_EQ(actual.shape(), shape);
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(actual.data<std::string>()[i], expected[i]) << "element " << i;
  }
}

// ---- Expand / Tile ---------------------------------------------------------------------------

TEST(CpuTensorIndexTest, ExpandBroadcastsBothWays) {
  // np.broadcast_to([[1],[2],[3]], (2,3,4))
  auto out =
      OpTest("Expand", 13).input(make<int64_t>({3, 1}, {1, 2, 3})).input(ints({2, 1, 4})).run();
  std::vector<int64_t> expected;
  for (int rep = 0; rep < 2; ++rep) {
    for (int64_t v : {1, 2, 3}) expected.insert(expected.end(), 4, v);
  }
  expect_near(out[0], make<int64_t>({2, 3, 4}, expected));
  // A requested 1 keeps the input's dim: shape [2,3] expanded to [1] stays [2,3].
  auto keep = OpTest("Expand", 8).input(arange({2, 3})).input(ints({1})).run();
  expect_near(keep[0], arange({2, 3}));
  // Strings move as objects.
  auto s = OpTest("Expand", 13).input(strings({2}, {"a", "bc"})).input(ints({2, 2})).run();
  expect_strings(s[0], {2, 2}, {"a", "bc", "a", "bc"});

  OpTest bad("Expand", 13);
  bad.input(arange({3})).input(ints({2, 4}));
  expect_error(bad, ErrorCode::kRuntimeError, "(Expand): input shape [3] cannot be broadcast");
}

TEST(CpuTensorIndexTest, TileRepeatsEachAxis) {
  // np.tile(np.arange(6).reshape(2,3), (2,2))
  auto out = OpTest("Tile", 13).input(arange({2, 3})).input(ints({2, 2})).run();
  expect_near(out[0], make<int64_t>({4, 6}, {0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5,
                                             0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5}));
  // np.tile([True, False], 3)
  auto b = OpTest("Tile", 6).input(make<bool>({2}, {true, false})).input(ints({3})).run();
  expect_near(b[0], make<bool>({6}, {true, false, true, false, true, false}));
  OpTest bad("Tile", 13);
  bad.input(arange({2, 3})).input(ints({2}));
  expect_error(bad, ErrorCode::kRuntimeError, "repeats [2] must hold 2 non-negative values");
  // 2^62 * 4 wraps int64; it must be refused, not allocated as a small tensor and overrun.
  OpTest overflow("Tile", 13);
  overflow.input(arange({4})).input(ints({int64_t{1} << 62}));
  expect_error(overflow, ErrorCode::kRuntimeError, "fit in int64");
}

// ---- GatherElements / GatherND ---------------------------------------------------------------

TEST(CpuTensorIndexTest, GatherElementsBothAxesAndNegativeIndices) {
  const Tensor data = arange({3, 4});
  // np.take_along_axis(d[:2], [[3,0,3],[1,1,2]], 1) with -1 -> 3
  auto a1 = OpTest("GatherElements", 13)
                .attr("axis", int64_t{1})
                .input(data)
                .input(make<int64_t>({2, 3}, {3, 0, -1, 1, 1, 2}))
                .run();
  expect_near(a1[0], make<int64_t>({2, 3}, {3, 0, 3, 5, 5, 6}));
  // np.take_along_axis(d, [[2,0,1,0]], 0) (-3 -> 0), int32 indices
  auto a0 =
      OpTest("GatherElements", 11).input(data).input(make<int32_t>({1, 4}, {2, 0, 1, -3})).run();
  expect_near(a0[0], make<int64_t>({1, 4}, {8, 1, 6, 3}));

  OpTest bad("GatherElements", 13);
  bad.attr("axis", int64_t{1}).input(data).input(make<int64_t>({1, 2}, {0, 4}));
  expect_error(bad, ErrorCode::kRuntimeError,
               "node 'test_GatherElements' (GatherElements): index value 4 at flat position 1 is "
               "out of range [-4, 3] for axis 1");
}

TEST(CpuTensorIndexTest, GatherNDWithBatchDimsAndSlices) {
  const Tensor data = arange({2, 3, 4});
  // batch_dims=1: np.stack([data[b][tuple(idx[b].T)] for b in range(2)])
  auto b1 = OpTest("GatherND", 13)
                .attr("batch_dims", int64_t{1})
                .input(data)
                .input(make<int64_t>({2, 2, 2}, {1, 2, 0, 3, 2, 0, 1, -1}))
                .run();
  expect_near(b1[0], make<int64_t>({2, 2}, {6, 3, 20, 19}));
  // One index per tuple picks whole [3,4] slices: np.stack([data[1], data[0]])
  auto slices = OpTest("GatherND", 11).input(data).input(make<int64_t>({2, 1}, {1, 0})).run();
  std::vector<int64_t> expected(24);
  std::iota(expected.begin(), expected.begin() + 12, 12);
  std::iota(expected.begin() + 12, expected.end(), 0);
  expect_near(slices[0], make<int64_t>({2, 3, 4}, expected));
  // Strings: [["a","b"],["c","d"]][[1,0],[0,1]] -> ["c","b"]
  auto s = OpTest("GatherND", 13)
               .input(strings({2, 2}, {"a", "b", "c", "d"}))
               .input(make<int64_t>({2, 2}, {1, 0, 0, 1}))
               .run();
  expect_strings(s[0], {2}, {"c", "b"});

  OpTest bad("GatherND", 13);
  bad.input(data).input(make<int64_t>({1, 2}, {2, 0}));
  expect_error(bad, ErrorCode::kRuntimeError, "index value 2 at flat position 0 is out of range");
}

// ---- ScatterElements / Scatter / ScatterND ---------------------------------------------------

TEST(CpuTensorIndexTest, ScatterElementsReductions) {
  const Tensor data = make<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor indices = make<int64_t>({2, 2}, {0, 0, 2, -1});
  // Duplicates accumulate in order: o[r, ix[r,c]] += up[r,c] in a Python loop.
  auto add = OpTest("ScatterElements", 16)
                 .attr("axis", int64_t{1})
                 .attr("reduction", std::string("add"))
                 .input(data)
                 .input(indices)
                 .input(make<float>({2, 2}, {10, 20, 30, 40}))
                 .run();
  expect_near(add[0], make<float>({2, 3}, {31, 2, 3, 4, 5, 76}));
  // o[r, ix[r,c]] = max(o[r, ix[r,c]], up[r,c]) in a Python loop.
  auto max = OpTest("ScatterElements", 18)
                 .attr("axis", int64_t{1})
                 .attr("reduction", std::string("max"))
                 .input(data)
                 .input(indices)
                 .input(make<float>({2, 2}, {0.5f, 7, -1, 2}))
                 .run();
  expect_near(max[0], make<float>({2, 3}, {7, 2, 3, 4, 5, 6}));
  // Opset 9 Scatter, axis 0, no reduction: o[ix0[0,c], c] = up0[0,c].
  auto plain = OpTest("Scatter", 9)
                   .input(data)
                   .input(make<int32_t>({1, 3}, {1, 0, 1}))
                   .input(make<float>({1, 3}, {7, 8, 9}))
                   .run();
  expect_near(plain[0], make<float>({2, 3}, {1, 8, 3, 7, 5, 9}));

  OpTest too_early("ScatterElements", 16);
  too_early.attr("reduction", std::string("max")).input(data).input(indices).input(data);
  expect_error(too_early, ErrorCode::kInvalidModel, "reduction 'max' is not supported at opset 16");
  OpTest out_of_range("ScatterElements", 13);
  out_of_range.input(data).input(make<int64_t>({1, 1}, {-3})).input(make<float>({1, 1}, {0}));
  expect_error(out_of_range, ErrorCode::kRuntimeError,
               "(ScatterElements): index value -3 at flat position 0 is out of range [-2, 1]");
}

TEST(CpuTensorIndexTest, ScatterNDMultiplyAndStrings) {
  // o[tuple(ind[k])] *= upd[k] for k in order, o = np.arange(1,9).reshape(2,2,2)
  auto mul = OpTest("ScatterND", 16)
                 .attr("reduction", std::string("mul"))
                 .input(arange({2, 2, 2}, 1))
                 .input(make<int64_t>({3, 2}, {0, 1, 1, 0, 0, 1}))
                 .input(make<int64_t>({3, 2}, {2, 3, 4, 5, 6, 7}))
                 .run();
  expect_near(mul[0], make<int64_t>({2, 2, 2}, {1, 2, 36, 84, 20, 30, 7, 8}));
  auto s = OpTest("ScatterND", 11)
               .input(strings({3}, {"x", "y", "z"}))
               .input(make<int64_t>({1, 1}, {-1}))
               .input(strings({1}, {"new"}))
               .run();
  expect_strings(s[0], {3}, {"x", "y", "new"});

  OpTest bad_updates("ScatterND", 13);
  bad_updates.input(arange({2, 2})).input(make<int64_t>({1, 1}, {0})).input(arange({3}));
  expect_error(bad_updates, ErrorCode::kRuntimeError, "updates int64[3] should be int64[1,2]");
  OpTest no_string_add("ScatterND", 18);
  no_string_add.attr("reduction", std::string("add"))
      .input(strings({1}, {"a"}))
      .input(make<int64_t>({1, 1}, {0}))
      .input(strings({1}, {"b"}));
  expect_error(no_string_add, ErrorCode::kNotImplemented, "not defined for element type string");
}

// ---- Compress / NonZero ----------------------------------------------------------------------

TEST(CpuTensorIndexTest, CompressWithAndWithoutAxis) {
  const Tensor x = arange({3, 4});
  // np.compress([0,1,1], x, axis=1) (condition shorter than the axis)
  auto a1 = OpTest("Compress", 11)
                .attr("axis", int64_t{-1})
                .input(x)
                .input(make<bool>({3}, {false, true, true}))
                .run();
  expect_near(a1[0], make<int64_t>({3, 2}, {1, 2, 5, 6, 9, 10}));
  // np.compress([1,0,1], x, axis=0)
  auto a0 = OpTest("Compress", 9)
                .attr("axis", int64_t{0})
                .input(x)
                .input(make<bool>({3}, {true, false, true}))
                .run();
  expect_near(a0[0], make<int64_t>({2, 4}, {0, 1, 2, 3, 8, 9, 10, 11}));
  // np.compress([0,0,1,0,0,1,1], x)
  auto flat = OpTest("Compress", 11)
                  .input(x)
                  .input(make<bool>({7}, {false, false, true, false, false, true, true}))
                  .run();
  expect_near(flat[0], make<int64_t>({3}, {2, 5, 6}));
  OpTest bad("Compress", 11);
  bad.attr("axis", int64_t{0}).input(x).input(make<bool>({4}, {false, false, false, true}));
  expect_error(bad, ErrorCode::kRuntimeError, "selects position 3 beyond the 3 entries");
}

TEST(CpuTensorIndexTest, NonZeroRowMajorCoordinates) {
  // np.array(np.nonzero([[0,1.5,0],[-2,0,0.25]]))
  auto f = OpTest("NonZero", 13).input(make<float>({2, 3}, {0, 1.5f, 0, -2, 0, 0.25f})).run();
  expect_near(f[0], make<int64_t>({2, 3}, {0, 1, 1, 1, 0, 2}));
  // Strings are non-zero when non-empty: np.nonzero(np.array(["", "a", "b"]) != "")
  auto s = OpTest("NonZero", 9).input(strings({3}, {"", "a", "b"})).run();
  expect_near(s[0], make<int64_t>({1, 2}, {1, 2}));
  auto none = OpTest("NonZero", 13).input(make<bool>({2}, {false, false})).run();
  EXPECT_EQ(none[0].shape(), (Shape{1, 0}));
}

// ---- OneHot / Range / Trilu / EyeLike / Size ---------------------------------------------------

TEST(CpuTensorIndexTest, OneHotNegativeAndOutOfRangeIndices) {
  // Reference: ind = where(ind<0, ind+depth, ind); where(expand_dims(ind, axis) ==
  // arange(depth) broadcast along axis, on, off); index 5 matches nothing.
  const Tensor indices = make<int64_t>({2, 2}, {1, -1, 5, 0});
  const Tensor values = make<int32_t>({2}, {-2, 7});
  auto last =
      OpTest("OneHot", 11).input(indices).input(Tensor::scalar<float>(3.0f)).input(values).run();
  expect_near(last[0], make<int32_t>({2, 2, 3}, {-2, 7, -2, -2, -2, 7, -2, -2, -2, 7, -2, -2}));
  auto first = OpTest("OneHot", 11)
                   .attr("axis", int64_t{0})
                   .input(indices)
                   .input(make<int64_t>({1}, {3}))
                   .input(values)
                   .run();
  expect_near(first[0], make<int32_t>({3, 2, 2}, {-2, -2, -2, 7, 7, -2, -2, -2, -2, 7, -2, -2}));
  OpTest bad("OneHot", 11);
  bad.input(indices).input(Tensor::scalar<int64_t>(0)).input(values);
  expect_error(bad, ErrorCode::kRuntimeError, "depth must be positive");
}

TEST(CpuTensorIndexTest, RangeFloatAndNegativeIntegerDelta) {
  // np.arange(1.0, 2.0, 0.3, dtype=np.float32)
  auto f = OpTest("Range", 11)
               .input(Tensor::scalar<float>(1.0f))
               .input(Tensor::scalar<float>(2.0f))
               .input(Tensor::scalar<float>(0.3f))
               .run();
  expect_near(f[0], make<float>({4}, {1.0f, 1.3f, 1.6f, 1.9f}));
  // np.arange(10, 1, -4, dtype=np.int32)
  auto i = OpTest("Range", 11)
               .input(Tensor::scalar<int32_t>(10))
               .input(Tensor::scalar<int32_t>(1))
               .input(Tensor::scalar<int32_t>(-4))
               .run();
  expect_near(i[0], make<int32_t>({3}, {10, 6, 2}));
  // np.arange(5, 1, 1) is empty
  auto empty = OpTest("Range", 11)
                   .input(Tensor::scalar<int64_t>(5))
                   .input(Tensor::scalar<int64_t>(1))
                   .input(Tensor::scalar<int64_t>(1))
                   .run();
  EXPECT_EQ(empty[0].shape(), (Shape{0}));
  OpTest zero("Range", 11);
  zero.input(Tensor::scalar<int64_t>(0))
      .input(Tensor::scalar<int64_t>(3))
      .input(Tensor::scalar<int64_t>(0));
  expect_error(zero, ErrorCode::kRuntimeError, "delta must not be 0");
}

TEST(CpuTensorIndexTest, TriluUpperAndLowerWithK) {
  const Tensor x = arange({2, 3, 4}, 1);
  // np.triu(np.arange(1,25).reshape(2,3,4), 1)
  auto upper = OpTest("Trilu", 14).input(x).input(Tensor::scalar<int64_t>(1)).run();
  expect_near(upper[0], make<int64_t>({2, 3, 4}, {0, 2,  3,  4,  0, 0, 7,  8,  0, 0, 0, 12,
                                                  0, 14, 15, 16, 0, 0, 19, 20, 0, 0, 0, 24}));
  // np.tril(..., -1)
  auto lower = OpTest("Trilu", 14)
                   .attr("upper", int64_t{0})
                   .input(x)
                   .input(Tensor::scalar<int64_t>(-1))
                   .run();
  expect_near(lower[0], make<int64_t>({2, 3, 4}, {0, 0, 0, 0, 5,  0, 0, 0, 9,  10, 0, 0,
                                                  0, 0, 0, 0, 17, 0, 0, 0, 21, 22, 0, 0}));
  // No k: main diagonal; strings zero to "".
  auto s = OpTest("Trilu", 14).input(strings({2, 2}, {"a", "b", "c", "d"})).run();
  expect_strings(s[0], {2, 2}, {"a", "b", "", "d"});
}

TEST(CpuTensorIndexTest, EyeLikeOffsetsAndDtype) {
  // np.eye(3, 4, k=1, dtype=np.int32)
  auto a = OpTest("EyeLike", 9)
               .attr("k", int64_t{1})
               .attr("dtype", int64_t{6})  // TensorProto.INT32
               .input(make<float>({3, 4}, std::vector<float>(12, 5.0f)))
               .outputs({DataType::kInt32})
               .run();
  expect_near(a[0], make<int32_t>({3, 4}, {0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}));
  // np.eye(3, 2, k=-1), input type kept
  auto b = OpTest("EyeLike", 22)
               .attr("k", int64_t{-1})
               .input(make<double>({3, 2}, {1, 2, 3, 4, 5, 6}))
               .run();
  expect_near(b[0], make<double>({3, 2}, {0, 0, 1, 0, 0, 1}));
}

TEST(CpuTensorIndexTest, SizeCountsElements) {
  auto out = OpTest("Size", 13).input(strings({2, 3}, {"", "", "", "", "", ""})).run();
  EXPECT_EQ(out[0].shape(), Shape{});
  EXPECT_EQ(out[0].data<int64_t>()[0], 6);
  EXPECT_EQ(OpTest("Size", 1).input(arange({0, 4})).run()[0].data<int64_t>()[0], 0);
}

// ---- DepthToSpace / SpaceToDepth -------------------------------------------------------------

TEST(CpuTensorIndexTest, DepthToSpaceModesAndSpaceToDepth) {
  const Tensor x = arange({1, 8, 1, 2});
  // DCR: x.reshape(1,2,2,2,1,2).transpose(0,3,4,1,5,2).reshape(1,2,2,4)
  auto dcr = OpTest("DepthToSpace", 13).attr("blocksize", int64_t{2}).input(x).run();
  expect_near(dcr[0],
              make<int64_t>({1, 2, 2, 4}, {0, 4, 1, 5, 8, 12, 9, 13, 2, 6, 3, 7, 10, 14, 11, 15}));
  // CRD: x.reshape(1,2,2,2,1,2).transpose(0,1,4,2,5,3).reshape(1,2,2,4)
  auto crd = OpTest("DepthToSpace", 11)
                 .attr("blocksize", int64_t{2})
                 .attr("mode", std::string("CRD"))
                 .input(x)
                 .run();
  expect_near(crd[0],
              make<int64_t>({1, 2, 2, 4}, {0, 2, 1, 3, 4, 6, 5, 7, 8, 10, 9, 11, 12, 14, 13, 15}));
  // np.arange(32).reshape(1,2,2,2,2,2).transpose(0,3,5,1,2,4).reshape(1,8,2,2)
  auto s2d =
      OpTest("SpaceToDepth", 13).attr("blocksize", int64_t{2}).input(arange({1, 2, 4, 4})).run();
  expect_near(s2d[0], make<int64_t>({1, 8, 2, 2},
                                    {0, 2, 8,  10, 16, 18, 24, 26, 1, 3, 9,  11, 17, 19, 25, 27,
                                     4, 6, 12, 14, 20, 22, 28, 30, 5, 7, 13, 15, 21, 23, 29, 31}));
  OpTest bad("DepthToSpace", 13);
  bad.attr("blocksize", int64_t{2}).input(arange({1, 6, 1, 1}));
  expect_error(bad, ErrorCode::kRuntimeError,
               "channels 6 of input shape [1,6,1,1] are not divisible");
}

// ---- CumSum / TopK ---------------------------------------------------------------------------

TEST(CpuTensorIndexTest, CumSumExclusiveReverse) {
  const Tensor x = make<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  // np.flip(np.cumsum(np.flip(x, 1), 1), 1) - x
  auto er = OpTest("CumSum", 14)
                .attr("exclusive", int64_t{1})
                .attr("reverse", int64_t{1})
                .input(x)
                .input(Tensor::scalar<int32_t>(-1))
                .run();
  expect_near(er[0], make<float>({2, 3}, {5, 3, 0, 11, 6, 0}));
  // np.cumsum(x, 0) on int64
  auto plain = OpTest("CumSum", 11).input(arange({2, 3}, 1)).input(make<int64_t>({1}, {0})).run();
  expect_near(plain[0], make<int64_t>({2, 3}, {1, 2, 3, 5, 7, 9}));
}

TEST(CpuTensorIndexTest, TopKTiesPreferLowerIndex) {
  const Tensor x = make<float>({2, 4}, {3, 1, 3, 2, 0, 5, 5, 5});
  // Reference: idx = np.argsort(-x, axis=1, kind='stable')[:, :2] (stable sort keeps ties in
  // index order), values = np.take_along_axis(x, idx, 1).
  auto largest = OpTest("TopK", 11)
                     .input(x)
                     .input(ints({2}))
                     .outputs({DataType::kFloat32, DataType::kInt64})
                     .run();
  expect_near(largest[0], make<float>({2, 2}, {3, 3, 5, 5}));
  expect_near(largest[1], make<int64_t>({2, 2}, {0, 2, 1, 2}));
  // np.argsort(x, axis=1, kind='stable')[:, :3]
  auto smallest = OpTest("TopK", 11)
                      .attr("largest", int64_t{0})
                      .input(x)
                      .input(ints({3}))
                      .outputs({DataType::kFloat32, DataType::kInt64})
                      .run();
  expect_near(smallest[0], make<float>({2, 3}, {1, 2, 3, 0, 5, 5}));
  expect_near(smallest[1], make<int64_t>({2, 3}, {1, 3, 0, 0, 1, 2}));
  // Axis 0 of uint8 data: np.argsort(-u.astype(int), axis=0, kind='stable')[:2]
  auto u = OpTest("TopK", 11)
               .attr("axis", int64_t{0})
               .input(make<uint8_t>({3, 2}, {4, 9, 7, 9, 1, 2}))
               .input(ints({2}))
               .outputs({DataType::kUInt8, DataType::kInt64})
               .run();
  expect_near(u[0], make<uint8_t>({2, 2}, {7, 9, 4, 9}));
  expect_near(u[1], make<int64_t>({2, 2}, {1, 0, 0, 1}));
  // Opset 1: k is an attribute.
  auto v1 = OpTest("TopK", 9)
                .attr("k", int64_t{1})
                .input(x)
                .outputs({DataType::kFloat32, DataType::kInt64})
                .run();
  expect_near(v1[0], make<float>({2, 1}, {3, 5}));
  expect_near(v1[1], make<int64_t>({2, 1}, {0, 1}));

  OpTest bad("TopK", 11);
  bad.input(x).input(ints({5})).outputs({DataType::kFloat32, DataType::kInt64});
  expect_error(bad, ErrorCode::kRuntimeError, "k = 5 is out of range [0, 4]");
}

// ---- Hardmax / LogSoftmax --------------------------------------------------------------------

TEST(CpuTensorIndexTest, HardmaxSingleAxisVersusCoerced2D) {
  const Tensor x = make<float>({2, 2, 3}, {1, 3, 3, 2, 0, 1, 0, 0, 0, 5, 4, 6});
  // Opset 13 along axis 1: one-hot of np.argmax(x, axis=1) (first maximum wins ties).
  auto v13 = OpTest("Hardmax", 13).attr("axis", int64_t{1}).input(x).run();
  expect_near(v13[0], make<float>({2, 2, 3}, {0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1}));
  // Opset 11 axis 1: the same on x.reshape(2, 6).
  auto v11 = OpTest("Hardmax", 11).attr("axis", int64_t{1}).input(x).run();
  expect_near(v11[0], make<float>({2, 2, 3}, {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
}

TEST(CpuTensorIndexTest, LogSoftmaxSingleAxisVersusCoerced2D) {
  const Tensor x = make<double>({2, 2, 3}, {1, 3, 3, 2, 0, 1, 0, 0, 0, 5, 4, 6});
  // a - m - np.log(np.exp(a - m).sum(axis, keepdims=True)), m = a.max(axis, keepdims=True), in
  // float64 along axis 1 (opset 13) and on x.reshape(2, 6) (opset 11).
  auto v13 = OpTest("LogSoftmax", 13).attr("axis", int64_t{1}).input(x).run();
  expect_near(
      v13[0],
      make<double>({2, 2, 3}, {-1.3132616875182228, -0.04858735157374196, -0.1269280110429726,
                               -0.31326168751822286, -3.048587351573742, -2.1269280110429727,
                               -5.006715348489118, -4.0181499279178094, -6.00247568513773,
                               -0.006715348489117967, -0.01814992791780978, -0.002475685137730357}),
      1e-12, 1e-12);
  auto v11 = OpTest("LogSoftmax", 11).attr("axis", int64_t{1}).input(x).run();
  expect_near(
      v11[0],
      make<double>({2, 2, 3}, {-2.9889228151012235, -0.9889228151012237, -0.9889228151012237,
                               -1.9889228151012237, -3.9889228151012235, -2.9889228151012235,
                               -6.412540671128245, -6.412540671128245, -6.412540671128245,
                               -1.412540671128245, -2.412540671128245, -0.41254067112824505}),
      1e-12, 1e-12);
  // Large inputs stay finite: [0, -1e10, -2e10] for [1e10, 0, -1e10].
  auto large = OpTest("LogSoftmax", 13).input(make<float>({1, 3}, {1e10f, 0, -1e10f})).run();
  expect_near(large[0], make<float>({1, 3}, {0, -1e10f, -2e10f}));
}

// ---- ReverseSequence / Unique ----------------------------------------------------------------

TEST(CpuTensorIndexTest, ReverseSequenceBothAxisOrders) {
  // batch_axis=0, time_axis=1: o[b, :lens[b]] = x[b, :lens[b]][::-1], x =
  // np.arange(12).reshape(3,4)
  auto b0 = OpTest("ReverseSequence", 10)
                .attr("batch_axis", int64_t{0})
                .attr("time_axis", int64_t{1})
                .input(arange({3, 4}))
                .input(ints({4, 1, 2}))
                .run();
  expect_near(b0[0], make<int64_t>({3, 4}, {3, 2, 1, 0, 4, 5, 6, 7, 9, 8, 10, 11}));
  // Defaults (time 0, batch 1): o[:lens[b], b] = x[:lens[b], b][::-1], x =
  // np.arange(12).reshape(4,3)
  auto t0 = OpTest("ReverseSequence", 10).input(arange({4, 3})).input(ints({1, 3, 4})).run();
  expect_near(t0[0], make<int64_t>({4, 3}, {0, 7, 11, 3, 4, 8, 6, 1, 5, 9, 10, 2}));
  OpTest bad("ReverseSequence", 10);
  bad.input(arange({4, 3})).input(ints({1, 5, 4}));
  expect_error(bad, ErrorCode::kRuntimeError, "sequence_lens[1] = 5 is out of range [0, 4]");
}

TEST(CpuTensorIndexTest, UniqueSortedUnsortedAndAlongAxis) {
  const std::vector<DataType> out_types = {DataType::kFloat32, DataType::kInt64, DataType::kInt64,
                                           DataType::kInt64};
  const Tensor x = make<float>({6}, {2, 1, 1, 3, 4, 3});
  // np.unique(x, return_index=True, return_inverse=True, return_counts=True)
  auto sorted = OpTest("Unique", 11).input(x).outputs(out_types).run();
  expect_near(sorted[0], make<float>({4}, {1, 2, 3, 4}));
  expect_near(sorted[1], ints({1, 0, 3, 4}));
  expect_near(sorted[2], ints({1, 0, 0, 2, 3, 2}));
  expect_near(sorted[3], ints({2, 1, 2, 1}));
  // sorted=0 keeps first-occurrence order; the values are the ONNX spec's own example.
  auto unsorted = OpTest("Unique", 11).attr("sorted", int64_t{0}).input(x).outputs(out_types).run();
  expect_near(unsorted[0], make<float>({4}, {2, 1, 3, 4}));
  expect_near(unsorted[1], ints({0, 1, 3, 4}));
  expect_near(unsorted[2], ints({0, 1, 1, 2, 3, 2}));
  expect_near(unsorted[3], ints({1, 2, 2, 1}));
  // np.unique([[1,0,1,0],[2,3,2,1]], axis=1, return_index=..., return_inverse=...,
  // return_counts=...)
  const std::vector<DataType> int_types = {DataType::kInt64, DataType::kInt64, DataType::kInt64,
                                           DataType::kInt64};
  auto cols = OpTest("Unique", 11)
                  .attr("axis", int64_t{1})
                  .input(make<int64_t>({2, 4}, {1, 0, 1, 0, 2, 3, 2, 1}))
                  .outputs(int_types)
                  .run();
  expect_near(cols[0], make<int64_t>({2, 3}, {0, 0, 1, 1, 3, 2}));
  expect_near(cols[1], ints({3, 1, 0}));
  expect_near(cols[2], ints({2, 1, 2, 0}));
  expect_near(cols[3], ints({1, 1, 2}));
  // np.unique(["b","a","b","c"], ...) with only Y and inverse_indices requested
  auto s = OpTest("Unique", 11)
               .input(strings({4}, {"b", "a", "b", "c"}))
               .outputs({DataType::kString, DataType::kInt64, DataType::kInt64})
               .run();
  expect_strings(s[0], {3}, {"a", "b", "c"});
  expect_near(s[2], ints({1, 0, 1, 2}));
}

}  // namespace
}  // namespace aruntime::testing
