// Device memory of one GPU, one cudaMalloc per request. The session builds its GPU arena over this
// allocator (large chunks, reused across steps and runs), and constants uploaded once per session
// live here directly, so cudaMalloc and cudaFree are rare: at session creation, when the arena
// grows, and when it shrinks or goes away. (cudaFree waits for the whole device; that is why
// nothing frees memory per step.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "aruntime/allocator.h"

namespace aruntime::gpu {

// Makes `device_id` the calling thread's current CUDA device for the scope and restores the
// previous one after. CUDA's current device is per host thread, and the provider's memory and
// copies are used from any thread (session creation, run threads, executor workers, tensor
// destructors); restoring keeps the caller's own CUDA work on the device it chose.
class ScopedDevice {
 public:
  // Throws Error when the device cannot be selected.
  explicit ScopedDevice(int device_id);
  ~ScopedDevice();
  ScopedDevice(const ScopedDevice&) = delete;
  ScopedDevice& operator=(const ScopedDevice&) = delete;

 private:
  int previous_ = -1;  // -1: nothing to restore
};

class GpuAllocator final : public Allocator {
 public:
  explicit GpuAllocator(int device_id);
  ~GpuAllocator() override;
  GpuAllocator(const GpuAllocator&) = delete;
  GpuAllocator& operator=(const GpuAllocator&) = delete;

  // Device memory (256-byte aligned, which covers kBufferAlignment). A zero-byte request gets a
  // unique pointer of its own (one byte is allocated). Refusal: Error(kOutOfMemory) naming the
  // bytes asked for, the device and what this allocator holds.
  void* allocate(size_t bytes) override;
  // Frees memory this allocator handed out; anything else (and nullptr) is ignored. Never throws:
  // it runs from tensor destructors, also when the device has failed.
  void deallocate(void* ptr) override;
  Device device() const override { return Device{DeviceType::kGpu, device_id_}; }
  std::string name() const override {
    return "cuda-device-memory(gpu:" + std::to_string(device_id_) + ")";
  }

  uint64_t in_use_bytes() const;
  uint64_t peak_in_use_bytes() const;
  uint64_t num_allocations() const;  // cudaMalloc calls so far

 private:
  int device_id_;
  mutable std::mutex mutex_;
  std::unordered_map<void*, size_t> sizes_;
  uint64_t in_use_ = 0;
  uint64_t peak_ = 0;
  uint64_t allocations_ = 0;
};

}  // namespace aruntime::gpu
