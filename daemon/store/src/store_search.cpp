// Store: full-text search and retention (the parts of the store that read or prune articles in
// bulk rather than one at a time).
#include "rasd/daemon/store.hpp"

namespace rasd {

std::vector<FoundArticle> Store::search(const SearchExpression& query, int limit,
                                        bool fetch_order) {
  std::vector<FoundArticle> out;
  const bool pg = db_->dialect() == sql::Dialect::postgres;
  const std::string& expression = pg ? query.tsquery : query.fts5;
  if (expression.empty()) return out;
  sql::Query s(*db_,
               std::string("SELECT a.id, a.source_id, a.guid, a.url, a.title, a.lang, a.published, "
                           "a.fetched_at, substr(a.body, 1, 200) FROM article_search f JOIN "
                           "articles a ON a.id = f.rowid WHERE ") +
                   (pg ? "f.tsv @@ ?1::tsquery " : "article_search MATCH ?1 ") +
                   (fetch_order ? "ORDER BY f.rowid DESC LIMIT ?2"
                                : "ORDER BY coalesce(a.published, a.fetched_at) DESC, a.id DESC "
                                  "LIMIT ?2"));
  s.bind(1, expression).bind(2, limit);
  while (s.step()) {
    FoundArticle f;
    f.id = s.int64(0);
    f.source_id = s.text(1);
    f.guid = s.text(2);
    f.url = s.text(3);
    f.title = s.text(4);
    f.lang = s.text(5);
    f.published = s.opt_int64(6);
    f.fetched_at = s.int64(7);
    f.snippet = s.text(8);
    out.push_back(std::move(f));
  }
  return out;
}

PruneStats Store::prune(int64_t before, int64_t max_rows) {
  PruneStats stats;
  sql::Transaction tx(*db_);
  // Statements name ?1 (the cut-off) and, where they pick rows, ?2 (the bound).
  auto run = [&](const std::string& sql_text) {
    sql::Query st(*db_, sql_text);
    st.bind(1, before);
    if (sql_text.find("?2") != std::string::npos) st.bind(2, max_rows);
    st.run();
    return static_cast<int64_t>(db_->changes());
  };
  auto run_plain = [&](const std::string& sql_text) {
    sql::Query(*db_, sql_text).run();
    return static_cast<int64_t>(db_->changes());
  };
  // Alerts past retention go with everything that hangs off them, at most max_rows per call.
  // An alert stays while a delivery of it is pending (accepted, neither sent nor given up on)
  // or while its story still gains members (a later copy would otherwise raise it anew), or
  // while it is a threshold rule's open episode.
  db_->exec("CREATE TEMP TABLE IF NOT EXISTS prune_alerts(id TEXT PRIMARY KEY)");
  db_->exec("DELETE FROM prune_alerts");
  const int64_t picked =
      run("INSERT INTO prune_alerts SELECT id FROM alerts WHERE created_at < ?1 AND NOT EXISTS "
          "(SELECT 1 FROM deliveries d WHERE d.alert_id = alerts.id AND d.state = 'pending') AND "
          "NOT EXISTS (SELECT 1 FROM alert_members m WHERE m.alert_id = alerts.id AND m.added_at "
          ">= ?1) AND NOT EXISTS (SELECT 1 FROM threshold_episodes e WHERE e.alert_id = alerts.id) "
          "AND NOT EXISTS (SELECT 1 FROM coverage c WHERE c.alert_id = alerts.id) "
          "AND NOT EXISTS (SELECT 1 FROM held_back h WHERE h.last_alert_id = alerts.id) "
          "LIMIT ?2");
  stats.more = picked >= max_rows;
  const std::string old_alerts = "SELECT id FROM prune_alerts";
  stats.attempts = run_plain(
      "DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE "
      "alert_id IN (" +
      old_alerts + "))");
  stats.deliveries = run_plain("DELETE FROM deliveries WHERE alert_id IN (" + old_alerts + ")");
  run_plain("DELETE FROM alert_hits WHERE alert_id IN (" + old_alerts + ")");
  run_plain("DELETE FROM alert_members WHERE alert_id IN (" + old_alerts + ")");
  stats.alerts = run_plain("DELETE FROM alerts WHERE id IN (" + old_alerts + ")");
  stats.attempts +=
      run("DELETE FROM delivery_attempts WHERE rowid IN (SELECT rowid FROM "
          "delivery_attempts WHERE at < ?1 LIMIT ?2)");
  stats.page_fetches =
      run("DELETE FROM page_fetches WHERE rowid IN (SELECT rowid FROM page_fetches "
          "WHERE state = 'dead' AND created_at < ?1 LIMIT ?2)");
  // Articles a kept alert or membership refers to stay: the foreign keys say so, and an alert
  // must remain readable for as long as it is kept.
  constexpr std::string_view kReferenced =
      "(EXISTS (SELECT 1 FROM alerts x WHERE x.article_id = articles.id) OR "
      "EXISTS (SELECT 1 FROM alert_members m WHERE m.article_id = articles.id))";
  {
    sql::Query kept(*db_, "SELECT count(*) FROM articles WHERE fetched_at < ?1 AND " +
                              std::string(kReferenced));
    kept.bind(1, before);
    kept.step();
    stats.kept_for_alerts = kept.int64(0);
  }
  db_->exec(db_->dialect() == sql::Dialect::postgres
                ? "CREATE TEMP TABLE IF NOT EXISTS prune_articles(id BIGINT PRIMARY KEY)"
                : "CREATE TEMP TABLE IF NOT EXISTS prune_articles(id INTEGER PRIMARY KEY)");
  db_->exec("DELETE FROM prune_articles");
  const int64_t articles =
      run("INSERT INTO prune_articles SELECT id FROM articles WHERE fetched_at < ?1 AND NOT " +
          std::string(kReferenced) + " LIMIT ?2");
  stats.more = stats.more || articles >= max_rows;
  run_plain("DELETE FROM article_search WHERE rowid IN (SELECT id FROM prune_articles)");
  run_plain("DELETE FROM threshold_events WHERE article_id IN (SELECT id FROM prune_articles)");
  stats.articles = run_plain("DELETE FROM articles WHERE id IN (SELECT id FROM prune_articles)");
  run("DELETE FROM delivery_groups WHERE rowid IN (SELECT rowid FROM delivery_groups WHERE "
      "last_sent_at < ?1 LIMIT ?2)");
  tx.commit();
  return stats;
}

}  // namespace rasd
