// fuse_qdq (graph/optimizer/fuse_qdq.cc): DequantizeLinear -> Conv/MatMul/Gemm [-> Relu] ->
// QuantizeLinear becomes QLinearConv / QLinearMatMul. What it rewrites, what it must leave alone,
// and the outputs before and after on the CPU provider. The fused op accumulates in integers and
// requantizes once, so an output may differ by one quantization step from dequantize-compute-
// requantize where the float sum sits near the midpoint of two steps: outputs are compared within
// one step, and most must be equal.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>

#include "graph/optimizer/pass_manager.h"
#include "graph/shape_inference.h"
#include "graph/type_inference.h"
#include "tests/unit/graph_runner.h"
#include "tests/unit/op_test_util.h"
#include "tests/unit/test_execution_provider.h"

namespace aruntime {
namespace {

using optimizer::Level;
using testing::f32;
using testing::GraphBuilder;

std::vector<std::string> ops(const Graph& g) {
  std::vector<std::string> o;
  for (const Node& n : g.nodes) o.push_back(n.op_type);
  return o;
}

void add_attribute(GraphBuilder& b, const std::string& node, Attribute a) {
  for (Node& n : b.graph().nodes) {
    if (n.name == node) n.attributes.push_back(std::move(a));
  }
}

using testing::int_attr;
using testing::ints_attr;

// GraphBuilder types every node output float32; the quantized ones get their types from
// inference, as in a session.
void prepare(GraphBuilder& b) {
  for (const Node& n : b.graph().nodes) {
    for (const auto& o : n.outputs) b.graph().value_types.erase(o);
  }
  for (auto& o : b.graph().outputs) o.type.dtype = DataType::kUndefined;
  infer_types(b.graph());
  infer_shapes(b.graph());
}

// The level-2 passes alone, after the session's preparation; returns fuse_qdq's rewrites.
int fuse(GraphBuilder& b) {
  prepare(b);
  optimizer::OptimizerOptions o;
  o.level = Level::kExtended;
  for (const auto& pass : optimizer::builtin_passes()) {
    if (pass->level() == Level::kBasic) o.disabled.insert(pass->name());
  }
  for (const auto& p : optimizer::optimize(b.model, o).passes) {
    if (p.pass == "fuse_qdq") return p.rewrites;
  }
  return -1;
}

std::vector<Tensor> run_on_cpu(GraphBuilder& b, std::vector<Tensor> inputs) {
  prepare(b);
  return testing::run_graph_on_cpu(b, std::move(inputs));
}

Tensor ramp(const Shape& shape, float step = 0.37f) {
  std::vector<float> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::fmod(static_cast<float>(i) * step, 4.0f) - 2.0f;
  return f32(shape, v);
}

Tensor zero_point(DataType type, int64_t value) {
  return type == DataType::kInt8 ? Tensor::scalar(static_cast<int8_t>(value))
                                 : Tensor::scalar(static_cast<uint8_t>(value));
}

// Quantized outputs (uint8/int8) equal within one step, most of them exactly.
void expect_within_one_step(const Tensor& actual, const Tensor& expected) {
  ASSERT_EQ(actual.dtype(), expected.dtype());
  ASSERT_EQ(actual.shape(), expected.shape());
  const std::vector<int64_t> a = actual.to_int64_vector(), e = expected.to_int64_vector();
  size_t equal = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_LE(std::abs(a[i] - e[i]), 1) << "element " << i;
    equal += a[i] == e[i];
  }
  EXPECT_GE(equal * 10, a.size() * 9) << equal << " of " << a.size() << " equal";
}

// Builds the graph twice, fuses one copy, expects `fused_ops` and the same quantized outputs
// within one step.
void expect_fused(const std::function<GraphBuilder()>& make, const std::vector<Tensor>& inputs,
                  const std::vector<std::string>& fused_ops) {
  GraphBuilder plain = make();
  const std::vector<Tensor> expected = run_on_cpu(plain, inputs);
  GraphBuilder fused = make();
  EXPECT_EQ(fuse(fused), 1);
  EXPECT_EQ(ops(fused.graph()), fused_ops);
  const std::vector<Tensor> actual = run_on_cpu(fused, inputs);
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) expect_within_one_step(actual[i], expected[i]);
}

