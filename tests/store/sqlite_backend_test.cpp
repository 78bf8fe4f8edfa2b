// What only the SQLite backend promises: its URL, connection settings, migration bookkeeping and the
// statement wrapper's handling of empty values. The behaviour every backend shares is in store_suite_test.cpp.
#include "core/ids.hpp"
#include "store/sqlite/handle.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sqlite_connection.hpp"
#include "store/sqlite/sqlite_database.hpp"
#include "store/sqlite/statement.hpp"
#include "store/store.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace suda::store::sqlite {
namespace {

namespace fs = std::filesystem;

class SqliteBackend : public ::testing::Test {
 protected:
  SqliteBackend() : root_(fs::temp_directory_path() / ("suda-sqlite-" + core::new_uuid())) {
    fs::create_directories(root_);
  }
  ~SqliteBackend() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }
  std::string path(const std::string& name = "suda.db") const { return (root_ / name).string(); }

  // A pragma's value (or any one-value query) on a raw handle.
  static std::string query_text(sqlite3* db, const char* sql) {
    statement s(db, sql);
    auto row = s.use();
    if (!row.step()) return {};
    return row.text(0);
  }
  static std::int64_t query_int(sqlite3* db, const char* sql) {
    statement s(db, sql);
    auto row = s.use();
    return row.step() ? row.int64(0) : -1;
  }

  fs::path root_;
};

