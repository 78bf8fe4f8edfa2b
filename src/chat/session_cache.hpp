#pragma once
// Sessions recently authenticated, kept in memory so that a Socket.IO connect or an API request with a known
// token is answered on the caller's thread: no hop to the reader pool and back (two thread switches and a
// query per connect, the biggest share of a connection's set-up cost on the chat side).
//
// What it may answer, and for how long:
//  - an entry lives until its session expires or `ttl` after it was stored, whichever comes first;
//  - revoke() (a log out on this node, or on another one as the bus tells it) removes it at once, and a store
//    read that began before a revocation cannot put the session back (see revocations());
//  - a revocation this node is not told (a row deleted by hand, a bus message lost) is honoured within `ttl`:
//    that is the price of not asking the store, and why `ttl` is short.
// Bounded: past `capacity` the least recently used entry goes.
//
// Thread-safe: one mutex, held only for the lookup or the update, never across I/O.
#include "core/clock.hpp"
#include "store/records.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace suda::chat {

struct session_cache_options {
  // 64 Ki entries of about 300 bytes each (list node, index node, the hash and the user id): 19 MiB at worst,
  // reached only with that many sessions in use within one ttl.
  std::size_t capacity = 65536;
  // How late a revocation made elsewhere (another node) may be honoured here.
  std::chrono::milliseconds ttl = std::chrono::seconds(60);
  // The wall clock, in the store's terms (sessions' expires_at); tests move their own.
  std::function<core::millis()> clock = &core::now_ms;
};

class session_cache {
 public:
  explicit session_cache(session_cache_options options = {});
  session_cache(const session_cache&) = delete;
  session_cache& operator=(const session_cache&) = delete;

  // The cached session with this token hash (its user and its own expiry, not the cache entry's), if it is
  // cached and still valid.
  std::optional<store::session_record> find_session(std::string_view token_hash);

  // A ticket to take before reading a session from the store, and to hand to put(): if any session was
  // revoked in between, put() stores nothing, so a read that raced a log out cannot revive its session.
  // Lock-free: a socket compares it on every event (chat_gateway).
  std::uint64_t revocations() const { return revocations_.load(std::memory_order_acquire); }

  // Remembers a session read from (or just written to) the store.
  void put(std::string_view token_hash, const store::session_record& session, std::uint64_t revocations_seen);

  // Forgets the session at once (its row is gone from the store, or about to be).
  void revoke(std::string_view token_hash);

  // Whether the session with this hash was revoked after revocations() read `since`: true or false, or nullopt
  // when the record of recent revocations (the last `recent_revocations_kept`) no longer reaches back that far.
  // A holder of a session (a socket) asks this when the count moved, instead of looking its session up again.
  std::optional<bool> revoked_since(std::string_view token_hash, std::uint64_t since) const;
  static constexpr std::size_t recent_revocations_kept = 4096;

  std::size_t size() const;

 private:
  struct entry {
    std::string token_hash;
    std::string user_id;
    core::millis expires_at = 0;   // the session's
    core::millis valid_until = 0;  // first instant it is not answered any more
  };
  using lru_list = std::list<entry>;  // most recently used first

  session_cache_options options_;
  mutable std::mutex mutex_;  // guards everything below
  lru_list lru_;
  // Keys view the entries' token_hash: list nodes never move, so the views stay valid while the entry lives.
  std::unordered_map<std::string_view, lru_list::iterator> index_;
  std::atomic<std::uint64_t> revocations_{0};  // written under mutex_, read without it
  // The hashes of the last revocations, oldest first; the newest is number revocations_.
  std::deque<std::string> recent_revocations_;
};

}  // namespace suda::chat
