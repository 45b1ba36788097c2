// Every CUDA, cuBLAS and cuDNN call of the GPU provider goes through these checks, so a failing
// call becomes an aruntime::Error naming the call, its status and where it was made, never a
// silently ignored status code.
#pragma once

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

namespace aruntime::gpu {

// Each throws Error(kRuntimeError) ("CUDA error: cudaMalloc(&p, n): out of memory
// (gpu_allocator.cc:42)"); cudaErrorMemoryAllocation becomes Error(kOutOfMemory).
void check_cuda(cudaError_t status, const char* call, const char* file, int line);
void check_cublas(cublasStatus_t status, const char* call, const char* file, int line);
void check_cudnn(cudnnStatus_t status, const char* call, const char* file, int line);

}  // namespace aruntime::gpu

#define ARUNTIME_CUDA_CHECK(call) ::aruntime::gpu::check_cuda((call), #call, __FILE__, __LINE__)
#define ARUNTIME_CUBLAS_CHECK(call) ::aruntime::gpu::check_cublas((call), #call, __FILE__, __LINE__)
#define ARUNTIME_CUDNN_CHECK(call) ::aruntime::gpu::check_cudnn((call), #call, __FILE__, __LINE__)
// After a kernel launch: reports a bad launch configuration at the node that made it.
#define ARUNTIME_CUDA_CHECK_LAUNCH() \
  ::aruntime::gpu::check_cuda(cudaGetLastError(), "kernel launch", __FILE__, __LINE__)
