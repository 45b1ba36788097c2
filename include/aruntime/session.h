// The embedding API: an Environment (logging, process-wide state), SessionOptions, and a Session
// that loads a model once and runs it many times.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aruntime/status.h"
#include "aruntime/tensor.h"
#include "aruntime/value.h"

namespace aruntime {

enum class LogLevel { kTrace, kDebug, kInfo, kWarning, kError, kOff };

class Environment {
 public:
  explicit Environment(LogLevel level = LogLevel::kWarning);
  void set_log_level(LogLevel level);
  LogLevel log_level() const { return level_; }

 private:
  LogLevel level_;
};

// Where nodes run beyond what providers claim: the user's pins and the cost rules that keep
// unprofitable work off devices (providers whose memory is not host memory). docs/placement.md
// explains the estimates.
struct PlacementOptions {
  // Node name or op type ("Conv", or "domain:Op" outside the default domain) -> provider name.
  // A pinned node is offered only to that provider, which must take it; a node name wins over
  // its op type. Pinned nodes are exempt from the cost rules below.
  std::map<std::string, std::string> assignments;
  // A device provider's claim of fewer connected nodes than this stays on the host.
  int min_device_group_nodes = 1;
  // A connected device claim whose estimated FLOPs are fewer than this per byte copied across
  // its boundary stays on the host (copying a byte costs about as much time as a few FLOPs of
  // host compute). 0 turns the rule off.
  double min_flops_per_copied_byte = 4.0;
  // Nodes that compute small shape tensors from Shape/Size (Gather, Concat, Unsqueeze... feeding
  // Reshape and the like) stay with host providers instead of costing copies.
  bool keep_shape_computations_on_host = true;
};

// The graph optimizer (graph/optimizer/, docs/optimizer.md), run once before partitioning.
struct OptimizationOptions {
  // 0 off, 1 basic (ONNX-to-ONNX rewrites), 2 extended (fusions into the runtime's own ops, in
  // host-only sessions), 3 provider-aware (in a session with a device provider, the level-2
  // fusions after partitioning, on the nodes placed on providers that run the fused ops; a
  // host-only session is as at 2). Default: the highest.
  int level = 3;
  std::vector<std::string> disabled_passes;  // by name; an unknown name is an error
};

// Memory of intermediate values (docs/memory.md). Every tensor a run produces between nodes gets
// an offset in one block per device memory, computed once from value sizes and lifetimes (the
// allocation plan), so warm runs need no allocation for them and the peak is known up front.
struct MemoryOptions {
  // Plan intermediate values (false: each comes from the session's arena as the run needs it).
  bool plan = true;
  // Let elementwise kernels write their output over an input that dies at that node.
  bool in_place = true;
  // Models whose shapes depend on the inputs get a plan per input-shape signature, made from the
  // sizes the first run of that signature records; this many are kept (least recently used out).
  size_t max_cached_plans = 8;
  // Cap on the planned activation bytes (all memories together); 0 = none. A plan over it fails
  // session creation (or, for a shape-dependent plan, the run) with Error(kOutOfMemory).
  uint64_t max_activation_bytes = 0;
  // Return planned blocks and free arena chunks to the system after every run (lower idle memory,
  // slower runs).
  bool release_after_run = false;
};

struct SessionOptions {
  // Providers by name in order of preference ("cpu"). The CPU provider is appended as the
  // fallback when missing, unless `allow_cpu_fallback` is false.
  std::vector<std::string> providers = {"cpu"};
  bool allow_cpu_fallback = true;
  // The session's thread budget, shared by kernels' parallel loops and parallel branches (one TBB
  // task arena); 0 = one per core.
  int intra_op_threads = 0;
  // Nodes that may run at the same time: 1 = the sequential executor (plan order, deterministic);
  // more = the parallel executor, running independent branches concurrently within the thread
  // budget; 0 = as many as the thread budget.
  int inter_op_threads = 1;
  // Largest single activation buffer the runtime will allocate, in bytes; 0 = physical memory.
  uint64_t max_allocation_bytes = 0;
  // Values for symbolic dimensions ("batch" -> 8), used where a shape must be known up front.
  std::map<std::string, int64_t> dim_values;
  PlacementOptions placement;
  OptimizationOptions optimization;
  MemoryOptions memory;
  // Profiling: session phases and every node of every run, with op, provider, shapes and duration
  // (Session::profile_by_op). With `profile_file`, a Chrome trace JSON is written there by
  // Session::end_profiling or when the session is destroyed (chrome://tracing, Perfetto).
  bool enable_profiling = false;
  std::string profile_file;  // non-empty implies enable_profiling
  // Per-provider settings by provider name, e.g. {"npu", {{"precision", "int8"}}}. Each provider
  // documents its keys; a key a provider does not know fails session creation.
  std::map<std::string, std::map<std::string, std::string>> provider_options;
};

// A named value with its element type and shape as the model declares them (-1 = dynamic dim).
struct ValueMetadata {
  std::string name;
  ValueKind kind = ValueKind::kTensor;  // tensor, sequence (of dtype) or optional
  DataType dtype = DataType::kUndefined;  // element type (of the tensor or the sequence elements)
  bool has_shape = false;
  std::vector<int64_t> dims;             // -1 where not static
  std::vector<std::string> dim_symbols;  // the symbolic name where one is given, else ""
};

// Where one node runs, as decided by the partitioner.
struct NodePlacement {
  std::string node_name;
  std::string op_type;
  std::string domain;
  std::string provider;
  // For each provider ahead of `provider` in the list: why it declined the node.
  std::vector<std::pair<std::string, std::string>> declined;
  // The fused group (device program) the node is part of, or "" for a node run by a kernel.
  std::string fused_group;
  // Estimated FLOPs of one run (core/cost_model.h), or -1 where shapes are not static.
  double estimated_flops = -1;
};

// One copy between device memories that the session inserts per run.
struct CopyPlacement {
  std::string value;
  std::string from;    // device, e.g. "cpu", "npu:0"
  std::string to;
  int64_t bytes = -1;  // -1 where the value's shape is not static
};

// What a provider reports about the programs it compiled for this session (a compiling EP's device
// programs: instructions, device memory, estimated cycles...). Figures are named with their unit.
struct ProviderProgramStats {
  std::string provider;
  std::string program;  // the fused group's name
  std::vector<std::pair<std::string, double>> figures;  // ("instructions", 42), ("device_bytes", ...)
};

// What a device provider measured on its device, over every run of the session so far: time the
// device spent on the runs' work (device-side timers, e.g. CUDA events around each run) and its
// memory. Host-memory providers report nothing.
struct ProviderDeviceStats {
  std::string provider;
  std::string device;            // "gpu:0 (NVIDIA H100 80GB HBM3)"
  int64_t runs = 0;              // runs timed on the device
  double device_ms_total = 0;    // device time over those runs
  double device_ms_last = 0;     // the last run's
  uint64_t memory_in_use_bytes = 0;  // device memory held now (arena chunks, weights)
  uint64_t memory_peak_bytes = 0;    // the most ever held
};

// Stops runs from another thread. Copies share one flag: cancel() on any copy stops every run
// given the token, which then throws Error(kCancelled) between two nodes.
class CancellationToken {
 public:
  CancellationToken() : flag_(std::make_shared<std::atomic<bool>>(false)) {}
  void cancel() { flag_->store(true); }
  bool cancelled() const { return flag_->load(); }
  const std::atomic<bool>& flag() const { return *flag_; }

