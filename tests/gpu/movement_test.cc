// Tests of the GPU data-movement family (providers/gpu/ops/movement_ops.cc): the views (Reshape,
// Flatten, Squeeze, Unsqueeze, Identity, inference Dropout), Transpose, Concat, Split, Slice,
// Gather, GatherElements, Expand, Tile, Pad, Resize, DepthToSpace and SpaceToDepth.
//
// Each op runs against the CPU provider (itself tested against numpy/onnxruntime) in float32,
// float16 and integer types of 8 and 1 bytes, so that every element width of the device code is
// covered (bfloat16 and bool too where they take a path of their own: linear Resize, Transpose);
// ranks 1 to 5, odd sizes, negative axes, reversed slices, identity permutations and the shapes
// that take the tiled transpose. Pure movement must be bit-exact, so those comparisons have zero
// tolerance. A few cases carry values derived by hand or with onnx.reference (each says so), and
// the declines are checked. Shape-like inputs (Reshape's shape, Slice's starts, Pad's pads,
// Resize's scales...) are tested both as initializers and fed as graph inputs, which the kernels
// read on the host every run, down to a shape computed by CPU nodes in a dynamic-batch model. All
// need a CUDA device and are skipped without one.
//
// Nodes whose inputs and outputs are all integers are declined by the provider as shape
// computations unless the user pins them to the GPU: every GPU run here pins its node, so the
// integer cases test the kernels rather than that rule.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <climits>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "graph/tensor_proto.h"
#include "tests/gpu/gpu_test_util.h"

namespace aruntime::gpu_testing {
namespace {

// float32 and float16 plus an 8-byte and a 1-byte integer: the four element widths the device
// code is instantiated for.
const DataType kMoveTypes[] = {DataType::kFloat32, DataType::kFloat16, DataType::kInt64,
                               DataType::kUInt8};

Tensor floats(const Shape& shape, const std::vector<float>& v) {
  return Tensor::from_vector<float>(shape, v);
}
Tensor ints(const Shape& shape, const std::vector<int64_t>& v) {
  return Tensor::from_vector<int64_t>(shape, v);
}
Tensor ints32(const Shape& shape, const std::vector<int32_t>& v) {
  return Tensor::from_vector<int32_t>(shape, v);
}
Tensor ints(const std::vector<int64_t>& v) {
  return ints(Shape{static_cast<int64_t>(v.size())}, v);
}

// Random data of any movement type (integers in [0, 100], so that uint8 holds them too).
Tensor data(DataType dtype, const Shape& shape, uint32_t seed) {
  if (dtype == DataType::kFloat32 || dtype == DataType::kFloat16 || dtype == DataType::kBFloat16) {
    return random_tensor(dtype, shape, seed, -1, 1);
  }
  return random_tensor(dtype, shape, seed, 0, 100);
}

std::string name_of(DataType dtype) {
  return std::string(data_type_name(dtype));
}

// A GpuOpCase whose GPU runs pin the node to the GPU (see the file comment).
class MoveCase {
 public:
  explicit MoveCase(std::string op_type, int64_t opset = 17) : case_(std::move(op_type), opset) {}

  template <typename V>
  MoveCase& attr(const std::string& name, const V& v) {
    case_.attr(name, v);
    return *this;
  }
  MoveCase& attr(const std::string& name, std::initializer_list<int64_t> v) {
    case_.attr(name, std::vector<int64_t>(v));
    return *this;
  }
  MoveCase& input(const Tensor& t, bool constant = false) {
    if (!constant) feeds_["in" + std::to_string(count_)] = t;
    ++count_;
    case_.input(t, constant);
    return *this;
  }
  MoveCase& omitted_input() {
    ++count_;
    case_.omitted_input();
    return *this;
  }
  MoveCase& outputs(size_t n) {
    case_.outputs(n);
    return *this;
  }

  // The node pinned to "gpu" (ADD_FAILURE unless it runs there); host tensors back.
  std::vector<Tensor> run_on_gpu() const {
    SessionOptions options;
    options.providers = {"gpu", "cpu"};
    options.optimization.level = 0;
    options.placement.min_flops_per_copied_byte = 0;
    options.placement.min_device_group_nodes = 1;
    options.placement.keep_shape_computations_on_host = false;
    options.placement.assignments[case_.node_name()] = "gpu";
    Session session(Environment(), case_.model_bytes(), case_.node_name() + ".onnx", "", options);
    bool found = false;
    for (const NodePlacement& p : session.placement()) {
      if (p.node_name != case_.node_name()) continue;
      found = true;
      EXPECT_EQ(p.provider, "gpu") << case_.node_name() << " was not placed on the GPU";
    }
    EXPECT_TRUE(found) << case_.node_name() << " is not in the session's placement";
    return session.run(feeds_);
  }
  std::vector<Tensor> run_on_cpu() const { return case_.run_on_cpu(); }
  // Exact by default: moved elements keep their bits.
  void expect_gpu_matches_cpu(double rtol = 0, double atol = 0) const {
    const std::vector<Tensor> expected = run_on_cpu();
    const std::vector<Tensor> got = run_on_gpu();
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
      SCOPED_TRACE(case_.node_name() + " output " + std::to_string(i));
      expect_near(got[i], expected[i], rtol, atol);
    }
  }
  // Without pinning: the reason the provider gives at partition time.
  std::string gpu_decline_reason() const { return case_.gpu_decline_reason(); }

