// Tests of the CPU RNN, GRU and LSTM kernels.
//
// Expected values were computed with onnxruntime 1.32 (CPUExecutionProvider) on single-node
// models fed with the same inputs, which are exact binary fractions ((i * mul) % mod - offset) /
// div of the flat index i (see pattern() below; the generating Python used the same formula with
// the same parameters per input). onnxruntime runs only layout 0, so the layout-1 cases were
// computed by feeding it the transposed X / initial states and transposing its outputs back, which
// is how the spec defines layout 1.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/unit/op_test_util.h"

namespace aruntime::testing {
namespace {

Tensor pattern(const Shape& shape, int64_t mod, int64_t mul, int64_t offset, float div) {
  std::vector<float> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = static_cast<float>(static_cast<int64_t>(i) * mul % mod - offset) / div;
  }
  return Tensor::from_vector<float>(shape, v);
}
Tensor x_values(const Shape& s) {
  return pattern(s, 23, 7919, 11, 8.0f);
}
Tensor w_values(const Shape& s) {
  return pattern(s, 13, 31, 6, 8.0f);
}
Tensor r_values(const Shape& s) {
  return pattern(s, 11, 17, 5, 8.0f);
}
Tensor b_values(const Shape& s) {
  return pattern(s, 7, 5, 3, 16.0f);
}
Tensor h_values(const Shape& s) {
  return pattern(s, 9, 7, 4, 8.0f);
}
Tensor c_values(const Shape& s) {
  return pattern(s, 5, 3, 2, 4.0f);
}
Tensor p_values(const Shape& s) {
  return pattern(s, 5, 3, 2, 8.0f);
}

Tensor to_double(const Tensor& t) {
  std::vector<double> v(t.data<float>(), t.data<float>() + t.num_elements());
  return Tensor::from_vector<double>(t.shape(), v);
}
Tensor half_to_float32(const Tensor& t) {
  std::vector<float> v;
  for (int64_t i = 0; i < t.num_elements(); ++i) v.push_back(t.data<Float16>()[i].to_float());
  return Tensor::from_vector<float>(t.shape(), v);
}

// Node attributes. OpTest has no string-list attributes (`activations`) and cannot omit an output,
// so these tests build the node themselves and run the kernel through the CPU provider's registry.
struct Attrs {
  Node* node;
  Attrs& set(const std::string& name, Attribute::Type type,
             const std::function<void(Attribute&)>& fill) {
    Attribute a;
    a.name = name;
    a.type = type;
    fill(a);
    node->attributes.push_back(std::move(a));
    return *this;
  }
  Attrs& attr(const std::string& name, int64_t v) {
    return set(name, Attribute::Type::kInt, [&](Attribute& a) { a.i = v; });
  }
  Attrs& attr(const std::string& name, float v) {
    return set(name, Attribute::Type::kFloat, [&](Attribute& a) { a.f = v; });
  }
  Attrs& attr(const std::string& name, const std::string& v) {
    return set(name, Attribute::Type::kString, [&](Attribute& a) { a.s = v; });
  }
  Attrs& attr(const std::string& name, const std::vector<float>& v) {
    return set(name, Attribute::Type::kFloats, [&](Attribute& a) { a.floats = v; });
  }
  Attrs& attr(const std::string& name, const std::vector<std::string>& v) {
    return set(name, Attribute::Type::kStrings, [&](Attribute& a) { a.strings = v; });
  }
};

// A kernel context over given inputs whose outputs named "" are not requested.
class RecurrentContext final : public KernelContext {
 public:
  RecurrentContext(const Node& node, const std::vector<Tensor>& inputs)
      : node_(node), inputs_(inputs), outputs_(node.outputs.size()) {}
  const Node& node() const override { return node_; }
  size_t num_inputs() const override { return inputs_.size(); }
  const Tensor* input(size_t i) const override {
    return i < inputs_.size() && inputs_[i].defined() ? &inputs_[i] : nullptr;
  }
  const Value* input_value(size_t) const override {
    ADD_FAILURE() << "recurrent kernels read tensors only";
    return nullptr;
  }
  size_t num_outputs() const override { return outputs_.size(); }
  bool output_requested(size_t i) const override { return node_.has_output(i); }
  Tensor& allocate_output(size_t i, const Shape& shape, DataType dtype) override {
    EXPECT_TRUE(output_requested(i)) << "output " << i << " was not requested";
    outputs_.at(i) = Tensor(dtype, shape);
    return outputs_[i];
  }
  void set_output(size_t i, Tensor t) override { outputs_.at(i) = std::move(t); }
  void set_output_value(size_t i, Value v) override { outputs_.at(i) = v.tensor(); }
  Tensor allocate_temp(const Shape& shape, DataType dtype) override { return Tensor(dtype, shape); }
  std::vector<Tensor>& outputs() { return outputs_; }

