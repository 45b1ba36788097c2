// Summary statistics of `aruntime bench`.
#pragma once

#include <cstddef>
#include <vector>

namespace aruntime::cli {

struct LatencySummary {
  size_t count = 0;
  double min = 0;
  double max = 0;
  double mean = 0;
  double median = 0;
  double p90 = 0;
  double p99 = 0;
};

// Percentile q in [0, 100] of sorted samples, interpolating linearly between the two nearest
// ranks (numpy.percentile's default), so the median of an even count is the middle pair's mean.
double percentile(const std::vector<double>& sorted, double q);

// Throws Error(kInvalidArgument) for no samples.
LatencySummary summarize_latencies(std::vector<double> samples);

}  // namespace aruntime::cli
