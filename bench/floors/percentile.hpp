#pragma once
// Nearest-rank percentile of a set of samples, for the floors that report a tail (round trips, fdatasync):
// Google Benchmark reports means, and a latency target is a p99, so the floor it is held against must be one too.
// Exact (the samples are kept), because a floor run holds at most a few thousand samples.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace suda::bench::floors {

// The smallest sample v such that at least `quantile` (0..1) of the samples are <= v; 0 when there are none.
// Takes the samples by value: it reorders them.
inline double percentile(std::vector<double> samples, double quantile) {
  if (samples.empty()) return 0.0;
  const double clamped = std::clamp(quantile, 0.0, 1.0);
  // Rank 1..n; quantile 0 still means the smallest sample.
  const auto rank = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(clamped * static_cast<double>(samples.size()))));
  const auto nth = samples.begin() + static_cast<std::ptrdiff_t>(rank - 1);
  std::nth_element(samples.begin(), nth, samples.end());
  return *nth;
}

}  // namespace suda::bench::floors
