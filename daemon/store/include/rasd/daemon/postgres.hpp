// PostgreSQL behind sql::Connection (sql_connection.hpp), through libpq: handles in unique_ptrs
// with their deleters, parameters always sent apart from the SQL text (PQexecParams), every
// error a sql::StoreError carrying the server's message and an SQLite-like code (so that
// StoreError::is_environmental() means the same on both backends).
//
// Thread safety: one thread at a time per PgConnection (libpq connections are not shared).
// Blocking: every call waits for the server; the daemon calls a store only from its store
// thread, never from the event loop.
#pragma once

#include <libpq-fe.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "rasd/daemon/sql_connection.hpp"

namespace rasd::sql {

// Whether `location` names a PostgreSQL database (a postgresql:// or postgres:// URL) rather
// than an SQLite file.
bool is_postgres_url(std::string_view location);

// The URL with its password replaced by "***", for messages and logs.
std::string redact_postgres_url(std::string_view url);
// A store's location as messages show it: an SQLite path as it is, a URL redacted.
inline std::string shown_location(std::string_view location) {
  return is_postgres_url(location) ? redact_postgres_url(location) : std::string(location);
}

struct PgConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgConnPtr = std::unique_ptr<PGconn, PgConnDeleter>;
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

// The store's SQL as PostgreSQL reads it: "?1" -> "$1" outside quoted text and comments (a bare
// "?" takes the next number), and SQLite's "INDEXED BY name" hints dropped.
std::string postgres_placeholders(std::string_view sql);

class PgConnection final : public Connection {
 public:
  // Connects (10 s timeout unless the URL sets connect_timeout; TCP keepalives; a read-only
  // connection stays read-only across reconnects). Throws StoreError naming the redacted URL
  // and libpq's reason.
  explicit PgConnection(const std::string& url, bool read_only = false);

  Dialect dialect() const override { return Dialect::postgres; }
  std::unique_ptr<Statement> prepare(std::string_view sql) override;
  // A named server-side statement, parsed once per session for each set of parameter types
  // (PostgreSQL then plans it once, or each time when a generic plan would be worse).
  std::unique_ptr<Statement> prepare_kept(std::string_view sql) override;
  void exec(std::string_view sql) override;
  int64_t changes() override { return changes_; }
  // Tracked from the server's answers, and kept while the connection is broken: a transaction
  // whose session died is "open" until rolled back, so nothing reconnects under it.
  bool in_transaction() const override;
  std::string_view begin_sql() const override { return "BEGIN"; }

  // Internal to the driver: a result checked for success (throws otherwise). A lost connection
  // is re-opened before a call only outside a transaction.
  PgResultPtr run(const std::string& sql, int n, const unsigned int* types,
                  const char* const* values, const int* lengths, bool kept = false);
  const std::string& url() const { return url_; }

 private:
  // One round trip: `send` issues it, and again once when retry_after_loss() allows.
  PgResultPtr call(std::string_view sql, const std::function<PGresult*()>& send);
  void before_call();
  bool retry_after_loss(std::string_view sql, bool was_in_transaction);
  void after_call();
  void ensure_connected();
  [[noreturn]] void fail(const PGresult* r, std::string_view sql);
  std::string url_;
  PgConnPtr conn_;
  int64_t changes_ = 0;
  bool tx_open_ = false;
  // Named statements by SQL and parameter types; each valid in the session it was made in
  // (a reconnect starts a new one: session_ counts them). Bounded by the statements kept.
  struct Named {
    std::string name;
    uint64_t session = 0;
  };
  std::unordered_map<std::string, Named> named_;
  uint64_t session_ = 1;
  uint64_t names_ = 0;
};

}  // namespace rasd::sql
