// The polling pipeline for one daemon: for each due source, fetch (conditional GET), parse,
// normalize, match, and store new articles with their alerts and outbox rows.
//
// Failure boundary: poll_source() never throws for a source's own problems (network, HTTP,
// malformed feed); it records them in the source's stored state, logs them with the source id
// and returns. Store failures (disk full, read-only) propagate as sql::StoreError: the caller
// decides whether to retry, and nothing half-written remains because each answer is one
// transaction (or savepoint).
//
// Nothing that must survive lives only here: follow-up pages (an html source's article links,
// a full_text item waiting for its page, with its teaser) are queued in the store
// (page_fetches) in the transaction that saves the section page's or feed's validators, so a
// restart, a reload or a full fetch queue loses none of them. The in-memory state is the
// matcher and the story index, both rebuilt from the store.
//
// Counters: the PollStats of an answer describe what its transaction wrote; the caller passes
// them to committed() once that transaction has committed (a rolled-back answer counts
// nothing in the metrics).
//
// Thread safety: one thread drives a Monitor (in the daemon, the store's thread: see
// store_queue.hpp); it shares the Store with nothing else.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "rasd/daemon/article_store.hpp"
#include "rasd/daemon/config.hpp"
#include "rasd/daemon/env.hpp"
#include "rasd/daemon/http_client.hpp"
#include "rasd/daemon/metrics.hpp"
#include "rasd/daemon/prepare.hpp"
#include "rasd/daemon/silences.hpp"
#include "rasd/engine/dedup/story_index.hpp"
#include "rasd/engine/rules/matcher.hpp"
#include "rasd/parsers/feed.hpp"
#include "rasd/parsers/links.hpp"

namespace spdlog {
class logger;
}

namespace rasd {

struct PollStats {
  int fetched = 0;
  int not_modified = 0;
  int failed = 0;
  int new_articles = 0;
  int alerts = 0;
  int pages_queued = 0;  // follow-up page fetches queued durably
  int pages_dead = 0;    // page fetches given up on (kept, visible)
  // For the metrics, once committed.
  int alerts_created = 0, alerts_updated = 0, near_duplicates = 0, exact_duplicates = 0;
  int alerts_silenced = 0;   // alerts and updates a silence held back (stored, not queued)
  int alerts_held_back = 0;  // alerts past their rule's max_alerts (stored, not queued)
  std::vector<std::string> rule_hits;  // one rule id per (article, matching rule)
  PollStats& operator+=(const PollStats& o);
};

// The story cluster an alert is about, as the webhook body shows it.
struct ClusterSummary {
  std::string id;
  int64_t articles = 1;
  std::vector<std::string> sources;
  bool acknowledged = false;  // someone acknowledged the story's alert (not in the body)
};

// Alert JSON body (DESIGN.md section 7) for one rule match on one article: "alert.created",
// or "alert.updated" when the article joins the cluster of an existing alert.
std::string alert_payload(const std::string& type, const std::string& alert_id, int64_t created_at,
                          const rules::Rule& rule, const NewArticle& article,
                          const std::string& article_key, const std::vector<rules::Hit>& hits,
                          const ClusterSummary& cluster);

// A page fetch that failed for the `attempts`-th time waits this long (5 min doubling, at most
// 6 h: ten tries span about a day).
int64_t page_retry_delay(int64_t attempts);

// A full_text item's article as stored with its queued page fetch, and back.
std::string teaser_to_json(const NewArticle& a);
std::optional<NewArticle> teaser_from_json(const std::string& json);

// The article's text fields from a feed item: title, body as plain text, language. With a
// normalizer, the body loses the lines its boilerplate filter recognizes ("اقرأ أيضاً: …"):
// what is stored, matched, shown in snippets and given hit offsets is the text without them.
NewArticle article_from_item(const FeedItem& item, const Feed& feed, const SourceConfig& source,
                             int64_t now, const text::Normalizer* normalizer = nullptr);

// A GET of `url` with the limits every request of `s` gets (timeouts, size cap, slowloris
// limit, address policy), and the same for an article page. Pure: the event loop builds page
// requests with them from its own snapshot.
HttpRequest source_get(const Defaults& d, const SourceConfig& s, const std::string& url);
HttpRequest article_request(const Defaults& d, const SourceConfig& s, const std::string& url);

// A coverage condition that holds now (Monitor::check_coverage): its subject (a source, a
// webhook, a rule) and the alert it raises once it has lasted `raise_after` seconds; "{for}"
// in the texts becomes how long it has lasted.
struct CoverageFinding {
  std::string subject;
  std::string title;  // English | Arabic
  std::string message;
  int64_t raise_after = 0;
};

class Monitor {
 public:
  // `config` must outlive the Monitor or the next reload().
  Monitor(const Config& config, std::shared_ptr<const rules::RuleSet> rules,
          const text::Normalizer& normalizer, ArticleStore& store, HttpClient& http,
          const Clock& clock, std::shared_ptr<spdlog::logger> log,
          DaemonMetrics* metrics = nullptr);

