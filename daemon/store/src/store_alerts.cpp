// Store: alerts written for a stored article (per-article rules and threshold episodes), and
// the threshold rules' events and episodes.
#include <boost/json.hpp>

#include "rasd/daemon/store.hpp"

namespace rasd {
namespace {

// alerts.tags: the payload's rule tags as "|isis|syria|" (the dashboard's filter reads this
// column, never the payload), "" when the payload names none or is not JSON.
std::string tags_column(const std::string& payload) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(payload, ec);
  if (ec || !v.is_object()) return {};
  const auto* rule = v.as_object().if_contains("rule");
  if (!rule || !rule->is_object()) return {};
  const auto* tags = rule->as_object().if_contains("tags");
  if (!tags || !tags->is_array() || tags->as_array().empty()) return {};
  std::string out = "|";
  for (const auto& t : tags->as_array()) {
    out += t.is_string() ? std::string(t.as_string()) : boost::json::serialize(t);
    out += '|';
  }
  return out;
}

}  // namespace

void Store::insert_alerts(int64_t article_id, const std::string& source_id,
                          const std::string& cluster, const std::vector<NewAlert>& alerts,
                          const std::vector<ThresholdMember>& members) {
  Lease alert_lease = cached(
      "INSERT INTO alerts(id, rule_id, severity, article_id, created_at, payload, cluster, "
      "silenced_by, held_back, told_at, source_id, tags) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,"
      "?11,?12)");
  Lease member_lease = cached(
      "INSERT INTO alert_members(alert_id, article_id, source_id, added_at) "
      "VALUES(?1,?2,?3,?4) ON CONFLICT DO NOTHING");
  Lease outbox_lease = cached(
      "INSERT INTO deliveries(id, alert_id, webhook, next_attempt, payload, group_key) "
      "VALUES(?1,?2,?3,?4,?5,?6)");
  Lease hit_lease = cached(
      "INSERT INTO alert_hits(alert_id, article_id, field, start, \"end\", text, view) "
      "VALUES(?1,?2,?3,?4,?5,?6,?7)");
  sql::Statement& alert = *alert_lease;
  sql::Statement& member = *member_lease;
  sql::Statement& outbox = *outbox_lease;
  sql::Statement& hit = *hit_lease;
  for (const auto& al : alerts) {
    const bool update = !al.update_of.empty();
    const std::string& alert_id = update ? al.update_of : al.id;
    if (!update) {
      alert.bind(1, al.id).bind(2, al.rule_id).bind(3, al.severity).bind(4, article_id);
      alert.bind(5, al.created_at).bind(6, al.payload).bind(7, cluster).bind(8, al.silenced_by);
      alert.bind(9, int64_t{al.held_back}).bind(11, source_id).bind(12, tags_column(al.payload));
      if (!al.deliveries.empty())
        alert.bind(10, al.created_at);  // told: a webhook hears of the story now
      else
        alert.bind_null(10);
      alert.run();
    }
    if (update && al.tells_story) {
      cached("UPDATE alerts SET told_at = ?2 WHERE id = ?1 AND told_at IS NULL")
          ->bind(1, alert_id)
          .bind(2, al.created_at)
          .run();
    }
    // article_id 0: a summary that no article brought (its deliveries only).
    if (article_id > 0)
      member.bind(1, alert_id).bind(2, article_id).bind(3, source_id).bind(4, al.created_at).run();
    if (!update) {
      for (const auto& m : members) {
        if (m.article_id == article_id) continue;
        member.bind(1, alert_id).bind(2, m.article_id).bind(3, m.source_id);
        member.bind(4, al.created_at).run();
      }
    }
    for (const auto& h : al.hits) {
      hit.bind(1, alert_id).bind(2, article_id).bind(3, h.field).bind(4, h.start).bind(5, h.end);
      hit.bind(6, h.text).bind(7, h.view).run();
    }
    for (const auto& d : al.deliveries) {
      outbox.bind(1, d.id).bind(2, alert_id).bind(3, d.webhook).bind(4, al.created_at);
      if (update)
        outbox.bind(5, al.payload);
      else
        outbox.bind_null(5);
      outbox.bind(6, d.group_key);
      outbox.run();
    }
  }
}

