#include "providers/npu/npu_execution_provider.h"

#include <algorithm>

#include "providers/npu/npu_capability.h"
#include "providers/npu/npu_compiler.h"
#include "providers/npu/npu_cost_model.h"

namespace aruntime::npu {

NpuExecutionProvider::NpuExecutionProvider(NpuOptions options)
    : options_(options), memory_(std::make_shared<NpuDeviceMemory>(options.memory_budget_bytes)) {}

CapabilityReport NpuExecutionProvider::capabilities(const GraphView& view) const {
  return npu_capabilities(view, options_);
}

ArenaOptions NpuExecutionProvider::arena_options(const ArenaOptions& defaults) const {
  ArenaOptions o = defaults;
  const auto budget = static_cast<size_t>(options_.memory_budget_bytes);
  o.initial_chunk_bytes = std::min(o.initial_chunk_bytes, budget);
  o.max_chunk_bytes = std::min(o.max_chunk_bytes, budget);
  return o;
}

std::unique_ptr<OpKernel> NpuExecutionProvider::compile(const Graph& fused_subgraph, const Model& model) const {
  Program program;
  try {
    program = compile_group(group_source(fused_subgraph, model.opset_imports), options_);
  } catch (const UnsupportedNode& e) {
    throw_error(ErrorCode::kRuntimeError, "node '" + e.node_name() + "': " + e.reason());
  }
  auto loaded = std::make_shared<const LoadedProgram>(std::move(program), memory_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    programs_.push_back(loaded);
  }
  return std::make_unique<NpuProgramKernel>(std::move(loaded));
}

std::vector<ProviderProgramStats> NpuExecutionProvider::statistics() const {
  std::vector<std::shared_ptr<const LoadedProgram>> programs;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    programs = programs_;
  }
  std::vector<ProviderProgramStats> stats;
  for (const auto& loaded : programs) {
    const Program& p = loaded->program();
    int64_t macs = 0;
    for (const Instruction& ins : p.instructions) macs += ins.cost.macs;
    ProviderProgramStats s;
    s.provider = name_;
    s.program = p.name;
    s.figures = {{"instructions", static_cast<double>(p.instructions.size())},
                 {"onnx_nodes", static_cast<double>(p.onnx_nodes)},
                 {"device_bytes", static_cast<double>(p.block_bytes)},
                 {"device_bytes_lower_bound", static_cast<double>(p.block_lower_bound)},
                 {"weight_bytes", static_cast<double>(p.weight_bytes)},
                 {"io_bytes", static_cast<double>(p.io_bytes)},
                 {"macs", static_cast<double>(macs)},
                 {"estimated_cycles", static_cast<double>(p.estimated_cycles)},
                 {"estimated_us", cycles_to_microseconds(p.estimated_cycles)},
                 {"runs", static_cast<double>(loaded->runs())},
                 {"simulated", 1.0}};
    stats.push_back(std::move(s));
  }
  const TransferCounts t = transfer_.counts();
  ProviderProgramStats link;
  link.provider = name_;
  link.program = "host_transfers";
  link.figures = {{"copies_to_device", static_cast<double>(t.copies_to_device)},
                  {"bytes_to_device", static_cast<double>(t.bytes_to_device)},
                  {"copies_to_host", static_cast<double>(t.copies_to_host)},
                  {"bytes_to_host", static_cast<double>(t.bytes_to_host)},
                  {"device_memory_peak_bytes", static_cast<double>(memory_->peak_in_use_bytes())},
                  {"device_memory_budget_bytes", static_cast<double>(memory_->capacity_bytes())},
                  {"simulated", 1.0}};
  stats.push_back(std::move(link));
  return stats;
}

std::unique_ptr<ExecutionProvider> create_npu_provider(const SessionOptions& options) {
  NpuOptions npu;
  if (auto it = options.provider_options.find("npu"); it != options.provider_options.end()) {
    npu = parse_npu_options(it->second);
  }
  return std::make_unique<NpuExecutionProvider>(npu);
}

}  // namespace aruntime::npu
