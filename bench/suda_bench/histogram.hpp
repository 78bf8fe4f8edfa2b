#pragma once
// A log-linear latency histogram (the HdrHistogram idea, much simplified): values in microseconds, bucketed by
// their power of two and, inside it, into 64 linear steps, so any recorded value is reported within 1/64
// (~1.6%) of what was measured, from 1 us to about 2^40 us (12 days) in a fixed 2.6 KiB of counters.
// Recording is O(1) with no allocation, so it sits on the receive path of every delivered message.
// Not thread-safe: each generator thread owns one and they are merged at the end.
#include <array>
#include <cstdint>

namespace suda::bench {

class histogram {
 public:
  static constexpr int sub_bits = 6;  // 64 steps per power of two
  static constexpr int magnitudes = 41;

  void record(std::int64_t micros) noexcept;
  void merge(const histogram& other) noexcept;

  std::uint64_t count() const noexcept { return count_; }
  std::int64_t max() const noexcept { return max_; }
  std::int64_t min() const noexcept { return count_ ? min_ : 0; }
  double mean() const noexcept { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }
  // The smallest recorded value v such that at least `quantile` (0..1) of the samples are <= v, as the upper
  // edge of its bucket (never below the truth), capped at max(). 0 when empty.
  std::int64_t percentile(double quantile) const noexcept;

 private:
  static constexpr int sub_count = 1 << sub_bits;
  static std::size_t index_of(std::uint64_t value) noexcept;
  static std::uint64_t upper_edge(std::size_t index) noexcept;

  std::array<std::uint64_t, magnitudes * sub_count> buckets_{};
  std::uint64_t count_ = 0;
  std::int64_t sum_ = 0;
  std::int64_t max_ = 0;
  std::int64_t min_ = 0;
};

}  // namespace suda::bench
