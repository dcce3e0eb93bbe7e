#include "rasd/daemon/store.hpp"

#include <array>

namespace rasd {
namespace {

// Migration N brings the schema from version N-1 to N. Never edit a released entry; append.
constexpr std::array<std::string_view, 11> kMigrations = {
    R"sql(
CREATE TABLE sources(
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  etag TEXT NOT NULL DEFAULT '',
  last_modified TEXT NOT NULL DEFAULT '',
  last_fetch INTEGER,
  last_success INTEGER,
  last_error TEXT NOT NULL DEFAULT '',
  failures INTEGER NOT NULL DEFAULT 0,
  next_due INTEGER NOT NULL DEFAULT 0,
  interval INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE articles(
  id INTEGER PRIMARY KEY,
  source_id TEXT NOT NULL,
  guid TEXT NOT NULL,
  url TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL DEFAULT '',
  author TEXT NOT NULL DEFAULT '',
  lang TEXT NOT NULL DEFAULT '',
  published INTEGER,
  fetched_at INTEGER NOT NULL,
  UNIQUE(source_id, guid)
);
CREATE TABLE alerts(
  id TEXT PRIMARY KEY,
  rule_id TEXT NOT NULL,
  severity TEXT NOT NULL,
  article_id INTEGER NOT NULL REFERENCES articles(id),
  created_at INTEGER NOT NULL,
  payload TEXT NOT NULL,
  UNIQUE(rule_id, article_id)
);
CREATE INDEX alerts_created ON alerts(created_at);
CREATE TABLE deliveries(
  id TEXT PRIMARY KEY,
  alert_id TEXT NOT NULL REFERENCES alerts(id),
  webhook TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt INTEGER NOT NULL,
  last_status INTEGER,
  last_error TEXT NOT NULL DEFAULT '',
  delivered_at INTEGER
);
CREATE INDEX deliveries_due ON deliveries(state, next_attempt);
CREATE TABLE delivery_attempts(
  delivery_id TEXT NOT NULL REFERENCES deliveries(id),
  at INTEGER NOT NULL,
  status INTEGER,
  error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX delivery_attempts_id ON delivery_attempts(delivery_id);
)sql",
    // 2: story clusters. An alert belongs to a cluster; later articles of the cluster are its
    // members, and their alert.updated deliveries carry their own body.
    R"sql(
ALTER TABLE articles ADD COLUMN cluster TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN cluster TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN payload TEXT;
CREATE TABLE alert_members(
  alert_id TEXT NOT NULL REFERENCES alerts(id),
  article_id INTEGER NOT NULL REFERENCES articles(id),
  source_id TEXT NOT NULL,
  added_at INTEGER NOT NULL,
  PRIMARY KEY(alert_id, article_id)
);
INSERT INTO alert_members SELECT a.id, a.article_id, r.source_id, a.created_at
  FROM alerts a JOIN articles r ON r.id = a.article_id;
CREATE INDEX alerts_rule_cluster ON alerts(rule_id, cluster);
CREATE INDEX articles_fetched ON articles(fetched_at);
)sql",
    // 3: full-text search over the engine's normalized text (FTS5 does not fold Arabic: the words
    // column holds the collapsed view's tokens, the stems column their proclitic-free stems; rowid
    // is the article's id), the state of webhook endpoints (410 Gone disables one), the identity
    // hashes of articles and the rule hits behind each alert.
    R"sql(
CREATE VIRTUAL TABLE article_search USING fts5(words, stems, tokenize = 'unicode61 remove_diacritics 0');
CREATE TABLE webhook_endpoints(
  name TEXT PRIMARY KEY,
  disabled_at INTEGER,
  reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_members_article ON alert_members(article_id);
ALTER TABLE articles ADD COLUMN canonical_url TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX articles_canonical_url ON articles(canonical_url);
CREATE TABLE alert_hits(
  alert_id TEXT NOT NULL REFERENCES alerts(id),
  article_id INTEGER NOT NULL REFERENCES articles(id),
  field TEXT NOT NULL,
  start INTEGER NOT NULL,
  end INTEGER NOT NULL,
  text TEXT NOT NULL,
  view TEXT NOT NULL
);
CREATE INDEX alert_hits_alert ON alert_hits(alert_id);
CREATE INDEX alerts_article ON alerts(article_id);
)sql",
    // 4: follow-up page fetches are durable (an html source's article links, a full_text feed's
    // items with their teasers): a section page's validators commit in the transaction that
    // queues the pages it links to, and a restart resumes them. The poison-source guard counts
    // unclean exits blamed on a source and quarantines it.
    R"sql(
CREATE TABLE page_fetches(
  source_id TEXT NOT NULL,
  url TEXT NOT NULL,
  teaser TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'pending',
  last_error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  PRIMARY KEY(source_id, url)
);
CREATE INDEX page_fetches_due ON page_fetches(state, next_attempt);
ALTER TABLE sources ADD COLUMN crashes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN quarantined_at INTEGER;
ALTER TABLE sources ADD COLUMN quarantine_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX delivery_attempts_at ON delivery_attempts(at);
CREATE INDEX deliveries_alert ON deliveries(alert_id);
CREATE INDEX deliveries_webhook_due ON deliveries(webhook, state, next_attempt);
CREATE INDEX alert_hits_article ON alert_hits(article_id);
)sql",
    // 5: threshold rules. Each matching article that counts is an event (its story cluster,
    // source and event time); a rule's open episode is its alert and when it was last updated.
    R"sql(
CREATE TABLE threshold_events(
  rule_id TEXT NOT NULL,
  article_id INTEGER NOT NULL REFERENCES articles(id),
  cluster TEXT NOT NULL,
  source_id TEXT NOT NULL,
  event_time INTEGER NOT NULL,
  PRIMARY KEY(rule_id, article_id)
);
CREATE INDEX threshold_events_time ON threshold_events(rule_id, event_time);
CREATE INDEX threshold_events_article ON threshold_events(article_id);
CREATE TABLE threshold_episodes(
  rule_id TEXT PRIMARY KEY,
  alert_id TEXT NOT NULL REFERENCES alerts(id),
  opened_at INTEGER NOT NULL,
  last_update_at INTEGER NOT NULL,
  unsent INTEGER NOT NULL DEFAULT 0
);
)sql",
    // 6: one source's articles in fetch order (a backtest or rule test of one source reads
    // them without walking every other source's).
    R"sql(
CREATE INDEX articles_source_fetched ON articles(source_id, fetched_at);
)sql",
    // 7: silences. An alert a silence held back names it; its deliveries were never queued.
    R"sql(
