// The database a Store runs on, behind one small interface with two implementations: SQLite
// (sqlite.hpp, the embedded default) and PostgreSQL (postgres.hpp, shared by several instances).
// The Store writes one SQL text for both where it can: parameters are numbered `?1`, `?2`... (the
// PostgreSQL driver renumbers them `$1`, `$2`...), tables that are read in insertion order have a
// `rowid` column on PostgreSQL too, and the few statements that differ ask dialect().
//
// Thread safety: a Connection and its Statements are used by one thread at a time.
// Errors: every failure throws sql::StoreError (store_types.hpp) with the database's message.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "rasd/daemon/store_types.hpp"

namespace rasd::sql {

enum class Dialect { sqlite, postgres };

// One prepared statement. Bind its parameters (1-based), then step() through its rows; reset()
// clears the bindings and ends the read, so no statement keeps a snapshot open between uses.
class Statement {
 public:
  virtual ~Statement() = default;

  virtual Statement& bind(int index, std::string_view v) = 0;
  virtual Statement& bind(int index, int64_t v) = 0;
  Statement& bind(int index, int v) { return bind(index, static_cast<int64_t>(v)); }
  Statement& bind(int index, const std::optional<int64_t>& v) {
    return v ? bind(index, *v) : bind_null_integer(index);
  }
  Statement& bind(int index, const std::string& v) { return bind(index, std::string_view(v)); }
  Statement& bind(int index, const char* v) { return bind(index, std::string_view(v)); }
  virtual Statement& bind_null(int index) = 0;
  // A NULL known to stand for an integer (PostgreSQL must know a parameter's type where the
  // SQL does not tell, as in "?2 IS NULL OR id = ?2").
  virtual Statement& bind_null_integer(int index) { return bind_null(index); }
  // A value in its text form whose type the column it goes into decides (a copy between
  // stores: "42" into a BIGINT column is 42). SQLite's column affinity does that for text.
  virtual Statement& bind_literal(int index, std::string_view v) { return bind(index, v); }

  // Runs the statement on its first call; true when a row is available.
  virtual bool step() = 0;
  // Steps to completion (statements without rows), then resets.
  void run() {
    while (step()) {
    }
    reset();
  }
  virtual void reset() = 0;

  // Columns of the current row (0-based). A boolean column reads as 0 or 1.
  virtual int64_t int64(int col) const = 0;
  std::optional<int64_t> opt_int64(int col) const {
    if (is_null(col)) return std::nullopt;
    return int64(col);
  }
  virtual std::string text(int col) const = 0;
  virtual bool is_null(int col) const = 0;
};

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  virtual std::unique_ptr<Statement> prepare(std::string_view sql) = 0;
  // The same for a statement its owner keeps and runs many times: a server may parse and plan
  // it once per session.
  virtual std::unique_ptr<Statement> prepare_kept(std::string_view sql) { return prepare(sql); }
  // Runs one or more statements without parameters.
  virtual void exec(std::string_view sql) = 0;
  // Rows changed by the statement that ran last.
  virtual int64_t changes() = 0;
  // Whether a transaction is open. False also after the database rolled one back by itself
  // (SQLite may on a full disk), which ends every savepoint inside it too.
  virtual bool in_transaction() const = 0;
  // The statement that opens an outermost write transaction.
  virtual std::string_view begin_sql() const = 0;
};

// A statement owned by value, prepared from `db` (for statements a Store runs once; the hot
// ones it prepares once and keeps). Forwards to the Statement it holds.
class Query {
 public:
  Query(Connection& db, std::string_view sql) : s_(db.prepare(sql)) {}

  Query& bind(int i, std::string_view v) { return s_->bind(i, v), *this; }
  Query& bind(int i, const std::string& v) { return s_->bind(i, v), *this; }
  Query& bind(int i, const char* v) { return s_->bind(i, v), *this; }
  Query& bind(int i, int64_t v) { return s_->bind(i, v), *this; }
  Query& bind(int i, int v) { return s_->bind(i, v), *this; }
  Query& bind(int i, const std::optional<int64_t>& v) { return s_->bind(i, v), *this; }
  Query& bind_null(int i) { return s_->bind_null(i), *this; }
  bool step() { return s_->step(); }
  void run() { s_->run(); }
  void reset() { s_->reset(); }
  int64_t int64(int col) const { return s_->int64(col); }
  std::optional<int64_t> opt_int64(int col) const { return s_->opt_int64(col); }
  std::string text(int col) const { return s_->text(col); }
  bool is_null(int col) const { return s_->is_null(col); }
  operator Statement&() { return *s_; }              // NOLINT: a Query is its statement
  operator const Statement&() const { return *s_; }  // NOLINT

 private:
  std::unique_ptr<Statement> s_;
};

// An outermost transaction (begin_sql() ... COMMIT), rolled back by the destructor unless
// commit() was called. Inside another transaction it is a savepoint instead: its own work rolls
// back alone (on PostgreSQL too, where a failed statement would otherwise abort the outer
// transaction), and nothing is durable before the outer one commits.
class Transaction {
 public:
  explicit Transaction(Connection& db);
  ~Transaction();
  void commit();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

 private:
  Connection& db_;
  bool nested_ = false;
  bool done_ = false;
};

}  // namespace rasd::sql
