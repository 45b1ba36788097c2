#include "providers/gpu/gpu_data_transfer.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>
#include <utility>

#include "aruntime/status.h"
#include "aruntime/tensor.h"
#include "providers/gpu/gpu_allocator.h"
#include "providers/gpu/gpu_check.h"

namespace aruntime::gpu {
namespace {

std::string describe(const Tensor& t) {
  return std::string(data_type_name(t.dtype())) + t.shape().to_string() + " on " +
         t.device().to_string();
}

}  // namespace

// Marks a staging buffer free again however the copy ends.
class GpuDataTransfer::StagingLease {
 public:
  StagingLease(const GpuDataTransfer& owner, size_t index) : owner_(owner), index_(index) {}
  ~StagingLease() { owner_.release(index_); }
  StagingLease(const StagingLease&) = delete;
  StagingLease& operator=(const StagingLease&) = delete;

 private:
  const GpuDataTransfer& owner_;
  size_t index_;
};

GpuDataTransfer::GpuDataTransfer(GpuContextPtr context) : context_(std::move(context)) {
  // Never reallocated: a thread reads its leased buffer's fields outside the lock while another
  // may add a buffer.
  buffers_.reserve(kMaxStagingBuffers);
}

GpuDataTransfer::~GpuDataTransfer() {
  if (buffers_.empty()) return;
  (void)cudaSetDevice(context_->device_id());
  for (StagingBuffer& b : buffers_) {
    // The device may still be reading a buffer filled by the last copy to it.
    if (b.done != nullptr) {
      (void)cudaEventSynchronize(b.done);
      (void)cudaEventDestroy(b.done);
    }
    if (b.host != nullptr) (void)cudaFreeHost(b.host);
  }
  (void)cudaGetLastError();
}

bool GpuDataTransfer::can_copy(Device src, Device dst) const {
  const Device gpu = context_->device();
  return (src.is_cpu() && dst == gpu) || (src == gpu && dst.is_cpu()) || (src == gpu && dst == gpu);
}

size_t GpuDataTransfer::acquire(size_t bytes) const {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    // A free buffer that is large enough and whose last copy has completed: no waiting at all.
    for (size_t i = 0; i < buffers_.size(); ++i) {
      StagingBuffer& b = buffers_[i];
      if (b.busy || b.capacity < bytes) continue;
      const cudaError_t state = cudaEventQuery(b.done);
      if (state == cudaErrorNotReady) {
        // Not an error, but recorded as the thread's last one: clear it, or the next kernel
        // launch on this thread would report it.
        (void)cudaGetLastError();
        continue;
      }
      ARUNTIME_CUDA_CHECK(state);
      b.busy = true;
      return i;
    }
    const size_t capacity = std::bit_ceil(std::max(bytes, kMinStagingBytes));
    if (buffers_.size() < kMaxStagingBuffers) {
      StagingBuffer b;
      ARUNTIME_CUDA_CHECK(cudaEventCreateWithFlags(&b.done, cudaEventDisableTiming));
      const cudaError_t status = cudaHostAlloc(&b.host, capacity, cudaHostAllocDefault);
      if (status != cudaSuccess) {
        (void)cudaEventDestroy(b.done);
        ARUNTIME_CUDA_CHECK(status);
      }
      b.capacity = capacity;
      b.busy = true;
      buffers_.push_back(b);
      return buffers_.size() - 1;
    }
    // Every buffer exists: take a free one, wait for its copy, and grow it if it is too small.
    for (size_t i = 0; i < buffers_.size(); ++i) {
      StagingBuffer& b = buffers_[i];
      if (b.busy) continue;
      b.busy = true;
      lock.unlock();
      try {
        ARUNTIME_CUDA_CHECK(cudaEventSynchronize(b.done));
        if (b.capacity < bytes) {
          ARUNTIME_CUDA_CHECK(cudaFreeHost(b.host));
          b.host = nullptr;
          b.capacity = 0;
          ARUNTIME_CUDA_CHECK(cudaHostAlloc(&b.host, capacity, cudaHostAllocDefault));
          b.capacity = capacity;
        }
      } catch (...) {
        release(i);
        throw;
      }
      return i;
    }
    // All are being filled or drained by other threads, which takes a host memcpy at most.
    idle_.wait(lock);
  }
}

