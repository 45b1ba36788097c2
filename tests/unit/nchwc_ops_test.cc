// The blocked-layout ops of domain aruntime (providers/cpu/ops/nchwc_ops.cc): a convolution or pool
// between NchwcReorderInput and NchwcReorderOutput must give what the standard ONNX graph gives
// through the same runtime at optimization level 0 (so that neither graph is rewritten), with W
// both a constant (packed once when the kernel is created) and a graph input (packed per run).
// Also: numbers from onnxruntime, the layout itself, the errors, and shape inference.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "aruntime/session.h"
#include "core/provider_registry.h"
#include "graph/loader.h"
#include "graph/optimizer/fused_domain.h"
#include "graph/shape_inference.h"
#include "graph/type_inference.h"
#include "tests/unit/npu_test_util.h"
#include "tests/unit/op_test_util.h"

namespace aruntime {
namespace {

using npu_test::attr;
using npu_test::Dims;
using npu_test::pseudo_random;
using testing::expect_error;
using testing::expect_near;
using testing::f32;

constexpr int64_t kBlock = 16;
int64_t blocks(int64_t channels) {
  return (channels + kBlock - 1) / kBlock;
}

// An ONNX model importing the default domain (opset 17) and the runtime's own.
class ProtoModel {
 public:
  ProtoModel() {
    proto_.set_ir_version(8);
    auto* onnx_domain = proto_.add_opset_import();
    onnx_domain->set_domain("");
    onnx_domain->set_version(17);
    auto* own = proto_.add_opset_import();
    own->set_domain(optimizer::kFusedDomain);
    own->set_version(optimizer::kFusedOpset);
    proto_.mutable_graph()->set_name("nchwc_test");
  }

  // `dims` empty: the shape is left undeclared (any feed's shape is accepted).
  ProtoModel& input(const std::string& name, const Dims& dims,
                    int type = onnx::TensorProto::FLOAT) {
    auto* t = declare(graph()->add_input(), name, type);
    if (!dims.empty()) {
      auto* shape = t->mutable_shape();
      for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
    }
    return *this;
  }
  // An input whose first dim is the symbol `batch`.
  ProtoModel& batched_input(const std::string& name, const Dims& dims) {
    auto* shape = declare(graph()->add_input(), name, onnx::TensorProto::FLOAT)->mutable_shape();
    shape->add_dim()->set_dim_param("batch");
    for (size_t i = 1; i < dims.size(); ++i) shape->add_dim()->set_dim_value(dims[i]);
    return *this;
  }
  // An output whose shape is left to shape inference.
  ProtoModel& output(const std::string& name, int type = onnx::TensorProto::FLOAT) {
    declare(graph()->add_output(), name, type);
    return *this;
  }
  ProtoModel& initializer(const std::string& name, const Dims& dims,
                          const std::vector<float>& values) {
    auto* t = graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    for (float v : values) t->add_float_data(v);
    return *this;
  }
  onnx::NodeProto& node(const std::string& op, std::vector<std::string> inputs,
                        std::vector<std::string> outputs, const std::string& domain = "") {
    auto* n = graph()->add_node();
    n->set_name(op + "_" + std::to_string(graph()->node_size()));
    n->set_op_type(op);
    n->set_domain(domain);
    for (auto& i : inputs) n->add_input(i);
    for (auto& o : outputs) n->add_output(o);
    return *n;
  }
  onnx::NodeProto& blocked(const std::string& op, std::vector<std::string> inputs,
                           std::vector<std::string> outputs) {
    return node(op, std::move(inputs), std::move(outputs), optimizer::kFusedDomain);
  }

  std::string bytes() const { return proto_.SerializeAsString(); }
  // On the CPU provider, the optimizer off.
  Session session() const {
    SessionOptions options;
    options.providers = {"cpu"};
    options.optimization.level = 0;
    return Session(Environment(), bytes(), "nchwc_test.onnx", "", options);
  }

 private:
  onnx::GraphProto* graph() { return proto_.mutable_graph(); }
  static onnx::TypeProto_Tensor* declare(onnx::ValueInfoProto* v, const std::string& name,
                                         int type) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(type);
    return t;
  }

  onnx::ModelProto proto_;
};

void ints_attr_if(onnx::NodeProto& n, const std::string& name, const Dims& v) {
  if (!v.empty()) attr(n, name, v);
}

Tensor random_tensor(const Dims& dims, uint32_t seed) {
  return f32(Shape(dims), pseudo_random(npu_test::count(dims), seed));
}

// The layout written out independently of the kernels: y[n, c/16, p, c%16] = x[n, c, p], the
// lanes past C zero.
Tensor to_blocked(const Tensor& x) {
  const auto& d = x.shape().dims();
  const int64_t n = d[0], c = d[1], h = d[2], w = d[3], cb = blocks(c);
  std::vector<float> y(static_cast<size_t>(n * cb * h * w * kBlock), 0.0f);
  const float* px = x.data<float>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t p = 0; p < h * w; ++p)
        y[static_cast<size_t>(((i * cb + ch / kBlock) * h * w + p) * kBlock + ch % kBlock)] =
            px[(i * c + ch) * h * w + p];
  return f32(Shape{n, cb, h, w, kBlock}, y);
}

// --- Convolutions against Conv (+ Add) (+ activation) -------------------------------------------

struct ConvCase {
  std::string name = {};
  int64_t n = 1, c = 16, h = 8, w = 8, m = 16, kh = 3, kw = 3;
  int64_t group = 1;
  Dims strides = {}, pads = {}, dilations = {};  // empty: the attribute is absent
  std::string auto_pad = {};                     // empty: absent
  bool bias = true;
  bool residual = false;
  std::string activation = {};  // "" (none), Relu, LeakyRelu, Clip, Sigmoid, HardSigmoid
  std::vector<float> activation_params = {};
  bool nchw_input = false;  // X stays NCHW into NchwcConv

