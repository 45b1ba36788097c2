// The runtime's own operator domain: ops that the optimizer's level-2 fusions create. A model file
// may import it only at kFusedOpset (the loader checks), as the models `aruntime optimize` saves at
// level 2 do; the kernels validate their attributes like any other op. The op set, one spec per
// kernel, is in providers/cpu/ops/fused_ops.cc: FusedConv, FusedGemm, FusedMatMul, Gelu,
// LayerNormalization, SkipLayerNormalization, RMSNormalization, Attention (kFusedOps).
#pragma once

#include <array>
#include <cstdint>

namespace aruntime::optimizer {

inline constexpr const char* kFusedDomain = "aruntime";
// The optimizer adds this import to the models it fuses, so the kernels are found by version.
inline constexpr int64_t kFusedOpset = 1;
// Every op of the domain. A provider runs the level-3 fusions on its nodes only when it can run
// all of them (ExecutionProvider::can_run): a fusion cannot know in advance which it will write.
inline constexpr std::array<const char*, 8> kFusedOps = {
    "FusedConv",          "FusedGemm",
    "FusedMatMul",        "Gelu",
    "LayerNormalization", "SkipLayerNormalization",
    "RMSNormalization",   "Attention"};
// The blocked-layout ops of the level-3 layout pass (providers/cpu/ops/nchwc_ops.cc), not fusions.
inline constexpr std::array<const char*, 7> kBlockedLayoutOps = {
    "NchwcReorderInput", "NchwcReorderOutput",     "NchwcConv",         "NchwcMaxPool",
    "NchwcAveragePool",  "NchwcGlobalAveragePool", "NchwcGlobalMaxPool"};

// Attribute names of FusedConv and FusedGemm naming their activation (one of Relu, Clip, Sigmoid,
// HardSigmoid, HardSwish, LeakyRelu, Tanh, Gelu, GeluTanh, Swish) and its float parameters (Clip:
// min, max; LeakyRelu: alpha; HardSigmoid: alpha, beta; Swish: alpha of x * sigmoid(alpha * x)).
inline constexpr const char* kActivationAttr = "activation";
inline constexpr const char* kActivationParamsAttr = "activation_params";

}  // namespace aruntime::optimizer
