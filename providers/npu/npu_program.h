// A device program: what compile() makes of one fused group. Instructions read and write program
// values; activations live at planned offsets of one device-memory block, weights in one
// weight-memory image converted to the device format at compile time. The runtime
// (npu_runtime.h) executes it, the cost model (npu_cost_model.h) estimates its cycles.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "aruntime/data_type.h"
#include "aruntime/shape.h"
#include "kernels/broadcast.h"
#include "kernels/conv.h"
#include "kernels/pool.h"
#include "kernels/quantize.h"
#include "providers/npu/npu_options.h"

namespace aruntime::npu {

// How the device stores a value. Float activations take the precision's format; values at a
// quantization boundary (DequantizeLinear outputs, QuantizeLinear inputs) stay in float32 so
// that Q/DQ are exact; bias and per-channel vectors are float32 (added to the float32
// accumulator); quantized tensors keep their 8-bit type; QLinearConv biases are int32.
enum class BufferFormat : uint8_t { kF16, kF32, kI8, kU8, kI32 };

size_t format_bytes(BufferFormat format);
std::string_view format_name(BufferFormat format);

struct ProgramValue {
  std::string name;  // the ONNX value (or "<node>:<role>" for a derived weight)
  DataType dtype = DataType::kUndefined;  // ONNX element type, kept at the program boundary
  Shape shape;
  BufferFormat format = BufferFormat::kF32;
  bool weight = false;  // in weight memory (constant) rather than the activation block
  int storage = -1;     // activation storage class: values aliased by Reshape/Flatten share one
  size_t offset = 0;    // byte offset in the activation block or in weight memory

  int64_t num_elements() const { return shape.num_elements(); }
  size_t bytes() const { return static_cast<size_t>(num_elements()) * format_bytes(format); }
};

// An activation function applied to an instruction's float32 result before it is stored.
struct Activation {
  enum class Kind {
    kNone,
    kRelu,
    kLeakyRelu,
    kClip,
    kSigmoid,
    kTanh,
    kHardSigmoid,
    kHardSwish,
    kGelu,
    kGeluTanh
  };
  Kind kind = Kind::kNone;
  float alpha = 0.0f;  // LeakyRelu slope, Clip minimum, HardSigmoid alpha
  float beta = 0.0f;   // Clip maximum, HardSigmoid beta