CREATE TABLE silences(
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK(kind IN ('rule', 'source', 'story', 'query')),
  value TEXT NOT NULL,
  author TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  removed_at INTEGER,
  expiry_logged INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX silences_expiry ON silences(expires_at);
ALTER TABLE alerts ADD COLUMN silenced_by TEXT NOT NULL DEFAULT '';
)sql",
    // 8: acknowledgement: who saw an alert (and so its story), when, and what they noted.
    R"sql(
ALTER TABLE alerts ADD COLUMN acked_by TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN acked_at INTEGER;
ALTER TABLE alerts ADD COLUMN ack_note TEXT NOT NULL DEFAULT '';
)sql",
    // 9: rate limits (max_alerts). An alert past its rule's limit is stored and held back; the
    // notice of what was held back is due when the rule's window frees up.
    R"sql(
ALTER TABLE alerts ADD COLUMN held_back INTEGER NOT NULL DEFAULT 0;
CREATE INDEX alerts_rule_created ON alerts(rule_id, created_at);
CREATE INDEX silences_unlogged ON silences(expires_at) WHERE expiry_logged = 0;
CREATE TABLE held_back(
  rule_id TEXT PRIMARY KEY,
  alerts INTEGER NOT NULL,
  first_at INTEGER NOT NULL,
  notice_due INTEGER NOT NULL,
  last_alert_id TEXT NOT NULL
);
)sql",
    // 10: coverage conditions (the watch watching itself): since when a source has been
    // failing, and the internal alert once it lasted long enough.
    R"sql(