 private:
  GpuOpCase case_;
  std::map<std::string, Tensor> feeds_;
  size_t count_ = 0;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// ---- Views
// ---------------------------------------------------------------------------------------

TEST(GpuMovement, ReshapeFlattenSqueezeUnsqueezeIdentity) {
  ARUNTIME_REQUIRE_GPU();
  for (DataType dtype : kMoveTypes) {
    SCOPED_TRACE(name_of(dtype));
    const Tensor x = data(dtype, {2, 3, 1, 5}, 1);
    // 0 copies the input dim, -1 is inferred.
    MoveCase("Reshape", 14).input(x).input(ints({0, -1, 5}), true).expect_gpu_matches_cpu();
    MoveCase("Reshape", 14)
        .attr("allowzero", int64_t{1})
        .input(data(dtype, {0, 4}, 2))
        .input(ints({4, 0}), true)
        .expect_gpu_matches_cpu();
    MoveCase("Flatten", 13).attr("axis", int64_t{-2}).input(x).expect_gpu_matches_cpu();
    MoveCase("Flatten", 13).attr("axis", int64_t{0}).input(x).expect_gpu_matches_cpu();
    MoveCase("Squeeze", 13).input(x).input(ints({-2}), true).expect_gpu_matches_cpu();
    MoveCase("Squeeze", 13).input(data(dtype, {1, 7, 1}, 3)).expect_gpu_matches_cpu();
    MoveCase("Squeeze", 11)
        .attr("axes", {0})
        .input(data(dtype, {1, 7}, 4))
        .expect_gpu_matches_cpu();
    MoveCase("Unsqueeze", 13).input(x).input(ints({0, -1}), true).expect_gpu_matches_cpu();
    MoveCase("Unsqueeze", 11).attr("axes", {1}).input(data(dtype, {7}, 5)).expect_gpu_matches_cpu();
    MoveCase("Identity", 16).input(data(dtype, {1000003}, 6)).expect_gpu_matches_cpu();
  }
}

TEST(GpuMovement, ReshapeKeepsValuesInOrder) {
  ARUNTIME_REQUIRE_GPU();
  // Hand-derived: a reshape keeps the row-major order of the elements.
  const std::vector<Tensor> out = MoveCase("Reshape", 14)
                                      .input(floats({2, 3}, {1, 2, 3, 4, 5, 6}))
                                      .input(ints({3, -1}), true)
                                      .run_on_gpu();
  ASSERT_EQ(out.size(), 1u);
  expect_near(out[0], floats({3, 2}, {1, 2, 3, 4, 5, 6}), 0, 0);
}

TEST(GpuMovement, InferenceDropoutIsIdentityWithAOnesMask) {
  ARUNTIME_REQUIRE_GPU();
  for (DataType dtype : {DataType::kFloat32, DataType::kFloat16}) {
    SCOPED_TRACE(name_of(dtype));
    const Tensor x = data(dtype, {3, 7}, 7);
    // Opset 12: training_mode a constant false; the mask is bool.
    MoveCase("Dropout", 13)
        .input(x)
        .input(floats({}, {0.5f}), true)
        .input(Tensor::scalar<bool>(false), true)
        .outputs(2)
        .expect_gpu_matches_cpu();
    // Opset 7: inference always; the mask has X's type.
    MoveCase("Dropout", 7).input(x).outputs(2).expect_gpu_matches_cpu();
    MoveCase("Dropout", 13).input(x).expect_gpu_matches_cpu();
  }
  // Hand-derived: Y = X and the mask is all true.
  const std::vector<Tensor> out =
      MoveCase("Dropout", 13).input(floats({3}, {1, -2, 3})).outputs(2).run_on_gpu();
  ASSERT_EQ(out.size(), 2u);
  expect_near(out[0], floats({3}, {1, -2, 3}), 0, 0);
  expect_near(out[1], Tensor::from_vector<bool>({3}, {true, true, true}), 0, 0);
}

// ---- Transpose
// -----------------------------------------------------------------------------------

TEST(GpuMovement, TransposeRanksOneToFive) {
  ARUNTIME_REQUIRE_GPU();
  struct Case {
    Shape shape;
    std::vector<int64_t> perm;  // empty: the default reversal
  };
  const Case cases[] = {
      {{7}, {0}},
      {{5, 3}, {}},
      {{5, 3}, {0, 1}},  // identity
      {{3, 1, 7}, {2, 1, 0}},
      {{2, 3, 5}, {1, 0, 2}},
      {{2, 3, 5, 7}, {0, 2, 3, 1}},  // NCHW -> NHWC
      {{2, 5, 7, 3}, {0, 3, 1, 2}},  // NHWC -> NCHW
      {{2, 3, 4, 5, 3}, {4, 2, 0, 3, 1}},
      {{2, 3, 4, 5, 3}, {}},
      {{1, 3, 1, 5, 1}, {2, 0, 4, 1, 3}},  // only unit dims move: no data moves
  };
  uint32_t seed = 10;
  for (DataType dtype : kMoveTypes) {
    for (const Case& c : cases) {
      SCOPED_TRACE(name_of(dtype) + " " + c.shape.to_string());
      MoveCase t("Transpose", 13);
      if (!c.perm.empty()) t.attr("perm", c.perm);
      t.input(data(dtype, c.shape, seed++)).expect_gpu_matches_cpu();
    }
  }
}

TEST(GpuMovement, TransposeTiledPaths) {
  ARUNTIME_REQUIRE_GPU();
  // Shapes whose last-two-dims swap runs in 32x32 tiles, with partial tiles at both edges, a
  // batch of them, and NCHW <-> NHWC of a real feature map.
  struct Case {
    Shape shape;
    std::vector<int64_t> perm;
  };
  const Case cases[] = {
      {{67, 45}, {1, 0}},
      {{3, 67, 45}, {0, 2, 1}},
      {{2, 64, 33, 17}, {0, 2, 3, 1}},
      {{2, 33, 17, 64}, {0, 3, 1, 2}},
      {{4, 9, 129, 8}, {0, 2, 1, 3}},  // innermost dim kept: the plain strided kernel
      {{257, 1031}, {1, 0}},
  };
  uint32_t seed = 40;
  for (DataType dtype : {DataType::kFloat32, DataType::kFloat16, DataType::kBFloat16,
                         DataType::kInt64, DataType::kUInt8, DataType::kBool}) {
    for (const Case& c : cases) {
      SCOPED_TRACE(name_of(dtype) + " " + c.shape.to_string());
      MoveCase("Transpose", 13)
          .attr("perm", c.perm)
          .input(data(dtype, c.shape, seed++))
          .expect_gpu_matches_cpu();
    }
  }
}

TEST(GpuMovement, TransposeHandValues) {
  ARUNTIME_REQUIRE_GPU();
  // Hand-derived: out[j][i] = in[i][j].
  const std::vector<Tensor> out =
      MoveCase("Transpose", 13).input(floats({2, 3}, {1, 2, 3, 4, 5, 6})).run_on_gpu();
  ASSERT_EQ(out.size(), 1u);
  expect_near(out[0], floats({3, 2}, {1, 4, 2, 5, 3, 6}), 0, 0);
}

// ---- Concat / Split
// ------------------------------------------------------------------------------

TEST(GpuMovement, ConcatAlongEachAxis) {
  ARUNTIME_REQUIRE_GPU();
  const Shape base = {2, 3, 5, 4};
  uint32_t seed = 60;
  for (DataType dtype : kMoveTypes) {
    for (int64_t rank = 1; rank <= 4; ++rank) {
      for (int64_t axis = -rank; axis < rank; ++axis) {
        SCOPED_TRACE(name_of(dtype) + " rank " + std::to_string(rank) + " axis " +
                     std::to_string(axis));
        const int64_t a = axis < 0 ? axis + rank : axis;
        MoveCase c("Concat", 13);
        c.attr("axis", axis);
        // Three inputs of 1, 3 and 0 elements along the axis, plus the base shape's size.
        for (int64_t along : {int64_t{1}, int64_t{3}, int64_t{0}, base[3 - (rank - 1) + a]}) {
          std::vector<int64_t> dims(base.dims().end() - rank, base.dims().end());
          dims[a] = along;
          c.input(data(dtype, Shape(dims), seed++));
        }
        c.expect_gpu_matches_cpu();
      }
    }
  }
  // Large inputs: the grid-stride loops and the whole-buffer copy.
  MoveCase("Concat", 13)
      .attr("axis", int64_t{0})
      .input(data(DataType::kFloat32, {1000003}, 70))
      .input(data(DataType::kFloat32, {7}, 71))
      .expect_gpu_matches_cpu();
  // A constant input joins a fed one.
  MoveCase("Concat", 13)
      .attr("axis", int64_t{1})
      .input(data(DataType::kFloat16, {3, 2}, 72))
      .input(data(DataType::kFloat16, {3, 5}, 73), true)
      .expect_gpu_matches_cpu();
}

TEST(GpuMovement, SplitSizesAndOpsets) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 80;
  for (DataType dtype : kMoveTypes) {
    SCOPED_TRACE(name_of(dtype));
    const Tensor x = data(dtype, {4, 9, 5}, seed++);
    // Sizes as a constant input (13+), along a negative axis.
    MoveCase("Split", 13)
        .attr("axis", int64_t{-2})
        .input(x)
        .input(ints({2, 0, 7}), true)
        .outputs(3)
        .expect_gpu_matches_cpu();
    // Even split.
    MoveCase("Split", 13).attr("axis", int64_t{1}).input(x).outputs(3).expect_gpu_matches_cpu();
    // Sizes as the attribute (before 13).
    MoveCase("Split", 11)
        .attr("axis", int64_t{2})
        .attr("split", {1, 4})
        .input(x)
        .outputs(2)
        .expect_gpu_matches_cpu();
    // num_outputs (18): ceil(9 / 4) = 3, 3, 3, and a last part of 0.
    MoveCase("Split", 18)
        .attr("axis", int64_t{1})
        .attr("num_outputs", int64_t{4})
        .input(x)
        .outputs(4)
        .expect_gpu_matches_cpu();
    MoveCase("Split", 18)
        .attr("axis", int64_t{0})
        .attr("num_outputs", int64_t{3})
        .input(x)
        .outputs(3)
        .expect_gpu_matches_cpu();
    // Rank 1 and rank 5.
    MoveCase("Split", 13)
        .input(data(dtype, {7}, seed++))
        .input(ints({3, 4}), true)
        .outputs(2)
        .expect_gpu_matches_cpu();
    MoveCase("Split", 13)
        .attr("axis", int64_t{3})
        .input(data(dtype, {2, 1, 3, 6, 2}, seed++))
        .outputs(2)
        .expect_gpu_matches_cpu();
  }
}

// ---- Slice
// ---------------------------------------------------------------------------------------

TEST(GpuMovement, SliceStepsAxesAndClamping) {
  ARUNTIME_REQUIRE_GPU();
  struct Case {
    Shape shape;
    std::vector<int64_t> starts, ends, axes, steps;  // axes/steps empty: omitted
  };
  const Case cases[] = {
      {{10}, {1}, {8}, {}, {}},
      {{10}, {-1}, {-11}, {0}, {-3}},   // reversed to the front
      {{10}, {100}, {-100}, {}, {-1}},  // clamped, whole axis reversed
      {{7, 9}, {1, -2}, {6, 0}, {0, 1}, {2, -3}},
      {{7, 9}, {3}, {3}, {1}, {1}},  // empty
      {{3, 4, 5}, {0, 4}, {INT64_MAX, 0}, {-1, -2}, {2, -1}},
      {{2, 3, 4, 5}, {1, 1}, {-1, 5}, {3, 1}, {1, 1}},
      {{2, 3, 4, 5, 6}, {5, 0, 1}, {-7, 2, 100}, {4, 0, 2}, {-2, 1, 2}},
  };
  uint32_t seed = 100;
  for (DataType dtype : kMoveTypes) {
    for (const Case& c : cases) {
      SCOPED_TRACE(name_of(dtype) + " " + c.shape.to_string());
      MoveCase s("Slice", 13);
      s.input(data(dtype, c.shape, seed++)).input(ints(c.starts), true).input(ints(c.ends), true);
      if (!c.axes.empty()) {
        s.input(ints(c.axes), true);
      } else if (!c.steps.empty()) {
        s.omitted_input();
      }
      if (!c.steps.empty()) s.input(ints(c.steps), true);
      s.expect_gpu_matches_cpu();
    }
  }
  // int32 starts/ends; opset 9 attributes.
  MoveCase("Slice", 13)
      .input(data(DataType::kFloat32, {5, 6}, 120))
      .input(ints32({2}, {1, -1}), true)
      .input(ints32({2}, {4, -6}), true)
      .input(ints32({2}, {0, 1}), true)
      .input(ints32({2}, {1, -2}), true)
      .expect_gpu_matches_cpu();
  MoveCase("Slice", 9)
      .attr("starts", {1, 0})
      .attr("ends", {3, -1})
      .input(data(DataType::kFloat16, {4, 5}, 121))
      .expect_gpu_matches_cpu();
}

TEST(GpuMovement, SliceHandValues) {
  ARUNTIME_REQUIRE_GPU();
  // Hand-derived: x = 0..9, start -1 (= 9), end -11 (clamped to before the front), step -3
  // visits 9, 6, 3, 0.
  const std::vector<Tensor> out = MoveCase("Slice", 13)
                                      .input(floats({10}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}))
                                      .input(ints({-1}), true)
                                      .input(ints({-11}), true)
                                      .input(ints({0}), true)
                                      .input(ints({-3}), true)
                                      .run_on_gpu();
  ASSERT_EQ(out.size(), 1u);
  expect_near(out[0], floats({4}, {9, 6, 3, 0}), 0, 0);
}

