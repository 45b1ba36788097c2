// Pointwise activations that fused kernels apply to their output while it is still in cache
// (aruntime.FusedConv, aruntime.FusedGemm). Each follows the ONNX operator of the same name.
#pragma once

#include <cstdint>

namespace aruntime::kernels {

enum class ActivationKind {
  kIdentity,
  kRelu,         // max(x, 0)
  kClip,         // min(max(x, alpha), beta)
  kSigmoid,      // 1 / (1 + exp(-x))
  kHardSigmoid,  // max(0, min(1, alpha * x + beta))
  kHardSwish,    // x * max(0, min(1, x / 6 + 1/2))
  kLeakyRelu,    // x < 0 ? alpha * x : x
  kTanh,
  kGelu,      // x/2 * (1 + erf(x / sqrt(2)))
  kGeluTanh,  // x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
  kSwish,     // x * sigmoid(alpha * x) (SiLU when alpha is 1)
};

struct Activation {
  ActivationKind kind = ActivationKind::kIdentity;
  float alpha = 0.0f;  // Clip's min, LeakyRelu's, HardSigmoid's and Swish's alpha
  float beta = 0.0f;   // Clip's max, HardSigmoid's beta
};

// data[i] = activation(data[i]) for i in [0, n). Instantiated for float and double.
template <typename T>
void apply_activation(const Activation& activation, T* data, int64_t n);

}  // namespace aruntime::kernels
