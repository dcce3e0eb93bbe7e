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

dedup::Decision Monitor::cluster_for(NewArticle& a, const std::string& key,
                                     const text::Normalized& body) {
  const int64_t now = clock_.now();
  if (!stories_restored_) {
    stories_restored_ = true;
    restore_stories();
  }
  if (now - stories_expired_at_ > 3600) {
    stories_.expire(now - config_->dedup_window);
    stories_expired_at_ = now;
    std::erase_if(filed_rows_,
                  [&](const auto& row) { return row.second < now - config_->dedup_window; });
    store_.prune_story_keys(now - config_->dedup_window);
  }
  dedup::ArticleIdentity id{key,
                            a.url,
                            a.source_id,
                            a.guid,
                            a.published.value_or(a.fetched_at),
                            dedup::fingerprint(body),
                            "cl_" + key};
  a.canonical_url = url::canonical(a.url);
  a.content_hash = hex64(id.fp.body_hash);
  unsettled_.push_back(key);
  if (store_.shares_stories()) {
    // Serialized with every other instance filing an article that could join the same story:
    // whoever comes second waits for the first's commit, then files its copy beside it.
    a.story_keys = stories_.serial_keys(id);
    store_.lock_story_keys(a.story_keys);
    follow_shared_stories(a.story_keys, now - config_->dedup_window);
  }
  return stories_.add(std::move(id));
}

void Monitor::forget_stories_since(size_t mark) {
  for (size_t i = mark; i < unsettled_.size(); ++i) stories_.forget(unsettled_[i]);
  unsettled_.resize(std::min(mark, unsettled_.size()));
}

void Monitor::follow_shared_stories(const std::vector<uint64_t>& keys, int64_t since) {
  size_t n = 0;
  store_.for_each_article_with_story_keys(
      keys, since, [&](int64_t id) { return filed_rows_.count(id) != 0; },
      [&](const RecentArticle& r) {
        if (filed_rows_.count(r.id)) return;
        file_stored(r);
        ++n;
      });
  if (n > 0) log_->debug("story index: {} articles of other instances filed", n);
}

// A stored article, filed as it was: the first member's stored cluster id names the cluster.
void Monitor::file_stored(const RecentArticle& r) {
  const std::string& body = r.body.empty() ? r.title : r.body;
  stories_.add({r.source_id + "\n" + r.guid, r.url, r.source_id, r.guid, r.time,
                dedup::fingerprint(normalizer_.normalize(body)), r.cluster});
  if (store_.shares_stories()) filed_rows_.emplace(r.id, r.time);
}

void Monitor::restore_stories_now() {
  if (stories_restored_) return;
  stories_restored_ = true;
  restore_stories();
}

