// The durable store: one SQLite file in WAL mode with synchronous=FULL, or a PostgreSQL
// database (store.url) shared by several instances; versioned schema migrations run in
// transactions (store_migrations.hpp, the same versions on both), bound parameters only.
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

#include "rasd/daemon/article_search.hpp"
#include "rasd/daemon/article_store.hpp"
#include "rasd/daemon/sql_connection.hpp"
#include "rasd/daemon/store_types.hpp"

namespace rasd {

class Store final : public ArticleStore {
 public:
  static constexpr int kSchemaVersion = 19;

  // Groups many writes into one transaction (one fsync, synchronous=FULL): the writes inside
  // are savepoints that fail alone, and nothing is durable before commit(); destroyed without
  // commit(), it rolls everything back. Batches nest (the inner ones are savepoints).
  //
  // On SQLite, the search rows of the articles inserted inside an outermost Batch are staged
  // in a temporary table (rolled back with their savepoint like any row) and written to the
  // FTS5 table in one statement by the outermost commit(): FTS5 flushes its pending terms
  // into a new segment at every savepoint and every statement that opens a statement journal
  // once it has been written in the transaction, which cost more than the articles' other
  // writes together. A search sees the rows once committed, as before.
  class Batch {
   public:
    explicit Batch(Store& store);
    ~Batch();
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    void commit();

   private:
    Store& store_;
    bool outermost_;  // this Batch began the transaction
    std::unique_ptr<sql::Transaction> tx_;
  };

  // Opens or creates the database and migrates it: `location` is an SQLite file's path or a
  // postgresql:// URL (sql::is_postgres_url). Throws StoreError, including when the database's
  // schema is newer than this binary knows. A read-only store never migrates: it refuses an
  // older schema too.
  explicit Store(const std::string& location, const StoreOptions& options = {});
  sql::Dialect dialect() const { return db_->dialect(); }

  // Rolling upgrades (store_schema.cpp): each schema version names the oldest rasd (by its
  // kSchemaVersion) that may still run on it, kept in the database beside the version. A
  // migration that only adds (tables, columns with defaults, indexes) names the release before
  // it, so that release keeps working while the instances are upgraded one by one; a rasd
  // facing a schema newer than it knows runs on it when named, and is refused otherwise.
  struct SchemaInfo {
    int version = 0;        // 0: no schema yet
    int oldest_binary = 0;  // the oldest kSchemaVersion that may run on it
  };
  SchemaInfo schema();
  int schema_version() { return schema().version; }
  // Why this rasd may not run on `info` ("database schema version 18 …; upgrade rasd"), or
  // nothing when it may (an older schema is migrated first).
  static std::optional<std::string> schema_refusal(const SchemaInfo& info);
  // The schema of the database at `location` (version 0: none yet), read without migrating or
  // writing anything (rasd check). Throws StoreError when it cannot be reached.
  static SchemaInfo peek_schema(const std::string& location);
  static int peek_schema_version(const std::string& location);
  // False when no transaction is open: also after SQLite rolled one back by itself (it may on
  // SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM), which ends every savepoint inside it too.
  bool in_transaction() const { return db_->in_transaction(); }

  // ArticleStore (article_store.hpp): a Batch behind the interface.
  std::unique_ptr<Transaction> begin() override;

  void ensure_source(const std::string& id, const std::string& url) override;
  std::optional<SourceState> source(const std::string& id) override;
  std::vector<SourceState> sources();
  void save_source_state(const SourceState& s) override;

  // Stores a new article with its alerts and their outbox rows in one transaction. Returns the
  // article's row id, or nullopt when (source, guid) is already stored (nothing is written).
  std::optional<int64_t> insert_article(const NewArticle& a,
                                        const std::vector<NewAlert>& alerts) override;
  // Story keys and rule locks (store_stories.cpp): on PostgreSQL only.
  bool shares_stories() override;
  void lock_stories(const std::vector<uint64_t>& keys,
                    const std::vector<std::string>& rule_ids) override;
  void lock_rules(const std::vector<std::string>& rule_ids) override;
  void lock_all_stories(const std::vector<std::string>& rule_ids) override;
  void for_each_article_with_story_keys(
      const std::vector<uint64_t>& keys, int64_t since, const std::function<bool(int64_t)>& known,
      const std::function<void(const RecentArticle&)>& fn) override;
  void lock_rule(const std::string& rule_id) override;
  void prune_story_keys(int64_t before) override;
  bool has_article(const std::string& source_id, const std::string& guid) override;
  std::vector<std::string> known_articles(const std::string& source_id,
                                          const std::vector<std::string>& guids) override;
  std::optional<ClusterAlert> cluster_alert(const std::string& rule_id,
                                            const std::string& cluster) override;
  // Calls fn with each clustered article fetched at or after `since`, oldest first; one row
  // in memory at a time (a restart restores days of articles).
  void for_each_recent_article(int64_t since,
                               const std::function<void(const RecentArticle&)>& fn) override;
  int64_t article_count();
  // Acknowledges an alert (store_alerts.cpp): who, when, a note. False when there is no such
  // alert; acknowledging again keeps the first acknowledgement.
  bool acknowledge(const std::string& alert_id, const std::string& by, const std::string& note,
                   int64_t now);
  std::optional<Acknowledgement> acknowledgement(const std::string& alert_id);
  // Silences (store_silences.cpp). All of them, newest first, or only those in force at `now`.
  void add_silence(const Silence& s);
  std::vector<Silence> silences(int64_t now, bool include_inactive);
  // Ends a silence now; false when there is no such silence in force.
  bool remove_silence(const std::string& id, int64_t now);
  // Articles of a scan (store_scan.cpp): how many, and each in fetch order (fetched_at, id).
  // The scan reads pages of rows, each page its own short read transaction, so a long replay
  // never holds back the WAL checkpoint of a running daemon; fn returns false to stop.
  int64_t count_articles(const ArticleScan& scan);
  void scan_articles(const ArticleScan& scan, const std::function<bool(const StoredArticle&)>& fn);
  int64_t pending_delivery_count();  // deliveries waiting for a (first or next) attempt

