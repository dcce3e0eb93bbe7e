// Store: story clusters across instances that share a PostgreSQL store (article_store.hpp).
//
// Every article filed in a cluster writes its story keys (dedup::StoryIndex::serial_keys: the
// exact and near-duplicate lookup keys it can be matched by) to story_keys. Before an instance
// files a new article it takes a transaction-scoped advisory lock on each of the article's
// keys, in ascending order, then reads the articles that share one of them: two copies of a
// story that could match share a key, so the second waits until the first's transaction ends
// and then sees it (READ COMMITTED: each statement sees what was committed before it began).
// The locks last until the transaction commits.
//
// No deadlock: a transaction takes all its story and rule locks in one statement, in ascending
// order of their 64-bit keys (PostgreSQL takes them one by one as the sorted rows come), and
// never another lock of either kind after it but those it holds (lock_rule() again) or, for
// transactions that file no story, rule locks in the same order (lock_rules()). The story gate,
// the smallest key, comes first in every such statement.

#include "rasd/daemon/store.hpp"
#include "store_rows.hpp"

namespace rasd {
namespace {

constexpr std::string_view kKeysOf =
    "SELECT CAST(value AS BIGINT) AS k FROM json_array_elements_text(CAST(?1 AS json))";

}  // namespace

bool Store::shares_stories() { return db_->dialect() == sql::Dialect::postgres; }

namespace {

// Rules' lock keys, of a JSON array of ids bound as ?n: computed by the server, the same on
// every instance and release (lock_rule() takes the same).
std::string rule_keys_of(int n) {
  return "SELECT hashtextextended('rasd rule ' || value, 0) AS k FROM "
         "json_array_elements_text(CAST(?" +
         std::to_string(n) + " AS json))";
}

}  // namespace

void Store::lock_stories(const std::vector<uint64_t>& keys,
                         const std::vector<std::string>& rule_ids) {
  if (!shares_stories()) return;
  if (keys.size() > kMaxStoryLocks) return lock_all_stories(rule_ids);
  take_story_locks(detail::json_integer_array(keys), rule_ids, false);
}

void Store::lock_all_stories(const std::vector<std::string>& rule_ids) {
  if (!shares_stories()) return;
  take_story_locks("[]", rule_ids, true);
}

void Store::take_story_locks(const std::string& keys_json, const std::vector<std::string>& rule_ids,
                             bool alone) {
  // The gate (the smallest bigint): shared by every answer, exclusive for one whose keys would
  // not fit the lock table, which then locks no key (nobody else files while it holds the gate).
  Lease lock = cached(
      "SELECT count(CASE WHEN s.gate AND ?3 = 0 THEN pg_advisory_xact_lock_shared(s.k) ELSE "
      "pg_advisory_xact_lock(s.k) END) FROM (SELECT CAST(-9223372036854775807 - 1 AS BIGINT) AS "
      "k, true AS gate UNION ALL SELECT x.k, false FROM (" +
      std::string(kKeysOf) + " UNION " + rule_keys_of(2) + ") x ORDER BY 1) s");
  lock->bind(1, keys_json)
      .bind(2, detail::json_string_array(rule_ids))
      .bind(3, int64_t{alone ? 1 : 0});
  lock->run();
}

void Store::lock_rules(const std::vector<std::string>& rule_ids) {
  if (!shares_stories() || rule_ids.empty()) return;
  Lease lock = cached("SELECT count(pg_advisory_xact_lock(s.k)) FROM (" + rule_keys_of(1) +
                      " ORDER BY 1) s");
  lock->bind(1, detail::json_string_array(rule_ids));
  lock->run();
}

void Store::for_each_article_with_story_keys(const std::vector<uint64_t>& keys, int64_t since,
                                             const std::function<bool(int64_t)>& known,
                                             const std::function<void(const RecentArticle&)>& fn) {
  if (!shares_stories() || keys.empty()) return;
  // The ids first (the newest of each key, from the primary key's index), then whole rows of
  // those the caller has not filed: an opening shared by thousands of articles costs ids only.
  std::vector<int64_t> wanted;
  {
    Lease ids = cached("SELECT DISTINCT x.article_id FROM (" + std::string(kKeysOf) +
                       ") k CROSS JOIN LATERAL (SELECT sk.article_id FROM story_keys sk WHERE "
                       "sk.key = k.k ORDER BY sk.article_id DESC LIMIT " +
                       std::to_string(kStoryKeyReach) + ") x");
    ids->bind(1, detail::json_integer_array(keys));
    while (ids->step()) {
      const int64_t id = ids->int64(0);
      if (!known(id)) wanted.push_back(id);
    }
  }
  if (wanted.empty()) return;
  Lease s = cached(
      "SELECT a.source_id, a.guid, a.url, a.title, a.body, coalesce(a.published, a.fetched_at), "
      "a.cluster, a.id FROM articles a WHERE a.id IN (" +
      std::string(kKeysOf) + ") AND a.fetched_at >= ?2 AND a.cluster <> '' ORDER BY a.id");
  s->bind(1, detail::json_integer_array(wanted)).bind(2, since);
  while (s->step()) {
    fn({s->text(0), s->text(1), s->text(2), s->text(3), s->text(4), s->int64(5), s->text(6),
        s->int64(7)});
  }
}

void Store::lock_rule(const std::string& rule_id) {
  if (!shares_stories()) return;
  // hashtextextended: the same 64-bit key on every instance (the server computes it).
  Lease lock = cached("SELECT pg_advisory_xact_lock(hashtextextended('rasd rule ' || ?1, 0))");
  lock->bind(1, rule_id);
  lock->run();
}

void Store::prune_story_keys(int64_t before) {
  if (!shares_stories()) return;
  // Ids grow with fetch time (near enough: instances' clocks differ by seconds, so an article
  // at the edge may lose its keys a little early or keep them until the next prune): the keys
  // of the articles older than the window are a range of story_keys_article, below the id of
  // the newest of them (one seek in articles_fetched).
  sql::Query(*db_,
             "DELETE FROM story_keys WHERE article_id <= coalesce((SELECT id FROM articles WHERE "
             "fetched_at < ?1 ORDER BY fetched_at DESC, id DESC LIMIT 1), 0)")
      .bind(1, before)
      .run();
}

void Store::write_story_keys(int64_t article_id, const std::vector<uint64_t>& keys) {
  if (!shares_stories() || keys.empty()) return;
  Lease w = cached("INSERT INTO story_keys(key, article_id) SELECT DISTINCT k.k, ?2 FROM (" +
                   std::string(kKeysOf) + ") k ON CONFLICT DO NOTHING");
  w->bind(1, detail::json_integer_array(keys)).bind(2, article_id);
  w->run();
}

}  // namespace rasd