void GpuDataTransfer::release(size_t index) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    buffers_[index].busy = false;
  }
  idle_.notify_one();
}

void GpuDataTransfer::to_device(const void* src, void* dst, size_t bytes) const {
  const cudaStream_t stream = context_->stream();
  if (bytes > kMaxStagedBytes) {
    ARUNTIME_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream));
    return;
  }
  const size_t index = acquire(bytes);
  const StagingLease lease(*this, index);
  StagingBuffer& b = buffers_[index];
  std::memcpy(b.host, src, bytes);
  ARUNTIME_CUDA_CHECK(cudaMemcpyAsync(dst, b.host, bytes, cudaMemcpyHostToDevice, stream));
  record_or_drain(b.done, stream);
}

// Marks the staging buffer's copy; if the event cannot be recorded, waits for the stream, so that
// the buffer is never reused while the copy may still read or write it.
void GpuDataTransfer::record_or_drain(cudaEvent_t done, cudaStream_t stream) {
  const cudaError_t status = cudaEventRecord(done, stream);
  if (status == cudaSuccess) return;
  (void)cudaStreamSynchronize(stream);
  ARUNTIME_CUDA_CHECK(status);
}

void GpuDataTransfer::to_host(const void* src, void* dst, size_t bytes) const {
  const cudaStream_t stream = context_->stream();
  if (bytes > kMaxStagedBytes) {
    ARUNTIME_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream));
    ARUNTIME_CUDA_CHECK(cudaStreamSynchronize(stream));
    return;
  }
  const size_t index = acquire(bytes);
  const StagingLease lease(*this, index);
  StagingBuffer& b = buffers_[index];
  ARUNTIME_CUDA_CHECK(cudaMemcpyAsync(b.host, src, bytes, cudaMemcpyDeviceToHost, stream));
  record_or_drain(b.done, stream);
  // The host reads the values next: wait for this copy (and what the stream ran before it).
  ARUNTIME_CUDA_CHECK(cudaEventSynchronize(b.done));
  std::memcpy(dst, b.host, bytes);
}

void GpuDataTransfer::copy(const Tensor& src, Tensor& dst) const {
  // Built only for messages: a warm run's copies allocate nothing on the host.
  auto device = [this] { return context_->device().to_string(); };
  if (!can_copy(src.device(), dst.device())) {
    throw_error(ErrorCode::kRuntimeError, device() + ": no transfer from " +
                                              src.device().to_string() + " to " +
                                              dst.device().to_string());
  }
  if (src.dtype() != dst.dtype() || src.shape() != dst.shape()) {
    throw_error(ErrorCode::kRuntimeError,
                device() + ": transfer of " + describe(src) + " into " + describe(dst));
  }
  if (src.dtype() == DataType::kString) {
    throw_error(ErrorCode::kRuntimeError,
                device() + ": string tensors cannot live in GPU memory (" + describe(src) + ")");
  }
  const size_t bytes = src.byte_size();
  if (bytes == 0) return;
  try {
    const ScopedDevice on_device(context_->device_id());
    if (src.device().is_cpu()) {
      to_device(src.raw_data(), dst.raw_data(), bytes);
      ++copies_to_device_;
      bytes_to_device_ += static_cast<int64_t>(bytes);
    } else if (dst.device().is_cpu()) {
      to_host(src.raw_data(), dst.raw_data(), bytes);
      ++copies_to_host_;
      bytes_to_host_ += static_cast<int64_t>(bytes);
    } else {
      ARUNTIME_CUDA_CHECK(cudaMemcpyAsync(dst.raw_data(), src.raw_data(), bytes,
                                          cudaMemcpyDeviceToDevice, context_->stream()));
      ++copies_on_device_;
      bytes_on_device_ += static_cast<int64_t>(bytes);
    }
  } catch (const Error& e) {
    throw e.with_context(device() + ": copy of " + describe(src) + " to " +
                         dst.device().to_string());
  }
}

GpuTransferCounts GpuDataTransfer::counts() const {
  return {copies_to_device_.load(), bytes_to_device_.load(),  copies_to_host_.load(),
          bytes_to_host_.load(),    copies_on_device_.load(), bytes_on_device_.load()};
}

size_t GpuDataTransfer::staging_buffers() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return buffers_.size();
}

}  // namespace aruntime::gpu