  // Output size by the ONNX Conv formula.
  int64_t out(int64_t in, int64_t k, size_t axis) const {
    const int64_t s = strides.empty() ? 1 : strides[axis];
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") return (in + s - 1) / s;
    const int64_t d = dilations.empty() ? 1 : dilations[axis];
    const int64_t pad = pads.empty() ? 0 : pads[axis] + pads[axis + 2];
    return (in + pad - d * (k - 1) - 1) / s + 1;
  }
  Dims x_dims() const { return {n, c, h, w}; }
  Dims w_dims() const { return {m, c / group, kh, kw}; }
  Dims y_dims() const { return {n, m, out(h, kh, 0), out(w, kw, 1)}; }
};

struct ConvData {
  Tensor x, w, b, z;
  explicit ConvData(const ConvCase& k)
      : x(random_tensor(k.x_dims(), 1)),
        w(random_tensor(k.w_dims(), 2)),
        b(random_tensor({k.m}, 3)),
        z(random_tensor(k.y_dims(), 4)) {}
};

std::vector<float> values(const Tensor& t) {
  return std::vector<float>(t.data<float>(), t.data<float>() + t.num_elements());
}

void conv_attributes(onnx::NodeProto& n, const ConvCase& k) {
  attr(n, "kernel_shape", Dims{k.kh, k.kw});
  if (k.group != 1) attr(n, "group", k.group);
  ints_attr_if(n, "strides", k.strides);
  ints_attr_if(n, "pads", k.pads);
  ints_attr_if(n, "dilations", k.dilations);
  if (!k.auto_pad.empty()) attr(n, "auto_pad", k.auto_pad);
}

// Y = activation(Conv(X, W, B) + Z) with standard ops (`blocked` false) or through the blocked
// ops, W a constant or a graph input.
ProtoModel conv_model(const ConvCase& k, const ConvData& data, bool blocked, bool w_constant) {
  ProtoModel m;
  m.input("X", k.x_dims());
  if (w_constant) {
    m.initializer("W", k.w_dims(), values(data.w));
  } else {
    m.input("W", k.w_dims());
  }
  if (k.bias) m.initializer("B", {k.m}, values(data.b));
  if (k.residual) m.input("Z", k.y_dims());
  m.output("Y");
  const std::string b = k.bias ? "B" : "";
  if (blocked) {
    std::string x = "X";
    if (!k.nchw_input) {
      m.blocked("NchwcReorderInput", {"X"}, {"Xb"});
      x = "Xb";
    }
    std::vector<std::string> inputs = {x, "W", b};
    if (k.residual) {
      m.blocked("NchwcReorderInput", {"Z"}, {"Zb"});
      inputs.push_back("Zb");
    }
    auto& conv = m.blocked("NchwcConv", inputs, {"Yb"});
    conv_attributes(conv, k);
    if (!k.activation.empty()) {
      attr(conv, optimizer::kActivationAttr, k.activation);
      if (!k.activation_params.empty()) {
        auto* a = conv.add_attribute();
        a->set_name(optimizer::kActivationParamsAttr);
        a->set_type(onnx::AttributeProto::FLOATS);
        for (float p : k.activation_params) a->add_floats(p);
      }
    }
    attr(m.blocked("NchwcReorderOutput", {"Yb"}, {"Y"}), "channels", k.m);
    return m;
  }
  std::vector<std::string> inputs = {"X", "W"};
  if (k.bias) inputs.push_back("B");
  std::string y = k.activation.empty() && !k.residual ? "Y" : "conv";
  conv_attributes(m.node("Conv", inputs, {y}), k);
  if (k.residual) {
    const std::string sum = k.activation.empty() ? "Y" : "sum";
    m.node("Add", {y, "Z"}, {sum});
    y = sum;
  }
  if (k.activation.empty()) return m;
  const auto& p = k.activation_params;
  if (k.activation == "Clip") {
    m.initializer("clip_min", {}, {p[0]}).initializer("clip_max", {}, {p[1]});
    m.node("Clip", {y, "clip_min", "clip_max"}, {"Y"});
  } else {
    auto& act = m.node(k.activation, {y}, {"Y"});
    if (k.activation == "LeakyRelu") attr(act, "alpha", p[0]);
    if (k.activation == "HardSigmoid") {
      attr(act, "alpha", p[0]);
      attr(act, "beta", p[1]);
    }
  }
  return m;
}

// "domain.Op" of every node the session runs, in placement order.
std::vector<std::string> placed_ops(const Session& s) {
  std::vector<std::string> ops;
  for (const NodePlacement& p : s.placement())
    ops.push_back((p.domain.empty() ? "" : p.domain + ".") + p.op_type);
  return ops;
}

bool runs(const Session& s, const std::string& op) {
  const std::vector<std::string> ops = placed_ops(s);
  return std::find(ops.begin(), ops.end(), op) != ops.end();
}

void expect_conv_matches(const ConvCase& k) {
  SCOPED_TRACE(k.name);
  const ConvData data(k);
  for (bool w_constant : {true, false}) {
    SCOPED_TRACE(w_constant ? "W constant (packed once)" : "W fed (packed per run)");
    std::map<std::string, Tensor> feeds = {{"X", data.x}};
    if (!w_constant) feeds["W"] = data.w;
    if (k.residual) feeds["Z"] = data.z;
    const Session reference = conv_model(k, data, false, w_constant).session();
    ASSERT_TRUE(runs(reference, "Conv")) << ::testing::PrintToString(placed_ops(reference));
    const std::vector<Tensor> expected = reference.run(feeds);
    const Session blocked = conv_model(k, data, true, w_constant).session();
    ASSERT_TRUE(runs(blocked, "aruntime.NchwcConv"))
        << ::testing::PrintToString(placed_ops(blocked));
    // Twice: a second run must not depend on what the first left behind.
    for (int run = 0; run < 2; ++run) {
      const std::vector<Tensor> actual = blocked.run(feeds);
      ASSERT_EQ(actual.size(), 1u);
      EXPECT_EQ(actual[0].shape(), Shape(k.y_dims()));
      expect_near(actual[0], expected[0], 1e-4, 1e-4);
    }
  }
}

