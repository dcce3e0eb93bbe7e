// Store: silences (`rasd silence`, /api/silences) and coverage conditions.
#include "rasd/daemon/store.hpp"

namespace rasd {

namespace {
constexpr const char* kColumns =
    "SELECT id, kind, value, author, reason, created_at, expires_at, removed_at FROM silences ";

Silence read_silence(const sql::Statement& s) {
  Silence out;
  out.id = s.text(0);
  out.kind = s.text(1);
  out.value = s.text(2);
  out.author = s.text(3);
  out.reason = s.text(4);
  out.created_at = s.int64(5);
  out.expires_at = s.int64(6);
  out.removed_at = s.opt_int64(7);
  return out;
}
}  // namespace

void Store::add_silence(const Silence& s) {
  sql::Transaction tx(*db_);
  sql::Query ins(*db_,
                 "INSERT INTO silences(id, kind, value, author, reason, created_at, "
                 "expires_at) VALUES(?1,?2,?3,?4,?5,?6,?7)");
  ins.bind(1, s.id).bind(2, s.kind).bind(3, s.value).bind(4, s.author).bind(5, s.reason);
  ins.bind(6, s.created_at).bind(7, s.expires_at).run();
  tx.commit();
}

std::vector<Silence> Store::silences(int64_t now, bool include_inactive) {
  sql::Query s(*db_, std::string(kColumns) +
                         "WHERE ?1 <> 0 OR (removed_at IS NULL AND expires_at > ?2) "
                         "ORDER BY created_at DESC, id");
  s.bind(1, int64_t{include_inactive}).bind(2, now);
  std::vector<Silence> out;
  while (s.step()) out.push_back(read_silence(s));
  return out;
}

std::vector<Silence> Store::active_silences(int64_t now) {
  // The pipeline's query, every few seconds: the silences_expiry index, no scan of the past.
  sql::Query s(*db_, std::string(kColumns) +
                         "WHERE expires_at > ?1 AND removed_at IS NULL "
                         "ORDER BY created_at DESC, id");
  s.bind(1, now);
  std::vector<Silence> out;
  while (s.step()) out.push_back(read_silence(s));
  return out;
}

bool Store::remove_silence(const std::string& id, int64_t now) {
  sql::Transaction tx(*db_);
  sql::Query up(*db_,
                "UPDATE silences SET removed_at = ?2, expiry_logged = 1 WHERE id = ?1 AND "
                "removed_at IS NULL AND expires_at > ?2");
  up.bind(1, id).bind(2, now).run();
  const bool removed = db_->changes() > 0;
  tx.commit();
  return removed;
}

std::vector<Silence> Store::newly_expired_silences(int64_t now) {
  sql::Transaction tx(*db_);
  std::vector<Silence> out;
  {
    sql::Query s(*db_, std::string(kColumns) +
                           "WHERE expires_at <= ?1 AND removed_at IS NULL AND "
                           "expiry_logged = 0 ORDER BY expires_at, id");
    s.bind(1, now);
    while (s.step()) out.push_back(read_silence(s));
  }
  sql::Query mark(*db_, "UPDATE silences SET expiry_logged = 1 WHERE id = ?1");
  for (const auto& x : out) mark.bind(1, x.id).run();
  tx.commit();
  return out;
}

std::vector<Coverage> Store::coverage_conditions() {
  Lease s = cached("SELECT kind, subject, since, alert_id FROM coverage ORDER BY kind, subject");
  std::vector<Coverage> out;
  while (s->step()) out.push_back({s->text(0), s->text(1), s->int64(2), s->text(3)});
  return out;
}

void Store::save_coverage(const Coverage& c) {
  cached(
      "INSERT INTO coverage(kind, subject, since, alert_id) VALUES(?1,?2,?3,?4) "
      "ON CONFLICT(kind, subject) DO UPDATE SET since = excluded.since, "
      "alert_id = excluded.alert_id")
      ->bind(1, c.kind)
      .bind(2, c.subject)
      .bind(3, c.since)
      .bind(4, c.alert_id)
      .run();
}

void Store::drop_coverage(const std::string& kind, const std::string& subject) {
  cached("DELETE FROM coverage WHERE kind = ?1 AND subject = ?2")
      ->bind(1, kind)
      .bind(2, subject)
      .run();
}

}  // namespace rasd