CREATE TABLE coverage(
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  since INTEGER NOT NULL,
  alert_id TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(kind, subject)
);
)sql",
    // 11: when an alert's story was first told to a webhook (a max_alerts window counts those,
    // and a story never told is told as new); what a held-back notice is to say of its limit.
    R"sql(
ALTER TABLE alerts ADD COLUMN told_at INTEGER;
UPDATE alerts SET told_at = created_at WHERE silenced_by = '' AND held_back = 0 AND
  EXISTS (SELECT 1 FROM deliveries d WHERE d.alert_id = alerts.id);
CREATE INDEX alerts_rule_told ON alerts(rule_id, told_at) WHERE told_at IS NOT NULL;
ALTER TABLE held_back ADD COLUMN max_count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE held_back ADD COLUMN per_seconds INTEGER NOT NULL DEFAULT 1;
)sql"};

// A row of "SELECT id, rule_id, severity, article_id, created_at, payload, silenced_by,
// acked_by, acked_at, ack_note, held_back FROM alerts".
StoredAlert read_alert(const sql::Statement& s) {
  return {s.text(0), s.text(1), s.text(2), s.int64(3),     s.int64(4),
          s.text(5), s.text(6), s.text(7), s.opt_int64(8), s.text(9)};
}

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
  return st;
}

constexpr std::string_view kSourceColumns =
    "id, url, etag, last_modified, last_fetch, last_success, last_error, failures, next_due, "
    "interval, crashes, quarantined_at, quarantine_reason";

Delivery read_delivery(const sql::Statement& s) {
  Delivery d;
  d.id = s.text(0);
  d.alert_id = s.text(1);
  d.webhook = s.text(2);
  d.state = s.text(3);
  d.attempts = s.int64(4);
  d.next_attempt = s.int64(5);
  d.last_status = s.opt_int64(6);
  d.last_error = s.text(7);
  d.delivered_at = s.opt_int64(8);
  d.payload = s.text(9);
  return d;
}

constexpr std::string_view kDeliverySelect =
    "SELECT d.id, d.alert_id, d.webhook, d.state, d.attempts, d.next_attempt, d.last_status, "
    "d.last_error, d.delivered_at, coalesce(d.payload, a.payload) FROM deliveries d JOIN alerts a "
    "ON a.id = d.alert_id ";

}  // namespace

Store::Store(const std::string& path, const StoreOptions& options) {
  sqlite3* raw = nullptr;
  // NOMUTEX: a Store is used by one thread, so SQLite's own locking is not needed.
  const int flags =
      SQLITE_OPEN_NOMUTEX |
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_.reset(raw);
  if (rc != SQLITE_OK) {
    throw sql::StoreError(
        "cannot open database '" + path + "': " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)),
        rc);
  }
  sqlite3_busy_timeout(db_.get(), 5000);
  sqlite3_extended_result_codes(db_.get(), 1);
  if (!options.read_only) {
    sql::exec(db_.get(), "PRAGMA journal_mode=WAL");
    // FULL: alerts and deliveries must survive power loss once committed.
    sql::exec(db_.get(), "PRAGMA synchronous=FULL");
  }
  sql::exec(db_.get(), "PRAGMA foreign_keys=ON");
  if (options.max_page_count) {
    sql::exec(db_.get(), "PRAGMA max_page_count=" + std::to_string(*options.max_page_count));
  }
  if (options.read_only) {
    if (const int v = schema_version(); v != kSchemaVersion) {
      throw sql::StoreError("database '" + path + "' has schema version " + std::to_string(v) +
                                ", this rasd needs " + std::to_string(kSchemaVersion) +
                                " and cannot migrate a database opened read-only",
                            SQLITE_READONLY);
    }
    return;
  }
  migrate();
}