TEST(NchwcOps, DenseConvolutionsMatchConv) {
  for (const ConvCase& k : {
           ConvCase{.name = "3x3 pad 1, two images, Relu",
          .n = 2,
          .c = 32,
          .h = 9,
          .w = 9,
          .m = 32,
          .pads = {1, 1, 1, 1},
          .activation = "Relu"},
           ConvCase{.name = "1x1, C and M not multiples of 16, no bias",
           .c = 20,
           .h = 5,
           .w = 7,
           .m = 24,
           .kh = 1,
           .kw = 1,
           .bias = false},
           ConvCase{.name = "3x3 stride 2 pad 1",
           .c = 16,
           .h = 11,
           .w = 10,
           .m = 48,
           .strides = {2, 2},
           .pads = {1, 1, 1, 1}},
           ConvCase{.name = "M = 21, LeakyRelu",
           .c = 16,
           .h = 6,
           .w = 6,
           .m = 21,
           .pads = {1, 1, 1, 1},
           .activation = "LeakyRelu",
           .activation_params = {0.1f}},
           ConvCase{.name = "dilation 2, asymmetric pads, Sigmoid",
           .c = 18,
           .h = 9,
           .w = 8,
           .m = 16,
           .pads = {2, 1, 0, 2},
           .dilations = {2, 2},
           .activation = "Sigmoid"},
           ConvCase{.name = "3x2 kernel, stride 1x2",
           .c = 35,
           .h = 7,
           .w = 9,
           .m = 17,
           .kh = 3,
           .kw = 2,
           .strides = {1, 2}},
       }) {
    expect_conv_matches(k);
  }
}

TEST(NchwcOps, DepthwiseConvolutionsMatchConv) {
  for (const ConvCase& k : {
           ConvCase{.name = "3x3 pad 1, C = M = group = 40, Clip(0, 6)",
          .c = 40,
          .h = 8,
          .w = 8,
          .m = 40,
          .group = 40,
          .pads = {1, 1, 1, 1},
          .activation = "Clip",
          .activation_params = {0.0f, 6.0f}},
           ConvCase{.name = "3x3 stride 2, dilation 2, two images",
           .n = 2,
           .c = 24,
           .h = 9,
           .w = 10,
           .m = 24,
           .group = 24,
           .strides = {2, 2},
           .pads = {2, 2, 2, 2},
           .dilations = {2, 2},
           .bias = false},
           ConvCase{.name = "5x5 SAME_UPPER, C = 16",
           .c = 16,
           .h = 7,
           .w = 7,
           .m = 16,
           .kh = 5,
           .kw = 5,
           .group = 16,
           .auto_pad = "SAME_UPPER",
           .activation = "Relu"},
       }) {
    expect_conv_matches(k);
  }
}

TEST(NchwcOps, NchwInputConvolutionMatchesConv) {
  // A network's first convolution: 7x7 stride 2 over RGB.
  expect_conv_matches(ConvCase{.name = "7x7 stride 2 pad 3, C = 3",
                               .n = 2,
                               .c = 3,
                               .h = 17,
                               .w = 17,
                               .m = 32,
                               .kh = 7,
                               .kw = 7,
                               .strides = {2, 2},
                               .pads = {3, 3, 3, 3},
                               .activation = "Relu",
                               .nchw_input = true});
  expect_conv_matches(ConvCase{.name = "3x3 SAME_LOWER, C = 5, M = 20",
                               .c = 5,
                               .h = 6,
                               .w = 9,
                               .m = 20,
                               .auto_pad = "SAME_LOWER",
                               .nchw_input = true});
}

TEST(NchwcOps, AutoPadConvolutionsMatchConv) {
  for (const ConvCase& k : {
           // Even input, stride 2: the one pad row/column goes to the end.
           ConvCase{.name = "SAME_UPPER stride 2",
           .c = 16,
           .h = 8,
           .w = 8,
           .m = 16,
           .strides = {2, 2},
           .auto_pad = "SAME_UPPER"},
           // ... and to the beginning.
           ConvCase{.name = "SAME_LOWER stride 2, HardSigmoid",
           .c = 17,
           .h = 6,
           .w = 8,
           .m = 18,
           .strides = {2, 2},
           .auto_pad = "SAME_LOWER",
           .activation = "HardSigmoid",
           .activation_params = {0.2f, 0.5f}},
           ConvCase{.name = "VALID", .c = 16, .h = 7, .w = 6, .m = 32, .auto_pad = "VALID"},
       }) {
    expect_conv_matches(k);
  }
}

TEST(NchwcOps, ResidualConvolutionsMatchConvAdd) {
  for (const ConvCase& k : {
           ConvCase{.name = "1x1 + Z, no activation",
          .c = 32,
          .h = 5,
          .w = 5,
          .m = 16,
          .kh = 1,
          .kw = 1,
          .residual = true},
           ConvCase{.name = "3x3 stride 2 + Z, Relu",
           .c = 16,
           .h = 11,
           .w = 10,
           .m = 48,
           .strides = {2, 2},
           .pads = {1, 1, 1, 1},
           .residual = true,
           .activation = "Relu"},
           ConvCase{.name = "M = 21 + Z, LeakyRelu, no bias",
           .c = 16,
           .h = 6,
           .w = 6,
           .m = 21,
           .pads = {1, 1, 1, 1},
           .bias = false,
           .residual = true,
           .activation = "LeakyRelu",
           .activation_params = {0.2f}},
           ConvCase{.name = "depthwise + Z, Relu",
           .c = 20,
           .h = 6,
           .w = 6,
           .m = 20,
           .group = 20,
           .pads = {1, 1, 1, 1},
           .residual = true,
           .activation = "Relu"},
       }) {
    expect_conv_matches(k);
  }
}

