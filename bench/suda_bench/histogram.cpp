#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace suda::bench {

// Values below 64 get one bucket each (magnitude 0); above, magnitude m covers [2^(m+5), 2^(m+6)) in 64 steps
// of 2^(m-1).
std::size_t histogram::index_of(std::uint64_t value) noexcept {
  if (value < sub_count) return static_cast<std::size_t>(value);
  const int top = std::bit_width(value) - 1;  // >= sub_bits
  const int magnitude = std::min(top - sub_bits + 1, magnitudes - 1);
  const int shift = magnitude - 1;
  const std::uint64_t step = std::min<std::uint64_t>(value >> shift, 2 * sub_count - 1);  // 64..127
  return static_cast<std::size_t>(magnitude) * sub_count + static_cast<std::size_t>(step - sub_count);
}

std::uint64_t histogram::upper_edge(std::size_t index) noexcept {
  if (index < sub_count) return index;
  const std::size_t magnitude = index / sub_count;
  const std::uint64_t step = index % sub_count + sub_count;
  return ((step + 1) << (magnitude - 1)) - 1;
}

void histogram::record(std::int64_t micros) noexcept {
  const std::int64_t v = std::max<std::int64_t>(micros, 0);
  ++buckets_[index_of(static_cast<std::uint64_t>(v))];
  if (count_ == 0 || v < min_) min_ = v;
  max_ = std::max(max_, v);
  sum_ += v;
  ++count_;
}

void histogram::merge(const histogram& other) noexcept {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  min_ = count_ ? std::min(min_, other.min_) : other.min_;
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
  count_ += other.count_;
}

std::int64_t histogram::percentile(double quantile) const noexcept {
  if (count_ == 0) return 0;
  const double q = std::clamp(quantile, 0.0, 1.0);
  const auto wanted = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen < wanted) continue;
    // The last bucket also holds everything beyond the range: only max() is a bound for it.
    if (i + 1 == buckets_.size()) return max_;
    return std::min<std::int64_t>(static_cast<std::int64_t>(upper_edge(i)), max_);
  }
  return max_;
}

}  // namespace suda::bench
