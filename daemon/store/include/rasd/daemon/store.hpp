// The durable store: one SQLite file in WAL mode with synchronous=FULL, versioned schema
// migrations run in transactions, bound parameters only.
//
// Thread safety: a Store is used by one thread (the daemon's writer). Readers in other
// processes (the CLI) open their own Store. Every method throws sql::StoreError on failure;
// nothing is half-written because each write is one transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rasd/daemon/sqlite.hpp"

namespace rasd {

struct SourceState {
  std::string id;
  std::string url;
  std::string etag;
  std::string last_modified;
  std::optional<int64_t> last_fetch;
  std::optional<int64_t> last_success;
  std::string last_error;
  int64_t failures = 0;
  int64_t next_due = 0;
  int64_t interval = 0;  // seconds, current adaptive interval (0 = default)
  // The poison-source guard: unclean exits blamed on this source since its last clean parse,
  // and when it was quarantined (not polled until released or its URL changes).
  int64_t crashes = 0;
  std::optional<int64_t> quarantined_at;
  std::string quarantine_reason;
};

// A follow-up page fetch (an article link of an html source, or a full_text feed item waiting
// for its page), durable from the transaction that found it until the one that stores its
// article.
struct PageFetch {
  std::string source_id;
  std::string url;
  std::string teaser;  // full_text: the feed item's article as JSON (page_teaser.hpp); "" for html
  int64_t attempts = 0;
  int64_t next_attempt = 0;
  std::string state = "pending";  // pending | dead
  std::string last_error;
  int64_t created_at = 0;
};

struct NewArticle {
  std::string source_id;
  std::string guid;
  std::string url;
  std::string title;
  std::string body;
  std::string author;
  std::string lang;
  std::optional<int64_t> published;
  int64_t fetched_at = 0;
  std::string cluster;        // story cluster id (DESIGN.md section 6); "" when not clustered
  std::string canonical_url;  // identity hashes: the URL with tracking noise removed,
  std::string content_hash;   // and a hash of the body's normalized token sequence
  // What full-text search indexes (see article_search.hpp); nothing when empty.
  std::string search_words;
  std::string search_stems;
};

struct FoundArticle {
  int64_t id = 0;
  std::string source_id, guid, url, title, lang;
  std::optional<int64_t> published;
  int64_t fetched_at = 0;
  std::string snippet;  // from the body
};

struct PruneStats {
  int64_t articles = 0;         // deleted
  int64_t kept_for_alerts = 0;  // older than the cut-off but kept: a kept alert refers to them
  int64_t alerts = 0;           // deleted with their hits, members, deliveries and attempts
  int64_t deliveries = 0;
  int64_t attempts = 0;      // attempts older than the cut-off (of any delivery)
  int64_t page_fetches = 0;  // dead page fetches older than the cut-off
  bool more = false;         // the row bound was reached: call again
};

// Test and operator knobs; the defaults are what the daemon uses.
struct StoreOptions {
  bool read_only = false;  // open without write access (a read-only file or copy; tests)
  std::optional<int64_t> max_page_count;  // cap the file's size (simulates a full disk in tests)
};

// The alert a rule already raised for a story cluster, with the sources of its members.
struct ClusterAlert {
  std::string alert_id;
  std::vector<std::string> sources;  // distinct, in the order they joined
  int64_t articles = 0;
};

// What the story index needs of a stored article to rebuild itself after a restart.
struct RecentArticle {
  std::string source_id, guid, url, title, body;
  int64_t time = 0;
  std::string cluster;
};

struct NewDelivery {
  std::string id;  // the webhook-id; never changes across retries
  std::string webhook;
};

// A rule hit as stored (alert_hits): code-point offsets into the original field.
struct StoredHit {
  std::string field;  // title, body, ...
  int64_t start = 0, end = 0;
  std::string text;  // the original spelling
  std::string view;  // strict | collapsed
};

struct NewAlert {
  std::string id;
  std::string rule_id;
  std::string severity;
  int64_t created_at = 0;
  std::string payload;  // JSON body sent to webhooks
  std::vector<NewDelivery> deliveries;
  // Non-empty: not a new alert but an update of this one (alert.updated): the article joins
  // its members and the deliveries carry `payload`.
  std::string update_of;
  std::vector<StoredHit> hits;  // what the rule matched in this article
};

struct StoredAlert {
  std::string id;
  std::string rule_id;
  std::string severity;
  int64_t article_id = 0;
  int64_t created_at = 0;
  std::string payload;
};

struct Delivery {
  std::string id;
  std::string alert_id;
  std::string webhook;
  std::string state;  // pending, delivered, dead, disabled
  int64_t attempts = 0;
  int64_t next_attempt = 0;
  std::optional<int64_t> last_status;
  std::string last_error;
  std::optional<int64_t> delivered_at;
  std::string payload;
};

// One attempt's outcome and the delivery's new state (Store::record_attempts).
struct AttemptRecord {
  std::string delivery_id;
  int64_t at = 0;
  std::optional<int64_t> status;
  std::string error;
  std::string new_state;
  int64_t next_attempt = 0;
};

struct DeliveryAttempt {
  std::string delivery_id;
  int64_t at = 0;
  std::optional<int64_t> status;
  std::string error;
};

class Store {
 public:
  static constexpr int kSchemaVersion = 4;

