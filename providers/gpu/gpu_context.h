// What every GPU kernel of a session shares: the device, the session's CUDA stream (every kernel
// of a run is queued on it, in plan order, so device memory released by one step may be reused by
// the next without any synchronisation) and the library handles bound to that stream.
//
// One GpuContext per GPU execution provider, i.e. per session. Concurrent runs of one session, and
// the parallel executor's threads, queue on the same stream: they are correct, and serialised on
// the device. cuBLAS allows one handle to be used from several host threads at once (its stream
// is set once, here); cuDNN does not, so every cuDNN call is made under lock_cudnn().
#pragma once

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <memory>
#include <mutex>
#include <string>

#include "aruntime/device.h"

namespace aruntime::gpu {

class GpuContext {
 public:
  // Selects device `device_id` and creates the stream and handles. Throws Error(kUnavailable...)
  // (kRuntimeError) naming the device when any of them cannot be created.
  explicit GpuContext(int device_id);
  ~GpuContext();
  GpuContext(const GpuContext&) = delete;
  GpuContext& operator=(const GpuContext&) = delete;

  int device_id() const { return device_id_; }
  Device device() const { return Device{DeviceType::kGpu, device_id_}; }
  cudaStream_t stream() const { return stream_; }
  cublasHandle_t cublas() const { return cublas_; }
  cublasLtHandle_t cublas_lt() const { return cublas_lt_; }
  cudnnHandle_t cudnn() const { return cudnn_; }
  const cudaDeviceProp& properties() const { return properties_; }
  // "NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)"
  std::string describe() const;
  // Makes this context's device current on the calling thread (every run thread calls it before
  // queuing work: CUDA's current device is per host thread).
  void make_current() const;
  // Blocks until everything queued on the stream has run; surfaces asynchronous kernel errors.
  void synchronize() const;
  // Held around every use of the cuDNN handle (algorithm queries and the calls that queue work):
  // cuDNN forbids two threads from using one handle at the same time.
  [[nodiscard]] std::unique_lock<std::mutex> lock_cudnn() const {
    return std::unique_lock<std::mutex>(cudnn_mutex_);
  }

 private:
  int device_id_;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  cublasLtHandle_t cublas_lt_ = nullptr;
  cudnnHandle_t cudnn_ = nullptr;
  cudaDeviceProp properties_{};
  mutable std::mutex cudnn_mutex_;
};

using GpuContextPtr = std::shared_ptr<const GpuContext>;

}  // namespace aruntime::gpu