  std::vector<StoredAlert> alerts(int64_t since, const std::string& rule_id = "");
  // The newest `limit` alerts created at or after `since`, newest first (the HTTP API).
  std::vector<StoredAlert> latest_alerts(int64_t since, const std::string& rule_id, int limit);
  // One alert by id (store_alerts.cpp: the article it is about, and its story's articles).
  std::optional<StoredAlert> alert(const std::string& id);
  std::optional<StoredArticle> article(int64_t id);
  // The articles of an alert's story (its members), oldest first, at most `limit`.
  std::vector<StoryCopy> alert_story(const std::string& alert_id, int limit);
  // The hits stored for an alert, over all its member articles (or those of one), in insertion
  // order.
  std::vector<StoredHit> alert_hits(const std::string& alert_id,
                                    std::optional<int64_t> article_id = std::nullopt);

  // The dashboard (store_dashboard.cpp). The alerts that pass `filter`, newest first, before
  // `before_seq` (0: from the newest), at most `limit`: a keyset page, as cheap at page 50 as
  // at page 1.
  std::vector<ListedAlert> alert_list(const AlertFilter& filter, int64_t before_seq, int limit);
  // The alerts that pass `filter` inserted after `after_seq` and up to `up_to_seq`, oldest
  // first, at most `limit`: what a live view has not seen yet.
  std::vector<ListedAlert> alerts_after(const AlertFilter& filter, int64_t after_seq,
                                        int64_t up_to_seq, int limit);
  int64_t newest_alert_seq();  // 0 when there is none
  // Articles fetched from a source per day: [0] is [since, since + 1 day), `days` entries.
  std::vector<int64_t> source_daily_counts(const std::string& source_id, int64_t since, int days);
  // A source's newest articles (bodies cut to 300 bytes), newest first.
  std::vector<StoredArticle> source_articles(const std::string& source_id, int limit);
  // Deliveries in `state`, the latest scheduled first (no payloads), and how many there are.
  std::vector<Delivery> delivery_list(const std::string& state, int limit);
  int64_t delivery_count(const std::string& state);
  // Puts one dead or disabled delivery back in the queue, due at `now`, and enables its
  // endpoint again; false when there is no such delivery in those states.
  bool retry_delivery(const std::string& id, int64_t now);

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
  // `owner`: the instance that made the attempts (claim_due_deliveries); a row's claim is
  // ended only when it is still that owner's (it may have lapsed to another meanwhile).
  void record_attempts(const std::vector<AttemptRecord>& records, const std::string& owner = "");
  // Puts dead and disabled deliveries back in the queue with a fresh retry schedule (their
  // attempts stay in the history), and enables every endpoint again (or only those of
  // `webhook` when given); returns how many deliveries.
  int64_t retry_dead(int64_t now, const std::string& webhook = "");

  // Grouping (store_groups.cpp). Deliveries with a group key wait (pending, never due on
  // their own) until commit_group() folds them, in one transaction, into one new pending
  // delivery carrying the group's body; they are then 'grouped'.
  std::vector<WaitingGroup> waiting_groups();
  // Folds the deliveries of (webhook, key) waiting since before `cutoff` into one new delivery,
  // in one transaction: `build` gets them (newest first; payloads for the first
  // `with_payload`) and returns the group delivery; the group's last send becomes `sent_at`.
  // Returns how many were folded (0: none waiting, nothing written). Throws sql::StoreError,
  // with nothing written, when the store fails or the members changed meanwhile (another
  // process on the same file).
  int64_t fold_group(const std::string& webhook, const std::string& key, int64_t cutoff,
                     int with_payload, int64_t sent_at,
                     const std::function<NewGroupDelivery(const std::vector<GroupMember>&)>& build);
  // The webhook no longer groups (or is gone): its waiting deliveries go out one by one (or
  // are settled as a removed webhook's); returns how many.
  int64_t ungroup_waiting(const std::string& webhook);

