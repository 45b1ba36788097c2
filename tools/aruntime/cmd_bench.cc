// aruntime bench: session creation time, first-run time and steady-state latency.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>

#include "tools/aruntime/commands.h"
#include "tools/aruntime/feeds.h"
#include "tools/aruntime/json_text.h"
#include "tools/aruntime/latency_stats.h"
#include "tools/aruntime/session_reports.h"
#include "tools/aruntime/session_setup.h"
#include "tools/aruntime/tensor_text.h"

namespace aruntime::cli {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kPerOpShown = 15;

double elapsed_ms(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// What a device provider measured over the timed runs (Session::provider_device_stats()).
struct DeviceResult {
  ProviderDeviceStats stats;  // read after the timed runs: memory in use and its peak, totals
  std::optional<LatencySummary> run_ms;  // device time of each timed run
};

// Device time of each timed run, per device provider. The provider times every run on its device
// (CUDA events around the run's work); the growth of its running total across one run is that
// run's device time. Read after each timed run, outside the timed window, so the wall-clock
// figures do not include the reading.
class DeviceRunTimes {
 public:
  explicit DeviceRunTimes(const Session& session)
      : last_(session.provider_device_stats()), samples_(last_.size()) {}

  bool any() const { return !last_.empty(); }

  void record(const Session& session) {
    std::vector<ProviderDeviceStats> now = session.provider_device_stats();
    for (size_t i = 0; i < now.size() && i < last_.size(); ++i) {
      if (now[i].provider != last_[i].provider || now[i].runs <= last_[i].runs) continue;
      samples_[i].push_back((now[i].device_ms_total - last_[i].device_ms_total) /
                            static_cast<double>(now[i].runs - last_[i].runs));
    }
    last_ = std::move(now);
  }

  // One entry per device provider: its figures now, with the timed runs' device times.
  std::vector<DeviceResult> results(const Session& session) const {
    std::vector<DeviceResult> out;
    for (const ProviderDeviceStats& stats : session.provider_device_stats()) {
      DeviceResult result{stats, std::nullopt};
      for (size_t i = 0; i < last_.size(); ++i) {
        if (last_[i].provider == stats.provider && !samples_[i].empty()) {
          result.run_ms = summarize_latencies(samples_[i]);
        }
      }
      out.push_back(std::move(result));
    }
    return out;
  }

 private:
  std::vector<ProviderDeviceStats> last_;
  std::vector<std::vector<double>> samples_;
};

struct BenchResult {
  std::vector<std::string> providers;
  int threads = 0;  // as resolved by the session
  double load_ms = 0;
  double first_run_ms = 0;
  LatencySummary latency;
  std::vector<ProviderProgramStats> programs;  // read after the timed runs
  size_t copies_per_run = 0;
  int64_t copied_bytes_per_run = 0;  // of the copies whose size is known up front
  bool copied_bytes_complete = true;
  std::vector<DeviceResult> devices;  // device providers only; empty for host-only sessions
  std::string executor;
  MemoryPlanReport memory;
  MemoryStats memory_stats;  // after the timed runs
  uint64_t peak_rss_bytes = 0;
  int profiled_runs = 0;
  std::vector<OpProfile> per_op;  // --per-op, largest first
};

// Share of all profiled node time, in percent.
double percent_of_node_time(const OpProfile& op, const std::vector<OpProfile>& all) {
  double total = 0;
  for (const OpProfile& p : all) total += p.total_ms;
  return total > 0 ? 100.0 * op.total_ms / total : 0.0;
}

std::string memory_stats_json(const MemoryStats& stats) {
  std::string out = "{\"arenas\": [";
  for (size_t i = 0; i < stats.arenas.size(); ++i) {
    const MemoryStats::Arena& a = stats.arenas[i];
    out += std::string(i ? ", " : "") + "{\"name\": " + json_string(a.name) +
           ", \"reserved_bytes\": " + std::to_string(a.reserved_bytes) +
           ", \"peak_reserved_bytes\": " + std::to_string(a.peak_reserved_bytes) +
           ", \"in_use_bytes\": " + std::to_string(a.in_use_bytes) +
           ", \"peak_in_use_bytes\": " + std::to_string(a.peak_in_use_bytes) + "}";
  }
  return out + "], \"values_planned\": " + std::to_string(stats.values_planned) +
         ", \"values_fallback\": " + std::to_string(stats.values_fallback) +
         ", \"runs_planned\": " + std::to_string(stats.runs_planned) +
         ", \"runs_recorded\": " + std::to_string(stats.runs_recorded) +
         ", \"cached_plans\": " + std::to_string(stats.cached_plans) + "}";
}

std::string per_op_json(const std::vector<OpProfile>& ops) {
  std::string out = "[";
  for (size_t i = 0; i < ops.size() && i < kPerOpShown; ++i) {
    out += std::string(i ? ", " : "") + "{\"op_type\": " + json_string(ops[i].op_type) +
           ", \"provider\": " + json_string(ops[i].provider) +
           ", \"calls\": " + std::to_string(ops[i].calls) +
           ", \"total_ms\": " + json_number(ops[i].total_ms) +
           ", \"percent\": " + json_number(percent_of_node_time(ops[i], ops)) + "}";
  }
  return out + "]";
}

std::string padded(const std::string& text, size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

std::string fixed_text(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
  return buffer;
}

void print_per_op_text(const BenchResult& result) {
  const std::vector<OpProfile>& ops = result.per_op;
  std::cout << "time per op type over " << result.profiled_runs << " profiled runs (top "
            << std::min(kPerOpShown, ops.size()) << " of " << ops.size() << "):\n";
  size_t op_width = 2, provider_width = 8;
  for (size_t i = 0; i < ops.size() && i < kPerOpShown; ++i) {
    op_width = std::max(op_width, ops[i].op_type.size());
    provider_width = std::max(provider_width, ops[i].provider.size());
  }
  std::cout << "  " << padded("op", op_width + 2) << padded("provider", provider_width + 2)
            << padded("calls", 9) << padded("total ms", 12) << "% of node time\n";
  for (size_t i = 0; i < ops.size() && i < kPerOpShown; ++i) {
    std::cout << "  " << padded(ops[i].op_type, op_width + 2)
              << padded(ops[i].provider, provider_width + 2)
              << padded(std::to_string(ops[i].calls), 9)
              << padded(fixed_text(ops[i].total_ms, 3), 12)
              << fixed_text(percent_of_node_time(ops[i], ops), 1) << "\n";
  }
}

std::string programs_json(const std::vector<ProviderProgramStats>& programs) {
  std::string out = "[";
  for (size_t i = 0; i < programs.size(); ++i) {
    out += std::string(i ? ", " : "") + "{\"provider\": " + json_string(programs[i].provider) +
           ", \"program\": " + json_string(programs[i].program);
    for (const auto& [name, value] : programs[i].figures) out += ", " + json_string(name) + ": " + json_number(value);
    out += "}";
  }
  return out + "]";
}

std::string device_stats_json(const std::vector<DeviceResult>& devices) {
  std::string out = "[";
  for (size_t i = 0; i < devices.size(); ++i) {
    const ProviderDeviceStats& s = devices[i].stats;
    out += std::string(i ? ", " : "") + "{\"provider\": " + json_string(s.provider) +
           ", \"device\": " + json_string(s.device) + ", \"runs\": " + std::to_string(s.runs) +
           ", \"device_ms_total\": " + json_number(s.device_ms_total) +
           ", \"memory_in_use_bytes\": " + std::to_string(s.memory_in_use_bytes) +
           ", \"memory_peak_bytes\": " + std::to_string(s.memory_peak_bytes);
    if (const std::optional<LatencySummary>& t = devices[i].run_ms) {
      out += ", \"timed_runs\": " + std::to_string(t->count) +
             ", \"device_ms_min\": " + json_number(t->min) +
             ", \"device_ms_median\": " + json_number(t->median) +
             ", \"device_ms_mean\": " + json_number(t->mean) +
             ", \"device_ms_p90\": " + json_number(t->p90) +
             ", \"device_ms_max\": " + json_number(t->max);
    } else {
      out += ", \"timed_runs\": 0";
    }
    out += "}";
  }
  return out + "]";
}

// Device time per timed run summed over the device providers (null without device timings), and
// their device memory peaks summed (null for a host-only session).
std::string device_ms_mean_json(const std::vector<DeviceResult>& devices) {
  double total = 0;
  bool timed = false;
  for (const DeviceResult& d : devices) {
    if (!d.run_ms) continue;
    total += d.run_ms->mean;
    timed = true;
  }
  return timed ? json_number(total) : "null";
}

std::string device_memory_peak_json(const std::vector<DeviceResult>& devices) {
  if (devices.empty()) return "null";
  uint64_t total = 0;
  for (const DeviceResult& d : devices) total += d.stats.memory_peak_bytes;
  return std::to_string(total);
}

void print_json(const BenchArgs& bench, const BenchResult& result) {
  const LatencySummary& l = result.latency;
  std::cout << "{\"model\": " << json_string(bench.model)
            << ", \"providers\": " << json_string_array(result.providers)
            << ", \"threads\": " << result.threads << ", \"warmup\": " << bench.warmup
            << ", \"iterations\": " << bench.iterations
            << ", \"load_ms\": " << json_number(result.load_ms)
            << ", \"first_run_ms\": " << json_number(result.first_run_ms)
            << ", \"min_ms\": " << json_number(l.min)
            << ", \"median_ms\": " << json_number(l.median)
            << ", \"mean_ms\": " << json_number(l.mean) << ", \"p90_ms\": " << json_number(l.p90)
            << ", \"p99_ms\": " << json_number(l.p99) << ", \"max_ms\": " << json_number(l.max)
            << ", \"copies_per_run\": " << result.copies_per_run
            << ", \"copied_bytes_per_run\": " << result.copied_bytes_per_run
            << ", \"copied_bytes_complete\": " << (result.copied_bytes_complete ? "true" : "false")
            << ", \"device_ms_mean\": " << device_ms_mean_json(result.devices)
            << ", \"device_memory_peak_bytes\": " << device_memory_peak_json(result.devices)
            << ", \"device_stats\": " << device_stats_json(result.devices)
            << ", \"device_programs\": " << programs_json(result.programs)
            << ", \"executor\": " << json_string(result.executor)
            << ", \"planned_peak_bytes\": " << result.memory.planned_peak_bytes
            << ", \"weights_bytes\": " << result.memory.weights_bytes
            << ", \"memory_plan_complete\": " << (result.memory.complete ? "true" : "false")
            << ", \"peak_rss_bytes\": " << result.peak_rss_bytes
            << ", \"memory_stats\": " << memory_stats_json(result.memory_stats);
  if (bench.per_op) {
    std::cout << ", \"profiled_runs\": " << result.profiled_runs
              << ", \"per_op\": " << per_op_json(result.per_op);
  }
  std::cout << "}" << std::endl;
}

void print_text(const BenchArgs& bench, const BenchResult& result) {
  const LatencySummary& l = result.latency;
  std::cout << "model: " << bench.model << "\n"
            << "providers: " << join_names(result.providers) << "\n"
            << "threads: " << result.threads << "\n"
            << "load (session creation): " << number_text(result.load_ms) << " ms\n"
            << "first run: " << number_text(result.first_run_ms) << " ms\n"
            << "latency over " << l.count << " runs after " << bench.warmup << " warmup runs (ms):"
            << " min " << number_text(l.min) << ", median " << number_text(l.median) << ", mean "
            << number_text(l.mean) << ", p90 " << number_text(l.p90) << ", p99 "
            << number_text(l.p99) << ", max " << number_text(l.max) << "\n"
            << "copies between device memories per run: " << result.copies_per_run;
  if (result.copies_per_run > 0 && result.copied_bytes_per_run > 0) {
    std::cout << " (" << byte_units(static_cast<uint64_t>(result.copied_bytes_per_run))
              << (result.copied_bytes_complete ? "" : " + sizes known only at run time") << ")";
  } else if (result.copies_per_run > 0 && !result.copied_bytes_complete) {
    std::cout << " (sizes known only at run time)";
  }
  std::cout << "\n";
  for (const DeviceResult& d : result.devices) {
    std::cout << "device " << d.stats.provider << " (" << d.stats.device << "): ";
    if (d.run_ms) {
      const LatencySummary& t = *d.run_ms;
      std::cout << "device time per run over " << t.count << " runs (ms): min "
                << number_text(t.min) << ", median " << number_text(t.median) << ", mean "
                << number_text(t.mean) << ", p90 " << number_text(t.p90) << ", max "
                << number_text(t.max) << "; ";
    } else {
      std::cout << "no device time measured; ";
    }
    std::cout << "memory in use " << byte_units(d.stats.memory_in_use_bytes) << ", peak "
              << byte_units(d.stats.memory_peak_bytes) << "\n";
  }
  for (const ProviderProgramStats& p : result.programs) {
    std::cout << "device program " << p.program << " (" << p.provider << "):";
    for (size_t i = 0; i < p.figures.size(); ++i) {
      std::cout << (i ? ", " : " ") << p.figures[i].first << " " << number_text(p.figures[i].second);
    }
    std::cout << "\n";
  }
  const MemoryStats& stats = result.memory_stats;
  std::cout << "executor: " << result.executor << "\n"
            << "memory: planned activation peak " << byte_units(result.memory.planned_peak_bytes)
            << (result.memory.complete ? ""
                                       : " (sizes depend on the inputs: planned per input shape)")
            << ", weights " << byte_units(result.memory.weights_bytes) << ", peak RSS "
            << byte_units(result.peak_rss_bytes) << "\n";
  for (const MemoryStats::Arena& a : stats.arenas) {
    std::cout << "arena " << a.name << ": reserved " << byte_units(a.reserved_bytes) << " (peak "
              << byte_units(a.peak_reserved_bytes) << "), in use at peak "
              << byte_units(a.peak_in_use_bytes) << "\n";
  }
  std::cout << "runs: " << stats.runs_planned << " planned, " << stats.runs_recorded
            << " recorded; values: " << stats.values_planned << " planned, "
            << stats.values_fallback << " from the arena instead\n";
  if (bench.per_op) print_per_op_text(result);
  std::cout.flush();
}

}  // namespace

int bench_command(const std::vector<std::string>& args) {
  const BenchArgs bench = parse_bench_args(args);
  if (bench.help) {
    std::cout << bench_help();
    return 0;
  }
  const Environment env = make_environment(bench.verbosity);
  BenchResult result;
  const Clock::time_point load_start = Clock::now();
  SessionOptions options = make_session_options(bench.session);
  if (bench.per_op) options.enable_profiling = true;
  Session session(env, bench.model, options);
  result.load_ms = elapsed_ms(load_start);
  result.providers = session.providers();
  result.threads = session.intra_op_threads();
  check_dim_names(session, bench.session.dims);
  const PreparedFeeds feeds = prepare_feeds(session, bench.inputs, bench.session.dims, bench.seed);

  const Clock::time_point first_start = Clock::now();
  session.run_values(feeds.values);
  result.first_run_ms = elapsed_ms(first_start);
  for (int i = 0; i < bench.warmup; ++i) session.run_values(feeds.values);
  std::vector<double> samples;
  samples.reserve(static_cast<size_t>(bench.iterations));
  DeviceRunTimes device_times(session);
  for (int i = 0; i < bench.iterations; ++i) {
    const Clock::time_point start = Clock::now();
    session.run_values(feeds.values);
    samples.push_back(elapsed_ms(start));
    if (device_times.any()) device_times.record(session);
  }
  result.latency = summarize_latencies(std::move(samples));
  result.devices = device_times.results(session);
  result.programs = session.provider_statistics();
  const std::vector<CopyPlacement> copies = session.copies();
  result.copies_per_run = copies.size();
  for (const CopyPlacement& copy : copies) {
    if (copy.bytes < 0) {
      result.copied_bytes_complete = false;
    } else {
      result.copied_bytes_per_run += copy.bytes;
    }
  }
  result.executor = session.executor_name();
  result.memory = session.memory_report();
  result.memory_stats = session.memory_stats();
  result.peak_rss_bytes = peak_rss_bytes();
  result.profiled_runs = 1 + bench.warmup + bench.iterations;
  if (bench.per_op) result.per_op = session.profile_by_op();
  if (bench.json) {
    print_json(bench, result);
  } else {
    print_text(bench, result);
  }
  finish_profiling(session);
  return 0;
}

}  // namespace aruntime::cli
