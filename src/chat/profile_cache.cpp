#include "chat/profile_cache.hpp"

namespace suda::chat {

std::optional<author_profile> profile_cache::find(const std::string& user_id) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(user_id);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void profile_cache::put(const std::string& user_id, author_profile profile) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= max_entries_ && !entries_.contains(user_id)) entries_.clear();
  entries_[user_id] = std::move(profile);
}

}  // namespace suda::chat
