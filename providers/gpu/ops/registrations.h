// One registration function per family of GPU kernels; GpuExecutionProvider calls them all. Each
// adds its kernels to `registry` and, where a kernel handles only some attribute values or
// shapes, the matching checks to `checks`.
#pragma once

#include "core/kernel_registry.h"
#include "providers/gpu/gpu_context.h"
#include "providers/gpu/gpu_kernel.h"

namespace aruntime::gpu {

// Elementwise (unary, binary with broadcasting, activations), Cast, Where, comparison.
void register_elementwise_kernels(KernelRegistry& registry, GpuSupportChecks& checks,
                                  const GpuContextPtr& context);
// Reductions, Softmax/LogSoftmax, LayerNorm/RMSNorm/SkipLayerNorm, Attention, Gelu.
void register_normalization_kernels(KernelRegistry& registry, GpuSupportChecks& checks,
                                    const GpuContextPtr& context);
// Transpose, Concat, Split, Slice, Gather, Expand, Pad, Resize, and the views (Reshape...).
void register_movement_kernels(KernelRegistry& registry, GpuSupportChecks& checks,
                               const GpuContextPtr& context);
// MatMul/Gemm/FusedGemm/FusedMatMul on cuBLAS(Lt); Conv/FusedConv/ConvTranspose, pooling and
// BatchNormalization on cuDNN.
void register_dense_kernels(KernelRegistry& registry, GpuSupportChecks& checks,
                            const GpuContextPtr& context);

}  // namespace aruntime::gpu