 private:
  std::shared_ptr<std::atomic<bool>> flag_;
};

// What the memory plan reserves, known before the first run (Session::memory_report).
struct MemoryPlanReport {
  struct ValueBytes {
    std::string name;
    uint64_t bytes = 0;
  };
  struct Memory {
    std::string device;              // "cpu", "npu:0"
    uint64_t planned_peak_bytes = 0;  // the block every run lays its values out in
    uint64_t naive_bytes = 0;        // every planned value in its own buffer
    uint64_t planned_values = 0;
    uint64_t weights_bytes = 0;      // initializers held in this memory
    std::string peak_node;           // a node at which the live values are largest
    std::vector<ValueBytes> live_at_peak;  // largest first
  };
  std::vector<Memory> memories;
  uint64_t planned_peak_bytes = 0;  // over all memories
  uint64_t weights_bytes = 0;
  // False when some intermediate sizes depend on the inputs: those values are planned per input
  // shape on first use (pass dim_values to plan up front).
  bool complete = true;
  std::vector<std::string> unknown_size_values;
};

// How the session's memory has been used so far (Session::memory_stats).
struct MemoryStats {
  struct Arena {
    std::string name;
    uint64_t reserved_bytes = 0, peak_reserved_bytes = 0, in_use_bytes = 0, peak_in_use_bytes = 0;
  };
  std::vector<Arena> arenas;
  uint64_t runs_planned = 0;     // runs laid out by a plan
  uint64_t runs_recorded = 0;    // first runs of an input-shape signature (recorded sizes)
  uint64_t values_planned = 0;   // values that got their planned place
  uint64_t values_fallback = 0;  // planned values that went to the arena instead
  uint64_t cached_plans = 0;
};

// Time spent in one op type on one provider over the profiled runs.
struct OpProfile {
  std::string op_type;
  std::string provider;
  int64_t calls = 0;
  double total_ms = 0;
};

// Per-run options.
struct RunOptions {
  // Stop the run from another thread (see CancellationToken).
  CancellationToken cancellation;
  // Stop the run with Error(kCancelled) when it takes longer than this; 0 = no limit.
  std::chrono::milliseconds timeout{0};
  // Diagnostics: called with every value a node produces, in execution order, as a host value
  // (device values are copied to the host first). Values inside a provider's fused group are
  // not produced individually and are not seen. Slows the run down; for tools such as
  // `aruntime compare`.
  std::function<void(const std::string& name, const Value& value)> observe_value;
};

class SessionImpl;
class Session;

// Inputs and outputs bound once for many runs (I/O binding): names are resolved when bound, and
// outputs may be written straight into caller memory, so a warm run of a static-shape model
// allocates nothing for its inputs, intermediates or bound outputs (docs/memory.md).
class IoBinding {
 public:
  explicit IoBinding(const Session& session);

