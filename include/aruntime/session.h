// The embedding API: an Environment (logging, process-wide state), SessionOptions, and a Session
// that loads a model once and runs it many times.
#pragma once

#include <cstdint>
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
};

// Per-run options. Empty for now: cancellation and time limits will be added here, so callers
// that pass RunOptions today keep compiling.
struct RunOptions {};

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
  // The providers the session actually uses, in order ("cpu" last).
  std::vector<std::string> providers() const;

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