Store::Lease Store::cached(std::string_view sql) {
  auto it = statements_.find(std::string(sql));
  if (it == statements_.end()) {
    it = statements_.emplace(std::string(sql), std::make_unique<sql::Statement>(db_.get(), sql))
             .first;
  }
  return Lease(*it->second);
}

int Store::schema_version() {
  sql::Statement s(db_.get(), "PRAGMA user_version");
  s.step();
  return static_cast<int>(s.int64(0));
}

void Store::migrate() {
  const int current = schema_version();
  if (current > kSchemaVersion) {
    throw sql::StoreError("database schema version " + std::to_string(current) +
                              " is newer than this rasd supports (" +
                              std::to_string(kSchemaVersion) + "); upgrade rasd",
                          SQLITE_MISMATCH);
  }
  for (int v = current; v < kSchemaVersion; ++v) {
    sql::Transaction tx(db_.get());
    sql::exec(db_.get(), kMigrations[static_cast<size_t>(v)]);
    sql::exec(db_.get(), "PRAGMA user_version=" + std::to_string(v + 1));
    tx.commit();
  }
}

void Store::ensure_source(const std::string& id, const std::string& url) {
  sql::Statement(db_.get(),
                 "INSERT INTO sources(id, url) VALUES(?1, ?2) "
                 "ON CONFLICT(id) DO UPDATE SET url = excluded.url, "
                 "crashes = CASE WHEN url = excluded.url THEN crashes ELSE 0 END, "
                 "quarantined_at = CASE WHEN url = excluded.url THEN quarantined_at ELSE NULL END")
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
  sql::Statement s(db_.get(),
                   "SELECT " + std::string(kSourceColumns) + " FROM sources ORDER BY id");
  std::vector<SourceState> out;
  while (s.step()) out.push_back(read_source(s));
  return out;
}

void Store::save_source_state(const SourceState& st) {
  cached(
      "UPDATE sources SET etag=?2, last_modified=?3, last_fetch=?4, last_success=?5, "
      "last_error=?6, failures=?7, next_due=?8, interval=?9 WHERE id=?1")
      ->bind(1, st.id)
      .bind(2, st.etag)
      .bind(3, st.last_modified)
      .bind(4, st.last_fetch)
      .bind(5, st.last_success)
      .bind(6, st.last_error)
      .bind(7, st.failures)
      .bind(8, st.next_due)
      .bind(9, st.interval)
      .run();
}

bool Store::has_article(const std::string& source_id, const std::string& guid) {
  Lease s = cached("SELECT 1 FROM articles WHERE source_id = ?1 AND guid = ?2");
  s->bind(1, source_id).bind(2, guid);
  return s->step();
}

std::optional<int64_t> Store::insert_article(const NewArticle& a,
                                             const std::vector<NewAlert>& alerts) {
  sql::Transaction tx(db_.get());
  Lease ins_lease = cached(
      "INSERT INTO articles(source_id, guid, url, title, body, author, lang, published, "
      "fetched_at, cluster, canonical_url, content_hash) "
      "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12) "
      "ON CONFLICT(source_id, guid) DO NOTHING");
  sql::Statement& ins = *ins_lease;
  ins.bind(1, a.source_id).bind(2, a.guid).bind(3, a.url).bind(4, a.title).bind(5, a.body);
  ins.bind(6, a.author)
      .bind(7, a.lang)
      .bind(8, a.published)
      .bind(9, a.fetched_at)
      .bind(10, a.cluster);
  ins.bind(11, a.canonical_url).bind(12, a.content_hash);
  ins.run();
  if (sqlite3_changes(db_.get()) == 0) return std::nullopt;
  const int64_t article_id = sqlite3_last_insert_rowid(db_.get());
  if (!a.search_words.empty()) {
    cached("INSERT INTO article_search(rowid, words, stems) VALUES(?1, ?2, ?3)")
        ->bind(1, article_id)
        .bind(2, a.search_words)
        .bind(3, a.search_stems)
        .run();
  }
  insert_alerts(article_id, a.source_id, a.cluster, alerts, {});
  tx.commit();
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
  sql::Statement s(db_.get(),
                   "SELECT source_id, guid, url, title, body, coalesce(published, fetched_at), "
                   "cluster FROM articles "
                   "WHERE fetched_at >= ?1 AND cluster <> '' ORDER BY id");
  s.bind(1, since);
  while (s.step())
    fn({s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.int64(5), s.text(6)});
}