int64_t Store::sent_alerts(const std::string& rule_id, int64_t after) {
  Lease s = cached("SELECT count(*) FROM alerts WHERE rule_id = ?1 AND told_at > ?2");
  s->bind(1, rule_id).bind(2, after);
  s->step();
  return s->int64(0);
}

std::optional<int64_t> Store::oldest_sent_alert(const std::string& rule_id, int64_t after) {
  Lease s = cached("SELECT min(told_at) FROM alerts WHERE rule_id = ?1 AND told_at > ?2");
  s->bind(1, rule_id).bind(2, after);
  if (!s->step()) return std::nullopt;
  return s->opt_int64(0);
}

void Store::note_held_back(const std::string& rule_id, const std::string& alert_id, int64_t now,
                           int64_t notice_due, int max_count, int64_t per_seconds) {
  cached(
      "INSERT INTO held_back(rule_id, alerts, first_at, notice_due, last_alert_id, max_count, "
      "per_seconds) VALUES(?1, 1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(rule_id) DO UPDATE SET "
      "alerts = held_back.alerts + 1, last_alert_id = excluded.last_alert_id")
      ->bind(1, rule_id)
      .bind(2, now)
      .bind(3, notice_due)
      .bind(4, alert_id)
      .bind(5, int64_t{max_count})
      .bind(6, per_seconds)
      .run();
}

std::vector<HeldBack> Store::due_held_back(int64_t now) {
  std::vector<HeldBack> out;
  Lease s = cached(
      "SELECT rule_id, alerts, first_at, notice_due, last_alert_id, max_count, per_seconds "
      "FROM held_back WHERE notice_due <= ?1 ORDER BY notice_due, rule_id");
  s->bind(1, now);
  while (s->step()) {
    out.push_back(
        {s->text(0), s->int64(1), s->int64(2), s->int64(3), s->text(4), s->int64(5), s->int64(6)});
  }
  return out;
}

void Store::clear_held_back(const std::string& rule_id) {
  cached("DELETE FROM held_back WHERE rule_id = ?1")->bind(1, rule_id).run();
}

bool Store::acknowledge(const std::string& alert_id, const std::string& by, const std::string& note,
                        int64_t now) {
  sql::Transaction tx(*db_);
  sql::Query exists(*db_, "SELECT 1 FROM alerts WHERE id = ?1");
  exists.bind(1, alert_id);
  if (!exists.step()) return false;
  exists.reset();
  sql::Query up(*db_,
                "UPDATE alerts SET acked_by = ?2, acked_at = ?3, ack_note = ?4 "
                "WHERE id = ?1 AND acked_by = ''");
  up.bind(1, alert_id).bind(2, by.empty() ? std::string("unknown") : by).bind(3, now);
  up.bind(4, note).run();
  tx.commit();
  return true;
}

std::optional<Acknowledgement> Store::acknowledgement(const std::string& alert_id) {
  sql::Query s(*db_,
               "SELECT acked_by, acked_at, ack_note FROM alerts WHERE id = ?1 AND acked_by <> ''");
  s.bind(1, alert_id);
  if (!s.step()) return std::nullopt;
  return Acknowledgement{s.text(0), s.opt_int64(1).value_or(0), s.text(2)};
}

bool Store::alert_acknowledged(const std::string& alert_id) {
  Lease s = cached("SELECT acked_by <> '' FROM alerts WHERE id = ?1");
  s->bind(1, alert_id);
  return s->step() && s->int64(0) != 0;
}

void Store::add_threshold_event(const std::string& rule_id, int64_t article_id,
                                const std::string& cluster, const std::string& source_id,
                                int64_t event_time) {
  cached(
      "INSERT INTO threshold_events(rule_id, article_id, cluster, source_id, "
      "event_time) VALUES(?1,?2,?3,?4,?5) ON CONFLICT DO NOTHING")
      ->bind(1, rule_id)
      .bind(2, article_id)
      .bind(3, cluster)
      .bind(4, source_id)
      .bind(5, event_time)
      .run();
}

