#include "store/sqlite/statement.hpp"

#include <limits>
#include <stdexcept>

namespace suda::store::sqlite {

void throw_error(sqlite3* db, std::string_view context) {
  std::string text = "sqlite: ";
  text += context;
  text += ": ";
  text += db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  throw std::runtime_error(text);
}

namespace {

// The start of a statement's SQL, for error messages: enough to tell which statement failed.
std::string excerpt(std::string_view sql) {
  auto start = sql.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return {};
  sql = sql.substr(start, 60);
  std::string out(sql);
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return out;
}

// SQLite takes lengths as int; a longer value is refused here rather than silently truncated.
int checked_length(std::size_t size) {
  if (size > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw std::runtime_error("sqlite: value too large to bind");
  }
  return static_cast<int>(size);
}

}  // namespace

statement::statement(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  // PERSISTENT: the statement lives as long as the connection, so SQLite keeps it out of its lookaside pool.
  int rc = sqlite3_prepare_v3(db, sql.data(), checked_length(sql.size()), SQLITE_PREPARE_PERSISTENT, &raw, &tail);
  stmt_.reset(raw);
  if (rc != SQLITE_OK) throw_error(db, "prepare " + excerpt(sql));
  if (raw == nullptr) throw std::runtime_error("sqlite: prepare: empty statement");
  // One statement per object: trailing SQL would be silently ignored by sqlite3_prepare.
  for (; tail != nullptr && *tail != '\0'; ++tail) {
    if (*tail != ' ' && *tail != '\n' && *tail != '\t' && *tail != '\r' && *tail != ';') {
      throw std::runtime_error("sqlite: prepare: more than one statement in " + excerpt(sql));
    }
  }
}

statement::cursor statement::use() { return cursor(stmt_.get()); }

statement::cursor::~cursor() {
  // reset() repeats the error of a failed step, which was already reported by step(); nothing to do with it.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void statement::cursor::check_bind(int rc, int index) const {
  if (rc != SQLITE_OK) throw_error(sqlite3_db_handle(stmt_), "bind parameter " + std::to_string(index));
}

statement::cursor& statement::cursor::bind(int index, std::string_view text) {
  // An empty string_view may carry a null pointer, which SQLite would store as NULL rather than ''.
  const char* data = text.data() != nullptr ? text.data() : "";
  check_bind(sqlite3_bind_text(stmt_, index, data, checked_length(text.size()), SQLITE_TRANSIENT), index);
  return *this;
}

statement::cursor& statement::cursor::bind(int index, std::int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_, index, value), index);
  return *this;
}

statement::cursor& statement::cursor::bind(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

statement::cursor& statement::cursor::bind(int index, std::optional<std::int64_t> value) {
  return value ? bind(index, *value) : bind_null(index);
}

statement::cursor& statement::cursor::bind_null(int index) {
  check_bind(sqlite3_bind_null(stmt_, index), index);
  return *this;
}

statement::cursor& statement::cursor::bind_blob(int index, std::string_view bytes) {
  // As with text: a zero-length blob must not become NULL.
  if (bytes.empty()) {
    check_bind(sqlite3_bind_zeroblob(stmt_, index, 0), index);
  } else {
    check_bind(sqlite3_bind_blob(stmt_, index, bytes.data(), checked_length(bytes.size()), SQLITE_TRANSIENT),
               index);
  }
  return *this;
}

bool statement::cursor::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const char* sql = sqlite3_sql(stmt_);
  throw_error(sqlite3_db_handle(stmt_), sql != nullptr ? excerpt(sql) : std::string());
}

void statement::cursor::run() {
  while (step()) {
  }
}

int statement::cursor::changes() const noexcept { return sqlite3_changes(sqlite3_db_handle(stmt_)); }

bool statement::cursor::is_null(int column) const noexcept {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::string statement::cursor::text(int column) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (data == nullptr) return {};
  // Length after the text call: the conversion to text (if any) is what the byte count describes.
  return std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<std::string> statement::cursor::optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

std::int64_t statement::cursor::int64(int column) const noexcept { return sqlite3_column_int64(stmt_, column); }

std::optional<std::int64_t> statement::cursor::optional_int64(int column) const noexcept {
  if (is_null(column)) return std::nullopt;
  return int64(column);
}

std::string statement::cursor::blob(int column) const {
  const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  if (data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

}  // namespace suda::store::sqlite
