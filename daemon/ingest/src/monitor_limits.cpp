// Rate limits per rule (max_alerts, alerting.md): at most `count` alerts of a rule are sent per
// `per`; past it each new alert is stored and held back (held_back), and when the window frees
// up one alert.suppressed notice tells the rule's webhooks how many were held back and where
// to see them. Counts come from the store (durable, survive restarts).
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "rasd/daemon/monitor.hpp"
#include "rasd/parsers/date.hpp"

namespace rasd {

void Monitor::apply_rate_limit(const rules::Rule& rule, NewAlert& al, int64_t now,
                               PollStats& stats) {
  const rules::RateLimit& limit = *rule.max_alerts;
  store_.lock_rule(rule.id);  // instances sharing the store count the rule's sends in turn
  if (store_.sent_alerts(rule.id, now - limit.per_seconds) < limit.count) return;
  al.held_back = true;
  al.deliveries.clear();
  ++stats.alerts_held_back;
}

PollStats Monitor::send_held_back_notices() {
  namespace json = boost::json;
  PollStats stats;
  const int64_t now = clock_.now();
  auto tx = store_.begin();
  store_.lock_rule("rasd.held_back");  // one instance sends each notice (a shared store)
  for (const HeldBack& h : store_.due_held_back(now)) {
    const rules::Rule* rule = nullptr;
    for (const auto& r : rules_->rules) {
      if (r.id == h.rule_id) rule = &r;
    }
    store_.clear_held_back(h.rule_id);
    if (!rule) continue;  // removed by a reload: nobody to tell in its name
    json::array tags;
    for (const auto& t : rule->tags) tags.emplace_back(t);
    NewAlert al;
    al.id = al.update_of = h.last_alert_id;  // the deliveries hang on the last alert held back
    al.rule_id = rule->id;
    al.severity = rules::severity_name(rule->severity);
    al.created_at = now;
    const std::string since = dates::format_rfc3339(h.first_at);
    al.payload = json::serialize(json::object{
        {"type", "alert.suppressed"},
        {"id", random_id("notice_")},
        {"created_at", dates::format_rfc3339(now)},
        {"rule", json::object{{"id", rule->id},
                              {"title", rule->title},
                              {"severity", rules::severity_name(rule->severity)},
                              {"tags", std::move(tags)}}},
        // The limit the alerts were held back under (a reload may have changed it since).
        {"max_alerts", json::object{{"count", h.max_count}, {"per_seconds", h.per_seconds}}},
        {"held_back", h.alerts},
        {"from", since},
        {"until", dates::format_rfc3339(now)},
        {"see", "rasd alerts --rule " + rule->id + " (GET /api/alerts?rule=" + rule->id + ")"}});
    for (const auto& target : rule->notify)
      al.deliveries.push_back({random_id("msg_"), target, ""});
    apply_silences(rule->id, "", "", nullptr, al, now, stats);
    store_.insert_alerts(0, "", "", {al}, {});
    ++stats.alerts;
    log_->info("rule '{}': {} alerts held back by max_alerts since {}; notice sent", rule->id,
               h.alerts, since);
  }
  tx->commit();
  return stats;
}

}  // namespace rasd
