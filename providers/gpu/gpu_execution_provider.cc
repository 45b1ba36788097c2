#include "providers/gpu/gpu_execution_provider.h"

#include <algorithm>
#include <cstdio>

#include "aruntime/status.h"
#include "providers/gpu/gpu_check.h"
#include "providers/gpu/ops/registrations.h"

namespace aruntime::gpu {
namespace {

bool is_gpu_float(DataType t) {
  return t == DataType::kFloat32 || t == DataType::kFloat16 || t == DataType::kBFloat16;
}

}  // namespace

// Integer values between nodes are small shape vectors read by host code (Reshape's shape...):
// copying them to the device and back costs more than computing them there saves.
bool is_integer_computation(const Node& node, const std::vector<DataType>& input_types,
                            const std::vector<DataType>& output_types) {
  auto any_float = [](const std::vector<std::string>& names, const std::vector<DataType>& types) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i].empty()) continue;  // omitted optional input or output
      const DataType t = i < types.size() ? types[i] : DataType::kUndefined;
      if (is_gpu_float(t) || t == DataType::kUndefined) return true;
    }
    return false;
  };
  return !any_float(node.inputs, input_types) && !any_float(node.outputs, output_types);
}

std::string describe_cuda_device(const cudaDeviceProp& properties) {
  char memory[32];
  std::snprintf(
      memory, sizeof(memory), "%.1f GiB",
      static_cast<double>(properties.totalGlobalMem) / static_cast<double>(uint64_t{1} << 30));
  return std::string(properties.name) + " (sm_" + std::to_string(properties.major) +
         std::to_string(properties.minor) + ", " + memory + ")";
}

std::string describe_gpu_device() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    (void)cudaGetLastError();
    return std::string("no CUDA device found (") + cudaGetErrorString(status) + ")";
  }
  if (count == 0) return "no CUDA device found (the driver reports none)";
  cudaDeviceProp properties{};
  const cudaError_t props = cudaGetDeviceProperties(&properties, 0);
  if (props != cudaSuccess) {
    (void)cudaGetLastError();
    return std::string("CUDA device 0 cannot be queried (") + cudaGetErrorString(props) + ")";
  }
  std::string text = describe_cuda_device(properties);
  if (count > 1) text += " and " + std::to_string(count - 1) + " more CUDA device(s)";
  return text;
}

bool gpu_device_present() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    (void)cudaGetLastError();
    return false;
  }
  return count > 0;
}

std::unique_ptr<ExecutionProvider> create_gpu_provider(const SessionOptions& options) {
  GpuOptions gpu_options;
  if (auto it = options.provider_options.find("gpu"); it != options.provider_options.end()) {
    gpu_options = parse_gpu_options(it->second);
  }
  if (!gpu_device_present()) {
    throw_error(ErrorCode::kInvalidArgument,
                "provider 'gpu' cannot be created: " + describe_gpu_device());
  }
  return std::make_unique<GpuExecutionProvider>(gpu_options);
}

GpuExecutionProvider::GpuExecutionProvider(GpuOptions options)
    : options_(options),
      context_(std::make_shared<const GpuContext>(options.device_id)),
      allocator_(std::make_shared<GpuAllocator>(options.device_id)),
      transfer_(context_) {
  register_elementwise_kernels(registry_, checks_, context_);
  register_normalization_kernels(registry_, checks_, context_);
  register_movement_kernels(registry_, checks_, context_);
  register_dense_kernels(registry_, checks_, context_);
}

GpuExecutionProvider::~GpuExecutionProvider() {
  (void)cudaSetDevice(context_->device_id());
  for (const std::vector<RunTimer>* timers : {&active_, &idle_}) {
    for (const RunTimer& t : *timers) {
      if (t.start != nullptr) (void)cudaEventDestroy(t.start);
      if (t.stop != nullptr) (void)cudaEventDestroy(t.stop);
    }
  }
  (void)cudaGetLastError();
}

