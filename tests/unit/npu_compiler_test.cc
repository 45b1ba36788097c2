// The NPU compiler on loaded models: instruction counts after BatchNormalization folding and
// activation fusion, views, compile-time constants, device formats and weight sizes per precision,
// memory-plan reuse inside a program, and the cost model's figures for one instruction.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "graph/loader.h"
#include "providers/npu/npu_compiler.h"
#include "providers/npu/npu_cost_model.h"
#include "tests/unit/npu_test_util.h"

namespace aruntime {
namespace {

using npu::BufferFormat;
using npu::Opcode;
using npu::Program;
using npu_test::attr;
using npu_test::Dims;
using npu_test::ModelBuilder;

Program compile_all(const std::string& bytes, npu::NpuOptions options = {}) {
  Model model = load_model_from_bytes(bytes, "npu_test.onnx", "");
  std::vector<NodeIndex> all(model.graph->nodes.size());
  std::iota(all.begin(), all.end(), NodeIndex{0});
  // The source refers to the graph, which lives in `model`: compile before it goes away.
  return npu::compile_group(npu::group_source(model, *model.graph, all), options);
}

const npu::ProgramValue& value_named(const Program& p, const std::string& name) {
  for (const auto& v : p.values) {
    if (v.name == name) return v;
  }
  throw std::runtime_error("no value " + name);
}

// x -> Conv -> BatchNormalization -> Relu -> y
std::string conv_bn_relu() {
  ModelBuilder b;
  b.input("x", {1, 2, 5, 5})
      .output("y", {1, 4, 5, 5})
      .value("c", {1, 4, 5, 5})
      .value("n", {1, 4, 5, 5});
  b.f32("w", {4, 2, 3, 3}, npu_test::pseudo_random(72, 1)).f32("b", {4}, {0.1f, -0.2f, 0.3f, 0.0f});
  b.f32("s", {4}, {1.0f, 2.0f, 0.5f, 1.5f}).f32("o", {4}, {0.0f, 0.1f, 0.2f, 0.3f});
  b.f32("m", {4}, {0.5f, 0.0f, -0.5f, 0.25f}).f32("v", {4}, {1.0f, 4.0f, 0.25f, 2.0f});
  auto& conv = b.node("Conv", {"x", "w", "b"}, {"c"}, "conv");
  attr(conv, "pads", Dims{1, 1, 1, 1});
  b.node("BatchNormalization", {"c", "s", "o", "m", "v"}, {"n"}, "bn");
  b.node("Relu", {"n"}, {"y"}, "relu");
  return b.bytes();
}

TEST(NpuCompiler, BatchNormFoldsIntoConvAndReluFusesIntoIt) {
  const Program p = compile_all(conv_bn_relu());
  ASSERT_EQ(p.instructions.size(), 1u);
  EXPECT_EQ(p.instructions[0].opcode, Opcode::kConv);
  EXPECT_EQ(p.instructions[0].nodes, (std::vector<std::string>{"conv", "bn", "relu"}));
  EXPECT_EQ(std::get<npu::ConvParams>(p.instructions[0].params).activation.kind,
            npu::Activation::Kind::kRelu);
  // Only the program's input and output take block space: the fused intermediates vanished.
  // x: 50 halves (100 bytes), y: 100 halves (200 bytes), each aligned to 64.
  EXPECT_EQ(p.block_bytes, 128u + 256u);
}

TEST(NpuCompiler, WithoutFusionEveryNodeIsAnInstruction) {
  npu::NpuOptions options;
  options.fusion = false;
  const Program p = compile_all(conv_bn_relu(), options);
  ASSERT_EQ(p.instructions.size(), 3u);
  EXPECT_EQ(p.instructions[0].opcode, Opcode::kConv);
  EXPECT_EQ(p.instructions[1].opcode, Opcode::kScale);
  EXPECT_EQ(p.instructions[2].opcode, Opcode::kActivation);
}

TEST(NpuCompiler, FoldedWeightsAreConvWeightsTimesTheBatchNormMultiplier) {
  npu::NpuOptions options;
  options.precision = npu::Precision::kFp32;
  const Program p = compile_all(conv_bn_relu(), options);
  std::vector<std::byte> image(p.weight_bytes);
  for (const auto& w : p.weight_inits) w.write(image.data() + p.values[w.value].offset);
  const auto& conv = std::get<npu::ConvParams>(p.instructions[0].params);
  const float* weight = reinterpret_cast<const float*>(image.data() + p.values[conv.weight].offset);
  const float* bias = reinterpret_cast<const float*>(image.data() + p.values[conv.bias].offset);
  const std::vector<float> w = npu_test::pseudo_random(72, 1);
  // Channel 1: multiplier 2 / sqrt(4 + 1e-5), offset 0.1 - 0 * multiplier; bias -0.2 * multiplier +
  // 0.1.
  const double mult = 2.0 / std::sqrt(4.0 + 1e-5);
  for (int i = 0; i < 18; ++i)
    EXPECT_FLOAT_EQ(weight[18 + i], static_cast<float>(w[18 + i] * mult)) << i;
  EXPECT_FLOAT_EQ(bias[1], static_cast<float>(-0.2 * mult + 0.1));
  // Channel 2: multiplier 0.5 / sqrt(0.25 + 1e-5), offset 0.2 - (-0.5) * multiplier.
  const double mult2 = 0.5 / std::sqrt(0.25 + 1e-5);
  EXPECT_FLOAT_EQ(bias[2], static_cast<float>(0.3 * mult2 + 0.2 + 0.5 * mult2));
}

TEST(NpuCompiler, WeightsTakeTheDeviceFormatOfThePrecision) {
  npu::NpuOptions fp32, fp16, int8;
  fp32.precision = npu::Precision::kFp32;
  int8.precision = npu::Precision::kInt8;
  const Program a = compile_all(conv_bn_relu(), fp32);
  const Program b = compile_all(conv_bn_relu(), fp16);
  const Program c = compile_all(conv_bn_relu(), int8);
  // Weight image, 64-byte aligned pieces: kernel 72 elements, bias 4 floats (+ 4 scales in int8).
  EXPECT_EQ(a.weight_bytes, 320u + 64u);
  EXPECT_EQ(b.weight_bytes, 192u + 64u);
  EXPECT_EQ(c.weight_bytes, 128u + 64u + 64u);
  const auto& conv = std::get<npu::ConvParams>(c.instructions[0].params);
  EXPECT_EQ(c.values[conv.weight].format, BufferFormat::kI8);
  EXPECT_EQ(c.values[conv.weight_scales].format, BufferFormat::kF32);
  EXPECT_EQ(value_named(a, "y").format, BufferFormat::kF32);
  EXPECT_EQ(value_named(b, "y").format, BufferFormat::kF16);
}

// x -> Relu -> Sigmoid -> Tanh -> Relu -> y, 64 floats each.
TEST(NpuCompiler, MemoryPlanReusesTheSpaceOfDeadActivations) {
  ModelBuilder b;
  b.input("x", {64}).output("y", {64});
  for (const char* v : {"a", "s", "t"}) b.value(v, {64});
  b.node("Relu", {"x"}, {"a"}, "r1");
  b.node("Sigmoid", {"a"}, {"s"}, "sig");
  b.node("Tanh", {"s"}, {"t"}, "tanh");
  b.node("Relu", {"t"}, {"y"}, "r2");
  const Program p = compile_all(b.bytes());
  ASSERT_EQ(p.instructions.size(), 4u);
  // Five 128-byte buffers, but at most two are alive at once.
  EXPECT_EQ(p.block_bytes, 256u);
  EXPECT_EQ(p.block_lower_bound, 256u);
  EXPECT_EQ(value_named(p, "x").offset, value_named(p, "s").offset);
  EXPECT_EQ(value_named(p, "a").offset, value_named(p, "t").offset);
  EXPECT_NE(value_named(p, "a").offset, value_named(p, "x").offset);
}

TEST(NpuCompiler, ReshapeAndFlattenAreViewsOfTheirInput) {
  ModelBuilder b;
  b.input("x", {2, 3, 4}).output("y", {6, 4}).value("r", {2, 3, 4}).value("f", {2, 12});
  b.i64("shape", {2}, {6, -1});
  b.node("Relu", {"x"}, {"r"}, "relu");
  b.node("Flatten", {"r"}, {"f"}, "flatten");
  b.node("Reshape", {"f", "shape"}, {"y"}, "reshape");
  const Program p = compile_all(b.bytes());
  ASSERT_EQ(p.instructions.size(), 1u);
  EXPECT_EQ(value_named(p, "y").shape, (Shape{6, 4}));
  EXPECT_EQ(value_named(p, "y").storage, value_named(p, "r").storage);
  EXPECT_EQ(value_named(p, "y").offset, value_named(p, "r").offset);
}

TEST(NpuCompiler, QuantizationBoundariesStayInFloat32AndQuantizedValuesIn8Bits) {
  ModelBuilder b;
  b.input("x", {8}).output("y", {8}).value("q", {8}, onnx::TensorProto::INT8).value("d", {8});
  b.f32("scale", {}, {0.1f}).i8("zp", {}, {3});
  b.node("QuantizeLinear", {"x", "scale", "zp"}, {"q"}, "q");
  b.node("DequantizeLinear", {"q", "scale", "zp"}, {"d"}, "dq");
  b.node("Relu", {"d"}, {"y"}, "relu");
  const Program p = compile_all(b.bytes());
  EXPECT_EQ(value_named(p, "x").format, BufferFormat::kF32);  // read by QuantizeLinear
  EXPECT_EQ(value_named(p, "q").format, BufferFormat::kI8);
  EXPECT_EQ(value_named(p, "d").format, BufferFormat::kF32);  // written by DequantizeLinear
  EXPECT_EQ(value_named(p, "y").format, BufferFormat::kF16);
}

TEST(NpuCompiler, QuantizedWeightsAreFoldedAtCompileTime) {
  // The QDQ pattern: int8 weights -> DequantizeLinear -> Conv. The DequantizeLinear is evaluated
  // when compiling, so the Conv gets constant weights and the program one instruction.
  ModelBuilder b;
  b.input("x", {1, 1, 3, 3}).output("y", {1, 2, 3, 3}).value("w", {2, 1, 1, 1});
  b.i8("wq", {2, 1, 1, 1}, {10, -20}).f32("ws", {}, {0.5f});
  b.node("DequantizeLinear", {"wq", "ws"}, {"w"}, "dq_w");
  b.node("Conv", {"x", "w"}, {"y"}, "conv");
  const Program p = compile_all(b.bytes());
  ASSERT_EQ(p.instructions.size(), 1u);
  EXPECT_EQ(p.instructions[0].opcode, Opcode::kConv);
}

TEST(NpuCompiler, ADeclaredShapeThatContradictsTheOpIsAnInvalidModel) {
  ModelBuilder b;
  b.input("x", {1, 1, 4, 4}).output("y", {1, 1, 3, 3});
  auto& pool = b.node("MaxPool", {"x"}, {"y"}, "pool");
  attr(pool, "kernel_shape", Dims{2, 2});
  attr(pool, "strides", Dims{2, 2});  // gives [1,1,2,2]
  try {
    compile_all(b.bytes());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidModel);
    EXPECT_NE(std::string(e.what()).find("node 'pool' (MaxPool): output 'y' is declared "
                                         "float32[1,1,3,3] but computes [1,1,2,2]"),
              std::string::npos)
        << e.what();
  }
}

TEST(NpuCostModel, ConvCostsOverheadPlusTheLargerOfComputeAndMemoryTime) {
  // 1x16x32x32 input, 32 output channels, 3x3, pad 1: 32*32*32 outputs * 16*9 MACs.
  ModelBuilder b;
  b.input("x", {1, 16, 32, 32}).output("y", {1, 32, 32, 32});
  b.f32("w", {32, 16, 3, 3}, std::vector<float>(32 * 16 * 9, 0.5f));
  auto& conv = b.node("Conv", {"x", "w"}, {"y"}, "conv");
  attr(conv, "pads", Dims{1, 1, 1, 1});
  const Program p = compile_all(b.bytes());
  const npu::InstructionCost& c = p.instructions[0].cost;
  EXPECT_EQ(c.macs, 32768 * 144);
  EXPECT_EQ(c.vector_ops, 32768);  // adding the bias
  // Bytes: input 16384 halves, weights 4608 halves, bias 32 floats, output 32768 halves.
  EXPECT_EQ(c.bytes, 32768 + 9216 + 128 + 65536);
  EXPECT_EQ(c.compute_cycles, 32768 * 144 / npu::kMacsPerCycleFp16 + 32768 / npu::kVectorLanesF16);
  EXPECT_EQ(c.memory_cycles, (32768 + 9216 + 128 + 65536) / npu::kBytesPerCycle);
  EXPECT_EQ(c.cycles,
            npu::kInstructionOverheadCycles + std::max(c.compute_cycles, c.memory_cycles));
  // I/O DMA: the input and the output in device format.
  EXPECT_EQ(p.io_cycles, (32768 + 65536) / npu::kBytesPerCycle);
  EXPECT_EQ(p.estimated_cycles, c.cycles + p.io_cycles);
  // Four times fewer MACs per cycle in fp32, and twice the bytes.
  npu::NpuOptions fp32;
  fp32.precision = npu::Precision::kFp32;
  const Program q = compile_all(b.bytes(), fp32);
  EXPECT_EQ(q.instructions[0].cost.compute_cycles,
            32768 * 144 / npu::kMacsPerCycleFp32 + 32768 / npu::kVectorLanesF32);
}

TEST(NpuCostModel, NodeEstimateForThePartitionerCompilesTheNodeAlone) {
  ModelBuilder b;
  b.input("x", {1, 64}).output("y", {1, 32});
  b.f32("w", {64, 32}, std::vector<float>(64 * 32, 0.25f));
  b.node("MatMul", {"x", "w"}, {"y"}, "mm");
  b.node("Cos", {"y"}, {"z"}, "cos");
  Model model = load_model_from_bytes(b.bytes(), "npu_test.onnx", "");
  const auto estimate =
      npu::estimate_node_cost(model, *model.graph, model.graph->nodes[0], npu::Precision::kFp16);
  ASSERT_TRUE(estimate.has_value());
  EXPECT_EQ(estimate->macs, 64 * 32);
  EXPECT_EQ(estimate->flops, 2 * 64 * 32);
  EXPECT_GT(estimate->cycles, npu::kInstructionOverheadCycles);
  EXPECT_DOUBLE_EQ(estimate->microseconds, static_cast<double>(estimate->cycles) / npu::kClockMhz);
  EXPECT_FALSE(
      npu::estimate_node_cost(model, *model.graph, model.graph->nodes[1], npu::Precision::kFp16)
          .has_value());
}

}  // namespace
}  // namespace aruntime
