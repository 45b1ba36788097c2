// The CUDA GPU execution provider ("gpu"): kernels from providers/gpu/ops/, run on one GPU on the
// session's CUDA stream, with device memory from GpuAllocator (the session's GPU arena is built
// over it) and copies through GpuDataTransfer. README.md beside this file gives the design.
//
// Settings come from SessionOptions::provider_options["gpu"] (gpu_options.h).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "aruntime/session.h"
#include "core/execution_provider.h"
#include "providers/gpu/gpu_allocator.h"
#include "providers/gpu/gpu_context.h"
#include "providers/gpu/gpu_data_transfer.h"
#include "providers/gpu/gpu_kernel.h"
#include "providers/gpu/gpu_options.h"

namespace aruntime::gpu {

// Why a node none of whose inputs and outputs is a float32/float16/bfloat16 tensor is declined.
inline constexpr const char* kIntegerShapeComputationReason =
    "no float32/float16/bfloat16 input or output: integer shape computation stays on the CPU";

// True when `node` moves only integers or booleans (Shape's consumers: Gather/Concat/Unsqueeze...
// over int64 shape vectors), given its inferred input and output types. Omitted inputs and outputs
// do not count; a value of unknown type might be a float, so it keeps the node eligible.
bool is_integer_computation(const Node& node, const std::vector<DataType>& input_types,
                            const std::vector<DataType>& output_types);

class GpuExecutionProvider final : public KernelRegistryProvider {
 public:
  // Sets up the device (GpuContext: stream, cuBLAS/cuBLASLt/cuDNN handles) and registers every
  // GPU kernel family. Throws Error naming the device when it cannot be used.
  explicit GpuExecutionProvider(GpuOptions options = {});
  ~GpuExecutionProvider() override;

  const std::string& name() const override { return name_; }
  Device device() const override { return context_->device(); }
  // Claims a node when the registry has a kernel for it, every support check of its op passes and
  // it is not an integer shape computation (see kIntegerShapeComputationReason; a node the user
  // pinned to "gpu" is exempt from that rule). Every declined node gets its reason.
  CapabilityReport capabilities(const GraphView& view) const override;
  std::shared_ptr<Allocator> allocator() const override { return allocator_; }
  const DataTransfer* data_transfer() const override { return &transfer_; }
  bool keeps_constants_on_device() const override { return true; }
  // Makes the device current on the run's thread and records a start event on the stream.
  void begin_run() const override;
  // Records a stop event, waits for everything queued before it (the run's work), adds the run's
  // device time to the statistics, and throws Error naming the device when the device reported
  // an error for the work queued.
  void end_run() const override;
  std::optional<ProviderDeviceStats> device_stats() const override;

  const GpuContextPtr& context() const { return context_; }
  const GpuSupportChecks& support_checks() const { return checks_; }
  const GpuAllocator& device_memory() const { return *allocator_; }
  GpuTransferCounts transfers() const { return transfer_.counts(); }

 private:
  struct RunTimer {
    std::thread::id thread;
    cudaEvent_t start = nullptr;
    cudaEvent_t stop = nullptr;
    int depth = 0;  // nested begin_run calls on one thread time the outermost run only
  };
  RunTimer take_timer() const;  // from the pool, or new events; caller holds runs_mutex_

  std::string name_ = "gpu";
  GpuOptions options_;
  GpuContextPtr context_;
  std::shared_ptr<GpuAllocator> allocator_;
  GpuDataTransfer transfer_;
  GpuSupportChecks checks_;

  mutable std::mutex runs_mutex_;
  mutable std::vector<RunTimer> active_;  // one per thread inside a run
  mutable std::vector<RunTimer> idle_;    // events ready for reuse
  mutable int64_t runs_ = 0;
  mutable double device_ms_total_ = 0;
  mutable double device_ms_last_ = 0;
};

// The one-line description of a CUDA device: "NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)".
std::string describe_cuda_device(const cudaDeviceProp& properties);
// What the provider registry says about this machine's GPU: the first device's description (and
// how many more there are), or "no CUDA device found (<CUDA's reason>)". Never throws, also
// without a driver.
std::string describe_gpu_device();
bool gpu_device_present();
// The factory builtin_providers.cc registers: reads provider_options["gpu"]. Throws a one-line
// Error naming the provider and why when no device is present or the device cannot be set up.
std::unique_ptr<ExecutionProvider> create_gpu_provider(const SessionOptions& options);

}  // namespace aruntime::gpu