int64_t Store::pending_delivery_count() {
  auto s =
      cached("SELECT count(*) FROM deliveries WHERE state = 'pending'");  // deliveries_due index
  s->step();
  return s->int64(0);
}

int64_t Store::article_count() {
  sql::Statement s(db_.get(), "SELECT count(*) FROM articles");
  s.step();
  return s.int64(0);
}

std::vector<StoredAlert> Store::latest_alerts(int64_t since, const std::string& rule_id,
                                              int limit) {
  auto s = cached(
      "SELECT id, rule_id, severity, article_id, created_at, payload, silenced_by, acked_by, "
      "acked_at, ack_note, held_back FROM alerts "
      "WHERE created_at >= ?1 AND (?2 = '' OR rule_id = ?2) ORDER BY created_at DESC, rowid DESC "
      "LIMIT ?3");
  s->bind(1, since).bind(2, rule_id).bind(3, int64_t{limit});
  std::vector<StoredAlert> out;
  while (s->step()) {
    out.push_back(read_alert(*s));
  }
  return out;
}

std::vector<StoredAlert> Store::alerts(int64_t since, const std::string& rule_id) {
  sql::Statement s(
      db_.get(),
      "SELECT id, rule_id, severity, article_id, created_at, payload, silenced_by, acked_by, "
      "acked_at, ack_note, held_back FROM alerts "
      "WHERE created_at >= ?1 AND (?2 = '' OR rule_id = ?2) ORDER BY created_at, rowid");
  s.bind(1, since).bind(2, rule_id);
  std::vector<StoredAlert> out;
  while (s.step()) {
    out.push_back(read_alert(s));
  }
  return out;
}

std::vector<StoredHit> Store::alert_hits(const std::string& alert_id) {
  sql::Statement s(
      db_.get(),
      "SELECT field, start, end, text, view FROM alert_hits WHERE alert_id = ?1 ORDER BY rowid");
  s.bind(1, alert_id);
  std::vector<StoredHit> out;
  while (s.step()) out.push_back({s.text(0), s.int64(1), s.int64(2), s.text(3), s.text(4)});
  return out;
}

std::vector<Delivery> Store::due_deliveries(int64_t now, int limit, const std::string& webhook) {
  Lease s =
      cached(std::string(kDeliverySelect) +
             "WHERE d.state = 'pending' AND d.next_attempt <= ?1 AND (?3 = '' OR d.webhook = ?3) "
             "ORDER BY d.next_attempt LIMIT ?2");
  s->bind(1, now).bind(2, int64_t{limit}).bind(3, webhook);
  std::vector<Delivery> out;
  while (s->step()) out.push_back(read_delivery(*s));
  return out;
}

std::vector<std::string> Store::webhooks_with_due(int64_t now) {
  Lease s = cached(
      "SELECT webhook FROM deliveries WHERE state = 'pending' AND next_attempt <= ?1 "
      "GROUP BY webhook ORDER BY min(next_attempt)");
  s->bind(1, now);
  std::vector<std::string> out;
  while (s->step()) out.push_back(s->text(0));
  return out;
}

