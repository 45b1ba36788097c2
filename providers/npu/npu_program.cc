#include "providers/npu/npu_program.h"

#include <algorithm>
#include <cmath>

namespace aruntime::npu {

size_t format_bytes(BufferFormat format) {
  switch (format) {
    case BufferFormat::kF16:
      return 2;
    case BufferFormat::kF32:
    case BufferFormat::kI32:
      return 4;
    case BufferFormat::kI8:
    case BufferFormat::kU8:
      return 1;
  }
  return 0;
}

std::string_view format_name(BufferFormat format) {
  switch (format) {
    case BufferFormat::kF16:
      return "f16";
    case BufferFormat::kF32:
      return "f32";
    case BufferFormat::kI8:
      return "i8";
    case BufferFormat::kU8:
      return "u8";
    case BufferFormat::kI32:
      return "i32";
  }
  return "?";
}

float Activation::apply(float x) const {
  switch (kind) {
    case Kind::kNone:
      return x;
    case Kind::kRelu:
      return x > 0.0f ? x : 0.0f;
    case Kind::kLeakyRelu:
      return x >= 0.0f ? x : alpha * x;
    case Kind::kClip:
      return std::min(std::max(x, alpha), beta);
    case Kind::kSigmoid:
      return 1.0f / (1.0f + std::exp(-x));
    case Kind::kTanh:
      return std::tanh(x);
    case Kind::kHardSigmoid:
      return std::max(0.0f, std::min(1.0f, alpha * x + beta));
    case Kind::kHardSwish:
      return x * std::max(0.0f, std::min(1.0f, x / 6.0f + 0.5f));
    case Kind::kGelu:
      return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
    case Kind::kGeluTanh: {
      const float inner = 0.79788456080286536f * (x + 0.044715f * x * x * x);
      return 0.5f * x * (1.0f + std::tanh(inner));
    }
  }
  return x;
}

std::string_view Activation::name() const {
  switch (kind) {
    case Kind::kNone:
      return "none";
    case Kind::kRelu:
      return "Relu";
    case Kind::kLeakyRelu:
      return "LeakyRelu";
    case Kind::kClip:
      return "Clip";
    case Kind::kSigmoid:
      return "Sigmoid";
    case Kind::kTanh:
      return "Tanh";
    case Kind::kHardSigmoid:
      return "HardSigmoid";
    case Kind::kHardSwish:
      return "HardSwish";
    case Kind::kGelu:
      return "Gelu";
    case Kind::kGeluTanh:
      return "Gelu(tanh)";
  }
  return "?";
}

int64_t Activation::ops_per_element() const {
  switch (kind) {
    case Kind::kNone:
      return 0;
    case Kind::kRelu:
    case Kind::kLeakyRelu:
    case Kind::kClip:
      return 1;
    case Kind::kHardSigmoid:
    case Kind::kHardSwish:
      return 3;
    // exp/tanh/erf run on the vector unit's lookup-table path: about 8 operations each.
    case Kind::kSigmoid:
    case Kind::kTanh:
      return 8;
    case Kind::kGelu:
    case Kind::kGeluTanh:
      return 12;
  }
  return 1;
}

std::string_view opcode_name(Opcode opcode) {
  switch (opcode) {
    case Opcode::kConv:
      return "conv";
    case Opcode::kMatMul:
      return "matmul";
    case Opcode::kMaxPool:
      return "maxpool";
    case Opcode::kAveragePool:
      return "avgpool";
    case Opcode::kGlobalAveragePool:
      return "global_avgpool";
    case Opcode::kBinary:
      return "binary";
    case Opcode::kActivation:
      return "activation";
    case Opcode::kSoftmax:
      return "softmax";
    case Opcode::kScale:
      return "scale";
    case Opcode::kConcat:
      return "concat";
    case Opcode::kTranspose:
      return "transpose";
    case Opcode::kQuantize:
      return "quantize";
    case Opcode::kDequantize:
      return "dequantize";
    case Opcode::kQLinearConv:
      return "qlinear_conv";
    case Opcode::kQLinearMatMul:
      return "qlinear_matmul";
  }
  return "?";
}

}  // namespace aruntime::npu
