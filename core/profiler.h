// Session profiling: session phases (load, optimize, partition, plan) and one event per executed
// step of every run (node name, op, provider, input/output shapes, duration, thread), written as a
// Chrome trace JSON file (chrome://tracing, Perfetto) and summarised per op type.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "core/run_frame.h"

namespace aruntime {

struct ProfileEvent {
  std::string name;      // node name, or the phase ("load", "optimize"...)
  std::string category;  // "session" for phases, "node" for steps
  std::string op_type;   // nodes only
  std::string provider;  // nodes only
  std::vector<std::string> input_shapes, output_shapes;  // nodes only: "float32[1,3,224,224]"
  double start_us = 0;  // since the profiler started
  double duration_us = 0;
  int64_t thread = 0;    // a small per-thread number
  int64_t run = -1;      // which run (nodes only)
};

// Per op type over all recorded runs, for `aruntime bench --per-op`.
struct OpTimeSummary {
  std::string op_type;
  std::string provider;
  int64_t calls = 0;
  double total_us = 0;
};

class SessionProfiler final : public StepProfiler {
 public:
  // `provider_names` is index-aligned with ExecutionStep::provider.
  explicit SessionProfiler(std::vector<std::string> provider_names);

  void add_phase(const std::string& name, std::chrono::steady_clock::time_point start,
                 std::chrono::steady_clock::time_point end);
  // A new run begins; returns its number, which the run passes in RunControl::profile_run so that
  // its steps are attributed to it even when runs overlap.
  int64_t begin_run();
  void record(const ExecutionStep& step, const RunFrame& frame, std::chrono::steady_clock::time_point start,
              std::chrono::steady_clock::time_point end) override;

  std::vector<ProfileEvent> events() const;
  // Per op type and provider, sorted by total time, largest first.
  std::vector<OpTimeSummary> op_summary() const;
  // Writes the Chrome trace JSON ({"traceEvents": [...]}); throws Error(kIoError) naming the path.
  void write_chrome_trace(const std::string& path) const;

 private:
  std::vector<std::string> provider_names_;
  std::chrono::steady_clock::time_point origin_;
  mutable std::mutex mutex_;
  std::vector<ProfileEvent> events_;
  int64_t runs_ = 0;
};

}  // namespace aruntime