int64_t Store::kill_pending(const std::string& webhook, int64_t at, const std::string& reason) {
  sql::Transaction tx(db_.get());
  sql::Statement(db_.get(),
                 "INSERT INTO delivery_attempts(delivery_id, at, status, error) "
                 "SELECT id, ?2, NULL, ?3 FROM deliveries WHERE state = 'pending' AND webhook = ?1")
      .bind(1, webhook)
      .bind(2, at)
      .bind(3, reason)
      .run();
  sql::Statement(db_.get(),
                 "UPDATE deliveries SET state = 'dead', last_error = ?3, next_attempt = ?2, "
                 "attempts = attempts + 1 WHERE state = 'pending' AND webhook = ?1")
      .bind(1, webhook)
      .bind(2, at)
      .bind(3, reason)
      .run();
  const int64_t n = sqlite3_changes(db_.get());
  tx.commit();
  return n;
}

std::vector<Delivery> Store::deliveries(const std::string& state) {
  sql::Statement s(
      db_.get(), std::string(kDeliverySelect) + "WHERE (?1 = '' OR d.state = ?1) ORDER BY d.rowid");
  s.bind(1, state);
  std::vector<Delivery> out;
  while (s.step()) out.push_back(read_delivery(s));
  return out;
}

std::vector<DeliveryAttempt> Store::attempts(const std::string& delivery_id) {
  sql::Statement s(db_.get(),
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

void Store::record_attempts(const std::vector<AttemptRecord>& records) {
  if (records.empty()) return;
  sql::Transaction tx(db_.get());
  sql::Statement attempt(
      db_.get(),
      "INSERT INTO delivery_attempts(delivery_id, at, status, error) VALUES(?1,?2,?3,?4)");
  sql::Statement update(
      db_.get(),
      "UPDATE deliveries SET attempts = attempts + 1, state = ?2, next_attempt = ?3, "
      "last_status = ?4, last_error = ?5, "
      "delivered_at = CASE WHEN ?2 = 'delivered' THEN ?6 ELSE delivered_at END WHERE id = ?1");
  for (const auto& r : records) {
    attempt.bind(1, r.delivery_id).bind(2, r.at).bind(3, r.status).bind(4, r.error).run();
    update.bind(1, r.delivery_id).bind(2, r.new_state).bind(3, r.next_attempt).bind(4, r.status);
    update.bind(5, r.error).bind(6, r.at).run();
  }
  tx.commit();
}

int64_t Store::retry_dead(int64_t now, const std::string& webhook) {
  sql::Transaction tx(db_.get());
  sql::Statement(db_.get(),
                 "UPDATE deliveries SET state = 'pending', next_attempt = ?1, attempts = 0 "
                 "WHERE state IN ('dead', 'disabled') AND (?2 = '' OR webhook = ?2)")
      .bind(1, now)
      .bind(2, webhook)
      .run();
  const int64_t n = sqlite3_changes(db_.get());
  sql::Statement(db_.get(), "DELETE FROM webhook_endpoints WHERE ?1 = '' OR name = ?1")
      .bind(1, webhook)
      .run();
  tx.commit();
  return n;
}

void Store::disable_webhook(const std::string& name, int64_t at, const std::string& reason) {
  sql::Statement(db_.get(),
                 "INSERT INTO webhook_endpoints(name, disabled_at, reason) VALUES(?1, ?2, ?3) "
                 "ON CONFLICT(name) DO UPDATE SET disabled_at = excluded.disabled_at, reason = "
                 "excluded.reason")
      .bind(1, name)
      .bind(2, at)
      .bind(3, reason)
      .run();
}

bool Store::webhook_disabled(const std::string& name) {
  sql::Statement s(db_.get(),
                   "SELECT 1 FROM webhook_endpoints WHERE name = ?1 AND disabled_at IS NOT NULL");
  s.bind(1, name);
  return s.step();
}

int64_t Store::disable_pending(const std::string& webhook, int64_t at) {
  sql::Statement(
      db_.get(),
      "UPDATE deliveries SET state = 'disabled', last_error = 'endpoint disabled (410 Gone)', "
      "next_attempt = ?2 WHERE state = 'pending' AND webhook = ?1")
      .bind(1, webhook)
      .bind(2, at)
      .run();
  return sqlite3_changes(db_.get());
}

std::string Store::integrity_check() {
  sql::Statement s(db_.get(), "PRAGMA integrity_check");
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
