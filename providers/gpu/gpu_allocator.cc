#include "providers/gpu/gpu_allocator.h"

#include <cuda_runtime_api.h>

#include <algorithm>

#include "aruntime/status.h"
#include "providers/gpu/gpu_check.h"

namespace aruntime::gpu {
namespace {

std::string mib(uint64_t bytes) {
  return std::to_string((bytes + (uint64_t{1} << 20) - 1) >> 20) + " MiB";
}

}  // namespace

ScopedDevice::ScopedDevice(int device_id) {
  int current = -1;
  if (cudaGetDevice(&current) == cudaSuccess && current == device_id) return;
  ARUNTIME_CUDA_CHECK(cudaSetDevice(device_id));
  previous_ = current;
}

ScopedDevice::~ScopedDevice() {
  if (previous_ >= 0) (void)cudaSetDevice(previous_);
}

GpuAllocator::GpuAllocator(int device_id) : device_id_(device_id) {}

GpuAllocator::~GpuAllocator() {
  // Whatever is still allocated belongs to tensors that outlived the session's memory: free it
  // rather than leak device memory.
  if (sizes_.empty()) return;
  (void)cudaSetDevice(device_id_);
  for (auto& [ptr, size] : sizes_) (void)cudaFree(ptr);
  (void)cudaGetLastError();
}

void* GpuAllocator::allocate(size_t bytes) {
  const size_t request = std::max<size_t>(bytes, 1);
  // cudaMalloc allocates on the calling thread's current device.
  const ScopedDevice on_device(device_id_);
  void* ptr = nullptr;
  const cudaError_t status = cudaMalloc(&ptr, request);
  if (status != cudaSuccess) {
    (void)cudaGetLastError();  // out of memory is not sticky: clear it for the next call
    const ErrorCode code =
        status == cudaErrorMemoryAllocation ? ErrorCode::kOutOfMemory : ErrorCode::kRuntimeError;
    throw_error(code, "gpu:" + std::to_string(device_id_) + ": cudaMalloc of " +
                          std::to_string(bytes) + " bytes failed: " + cudaGetErrorString(status) +
                          " (" + mib(in_use_bytes()) + " held by this session's device memory)");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  sizes_[ptr] = request;
  in_use_ += request;
  peak_ = std::max(peak_, in_use_);
  ++allocations_;
  return ptr;
}

void GpuAllocator::deallocate(void* ptr) {
  if (ptr == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = sizes_.find(ptr);
    if (it == sizes_.end()) return;  // not ours: never free foreign memory
    in_use_ -= it->second;
    sizes_.erase(it);
  }
  int current = -1;
  const bool switched = cudaGetDevice(&current) == cudaSuccess && current != device_id_ &&
                        cudaSetDevice(device_id_) == cudaSuccess;
  // An error here (a failed context, the runtime unloading at exit) cannot be reported from a
  // destructor path; the memory goes with the context. (ScopedDevice would throw.)
  if (cudaFree(ptr) != cudaSuccess) (void)cudaGetLastError();
  if (switched) (void)cudaSetDevice(current);
}

uint64_t GpuAllocator::in_use_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return in_use_;
}

uint64_t GpuAllocator::peak_in_use_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return peak_;
}

uint64_t GpuAllocator::num_allocations() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return allocations_;
}

}  // namespace aruntime::gpu
