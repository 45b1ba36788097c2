// Copies between host memory and one GPU's memory, and within that GPU's memory, all queued on the
// session's stream, so a copy is ordered with the kernels before and after it without any
// synchronisation of its own. Only a copy to the host waits, for that copy alone: the host is
// about to read what it copied.
//
// Host -> device: tensors up to kMaxStagedBytes are copied into a pinned staging buffer and sent
// from there with cudaMemcpyAsync; the copy returns at once, and the buffer is reused only after
// an event recorded behind its copy has completed. Larger ones go straight from pageable memory
// (CUDA stages those itself, returning once it has read the source). Device -> host: into a pinned
// buffer, wait for that copy, then memcpy out (larger ones: straight into the destination).
#pragma once

#include <cuda_runtime_api.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "core/execution_provider.h"
#include "providers/gpu/gpu_context.h"

namespace aruntime::gpu {

struct GpuTransferCounts {
  int64_t copies_to_device = 0;
  int64_t bytes_to_device = 0;
  int64_t copies_to_host = 0;
  int64_t bytes_to_host = 0;
  int64_t copies_on_device = 0;
  int64_t bytes_on_device = 0;
};

class GpuDataTransfer final : public DataTransfer {
 public:
  // Tensors above this many bytes skip the staging buffers.
  static constexpr size_t kMaxStagedBytes = size_t{16} << 20;
  // At most this many pinned buffers (each rounded up to a power of two, at least
  // kMinStagingBytes).
  static constexpr size_t kMaxStagingBuffers = 4;
  static constexpr size_t kMinStagingBytes = size_t{64} << 10;

  explicit GpuDataTransfer(GpuContextPtr context);
  ~GpuDataTransfer() override;
  GpuDataTransfer(const GpuDataTransfer&) = delete;
  GpuDataTransfer& operator=(const GpuDataTransfer&) = delete;

  // cpu <-> gpu:N and gpu:N -> gpu:N, N being this context's device.
  bool can_copy(Device src, Device dst) const override;
  // dst must have src's element type and shape (not strings). Throws Error naming the device and
  // the tensor on a failed copy.
  void copy(const Tensor& src, Tensor& dst) const override;

  // Copies (of at least one byte) and bytes moved so far, each way.
  GpuTransferCounts counts() const;
  // Pinned staging buffers held now.
  size_t staging_buffers() const;

 private:
  static void record_or_drain(cudaEvent_t done, cudaStream_t stream);
  struct StagingBuffer {
    void* host = nullptr;  // pinned (cudaHostAlloc)
    size_t capacity = 0;
    cudaEvent_t done = nullptr;  // recorded behind the buffer's last copy
    bool busy = false;           // a thread is filling or draining it on the host
  };
  class StagingLease;
  // Returns a buffer of at least `bytes` whose last copy has completed, marked busy.
  size_t acquire(size_t bytes) const;
  void release(size_t index) const;
  void to_device(const void* src, void* dst, size_t bytes) const;
  void to_host(const void* src, void* dst, size_t bytes) const;

  GpuContextPtr context_;
  mutable std::mutex mutex_;
  mutable std::condition_variable idle_;  // a buffer stopped being busy
  mutable std::vector<StagingBuffer> buffers_;
  mutable std::atomic<int64_t> copies_to_device_{0}, bytes_to_device_{0};
  mutable std::atomic<int64_t> copies_to_host_{0}, bytes_to_host_{0};
  mutable std::atomic<int64_t> copies_on_device_{0}, bytes_on_device_{0};
};

}  // namespace aruntime::gpu