 private:
  const Node& node_;
  const std::vector<Tensor>& inputs_;
  std::vector<Tensor> outputs_;
};

// The inputs of one case: which optional inputs are given, and their sizes.
struct RecurrentCase {
  std::string op;
  int64_t seq = 1, batch = 1, input = 1, hidden = 1, dirs = 1;
  int64_t layout = 0;
  bool bias = true, initial_h = true, initial_c = false, peepholes = false;
  std::vector<int32_t> lens = {};            // empty: sequence_lens omitted
  std::vector<bool> outputs = {true, true};  // which of Y, Y_h (, Y_c) the node lists
  DataType type = DataType::kFloat32;

  int64_t gates() const { return op == "RNN" ? 1 : op == "GRU" ? 3 : 4; }
  Shape state_shape() const {
    return layout == 0 ? Shape{dirs, batch, hidden} : Shape{batch, dirs, hidden};
  }
};

Tensor typed(const Tensor& t, DataType type) {
  if (type == DataType::kFloat64) return to_double(t);
  if (type == DataType::kFloat16) return to_half(t);
  return t;
}

std::vector<Tensor> run_recurrent(const RecurrentCase& s,
                                  const std::function<void(Attrs&)>& attributes,
                                  bool constant_weights = false) {
  Node node;
  node.name = "test_" + s.op;
  node.op_type = s.op;
  Graph graph;
  Attrs attrs{&node};
  attributes(attrs);  // first, so that a case may give its own (wrong) hidden_size
  if (!node.has_attribute("hidden_size")) attrs.attr("hidden_size", s.hidden);
  if (s.layout != 0) attrs.attr("layout", s.layout);

  const Shape x_shape =
      s.layout == 0 ? Shape{s.seq, s.batch, s.input} : Shape{s.batch, s.seq, s.input};
  const int64_t g = s.gates();
  const bool lstm = s.op == "LSTM";
  std::vector<Tensor> inputs = {
      typed(x_values(x_shape), s.type),
      typed(w_values(Shape{s.dirs, g * s.hidden, s.input}), s.type),
      typed(r_values(Shape{s.dirs, g * s.hidden, s.hidden}), s.type),
      s.bias ? typed(b_values(Shape{s.dirs, 2 * g * s.hidden}), s.type) : Tensor(),
      s.lens.empty() ? Tensor() : Tensor::from_vector<int32_t>(Shape{s.batch}, s.lens),
      s.initial_h ? typed(h_values(s.state_shape()), s.type) : Tensor(),
  };
  if (lstm) {
    inputs.push_back(s.initial_c ? typed(c_values(s.state_shape()), s.type) : Tensor());
    inputs.push_back(s.peepholes ? typed(p_values(Shape{s.dirs, 3 * s.hidden}), s.type) : Tensor());
  }
  while (!inputs.back().defined()) inputs.pop_back();  // trailing optional inputs are left off
  std::vector<DataType> in_types;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string name = inputs[i].defined() ? "in" + std::to_string(i) : "";
    node.inputs.push_back(name);
    in_types.push_back(inputs[i].defined() ? inputs[i].dtype() : DataType::kUndefined);
    if (name.empty()) continue;
    graph.value_types[name] = TypeInfo{ValueKind::kTensor, inputs[i].dtype(), std::nullopt};
    if (constant_weights && (i == 1 || i == 2)) graph.initializers[name] = inputs[i];
  }
  std::vector<DataType> out_types;
  for (size_t i = 0; i < s.outputs.size(); ++i) {
    node.outputs.push_back(s.outputs[i] ? "out" + std::to_string(i) : "");
    out_types.push_back(s.outputs[i] ? s.type : DataType::kUndefined);
  }

