#pragma once
// Display names and avatar versions by user id, for stamping authors on delivered messages without a query
// per message. Filled when a user posts (and on catch-up reads), updated when a profile changes. Bounded:
// past `max_entries` it is simply cleared (entries refill on demand). Thread-safe; the mutex is held only
// for a map operation.
#include "chat/events.hpp"

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace suda::chat {

class profile_cache {
 public:
  explicit profile_cache(std::size_t max_entries = 100000) : max_entries_(max_entries) {}

  std::optional<author_profile> find(const std::string& user_id) const;
  void put(const std::string& user_id, author_profile profile);

 private:
  std::size_t max_entries_;
  mutable std::mutex mutex_;  // guards entries_
  std::unordered_map<std::string, author_profile> entries_;
};

}  // namespace suda::chat