  // Webhook endpoints that answered 410 Gone stay disabled until retry_dead() (an operator's
  // `rasd deliveries retry`): their due deliveries are marked disabled, not sent.
  void disable_webhook(const std::string& name, int64_t at, const std::string& reason);
  bool webhook_disabled(const std::string& name) override;
  // The certificate a webhook's endpoint showed at `seen.origin` (url::origin of its URL), as
  // the one to judge it by (store_coverage.cpp).
  void note_webhook_certificate(const WebhookCertificate& seen);
  std::vector<WebhookCertificate> webhook_certificates() override;
  // Marks the pending deliveries of a disabled endpoint disabled; returns how many.
  int64_t disable_pending(const std::string& webhook, int64_t at);

  // Follow-up page fetches (store_pages.cpp). queue_page_fetch() does nothing when the page is
  // already queued (pending or dead) for that source; it returns whether it queued it.
  // Threshold rules (store_thresholds.cpp).
  void add_threshold_event(const std::string& rule_id, int64_t article_id,
                           const std::string& cluster, const std::string& source_id,
                           int64_t event_time) override;
  std::vector<ThresholdMember> threshold_members(const std::string& rule_id, int64_t after,
                                                 int limit) override;
  rules::ThresholdCount threshold_tally(const std::string& rule_id, int64_t after) override;
  std::optional<ThresholdEpisode> threshold_episode(const std::string& rule_id) override;
  std::vector<ThresholdEpisode> threshold_episodes() override;
  void save_threshold_episode(const ThresholdEpisode& e) override;
  void close_threshold_episode(const std::string& rule_id) override;
  int64_t prune_threshold_events(const std::string& rule_id, int64_t before) override;
  void insert_alerts(int64_t article_id, const std::string& source_id, const std::string& cluster,
                     const std::vector<NewAlert>& alerts,
                     const std::vector<ThresholdMember>& members) override;

  bool queue_page_fetch(const PageFetch& p) override;
  bool page_fetch_known(const std::string& source_id, const std::string& url) override;
  std::vector<PageFetch> due_page_fetches(int64_t now, int limit);
  std::vector<PageFetch> page_fetches(const std::string& state = "");
  void page_fetch_done(const std::string& source_id, const std::string& url) override;
  // Moves a row that cannot be fetched now (its source is quarantined or not configured) out
  // of the way of the others, without counting a try.
  void defer_page_fetch(const std::string& source_id, const std::string& url, int64_t until);
  // One failed try: pending again at next_attempt, or dead (kept, visible, never retried).
  void page_fetch_failed(const std::string& source_id, const std::string& url,
                         const std::string& error, int64_t next_attempt, bool dead) override;
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

  // Host leases (store_leases.cpp): how instances sharing one store split the work. An
  // instance polls a host's sources and fetches its pages only while it holds the host's lease,
  // so per-host limits hold across instances; a lease not renewed lapses and another instance
  // takes the host. Every time here is the database's clock, never the caller's; each call is
  // its own transaction (call it outside a Batch). On PostgreSQL the rows are locked with
  // FOR UPDATE SKIP LOCKED: an instance never waits for another's claim.
  //
  // claim_hosts: of `hosts`, those now held by `owner` for `lease_seconds` (new ones, lapsed
  // ones, and those `owner` holds or released last). renew_hosts: of `hosts`, those `owner`
  // still holds, their leases extended (a host missing from the answer was lost: its lease
  // lapsed and another instance took it). release_hosts: `owner`'s leases on `hosts` end after
  // `gap_seconds` (the per-host gap), before which only `owner` may take them again.
  // release_owner: at a clean stop, every host lease and delivery claim of `owner` ends so.
  std::vector<std::string> claim_hosts(const std::string& owner,
                                       const std::vector<std::string>& hosts,
                                       int64_t lease_seconds);
  std::vector<std::string> renew_hosts(const std::string& owner,
                                       const std::vector<std::string>& hosts,
                                       int64_t lease_seconds);
  void release_hosts(const std::string& owner, const std::vector<std::string>& hosts,
                     int64_t gap_seconds);
  void release_owner(const std::string& owner, int64_t gap_seconds);
  std::vector<HostLease> host_leases();  // held or not, by host
  // The outbox's share of the same: due_deliveries() of `webhook`, each now claimed by `owner`
  // for `lease_seconds` (those another owner claimed and whose claim has not lapsed are not
  // returned). record_attempts() ends a row's claim. A claim is not a send: a row claimed and
  // not attempted (the instance died) is claimed again once its claim lapses, with the same id
  // (and so the same webhook-id).
  std::vector<Delivery> claim_due_deliveries(const std::string& owner, int64_t now, int limit,
                                             const std::string& webhook, int64_t lease_seconds);
  // The claims of rows in flight (sent, answer not recorded) are extended at every pump; rows
  // claimed and not sent are given back at once.
  void renew_delivery_claims(const std::string& owner, const std::vector<std::string>& ids,
                             int64_t lease_seconds);
  void release_delivery_claims(const std::string& owner, const std::vector<std::string>& ids);
  int64_t database_now();  // the database's clock, Unix seconds

