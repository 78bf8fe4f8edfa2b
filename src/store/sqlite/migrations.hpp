#pragma once
// Versioned schema migrations for the SQLite backend. The table schema_migrations records each applied
// version; opening a database applies the missing ones in order, each in its own transaction, so a failed
// migration leaves the database at the previous version and re-opening never applies one twice.
#include "core/clock.hpp"
#include "store/sqlite/handle.hpp"

#include <span>

namespace suda::store::sqlite {

struct migration {
  int version;       // 1, 2, 3...: strictly increasing, never reused or edited once released
  const char* name;  // for the log
  const char* sql;   // constant SQL, possibly several statements; no BEGIN/COMMIT (the runner owns those)
};

// Every migration of this build, oldest first (defined in migrations.cpp).
std::span<const migration> all_migrations();

// Applies the migrations of `list` that the database has not seen, recording each with `now`. Returns how
// many were applied. Throws std::runtime_error when one fails, or when the database was migrated by a newer
// build (a version past the last of `list`): running old code on a newer schema could corrupt it.
int apply_migrations(handle& db, std::span<const migration> list, core::millis now);

}  // namespace suda::store::sqlite