// ---- Gather / GatherElements
// ---------------------------------------------------------------------

TEST(GpuMovement, GatherAxesAndIndexTypes) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 130;
  for (DataType dtype : kMoveTypes) {
    SCOPED_TRACE(name_of(dtype));
    const Tensor x = data(dtype, {5, 4, 3}, seed++);
    for (int64_t axis : {0, 1, -1, -3}) {
      SCOPED_TRACE("axis " + std::to_string(axis));
      // Negative indices count from the end; fed (device) and constant (validated) indices.
      MoveCase("Gather", 13)
          .attr("axis", axis)
          .input(x)
          .input(ints({2, 3}, {0, -1, 2, 1, -2, 2}))
          .expect_gpu_matches_cpu();
      MoveCase("Gather", 13)
          .attr("axis", axis)
          .input(x)
          .input(ints32({4}, {-3, 0, 2, 1}), true)
          .expect_gpu_matches_cpu();
      // A scalar index drops the axis.
      MoveCase("Gather", 13)
          .attr("axis", axis)
          .input(x)
          .input(Tensor::scalar<int64_t>(-1))
          .expect_gpu_matches_cpu();
    }
    // Rank 1 data and rank 5 data.
    MoveCase("Gather", 13)
        .input(data(dtype, {9}, seed++))
        .input(ints32({3}, {8, -9, 4}))
        .expect_gpu_matches_cpu();
    MoveCase("Gather", 13)
        .attr("axis", int64_t{2})
        .input(data(dtype, {2, 3, 5, 2, 3}, seed++))
        .input(ints({2}, {4, -5}))
        .expect_gpu_matches_cpu();
  }
  // An embedding lookup with long rows.
  MoveCase("Gather", 13)
      .input(data(DataType::kFloat16, {1000, 1031}, 140), true)
      .input(random_tensor(DataType::kInt64, {7, 13}, 141, 0, 999))
      .expect_gpu_matches_cpu();
}

TEST(GpuMovement, GatherHandValuesAndOutOfRangeIndices) {
  ARUNTIME_REQUIRE_GPU();
  const Tensor x = floats({3, 2}, {1, 2, 3, 4, 5, 6});
  // Hand-derived: rows 2 and -3 (= 0).
  std::vector<Tensor> out = MoveCase("Gather", 13).input(x).input(ints({2, -3})).run_on_gpu();
  ASSERT_EQ(out.size(), 1u);
  expect_near(out[0], floats({2, 2}, {5, 6, 1, 2}), 0, 0);

  // Indices computed at run time stay on the device and are not validated: an index outside
  // [-3, 3) is never read and its row is zeros (the documented GPU behaviour; the CPU throws).
  out = MoveCase("Gather", 13).input(x).input(ints({1, 7, -4})).run_on_gpu();
  ASSERT_EQ(out.size(), 1u);
  expect_near(out[0], floats({3, 2}, {3, 4, 0, 0, 0, 0}), 0, 0);

  // Constant indices are validated on the host with the CPU kernel's error.
  MoveCase bad("Gather", 13);
  bad.input(x).input(ints({1, 3}), true);
  try {
    bad.run_on_gpu();
    ADD_FAILURE() << "an out-of-range constant index was accepted";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "index 3 (flat position 1")) << e.what();
  }
}

