// Threshold rules in the pipeline (DESIGN.md section 4, rules/threshold.hpp for what counts).
//
// Episodes, all durable (threshold_events, threshold_episodes): an episode opens when the count
// in (now - window, now] reaches `count` with at least `distinct_sources` sources: one
// alert.created listing the articles that made it fire. While it is open, each new match
// joins its alert; at most one alert.updated per rule per kThresholdUpdateGap, the matches in
// between joining silently and summarized (`attached_since_last_update`) in the next update,
// which check_thresholds() sends on its timer when no match comes. It closes when either
// condition stops holding, checked on that timer as events age out; a later surge opens a new
// episode and a new alert.
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "monitor_util.hpp"
#include "rasd/daemon/hits_json.hpp"
#include "rasd/daemon/monitor.hpp"
#include "rasd/engine/rules/threshold.hpp"
#include "rasd/parsers/date.hpp"

namespace rasd {
namespace {

// The newest articles a body lists (a broad rule over a long window may count thousands;
// `counted` has the totals).
constexpr int kMaxListed = 100;

// The body of a threshold alert: the rule, its threshold, what was counted and the counted
// articles (newest last); `article` is the match that caused this body, when there is one.
std::string threshold_payload(const std::string& type, const std::string& alert_id, int64_t at,
                              const rules::Rule& rule, const std::vector<ThresholdMember>& members,
                              const rules::ThresholdCount& count, int64_t attached_silently,
                              const boost::json::value& article) {
  namespace json = boost::json;
  const rules::Threshold& t = *rule.threshold;
  json::array tags;
  for (const auto& tag : rule.tags) tags.emplace_back(tag);
  json::array listed;
  for (const ThresholdMember& m : members) {
    listed.emplace_back(
        json::object{{"id", detail::article_key_of(m.source_id, m.guid)},
                     {"title", m.title},
                     {"source", m.source_id},
                     {"url", m.url},
                     {"published", m.published ? json::value(dates::format_rfc3339(*m.published))
                                               : json::value(nullptr)},
                     {"story", m.cluster}});
  }
  json::object o{{"type", type},
                 {"id", alert_id},
                 {"created_at", dates::format_rfc3339(at)},
                 {"rule", json::object{{"id", rule.id},
                                       {"title", rule.title},
                                       {"severity", rules::severity_name(rule.severity)},
                                       {"tags", std::move(tags)}}},
                 {"threshold",
                  json::object{{"count", t.count},
                               {"window", dates::format_duration(t.window_seconds)},
                               {"distinct_sources", t.distinct_sources},
                               {"per", t.per == rules::ThresholdPer::story ? "story" : "article"}}},
                 {"counted", json::object{{"articles", count.articles},
                                          {"stories", count.stories},
                                          {"sources", count.sources}}},
                 {"articles", std::move(listed)},
                 {"article", article}};
  if (type == "alert.updated") o["attached_since_last_update"] = attached_silently;
  return json::serialize(o);
}

boost::json::value article_json(const NewArticle& a, const std::vector<rules::Hit>& hits) {
  namespace json = boost::json;
  return json::object{{"id", detail::article_key(a)},
                      {"url", a.url},
                      {"title", a.title},
                      {"source", a.source_id},
                      {"published", a.published ? json::value(dates::format_rfc3339(*a.published))
                                                : json::value(nullptr)},
                      {"lang", a.lang},
                      {"hits", hits_to_json(hits)}};
}

// A threshold alert of `rule` at `now`, new or an update (the caller sets the ids).
NewAlert threshold_alert(const rules::Rule& rule, int64_t now) {
  NewAlert al;
  al.rule_id = rule.id;
  al.severity = rules::severity_name(rule.severity);
  al.created_at = now;
  return al;
}

// One outbox row per webhook the rule notifies: the body is sent. An update of an alert someone
// acknowledged goes only to the webhooks that ask for those (`wants`).
template <class Wants>
void send_to_webhooks(const rules::Rule& rule, NewAlert& al, bool acknowledged, Wants&& wants) {
  for (const auto& target : rule.notify) {
    if (acknowledged && !wants(target)) continue;
    al.deliveries.push_back({random_id("msg_"), target, ""});
  }
}

}  // namespace

void Monitor::count_threshold(const rules::Rule& rule, const NewArticle& a, int64_t article_id,
                              const std::vector<rules::Hit>& hits, int64_t now, PollStats& stats) {
  const rules::Threshold& t = *rule.threshold;
  const int64_t at = rules::threshold_event_time(a.published, a.fetched_at ? a.fetched_at : now);
  if (!rules::counts_at(t, at, now)) return;  // old news: a first poll or a catch-up
  store_.lock_rule(rule.id);  // another instance counting the same rule waits (shared store)
  store_.add_threshold_event(rule.id, article_id, a.cluster, a.source_id, at);
  const int64_t after = now - t.window_seconds;
  const auto count = store_.threshold_tally(rule.id, after);
  const bool holds = rules::holds(t, count);
  auto episode = store_.threshold_episode(rule.id);
  // An episode whose condition stopped holding (the timer has not seen it yet: a restart, or
  // `--once`), or that has lasted its longest, ends here; a surge now is a new one.
  if (episode && (!holds || now - episode->opened_at >= rules::kMaxEpisodeSeconds)) {
    end_episode(rule, *episode, now, stats);
    episode.reset();
  }
  NewAlert al = threshold_alert(rule, now);
  for (const auto& h : hits)
    al.hits.push_back(
        {rules::field_name(h.field), h.start, h.end, h.text, text::view_name(h.view)});
  if (!episode) {
    if (!holds) return;
    const auto members = store_.threshold_members(rule.id, after, kMaxListed);
    al.id = random_id("alert_");
    al.payload = threshold_payload("alert.created", al.id, now, rule, members, count, 0,
                                   article_json(a, hits));
    send_to_webhooks(rule, al, false, [](const std::string&) { return true; });
    apply_silences(rule.id, a.source_id, "", nullptr, al, now, stats);
    store_.insert_alerts(article_id, a.source_id, "", {al}, members);
    store_.save_threshold_episode({rule.id, al.id, now, now, 0});
    ++stats.alerts;
    ++stats.alerts_created;
    log_->info("rule '{}': threshold reached ({} {} from {} sources in {}): alert {}", rule.id,
               count.counted(t.per), t.per == rules::ThresholdPer::story ? "stories" : "articles",
               count.sources, dates::format_duration(t.window_seconds), al.id);
    return;
  }
  al.id = al.update_of = episode->alert_id;
  if (now - episode->last_update_at >= rules::kThresholdUpdateGap) {
    const auto members = store_.threshold_members(rule.id, after, kMaxListed);
    al.payload = threshold_payload("alert.updated", al.id, now, rule, members, count,
                                   episode->unsent, article_json(a, hits));
    send_to_webhooks(rule, al, store_.alert_acknowledged(al.id),
                     [this](const std::string& w) { return wants_acknowledged_updates(w); });
    apply_silences(rule.id, a.source_id, "", nullptr, al, now, stats);
    episode->last_update_at = now;
    episode->unsent = 0;
    ++stats.alerts;
    ++stats.alerts_updated;
  } else {
    ++episode->unsent;  // joins silently; summarized in the next update
  }
  store_.insert_alerts(article_id, a.source_id, "", {al}, {});
  store_.save_threshold_episode(*episode);
}

void Monitor::end_episode(const rules::Rule& rule, ThresholdEpisode& episode, int64_t now,
                          PollStats& stats) {
  if (episode.unsent > 0 && rule.threshold) {
    // The matches that joined silently are told before the episode ends.
    send_summary(rule, episode, now, stats);
  }
  store_.close_threshold_episode(rule.id);
  log_->info("rule '{}': threshold episode of alert {} ended", rule.id, episode.alert_id);
}

void Monitor::send_summary(const rules::Rule& rule, ThresholdEpisode& episode, int64_t now,
                           PollStats& stats) {
  const rules::Threshold& t = *rule.threshold;
  const int64_t after = now - t.window_seconds;
  const auto members = store_.threshold_members(rule.id, after, kMaxListed);
  const auto count = store_.threshold_tally(rule.id, after);
  NewAlert al = threshold_alert(rule, now);
  al.id = al.update_of = episode.alert_id;
  al.payload =
      threshold_payload("alert.updated", al.id, now, rule, members, count, episode.unsent, nullptr);
  send_to_webhooks(rule, al, store_.alert_acknowledged(al.id),
                   [this](const std::string& w) { return wants_acknowledged_updates(w); });
  apply_silences(rule.id, "", "", nullptr, al, now, stats);
  store_.insert_alerts(0, "", "", {al}, {});  // deliveries only: the members joined already
  episode.last_update_at = now;
  episode.unsent = 0;
  ++stats.alerts;
  ++stats.alerts_updated;
}

PollStats Monitor::check_thresholds() {
  PollStats stats;
  const int64_t now = clock_.now();
  auto tx = store_.begin();
  for (const auto& rule : rules_->rules) {
    if (rule.threshold)
      store_.prune_threshold_events(rule.id, now - rule.threshold->window_seconds);
  }
  const std::vector<ThresholdEpisode> episodes = store_.threshold_episodes();
  if (store_.shares_stories()) {
    // Every rule's lock at once, in the order answers take theirs (no deadlock).
    std::vector<std::string> ids;
    for (const auto& e : episodes) ids.push_back(e.rule_id);
    store_.lock_rules(ids);
  }
  for (auto episode : episodes) {
    if (store_.shares_stories()) {
      // Read again under the rule's lock: another instance may have ended or updated it.
      auto current = store_.threshold_episode(episode.rule_id);
      if (!current) continue;
      episode = *current;
    }
    const rules::Rule* rule = nullptr;
    for (const auto& r : rules_->rules) {
      if (r.id == episode.rule_id && r.threshold) rule = &r;
    }
    if (!rule) {
      // Removed, disabled or no longer a threshold rule: the episode ends (its silent joins
      // cannot be described by a rule that is gone).
      store_.close_threshold_episode(episode.rule_id);
      continue;
    }
    const rules::Threshold& t = *rule->threshold;
    const auto count = store_.threshold_tally(rule->id, now - t.window_seconds);
    if (!rules::holds(t, count) || now - episode.opened_at >= rules::kMaxEpisodeSeconds) {
      end_episode(*rule, episode, now, stats);
      continue;
    }
    if (episode.unsent > 0 && now - episode.last_update_at >= rules::kThresholdUpdateGap) {
      send_summary(*rule, episode, now, stats);
      store_.save_threshold_episode(episode);
    }
  }
  tx->commit();
  return stats;
}

}  // namespace rasd
