// Shape inference (graph/shape_inference.h). Expected shapes are derived by hand from the output
// shape formulas of the ONNX operator spec; those marked "(onnx)" were also checked against
// onnx.shape_inference.infer_shapes(model, data_prop=True) from onnx 1.18 in /work/main/.venv.
#include <gtest/gtest.h>

#include <cstdint>

#include "graph/shape_inference.h"
#include "graph/type_inference.h"
#include "tests/unit/op_test_util.h"

namespace aruntime {
namespace {

using testing::expect_error;

// "[batch,3,?]" -> dims; "?" is an unknown dim.
std::vector<Dim> parse_dims(const std::string& spec) {
  std::vector<Dim> dims;
  std::string inner = spec.substr(1, spec.size() - 2);
  size_t pos = 0;
  while (!inner.empty() && pos <= inner.size()) {
    size_t comma = inner.find(',', pos);
    std::string item =
        inner.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (item == "?")
      dims.push_back(Dim{});
    else if (std::isdigit(static_cast<unsigned char>(item[0])))
      dims.push_back(Dim::fixed(std::stoll(item)));
    else
      dims.push_back(Dim::symbolic(item));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return dims;
}

Attribute attr_int(const std::string& name, int64_t v) {
  Attribute a;
  a.name = name;
  a.type = Attribute::Type::kInt;
  a.i = v;
  return a;
}

Attribute attr_ints(const std::string& name, std::vector<int64_t> v) {
  Attribute a;
  a.name = name;
  a.type = Attribute::Type::kInts;
  a.ints = std::move(v);
  return a;
}

Attribute attr_floats(const std::string& name, std::vector<float> v) {
  Attribute a;
  a.name = name;
  a.type = Attribute::Type::kFloats;
  a.floats = std::move(v);
  return a;
}

Attribute attr_string(const std::string& name, const std::string& v) {
  Attribute a;
  a.name = name;
  a.type = Attribute::Type::kString;
  a.s = v;
  return a;
}

Attribute attr_tensor(const std::string& name, const Tensor& t) {
  Attribute a;
  a.name = name;
  a.type = Attribute::Type::kTensor;
  a.t = t;
  return a;
}

Attribute attr_graph(const std::string& name, std::shared_ptr<Graph> g) {
  Attribute a;
  a.name = name;
  a.type = Attribute::Type::kGraph;
  a.g = std::move(g);
  return a;
}

// A graph under construction: inputs with declared (possibly symbolic) shapes, constants, nodes
// whose outputs start untyped, as a loaded model's intermediate values do.
class ShapeGraph {
 public:
  explicit ShapeGraph(Graph* graph = nullptr) : g_(graph ? graph : &own_) { g_->name = "g"; }

  ShapeGraph& input(const std::string& name, const std::string& dtype, const std::string& dims) {
    TypeInfo t{ValueKind::kTensor, data_type_from_name(dtype), parse_dims(dims)};
    g_->inputs.push_back({name, t});
    g_->value_types[name] = t;
    return *this;
  }
  // An input whose rank is unknown.
  ShapeGraph& input_unranked(const std::string& name, const std::string& dtype) {
    TypeInfo t{ValueKind::kTensor, data_type_from_name(dtype), std::nullopt};
    g_->inputs.push_back({name, t});
    g_->value_types[name] = t;
    return *this;
  }
  ShapeGraph& constant(const std::string& name, const Tensor& t) {
    std::vector<Dim> dims;
    for (int64_t d : t.shape().dims()) dims.push_back(Dim::fixed(d));
    g_->value_types[name] = TypeInfo{ValueKind::kTensor, t.dtype(), dims};
    g_->initializers[name] = t;
    return *this;
  }
  ShapeGraph& ints(const std::string& name, const std::vector<int64_t>& v) {
    return constant(name, Tensor::from_vector<int64_t>(Shape{static_cast<int64_t>(v.size())}, v));
  }
  ShapeGraph& scalar_int(const std::string& name, int64_t v) {
    return constant(name, Tensor::scalar<int64_t>(v));
  }
  ShapeGraph& floats(const std::string& name, const std::vector<float>& v) {
    return constant(name, Tensor::from_vector<float>(Shape{static_cast<int64_t>(v.size())}, v));
  }
  ShapeGraph& node(const std::string& op, std::vector<std::string> inputs,
                   std::vector<std::string> outputs, std::vector<Attribute> attributes = {},
                   const std::string& domain = "") {
    Node n;
    n.name = op + "_" + std::to_string(g_->nodes.size());
    n.op_type = op;
    n.domain = domain;
    n.inputs = std::move(inputs);
    n.outputs = std::move(outputs);
    n.attributes = std::move(attributes);
    g_->nodes.push_back(std::move(n));
    return *this;
  }
  // Declares the shape of a node output, as value_info or a graph output would.
  ShapeGraph& declare(const std::string& name, const std::string& dtype, const std::string& dims) {
    g_->value_types[name] =
        TypeInfo{ValueKind::kTensor, data_type_from_name(dtype), parse_dims(dims)};
    return *this;
  }

  void infer(const std::map<std::string, int64_t>& dim_values = {}) {
    infer_types(*g_);
    infer_shapes(*g_, dim_values);
  }
  // "[batch,3]", or "unknown" when the rank is not known, or "absent" without a type entry.
  std::string shape(const std::string& value) const {
    auto it = g_->value_types.find(value);
    if (it == g_->value_types.end()) return "absent";
    if (!it->second.shape) return "unknown";
    std::string s = "[";
    for (size_t i = 0; i < it->second.shape->size(); ++i)
      s += (i ? "," : "") + (*it->second.shape)[i].to_string();
    return s + "]";
  }
  Graph& graph() { return *g_; }

 private:
  Graph own_;
  Graph* g_;
};

// --- Elementwise and broadcasting ---------------------------------------------------------------

TEST(ShapeInference, UnaryOpsKeepSymbolicShapes) {
  ShapeGraph g;
  g.input("x", "float32", "[batch,3,?]");
  g.node("Relu", {"x"}, {"r"}).node("Sigmoid", {"r"}, {"s"}).node("Erf", {"s"}, {"e"});
  g.node("Cast", {"e"}, {"c"}, {attr_int("to", 10)}).node("Clip", {"c"}, {"k"});
  g.infer();
  EXPECT_EQ(g.shape("r"), "[batch,3,?]");
  EXPECT_EQ(g.shape("e"), "[batch,3,?]");
  EXPECT_EQ(g.shape("k"), "[batch,3,?]");
}

TEST(ShapeInference, BinaryOpsBroadcastSymbols) {
  ShapeGraph g;
  g.input("a", "float32", "[batch,1,4]").input("b", "float32", "[3,1]");
  g.input("c", "float32", "[batch,seq]")
      .input("d", "float32", "[1,seq]")
      .input("e", "float32", "[len,seq]");
  g.input("u", "float32", "[?,5]");
  g.node("Add", {"a", "b"}, {"ab"});  // [batch,1,4] + [3,1] -> [batch,3,4]
  g.node("Mul", {"c", "d"}, {"cd"});  // 1 broadcasts to the symbol
  g.node("Sub", {"c", "e"}, {"ce"});  // two different symbols: unknown
  g.node("Div", {"c", "c"}, {"cc"});  // the same symbol stays
  g.node("Pow", {"u", "d"}, {"ud"});  // unknown with 1 stays unknown; 5 vs seq gives 5
  g.node("Equal", {"a", "b"}, {"eq"});
  g.infer();
  EXPECT_EQ(g.shape("ab"), "[batch,3,4]");
  EXPECT_EQ(g.shape("cd"), "[batch,seq]");
  EXPECT_EQ(g.shape("ce"), "[?,seq]");
  EXPECT_EQ(g.shape("cc"), "[batch,seq]");
  EXPECT_EQ(g.shape("ud"), "[?,5]");
  EXPECT_EQ(g.shape("eq"), "[batch,3,4]");
}

TEST(ShapeInference, VariadicOpsAndWhereBroadcastAllInputs) {
  ShapeGraph g;
  g.input("a", "float32", "[2,1,1]").input("b", "float32", "[3,1]").input("c", "float32", "[4]");
  g.input("cond", "bool", "[1,3,1]");
  g.node("Sum", {"a", "b", "c"}, {"s"})
      .node("Max", {"a", "c"}, {"m"})
      .node("Where", {"cond", "a", "c"}, {"w"});
  g.infer();
  EXPECT_EQ(g.shape("s"), "[2,3,4]");
  EXPECT_EQ(g.shape("m"), "[2,1,4]");
  EXPECT_EQ(g.shape("w"), "[2,3,4]");
}

TEST(ShapeInference, IncompatibleBroadcastIsAnInvalidModel) {
  ShapeGraph g;
  g.input("a", "float32", "[2,3]").input("b", "float32", "[4,3]");
  g.node("Add", {"a", "b"}, {"y"});
  expect_error([&] { g.infer(); }, ErrorCode::kInvalidModel,
               {"node 'Add_0' (Add)", "'a' [2,3]", "'b' [4,3]", "cannot be broadcast"});
}

TEST(ShapeInference, DropoutMaskHasTheDataShape) {
  ShapeGraph g;
  g.input("x", "float32", "[batch,8]");
  g.node("Dropout", {"x"}, {"y", "mask"}).node("Identity", {"y"}, {"z"});
  g.infer();
  EXPECT_EQ(g.shape("y"), "[batch,8]");
  EXPECT_EQ(g.shape("mask"), "[batch,8]");
  EXPECT_EQ(g.shape("z"), "[batch,8]");
}

// --- Convolution and pooling
// -----------------------------------------------------------------------

TEST(ShapeInference, ConvStridesPadsGroupsDilationsAutoPad) {
  ShapeGraph g;
  g.input("x", "float32", "[1,3,224,224]").input("w", "float32", "[64,3,7,7]");
  g.input("dw_x", "float32", "[batch,32,56,56]").input("dw_w", "float32", "[32,1,3,3]");
  g.input("s_x", "float32", "[1,3,15,15]").input("s_w", "float32", "[8,3,3,3]");
  // (onnx) floor((224 + 6 - 7) / 2) + 1 = 112.
  g.node("Conv", {"x", "w"}, {"stem"},
         {attr_ints("strides", {2, 2}), attr_ints("pads", {3, 3, 3, 3})});
  // Depthwise: 32 channels in 32 groups of one; pads 1 keep 56.
  g.node("Conv", {"dw_x", "dw_w"}, {"dw"},
         {attr_int("group", 32), attr_ints("pads", {1, 1, 1, 1})});
  // (onnx) SAME_UPPER: ceil(15 / 2) = 8; VALID: floor((15 - 3) / 2) + 1 = 7; dilation 2: 15 - 5 + 1
  // = 11.
  g.node("Conv", {"s_x", "s_w"}, {"same"},
         {attr_ints("strides", {2, 2}), attr_string("auto_pad", "SAME_UPPER")});
  g.node("Conv", {"s_x", "s_w"}, {"valid"},
         {attr_ints("strides", {2, 2}), attr_string("auto_pad", "VALID")});
  g.node("Conv", {"s_x", "s_w"}, {"dilated"}, {attr_ints("dilations", {2, 2})});
  g.infer();
  EXPECT_EQ(g.shape("stem"), "[1,64,112,112]");
  EXPECT_EQ(g.shape("dw"), "[batch,32,56,56]");
  EXPECT_EQ(g.shape("same"), "[1,8,8,8]");
  EXPECT_EQ(g.shape("valid"), "[1,8,7,7]");
  EXPECT_EQ(g.shape("dilated"), "[1,8,11,11]");
}

TEST(ShapeInference, ConvKeepsSymbolicSizesOnlyForSizePreservingWindows) {
  ShapeGraph g;
  g.input("x", "float32", "[batch,16,h,w]")
      .input("w1", "float32", "[8,16,1,1]")
      .input("w3", "float32", "[8,16,3,3]");
  g.node("Conv", {"x", "w1"}, {"pointwise"});
  g.node("Conv", {"x", "w3"}, {"same"}, {attr_string("auto_pad", "SAME_LOWER")});
  g.node("Conv", {"x", "w3"}, {"padded"}, {attr_ints("pads", {1, 1, 1, 1})});
  g.infer();
  EXPECT_EQ(g.shape("pointwise"), "[batch,8,h,w]");
  EXPECT_EQ(g.shape("same"), "[batch,8,h,w]");
  EXPECT_EQ(g.shape("padded"), "[batch,8,?,?]");  // h + 2 - 3 + 1 is h, but not as a symbol rule
}

TEST(ShapeInference, ConvChannelMismatchIsAnInvalidModel) {
  ShapeGraph g;
  g.input("x", "float32", "[1,3,8,8]").input("w", "float32", "[4,2,3,3]");
  g.node("Conv", {"x", "w"}, {"y"});
  expect_error([&] { g.infer(); }, ErrorCode::kInvalidModel,
               {"node 'Conv_0' (Conv)", "'x' [1,3,8,8]", "'w' [4,2,3,3]", "3 channels", "group 1"});
}

TEST(ShapeInference, ConvWindowLargerThanInputIsAnInvalidModel) {
  ShapeGraph g;
  g.input("x", "float32", "[1,3,2,2]").input("w", "float32", "[4,3,3,3]");
  g.node("Conv", {"x", "w"}, {"y"});
  expect_error([&] { g.infer(); }, ErrorCode::kInvalidModel,
               {"Conv_0", "[1,3,2,2]", "window extent 3"});
}

TEST(ShapeInference, ConvTranspose) {
  ShapeGraph g;
  g.input("x", "float32", "[1,4,5,5]").input("w", "float32", "[4,2,3,3]");
  // (onnx) 2 * (5 - 1) + 1 + 3 - 2 = 10 with 2 output channels.
  g.node("ConvTranspose", {"x", "w"}, {"y"},
         {attr_ints("strides", {2, 2}), attr_ints("pads", {1, 1, 1, 1}),
          attr_ints("output_padding", {1, 1})});
  // (onnx) group 2: 2 * 2 channels; (5 - 1) + 3 = 7.
  g.node("ConvTranspose", {"x", "w"}, {"grouped"}, {attr_int("group", 2)});
  g.node("ConvTranspose", {"x", "w"}, {"fixed"},
         {attr_ints("output_shape", {12, 11}), attr_ints("strides", {2, 2})});
  g.node("ConvTranspose", {"x", "w"}, {"same"},
         {attr_ints("strides", {3, 3}), attr_string("auto_pad", "SAME_UPPER")});
  g.infer();
  EXPECT_EQ(g.shape("y"), "[1,2,10,10]");
  EXPECT_EQ(g.shape("grouped"), "[1,4,7,7]");
  EXPECT_EQ(g.shape("fixed"), "[1,2,12,11]");
  EXPECT_EQ(g.shape("same"), "[1,2,15,15]");
}

TEST(ShapeInference, PoolingWithCeilModeDropsWindowsStartingInThePadding) {
  ShapeGraph g;
  g.input("x", "float32", "[1,2,6,6]").input("y5", "float32", "[1,2,5,5]");
  // ceil((6 + 1 - 2) / 2) + 1 = 4, but the 4th window would start at 6, inside the end padding, and
  // the spec ignores it: 3. onnxruntime and onnx.reference give 3; onnx's C++ shape inference
  // says 4.
  g.node("MaxPool", {"x"}, {"mp", "idx"},
         {attr_ints("kernel_shape", {2, 2}), attr_ints("strides", {2, 2}),
          attr_ints("pads", {0, 0, 1, 1}), attr_int("ceil_mode", 1)});
  // (onnx) ceil((5 - 2) / 2) + 1 = 3 with ceil_mode, floor(3 / 2) + 1 = 2 without.
  g.node(
      "AveragePool", {"y5"}, {"ceil"},
      {attr_ints("kernel_shape", {2, 2}), attr_ints("strides", {2, 2}), attr_int("ceil_mode", 1)});
  g.node("AveragePool", {"y5"}, {"floor"},
         {attr_ints("kernel_shape", {2, 2}), attr_ints("strides", {2, 2})});
  g.node("GlobalAveragePool", {"x"}, {"gap"}).node("GlobalMaxPool", {"y5"}, {"gmp"});
  g.infer();
  EXPECT_EQ(g.shape("mp"), "[1,2,3,3]");
  EXPECT_EQ(g.shape("idx"), "[1,2,3,3]");
  EXPECT_EQ(g.shape("ceil"), "[1,2,3,3]");
  EXPECT_EQ(g.shape("floor"), "[1,2,2,2]");
  EXPECT_EQ(g.shape("gap"), "[1,2,1,1]");
  EXPECT_EQ(g.shape("gmp"), "[1,2,1,1]");
}

// --- Gemm / MatMul
// -----------------------------------------------------------------------------------

TEST(ShapeInference, GemmAndMatMul) {
  ShapeGraph g;
  g.input("a", "float32", "[4,8]").input("bt", "float32", "[16,8]").input("c", "float32", "[16]");
  g.input("p", "float32", "[2,1,3,4]").input("q", "float32", "[5,4,6]");
  g.input("v", "float32", "[4]").input("m46", "float32", "[4,6]").input("m64", "float32", "[6,4]");
  g.input("s", "float32", "[batch,seq,64]").input("wt", "float32", "[64,32]");
  g.node("Gemm", {"a", "bt", "c"}, {"gemm"}, {attr_int("transB", 1)});
  g.node("MatMul", {"p", "q"}, {"batched"});    // (onnx) batch dims [2,1] and [5] broadcast
  g.node("MatMul", {"v", "m46"}, {"vec_mat"});  // (onnx) 1-D a: [6]
  g.node("MatMul", {"m64", "v"}, {"mat_vec"});  // (onnx) 1-D b: [6]
  g.node("MatMul", {"v", "v"}, {"dot"});        // (onnx) scalar
  g.node("MatMul", {"s", "wt"}, {"proj"});
  g.infer();
  EXPECT_EQ(g.shape("gemm"), "[4,16]");
  EXPECT_EQ(g.shape("batched"), "[2,5,3,6]");
  EXPECT_EQ(g.shape("vec_mat"), "[6]");
  EXPECT_EQ(g.shape("mat_vec"), "[6]");
  EXPECT_EQ(g.shape("dot"), "[]");
  EXPECT_EQ(g.shape("proj"), "[batch,seq,32]");
}

TEST(ShapeInference, MatMulInnerMismatchIsAnInvalidModel) {
  ShapeGraph g;
  g.input("a", "float32", "[batch,3,4]").input("b", "float32", "[5,6]");
  g.node("MatMul", {"a", "b"}, {"y"});
  expect_error([&] { g.infer(); }, ErrorCode::kInvalidModel,
               {"node 'MatMul_0' (MatMul)", "'a' [batch,3,4]", "'b' [5,6]", "inner dims 4 and 5"});
}

TEST(ShapeInference, GemmInnerMismatchIsAnInvalidModel) {
  ShapeGraph g;
  g.input("a", "float32", "[4,8]").input("b", "float32", "[16,8]");
  g.node("Gemm", {"a", "b"}, {"y"});
  expect_error([&] { g.infer(); }, ErrorCode::kInvalidModel,
               {"Gemm_0", "'a' [4,8]", "'b' [16,8]", "8 and 16"});
}

// --- Normalisations, recurrent layers, quantized ops
// ------------------------------------------------

TEST(ShapeInference, NormalizationStatistics) {
  ShapeGraph g;
  g.input("x", "float32", "[batch,16,7,7]").input("c", "float32", "[16]");
  g.input("t", "float32", "[b,s,64]").input("gamma", "float32", "[64]");
  g.node("BatchNormalization", {"x", "c", "c", "c", "c"}, {"bn", "running_mean", "running_var"},
         {attr_int("training_mode", 1)});
  // (onnx) Mean and InvStdDev keep the dims before axis.
  g.node("LayerNormalization", {"t", "gamma"}, {"ln", "mean", "inv_std"}, {attr_int("axis", -1)});
  g.node("InstanceNormalization", {"x", "c", "c"}, {"in"});
  g.node("Softmax", {"t"}, {"sm"}, {attr_int("axis", -1)});
  g.infer();
  EXPECT_EQ(g.shape("bn"), "[batch,16,7,7]");
  EXPECT_EQ(g.shape("running_mean"), "[16]");
  EXPECT_EQ(g.shape("ln"), "[b,s,64]");
  EXPECT_EQ(g.shape("mean"), "[b,s,1]");
  EXPECT_EQ(g.shape("inv_std"), "[b,s,1]");
  EXPECT_EQ(g.shape("in"), "[batch,16,7,7]");
  EXPECT_EQ(g.shape("sm"), "[b,s,64]");
}

// The optimizer's own ops (domain aruntime; contracts in providers/cpu/ops/fused_ops.cc), as
// models saved by `aruntime optimize` hold them. Expected shapes follow those contracts by hand.
TEST(ShapeInference, FusedNormalizationsKeepTheInputShape) {
  ShapeGraph g;
  g.input("x", "float32", "[b,s,64]").input("skip", "float32", "[b,s,64]");
  g.input("gamma", "float32", "[64]");
  g.node("RMSNormalization", {"x", "gamma"}, {"rms"}, {attr_int("axis", -1)}, "aruntime");
  g.node("SkipLayerNormalization", {"x", "skip", "gamma", "gamma"}, {"sln", "sum"}, {}, "aruntime");
  g.node("SkipLayerNormalization", {"x", "skip", "gamma"}, {"sln_only"}, {}, "aruntime");
  g.node("SkipLayerNormalization", {"x", "skip", "gamma"}, {"", "sum_only"}, {}, "aruntime");
  g.infer();
  EXPECT_EQ(g.shape("rms"), "[b,s,64]");
  EXPECT_EQ(g.shape("sln"), "[b,s,64]");
  EXPECT_EQ(g.shape("sum"), "[b,s,64]");
  EXPECT_EQ(g.shape("sln_only"), "[b,s,64]");
  EXPECT_EQ(g.shape("sum_only"), "[b,s,64]");
}

TEST(ShapeInference, FusedMatMulSwapsTheLastAxesBeforeBroadcasting) {
  ShapeGraph g;
  g.input("a", "float32", "[2,1,3,4]").input("b", "float32", "[5,4,6]");
  g.input("at", "float32", "[2,1,4,3]").input("bt", "float32", "[5,6,4]");
  g.input("q", "float32", "[batch,heads,seq,64]").input("k", "float32", "[batch,heads,seq,64]");
  g.input("m", "float32", "[8,16]");
  g.node("FusedMatMul", {"a", "b"}, {"plain"}, {}, "aruntime");
  g.node("FusedMatMul", {"at", "b"}, {"ta"}, {attr_int("transA", 1)}, "aruntime");
  g.node("FusedMatMul", {"a", "bt"}, {"tb"}, {attr_int("transB", 1)}, "aruntime");
  g.node("FusedMatMul", {"at", "bt"}, {"tab"}, {attr_int("transA", 1), attr_int("transB", 1)},
         "aruntime");
  // Attention scores Q·Kᵀ with K read transposed.
  g.node("FusedMatMul", {"q", "k"}, {"scores"}, {attr_int("transB", 1)}, "aruntime");
  g.node("FusedMatMul", {"m", "m"}, {"gram"}, {attr_int("transA", 1)}, "aruntime");
  g.infer();
  // MatMul of [2,1,3,4] and [5,4,6]: batch [2,1] and [5] broadcast to [2,5], rows 3, cols 6.
  EXPECT_EQ(g.shape("plain"), "[2,5,3,6]");
  EXPECT_EQ(g.shape("ta"), "[2,5,3,6]");
  EXPECT_EQ(g.shape("tb"), "[2,5,3,6]");
  EXPECT_EQ(g.shape("tab"), "[2,5,3,6]");
  EXPECT_EQ(g.shape("scores"), "[batch,heads,seq,seq]");
  EXPECT_EQ(g.shape("gram"), "[16,16]");  // mᵀ [16,8] · m [8,16]
}

TEST(ShapeInference, FusedMatMulInnerMismatchAndVectorsAreAnInvalidModel) {
  ShapeGraph g;
  g.input("a", "float32", "[3,4]").input("b", "float32", "[3,4]");
  g.node("FusedMatMul", {"a", "b"}, {"y"}, {attr_int("transB", 0)}, "aruntime");
  expect_error([&] { g.infer(); }, ErrorCode::kInvalidModel,
               {"FusedMatMul_0", "'a' [3,4]", "'b' [3,4]", "inner dims 4 and 3"});
  ShapeGraph v;
  v.input("a", "float32", "[4]").input("b", "float32", "[4,3]");
  v.node("FusedMatMul", {"a", "b"}, {"y"}, {}, "aruntime");
  expect_error([&] { v.infer(); }, ErrorCode::kInvalidModel, {"FusedMatMul_0", "rank >= 2"});
  ShapeGraph batch;
  batch.input("a", "float32", "[2,3,4]").input("b", "float32", "[5,3,4]");
  batch.node("FusedMatMul", {"a", "b"}, {"y"}, {attr_int("transB", 1)}, "aruntime");
  expect_error([&] { batch.infer(); }, ErrorCode::kInvalidModel,
               {"FusedMatMul_0", "cannot be broadcast", "2 vs 5"});
}

TEST(ShapeInference, RecurrentLayers) {
  ShapeGraph g;
  g.input("x", "float32", "[seq,batch,32]")
      .input("w", "float32", "[2,192,32]")
      .input("r", "float32", "[2,192,48]");
  g.input("xb", "float32", "[batch,seq,32]");
  // Y [seq, directions, batch, hidden]; Y_h and Y_c [directions, batch, hidden].
  g.node("LSTM", {"x", "w", "r"}, {"y", "y_h", "y_c"},
         {attr_int("hidden_size", 48), attr_string("direction", "bidirectional")});
  g.node("GRU", {"xb", "w", "r"}, {"gy", "gy_h"},
         {attr_int("hidden_size", 64), attr_int("layout", 1)});
  g.infer();
  EXPECT_EQ(g.shape("y"), "[seq,2,batch,48]");
  EXPECT_EQ(g.shape("y_h"), "[2,batch,48]");
  EXPECT_EQ(g.shape("y_c"), "[2,batch,48]");
  EXPECT_EQ(g.shape("gy"), "[batch,seq,1,64]");
  EXPECT_EQ(g.shape("gy_h"), "[batch,1,64]");
}

TEST(ShapeInference, QuantizedOps) {
  ShapeGraph g;
  g.input("x", "float32", "[1,3,8,8]").input("scale", "float32", "[]");
  g.input("w", "uint8", "[4,3,3,3]").input("zp", "uint8", "[]");
  g.input("a", "uint8", "[2,5,6]").input("b", "uint8", "[6,7]");
  g.node("QuantizeLinear", {"x", "scale", "zp"}, {"xq"});
  g.node("DequantizeLinear", {"xq", "scale", "zp"}, {"xd"});
  g.node("QLinearConv", {"xq", "scale", "zp", "w", "scale", "zp", "scale", "zp"}, {"qconv"},
         {attr_ints("pads", {1, 1, 1, 1})});
  g.node("ConvInteger", {"xq", "w"}, {"iconv"});
  g.node("QLinearMatMul", {"a", "scale", "zp", "b", "scale", "zp", "scale", "zp"}, {"qmm"});
  g.node("MatMulInteger", {"a", "b"}, {"imm"});
  g.node("DynamicQuantizeLinear", {"x"}, {"dq", "dq_scale", "dq_zp"});
  g.infer();
  EXPECT_EQ(g.shape("xq"), "[1,3,8,8]");
  EXPECT_EQ(g.shape("xd"), "[1,3,8,8]");
  EXPECT_EQ(g.shape("qconv"), "[1,4,8,8]");
  EXPECT_EQ(g.shape("iconv"), "[1,4,6,6]");
  EXPECT_EQ(g.shape("qmm"), "[2,5,7]");
  EXPECT_EQ(g.shape("imm"), "[2,5,7]");
  EXPECT_EQ(g.shape("dq"), "[1,3,8,8]");
  EXPECT_EQ(g.shape("dq_scale"), "[]");
}

// --- Reshaping ops
// ---------------------------------------------------------------------------------

TEST(ShapeInference, ReshapeCopiesZerosAndInfersMinusOne) {
  ShapeGraph g;
  g.input("x", "float32", "[2,3,4]")
      .input("t", "float32", "[batch,16,128]")
      .input("e", "float32", "[0,5]");
  g.ints("copy_rest", {0, -1}).ints("heads", {0, -1, 4, 32}).ints("zero", {0, 7});
  g.node("Reshape", {"x", "copy_rest"}, {"a"});                         // [2,12]
  g.node("Reshape", {"t", "heads"}, {"b"});                             // (onnx) [batch,16,4,32]
  g.node("Reshape", {"e", "zero"}, {"c"}, {attr_int("allowzero", 1)});  // a literal 0 dim
  g.infer();
  EXPECT_EQ(g.shape("a"), "[2,12]");
  EXPECT_EQ(g.shape("b"), "[batch,16,4,32]");
  EXPECT_EQ(g.shape("c"), "[0,7]");
}

TEST(ShapeInference, ReshapeMinusOneTakesTheLeftoverSymbol) {
  ShapeGraph g;
  g.input("x", "float32", "[batch,seq,64]");
  g.ints("flat", {-1, 64}).ints("keep_seq", {-1, 0, 8, 8});
  g.node("Reshape", {"x", "flat"}, {"flat_out"});   // batch * seq: not one symbol
  g.node("Reshape", {"x", "keep_seq"}, {"split"});  // 64 / 64 leaves batch
  g.infer();
  EXPECT_EQ(g.shape("flat_out"), "[?,64]");
  EXPECT_EQ(g.shape("split"), "[batch,seq,8,8]");
}

TEST(ShapeInference, ReshapeElementCountMismatchIsAnInvalidModel) {
  ShapeGraph g;
  g.input("x", "float32", "[2,3]").ints("shape", {4, 2});
  g.node("Reshape", {"x", "shape"}, {"y"});
  expect_error(
      [&] { g.infer(); }, ErrorCode::kInvalidModel,
      {"node 'Reshape_0' (Reshape)", "'x' [2,3]", "6 elements", "[4,2]", "8 elements", "'shape'"});
}

TEST(ShapeInference, FlattenTransposeSqueezeUnsqueeze) {
  ShapeGraph g;
  g.input("x", "float32", "[batch,3,4,5]").input("s", "float32", "[1,batch,1,6]");
  g.ints("axes", {0, -2}).ints("new_axes", {0, -1});
  g.node("Flatten", {"x"}, {"f1"});                         // [batch,60]
  g.node("Flatten", {"x"}, {"f2"}, {attr_int("axis", 2)});  // (onnx) [?,20]
  g.node("Flatten", {"x"}, {"f0"}, {attr_int("axis", 0)});  // [1,?]
  g.node("Transpose", {"x"}, {"t"}, {attr_ints("perm", {0, 2, 3, 1})});
  g.node("Transpose", {"x"}, {"rev"});
  g.node("Squeeze", {"s", "axes"}, {"sq_input"});                   // opset 13: axes input
  g.node("Squeeze", {"s"}, {"sq_attr"}, {attr_ints("axes", {2})});  // opset 11: attribute
  g.node("Unsqueeze", {"x", "new_axes"}, {"unsq"});                 // axes against the output rank
  g.node("Unsqueeze", {"sq_input"}, {"unsq_attr"}, {attr_ints("axes", {1})});
  g.infer();
  EXPECT_EQ(g.shape("f1"), "[batch,60]");
  EXPECT_EQ(g.shape("f2"), "[?,20]");
  EXPECT_EQ(g.shape("f0"), "[1,?]");
  EXPECT_EQ(g.shape("t"), "[batch,4,5,3]");
  EXPECT_EQ(g.shape("rev"), "[5,4,3,batch]");
  EXPECT_EQ(g.shape("sq_input"), "[batch,6]");
  EXPECT_EQ(g.shape("sq_attr"), "[1,batch,6]");
  EXPECT_EQ(g.shape("unsq"), "[1,batch,3,4,5,1]");
  EXPECT_EQ(g.shape("unsq_attr"), "[batch,1,6]");
}

TEST(ShapeInference, SqueezeWithoutAxesNeedsStaticDims) {
  ShapeGraph g;
  g.input("x", "float32", "[1,3,1]").input("y", "float32", "[batch,1]");
  g.node("Squeeze", {"x"}, {"a"}).node("Squeeze", {"y"}, {"b"});
  g.infer();
  EXPECT_EQ(g.shape("a"), "[3]");
  EXPECT_EQ(g.shape("b"), "unknown");  // batch may be 1
}

TEST(ShapeInference, SqueezeOfANonUnitDimIsAnInvalidModel) {
  ShapeGraph g;
  g.input("x", "float32", "[2,3]");
  g.node("Squeeze", {"x"}, {"y"}, {attr_ints("axes", {1})});
  expect_error([&] { g.infer(); }, ErrorCode::kInvalidModel,
               {"Squeeze_0", "axis 1", "[2,3]", "size 3"});
}

TEST(ShapeInference, TransposeWithABadPermIsAnInvalidModel) {
  ShapeGraph g;
  g.input("x", "float32", "[2,3]");
  g.node("Transpose", {"x"}, {"y"}, {attr_ints("perm", {0, 0})});
  expect_error([&] { g.infer(); }, ErrorCode::kInvalidModel,
               {"Transpose_0", "perm [0,0] repeats an axis"});
}

// --- Concat / Split / Slice
// -------------------------------------------------------------------------

TEST(ShapeInference, ConcatSumsTheAxis) {
  ShapeGraph g;
  g.input("a", "float32", "[2,3]").input("b", "float32", "[2,5]").input("c", "float32", "[?,n]");
  g.input("s1", "float32", "[batch,4]").input("s2", "float32", "[batch,6]");
  g.node("Concat", {"a", "b"}, {"ab"}, {attr_int("axis", 1)});
  g.node("Concat", {"a", "c"}, {"ac"}, {attr_int("axis", -1)});  // 3 + n is not a dim we name
  g.node("Concat", {"s1", "s2"}, {"ss"}, {attr_int("axis", 1)});
  g.infer();
  EXPECT_EQ(g.shape("ab"), "[2,8]");
  EXPECT_EQ(g.shape("ac"), "[2,?]");
  EXPECT_EQ(g.shape("ss"), "[batch,10]");
}

TEST(ShapeInference, ConcatRankMismatchIsAnInvalidModel) {
  ShapeGraph g;
  g.input("a", "float32", "[2,3]").input("b", "float32", "[2,3,1]");
  g.node("Concat", {"a", "b"}, {"y"}, {attr_int("axis", 0)});
  expect_error([&] { g.infer(); }, ErrorCode::kInvalidModel,
               {"node 'Concat_0' (Concat)", "'a' [2,3]", "'b' [2,3,1]", "differ in rank"});
}

TEST(ShapeInference, ConcatOtherAxisMismatchIsAnInvalidModel) {
  ShapeGraph g;
  g.input("a", "float32", "[2,3]").input("b", "float32", "[4,5]");
  g.node("Concat", {"a", "b"}, {"y"}, {attr_int("axis", 1)});
  expect_error([&] { g.infer(); }, ErrorCode::kInvalidModel,
               {"Concat_0", "differ on axis 0 (2 vs 4)"});
}

TEST(ShapeInference, SplitByAttributeInputNumOutputsAndEqualParts) {
  ShapeGraph g;
  g.input("x", "float32", "[4,5]")
      .input("y", "float32", "[7,batch]")
      .input("z", "float32", "[6,2]");
  g.ints("sizes", {1, 4});
  g.node("Split", {"x"}, {"a0", "a1"},
         {attr_int("axis", 1), attr_ints("split", {2, 3})});                 // opset < 13
  g.node("Split", {"x", "sizes"}, {"b0", "b1"}, {attr_int("axis", -1)});     // opset 13+
  g.node("Split", {"y"}, {"c0", "c1", "c2"}, {attr_int("num_outputs", 3)});  // (onnx) 3, 3, 1
  g.node("Split", {"z"}, {"d0", "d1", "d2"});                                // equal parts
  g.infer();
  EXPECT_EQ(g.shape("a0"), "[4,2]");
  EXPECT_EQ(g.shape("a1"), "[4,3]");
  EXPECT_EQ(g.shape("b0"), "[4,1]");
  EXPECT_EQ(g.shape("b1"), "[4,4]");
  EXPECT_EQ(g.shape("c0"), "[3,batch]");
  EXPECT_EQ(g.shape("c2"), "[1,batch]");
  EXPECT_EQ(g.shape("d1"), "[2,2]");
}

TEST(ShapeInference, SplitSizesThatDoNotSumAreAnInvalidModel) {
  ShapeGraph g;
  g.input("x", "float32", "[4,5]");
  g.node("Split", {"x"}, {"a", "b"}, {attr_int("axis", 1), attr_ints("split", {2, 2})});
  expect_error([&] { g.infer(); }, ErrorCode::kInvalidModel,
               {"Split_0", "split [2,2] sums to 4", "[4,5]"});
}

TEST(ShapeInference, SliceClampsNegativeAndHugeBounds) {
  ShapeGraph g;
  g.input("x", "float32", "[10,20,30]").input("s", "float32", "[batch,8]");
  g.ints("starts", {1, -5}).ints("ends", {1000, -1}).ints("axes", {0, 2}).ints("steps", {2, 1});
  g.ints("rev_start", {-1}).ints("rev_end", {INT64_MIN}).ints("axis1", {1}).ints("minus1", {-1});
  g.ints("from3", {100}).ints("to2", {2}).ints("last_axis", {-1}).ints("minus3", {-3});
  g.ints("zero", {0}).ints("to_end", {INT64_MAX}).ints("axis0", {0});
  g.node("Slice", {"x", "starts", "ends", "axes", "steps"}, {"a"});  // (onnx) [5,20,4]
  g.node("Slice", {"x", "rev_start", "rev_end", "axis1", "minus1"},
         {"rev"});  // (onnx) whole axis reversed
  g.node("Slice", {"x", "from3", "to2", "last_axis", "minus3"},
         {"stride"});                                            // (onnx) 29, 26, ..., 5: 9
  g.node("Slice", {"s", "zero", "to_end", "axis0"}, {"whole"});  // keeps the symbol
  g.node(
      "Slice", {"x"}, {"attrs"},
      {attr_ints("starts", {2}), attr_ints("ends", {-2}), attr_ints("axes", {1})});  // opset < 10
  g.infer();
  EXPECT_EQ(g.shape("a"), "[5,20,4]");
  EXPECT_EQ(g.shape("rev"), "[10,20,30]");
  EXPECT_EQ(g.shape("stride"), "[10,20,9]");
  EXPECT_EQ(g.shape("whole"), "[batch,8]");
  EXPECT_EQ(g.shape("attrs"), "[10,16,30]");
}

TEST(ShapeInference, SliceWithUnknownBoundsKnowsWhichAxesChange) {
  ShapeGraph g;
  g.input("x", "float32", "[4,5,6]").input("starts", "int64", "[1]").input("ends", "int64", "[1]");
  g.ints("axes", {1});
  g.node("Slice", {"x", "starts", "ends", "axes"}, {"y"});
  g.infer();
  EXPECT_EQ(g.shape("y"), "[4,?,6]");
}

// --- Gather / Expand / Tile / Pad / Resize
// ---------------------------------------------------------

TEST(ShapeInference, GatherFamily) {
  ShapeGraph g;
  g.input("data", "float32", "[5,4,3]").input("idx", "int64", "[2,6]").input("i0", "int64", "[]");
  g.input("ge_idx", "int64", "[5,4,7]").input("nd_idx", "int64", "[8,2]");
  g.node("Gather", {"data", "idx"}, {"g1"}, {attr_int("axis", 1)});  // (onnx) [5,2,6,3]
  g.node("Gather", {"data", "i0"}, {"g0"});  // a scalar index drops the axis
  g.node("GatherElements", {"data", "ge_idx"}, {"ge"}, {attr_int("axis", 2)});
  g.node("GatherND", {"data", "nd_idx"}, {"nd"});  // indices[:-1] + data[2:]
  g.infer();
  EXPECT_EQ(g.shape("g1"), "[5,2,6,3]");
  EXPECT_EQ(g.shape("g0"), "[4,3]");
  EXPECT_EQ(g.shape("ge"), "[5,4,7]");
  EXPECT_EQ(g.shape("nd"), "[8,3]");
}

TEST(ShapeInference, ExpandTileAndPad) {
  ShapeGraph g;
  g.input("x", "float32", "[3,1]")
      .input("y", "float32", "[2,3]")
      .input("img", "float32", "[1,3,4,4]");
  g.ints("target", {2, 1, 4}).ints("reps", {2, 2}).ints("pads", {0, 0, 1, 1, 0, 0, 2, 2});
  g.ints("hw_pads", {1, 0, 0, 3}).ints("hw", {2, 3});
  g.node("Expand", {"x", "target"}, {"e"});  // broadcast of [3,1] and [2,1,4]
  g.node("Tile", {"y", "reps"}, {"t"});
  g.node("Pad", {"img", "pads"}, {"p"});  // (onnx) [1,3,7,7]
  g.node("Pad", {"img"}, {"p_attr"}, {attr_ints("pads", {0, 0, 1, 1, 0, 0, 1, 1})});  // opset < 11
  g.node("Pad", {"img", "hw_pads", "", "hw"}, {"p_axes"});  // opset 18 axes
  g.infer();
  EXPECT_EQ(g.shape("e"), "[2,3,4]");
  EXPECT_EQ(g.shape("t"), "[4,6]");
  EXPECT_EQ(g.shape("p"), "[1,3,7,7]");
  EXPECT_EQ(g.shape("p_attr"), "[1,3,6,6]");
  EXPECT_EQ(g.shape("p_axes"), "[1,3,5,7]");
}

TEST(ShapeInference, ExpandToAnIncompatibleShapeIsAnInvalidModel) {
  ShapeGraph g;
  g.input("x", "float32", "[3,2]").ints("target", {4, 4});
  g.node("Expand", {"x", "target"}, {"y"});
  expect_error([&] { g.infer(); }, ErrorCode::kInvalidModel, {"Expand_0", "'x' [3,2]", "[4,4]"});
}

TEST(ShapeInference, ResizeAndUpsample) {
  ShapeGraph g;
  g.input("x", "float32", "[1,3,5,5]")
      .input("w", "float32", "[1,3,10,20]")
      .input("d", "float32", "[batch,3,h,w]");
  g.floats("scales", {1.0f, 1.0f, 2.5f, 1.5f}).ints("sizes", {1, 3, 7, 9}).ints("hw", {7, 9});
  g.floats("x2", {1.0f, 1.0f, 2.0f, 2.0f});
  g.node("Resize", {"x", "", "scales"}, {"by_scale"});  // (onnx) floor(5 * 2.5), floor(5 * 1.5)
  g.node("Resize", {"x", "", "", "sizes"}, {"by_size"});
  g.node("Resize", {"w", "", "", "hw"}, {"not_larger"},  // (onnx) scale min(7/10, 9/20) = 0.45
         {attr_ints("axes", {2, 3}), attr_string("keep_aspect_ratio_policy", "not_larger")});
  g.node("Resize", {"x", "x2"}, {"opset10"});  // opset 10: scales at input 1
  g.node("Upsample", {"x"}, {"upsample"}, {attr_floats("scales", {1.0f, 1.0f, 3.0f, 2.0f})});
  g.node("Resize", {"d", "", "x2"}, {"dynamic"});
  g.infer();
  EXPECT_EQ(g.shape("by_scale"), "[1,3,12,7]");
  EXPECT_EQ(g.shape("by_size"), "[1,3,7,9]");
  EXPECT_EQ(g.shape("not_larger"), "[1,3,5,9]");
  EXPECT_EQ(g.shape("opset10"), "[1,3,10,10]");
  EXPECT_EQ(g.shape("upsample"), "[1,3,15,10]");
  EXPECT_EQ(g.shape("dynamic"), "[batch,3,?,?]");  // scale 1 keeps a symbol, 2 does not
}

// --- Reductions and selections
// --------------------------------------------------------------------

TEST(ShapeInference, Reductions) {
  ShapeGraph g;
  g.input("x", "float32", "[batch,4,5]").ints("axes", {-1}).ints("none", {});
  g.input("dyn_axes", "int64", "[1]");
  g.node("ReduceMean", {"x"}, {"attr_keep"}, {attr_ints("axes", {1})});           // opset < 18
  g.node("ReduceSum", {"x", "axes"}, {"input_drop"}, {attr_int("keepdims", 0)});  // opset 13+
  g.node("ReduceMax", {"x"}, {"all"}, {attr_int("keepdims", 0)});                 // no axes: all
  g.node("ReduceSum", {"x", "none"}, {"noop"},
         {attr_int("noop_with_empty_axes", 1)});  // empty: noop
  g.node("ReduceL2", {"x", "dyn_axes"}, {"unknown_axes"});
  g.node("ArgMax", {"x"}, {"am"}, {attr_int("axis", 1), attr_int("keepdims", 0)});
  g.node("ArgMin", {"x"}, {"amk"}, {attr_int("axis", -1)});
  g.infer();
  EXPECT_EQ(g.shape("attr_keep"), "[batch,1,5]");
  EXPECT_EQ(g.shape("input_drop"), "[batch,4]");
  EXPECT_EQ(g.shape("all"), "[]");
  EXPECT_EQ(g.shape("noop"), "[batch,4,5]");
  EXPECT_EQ(g.shape("unknown_axes"), "[?,?,?]");
  EXPECT_EQ(g.shape("am"), "[batch,5]");
  EXPECT_EQ(g.shape("amk"), "[batch,4,1]");
}

TEST(ShapeInference, TopKNonZeroAndCumSum) {
  ShapeGraph g;
  g.input("x", "float32", "[3,10]").ints("k", {4}).scalar_int("axis", 1);
  g.node("TopK", {"x", "k"}, {"values", "indices"}, {attr_int("axis", 1)});  // (onnx) [3,4]
  g.node("NonZero", {"x"}, {"nz"});
  g.node("CumSum", {"x", "axis"}, {"cs"});
  g.node("Trilu", {"x"}, {"tri"});
  g.infer();
  EXPECT_EQ(g.shape("values"), "[3,4]");
  EXPECT_EQ(g.shape("indices"), "[3,4]");
  EXPECT_EQ(g.shape("nz"), "[2,?]");
  EXPECT_EQ(g.shape("cs"), "[3,10]");
  EXPECT_EQ(g.shape("tri"), "[3,10]");
}

// --- Ops whose output shape is a value
// ---------------------------------------------------------------

TEST(ShapeInference, ShapeSizeConstantConstantOfShapeRange) {
  ShapeGraph g;
  g.input("x", "float32", "[batch,3,4]");
  g.constant("start_f", Tensor::scalar<float>(1.0f))
      .constant("limit_f", Tensor::scalar<float>(4.6f));
  g.constant("delta_f", Tensor::scalar<float>(0.5f));
  g.scalar_int("ten", 10).scalar_int("zero", 0).scalar_int("minus3", -3);
  g.node("Shape", {"x"}, {"shape"});
  g.node("Shape", {"x"}, {"tail"}, {attr_int("start", -2)});
  g.node("Size", {"x"}, {"size"});
  g.node("ConstantOfShape", {"shape"}, {"filled"});
  g.node("Constant", {}, {"c"},
         {attr_tensor("value", Tensor::from_vector<float>(Shape{2, 2}, {1, 2, 3, 4}))});
  g.node("Constant", {}, {"ci"}, {attr_ints("value_ints", {1, 2, 3})});
  g.node("Range", {"start_f", "limit_f", "delta_f"}, {"rf"});  // (onnx) ceil(3.6 / 0.5) = 8
  g.node("Range", {"ten", "zero", "minus3"}, {"ri"});          // 10, 7, 4, 1
  g.infer();
  EXPECT_EQ(g.shape("shape"), "[3]");
  EXPECT_EQ(g.shape("tail"), "[2]");
  EXPECT_EQ(g.shape("size"), "[]");
  EXPECT_EQ(g.shape("filled"), "[batch,3,4]");
  EXPECT_EQ(g.shape("c"), "[2,2]");
  EXPECT_EQ(g.shape("ci"), "[3]");
  EXPECT_EQ(g.shape("rf"), "[8]");
  EXPECT_EQ(g.shape("ri"), "[4]");
}

// The chain exporters emit for x.view(x.size(0), x.size(1), 4, -1).
TEST(ShapeInference, ShapeGatherUnsqueezeConcatReshapeChain) {
  ShapeGraph g;
  g.input("x", "float32", "[batch,seq,64]");
  g.scalar_int("i0", 0).scalar_int("i1", 1).ints("axes0", {0}).ints("tail", {4, -1});
  g.node("Shape", {"x"}, {"shape"});
  g.node("Gather", {"shape", "i0"}, {"b"}, {attr_int("axis", 0)});
  g.node("Gather", {"shape", "i1"}, {"s"}, {attr_int("axis", 0)});
  g.node("Unsqueeze", {"b", "axes0"}, {"ub"});
  g.node("Unsqueeze", {"s", "axes0"}, {"us"});
  g.node("Concat", {"ub", "us", "tail"}, {"target"}, {attr_int("axis", 0)});
  g.node("Reshape", {"x", "target"}, {"y"});
  g.infer();
  EXPECT_EQ(g.shape("b"), "[]");
  EXPECT_EQ(g.shape("target"), "[4]");
  EXPECT_EQ(g.shape("y"), "[batch,seq,4,16]");
}

TEST(ShapeInference, ShapeValuesFollowArithmetic) {
  ShapeGraph g;
  g.input("x", "float32", "[2,seq,64]");
  g.scalar_int("i2", 2).scalar_int("heads", 4).ints("start", {0}).ints("end", {2});
  g.node("Shape", {"x"}, {"shape"});
  g.node("Slice", {"shape", "start", "end"}, {"lead"});               // [2, seq]
  g.node("Gather", {"shape", "i2"}, {"hidden"});                      // 64
  g.node("Div", {"hidden", "heads"}, {"head_dim"});                   // 16
  g.node("Cast", {"head_dim"}, {"head_dim32"}, {attr_int("to", 6)});  // int32 keeps the value
  g.node("Cast", {"head_dim32"}, {"head_dim64"}, {attr_int("to", 7)});
  g.node("Unsqueeze", {"head_dim64"}, {"hd"}, {attr_ints("axes", {0})});
  g.node("Unsqueeze", {"heads"}, {"h"}, {attr_ints("axes", {0})});
  g.node("Concat", {"lead", "h", "hd"}, {"target"}, {attr_int("axis", 0)});
  g.node("Reshape", {"x", "target"}, {"y"});
  g.node("ConstantOfShape", {"target"}, {"zeros"});
  g.infer();
  EXPECT_EQ(g.shape("y"), "[2,seq,4,16]");
  EXPECT_EQ(g.shape("zeros"), "[2,seq,4,16]");
}

// torch.nn.functional.pad(x, (1, 2, 3, 4)) exports its pads as [1,2,3,4] ++ zeros, reshaped to
// pairs, reversed, transposed and flattened: values through 2-D tensors.
TEST(ShapeInference, ShapeValuesFollowTheTorchPadPattern) {
  ShapeGraph g;
  g.input("x", "float32", "[batch,3,10,12]");
  g.ints("four", {4}).ints("torch_pads", {1, 2, 3, 4}).ints("pairs", {-1, 2}).ints("zero", {0});
  g.ints("minus1", {-1}).ints("to_start", {-INT64_MAX}).ints("flat", {-1});
  g.node("ConstantOfShape", {"four"}, {"zeros"},
         {attr_tensor("value", Tensor::from_vector<int64_t>(Shape{1}, {0}))});
  g.node("Concat", {"torch_pads", "zeros"}, {"all"}, {attr_int("axis", 0)});  // [1,2,3,4,0,0,0,0]
  g.node("Reshape", {"all", "pairs"}, {"by_axis"});  // [[1,2],[3,4],[0,0],[0,0]]
  g.node("Slice", {"by_axis", "minus1", "to_start", "zero", "minus1"}, {"reversed"});
  g.node("Transpose", {"reversed"}, {"begin_end"},
         {attr_ints("perm", {1, 0})});  // [[0,0,3,1],[0,0,4,2]]
  g.node("Reshape", {"begin_end", "flat"}, {"onnx_pads"});
  g.node("Cast", {"onnx_pads"}, {"pads"}, {attr_int("to", 7)});
  g.node("Pad", {"x", "pads"}, {"y"});
  g.infer();
  EXPECT_EQ(g.shape("by_axis"), "[4,2]");
  EXPECT_EQ(g.shape("y"), "[batch,3,17,15]");
}

TEST(ShapeInference, CastToFloatStopsValuePropagation) {
  ShapeGraph g;
  g.input("x", "float32", "[6,4]").scalar_int("i0", 0);
  g.node("Shape", {"x"}, {"shape"});
  g.node("Cast", {"shape"}, {"f"}, {attr_int("to", 1)});
  g.node("Cast", {"f"}, {"back"}, {attr_int("to", 7)});
  g.node("Reshape", {"x", "back"}, {"y"});
  g.infer();
  EXPECT_EQ(g.shape("y"), "[?,?]");  // the rank from back's length, the values unknown
}

TEST(ShapeInference, DimValuesBindSymbolsBeforePropagation) {
  ShapeGraph g;
  g.input("x", "float32", "[batch,seq,64]").input("w", "float32", "[64,32]");
  g.scalar_int("i0", 0).ints("axes0", {0}).ints("rest", {-1});
  g.node("MatMul", {"x", "w"}, {"proj"});
  g.node("Shape", {"x"}, {"shape"});
  g.node("Gather", {"shape", "i0"}, {"b"});
  g.node("Unsqueeze", {"b", "axes0"}, {"ub"});
  g.node("Concat", {"ub", "rest"}, {"target"}, {attr_int("axis", 0)});
  g.node("Reshape", {"x", "target"}, {"flat"});
  g.infer({{"batch", 8}, {"seq", 10}, {"unused", 3}});
  EXPECT_EQ(g.shape("x"), "[8,10,64]");
  EXPECT_EQ(g.shape("proj"), "[8,10,32]");
  EXPECT_EQ(g.shape("flat"), "[8,640]");
  EXPECT_EQ(g.graph().inputs[0].type.to_string(), "float32[batch,seq,64]");  // declarations stay
}

TEST(ShapeInference, DimValuesLeaveOtherSymbols) {
  ShapeGraph g;
  g.input("x", "float32", "[batch,seq]");
  g.node("Relu", {"x"}, {"y"});
  g.infer({{"batch", 2}});
  EXPECT_EQ(g.shape("y"), "[2,seq]");
}

// --- Declared shapes, unknown ops, subgraphs ----------------------------------------------------

TEST(ShapeInference, DeclaredShapesAreKeptAndRefined) {
  ShapeGraph g;
  g.input("x", "float32", "[2,3]").input("u", "float32", "[?,3]");
  g.node("Relu", {"x"}, {"refined"}).node("Relu", {"u"}, {"kept"}).node("Relu", {"u"}, {"named"});
  g.declare("refined", "float32", "[n,?]");  // static dims replace a symbol and an unknown
  g.declare("kept", "float32", "[4,3]");     // an unknown inferred dim keeps the declared 4
  g.declare("named", "float32", "[rows,?]");
  g.infer();
  EXPECT_EQ(g.shape("refined"), "[2,3]");
  EXPECT_EQ(g.shape("kept"), "[4,3]");
  EXPECT_EQ(g.shape("named"), "[rows,3]");
}

TEST(ShapeInference, ConflictWithADeclaredStaticDimIsAnInvalidModel) {
  ShapeGraph g;
  g.input("x", "float32", "[1,4]");
  g.node("Relu", {"x"}, {"y"});
  g.declare("y", "float32", "[1,5]");
  expect_error([&] { g.infer(); }, ErrorCode::kInvalidModel,
               {"node 'Relu_0' (Relu)", "output 'y' is declared [1,5]", "inputs give [1,4]"});
}

TEST(ShapeInference, UnknownOpsLeaveOutputsUnknown) {
  ShapeGraph g;
  g.input("x", "float32", "[2,3]");
  g.node("MyCustomOp", {"x"}, {"y"}, {}, "com.example");
  g.node("NoSuchOnnxOp", {"x"}, {"z"});
  g.node("Relu", {"y"}, {"r"});
  g.declare("z", "float32", "[2,?]");
  g.infer();
  EXPECT_EQ(g.shape("y"), "unknown");
  EXPECT_EQ(g.shape("z"), "[2,?]");
  EXPECT_EQ(g.shape("r"), "unknown");
}

TEST(ShapeInference, UnknownInputRankLeavesOutputsUnknown) {
  ShapeGraph g;
  g.input_unranked("x", "float32").input("w", "float32", "[4,3,3,3]").ints("shape", {-1});
  g.node("Conv", {"x", "w"}, {"conv"})
      .node("Reshape", {"x", "shape"}, {"flat"})
      .node("Shape", {"x"}, {"s"});
  g.infer();
  EXPECT_EQ(g.shape("conv"), "unknown");
  EXPECT_EQ(g.shape("flat"), "[?]");
  EXPECT_EQ(g.shape("s"), "unknown");
}

TEST(ShapeInference, IfOutputsTakeTheShapeBothBranchesAgreeOn) {
  auto branch = [](const std::string& op, const std::string& out) {
    auto body = std::make_shared<Graph>();
    ShapeGraph b(body.get());
    b.node(op, {"x"}, {out});  // reads x from the enclosing graph
    body->outputs.push_back({out, TypeInfo{}});
    return body;
  };
  ShapeGraph g;
  g.input("x", "float32", "[batch,3]").input("cond", "bool", "[]");
  auto then_body = branch("Relu", "t_out");
  auto else_body = branch("Neg", "e_out");
  then_body->parent = &g.graph();
  else_body->parent = &g.graph();
  g.node("If", {"cond"}, {"y"},
         {attr_graph("then_branch", then_body), attr_graph("else_branch", else_body)});
  g.infer();
  EXPECT_EQ(ShapeGraph(then_body.get()).shape("t_out"),
            "[batch,3]");  // outer-scope shapes reach bodies
  EXPECT_EQ(g.shape("y"), "[batch,3]");
}

TEST(ShapeInference, LoopBodiesSeeOuterShapesAndDoNotBreakInference) {
  auto body = std::make_shared<Graph>();
  ShapeGraph b(body.get());
  b.input("iter", "int64", "[]").input("cond_in", "bool", "[]").input("acc", "float32", "[?]");
  b.node("Identity", {"cond_in"}, {"cond_out"})
      .node("Add", {"acc", "w"}, {"acc_out"})
      .node("Relu", {"w"}, {"scan"});
  body->outputs = {{"cond_out", {}}, {"acc_out", {}}, {"scan", {}}};
  ShapeGraph g;
  g.input("w", "float32", "[5]").input("init", "float32", "[5]").scalar_int("trip", 3);
  body->parent = &g.graph();
  g.node("Loop", {"trip", "", "init"}, {"final", "scans"}, {attr_graph("body", body)});
  g.node("Relu", {"w"}, {"after"});
  g.infer();
  EXPECT_EQ(b.shape("acc_out"), "[5]");
  EXPECT_EQ(b.shape("scan"), "[5]");
  EXPECT_EQ(g.shape("scans"), "unknown");  // the trip count decides
  EXPECT_EQ(g.shape("after"), "[5]");
}

TEST(ShapeInference, Einsum) {
  ShapeGraph g;
  g.input("a", "float32", "[batch,3,4]")
      .input("b", "float32", "[batch,4,5]")
      .input("m", "float32", "[3,4]");
  g.input("e", "float32", "[2,7,3,4]");
  g.node("Einsum", {"a", "b"}, {"bmm"}, {attr_string("equation", "bij,bjk->bik")});
  g.node("Einsum", {"m"}, {"transposed"},
         {attr_string("equation", "ij")});  // implicit: "ij" sorted
  g.node("Einsum", {"m"}, {"implicit_t"}, {attr_string("equation", "ji")});  // implicit output "ij"
  g.node("Einsum", {"e", "m"}, {"ellipsis"}, {attr_string("equation", "...ij,ij->...")});
  g.node("Einsum", {"m", "m"}, {"trace_like"}, {attr_string("equation", "ij,ij->")});
  g.infer();
  EXPECT_EQ(g.shape("bmm"), "[batch,3,5]");
  EXPECT_EQ(g.shape("transposed"), "[3,4]");
  EXPECT_EQ(g.shape("implicit_t"), "[4,3]");
  EXPECT_EQ(g.shape("ellipsis"), "[2,7]");
  EXPECT_EQ(g.shape("trace_like"), "[]");
}

TEST(ShapeInference, GridSampleCenterCropPadWindowsAndLosses) {
  ShapeGraph g;
  g.input("x", "float32", "[2,3,10,10]")
      .input("grid", "float32", "[2,6,7,2]")
      .input("img", "float32", "[20,8,3]");
  g.input("scores", "float32", "[4,5,6]").input("target", "int64", "[4,6]");
  g.ints("crop", {10, 9}).scalar_int("ten", 10);
  g.input("theta", "float32", "[2,2,3]")
      .ints("size", {2, 3, 5, 6})
      .input("dyn_size", "int64", "[5]");
  g.node("GridSample", {"x", "grid"}, {"sampled"});
  g.node("AffineGrid", {"theta", "size"}, {"affine"});        // [N, H, W, 2]
  g.node("AffineGrid", {"theta", "dyn_size"}, {"affine3d"});  // [N, D, H, W, 3], sizes unknown
  g.node("CenterCropPad", {"img", "crop"}, {"cropped"}, {attr_ints("axes", {0, 1})});
  g.node("HannWindow", {"ten"}, {"window"});
  g.node("SoftmaxCrossEntropyLoss", {"scores", "target"}, {"loss", "log_prob"},
         {attr_string("reduction", "none")});
  g.node("NegativeLogLikelihoodLoss", {"scores", "target"}, {"mean_loss"});
  g.infer();
  EXPECT_EQ(g.shape("sampled"), "[2,3,6,7]");
  EXPECT_EQ(g.shape("affine"), "[2,5,6,2]");
  EXPECT_EQ(g.shape("affine3d"), "[?,?,?,?,3]");
  EXPECT_EQ(g.shape("cropped"), "[10,9,3]");
  EXPECT_EQ(g.shape("window"), "[10]");
  EXPECT_EQ(g.shape("loss"), "[4,6]");
  EXPECT_EQ(g.shape("log_prob"), "[4,5,6]");
  EXPECT_EQ(g.shape("mean_loss"), "[]");
}

// --- ai.onnx.ml
// ------------------------------------------------------------------------------------

TEST(ShapeInference, ScikitLearnOps) {
  ShapeGraph g;
  g.input("x", "float32", "[?,12]");
  Attribute labels;
  labels.name = "classlabels_int64s";
  labels.type = Attribute::Type::kInts;
  labels.ints = {0, 1, 2};
  g.node("Scaler", {"x"}, {"scaled"}, {}, "ai.onnx.ml");
  g.node("TreeEnsembleClassifier", {"scaled"}, {"label", "probabilities"}, {labels}, "ai.onnx.ml");
  g.node("TreeEnsembleRegressor", {"x"}, {"reg"}, {attr_int("n_targets", 2)}, "ai.onnx.ml");
  g.infer();
  EXPECT_EQ(g.shape("scaled"), "[?,12]");
  EXPECT_EQ(g.shape("label"), "[?]");
  EXPECT_EQ(g.shape("probabilities"), "[?,3]");
  EXPECT_EQ(g.shape("reg"), "[?,2]");
}

}  // namespace
}  // namespace aruntime
