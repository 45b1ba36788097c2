// The optimizer's basic (level 1) rewrites beyond identity/dead code/Conv+BN: shape and constant
// folding (through the CPU provider's kernels), no-op elimination, Transpose and Reshape chains,
// Div by a constant, common subexpressions. For each: what it rewrites, the cases where it must
// not fire, and the outputs before and after on the CPU provider being the same. Expected values
// are derived by hand from the ONNX definitions (each test says how).
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <limits>

#include "aruntime/session.h"
#include "core/arena.h"
#include "core/constant_evaluator.h"
#include "core/execution_plan.h"
#include "core/executor.h"
#include "core/partitioner.h"
#include "graph/optimizer/pass_manager.h"
#include "graph/shape_inference.h"
#include "graph/type_inference.h"
#include "providers/cpu/cpu_execution_provider.h"
#include "tests/unit/graph_runner.h"
#include "tests/unit/op_test_util.h"
#include "tests/unit/test_execution_provider.h"

namespace aruntime {
namespace {

using optimizer::Level;
using optimizer::OptimizerOptions;
using testing::f32;
using testing::GraphBuilder;
using testing::i64;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

const CpuExecutionProvider& cpu() {
  static const CpuExecutionProvider provider;
  return provider;
}

const ProviderNodeEvaluator& cpu_evaluator() {
  static const ProviderNodeEvaluator evaluator({&cpu()});
  return evaluator;
}

std::vector<std::string> ops(const Graph& g) {
  std::vector<std::string> o;
  for (const Node& n : g.nodes) o.push_back(n.op_type);
  return o;
}

// Types and shapes as the session infers them before optimizing. GraphBuilder types every node
// output float32, which Shape and the integer ops do not produce, so those entries go first.
void infer(GraphBuilder& b) {
  for (const Node& n : b.graph().nodes) {
    for (const auto& o : n.outputs) b.graph().value_types.erase(o);
  }
  infer_types(b.graph());
  infer_shapes(b.graph());
}

// Level 1 only, so that passes of other levels do not blur what these tests look at.
optimizer::OptimizationReport optimize(GraphBuilder& b, std::set<std::string> disabled = {},
                                       OptimizerOptions o = {}) {
  infer(b);
  o.level = Level::kBasic;
  o.disabled = std::move(disabled);
  if (o.evaluator == nullptr) o.evaluator = &cpu_evaluator();
  return optimizer::optimize(b.model, o);
}

int rewrites(const optimizer::OptimizationReport& r, const std::string& pass) {
  for (const auto& p : r.passes) {
    if (p.pass == pass) return p.rewrites;
  }
  return -1;
}

std::vector<Tensor> run_on_cpu(GraphBuilder& b, std::vector<Tensor> inputs) {
  return testing::run_graph(b, {&cpu()}, std::move(inputs));
}

// Runs the graph `make` builds as it is and after level-1 optimization, on the same inputs, and
// checks every output matches (numpy.allclose with the given tolerances; 0 and 0 means equal).
void expect_same_outputs(const std::function<GraphBuilder()>& make,
                         const std::vector<Tensor>& inputs, double rtol = 0, double atol = 0,
                         std::set<std::string> disabled = {}) {
  GraphBuilder plain = make();
  infer(plain);
  const std::vector<Tensor> expected = run_on_cpu(plain, inputs);
  GraphBuilder optimized = make();
  optimize(optimized, std::move(disabled));
  const std::vector<Tensor> actual = run_on_cpu(optimized, inputs);
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_EQ(actual[i].shape(), expected[i].shape()) << "output " << i;
    testing::expect_near(actual[i], expected[i], rtol, atol);
  }
}

using testing::int_attr;
using testing::ints_attr;

Attribute float_attr(const std::string& name, float v) {
  Attribute a;
  a.name = name;
  a.type = Attribute::Type::kFloat;
  a.f = v;
  return a;
}

Attribute tensor_attr(const std::string& name, Tensor t) {
  Attribute a;
  a.name = name;
  a.type = Attribute::Type::kTensor;
  a.t = std::move(t);
  return a;
}

// Adds attributes to the node added last.
void with(GraphBuilder& b, std::vector<Attribute> attrs) {
  for (auto& a : attrs) b.graph().nodes.back().attributes.push_back(std::move(a));
}

// A subgraph attribute whose body computes `op`(`outer`) and returns it: a node of the body that
// reads a value of the enclosing graph.
Attribute body_reading(const Graph& parent, const std::string& attr_name, const std::string& op,
                       const std::string& outer, const std::string& out) {
  auto body = std::make_shared<Graph>();
  body->parent = &parent;
  Node n;
  n.name = attr_name + "_" + op;
  n.op_type = op;
  n.inputs = {outer};
  n.outputs = {out};
  body->nodes.push_back(n);
  body->outputs.push_back({out, TypeInfo{ValueKind::kTensor, DataType::kFloat32, std::nullopt}});
  Attribute a;
  a.name = attr_name;
  a.type = Attribute::Type::kGraph;
  a.g = body;
  return a;
}

const Tensor& constant_input(GraphBuilder& b, size_t node, size_t input) {
  const Tensor* t = b.graph().constant(b.graph().nodes.at(node).inputs.at(input));
  if (t == nullptr) throw std::runtime_error("input is not a constant");
  return *t;
}

// --- shape_folding ---------------------------------------------------------------------------

// y = Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 1), [0]), [-1])): the target shape [3, -1] is
// computed from x's static shape [2, 3, 4], so x becomes [3, 8].
GraphBuilder shape_chain() {
  GraphBuilder b;
  b.input("x", {2, 3, 4}).output("y");
  b.initializer("one", Tensor::scalar<int64_t>(1));
  b.initializer("axis0", i64({1}, {0}));
  b.initializer("minus_one", i64({1}, {-1}));
  b.node("shape", "Shape", {"x"}, {"s"});
  b.node("gather", "Gather", {"s", "one"}, {"d1"});
  b.node("unsqueeze", "Unsqueeze", {"d1", "axis0"}, {"d1v"});
  b.node("concat", "Concat", {"d1v", "minus_one"}, {"target"});
  with(b, {int_attr("axis", 0)});
  b.node("reshape", "Reshape", {"x", "target"}, {"y"});
  return b;
}

TEST(ShapeFolding, StaticShapesFoldAndTheChainAfterThemToo) {
  GraphBuilder b = shape_chain();
  auto r = optimize(b);
  EXPECT_EQ(rewrites(r, "shape_folding"), 1);
  EXPECT_EQ(rewrites(r, "constant_folding"), 3);  // Gather, Unsqueeze, Concat
  ASSERT_EQ(ops(b.graph()), std::vector<std::string>{"Reshape"});
  const Tensor& target = constant_input(b, 0, 1);
  EXPECT_EQ(target.to_int64_vector(), (std::vector<int64_t>{3, -1}));
  // Shape's value and the intermediate constants are unread now and gone.
  EXPECT_FALSE(b.graph().is_initializer("s"));
  EXPECT_FALSE(b.graph().is_initializer("one"));

  std::vector<float> x(24);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) - 7.5f;
  expect_same_outputs(shape_chain, {f32({2, 3, 4}, x)});
  const Tensor y = run_on_cpu(b, {f32({2, 3, 4}, x)})[0];
  EXPECT_EQ(y.shape(), (Shape{3, 8}));  // Reshape keeps the elements in order
  testing::expect_near(y, f32({3, 8}, x));
}