  // Full-text search: `query` comes from search_query() (article_search.hpp); SQLite matches
  // its FTS5 expression, PostgreSQL its tsquery, over the same words and stems. Newest first.
  // With `fetch_order`, the newest fetched first instead: the index is walked backwards and
  // stops at `limit`, where the published order sorts every match (the dashboard, whose page
  // must answer in milliseconds however common the word).
  std::vector<FoundArticle> search(const SearchExpression& query, int limit,
                                   bool fetch_order = false);
  // Retention: deletes alerts created before `before` with their hits, members, deliveries
  // (except pending ones) and attempts; attempts and dead page fetches older than `before`;
  // then articles fetched before `before` with their search rows, except those a kept alert
  // refers to (its payload and members stay readable). One transaction.
  // At most `max_rows` alerts and as many articles go per call (each deletion checks foreign
  // keys through indexes): PruneStats::more says whether another call has work.
  PruneStats prune(int64_t before, int64_t max_rows = 5000);

  std::string integrity_check();

  // Copies every row of this store into `target` (store_copy.cpp: `rasd migrate`), in one
  // transaction of the target's, keeping ids and insertion order; `progress` hears each table
  // and its row count once copied. Both stores must be at kSchemaVersion and the target empty
  // (no sources, articles or alerts): otherwise StoreError, with nothing written.
  struct CopiedTable {
    std::string table;
    int64_t rows = 0;
  };
  std::vector<CopiedTable> copy_into(Store& target,
                                     const std::function<void(const CopiedTable&)>& progress);

  // ArticleStore: silences in force, and those that have expired since last asked (each once).
  std::vector<Silence> active_silences(int64_t now) override;
  std::vector<Silence> newly_expired_silences(int64_t now) override;
  bool alert_acknowledged(const std::string& alert_id) override;
  int64_t sent_alerts(const std::string& rule_id, int64_t after) override;
  std::optional<int64_t> oldest_sent_alert(const std::string& rule_id, int64_t after) override;
  void note_held_back(const std::string& rule_id, const std::string& alert_id, int64_t now,
                      int64_t notice_due, int max_count, int64_t per_seconds) override;
  std::vector<HeldBack> due_held_back(int64_t now) override;
  void clear_held_back(const std::string& rule_id) override;
  std::vector<SourceState> all_sources() override { return sources(); }
  std::vector<Coverage> coverage_conditions() override;
  void save_coverage(const Coverage& c) override;
  void drop_coverage(const std::string& kind, const std::string& subject) override;
  std::optional<int64_t> last_article_at(const std::string& source_id) override;
  std::vector<int64_t> recent_text_lengths(const std::string& source_id, int limit) override;
  std::vector<WebhookHealth> webhook_health() override;
  int64_t articles_since(int64_t after) override;
  std::map<std::string, int64_t> rule_matches_since(int64_t after) override;
  std::optional<int64_t> last_rule_match(const std::string& rule_id) override;

 private:
  // lock_stories() and lock_all_stories(): the gate (exclusive when `alone`), keys and rules.
  void take_story_locks(const std::string& keys_json, const std::vector<std::string>& rule_ids,
                        bool alone);
  // insert_article() on PostgreSQL inside a transaction (store.cpp).
  std::optional<int64_t> insert_article_pg(const NewArticle& a,
                                           const std::vector<NewAlert>& alerts);
  explicit Store(std::unique_ptr<sql::Connection> db) : db_(std::move(db)) {}
  void migrate();
  void write_story_keys(int64_t article_id, const std::vector<uint64_t>& keys);
  // The article's search row: staged while an outermost Batch is open on SQLite (Batch),
  // written at once otherwise.
  void write_search_row(int64_t article_id, std::string_view words, std::string_view stems);
  void flush_staged_search();
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
  std::unique_ptr<sql::Connection> db_;
  std::unordered_map<std::string, std::unique_ptr<sql::Statement>>
      statements_;  // before db_ closes
  bool staging_search_ = false;  // an outermost Batch is open on SQLite
  bool search_staged_ = false;   // rows may wait in the stage
};

}  // namespace rasd