  bool none() const { return kind == Kind::kNone; }
  float apply(float x) const;
  std::string_view name() const;
  // Vector-unit operations per element (transcendentals cost more), for the cost model.
  int64_t ops_per_element() const;
};

enum class Opcode {
  kConv,
  kMatMul,  // Gemm and MatMul: batched C = alpha * op(A) op(B) + beta * bias
  kMaxPool,
  kAveragePool,
  kGlobalAveragePool,
  kBinary,      // Add, Sub, Mul, Div with broadcasting
  kActivation,  // a standalone activation
  kSoftmax,
  kScale,  // per-channel affine: a BatchNormalization that could not be folded
  kConcat,
  kTranspose,
  kQuantize,
  kDequantize,
  kQLinearConv,
  kQLinearMatMul,
};

std::string_view opcode_name(Opcode opcode);

struct ConvParams {
  kernels::ConvGeometry geometry;
  int x = -1, weight = -1, bias = -1;
  int weight_scales = -1;  // int8 precision: per-output-channel weight scales
  Activation activation;
};

// Output batch b multiplies the matrices at a_offsets[b] and b_offsets[b] (element offsets; numpy
// batch broadcasting resolved at compile time).
struct MatMulParams {
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  float alpha = 1.0f, beta = 1.0f;
  std::vector<int64_t> a_offsets, b_offsets;
  int a = -1, b = -1;
  int bias = -1;  // Gemm's C viewed as [bias_rows, bias_cols], each 1 (broadcast) or m / n
  int64_t bias_rows = 0, bias_cols = 0;
  int b_scales = -1;  // int8 precision with a constant B: per-column weight scales
  Activation activation;
};

struct PoolParams {
  kernels::PoolGeometry geometry;
  bool count_include_pad = false;
};

struct BinaryParams {
  enum class Op { kAdd, kSub, kMul, kDiv };
  Op op = Op::kAdd;
  kernels::BroadcastPlan plan;
  Activation activation;
};

struct ActivationParams {
  Activation activation;
};

struct SoftmaxParams {
  int64_t outer = 1, axis = 1, inner = 1;
};

struct ScaleParams {
  int64_t batch = 1, channels = 1, spatial = 1;
  int multiplier = -1, offset = -1;
  Activation activation;
};

struct ConcatParams {
  int64_t outer = 1;
  std::vector<int64_t> inner;  // elements each input contributes per outer index
};

struct TransposeParams {
  std::vector<int64_t> perm;
};

struct QuantizeParams {
  kernels::QuantizationLayout layout;
  std::vector<double> scales;
  std::vector<int32_t> zero_points;  // one per scale
  kernels::RoundingPrecision precision = kernels::RoundingPrecision::kFloat32;
};

struct QLinearConvParams {
  kernels::ConvGeometry geometry;
  int x = -1, weight = -1, bias = -1;
  int32_t x_zero_point = 0;
  std::vector<int32_t> w_zero_points;  // one per output channel
  std::vector<double> multipliers;     // x_scale * w_scale[m] / y_scale, one per output channel
  int32_t y_zero_point = 0;
};

struct QLinearMatMulParams {
  int64_t m = 0, n = 0, k = 0;
  std::vector<int64_t> a_offsets, b_offsets;
  int a = -1, b = -1;
  int32_t a_zero_point = 0;
  std::vector<int32_t> b_zero_points;  // one per column of B
  std::vector<double> multipliers;     // a_scale * b_scale[n] / y_scale, one per column
  int32_t y_zero_point = 0;
};

using InstructionParams =
    std::variant<ConvParams, MatMulParams, PoolParams, BinaryParams, ActivationParams,
                 SoftmaxParams, ScaleParams, ConcatParams, TransposeParams, QuantizeParams,
                 QLinearConvParams, QLinearMatMulParams>;

// The cost model's estimate for one instruction (see npu_cost_model.h).
struct InstructionCost {
  int64_t macs = 0;        // multiply-accumulates on the MAC array
  int64_t vector_ops = 0;  // element operations on the vector unit
  int64_t bytes = 0;       // device-memory traffic: operands read plus result written
  int64_t compute_cycles = 0;
  int64_t memory_cycles = 0;
  int64_t cycles = 0;  // overhead + max(compute, memory)
};

struct Instruction {
  Opcode opcode = Opcode::kBinary;
  std::vector<int> inputs;  // every value read (activations and weights)
  int output = -1;
  std::vector<std::string> nodes;  // the ONNX nodes it implements, fused ones included
  InstructionParams params;
  InstructionCost cost;
};

// Writes one weight in its device format; run once when the program is loaded.
struct WeightInit {
  int value = -1;
  std::function<void(void* dst)> write;
};

struct Program {
  std::string name;
  Precision precision = Precision::kFp16;
  std::vector<ProgramValue> values;
  std::vector<int> inputs;   // per fused-subgraph input
  std::vector<int> outputs;  // per fused-subgraph output
  std::vector<Instruction> instructions;
  std::vector<WeightInit> weight_inits;
  size_t onnx_nodes = 0;         // nodes of the group, Constant nodes included
  size_t block_bytes = 0;        // activation block: peak of the static memory plan
  size_t block_lower_bound = 0;  // most bytes live at once (what a perfect plan would need)
  size_t weight_bytes = 0;       // weight memory image
  size_t io_bytes = 0;           // program inputs and outputs in their ONNX types
  int64_t io_cycles = 0;         // DMA of inputs into and outputs out of the block
  int64_t estimated_cycles = 0;  // instructions plus I/O DMA

  // Device memory the program needs while it runs: weights, activation block and the input and
  // output tensors the session holds for it.
  size_t device_bytes_needed() const { return weight_bytes + block_bytes + io_bytes; }
};

}  // namespace aruntime::npu
