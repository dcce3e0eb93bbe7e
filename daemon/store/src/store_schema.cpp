// Store: the schema's version, its compatibility with older releases, and the migrations
// (store.hpp, store_migrations.hpp). The version is SQLite's user_version, or the rasd_schema
// table on PostgreSQL; the oldest release that may run on it is the rasd_compat table on both
// (missing: only a rasd of that very version).
#include "rasd/daemon/sqlite.hpp"
#include "rasd/daemon/store.hpp"
#include "store_migrations.hpp"

namespace rasd {
namespace {

// Every instance migrating a shared PostgreSQL database takes this transaction-scoped lock
// first, so two instances started together never run the same migration twice.
constexpr std::string_view kMigrationLock = "SELECT pg_advisory_xact_lock(7243001500)";

bool table_exists(sql::Connection& db, std::string_view table) {
  sql::Query q(db, db.dialect() == sql::Dialect::postgres
                       ? "SELECT to_regclass(?1) IS NOT NULL"
                       : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1");
  q.bind(1, table);
  return q.step() && q.int64(0) != 0;
}

}  // namespace

Store::SchemaInfo Store::schema() {
  SchemaInfo info;
  if (db_->dialect() == sql::Dialect::postgres) {
    if (!table_exists(*db_, "rasd_schema")) return info;
    sql::Query s(*db_, "SELECT coalesce(max(version), 0) FROM rasd_schema");
    s.step();
    info.version = static_cast<int>(s.int64(0));
  } else {
    sql::Query s(*db_, "PRAGMA user_version");
    s.step();
    info.version = static_cast<int>(s.int64(0));
  }
  info.oldest_binary = info.version;
  if (info.version > 0 && table_exists(*db_, "rasd_compat")) {
    sql::Query c(*db_, "SELECT min(oldest_binary) FROM rasd_compat");
    if (c.step() && !c.is_null(0)) info.oldest_binary = static_cast<int>(c.int64(0));
  }
  return info;
}

std::optional<std::string> Store::schema_refusal(const SchemaInfo& info) {
  if (info.version <= kSchemaVersion || info.oldest_binary <= kSchemaVersion) return std::nullopt;
  return "database schema version " + std::to_string(info.version) +
         " is newer than this rasd supports (" + std::to_string(kSchemaVersion) +
         ") and needs a rasd of schema version " + std::to_string(info.oldest_binary) +
         " or later; upgrade rasd";
}

void Store::migrate() {
  const bool pg = db_->dialect() == sql::Dialect::postgres;
  // The usual case, a current schema (or a newer one this rasd may run on), takes no lock and
  // writes nothing (on PostgreSQL a role that may not create tables runs on a database an owner
  // migrated).
  if (const SchemaInfo info = schema(); info.version >= kSchemaVersion) {
    if (auto refused = schema_refusal(info)) throw sql::StoreError(*refused, SQLITE_MISMATCH);
    return;
  }
  for (;;) {
    sql::Transaction tx(*db_);
    if (pg) {
      db_->exec(kMigrationLock);
      db_->exec("CREATE TABLE IF NOT EXISTS rasd_schema(version BIGINT NOT NULL)");
    }
    // Read under the lock: another instance may have moved it.
    const SchemaInfo info = schema();
    if (info.version >= kSchemaVersion) {
      if (auto refused = schema_refusal(info)) throw sql::StoreError(*refused, SQLITE_MISMATCH);
      return;
    }
    const int v = info.version;
    if (pg) {
      db_->exec(detail::postgres_migration(static_cast<size_t>(v)));
      db_->exec("DELETE FROM rasd_schema");
      db_->exec("INSERT INTO rasd_schema(version) VALUES(" + std::to_string(v + 1) + ")");
    } else {
      db_->exec(detail::kMigrations[static_cast<size_t>(v)]);
      db_->exec("PRAGMA user_version=" + std::to_string(v + 1));
    }
    db_->exec("CREATE TABLE IF NOT EXISTS rasd_compat(oldest_binary BIGINT NOT NULL)");
    db_->exec("DELETE FROM rasd_compat");
    db_->exec("INSERT INTO rasd_compat(oldest_binary) VALUES(" +
              std::to_string(detail::kOldestBinary[static_cast<size_t>(v)]) + ")");
    tx.commit();
    // Each step's pages into the database now, so that the next step writes the WAL from its
    // start again: a new store's WAL holds one migration, not all of them (about 600 KB).
    if (!pg) db_->exec("PRAGMA wal_checkpoint(PASSIVE)");
  }
}

}  // namespace rasd
