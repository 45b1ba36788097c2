// What the dense GPU kernels build their cuDNN calls from: owning wrappers of cuDNN descriptors
// (created and destroyed with their status checked, never leaked), the element-type mappings,
// which encode the ONNX window geometry of providers/common/window_attributes.h. Last, what the
// dense ops files (dense_ops.cc, gemm_ops.cc, conv_ops.cc, pool_ops.cc) share: the per-file
// registration functions.
#pragma once

#include <cudnn.h>

#include <cstdint>
#include <string>
#include <vector>

#include "aruntime/data_type.h"
#include "aruntime/shape.h"
#include "core/kernel_registry.h"
#include "graph/ir.h"
#include "providers/common/op_checks.h"
#include "providers/common/window_attributes.h"
#include "providers/gpu/gpu_context.h"
#include "providers/gpu/gpu_kernel.h"
#include "providers/gpu/ops/dense_kernels.h"

namespace aruntime::gpu::dense {

// ---------------------------------------------------------------------------------------------
// Element types

// True for float32, float16 and bfloat16, the types of dense_kernels.h.
bool is_dense_type(DataType type);
// Throws Error(kNotImplemented) naming `node` for any other type.
DenseType dense_type(const Node& node, DataType type);
// CUDNN_DATA_FLOAT / HALF / BFLOAT16; throws Error(kNotImplemented) naming `node` otherwise.
cudnnDataType_t cudnn_data_type(const Node& node, DataType type);

// Narrows a dimension for cuDNN's int parameters; throws Error(kNotImplemented) naming `node`
// and `what` when it does not fit.
int to_cudnn_int(const Node& node, int64_t value, const char* what);

// ---------------------------------------------------------------------------------------------
// Descriptors. Each owns one cuDNN descriptor; create() in the constructor, destroy() in the
// destructor. Setting them is host-only work, so kernels make them per call.

class CudnnTensorDescriptor {
 public:
  CudnnTensorDescriptor();
  ~CudnnTensorDescriptor();
  CudnnTensorDescriptor(const CudnnTensorDescriptor&) = delete;
  CudnnTensorDescriptor& operator=(const CudnnTensorDescriptor&) = delete;

  // A packed NCHW-style tensor of `dims`, given at least 4 dimensions by appending unit axes
  // (cuDNN's Nd calls want 4 to 8).
  void set(const Node& node, cudnnDataType_t type, const std::vector<int64_t>& dims);
  cudnnTensorDescriptor_t get() const { return descriptor_; }

 private:
  cudnnTensorDescriptor_t descriptor_ = nullptr;
};

class CudnnFilterDescriptor {
 public:
  CudnnFilterDescriptor();
  ~CudnnFilterDescriptor();
  CudnnFilterDescriptor(const CudnnFilterDescriptor&) = delete;
  CudnnFilterDescriptor& operator=(const CudnnFilterDescriptor&) = delete;

  // A [K, C/group, k...] filter in NCHW order; `dims` has 4 or 5 entries.
  void set(const Node& node, cudnnDataType_t type, const std::vector<int64_t>& dims);
  cudnnFilterDescriptor_t get() const { return descriptor_; }

 private:
  cudnnFilterDescriptor_t descriptor_ = nullptr;
};

class CudnnConvolutionDescriptor {
 public:
  CudnnConvolutionDescriptor();
  ~CudnnConvolutionDescriptor();
  CudnnConvolutionDescriptor(const CudnnConvolutionDescriptor&) = delete;
  CudnnConvolutionDescriptor& operator=(const CudnnConvolutionDescriptor&) = delete;

  // Cross-correlation (ONNX Conv) over 2 or 3 spatial axes with symmetric `pads`, accumulating
  // in `compute_type`, in `group` groups, with `math` (CUDNN_FMA_MATH keeps float32 out of TF32).
  void set(const Node& node, const std::vector<int64_t>& pads, const std::vector<int64_t>& strides,
           const std::vector<int64_t>& dilations, int64_t group, cudnnDataType_t compute_type,
           cudnnMathType_t math);
  void set_math(cudnnMathType_t math);
  cudnnConvolutionDescriptor_t get() const { return descriptor_; }

 private:
  cudnnConvolutionDescriptor_t descriptor_ = nullptr;
};

class CudnnPoolingDescriptor {
 public:
  CudnnPoolingDescriptor();
  ~CudnnPoolingDescriptor();
  CudnnPoolingDescriptor(const CudnnPoolingDescriptor&) = delete;
  CudnnPoolingDescriptor& operator=(const CudnnPoolingDescriptor&) = delete;

  // A window over 2 or 3 spatial axes with symmetric `pads`; NaN inputs are not propagated.
  void set(const Node& node, cudnnPoolingMode_t mode, const std::vector<int64_t>& window,
           const std::vector<int64_t>& pads, const std::vector<int64_t>& strides);
  cudnnPoolingDescriptor_t get() const { return descriptor_; }

 private:
  cudnnPoolingDescriptor_t descriptor_ = nullptr;
};

class CudnnLrnDescriptor {
 public:
  CudnnLrnDescriptor();
  ~CudnnLrnDescriptor();
  CudnnLrnDescriptor(const CudnnLrnDescriptor&) = delete;
  CudnnLrnDescriptor& operator=(const CudnnLrnDescriptor&) = delete;

  void set(unsigned size, double alpha, double beta, double bias);
  cudnnLRNDescriptor_t get() const { return descriptor_; }

 private:
  cudnnLRNDescriptor_t descriptor_ = nullptr;
};

// ---------------------------------------------------------------------------------------------
// Between the dense ops files

// The newest ONNX opset the kernels are registered up to (the CPU provider's).
inline constexpr int kMaxOpset = 23;

// MatMul, Gemm, aruntime.FusedGemm, aruntime.FusedMatMul (gemm_ops.cc).
void register_gemm_kernels(KernelRegistry& registry, GpuSupportChecks& checks,
                           const GpuContextPtr& context);
// Conv, aruntime.FusedConv, ConvTranspose (conv_ops.cc).
void register_conv_kernels(KernelRegistry& registry, GpuSupportChecks& checks,
                           const GpuContextPtr& context);
// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, BatchNormalization, LRN (pool_ops.cc).
void register_pool_kernels(KernelRegistry& registry, GpuSupportChecks& checks,
                           const GpuContextPtr& context);

}  // namespace aruntime::gpu::dense
