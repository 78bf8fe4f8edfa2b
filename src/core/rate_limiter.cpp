#include "core/rate_limiter.hpp"

#include <algorithm>

namespace suda::core {

rate_limiter::rate_limiter(unsigned per_minute, std::size_t max_keys)
    : capacity_(per_minute), refill_per_ms_(per_minute / 60000.0), max_keys_(max_keys) {}

bool rate_limiter::try_acquire(std::string_view key, millis now) {
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) evict_stale(now);
    it = buckets_.emplace(std::string(key), bucket{capacity_, now}).first;
  }
  bucket& b = it->second;
  b.tokens = std::min(capacity_, b.tokens + static_cast<double>(now - b.updated) * refill_per_ms_);
  b.updated = now;
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

void rate_limiter::evict_stale(millis now) {
  // A bucket untouched for a full refill period is back at capacity: forgetting it changes nothing.
  const millis full_refill = refill_per_ms_ > 0 ? static_cast<millis>(capacity_ / refill_per_ms_) : 0;
  std::erase_if(buckets_, [&](const auto& entry) { return now - entry.second.updated >= full_refill; });
  // Still full (an attack from many keys): drop half, oldest first would need a sort; any half is fair.
  if (buckets_.size() >= max_keys_) {
    std::size_t drop = buckets_.size() / 2;
    for (auto it = buckets_.begin(); it != buckets_.end() && drop > 0; --drop) it = buckets_.erase(it);
  }
}

}  // namespace suda::core
