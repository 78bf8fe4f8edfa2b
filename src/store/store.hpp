#pragma once
// The storage seam: the only code that speaks SQL lives behind these two interfaces.
//
// A `database` is opened once per process from a URL ("sqlite:./data/suda.db"; PostgreSQL later) and applies
// its versioned migrations at open. It hands out `connection`s; each connection is used by one thread at a
// time (the writer owns one, each reader-pool thread owns one). Methods are synchronous: callers run them
// off the I/O threads (see store/writer.hpp and chat/service).
//
// Guarantees every backend keeps (tests/store runs one suite against each):
//  - Every write method commits before it returns, durably (SQLite: WAL + synchronous=FULL).
//  - append_messages() commits the whole batch in one transaction; within it each stored message gets its
//    room's next seq (rooms.last_seq + 1, updated in the same transaction), so seq is dense per room and only
//    grows. A repeated (room, author, client_msg_id) returns the earlier message instead of a new one.
//  - Email uniqueness is case-insensitive; a direct room exists at most once per pair of users.
//  - Errors that are the caller's fault come back as core::error values; storage failures throw.
#include "core/error.hpp"
#include "store/records.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace suda::store {

class connection {
 public:
  virtual ~connection() = default;

  // --- accounts ---
  // Creates the user and its profile. errc::conflict ("email_taken") when the email is taken.
  virtual core::result<user_record> create_user(const new_user& user) = 0;
  virtual std::optional<credentials_record> find_credentials(std::string_view email) = 0;
  virtual std::optional<user_record> find_user(std::string_view user_id) = 0;
  virtual std::optional<std::string> find_email(std::string_view user_id) = 0;
  // Users whose display name or email starts with `query` (case-insensitive; empty matches all), ordered by
  // display name then id, starting after (after_name, after_id) when given; at most `limit`.
  virtual std::vector<user_record> list_users(std::string_view query, std::optional<std::string> after_name,
                                              std::optional<std::string> after_id, int limit) = 0;

  // --- sessions (only a hash of the token is stored) ---
  virtual void create_session(std::string_view token_hash, std::string_view user_id, millis created_at,
                              millis expires_at) = 0;
  // The session's user when the session exists and has not expired at `now`.
  virtual std::optional<std::string> find_session_user(std::string_view token_hash, millis now) = 0;
  // The same session with its expiry, for callers that remember it (chat's session cache). The default is for
  // backends and test doubles that cannot say: it reports the session valid only at `now`, so nobody keeps it.
  virtual std::optional<session_record> find_session(std::string_view token_hash, millis now) {
    auto user_id = find_session_user(token_hash, now);
    if (!user_id) return std::nullopt;
    return session_record{std::move(*user_id), now + 1};
  }
  virtual void delete_session(std::string_view token_hash) = 0;
  // Deletes the sessions expired at `now`, at most `limit` of them (those that expired first), and returns them
  // in no particular order.
  virtual std::vector<ended_session> delete_expired_sessions(millis now, std::size_t limit) = 0;

  // --- profiles ---
  virtual std::optional<user_record> update_display_name(std::string_view user_id, std::string_view name,
                                                         millis now) = 0;
  // Replaces the user's avatar images (256 px and 64 px WebP) and returns the updated user.
  virtual std::optional<user_record> set_avatar(std::string_view user_id, std::string_view version,
                                                std::string_view webp_256, std::string_view webp_64,
                                                millis now) = 0;
  // size is 256 or 64.
  virtual std::optional<avatar_record> find_avatar(std::string_view user_id, int size) = 0;

  // --- rooms ---
  // Creates a group room with the creator as owner and `member_ids` as members (unknown ids are ignored:
  // the caller validated them). Returns the room.
  virtual room_record create_group_room(std::string_view room_id, std::string_view title,
                                        std::string_view creator_id, const std::vector<std::string>& member_ids,
                                        millis now) = 0;
  // The direct room of the pair, creating it when missing; asking twice, from either side, gives the same room.
  virtual room_record get_or_create_direct_room(std::string_view new_room_id, std::string_view user_a,
                                                std::string_view user_b, millis now) = 0;
  virtual std::optional<room_record> find_room(std::string_view room_id) = 0;
  virtual std::vector<member_record> room_members(std::string_view room_id) = 0;
  virtual std::optional<member_role> membership(std::string_view room_id, std::string_view user_id) = 0;
  // Adds the user as a member; false when already a member.
  virtual bool add_member(std::string_view room_id, std::string_view user_id, member_role role, millis now) = 0;
  // Removes the membership; false when the user was not a member.
  virtual bool remove_member(std::string_view room_id, std::string_view user_id) = 0;
  // The rooms the user is a member of, most recently active first (last message time, else creation time).
  virtual std::vector<room_summary> rooms_of_user(std::string_view user_id) = 0;
  virtual std::vector<std::string> room_ids_of_user(std::string_view user_id) = 0;
  // The user's rooms with their last seq, ordered by room id, from one snapshot: what a connecting realtime
  // client needs, without rooms_of_user's members, last messages and unread counts. The default derives it
  // from rooms_of_user (correct, not cheap); backends override it with one query.
  virtual std::vector<room_seq> room_seqs_of_user(std::string_view user_id) {
    std::vector<room_seq> out;
    for (auto& summary : rooms_of_user(user_id)) out.push_back({std::move(summary.room.id), summary.room.last_seq});
    std::sort(out.begin(), out.end(), [](const room_seq& a, const room_seq& b) { return a.room_id < b.room_id; });
    return out;
  }
  // Moves the user's read position forward (never backward, never past the room's last seq); returns the
  // position now stored, or nullopt when the user is not a member.
  virtual std::optional<std::int64_t> mark_read(std::string_view room_id, std::string_view user_id,
                                                std::int64_t seq) = 0;

  // --- messages ---
  // One transaction for the whole batch; results in the same order as the input.
  virtual std::vector<append_result> append_messages(const std::vector<new_message>& batch) = 0;
  // Newest first: messages with seq < before (or the newest when before is nullopt), at most `limit`.
  virtual std::vector<message_record> history(std::string_view room_id, std::optional<std::int64_t> before,
                                              int limit) = 0;
  // Oldest first: messages with seq > after, at most `limit` (for catch-up after a reconnect).
  virtual std::vector<message_record> messages_after(std::string_view room_id, std::int64_t after, int limit) = 0;

  // --- upkeep (the writer calls these; other connections never need them) ---
  // Once, on the connection that will carry every write: it may tune itself for a stream of small
  // transactions (SQLite: a larger page cache, WAL checkpoints moved out of COMMIT).
  virtual void become_writer() {}
  // When the writer has had nothing to do for a while: upkeep that would otherwise delay a commit (SQLite:
  // the WAL checkpoint). Must be quick to return once done; storage failures throw, like any write.
  virtual void idle() {}
};

class database {
 public:
  virtual ~database() = default;
  // A new connection for one thread's use.
  virtual std::unique_ptr<connection> connect() = 0;
};

// Opens the database named by `url` and applies pending migrations. Throws std::runtime_error with a clear
// message when the URL is unknown or the database cannot be opened.
std::unique_ptr<database> open_database(const std::string& url);

}  // namespace suda::store
