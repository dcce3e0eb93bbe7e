// SQLite behind sql::Connection (sql_connection.hpp): handles in unique_ptrs with their
// deleters, bound parameters only, and StoreError carrying SQLite's message and result code.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "rasd/daemon/sql_connection.hpp"

namespace rasd::sql {

struct DbDeleter {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbDeleter>;

class SqliteConnection final : public Connection {
 public:
  // Opens `path` with sqlite3_open_v2 `flags`; throws StoreError naming the file.
  SqliteConnection(const std::string& path, int flags);

  Dialect dialect() const override { return Dialect::sqlite; }
  std::unique_ptr<Statement> prepare(std::string_view sql) override;
  void exec(std::string_view sql) override;
  int64_t changes() override { return sqlite3_changes64(db_.get()); }
  bool in_transaction() const override { return sqlite3_get_autocommit(db_.get()) == 0; }
  // IMMEDIATE: take the write lock at once, so a writer waits at BEGIN (busy timeout) rather
  // than failing later on a lock upgrade.
  std::string_view begin_sql() const override { return "BEGIN IMMEDIATE"; }

  sqlite3* handle() const { return db_.get(); }

 private:
  DbPtr db_;
};

}  // namespace rasd::sql
