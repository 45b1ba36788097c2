// The NPU execution provider, over a *simulated* NPU: no NPU hardware exists here, so programs run
// on a host-emulated device model (npu_runtime.h) with the memory, numerics and cost model of
// README.md. It claims connected, convex groups of the ops such devices support
// (npu_capability.h), compiles each into one device program (npu_compiler.h), keeps tensors in
// its own budgeted device memory and moves them over a counted host link (npu_device.h).
//
// Settings come from SessionOptions::provider_options["npu"] (npu_options.h).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aruntime/session.h"
#include "core/execution_provider.h"
#include "providers/npu/npu_device.h"
#include "providers/npu/npu_options.h"
#include "providers/npu/npu_runtime.h"

namespace aruntime::npu {

inline constexpr const char* kNpuDeviceDescription =
    "simulated NPU (host-emulated device model, no hardware)";

class NpuExecutionProvider final : public ExecutionProvider {
 public:
  explicit NpuExecutionProvider(NpuOptions options = {});

  const std::string& name() const override { return name_; }
  Device device() const override { return npu_device(); }
  CapabilityReport capabilities(const GraphView& view) const override;
  std::unique_ptr<OpKernel> compile(const Graph& fused_subgraph, const Model& model) const override;
  // Arena chunks no larger than the memory budget, so that a budget that fits every program is
  // not exceeded by the arena's own rounding.
  ArenaOptions arena_options(const ArenaOptions& defaults) const override;
  std::shared_ptr<Allocator> allocator() const override { return memory_; }
  const DataTransfer* data_transfer() const override { return &transfer_; }
  // One entry per compiled program (figures: instructions, onnx_nodes, device_bytes,
  // device_bytes_lower_bound, weight_bytes, io_bytes, macs, estimated_cycles, estimated_us, runs,
  // simulated = 1), then one entry "host_transfers" with the link's copies and bytes each way and
  // the device memory's peak use.
  std::vector<ProviderProgramStats> statistics() const override;

  const NpuOptions& options() const { return options_; }
  TransferCounts transfers() const { return transfer_.counts(); }
  const NpuDeviceMemory& device_memory() const { return *memory_; }

 private:
  std::string name_ = "npu";
  NpuOptions options_;
  std::shared_ptr<NpuDeviceMemory> memory_;
  NpuDataTransfer transfer_;
  mutable std::mutex mutex_;
  mutable std::vector<std::shared_ptr<const LoadedProgram>> programs_;
};

// The factory builtin_providers.cc registers: reads provider_options["npu"].
std::unique_ptr<ExecutionProvider> create_npu_provider(const SessionOptions& options);

}  // namespace aruntime::npu