std::vector<ThresholdMember> Store::threshold_members(const std::string& rule_id, int64_t after,
                                                      int limit) {
  std::vector<ThresholdMember> out;
  Lease s = cached(
      "SELECT * FROM (SELECT e.article_id, e.cluster, e.source_id, e.event_time, a.guid, a.title, "
      "a.url, a.published FROM threshold_events e JOIN articles a ON a.id = e.article_id "
      "WHERE e.rule_id = ?1 AND e.event_time > ?2 ORDER BY e.event_time DESC, e.article_id DESC "
      "LIMIT ?3) AS newest ORDER BY event_time, article_id");
  s->bind(1, rule_id).bind(2, after).bind(3, limit);
  while (s->step()) {
    ThresholdMember m;
    m.article_id = s->int64(0);
    m.cluster = s->text(1);
    m.source_id = s->text(2);
    m.event_time = s->int64(3);
    m.guid = s->text(4);
    m.title = s->text(5);
    m.url = s->text(6);
    m.published = s->opt_int64(7);
    out.push_back(std::move(m));
  }
  return out;
}

rules::ThresholdCount Store::threshold_tally(const std::string& rule_id, int64_t after) {
  Lease s = cached(
      "SELECT count(*), count(DISTINCT CASE WHEN cluster = '' THEN 'article:' || article_id "
      "ELSE cluster END), count(DISTINCT source_id) FROM threshold_events "
      "WHERE rule_id = ?1 AND event_time > ?2");
  s->bind(1, rule_id).bind(2, after);
  s->step();
  return {s->int64(0), s->int64(1), s->int64(2)};
}

namespace {
ThresholdEpisode read_episode(sql::Statement& s) {
  ThresholdEpisode e;
  e.rule_id = s.text(0);
  e.alert_id = s.text(1);
  e.opened_at = s.int64(2);
  e.last_update_at = s.int64(3);
  e.unsent = s.int64(4);
  return e;
}
constexpr const char* kEpisodeColumns = "rule_id, alert_id, opened_at, last_update_at, unsent";
}  // namespace

std::optional<ThresholdEpisode> Store::threshold_episode(const std::string& rule_id) {
  Lease s = cached(std::string("SELECT ") + kEpisodeColumns +
                   " FROM threshold_episodes WHERE rule_id = ?1");
  s->bind(1, rule_id);
  if (!s->step()) return std::nullopt;
  return read_episode(*s);
}

std::vector<ThresholdEpisode> Store::threshold_episodes() {
  std::vector<ThresholdEpisode> out;
  Lease s = cached(std::string("SELECT ") + kEpisodeColumns +
                   " FROM threshold_episodes ORDER BY rule_id");
  while (s->step()) out.push_back(read_episode(*s));
  return out;
}

void Store::save_threshold_episode(const ThresholdEpisode& e) {
  cached(
      "INSERT INTO threshold_episodes(rule_id, alert_id, opened_at, last_update_at, unsent) "
      "VALUES(?1,?2,?3,?4,?5) ON CONFLICT(rule_id) DO UPDATE SET alert_id = excluded.alert_id, "
      "opened_at = excluded.opened_at, last_update_at = excluded.last_update_at, "
      "unsent = excluded.unsent")
      ->bind(1, e.rule_id)
      .bind(2, e.alert_id)
      .bind(3, e.opened_at)
      .bind(4, e.last_update_at)
      .bind(5, e.unsent)
      .run();
}

void Store::close_threshold_episode(const std::string& rule_id) {
  cached("DELETE FROM threshold_episodes WHERE rule_id = ?1")->bind(1, rule_id).run();
}

int64_t Store::prune_threshold_events(const std::string& rule_id, int64_t before) {
  cached("DELETE FROM threshold_events WHERE rule_id = ?1 AND event_time <= ?2")
      ->bind(1, rule_id)
      .bind(2, before)
      .run();
  return db_->changes();
}

std::vector<StoryCopy> Store::alert_story(const std::string& alert_id, int limit) {
  Lease s = cached(
      "SELECT r.id, r.source_id, r.title, r.url, r.published, r.fetched_at FROM alert_members m "
      "JOIN articles r ON r.id = m.article_id WHERE m.alert_id = ?1 ORDER BY m.added_at, r.id "
      "LIMIT ?2");
  s->bind(1, alert_id).bind(2, int64_t{limit});
  std::vector<StoryCopy> out;
  while (s->step())
    out.push_back({s->int64(0), s->text(1), s->text(2), s->text(3), s->opt_int64(4), s->int64(5)});
  return out;
}

}  // namespace rasd
