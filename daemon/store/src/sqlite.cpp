#include "rasd/daemon/sqlite.hpp"

namespace rasd::sql {

bool StoreError::is_environmental() const {
  const int primary = code_ & 0xFF;
  return primary == SQLITE_FULL || primary == SQLITE_READONLY || primary == SQLITE_IOERR ||
         primary == SQLITE_CANTOPEN || primary == SQLITE_PERM || primary == SQLITE_BUSY;
}

namespace {
[[noreturn]] void fail(sqlite3* db, int rc, std::string_view what) {
  throw StoreError(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)), rc);
}

class SqliteStatement final : public Statement {
 public:
  using Statement::bind;
  SqliteStatement(sqlite3* db, std::string_view sql) : db_(db) {
    sqlite3_stmt* s = nullptr;
    const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
    if (rc != SQLITE_OK) fail(db, rc, "prepare '" + std::string(sql.substr(0, 60)) + "'");
    stmt_.reset(s);
  }

  Statement& bind(int i, std::string_view v) override {
    const int rc =
        sqlite3_bind_text(stmt_.get(), i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) fail(db_, rc, "bind");
    return *this;
  }
  Statement& bind(int i, int64_t v) override {
    const int rc = sqlite3_bind_int64(stmt_.get(), i, v);
    if (rc != SQLITE_OK) fail(db_, rc, "bind");
    return *this;
  }
  Statement& bind_null(int i) override {
    const int rc = sqlite3_bind_null(stmt_.get(), i);
    if (rc != SQLITE_OK) fail(db_, rc, "bind");
    return *this;
  }
  bool step() override {
    const int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, rc, "step");
  }
  void reset() override {
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
  }
  int64_t int64(int col) const override { return sqlite3_column_int64(stmt_.get(), col); }
  std::string text(int col) const override {
    const auto* p = sqlite3_column_text(stmt_.get(), col);
    if (!p) return {};
    return std::string(reinterpret_cast<const char*>(p),
                       static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), col)));
  }
  bool is_null(int col) const override {
    return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL;
  }

 private:
  struct StmtDeleter {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, StmtDeleter> stmt_;
};

}  // namespace

SqliteConnection::SqliteConnection(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_.reset(raw);
  if (rc != SQLITE_OK) {
    throw StoreError(
        "cannot open database '" + path + "': " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)),
        rc);
  }
}

std::unique_ptr<Statement> SqliteConnection::prepare(std::string_view sql) {
  return std::make_unique<SqliteStatement>(db_.get(), sql);
}

void SqliteConnection::exec(std::string_view sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_.get(), std::string(sql).c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw StoreError("exec: " + msg, rc);
  }
}

}  // namespace rasd::sql