TEST(ShapeFolding, ShapeWithStartAndEndAndSize) {
  GraphBuilder b;
  b.input("x", {2, 3, 4, 5}).output("s").output("n");
  b.node("shape", "Shape", {"x"}, {"s"});
  with(b, {int_attr("start", -3), int_attr("end", -1)});
  b.node("size", "Size", {"x"}, {"n"});
  optimize(b);
  EXPECT_TRUE(b.graph().nodes.empty());
  // Shape-15: dims [-3, -1) of [2, 3, 4, 5] are [3, 4]; Size is 2*3*4*5 = 120.
  EXPECT_EQ(b.graph().constant("s")->to_int64_vector(), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(b.graph().constant("n")->to_int64_vector(), (std::vector<int64_t>{120}));
  EXPECT_EQ(b.graph().constant("n")->rank(), 0u);
  // Graph outputs that became constants are still returned by a run.
  const auto out = run_on_cpu(b, {f32({2, 3, 4, 5}, std::vector<float>(120, 1.0f))});
  EXPECT_EQ(out[0].to_int64_vector(), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(out[1].to_int64_vector(), (std::vector<int64_t>{120}));
}

TEST(ShapeFolding, MustNotFireOnDynamicShapes) {
  GraphBuilder b;
  b.input("x", {-1, 3}).output("s");
  b.node("shape", "Shape", {"x"}, {"s"});
  auto r = optimize(b);
  EXPECT_EQ(ops(b.graph()), std::vector<std::string>{"Shape"});
  EXPECT_EQ(rewrites(r, "shape_folding"), 0);

  // A shape slice of only static dims would be known, but this pass folds whole static shapes.
  GraphBuilder partial;
  partial.input("x", {-1, 3}).output("s");
  partial.node("shape", "Shape", {"x"}, {"s"});
  with(partial, {int_attr("start", 1)});
  optimize(partial);
  EXPECT_EQ(ops(partial.graph()), std::vector<std::string>{"Shape"});
}

// --- constant_folding ------------------------------------------------------------------------

// y = x * (c1 + c2) + Constant(k)
GraphBuilder folding_chain() {
  GraphBuilder b;
  b.input("x", {3}).output("y");
  b.initializer("c1", f32({3}, {1.0f, 2.0f, 3.0f}));
  b.initializer("c2", f32({3}, {0.5f, -4.0f, 10.0f}));
  b.node("add", "Add", {"c1", "c2"}, {"sum"});
  b.node("k", "Constant", {}, {"k"});
  with(b, {tensor_attr("value", f32({1}, {0.25f}))});
  b.node("mul", "Mul", {"x", "sum"}, {"m"});
  b.node("bias", "Add", {"m", "k"}, {"y"});
  return b;
}

TEST(ConstantFolding, ConstantNodesAndConstantInputsBecomeInitializers) {
  GraphBuilder b = folding_chain();
  auto r = optimize(b);
  EXPECT_EQ(rewrites(r, "constant_folding"), 2);
  ASSERT_EQ(ops(b.graph()), (std::vector<std::string>{"Mul", "Add"}));
  // c1 + c2 = [1.5, -2, 13]
  testing::expect_near(constant_input(b, 0, 1), f32({3}, {1.5f, -2.0f, 13.0f}));
  testing::expect_near(constant_input(b, 1, 1), f32({1}, {0.25f}));
  const TypeInfo* type = b.graph().find_type(b.graph().nodes[0].inputs[1]);
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(type->to_string(), "float32[3]");
  expect_same_outputs(folding_chain, {f32({3}, {2.0f, -1.0f, 0.5f})});
  // x * [1.5, -2, 13] + 0.25 for x = [2, -1, 0.5]
  testing::expect_near(run_on_cpu(b, {f32({3}, {2.0f, -1.0f, 0.5f})})[0],
                       f32({3}, {3.25f, 2.25f, 6.75f}));
}

TEST(ConstantFolding, AFoldedGraphOutputIsStillReturned) {
  auto make = [] {
    GraphBuilder b;
    b.input("x", {2}).output("y").output("z");
    b.initializer("c", f32({2}, {-3.0f, 4.0f}));
    b.node("abs", "Abs", {"c"}, {"y"});
    b.node("relu", "Relu", {"x"}, {"z"});
    return b;
  };
  GraphBuilder b = make();
  optimize(b);
  EXPECT_EQ(ops(b.graph()), std::vector<std::string>{"Relu"});
  const auto out = run_on_cpu(b, {f32({2}, {-1.0f, 1.0f})});
  testing::expect_near(out[0], f32({2}, {3.0f, 4.0f}));
  expect_same_outputs(make, {f32({2}, {-1.0f, 1.0f})});
}

TEST(ConstantFolding, MustNotFire) {
  // Random ops: folding would give every run the same sample.
  GraphBuilder random;
  random.input("x", {2}).output("y");
  random.initializer("c", f32({2}, {1, 2}));
  random.node("rand", "RandomUniformLike", {"c"}, {"r"}).node("add", "Add", {"x", "r"}, {"y"});
  optimize(random);
  EXPECT_EQ(ops(random.graph()), (std::vector<std::string>{"RandomUniformLike", "Add"}));

  // An initializer that is also a graph input may be fed: not a constant.
  GraphBuilder fed;
  fed.input("x", {2}).input("c", {2}).output("y");
  fed.initializer("c", f32({2}, {1, 2}));
  fed.node("neg", "Neg", {"c"}, {"n"}).node("add", "Add", {"x", "n"}, {"y"});
  optimize(fed);
  EXPECT_EQ(ops(fed.graph()), (std::vector<std::string>{"Neg", "Add"}));

  // Nodes with subgraphs.
  GraphBuilder branchy;
  branchy.input("x", {2}).output("y");
  branchy.initializer("cond", Tensor::scalar<bool>(true));
  branchy.initializer("c", f32({2}, {1, 2}));
  branchy.node("if", "If", {"cond"}, {"y"});
  with(branchy, {body_reading(branchy.graph(), "then_branch", "Neg", "c", "t"),
                 body_reading(branchy.graph(), "else_branch", "Relu", "c", "e")});
  optimize(branchy);
  EXPECT_EQ(ops(branchy.graph()), std::vector<std::string>{"If"});

  // Quantized weights stay 8-bit behind their DequantizeLinear.
  GraphBuilder qdq;
  qdq.input("x", {2}).output("y");
  qdq.initializer("w", Tensor::from_vector<int8_t>(Shape{2}, {3, -5}));
  qdq.initializer("scale", Tensor::scalar<float>(0.5f));
  qdq.node("dq", "DequantizeLinear", {"w", "scale"}, {"wf"}).node("mul", "Mul", {"x", "wf"}, {"y"});
  optimize(qdq);
  EXPECT_EQ(ops(qdq.graph()), (std::vector<std::string>{"DequantizeLinear", "Mul"}));

  // No evaluator (a pass run outside a session that provides one).
  GraphBuilder no_evaluator = folding_chain();
  infer(no_evaluator);
  OptimizerOptions plain;
  plain.level = Level::kBasic;
  optimizer::optimize(no_evaluator.model, plain);
  EXPECT_EQ(ops(no_evaluator.graph()), (std::vector<std::string>{"Add", "Constant", "Mul", "Add"}));

  // A node whose kernel fails on its constants stays, for the run to report.
  GraphBuilder failing;
  failing.input("x", {4}).output("y");
  failing.initializer("c", f32({6}, {1, 2, 3, 4, 5, 6}));
  failing.initializer("shape", i64({1}, {4}));
  failing.node("reshape", "Reshape", {"c", "shape"}, {"r"}).node("add", "Add", {"x", "r"}, {"y"});
  failing.graph().value_types.erase("r");
  OptimizerOptions o;
  o.level = Level::kBasic;
  o.evaluator = &cpu_evaluator();
  infer_types(failing.graph());  // not infer_shapes: it would reject the Reshape itself
  optimizer::optimize(failing.model, o);
  EXPECT_EQ(ops(failing.graph()), (std::vector<std::string>{"Reshape", "Add"}));
}

TEST(ConstantFolding, OutputsThatWouldBloatTheModelStayComputed) {
  auto expand_to = [](std::vector<int64_t> shape) {
    GraphBuilder b;
    b.input("x", shape).output("y");
    b.initializer("one", Tensor::scalar<float>(1.0f));
    b.initializer("shape", i64({static_cast<int64_t>(shape.size())}, shape));
    b.node("expand", "Expand", {"one", "shape"}, {"ones"}).node("add", "Add", {"x", "ones"}, {"y"});
    return b;
  };
  // 8x16 float32 = 512 bytes: small results always fold.
  GraphBuilder small = expand_to({8, 16});
  optimize(small);
  EXPECT_EQ(ops(small.graph()), std::vector<std::string>{"Add"});
  // 16x64 float32 = 4 KiB from 4 + 16 bytes of inputs: more than twice the inputs.
  GraphBuilder large = expand_to({16, 64});
  optimize(large);
  EXPECT_EQ(ops(large.graph()), (std::vector<std::string>{"Expand", "Add"}));

  // 300 floats (1200 bytes) from 2400 bytes of inputs fold by default, not under a 1000-byte cap.
  auto add_300 = [] {
    GraphBuilder b;
    b.input("x", {300}).output("y");
    b.initializer("a", f32({300}, std::vector<float>(300, 1.0f)));
    b.initializer("b", f32({300}, std::vector<float>(300, 2.0f)));
    b.node("sum", "Add", {"a", "b"}, {"s"}).node("add", "Add", {"x", "s"}, {"y"});
    return b;
  };
  GraphBuilder by_default = add_300();
  optimize(by_default);
  EXPECT_EQ(ops(by_default.graph()), std::vector<std::string>{"Add"});
  GraphBuilder capped = add_300();
  OptimizerOptions o;
  o.fold_max_output_bytes = 1000;
  optimize(capped, {}, o);
  EXPECT_EQ(ops(capped.graph()), (std::vector<std::string>{"Add", "Add"}));
}

// Counts evaluations, to see that a node the evaluator cannot run is not tried again every round.
class CountingEvaluator final : public optimizer::NodeEvaluator {
 public:
  std::optional<std::vector<Tensor>> evaluate(
      const Model& model, const Graph& graph, const Node& node,
      const std::vector<const Tensor*>& inputs) const override {
    ++calls;
    return cpu_evaluator().evaluate(model, graph, node, inputs);
  }
  mutable int calls = 0;
};

TEST(ConstantFolding, OpsWithoutAHostKernelStayAndAreTriedOnce) {
  GraphBuilder b;
  b.input("x", {2}).output("y").output("z");
  b.initializer("c", f32({2}, {1, 2}));
  b.node("custom", "Frobnicate", {"c"}, {"f"});
  b.graph().nodes.back().domain = "com.example";
  b.model.opset_imports["com.example"] = 1;
  b.node("neg", "Neg", {"c"}, {"n"})
      .node("add", "Add", {"x", "n"}, {"y"})
      .node("mul", "Mul", {"x", "f"}, {"z"});
  CountingEvaluator counting;
  OptimizerOptions o;
  o.evaluator = &counting;
  auto r = optimize(b, {}, o);
  EXPECT_EQ(ops(b.graph()), (std::vector<std::string>{"Frobnicate", "Add", "Mul"}));
  // Round 1 folds Neg and tries Frobnicate; round 2 changes nothing and does not retry it.
  EXPECT_EQ(counting.calls, 2);
  EXPECT_EQ(rewrites(r, "constant_folding"), 1);
}

TEST(ConstantEvaluator, RunsOnHostProvidersOnly) {
  GraphBuilder b;
  b.input("x", {2}).output("y");
  b.node("add", "Add", {"x", "x"}, {"y"});
  infer(b);
  const Tensor a = f32({2}, {1.5f, -2.0f});
  const std::vector<const Tensor*> inputs = {&a, &a};
  auto out = cpu_evaluator().evaluate(b.model, b.graph(), b.graph().nodes[0], inputs);
  ASSERT_TRUE(out.has_value());
  testing::expect_near(out->at(0), f32({2}, {3.0f, -4.0f}));

  testing::TestExecutionProvider device("dev", Device{DeviceType::kNpu, 0});
  device.claim_ops({"Add"});
  const ProviderNodeEvaluator off_host({&device});
  EXPECT_FALSE(off_host.evaluate(b.model, b.graph(), b.graph().nodes[0], inputs).has_value());
}

// --- eliminate_noop ----------------------------------------------------------------------------

// x -> Cast(float) -> Reshape(same) -> Transpose(identity) -> Slice(all) -> Pad(0) -> Expand([1])
//   -> Squeeze(no 1-dims) -> CastLike(x) -> Relu -> y
GraphBuilder noop_chain() {
  GraphBuilder b;
  b.input("x", {2, 3}).output("y");
  b.initializer("shape", i64({2}, {2, 3}));
  b.initializer("starts", i64({2}, {0, -5}));
  b.initializer("ends", i64({2}, {kInt64Max, 3}));
  b.initializer("pads", i64({4}, {0, 0, 0, 0}));
  b.initializer("ones", i64({1}, {1}));
  b.node("cast", "Cast", {"x"}, {"a"});
  with(b, {int_attr("to", 1)});
  b.node("reshape", "Reshape", {"a", "shape"}, {"b"});
  b.node("transpose", "Transpose", {"b"}, {"c"});
  with(b, {ints_attr("perm", {0, 1})});
  b.node("slice", "Slice", {"c", "starts", "ends"}, {"d"});
  b.node("pad", "Pad", {"d", "pads"}, {"e"});
  b.node("expand", "Expand", {"e", "ones"}, {"f"});
  b.node("squeeze", "Squeeze", {"f"}, {"g"});
  b.node("castlike", "CastLike", {"g", "x"}, {"h"});
  b.node("relu", "Relu", {"h"}, {"y"});
  return b;
}

TEST(EliminateNoop, EveryNoopGoes) {
  GraphBuilder b = noop_chain();
  auto r = optimize(b);
  EXPECT_EQ(rewrites(r, "eliminate_noop"), 8);
  ASSERT_EQ(ops(b.graph()), std::vector<std::string>{"Relu"});
  EXPECT_EQ(b.graph().nodes[0].inputs[0], "x");
  expect_same_outputs(noop_chain, {f32({2, 3}, {-1, 2, -3, 4, -5, 6})});
}

TEST(EliminateNoop, ReshapeAndExpandOfDynamicShapesByTheirConstants) {
  // [batch, 3] reshaped to [0, 3] (0 copies the batch) and to [0, -1] (the rest is 3).
  for (std::vector<int64_t> target : {std::vector<int64_t>{0, 3}, std::vector<int64_t>{0, -1}}) {
    auto make = [target] {
      GraphBuilder b;
      b.input("x", {-1, 3}).output("y");
      b.initializer("shape", i64({2}, target));
      b.node("reshape", "Reshape", {"x", "shape"}, {"r"}).node("relu", "Relu", {"r"}, {"y"});
      return b;
    };
    GraphBuilder b = make();
    optimize(b);
    EXPECT_EQ(ops(b.graph()), std::vector<std::string>{"Relu"});
    expect_same_outputs(make, {f32({2, 3}, {1, -2, 3, -4, 5, -6})});
  }
  // Expand of [batch, 3] by [1, 3]: broadcasting keeps both dims.
  GraphBuilder expand;
  expand.input("x", {-1, 3}).output("y");
  expand.initializer("shape", i64({2}, {1, 3}));
  expand.node("expand", "Expand", {"x", "shape"}, {"e"}).node("relu", "Relu", {"e"}, {"y"});
  optimize(expand);
  EXPECT_EQ(ops(expand.graph()), std::vector<std::string>{"Relu"});
}

TEST(EliminateNoop, AGraphOutputKeepsItsName) {
  GraphBuilder b;
  b.input("x", {2}).output("y");
  b.node("relu", "Relu", {"x"}, {"r"}).node("cast", "Cast", {"r"}, {"y"});
  with(b, {int_attr("to", 1)});
  optimize(b);
  ASSERT_EQ(ops(b.graph()), std::vector<std::string>{"Relu"});
  EXPECT_EQ(b.graph().nodes[0].outputs[0], "y");

  // Graph input straight to graph output: the Cast is the only thing that can hold both names.
  GraphBuilder direct;
  direct.input("x", {2}).output("y");
  direct.node("cast", "Cast", {"x"}, {"y"});
  with(direct, {int_attr("to", 1)});
  optimize(direct);
  EXPECT_EQ(ops(direct.graph()), std::vector<std::string>{"Cast"});
}

TEST(EliminateNoop, MustNotFire) {
  struct Case {
    std::string what;
    std::vector<int64_t> x;
    std::string op;
    std::vector<std::pair<std::string, Tensor>> constants;  // inputs after x
    std::vector<Attribute> attrs;
  };
  const std::vector<Case> cases = {
      {"cast to another type", {2, 3}, "Cast", {}, {int_attr("to", 6)}},
      {"reshape to another shape", {2, 3}, "Reshape", {{"s", i64({2}, {3, 2})}}, {}},
      {"reshape of a dynamic dim to a number", {-1, 3}, "Reshape", {{"s", i64({2}, {2, 3})}}, {}},
      {"reshape to an empty dim (allowzero)",
       {-1, 3},
       "Reshape",
       {{"s", i64({2}, {0, 3})}},
       {int_attr("allowzero", 1)}},
      {"transpose", {2, 3}, "Transpose", {}, {ints_attr("perm", {1, 0})}},
      {"reversing transpose", {2, 3}, "Transpose", {}, {}},
      {"partial slice",
       {2, 3},
       "Slice",
       {{"st", i64({1}, {1})}, {"en", i64({1}, {kInt64Max})}},
       {}},
      {"reversing slice",
       {2, 3},
       "Slice",
       {{"st", i64({1}, {-1})},
        {"en", i64({1}, {std::numeric_limits<int64_t>::min()})},
        {"ax", i64({1}, {1})},
        {"sp", i64({1}, {-1})}},
       {}},
      {"slice of an unknown dim to a finite end",
       {-1, 3},
       "Slice",
       {{"st", i64({1}, {0})}, {"en", i64({1}, {std::numeric_limits<int32_t>::max()})}},
       {}},
      {"pad", {2, 3}, "Pad", {{"p", i64({4}, {0, 1, 0, 0})}}, {}},
      {"expand that adds a dim", {2, 3}, "Expand", {{"s", i64({3}, {2, 1, 1})}}, {}},
      {"expand of a dynamic dim", {-1, 3}, "Expand", {{"s", i64({2}, {2, 3})}}, {}},
      {"squeeze of a 1-dim", {1, 3}, "Squeeze", {}, {}},
      {"unsqueeze", {2, 3}, "Unsqueeze", {{"ax", i64({1}, {0})}}, {}},
  };
  for (const Case& c : cases) {
    GraphBuilder b;
    b.input("x", c.x).output("y");
    std::vector<std::string> inputs = {"x"};
    for (const auto& [name, t] : c.constants) {
      b.initializer(name, t);
      inputs.push_back(name);
    }
    b.node("op", c.op, inputs, {"o"});
    with(b, c.attrs);
    b.node("relu", "Relu", {"o"}, {"y"});
    optimize(b);
    EXPECT_EQ(ops(b.graph())[0], c.op) << c.what;
  }
}

// --- fuse_transpose_pairs -----------------------------------------------------------------------

TEST(FuseTransposePairs, InversePermutationsVanish) {
  // [1,2,0] then [2,0,1]: output dim i is x's dim p1[p2[i]] = [0, 1, 2].
  auto make = [] {
    GraphBuilder b;
    b.input("x", {2, 3, 4}).output("y");
    b.node("t1", "Transpose", {"x"}, {"a"});
    with(b, {ints_attr("perm", {1, 2, 0})});
    b.node("t2", "Transpose", {"a"}, {"b"});
    with(b, {ints_attr("perm", {2, 0, 1})});
    b.node("relu", "Relu", {"b"}, {"y"});
    return b;
  };
  GraphBuilder b = make();
  auto r = optimize(b);
  EXPECT_EQ(rewrites(r, "fuse_transpose_pairs"), 1);
  ASSERT_EQ(ops(b.graph()), std::vector<std::string>{"Relu"});
  EXPECT_EQ(b.graph().nodes[0].inputs[0], "x");
  std::vector<float> x(24);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  expect_same_outputs(make, {f32({2, 3, 4}, x)});
}

TEST(FuseTransposePairs, OtherPermutationsMergeIntoOne) {
  // [1,0,2] then [0,2,1]: q = [p1[0], p1[2], p1[1]] = [1, 2, 0]; the same as numpy's
  // x.transpose(1, 0, 2).transpose(0, 2, 1) == x.transpose(1, 2, 0).
  auto make = [] {
    GraphBuilder b;
    b.input("x", {2, 3, 4}).output("y");
    b.node("t1", "Transpose", {"x"}, {"a"});
    with(b, {ints_attr("perm", {1, 0, 2})});
    b.node("t2", "Transpose", {"a"}, {"y"});
    with(b, {ints_attr("perm", {0, 2, 1})});
    return b;
  };
  GraphBuilder b = make();
  optimize(b);
  ASSERT_EQ(ops(b.graph()), std::vector<std::string>{"Transpose"});
  EXPECT_EQ(b.graph().nodes[0].inputs[0], "x");
  EXPECT_EQ(b.graph().nodes[0].attr_ints("perm"), (std::vector<int64_t>{1, 2, 0}));
  EXPECT_EQ(b.graph().nodes[0].outputs[0], "y");
  std::vector<float> x(24);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  expect_same_outputs(make, {f32({2, 3, 4}, x)});
}

TEST(FuseTransposePairs, AFirstTransposeWithOtherReadersStays) {
  auto make = [] {
    GraphBuilder b;
    b.input("x", {2, 3}).output("y").output("z");
    b.node("t1", "Transpose", {"x"}, {"a"});
    with(b, {ints_attr("perm", {1, 0})});
    b.node("t2", "Transpose", {"a"}, {"b"});
    with(b, {ints_attr("perm", {1, 0})});
    b.node("relu", "Relu", {"b"}, {"y"}).node("neg", "Neg", {"a"}, {"z"});
    return b;
  };
  GraphBuilder b = make();
  optimize(b);
  EXPECT_EQ(ops(b.graph()), (std::vector<std::string>{"Transpose", "Relu", "Neg"}));
  EXPECT_EQ(b.graph().nodes[1].inputs[0], "x");
  expect_same_outputs(make, {f32({2, 3}, {1, -2, 3, -4, 5, -6})});
}

TEST(FuseTransposePairs, MustNotCrossASubgraphBoundary) {
  GraphBuilder b;
  b.input("x", {2, 3}).output("y");
  b.initializer("cond", Tensor::scalar<bool>(true));
  b.node("t1", "Transpose", {"x"}, {"a"});
  with(b, {ints_attr("perm", {1, 0})});
  b.node("if", "If", {"cond"}, {"y"});
  with(b, {body_reading(b.graph(), "then_branch", "Transpose", "a", "t"),
           body_reading(b.graph(), "else_branch", "Relu", "a", "e")});
  const Attribute* then_branch = b.graph().nodes[1].find_attribute("then_branch");
  then_branch->g->nodes[0].attributes.push_back(ints_attr("perm", {1, 0}));
  optimize(b);
  EXPECT_EQ(ops(b.graph()), (std::vector<std::string>{"Transpose", "If"}));
  EXPECT_EQ(then_branch->g->nodes[0].inputs[0], "a");
}

// --- fuse_reshape_chains ------------------------------------------------------------------------

TEST(FuseReshapeChains, ReshapeOfAReshapeReadsTheOriginal) {
  auto make = [] {
    GraphBuilder b;
    b.input("x", {2, 3, 4}).output("y");
    b.initializer("s1", i64({2}, {6, 4}));
    b.initializer("s2", i64({2}, {4, -1}));
    b.node("r1", "Reshape", {"x", "s1"}, {"a"}).node("r2", "Reshape", {"a", "s2"}, {"y"});
    return b;
  };
  GraphBuilder b = make();
  auto r = optimize(b);
  EXPECT_EQ(rewrites(r, "fuse_reshape_chains"), 1);
  ASSERT_EQ(ops(b.graph()), std::vector<std::string>{"Reshape"});
  EXPECT_EQ(b.graph().nodes[0].inputs, (std::vector<std::string>{"x", "s2"}));
  std::vector<float> x(24);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) * 0.5f;
  expect_same_outputs(make, {f32({2, 3, 4}, x)});
}

TEST(FuseReshapeChains, UnsqueezeAndSqueezeOfTheSameAxesVanish) {
  // Unsqueeze(x[2,3], [-1]) is [2,3,1]; Squeeze(., [2]) removes the same dim.
  auto unsqueeze_squeeze = [] {
    GraphBuilder b;
    b.input("x", {2, 3}).output("y");
    b.initializer("a1", i64({1}, {-1}));
    b.initializer("a2", i64({1}, {2}));
    b.node("u", "Unsqueeze", {"x", "a1"}, {"u"}).node("s", "Squeeze", {"u", "a2"}, {"s"});
    b.node("relu", "Relu", {"s"}, {"y"});
    return b;
  };
  GraphBuilder b = unsqueeze_squeeze();
  auto r = optimize(b);
  EXPECT_EQ(rewrites(r, "fuse_reshape_chains"), 1);
  ASSERT_EQ(ops(b.graph()), std::vector<std::string>{"Relu"});
  EXPECT_EQ(b.graph().nodes[0].inputs[0], "x");
  expect_same_outputs(unsqueeze_squeeze, {f32({2, 3}, {1, -2, 3, -4, 5, -6})});

  // Squeeze(x[2,1,3], [1]) then Unsqueeze(., [-2]): -2 of the rank-3 result is 1 again.
  auto squeeze_unsqueeze = [] {
    GraphBuilder b;
    b.input("x", {2, 1, 3}).output("y");
    b.initializer("a1", i64({1}, {1}));
    b.initializer("a2", i64({1}, {-2}));
    b.node("s", "Squeeze", {"x", "a1"}, {"s"}).node("u", "Unsqueeze", {"s", "a2"}, {"u"});
    b.node("relu", "Relu", {"u"}, {"y"});
    return b;
  };
  GraphBuilder c = squeeze_unsqueeze();
  optimize(c);
  ASSERT_EQ(ops(c.graph()), std::vector<std::string>{"Relu"});
  expect_same_outputs(squeeze_unsqueeze, {f32({2, 1, 3}, {1, -2, 3, -4, 5, -6})});
}

TEST(FuseReshapeChains, MustNotFire) {
  // The second shape copies a dim (0) from the first Reshape's output, which x does not have.
  auto copies_dim = [] {
    GraphBuilder b;
    b.input("x", {2, 3, 4}).output("y");
    b.initializer("s1", i64({2}, {6, 4}));
    b.initializer("s2", i64({3}, {0, 2, 2}));
    b.node("r1", "Reshape", {"x", "s1"}, {"a"}).node("r2", "Reshape", {"a", "s2"}, {"y"});
    return b;
  };
  GraphBuilder b = copies_dim();
  optimize(b);
  EXPECT_EQ(ops(b.graph()), (std::vector<std::string>{"Reshape", "Reshape"}));
  EXPECT_EQ(b.graph().nodes[1].inputs[0], "a");
  std::vector<float> x(24, 1.0f);
  expect_same_outputs(copies_dim, {f32({2, 3, 4}, x)});

  // The second shape is computed at run time.
  GraphBuilder dynamic;
  dynamic.input("x", {2, 3, 4}).input("s2", {2}).output("y");
  dynamic.initializer("s1", i64({2}, {6, 4}));
  dynamic.node("r1", "Reshape", {"x", "s1"}, {"a"}).node("r2", "Reshape", {"a", "s2"}, {"y"});
  dynamic.graph().inputs[1].type.dtype = DataType::kInt64;
  dynamic.graph().value_types["s2"].dtype = DataType::kInt64;
  optimize(dynamic);
  EXPECT_EQ(ops(dynamic.graph()), (std::vector<std::string>{"Reshape", "Reshape"}));

  // Different axes: Unsqueeze(x[2,1,3], [0]) is [1,2,1,3]; Squeeze(., [2]) gives [1,2,3].
  auto other_axes = [] {
    GraphBuilder b;
    b.input("x", {2, 1, 3}).output("y");
    b.initializer("a1", i64({1}, {0}));
    b.initializer("a2", i64({1}, {2}));
    b.node("u", "Unsqueeze", {"x", "a1"}, {"u"}).node("s", "Squeeze", {"u", "a2"}, {"y"});
    return b;
  };
  GraphBuilder axes = other_axes();
  optimize(axes);
  EXPECT_EQ(ops(axes.graph()), (std::vector<std::string>{"Unsqueeze", "Squeeze"}));
  expect_same_outputs(other_axes, {f32({2, 1, 3}, {1, 2, 3, 4, 5, 6})});

  // Squeeze without axes removes every 1-dim, not only the one Unsqueeze added.
  GraphBuilder all;
  all.input("x", {2, 1}).output("y");
  all.initializer("a1", i64({1}, {0}));
  all.node("u", "Unsqueeze", {"x", "a1"}, {"u"}).node("s", "Squeeze", {"u"}, {"y"});
  optimize(all);
  EXPECT_EQ(ops(all.graph()), (std::vector<std::string>{"Unsqueeze", "Squeeze"}));
}

// --- div_to_mul ---------------------------------------------------------------------------------

TEST(DivToMul, DivByAConstantMultipliesByItsReciprocal) {
  auto make = [](std::vector<float> divisor) {
    return [divisor] {
      GraphBuilder b;
      b.input("x", {3}).output("y").output("z");
      b.initializer("c", f32({3}, divisor));
      b.node("d1", "Div", {"x", "c"}, {"y"})
          .node("relu", "Relu", {"x"}, {"r"})
          .node("d2", "Div", {"r", "c"}, {"z"});
      return b;
    };
  };
  GraphBuilder b = make({2.0f, 0.25f, -8.0f})();
  auto r = optimize(b);
  EXPECT_EQ(rewrites(r, "div_to_mul"), 2);
  ASSERT_EQ(ops(b.graph()), (std::vector<std::string>{"Mul", "Relu", "Mul"}));
  // One reciprocal for both: 1/[2, 0.25, -8] = [0.5, 4, -0.125], exact in float32.
  EXPECT_EQ(b.graph().nodes[0].inputs[1], b.graph().nodes[2].inputs[1]);
  testing::expect_near(constant_input(b, 0, 1), f32({3}, {0.5f, 4.0f, -0.125f}), 0, 0);
  EXPECT_FALSE(b.graph().is_initializer("c"));
  // Powers of two: the products equal the quotients exactly.
  expect_same_outputs(make({2.0f, 0.25f, -8.0f}), {f32({3}, {3.0f, -1.5f, 7.0f})});
  // Others within a unit or so of the last place.
  expect_same_outputs(make({3.0f, 7.0f, -0.1f}), {f32({3}, {1.0f, -2.5f, 1e6f})}, 2e-7, 0);
}

TEST(DivToMul, MustNotFire) {
  auto div_by = [](Tensor divisor, DataType type, bool fed = false) {
    GraphBuilder b;
    b.input("x", {2}).output("y");
    b.graph().inputs[0].type.dtype = type;
    b.graph().value_types["x"].dtype = type;
    if (fed) b.input("c", {2});
    b.initializer("c", std::move(divisor));
    b.node("div", "Div", {"x", "c"}, {"y"});
    return b;
  };
  GraphBuilder integers = div_by(i64({2}, {2, 4}), DataType::kInt64);
  optimize(integers);
  EXPECT_EQ(ops(integers.graph()), std::vector<std::string>{"Div"});

  GraphBuilder fed = div_by(f32({2}, {2, 4}), DataType::kFloat32, true);
  optimize(fed);
  EXPECT_EQ(ops(fed.graph()), std::vector<std::string>{"Div"});

  // 1/3e38 is below the smallest normal float32 (1.2e-38): its subnormal loses precision.
  GraphBuilder huge = div_by(f32({2}, {3e38f, 1.0f}), DataType::kFloat32);
  optimize(huge);
  EXPECT_EQ(ops(huge.graph()), std::vector<std::string>{"Div"});

  // Both operands constant: constant_folding divides exactly; div_to_mul leaves it alone.
  GraphBuilder both;
  both.input("x", {2}).output("y");
  both.initializer("a", f32({2}, {1, 3}));
  both.initializer("c", f32({2}, {3, 7}));
  both.node("div", "Div", {"a", "c"}, {"q"}).node("add", "Add", {"x", "q"}, {"y"});
  optimize(both, {"constant_folding"});
  EXPECT_EQ(ops(both.graph()), (std::vector<std::string>{"Div", "Add"}));
}

// --- common_subexpression -------------------------------------------------------------------

TEST(CommonSubexpression, RepeatedNodesMergeInChains) {
  auto make = [] {
    GraphBuilder b;
    b.input("x", {3}).output("y");
    b.node("relu1", "Relu", {"x"}, {"r1"}).node("relu2", "Relu", {"x"}, {"r2"});
    b.node("leaky1", "LeakyRelu", {"r1"}, {"l1"});
    with(b, {float_attr("alpha", 0.1f)});
    b.node("leaky2", "LeakyRelu", {"r2"}, {"l2"});
    with(b, {float_attr("alpha", 0.1f)});
    b.node("add", "Add", {"l1", "l2"}, {"y"});
    return b;
  };
  GraphBuilder b = make();
  auto r = optimize(b);
  EXPECT_EQ(rewrites(r, "common_subexpression"), 2);
  ASSERT_EQ(ops(b.graph()), (std::vector<std::string>{"Relu", "LeakyRelu", "Add"}));
  EXPECT_EQ(b.graph().nodes[2].inputs, (std::vector<std::string>{"l1", "l1"}));
  expect_same_outputs(make, {f32({3}, {-1.0f, 0.5f, 2.0f})});
}

TEST(CommonSubexpression, ALaterGraphOutputTakesOverTheEarlierNode) {
  auto make = [] {
    GraphBuilder b;
    b.input("x", {3}).output("y").output("z");
    b.node("relu1", "Relu", {"x"}, {"r"})
        .node("neg", "Neg", {"r"}, {"z"})
        .node("relu2", "Relu", {"x"}, {"y"});
    return b;
  };
  GraphBuilder b = make();
  optimize(b);
  ASSERT_EQ(ops(b.graph()), (std::vector<std::string>{"Relu", "Neg"}));
  EXPECT_EQ(b.graph().nodes[0].outputs[0], "y");
  EXPECT_EQ(b.graph().nodes[1].inputs[0], "y");
  expect_same_outputs(make, {f32({3}, {-1.0f, 0.5f, 2.0f})});
}

TEST(CommonSubexpression, MustNotFire) {
  // Different attributes.
  GraphBuilder alpha;
  alpha.input("x", {3}).output("y");
  alpha.node("l1", "LeakyRelu", {"x"}, {"a"});
  with(alpha, {float_attr("alpha", 0.1f)});
  alpha.node("l2", "LeakyRelu", {"x"}, {"b"});
  with(alpha, {float_attr("alpha", 0.2f)});
  alpha.node("add", "Add", {"a", "b"}, {"y"});
  optimize(alpha);
  EXPECT_EQ(ops(alpha.graph()), (std::vector<std::string>{"LeakyRelu", "LeakyRelu", "Add"}));

  // An attribute one node sets and the other leaves to its default.
  GraphBuilder defaulted;
  defaulted.input("x", {3}).output("y");
  defaulted.node("l1", "LeakyRelu", {"x"}, {"a"});
  defaulted.node("l2", "LeakyRelu", {"x"}, {"b"});
  with(defaulted, {float_attr("alpha", 0.01f)});
  defaulted.node("add", "Add", {"a", "b"}, {"y"});
  optimize(defaulted);
  EXPECT_EQ(ops(defaulted.graph()).size(), 3u);

  // Random ops draw separate samples.
  GraphBuilder random;
  random.input("x", {3}).output("y");
  random.node("r1", "RandomUniformLike", {"x"}, {"a"})
      .node("r2", "RandomUniformLike", {"x"}, {"b"});
  random.node("add", "Add", {"a", "b"}, {"y"});
  optimize(random);
  EXPECT_EQ(ops(random.graph()),
            (std::vector<std::string>{"RandomUniformLike", "RandomUniformLike", "Add"}));

  // Both are graph outputs: each name must keep a producer.
  GraphBuilder outputs;
  outputs.input("x", {3}).output("y").output("z");
  outputs.node("r1", "Relu", {"x"}, {"y"}).node("r2", "Relu", {"x"}, {"z"});
  optimize(outputs);
  EXPECT_EQ(ops(outputs.graph()), (std::vector<std::string>{"Relu", "Relu"}));

  // A node of a subgraph equal to an outer one stays in its subgraph.
  GraphBuilder nested;
  nested.input("x", {3}).output("y").output("z");
  nested.initializer("cond", Tensor::scalar<bool>(true));
  nested.node("relu", "Relu", {"x"}, {"y"}).node("if", "If", {"cond"}, {"z"});
  with(nested, {body_reading(nested.graph(), "then_branch", "Relu", "x", "t"),
                body_reading(nested.graph(), "else_branch", "Neg", "x", "e")});
  optimize(nested);
  const Attribute* then_branch = nested.graph().nodes[1].find_attribute("then_branch");
  EXPECT_EQ(ops(*then_branch->g), std::vector<std::string>{"Relu"});
  EXPECT_EQ(ops(nested.graph()), (std::vector<std::string>{"Relu", "If"}));
}

// --- in a session ---------------------------------------------------------------------------

// y = x * (c1 + c2) / d with x: float32[batch, 2], built with the ONNX protobuf API.
std::string folding_model() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* opset = m.add_opset_import();
  opset->set_domain("");
  opset->set_version(17);
  auto* g = m.mutable_graph();
  g->set_name("folding");
  auto value = [](onnx::ValueInfoProto* v, const std::string& name) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    t->mutable_shape()->add_dim()->set_dim_param("batch");
    t->mutable_shape()->add_dim()->set_dim_value(2);
  };
  value(g->add_input(), "x");
  value(g->add_output(), "y");
  for (const auto& [name, values] : std::vector<std::pair<std::string, std::vector<float>>>{
           {"c1", {1.0f, 2.0f}}, {"c2", {0.5f, 0.25f}}, {"d", {3.0f, 0.5f}}}) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    t->add_dims(2);
    for (float v : values) t->add_float_data(v);
  }
  auto node = [&](const std::string& op, std::vector<std::string> in, const std::string& out) {
    auto* n = g->add_node();
    n->set_name(out);
    n->set_op_type(op);
    for (const auto& i : in) n->add_input(i);
    n->add_output(out);
  };
  node("Add", {"c1", "c2"}, "sum");
  node("Mul", {"x", "sum"}, "m");
  node("Div", {"m", "d"}, "y");
  return m.SerializeAsString();
}

