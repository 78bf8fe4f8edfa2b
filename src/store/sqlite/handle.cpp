#include "store/sqlite/handle.hpp"

#include "store/sqlite/statement.hpp"

#include <stdexcept>

namespace suda::store::sqlite {

handle::handle(const std::string& path) {
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