  // Groups many writes into one transaction (one fsync, synchronous=FULL): the writes inside
  // are savepoints that fail alone, and nothing is durable before commit(); destroyed without
  // commit(), it rolls everything back. Batches nest (the inner ones are savepoints).
  class Batch {
   public:
    explicit Batch(Store& store) : tx_(std::make_unique<sql::Transaction>(store.db_.get())) {}
    void commit() { tx_->commit(); }

   private:
    std::unique_ptr<sql::Transaction> tx_;
  };

  // Opens or creates the database and migrates it. Throws StoreError, including when the file's
  // schema is newer than this binary knows. A read-only store never migrates: it refuses an
  // older schema too.
  explicit Store(const std::string& path, const StoreOptions& options = {});

  int schema_version();
  // False when no transaction is open: also after SQLite rolled one back by itself (it may on
  // SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM), which ends every savepoint inside it too.
  bool in_transaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }

  void ensure_source(const std::string& id, const std::string& url);
  std::optional<SourceState> source(const std::string& id);
  std::vector<SourceState> sources();
  void save_source_state(const SourceState& s);

  // Stores a new article with its alerts and their outbox rows in one transaction. Returns the
  // article's row id, or nullopt when (source, guid) is already stored (nothing is written).
  std::optional<int64_t> insert_article(const NewArticle& a, const std::vector<NewAlert>& alerts);
  bool has_article(const std::string& source_id, const std::string& guid);
  std::optional<ClusterAlert> cluster_alert(const std::string& rule_id, const std::string& cluster);
  // Calls fn with each clustered article fetched at or after `since`, oldest first; one row
  // in memory at a time (a restart restores days of articles).
  void for_each_recent_article(int64_t since, const std::function<void(const RecentArticle&)>& fn);
  int64_t article_count();
  int64_t pending_delivery_count();  // deliveries waiting for a (first or next) attempt

  std::vector<StoredAlert> alerts(int64_t since, const std::string& rule_id = "");
  // The newest `limit` alerts created at or after `since`, newest first (the HTTP API).
  std::vector<StoredAlert> latest_alerts(int64_t since, const std::string& rule_id, int limit);
  // The hits stored for an alert, over all its member articles, in insertion order.
  std::vector<StoredHit> alert_hits(const std::string& alert_id);