CapabilityReport GpuExecutionProvider::capabilities(const GraphView& view) const {
  CapabilityReport report;
  for (NodeIndex i = 0; i < view.num_nodes(); ++i) {
    if (!view.is_available(i)) continue;
    const Node& node = view.node(i);
    const std::vector<DataType> input_types = view.input_types(node);
    const std::vector<DataType> output_types = view.output_types(node);
    const KernelMatch match =
        registry_.find(node, view.opset(node), input_types, output_types, view.input_kinds(node));
    if (!match) {
      report.declines.push_back({i, match.reason});
      continue;
    }
    if (!view.is_pinned(i) && is_integer_computation(node, input_types, output_types)) {
      report.declines.push_back({i, kIntegerShapeComputationReason});
      continue;
    }
    if (std::string reason = checks_.check(node, view); !reason.empty()) {
      report.declines.push_back({i, std::move(reason)});
      continue;
    }
    report.claims.push_back({CapabilityClaim::Kind::kKernel, {i}, match.def});
  }
  return report;
}

GpuExecutionProvider::RunTimer GpuExecutionProvider::take_timer() const {
  if (!idle_.empty()) {
    RunTimer t = idle_.back();
    idle_.pop_back();
    return t;
  }
  RunTimer t;
  ARUNTIME_CUDA_CHECK(cudaEventCreate(&t.start));
  const cudaError_t status = cudaEventCreate(&t.stop);
  if (status != cudaSuccess) {
    (void)cudaEventDestroy(t.start);
    ARUNTIME_CUDA_CHECK(status);
  }
  return t;
}

void GpuExecutionProvider::begin_run() const {
  try {
    context_->make_current();
    const std::thread::id self = std::this_thread::get_id();
    std::lock_guard<std::mutex> lock(runs_mutex_);
    for (RunTimer& t : active_) {
      if (t.thread == self) {
        ++t.depth;  // a nested run (a subgraph): the outer run's events time it
        return;
      }
    }
    RunTimer timer = take_timer();
    timer.thread = self;
    timer.depth = 1;
    const cudaError_t status = cudaEventRecord(timer.start, context_->stream());
    if (status != cudaSuccess) {
      idle_.push_back(timer);
      ARUNTIME_CUDA_CHECK(status);
    }
    active_.push_back(timer);
  } catch (const Error& e) {
    throw e.with_context(device().to_string() + " (" + context_->describe() +
                         "): cannot start the run");
  }
}

void GpuExecutionProvider::end_run() const {
  RunTimer timer;
  {
    const std::thread::id self = std::this_thread::get_id();
    std::lock_guard<std::mutex> lock(runs_mutex_);
    auto it = std::find_if(active_.begin(), active_.end(),
                           [&](const RunTimer& t) { return t.thread == self; });
    if (it == active_.end()) {
      // begin_run failed before timing anything: still wait for what the run queued.
      timer.thread = self;
    } else {
      if (--it->depth > 0) return;
      timer = *it;
      *it = active_.back();
      active_.pop_back();
    }
  }
  // The events go back to the pool whatever happens below.
  struct ReturnToPool {
    const GpuExecutionProvider& provider;
    const RunTimer& timer;
    ~ReturnToPool() {
      if (timer.start == nullptr) return;
      std::lock_guard<std::mutex> lock(provider.runs_mutex_);
      provider.idle_.push_back(timer);
    }
  } give_back{*this, timer};
  try {
    if (timer.start == nullptr) {
      context_->synchronize();
      return;
    }
    // Everything queued before the stop event is this run's work (and, with concurrent runs of
    // the session, theirs too: they share the stream).
    ARUNTIME_CUDA_CHECK(cudaEventRecord(timer.stop, context_->stream()));
    ARUNTIME_CUDA_CHECK(cudaEventSynchronize(timer.stop));
    float ms = 0;
    ARUNTIME_CUDA_CHECK(cudaEventElapsedTime(&ms, timer.start, timer.stop));
    std::lock_guard<std::mutex> lock(runs_mutex_);
    ++runs_;
    device_ms_total_ += ms;
    device_ms_last_ = ms;
  } catch (const Error& e) {
    throw e.with_context(device().to_string() + " (" + context_->describe() +
                         "): the run failed on the device");
  }
}

std::optional<ProviderDeviceStats> GpuExecutionProvider::device_stats() const {
  ProviderDeviceStats stats;
  stats.provider = name_;
  stats.device = device().to_string() + " (" + context_->describe() + ")";
  {
    std::lock_guard<std::mutex> lock(runs_mutex_);
    stats.runs = runs_;
    stats.device_ms_total = device_ms_total_;
    stats.device_ms_last = device_ms_last_;
  }
  stats.memory_in_use_bytes = allocator_->in_use_bytes();
  stats.memory_peak_bytes = allocator_->peak_in_use_bytes();
  return stats;
}

}  // namespace aruntime::gpu