// Numbers from onnxruntime 1.x (CPU) on the standard graph
//   Y = LeakyRelu(Conv(X, W, B) + Z, alpha = 0.125)
// with X = (arange(18) - 8) / 4 reshaped [1, 2, 3, 3], W and B and Z as below (numpy float32).
// By hand for Y[0, 0, 0, 0]: channel 0 gives -2*1 + -1.75*-1 + -1.25*0.5 + -1*2 = -2.875,
// channel 1 gives 0.25*0 + 0.5*1 + 1*-0.5 + 1.25*1 = 1.25; + B 0.5 + Z 1 = -0.125, * 0.125.
TEST(NchwcOps, ConvGivesOnnxruntimeNumbers) {
  std::vector<float> x(18);
  for (size_t i = 0; i < x.size(); ++i) x[i] = (static_cast<float>(i) - 8.0f) / 4.0f;
  const std::vector<float> w = {1, -1, 0.5f, 2, 0,    1,    -0.5f, 1,    -1, 0,  1,  0.25f,
                                2, -2, 0,    1, 0.5f, 0.5f, 0.5f,  0.5f, -1, -1, -1, -1};
  const std::vector<float> b = {0.5f, -1, 0.25f};
  const std::vector<float> z = {1, -1, 0, 2, 0.5f, 0.5f, -3, 1, 0, 0, 1, -1};
  const Tensor expected =
      f32(Shape{1, 3, 2, 2}, {-0.015625f, -0.140625f, 1.875f, 4.875f, 0.75f, 1.0625f, -0.2265625f,
                              2.5f, -0.71875f, -0.78125f, -0.78125f, -1.09375f});
  for (bool w_constant : {true, false}) {
    SCOPED_TRACE(w_constant ? "W constant" : "W fed");
    ProtoModel m;
    m.input("X", {1, 2, 3, 3}).input("Z", {1, 3, 2, 2}).output("Y");
    if (w_constant) {
      m.initializer("W", {3, 2, 2, 2}, w);
    } else {
      m.input("W", {3, 2, 2, 2});
    }
    m.initializer("B", {3}, b);
    m.blocked("NchwcReorderInput", {"X"}, {"Xb"});
    m.blocked("NchwcReorderInput", {"Z"}, {"Zb"});
    auto& conv = m.blocked("NchwcConv", {"Xb", "W", "B", "Zb"}, {"Yb"});
    attr(conv, optimizer::kActivationAttr, std::string("LeakyRelu"));
    auto* params = conv.add_attribute();
    params->set_name(optimizer::kActivationParamsAttr);
    params->set_type(onnx::AttributeProto::FLOATS);
    params->add_floats(0.125f);
    attr(m.blocked("NchwcReorderOutput", {"Yb"}, {"Y"}), "channels", int64_t{3});
    std::map<std::string, Tensor> feeds = {{"X", f32(Shape{1, 2, 3, 3}, x)},
                                           {"Z", f32(Shape{1, 3, 2, 2}, z)}};
    if (!w_constant) feeds["W"] = f32(Shape{3, 2, 2, 2}, w);
    expect_near(m.session().run(feeds)[0], expected, 1e-6, 1e-6);
  }
}

// A constant W is packed when the kernel is created for the kind X's rank gives; an X whose rank
// is unknown then (here: no shapes at all) is taken as blocked, so an NCHW X makes the kernel
// pack per run instead. Expected: the standard Conv's output in the layout written by to_blocked.
TEST(NchwcOps, ConstantWeightsOfAnotherKindArePackedPerRun) {
  const Tensor x = random_tensor({1, 3, 6, 5}, 11);
  const Tensor w = random_tensor({20, 3, 3, 3}, 12);
  const Tensor b = random_tensor({20}, 13);
  auto with_attrs = [](testing::OpTest t) {
    t.attr("pads", std::vector<int64_t>{1, 1, 1, 1}).attr("strides", std::vector<int64_t>{2, 1});
    return t;
  };
  testing::OpTest conv = with_attrs(testing::OpTest("Conv"));
  const Tensor plain = conv.input(x).input(w, true).input(b, true).run()[0];
  testing::OpTest blocked =
      with_attrs(testing::OpTest("NchwcConv", optimizer::kFusedOpset, optimizer::kFusedDomain));
  const Tensor y = blocked.input(x).input(w, true).input(b, true).run()[0];
  expect_near(y, to_blocked(plain), 1e-5, 1e-5);
}

// --- Reorders and pools -------------------------------------------------------------------------

TEST(NchwcOps, ReordersWriteTheBlockedLayout) {
  for (const Dims& dims : {Dims{2, 20, 3, 4}, Dims{1, 16, 2, 2}, Dims{1, 3, 5, 1}}) {
    SCOPED_TRACE(::testing::PrintToString(dims));
    const Tensor x = random_tensor(dims, 5);
    ProtoModel m;
    m.input("X", dims).output("Xb").output("Y");
    m.blocked("NchwcReorderInput", {"X"}, {"Xb"});
    attr(m.blocked("NchwcReorderOutput", {"Xb"}, {"Y"}), "channels", dims[1]);
    const std::vector<Tensor> out = m.session().run({{"X", x}});
    // Exact: a reorder only moves values (and writes zeros in the padded lanes).
    expect_near(out[0], to_blocked(x), 0, 0);
    expect_near(out[1], x, 0, 0);
  }
}

