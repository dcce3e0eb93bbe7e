// Internal to store/: the schema, as the migrations that build it (store_migrations.cpp).
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "rasd/daemon/store.hpp"

namespace rasd::detail {

// Migration N brings the schema from version N-1 to N; Store::migrate() runs each in its own
// transaction. Never edit a released entry; append.
extern const std::array<std::string_view, Store::kSchemaVersion> kMigrations;
// For each version (index + 1), the oldest rasd (by its kSchemaVersion) that may run on it
// (Store::SchemaInfo): the version itself, or an older one when the migration only adds.
// Versions before 16 predate the rule and name themselves.
extern const std::array<int, Store::kSchemaVersion> kOldestBinary;

// Migration `index` (0-based: it makes version index + 1) as PostgreSQL runs it
// (store_migrations_pg.cpp): the SQLite text with PostgreSQL's types, a `rowid` identity column
// on the tables read in insertion order, and its own text where the two differ (search).
std::string postgres_migration(size_t index);

// The words of `s` (space separated) that fit in `max_bytes`, whole.
inline std::string_view head_words(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  const size_t cut = s.rfind(' ', max_bytes);
  return s.substr(0, cut == std::string_view::npos ? 0 : cut);
}

}  // namespace rasd::detail
