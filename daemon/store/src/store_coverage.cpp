// Store: what the coverage checks read (the watch watching itself, monitor_coverage.cpp). Each
// query goes through an index: articles_source_fetched, deliveries_due, alerts_rule_created,
// alert_members_added, threshold_events_time.
#include <algorithm>

#include "rasd/daemon/store.hpp"

namespace rasd {

std::optional<int64_t> Store::last_article_at(const std::string& source_id) {
  Lease s = cached("SELECT max(fetched_at) FROM articles WHERE source_id = ?1");
  s->bind(1, source_id);
  if (!s->step()) return std::nullopt;
  return s->opt_int64(0);
}

std::vector<int64_t> Store::recent_text_lengths(const std::string& source_id, int limit) {
  Lease s = cached(
      "SELECT length(body) FROM articles WHERE source_id = ?1 ORDER BY fetched_at DESC, id DESC "
      "LIMIT ?2");
  s->bind(1, source_id).bind(2, int64_t{limit});
  std::vector<int64_t> out;
  while (s->step()) out.push_back(s->int64(0));
  return out;
}

std::vector<WebhookHealth> Store::webhook_health() {
  // A pending delivery has waited since its first attempt, or since it was queued (its
  // next_attempt until then). Rows waiting for their group or digest wait by design.
  Lease s = cached(
      "SELECT webhook, sum(CASE WHEN state = 'dead' THEN 1 ELSE 0 END), min(CASE WHEN state = "
      "'pending' AND group_key = "
      "'' THEN coalesce((SELECT min(at) FROM delivery_attempts t WHERE t.delivery_id = "
      "d.id), next_attempt) END) FROM deliveries d WHERE state IN ('dead', 'pending') "
      "GROUP BY webhook");
  std::vector<WebhookHealth> out;
  while (s->step()) out.push_back({s->text(0), s->int64(1), s->opt_int64(2)});
  return out;
}

void Store::note_webhook_certificate(const WebhookCertificate& seen) {
  cached(
      "INSERT INTO webhook_endpoints(name, tls_expires_at, tls_origin, tls_valid_from) "
      "VALUES(?1, ?2, ?3, ?4) ON CONFLICT(name) DO UPDATE SET tls_expires_at = "
      "excluded.tls_expires_at, tls_origin = excluded.tls_origin, tls_valid_from = "
      "excluded.tls_valid_from")
      ->bind(1, seen.webhook)
      .bind(2, seen.expires_at)
      .bind(3, seen.origin)
      .bind(4, seen.valid_from)
      .run();
}

std::vector<WebhookCertificate> Store::webhook_certificates() {
  Lease s = cached(
      "SELECT name, tls_origin, tls_expires_at, tls_valid_from FROM webhook_endpoints "
      "WHERE tls_expires_at IS NOT NULL");
  std::vector<WebhookCertificate> out;
  while (s->step()) out.push_back({s->text(0), s->text(1), s->int64(2), s->opt_int64(3)});
  return out;
}

int64_t Store::articles_since(int64_t after) {
  Lease s = cached("SELECT count(*) FROM articles WHERE fetched_at > ?1 AND source_id <> 'rasd'");
  s->bind(1, after);
  s->step();
  return s->int64(0);
}

std::map<std::string, int64_t> Store::rule_matches_since(int64_t after) {
  std::map<std::string, int64_t> out;
  {
    Lease s = cached(
        "SELECT a.rule_id, count(*) FROM alert_members m JOIN alerts a ON a.id = m.alert_id "
        "WHERE m.added_at > ?1 AND m.article_id > 0 GROUP BY a.rule_id");
    s->bind(1, after);
    while (s->step()) out[s->text(0)] = s->int64(1);
  }
  // A threshold rule's matches are both events and members of its episode's alert: counted
  // once, as the larger of the two.
  Lease t = cached(
      "SELECT rule_id, count(*) FROM threshold_events WHERE event_time > ?1 GROUP BY rule_id");
  t->bind(1, after);
  while (t->step()) out[t->text(0)] = std::max(out[t->text(0)], t->int64(1));
  return out;
}

std::optional<int64_t> Store::last_rule_match(const std::string& rule_id) {
  std::optional<int64_t> out;
  for (const char* sql : {"SELECT max(created_at) FROM alerts WHERE rule_id = ?1",
                          "SELECT max(event_time) FROM threshold_events WHERE rule_id = ?1"}) {
    Lease s = cached(sql);
    s->bind(1, rule_id);
    if (s->step()) {
      if (auto v = s->opt_int64(0); v && (!out || *v > *out)) out = v;
    }
  }
  return out;
}

}  // namespace rasd
