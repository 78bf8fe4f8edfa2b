#pragma once
// store::database on one SQLite file. Opening it applies pending migrations; each connect() opens a new
// connection to the file (one per thread: the writer and each reader-pool thread hold their own).
#include "store/store.hpp"

#include <string>

namespace suda::store::sqlite {

class sqlite_database final : public database {
 public:
  // Opens (creating when missing) the database file at `path` and migrates it. The folder must exist.
  // Throws std::runtime_error when the file cannot be opened or a migration fails.
  explicit sqlite_database(std::string path);

  std::unique_ptr<connection> connect() override;

  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

}  // namespace suda::store::sqlite