  static const CpuExecutionProvider provider;
  const int64_t opset = s.layout != 0 ? 14 : 22;
  KernelMatch match = provider.registry().find(node, opset, in_types, out_types);
  if (!match) throw_error(ErrorCode::kNotImplemented, node.describe() + ": " + match.reason);
  KernelInfo info(node, graph, opset, in_types, out_types, *cpu_heap_allocator());
  auto kernel = match.def->factory(info);
  RecurrentContext ctx(node, inputs);
  kernel->compute(ctx);
  return ctx.outputs();
}

void expect_outputs(const RecurrentCase& s, const std::vector<Tensor>& actual,
                    const std::vector<std::vector<float>>& expected, double rtol = 1e-5,
                    double atol = 1e-5) {
  ASSERT_EQ(actual.size(), expected.size());
  const Shape y_shape = s.layout == 0 ? Shape{s.seq, s.dirs, s.batch, s.hidden}
                                      : Shape{s.batch, s.seq, s.dirs, s.hidden};
  for (size_t i = 0; i < actual.size(); ++i) {
    SCOPED_TRACE("output " + std::to_string(i));
    const Shape shape = i == 0 ? y_shape : s.state_shape();
    ASSERT_EQ(actual[i].shape(), shape);
    Tensor got = actual[i];
    if (got.dtype() == DataType::kFloat64) {
      std::vector<float> v(got.data<double>(), got.data<double>() + got.num_elements());
      got = f32(got.shape(), v);
    } else if (got.dtype() == DataType::kFloat16) {
      got = half_to_float32(got);
    }
    expect_near(got, f32(shape, expected[i]), rtol, atol);
  }
}

auto no_attributes = [](Attrs&) {};

TEST(CpuRnnTest, RnnForwardWithBiasAndInitialState) {
  RecurrentCase s{.op = "RNN", .seq = 3, .batch = 2, .input = 3, .hidden = 4};
  expect_outputs(
      s, run_recurrent(s, no_attributes),
      {
          // Y [3, 1, 2, 4]
          {0.91326845f,  0.86879027f,  0.23017573f,   -0.73407149f, -0.54368699f, -0.17020231f,
           -0.35835743f, -0.78661883f, -0.89535618f,  -0.74980474f, 0.27128935f,  -0.70543647f,
           -0.28461516f, -0.65765113f, -0.031143665f, -0.62342739f, -0.60785151f, -0.6202023f,
           0.66567671f,  0.88018632f,  -0.66971815f,  -0.71480525f, 0.69519329f,  0.84488356f},
          // Y_h [1, 2, 4]
          {-0.60785151f, -0.6202023f, 0.66567671f, 0.88018632f, -0.66971815f, -0.71480525f,
           0.69519329f, 0.84488356f},
      });
}

TEST(CpuRnnTest, RnnBidirectionalWithPerDirectionActivations) {
  // LeakyRelu forward (alpha 0.25 from activation_alpha), Tanh backward.
  RecurrentCase s{.op = "RNN", .seq = 3, .batch = 2, .input = 3, .hidden = 2, .dirs = 2};
  expect_outputs(
      s,
      run_recurrent(s,
                    [](Attrs& t) {
                      t.attr("direction", std::string("bidirectional"));
                      t.attr("activations", std::vector<std::string>{"LeakyRelu", "Tanh"});
                      t.attr("activation_alpha", std::vector<float>{0.25f});
                    }),
      {
          // Y [3, 2, 2, 2]
          {1.453125f,    1.25f,        -0.265625f,   -0.1796875f,  0.025979161f, -0.60686219f,
           -0.56186855f, -0.68312037f, -0.40673828f, -0.28320312f, -0.15942383f, -0.18115234f,
           -0.39184374f, -0.44755018f, -0.30428082f, -0.54077321f, -0.20701599f, -0.10357666f,
           -0.21903229f, -0.15155029f, 0.84384358f,  0.86490655f,  0.73407149f,  0.68779027f},
          // Y_h [2, 2, 2]
          {-0.20701599f, -0.10357666f, -0.21903229f, -0.15155029f, 0.025979161f, -0.60686219f,
           -0.56186855f, -0.68312037f},
      });
}

