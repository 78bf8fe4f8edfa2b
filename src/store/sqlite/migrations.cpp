#include "store/sqlite/migrations.hpp"

#include "core/log.hpp"
#include "store/sqlite/statement.hpp"
#include "store/sqlite/transaction.hpp"

#include <stdexcept>
#include <string>

namespace suda::store::sqlite {
namespace {

// ---------------------------------------------------------------------------------------------------------
// The schema, one migration per change. Never edit a released migration: add the next version instead.
// Times are milliseconds since the epoch (UTC). Tables are STRICT so a value of the wrong type is an error
// instead of being stored as whatever SQLite's type affinity makes of it.
// ---------------------------------------------------------------------------------------------------------

// Version 1: the original model (user, profile, room, room_peoples, chat) grown with sessions, avatars,
// direct rooms, per-room message sequence numbers, read positions and client message ids.
constexpr const char* schema_v1 = R"sql(
CREATE TABLE users (
  id               TEXT NOT NULL PRIMARY KEY,          -- uuid
  email            TEXT NOT NULL,                      -- as typed at signup
  email_normalized TEXT NOT NULL UNIQUE,               -- ASCII-lowercased: uniqueness and login ignore case
  password_hash    TEXT NOT NULL,                      -- Argon2id string
  created_at       INTEGER NOT NULL
) STRICT;

CREATE TABLE profiles (
  user_id        TEXT NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  display_name   TEXT NOT NULL,
  avatar_version TEXT,                                 -- NULL until an avatar is uploaded
  updated_at     INTEGER NOT NULL
) STRICT;
-- User search pages by (display name, id), ignoring case.
CREATE INDEX profiles_by_name ON profiles (display_name COLLATE NOCASE, user_id);

CREATE TABLE avatars (
  user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  size       INTEGER NOT NULL CHECK (size IN (64, 256)),   -- pixels, square
  webp       BLOB NOT NULL,
  version    TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, size)
) STRICT;

CREATE TABLE sessions (
  token_hash TEXT NOT NULL PRIMARY KEY,                -- SHA-256 of the token: the token itself is never stored
  user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE rooms (
  id              TEXT NOT NULL PRIMARY KEY,
  title           TEXT NOT NULL DEFAULT '',            -- empty for direct rooms
  kind            TEXT NOT NULL CHECK (kind IN ('direct', 'group')),
  direct_key      TEXT UNIQUE,                         -- direct rooms: the two user ids, sorted, joined by ':'
  created_by      TEXT NOT NULL REFERENCES users (id),
  created_at      INTEGER NOT NULL,
  last_seq        INTEGER NOT NULL DEFAULT 0,          -- seq of the newest message; the next one gets + 1
  last_message_at INTEGER,
  CHECK ((kind = 'direct') = (direct_key IS NOT NULL))
) STRICT;

CREATE TABLE room_members (
  room_id       TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role          TEXT NOT NULL CHECK (role IN ('owner', 'member')),
  joined_at     INTEGER NOT NULL,
  last_read_seq INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (room_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX room_members_by_user ON room_members (user_id);

CREATE TABLE messages (
  id            TEXT NOT NULL PRIMARY KEY,
  room_id       TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  seq           INTEGER NOT NULL,                      -- dense per room, from 1
  user_id       TEXT NOT NULL REFERENCES users (id),
  body          TEXT NOT NULL,
  client_msg_id TEXT,                                  -- the sender's id for retries; NULLs never collide
  created_at    INTEGER NOT NULL,
  edited_at     INTEGER,
  deleted_at    INTEGER,
  UNIQUE (room_id, seq),                               -- also the index for history and catch-up
  UNIQUE (room_id, user_id, client_msg_id)
) STRICT;
)sql";

// Version 2: the retry index holds only messages that have a clientMsgId. Version 1's UNIQUE (room_id, user_id,
// client_msg_id) indexed every message, NULLs included, although NULLs never collide: each batch of messages
// without one still dirtied one more index page per room, about a third of the WAL frames a commit wrote
// (durable scenario: 15-22% more acked messages/s without them). A constraint cannot be dropped in SQLite, so
// the table is rebuilt (https://www.sqlite.org/lang_altertable.html#otheralter): same columns and rows, in
// rowid order; nothing references messages, so dropping the old table leaves no dangling foreign key.
constexpr const char* schema_v2 = R"sql(
CREATE TABLE messages_v2 (
  id            TEXT NOT NULL PRIMARY KEY,
  room_id       TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  seq           INTEGER NOT NULL,                      -- dense per room, from 1
  user_id       TEXT NOT NULL REFERENCES users (id),
  body          TEXT NOT NULL,
  client_msg_id TEXT,                                  -- the sender's id for retries
  created_at    INTEGER NOT NULL,
  edited_at     INTEGER,
  deleted_at    INTEGER,
  UNIQUE (room_id, seq)                                -- also the index for history and catch-up
) STRICT;
INSERT INTO messages_v2 (id, room_id, seq, user_id, body, client_msg_id, created_at, edited_at, deleted_at)
  SELECT id, room_id, seq, user_id, body, client_msg_id, created_at, edited_at, deleted_at FROM messages
  ORDER BY rowid;
DROP TABLE messages;
ALTER TABLE messages_v2 RENAME TO messages;
CREATE UNIQUE INDEX messages_by_client_msg_id ON messages (room_id, user_id, client_msg_id)
  WHERE client_msg_id IS NOT NULL;
)sql";

constexpr migration migrations[] = {
    {1, "initial schema", schema_v1},
    {2, "retry index only for messages with a clientMsgId", schema_v2},
};

}  // namespace

std::span<const migration> all_migrations() { return migrations; }

int apply_migrations(handle& db, std::span<const migration> list, core::millis now) {
  db.exec(R"sql(
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      applied_at INTEGER NOT NULL
    ))sql",
          "create schema_migrations");

  statement begin(db.get(), "BEGIN IMMEDIATE");
  statement commit(db.get(), "COMMIT");
  statement rollback(db.get(), "ROLLBACK");
  statement newest(db.get(), "SELECT MAX(version) FROM schema_migrations");
  statement applied(db.get(), "SELECT 1 FROM schema_migrations WHERE version = ?1");
  statement record(db.get(), "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)");

  const int latest_known = list.empty() ? 0 : list.back().version;
  {
    auto row = newest.use();
    if (row.step() && !row.is_null(0) && row.int64(0) > latest_known) {
      throw std::runtime_error("sqlite: the database has schema version " + std::to_string(row.int64(0)) +
                               ", newer than this build knows (" + std::to_string(latest_known) + ")");
    }
  }

  int count = 0;
  int previous = 0;
  for (const migration& m : list) {
    if (m.version <= previous) throw std::logic_error("sqlite migrations must have increasing versions");
    previous = m.version;

    // The check runs inside the write transaction: two processes opening the same file at once serialize
    // here, and the second sees the first's version recorded.
    transaction tx(db.get(), {begin, commit, rollback});
    bool done = false;
    {
      auto row = applied.use();
      row.bind(1, std::int64_t{m.version});
      done = row.step();
    }
    if (!done) {
      db.exec(m.sql, m.name);
      record.use().bind(1, std::int64_t{m.version}).bind(2, now).run();
    }
    tx.commit();
    if (!done) {
      ++count;
      core::log::info("store", "applied migration ", m.version, " (", m.name, ")");
    }
  }
  return count;
}

}  // namespace suda::store::sqlite
