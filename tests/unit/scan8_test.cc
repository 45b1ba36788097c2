// Scan at opset 8 through the public Session API: the optional sequence_lens input, the leading
// batch axis of state variables, scan inputs and scan outputs, per-input directions, and the
// errors for inconsistent batches. The opset-9 form is checked alongside, since both kernels share
// the body loop.
//
// Expected values come from a numpy transcription of the pseudo-code in
// onnx.defs.get_schema('Scan', 8).doc (onnx 1.18): for each batch element b, start from
// init[b], run the body N = sequence_lens[b] times on x[b][t] (x[b][N-1-t] for a reversed input),
// stack the final states along axis 0 and place step t of each scan output at [b, t]. The spec
// leaves the steps past a shorter sequence undefined; aruntime writes zeros there, and the
// reference does the same.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <optional>
#include <string>
#include <vector>

#include "aruntime/session.h"
#include "tests/unit/op_test_util.h"

namespace aruntime {
namespace {

using testing::expect_error;
using testing::expect_near;
using testing::f32;
using testing::i64;

void float_value(onnx::ValueInfoProto* v, const std::string& name,
                 std::optional<std::vector<int64_t>> dims = {}) {
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  if (dims) {
    auto* shape = t->mutable_shape();
    for (int64_t d : *dims) shape->add_dim()->set_dim_value(d);
  }
}

void add_node(onnx::GraphProto* g, const std::string& op, std::vector<std::string> in,
              std::vector<std::string> out) {
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(op + "_" + out[0]);
  for (auto& i : in) n->add_input(i);
  for (auto& o : out) n->add_output(o);
}

// A model whose one node is Scan over `body`: graph inputs are sequence_lens (when
// `with_sequence_lens`), then init0.., then x0..; graph outputs y0.. (final states) and z0..
// (scan outputs). `directions` is set when not empty.
onnx::ModelProto scan_model(int64_t opset, const onnx::GraphProto& body, int num_state,
                            int num_scan_inputs, int num_scan_outputs, bool with_sequence_lens,
                            const std::vector<int64_t>& directions) {
  onnx::ModelProto m;
  m.set_ir_version(opset >= 9 ? 4 : 3);
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  auto* g = m.mutable_graph();
  g->set_name("main");
  auto* n = g->add_node();
  n->set_op_type("Scan");
  n->set_name("scan");
  if (opset == 8) {
    if (with_sequence_lens) {
      auto* v = g->add_input();
      v->set_name("sequence_lens");
      v->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::INT64);
    }
    n->add_input(with_sequence_lens ? "sequence_lens" : "");
  }
  for (int k = 0; k < num_state; ++k) {
    float_value(g->add_input(), "init" + std::to_string(k));
    n->add_input("init" + std::to_string(k));
  }
  for (int k = 0; k < num_scan_inputs; ++k) {
    float_value(g->add_input(), "x" + std::to_string(k));
    n->add_input("x" + std::to_string(k));
  }
  for (int k = 0; k < num_state; ++k) {
    float_value(g->add_output(), "y" + std::to_string(k));
    n->add_output("y" + std::to_string(k));
  }
  for (int k = 0; k < num_scan_outputs; ++k) {
    float_value(g->add_output(), "z" + std::to_string(k));
    n->add_output("z" + std::to_string(k));
  }
  auto* a = n->add_attribute();
  a->set_name("num_scan_inputs");
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(num_scan_inputs);
  if (!directions.empty()) {
    auto* d = n->add_attribute();
    d->set_name("directions");
    d->set_type(onnx::AttributeProto::INTS);
    for (int64_t v : directions) d->add_ints(v);
  }
  auto* b = n->add_attribute();
  b->set_name("body");
  b->set_type(onnx::AttributeProto::GRAPH);
  *b->mutable_g() = body;
  return m;
}

// Running sum: sum_out = sum_in + next; the scan output repeats sum_out. Every value is [2].
onnx::GraphProto sum_body() {
  onnx::GraphProto b;
  b.set_name("sum_body");
  float_value(b.add_input(), "sum_in", std::vector<int64_t>{2});
  float_value(b.add_input(), "next", std::vector<int64_t>{2});
  add_node(&b, "Add", {"sum_in", "next"}, {"sum_out"});
  add_node(&b, "Identity", {"sum_out"}, {"scan_out"});
  float_value(b.add_output(), "sum_out", std::vector<int64_t>{2});
  float_value(b.add_output(), "scan_out", std::vector<int64_t>{2});
  return b;
}

// Two scan inputs (fed the same tensor, one forward, one reversed): s_out = 2 s + fwd - rev; scan
// outputs s_out and rev, so the order in which the reversed input is read shows.
onnx::GraphProto bidirectional_body() {
  onnx::GraphProto b;
  b.set_name("bidirectional_body");
  float_value(b.add_input(), "s");
  float_value(b.add_input(), "fwd");
  float_value(b.add_input(), "rev");
  add_node(&b, "Add", {"s", "s"}, {"twice"});
  add_node(&b, "Add", {"twice", "fwd"}, {"plus"});
  add_node(&b, "Sub", {"plus", "rev"}, {"s_out"});
  add_node(&b, "Identity", {"s_out"}, {"s_step"});
  add_node(&b, "Identity", {"rev"}, {"rev_step"});
  float_value(b.add_output(), "s_out");
  float_value(b.add_output(), "s_step");
  float_value(b.add_output(), "rev_step");
  return b;
}

Session session_of(const onnx::ModelProto& m) {
  return Session(Environment(), m.SerializeAsString(), "scan8.onnx", "");
}

// x[2,3,2], init[2,2], sequence_lens [3, 1]: batch element 0 sums all three steps from [0, 0],
// element 1 only its first step from [10, -10]; its steps 1 and 2 of z are padding.
TEST(Scan8, CarriesStatePerBatchElementForItsOwnSequenceLength) {
  Session s = session_of(scan_model(8, sum_body(), 1, 1, 1, true, {}));
  auto out = s.run({{"sequence_lens", i64(Shape{2}, {3, 1})},
                    {"init0", f32(Shape{2, 2}, {0, 0, 10, -10})},
                    {"x0", f32(Shape{2, 3, 2}, {1, 2, 3, 4, 5, 6, 0.5f, -1, 2, 2, 7, 7})}});
  ASSERT_EQ(out.size(), 2u);
  expect_near(out[0], f32(Shape{2, 2}, {9, 12, 10.5f, -11}));
  expect_near(out[1], f32(Shape{2, 3, 2}, {1, 2, 4, 6, 9, 12, 10.5f, -11, 0, 0, 0, 0}));
}

// The same model without sequence_lens: every sequence runs its full length (3).
// numpy: y = init + x.sum(axis=1); z = init[:, None] + x.cumsum(axis=1).
TEST(Scan8, WithoutSequenceLensEverySequenceRunsToTheEnd) {
  Session s = session_of(scan_model(8, sum_body(), 1, 1, 1, false, {}));
  auto out = s.run({{"init0", f32(Shape{2, 2}, {0, 0, 10, -10})},
                    {"x0", f32(Shape{2, 3, 2}, {1, 2, 3, 4, 5, 6, 0.5f, -1, 2, 2, 7, 7})}});
  expect_near(out[0], f32(Shape{2, 2}, {9, 12, 19.5f, -2}));
  expect_near(out[1], f32(Shape{2, 3, 2}, {1, 2, 4, 6, 9, 12, 10.5f, -11, 12.5f, -9, 19.5f, -2}));
}

// x[2,3,1] = [[1,2,3],[4,5,6]], init [[0.5],[-1]], directions [0, 1], sequence_lens [3, 2]: the
// reversed input of batch element 1 reads 5 then 4 (its own last step first, not the padding).
TEST(Scan8, ReverseDirectionScansEachSequenceFromItsOwnEnd) {
  Session s = session_of(scan_model(8, bidirectional_body(), 1, 2, 2, true, {0, 1}));
  Tensor x = f32(Shape{2, 3, 1}, {1, 2, 3, 4, 5, 6});
  Tensor init = f32(Shape{2, 1}, {0.5f, -1});
  auto out =
      s.run({{"sequence_lens", i64(Shape{2}, {3, 2})}, {"init0", init}, {"x0", x}, {"x1", x}});
  expect_near(out[0], f32(Shape{2, 1}, {-2, -5}));
  expect_near(out[1], f32(Shape{2, 3, 1}, {-1, -2, -2, -3, -5, 0}));
  expect_near(out[2], f32(Shape{2, 3, 1}, {3, 2, 1, 5, 4, 0}));

  // Full length: batch element 1 reads 6, 5, 4 reversed.
  auto full =
      s.run({{"sequence_lens", i64(Shape{2}, {3, 3})}, {"init0", init}, {"x0", x}, {"x1", x}});
  expect_near(full[0], f32(Shape{2, 1}, {-2, -14}));
  expect_near(full[1], f32(Shape{2, 3, 1}, {-1, -2, -2, -4, -8, -14}));
  expect_near(full[2], f32(Shape{2, 3, 1}, {3, 2, 1, 6, 5, 4}));
}

// A zero-length sequence leaves its initial state as the final state and its scan output all
// padding; when no sequence runs at all, the body's declared step shape [2] sizes the output.
TEST(Scan8, ZeroLengthSequencesKeepTheirInitialState) {
  Session s = session_of(scan_model(8, sum_body(), 1, 1, 1, true, {}));
  Tensor init = f32(Shape{2, 2}, {0, 0, 10, -10});
  Tensor x = f32(Shape{2, 3, 2}, {1, 2, 3, 4, 5, 6, 0.5f, -1, 2, 2, 7, 7});
  auto out = s.run({{"sequence_lens", i64(Shape{2}, {0, 2})}, {"init0", init}, {"x0", x}});
  expect_near(out[0], f32(Shape{2, 2}, {0, 0, 12.5f, -9}));
  expect_near(out[1], f32(Shape{2, 3, 2}, {0, 0, 0, 0, 0, 0, 10.5f, -11, 12.5f, -9, 0, 0}));

  auto none = s.run({{"sequence_lens", i64(Shape{2}, {0, 0})}, {"init0", init}, {"x0", x}});
  expect_near(none[0], init);
  expect_near(none[1], f32(Shape{2, 3, 2}, std::vector<float>(12, 0.0f)));
}

TEST(Scan8, RejectsSequenceLensOutOfRange) {
  Session s = session_of(scan_model(8, sum_body(), 1, 1, 1, true, {}));
  Tensor init = f32(Shape{2, 2}, {0, 0, 10, -10});
  Tensor x = f32(Shape{2, 3, 2}, {1, 2, 3, 4, 5, 6, 0.5f, -1, 2, 2, 7, 7});
  expect_error(
      [&] {
        s.run({{"sequence_lens", i64(Shape{2}, {3, 4})}, {"init0", init}, {"x0", x}});
      },
      ErrorCode::kInvalidArgument, {"node 'scan' (Scan)", "sequence_lens[1] is 4, expected 0..3"});
  expect_error(
      [&] {
        s.run({{"sequence_lens", i64(Shape{2}, {-1, 2})}, {"init0", init}, {"x0", x}});
      },
      ErrorCode::kInvalidArgument, {"node 'scan' (Scan)", "sequence_lens[0] is -1, expected 0..3"});
  expect_error(
      [&] {
        s.run({{"sequence_lens", i64(Shape{3}, {1, 1, 1})}, {"init0", init}, {"x0", x}});
      },
      ErrorCode::kInvalidArgument,
      {"node 'scan' (Scan)", "sequence_lens", "int64[3]", "expected int64[2]"});
}

TEST(Scan8, RejectsMismatchedBatchSizesAndSequenceLengths) {
  Session s = session_of(scan_model(8, bidirectional_body(), 1, 2, 2, false, {0, 1}));
  Tensor init = f32(Shape{2, 1}, {0.5f, -1});
  Tensor x = f32(Shape{2, 3, 1}, {1, 2, 3, 4, 5, 6});
  expect_error(
      [&] {
        s.run(
            {{"init0", init}, {"x0", x}, {"x1", f32(Shape{3, 3, 1}, std::vector<float>(9, 1.0f))}});
      },
      ErrorCode::kInvalidArgument,
      {"node 'scan' (Scan)", "scan input 1", "'x1'", "[3,3,1]", "batch size 2"});
  expect_error(
      [&] {
        s.run({{"init0", init}, {"x0", x}, {"x1", f32(Shape{2, 2, 1}, {1, 2, 3, 4})}});
      },
      ErrorCode::kInvalidArgument, {"node 'scan' (Scan)", "scan input 1", "sequence length 3"});
  expect_error(
      [&] {
        s.run({{"init0", f32(Shape{1, 1}, {0})}, {"x0", x}, {"x1", x}});
      },
      ErrorCode::kInvalidArgument,
      {"node 'scan' (Scan)", "initial state 0", "'init0'", "[1,1]", "batch size 2"});
  expect_error(
      [&] {
        s.run({{"init0", init}, {"x0", f32(Shape{2}, {1, 2})}, {"x1", x}});
      },
      ErrorCode::kInvalidArgument,
      {"node 'scan' (Scan)", "scan input 0", "expected [batch, sequence, ...]"});
}

TEST(Scan8, RejectsDirectionsThatAreNotOneFlagPerScanInput) {
  expect_error([] { session_of(scan_model(8, bidirectional_body(), 1, 2, 2, false, {0})); },
               ErrorCode::kInvalidModel,
               {"node 'scan' (Scan)", "directions has 1 entries, expected 2"});
  expect_error(
      [] {
        session_of(scan_model(8, bidirectional_body(), 1, 2, 2, false, {0, 2}));
      },
      ErrorCode::kInvalidModel, {"node 'scan' (Scan)", "directions[1] is 2, expected 0 or 1"});
}

// Opset 9 has no batch axis and no sequence_lens: x[3,2] from init [0,0] gives the running sum
// (numpy: y = x.sum(0), z = x.cumsum(0)).
TEST(Scan8, OpsetNineFormIsUnchanged) {
  Session s = session_of(scan_model(9, sum_body(), 1, 1, 1, false, {}));
  auto out =
      s.run({{"init0", f32(Shape{2}, {0, 0})}, {"x0", f32(Shape{3, 2}, {1, 2, 3, 4, 5, 6})}});
  expect_near(out[0], f32(Shape{2}, {9, 12}));
  expect_near(out[1], f32(Shape{3, 2}, {1, 2, 4, 6, 9, 12}));
}

}  // namespace
}  // namespace aruntime