// Asserts that `fn` throws std::runtime_error whose message contains `part`; returns the message.
template <class Fn>
std::string runtime_error_of(Fn fn, const std::string& part) {
  try {
    fn();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no std::runtime_error was thrown";
  return {};
}

TEST_F(SqliteBackend, OpenDatabaseCreatesTheParentFolders) {
  auto file = root_ / "a" / "b" / "suda.db";
  auto db = open_database("sqlite:" + file.string());
  ASSERT_TRUE(db);
  EXPECT_TRUE(fs::exists(file));
  EXPECT_TRUE(db->connect()->room_ids_of_user(core::new_uuid()).empty());
}

TEST_F(SqliteBackend, OpenDatabaseRefusesOtherSchemesWithoutEchoingSecrets) {
  auto message = runtime_error_of([] { open_database("postgres://suda:s3cret@db.example/suda"); },
                                  "unsupported database URL");
  EXPECT_EQ(message.find("s3cret"), std::string::npos);
  runtime_error_of([] { open_database("mysql://localhost/suda"); }, "unsupported database URL");
  runtime_error_of([] { open_database("./data/suda.db"); }, "unsupported database URL");
  runtime_error_of([] { open_database(""); }, "unsupported database URL");
  runtime_error_of([] { open_database("sqlite:"); }, "needs a file path");
  runtime_error_of([] { open_database("sqlite::memory:"); }, "not supported");
}

TEST_F(SqliteBackend, OpeningAFileThatIsNotADatabaseFailsClearly) {
  {
    std::FILE* f = std::fopen(path("junk.db").c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs("this is not an SQLite database, only some text that is long enough to have a header", f);
    std::fclose(f);
  }
  runtime_error_of([&] { open_database("sqlite:" + path("junk.db")); }, "sqlite:");
}

TEST_F(SqliteBackend, ConnectionsUseWalFullSyncForeignKeysAndABusyTimeout) {
  sqlite_database db(path());
  sqlite_connection conn(path());
  sqlite3* raw = conn.native_handle();
  EXPECT_EQ(query_text(raw, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query_int(raw, "PRAGMA synchronous"), 2);  // FULL
  EXPECT_EQ(query_int(raw, "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(query_int(raw, "PRAGMA busy_timeout"), handle::busy_timeout_ms);
}

TEST_F(SqliteBackend, SqliteKeepsNoMemoryStatisticsSoItsAllocationsTakeNoGlobalLock) {
  handle db(path());
  db.exec("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('some text that needs an allocation')", "fill");
  EXPECT_EQ(query_text(db.get(), "SELECT x FROM t"), "some text that needs an allocation");
  // With statistics on, the open connection, its schema and page cache would count here.
  EXPECT_EQ(sqlite3_memory_used(), 0);
  EXPECT_EQ(sqlite3_memory_highwater(0), 0);
}

TEST_F(SqliteBackend, TheWriterConnectionKeepsFullSyncAndCheckpointsOutsideCommits) {
  sqlite_database db(path());
  sqlite_connection conn(path());
  conn.become_writer();
  sqlite3* raw = conn.native_handle();
  EXPECT_EQ(query_int(raw, "PRAGMA synchronous"), 2);  // FULL: an ack still means on disk
  EXPECT_GT(query_int(raw, "PRAGMA wal_autocheckpoint"), 1000);
  EXPECT_LT(query_int(raw, "PRAGMA cache_size"), -2000);  // negative: KiB, more than SQLite's default

  // Messages land in the WAL; the database file only grows when idle() checkpoints them.
  auto user = conn.create_user({core::new_uuid(), "a@example.com", "hash", "a", 0}).value();
  auto room = conn.create_group_room(core::new_uuid(), "room", user.id, {}, 0);
  conn.idle();
  const auto size_before = fs::file_size(path());
  std::vector<new_message> batch;
  for (int i = 0; i < 200; ++i) batch.push_back({core::new_uuid(), room.id, user.id, std::string(1000, 'x'), {}, 0});
  ASSERT_EQ(conn.append_messages(batch).size(), 200u);
  EXPECT_EQ(fs::file_size(path()), size_before);
  conn.idle();
  EXPECT_GT(fs::file_size(path()), size_before + 200 * 1000);
  EXPECT_EQ(conn.messages_after(room.id, 0, 500).size(), 200u);
}

TEST_F(SqliteBackend, MigrationsAreRecordedOnceAcrossReopens) {
  auto versions = [&] {
    handle h(path());
    statement s(h.get(), "SELECT version, applied_at FROM schema_migrations ORDER BY version");
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    auto rows = s.use();
    while (rows.step()) out.emplace_back(rows.int64(0), rows.int64(1));
    return out;
  };
  { sqlite_database db(path()); }
  auto first = versions();
  ASSERT_EQ(first.size(), all_migrations().size());
  for (std::size_t i = 0; i < first.size(); ++i) EXPECT_EQ(first[i].first, all_migrations()[i].version);

  { sqlite_database db(path()); }
  EXPECT_EQ(versions(), first);  // same rows, same applied_at: nothing ran again
  handle h(path());
  EXPECT_EQ(apply_migrations(h, all_migrations(), 1), 0);
}

TEST_F(SqliteBackend, Version2KeepsEveryMessageAndIndexesOnlyThoseWithAClientMsgId) {
  // A database left at version 1, with messages with and without a client id.
  const auto all = all_migrations();
  ASSERT_GE(all.size(), 2u);
  ASSERT_EQ(all[1].version, 2);
  {
    handle h(path());
    ASSERT_EQ(apply_migrations(h, all.first(1), 1), 1);
    h.exec(R"sql(
      INSERT INTO users (id, email, email_normalized, password_hash, created_at) VALUES ('u', 'u@x', 'u@x', 'h', 1);
      INSERT INTO rooms (id, title, kind, created_by, created_at, last_seq) VALUES ('r', 'room', 'group', 'u', 1, 3);
      INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES ('r', 'u', 'owner', 1);
      INSERT INTO messages (id, room_id, seq, user_id, body, client_msg_id, created_at, edited_at)
        VALUES ('m1', 'r', 1, 'u', 'one', NULL, 10, NULL), ('m2', 'r', 2, 'u', 'two', 'c2', 20, 25),
               ('m3', 'r', 3, 'u', 'three', NULL, 30, NULL);)sql",
           "version 1 data");
  }
  sqlite_database db(path());  // applies version 2
  {
    handle h(path());
    EXPECT_EQ(query_int(h.get(), "SELECT MAX(version) FROM schema_migrations"), 2);
    EXPECT_EQ(query_text(h.get(), "SELECT group_concat(id || ':' || seq || ':' || body || ':' || "
                                  "ifnull(client_msg_id, '-') || ':' || created_at || ':' || ifnull(edited_at, '-'), ' ') "
                                  "FROM (SELECT * FROM messages ORDER BY rowid)"),
              "m1:1:one:-:10:- m2:2:two:c2:20:25 m3:3:three:-:30:-");
    // The retry index is partial: only the message with a client id is in it.
    EXPECT_EQ(query_int(h.get(), "SELECT COUNT(*) FROM messages INDEXED BY messages_by_client_msg_id "
                                 "WHERE room_id = 'r' AND user_id = 'u' AND client_msg_id IS NOT NULL"),
              1);
    EXPECT_EQ(query_int(h.get(), "SELECT COUNT(*) FROM pragma_index_list('messages') WHERE \"unique\" AND partial"), 1);
    EXPECT_EQ(query_int(h.get(), "SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
  }
  // Retries still find their earlier message; messages without a client id never collide.
  auto conn = db.connect();
  conn->become_writer();
  const std::vector<new_message> batch{{"m4", "r", "u", "retry", std::string("c2"), 40},
                                       {"m5", "r", "u", "four", std::nullopt, 50},
                                       {"m6", "r", "u", "five", std::nullopt, 60}};
  const auto results = conn->append_messages(batch);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].status, append_status::duplicate);
  EXPECT_EQ(results[0].message.id, "m2");
  EXPECT_EQ(results[0].message.seq, 2);
  EXPECT_EQ(results[1].status, append_status::stored);
  EXPECT_EQ(results[1].message.seq, 4);
  EXPECT_EQ(results[2].status, append_status::stored);
  EXPECT_EQ(results[2].message.seq, 5);
}

TEST_F(SqliteBackend, AFailedMigrationLeavesTheDatabaseAtThePreviousVersion) {
  const migration broken[] = {
      {1, "one", "CREATE TABLE one (x INTEGER);"},
      {2, "two", "CREATE TABLE two (x INTEGER); INSERT INTO no_such_table VALUES (1);"},
  };
  handle h(path());
  runtime_error_of([&] { apply_migrations(h, broken, 1000); }, "no_such_table");
  EXPECT_EQ(query_int(h.get(), "SELECT MAX(version) FROM schema_migrations"), 1);
  EXPECT_EQ(query_int(h.get(), "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'one'"), 1);
  EXPECT_EQ(query_int(h.get(), "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'two'"), 0);  // rolled back

  const migration fixed[] = {
      {1, "one", "CREATE TABLE one (x INTEGER);"},
      {2, "two", "CREATE TABLE two (x INTEGER);"},
  };
  EXPECT_EQ(apply_migrations(h, fixed, 2000), 1);  // only the missing one
  EXPECT_EQ(query_int(h.get(), "SELECT applied_at FROM schema_migrations WHERE version = 1"), 1000);
  EXPECT_EQ(query_int(h.get(), "SELECT applied_at FROM schema_migrations WHERE version = 2"), 2000);
}

TEST_F(SqliteBackend, ADatabaseFromANewerBuildIsRefused) {
  { sqlite_database db(path()); }
  {
    handle h(path());
    h.exec("INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)", "test");
  }
  runtime_error_of([&] { sqlite_database db(path()); }, "newer than this build");
}

TEST_F(SqliteBackend, StatementsBindEmptyTextAndBlobsAsValuesNotNull) {
  handle h(path());
  h.exec("CREATE TABLE t (s TEXT, b BLOB)", "test");
  statement insert(h.get(), "INSERT INTO t (s, b) VALUES (?1, ?2)");
  insert.use().bind(1, std::string_view()).bind_blob(2, std::string_view()).run();
  EXPECT_EQ(query_int(h.get(), "SELECT COUNT(*) FROM t WHERE s = '' AND b = x''"), 1);
  EXPECT_EQ(query_int(h.get(), "SELECT COUNT(*) FROM t WHERE s IS NULL OR b IS NULL"), 0);
}

TEST_F(SqliteBackend, AStatementIsResetWhenItsCursorEnds) {
  // A cursor left after one row of many must not keep its read snapshot: another connection's later commit
  // has to be visible to the next use.
  handle writer(path()), reader(path());
  writer.exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2);", "test");
  statement count(reader.get(), "SELECT COUNT(*) FROM t");
  statement first(reader.get(), "SELECT x FROM t ORDER BY x");
  {
    auto rows = first.use();
    ASSERT_TRUE(rows.step());  // stops after one row of two
  }
  writer.exec("INSERT INTO t VALUES (3)", "test");
  auto rows = count.use();
  ASSERT_TRUE(rows.step());
  EXPECT_EQ(rows.int64(0), 3);
}

TEST_F(SqliteBackend, SqlWithTwoStatementsIsRefusedAtPrepare) {
  handle h(path());
  EXPECT_THROW(statement(h.get(), "SELECT 1; SELECT 2"), std::runtime_error);
  EXPECT_THROW(statement(h.get(), "SELEKT 1"), std::runtime_error);
}

}  // namespace
}  // namespace suda::store::sqlite
