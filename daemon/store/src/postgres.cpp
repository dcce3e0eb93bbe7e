#include "rasd/daemon/postgres.hpp"

#include <sqlite3.h>  // the result codes StoreError carries on both backends

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <vector>

namespace rasd::sql {
namespace {

constexpr unsigned int kInt8Oid = 20;
constexpr unsigned int kTextOid = 25;

// SQLSTATE classes mapped onto the SQLite codes StoreError::is_environmental() knows: a full
// disk or too many connections is the operator's to fix, as is a server that went away.
int code_of(std::string_view sqlstate) {
  if (sqlstate.substr(0, 2) == "53") return SQLITE_FULL;      // disk full, out of memory...
  if (sqlstate.substr(0, 2) == "08") return SQLITE_CANTOPEN;  // connection exception
  if (sqlstate.substr(0, 2) == "57") return SQLITE_CANTOPEN;  // shutdown, crash recovery
  if (sqlstate == "25006") return SQLITE_READONLY;            // read-only transaction
  if (sqlstate == "42501") return SQLITE_PERM;                // insufficient privilege
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03") return SQLITE_BUSY;
  if (sqlstate.substr(0, 2) == "23") return SQLITE_CONSTRAINT;
  return SQLITE_ERROR;
}

// libpq's messages end in a newline and put hints on lines of their own: one line for logs
// and `file:line:col` diagnostics.
std::string trimmed(const char* message) {
  std::string m;
  for (const char* p = message ? message : ""; *p; ++p) {
    if (*p == '\n' || *p == '\t') {
      if (!m.empty() && m.back() != ' ') m += ' ';
    } else {
      m += *p;
    }
  }
  while (!m.empty() && m.back() == ' ') m.pop_back();
  return m;
}

// PostgreSQL's text cannot hold a NUL byte (libpq would cut the value there, silently): each
// one becomes U+FFFD, as a decoder shows an undecodable byte, so the rest of the text stays.
std::string without_nul(std::string_view v) {
  if (v.find('\0') == std::string_view::npos) return std::string(v);
  std::string out;
  out.reserve(v.size() + 8);
  for (const char c : v) {
    if (c == '\0') {
      out += "\xEF\xBF\xBD";
    } else {
      out += c;
    }
  }
  return out;
}

class PgStatement final : public Statement {
 public:
  using Statement::bind;
  PgStatement(PgConnection& db, std::string_view sql, bool kept)
      : db_(db), sql_(postgres_placeholders(sql)), kept_(kept) {}

  Statement& bind(int i, std::string_view v) override {
    slot(i) = {without_nul(v), kTextOid, false};
    return *this;
  }
  Statement& bind(int i, int64_t v) override {
    slot(i) = {std::to_string(v), kInt8Oid, false};
    return *this;
  }
  Statement& bind_null(int i) override {
    slot(i) = {{}, 0, true};
    return *this;
  }
  Statement& bind_literal(int i, std::string_view v) override {
    slot(i) = {without_nul(v), 0, false};
    return *this;
  }
  Statement& bind_null_integer(int i) override {
    slot(i) = {{}, kInt8Oid, true};
    return *this;
  }

  bool step() override {
    if (!result_) {
      execute();
      row_ = 0;
    } else {
      ++row_;
    }
    return row_ < PQntuples(result_.get());
  }

  void reset() override {
    result_.reset();
    params_.clear();
    row_ = -1;
  }

  int64_t int64(int col) const override {
    const char* v = PQgetvalue(result_.get(), row_, col);
    const int n = PQgetlength(result_.get(), row_, col);
    if (n == 1 && (v[0] == 't' || v[0] == 'f')) return v[0] == 't' ? 1 : 0;  // a boolean
    // numeric aggregates (sum of bigint) print without a fraction for whole values
    int64_t out = 0;
    if (n > 0 && std::from_chars(v, v + n, out).ec != std::errc()) {
      throw StoreError("column " + std::to_string(col) + " is not an integer: '" +
                           std::string(v, static_cast<size_t>(n)) + "'",
                       SQLITE_MISMATCH);
    }
    return out;
  }
  std::string text(int col) const override {
    return std::string(PQgetvalue(result_.get(), row_, col),
                       static_cast<size_t>(PQgetlength(result_.get(), row_, col)));
  }
  bool is_null(int col) const override { return PQgetisnull(result_.get(), row_, col) != 0; }