TEST(GpuMovement, GatherElementsAxes) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 150;
  for (DataType dtype : kMoveTypes) {
    SCOPED_TRACE(name_of(dtype));
    const Tensor x = data(dtype, {4, 5, 3}, seed++);
    for (int64_t axis : {0, 1, -1}) {
      SCOPED_TRACE("axis " + std::to_string(axis));
      const int64_t dim = x.shape()[axis < 0 ? axis + 3 : axis];
      // Indices smaller than the data outside the axis, longer along it; negatives included.
      Shape shape = {3, 4, 2};
      shape[axis < 0 ? axis + 3 : axis] = 6;
      MoveCase("GatherElements", 13)
          .attr("axis", axis)
          .input(x)
          .input(random_tensor(DataType::kInt64, shape, seed++, static_cast<float>(-dim),
                               static_cast<float>(dim - 1)))
          .expect_gpu_matches_cpu();
      MoveCase("GatherElements", 13)
          .attr("axis", axis)
          .input(x)
          .input(random_tensor(DataType::kInt32, shape, seed++, 0, static_cast<float>(dim - 1)),
                 true)
          .expect_gpu_matches_cpu();
    }
  }
  // Hand-derived (the ONNX spec's example): data [[1,2],[3,4]], indices [[0,0],[1,0]], axis 1
  // -> [[1,1],[4,3]].
  const std::vector<Tensor> out = MoveCase("GatherElements", 13)
                                      .attr("axis", int64_t{1})
                                      .input(floats({2, 2}, {1, 2, 3, 4}))
                                      .input(ints({2, 2}, {0, 0, 1, 0}))
                                      .run_on_gpu();
  ASSERT_EQ(out.size(), 1u);
  expect_near(out[0], floats({2, 2}, {1, 1, 4, 3}), 0, 0);
}

// ---- Expand / Tile / DepthToSpace / SpaceToDepth
// -------------------------------------------------

TEST(GpuMovement, ExpandAndTile) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 170;
  for (DataType dtype : kMoveTypes) {
    SCOPED_TRACE(name_of(dtype));
    MoveCase("Expand", 13)
        .input(data(dtype, {3, 1}, seed++))
        .input(ints({2, 1, 6}), true)
        .expect_gpu_matches_cpu();
    MoveCase("Expand", 13)
        .input(data(dtype, {1, 4, 1, 5}, seed++))
        .input(ints({3, 1, 7, 1}), true)
        .expect_gpu_matches_cpu();
    MoveCase("Expand", 13)
        .input(data(dtype, {7}, seed++))
        .input(ints({2, 3, 1, 2, 1}), true)
        .expect_gpu_matches_cpu();
    MoveCase("Expand", 13)
        .input(data(dtype, {2, 3}, seed++))
        .input(ints({1}), true)
        .expect_gpu_matches_cpu();
    MoveCase("Tile", 13)
        .input(data(dtype, {7}, seed++))
        .input(ints({3}), true)
        .expect_gpu_matches_cpu();
    MoveCase("Tile", 13)
        .input(data(dtype, {2, 3}, seed++))
        .input(ints({3, 1}), true)
        .expect_gpu_matches_cpu();
    MoveCase("Tile", 13)
        .input(data(dtype, {2, 1, 3, 5}, seed++))
        .input(ints({1, 4, 2, 3}), true)
        .expect_gpu_matches_cpu();
    MoveCase("Tile", 13)
        .input(data(dtype, {2, 3, 1, 2, 2}, seed++))
        .input(ints({2, 1, 3, 1, 2}), true)
        .expect_gpu_matches_cpu();
    MoveCase("Tile", 13)
        .input(data(dtype, {2, 3}, seed++))
        .input(ints({0, 2}), true)
        .expect_gpu_matches_cpu();
  }
}

TEST(GpuMovement, DepthToSpaceAndSpaceToDepth) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 190;
  for (DataType dtype : kMoveTypes) {
    SCOPED_TRACE(name_of(dtype));
    MoveCase("DepthToSpace", 13)
        .attr("blocksize", int64_t{2})
        .input(data(dtype, {2, 12, 3, 5}, seed++))
        .expect_gpu_matches_cpu();
    MoveCase("DepthToSpace", 13)
        .attr("blocksize", int64_t{3})
        .attr("mode", "CRD")
        .input(data(dtype, {1, 18, 4, 3}, seed++))
        .expect_gpu_matches_cpu();
    MoveCase("SpaceToDepth", 13)
        .attr("blocksize", int64_t{2})
        .input(data(dtype, {2, 3, 6, 4}, seed++))
        .expect_gpu_matches_cpu();
  }
  // Values from onnx.reference for x = arange(48) reshaped [1, 8, 2, 3], blocksize 2.
  std::vector<float> x(48);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  std::vector<Tensor> out = MoveCase("DepthToSpace", 13)
                                .attr("blocksize", int64_t{2})
                                .input(floats({1, 8, 2, 3}, x))
                                .run_on_gpu();
  ASSERT_EQ(out.size(), 1u);
  expect_near(out[0], floats({1, 2, 4, 6}, {0, 12, 1,  13, 2,  14, 24, 36, 25, 37, 26, 38,
                                            3, 15, 4,  16, 5,  17, 27, 39, 28, 40, 29, 41,
                                            6, 18, 7,  19, 8,  20, 30, 42, 31, 43, 32, 44,
                                            9, 21, 10, 22, 11, 23, 33, 45, 34, 46, 35, 47}),
              0, 0);
  out = MoveCase("DepthToSpace", 13)
            .attr("blocksize", int64_t{2})
            .attr("mode", "CRD")
            .input(floats({1, 8, 2, 3}, x))
            .run_on_gpu();
  ASSERT_EQ(out.size(), 1u);
  expect_near(out[0], floats({1, 2, 4, 6}, {0,  6,  1,  7,  2,  8,  12, 18, 13, 19, 14, 20,
                                            3,  9,  4,  10, 5,  11, 15, 21, 16, 22, 17, 23,
                                            24, 30, 25, 31, 26, 32, 36, 42, 37, 43, 38, 44,
                                            27, 33, 28, 34, 29, 35, 39, 45, 40, 46, 41, 47}),
              0, 0);
}

// ---- Pad
// -----------------------------------------------------------------------------------------

TEST(GpuMovement, PadEachMode) {
  ARUNTIME_REQUIRE_GPU();
  struct Case {
    Shape shape;
    std::vector<int64_t> pads;
  };
  const Case cases[] = {
      {{7}, {2, 3}},
      {{3, 4}, {1, 2, 2, 1}},
      {{3, 4}, {0, -1, 2, 3}},  // a negative pad crops
      {{2, 3, 4}, {0, 3, 1, 1, 0, 3}},
      {{2, 3, 4, 5}, {0, 0, 2, 1, 0, 0, 1, 4}},
      {{1, 2, 3, 2, 3}, {0, 1, 2, 1, 2, 0, 0, 1, 1, 1}},
  };
  uint32_t seed = 210;
  for (DataType dtype : kMoveTypes) {
    for (const Case& c : cases) {
      for (const char* mode : {"constant", "reflect", "edge", "wrap"}) {
        SCOPED_TRACE(name_of(dtype) + " " + c.shape.to_string() + " " + mode);
        MoveCase p("Pad", 19);
        p.attr("mode", mode).input(data(dtype, c.shape, seed++)).input(ints(c.pads), true);
        p.expect_gpu_matches_cpu();
      }
      // The constant value as an input (a fed scalar, read on the device).
      SCOPED_TRACE(name_of(dtype) + " " + c.shape.to_string() + " constant value");
      const Tensor x = data(dtype, c.shape, seed++);
      const Tensor value = data(dtype, {}, seed++);
      MoveCase("Pad", 19).input(x).input(ints(c.pads), true).input(value).expect_gpu_matches_cpu();
    }
  }
  // Axes (18): pads for axes 1 and -1 only.
  MoveCase("Pad", 18)
      .attr("mode", "reflect")
      .input(data(DataType::kFloat32, {2, 4, 3, 5}, 240))
      .input(ints({1, 2, 3, 4}), true)
      .omitted_input()
      .input(ints({1, -1}), true)
      .expect_gpu_matches_cpu();
  // Pads and value as attributes (before 11).
  MoveCase("Pad", 2)
      .attr("pads", {1, 0, 0, 2})
      .attr("value", 1.5f)
      .input(data(DataType::kFloat16, {3, 4}, 241))
      .expect_gpu_matches_cpu();
}

