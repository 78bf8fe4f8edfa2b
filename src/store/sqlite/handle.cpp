#include "store/sqlite/handle.hpp"

#include "store/sqlite/statement.hpp"

#include <mutex>
#include <stdexcept>

namespace suda::store::sqlite {

void configure_library() {
  static std::once_flag once;
  std::call_once(once, [] {
    // No memory statistics: with them on (Debian's default), every allocation SQLite makes takes a global
    // mutex to count it, and Debian's build omits the lookaside allocator, so each statement step allocates.
    // suda never reads the statistics. Only possible before SQLite initializes; if something initialized it
    // first, SQLite refuses with SQLITE_MISUSE and keeps counting, which is correct, only slower.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  });
}

handle::handle(const std::string& path) {
  configure_library();
  sqlite3* raw = nullptr;
  // NOMUTEX: a connection is used by one thread at a time (store.hpp), so SQLite's own locking is not needed.
  // No SQLITE_OPEN_URI: the path is a file name, never parsed for query parameters.
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  db_.reset(raw);  // even a failed open returns a handle that must be closed
  if (rc != SQLITE_OK) throw_error(raw, "cannot open " + path);

  // Extended codes tell a UNIQUE violation from other constraint failures in error messages.
  sqlite3_extended_result_codes(raw, 1);
  // First, so that the pragmas below (journal_mode needs a lock) already wait for a busy database.
  sqlite3_busy_timeout(raw, busy_timeout_ms);

  // journal_mode answers with the mode in force, which is not WAL when the file cannot use it (":memory:",
  // some network file systems): refuse to run without it rather than lose the read/write concurrency.
  {
    statement journal(raw, "PRAGMA journal_mode=WAL");
    auto row = journal.use();
    if (!row.step() || row.text(0) != "wal") {
      throw std::runtime_error("sqlite: " + path + " cannot use WAL journal mode");
    }
  }
  exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", "connection settings");
}

void handle::exec(const char* sql, const char* context) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return;
  std::string text = std::string("sqlite: ") + context + ": " + (message != nullptr ? message : sqlite3_errstr(rc));
  sqlite3_free(message);
  throw std::runtime_error(text);
}

}  // namespace suda::store::sqlite