struct PoolCase {
  std::string name = {};
  std::string op = {};  // MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool
  int64_t n = 1, c = 20, h = 9, w = 9;
  Dims kernel = {}, strides = {}, pads = {}, dilations = {};
  std::string auto_pad = {};
  int64_t ceil_mode = 0;
  int64_t count_include_pad = 0;
};

ProtoModel pool_model(const PoolCase& k, bool blocked) {
  ProtoModel m;
  m.input("X", {k.n, k.c, k.h, k.w}).output("Y");
  onnx::NodeProto* pool = nullptr;
  if (blocked) {
    m.blocked("NchwcReorderInput", {"X"}, {"Xb"});
    pool = &m.blocked("Nchwc" + k.op, {"Xb"}, {"Yb"});
    attr(m.blocked("NchwcReorderOutput", {"Yb"}, {"Y"}), "channels", k.c);
  } else {
    pool = &m.node(k.op, {"X"}, {"Y"});
  }
  ints_attr_if(*pool, "kernel_shape", k.kernel);
  ints_attr_if(*pool, "strides", k.strides);
  ints_attr_if(*pool, "pads", k.pads);
  ints_attr_if(*pool, "dilations", k.dilations);
  if (!k.auto_pad.empty()) attr(*pool, "auto_pad", k.auto_pad);
  if (k.ceil_mode != 0) attr(*pool, "ceil_mode", k.ceil_mode);
  if (k.count_include_pad != 0) attr(*pool, "count_include_pad", k.count_include_pad);
  return m;
}

TEST(NchwcOps, PoolsMatchTheStandardPools) {
  for (const PoolCase& k : {
           PoolCase{.name = "max 3x3 stride 2 pad 1, two images",
          .op = "MaxPool",
          .n = 2,
          .kernel = {3, 3},
          .strides = {2, 2},
          .pads = {1, 1, 1, 1}},
           PoolCase{.name = "max 2x2 stride 2 ceil_mode",
           .op = "MaxPool",
           .c = 16,
           .h = 7,
           .w = 7,
           .kernel = {2, 2},
           .strides = {2, 2},
           .ceil_mode = 1},
           PoolCase{.name = "max 3x3 dilation 2",
           .op = "MaxPool",
           .c = 33,
           .kernel = {3, 3},
           .pads = {2, 2, 2, 2},
           .dilations = {2, 2}},
           PoolCase{.name = "max SAME_UPPER stride 2",
           .op = "MaxPool",
           .c = 8,
           .h = 8,
           .w = 8,
           .kernel = {3, 3},
           .strides = {2, 2},
           .auto_pad = "SAME_UPPER"},
           PoolCase{.name = "average 3x3 pad 1 without the padding",
           .op = "AveragePool",
           .kernel = {3, 3},
           .pads = {1, 1, 1, 1}},
           PoolCase{.name = "average 3x3 pad 1 counting the padding",
           .op = "AveragePool",
           .kernel = {3, 3},
           .pads = {1, 1, 1, 1},
           .count_include_pad = 1},
           PoolCase{.name = "average 3x3 stride 2 ceil_mode, asymmetric pads",
           .op = "AveragePool",
           .c = 17,
           .h = 8,
           .w = 8,
           .kernel = {3, 3},
           .strides = {2, 2},
           .pads = {0, 1, 1, 0},
           .ceil_mode = 1},
           PoolCase{.name = "average 2x3 SAME_LOWER counting the padding",
           .op = "AveragePool",
           .h = 6,
           .w = 7,
           .kernel = {2, 3},
           .auto_pad = "SAME_LOWER",
           .count_include_pad = 1},
           PoolCase{.name = "global average",
           .op = "GlobalAveragePool",
           .n = 2,
           .c = 40,
           .h = 5,
           .w = 6},
           PoolCase{.name = "global max", .op = "GlobalMaxPool", .c = 40, .h = 5, .w = 6},
       }) {
    SCOPED_TRACE(k.name);
    const std::map<std::string, Tensor> feeds = {{"X", random_tensor({k.n, k.c, k.h, k.w}, 7)}};
    const Session reference = pool_model(k, false).session();
    const Session blocked = pool_model(k, true).session();
    ASSERT_TRUE(runs(reference, k.op)) << ::testing::PrintToString(placed_ops(reference));
    ASSERT_TRUE(runs(blocked, "aruntime.Nchwc" + k.op))
        << ::testing::PrintToString(placed_ops(blocked));
    const std::vector<Tensor> expected = reference.run(feeds);
    const std::vector<Tensor> actual = blocked.run(feeds);
    EXPECT_EQ(actual[0].shape(), expected[0].shape());
    expect_near(actual[0], expected[0], 1e-5, 1e-6);
  }
}