 private:
  // A parameter never bound is a NULL of type text (the SQL may not name it: the dashboard's
  // filters skip numbers, and the server must still know every parameter's type); one bound
  // NULL has type 0, which the server infers from where the SQL uses it.
  struct Param {
    std::string value;
    unsigned int type = kTextOid;
    bool null = true;
  };
  Param& slot(int i) {
    if (i < 1) throw StoreError("bind: parameter index " + std::to_string(i), SQLITE_RANGE);
    if (static_cast<size_t>(i) > params_.size()) params_.resize(static_cast<size_t>(i));
    return params_[static_cast<size_t>(i) - 1];
  }
  void execute() {
    std::vector<unsigned int> types;
    std::vector<const char*> values;
    std::vector<int> lengths;
    for (const auto& p : params_) {
      types.push_back(p.type);
      values.push_back(p.null ? nullptr : p.value.c_str());
      lengths.push_back(static_cast<int>(p.value.size()));
    }
    result_ = db_.run(sql_, static_cast<int>(params_.size()), types.data(), values.data(),
                      lengths.data(), kept_);
  }

  PgConnection& db_;
  std::string sql_;
  bool kept_;
  std::vector<Param> params_;
  PgResultPtr result_;
  int row_ = -1;
};

}  // namespace

bool is_postgres_url(std::string_view location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

std::string redact_postgres_url(std::string_view url) {
  std::string out(url);
  const auto scheme = out.find("://");
  if (scheme == std::string::npos) return out;
  // user:password@host: a valid URL encodes '@' in the password, so the first '@' ends it; a
  // password with an unencoded '/' or '?' is still inside user info up to there.
  const auto at = out.find('@', scheme + 3);
  if (at != std::string::npos) {
    const auto colon = out.find(':', scheme + 3);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  // ?password=... among the parameters
  for (size_t p = out.find("password=", scheme); p != std::string::npos;
       p = out.find("password=", p + 1)) {
    if (p == 0 || (out[p - 1] != '?' && out[p - 1] != '&')) continue;
    const size_t value = p + 9;
    const size_t end = std::min(out.find('&', value), out.size());
    out.replace(value, end - value, "***");
  }
  return out;
}

std::string postgres_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 8);
  int next = 1;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {  // copy the quoted text whole ('' and "" escape themselves)
      const size_t close = sql.find(c, i + 1);
      const size_t end = close == std::string_view::npos ? sql.size() : close + 1;
      out.append(sql.substr(i, end - i));
      i = end - 1;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const size_t eol = sql.find('\n', i);
      const size_t end = eol == std::string_view::npos ? sql.size() : eol;
      out.append(sql.substr(i, end - i));
      i = end - 1;
    } else if (sql.substr(i, 11) == "INDEXED BY ") {
      // SQLite's index hint: PostgreSQL's planner takes none; drop it with its index name.
      size_t j = i + 11;
      while (j < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[j])) || sql[j] == '_'))
        ++j;
      i = j - 1;
    } else if (c == '?') {
      size_t j = i + 1;
      while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') ++j;
      out += '$';
      if (j > i + 1) {
        out.append(sql.substr(i + 1, j - i - 1));
      } else {
        out += std::to_string(next++);
      }
      i = j - 1;
    } else {
      out += c;
    }
  }
  return out;
}

