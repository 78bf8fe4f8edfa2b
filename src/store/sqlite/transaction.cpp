#include "store/sqlite/transaction.hpp"

#include "core/log.hpp"

#include <exception>

namespace suda::store::sqlite {

transaction::transaction(sqlite3* db, transaction_statements statements) : db_(db), statements_(statements) {
  statements_.begin.use().run();
  open_ = true;
}

void transaction::commit() {
  statements_.commit.use().run();
  open_ = false;
}

transaction::~transaction() {
  if (!open_) return;
  // Some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM...) make SQLite roll back by itself; a ROLLBACK
  // then would fail with "no transaction is active".
  if (sqlite3_get_autocommit(db_) != 0) return;
  try {
    statements_.rollback.use().run();
  } catch (const std::exception& e) {
    // A destructor must not throw, and the failure that brought us here is already on its way up.
    core::log::error("sqlite", "rollback failed: ", e.what());
  }
}

}  // namespace suda::store::sqlite