TEST(CpuRnnTest, RnnReverseWithSequenceLengths) {
  // Each sequence runs backwards from its own last step; Y is zero past a sequence's length, and
  // the empty sequence has zero Y_h (as onnxruntime gives it).
  RecurrentCase s{.op = "RNN", .seq = 4, .batch = 3, .input = 2, .hidden = 3, .lens = {2, 4, 0}};
  expect_outputs(
      s, run_recurrent(s, [](Attrs& t) { t.attr("direction", std::string("reverse")); }),
      {
          // Y [4, 1, 3, 3]
          {0.8773483f,   -0.58035856f, 0.088290691f, -0.54558581f, -0.14449292f, 0.82628894f,
           0.0f,         0.0f,         0.0f,         -0.56532496f, 0.79824269f,  -0.25954926f,
           -0.50877601f, 0.1008426f,   0.38532972f,  0.0f,         0.0f,         0.0f,
           0.0f,         0.0f,         0.0f,         0.16291749f,  -0.26806074f, 0.22649169f,
           0.0f,         0.0f,         0.0f,         0.0f,         0.0f,         0.0f,
           0.33082116f,  0.17020226f,  -0.44974053f, 0.0f,         0.0f,         0.0f},
          // Y_h [1, 3, 3]
          {0.8773483f, -0.58035856f, 0.088290691f, -0.54558581f, -0.14449292f, 0.82628894f, 0.0f,
           0.0f, 0.0f},
      });
}

