// What each command accepts: its option structs, how they are read from the command line, and
// its --help text. Parsing is separate from running so it can be unit-tested without a model.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace aruntime::cli {

// Tolerances of `aruntime test`: the defaults of ONNX's backend test runner
// (onnx/backend/test/case/node and case/model use rtol=1e-3, atol=1e-7 with numpy's
// assert_allclose criterion |actual - expected| <= atol + rtol * |expected|).
inline constexpr double kDefaultRtol = 1e-3;
inline constexpr double kDefaultAtol = 1e-7;

inline constexpr int kDefaultWarmup = 5;
inline constexpr int kDefaultIterations = 50;

// Options every command that creates a Session shares.
struct SessionArgs {
  std::vector<std::string> providers;   // empty: the library's default ("cpu")
  int threads = 0;                      // 0: one per core
  std::map<std::string, int64_t> dims;  // symbolic dimension -> value
  std::map<std::string, std::string> assignments;  // --assign NODE_OR_OP=EP
  bool no_fallback = false;                        // --no-fallback
  // --provider-option EP:KEY=VALUE
  std::map<std::string, std::map<std::string, std::string>> provider_options;
  int min_device_group = -1;        // --min-device-group; -1: the library's default
  double min_flops_per_byte = -1;   // --min-flops-per-byte; -1: the library's default
  int opt_level = -1;                     // --opt-level; -1: the library's default
  std::vector<std::string> disabled_passes;  // --disable-pass
  int inter_op_threads = -1;                 // --inter-op-threads; -1: the library's default
  uint64_t max_activation_bytes = 0;         // --max-activation-bytes; 0: no cap
  bool no_memory_plan = false;               // --no-memory-plan
  std::string profile_file;                  // --profile (run and bench)
};

struct InputFileArg {
  std::string name;
  std::string path;
};

struct CommonArgs {
  bool help = false;
  int verbosity = 0;  // number of --verbose flags
};

struct RunArgs : CommonArgs {
  std::string model;
  std::vector<InputFileArg> inputs;
  std::string output_dir;
  uint64_t seed = 0;
  SessionArgs session;
};

struct TestArgs : CommonArgs {
  std::vector<std::string> dirs;
  double rtol = kDefaultRtol;
  double atol = kDefaultAtol;
  SessionArgs session;
};

struct BenchArgs : CommonArgs {
  std::string model;
  std::vector<InputFileArg> inputs;
  uint64_t seed = 0;
  int warmup = kDefaultWarmup;
  int iterations = kDefaultIterations;
  bool json = false;
  bool per_op = false;  // --per-op: profile the timed runs and list the costliest ops
  SessionArgs session;
};

struct InspectArgs : CommonArgs {
  std::string model;
  bool memory = false;  // --memory: the memory plan instead of structure and placement
  SessionArgs session;
};

struct ExplainArgs : CommonArgs {
  std::string model;
  bool json = false;
  bool dot = false;
  SessionArgs session;
};

struct CompareArgs : CommonArgs {
  std::string model;
  std::vector<InputFileArg> inputs;
  uint64_t seed = 0;
  std::vector<std::string> against = {"cpu"};
  double rtol = 1e-3;
  double atol = 1e-4;
  bool json = false;
  SessionArgs session;
};

struct ProvidersArgs : CommonArgs {};

inline constexpr uint64_t kDefaultExternalThreshold = 1024;

struct OptimizeArgs : CommonArgs {
  std::string model;
  std::string output;
  int opt_level = 3;  // the highest; level 3 passes run at session time, so files get levels 1-2
  std::vector<std::string> disabled_passes;
  bool external_data = false;
  uint64_t external_threshold = kDefaultExternalThreshold;  // bytes
};

// Each parser throws UsageError on a malformed command line. With --help they set `help` and
// skip the checks for required arguments.
RunArgs parse_run_args(const std::vector<std::string>& args);
TestArgs parse_test_args(const std::vector<std::string>& args);
BenchArgs parse_bench_args(const std::vector<std::string>& args);
InspectArgs parse_inspect_args(const std::vector<std::string>& args);
ExplainArgs parse_explain_args(const std::vector<std::string>& args);
CompareArgs parse_compare_args(const std::vector<std::string>& args);
ProvidersArgs parse_providers_args(const std::vector<std::string>& args);
OptimizeArgs parse_optimize_args(const std::vector<std::string>& args);

std::string run_help();
std::string test_help();
std::string bench_help();
std::string inspect_help();
std::string explain_help();
std::string compare_help();
std::string providers_help();
std::string optimize_help();
// The top-level `aruntime --help`.
std::string main_help();

}  // namespace aruntime::cli