// fuse_qdq leaves the pattern in float (the float fusions may still take it, like a Conv + Relu).
void expect_not_fused(GraphBuilder b) {
  EXPECT_EQ(fuse(b), 0);
  const std::vector<std::string> after = ops(b.graph());
  for (const std::string& op : after) {
    EXPECT_TRUE(op != "QLinearConv" && op != "QLinearMatMul") << op;
  }
  EXPECT_EQ(std::count(after.begin(), after.end(), "QuantizeLinear"), 2);
}

// ---- Conv ----------------------------------------------------------------------------------

struct ConvCase {
  DataType activation = DataType::kUInt8;  // x and y
  bool bias = true;
  bool per_channel = false;
  bool relu = false;
  float bias_scale_factor = 1.0f;  // the bias scale is x_scale * w_scale times this
  int32_t bias_zero_point = 0;
  int64_t weight_axis = 0;  // DQ axis of per-channel weights
};

// x [1,2,4,4] -> Q -> DQ; w_q int8 [3,2,3,3] -> DQ; b_q int32 [3] -> DQ; Conv (pads 1)
// [-> Relu] -> Q -> y.
GraphBuilder qdq_conv(const ConvCase& c) {
  const bool u8 = c.activation == DataType::kUInt8;
  GraphBuilder b;
  b.input("x", {1, 2, 4, 4}).output("y");
  b.initializer("x_scale", Tensor::scalar(0.02f));
  b.initializer("x_zp", zero_point(c.activation, u8 ? 128 : 0));
  b.node("quant_x", "QuantizeLinear", {"x", "x_scale", "x_zp"}, {"x_q"});
  b.node("dq_x", "DequantizeLinear", {"x_q", "x_scale", "x_zp"}, {"x_f"});
  std::vector<int8_t> w(54);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int8_t>((i * 37) % 255 - 127);
  b.initializer("w_q", Tensor::from_vector<int8_t>(Shape{3, 2, 3, 3}, w));
  if (c.per_channel) {
    const int64_t n = c.weight_axis == 0 ? 3 : 2;
    std::vector<float> scales = {0.004f, 0.006f, 0.005f};
    scales.resize(static_cast<size_t>(n));
    b.initializer("w_scale", f32({n}, scales));
    b.initializer("w_zp", Tensor::from_vector<int8_t>(Shape{n}, std::vector<int8_t>(n, 0)));
  } else {
    b.initializer("w_scale", Tensor::scalar(0.005f));
    b.initializer("w_zp", Tensor::scalar(int8_t{0}));
  }
  b.node("dq_w", "DequantizeLinear", {"w_q", "w_scale", "w_zp"}, {"w_f"});
  if (c.per_channel) add_attribute(b, "dq_w", int_attr("axis", c.weight_axis));
  std::vector<std::string> conv_inputs = {"x_f", "w_f"};
  if (c.bias) {
    b.initializer("b_q", Tensor::from_vector<int32_t>(Shape{3}, {100, -250, 37}));
    // The float32 products numpy computes for x_scale * w_scale.
    std::vector<float> scales;
    for (float ws :
         c.per_channel ? std::vector<float>{0.004f, 0.006f, 0.005f} : std::vector<float>{0.005f}) {
      scales.push_back(0.02f * ws * c.bias_scale_factor);
    }
    b.initializer("b_scale", f32({static_cast<int64_t>(scales.size())}, scales));
    b.initializer("b_zp", Tensor::from_vector<int32_t>(
                              Shape{static_cast<int64_t>(scales.size())},
                              std::vector<int32_t>(scales.size(), c.bias_zero_point)));
    b.node("dq_b", "DequantizeLinear", {"b_q", "b_scale", "b_zp"}, {"b_f"});
    if (c.per_channel) add_attribute(b, "dq_b", int_attr("axis", 0));
    conv_inputs.push_back("b_f");
  }
  b.node("conv", "Conv", conv_inputs, {"c"});
  add_attribute(b, "conv", ints_attr("pads", {1, 1, 1, 1}));
  std::string out = "c";
  if (c.relu) {
    b.node("relu", "Relu", {"c"}, {"r"});
    out = "r";
  }
  const int64_t y_zp = c.relu ? (u8 ? 0 : -128) : (u8 ? 128 : 0);
  b.initializer("y_scale", Tensor::scalar(0.1f));
  b.initializer("y_zp", zero_point(c.activation, y_zp));
  b.node("quant_y", "QuantizeLinear", {out, "y_scale", "y_zp"}, {"y"});
  return b;
}

