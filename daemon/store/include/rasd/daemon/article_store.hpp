// What the article pipeline (daemon/ingest: the Monitor) needs of a store, and nothing else:
// sources' fetch state, articles with their alerts and outbox rows, story clusters, and the
// durable follow-up page fetches. Backend-neutral: the SQLite Store implements it (store.hpp);
// a test or another backend may too.
//
// Contract for implementations:
// * begin() opens a transaction, or a savepoint inside the one open: its writes are durable
//   only when the outermost commit() returns, and a Transaction destroyed without commit()
//   undoes its own writes. insert_article() writes an article, its alerts and their outbox
//   rows together or not at all.
// * Every failure throws sql::StoreError (store_types.hpp); nothing is half-written.
// * One thread uses an ArticleStore at a time (in the daemon, the store's thread).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rasd/daemon/store_types.hpp"
#include "rasd/engine/rules/threshold.hpp"

namespace rasd {

class ArticleStore {
 public:
  class Transaction {
   public:
    virtual ~Transaction() = default;
    virtual void commit() = 0;
  };

  virtual ~ArticleStore() = default;
  virtual std::unique_ptr<Transaction> begin() = 0;

  // Sources: the row is created by ensure_source() (a new source, or its URL changed).
  virtual void ensure_source(const std::string& id, const std::string& url) = 0;
  virtual std::optional<SourceState> source(const std::string& id) = 0;
  virtual void save_source_state(const SourceState& s) = 0;

  // A new article with its alerts and their outbox rows; nullopt (nothing written) when
  // (source, guid) is already stored.
  virtual std::optional<int64_t> insert_article(const NewArticle& a,
                                                const std::vector<NewAlert>& alerts) = 0;
  virtual bool has_article(const std::string& source_id, const std::string& guid) = 0;
  // Which of `guids` the source has stored (one statement however many).
  virtual std::vector<std::string> known_articles(const std::string& source_id,
                                                  const std::vector<std::string>& guids) = 0;
  virtual std::optional<ClusterAlert> cluster_alert(const std::string& rule_id,
                                                    const std::string& cluster) = 0;
  // Each clustered article fetched at or after `since`, oldest first, one at a time.
  virtual void for_each_recent_article(int64_t since,
                                       const std::function<void(const RecentArticle&)>& fn) = 0;
  // Instances sharing the store (PostgreSQL) file stories together. Before clustering the new
  // articles of one answer, lock_stories() takes, in one step and until the outermost
  // transaction ends, every lock the transaction will need: the answer's story keys and the
  // rules it may count (lock_rule() on them later returns at once). Every lock is taken in one
  // global order, so two instances never deadlock; and each transaction takes its locks once,
  // so a transaction must hold one answer only. Past kMaxStoryLocks keys (the first poll of a
  // large feed) the answer takes the story gate exclusively instead of its keys (the locks
  // would not fit PostgreSQL's lock table), while ordinary answers take it shared: a large
  // answer then files alone. Then for_each_article_with_story_keys() reads the articles
  // other instances filed under any of the keys since `since` (the newest kStoryKeyReach of
  // each key, as the story index looks no further; `known` says which ids the caller has
  // filed, and only the others are read whole); insert_article() writes the new article's
  // NewArticle::story_keys. A store with one instance does none of it.
  static constexpr int kStoryKeyReach = 256;
  static constexpr size_t kMaxStoryLocks = 512;
  virtual bool shares_stories() { return false; }
  virtual void lock_stories(const std::vector<uint64_t>& /*keys*/,
                            const std::vector<std::string>& /*rule_ids*/) {}
  // The exclusive story gate with `rule_ids`' locks, for an answer whose keys are not counted
  // first (too many: the Monitor files a large answer one article at a time).
  virtual void lock_all_stories(const std::vector<std::string>& /*rule_ids*/) {}
  // Several rules' locks at once, in the same order (a timer's pass over many episodes).
  virtual void lock_rules(const std::vector<std::string>& /*rule_ids*/) {}
  virtual void for_each_article_with_story_keys(
      const std::vector<uint64_t>& /*keys*/, int64_t /*since*/,
      const std::function<bool(int64_t)>& /*known*/,
      const std::function<void(const RecentArticle&)>& /*fn*/) {}
  // The same for a threshold rule's count and episode: one instance at a time adds an event,
  // tallies and opens, updates or ends the episode (locked until the outermost transaction
  // ends), so a surge seen by two instances opens one episode.
  virtual void lock_rule(const std::string& /*rule_id*/) {}
  // Story keys are needed for the dedup window only: those of articles fetched before `before`
  // go (the articles stay, to their retention).
  virtual void prune_story_keys(int64_t /*before*/) {}

