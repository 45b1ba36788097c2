// Sequence and optional kernels (providers/cpu/ops/sequence_ops.cc), the type rules for their
// outputs (graph/type_inference.cc) and one model that chains them through a session.
// Expected values were computed with numpy 1.x in /tmp/venvtest (np.split / np.array_split for
// SplitToSequence, np.concatenate / np.stack for ConcatFromSequence, list.insert / del for the
// sequence edits); each test repeats the expression it checks against.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include "aruntime/session.h"
#include "core/kernel.h"
#include "graph/type_inference.h"
#include "providers/cpu/cpu_execution_provider.h"
#include "tests/unit/op_test_util.h"

namespace aruntime {
namespace {

using testing::expect_near;

// A kernel context over Values: OpTest (op_test_util.h) carries tensors only.
class ValueContext final : public KernelContext {
 public:
  ValueContext(const Node& node, const std::vector<Value>& inputs, size_t num_outputs)
      : node_(node), inputs_(inputs), outputs_(num_outputs) {}
  const Node& node() const override { return node_; }
  size_t num_inputs() const override { return inputs_.size(); }
  const Value* input_value(size_t i) const override {
    return i < inputs_.size() && inputs_[i].defined() ? &inputs_[i] : nullptr;
  }
  const Tensor* input(size_t i) const override {
    const Value* v = input_value(i);
    if (v == nullptr) return nullptr;
    if (!v->is_tensor())
      throw_error(ErrorCode::kInvalidArgument, "input " + std::to_string(i) + " is not a tensor");
    return &v->tensor();
  }
  size_t num_outputs() const override { return outputs_.size(); }
  bool output_requested(size_t i) const override { return i < outputs_.size(); }
  Tensor& allocate_output(size_t i, const Shape& shape, DataType dtype) override {
    outputs_.at(i) = Value(Tensor(dtype, shape));
    return outputs_[i].tensor();
  }
  void set_output(size_t i, Tensor t) override { outputs_.at(i) = Value(std::move(t)); }
  void set_output_value(size_t i, Value v) override { outputs_.at(i) = std::move(v); }
  Tensor allocate_temp(const Shape& shape, DataType dtype) override { return Tensor(dtype, shape); }
  std::vector<Value>& outputs() { return outputs_; }

 private:
  const Node& node_;
  const std::vector<Value>& inputs_;
  std::vector<Value> outputs_;
};

DataType element_type_of(const Value& v) {
  if (!v.defined()) return DataType::kUndefined;
  return v.is_tensor() ? v.tensor().dtype() : v.element_type();
}

// One node of `op_type`, looked up in the CPU registry by the kinds and element types of its
// inputs the way the partitioner does, then prepared and run.
class SeqOpTest {
 public:
  explicit SeqOpTest(std::string op_type, int64_t opset = 18) : opset_(opset) {
    node_.name = "test_" + op_type;
    node_.op_type = std::move(op_type);
  }
  SeqOpTest& input(Value v) {
    std::string name = "in" + std::to_string(node_.inputs.size());
    node_.inputs.push_back(name);
    kinds_.push_back(v.kind());
    inputs_.push_back(std::move(v));
    return *this;
  }
  // Declares the last input as `kind` for the kernel lookup, whatever its value is at run time.
  SeqOpTest& declared_as(ValueKind kind) {
    kinds_.back() = kind;
    return *this;
  }
  SeqOpTest& omitted_input() {
    node_.inputs.push_back("");
    kinds_.push_back(ValueKind::kTensor);
    inputs_.emplace_back();
    return *this;
  }
  SeqOpTest& attr(const std::string& name, int64_t v) {
    Attribute a;
    a.name = name;
    a.type = Attribute::Type::kInt;
    a.i = v;
    node_.attributes.push_back(std::move(a));
    return *this;
  }
  SeqOpTest& type_attr(ValueKind kind, DataType dtype) {
    Attribute a;
    a.name = "type";
    a.type = Attribute::Type::kTypeProto;
    a.type_proto = TypeInfo{kind, dtype, std::nullopt};
    node_.attributes.push_back(std::move(a));
    return *this;
  }

  // The registry's answer for this node: empty when a kernel matches, else why not.
  std::string match_reason() const {
    KernelMatch m = registry().find(node_, opset_, input_types(), {}, kinds_);
    return m ? std::string() : m.reason;
  }