  void set_rules(std::shared_ptr<const rules::RuleSet> rules);
  // A reload: the new snapshot's sources and rules; the story index stays.
  void reload(const Config& config, std::shared_ptr<const rules::RuleSet> rules);
  // The source of that id in the snapshot the Monitor runs (null when it has none): what an
  // answer is handled as.
  const SourceConfig* source(const std::string& id) const;
  // Adds what an answer's committed transaction wrote to the metrics; the articles it filed in
  // the story index are settled.
  void committed(const PollStats& stats);
  // A transaction that rolled back: the articles filed in the story index since `mark` (taken
  // with story_mark() before it) are forgotten, so that the story they began is not held by
  // articles that were never stored (another instance may have begun it meanwhile).
  size_t story_mark() const { return unsettled_.size(); }
  void forget_stories_since(size_t mark);
  // A source whose processing failed for a reason of its own that escaped as an exception:
  // recorded like any failure, with backoff, so it is not polled again at once.
  void record_processing_failure(const SourceConfig& source, const std::string& error);
  // Refills the story index from the store now rather than at the first new article (the
  // daemon does it before READY=1; a cycle of 304s under `--once` never pays for it).
  void restore_stories_now();
  // One poll split in two, for an event loop: the conditional GET for a source (stored ETag and
  // Last-Modified), then everything its answer leads to (parse, store, alerts, schedule).
  HttpRequest request_for(const SourceConfig& source);
  PollStats handle_response(const SourceConfig& source, const Expected<HttpResponse>& response);
  // The same with the heavy part already done (prepare_source_answer(), off the loop).
  PollStats handle_prepared(const SourceConfig& source, const Expected<HttpResponse>& response,
                            PreparedAnswer prepared);
  // Both, through the blocking HttpClient (tests, `rasd run --once`).
  PollStats poll_source(const SourceConfig& source);
  PollStats poll_all();  // every source once, regardless of schedule
  // Handles parsed items as if just fetched from `source` (also used by tests and `fetch`).
  PollStats process_feed(const SourceConfig& source, const Feed& feed);
  // `items` as prepare_source_answer() made them for `feed`.
  PollStats process_items(const SourceConfig& source, const Feed& feed,
                          std::vector<std::optional<NewArticle>> items);
  // Stores one new article (nothing when its GUID is known) with its story and alerts.
  void process_article(const SourceConfig& source, NewArticle article, PollStats& stats);