TEST(CpuRnnTest, RnnEveryActivationFunction) {
  // One forward step pair per function, alpha/beta given explicitly where the function has them.
  struct ActivationCase {
    std::string name;
    std::vector<float> alpha, beta;
    std::vector<std::vector<float>> expected;
  };
  const std::vector<ActivationCase> cases = {
      {"Sigmoid",
       {},
       {},
       {
           // Y [2, 1, 1, 3]
           {0.74613899f, 0.41489884f, 0.45326188f, 0.19923134f, 0.51897109f, 0.73324162f},
           // Y_h [1, 1, 3]
           {0.19923134f, 0.51897109f, 0.73324162f},
       }},
      {"Relu",
       {},
       {},
       {
           // Y [2, 1, 1, 3]
           {1.078125f, 0.0f, 0.0f, 0.0f, 0.14453125f, 0.77734375f},
           // Y_h [1, 1, 3]
           {0.0f, 0.14453125f, 0.77734375f},
       }},
      {"HardSigmoid",
       {0.3f},
       {0.6f},
       {
           // Y [2, 1, 1, 3]
           {0.92343754f, 0.49687502f, 0.54375005f, 0.13892576f, 0.63703126f, 0.89894533f},
           // Y_h [1, 1, 3]
           {0.13892576f, 0.63703126f, 0.89894533f},
       }},
      {"LeakyRelu",
       {0.2f},
       {},
       {
           // Y [2, 1, 1, 3]
           {1.078125f, -0.068750001f, -0.037500001f, -0.28273436f, 0.15625f, 0.74765623f},
           // Y_h [1, 1, 3]
           {-0.28273436f, 0.15625f, 0.74765623f},
       }},
      {"ThresholdedRelu",
       {0.5f},
       {},
       {
           // Y [2, 1, 1, 3]
           {1.078125f, 0.0f, 0.0f, 0.0f, 0.0f, 0.77734375f},
           // Y_h [1, 1, 3]
           {0.0f, 0.0f, 0.77734375f},
       }},
      {"ScaledTanh",
       {0.8f},
       {1.5f},
       {
           // Y [2, 1, 1, 3]
           {0.73937207f, -0.37945303f, -0.21924925f, -0.75075763f, 0.14237109f, 0.62531054f},
           // Y_h [1, 1, 3]
           {-0.75075763f, 0.14237109f, 0.62531054f},
       }},
      {"Affine",
       {0.7f},
       {0.2f},
       {
           // Y [2, 1, 1, 3]
           {0.95468748f, -0.040624991f, 0.068750009f, -0.770293f, 0.30828124f, 0.74550778f},
           // Y_h [1, 1, 3]
           {-0.770293f, 0.30828124f, 0.74550778f},
       }},
      {"Elu",
       {0.6f},
       {},
       {
           // Y [2, 1, 1, 3]
           {1.078125f, -0.17453629f, -0.10258252f, -0.45120409f, 0.17151392f, 0.70289838f},
           // Y_h [1, 1, 3]
           {-0.45120409f, 0.17151392f, 0.70289838f},
       }},
      {"Softsign",
       {},
       {},
       {
           // Y [2, 1, 1, 3]
           {0.51879698f, -0.25581396f, -0.15789473f, -0.50672764f, 0.039771657f, 0.44721013f},
           // Y_h [1, 1, 3]
           {-0.50672764f, 0.039771657f, 0.44721013f},
       }},
      {"Softplus",
       {},
       {},
       {
           // Y [2, 1, 1, 3]
           {1.3709683f, 0.53597057f, 0.60378528f, 0.14716019f, 0.8221069f, 1.2387699f},
           // Y_h [1, 1, 3]
           {0.14716019f, 0.8221069f, 1.2387699f},
       }},
  };
  RecurrentCase s{.op = "RNN", .seq = 2, .batch = 1, .input = 2, .hidden = 3};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    expect_outputs(s,
                   run_recurrent(s,
                                 [&](Attrs& t) {
                                   t.attr("activations", std::vector<std::string>{c.name});
                                   if (!c.alpha.empty()) t.attr("activation_alpha", c.alpha);
                                   if (!c.beta.empty()) t.attr("activation_beta", c.beta);
                                 }),
                   c.expected);
  }
}

TEST(CpuRnnTest, GruForward) {
  RecurrentCase s{.op = "GRU", .seq = 3, .batch = 2, .input = 3, .hidden = 2};
  expect_outputs(
      s, run_recurrent(s, no_attributes),
      {
          // Y [3, 1, 2, 2]
          {-0.36376742f, 0.23180714f, 0.56810653f, 0.55023259f, 0.42151615f, 0.60824901f,
           0.79452133f, 0.72991425f, -0.28095913f, -0.12747654f, -0.11082539f, -0.19381054f},
          // Y_h [1, 2, 2]
          {-0.28095913f, -0.12747654f, -0.11082539f, -0.19381054f},
      });
}

TEST(CpuRnnTest, GruBidirectionalLinearBeforeResetWithSequenceLengths) {
  RecurrentCase s{
      .op = "GRU", .seq = 3, .batch = 2, .input = 2, .hidden = 3, .dirs = 2, .lens = {3, 2}};
  expect_outputs(
      s,
      run_recurrent(s,
                    [](Attrs& t) {
                      t.attr("direction", std::string("bidirectional"));
                      t.attr("linear_before_reset", int64_t{1});
                    }),
      {
          // Y [3, 2, 2, 3]
          {-0.40095794f, -0.13043906f,  0.40718788f, -0.46177143f, 0.094665959f, 0.35258716f,
           -0.40922695f, 0.33912128f,   0.45930144f, 0.15144055f,  0.46240336f,  -0.35291901f,
           -0.34258547f, -0.020834137f, 0.4242129f,  0.3413679f,   -0.11491692f, -0.12003839f,
           0.029598199f, 0.3346321f,    0.13610139f, -0.5457592f,  0.20898619f,  -0.33469027f,
           -0.43229023f, 0.13030528f,   0.3626886f,  0.0f,         0.0f,         0.0f,
           0.33839196f,  0.28135997f,   -0.1451094f, 0.0f,         0.0f,         0.0f},
          // Y_h [2, 2, 3]
          {-0.43229023f, 0.13030528f, 0.3626886f, 0.3413679f, -0.11491692f, -0.12003839f,
           -0.40922695f, 0.33912128f, 0.45930144f, 0.15144055f, 0.46240336f, -0.35291901f},
      });
}

