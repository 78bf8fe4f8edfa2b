#pragma once
// A token bucket per key (an IP address, an account), with a bounded number of keys: when the table is
// full, the stalest buckets are dropped first. Thread-safe; the mutex is held only for a map lookup.
#include "core/clock.hpp"

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace suda::core {

class rate_limiter {
 public:
  // `per_minute` attempts are allowed in any minute, with a burst of the same size.
  rate_limiter(unsigned per_minute, std::size_t max_keys = 100000);

  // Takes one token for `key` at time `now`; false when the bucket is empty (the caller answers 429).
  bool try_acquire(std::string_view key, millis now);

 private:
  struct bucket {
    double tokens;
    millis updated;
  };
  void evict_stale(millis now);

  double capacity_;
  double refill_per_ms_;
  std::size_t max_keys_;
  std::mutex mutex_;  // guards buckets_; never held across I/O
  std::unordered_map<std::string, bucket> buckets_;
};

}  // namespace suda::core
