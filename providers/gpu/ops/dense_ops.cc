// The dense family of GPU kernels: GEMMs on cuBLAS (gemm_ops.cc), convolutions on cuDNN
// (conv_ops.cc), pooling, BatchNormalization and LRN (pool_ops.cc), with their shared helpers in
// cudnn_util.h and device code in dense_kernels.cu.
#include "providers/gpu/ops/cudnn_util.h"
#include "providers/gpu/ops/registrations.h"

namespace aruntime::gpu {

void register_dense_kernels(KernelRegistry& registry, GpuSupportChecks& checks,
                            const GpuContextPtr& context) {
  dense::register_gemm_kernels(registry, checks, context);
  dense::register_conv_kernels(registry, checks, context);
  dense::register_pool_kernels(registry, checks, context);
}

}  // namespace aruntime::gpu
