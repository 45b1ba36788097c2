// The CPU execution provider: the reference provider every other provider falls back to. It runs
// in host memory and claims each node for which its kernel registry has a kernel.
#pragma once

#include <memory>
#include <string>

#include "core/execution_provider.h"

namespace aruntime {

class CpuExecutionProvider : public KernelRegistryProvider {
 public:
  CpuExecutionProvider();
  const std::string& name() const override { return name_; }
  Device device() const override { return Device::cpu(); }
  std::shared_ptr<Allocator> allocator() const override { return cpu_heap_allocator(); }
  // Its blocked convolutions (kernels/nchwc.h) run 1.2-1.8x faster than im2col + GEMM on NCHW
  // (bench/results/2026-11-27-blocked-layout.md).
  PreferredLayout preferred_layout() const override { return PreferredLayout::kBlockedChannels; }

 private:
  std::string name_ = "cpu";
};

}  // namespace aruntime