void Monitor::restore_stories() {
  const int64_t since = clock_.now() - config_->dedup_window;
  size_t n = 0;
  store_.for_each_recent_article(since, [&](const RecentArticle& r) {
    file_stored(r);
    ++n;
  });
  if (n > 0) log_->info("story index: {} recent articles restored", n);
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

PollStats Monitor::process_items(const SourceConfig& s, const Feed& feed,
                                 std::vector<std::optional<NewArticle>> items) {
  PollStats stats;
  if (feed.items.size() > kMaxItemsPerFeed) {
    log_->warn("source '{}': {} items, only the first {} are read", s.id, feed.items.size(),
               kMaxItemsPerFeed);
  }
  for (size_t i = 0; i < items.size() && i < feed.items.size(); ++i) {
    if (!items[i]) continue;  // known when it was prepared
    NewArticle& a = *items[i];
    const FeedItem& item = feed.items[i];
    if (store_.has_article(a.source_id, a.guid)) continue;
    if (s.full_text && !item.link.empty()) {
      if (store_.page_fetch_known(s.id, item.link)) continue;
      PageFetch p;
      p.source_id = s.id;
      p.url = item.link;
      p.teaser = teaser_to_json(a);
      p.created_at = p.next_attempt = clock_.now();
      if (store_.queue_page_fetch(p)) ++stats.pages_queued;
      continue;
    }
    process_article(s, std::move(a), stats);
  }
  return stats;
}

void Monitor::process_article(const SourceConfig& s, NewArticle a, PollStats& stats) {
  const rules::Matcher& matcher = *matcher_;
  {
    const int64_t now = clock_.now();
    if (store_.has_article(a.source_id, a.guid)) return;
    rules::ArticleFields fields{a.guid,      a.title,  a.body, a.url,
                                a.source_id, a.author, a.lang, s.tags};
    // Indexed for the rules' words only; a query silence prepares a full copy (SilenceSubject).
    rules::PrepareOptions prepare;
    prepare.keys = &matcher.keys();
    prepare.token_cache = &token_cache_;
    const rules::PreparedArticle prepared(normalizer_, std::move(fields), prepare);
    const SilenceSubject subject(prepared, normalizer_);
    const std::string key = article_key(a);
    SearchColumns columns = search_columns(prepared);
    a.search_words = std::move(columns.words);
    a.search_stems = std::move(columns.stems);
    std::vector<NewAlert> alerts;
    const dedup::Decision story = cluster_for(a, key,
                                              prepared.field(1).normalized.strict.tokens.empty()
                                                  ? prepared.field(0).normalized
                                                  : prepared.field(1).normalized);
    a.cluster = story.label;
    std::vector<const rules::Rule*> matched;
    const auto matches = matcher.match(prepared);
    for (const auto& m : matches) {
      matched.push_back(m.rule);
      if (m.rule->threshold) continue;  // counted once the article is stored, below
      NewAlert al;
      al.rule_id = m.rule->id;
      al.severity = rules::severity_name(m.rule->severity);
      al.created_at = now;
      ClusterSummary summary{a.cluster, 1, {a.source_id}};
      std::string type = "alert.created";
      bool told = true;
      if (auto existing = store_.cluster_alert(m.rule->id, a.cluster)) {
        // The story already raised this rule's alert: the article joins it (DESIGN.md 6).
        al.id = existing->alert_id;
        al.update_of = existing->alert_id;
        summary.articles = existing->articles + 1;
        summary.acknowledged = existing->acknowledged;
        told = existing->told;
        summary.sources = existing->sources;
        if (std::find(summary.sources.begin(), summary.sources.end(), a.source_id) ==
            summary.sources.end()) {
          summary.sources.push_back(a.source_id);
        }
        type = "alert.updated";
      } else {
        al.id = random_id("alert_");
      }
      al.payload = alert_payload(type, al.id, now, *m.rule, a, key, m.hits, summary);
      for (const auto& h : m.hits) {
        al.hits.push_back(
            {rules::field_name(h.field), h.start, h.end, h.text, text::view_name(h.view)});
      }
      const bool acknowledged = !al.update_of.empty() && summary.acknowledged;
      for (const auto& target : m.rule->notify) {
        if (acknowledged && !wants_acknowledged_updates(target)) continue;
        const WebhookConfig* hook = config_->webhook(target);
        al.deliveries.push_back(
            {random_id("msg_"), target,
             hook ? group_key_for(*hook, m.rule->id, al.severity, m.rule->tags, a.source_id) : ""});
      }
      apply_silences(m.rule->id, a.source_id, a.cluster, &subject, al, now, stats);
      // The story's earlier copies were all held back (silenced, rate-limited): to the
      // webhooks this copy is the story's first, so it goes out as alert.created.
      const bool first_told = !al.update_of.empty() && !told && !al.deliveries.empty();
      if ((al.update_of.empty() || first_told) && m.rule->max_alerts && !al.deliveries.empty())
        apply_rate_limit(*m.rule, al, now, stats);
      if (first_told && !al.deliveries.empty()) {
        al.payload = alert_payload("alert.created", al.id, now, *m.rule, a, key, m.hits, summary);
        al.tells_story = true;
      }
      alerts.push_back(std::move(al));
    }
    if (const auto article_id = store_.insert_article(a, alerts)) {
      if (store_.shares_stories())
        filed_rows_.emplace(*article_id, a.published.value_or(a.fetched_at));
      for (const auto& al : alerts) {
        // Counted once per alert: a held-back story's later copies held back too are not more.
        if (!al.held_back || !al.update_of.empty()) continue;
        for (const auto& m : matches) {
          if (m.rule->id != al.rule_id) continue;
          const rules::RateLimit& limit = *m.rule->max_alerts;
          const auto oldest = store_.oldest_sent_alert(al.rule_id, now - limit.per_seconds);
          store_.note_held_back(al.rule_id, al.id, now, oldest.value_or(now) + limit.per_seconds,
                                limit.count, limit.per_seconds);
        }
      }
      for (const auto& m : matches) {
        if (m.rule->threshold) count_threshold(*m.rule, a, *article_id, m.hits, now, stats);
      }
      ++stats.new_articles;
      stats.alerts += static_cast<int>(alerts.size());
      if (story.kind == dedup::Kind::near) ++stats.near_duplicates;
      if (story.kind == dedup::Kind::exact) ++stats.exact_duplicates;
      for (const rules::Rule* r : matched) stats.rule_hits.push_back(r->id);
      for (const auto& al : alerts)
        ++(al.update_of.empty() ? stats.alerts_created : stats.alerts_updated);
      for (const auto& al : alerts) {
        log_->info("source '{}': alert {} rule '{}' on \"{}\"{}{}{}", s.id, al.id, al.rule_id,
                   a.title, al.update_of.empty() ? "" : " (same story: alert updated)",
                   al.silenced_by.empty() ? "" : " (silenced by " + al.silenced_by + ")",
                   al.held_back ? " (held back: max_alerts)" : "");
      }
    }
  }
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
