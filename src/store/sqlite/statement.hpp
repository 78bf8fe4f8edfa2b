#pragma once
// A prepared statement, prepared once per connection and reused for every call (parsing and planning SQL is
// most of the cost of a small query). Using one goes through a `cursor`, which resets the statement and
// clears its bindings when it goes out of scope: a statement left mid-step would keep its read snapshot
// open, so the connection would stop seeing other connections' commits and WAL checkpoints could not finish.
//
// SQL reaches SQLite only as constant text; values are always bound as parameters.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace suda::store::sqlite {

class statement {
 public:
  // Prepares `sql` (one statement) on `db`. Throws std::runtime_error when the SQL does not compile.
  statement(sqlite3* db, std::string_view sql);

  class cursor;
  // Starts one use of the statement: bind, step, read columns; reset when the cursor is destroyed.
  cursor use();

 private:
  struct finalizer {
    void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
  };
  std::unique_ptr<sqlite3_stmt, finalizer> stmt_;
};

class statement::cursor {
 public:
  explicit cursor(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}
  ~cursor();
  cursor(const cursor&) = delete;
  cursor& operator=(const cursor&) = delete;

  // Parameters are numbered from 1, as in the SQL (?1, ?2, ...). Text and blobs are copied by SQLite.
  cursor& bind(int index, std::string_view text);
  // (std::string and const char* get their own overloads: both would otherwise be ambiguous between
  // string_view and optional<string>.)
  cursor& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  cursor& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  cursor& bind(int index, std::int64_t value);
  cursor& bind(int index, const std::optional<std::string>& text);
  cursor& bind(int index, std::optional<std::int64_t> value);
  cursor& bind_null(int index);
  cursor& bind_blob(int index, std::string_view bytes);

  // Advances to the next row: true when there is one, false when the statement is done. Throws
  // std::runtime_error (with SQLite's message) on any error.
  bool step();
  // Runs a statement that returns no rows (or whose rows do not matter) to completion.
  void run();
  // Rows changed by the last run (INSERT/UPDATE/DELETE), as sqlite3_changes reports.
  int changes() const noexcept;

  // Columns are numbered from 0, in SELECT order.
  bool is_null(int column) const noexcept;
  std::string text(int column) const;
  std::optional<std::string> optional_text(int column) const;
  std::int64_t int64(int column) const noexcept;
  std::optional<std::int64_t> optional_int64(int column) const noexcept;
  std::string blob(int column) const;

 private:
  void check_bind(int rc, int index) const;
  sqlite3_stmt* stmt_;
};

// Throws std::runtime_error "sqlite: <context>: <SQLite's message>" for the last error on `db`.
[[noreturn]] void throw_error(sqlite3* db, std::string_view context);

}  // namespace suda::store::sqlite