  // Feed sources with full_text: each new item's page is fetched the same way, and the item is
  // stored with the page's extracted text as its body (or as the feed gave it, if the page
  // cannot be fetched or holds no article).
  // Sources of type html: handle_response() reads the section page's article links and queues
  // the new ones durably (at most kMaxArticlesPerPoll per poll; when more are new, the page's
  // validators are not saved, so the next poll reads the page again). The caller fetches the
  // due ones (Store::due_page_fetches) through the same politeness rules and hands each
  // answer to handle_page(), which extracts the page and processes it as an article whose GUID
  // is its URL, removing the queued row in the same transaction. A failed page is tried again
  // with backoff (page_retry_delay) and marked dead after kMaxPageAttempts; a full_text item
  // whose page fails is stored with the feed's text at once.
  HttpRequest request_for_article(const SourceConfig& source, const std::string& url) const;
  PollStats handle_page(const SourceConfig& source, const PageFetch& page,
                        const Expected<HttpResponse>& response);
  PollStats handle_page(const SourceConfig& source, const PageFetch& page,
                        const Expected<HttpResponse>& response, PreparedAnswer prepared);
  static constexpr size_t kMaxArticlesPerPoll = 30;
  static constexpr int64_t kMaxPageAttempts = 10;
  // Threshold rules (monitor_thresholds.cpp): closes the episodes whose condition no longer
  // holds and sends the summaries of silently joined matches that are due; drops events that
  // can no longer count. The daemon calls it on a timer; one transaction. Returns what it
  // wrote (for committed()).
  PollStats check_thresholds();
  // Logs each silence that has expired since the last call, once (the daemon's timer).
  void report_expired_silences();
  // Sends the alert.suppressed notices that are due: for each rule whose max_alerts held alerts
  // back, how many, once its window has freed up (the daemon's timer; monitor_limits.cpp).
  PollStats send_held_back_notices();
  // Coverage alerts (monitor_coverage.cpp; docs/alerting.md): sources failing or silent, html
  // pages that lost their links or their text, deliveries dead or waiting, rules stale or too
  // broad. Each condition raises its rasd.<kind> alert once; when it ends, an
  // internal.resolved body follows. At most one pass per kCoverageCheckSeconds (the rules'
  // conditions: per kRuleCheckSeconds); the daemon's timer calls it often. One transaction.
  static constexpr int64_t kFailingSeconds = 6 * 3600;
  static constexpr int64_t kCoverageCheckSeconds = 60;
  static constexpr int64_t kRuleCheckSeconds = 3600;
  void check_coverage();
  // Stores an alert about the daemon itself (rule id "rasd.<kind>", severity high, source
  // "rasd"), delivered to internal.notify (default: every webhook): a failed reload, for one.
  // Returns its id.
  std::string raise_internal_alert(const std::string& kind, const std::string& title,
                                   const std::string& message);

