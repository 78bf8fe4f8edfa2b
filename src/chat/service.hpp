#pragma once
// The chat domain: accounts, sessions, profiles, rooms and messages. Transports (the HTTP API, Socket.IO)
// call these coroutines; they know nothing of HTTP or Socket.IO. Every method that acts for a user takes the
// user id from an authenticated session (never from a request body) and checks on the server that the user
// may do it: only members read or post in a room.
//
// Threads: methods run on the caller's I/O executor and never block it. SQL runs on the writer (writes) or the
// reader pool (reads); Argon2id and image decoding run on the CPU pool.
#include "bus/bus.hpp"
#include "chat/profile_cache.hpp"
#include "chat/session_cache.hpp"
#include "core/error.hpp"
#include "core/rate_limiter.hpp"
#include "store/reader_pool.hpp"
#include "store/writer.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace suda::chat {

template <class T>
using task = boost::asio::awaitable<core::result<T>>;

struct account {
  store::user_record user;
  std::string email;
};

struct login_result {
  std::string token;  // to hand to the client once; only its hash is stored
  account me;
  std::chrono::seconds lifetime;
};

struct user_page {
  std::vector<store::user_record> users;
  std::optional<std::string> next_cursor;  // opaque; absent on the last page
};

struct room_view {
  store::room_record room;
  std::vector<store::member_record> members;
};

struct posted_message {
  store::message_record message;
  bool created = true;  // false when the clientMsgId repeated an earlier message
};

struct history_page {
  std::vector<store::message_record> messages;  // newest first
  bool has_more = false;
};

struct service_options {
  unsigned login_per_ip_per_minute = 20;
  unsigned login_per_account_per_minute = 10;
  std::chrono::seconds session_lifetime = std::chrono::hours(24 * 30);
  // Authenticated sessions kept in memory (see session_cache.hpp): a log out or an expiry is honoured at once
  // here and, through the bus (sessions:ended), on every node; a row deleted by hand within the cache's ttl.
  session_cache_options session_cache;
};

class service {
 public:
  // Installs itself as the writer's commit listener: stored messages are published from there, in commit order.
  service(store::writer& writer, store::reader_pool& readers, boost::asio::thread_pool& cpu, bus::bus& bus,
          profile_cache& profiles, service_options options);

  // --- accounts and sessions ---
  task<account> sign_up(std::string email, std::string password);
  // Unknown email and wrong password give the same error and take the same time. Rate-limited per IP and
  // per account (errc::rate_limited).
  task<login_result> log_in(std::string email, std::string password, std::string remote_ip);
  task<bool> log_out(std::string token);
  // Deletes the sessions that ran out (at most `limit`) and ends them like a log out: on every node, their
  // sockets are disconnected and their cache entries dropped. Returns how many; run it periodically
  // (session_sweeper).
  task<std::size_t> end_expired_sessions(std::size_t limit);
  // The user id of a valid session token; errc::unauthorized otherwise. A session logged in or checked
  // lately is answered from memory, without leaving the caller's thread.
  task<std::string> authenticate(std::string token);
  // The same with the session's expiry, for a holder that outlives a request (a socket).
  task<store::session_record> session(std::string token);
  // The same for a token already hashed (core::hash_token): a socket keeps only the hash.
  task<store::session_record> session_by_hash(std::string token_hash);
  // Counts the log outs made on this node, read without a lock. A holder of a session (a socket) that sees it
  // unchanged since it last authenticated knows its session was not ended here in between.
  std::uint64_t session_revocations() const { return sessions_.revocations(); }
  // Whether this session was among those revocations since the count read `since` (see session_cache).
  std::optional<bool> session_revoked_since(std::string_view token_hash, std::uint64_t since) const {
    return sessions_.revoked_since(token_hash, since);
  }

  // --- profiles and the user list ---
  task<account> me(std::string user_id);
  task<store::user_record> user(std::string user_id);
  task<user_page> users(std::string query, std::optional<std::string> cursor, int limit);
  task<account> rename(std::string user_id, std::string display_name);
  task<account> set_avatar(std::string user_id, std::string image_bytes);
  task<store::avatar_record> avatar(std::string user_id, int size);

  // --- rooms ---
  task<room_view> create_room(std::string user_id, std::string title, std::vector<std::string> member_ids);
  // The 1:1 room of the pair; `created` tells whether this call made it.
  task<std::pair<room_view, bool>> open_direct(std::string user_id, std::string other_id);
  task<std::vector<store::room_summary>> my_rooms(std::string user_id);
  // The user's rooms with their last seqs (one cheap read): where a new realtime client starts.
  task<std::vector<store::room_seq>> room_seqs(std::string user_id);
  task<room_view> room(std::string user_id, std::string room_id);
  task<room_view> invite(std::string user_id, std::string room_id, std::string invitee_id);
  task<bool> leave(std::string user_id, std::string room_id);

  // --- messages ---
  // Resumes after the message is durable (its transaction committed); then publishes it on the bus.
  task<posted_message> post(std::string user_id, std::string room_id, std::string body,
                            std::optional<std::string> client_msg_id);
  task<history_page> history(std::string user_id, std::string room_id, std::optional<std::int64_t> before,
                             int limit);
  task<std::int64_t> mark_read(std::string user_id, std::string room_id, std::int64_t seq);
  // Tells the room's other members that the user is typing (not stored).
  task<bool> typing(std::string user_id, std::string room_id);

 private:
  // errc::not_found for an unknown/malformed room, errc::forbidden when the user is not a member.
  task<store::room_record> require_member(const std::string& user_id, const std::string& room_id);
  task<room_view> load_room(std::string room_id);
  task<author_profile> author(const std::string& user_id);

  // Fan-out. Called on the writer thread right after the commit they announce, so events reach the bus in
  // commit order (a leave is never overtaken by a later message, DESIGN.md "members only").
  void publish(const std::string& channel, std::string payload);
  void on_committed(const std::vector<store::append_result>& results);
  void announce_joins(store::connection& c, const std::string& room_id, const std::vector<std::string>& joined_ids);
  // A session's row was deleted (log out, expiry): forget it here and tell every node and its sockets.
  void announce_ended_session(const std::string& token_hash, const std::optional<std::string>& user_id);
  void announce_profile(store::connection& c, const store::user_record& user);

  store::writer& writer_;
  store::reader_pool& readers_;
  boost::asio::thread_pool& cpu_;  // Argon2id and libvips: slow by design, kept off the I/O threads
  bus::bus& bus_;
  profile_cache& profiles_;
  service_options options_;
  core::rate_limiter login_per_ip_;
  core::rate_limiter login_per_account_;
  session_cache sessions_;
  // Log outs made on other nodes: revoked in sessions_ here too (last, so it goes first when destroyed).
  bus::subscription ended_sessions_;
};

}  // namespace suda::chat
