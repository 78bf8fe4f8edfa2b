#include "chat/session_cache.hpp"

#include <algorithm>

namespace suda::chat {

session_cache::session_cache(session_cache_options options) : options_(std::move(options)) {
  index_.reserve(std::min<std::size_t>(options_.capacity, 1024));
}

std::optional<store::session_record> session_cache::find_session(std::string_view token_hash) {
  const core::millis now = options_.clock();
  std::lock_guard lock(mutex_);
  auto found = index_.find(token_hash);
  if (found == index_.end()) return std::nullopt;
  auto it = found->second;
  if (now >= it->valid_until) {
    index_.erase(found);
    lru_.erase(it);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it);
  return store::session_record{it->user_id, it->expires_at};
}

void session_cache::put(std::string_view token_hash, const store::session_record& session,
                        std::uint64_t revocations_seen) {
  if (options_.capacity == 0) return;
  const core::millis now = options_.clock();
  const core::millis valid_until =
      std::min(session.expires_at, now + static_cast<core::millis>(options_.ttl.count()));
  if (valid_until <= now) return;  // nothing to answer from it
  std::lock_guard lock(mutex_);
  if (revocations_seen != revocations_.load(std::memory_order_relaxed)) return;
  if (auto found = index_.find(token_hash); found != index_.end()) {
    auto it = found->second;
    it->user_id = session.user_id;
    it->expires_at = session.expires_at;
    it->valid_until = valid_until;
    lru_.splice(lru_.begin(), lru_, it);
    return;
  }
  if (lru_.size() >= options_.capacity) {
    index_.erase(lru_.back().token_hash);
    lru_.pop_back();
  }
  lru_.push_front(entry{std::string(token_hash), session.user_id, session.expires_at, valid_until});
  index_.emplace(lru_.front().token_hash, lru_.begin());
}

void session_cache::revoke(std::string_view token_hash) {
  std::lock_guard lock(mutex_);
  recent_revocations_.emplace_back(token_hash);
  if (recent_revocations_.size() > recent_revocations_kept) recent_revocations_.pop_front();
  revocations_.fetch_add(1, std::memory_order_release);
  auto found = index_.find(token_hash);
  if (found == index_.end()) return;
  auto it = found->second;
  index_.erase(found);
  lru_.erase(it);
}

std::optional<bool> session_cache::revoked_since(std::string_view token_hash, std::uint64_t since) const {
  std::lock_guard lock(mutex_);
  const std::uint64_t now = revocations_.load(std::memory_order_relaxed);
  if (since >= now) return false;
  const std::uint64_t newer = now - since;  // revocations after `since`: the last `newer` entries
  if (newer > recent_revocations_.size()) return std::nullopt;
  return std::find(recent_revocations_.end() - static_cast<std::ptrdiff_t>(newer), recent_revocations_.end(),
                   token_hash) != recent_revocations_.end();
}

std::size_t session_cache::size() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

}  // namespace suda::chat