TEST(CpuRnnTest, GruBatchMajorLayoutReverseWithClip) {
  RecurrentCase s{.op = "GRU", .seq = 3, .batch = 2, .input = 2, .hidden = 2, .layout = 1};
  expect_outputs(
      s,
      run_recurrent(s,
                    [](Attrs& t) {
                      t.attr("direction", std::string("reverse"));
                      t.attr("clip", 0.5f);
                    }),
      {
          // Y [2, 3, 1, 2]
          {0.075699084f, -0.23971313f, -0.15867537f, 0.0032935161f, -0.13676161f, -0.035203099f,
           -0.24099112f, 0.1026369f, 0.12358405f, -0.11539894f, 0.25227547f, -0.25793937f},
          // Y_h [2, 1, 2]
          {0.075699084f, -0.23971313f, -0.24099112f, 0.1026369f},
      });
}

TEST(CpuRnnTest, LstmWithPeepholesAndInitialCell) {
  RecurrentCase s{.op = "LSTM",
                  .seq = 3,
                  .batch = 2,
                  .input = 3,
                  .hidden = 2,
                  .initial_c = true,
                  .peepholes = true,
                  .outputs = {true, true, true}};
  expect_outputs(
      s, run_recurrent(s, no_attributes),
      {
          // Y [3, 1, 2, 2]
          {-0.43731493f, 0.27865103f, 0.011748325f, 0.052742485f, -0.23505008f, 0.027558148f,
           0.064490989f, -0.04352029f, -0.25991267f, -0.20028283f, -0.062567033f, -0.19322921f},
          // Y_h [1, 2, 2]
          {-0.25991267f, -0.20028283f, -0.062567033f, -0.19322921f},
          // Y_c [1, 2, 2]
          {-0.39563918f, -0.26930365f, -0.09231551f, -0.27166778f},
      });
}

TEST(CpuRnnTest, LstmWithConstantWeights) {
  // Same case with W and R as initializers, visible to the kernel's prepare step.
  RecurrentCase s{.op = "LSTM",
                  .seq = 3,
                  .batch = 2,
                  .input = 3,
                  .hidden = 2,
                  .initial_c = true,
                  .peepholes = true,
                  .outputs = {true, true, true}};
  expect_outputs(
      s, run_recurrent(s, no_attributes, /*constant_weights=*/true),
      {
          // Y [3, 1, 2, 2]
          {-0.43731493f, 0.27865103f, 0.011748325f, 0.052742485f, -0.23505008f, 0.027558148f,
           0.064490989f, -0.04352029f, -0.25991267f, -0.20028283f, -0.062567033f, -0.19322921f},
          // Y_h [1, 2, 2]
          {-0.25991267f, -0.20028283f, -0.062567033f, -0.19322921f},
          // Y_c [1, 2, 2]
          {-0.39563918f, -0.26930365f, -0.09231551f, -0.27166778f},
      });
}

TEST(CpuRnnTest, LstmBidirectionalBatchMajorClipInputForgetSequenceLengths) {
  RecurrentCase s{.op = "LSTM",
                  .seq = 3,
                  .batch = 2,
                  .input = 2,
                  .hidden = 2,
                  .dirs = 2,
                  .layout = 1,
                  .initial_c = true,
                  .peepholes = true,
                  .lens = {1, 3},
                  .outputs = {true, true, true}};
  expect_outputs(
      s,
      run_recurrent(s,
                    [](Attrs& t) {
                      t.attr("direction", std::string("bidirectional"));
                      t.attr("clip", 0.75f);
                      t.attr("input_forget", int64_t{1});
                    }),
      {
          // Y [2, 3, 2, 2]
          {-0.18350685f,  -0.048399907f, -0.16513513f,  0.053970959f, 0.0f,          0.0f,
           0.0f,          0.0f,          0.0f,          0.0f,         0.0f,          0.0f,
           0.066323534f,  -0.21743363f,  0.025743216f,  -0.15103206f, -0.10993496f,  -0.11387611f,
           -0.097649507f, -0.025345173f, -0.079830438f, -0.08306624f, -0.074162133f, -0.13522102f},
          // Y_h [2, 2, 2]
          {-0.18350685f, -0.048399907f, -0.16513513f, 0.053970959f, -0.079830438f, -0.08306624f,
           0.025743216f, -0.15103206f},
          // Y_c [2, 2, 2]
          {-0.45733994f, -0.077565044f, -0.3356902f, 0.13582002f, -0.21981481f, -0.15462941f,
           0.037921622f, -0.44445893f},
      });
}