const std::vector<std::string> kFusedConv = {"QuantizeLinear", "QLinearConv"};

TEST(FuseQdq, ConvBecomesQLinearConvMatchingOnnxRuntime) {
  GraphBuilder b = qdq_conv({});
  EXPECT_EQ(fuse(b), 1);
  ASSERT_EQ(ops(b.graph()), kFusedConv);
  const Node& q = b.graph().nodes[1];
  EXPECT_EQ(q.inputs, (std::vector<std::string>{"x_q", "x_scale", "x_zp", "w_q", "w_scale", "w_zp",
                                                "y_scale", "y_zp", "b_q"}));
  EXPECT_EQ(q.attr_ints("pads"), (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(q.outputs, std::vector<std::string>{"y"});
  // The float weights' DQ is gone; the 8-bit weights stay.
  EXPECT_TRUE(b.graph().initializers.count("w_q"));
  const std::vector<Tensor> y = run_on_cpu(b, {ramp({1, 2, 4, 4})});
  // onnxruntime 1.22 on the same QDQ graph (built with onnx.helper; ORT_DISABLE_ALL, i.e. float
  // DQ -> Conv -> Q, and ORT_ENABLE_ALL, its own QLinearConv fusion, give the same values, as
  // does numpy's integer convolution requantized by float32(0.02 * 0.005) / 0.1).
  const std::vector<uint8_t> onnxruntime = {
      119, 110, 116, 144, 129, 173, 162, 147, 150, 125, 108, 116, 112, 110, 117, 138,
      136, 175, 152, 123, 122, 107, 94,  116, 94,  115, 146, 138, 157, 159, 136, 126,
      117, 104, 102, 119, 109, 134, 161, 134, 167, 158, 127, 121, 104, 102, 105, 121};
  expect_within_one_step(y[0], Tensor::from_vector<uint8_t>(Shape{1, 3, 4, 4}, onnxruntime));
}

TEST(FuseQdq, ConvVariantsKeepTheirOutputs) {
  const std::vector<Tensor> inputs = {ramp({1, 2, 4, 4})};
  for (DataType type : {DataType::kUInt8, DataType::kInt8}) {
    for (bool per_channel : {false, true}) {
      for (bool relu : {false, true}) {
        for (bool bias : {false, true}) {
          SCOPED_TRACE(std::string(data_type_name(type)) + (per_channel ? " per channel" : "") +
                       (relu ? " relu" : "") + (bias ? " bias" : ""));
          ConvCase c;
          c.activation = type;
          c.per_channel = per_channel;
          c.relu = relu;
          c.bias = bias;
          expect_fused([&] { return qdq_conv(c); }, inputs, kFusedConv);
        }
      }
    }
  }
}

TEST(FuseQdq, ConvMustNotFire) {
  {
    SCOPED_TRACE("bias scale is not x_scale * w_scale");
    ConvCase c;
    c.bias_scale_factor = 2.0f;
    expect_not_fused(qdq_conv(c));
  }
  {
    SCOPED_TRACE("bias zero point is not 0");
    ConvCase c;
    c.bias_zero_point = 3;
    expect_not_fused(qdq_conv(c));
  }
  {
    SCOPED_TRACE("per-channel weights along the input channels (axis 1)");
    ConvCase c;
    c.per_channel = true;
    c.bias = false;
    c.weight_axis = 1;
    expect_not_fused(qdq_conv(c));
  }
  {
    SCOPED_TRACE("Relu before a Q whose zero point is above the lowest value");
    GraphBuilder b = qdq_conv({});
    b.graph().nodes.back().inputs[0] = "r";
    b.node("relu", "Relu", {"c"}, {"r"});
    std::swap(b.graph().nodes.back(), b.graph().nodes[b.graph().nodes.size() - 2]);
    expect_not_fused(std::move(b));
  }
  {
    SCOPED_TRACE("weight scale fed at run time");
    GraphBuilder b = qdq_conv({});
    b.graph().initializers.erase("w_scale");
    b.input("w_scale", {});
    expect_not_fused(std::move(b));
  }
  {
    SCOPED_TRACE("output scale an initializer a feed may override");
    GraphBuilder b = qdq_conv({});
    b.input("y_scale", {});
    expect_not_fused(std::move(b));
  }
  {
    SCOPED_TRACE("the float conv output is a graph output");
    GraphBuilder b = qdq_conv({});
    b.output("c");
    expect_not_fused(std::move(b));
  }
  {
    SCOPED_TRACE("the float conv output has another reader");
    GraphBuilder b = qdq_conv({});
    b.node("other", "Sigmoid", {"c"}, {"s"}).output("s");
    expect_not_fused(std::move(b));
  }
  {
    SCOPED_TRACE("16-bit activations (opset 21)");
    GraphBuilder b = qdq_conv({});
    b.model.opset_imports[""] = 21;
    b.graph().initializers["x_zp"] = Tensor::scalar(uint16_t{32768});
    expect_not_fused(std::move(b));
  }
}

TEST(FuseQdq, SharedDequantizeStaysForItsOtherReaders) {
  // quantize_static shares one DQ between a Conv and, say, a residual Add: the fused node reads
  // the quantized value and the DQ stays for the other reader.
  const auto make = [] {
    GraphBuilder b = qdq_conv({});
    b.node("other", "Neg", {"x_f"}, {"n"}).output("n");
    return b;
  };
  GraphBuilder plain = make();
  const std::vector<Tensor> expected = run_on_cpu(plain, {ramp({1, 2, 4, 4})});
  GraphBuilder b = make();
  EXPECT_EQ(fuse(b), 1);
  EXPECT_EQ(ops(b.graph()),
            (std::vector<std::string>{"QuantizeLinear", "DequantizeLinear", "QLinearConv", "Neg"}));
  const std::vector<Tensor> actual = run_on_cpu(b, {ramp({1, 2, 4, 4})});
  expect_within_one_step(actual[0], expected[0]);
  testing::expect_near(actual[1], expected[1], 0, 0);
}

// ---- MatMul and Gemm -----------------------------------------------------------------------

// x [3,8] -> Q (uint8) -> DQ; b_q int8 [8,5] (or [5,8] for a Gemm with transB) -> DQ (per tensor
// or per column); MatMul / Gemm -> Q -> y.
GraphBuilder qdq_matmul(const std::string& op, bool per_column, bool trans_b = false) {
  GraphBuilder b;
  b.input("x", {3, 8}).output("y");
  b.initializer("x_scale", Tensor::scalar(0.02f));
  b.initializer("x_zp", Tensor::scalar(uint8_t{120}));
  b.node("quant_x", "QuantizeLinear", {"x", "x_scale", "x_zp"}, {"x_q"});
  b.node("dq_x", "DequantizeLinear", {"x_q", "x_scale", "x_zp"}, {"x_f"});
  std::vector<int8_t> w(40);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int8_t>((i * 53) % 251 - 125);
  b.initializer("w_q", Tensor::from_vector<int8_t>(trans_b ? Shape{5, 8} : Shape{8, 5}, w));
  if (per_column) {
    b.initializer("w_scale", f32({5}, {0.01f, 0.012f, 0.008f, 0.011f, 0.009f}));
    b.initializer("w_zp", Tensor::from_vector<int8_t>(Shape{5}, {0, 1, -1, 2, 0}));
  } else {
    b.initializer("w_scale", Tensor::scalar(0.01f));
    b.initializer("w_zp", Tensor::scalar(int8_t{3}));
  }
  b.node("dq_w", "DequantizeLinear", {"w_q", "w_scale", "w_zp"}, {"w_f"});
  if (per_column) add_attribute(b, "dq_w", int_attr("axis", trans_b ? 0 : 1));
  b.node("mm", op, {"x_f", "w_f"}, {"m"});
  if (trans_b) add_attribute(b, "mm", int_attr("transB", 1));
  b.initializer("y_scale", Tensor::scalar(0.05f));
  b.initializer("y_zp", Tensor::scalar(uint8_t{130}));
  b.node("quant_y", "QuantizeLinear", {"m", "y_scale", "y_zp"}, {"y"});
  return b;
}

const std::vector<std::string> kFusedMatMul = {"QuantizeLinear", "QLinearMatMul"};

TEST(FuseQdq, MatMulBecomesQLinearMatMul) {
  const std::vector<Tensor> inputs = {ramp({3, 8}, 0.29f)};
  for (bool per_column : {false, true}) {
    SCOPED_TRACE(per_column ? "per column" : "per tensor");
    expect_fused([&] { return qdq_matmul("MatMul", per_column); }, inputs, kFusedMatMul);
  }
  GraphBuilder b = qdq_matmul("MatMul", false);
  fuse(b);
  EXPECT_EQ(b.graph().nodes[1].inputs,
            (std::vector<std::string>{"x_q", "x_scale", "x_zp", "w_q", "w_scale", "w_zp", "y_scale",
                                      "y_zp"}));
}

TEST(FuseQdq, GemmWithoutBiasBecomesQLinearMatMul) {
  const std::vector<Tensor> inputs = {ramp({3, 8}, 0.29f)};
  for (bool per_column : {false, true}) {
    for (bool trans_b : {false, true}) {
      SCOPED_TRACE(std::string(per_column ? "per column" : "per tensor") +
                   (trans_b ? ", transB" : ""));
      expect_fused([&] { return qdq_matmul("Gemm", per_column, trans_b); }, inputs, kFusedMatMul);
    }
  }
  // transB: the fused node reads the transposed constant, and the original goes with its DQ.
  GraphBuilder b = qdq_matmul("Gemm", false, true);
  fuse(b);
  const std::string& w = b.graph().nodes[1].inputs[3];
  EXPECT_NE(w, "w_q");
  EXPECT_EQ(b.graph().initializers.at(w).shape(), (Shape{8, 5}));
  EXPECT_FALSE(b.graph().initializers.count("w_q"));
}

TEST(FuseQdq, MatMulAndGemmMustNotFire) {
  {
    SCOPED_TRACE("Gemm with a bias C");
    GraphBuilder b = qdq_matmul("Gemm", false);
    b.initializer("bias", f32({5}, {0.1f, 0.2f, 0.3f, 0.4f, 0.5f}));
    b.graph().nodes[3].inputs.push_back("bias");
    expect_not_fused(std::move(b));
  }
  {
    SCOPED_TRACE("Gemm with alpha");
    GraphBuilder b = qdq_matmul("Gemm", false);
    Attribute alpha;
    alpha.name = "alpha";
    alpha.type = Attribute::Type::kFloat;
    alpha.f = 0.5f;
    add_attribute(b, "mm", alpha);
    expect_not_fused(std::move(b));
  }
  {
    SCOPED_TRACE("per-row scales of B (axis 0 without transB)");
    GraphBuilder b = qdq_matmul("MatMul", false);
    b.graph().initializers["w_scale"] = f32({8}, std::vector<float>(8, 0.01f));
    b.graph().initializers["w_zp"] =
        Tensor::from_vector<int8_t>(Shape{8}, std::vector<int8_t>(8, 0));
    add_attribute(b, "dq_w", int_attr("axis", 0));
    expect_not_fused(std::move(b));
  }
  {
    SCOPED_TRACE("int32 input dequantized");
    GraphBuilder b = qdq_matmul("MatMul", false);
    std::vector<int32_t> w(40, 3);
    b.graph().initializers["w_q"] = Tensor::from_vector<int32_t>(Shape{8, 5}, w);
    b.graph().initializers["w_zp"] = Tensor::scalar(int32_t{0});
    expect_not_fused(std::move(b));
  }
  {
    SCOPED_TRACE("the float product is a graph output");
    GraphBuilder b = qdq_matmul("MatMul", false);
    b.output("m");
    expect_not_fused(std::move(b));
  }
}

}  // namespace
}  // namespace aruntime
