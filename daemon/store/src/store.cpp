#include "rasd/daemon/store.hpp"

#include <array>

#include "rasd/daemon/postgres.hpp"
#include "rasd/daemon/sqlite.hpp"
#include "store_migrations.hpp"
#include "store_rows.hpp"

namespace rasd {
namespace {

// What read_alert() reads a row of, up to the WHERE clause.
const std::string kAlertSelect = "SELECT " + std::string(detail::kAlertColumns) + " FROM alerts ";
using detail::read_alert;
using detail::kDeliverySelect;
using detail::read_delivery;

SourceState read_source(const sql::Statement& s) {
  SourceState st;
  st.id = s.text(0);
  st.url = s.text(1);
  st.etag = s.text(2);
  st.last_modified = s.text(3);
  st.last_fetch = s.opt_int64(4);
  st.last_success = s.opt_int64(5);
  st.last_error = s.text(6);
  st.failures = s.int64(7);
  st.next_due = s.int64(8);
  st.interval = s.int64(9);
  st.crashes = s.int64(10);
  st.quarantined_at = s.opt_int64(11);
  st.quarantine_reason = s.text(12);
  st.last_items = s.opt_int64(13);
  st.tls_expires_at = s.opt_int64(14);
  st.tls_valid_from = s.opt_int64(15);
  return st;
}

constexpr std::string_view kSourceColumns =
    "id, url, etag, last_modified, last_fetch, last_success, last_error, failures, next_due, "
    "interval, crashes, quarantined_at, quarantine_reason, last_items, tls_expires_at, "
    "tls_valid_from";


}  // namespace

namespace {

std::unique_ptr<sql::Connection> open_sqlite(const std::string& path, const StoreOptions& options) {
  // NOMUTEX: a Store is used by one thread, so SQLite's own locking is not needed.
  const int flags =
      SQLITE_OPEN_NOMUTEX |
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  auto db = std::make_unique<sql::SqliteConnection>(path, flags);
  sqlite3_busy_timeout(db->handle(), 5000);
  sqlite3_extended_result_codes(db->handle(), 1);
  if (!options.read_only) {
    db->exec("PRAGMA journal_mode=WAL");
    // FULL: alerts and deliveries must survive power loss once committed.
    db->exec("PRAGMA synchronous=FULL");
  }
  db->exec("PRAGMA foreign_keys=ON");
  if (options.max_page_count) {
    db->exec("PRAGMA max_page_count=" + std::to_string(*options.max_page_count));
  }
  return db;
}

std::unique_ptr<sql::Connection> open_postgres(const std::string& url,
                                               const StoreOptions& options) {
  if (options.max_page_count) {
    throw sql::StoreError("max_page_count is an SQLite file's limit, not PostgreSQL's",
                          SQLITE_MISUSE);
  }
  // synchronous_commit stays the server's (on by default): a COMMIT returns once durable.
  return std::make_unique<sql::PgConnection>(url, options.read_only);
}

std::unique_ptr<sql::Connection> open_connection(const std::string& location,
                                                 const StoreOptions& options) {
  return sql::is_postgres_url(location) ? open_postgres(location, options)
                                        : open_sqlite(location, options);
}

constexpr size_t kPgSearchBytes = 256 * 1024;

}  // namespace

Store::Store(const std::string& location, const StoreOptions& options)
    : db_(open_connection(location, options)) {
  const std::string name =
      sql::is_postgres_url(location) ? sql::redact_postgres_url(location) : "'" + location + "'";
  if (options.read_only) {
    const SchemaInfo info = schema();
    if (info.version < kSchemaVersion) {
      throw sql::StoreError("database " + name + " has schema version " +
                                std::to_string(info.version) + ", this rasd needs " +
                                std::to_string(kSchemaVersion) +
                                " and cannot migrate a database opened read-only",
                            SQLITE_READONLY);
    }
    if (auto refused = schema_refusal(info)) throw sql::StoreError(*refused, SQLITE_MISMATCH);
    return;
  }
  migrate();
}

Store::SchemaInfo Store::peek_schema(const std::string& location) {
  StoreOptions read_only;
  read_only.read_only = true;
  Store peek(open_connection(location, read_only));
  return peek.schema();
}

int Store::peek_schema_version(const std::string& location) {
  return peek_schema(location).version;
}

Store::Lease Store::cached(std::string_view sql) {
  auto it = statements_.find(std::string(sql));
  if (it == statements_.end())
    it = statements_.emplace(std::string(sql), db_->prepare_kept(sql)).first;
  return Lease(*it->second);
}

void Store::ensure_source(const std::string& id, const std::string& url) {
  sql::Query(*db_,
             "INSERT INTO sources(id, url) VALUES(?1, ?2) "
             "ON CONFLICT(id) DO UPDATE SET url = excluded.url, "
             "crashes = CASE WHEN sources.url = excluded.url THEN sources.crashes ELSE 0 END, "
             "quarantined_at = CASE WHEN sources.url = excluded.url THEN sources.quarantined_at "
             "ELSE NULL END, "
             "tls_expires_at = CASE WHEN sources.url = excluded.url THEN sources.tls_expires_at "
             "ELSE NULL END, "
             "tls_valid_from = CASE WHEN sources.url = excluded.url THEN sources.tls_valid_from "
             "ELSE NULL END")
      .bind(1, id)
      .bind(2, url)
      .run();
}

std::optional<SourceState> Store::source(const std::string& id) {
  Lease s = cached("SELECT " + std::string(kSourceColumns) + " FROM sources WHERE id = ?1");
  s->bind(1, id);
  if (!s->step()) return std::nullopt;
  return read_source(*s);
}

std::vector<SourceState> Store::sources() {
  sql::Query s(*db_, "SELECT " + std::string(kSourceColumns) + " FROM sources ORDER BY id");
  std::vector<SourceState> out;
  while (s.step()) out.push_back(read_source(s));
  return out;
}

void Store::save_source_state(const SourceState& st) {
  cached(
      "UPDATE sources SET etag=?2, last_modified=?3, last_fetch=?4, last_success=?5, "
      "last_error=?6, failures=?7, next_due=?8, interval=?9, "
      "last_items=coalesce(?10, last_items), tls_expires_at=coalesce(?11, tls_expires_at), "
      "tls_valid_from=CASE WHEN ?11 IS NULL THEN tls_valid_from ELSE ?12 END WHERE id=?1")
      ->bind(1, st.id)
      .bind(2, st.etag)
      .bind(3, st.last_modified)
      .bind(4, st.last_fetch)
      .bind(5, st.last_success)
      .bind(6, st.last_error)
      .bind(7, st.failures)
      .bind(8, st.next_due)
      .bind(9, st.interval)
      .bind(10, st.last_items)
      .bind(11, st.tls_expires_at)
      .bind(12, st.tls_valid_from)
      .run();
}

bool Store::has_article(const std::string& source_id, const std::string& guid) {
  Lease s = cached("SELECT 1 FROM articles WHERE source_id = ?1 AND guid = ?2");
  s->bind(1, source_id).bind(2, guid);
  return s->step();
}

std::vector<std::string> Store::known_articles(const std::string& source_id,
                                               const std::vector<std::string>& guids) {
  std::vector<std::string> out;
  if (guids.empty()) return out;
  std::vector<std::string> list;
  list.reserve(guids.size());
  for (const auto& g : guids) {
    // A NUL cannot cross JSON into PostgreSQL's text (and each backend binds it its own way):
    // such a GUID is asked for alone, as has_article() binds it.
    if (g.find('\0') == std::string::npos) {
      list.push_back(g);
    } else if (has_article(source_id, g)) {
      out.push_back(g);
    }
  }
  if (list.empty()) return out;
  const bool pg = db_->dialect() == sql::Dialect::postgres;
  Lease s = cached(std::string("SELECT guid FROM articles WHERE source_id = ?1 AND guid IN (") +
                   (pg ? "SELECT value FROM json_array_elements_text(CAST(?2 AS json))"
                       : "SELECT value FROM json_each(?2)") +
                   ")");
  s->bind(1, source_id).bind(2, detail::json_string_array(list));
  while (s->step()) out.push_back(s->text(0));
  return out;
}

std::optional<int64_t> Store::insert_article(const NewArticle& a,
                                             const std::vector<NewAlert>& alerts) {
  if (db_->dialect() == sql::Dialect::postgres && db_->in_transaction())
    return insert_article_pg(a, alerts);
  // A savepoint of its own inside a caller's transaction: the article, its search row and its
  // alerts are stored together or not at all. Inside a Batch it costs no FTS5 flush, since
  // the search row waits in the stage (Batch).
  sql::Transaction tx(*db_);
  Lease ins_lease = cached(
      "INSERT INTO articles(source_id, guid, url, title, body, author, lang, published, "
      "fetched_at, cluster, canonical_url, content_hash) "
      "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12) "
      "ON CONFLICT(source_id, guid) DO NOTHING RETURNING id");
  sql::Statement& ins = *ins_lease;
  ins.bind(1, a.source_id).bind(2, a.guid).bind(3, a.url).bind(4, a.title).bind(5, a.body);
  ins.bind(6, a.author)
      .bind(7, a.lang)
      .bind(8, a.published)
      .bind(9, a.fetched_at)
      .bind(10, a.cluster);
  ins.bind(11, a.canonical_url).bind(12, a.content_hash);
  if (!ins.step()) {
    ins.reset();
    return std::nullopt;
  }
  const int64_t article_id = ins.int64(0);
  ins.reset();
  write_story_keys(article_id, a.story_keys);
  if (!a.search_words.empty()) {
    // PostgreSQL refuses a tsvector over 1 MB (the article would then never be stored): its
    // search columns keep the first 256 KiB of words and of stems, cut at a word.
    const bool pg = db_->dialect() == sql::Dialect::postgres;
    const std::string_view words = a.search_words, stems = a.search_stems;
    write_search_row(article_id, pg ? detail::head_words(words, kPgSearchBytes) : words,
                     pg ? detail::head_words(stems, kPgSearchBytes) : stems);
  }
  insert_alerts(article_id, a.source_id, a.cluster, alerts, {});
  tx.commit();
  return article_id;
}

// PostgreSQL inside a transaction: the article, its story keys and its search row in one
// statement (one round trip, not five), and no savepoint of its own: a failed statement
// leaves the whole transaction aborted, so nothing of the article can commit without the rest.
std::optional<int64_t> Store::insert_article_pg(const NewArticle& a,
                                                const std::vector<NewAlert>& alerts) {
  // PostgreSQL refuses a tsvector over 1 MB (the article would then never be stored): its
  // search columns keep the first 256 KiB of words and of stems, cut at a word.
  Lease ins = cached(
      "WITH a AS (INSERT INTO articles(source_id, guid, url, title, body, author, lang, "
      "published, fetched_at, cluster, canonical_url, content_hash) "
      "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12) "
      "ON CONFLICT(source_id, guid) DO NOTHING RETURNING id), "
      "k AS (INSERT INTO story_keys(key, article_id) SELECT DISTINCT CAST(j.value AS BIGINT), "
      "a.id FROM a CROSS JOIN json_array_elements_text(CAST(?13 AS json)) j ON CONFLICT DO "
      "NOTHING), "
      "s AS (INSERT INTO article_search(rowid, words, stems) SELECT a.id, ?14, ?15 FROM a WHERE "
      "?14 <> '') "
      "SELECT id FROM a");
  ins->bind(1, a.source_id).bind(2, a.guid).bind(3, a.url).bind(4, a.title).bind(5, a.body);
  ins->bind(6, a.author).bind(7, a.lang).bind(8, a.published).bind(9, a.fetched_at);
  ins->bind(10, a.cluster).bind(11, a.canonical_url).bind(12, a.content_hash);
  ins->bind(13, detail::json_integer_array(a.story_keys))
      .bind(14, detail::head_words(a.search_words, kPgSearchBytes))
      .bind(15, detail::head_words(a.search_stems, kPgSearchBytes));
  if (!ins->step()) return std::nullopt;
  const int64_t article_id = ins->int64(0);
  ins->reset();
  insert_alerts(article_id, a.source_id, a.cluster, alerts, {});
  return article_id;
}

std::optional<ClusterAlert> Store::cluster_alert(const std::string& rule_id,
                                                 const std::string& cluster) {
  if (cluster.empty()) return std::nullopt;
  ClusterAlert out;
  {
    Lease s = cached(
        "SELECT id, acked_by <> '', told_at IS NOT NULL FROM alerts WHERE rule_id = ?1 AND "
        "cluster = ?2 "
        "ORDER BY created_at LIMIT 1");
    s->bind(1, rule_id).bind(2, cluster);
    if (!s->step()) return std::nullopt;
    out.alert_id = s->text(0);
    out.acknowledged = s->int64(1) != 0;
    out.told = s->int64(2) != 0;
  }
  Lease m = cached(
      "SELECT source_id, count(*) FROM alert_members WHERE alert_id = ?1 GROUP BY source_id "
      "ORDER BY min(added_at), source_id");
  m->bind(1, out.alert_id);
  while (m->step()) {
    out.sources.push_back(m->text(0));
    out.articles += m->int64(1);
  }
  return out;
}

void Store::for_each_recent_article(int64_t since,
                                    const std::function<void(const RecentArticle&)>& fn) {
  sql::Query s(*db_,
               "SELECT source_id, guid, url, title, body, coalesce(published, fetched_at), "
               "cluster, id FROM articles "
               "WHERE fetched_at >= ?1 AND cluster <> '' ORDER BY id");
  s.bind(1, since);
  while (s.step())
    fn({s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.int64(5), s.text(6), s.int64(7)});
}

int64_t Store::pending_delivery_count() {
  auto s =
      cached("SELECT count(*) FROM deliveries WHERE state = 'pending'");  // deliveries_due index
  s->step();
  return s->int64(0);
}

int64_t Store::article_count() {
  sql::Query s(*db_, "SELECT count(*) FROM articles");
  s.step();
  return s.int64(0);
}

std::vector<StoredAlert> Store::latest_alerts(int64_t since, const std::string& rule_id,
                                              int limit) {
  auto s = cached(kAlertSelect +
                  "WHERE created_at >= ?1 AND (?2 = '' OR rule_id = ?2) "
                  "ORDER BY created_at DESC, rowid DESC LIMIT ?3");
  s->bind(1, since).bind(2, rule_id).bind(3, int64_t{limit});
  std::vector<StoredAlert> out;
  while (s->step()) {
    out.push_back(read_alert(*s));
  }
  return out;
}

std::optional<StoredAlert> Store::alert(const std::string& id) {
  auto s = cached(kAlertSelect + "WHERE id = ?1");
  s->bind(1, id);
  if (!s->step()) return std::nullopt;
  return read_alert(*s);
}

std::vector<StoredAlert> Store::alerts(int64_t since, const std::string& rule_id) {
  sql::Query s(*db_, kAlertSelect +
                         "WHERE created_at >= ?1 AND (?2 = '' OR rule_id = ?2) "
                         "ORDER BY created_at, rowid");
  s.bind(1, since).bind(2, rule_id);
  std::vector<StoredAlert> out;
  while (s.step()) {
    out.push_back(read_alert(s));
  }
  return out;
}

std::vector<StoredHit> Store::alert_hits(const std::string& alert_id,
                                         std::optional<int64_t> article_id) {
  sql::Query s(*db_,
               "SELECT field, start, \"end\", text, view FROM alert_hits WHERE alert_id = ?1 AND "
               "(?2 IS NULL OR article_id = ?2) ORDER BY rowid");
  s.bind(1, alert_id).bind(2, article_id);
  std::vector<StoredHit> out;
  while (s.step()) out.push_back({s.text(0), s.int64(1), s.int64(2), s.text(3), s.text(4)});
  return out;
}

std::vector<Delivery> Store::due_deliveries(int64_t now, int limit, const std::string& webhook) {
  // Through the partial indexes of what can be sent: rows waiting for their group (a day of a
  // digest's) are not walked past. Named, since the planner cannot know they are smaller.
  std::string select(kDeliverySelect);
  select.replace(select.find("FROM deliveries d "), 18,
                 webhook.empty() ? "FROM deliveries d INDEXED BY deliveries_sendable "
                                 : "FROM deliveries d INDEXED BY deliveries_webhook_sendable ");
  Lease s = cached(select + "WHERE d.state = 'pending' AND d.group_key = '' AND " +
                   (webhook.empty() ? "?3 = '' " : "d.webhook = ?3 ") +
                   "AND d.next_attempt <= ?1 ORDER BY d.next_attempt LIMIT ?2");
  s->bind(1, now).bind(2, int64_t{limit}).bind(3, webhook);
  std::vector<Delivery> out;
  while (s->step()) out.push_back(read_delivery(*s));
  return out;
}

std::vector<std::string> Store::webhooks_with_due(int64_t now) {
  Lease s = cached(
      "SELECT webhook FROM deliveries INDEXED BY deliveries_sendable WHERE state = 'pending' "
      "AND group_key = '' AND next_attempt <= ?1 GROUP BY webhook ORDER BY min(next_attempt)");
  s->bind(1, now);
  std::vector<std::string> out;
  while (s->step()) out.push_back(s->text(0));
  return out;
}

int64_t Store::kill_pending(const std::string& webhook, int64_t at, const std::string& reason) {
  sql::Transaction tx(*db_);
  sql::Query(*db_,
             "INSERT INTO delivery_attempts(delivery_id, at, status, error) "
             "SELECT id, ?2, NULL, ?3 FROM deliveries WHERE state = 'pending' AND webhook = ?1")
      .bind(1, webhook)
      .bind(2, at)
      .bind(3, reason)
      .run();
  sql::Query(*db_,
             "UPDATE deliveries SET state = 'dead', last_error = ?3, next_attempt = ?2, "
             "attempts = attempts + 1 WHERE state = 'pending' AND webhook = ?1")
      .bind(1, webhook)
      .bind(2, at)
      .bind(3, reason)
      .run();
  const int64_t n = db_->changes();
  tx.commit();
  return n;
}

std::vector<Delivery> Store::deliveries(const std::string& state) {
  sql::Query s(*db_,
               std::string(kDeliverySelect) + "WHERE (?1 = '' OR d.state = ?1) ORDER BY d.rowid");
  s.bind(1, state);
  std::vector<Delivery> out;
  while (s.step()) out.push_back(read_delivery(s));
  return out;
}

std::vector<DeliveryAttempt> Store::attempts(const std::string& delivery_id) {
  sql::Query s(*db_,
               "SELECT delivery_id, at, status, error FROM delivery_attempts "
               "WHERE delivery_id = ?1 ORDER BY rowid");
  s.bind(1, delivery_id);
  std::vector<DeliveryAttempt> out;
  while (s.step()) out.push_back({s.text(0), s.int64(1), s.opt_int64(2), s.text(3)});
  return out;
}

void Store::record_attempt(const std::string& id, int64_t at, std::optional<int64_t> status,
                           const std::string& error, const std::string& new_state,
                           int64_t next_attempt) {
  record_attempts({{id, at, status, error, new_state, next_attempt}});
}

void Store::record_attempts(const std::vector<AttemptRecord>& records, const std::string& owner) {
  if (records.empty()) return;
  sql::Transaction tx(*db_);
  sql::Query attempt(
      *db_, "INSERT INTO delivery_attempts(delivery_id, at, status, error) VALUES(?1,?2,?3,?4)");
  sql::Query update(
      *db_,
      "UPDATE deliveries SET attempts = attempts + 1, state = ?2, next_attempt = ?3, "
      "last_status = ?4, last_error = ?5, "
      "claimed_by = CASE WHEN ?7 = '' OR claimed_by = ?7 THEN '' ELSE claimed_by END, "
      "delivered_at = CASE WHEN ?2 = 'delivered' THEN ?6 ELSE delivered_at END WHERE id = ?1");
  for (const auto& r : records) {
    attempt.bind(1, r.delivery_id).bind(2, r.at).bind(3, r.status).bind(4, r.error).run();
    update.bind(1, r.delivery_id).bind(2, r.new_state).bind(3, r.next_attempt).bind(4, r.status);
    update.bind(5, r.error).bind(6, r.at).bind(7, owner).run();
  }
  tx.commit();
}

int64_t Store::retry_dead(int64_t now, const std::string& webhook) {
  sql::Transaction tx(*db_);
  sql::Query(*db_,
             "UPDATE deliveries SET state = 'pending', next_attempt = ?1, attempts = 0 "
             "WHERE state IN ('dead', 'disabled') AND (?2 = '' OR webhook = ?2)")
      .bind(1, now)
      .bind(2, webhook)
      .run();
  const int64_t n = db_->changes();
  sql::Query(*db_,
             "UPDATE webhook_endpoints SET disabled_at = NULL, reason = '' "
             "WHERE ?1 = '' OR name = ?1")
      .bind(1, webhook)
      .run();
  tx.commit();
  return n;
}

void Store::disable_webhook(const std::string& name, int64_t at, const std::string& reason) {
  sql::Query(*db_,
             "INSERT INTO webhook_endpoints(name, disabled_at, reason) VALUES(?1, ?2, ?3) "
             "ON CONFLICT(name) DO UPDATE SET disabled_at = excluded.disabled_at, reason = "
             "excluded.reason")
      .bind(1, name)
      .bind(2, at)
      .bind(3, reason)
      .run();
}

bool Store::webhook_disabled(const std::string& name) {
  sql::Query s(*db_, "SELECT 1 FROM webhook_endpoints WHERE name = ?1 AND disabled_at IS NOT NULL");
  s.bind(1, name);
  return s.step();
}

int64_t Store::disable_pending(const std::string& webhook, int64_t at) {
  sql::Query(
      *db_,
      "UPDATE deliveries SET state = 'disabled', last_error = 'endpoint disabled (410 Gone)', "
      "next_attempt = ?2 WHERE state = 'pending' AND webhook = ?1")
      .bind(1, webhook)
      .bind(2, at)
      .run();
  return db_->changes();
}

std::string Store::integrity_check() {
  // PostgreSQL keeps its own pages consistent (and checksums them when initdb asked for it).
  if (db_->dialect() == sql::Dialect::postgres) return "ok";
  sql::Query s(*db_, "PRAGMA integrity_check");
  std::string out;
  while (s.step()) out += s.text(0);
  return out;
}

namespace {
class BatchTransaction final : public ArticleStore::Transaction {
 public:
  explicit BatchTransaction(Store& store) : batch_(store) {}
  void commit() override { batch_.commit(); }

 private:
  Store::Batch batch_;
};
}  // namespace

std::unique_ptr<ArticleStore::Transaction> Store::begin() {
  return std::make_unique<BatchTransaction>(*this);
}

}  // namespace rasd