  // Feeds `value` to input `name` (shared, not copied) in every later run until bound again. A
  // tensor in a provider's device memory (Session::device_allocator, copy_to_device, or a buffer a
  // previous run wrote) is read there without a copy when only that device reads the input.
  void bind_input(const std::string& name, const Value& value);
  // Output `name` is written into `buffer`, memory the caller owns, of the output's element type
  // and of the shape the run produces (a mismatch fails the run): host memory (e.g. Tensor::wrap),
  // or device memory of one of the session's providers, so that runs chain on the device without
  // host copies.
  void bind_output(const std::string& name, Tensor buffer);
  // Output `name` is returned in a tensor the run allocates.
  void bind_output(const std::string& name);

  // After a run: the bound outputs in the order they were bound (for outputs bound to a buffer,
  // a tensor sharing that buffer).
  const std::vector<Value>& outputs() const { return outputs_; }

 private:
  friend class SessionImpl;
  friend class Session;
  const SessionImpl* session_;
  std::vector<Value> inputs_;           // per graph input (undefined: not fed)
  std::vector<Tensor> output_buffers_;  // per graph output (undefined: allocate)
  std::vector<size_t> bound_outputs_;   // graph output indices, in bind order
  std::vector<Value> outputs_;
  // Kept between runs so that a run reuses their storage.
  std::vector<Value> ordered_, all_;
};

class Session {
 public:
  // Loads, validates, partitions and prepares the model. Throws aruntime::Error.
  Session(const Environment& env, const std::string& model_path, const SessionOptions& options = {});
  // Loads from serialized bytes; `origin` names the model in error messages. External data paths
  // resolve against `base_dir` (empty: external data is refused).
  Session(const Environment& env, const std::string& model_bytes, const std::string& origin,
          const std::string& base_dir, const SessionOptions& options = {});
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  const std::vector<ValueMetadata>& inputs() const;
  const std::vector<ValueMetadata>& outputs() const;
  // Graph inputs that have an initializer: feeding them is optional and overrides the initializer.
  const std::vector<ValueMetadata>& overridable_inputs() const;
  // Threads available to intra-op parallelism in this session (options resolved).
  int intra_op_threads() const;
  const std::vector<NodePlacement>& placement() const;
  // Every copy between device memories a run performs (graph inputs and outputs included).
  const std::vector<CopyPlacement>& copies() const;
  // The providers the session actually uses, in order ("cpu" last).
  std::vector<std::string> providers() const;
  // Statistics of every program a compiling provider built for this session.
  std::vector<ProviderProgramStats> provider_statistics() const;
  // Device-side time and memory of each device provider (empty for host-only sessions).
  std::vector<ProviderDeviceStats> provider_device_stats() const;
  // Memory of the provider working in `device`, for tensors the caller keeps there (bound inputs
  // and output buffers). Throws Error(kInvalidArgument) when no provider of the session does.
  std::shared_ptr<Allocator> device_allocator(Device device) const;
  // Host <-> device copies through the session's providers (a host tensor is cloned for kCpu).
  Tensor copy_to_device(const Tensor& host, Device device) const;
  Tensor copy_to_host(const Tensor& tensor) const;
  // The allocation plan's figures (planned activation peak, weights) per device memory.
  MemoryPlanReport memory_report() const;
  MemoryStats memory_stats() const;
  // "sequential" or "parallel".
  std::string executor_name() const;
  // Profiled time per op type and provider, largest first (empty unless profiling is enabled).
  std::vector<OpProfile> profile_by_op() const;
  // Writes the Chrome trace to SessionOptions::profile_file and returns its path ("" when no file
  // was asked for). Later runs are still recorded; the destructor writes the file again.
  std::string end_profiling();

  // Runs the model. Feeds are matched by input name; outputs come back in the order of
  // `output_names` (all graph outputs when empty). Safe to call from several threads at once.
  std::vector<Tensor> run(const std::map<std::string, Tensor>& feeds,
                          const std::vector<std::string>& output_names = {},
                          const RunOptions& run_options = {}) const;
  // The same for models whose inputs or outputs are sequences or optionals.
  std::vector<Value> run_values(const std::map<std::string, Value>& feeds,
                                const std::vector<std::string>& output_names = {},
                                const RunOptions& run_options = {}) const;
  // Runs with the inputs and outputs bound in `binding`; results are in binding.outputs().
  void run(IoBinding& binding, const RunOptions& run_options) const;
  void run(IoBinding& binding) const;  // default run options

 private:
  friend class IoBinding;
  std::unique_ptr<SessionImpl> impl_;
};

// Names of every provider compiled into this build ("cpu", ...).
std::vector<std::string> available_providers();

struct ProviderInfo {
  std::string name;
  bool device_present = false;
  std::string device;  // one line on the device ("host CPU, 2 threads", "no CUDA device found")
};
// Every provider compiled into this build, with whether its device is present here.
std::vector<ProviderInfo> provider_info();

}  // namespace aruntime