TEST(BasicPassesInASession, TheSessionFoldsThroughItsCpuProvider) {
  const std::string bytes = folding_model();
  std::map<std::string, Tensor> feeds = {{"x", f32({2, 2}, {1.0f, -2.0f, 0.5f, 4.0f})}};
  SessionOptions off;
  off.optimization.level = 0;
  Session plain(Environment(), bytes, "folding.onnx", "", off);
  EXPECT_EQ(plain.placement().size(), 3u);
  SessionOptions basic;
  basic.optimization.level = 1;
  Session folded(Environment(), bytes, "folding.onnx", "", basic);
  ASSERT_EQ(folded.placement().size(), 2u);  // Add folded, Div became Mul
  EXPECT_EQ(folded.placement()[1].op_type, "Mul");
  // x * [1.5, 2.25] / [3, 0.5] = x * [0.5, 4.5]
  const Tensor expected = f32({2, 2}, {0.5f, -9.0f, 0.25f, 18.0f});
  testing::expect_near(plain.run(feeds)[0], expected, 1e-6, 0);
  testing::expect_near(folded.run(feeds)[0], expected, 1e-6, 0);

  SessionOptions no_folding = basic;
  no_folding.optimization.disabled_passes = {"constant_folding"};
  Session unfolded(Environment(), bytes, "folding.onnx", "", no_folding);
  EXPECT_EQ(unfolded.placement().size(), 3u);
}

}  // namespace
}  // namespace aruntime