 private:
  void count(const char* fetch_outcome);
  // The source's stored state, or a fresh one (the row is created) for a new source.
  SourceState stored_state(const SourceConfig& s);
  // A GET of `url` with the limits every request of `s` gets (timeouts, size cap, slowloris
  // limit, address policy).
  HttpRequest request_to(const SourceConfig& s, const std::string& url) const;
  // The section page of an html source: queues its new article links (at most
  // kMaxArticlesPerPoll) and returns how many; *truncated when more were new.
  int queue_article_links(const SourceConfig& s, const std::vector<html::PageLink>& links,
                          bool* truncated);
  // New articles of one answer (monitor_articles.cpp), none of them stored: each is prepared
  // (matched, fingerprinted, its identity hashes set), a shared store's locks are taken for
  // all of them at once, then each is filed in stories_ (Decision::label is the stable
  // cluster id stored with it) and stored with its alerts, in order.
  struct ArticleWork;
  void file_articles(const SourceConfig& s, std::vector<NewArticle> articles, PollStats& stats);
  std::unique_ptr<ArticleWork> prepare_article(const SourceConfig& s, NewArticle a);
  void file_article(const SourceConfig& s, ArticleWork& work, PollStats& stats);
  void keep_story_index(int64_t now);
  // A threshold rule's match on the stored article `article_id`: counted, and the episode opened
  // or joined (monitor_thresholds.cpp).
  void count_threshold(const rules::Rule& rule, const NewArticle& a, int64_t article_id,
                       const std::vector<rules::Hit>& hits, int64_t now, PollStats& stats);
  // The episode ends (its silent joins summarized first); the summary of silent joins.
  void end_episode(const rules::Rule& rule, ThresholdEpisode& episode, int64_t now,
                   PollStats& stats);
  void send_summary(const rules::Rule& rule, ThresholdEpisode& episode, int64_t now,
                    PollStats& stats);
  // Refiles the clustered articles of the last window from the store (after a restart).
  void restore_stories();
  // A store shared with other instances: files what they filed under `keys` since `since`
  // and this index has not seen (ArticleStore::for_each_article_with_story_keys).
  void follow_shared_stories(const std::vector<uint64_t>& keys, int64_t since);
  void file_stored(const RecentArticle& r);
  std::vector<std::string> internal_targets() const;  // internal.notify, or every webhook
  // Holds back a new alert of a rule past its max_alerts (monitor_limits.cpp).
  void apply_rate_limit(const rules::Rule& rule, NewAlert& al, int64_t now, PollStats& stats);
  // Whether the webhook asked for alert.updated of acknowledged stories (config).
  bool wants_acknowledged_updates(const std::string& webhook) const;
  // Marks `al` held back when a silence in force matches (silences.hpp): no deliveries.
  void apply_silences(const std::string& rule_id, const std::string& source_id,
                      const std::string& cluster, const SilenceSubject* article,
                      NewAlert& al, int64_t now, PollStats& stats);
  // Coverage (monitor_coverage.cpp, monitor_coverage_checks.cpp). The finders return, for
  // each kind they judge (every one, even with nothing found), what holds now, and the
  // subjects whose open conditions are not judged this time (kept as they are).
  struct KindFindings {
    std::vector<CoverageFinding> found;
    std::set<std::string> keep;
  };
  using Findings = std::map<std::string, KindFindings>;
  // `sources`: every source's stored state, read once per pass.
  Findings find_source_conditions(const std::vector<SourceState>& sources);
  Findings find_delivery_conditions(int64_t now);
  Findings find_certificate_conditions(const std::vector<SourceState>& sources, int64_t now);
  // `seen`: the rule_seen bookkeeping rows, kept up to date here.
  Findings find_rule_conditions(int64_t now, std::map<std::string, Coverage>& seen);
  void settle_coverage(const std::string& kind, const KindFindings& findings,
                       std::map<std::string, Coverage>& open, int64_t now);
  void resolve_internal_alert(const std::string& kind, const Coverage& c, const std::string& title,
                              int64_t now);
  std::string coverage_resolved_title(const std::string& kind, const std::string& subject) const;
  const Config* config_;
  std::unordered_map<std::string, const SourceConfig*> sources_by_id_;  // into *config_
  std::shared_ptr<const rules::RuleSet> rules_;
  std::unique_ptr<const rules::Matcher> matcher_;  // over rules_, rebuilt by set_rules()
  // Its filter's answers for repeated tokens; empties itself when the rules change.
  rules::TokenKeyCache token_cache_;
  const text::Normalizer& normalizer_;
  ArticleStore& store_;  // the store interface: ingest sees no database
  HttpClient& http_;
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  DaemonMetrics* metrics_;  // may be null (tests, CLI)
  // Story clusters of the last window (each entry carries its cluster's stored id).
  dedup::StoryIndex stories_;
  int64_t stories_expired_at_ = 0;
  bool stories_restored_ = false;
  // A store shared with other instances: the stored articles stories_ has filed (row id ->
  // time), so that one read again under its keys is not filed twice; expired with stories_.
  std::unordered_map<int64_t, int64_t> filed_rows_;
  // Articles filed in stories_ since the last committed(): forgotten if their transaction
  // rolls back (story_mark(), forget_stories_since()).
  std::vector<std::string> unsettled_;
  SilenceList silences_;
  std::optional<int64_t> coverage_checked_at_;
  std::optional<int64_t> rules_checked_at_;
};

}  // namespace rasd
