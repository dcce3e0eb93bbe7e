// The store's values: what the pipeline reads and writes, with no database in sight. Shared by
// the store interface the pipeline sees (article_store.hpp) and its SQLite backend (store.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace rasd {
namespace sql {

// Every store failure, whatever the backend: its message, and the backend's code.
class StoreError : public std::runtime_error {
 public:
  StoreError(const std::string& what, int code) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }
  // Disk full, read-only, I/O error: the kind of failure an operator must fix.
  bool is_environmental() const;

 private:
  int code_;
};

}  // namespace sql

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
  // Links (html) or items (feeds) the last successful fetch found; unknown before schema 13.
  std::optional<int64_t> last_items;
  // The expiry of the TLS certificate the source's URL showed at its last handshake (Unix
  // seconds); unknown over http, before schema 14, and since the URL last changed.
  std::optional<int64_t> tls_expires_at;
  std::optional<int64_t> tls_valid_from;  // its start, when known
};

// What the coverage checks read of the store (monitor_coverage.cpp): per webhook, its dead
// deliveries and since when its oldest pending one has waited (digests' waits excluded).
struct WebhookHealth {
  std::string webhook;
  int64_t dead = 0;
  std::optional<int64_t> oldest_pending;
};

// The TLS certificate a webhook's endpoint showed at its last handshake, and the origin of the
// URL it was seen at (a webhook moved to another host is judged again at its first POST there).
struct WebhookCertificate {
  std::string webhook;
  std::string origin;
  int64_t expires_at = 0;
  std::optional<int64_t> valid_from;
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
  // Instances sharing the store (ArticleStore::shares_stories): the keys other instances find
  // this article's story by (dedup::StoryIndex::serial_keys).
  std::vector<uint64_t> story_keys;
};

struct FoundArticle {
  int64_t id = 0;
  std::string source_id, guid, url, title, lang;
  std::optional<int64_t> published;
  int64_t fetched_at = 0;
  std::string snippet;  // from the body
};

// One stored article as a replay (rasd backtest) reads it.
struct StoredArticle {
  int64_t id = 0;
  std::string source_id, guid, url, title, body, author, lang;
  std::optional<int64_t> published;
  int64_t fetched_at = 0;
};

// One outlet's copy of an alert's story (Store::alert_story).
struct StoryCopy {
  int64_t article_id = 0;
  std::string source_id, title, url;
  std::optional<int64_t> published;
  int64_t fetched_at = 0;
};

// Which stored articles a scan reads: fetched in [since, until), of one source when given.
struct ArticleScan {
  int64_t since = INT64_MIN;
  int64_t until = INT64_MAX;
  std::string source_id;
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
  bool acknowledged = false;
  bool told = false;  // some delivery was queued for it (false: every copy so far held back)
};

// What the story index needs of a stored article to rebuild itself after a restart.
struct RecentArticle {
  std::string source_id, guid, url, title, body;
  int64_t time = 0;
  std::string cluster;
  int64_t id = 0;  // the article's row
};

struct NewDelivery {
  std::string id;  // the webhook-id; never changes across retries
  std::string webhook;
  // Non-empty: the delivery waits to go out in an alert.group or alert.digest body with the
  // other deliveries of this webhook and key (grouping.hpp in delivery), never on its own.
  std::string group_key = {};
};

// Deliveries of one webhook and group key waiting to be grouped (Store::waiting_groups).
struct WaitingGroup {
  std::string webhook;
  std::string key;
  int64_t oldest = 0;  // when the oldest waiting delivery was queued
  int64_t count = 0;
  std::optional<int64_t> last_sent;  // when the group last went out
};

// One waiting delivery of a group; the payload only for those asked for (Store::group_members).
struct GroupMember {
  std::string delivery_id;
  std::string alert_id;
  int64_t queued_at = 0;
  std::string payload;
};

// A group body that replaces its members (Store::fold_group).
struct NewGroupDelivery {
  std::string id;        // the webhook-id
  std::string alert_id;  // the newest member's alert (deliveries hang on an alert)
  std::string payload;
  int64_t at = 0;  // queued (due) at
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
  // Non-empty: a silence (its id) holds it back: stored, its deliveries never queued.
  std::string silenced_by;
  bool held_back = false;  // past its rule's max_alerts: stored, not sent
  // An update that is the first copy of its story a webhook hears of (every earlier one was
  // held back): the alert is marked told.
  bool tells_story = false;
};

// A condition of the watch itself (a coverage alert, issue 20), from when it was first seen;
// `alert_id` is set once it lasted long enough to raise its internal alert.
struct Coverage {
  std::string kind;     // source_failing, … (monitor_coverage.hpp); rule_seen: bookkeeping
  std::string subject;  // the source id
  int64_t since = 0;
  std::string alert_id;
};

// Who acknowledged an alert, when, and their note.
struct Acknowledgement {
  std::string by;
  int64_t at = 0;
  std::string note;
};

// The alerts a rule's max_alerts held back since its last notice.
struct HeldBack {
  std::string rule_id;
  int64_t alerts = 0;
  int64_t first_at = 0;
  int64_t notice_due = 0;
  std::string last_alert_id;  // the notice's deliveries hang on it
  int64_t max_count = 1;      // the limit when the alerts were held back
  int64_t per_seconds = 1;
};

// A silence (`rasd silence add`): alerts it matches are stored and marked, never sent. `kind`
// says what `value` is: a rule id, a source id, a story cluster, or a query.
struct Silence {
  std::string id;
  std::string kind;  // rule | source | story | query
  std::string value;
  std::string author;
  std::string reason;
  int64_t created_at = 0;
  int64_t expires_at = 0;
  std::optional<int64_t> removed_at;
};

// A counted match of a threshold rule, with what its alert body lists of the article.
struct ThresholdMember {
  int64_t article_id = 0;
  std::string cluster;
  std::string source_id;
  int64_t event_time = 0;
  std::string guid, title, url;
  std::optional<int64_t> published;
};

// A threshold rule's open episode: the alert it raised, when it last sent an update, and how
// many matches joined silently since.
struct ThresholdEpisode {
  std::string rule_id;
  std::string alert_id;
  int64_t opened_at = 0;
  int64_t last_update_at = 0;
  int64_t unsent = 0;
};

struct StoredAlert {
  std::string id;
  std::string rule_id;
  std::string severity;
  int64_t article_id = 0;
  int64_t created_at = 0;
  std::string payload;
  std::string silenced_by;  // the silence that held it back; "" when it was sent
  std::string acked_by;     // who acknowledged it; "" when nobody has
  std::optional<int64_t> acked_at;
  std::string ack_note;
  bool held_back = false;  // past its rule's max_alerts when raised: stored, not sent
  std::string cluster;     // its story cluster; "" for rasd's own alerts and summaries
};

// What the dashboard's alert list shows (Store::alert_list): every field given narrows it;
// "" and 0 leave it open. Times are Unix seconds of the alert's creation, [since, until).
struct AlertFilter {
  std::string rule_id, severity, source_id, tag;
  int64_t since = 0, until = 0;
};

// An alert with its place in the store's order of insertion: the dashboard's page cursor and
// its live stream's event id (increasing; a new alert always comes after every kept one).
struct ListedAlert {
  int64_t seq = 0;
  StoredAlert alert;
  std::string source_id;
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
  std::string group_id;  // state 'grouped': the delivery that carried it
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

// A row of host_leases (Store::claim_hosts): `owner` is "" when nobody holds it.
struct HostLease {
  std::string host;
  std::string owner;
  int64_t expires_at = 0;
  int64_t not_before = 0;
};

}  // namespace rasd