TEST(GpuMovement, PadHandValues) {
  ARUNTIME_REQUIRE_GPU();
  // The ONNX spec's examples: x = [[1.0, 1.2], [2.3, 3.4], [4.5, 5.7]], pads [0, 2, 0, 0].
  const Tensor x = floats({3, 2}, {1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f});
  struct Case {
    const char* mode;
    std::vector<float> expected;
  };
  const Case cases[] = {
      {"constant", {0, 0, 1.0f, 1.2f, 0, 0, 2.3f, 3.4f, 0, 0, 4.5f, 5.7f}},
      {"reflect", {1.0f, 1.2f, 1.0f, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f, 4.5f, 5.7f, 4.5f, 5.7f}},
      {"edge", {1.0f, 1.0f, 1.0f, 1.2f, 2.3f, 2.3f, 2.3f, 3.4f, 4.5f, 4.5f, 4.5f, 5.7f}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.mode);
    const std::vector<Tensor> out = MoveCase("Pad", 13)
                                        .attr("mode", c.mode)
                                        .input(x)
                                        .input(ints({0, 2, 0, 0}), true)
                                        .run_on_gpu();
    ASSERT_EQ(out.size(), 1u);
    expect_near(out[0], floats({3, 4}, c.expected), 0, 0);
  }
}

// ---- Resize
// --------------------------------------------------------------------------------------

// Linear interpolation: the CPU runs one float pass per axis, the GPU sums the corners' weighted
// values in float at once; the two differ by float rounding (half types: one unit in the last
// place where the float results straddle a rounding boundary).
double linear_rtol(DataType dtype) {
  return dtype == DataType::kFloat16 ? 2e-3 : (dtype == DataType::kBFloat16 ? 1.6e-2 : 1e-5);
}
double linear_atol(DataType dtype) {
  return dtype == DataType::kFloat16 ? 1e-3 : (dtype == DataType::kBFloat16 ? 1e-2 : 1e-6);
}

