#include "providers/npu/npu_device.h"

#include <cstring>

#include "aruntime/status.h"
#include "aruntime/tensor.h"

namespace aruntime::npu {

NpuDeviceMemory::NpuDeviceMemory(uint64_t capacity_bytes) : capacity_(capacity_bytes) {}

NpuDeviceMemory::~NpuDeviceMemory() {
  for (auto& [ptr, size] : sizes_) cpu_heap_allocator()->deallocate(ptr);
}

void* NpuDeviceMemory::allocate(size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (bytes > capacity_ - in_use_) {
    throw_error(ErrorCode::kOutOfMemory,
                "npu: device memory budget exceeded: allocating " + std::to_string(bytes) +
                    " bytes with " + std::to_string(in_use_) + " of " + std::to_string(capacity_) +
                    " bytes in use (provider option memory_budget_bytes)");
  }
  void* ptr = cpu_heap_allocator()->allocate(bytes);
  sizes_[ptr] = bytes;
  in_use_ += bytes;
  peak_ = std::max(peak_, in_use_);
  return ptr;
}

void NpuDeviceMemory::deallocate(void* ptr) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sizes_.find(ptr);
  if (it == sizes_.end()) return;  // not ours: never free foreign memory
  in_use_ -= it->second;
  sizes_.erase(it);
  cpu_heap_allocator()->deallocate(ptr);
}

uint64_t NpuDeviceMemory::in_use_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return in_use_;
}

uint64_t NpuDeviceMemory::peak_in_use_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return peak_;
}

bool NpuDataTransfer::can_copy(Device src, Device dst) const {
  // npu -> npu moves data within device memory (a caller's output buffer there), never over the
  // host link, so it is not counted as a host transfer.
  return (src.is_cpu() && dst == npu_device()) || (src == npu_device() && dst.is_cpu()) ||
         (src == npu_device() && dst == npu_device());
}

void NpuDataTransfer::copy(const Tensor& src, Tensor& dst) const {
  if (!can_copy(src.device(), dst.device())) {
    throw_error(ErrorCode::kRuntimeError, "npu: no transfer from " + src.device().to_string() +
                                              " to " + dst.device().to_string());
  }
  if (src.dtype() != dst.dtype() || src.shape() != dst.shape()) {
    throw_error(ErrorCode::kRuntimeError,
                "npu: transfer of " + std::string(data_type_name(src.dtype())) +
                    src.shape().to_string() + " into " + std::string(data_type_name(dst.dtype())) +
                    dst.shape().to_string());
  }
  if (src.dtype() == DataType::kString) {
    throw_error(ErrorCode::kRuntimeError, "npu: string tensors cannot live in device memory");
  }
  const size_t bytes = src.byte_size();
  if (bytes > 0) std::memcpy(dst.raw_data(), src.raw_data(), bytes);
  if (!src.device().is_cpu() && !dst.device().is_cpu()) return;
  if (dst.device().is_cpu()) {
    ++copies_to_host_;
    bytes_to_host_ += static_cast<int64_t>(bytes);
  } else {
    ++copies_to_device_;
    bytes_to_device_ += static_cast<int64_t>(bytes);
  }
}

TransferCounts NpuDataTransfer::counts() const {
  return {copies_to_device_.load(), bytes_to_device_.load(), copies_to_host_.load(),
          bytes_to_host_.load()};
}

}  // namespace aruntime::npu
