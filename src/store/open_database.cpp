// store::open_database: picks the backend from the database URL.
#include "store/sqlite/sqlite_database.hpp"
#include "store/store.hpp"

#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <system_error>

namespace suda::store {
namespace {

std::unique_ptr<database> open_sqlite(const std::string& path) {
  if (path.empty()) throw std::runtime_error("database URL \"sqlite:\" needs a file path (sqlite:./data/suda.db)");
  // Every connection to ":memory:" would be a separate, empty database, and it cannot use WAL anyway.
  if (path == ":memory:") throw std::runtime_error("sqlite::memory: is not supported: use a file path");
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw std::runtime_error("cannot create the database folder " + parent.string() + ": " + ec.message());
  }
  return std::make_unique<sqlite::sqlite_database>(path);
}

}  // namespace

std::unique_ptr<database> open_database(const std::string& url) {
  constexpr std::string_view sqlite_scheme = "sqlite:";
  if (url.starts_with(sqlite_scheme)) return open_sqlite(url.substr(sqlite_scheme.size()));

  // PostgreSQL goes here: "postgres://" and "postgresql://" -> store/postgres/postgres_database.

  // Only the scheme is echoed: the rest of a URL may hold a password.
  auto colon = url.find(':');
  std::string scheme = colon == std::string::npos ? std::string() : url.substr(0, colon);
  throw std::runtime_error("unsupported database URL" +
                           (scheme.empty() ? std::string(" (no scheme)") : " (scheme \"" + scheme + "\")") +
                           "; expected sqlite:PATH");
}

}  // namespace suda::store