TEST(GpuMovement, ResizeNearestModes) {
  ARUNTIME_REQUIRE_GPU();
  const std::vector<float> scale_sets[] = {{1, 1, 2, 3}, {1, 1, 0.6f, 1.7f}, {1, 1, 0.5f, 0.5f}};
  const char* const transforms[] = {"half_pixel", "asymmetric", "align_corners",
                                    "pytorch_half_pixel", "half_pixel_symmetric"};
  const char* const roundings[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
  auto nearest = [](DataType dtype, const Tensor& x, const char* transform, const char* rounding,
                    const std::vector<float>& scales, int64_t opset) {
    SCOPED_TRACE(name_of(dtype) + " " + transform + " " + rounding + " " +
                 std::to_string(scales[2]) + "x" + std::to_string(scales[3]));
    // Nearest picks elements: exact.
    MoveCase c("Resize", opset);
    c.attr("mode", "nearest")
        .attr("coordinate_transformation_mode", transform)
        .attr("nearest_mode", rounding)
        .input(x);
    // roi is optional from Resize-13; before, an empty tensor stands for it.
    if (opset >= 13) {
      c.omitted_input();
    } else {
      c.input(floats({0}, {}), true);
    }
    c.input(floats({4}, scales), true).expect_gpu_matches_cpu();
  };
  uint32_t seed = 260;
  // Every transformation with every rounding in float32 (tf_half_pixel_for_nn exists in
  // Resize-11 only); the other element widths with each transformation and each rounding once.
  const Tensor x32 = data(DataType::kFloat32, {2, 3, 5, 7}, seed++);
  for (const std::vector<float>& scales : scale_sets) {
    for (const char* rounding : roundings) {
      for (const char* transform : transforms)
        nearest(DataType::kFloat32, x32, transform, rounding, scales, 19);
      nearest(DataType::kFloat32, x32, "tf_half_pixel_for_nn", rounding, scales, 11);
    }
  }
  for (DataType dtype : kMoveTypes) {
    const Tensor x = data(dtype, {2, 3, 5, 7}, seed++);
    for (const char* transform : transforms)
      nearest(dtype, x, transform, "round_prefer_floor", scale_sets[1], 19);
    for (const char* rounding : roundings)
      nearest(dtype, x, "half_pixel", rounding, scale_sets[1], 19);
    // Sizes instead of scales; rank 1, 3 and 5.
    MoveCase("Resize", 13)
        .input(data(dtype, {2, 3, 4}, seed++))
        .omitted_input()
        .omitted_input()
        .input(ints({3, 7, 2}), true)
        .expect_gpu_matches_cpu();
    MoveCase("Resize", 13)
        .input(data(dtype, {9}, seed++))
        .omitted_input()
        .input(floats({1}, {2.5f}), true)
        .expect_gpu_matches_cpu();
    MoveCase("Resize", 13)
        .attr("coordinate_transformation_mode", "asymmetric")
        .input(data(dtype, {1, 2, 3, 4, 5}, seed++))
        .omitted_input()
        .input(floats({5}, {1, 1.5f, 2, 0.5f, 1.2f}), true)
        .expect_gpu_matches_cpu();
  }
  // Resize-10: asymmetric, ceil when downsampling, floor otherwise.
  MoveCase("Resize", 10)
      .input(data(DataType::kFloat32, {1, 2, 5, 6}, 280))
      .input(floats({4}, {1, 1, 0.6f, 1.5f}), true)
      .expect_gpu_matches_cpu();
}

TEST(GpuMovement, ResizeLinearModes) {
  ARUNTIME_REQUIRE_GPU();
  const std::vector<float> scale_sets[] = {{1, 1, 2, 3}, {1, 1, 0.6f, 1.7f}, {1, 1, 0.5f, 0.25f}};
  uint32_t seed = 300;
  for (DataType dtype : {DataType::kFloat32, DataType::kFloat16, DataType::kBFloat16}) {
    const Tensor x = data(dtype, {2, 3, 5, 8}, seed++);
    for (const char* transform : {"half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel",
                                  "half_pixel_symmetric"}) {
      for (const std::vector<float>& scales : scale_sets) {
        SCOPED_TRACE(name_of(dtype) + " " + transform + " " + std::to_string(scales[2]) + "x" +
                     std::to_string(scales[3]));
        MoveCase("Resize", 19)
            .attr("mode", "linear")
            .attr("coordinate_transformation_mode", transform)
            .input(x)
            .omitted_input()
            .input(floats({4}, scales), true)
            .expect_gpu_matches_cpu(linear_rtol(dtype), linear_atol(dtype));
      }
      // exclude_outside renormalises the weights of taps that fall off the input.
      SCOPED_TRACE(name_of(dtype) + " " + transform + " exclude_outside");
      MoveCase("Resize", 19)
          .attr("mode", "linear")
          .attr("coordinate_transformation_mode", transform)
          .attr("exclude_outside", int64_t{1})
          .input(x)
          .omitted_input()
          .input(floats({4}, {1, 1, 1.5f, 0.7f}), true)
          .expect_gpu_matches_cpu(linear_rtol(dtype), linear_atol(dtype));
    }
    // Sizes with axes (18) and an aspect-ratio policy; trilinear over rank 5; rank 1.
    MoveCase("Resize", 18)
        .attr("mode", "linear")
        .attr("axes", {2, -1})
        .attr("keep_aspect_ratio_policy", "not_larger")
        .input(x)
        .omitted_input()
        .omitted_input()
        .input(ints({9, 12}), true)
        .expect_gpu_matches_cpu(linear_rtol(dtype), linear_atol(dtype));
    MoveCase("Resize", 13)
        .attr("mode", "linear")
        .input(data(dtype, {1, 2, 3, 4, 5}, seed++))
        .omitted_input()
        .input(floats({5}, {1, 1, 2, 1.5f, 0.8f}), true)
        .expect_gpu_matches_cpu(linear_rtol(dtype), linear_atol(dtype));
    MoveCase("Resize", 13)
        .attr("mode", "linear")
        .input(data(dtype, {11}, seed++))
        .omitted_input()
        .input(floats({1}, {1.9f}), true)
        .expect_gpu_matches_cpu(linear_rtol(dtype), linear_atol(dtype));
  }
  // Resize-10 bilinear.
  MoveCase("Resize", 10)
      .attr("mode", "linear")
      .input(data(DataType::kFloat32, {1, 2, 5, 6}, 320))
      .input(floats({4}, {1, 1, 2, 0.5f}), true)
      .expect_gpu_matches_cpu(1e-5, 1e-6);
  // Integers interpolate in float and are truncated; asymmetric 2x upsampling gives weights 0,
  // 0.5 and 1, whose sums are exact in float on both providers, so the comparison is exact.
  MoveCase("Resize", 13)
      .attr("mode", "linear")
      .attr("coordinate_transformation_mode", "asymmetric")
      .input(data(DataType::kUInt8, {1, 3, 5, 7}, 321))
      .omitted_input()
      .input(floats({4}, {1, 1, 2, 2}), true)
      .expect_gpu_matches_cpu();
}

TEST(GpuMovement, ResizeHandValues) {
  ARUNTIME_REQUIRE_GPU();
  const Tensor x = floats({1, 1, 2, 2}, {1, 2, 3, 4});
  // onnx.reference (the spec's resize_upsample_scales_nearest): scales [1, 1, 2, 3].
  std::vector<Tensor> out = MoveCase("Resize", 19)
                                .input(x)
                                .omitted_input()
                                .input(floats({4}, {1, 1, 2, 3}), true)
                                .run_on_gpu();
  ASSERT_EQ(out.size(), 1u);
  expect_near(out[0], floats({1, 1, 4, 6}, {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2,
                                            3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}),
              0, 0);
  // onnx.reference (the spec's resize_upsample_scales_linear): half_pixel, scales [1, 1, 2, 2].
  out = MoveCase("Resize", 19)
            .attr("mode", "linear")
            .input(x)
            .omitted_input()
            .input(floats({4}, {1, 1, 2, 2}), true)
            .run_on_gpu();
  ASSERT_EQ(out.size(), 1u);
  expect_near(out[0],
              floats({1, 1, 4, 4}, {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f,
                                    3.25f, 3.5f, 3, 3.25f, 3.75f, 4}),
              1e-6, 1e-6);
  // onnx.reference (resize_upsample_scales_linear_align_corners).
  out = MoveCase("Resize", 19)
            .attr("mode", "linear")
            .attr("coordinate_transformation_mode", "align_corners")
            .input(x)
            .omitted_input()
            .input(floats({4}, {1, 1, 2, 2}), true)
            .run_on_gpu();
  ASSERT_EQ(out.size(), 1u);
  expect_near(
      out[0],
      floats({1, 1, 4, 4}, {1, 1.3333334f, 1.6666666f, 2, 1.6666666f, 2, 2.3333333f, 2.6666667f,
                            2.3333333f, 2.6666667f, 3, 3.3333333f, 3, 3.3333333f, 3.6666667f, 4}),
      1e-6, 1e-6);
}

// ---- Shape inputs computed at run time
// -------------------------------------------------------------------

// Tensor::from_vector for a one-line list of floats.
Tensor floats(const std::vector<float>& v) {
  return floats(Shape{static_cast<int64_t>(v.size())}, v);
}

// Shape-like inputs (shape, axes, split, starts..., repeats, pads, roi/scales/sizes) that are graph
// inputs rather than initializers: the GPU claims the node, reads them on the host at run time
// and matches the CPU, alone or next to constant ones, in float32 and float16 (moved elements
// exactly; linear Resize within its rounding).
TEST(GpuMovement, FedShapeInputsAreClaimedAndMatchTheCpu) {
  ARUNTIME_REQUIRE_GPU();
  uint32_t seed = 500;
  for (DataType dtype : {DataType::kFloat32, DataType::kFloat16}) {
    auto check = [&](const std::string& what, const MoveCase& c, double rtol = 0, double atol = 0) {
      SCOPED_TRACE(name_of(dtype) + " " + what);
      EXPECT_EQ(c.gpu_decline_reason(), "");
      c.expect_gpu_matches_cpu(rtol, atol);
    };
    check("Reshape",
          MoveCase("Reshape", 14).input(data(dtype, {2, 3, 4}, seed++)).input(ints({0, -1, 2})));
    check("Reshape allowzero", MoveCase("Reshape", 14)
                                   .attr("allowzero", int64_t{1})
                                   .input(data(dtype, {0, 4}, seed++))
                                   .input(ints({4, 0})));
    check("Squeeze",
          MoveCase("Squeeze", 13).input(data(dtype, {2, 1, 3, 1}, seed++)).input(ints({-1, 1})));
    // An empty axes tensor squeezes every dim of size 1.
    check(
        "Squeeze empty axes",
        MoveCase("Squeeze", 13).input(data(dtype, {1, 3, 1, 2}, seed++)).input(ints(Shape{0}, {})));
    check("Unsqueeze",
          MoveCase("Unsqueeze", 13).input(data(dtype, {3, 5}, seed++)).input(ints({0, -1})));
    check("Split", MoveCase("Split", 13)
                       .attr("axis", int64_t{1})
                       .input(data(dtype, {4, 9, 5}, seed++))
                       .input(ints({2, 0, 7}))
                       .outputs(3));
    check("Slice all fed", MoveCase("Slice", 13)
                               .input(data(dtype, {3, 4, 5}, seed++))
                               .input(ints({0, 4}))
                               .input(ints({INT64_MAX, 0}))
                               .input(ints({-1, -2}))
                               .input(ints({2, -1})));
    check("Slice starts and ends fed", MoveCase("Slice", 13)
                                           .input(data(dtype, {7, 9}, seed++))
                                           .input(ints({1, -2}))
                                           .input(ints({6, 100})));
    // int32 indices, fed and constant mixed.
    check("Slice int32 mixed", MoveCase("Slice", 13)
                                   .input(data(dtype, {5, 6}, seed++))
                                   .input(ints32({2}, {1, -1}))
                                   .input(ints32({2}, {4, -6}), true)
                                   .input(ints32({2}, {0, 1}))
                                   .input(ints32({2}, {1, -2}), true));
    check("Expand",
          MoveCase("Expand", 13).input(data(dtype, {3, 1}, seed++)).input(ints({2, 1, 6})));
    check("Tile",
          MoveCase("Tile", 13).input(data(dtype, {2, 1, 3}, seed++)).input(ints({2, 3, 1})));
    check("Tile zero repeats",
          MoveCase("Tile", 13).input(data(dtype, {2, 3}, seed++)).input(ints({0, 2})));
    for (const char* mode : {"constant", "reflect", "edge", "wrap"}) {
      check(std::string("Pad ") + mode, MoveCase("Pad", 19)
                                            .attr("mode", mode)
                                            .input(data(dtype, {3, 4}, seed++))
                                            .input(ints({1, 2, 2, -1})));
    }
    // Fed pads and a fed constant value (which stays data on the device).
    const Tensor fill = data(dtype, {}, seed++);
    check("Pad fed value", MoveCase("Pad", 19)
                               .input(data(dtype, {3, 4}, seed++))
                               .input(ints({0, 1, 2, 3}))
                               .input(fill));
    // Fed pads and fed axes (18).
    check("Pad fed axes", MoveCase("Pad", 18)
                              .attr("mode", "reflect")
                              .input(data(dtype, {2, 4, 3, 5}, seed++))
                              .input(ints({1, 2, 3, 4}))
                              .omitted_input()
                              .input(ints({1, -1})));
    check("Resize fed scales", MoveCase("Resize", 13)
                                   .input(data(dtype, {2, 3, 5, 7}, seed++))
                                   .omitted_input()
                                   .input(floats({1, 1, 2, 0.6f})));
    check("Resize fed sizes", MoveCase("Resize", 13)
                                  .input(data(dtype, {2, 3, 4}, seed++))
                                  .omitted_input()
                                  .omitted_input()
                                  .input(ints({3, 7, 2})));
    // roi is required in Resize-11 and read by tf_crop_and_resize only (declined): fed here, it
    // changes nothing.
    check("Resize-11 fed roi and scales", MoveCase("Resize", 11)
                                              .attr("coordinate_transformation_mode", "asymmetric")
                                              .input(data(dtype, {1, 2, 3, 4}, seed++))
                                              .input(floats({0, 0, 0, 0, 1, 1, 1, 1}))
                                              .input(floats({1, 1, 1.5f, 2})));
    check("Resize-10 fed scales", MoveCase("Resize", 10)
                                      .input(data(dtype, {1, 2, 5, 6}, seed++))
                                      .input(floats({1, 1, 0.6f, 1.5f})));
    check("Resize linear, fed sizes with a policy",
          MoveCase("Resize", 18)
              .attr("mode", "linear")
              .attr("axes", {2, -1})
              .attr("keep_aspect_ratio_policy", "not_larger")
              .input(data(dtype, {2, 3, 5, 8}, seed++))
              .omitted_input()
              .omitted_input()
              .input(ints({9, 12})),
          linear_rtol(dtype), linear_atol(dtype));
  }
}

// Hand-derived, with every shape-like input fed: a reshape keeps the row-major order; the slice
// of 0..9 from -1 towards -11 by -3 visits 9, 6, 3, 0; constant-padding [[1, 2], [3, 4]] by one
// column on the left with the fed value 7.
TEST(GpuMovement, FedShapeInputsHandValues) {
  ARUNTIME_REQUIRE_GPU();
  std::vector<Tensor> out = MoveCase("Reshape", 14)
                                .input(floats({2, 3}, {1, 2, 3, 4, 5, 6}))
                                .input(ints({3, -1}))
                                .run_on_gpu();
  ASSERT_EQ(out.size(), 1u);
  expect_near(out[0], floats({3, 2}, {1, 2, 3, 4, 5, 6}), 0, 0);

  out = MoveCase("Slice", 13)
            .input(floats({10}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}))
            .input(ints({-1}))
            .input(ints({-11}))
            .input(ints({0}))
            .input(ints({-3}))
            .run_on_gpu();
  ASSERT_EQ(out.size(), 1u);
  expect_near(out[0], floats({4}, {9, 6, 3, 0}), 0, 0);

  out = MoveCase("Pad", 19)
            .input(floats({2, 2}, {1, 2, 3, 4}))
            .input(ints({0, 1, 0, 0}))
            .input(floats({}, {7}))
            .run_on_gpu();
  ASSERT_EQ(out.size(), 1u);
  expect_near(out[0], floats({2, 3}, {7, 1, 2, 7, 3, 4}), 0, 0);
}