  // Pending deliveries due at `now`, oldest first; only those of `webhook` when given.
  std::vector<Delivery> due_deliveries(int64_t now, int limit, const std::string& webhook = "");
  // The webhooks that have pending deliveries due at `now`.
  std::vector<std::string> webhooks_with_due(int64_t now);
  // Marks every pending delivery of `webhook` dead with `reason`; returns how many.
  int64_t kill_pending(const std::string& webhook, int64_t at, const std::string& reason);
  std::vector<Delivery> deliveries(const std::string& state = "");
  std::vector<DeliveryAttempt> attempts(const std::string& delivery_id);
  // Records one attempt and the delivery's new state, in one transaction.
  void record_attempt(const std::string& delivery_id, int64_t at, std::optional<int64_t> status,
                      const std::string& error, const std::string& new_state, int64_t next_attempt);
  // Several attempts in one transaction (one fsync for a batch of answers).
  void record_attempts(const std::vector<AttemptRecord>& records);
  // Puts dead and disabled deliveries back in the queue with a fresh retry schedule (their
  // attempts stay in the history), and enables every endpoint again (or only those of
  // `webhook` when given); returns how many deliveries.
  int64_t retry_dead(int64_t now, const std::string& webhook = "");

  // Webhook endpoints that answered 410 Gone stay disabled until retry_dead() (an operator's
  // `rasd deliveries retry`): their due deliveries are marked disabled, not sent.
  void disable_webhook(const std::string& name, int64_t at, const std::string& reason);
  bool webhook_disabled(const std::string& name);
  // Marks the pending deliveries of a disabled endpoint disabled; returns how many.
  int64_t disable_pending(const std::string& webhook, int64_t at);

  // Follow-up page fetches (store_pages.cpp). queue_page_fetch() does nothing when the page is
  // already queued (pending or dead) for that source; it returns whether it queued it.
  bool queue_page_fetch(const PageFetch& p);
  bool page_fetch_known(const std::string& source_id, const std::string& url);
  std::vector<PageFetch> due_page_fetches(int64_t now, int limit);
  std::vector<PageFetch> page_fetches(const std::string& state = "");
  void page_fetch_done(const std::string& source_id, const std::string& url);
  // Moves a row that cannot be fetched now (its source is quarantined or not configured) out
  // of the way of the others, without counting a try.
  void defer_page_fetch(const std::string& source_id, const std::string& url, int64_t until);
  // One failed try: pending again at next_attempt, or dead (kept, visible, never retried).
  void page_fetch_failed(const std::string& source_id, const std::string& url,
                         const std::string& error, int64_t next_attempt, bool dead);
  int64_t page_fetch_count(const std::string& state);
  // The wall clock jumped by `delta` seconds: every schedule kept as a wall-clock time (sources'
  // next poll, pending page fetches and deliveries) moves with it, in one transaction, so that
  // each is as far in the future as before. Returns the rows moved.
  int64_t shift_schedules(int64_t delta);

  // The poison-source guard (store_pages.cpp): an unclean exit blamed on `id` (returns the
  // count since its last clean parse), a clean parse, quarantine and release.
  int64_t blame_crash(const std::string& id);
  void clear_crashes(const std::string& id);
  void quarantine_source(const std::string& id, int64_t at, const std::string& reason);
  bool release_source(const std::string& id);

  // Full-text search: `fts_query` is an FTS5 MATCH expression over the words and stems columns
  // (build it with search_query()). Newest first.
  std::vector<FoundArticle> search(const std::string& fts_query, int limit);
  // Retention: deletes alerts created before `before` with their hits, members, deliveries
  // (except pending ones) and attempts; attempts and dead page fetches older than `before`;
  // then articles fetched before `before` with their search rows, except those a kept alert
  // refers to (its payload and members stay readable). One transaction.
  // At most `max_rows` alerts and as many articles go per call (each deletion checks foreign
  // keys through indexes): PruneStats::more says whether another call has work.
  PruneStats prune(int64_t before, int64_t max_rows = 5000);

  std::string integrity_check();

 private:
  void migrate();
  // A statement prepared once per Store (hot paths prepare nothing); reset when the lease ends,
  // so no statement keeps a read snapshot open between calls.
  class Lease {
   public:
    explicit Lease(sql::Statement& s) : s_(s) {}
    ~Lease() { s_.reset(); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    sql::Statement* operator->() { return &s_; }
    sql::Statement& operator*() { return s_; }

   private:
    sql::Statement& s_;
  };
  Lease cached(std::string_view sql);
  sql::DbPtr db_;
  std::unordered_map<std::string, std::unique_ptr<sql::Statement>>
      statements_;  // before db_ closes
};

}  // namespace rasd