TEST(CpuRnnTest, LstmCustomActivationsConsumeAlphaBetaInOrder) {
  // HardSigmoid takes alpha 0.3 / beta 0.4, ScaledTanh alpha 0.9 / beta 1.1, Softsign none.
  RecurrentCase s{.op = "LSTM",
                  .seq = 2,
                  .batch = 1,
                  .input = 2,
                  .hidden = 3,
                  .initial_c = true,
                  .outputs = {true, true, true}};
  expect_outputs(
      s,
      run_recurrent(s,
                    [](Attrs& t) {
                      t.attr("activations",
                             std::vector<std::string>{"HardSigmoid", "ScaledTanh", "Softsign"});
                      t.attr("activation_alpha", std::vector<float>{0.3f, 0.9f});
                      t.attr("activation_beta", std::vector<float>{0.4f, 1.1f});
                    }),
      {
          // Y [2, 1, 1, 3]
          {-0.14836891f, 0.052928522f, -0.030630676f, -0.082817957f, -0.030676324f, 0.10208948f},
          // Y_h [1, 1, 3]
          {-0.082817957f, -0.030676324f, 0.10208948f},
          // Y_c [1, 1, 3]
          {-0.20318131f, -0.090367801f, 0.43666935f},
      });
}

TEST(CpuRnnTest, Float64MatchesFloat32Reference) {
  // The float32 reference of GruBidirectionalLinearBeforeResetWithSequenceLengths; the double
  // computation differs from it by float32 rounding only.
  RecurrentCase s{.op = "GRU",
                  .seq = 3,
                  .batch = 2,
                  .input = 2,
                  .hidden = 3,
                  .dirs = 2,
                  .lens = {3, 2},
                  .type = DataType::kFloat64};
  expect_outputs(
      s,
      run_recurrent(s,
                    [](Attrs& t) {
                      t.attr("direction", std::string("bidirectional"));
                      t.attr("linear_before_reset", int64_t{1});
                    }),
      {
          // Y [3, 2, 2, 3]
          {-0.40095794f, -0.13043906f,  0.40718788f, -0.46177143f, 0.094665959f, 0.35258716f,
           -0.40922695f, 0.33912128f,   0.45930144f, 0.15144055f,  0.46240336f,  -0.35291901f,
           -0.34258547f, -0.020834137f, 0.4242129f,  0.3413679f,   -0.11491692f, -0.12003839f,
           0.029598199f, 0.3346321f,    0.13610139f, -0.5457592f,  0.20898619f,  -0.33469027f,
           -0.43229023f, 0.13030528f,   0.3626886f,  0.0f,         0.0f,         0.0f,
           0.33839196f,  0.28135997f,   -0.1451094f, 0.0f,         0.0f,         0.0f},
          // Y_h [2, 2, 3]
          {-0.43229023f, 0.13030528f, 0.3626886f, 0.3413679f, -0.11491692f, -0.12003839f,
           -0.40922695f, 0.33912128f, 0.45930144f, 0.15144055f, 0.46240336f, -0.35291901f},
      });
}