// One session, several runs with different fed shapes: the kernel reads the values of each run,
// the shape never goes to the device, and a bad shape is the CPU kernel's one-line error, after
// which the session runs on. Hand-derived: a reshape keeps the row-major order of x = 0..11; 0
// copies the input's dim (3), -1 takes what is left.
TEST(GpuMovement, FedShapeIsReadAtEveryRun) {
  ARUNTIME_REQUIRE_GPU();
  std::vector<float> values(12);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);
  const Tensor x = floats({2, 3, 2}, values);
  GpuOpCase reshape("Reshape", 14);
  reshape.input(x).input(ints({2, 6}));
  EXPECT_EQ(reshape.gpu_decline_reason(), "");
  const Session session = reshape.make_session({"gpu", "cpu"});
  for (const NodePlacement& p : session.placement()) EXPECT_EQ(p.provider, "gpu") << p.node_name;
  for (const CopyPlacement& c : session.copies())
    EXPECT_NE(c.value, "in1") << "the shape is copied from " << c.from << " to " << c.to;
  const std::pair<std::vector<int64_t>, Shape> runs[] = {{{2, 6}, Shape{2, 6}},
                                                         {{-1, 3}, Shape{4, 3}},
                                                         {{4, 0}, Shape{4, 3}},
                                                         {{12, 1}, Shape{12, 1}}};
  for (const auto& [shape, expected] : runs) {
    SCOPED_TRACE(Shape(shape).to_string());
    const std::vector<Tensor> out = session.run({{"in0", x}, {"in1", ints(shape)}});
    ASSERT_EQ(out.size(), 1u);
    expect_near(out[0], floats(expected, values), 0, 0);
  }
  try {
    session.run({{"in0", x}, {"in1", ints({5, -1})}});
    ADD_FAILURE() << "12 elements were reshaped to [5, -1]";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_TRUE(contains(message, "node 'test_Reshape'")) << message;
    EXPECT_TRUE(contains(message, "12 elements are not divisible by 5")) << message;
    EXPECT_FALSE(contains(message, "\n")) << message;
  }
  const std::vector<Tensor> out = session.run({{"in0", x}, {"in1", ints({3, 4})}});
  ASSERT_EQ(out.size(), 1u);
  expect_near(out[0], floats({3, 4}, values), 0, 0);
}

