#include "store/sqlite/sqlite_database.hpp"

#include "core/clock.hpp"
#include "store/sqlite/handle.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sqlite_connection.hpp"

#include <stdexcept>

namespace suda::store::sqlite {

sqlite_database::sqlite_database(std::string path) : path_(std::move(path)) {
  // Connections are opened NOMUTEX and used from several threads (one at a time each), which needs a library
  // built thread-safe; a single-threaded build would corrupt memory instead of failing.
  if (sqlite3_threadsafe() == 0) throw std::runtime_error("sqlite: the SQLite library was built without threads");
  // Migrations run on a connection of their own, closed afterwards: connections opened later prepare their
  // statements against the final schema.
  handle db(path_);
  apply_migrations(db, all_migrations(), core::now_ms());
}

std::unique_ptr<connection> sqlite_database::connect() { return std::make_unique<sqlite_connection>(path_); }

}  // namespace suda::store::sqlite