// Numbers from onnxruntime on one channel X = [[3, -1, 2], [0, 5, -4], [1, 1, -2]]; by hand:
// every 2x2 window holds the 5; the first 3x3 stride-2 pad-1 window covers 3, -1, 0, 5 (sum 7,
// 4 in-image taps, 9 with the padding); the global mean is 5 / 9.
TEST(NchwcOps, PoolsGiveOnnxruntimeNumbers) {
  const Tensor x = f32(Shape{1, 1, 3, 3}, {3, -1, 2, 0, 5, -4, 1, 1, -2});
  const PoolCase window{.kernel = {3, 3}, .strides = {2, 2}, .pads = {1, 1, 1, 1}};
  struct Expected {
    PoolCase k;
    std::vector<float> y;
  };
  const auto with = [](PoolCase k, const std::string& op, int64_t count_include_pad) {
    k.op = op;
    k.c = 1;
    k.h = k.w = 3;
    k.count_include_pad = count_include_pad;
    return k;
  };
  for (const Expected& e : {
           Expected{with(PoolCase{.kernel = {2, 2}}, "MaxPool", 0), {5, 5, 5, 5}},
           Expected{with(window, "AveragePool", 0), {1.75f, 0.5f, 1.75f, 0.0f}},
           Expected{with(window, "AveragePool", 1),
                    {0.7777777910232544f, 0.2222222238779068f, 0.7777777910232544f, 0.0f}},
           Expected{with(PoolCase{}, "GlobalAveragePool", 0), {0.5555555820465088f}},
           Expected{with(PoolCase{}, "GlobalMaxPool", 0), {5}},
       }) {
    SCOPED_TRACE(e.k.op);
    const Tensor y = pool_model(e.k, true).session().run({{"X", x}})[0];
    const int64_t side = e.y.size() == 4 ? 2 : 1;
    expect_near(y, f32(Shape{1, 1, side, side}, e.y), 1e-6, 1e-7);
  }
}

// --- Errors
// ---------------------------------------------------------------------------------------

testing::OpTest blocked_op(const std::string& op) {
  return testing::OpTest(op, optimizer::kFusedOpset, optimizer::kFusedDomain);
}

Tensor zeros(const Dims& dims) {
  return f32(Shape(dims), std::vector<float>(npu_test::count(dims), 0.0f));
}

TEST(NchwcOps, ConvRefusesInputsOfTheWrongShape) {
  const Tensor w16 = zeros({16, 16, 3, 3});
  // X of rank 3.
  expect_error(
      [&] {
        blocked_op("NchwcConv").input(zeros({1, 16, 5})).input(w16, true).run();
      },
      ErrorCode::kInvalidArgument,
      {"node 'test_NchwcConv' (NchwcConv, domain aruntime)", "input X has shape [1,16,5]",
       "expected blocked [N, ceil(C/16), H, W, 16] or NCHW [N, C, H, W]"});
  // A rank-5 X whose last axis is no block.
  expect_error(
      [&] {
        blocked_op("NchwcConv").input(zeros({1, 2, 5, 5, 8})).input(w16).run();
      },
      ErrorCode::kInvalidArgument,
      {"test_NchwcConv", "[1,2,5,5,8]", "expected the blocked layout [N, ceil(C/16), H, W, 16]"});
  // W of rank 3.
  expect_error(
      [&] {
        blocked_op("NchwcConv").input(zeros({1, 1, 5, 5, 16})).input(zeros({16, 16, 3})).run();
      },
      ErrorCode::kInvalidArgument,
      {"test_NchwcConv", "weight W has shape [16,16,3]", "expected [M, C/group, KH, KW]"});
  // ... refused when the kernel is created when W is a constant.
  expect_error(
      [&] {
        blocked_op("NchwcConv")
            .input(zeros({1, 1, 5, 5, 16}))
            .input(zeros({16, 16, 3}), true)
            .run();
      },
      ErrorCode::kInvalidModel, {"test_NchwcConv", "weight W has shape [16,16,3]"});
  // Z not of Y's shape.
  expect_error(
      [&] {
        blocked_op("NchwcConv")
            .input(zeros({1, 1, 5, 5, 16}))
            .input(w16, true)
            .omitted_input()
            .input(zeros({1, 1, 5, 5, 16}))
            .run();
      },
      ErrorCode::kInvalidArgument,
      {"test_NchwcConv", "input Z has shape [1,1,5,5,16], expected Y's [1,1,3,3,16]"});
  // B not [M].
  expect_error(
      [&] {
        blocked_op("NchwcConv").input(zeros({1, 1, 5, 5, 16})).input(w16).input(zeros({15})).run();
      },
      ErrorCode::kInvalidArgument, {"test_NchwcConv", "bias B has shape [15], expected [16]"});
}

TEST(NchwcOps, ChannelMismatchesAreRefused) {
  // 20 channels are 2 blocks, X has 1.
  expect_error(
      [&] {
        blocked_op("NchwcConv").input(zeros({1, 1, 5, 5, 16})).input(zeros({16, 20, 3, 3})).run();
      },
      ErrorCode::kInvalidArgument,
      {"test_NchwcConv", "input X has shape [1,1,5,5,16]: 1 channel blocks",
       "weight W [16,20,3,3] with group 1 expects 20 channels, 2 blocks"});
  // An NCHW X of 4 channels for a weight of 3.
  expect_error(
      [&] {
        blocked_op("NchwcConv").input(zeros({1, 4, 5, 5})).input(zeros({16, 3, 3, 3})).run();
      },
      ErrorCode::kInvalidArgument, {"test_NchwcConv", "input X has 4 channels", "expects 3"});
  // channels 40 are 3 blocks, X has 2.
  expect_error(
      [&] {
        blocked_op("NchwcReorderOutput")
            .attr("channels", int64_t{40})
            .input(zeros({1, 2, 3, 3, 16}))
            .run();
      },
      ErrorCode::kInvalidArgument,
      {"node 'test_NchwcReorderOutput' (NchwcReorderOutput, domain aruntime)",
       "input X has shape [1,2,3,3,16]: 2 channel blocks, expected 3 for attribute channels 40"});
  expect_error(
      [&] {
        blocked_op("NchwcReorderOutput").input(zeros({1, 2, 3, 3, 16})).run();
      },
      ErrorCode::kInvalidModel, {"test_NchwcReorderOutput", "channels"});
  expect_error(
      [&] {
        blocked_op("NchwcReorderOutput")
            .attr("channels", int64_t{0})
            .input(zeros({1, 1, 1, 1, 16}))
            .run();
      },
      ErrorCode::kInvalidModel,
      {"test_NchwcReorderOutput", "attribute channels is 0, expected a positive count"});
  expect_error(
      [&] {
        blocked_op("NchwcReorderInput").input(zeros({1, 3, 4})).run();
      },
      ErrorCode::kInvalidArgument,
      {"test_NchwcReorderInput", "input X has shape [1,3,4], expected [N, C, H, W]"});
}

