#include "tools/aruntime/session_setup.h"

#include <google/protobuf/stubs/logging.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace aruntime::cli {
namespace {

// protobuf writes parse complaints straight to stderr; the CLI reports failures itself, once.
void discard_protobuf_log(google::protobuf::LogLevel, const char*, int, const std::string&) {}

}  // namespace

Environment make_environment(int verbosity) {
  static const bool logger_installed = [] {
    spdlog::set_default_logger(spdlog::stderr_color_mt("aruntime_cli"));
    return true;
  }();
  (void)logger_installed;
  if (verbosity == 0) google::protobuf::SetLogHandler(&discard_protobuf_log);
  const LogLevel level = verbosity == 0   ? LogLevel::kOff
                         : verbosity == 1 ? LogLevel::kInfo
                                          : LogLevel::kDebug;
  return Environment(level);
}

SessionOptions make_session_options(const SessionArgs& args) {
  SessionOptions options;
  if (!args.providers.empty()) options.providers = args.providers;
  options.intra_op_threads = args.threads;
  options.dim_values = args.dims;
  options.allow_cpu_fallback = !args.no_fallback;
  options.provider_options = args.provider_options;
  options.placement.assignments = args.assignments;
  if (args.min_device_group > 0) options.placement.min_device_group_nodes = args.min_device_group;
  if (args.min_flops_per_byte >= 0) options.placement.min_flops_per_copied_byte = args.min_flops_per_byte;
  if (args.opt_level >= 0) options.optimization.level = args.opt_level;
  options.optimization.disabled_passes = args.disabled_passes;
  if (args.inter_op_threads >= 0) options.inter_op_threads = args.inter_op_threads;
  options.memory.max_activation_bytes = args.max_activation_bytes;
  options.memory.plan = !args.no_memory_plan;
  if (!args.profile_file.empty()) {
    options.enable_profiling = true;
    options.profile_file = args.profile_file;
  }
  return options;
}

std::string join_names(const std::vector<std::string>& names, const std::string& separator) {
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) text += (i ? separator : "") + names[i];
  return text;
}

}  // namespace aruntime::cli
