#include "store/sqlite/sqlite_connection.hpp"

#include "store/sqlite/statement.hpp"

#include <algorithm>
#include <stdexcept>
#include <unordered_map>
#include <utility>

namespace suda::store::sqlite {

// ---------------------------------------------------------------------------------------------------------
// Statements. Column lists are spelled out in each query and read back by the read_* helpers below, which
// take the index of the first column, so a query may put them after other columns.
// ---------------------------------------------------------------------------------------------------------

struct sqlite_connection::prepared {
  explicit prepared(sqlite3* db)
      : begin_immediate(db, "BEGIN IMMEDIATE"),
        begin_deferred(db, "BEGIN"),
        commit(db, "COMMIT"),
        rollback(db, "ROLLBACK"),
        // Changes exactly when another connection (of this or another process) committed: the test that keeps
        // append_messages()'s cache honest.
        data_version(db, "PRAGMA data_version"),

        // --- accounts ---
        // DO NOTHING on a taken email: zero rows changed is the conflict, without an exception on the way.
        insert_user(db, R"sql(
          INSERT INTO users (id, email, email_normalized, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
          ON CONFLICT (email_normalized) DO NOTHING)sql"),
        insert_profile(db, R"sql(
          INSERT INTO profiles (user_id, display_name, avatar_version, updated_at) VALUES (?1, ?2, NULL, ?3))sql"),
        find_credentials(db, "SELECT id, password_hash FROM users WHERE email_normalized = ?1"),
        find_user(db, R"sql(
          SELECT u.id, u.email, p.display_name, p.avatar_version, u.created_at, p.updated_at
          FROM users u JOIN profiles p ON p.user_id = u.id
          WHERE u.id = ?1)sql"),
        find_email(db, "SELECT email FROM users WHERE id = ?1"),
        // Names compare with NOCASE in both the keyset condition and the ORDER BY: the two must agree, or a
        // page boundary would skip or repeat rows. The id breaks ties, so the order is total. LIKE and NOCASE
        // fold ASCII letters only: other scripts match as typed.
        list_users(db, R"sql(
          SELECT u.id, u.email, p.display_name, p.avatar_version, u.created_at, p.updated_at
          FROM profiles p JOIN users u ON u.id = p.user_id
          WHERE (p.display_name LIKE ?1 ESCAPE '\' OR u.email LIKE ?1 ESCAPE '\')
            AND (?2 IS NULL OR (p.display_name COLLATE NOCASE, p.user_id) > (?2, ?3))
          ORDER BY p.display_name COLLATE NOCASE, p.user_id
          LIMIT ?4)sql"),

        // --- sessions ---
        insert_session(db, R"sql(
          INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4))sql"),
        find_session(db, "SELECT user_id, expires_at FROM sessions WHERE token_hash = ?1 AND expires_at > ?2"),
        delete_session(db, "DELETE FROM sessions WHERE token_hash = ?1"),
        // sessions_by_expiry finds them; RETURNING says whose they were (SQLite 3.35+, PostgreSQL alike).
        delete_expired_sessions(db, R"sql(
          DELETE FROM sessions WHERE token_hash IN
            (SELECT token_hash FROM sessions WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2)
          RETURNING token_hash, user_id)sql"),

        // --- profiles ---
        update_display_name(db, "UPDATE profiles SET display_name = ?2, updated_at = ?3 WHERE user_id = ?1"),
        update_avatar_version(db, "UPDATE profiles SET avatar_version = ?2, updated_at = ?3 WHERE user_id = ?1"),
        upsert_avatar(db, R"sql(
          INSERT INTO avatars (user_id, size, webp, version, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
          ON CONFLICT (user_id, size) DO UPDATE
            SET webp = excluded.webp, version = excluded.version, updated_at = excluded.updated_at)sql"),
        find_avatar(db, "SELECT version, webp, updated_at FROM avatars WHERE user_id = ?1 AND size = ?2"),

        // --- rooms ---
        insert_group_room(db, R"sql(
          INSERT INTO rooms (id, title, kind, direct_key, created_by, created_at)
          VALUES (?1, ?2, 'group', NULL, ?3, ?4))sql"),
        // The unique direct_key makes a second creation (from either side, from any connection) a no-op.
        insert_direct_room(db, R"sql(
          INSERT INTO rooms (id, title, kind, direct_key, created_by, created_at)
          VALUES (?1, '', 'direct', ?2, ?3, ?4)
          ON CONFLICT (direct_key) DO NOTHING)sql"),
        find_direct_room(db, R"sql(
          SELECT id, title, kind, created_by, created_at, last_seq FROM rooms WHERE direct_key = ?1)sql"),
        find_room(db, "SELECT id, title, kind, created_by, created_at, last_seq FROM rooms WHERE id = ?1"),
        insert_member(db, R"sql(
          INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES (?1, ?2, ?3, ?4)
          ON CONFLICT (room_id, user_id) DO NOTHING)sql"),
        // Like insert_member, but a user id that does not exist adds nobody instead of failing the foreign key.
        insert_member_if_user(db, R"sql(
          INSERT INTO room_members (room_id, user_id, role, joined_at)
          SELECT ?1, id, ?3, ?4 FROM users WHERE id = ?2
          ON CONFLICT (room_id, user_id) DO NOTHING)sql"),
        delete_member(db, "DELETE FROM room_members WHERE room_id = ?1 AND user_id = ?2"),
        room_members(db, R"sql(
          SELECT m.user_id, p.display_name, p.avatar_version, m.role, m.joined_at, m.last_read_seq
          FROM room_members m JOIN profiles p ON p.user_id = m.user_id
          WHERE m.room_id = ?1
          ORDER BY m.joined_at, m.user_id)sql"),
        membership(db, "SELECT role FROM room_members WHERE room_id = ?1 AND user_id = ?2"),
        // One row per room of mine, with its newest message (seq = last_seq) and my unread count: others'
        // live messages past my read position. The count walks the (room_id, seq) index from my position.
        my_rooms(db, R"sql(
          SELECT r.id, r.title, r.kind, r.created_by, r.created_at, r.last_seq,
                 m.id, m.room_id, m.seq, m.user_id, m.body, m.client_msg_id, m.created_at, m.edited_at,
                 m.deleted_at,
                 (SELECT COUNT(*) FROM messages u
                   WHERE u.room_id = me.room_id AND u.seq > me.last_read_seq
                     AND u.user_id <> me.user_id AND u.deleted_at IS NULL)
          FROM room_members me
          JOIN rooms r ON r.id = me.room_id
          LEFT JOIN messages m ON m.room_id = r.id AND m.seq = r.last_seq
          WHERE me.user_id = ?1
          ORDER BY COALESCE(r.last_message_at, r.created_at) DESC, r.id)sql"),
        // The members of all my rooms at once (not one query per room).
        my_rooms_members(db, R"sql(
          SELECT m.room_id, m.user_id, p.display_name, p.avatar_version, m.role, m.joined_at, m.last_read_seq
          FROM room_members me
          JOIN room_members m ON m.room_id = me.room_id
          JOIN profiles p ON p.user_id = m.user_id
          WHERE me.user_id = ?1
          ORDER BY m.room_id, m.joined_at, m.user_id)sql"),
        room_ids_of_user(db, "SELECT room_id FROM room_members WHERE user_id = ?1 ORDER BY room_id"),
        // One statement is one snapshot. room_members_by_user holds (user_id, room_id) in order, so the rows come
        // sorted without a sort step, and each room is one primary-key lookup for its last_seq.
        room_seqs_of_user(db, R"sql(
          SELECT m.room_id, r.last_seq FROM room_members m JOIN rooms r ON r.id = m.room_id
          WHERE m.user_id = ?1
          ORDER BY m.room_id)sql"),
        // MAX keeps the position from moving back; MIN keeps it from passing the room's newest message.
        mark_read(db, R"sql(
          UPDATE room_members
          SET last_read_seq = MAX(last_read_seq, MIN(?3, (SELECT last_seq FROM rooms WHERE id = ?1)))
          WHERE room_id = ?1 AND user_id = ?2
          RETURNING last_read_seq)sql"),

        // --- messages ---
        room_last_seq(db, "SELECT last_seq FROM rooms WHERE id = ?1"),
        find_by_client_msg_id(db, R"sql(
          SELECT id, room_id, seq, user_id, body, client_msg_id, created_at, edited_at, deleted_at
          FROM messages WHERE room_id = ?1 AND user_id = ?2 AND client_msg_id = ?3)sql"),
        // A repeated client message id inserts nothing (zero rows changed) instead of failing: the index check
        // the INSERT makes anyway replaces a lookup before it. Any other conflict (id, seq) still fails. The target
        // repeats the partial index's condition (schema v2), as SQLite requires to match it.
        insert_message(db, R"sql(
          INSERT INTO messages (id, room_id, seq, user_id, body, client_msg_id, created_at)
          VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
          ON CONFLICT (room_id, user_id, client_msg_id) WHERE client_msg_id IS NOT NULL DO NOTHING)sql"),
        // last_message_at only grows, even if clocks of several nodes disagree by a little.
        advance_room(db, R"sql(
          UPDATE rooms SET last_seq = ?2, last_message_at = MAX(COALESCE(last_message_at, ?3), ?3)
          WHERE id = ?1)sql"),
        // Two statements rather than "?2 IS NULL OR seq < ?2", so each walks the (room_id, seq) index directly.
        history_latest(db, R"sql(
          SELECT id, room_id, seq, user_id, body, client_msg_id, created_at, edited_at, deleted_at
          FROM messages WHERE room_id = ?1
          ORDER BY seq DESC LIMIT ?2)sql"),
        history_before(db, R"sql(
          SELECT id, room_id, seq, user_id, body, client_msg_id, created_at, edited_at, deleted_at
          FROM messages WHERE room_id = ?1 AND seq < ?2
          ORDER BY seq DESC LIMIT ?3)sql"),
        messages_after(db, R"sql(
          SELECT id, room_id, seq, user_id, body, client_msg_id, created_at, edited_at, deleted_at
          FROM messages WHERE room_id = ?1 AND seq > ?2
          ORDER BY seq ASC LIMIT ?3)sql") {}

  statement begin_immediate, begin_deferred, commit, rollback, data_version;
  statement insert_user, insert_profile, find_credentials, find_user, find_email, list_users;
  statement insert_session, find_session, delete_session, delete_expired_sessions;
  statement update_display_name, update_avatar_version, upsert_avatar, find_avatar;
  statement insert_group_room, insert_direct_room, find_direct_room, find_room, insert_member,
      insert_member_if_user, delete_member, room_members, membership, my_rooms, my_rooms_members,
      room_ids_of_user, room_seqs_of_user, mark_read;
  statement room_last_seq, find_by_client_msg_id, insert_message, advance_room, history_latest, history_before,
      messages_after;
};

namespace {

using cursor = statement::cursor;

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  // Only ASCII letters: the same folding as SQLite's NOCASE and LIKE, and no locale to depend on.
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// A LIKE pattern matching text that starts with `prefix`, taken literally ('\' is the ESCAPE character).
std::string like_prefix(std::string_view prefix) {
  std::string pattern;
  pattern.reserve(prefix.size() + 2);
  for (char c : prefix) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  pattern += '%';
  return pattern;
}

// Bounds on append_messages()'s cache (see sqlite_connection.hpp): past them it starts over, so a server with
// very many rooms pays a lookup again now and then instead of growing without bound.
constexpr std::size_t max_cached_rooms = 65536;
constexpr std::size_t max_cached_members = 262144;

std::string member_key(std::string_view room_id, std::string_view user_id) {
  std::string key;
  key.reserve(room_id.size() + user_id.size() + 1);
  key.append(room_id).append("/").append(user_id);
  return key;
}

std::string_view to_sql(member_role role) { return role == member_role::owner ? "owner" : "member"; }

member_role role_from_sql(std::string_view text) {
  return text == "owner" ? member_role::owner : member_role::member;
}

// A direct room's key: the same for (a, b) and (b, a).
std::string direct_key(std::string_view a, std::string_view b) {
  if (b < a) std::swap(a, b);
  std::string key;
  key.reserve(a.size() + b.size() + 1);
  key.append(a).append(":").append(b);
  return key;
}

// Columns: id, email, display_name, avatar_version, created_at, profile updated_at.
user_record read_user(const cursor& row, int first) {
  user_record user;
  user.id = row.text(first);
  user.email = row.text(first + 1);
  user.display_name = row.text(first + 2);
  user.avatar_version = row.optional_text(first + 3);
  user.created_at = row.int64(first + 4);
  user.profile_updated_at = row.int64(first + 5);
  return user;
}

// Columns: id, title, kind, created_by, created_at, last_seq.
room_record read_room(const cursor& row, int first) {
  room_record room;
  room.id = row.text(first);
  room.title = row.text(first + 1);
  room.kind = row.text(first + 2) == "direct" ? room_kind::direct : room_kind::group;
  room.created_by = row.text(first + 3);
  room.created_at = row.int64(first + 4);
  room.last_seq = row.int64(first + 5);
  return room;
}

// Columns: user_id, display_name, avatar_version, role, joined_at, last_read_seq.
member_record read_member(const cursor& row, int first) {
  member_record member;
  member.user_id = row.text(first);
  member.display_name = row.text(first + 1);
  member.avatar_version = row.optional_text(first + 2);
  member.role = role_from_sql(row.text(first + 3));
  member.joined_at = row.int64(first + 4);
  member.last_read_seq = row.int64(first + 5);
  return member;
}

// Columns: id, room_id, seq, user_id, body, client_msg_id, created_at, edited_at, deleted_at.
message_record read_message(const cursor& row, int first) {
  message_record message;
  message.id = row.text(first);
  message.room_id = row.text(first + 1);
  message.seq = row.int64(first + 2);
  message.user_id = row.text(first + 3);
  message.body = row.text(first + 4);
  message.client_msg_id = row.optional_text(first + 5);
  message.created_at = row.int64(first + 6);
  message.edited_at = row.optional_int64(first + 7);
  message.deleted_at = row.optional_int64(first + 8);
  return message;
}

std::vector<message_record> read_messages(cursor& rows) {
  std::vector<message_record> out;
  while (rows.step()) out.push_back(read_message(rows, 0));
  return out;
}

}  // namespace

sqlite_connection::sqlite_connection(const std::string& path)
    : db_(path), sql_(std::make_unique<prepared>(db_.get())) {}

sqlite_connection::~sqlite_connection() = default;

transaction sqlite_connection::begin_write() {
  return transaction(db_.get(), {sql_->begin_immediate, sql_->commit, sql_->rollback});
}

transaction sqlite_connection::begin_read() {
  return transaction(db_.get(), {sql_->begin_deferred, sql_->commit, sql_->rollback});
}

// --- accounts ------------------------------------------------------------------------------------------

core::result<user_record> sqlite_connection::create_user(const new_user& user) {
  auto tx = begin_write();
  {
    auto insert = sql_->insert_user.use();
    insert.bind(1, user.id).bind(2, user.email).bind(3, ascii_lower(user.email)).bind(4, user.password_hash);
    insert.bind(5, user.created_at).run();
    if (insert.changes() == 0) {
      return core::make_error(core::errc::conflict, "email_taken", "That email is already registered");
    }
  }
  sql_->insert_profile.use().bind(1, user.id).bind(2, user.display_name).bind(3, user.created_at).run();
  tx.commit();

  user_record out;
  out.id = user.id;
  out.email = user.email;
  out.display_name = user.display_name;
  out.created_at = user.created_at;
  out.profile_updated_at = user.created_at;
  return out;
}

std::optional<credentials_record> sqlite_connection::find_credentials(std::string_view email) {
  auto row = sql_->find_credentials.use();
  row.bind(1, ascii_lower(email));
  if (!row.step()) return std::nullopt;
  return credentials_record{row.text(0), row.text(1)};
}

std::optional<user_record> sqlite_connection::find_user(std::string_view user_id) {
  auto row = sql_->find_user.use();
  row.bind(1, user_id);
  if (!row.step()) return std::nullopt;
  return read_user(row, 0);
}

std::optional<std::string> sqlite_connection::find_email(std::string_view user_id) {
  auto row = sql_->find_email.use();
  row.bind(1, user_id);
  if (!row.step()) return std::nullopt;
  return row.text(0);
}

std::vector<user_record> sqlite_connection::list_users(std::string_view query, std::optional<std::string> after_name,
                                                       std::optional<std::string> after_id, int limit) {
  // SQLite reads a negative LIMIT as "no limit".
  if (limit <= 0) return {};
  auto rows = sql_->list_users.use();
  rows.bind(1, like_prefix(query));
  if (after_name) {
    // A name without an id starts at that name, inclusive: every id sorts after the empty string.
    rows.bind(2, *after_name).bind(3, after_id.value_or(std::string()));
  }
  rows.bind(4, std::int64_t{limit});
  std::vector<user_record> out;
  while (rows.step()) out.push_back(read_user(rows, 0));
  return out;
}

// --- sessions ------------------------------------------------------------------------------------------

void sqlite_connection::create_session(std::string_view token_hash, std::string_view user_id, millis created_at,
                                       millis expires_at) {
  sql_->insert_session.use().bind(1, token_hash).bind(2, user_id).bind(3, created_at).bind(4, expires_at).run();
}

std::optional<std::string> sqlite_connection::find_session_user(std::string_view token_hash, millis now) {
  auto session = find_session(token_hash, now);
  if (!session) return std::nullopt;
  return std::move(session->user_id);
}

std::optional<session_record> sqlite_connection::find_session(std::string_view token_hash, millis now) {
  auto row = sql_->find_session.use();
  row.bind(1, token_hash).bind(2, now);
  if (!row.step()) return std::nullopt;
  return session_record{row.text(0), row.int64(1)};
}

void sqlite_connection::delete_session(std::string_view token_hash) {
  sql_->delete_session.use().bind(1, token_hash).run();
}

std::vector<ended_session> sqlite_connection::delete_expired_sessions(millis now, std::size_t limit) {
  auto rows = sql_->delete_expired_sessions.use();
  rows.bind(1, now).bind(2, static_cast<std::int64_t>(limit));
  std::vector<ended_session> out;
  while (rows.step()) out.push_back({rows.text(0), rows.text(1)});
  return out;
}

// --- profiles ------------------------------------------------------------------------------------------

std::optional<user_record> sqlite_connection::update_display_name(std::string_view user_id, std::string_view name,
                                                                  millis now) {
  auto tx = begin_write();
  {
    auto update = sql_->update_display_name.use();
    update.bind(1, user_id).bind(2, name).bind(3, now).run();
    if (update.changes() == 0) return std::nullopt;
  }
  auto user = find_user(user_id);
  tx.commit();
  return user;
}

std::optional<user_record> sqlite_connection::set_avatar(std::string_view user_id, std::string_view version,
                                                         std::string_view webp_256, std::string_view webp_64,
                                                         millis now) {
  auto tx = begin_write();
  {
    auto update = sql_->update_avatar_version.use();
    update.bind(1, user_id).bind(2, version).bind(3, now).run();
    if (update.changes() == 0) return std::nullopt;
  }
  for (auto [size, bytes] : {std::pair{std::int64_t{256}, webp_256}, std::pair{std::int64_t{64}, webp_64}}) {
    auto upsert = sql_->upsert_avatar.use();
    upsert.bind(1, user_id).bind(2, size).bind_blob(3, bytes).bind(4, version).bind(5, now).run();
  }
  auto user = find_user(user_id);
  tx.commit();
  return user;
}

std::optional<avatar_record> sqlite_connection::find_avatar(std::string_view user_id, int size) {
  auto row = sql_->find_avatar.use();
  row.bind(1, user_id).bind(2, std::int64_t{size});
  if (!row.step()) return std::nullopt;
  return avatar_record{row.text(0), row.blob(1), row.int64(2)};
}

// --- rooms ---------------------------------------------------------------------------------------------

room_record sqlite_connection::create_group_room(std::string_view room_id, std::string_view title,
                                                 std::string_view creator_id,
                                                 const std::vector<std::string>& member_ids, millis now) {
  auto tx = begin_write();
  sql_->insert_group_room.use().bind(1, room_id).bind(2, title).bind(3, creator_id).bind(4, now).run();
  // The creator first, as owner: a member list that repeats the creator then leaves the owner role alone.
  sql_->insert_member.use().bind(1, room_id).bind(2, creator_id).bind(3, to_sql(member_role::owner)).bind(4, now).run();
  for (const std::string& member : member_ids) {
    auto insert = sql_->insert_member_if_user.use();
    insert.bind(1, room_id).bind(2, member).bind(3, to_sql(member_role::member)).bind(4, now).run();
  }
  tx.commit();

  room_record room;
  room.id = std::string(room_id);
  room.title = std::string(title);
  room.kind = room_kind::group;
  room.created_by = std::string(creator_id);
  room.created_at = now;
  return room;
}

room_record sqlite_connection::get_or_create_direct_room(std::string_view new_room_id, std::string_view user_a,
                                                         std::string_view user_b, millis now) {
  const std::string key = direct_key(user_a, user_b);
  // BEGIN IMMEDIATE serializes two connections creating the same pair; the unique key would keep the room
  // single even without it, but the room and its two memberships must appear together.
  auto tx = begin_write();
  sql_->insert_direct_room.use().bind(1, new_room_id).bind(2, key).bind(3, user_a).bind(4, now).run();
  std::optional<room_record> room;
  {
    auto row = sql_->find_direct_room.use();
    row.bind(1, key);
    if (row.step()) room = read_room(row, 0);
  }
  if (!room) throw std::runtime_error("sqlite: direct room missing right after its insert");
  // Both people belong to their direct room, also when it already existed and one of them had left it.
  for (std::string_view user : {user_a, user_b}) {
    sql_->insert_member.use().bind(1, room->id).bind(2, user).bind(3, to_sql(member_role::member)).bind(4, now).run();
  }
  tx.commit();
  return *room;
}

std::optional<room_record> sqlite_connection::find_room(std::string_view room_id) {
  auto row = sql_->find_room.use();
  row.bind(1, room_id);
  if (!row.step()) return std::nullopt;
  return read_room(row, 0);
}

std::vector<member_record> sqlite_connection::room_members(std::string_view room_id) {
  auto rows = sql_->room_members.use();
  rows.bind(1, room_id);
  std::vector<member_record> out;
  while (rows.step()) out.push_back(read_member(rows, 0));
  return out;
}

std::optional<member_role> sqlite_connection::membership(std::string_view room_id, std::string_view user_id) {
  auto row = sql_->membership.use();
  row.bind(1, room_id).bind(2, user_id);
  if (!row.step()) return std::nullopt;
  return role_from_sql(row.text(0));
}

bool sqlite_connection::add_member(std::string_view room_id, std::string_view user_id, member_role role,
                                   millis now) {
  auto insert = sql_->insert_member.use();
  insert.bind(1, room_id).bind(2, user_id).bind(3, to_sql(role)).bind(4, now).run();
  return insert.changes() == 1;
}

bool sqlite_connection::remove_member(std::string_view room_id, std::string_view user_id) {
  // Forgotten first: even if the DELETE fails, the cache must not outlive the membership.
  member_cache_.erase(member_key(room_id, user_id));
  auto remove = sql_->delete_member.use();
  remove.bind(1, room_id).bind(2, user_id).run();
  return remove.changes() == 1;
}

std::vector<room_summary> sqlite_connection::rooms_of_user(std::string_view user_id) {
  // Two queries, one snapshot: the member lists must describe the same state as the rooms.
  auto tx = begin_read();
  std::vector<room_summary> out;
  std::unordered_map<std::string, std::size_t> index;  // room id -> position in `out`
  {
    auto rows = sql_->my_rooms.use();
    rows.bind(1, user_id);
    while (rows.step()) {
      room_summary summary;
      summary.room = read_room(rows, 0);
      if (!rows.is_null(6)) summary.last_message = read_message(rows, 6);
      summary.unread_count = rows.int64(15);
      index.emplace(summary.room.id, out.size());
      out.push_back(std::move(summary));
    }
  }
  {
    auto rows = sql_->my_rooms_members.use();
    rows.bind(1, user_id);
    while (rows.step()) {
      auto found = index.find(rows.text(0));
      if (found != index.end()) out[found->second].members.push_back(read_member(rows, 1));
    }
  }
  tx.commit();
  return out;
}

std::vector<std::string> sqlite_connection::room_ids_of_user(std::string_view user_id) {
  auto rows = sql_->room_ids_of_user.use();
  rows.bind(1, user_id);
  std::vector<std::string> out;
  while (rows.step()) out.push_back(rows.text(0));
  return out;
}

std::vector<room_seq> sqlite_connection::room_seqs_of_user(std::string_view user_id) {
  auto rows = sql_->room_seqs_of_user.use();
  rows.bind(1, user_id);
  std::vector<room_seq> out;
  while (rows.step()) out.push_back({rows.text(0), rows.int64(1)});
  return out;
}

std::optional<std::int64_t> sqlite_connection::mark_read(std::string_view room_id, std::string_view user_id,
                                                         std::int64_t seq) {
  auto row = sql_->mark_read.use();
  row.bind(1, room_id).bind(2, user_id).bind(3, seq);
  if (!row.step()) return std::nullopt;  // no membership row: not a member
  std::int64_t stored = row.int64(0);
  row.run();  // finish the statement, so its implicit transaction commits here
  return stored;
}

// --- messages ------------------------------------------------------------------------------------------

void sqlite_connection::forget_append_cache() noexcept {
  cached_data_version_ = -1;
  last_seq_cache_.clear();
  member_cache_.clear();
}

bool sqlite_connection::known_member(const std::string& room_id, const std::string& user_id) const {
  return member_cache_.contains(member_key(room_id, user_id));
}

std::vector<append_result> sqlite_connection::append_messages(const std::vector<new_message>& batch) {
  if (batch.empty()) return {};  // no transaction, no fsync
  std::vector<append_result> results;
  results.reserve(batch.size());
  // The rooms this batch appended to: their new last seq and newest message time. The rooms rows are updated
  // once per room at the end, and the cache learns the seqs only once the commit returned.
  struct room_advance {
    std::int64_t last_seq = 0;
    millis last_at = 0;
  };
  std::unordered_map<std::string, room_advance> advanced;
  try {
    // One transaction for the batch: one fsync covers every message of it. If any statement throws, the
    // transaction rolls back as the exception leaves, and the writer fails the whole batch.
    auto tx = begin_write();
    {
      // Read under the write lock: no other connection can commit between this check and our COMMIT.
      auto row = sql_->data_version.use();
      if (!row.step()) throw std::runtime_error("sqlite: PRAGMA data_version returned no row");
      const std::int64_t version = row.int64(0);
      if (version != cached_data_version_ || last_seq_cache_.size() > max_cached_rooms ||
          member_cache_.size() > max_cached_members) {
        forget_append_cache();
        cached_data_version_ = version;
      }
    }
    for (const new_message& message : batch) {
      append_result& result = results.emplace_back();

      // The room's last seq: this batch's, else the cache's, else the database's (which also tells that the
      // room exists). A value read here is committed state, so caching it at once is safe even if the batch
      // fails later.
      std::int64_t last_seq = 0;
      if (auto in_batch = advanced.find(message.room_id); in_batch != advanced.end()) {
        last_seq = in_batch->second.last_seq;
      } else if (auto cached = last_seq_cache_.find(message.room_id); cached != last_seq_cache_.end()) {
        last_seq = cached->second;
      } else {
        auto row = sql_->room_last_seq.use();
        row.bind(1, message.room_id);
        if (!row.step()) {
          result.status = append_status::no_room;
          continue;
        }
        last_seq = row.int64(0);
        last_seq_cache_.emplace(message.room_id, last_seq);
      }
      if (!known_member(message.room_id, message.user_id)) {
        auto row = sql_->membership.use();
        row.bind(1, message.room_id).bind(2, message.user_id);
        if (!row.step()) {
          result.status = append_status::not_member;
          continue;
        }
        member_cache_.insert(member_key(message.room_id, message.user_id));
      }

      message_record& stored = result.message;
      stored.id = message.id;
      stored.room_id = message.room_id;
      stored.seq = last_seq + 1;
      stored.user_id = message.user_id;
      stored.body = message.body;
      stored.client_msg_id = message.client_msg_id;
      stored.created_at = message.created_at;
      bool inserted = false;
      {
        auto insert = sql_->insert_message.use();
        insert.bind(1, stored.id).bind(2, stored.room_id).bind(3, stored.seq).bind(4, stored.user_id);
        insert.bind(5, stored.body).bind(6, stored.client_msg_id).bind(7, stored.created_at).run();
        inserted = insert.changes() == 1;
      }
      if (!inserted) {
        // (room, author, client_msg_id) was taken: by an earlier batch or by this one (a transaction reads
        // its own inserts). Nothing was stored and no seq was used.
        if (!message.client_msg_id) throw std::logic_error("sqlite: a message without client id was not inserted");
        auto row = sql_->find_by_client_msg_id.use();
        row.bind(1, message.room_id).bind(2, message.user_id).bind(3, *message.client_msg_id);
        if (!row.step()) throw std::logic_error("sqlite: the repeated client message id has no message");
        result.status = append_status::duplicate;
        result.message = read_message(row, 0);
        continue;
      }
      room_advance& room = advanced[message.room_id];
      room.last_seq = stored.seq;
      room.last_at = std::max(room.last_at, stored.created_at);
      result.status = append_status::stored;
    }
    for (const auto& [room_id, room] : advanced) {
      sql_->advance_room.use().bind(1, room_id).bind(2, room.last_seq).bind(3, room.last_at).run();
    }
    tx.commit();
  } catch (...) {
    // The seqs of a rolled-back batch were never used; whatever the cache learned is dropped with them.
    forget_append_cache();
    throw;
  }
  for (auto& [room_id, room] : advanced) last_seq_cache_.insert_or_assign(room_id, room.last_seq);
  return results;
}

void sqlite_connection::become_writer() {
  // The writer's hot pages (the ends of the message indexes, the rooms rows) stay in memory: up to 64 MiB,
  // allocated only as pages are used.
  db_.exec("PRAGMA cache_size=-65536", "writer page cache");
  // A checkpoint copies the WAL into the database and syncs both: run inside a COMMIT (SQLite's default,
  // every 1,000 pages), it makes every caller of that commit wait for two more fsyncs. The writer runs it
  // from idle() instead; the automatic one stays, less often, as the bound on the WAL of a writer that is
  // never idle, and the file is cut back to 64 MiB when SQLite restarts it.
  db_.exec("PRAGMA wal_autocheckpoint=8192; PRAGMA journal_size_limit=67108864", "writer checkpoints");
}

void sqlite_connection::idle() {
  // PASSIVE: readers are never waited for; what they still use is copied at a later checkpoint.
  int rc = sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) throw_error(db_.get(), "checkpoint");
}

std::vector<message_record> sqlite_connection::history(std::string_view room_id, std::optional<std::int64_t> before,
                                                       int limit) {
  if (limit <= 0) return {};
  if (!before) {
    auto rows = sql_->history_latest.use();
    rows.bind(1, room_id).bind(2, std::int64_t{limit});
    return read_messages(rows);
  }
  auto rows = sql_->history_before.use();
  rows.bind(1, room_id).bind(2, *before).bind(3, std::int64_t{limit});
  return read_messages(rows);
}

std::vector<message_record> sqlite_connection::messages_after(std::string_view room_id, std::int64_t after,
                                                              int limit) {
  if (limit <= 0) return {};
  auto rows = sql_->messages_after.use();
  rows.bind(1, room_id).bind(2, after).bind(3, std::int64_t{limit});
  return read_messages(rows);
}

}  // namespace suda::store::sqlite
