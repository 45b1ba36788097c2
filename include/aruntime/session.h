// The embedding API: an Environment (logging, process-wide state), SessionOptions, and a Session
// that loads a model once and runs it many times.
#pragma once

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
  // 0 off, 1 basic (ONNX-to-ONNX rewrites), 2 extended (fusions into the runtime's own ops),
  // 3 layout (provider-aware, after partitioning). Default: the highest.
  int level = 3;
  std::vector<std::string> disabled_passes;  // by name; an unknown name is an error
};

struct SessionOptions {
  // Providers by name in order of preference ("cpu"). The CPU provider is appended as the
  // fallback when missing, unless `allow_cpu_fallback` is false.
  std::vector<std::string> providers = {"cpu"};
  bool allow_cpu_fallback = true;
  // Threads for intra-op parallelism; 0 = one per core.
  int intra_op_threads = 0;
  // Largest single activation buffer the runtime will allocate, in bytes; 0 = physical memory.
  uint64_t max_allocation_bytes = 0;
  // Values for symbolic dimensions ("batch" -> 8), used where a shape must be known up front.
  std::map<std::string, int64_t> dim_values;
  PlacementOptions placement;
  OptimizationOptions optimization;
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

// Per-run options.
struct RunOptions {
  // Diagnostics: called with every value a node produces, in execution order, as a host value
  // (device values are copied to the host first). Values inside a provider's fused group are
  // not produced individually and are not seen. Slows the run down; for tools such as
  // `aruntime compare`.
  std::function<void(const std::string& name, const Value& value)> observe_value;
};

class SessionImpl;

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

  // Runs the model. Feeds are matched by input name; outputs come back in the order of
  // `output_names` (all graph outputs when empty). Safe to call from several threads at once.
  std::vector<Tensor> run(const std::map<std::string, Tensor>& feeds,
                          const std::vector<std::string>& output_names = {},
                          const RunOptions& run_options = {}) const;
  // The same for models whose inputs or outputs are sequences or optionals.
  std::vector<Value> run_values(const std::map<std::string, Value>& feeds,
                                const std::vector<std::string>& output_names = {},
                                const RunOptions& run_options = {}) const;

 private:
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
