// The Monitor's articles (monitor.hpp): the new items of one answer are checked against the
// store, matched, filed in their stories and stored with their alerts.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_set>

#include "monitor_util.hpp"
#include "rasd/daemon/article_search.hpp"
#include "rasd/daemon/group_key.hpp"
#include "rasd/daemon/monitor.hpp"
#include "rasd/parsers/url.hpp"

namespace rasd {

using detail::article_key;
using detail::hex64;

// The story index as the window has it: restored after a start, expired hourly.
void Monitor::keep_story_index(int64_t now) {
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

PollStats Monitor::process_items(const SourceConfig& s, const Feed& feed,
                                 std::vector<std::optional<NewArticle>> items) {
  PollStats stats;
  if (feed.items.size() > kMaxItemsPerFeed) {
    log_->warn("source '{}': {} items, only the first {} are read", s.id, feed.items.size(),
               kMaxItemsPerFeed);
  }
  // Known when it was prepared (by another reader), or since: asked again, at once.
  std::vector<std::string> guids;
  for (size_t i = 0; i < items.size() && i < feed.items.size(); ++i)
    if (items[i]) guids.push_back(items[i]->guid);
  const std::vector<std::string> stored = store_.known_articles(s.id, guids);
  std::unordered_set<std::string> known(stored.begin(), stored.end());
  std::vector<NewArticle> fresh;
  for (size_t i = 0; i < items.size() && i < feed.items.size(); ++i) {
    if (!items[i]) continue;
    NewArticle& a = *items[i];
    const FeedItem& item = feed.items[i];
    if (!known.insert(a.guid).second) continue;  // stored, or twice in the feed
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
    fresh.push_back(std::move(a));
  }
  file_articles(s, std::move(fresh), stats);
  return stats;
}

void Monitor::process_article(const SourceConfig& s, NewArticle a, PollStats& stats) {
  if (store_.has_article(a.source_id, a.guid)) return;
  std::vector<NewArticle> one;
  one.push_back(std::move(a));
  file_articles(s, std::move(one), stats);
}

// One new article on its way to the store: what needs no store (its rules' matches, its
// story fingerprint), made for every article of an answer before any is filed, so that a
// shared store's locks are taken at once (article_store.hpp).
struct Monitor::ArticleWork {
  NewArticle a;
  std::optional<rules::PreparedArticle> prepared;
  std::optional<SilenceSubject> subject;
  std::string key;
  std::vector<rules::RuleMatch> matches;
  dedup::ArticleIdentity identity;
};

std::unique_ptr<Monitor::ArticleWork> Monitor::prepare_article(const SourceConfig& s,
                                                               NewArticle a) {
  const rules::Matcher& matcher = *matcher_;
  auto w = std::make_unique<ArticleWork>();
  rules::ArticleFields fields{a.guid,      a.title,  a.body, a.url,
                              a.source_id, a.author, a.lang, s.tags};
  // Indexed for the rules' words only; a query silence prepares a full copy (SilenceSubject).
  rules::PrepareOptions prepare;
  prepare.keys = &matcher.keys();
  prepare.token_cache = &token_cache_;
  const rules::PreparedArticle& prepared =
      w->prepared.emplace(normalizer_, std::move(fields), prepare);
  w->subject.emplace(prepared, normalizer_);
  w->key = article_key(a);
  SearchColumns columns = search_columns(prepared);
  a.search_words = std::move(columns.words);
  a.search_stems = std::move(columns.stems);
  const text::Normalized& body = prepared.field(1).normalized.strict.tokens.empty()
                                     ? prepared.field(0).normalized
                                     : prepared.field(1).normalized;
  w->identity = {w->key,
                 a.url,
                 a.source_id,
                 a.guid,
                 a.published.value_or(a.fetched_at),
                 dedup::fingerprint(body),
                 "cl_" + w->key};
  a.canonical_url = url::canonical(a.url);
  a.content_hash = hex64(w->identity.fp.body_hash);
  if (store_.shares_stories()) a.story_keys = stories_.serial_keys(w->identity);
  w->matches = matcher.match(prepared);
  w->a = std::move(a);
  return w;
}

void Monitor::file_articles(const SourceConfig& s, std::vector<NewArticle> articles,
                            PollStats& stats) {
  if (articles.empty()) return;
  const int64_t now = clock_.now();
  keep_story_index(now);
  const int64_t since = now - config_->dedup_window;
  const bool shared = store_.shares_stories();
  // Each article's keys: its three exact identities, its bands and its lead shingles.
  constexpr size_t kKeysPerArticle = 3 + dedup::kBands + dedup::kLeadShingles;
  if (!shared || articles.size() * kKeysPerArticle > ArticleStore::kMaxStoryLocks) {
    // One article in memory at a time: alone in the store, or a shared store's large answer,
    // filed under the exclusive story gate with every rule that counts (a superset of those
    // its articles match, since they are not known yet).
    if (shared) {
      std::vector<std::string> rules;
      for (const auto& r : rules_->rules)
        if (r.threshold || r.max_alerts) rules.push_back(r.id);
      store_.lock_all_stories(rules);
    }
    for (auto& a : articles) {
      auto w = prepare_article(s, std::move(a));
      if (shared) follow_shared_stories(w->a.story_keys, since);
      file_article(s, *w, stats);
    }
    return;
  }
  // A shared store's ordinary answer (at most kMaxStoryLocks keys, so a few dozen articles):
  // prepared whole first, so that its locks are taken at once. Serialized with every other
  // instance filing an article that could join the same story or count toward the same rule:
  // whoever comes second waits for the first's commit, then files its copies beside the
  // first's.
  std::vector<std::unique_ptr<ArticleWork>> work;
  work.reserve(articles.size());
  for (auto& a : articles) work.push_back(prepare_article(s, std::move(a)));
  std::vector<uint64_t> keys;
  std::vector<std::string> rules;
  for (const auto& w : work) {
    keys.insert(keys.end(), w->a.story_keys.begin(), w->a.story_keys.end());
    for (const auto& m : w->matches)
      if (m.rule->threshold || m.rule->max_alerts) rules.push_back(m.rule->id);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::sort(rules.begin(), rules.end());
  rules.erase(std::unique(rules.begin(), rules.end()), rules.end());
  store_.lock_stories(keys, rules);
  follow_shared_stories(keys, since);
  for (auto& w : work) file_article(s, *w, stats);
}

void Monitor::file_article(const SourceConfig& s, ArticleWork& w, PollStats& stats) {
  {
    const int64_t now = clock_.now();
    NewArticle& a = w.a;
    const SilenceSubject& subject = *w.subject;
    const std::string& key = w.key;
    const auto& matches = w.matches;
    std::vector<NewAlert> alerts;
    unsettled_.push_back(key);
    const dedup::Decision story = stories_.add(std::move(w.identity));
    a.cluster = story.label;
    std::vector<const rules::Rule*> matched;
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
    } else {
      stories_.forget(key);  // stored meanwhile (another instance): filed when read back
    }
  }
}

}  // namespace rasd