// Bad fed values fail the run with the CPU kernels' one-line errors, naming the node and what is
// wrong, instead of reaching the device.
TEST(GpuMovement, BadFedShapeInputsAreOneLineErrors) {
  ARUNTIME_REQUIRE_GPU();
  const Tensor x = data(DataType::kFloat32, {3, 4}, 430);
  struct Case {
    MoveCase c;
    std::vector<std::string> parts;
  };
  const Case cases[] = {
      {MoveCase("Slice", 13)
           .input(x)
           .input(ints({0}))
           .input(ints({2}))
           .input(ints({1}))
           .input(ints({0})),
       {"node 'test_Slice'", "step for axis 1 is 0"}},
      {MoveCase("Slice", 13).input(x).input(ints({0, 0})).input(ints({2})),
       {"node 'test_Slice'", "must have the same length"}},
      {MoveCase("Squeeze", 13).input(x).input(ints({0})),
       {"node 'test_Squeeze'", "cannot squeeze axis 0"}},
      {MoveCase("Unsqueeze", 13).input(x).input(ints({3})),
       {"node 'test_Unsqueeze'", "axis 3 is out of range for rank 3"}},
      {MoveCase("Split", 13).input(x).input(ints({2, 2})).outputs(2),
       {"node 'test_Split'", "split sizes [2,2] do not divide axis 0"}},
      {MoveCase("Expand", 13).input(x).input(ints({2, -1})),
       {"node 'test_Expand'", "has a negative dimension"}},
      {MoveCase("Tile", 13).input(x).input(ints({2})),
       {"node 'test_Tile'", "repeats [2] must hold 2 non-negative values"}},
      {MoveCase("Pad", 13).input(x).input(ints({1, 1})),
       {"node 'test_Pad'", "should have 4 values"}},
      {MoveCase("Pad", 18).input(x).input(ints({1, 1})).omitted_input().input(ints({2})),
       {"node 'test_Pad'", "axis 2 is out of range for rank 2"}},
      {MoveCase("Resize", 13).input(x).omitted_input().input(floats({1, 0})),
       {"node 'test_Resize'", "scales[1] = 0.000000 must be positive"}},
      {MoveCase("Resize", 13).input(x).omitted_input().input(floats({2})),
       {"node 'test_Resize'", "scales has 1 values, expected 2"}},
      {MoveCase("Resize", 13).input(x).omitted_input().omitted_input().input(ints({3, -4})),
       {"node 'test_Resize'", "cannot be produced from input of shape"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.parts[0]);
    EXPECT_EQ(c.c.gpu_decline_reason(), "");
    try {
      c.c.run_on_gpu();
      ADD_FAILURE() << "the run did not fail";
    } catch (const Error& e) {
      const std::string message = e.what();
      for (const std::string& part : c.parts) EXPECT_TRUE(contains(message, part)) << message;
      EXPECT_FALSE(contains(message, "\n")) << message;
      // The CPU kernel fails the same way.
      try {
        c.c.run_on_cpu();
        ADD_FAILURE() << "the CPU run did not fail";
      } catch (const Error& cpu) {
        EXPECT_EQ(cpu.code(), e.code()) << cpu.what() << " vs " << message;
      }
    }
  }
}

// The pattern of PyTorch-exported models with a dynamic batch: y = Reshape(x, Concat(Gather(
// Shape(x), 0), [-1])). The shape nodes run on the CPU (integer computations), the Reshape on the
// GPU reads their result where they made it: no copy of the shape either way, and each batch size
// gives the CPU's result (hand-derived too: the rows of x in order).
std::string dynamic_batch_reshape_model() {
  onnx::ModelProto model;
  model.set_ir_version(10);
  model.add_opset_import()->set_version(17);
  auto* g = model.mutable_graph();
  g->set_name("dynamic_batch_reshape");
  auto* x = g->add_input();
  x->set_name("x");
  auto* type = x->mutable_type()->mutable_tensor_type();
  type->set_elem_type(onnx::TensorProto::FLOAT);
  type->mutable_shape()->add_dim()->set_dim_param("batch");
  type->mutable_shape()->add_dim()->set_dim_value(3);
  type->mutable_shape()->add_dim()->set_dim_value(4);
  tensor_to_proto(ints({0}), "zero", *g->add_initializer());
  tensor_to_proto(ints({-1}), "minus_one", *g->add_initializer());
  auto add_node = [&](const std::string& name, const std::string& op,
                      const std::vector<std::string>& inputs, const std::string& output) {
    auto* n = g->add_node();
    n->set_name(name);
    n->set_op_type(op);
    for (const std::string& in : inputs) n->add_input(in);
    n->add_output(output);
    return n;
  };
  add_node("shape", "Shape", {"x"}, "x_shape");
  add_node("batch", "Gather", {"x_shape", "zero"}, "batch_dim");
  auto* concat = add_node("target", "Concat", {"batch_dim", "minus_one"}, "target_shape");
  auto* axis = concat->add_attribute();
  axis->set_name("axis");
  axis->set_type(onnx::AttributeProto::INT);
  axis->set_i(0);
  add_node("flatten", "Reshape", {"x", "target_shape"}, "y");
  g->add_output()->set_name("y");
  return model.SerializeAsString();
}

TEST(GpuMovement, ShapeComputedOnTheHostReachesTheGpuReshape) {
  ARUNTIME_REQUIRE_GPU();
  const std::string model = dynamic_batch_reshape_model();
  SessionOptions options;
  options.providers = {"gpu", "cpu"};
  options.optimization.level = 0;
  options.placement.min_flops_per_copied_byte = 0;  // a lone Reshape does no arithmetic
  const Session gpu(Environment(), model, "dynamic_batch_reshape.onnx", "", options);
  for (const NodePlacement& p : gpu.placement()) {
    EXPECT_EQ(p.provider, p.node_name == "flatten" ? "gpu" : "cpu") << p.node_name;
  }
  for (const CopyPlacement& c : gpu.copies()) {
    EXPECT_NE(c.value, "target_shape") << "the shape is copied from " << c.from << " to " << c.to;
  }
  SessionOptions cpu_options;
  cpu_options.providers = {"cpu"};
  cpu_options.optimization.level = 0;
  const Session cpu(Environment(), model, "dynamic_batch_reshape.onnx", "", cpu_options);
  for (int64_t batch : {1, 2, 5, 2}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    std::vector<float> values(static_cast<size_t>(batch * 12));
    for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) - 7.5f;
    const Tensor x = floats({batch, 3, 4}, values);
    const std::vector<Tensor> got = gpu.run({{"x", x}});
    ASSERT_EQ(got.size(), 1u);
    expect_near(got[0], floats({batch, 12}, values), 0, 0);
    expect_near(got[0], cpu.run({{"x", x}})[0], 0, 0);
  }
}

// ---- Declines
// ------------------------------------------------------------------------------------

// Expand's shape has one entry per output dim: a fed shape whose length, known at load, exceeds
// the kernels' geometry stays on the CPU.
TEST(GpuMovement, ExpandBeyondTheMaximumRankIsDeclined) {
  ARUNTIME_REQUIRE_GPU();
  for (bool constant : {true, false}) {
    SCOPED_TRACE(constant ? "constant shape" : "fed shape");
    MoveCase c("Expand", 13);
    c.input(data(DataType::kFloat32, {2, 3}, 420))
        .input(ints({1, 1, 1, 1, 1, 1, 1, 2, 3}), constant);
    EXPECT_TRUE(contains(c.gpu_decline_reason(), "shape has 9 dims")) << c.gpu_decline_reason();
  }
}

TEST(GpuMovement, UnsupportedAttributesAreDeclined) {
  ARUNTIME_REQUIRE_GPU();
  const Tensor x = data(DataType::kFloat32, {1, 1, 3, 3}, 410);
  {
    MoveCase c("Resize", 19);
    c.attr("mode", "cubic").input(x).omitted_input().input(floats({4}, {1, 1, 2, 2}), true);
    const std::string reason = c.gpu_decline_reason();
    EXPECT_TRUE(contains(reason, "mode 'cubic' is not supported on the GPU")) << reason;
    // The CPU runs it instead.
    EXPECT_EQ(c.run_on_cpu()[0].shape(), Shape({1, 1, 6, 6}));
  }
  {
    MoveCase c("Resize", 19);
    c.attr("mode", "linear")
        .attr("antialias", int64_t{1})
        .input(x)
        .omitted_input()
        .input(floats({4}, {1, 1, 0.5f, 0.5f}), true);
    EXPECT_TRUE(contains(c.gpu_decline_reason(), "antialias")) << c.gpu_decline_reason();
  }
  {
    MoveCase c("Resize", 19);
    c.attr("coordinate_transformation_mode", "tf_crop_and_resize")
        .input(x)
        .input(floats({8}, {0, 0, 0, 0, 1, 1, 1, 1}), true)
        .input(floats({4}, {1, 1, 2, 2}), true);
    EXPECT_TRUE(contains(c.gpu_decline_reason(), "tf_crop_and_resize")) << c.gpu_decline_reason();
  }
  {
    MoveCase c("Dropout", 13);
    c.input(x).omitted_input().input(Tensor::scalar<bool>(true), true);
    EXPECT_TRUE(contains(c.gpu_decline_reason(), "training_mode")) << c.gpu_decline_reason();
  }
  {
    MoveCase c("Dropout", 13);
    c.input(x).omitted_input().input(Tensor::scalar<bool>(false));  // fed: could be true
    EXPECT_TRUE(contains(c.gpu_decline_reason(), "training_mode")) << c.gpu_decline_reason();
  }
  {
    // Rank 9 is more than the kernels' geometry holds.
    MoveCase c("Transpose", 13);
    c.input(data(DataType::kFloat32, {2, 1, 2, 1, 2, 1, 2, 1, 2}, 411));
    EXPECT_TRUE(contains(c.gpu_decline_reason(), "rank 9")) << c.gpu_decline_reason();
  }
  {
    // float64 is not a GPU type.
    MoveCase c("Transpose", 13);
    c.input(random_tensor(DataType::kFloat64, {2, 3}, 412));
    EXPECT_NE(c.gpu_decline_reason(), "");
  }
}

}  // namespace
}  // namespace aruntime::gpu_testing
