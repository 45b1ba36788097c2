#include "providers/gpu/gpu_check.h"

#include <string>

#include "aruntime/status.h"
#include "core/logging.h"
#include "providers/gpu/cublas_api.h"

namespace aruntime::gpu {
namespace {

// The failing call's source location goes to the debug log, not into the error: users read the
// call, its status and (added by the executor) the node; developers turn logging up for the line.
const char* base_name(const char* path) {
  const char* base = path;
  for (const char* p = path; *p != '\0'; ++p) {
    if (*p == '/') base = p + 1;
  }
  return base;
}

std::string where(const char* file, int line) {
  log::debug("GPU call failed at {}:{}", base_name(file), line);
  return "";
}

}  // namespace

void check_cuda(cudaError_t status, const char* call, const char* file, int line) {
  if (status == cudaSuccess) return;
  // A failed call also leaves its status as the thread's "last error"; reset it, so that the next
  // launch check reports that launch, not this call. (Sticky errors stay: the context is lost.)
  (void)cudaGetLastError();
  const ErrorCode code =
      status == cudaErrorMemoryAllocation ? ErrorCode::kOutOfMemory : ErrorCode::kRuntimeError;
  throw_error(code, std::string("CUDA error: ") + call + ": " + cudaGetErrorString(status) + " [" +
                        cudaGetErrorName(status) + "]" + where(file, line));
}

void check_cublas(cublasStatus_t status, const char* call, const char* file, int line) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  // cuBLAS is opened with dlopen: its status text comes through the loaded entry point. A status
  // can only come from a loaded library, so the lookup cannot fail in practice; the number is
  // the fallback anyway.
  const std::string number = "cublasStatus_t " + std::to_string(static_cast<int>(status));
  std::string text = number;
  try {
    text = std::string(cublas_api().status_string(status)) + " [" + number + "]";
  } catch (const Error&) {
  }
  const ErrorCode code =
      status == CUBLAS_STATUS_ALLOC_FAILED ? ErrorCode::kOutOfMemory : ErrorCode::kRuntimeError;
  throw_error(code, std::string("cuBLAS error: ") + call + ": " + text + where(file, line));
}

void check_cudnn(cudnnStatus_t status, const char* call, const char* file, int line) {
  if (status == CUDNN_STATUS_SUCCESS) return;
  const bool allocation = status == CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED ||
                          status == CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED;
  const ErrorCode code = allocation ? ErrorCode::kOutOfMemory : ErrorCode::kRuntimeError;
  throw_error(code, std::string("cuDNN error: ") + call + ": " + cudnnGetErrorString(status) +
                        where(file, line));
}

}  // namespace aruntime::gpu
