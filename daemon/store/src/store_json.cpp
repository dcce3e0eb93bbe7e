#include "rasd/daemon/store_json.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "rasd/parsers/date.hpp"
#include "rasd/parsers/url.hpp"

namespace rasd {
namespace json = boost::json;
json::value time_or_null(const std::optional<int64_t>& t) {
  return t ? json::value(dates::format_rfc3339(*t)) : json::value(nullptr);
}

json::object source_to_json(const SourceState& s) {
  return {{"id", s.id},
          {"url", url::redact_credentials(s.url)},
          {"last_fetch", time_or_null(s.last_fetch)},
          {"last_success", time_or_null(s.last_success)},
          {"last_error", s.last_error},
          {"failures", s.failures},
          {"next_due", dates::format_rfc3339(s.next_due)},
          // After a failure: how long the source waits before the next try.
          {"backoff_seconds", s.failures > 0 && s.last_fetch
                                  ? json::value(std::max<int64_t>(0, s.next_due - *s.last_fetch))
                                  : json::value(nullptr)},
          {"quarantined", s.quarantined_at.has_value()},
          {"quarantined_at", time_or_null(s.quarantined_at)},
          {"quarantine_reason", s.quarantine_reason},
          {"unclean_exits", s.crashes},
          {"tls_expires_at", time_or_null(s.tls_expires_at)}};
}

json::object article_to_json(const FoundArticle& a) {
  return {{"id", a.id},
          {"source", a.source_id},
          {"guid", a.guid},
          {"url", a.url},
          {"title", a.title},
          {"lang", a.lang},
          {"published", time_or_null(a.published)},
          {"fetched", dates::format_rfc3339(a.fetched_at)},
          {"snippet", a.snippet}};
}

json::object alert_to_json(const StoredAlert& a) {
  boost::system::error_code ec;
  json::value payload = json::parse(a.payload, ec);
  if (ec) payload = a.payload;  // stored by an older version as text: shown as it is
  return {
      {"id", a.id},
      {"rule", a.rule_id},
      {"severity", a.severity},
      {"article_id", a.article_id},
      {"created", dates::format_rfc3339(a.created_at)},
      {"silenced_by", a.silenced_by.empty() ? json::value(nullptr) : json::value(a.silenced_by)},
      {"held_back", a.held_back},
      {"acknowledged",
       a.acked_by.empty()
           ? json::value(nullptr)
           : json::value(json::object{
                 {"by", a.acked_by}, {"at", time_or_null(a.acked_at)}, {"note", a.ack_note}})},
      {"payload", std::move(payload)}};
}

json::object silence_to_json(const Silence& s, int64_t now) {
  const bool active = !s.removed_at && s.expires_at > now;
  return json::object{{"id", s.id},
                      {"kind", s.kind},
                      {"value", s.value},
                      {"author", s.author},
                      {"reason", s.reason},
                      {"created_at", dates::format_rfc3339(s.created_at)},
                      {"expires_at", dates::format_rfc3339(s.expires_at)},
                      {"removed_at", time_or_null(s.removed_at)},
                      {"active", active}};
}

}  // namespace rasd