TEST(NchwcOps, OnlyDenseAndDepthwiseGroupsAreTaken) {
  // group 2 over 16 channels: neither dense nor depthwise.
  const Tensor x = zeros({1, 1, 5, 5, 16});
  const Tensor w = zeros({32, 8, 3, 3});
  const std::vector<std::string> message = {
      "test_NchwcConv",
      "group 2 with weight W [32,8,3,3] is not supported: NchwcConv takes group 1 or a depthwise "
      "convolution (group == C == M)"};
  expect_error([&] { blocked_op("NchwcConv").attr("group", int64_t{2}).input(x).input(w).run(); },
               ErrorCode::kInvalidArgument, message);
  // With a constant W, when the kernel is created.
  expect_error(
      [&] { blocked_op("NchwcConv").attr("group", int64_t{2}).input(x).input(w, true).run(); },
      ErrorCode::kInvalidModel, message);
  // A depthwise-looking weight with M != C (channel multiplier 2).
  expect_error(
      [&] {
        blocked_op("NchwcConv")
            .attr("group", int64_t{16})
            .input(x)
            .input(zeros({32, 1, 3, 3}))
            .run();
      },
      ErrorCode::kInvalidArgument, {"test_NchwcConv", "group 16 with weight W [32,1,3,3]"});
  // An NCHW X takes group 1 only.
  expect_error(
      [&] {
        blocked_op("NchwcConv")
            .attr("group", int64_t{3})
            .input(zeros({1, 3, 5, 5}))
            .input(zeros({3, 1, 3, 3}))
            .run();
      },
      ErrorCode::kInvalidArgument,
      {"test_NchwcConv", "group 3 with a plain NCHW input X", "only with group 1"});
}

TEST(NchwcOps, PoolAttributesAndInputsAreChecked) {
  const Tensor x = zeros({1, 1, 4, 4, 16});
  expect_error(
      [&] {
        blocked_op("NchwcMaxPool")
            .attr("kernel_shape", std::vector<int64_t>{2, 2})
            .attr("storage_order", int64_t{1})
            .input(x)
            .run();
      },
      ErrorCode::kInvalidModel, {"test_NchwcMaxPool", "attribute storage_order is 1, expected 0"});
  expect_error(
      [&] {
        blocked_op("NchwcMaxPool").attr("kernel_shape", std::vector<int64_t>{2}).input(x).run();
      },
      ErrorCode::kInvalidModel, {"test_NchwcMaxPool", "kernel_shape [2] has 1 values, expected 2"});
  expect_error(
      [&] {
        blocked_op("NchwcMaxPool")
            .attr("kernel_shape", std::vector<int64_t>{2, 2})
            .input(x)
            .outputs({DataType::kFloat32, DataType::kInt64})
            .run();
      },
      ErrorCode::kInvalidModel, {"test_NchwcMaxPool", "has 2 outputs, expected 1"});
  expect_error(
      [&] {
        blocked_op("NchwcAveragePool")
            .attr("kernel_shape", std::vector<int64_t>{2, 2})
            .attr("dilations", std::vector<int64_t>{2, 2})
            .input(x)
            .run();
      },
      ErrorCode::kInvalidModel,
      {"test_NchwcAveragePool", "dilations [2,2] is not supported, expected all 1"});
  expect_error(
      [&] {
        blocked_op("NchwcMaxPool")
            .attr("kernel_shape", std::vector<int64_t>{2, 2})
            .input(zeros({1, 16, 4, 4}))
            .run();
      },
      ErrorCode::kInvalidArgument, {"test_NchwcMaxPool", "input X has shape [1,16,4,4]"});
  expect_error(
      [&] {
        blocked_op("NchwcAveragePool")
            .attr("kernel_shape", std::vector<int64_t>{5, 5})
            .input(x)
            .run();
      },
      ErrorCode::kInvalidArgument, {"test_NchwcAveragePool", "too small for a window"});
  expect_error(
      [&] {
        blocked_op("NchwcGlobalMaxPool").input(zeros({1, 1, 4, 4, 4})).run();
      },
      ErrorCode::kInvalidArgument, {"test_NchwcGlobalMaxPool", "[1,1,4,4,4]"});
}

TEST(NchwcOps, OtherElementTypesAreRefusedAtSessionCreation) {
  ProtoModel m;
  m.input("X", {1, 3, 4, 4}, onnx::TensorProto::DOUBLE).output("Y", onnx::TensorProto::DOUBLE);
  m.blocked("NchwcReorderInput", {"X"}, {"Y"});
  expect_error([&] { m.session(); }, ErrorCode::kNotImplemented, {"NchwcReorderInput", "float64"});
}

// --- Shape inference
// ------------------------------------------------------------------------------

std::string shape_of(const Graph& g, const std::string& value) {
  auto it = g.value_types.find(value);
  if (it == g.value_types.end()) return "(no type)";
  return it->second.to_string();
}

