#include "tools/aruntime/latency_stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "aruntime/status.h"

namespace aruntime::cli {

double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) throw_error(ErrorCode::kInvalidArgument, "percentile of no samples");
  const double rank = q / 100.0 * static_cast<double>(sorted.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(rank));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  const double fraction = rank - static_cast<double>(below);
  return sorted[below] + (sorted[above] - sorted[below]) * fraction;
}

LatencySummary summarize_latencies(std::vector<double> samples) {
  if (samples.empty()) throw_error(ErrorCode::kInvalidArgument, "no latency samples");
  std::sort(samples.begin(), samples.end());
  LatencySummary summary;
  summary.count = samples.size();
  summary.min = samples.front();
  summary.max = samples.back();
  summary.mean =
      std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(samples.size());
  summary.median = percentile(samples, 50);
  summary.p90 = percentile(samples, 90);
  summary.p99 = percentile(samples, 99);
  return summary;
}

}  // namespace aruntime::cli
