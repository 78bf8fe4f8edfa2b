#pragma once
// A transaction scope: begins in the constructor, commits on commit(), rolls back when left any other way
// (an exception from a statement). Write transactions begin with BEGIN IMMEDIATE, which takes the write
// lock up front: a deferred transaction that reads first and writes later can fail with SQLITE_BUSY at the
// write, when another connection committed in between, and busy_timeout cannot help it.
#include "store/sqlite/statement.hpp"

namespace suda::store::sqlite {

// The three statements a connection prepares once and every transaction of it reuses.
struct transaction_statements {
  statement& begin;
  statement& commit;
  statement& rollback;
};

class transaction {
 public:
  transaction(sqlite3* db, transaction_statements statements);
  ~transaction();
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;

  void commit();

 private:
  sqlite3* db_;
  transaction_statements statements_;
  bool open_ = false;
};

}  // namespace suda::store::sqlite