TEST(CpuRnnTest, Float16IsComputedInFloat32) {
  // The pattern inputs are exact in float16, so only the float16 rounding of the outputs differs
  // from the float32 reference of LstmWithPeepholesAndInitialCell.
  RecurrentCase s{.op = "LSTM",
                  .seq = 3,
                  .batch = 2,
                  .input = 3,
                  .hidden = 2,
                  .initial_c = true,
                  .peepholes = true,
                  .outputs = {true, true, true},
                  .type = DataType::kFloat16};
  expect_outputs(
      s, run_recurrent(s, no_attributes),
      {
          // Y [3, 1, 2, 2]
          {-0.43731493f, 0.27865103f, 0.011748325f, 0.052742485f, -0.23505008f, 0.027558148f,
           0.064490989f, -0.04352029f, -0.25991267f, -0.20028283f, -0.062567033f, -0.19322921f},
          // Y_h [1, 2, 2]
          {-0.25991267f, -0.20028283f, -0.062567033f, -0.19322921f},
          // Y_c [1, 2, 2]
          {-0.39563918f, -0.26930365f, -0.09231551f, -0.27166778f},
      },
      2e-3, 2e-3);
}

TEST(CpuRnnTest, OmittedOptionalOutputsAreNotAllocated) {
  // Only Y_h of the LstmWithPeepholesAndInitialCell case: Y is listed as "" and Y_c left off;
  // the context fails the test if the kernel allocates an output that was not requested.
  RecurrentCase s{.op = "LSTM",
                  .seq = 3,
                  .batch = 2,
                  .input = 3,
                  .hidden = 2,
                  .initial_c = true,
                  .peepholes = true,
                  .outputs = {false, true}};
  const std::vector<Tensor> out = run_recurrent(s, no_attributes);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FALSE(out[0].defined());
  const std::vector<std::vector<float>> reference = {
      // Y [3, 1, 2, 2]
      {-0.43731493f, 0.27865103f, 0.011748325f, 0.052742485f, -0.23505008f, 0.027558148f,
       0.064490989f, -0.04352029f, -0.25991267f, -0.20028283f, -0.062567033f, -0.19322921f},
      // Y_h [1, 2, 2]
      {-0.25991267f, -0.20028283f, -0.062567033f, -0.19322921f},
      // Y_c [1, 2, 2]
      {-0.39563918f, -0.26930365f, -0.09231551f, -0.27166778f},
  };
  expect_near(out[1], f32(s.state_shape(), reference[1]));
}

TEST(CpuRnnTest, RejectsBadShapesAndAttributes) {
  RecurrentCase s{.op = "GRU", .seq = 2, .batch = 2, .input = 3, .hidden = 2};
  // hidden_size disagrees with the weights.
  expect_error([&] { run_recurrent(s, [](Attrs& t) { t.attr("hidden_size", int64_t{3}); }); },
               ErrorCode::kInvalidArgument, {"GRU", "input 1 (W)", "[1,9,3]"});
  expect_error(
      [&] { run_recurrent(s, [](Attrs& t) { t.attr("direction", std::string("sideways")); }); },
      ErrorCode::kInvalidModel, {"direction", "sideways"});
  expect_error(
      [&] {
        run_recurrent(s,
                      [](Attrs& t) { t.attr("activations", std::vector<std::string>{"Sigmoid"}); });
      },
      ErrorCode::kInvalidModel, {"activations", "expected 2"});
  expect_error(
      [&] {
        run_recurrent(s, [](Attrs& t) {
          t.attr("activations", std::vector<std::string>{"Sigmoid", "Cosine"});
        });
      },
      ErrorCode::kInvalidModel, {"Cosine"});
  RecurrentCase long_lens = s;
  long_lens.lens = {2, 3};
  expect_error([&] { run_recurrent(long_lens, no_attributes); }, ErrorCode::kInvalidArgument,
               {"sequence_lens", "3", "[0, 2]"});
  RecurrentCase bidirectional_weights = s;
  bidirectional_weights.dirs = 2;
  expect_error([&] { run_recurrent(bidirectional_weights, no_attributes); },
               ErrorCode::kInvalidArgument, {"input 1 (W)", "[2,6,3]", "[1,6,3]"});
}

}  // namespace
}  // namespace aruntime::testing