TEST(NchwcOps, ShapeInferenceGivesTheBlockedShapes) {
  ProtoModel m;
  m.batched_input("X", {-1, 40, 9, 9}).input("rgb", {2, 3, 16, 15}).output("Y").output("first");
  m.initializer("W", {24, 40, 3, 3}, std::vector<float>(24 * 40 * 9, 0.01f));
  m.initializer("Wd", {24, 1, 3, 3}, std::vector<float>(24 * 9, 0.1f));
  m.initializer("W7", {20, 3, 7, 7}, std::vector<float>(20 * 3 * 49, 0.01f));
  m.blocked("NchwcReorderInput", {"X"}, {"xb"});
  auto& conv = m.blocked("NchwcConv", {"xb", "W"}, {"yb"});
  attr(conv, "strides", Dims{2, 2});
  attr(conv, "pads", Dims{1, 1, 1, 1});
  attr(m.blocked("NchwcConv", {"yb", "Wd"}, {"db"}), "group", int64_t{24});
  auto& pool = m.blocked("NchwcMaxPool", {"db"}, {"pb"});
  attr(pool, "kernel_shape", Dims{2, 2});
  attr(pool, "strides", Dims{2, 2});
  auto& avg = m.blocked("NchwcAveragePool", {"pb"}, {"ab"});
  attr(avg, "kernel_shape", Dims{3, 3});
  attr(avg, "auto_pad", std::string("SAME_UPPER"));
  m.blocked("NchwcGlobalAveragePool", {"ab"}, {"gb"});
  m.blocked("NchwcGlobalMaxPool", {"gb"}, {"mb"});
  attr(m.blocked("NchwcReorderOutput", {"mb"}, {"Y"}), "channels", int64_t{24});
  auto& first = m.blocked("NchwcConv", {"rgb", "W7"}, {"fb"});
  attr(first, "strides", Dims{2, 2});
  attr(first, "pads", Dims{3, 3, 3, 3});
  attr(m.blocked("NchwcReorderOutput", {"fb"}, {"first"}), "channels", int64_t{20});

  Model model = load_model_from_bytes(m.bytes(), "nchwc_test.onnx", "");
  Graph& g = *model.graph;
  infer_types(g);
  infer_shapes(g);
  EXPECT_EQ(shape_of(g, "xb"), "float32[batch,3,9,9,16]");
  EXPECT_EQ(shape_of(g, "yb"), "float32[batch,2,5,5,16]");  // 24 channels, (9 + 2 - 3) / 2 + 1
  EXPECT_EQ(shape_of(g, "db"), "float32[batch,2,3,3,16]");
  EXPECT_EQ(shape_of(g, "pb"), "float32[batch,2,1,1,16]");
  EXPECT_EQ(shape_of(g, "ab"), "float32[batch,2,1,1,16]");
  EXPECT_EQ(shape_of(g, "gb"), "float32[batch,2,1,1,16]");
  EXPECT_EQ(shape_of(g, "mb"), "float32[batch,2,1,1,16]");
  EXPECT_EQ(shape_of(g, "Y"), "float32[batch,24,1,1]");
  EXPECT_EQ(shape_of(g, "fb"),
            "float32[2,2,8,8,16]");  // (16 + 6 - 7) / 2 + 1, (15 + 6 - 7) / 2 + 1
  EXPECT_EQ(shape_of(g, "first"), "float32[2,20,8,8]");

  // The session agrees when it runs the model.
  const std::vector<Tensor> out = m.session().run(
      {{"X", random_tensor({3, 40, 9, 9}, 8)}, {"rgb", random_tensor({2, 3, 16, 15}, 9)}});
  EXPECT_EQ(out[0].shape(), (Shape{3, 24, 1, 1}));
  EXPECT_EQ(out[1].shape(), (Shape{2, 20, 8, 8}));
}

TEST(NchwcOps, ShapeInferenceRefusesWhatTheOpsCannotTake) {
  auto refused = [](ProtoModel& m, const std::vector<std::string>& parts) {
    expect_error([&] { m.session(); }, ErrorCode::kInvalidModel, parts);
  };
  {
    ProtoModel m;
    m.input("X", {1, 16, 5}).output("Y");
    m.initializer("W", {16, 16, 3, 3}, std::vector<float>(16 * 16 * 9, 0.0f));
    m.blocked("NchwcConv", {"X", "W"}, {"Y"});
    refused(m, {"NchwcConv", "must be blocked [N, ceil(C/16), H, W, 16] or NCHW [N, C, H, W]"});
  }
  {
    ProtoModel m;
    m.input("X", {1, 2, 5, 5, 16}).output("Y");
    m.initializer("W", {16, 40, 3, 3}, std::vector<float>(16 * 40 * 9, 0.0f));
    m.blocked("NchwcConv", {"X", "W"}, {"Y"});
    refused(m, {"NchwcConv", "has 2 channel blocks but", "expects 40 channels (3 blocks)"});
  }
  {
    ProtoModel m;
    m.input("X", {1, 2, 5, 5, 16}).output("Y");
    attr(m.blocked("NchwcReorderOutput", {"X"}, {"Y"}), "channels", int64_t{33});
    refused(m, {"NchwcReorderOutput", "has 2 channel blocks, expected 3 for channels 33"});
  }
  {
    ProtoModel m;
    m.input("X", {1, 2, 5, 5, 8}).output("Y");
    attr(m.blocked("NchwcMaxPool", {"X"}, {"Y"}), "kernel_shape", Dims{2, 2});
    refused(m, {"NchwcMaxPool", "must be blocked"});
  }
}

TEST(NchwcOps, TheCpuProviderRunsEveryBlockedLayoutOp) {
  auto cpu = find_provider("cpu")->create(SessionOptions{});
  for (const char* op : optimizer::kBlockedLayoutOps) {
    EXPECT_TRUE(cpu->can_run(optimizer::kFusedDomain, op)) << op;
    // Not fusions: the level-3 fusions do not wait for a provider to run these.
    for (const char* fused : optimizer::kFusedOps) EXPECT_NE(std::string(fused), op);
  }
}

}  // namespace
}  // namespace aruntime
