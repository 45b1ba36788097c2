// The providers compiled into this binary. Adding a provider means adding one entry here.
#include <thread>

#include "core/provider_registry.h"
#include "providers/cpu/cpu_execution_provider.h"
#include "providers/npu/npu_execution_provider.h"
#ifdef ARUNTIME_HAVE_CUDA
#include "providers/gpu/gpu_execution_provider.h"
#endif

namespace aruntime {

const std::vector<ProviderFactory>& builtin_providers() {
  static const std::vector<ProviderFactory> factories = {
#ifdef ARUNTIME_HAVE_CUDA
      // A real CUDA device; the probe says why there is none (no driver, no device) instead of
      // failing, so builds with CUDA run everywhere and simply list the GPU as absent.
      {"gpu", [] { return gpu::describe_gpu_device(); }, [] { return gpu::gpu_device_present(); },
       [](const SessionOptions& options) { return gpu::create_gpu_provider(options); }},
#endif
      // No NPU hardware is involved: the provider runs its programs on a host-emulated device
      // model, and says so wherever it describes itself.
      {"npu", [] { return std::string(npu::kNpuDeviceDescription); }, [] { return true; },
       [](const SessionOptions& options) { return npu::create_npu_provider(options); }},
      {"cpu",
       [] {
         return "host CPU, " + std::to_string(std::thread::hardware_concurrency()) + " threads";
       },
       [] { return true; },
       [](const SessionOptions&) -> std::unique_ptr<ExecutionProvider> {
         return std::make_unique<CpuExecutionProvider>();
       }},
  };
  return factories;
}

}  // namespace aruntime
