// The simulated NPU's memory and its link to the host. There is no NPU hardware here: "device
// memory" is host memory tagged Device{kNpu, 0}, handed out by an allocator that enforces the
// device's capacity (the provider's memory budget), and the host link is a DataTransfer that
// copies bytes and counts every copy. Tensors keep their ONNX element type across the link;
// conversion to the device's numeric format happens inside programs.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "aruntime/allocator.h"
#include "core/execution_provider.h"

namespace aruntime::npu {

inline Device npu_device() {
  return Device{DeviceType::kNpu, 0};
}

// Device memory with a fixed capacity. Every allocation counts against it until freed; one that
// would exceed it is refused with Error(kOutOfMemory) naming the budget.
class NpuDeviceMemory final : public Allocator {
 public:
  explicit NpuDeviceMemory(uint64_t capacity_bytes);
  ~NpuDeviceMemory() override;

  void* allocate(size_t bytes) override;
  void deallocate(void* ptr) override;
  Device device() const override { return npu_device(); }
  std::string name() const override { return "simulated-npu-memory"; }

  uint64_t capacity_bytes() const { return capacity_; }
  uint64_t in_use_bytes() const;
  uint64_t peak_in_use_bytes() const;

 private:
  uint64_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<void*, size_t> sizes_;
  uint64_t in_use_ = 0;
  uint64_t peak_ = 0;
};

struct TransferCounts {
  int64_t copies_to_device = 0;
  int64_t bytes_to_device = 0;
  int64_t copies_to_host = 0;
  int64_t bytes_to_host = 0;
};

// Host <-> NPU copies (the device's DMA link), counted.
class NpuDataTransfer final : public DataTransfer {
 public:
  bool can_copy(Device src, Device dst) const override;
  // dst must have src's dtype and shape; one side is host memory, the other NPU memory.
  void copy(const Tensor& src, Tensor& dst) const override;
  TransferCounts counts() const;

 private:
  mutable std::atomic<int64_t> copies_to_device_{0};
  mutable std::atomic<int64_t> bytes_to_device_{0};
  mutable std::atomic<int64_t> copies_to_host_{0};
  mutable std::atomic<int64_t> bytes_to_host_{0};
};

}  // namespace aruntime::npu