  // Threshold rules (see rules/threshold.hpp): events, with their articles' fields, after a
  // time; the open episode of a rule; alerts written for an article already stored.
  virtual void add_threshold_event(const std::string& rule_id, int64_t article_id,
                                   const std::string& cluster, const std::string& source_id,
                                   int64_t event_time) = 0;
  // The newest `limit` events after `after`, oldest first; and what all of them add up to.
  virtual std::vector<ThresholdMember> threshold_members(const std::string& rule_id, int64_t after,
                                                         int limit) = 0;
  // What the events add up to (rules/threshold.hpp: an event in no story is a story of its own).
  virtual rules::ThresholdCount threshold_tally(const std::string& rule_id, int64_t after) = 0;
  virtual std::optional<ThresholdEpisode> threshold_episode(const std::string& rule_id) = 0;
  virtual std::vector<ThresholdEpisode> threshold_episodes() = 0;
  virtual void save_threshold_episode(const ThresholdEpisode& e) = 0;
  virtual void close_threshold_episode(const std::string& rule_id) = 0;
  // Removes a rule's events at or before `before`; returns how many.
  virtual int64_t prune_threshold_events(const std::string& rule_id, int64_t before) = 0;
  // Writes `alerts` (new, or updates of existing ones) for the stored article `article_id`,
  // and adds each article of `members` to every new alert's members.
  virtual void insert_alerts(int64_t article_id, const std::string& source_id,
                             const std::string& cluster, const std::vector<NewAlert>& alerts,
                             const std::vector<ThresholdMember>& members) = 0;

  // Follow-up page fetches: queue (false when already queued or dead), known, done, failed.
  virtual bool queue_page_fetch(const PageFetch& p) = 0;
  virtual bool page_fetch_known(const std::string& source_id, const std::string& url) = 0;
  virtual void page_fetch_done(const std::string& source_id, const std::string& url) = 0;
  virtual void page_fetch_failed(const std::string& source_id, const std::string& url,
                                 const std::string& error, int64_t next_attempt, bool dead) = 0;

  // Silences in force at `now`; and those that expired by `now` and were not reported yet
  // (each is returned once, then marked).
  virtual std::vector<Silence> active_silences(int64_t now) = 0;
  virtual std::vector<Silence> newly_expired_silences(int64_t now) = 0;
  // Whether someone acknowledged the alert (its updates then go only to webhooks that ask).
  virtual bool alert_acknowledged(const std::string& alert_id) = 0;

  // Rate limits (max_alerts): the rule's alerts whose story was first told to a webhook after
  // `after`, and the oldest such time; an alert held back (counted into the
  // rule's pending notice, due at `notice_due`); the notices due; a notice sent.
  virtual int64_t sent_alerts(const std::string& rule_id, int64_t after) = 0;
  virtual std::optional<int64_t> oldest_sent_alert(const std::string& rule_id, int64_t after) = 0;
  virtual void note_held_back(const std::string& rule_id, const std::string& alert_id, int64_t now,
                              int64_t notice_due, int max_count, int64_t per_seconds) = 0;
  virtual std::vector<HeldBack> due_held_back(int64_t now) = 0;
  virtual void clear_held_back(const std::string& rule_id) = 0;

  // Coverage conditions (monitor_coverage.cpp): every source's state; the open conditions;
  // one saved or dropped.
  virtual std::vector<SourceState> all_sources() = 0;
  virtual std::vector<Coverage> coverage_conditions() = 0;
  virtual void save_coverage(const Coverage& c) = 0;
  virtual void drop_coverage(const std::string& kind, const std::string& subject) = 0;
  // The newest article of a source (when it was fetched); the text lengths (code points) of
  // its newest `limit` articles, newest first.
  virtual std::optional<int64_t> last_article_at(const std::string& source_id) = 0;
  virtual std::vector<int64_t> recent_text_lengths(const std::string& source_id, int limit) = 0;
  // Every webhook with dead or pending deliveries (store_coverage.cpp).
  virtual std::vector<WebhookHealth> webhook_health() = 0;
  virtual bool webhook_disabled(const std::string& name) = 0;
  // The TLS certificate last seen from each webhook's endpoint.
  virtual std::vector<WebhookCertificate> webhook_certificates() = 0;
  // Articles fetched after `after`; per rule, the articles it matched after `after`; the
  // newest match of a rule (an alert raised or a threshold event), if any.
  virtual int64_t articles_since(int64_t after) = 0;
  virtual std::map<std::string, int64_t> rule_matches_since(int64_t after) = 0;
  virtual std::optional<int64_t> last_rule_match(const std::string& rule_id) = 0;
};

}  // namespace rasd
