// aruntime bench: session creation time, first-run time and steady-state latency.
#include <chrono>
#include <iostream>

#include "tools/aruntime/commands.h"
#include "tools/aruntime/feeds.h"
#include "tools/aruntime/json_text.h"
#include "tools/aruntime/latency_stats.h"
#include "tools/aruntime/session_setup.h"
#include "tools/aruntime/tensor_text.h"

namespace aruntime::cli {
namespace {

using Clock = std::chrono::steady_clock;

double elapsed_ms(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct BenchResult {
  std::vector<std::string> providers;
  int threads = 0;  // as resolved by the session
  double load_ms = 0;
  double first_run_ms = 0;
  LatencySummary latency;
  std::vector<ProviderProgramStats> programs;  // read after the timed runs
  size_t copies_per_run = 0;
};

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
            << ", \"device_programs\": " << programs_json(result.programs) << "}" << std::endl;
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
            << "copies between device memories per run: " << result.copies_per_run << "\n";
  for (const ProviderProgramStats& p : result.programs) {
    std::cout << "device program " << p.program << " (" << p.provider << "):";
    for (size_t i = 0; i < p.figures.size(); ++i) {
      std::cout << (i ? ", " : " ") << p.figures[i].first << " " << number_text(p.figures[i].second);
    }
    std::cout << "\n";
  }
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
  const Session session(env, bench.model, make_session_options(bench.session));
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
  for (int i = 0; i < bench.iterations; ++i) {
    const Clock::time_point start = Clock::now();
    session.run_values(feeds.values);
    samples.push_back(elapsed_ms(start));
  }
  result.latency = summarize_latencies(std::move(samples));
  result.programs = session.provider_statistics();
  result.copies_per_run = session.copies().size();
  if (bench.json) {
    print_json(bench, result);
  } else {
    print_text(bench, result);
  }
  return 0;
}

}  // namespace aruntime::cli
