// Thin RAII layer over the SQLite C API: handles in unique_ptrs with their deleters, bound
// parameters only, and StoreError (a std::runtime_error) carrying SQLite's message.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "rasd/daemon/store_types.hpp"

namespace rasd::sql {

struct DbDeleter {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbDeleter>;

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  Statement(Statement&&) = default;

  Statement& bind(int index, std::string_view v);
  Statement& bind(int index, int64_t v);
  Statement& bind(int index, int v) { return bind(index, static_cast<int64_t>(v)); }
  Statement& bind(int index, const std::optional<int64_t>& v);
  Statement& bind_null(int index);

  // Steps once; true when a row is available.
  bool step();
  // Steps to completion (for statements without rows).
  void run();
  void reset();

  int64_t int64(int col) const { return sqlite3_column_int64(stmt_.get(), col); }
  std::optional<int64_t> opt_int64(int col) const;
  std::string text(int col) const;
  bool is_null(int col) const { return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL; }

 private:
  struct StmtDeleter {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, StmtDeleter> stmt_;
};

void exec(sqlite3* db, std::string_view sql);

// BEGIN IMMEDIATE ... COMMIT, rolled back by the destructor unless commit() was called. Inside
// another transaction it is a savepoint instead: its own work rolls back alone, and nothing is
// durable before the outer one commits.
class Transaction {
 public:
  explicit Transaction(sqlite3* db);
  ~Transaction();
  void commit();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

 private:
  sqlite3* db_;
  bool nested_ = false;
  bool done_ = false;
};

}  // namespace rasd::sql