PgConnection::PgConnection(const std::string& url, bool read_only) : url_(url) {
  // Defaults first: with expand_dbname the URL's own settings override them. Session settings
  // go in `options`, so that a reset connection has them too (read-only above all).
  // lock_timeout: an instance that stalls holding story or rule locks (store_stories.cpp) holds
  // the others' batches for at most this long; theirs then fail, and their answers are fetched
  // again.
  const std::string options =
      std::string("-c client_min_messages=warning -c TimeZone=UTC -c lock_timeout=30s") +
      (read_only ? " -c default_transaction_read_only=on" : "");
  // Keepalives and a TCP timeout: a server that vanished without a FIN fails a call within
  // about half a minute instead of hanging the store thread.
  const char* keys[] = {"connect_timeout",  "application_name", "keepalives", "keepalives_idle",
                        "tcp_user_timeout", "options",          "dbname",     nullptr};
  const char* values[] = {"10", "rasd", "1", "10", "30000", options.c_str(), url.c_str(), nullptr};
  conn_.reset(PQconnectdbParams(keys, values, 1));
  if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) {
    throw StoreError("cannot connect to PostgreSQL at " + redact_postgres_url(url) + ": " +
                         (conn_ ? trimmed(PQerrorMessage(conn_.get())) : "out of memory"),
                     SQLITE_CANTOPEN);
  }
  // Notices ("relation already exists, skipping") are not errors and not ours to print.
  PQsetNoticeProcessor(
      conn_.get(), [](void*, const char*) {}, nullptr);
}

void PgConnection::ensure_connected() {
  if (PQstatus(conn_.get()) == CONNECTION_OK) return;
  PQreset(conn_.get());
  ++session_;  // its named statements are gone
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    throw StoreError("lost the connection to PostgreSQL at " + redact_postgres_url(url_) + ": " +
                         trimmed(PQerrorMessage(conn_.get())),
                     SQLITE_CANTOPEN);
  }
  PQsetNoticeProcessor(
      conn_.get(), [](void*, const char*) {}, nullptr);
}

void PgConnection::before_call() {
  if (PQstatus(conn_.get()) == CONNECTION_OK) return;
  // Inside a transaction the work done so far died with the session: the caller must hear so
  // (its transaction fails and is redone whole), never have the rest of it commit piecemeal
  // on a new session.
  if (tx_open_) {
    throw StoreError("lost the connection to PostgreSQL at " + redact_postgres_url(url_) +
                         " inside a transaction: " + trimmed(PQerrorMessage(conn_.get())),
                     SQLITE_CANTOPEN);
  }
  ensure_connected();
}

void PgConnection::after_call() {
  // Read from the server's answer only while the connection holds: a broken one reports
  // PQTRANS_UNKNOWN, and the transaction we had stays "open" until it is rolled back.
  if (PQstatus(conn_.get()) == CONNECTION_OK) {
    const auto s = PQtransactionStatus(conn_.get());
    tx_open_ = s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
  }
}

[[noreturn]] void PgConnection::fail(const PGresult* r, std::string_view sql) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const std::string message =
      r ? trimmed(PQresultErrorMessage(r)) : trimmed(PQerrorMessage(conn_.get()));
  const bool lost = PQstatus(conn_.get()) != CONNECTION_OK;
  throw StoreError("PostgreSQL: " + (message.empty() && lost ? "connection lost" : message) +
                       " (in '" + std::string(sql.substr(0, 60)) + "')",
                   lost ? SQLITE_CANTOPEN : code_of(state ? state : ""));
}

// libpq learns that the server went away (a restart) only when a call fails. Outside a
// transaction, a call that cannot have changed anything (opening one, a read) is made again
// once on a new session; a write outside a transaction fails to its caller, which redoes it.
bool PgConnection::retry_after_loss(std::string_view sql, bool was_in_transaction) {
  if (was_in_transaction || PQstatus(conn_.get()) == CONNECTION_OK) return false;
  if (sql.rfind("BEGIN", 0) != 0 && sql.rfind("SELECT", 0) != 0) return false;
  ensure_connected();
  return true;
}

