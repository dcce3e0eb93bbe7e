// Store: the dashboard's reads (store.hpp). Alerts are listed in the order they were inserted
// (rowid): a page is "the next N before this one", through the indexes by rule and by source
// (whose entries are in rowid order within a key), never an OFFSET that walks every row above.
#include <algorithm>

#include "rasd/daemon/store.hpp"
#include "store_rows.hpp"

namespace rasd {
namespace {

// The SELECT of the alerts passing `f`, up to the cursor's condition: only the fields given are
// named (each bound, ?1..?6 for rule, severity, source, tag, since, until), so that the planner
// sees an equality on rule_id or source_id and walks that index. ?7 is the cursor, ?8 the limit.
std::string filtered(const AlertFilter& f, sql::Dialect dialect) {
  std::string q =
      "SELECT rowid, source_id, " + std::string(detail::kAlertColumns) + " FROM alerts WHERE ";
  if (!f.rule_id.empty()) q += "rule_id = ?1 AND ";
  if (!f.severity.empty()) q += "severity = ?2 AND ";
  if (!f.source_id.empty()) q += "source_id = ?3 AND ";
  if (!f.tag.empty()) {
    q += dialect == sql::Dialect::postgres ? "strpos(tags, '|' || ?4 || '|') > 0 AND "
                                           : "instr(tags, '|' || ?4 || '|') > 0 AND ";
  }
  // The walk down the rowid stops at the first alert of the time window (found through
  // alerts_created): no qualifying alert has a smaller rowid, whatever the order of creation.
  if (f.since != 0)
    q += "created_at >= ?5 AND rowid >= (SELECT min(rowid) FROM alerts WHERE created_at >= ?5) "
         "AND ";
  if (f.until != 0) q += "created_at < ?6 AND ";
  return q;
}

void bind_filter(sql::Statement& s, const AlertFilter& f, int64_t cursor, int limit) {
  if (!f.rule_id.empty()) s.bind(1, f.rule_id);
  if (!f.severity.empty()) s.bind(2, f.severity);
  if (!f.source_id.empty()) s.bind(3, f.source_id);
  if (!f.tag.empty()) s.bind(4, f.tag);
  if (f.since != 0) s.bind(5, f.since);
  if (f.until != 0) s.bind(6, f.until);
  s.bind(7, cursor).bind(8, int64_t{limit});
}

ListedAlert read_listed(const sql::Statement& s) {
  ListedAlert l;
  l.seq = s.int64(0);
  l.source_id = s.text(1);
  l.alert = detail::read_alert(s, 2);
  return l;
}

}  // namespace

std::vector<ListedAlert> Store::alert_list(const AlertFilter& filter, int64_t before_seq,
                                           int limit) {
  // Without a rule or source, the walk is down the rowid from the cursor; with one, down that
  // index's entries for the key, which are in rowid order too.
  auto s = cached(filtered(filter, dialect()) + "rowid < ?7 ORDER BY rowid DESC LIMIT ?8");
  if (before_seq <= 0) before_seq = INT64_MAX;
  bind_filter(*s, filter, before_seq, limit);
  std::vector<ListedAlert> out;
  while (s->step()) out.push_back(read_listed(*s));
  return out;
}

std::vector<ListedAlert> Store::alerts_after(const AlertFilter& filter, int64_t after_seq,
                                             int64_t up_to_seq, int limit) {
  auto s =
      cached(filtered(filter, dialect()) + "rowid > ?7 AND rowid <= ?9 ORDER BY rowid LIMIT ?8");
  bind_filter(*s, filter, after_seq, limit);
  s->bind(9, up_to_seq);
  std::vector<ListedAlert> out;
  while (s->step()) out.push_back(read_listed(*s));
  return out;
}

std::vector<int64_t> Store::source_daily_counts(const std::string& source_id, int64_t since,
                                                int days) {
  std::vector<int64_t> out(static_cast<size_t>(std::max(days, 0)), 0);
  // Through articles_source_fetched, which covers both columns: no row is read.
  auto s = cached(
      "SELECT (fetched_at - ?2) / 86400, count(*) FROM articles WHERE source_id = ?1 AND "
      "fetched_at >= ?2 GROUP BY 1");
  s->bind(1, source_id).bind(2, since);
  while (s->step()) {
    const int64_t day = s->int64(0);
    if (day >= 0 && day < days) out[static_cast<size_t>(day)] = s->int64(1);
  }
  return out;
}

std::vector<StoredArticle> Store::source_articles(const std::string& source_id, int limit) {
  auto s = cached(
      "SELECT id, source_id, guid, url, title, substr(body, 1, 300), author, lang, published, "
      "fetched_at FROM articles WHERE source_id = ?1 ORDER BY fetched_at DESC, id DESC LIMIT ?2");
  s->bind(1, source_id).bind(2, int64_t{limit});
  std::vector<StoredArticle> out;
  while (s->step()) detail::read_article(*s, out.emplace_back());
  return out;
}

std::vector<Delivery> Store::delivery_list(const std::string& state, int limit) {
  // deliveries_due is (state, next_attempt): the newest schedule first, without a sort.
  auto s = cached(
      "SELECT id, alert_id, webhook, state, attempts, next_attempt, last_status, last_error, "
      "delivered_at, '', coalesce(group_id, '') FROM deliveries WHERE state = ?1 "
      "ORDER BY next_attempt DESC LIMIT ?2");
  s->bind(1, state).bind(2, int64_t{limit});
  std::vector<Delivery> out;
  while (s->step()) out.push_back(detail::read_delivery(*s));
  return out;
}

int64_t Store::delivery_count(const std::string& state) {
  auto s = cached("SELECT count(*) FROM deliveries WHERE state = ?1");
  s->bind(1, state);
  s->step();
  return s->int64(0);
}

bool Store::retry_delivery(const std::string& id, int64_t now) {
  sql::Transaction tx(*db_);
  {
    auto s = cached(
        "UPDATE deliveries SET state = 'pending', next_attempt = ?2, attempts = 0 "
        "WHERE id = ?1 AND state IN ('dead', 'disabled')");
    s->bind(1, id).bind(2, now).run();
  }
  if (db_->changes() == 0) return false;
  // An operator who retries a delivery of a disabled endpoint says it is back (as
  // retry_dead() does for a whole webhook).
  cached(
      "UPDATE webhook_endpoints SET disabled_at = NULL, reason = '' WHERE name = "
      "(SELECT webhook FROM deliveries WHERE id = ?1)")
      ->bind(1, id)
      .run();
  tx.commit();
  return true;
}

int64_t Store::newest_alert_seq() {
  auto s = cached("SELECT coalesce(max(rowid), 0) FROM alerts");
  s->step();
  return s->int64(0);
}

}  // namespace rasd
