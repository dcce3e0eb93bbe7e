// Coverage alerts (issue 20): the watch watching itself. Each kind of condition is found by a
// check (monitor_coverage_checks.cpp) and settled here the same way: a condition first seen is
// stored with its time (coverage table); once it has lasted its kind's delay it raises its
// internal alert (rasd.<kind>, to internal.notify) once; when the check no longer finds it, an
// internal.resolved body tells the same webhooks and the condition is dropped. Everything is in
// the store, so a restart neither forgets a condition nor alerts about it twice.
#include "monitor_coverage.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <map>

#include "rasd/daemon/monitor.hpp"
#include "rasd/parsers/date.hpp"

namespace rasd {

namespace {
std::string hours(int64_t s) { return std::to_string(s / 3600) + " h"; }

std::string with_duration(std::string text, int64_t seconds) {
  for (size_t at = text.find("{for}"); at != std::string::npos; at = text.find("{for}", at))
    text.replace(at, 5, hours(seconds));
  return text;
}
}  // namespace

void Monitor::resolve_internal_alert(const std::string& kind, const Coverage& c,
                                     const std::string& title, int64_t now) {
  namespace json = boost::json;
  NewAlert al;
  al.id = al.update_of = c.alert_id;
  al.rule_id = "rasd." + kind;
  al.severity = "high";
  al.created_at = now;
  al.payload = json::serialize(
      json::object{{"type", "internal.resolved"},
                   {"id", c.alert_id},
                   {"created_at", dates::format_rfc3339(now)},
                   {"rule", json::object{{"id", al.rule_id},
                                         {"title", title},
                                         {"severity", "high"},
                                         {"tags", json::array{"rasd", "internal"}}}},
                   {"subject", c.subject},
                   {"since", dates::format_rfc3339(c.since)},
                   {"until", dates::format_rfc3339(now)}});
  for (const auto& name : internal_targets())
    al.deliveries.push_back({random_id("msg_"), name, ""});
  store_.insert_alerts(0, "", "", {al}, {});
  log_->info("internal alert {} resolved: {} '{}'", c.alert_id, kind, c.subject);
}

void Monitor::settle_coverage(const std::string& kind, const KindFindings& findings,
                              std::map<std::string, Coverage>& open, int64_t now) {
  for (const CoverageFinding& f : findings.found) {
    auto it = open.find(f.subject);
    Coverage c = it != open.end() ? it->second : Coverage{kind, f.subject, now, ""};
    if (it == open.end()) store_.save_coverage(c);
    if (c.alert_id.empty() && now - c.since >= f.raise_after) {
      c.alert_id = raise_internal_alert(kind, with_duration(f.title, now - c.since),
                                        with_duration(f.message, now - c.since) + " (since " +
                                            dates::format_rfc3339(c.since) + ")");
      store_.save_coverage(c);
    }
    if (it != open.end()) open.erase(it);
  }
  for (const auto& subject : findings.keep) open.erase(subject);
  // What is left ended: resolved if someone was told, dropped either way.
  for (const auto& [subject, c] : open) {
    store_.drop_coverage(kind, subject);
    if (!c.alert_id.empty())
      resolve_internal_alert(kind, c, coverage_resolved_title(kind, subject), now);
  }
  open.clear();
}

void Monitor::check_coverage() {
  const int64_t now = clock_.now();
  if (coverage_checked_at_ && now - *coverage_checked_at_ < kCoverageCheckSeconds &&
      now >= *coverage_checked_at_)
    return;
  coverage_checked_at_ = now;
  const bool rules_due = !rules_checked_at_ || now - *rules_checked_at_ >= kRuleCheckSeconds ||
                         now < *rules_checked_at_;
  auto tx = store_.begin();
  // Instances sharing the store check in turn, each reading what the last one raised.
  store_.lock_rule("rasd.coverage");
  std::map<std::string, std::map<std::string, Coverage>> open;  // kind -> subject -> condition
  for (auto& c : store_.coverage_conditions()) open[c.kind][c.subject] = std::move(c);
  const std::vector<SourceState> sources = store_.all_sources();
  for (const auto& [kind, findings] : find_source_conditions(sources))
    settle_coverage(kind, findings, open[kind], now);
  for (const auto& [kind, findings] : find_delivery_conditions(now))
    settle_coverage(kind, findings, open[kind], now);
  for (const auto& [kind, findings] : find_certificate_conditions(sources, now))
    settle_coverage(kind, findings, open[kind], now);
  if (rules_due) {
    for (const auto& [kind, findings] : find_rule_conditions(now, open[kRuleSeen]))
      settle_coverage(kind, findings, open[kind], now);
  }
  // Kinds not judged in this pass (the rules' between their hourly checks), and rule_seen
  // bookkeeping, stay as stored: settle_coverage() never saw them.
  tx->commit();
  if (rules_due) rules_checked_at_ = now;  // a pass that failed is tried again next minute
}

}  // namespace rasd
