#pragma once
// An open SQLite database file with the settings every suda connection runs with:
//  - WAL journal: readers see the last commit while the writer works, and a commit is one append + fsync;
//  - synchronous=FULL: a commit is on disk when COMMIT returns (an ack means durable, see DESIGN.md);
//  - foreign_keys=ON: SQLite leaves them off unless asked, per connection;
//  - busy_timeout: two connections that want the write lock at once wait for each other instead of failing.
#include <sqlite3.h>

#include <memory>
#include <string>

namespace suda::store::sqlite {

// Process-wide SQLite settings, applied once before the first connection opens (handle's constructor calls it).
void configure_library();

class handle {
 public:
  // How long a connection waits for a lock held by another connection before giving up with SQLITE_BUSY.
  static constexpr int busy_timeout_ms = 5000;

  // Opens (creating when missing) the database file at `path`. Throws std::runtime_error on failure.
  explicit handle(const std::string& path);

  sqlite3* get() const noexcept { return db_.get(); }

  // Runs constant SQL that may hold several statements (pragmas, migrations). Never for values: those are bound.
  void exec(const char* sql, const char* context);

 private:
  struct closer {
    // close_v2: safe even if a statement outlived us by mistake (the handle closes once it is finalized).
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, closer> db_;
};

}  // namespace suda::store::sqlite
