// Coverage alerts (issue 20): the watch watching itself. A configured source that has been
// failing (two fetches or more in a row) for Monitor::kFailingSeconds since rasd first saw it
// fail raises rasd.source_failing once (an internal alert, to
// internal.notify); when a fetch of it succeeds again, an internal.resolved body tells the same
// webhooks. The condition, from when it was first seen, is in the store (coverage table), so a
// restart neither forgets a failing source nor alerts about it twice.
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <map>

#include "rasd/daemon/monitor.hpp"
#include "rasd/parsers/date.hpp"

namespace rasd {

namespace {
constexpr const char* kFailing = "source_failing";

std::string hours(int64_t s) { return std::to_string(s / 3600) + " h"; }
}  // namespace

void Monitor::check_coverage() {
  namespace json = boost::json;
  const int64_t now = clock_.now();
  if (coverage_checked_at_ && now - *coverage_checked_at_ < kCoverageCheckSeconds &&
      now >= *coverage_checked_at_)
    return;
  coverage_checked_at_ = now;
  std::map<std::string, Coverage> open;
  for (auto& c : store_.coverage_conditions()) {
    if (c.kind == kFailing) open[c.subject] = std::move(c);
  }
  auto tx = store_.begin();
  for (const SourceState& st : store_.all_sources()) {
    if (!source(st.id)) continue;  // no longer configured: dropped below
    auto it = open.find(st.id);
    if (st.quarantined_at) {
      // Not polled: its own alert said so; the condition waits, untouched, for its release.
      if (it != open.end()) open.erase(it);
      continue;
    }
    // Failing: at least two fetches in a row (one 503 of a quiet source is no outage), measured
    // from when rasd first saw it fail, not from a last success that may be long ago.
    const bool failing = st.failures >= 2 || (st.failures > 0 && it != open.end());
    if (failing) {
      Coverage c = it != open.end() ? it->second : Coverage{kFailing, st.id, now, ""};
      if (it == open.end()) store_.save_coverage(c);
      if (c.alert_id.empty() && now - c.since >= kFailingSeconds) {
        const std::string title = "rasd: source '" + st.id + "' failing for " +
                                  hours(now - c.since) + " | المصدر '" + st.id + "' يفشل منذ " +
                                  hours(now - c.since);
        c.alert_id = raise_internal_alert(
            kFailing, title,
            "Source '" + st.id + "' (" + st.url + ") has failed " + std::to_string(st.failures) +
                " times in a row since " + dates::format_rfc3339(c.since) +
                "; last error: " + st.last_error + ". Nothing is read from it meanwhile.");
        store_.save_coverage(c);
      }
      if (it != open.end()) open.erase(it);
      continue;
    }
    if (it == open.end()) continue;
    const Coverage c = it->second;
    open.erase(it);
    store_.drop_coverage(kFailing, st.id);
    if (c.alert_id.empty()) continue;  // recovered before anyone was told
    NewAlert al;
    al.id = al.update_of = c.alert_id;
    al.rule_id = std::string("rasd.") + kFailing;
    al.severity = "high";
    al.created_at = now;
    al.payload = json::serialize(json::object{
        {"type", "internal.resolved"},
        {"id", c.alert_id},
        {"created_at", dates::format_rfc3339(now)},
        {"rule", json::object{{"id", al.rule_id},
                              {"title", "rasd: source '" + st.id + "' works again | المصدر '" +
                                            st.id + "' يعمل من جديد"},
                              {"severity", "high"},
                              {"tags", json::array{"rasd", "internal"}}}},
        {"subject", st.id},
        {"since", dates::format_rfc3339(c.since)},
        {"until", dates::format_rfc3339(now)}});
    for (const auto& name : internal_targets())
      al.deliveries.push_back({random_id("msg_"), name, ""});
    store_.insert_alerts(0, "", "", {al}, {});
    log_->info("internal alert {} resolved: source '{}' works again", c.alert_id, st.id);
  }
  // Conditions of sources no longer configured end without a word.
  for (const auto& [subject, c] : open) store_.drop_coverage(c.kind, subject);
  tx->commit();
}

}  // namespace rasd
