#include "providers/gpu/gpu_context.h"

#include <string>

#include "aruntime/status.h"
#include "providers/gpu/cublas_api.h"
#include "providers/gpu/gpu_check.h"
#include "providers/gpu/gpu_execution_provider.h"

namespace aruntime::gpu {

namespace {

// Destroys whatever of the context exists (the destructor, and a constructor that failed half
// way). Nothing here may throw. Waiting for the stream first means no handle is destroyed under
// work still queued with it.
void release_handles(int device_id, cudaStream_t& stream, cublasHandle_t& cublas,
                     cublasLtHandle_t& cublas_lt, cudnnHandle_t& cudnn) noexcept {
  if (stream != nullptr) {
    (void)cudaSetDevice(device_id);
    (void)cudaStreamSynchronize(stream);
  }
  if (cudnn != nullptr) (void)cudnnDestroy(cudnn);
  if (cublas_lt != nullptr || cublas != nullptr) {
    try {
      const CublasApi& blas = cublas_api();
      if (cublas_lt != nullptr) (void)blas.lt_destroy(cublas_lt);
      if (cublas != nullptr) (void)blas.destroy(cublas);
    } catch (const Error&) {
      // The handles exist only if the library loaded: not reached.
    }
  }
  if (stream != nullptr) (void)cudaStreamDestroy(stream);
  cudnn = nullptr;
  cublas_lt = nullptr;
  cublas = nullptr;
  stream = nullptr;
  (void)cudaGetLastError();
}

}  // namespace

GpuContext::GpuContext(int device_id) : device_id_(device_id) {
  const std::string device_name = "gpu:" + std::to_string(device_id);
  try {
    int count = 0;
    ARUNTIME_CUDA_CHECK(cudaGetDeviceCount(&count));
    if (device_id < 0 || device_id >= count) {
      throw_error(ErrorCode::kInvalidArgument, "gpu: device_id " + std::to_string(device_id) +
                                                   " is out of range (" + std::to_string(count) +
                                                   " CUDA device(s) found)");
    }
    ARUNTIME_CUDA_CHECK(cudaSetDevice(device_id_));
    ARUNTIME_CUDA_CHECK(cudaGetDeviceProperties(&properties_, device_id_));
    // Non-blocking: the session's work never waits for, nor orders against, the legacy default
    // stream, which other libraries in the process may use.
    ARUNTIME_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));

    const CublasApi& blas = cublas_api();
    ARUNTIME_CUBLAS_CHECK(blas.create(&cublas_));
    ARUNTIME_CUBLAS_CHECK(blas.set_stream(cublas_, stream_));
    // Default math: float32 GEMMs stay in full float32 precision (no TF32), so results match the
    // CPU provider's within 1e-4; float16 GEMMs (CUBLAS_COMPUTE_32F over half inputs) use tensor
    // cores under this mode all the same.
    ARUNTIME_CUBLAS_CHECK(blas.set_math_mode(
        cublas_, static_cast<cublasMath_t>(CUBLAS_DEFAULT_MATH |
                                           CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION)));
    ARUNTIME_CUBLAS_CHECK(blas.lt_create(&cublas_lt_));

    ARUNTIME_CUDNN_CHECK(cudnnCreate(&cudnn_));
    ARUNTIME_CUDNN_CHECK(cudnnSetStream(cudnn_, stream_));
  } catch (const Error& e) {
    release_handles(device_id_, stream_, cublas_, cublas_lt_, cudnn_);
    if (e.code() == ErrorCode::kInvalidArgument) throw;
    throw e.with_context(device_name + ": cannot set up the device");
  }
}

GpuContext::~GpuContext() {
  release_handles(device_id_, stream_, cublas_, cublas_lt_, cudnn_);
}

std::string GpuContext::describe() const {
  return describe_cuda_device(properties_);
}

void GpuContext::make_current() const {
  ARUNTIME_CUDA_CHECK(cudaSetDevice(device_id_));
}

void GpuContext::synchronize() const {
  try {
    ARUNTIME_CUDA_CHECK(cudaStreamSynchronize(stream_));
  } catch (const Error& e) {
    throw e.with_context(device().to_string());
  }
}

}  // namespace aruntime::gpu