  Value run() {
    node_.outputs = {"out0"};
    KernelMatch m = registry().find(node_, opset_, input_types(), {DataType::kUndefined}, kinds_);
    if (!m) throw_error(ErrorCode::kNotImplemented, node_.describe() + ": " + m.reason);
    KernelInfo info(node_, graph_, opset_, input_types(), {DataType::kUndefined},
                    *cpu_heap_allocator());
    auto kernel = m.def->factory(info);
    ValueContext ctx(node_, inputs_, 1);
    kernel->compute(ctx);
    return ctx.outputs()[0];
  }

  // The message of the Error that running throws ("(no error)" when none).
  std::string error() {
    try {
      run();
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  }

 private:
  static const KernelRegistry& registry() {
    static const CpuExecutionProvider provider;
    return provider.registry();
  }
  std::vector<DataType> input_types() const {
    std::vector<DataType> types;
    for (const Value& v : inputs_) types.push_back(element_type_of(v));
    return types;
  }

  int64_t opset_;
  Node node_;
  Graph graph_;
  std::vector<Value> inputs_;
  std::vector<ValueKind> kinds_;
};

Tensor floats(Shape shape, std::vector<float> values) {
  return Tensor::from_vector<float>(std::move(shape), values);
}
Tensor i64(int64_t v) {
  return Tensor::scalar<int64_t>(v);
}

// Three 1-D float tensors [0], [1, 1], [2, 2, 2]: element i is i repeated i+1 times.
Value three_floats() {
  return Value::sequence({floats({1}, {0}), floats({2}, {1, 1}), floats({3}, {2, 2, 2})},
                         DataType::kFloat32);
}

void expect_lengths(const Value& seq, std::vector<int64_t> lengths) {
  ASSERT_EQ(seq.kind(), ValueKind::kSequence);
  ASSERT_EQ(seq.elements().size(), lengths.size());
  for (size_t i = 0; i < lengths.size(); ++i)
    EXPECT_EQ(seq.elements()[i].num_elements(), lengths[i]) << "element " << i;
}

// ---- construction and editing --------------------------------------------------------------

TEST(CpuSequence, ConstructSharesInputsAndRefusesMixedTypes) {
  Tensor a = floats({2}, {1, 2});
  Tensor b = floats({1, 1}, {3});
  Value seq = SeqOpTest("SequenceConstruct").input(a).input(b).run();
  ASSERT_EQ(seq.kind(), ValueKind::kSequence);
  EXPECT_EQ(seq.element_type(), DataType::kFloat32);
  ASSERT_EQ(seq.elements().size(), 2u);
  expect_near(seq.elements()[0], a);
  expect_near(seq.elements()[1], b);

  std::string msg = SeqOpTest("SequenceConstruct").input(a).input(i64(1)).error();
  EXPECT_NE(msg.find("node 'test_SequenceConstruct' (SequenceConstruct)"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("int64"), std::string::npos) << msg;
  EXPECT_NE(msg.find("float32"), std::string::npos) << msg;
}

TEST(CpuSequence, EmptyTakesItsElementTypeFromTheDtypeAttribute) {
  Value floats_default = SeqOpTest("SequenceEmpty").run();
  EXPECT_EQ(floats_default.element_type(),
            DataType::kFloat32);  // the spec's default dtype is FLOAT
  EXPECT_TRUE(floats_default.elements().empty());
  Value ints = SeqOpTest("SequenceEmpty").attr("dtype", onnx::TensorProto::INT64).run();
  EXPECT_EQ(ints.element_type(), DataType::kInt64);
  EXPECT_TRUE(ints.elements().empty());
}

TEST(CpuSequence, InsertAtPositions) {
  const Tensor t = floats({4}, {9, 9, 9, 9});
  // Python: s = [e0, e1, e2]; s.insert(p, t) for p = end, 0, -1, 3 (== len, the back).
  expect_lengths(SeqOpTest("SequenceInsert").input(three_floats()).input(t).run(), {1, 2, 3, 4});
  expect_lengths(SeqOpTest("SequenceInsert").input(three_floats()).input(t).input(i64(0)).run(),
                 {4, 1, 2, 3});
  expect_lengths(SeqOpTest("SequenceInsert").input(three_floats()).input(t).input(i64(-1)).run(),
                 {1, 2, 4, 3});
  expect_lengths(SeqOpTest("SequenceInsert").input(three_floats()).input(t).input(i64(3)).run(),
                 {1, 2, 3, 4});
  // A one-element 1-D position, as the ONNX backend test feeds, and an int32 one.
  expect_lengths(SeqOpTest("SequenceInsert")
                     .input(three_floats())
                     .input(t)
                     .input(Tensor::from_vector<int32_t>(Shape{1}, {-3}))
                     .run(),
                 {4, 1, 2, 3});
  // Inserting into an empty sequence.
  Value empty = Value::sequence({}, DataType::kFloat32);
  expect_lengths(SeqOpTest("SequenceInsert").input(empty).input(t).run(), {4});

  std::string msg =
      SeqOpTest("SequenceInsert").input(three_floats()).input(t).input(i64(4)).error();
  EXPECT_NE(
      msg.find(
          "node 'test_SequenceInsert' (SequenceInsert): position 4 is out of range for a sequence "
          "of 3 elements (expected [-3, 3])"),
      std::string::npos)
      << msg;
  msg = SeqOpTest("SequenceInsert").input(three_floats()).input(i64(7)).error();
  EXPECT_NE(msg.find("has type int64, but the sequence holds float32"), std::string::npos) << msg;
}

TEST(CpuSequence, EraseAtPositions) {
  // Python: s = [e0, e1, e2]; del s[p] for p = last (default), 0, -3.
  expect_lengths(SeqOpTest("SequenceErase").input(three_floats()).run(), {1, 2});
  expect_lengths(SeqOpTest("SequenceErase").input(three_floats()).input(i64(0)).run(), {2, 3});
  expect_lengths(SeqOpTest("SequenceErase").input(three_floats()).input(i64(-3)).run(), {2, 3});
  std::string msg = SeqOpTest("SequenceErase").input(three_floats()).input(i64(3)).error();
  EXPECT_NE(msg.find("(SequenceErase): position 3 is out of range for a sequence of 3 elements "
                     "(expected [-3, 2])"),
            std::string::npos)
      << msg;
  msg = SeqOpTest("SequenceErase").input(Value::sequence({}, DataType::kFloat32)).error();
  EXPECT_NE(msg.find("(SequenceErase): cannot erase from an empty sequence"), std::string::npos)
      << msg;
}

TEST(CpuSequence, AtAndLength) {
  Tensor at = SeqOpTest("SequenceAt").input(three_floats()).input(i64(-2)).run().tensor();
  expect_near(at, floats({2}, {1, 1}));
  at = SeqOpTest("SequenceAt")
           .input(three_floats())
           .input(Tensor::scalar<int32_t>(2))
           .run()
           .tensor();
  expect_near(at, floats({3}, {2, 2, 2}));
  std::string msg = SeqOpTest("SequenceAt").input(three_floats()).input(i64(-4)).error();
  EXPECT_NE(msg.find("node 'test_SequenceAt' (SequenceAt): position -4 is out of range"),
            std::string::npos)
      << msg;
  msg = SeqOpTest("SequenceAt")
            .input(three_floats())
            .input(Tensor::from_vector<int64_t>(Shape{2}, {0, 1}))
            .error();
  EXPECT_NE(msg.find("(position) must be an int32 or int64 scalar, got int64[2]"),
            std::string::npos)
      << msg;

  Tensor length = SeqOpTest("SequenceLength").input(three_floats()).run().tensor();
  ASSERT_EQ(length.dtype(), DataType::kInt64);
  EXPECT_EQ(length.rank(), 0u);
  EXPECT_EQ(length.data<int64_t>()[0], 3);
  EXPECT_EQ(SeqOpTest("SequenceLength")
                .input(Value::sequence({}, DataType::kBool))
                .run()
                .tensor()
                .data<int64_t>()[0],
            0);
}

TEST(CpuSequence, RegistryRefusesATensorWhereASequenceIsExpected) {
  std::string reason = SeqOpTest("SequenceAt").input(floats({1}, {1})).input(i64(0)).match_reason();
  EXPECT_EQ(reason, "input 0 is a tensor, which this kernel does not take");
  // Before opset 18 OptionalHasElement takes optionals only.
  reason = SeqOpTest("OptionalHasElement", 15).input(floats({1}, {1})).match_reason();
  EXPECT_EQ(reason, "input 0 is a tensor, which this kernel does not take");
  EXPECT_EQ(SeqOpTest("OptionalHasElement", 18).input(floats({1}, {1})).match_reason(), "");
  reason = SeqOpTest("OptionalGetElement", 17).input(floats({1}, {1})).match_reason();
  EXPECT_EQ(reason, "input 0 is a tensor, which this kernel does not take");
  EXPECT_EQ(SeqOpTest("OptionalGetElement", 18).input(floats({1}, {1})).match_reason(), "");
}

// ---- SplitToSequence -----------------------------------------------------------------------

// x = np.arange(12, dtype=np.float32).reshape(3, 4)
Tensor arange_3x4() {
  return floats({3, 4}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
}

TEST(CpuSequence, SplitToSequenceWithListedSizes) {
  // np.split(x, [1], axis=1)
  Value seq = SeqOpTest("SplitToSequence")
                  .input(arange_3x4())
                  .input(Tensor::from_vector<int64_t>(Shape{2}, {1, 3}))
                  .attr("axis", 1)
                  .run();
  ASSERT_EQ(seq.elements().size(), 2u);
  expect_near(seq.elements()[0], floats({3, 1}, {0, 4, 8}));
  expect_near(seq.elements()[1], floats({3, 3}, {1, 2, 3, 5, 6, 7, 9, 10, 11}));

  std::string msg = SeqOpTest("SplitToSequence")
                        .input(arange_3x4())
                        .input(Tensor::from_vector<int64_t>(Shape{2}, {1, 2}))
                        .attr("axis", 1)
                        .error();
  EXPECT_NE(msg.find("(SplitToSequence): split sizes [1,2] add up to 3, but axis 1 of input [3,4] "
                     "has length 4"),
            std::string::npos)
      << msg;
  msg = SeqOpTest("SplitToSequence")
            .input(arange_3x4())
            .input(Tensor::from_vector<int64_t>(Shape{2}, {-1, 5}))
            .attr("axis", 1)
            .error();
  EXPECT_NE(msg.find("(SplitToSequence): split sizes [-1,5] must each be in [0, 4]"),
            std::string::npos)
      << msg;
}

TEST(CpuSequence, SplitToSequenceWithAScalarSizeLeavesAShorterLastPiece) {
  // np.array_split(x, [3], axis=-1): pieces of 3 along the last axis, the last one of 1.
  Value seq = SeqOpTest("SplitToSequence")
                  .input(arange_3x4())
                  .input(Tensor::scalar<int32_t>(3))
                  .attr("axis", -1)
                  .run();
  ASSERT_EQ(seq.elements().size(), 2u);
  expect_near(seq.elements()[0], floats({3, 3}, {0, 1, 2, 4, 5, 6, 8, 9, 10}));
  expect_near(seq.elements()[1], floats({3, 1}, {3, 7, 11}));
  std::string msg = SeqOpTest("SplitToSequence").input(arange_3x4()).input(i64(0)).error();
  EXPECT_NE(msg.find("scalar split must be positive, got 0"), std::string::npos) << msg;
}

TEST(CpuSequence, SplitToSequenceWithoutSizesCutsSingleSlicesAndKeepdimsDropsTheAxis) {
  // [x[i] for i in range(3)] with keepdims=0; x[i:i+1] with the default keepdims=1.
  Value dropped = SeqOpTest("SplitToSequence").input(arange_3x4()).attr("keepdims", 0).run();
  ASSERT_EQ(dropped.elements().size(), 3u);
  expect_near(dropped.elements()[2], floats({4}, {8, 9, 10, 11}));
  Value kept = SeqOpTest("SplitToSequence").input(arange_3x4()).run();
  ASSERT_EQ(kept.elements().size(), 3u);
  expect_near(kept.elements()[1], floats({1, 4}, {4, 5, 6, 7}));
  // keepdims is ignored when split is given: x[:, 0:2] and x[:, 2:4] keep rank 2.
  Value ignored = SeqOpTest("SplitToSequence")
                      .input(arange_3x4())
                      .input(i64(2))
                      .attr("axis", 1)
                      .attr("keepdims", 0)
                      .run();
  ASSERT_EQ(ignored.elements().size(), 2u);
  expect_near(ignored.elements()[1], floats({3, 2}, {2, 3, 6, 7, 10, 11}));
  // An empty axis gives an empty sequence.
  Value none = SeqOpTest("SplitToSequence").input(Tensor(DataType::kFloat32, Shape{0, 2})).run();
  EXPECT_TRUE(none.elements().empty());
  EXPECT_EQ(none.element_type(), DataType::kFloat32);

  std::string msg = SeqOpTest("SplitToSequence").input(arange_3x4()).attr("axis", 2).error();
  EXPECT_NE(msg.find("(SplitToSequence): axis 2 is out of range for rank 2"), std::string::npos)
      << msg;
}

TEST(CpuSequence, SplitToSequenceOfStrings) {
  // np.split(np.array(list('abcdef')).reshape(2, 3), [2], axis=1)
  Tensor s(DataType::kString, Shape{2, 3});
  const char* letters[] = {"a", "b", "c", "d", "e", "f"};
  for (int i = 0; i < 6; ++i) s.data<std::string>()[i] = letters[i];
  Value seq = SeqOpTest("SplitToSequence")
                  .input(s)
                  .input(Tensor::from_vector<int64_t>(Shape{2}, {2, 1}))
                  .attr("axis", 1)
                  .run();
  ASSERT_EQ(seq.elements().size(), 2u);
  const Tensor& first = seq.elements()[0];
  ASSERT_EQ(first.shape(), (Shape{2, 2}));
  EXPECT_EQ(first.data<std::string>()[0], "a");
  EXPECT_EQ(first.data<std::string>()[1], "b");
  EXPECT_EQ(first.data<std::string>()[2], "d");
  EXPECT_EQ(first.data<std::string>()[3], "e");
  EXPECT_EQ(seq.elements()[1].data<std::string>()[1], "f");
}

// ---- ConcatFromSequence --------------------------------------------------------------------

// a = [[1, 2], [3, 4]], c = [[10], [20]], b = [[5, 6], [7, 8]]
Value a_c_b() {
  return Value::sequence(
      {floats({2, 2}, {1, 2, 3, 4}), floats({2, 1}, {10, 20}), floats({2, 2}, {5, 6, 7, 8})},
      DataType::kFloat32);
}
Value a_b() {
  return Value::sequence({floats({2, 2}, {1, 2, 3, 4}), floats({2, 2}, {5, 6, 7, 8})},
                         DataType::kFloat32);
}

TEST(CpuSequence, ConcatFromSequenceAlongAnExistingAxis) {
  // np.concatenate([a, c, b], axis=1)
  Tensor out = SeqOpTest("ConcatFromSequence").input(a_c_b()).attr("axis", 1).run().tensor();
  expect_near(out, floats({2, 5}, {1, 2, 10, 5, 6, 3, 4, 20, 7, 8}));
  // np.concatenate([a, b], axis=-2)
  out = SeqOpTest("ConcatFromSequence").input(a_b()).attr("axis", -2).run().tensor();
  expect_near(out, floats({4, 2}, {1, 2, 3, 4, 5, 6, 7, 8}));

  std::string msg = SeqOpTest("ConcatFromSequence").input(a_c_b()).attr("axis", 0).error();
  EXPECT_NE(msg.find("(ConcatFromSequence): sequence element 1 has shape [2,1], incompatible with "
                     "element 0 of "
                     "shape [2,2] on axes other than 0"),
            std::string::npos)
      << msg;
  msg = SeqOpTest("ConcatFromSequence")
            .input(Value::sequence({}, DataType::kFloat32))
            .attr("axis", 0)
            .error();
  EXPECT_NE(msg.find("cannot concatenate an empty sequence"), std::string::npos) << msg;
  msg = SeqOpTest("ConcatFromSequence").input(a_b()).attr("axis", 2).error();
  EXPECT_NE(msg.find("axis 2 is out of range for rank 2"), std::string::npos) << msg;
}

TEST(CpuSequence, ConcatFromSequenceStacksOnANewAxis) {
  // np.stack([a, b], axis=-1) == np.stack([a, b], axis=2): [[[1, 5], [2, 6]], [[3, 7], [4, 8]]]
  const Tensor stacked_last = floats({2, 2, 2}, {1, 5, 2, 6, 3, 7, 4, 8});
  expect_near(SeqOpTest("ConcatFromSequence")
                  .input(a_b())
                  .attr("axis", -1)
                  .attr("new_axis", 1)
                  .run()
                  .tensor(),
              stacked_last);
  expect_near(SeqOpTest("ConcatFromSequence")
                  .input(a_b())
                  .attr("axis", 2)
                  .attr("new_axis", 1)
                  .run()
                  .tensor(),
              stacked_last);
  // np.stack([a, b], axis=0)
  expect_near(SeqOpTest("ConcatFromSequence")
                  .input(a_b())
                  .attr("axis", 0)
                  .attr("new_axis", 1)
                  .run()
                  .tensor(),
              floats({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8}));
  // Scalars stack into a vector: np.stack([np.float32(1), np.float32(2)])
  Value scalars =
      Value::sequence({Tensor::scalar<float>(1), Tensor::scalar<float>(2)}, DataType::kFloat32);
  expect_near(SeqOpTest("ConcatFromSequence")
                  .input(scalars)
                  .attr("axis", 0)
                  .attr("new_axis", 1)
                  .run()
                  .tensor(),
              floats({2}, {1, 2}));
  std::string msg =
      SeqOpTest("ConcatFromSequence").input(a_c_b()).attr("axis", 0).attr("new_axis", 1).error();
  EXPECT_NE(msg.find("stacking needs equal shapes"), std::string::npos) << msg;
}

// ---- optionals -----------------------------------------------------------------------------

TEST(CpuSequence, OptionalWrapsAValueOrIsEmptyOfTheTypeAttribute) {
  Value holds = SeqOpTest("Optional").input(floats({2}, {1, 2})).run();
  ASSERT_EQ(holds.kind(), ValueKind::kOptional);
  ASSERT_TRUE(holds.has_element());
  expect_near(holds.element().tensor(), floats({2}, {1, 2}));

  Value holds_seq = SeqOpTest("Optional").input(three_floats()).run();
  ASSERT_TRUE(holds_seq.has_element());
  EXPECT_EQ(holds_seq.element_kind(), ValueKind::kSequence);

  Value empty =
      SeqOpTest("Optional").omitted_input().type_attr(ValueKind::kSequence, DataType::kInt32).run();
  ASSERT_EQ(empty.kind(), ValueKind::kOptional);
  EXPECT_FALSE(empty.has_element());
  EXPECT_EQ(empty.element_kind(), ValueKind::kSequence);
  EXPECT_EQ(empty.element_type(), DataType::kInt32);

  std::string msg = SeqOpTest("Optional").omitted_input().error();
  EXPECT_NE(msg.find("node 'test_Optional' (Optional): without an input, the 'type' attribute"),
            std::string::npos)
      << msg;
}

bool has_element(SeqOpTest test) {
  Tensor out = test.run().tensor();
  EXPECT_EQ(out.dtype(), DataType::kBool);
  EXPECT_EQ(out.rank(), 0u);
  return out.data<bool>()[0];
}

TEST(CpuSequence, OptionalHasElement) {
  const Value present = Value::optional(floats({1}, {1}));
  const Value absent = Value::empty_optional(ValueKind::kTensor, DataType::kFloat32);
  EXPECT_TRUE(has_element(SeqOpTest("OptionalHasElement", 15).input(present)));
  EXPECT_FALSE(has_element(SeqOpTest("OptionalHasElement", 15).input(absent)));
  // Opset 18: a tensor or a sequence is present, an omitted input is not.
  EXPECT_TRUE(has_element(SeqOpTest("OptionalHasElement", 18).input(floats({1}, {1}))));
  EXPECT_TRUE(has_element(SeqOpTest("OptionalHasElement", 18).input(three_floats())));
  EXPECT_FALSE(has_element(SeqOpTest("OptionalHasElement", 18).omitted_input()));
  EXPECT_FALSE(has_element(SeqOpTest("OptionalHasElement", 18)));
  // A plain value fed where an optional is declared (a Loop-carried optional) counts as present
  // before opset 18 too.
  EXPECT_TRUE(has_element(
      SeqOpTest("OptionalHasElement", 16).input(three_floats()).declared_as(ValueKind::kOptional)));
}

TEST(CpuSequence, OptionalGetElement) {
  expect_near(SeqOpTest("OptionalGetElement", 15)
                  .input(Value::optional(floats({2}, {3, 4})))
                  .run()
                  .tensor(),
              floats({2}, {3, 4}));
  Value seq = SeqOpTest("OptionalGetElement", 15).input(Value::optional(three_floats())).run();
  expect_lengths(seq, {1, 2, 3});
  // Opset 18 passes tensors and sequences through.
  expect_near(SeqOpTest("OptionalGetElement", 18).input(floats({1}, {5})).run().tensor(),
              floats({1}, {5}));
  expect_lengths(SeqOpTest("OptionalGetElement", 18).input(three_floats()).run(), {1, 2, 3});

  std::string msg = SeqOpTest("OptionalGetElement", 18)
                        .input(Value::empty_optional(ValueKind::kTensor, DataType::kFloat32))
                        .error();
  EXPECT_NE(msg.find("node 'test_OptionalGetElement' (OptionalGetElement): input 0 ('in0') is an "
                     "empty optional"),
            std::string::npos)
      << msg;
}

// ---- type inference ------------------------------------------------------------------------

Node make_node(const std::string& op, std::vector<std::string> inputs,
               std::vector<std::string> outputs) {
  Node n;
  n.name = op;
  n.op_type = op;
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  return n;
}

TEST(CpuSequence, TypeInferenceGivesKindsAndElementTypes) {
  Graph g;
  g.value_types["x"] = TypeInfo{ValueKind::kTensor, DataType::kFloat16, std::nullopt};
  g.value_types["pos"] = TypeInfo{ValueKind::kTensor, DataType::kInt64, std::nullopt};
  g.value_types["opt_in"] = TypeInfo{ValueKind::kOptional, DataType::kInt32, std::nullopt};
  g.nodes.push_back(make_node("SplitToSequence", {"x"}, {"split"}));
  g.nodes.push_back(make_node("SequenceInsert", {"split", "x"}, {"inserted"}));
  g.nodes.push_back(make_node("SequenceErase", {"inserted", "pos"}, {"erased"}));
  g.nodes.push_back(make_node("SequenceConstruct", {"x", "x"}, {"built"}));
  g.nodes.push_back(make_node("SequenceAt", {"erased", "pos"}, {"at"}));
  g.nodes.push_back(make_node("ConcatFromSequence", {"built"}, {"concat"}));
  g.nodes.push_back(make_node("SequenceLength", {"built"}, {"length"}));
  Node empty = make_node("SequenceEmpty", {}, {"empty"});
  empty.attributes.push_back(Attribute{});
  empty.attributes.back().name = "dtype";
  empty.attributes.back().type = Attribute::Type::kInt;
  empty.attributes.back().i = onnx::TensorProto::UINT8;
  g.nodes.push_back(empty);
  g.nodes.push_back(make_node("Optional", {"built"}, {"opt_seq"}));
  g.nodes.push_back(make_node("OptionalGetElement", {"opt_seq"}, {"got_seq"}));
  g.nodes.push_back(make_node("OptionalGetElement", {"opt_in"}, {"got_unknown"}));
  g.nodes.push_back(make_node("OptionalGetElement", {"x"}, {"got_tensor"}));
  g.nodes.push_back(make_node("OptionalHasElement", {"opt_in"}, {"has"}));
  Node typed_empty = make_node("Optional", {}, {"opt_empty"});
  typed_empty.attributes.push_back(Attribute{});
  typed_empty.attributes.back().name = "type";
  typed_empty.attributes.back().type = Attribute::Type::kTypeProto;
  typed_empty.attributes.back().type_proto =
      TypeInfo{ValueKind::kTensor, DataType::kBool, std::nullopt};
  g.nodes.push_back(typed_empty);
  g.nodes.push_back(make_node("OptionalGetElement", {"opt_empty"}, {"got_bool"}));
  infer_types(g);

  auto expect_type = [&](const std::string& name, ValueKind kind, DataType dtype) {
    const TypeInfo* t = g.find_type(name);
    ASSERT_NE(t, nullptr) << name;
    EXPECT_EQ(t->kind, kind) << name;
    EXPECT_EQ(t->dtype, dtype) << name;
  };
  expect_type("split", ValueKind::kSequence, DataType::kFloat16);
  expect_type("inserted", ValueKind::kSequence, DataType::kFloat16);
  expect_type("erased", ValueKind::kSequence, DataType::kFloat16);
  expect_type("built", ValueKind::kSequence, DataType::kFloat16);
  expect_type("at", ValueKind::kTensor, DataType::kFloat16);
  expect_type("concat", ValueKind::kTensor, DataType::kFloat16);
  expect_type("length", ValueKind::kTensor, DataType::kInt64);
  expect_type("empty", ValueKind::kSequence, DataType::kUInt8);
  expect_type("opt_seq", ValueKind::kOptional, DataType::kFloat16);
  expect_type("got_seq", ValueKind::kSequence, DataType::kFloat16);
  expect_type("got_tensor", ValueKind::kTensor, DataType::kFloat16);
  expect_type("has", ValueKind::kTensor, DataType::kBool);
  expect_type("opt_empty", ValueKind::kOptional, DataType::kBool);
  expect_type("got_bool", ValueKind::kTensor, DataType::kBool);
  // A graph input optional does not say whether it holds a tensor or a sequence: left untyped.
  EXPECT_EQ(g.find_type("got_unknown"), nullptr);
}

// ---- through a session ---------------------------------------------------------------------

onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& op, std::vector<std::string> in,
                          std::vector<std::string> out) {
  auto* n = g->add_node();
  n->set_name(op);
  n->set_op_type(op);
  for (auto& i : in) n->add_input(i);
  for (auto& o : out) n->add_output(o);
  return n;
}

void add_float_value(onnx::ValueInfoProto* v, const std::string& name, std::vector<int64_t> dims) {
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->mutable_shape()->add_dim()->set_dim_value(d);
}

TEST(CpuSequence, ChainOfSequenceOpsRunsInASession) {
  // Sequences only on intermediate edges, so the session relies on inferred kinds:
  // s = [x[0:1], x[1:2], x[2:3]]; s.insert(-1, t); del s[0]; y = np.concatenate(s, 0); n = len(s)
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(18);
  auto* g = m.mutable_graph();
  g->set_name("seq_chain");
  add_float_value(g->add_input(), "x", {3, 2});
  add_float_value(g->add_input(), "t", {1, 2});
  add_float_value(g->add_output(), "y", {3, 2});
  auto* n_out = g->add_output();
  n_out->set_name("n");
  n_out->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::INT64);
  auto* minus_one = g->add_initializer();
  minus_one->set_name("minus_one");
  minus_one->set_data_type(onnx::TensorProto::INT64);
  minus_one->add_int64_data(-1);
  auto* zero = g->add_initializer();
  zero->set_name("zero");
  zero->set_data_type(onnx::TensorProto::INT64);
  zero->add_int64_data(0);
  add_node(g, "SplitToSequence", {"x"}, {"rows"});
  add_node(g, "SequenceInsert", {"rows", "t", "minus_one"}, {"inserted"});
  add_node(g, "SequenceErase", {"inserted", "zero"}, {"erased"});
  auto* axis = add_node(g, "ConcatFromSequence", {"erased"}, {"y"})->add_attribute();
  axis->set_name("axis");
  axis->set_type(onnx::AttributeProto::INT);
  axis->set_i(0);
  add_node(g, "SequenceLength", {"erased"}, {"n"});

  Session s(Environment(), m.SerializeAsString(), "seq_chain.onnx", "", {});
  auto out = s.run({{"x", floats({3, 2}, {0, 1, 2, 3, 4, 5})}, {"t", floats({1, 2}, {100, 200})}});
  ASSERT_EQ(out.size(), 2u);
  expect_near(out[0], floats({3, 2}, {2, 3, 100, 200, 4, 5}));
  ASSERT_EQ(out[1].dtype(), DataType::kInt64);
  EXPECT_EQ(out[1].data<int64_t>()[0], 3);
}

}  // namespace
}  // namespace aruntime
