#include "rasd/daemon/monitor.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "monitor_util.hpp"
#include "rasd/daemon/article_search.hpp"
#include "rasd/daemon/group_key.hpp"
#include "rasd/daemon/poll_step.hpp"
#include "rasd/parsers/url.hpp"

namespace rasd {

using detail::article_key;
using detail::hex64;

PollStats& PollStats::operator+=(const PollStats& o) {
  fetched += o.fetched;
  not_modified += o.not_modified;
  failed += o.failed;
  new_articles += o.new_articles;
  alerts += o.alerts;
  pages_queued += o.pages_queued;
  pages_dead += o.pages_dead;
  alerts_created += o.alerts_created;
  alerts_updated += o.alerts_updated;
  alerts_silenced += o.alerts_silenced;
  alerts_held_back += o.alerts_held_back;
  near_duplicates += o.near_duplicates;
  exact_duplicates += o.exact_duplicates;
  rule_hits.insert(rule_hits.end(), o.rule_hits.begin(), o.rule_hits.end());
  return *this;
}

Monitor::Monitor(const Config& config, std::shared_ptr<const rules::RuleSet> rules,
                 const text::Normalizer& normalizer, ArticleStore& store, HttpClient& http,
                 const Clock& clock, std::shared_ptr<spdlog::logger> log, DaemonMetrics* metrics)
    : config_(&config),
      rules_(std::move(rules)),
      matcher_(std::make_unique<const rules::Matcher>(rules_)),
      normalizer_(normalizer),
      store_(store),
      http_(http),
      clock_(clock),
      log_(std::move(log)),
      metrics_(metrics),
      stories_(dedup::StoryOptions{config.dedup_window, 0.4, 0.8, 8}) {
  auto batch = store_.begin();  // one transaction for thousands of sources
  for (const auto& s : config_->sources) store_.ensure_source(s.id, s.url);
  batch->commit();
  for (const auto& s : config_->sources) sources_by_id_[s.id] = &s;
  // The story index is refilled from the store when the first new article needs it: a cycle
  // of 304s never pays for it.
}

void Monitor::set_rules(std::shared_ptr<const rules::RuleSet> rules) {
  matcher_ = std::make_unique<const rules::Matcher>(rules);
  rules_ = std::move(rules);
}

void Monitor::reload(const Config& config, std::shared_ptr<const rules::RuleSet> rules) {
  auto batch = store_.begin();
  for (const auto& s : config.sources) store_.ensure_source(s.id, s.url);
  batch->commit();
  config_ = &config;
  sources_by_id_.clear();
  for (const auto& s : config.sources) sources_by_id_[s.id] = &s;
  set_rules(std::move(rules));
}

const SourceConfig* Monitor::source(const std::string& id) const {
  auto it = sources_by_id_.find(id);
  return it == sources_by_id_.end() ? nullptr : it->second;
}

void Monitor::committed(const PollStats& st) {
  unsettled_.clear();
  if (!metrics_) return;
  metrics_->articles.inc(static_cast<uint64_t>(st.new_articles));
  if (st.near_duplicates)
    metrics_->duplicates("near").inc(static_cast<uint64_t>(st.near_duplicates));
  if (st.exact_duplicates)
    metrics_->duplicates("exact").inc(static_cast<uint64_t>(st.exact_duplicates));
  if (st.alerts_created) metrics_->alerts("created").inc(static_cast<uint64_t>(st.alerts_created));
  if (st.alerts_updated) metrics_->alerts("updated").inc(static_cast<uint64_t>(st.alerts_updated));
  if (st.alerts_silenced) metrics_->alerts_silenced.inc(static_cast<uint64_t>(st.alerts_silenced));
  if (st.alerts_held_back)
    metrics_->alerts_held_back.inc(static_cast<uint64_t>(st.alerts_held_back));
  for (const auto& id : st.rule_hits) metrics_->rule_hits(id).inc();
}

SourceState Monitor::stored_state(const SourceConfig& s) {
  if (auto stored = store_.source(s.id)) return std::move(*stored);
  store_.ensure_source(s.id, s.url);
  SourceState st;
  st.id = s.id;
  st.url = s.url;
  return st;
}

void Monitor::record_processing_failure(const SourceConfig& s, const std::string& error) {
  SourceState st = stored_state(s);
  // Backed off as if the fetch had failed with this error.
  const int64_t now = clock_.now();
  PollStep step =
      poll_step(s, config_->defaults, std::move(st), Error{error}, false, now, jitter(0.1));
  if (metrics_) metrics_->source_failures(s.id).inc();
  log_->error("source '{}': {} (failure {}, next try in {}s)", s.id, error, step.next.failures,
              step.next.next_due - now);
  store_.save_source_state(step.next);
  count("processing_error");
}

HttpRequest source_get(const Defaults& d, const SourceConfig& s, const std::string& url) {
  HttpRequest req;
  req.url = url;
  req.timeout_ms = d.timeout * 1000;
  req.max_body = d.max_body;
  req.low_speed_bytes = d.low_speed_bytes;
  req.low_speed_seconds = d.low_speed_time;
  req.connect_timeout_ms = std::min<int64_t>(10000, req.timeout_ms);
  req.allow_private = s.allow_private;
  // The source's own CA covers its own host only (any scheme or port): an article page on a CDN
  // or another site is verified against the system's CAs (a redirect keeps the request's).
  if (!s.ca_file.empty() && url::host(url) == url::host(s.url)) req.ca_file = s.ca_file;
  return req;
}

HttpRequest Monitor::request_to(const SourceConfig& s, const std::string& url) const {
  return source_get(config_->defaults, s, url);
}

HttpRequest Monitor::request_for(const SourceConfig& s) {
  HttpRequest req = request_to(s, s.url);
  req.headers.emplace_back("accept",
                           "application/rss+xml, application/atom+xml, application/feed+json, "
                           "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5");
  if (auto st = store_.source(s.id)) {
    if (!st->etag.empty()) req.headers.emplace_back("if-none-match", st->etag);
    if (!st->last_modified.empty())
      req.headers.emplace_back("if-modified-since", st->last_modified);
  }
  return req;
}

PollStats Monitor::poll_source(const SourceConfig& s) {
  PollStats stats = handle_response(s, http_.perform(request_for(s)));
  committed(stats);  // not inside a caller's transaction: handle_response committed its own
  return stats;
}

PollStats Monitor::handle_response(const SourceConfig& s, const Expected<HttpResponse>& res) {
  return handle_prepared(
      s, res,
      prepare_source_answer(
          s, res, clock_.now(),
          [&](const std::string& guid) { return store_.has_article(s.id, guid); }, normalizer_));
}

PollStats Monitor::handle_prepared(const SourceConfig& s, const Expected<HttpResponse>& res,
                                   PreparedAnswer prepared) {
  PollStats stats;
  const int64_t now = clock_.now();
  SourceState st = stored_state(s);
  const std::optional<int64_t> previous_success = st.last_success;
  PollStep step = poll_step(s, config_->defaults, std::move(st), std::move(prepared.parsed), res,
                            false, now, jitter(0.1));
  // Whatever the answer, a handshake showed the certificate (the chain that leads to the feed,
  // redirects included); without one the last seen stays.
  if (res && res->tls_expires_at) {
    step.next.tls_expires_at = res->tls_expires_at;
    step.next.tls_valid_from = res->tls_valid_from;
  }
  count(answer_kind_name(step.kind));
  if (step.failed()) {
    if (metrics_) metrics_->source_failures(s.id).inc();
    log_->warn("source '{}': {} (failure {}, next try in {}s)", s.id, step.error,
               step.next.failures, step.next.next_due - now);
    store_.save_source_state(step.next);
    ++stats.failed;
    return stats;
  }
  if (step.kind == AnswerKind::not_modified) {
    store_.save_source_state(step.next);
    ++stats.not_modified;
    log_->debug("source '{}': not modified", s.id);
    return stats;
  }
  if (metrics_) metrics_->fetch_bytes.inc(res->body.size());
  // What the answer leads to (articles stored, pages queued) and the source's new state and
  // validators commit together, in one transaction (one fsync per feed): if the store fails,
  // the source keeps its old validators and next_due, so everything is fetched again.
  auto batch = store_.begin();
  ++stats.fetched;
  if (step.kind == AnswerKind::section_page) {
    bool truncated = false;
    const int new_links = queue_article_links(s, step.links, &truncated);
    stats.pages_queued += new_links;
    // More new links than one poll takes: the rest are found by reading the page again.
    finish_success(step, s, config_->defaults, previous_success, new_links, *res, !truncated, now,
                   jitter(0.1));
    step.next.last_items = static_cast<int64_t>(step.links.size());  // 0: html_no_links
    store_.save_source_state(step.next);
    batch->commit();
    log_->info("source '{}': section page, {} new article links, next in {}s", s.id, new_links,
               step.next.next_due - now);
    return stats;
  }
  for (const auto& w : step.feed->warnings) log_->info("source '{}': recovered: {}", s.id, w);
  stats += process_items(s, *step.feed, std::move(prepared.items));
  finish_success(step, s, config_->defaults, previous_success,
                 stats.new_articles + stats.pages_queued, *res, true, now, jitter(0.1));
  step.next.last_items = static_cast<int64_t>(step.feed->items.size());
  store_.save_source_state(step.next);
  batch->commit();
  log_->info("source '{}': {} items, {} new, {} alerts, next in {}s", s.id, step.feed->items.size(),
             stats.new_articles, stats.alerts, step.next.next_due - now);
  return stats;
}

PollStats Monitor::process_feed(const SourceConfig& s, const Feed& feed) {
  std::vector<std::optional<NewArticle>> items;
  const size_t n = std::min(feed.items.size(), kMaxItemsPerFeed);
  for (size_t i = 0; i < n; ++i)
    items.push_back(article_from_item(feed.items[i], feed, s, clock_.now(), &normalizer_));
  return process_items(s, feed, std::move(items));
}

std::vector<std::string> Monitor::internal_targets() const {
  return config_->internal_notify ? *config_->internal_notify : config_->webhook_names();
}

std::string Monitor::raise_internal_alert(const std::string& kind, const std::string& title,
                                          const std::string& message) {
  const int64_t now = clock_.now();
  rules::Rule rule;
  rule.id = "rasd." + kind;
  rule.title = title;
  rule.severity = rules::Severity::high;
  rule.tags = {"rasd", "internal"};
  NewArticle a;
  a.source_id = "rasd";
  a.guid = random_id(kind + "_");
  a.title = title;
  a.body = message;
  a.lang = "en";
  a.fetched_at = now;
  NewAlert al;
  al.id = random_id("alert_");
  al.rule_id = rule.id;
  al.severity = rules::severity_name(rule.severity);
  al.created_at = now;
  al.payload = alert_payload("alert.created", al.id, now, rule, a, a.guid, {},
                             ClusterSummary{"", 1, {"rasd"}});
  // Every webhook (or those of internal.notify) hears of it: an operator should not have to
  // write a rule to learn that the daemon is running on an old configuration.
  for (const auto& name : internal_targets())
    al.deliveries.push_back({random_id("msg_"), name, ""});
  store_.insert_article(a, {al});
  if (metrics_) metrics_->alerts("created").inc();
  log_->warn("internal alert {} raised: {}", al.id, rule.id);
  return al.id;
}

void Monitor::apply_silences(const std::string& rule_id, const std::string& source_id,
                             const std::string& cluster, const SilenceSubject* article,
                             NewAlert& al, int64_t now, PollStats& stats) {
  silences_.refresh(store_, normalizer_, now);
  for (const auto& e : silences_.take_errors()) log_->warn("{}", e);
  const Silence* s = silences_.match(rule_id, source_id, cluster, article, now);
  if (!s) return;
  al.silenced_by = s->id;
  al.deliveries.clear();
  ++stats.alerts_silenced;
}

bool Monitor::wants_acknowledged_updates(const std::string& webhook) const {
  const WebhookConfig* w = config_->webhook(webhook);
  return w && w->acknowledged_updates;
}

void Monitor::report_expired_silences() {
  for (const Silence& s : store_.newly_expired_silences(clock_.now())) {
    log_->info("silence {} ({} '{}', by {}: {}) expired; its alerts are sent again", s.id, s.kind,
               s.value, s.author, s.reason);
  }
}

void Monitor::count(const char* outcome) {
  if (metrics_) metrics_->fetch(outcome).inc();
}

PollStats Monitor::poll_all() {
  PollStats stats;
  for (const auto& s : config_->sources) stats += poll_source(s);
  return stats;
}

}  // namespace rasd