PgResultPtr PgConnection::call(std::string_view sql, const std::function<PGresult*()>& send) {
  before_call();
  const bool was_in_transaction = tx_open_;
  PgResultPtr r(send());
  if (PQresultStatus(r.get()) == PGRES_FATAL_ERROR && retry_after_loss(sql, was_in_transaction))
    r.reset(send());
  after_call();
  return r;
}

PgResultPtr PgConnection::run(const std::string& sql, int n, const unsigned int* types,
                              const char* const* values, const int* lengths, bool kept) {
  Named* named = nullptr;
  if (kept) {
    std::string key = sql;
    key.push_back('\0');
    if (n > 0)
      key.append(reinterpret_cast<const char*>(types),
                 sizeof(unsigned int) * static_cast<size_t>(n));
    named = &named_[key];
    if (named->name.empty()) named->name = "rasd_" + std::to_string(++names_);
  }
  const bool in_transaction_before = tx_open_;
  PgResultPtr r = call(sql, [&]() -> PGresult* {
    if (!named)
      return PQexecParams(conn_.get(), sql.c_str(), n, types, values, lengths, nullptr, 0);
    if (named->session != session_) {
      // Parsed on this session first (a statement made is kept whatever the transaction does).
      PgResultPtr made(PQprepare(conn_.get(), named->name.c_str(), sql.c_str(), n, types));
      if (PQresultStatus(made.get()) != PGRES_COMMAND_OK) return made.release();
      named->session = session_;
    }
    PGresult* done =
        PQexecPrepared(conn_.get(), named->name.c_str(), n, values, lengths, nullptr, 0);
    const char* state = PQresultErrorField(done, PG_DIAG_SQLSTATE);
    if (state && std::string_view(state) == "26000") {
      // The session lost it (DISCARD ALL, or a pooler that hands out server connections per
      // transaction without keeping statements): made again before the next use, and at once
      // when no transaction depends on this one's failure.
      named->session = 0;
      if (!in_transaction_before) {
        PQclear(done);
        PgResultPtr made(PQprepare(conn_.get(), named->name.c_str(), sql.c_str(), n, types));
        if (PQresultStatus(made.get()) != PGRES_COMMAND_OK) return made.release();
        named->session = session_;
        done = PQexecPrepared(conn_.get(), named->name.c_str(), n, values, lengths, nullptr, 0);
      }
    }
    return done;
  });
  const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    const char* tuples = PQcmdTuples(r.get());
    changes_ = tuples && *tuples ? std::stoll(tuples) : 0;
    return r;
  }
  fail(r.get(), sql);
}

std::unique_ptr<Statement> PgConnection::prepare(std::string_view sql) {
  return std::make_unique<PgStatement>(*this, sql, false);
}

std::unique_ptr<Statement> PgConnection::prepare_kept(std::string_view sql) {
  return std::make_unique<PgStatement>(*this, sql, true);
}

void PgConnection::exec(std::string_view sql) {
  const bool rollback = sql == "ROLLBACK";
  if (rollback && PQstatus(conn_.get()) != CONNECTION_OK) {
    tx_open_ = false;  // the server rolled it back when the session died
    return;
  }
  if (sql == "COMMIT" && !tx_open_) {
    throw StoreError("COMMIT without an open transaction on PostgreSQL (its session was lost)",
                     SQLITE_ABORT);
  }
  const std::string text(sql);
  PgResultPtr r = call(sql, [&] { return PQexec(conn_.get(), text.c_str()); });
  if (rollback) tx_open_ = false;
  const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    // COMMIT of a transaction a failed statement aborted answers "ROLLBACK", not an error.
    if (std::string_view(PQcmdStatus(r.get())) == "ROLLBACK" && sql == "COMMIT") {
      throw StoreError("PostgreSQL rolled the transaction back: a statement in it had failed",
                       SQLITE_ABORT);
    }
    return;
  }
  fail(r.get(), sql);
}

bool PgConnection::in_transaction() const { return tx_open_; }

}  // namespace rasd::sql
