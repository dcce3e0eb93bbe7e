// The store under bad conditions and its article features (issue 7): a full disk and a read-only
// database give clear errors and damage nothing; Arabic-aware full-text search; retention.
#include "rasd/daemon/store.hpp"

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <set>

#include "fault_support.hpp"
#include "http_server.hpp"
#include "pg_server.hpp"
#include "rasd/daemon/article_search.hpp"
#include "rasd/daemon/config.hpp"
#include "rasd/daemon/curl_http_client.hpp"
#include "rasd/daemon/monitor.hpp"
#include "rasd/engine/rules/loader.hpp"
#include "test_util.hpp"

using namespace rasd;

namespace {

std::shared_ptr<spdlog::logger> null_logger() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

NewArticle article(const std::string& guid, int64_t fetched_at, size_t body_bytes = 100) {
  NewArticle a;
  a.source_id = "src";
  a.guid = guid;
  a.title = "عنوان " + guid;
  while (a.body.size() < body_bytes) a.body += "نص الخبر عن الأحداث في المنطقة الشرقية. ";
  a.fetched_at = fetched_at;
  return a;
}

// An article with the search columns the Monitor computes for it.
NewArticle searchable(const text::Normalizer& normalizer, const std::string& guid,
                      const std::string& title, const std::string& body) {
  NewArticle a = article(guid, 1000);
  a.title = title;
  a.body = body;
  rules::ArticleFields fields{a.guid, a.title, a.body, "", a.source_id, "", "ar", {}};
  const rules::PreparedArticle prepared(normalizer, std::move(fields));
  auto cols = search_columns(prepared);
  a.search_words = cols.words;
  a.search_stems = cols.stems;
  return a;
}

// The guids of the articles a search finds (up to 100).
std::set<std::string> found_guids(Store& store, const text::Normalizer& normalizer,
                                  const std::string& q) {
  auto fts = search_query(normalizer, q);
  INFO(q << ": " << (fts ? fts->fts5 + " / " + fts->tsquery : fts.error().message));
  REQUIRE(fts);
  std::set<std::string> guids;
  for (const auto& a : store.search(*fts, 100)) guids.insert(a.guid);
  return guids;
}

int64_t page_count(const std::string& db) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(h, "PRAGMA page_count", -1, &st, nullptr);
  sqlite3_step(st);
  const int64_t n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return n;
}

// A feed of `n` items with long bodies, all new.
std::string big_feed(int n) {
  std::string items;
  for (int i = 0; i < n; ++i) {
    std::string body;
    for (int k = 0; k < 60; ++k)
      body += "أعلنت مصادر محلية في ريف دير الزور عن تطورات جديدة رقم " + std::to_string(i) + ". ";
    items += "<item><title>خبر رقم " + std::to_string(i) + "</title><guid>item-" +
             std::to_string(i) + "</guid><link>https://news.example/" + std::to_string(i) +
             "</link><description>" + body + "</description></item>";
  }
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>t</title>"
         "<link>https://news.example/</link>" +
         items + "</channel></rss>";
}

}  // namespace

TEST_CASE("store: a full disk is a clear, environmental error and damages nothing",
          "[integration][store]") {
  test::TempDir dir;
  const std::string db = dir.file("rasd.db");
  { Store store(db); }
  const int64_t pages = page_count(db);
  // SQLite's max_page_count makes the file unable to grow, as a full disk would.
  Store store(db, {false, pages + 8});
  int stored = 0;
  bool full = false;
  for (int i = 0; i < 200 && !full; ++i) {
    try {
      const auto id = store.insert_article(article("a" + std::to_string(i), 1000, 4000), {});
      REQUIRE(id.has_value());
      ++stored;
    } catch (const sql::StoreError& e) {
      full = true;
      CHECK(e.is_environmental());
      CHECK(std::string(e.what()).find("full") != std::string::npos);
    }
  }
  REQUIRE(full);
  REQUIRE(stored > 0);
  CHECK(store.article_count() == stored);  // the failed insert left nothing behind
  CHECK(store.integrity_check() == "ok");
  // Space again: the store goes on where it stopped.
  Store roomy(db);
  CHECK(roomy.insert_article(article("after", 1000), {}).has_value());
  CHECK(roomy.article_count() == stored + 1);
}

TEST_CASE("store: a read-only database refuses writes clearly and keeps its contents",
          "[integration][store]") {
  test::TempDir dir;
  const std::string db = dir.file("rasd.db");
  {
    Store store(db);
    REQUIRE(store.insert_article(article("kept", 1000), {}));
  }
  Store ro(db, {true, std::nullopt});
  CHECK(ro.article_count() == 1);
  try {
    ro.insert_article(article("new", 1000), {});
    FAIL("a read-only store accepted a write");
  } catch (const sql::StoreError& e) {
    CHECK(e.is_environmental());
    CHECK(std::string(e.what()).find("readonly") != std::string::npos);
  }
  CHECK(ro.article_count() == 1);
  CHECK(ro.integrity_check() == "ok");
}

TEST_CASE("store: a full store during a poll loses nothing, the feed is fetched again in full",
          "[integration][store]") {
  test::TempDir dir;
  const std::string feed = big_feed(40);
  test::HttpServer site([&](const test::Request&) {
    return test::Response{200, {{"Content-Type", "application/rss+xml"}, {"ETag", "\"v1\""}}, feed};
  });
  dir.write("rules.yaml", "rules: []\n");
  auto cfg = load_config_text(
      dir.file("rasd.yaml"),
      "store: {path: rasd.db}\nrules: [rules.yaml]\nnetwork: {allow_private: true}\n"
      "sources:\n  - {id: big, url: \"" +
          site.url("/feed.xml") + "\"}\n");
  REQUIRE(cfg.config);
  text::Normalizer normalizer;
  auto rules = std::make_shared<const rules::RuleSet>();
  CurlGlobal curl;
  CurlHttpClient http;
  ManualClock clock(1734600000);
  const std::string db = cfg.config->store_path;
  { Store s(db); }
  {
    Store store(db, {false, page_count(db) + 10});
    Monitor monitor(*cfg.config, rules, normalizer, store, http, clock, null_logger());
    CHECK_THROWS_AS(monitor.poll_source(cfg.config->sources[0]), sql::StoreError);
    const auto n = store.article_count();
    CHECK(n < 40);
    // The ETag was not kept: the next poll must not be answered 304 for items never stored.
    const auto st = store.source("big");
    CHECK((!st || st->etag.empty()));
  }
  Store store(db);
  Monitor monitor(*cfg.config, rules, normalizer, store, http, clock, null_logger());
  const PollStats s = monitor.poll_source(cfg.config->sources[0]);
  CHECK(s.failed == 0);
  CHECK(store.article_count() == 40);
  const auto reqs = site.requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[1].headers.count("if-none-match") == 0);
  CHECK(store.integrity_check() == "ok");
}

TEST_CASE("store: full-text search folds Arabic spellings, clitics, obfuscation and glued names",
          "[integration][store][search][backend]") {
  test::TempDir dir;
  Store store(test::store_location(dir.path()));
  text::Normalizer normalizer;
  auto add = [&](const std::string& guid, const std::string& title, const std::string& body) {
    REQUIRE(store.insert_article(searchable(normalizer, guid, title, body), {}));
  };
  add("clitic", "القبض على عناصر لداعش", "في ريف ديرالزور الشرقي");
  add("obfuscated", "هجوم لـ د|عـ.ـش", "قرب دير الزور");
  add("other", "الداعمون للمشروع", "اجتماع في دمشق");
  auto found = [&](const std::string& q) { return found_guids(store, normalizer, q); };
  CHECK(found("داعش") == std::set<std::string>{"clitic", "obfuscated"});
  CHECK(found("\"دير الزور\"") == std::set<std::string>{"clitic", "obfuscated"});
  CHECK(found("داعش -هجوم") == std::set<std::string>{"clitic"});
  CHECK(found("دمشق OR القبض") == std::set<std::string>{"clitic", "other"});
  CHECK(found("الداعمون") == std::set<std::string>{"other"});
  CHECK(found("بغداد").empty());
  CHECK_FALSE(search_query(normalizer, "-داعش"));
  CHECK_FALSE(search_query(normalizer, "\"دير الزور"));
  CHECK_FALSE(search_query(normalizer, "OR داعش"));
}

TEST_CASE(
    "store: retention removes old alerts with their deliveries, attempts, hits and members, and "
    "the articles only they refer to",
    "[integration][store][backend]") {
  test::TempDir dir;
  const std::string location = test::store_location(dir.path());
  Store store(location);
  // The clock is the caller's: the test moves "now" by choosing the cut-off.
  const int64_t now = 1734600000, day = 86400, cutoff = now - 90 * day;
  auto alert = [](const std::string& id, int64_t at, const std::string& delivery) {
    NewAlert al;
    al.id = id;
    al.rule_id = "r";
    al.severity = "high";
    al.created_at = at;
    al.payload = "{}";
    al.hits.push_back({"title", 0, 5, "عنوان", "strict"});
    al.deliveries.push_back({delivery, "hook"});
    return al;
  };
  NewArticle old_plain = article("old", now - 100 * day);
  old_plain.search_words = "قديم";
  REQUIRE(store.insert_article(old_plain, {}));
  // An old alert, delivered long ago: it goes, with its article, hits, member, delivery and
  // attempt.
  REQUIRE(store.insert_article(article("old-alerted", now - 100 * day),
                               {alert("alert_old", now - 100 * day, "msg_old")}));
  store.record_attempt("msg_old", now - 100 * day, 200, "", "delivered", now - 100 * day);
  // An old article in a recent alert's story (a member): kept while the alert is.
  REQUIRE(store.insert_article(article("old-in-recent", now - 100 * day),
                               {alert("alert_recent", now - 10 * day, "msg_recent")}));
  // An old alert whose delivery is still pending (the receiver has been down): kept, it was
  // accepted and is neither sent nor given up on.
  REQUIRE(store.insert_article(article("old-pending", now - 100 * day),
                               {alert("alert_pending", now - 100 * day, "msg_pending")}));
  // An attempt of a kept delivery older than the cut-off goes; the delivery stays.
  store.record_attempt("msg_recent", now - 95 * day, 500, "HTTP 500", "pending", now);
  store.record_attempt("msg_recent", now - 9 * day, 200, "", "delivered", now - 9 * day);
  REQUIRE(store.insert_article(article("recent", now - day), {}));
  // A dead page fetch past retention goes, a pending one stays.
  PageFetch dead_page{"src", "https://x.example/dead", "", 10, 0, "pending", "", now - 100 * day};
  REQUIRE(store.queue_page_fetch(dead_page));
  store.page_fetch_failed("src", dead_page.url, "HTTP 404", 0, true);
  PageFetch waiting{"src", "https://x.example/waiting", "", 0, now, "pending", "", now - 100 * day};
  REQUIRE(store.queue_page_fetch(waiting));

  const PruneStats p = store.prune(cutoff);
  CHECK(p.alerts == 1);
  CHECK(p.deliveries == 1);
  CHECK(p.attempts == 2);  // msg_old's (with its delivery) and msg_recent's old one
  CHECK(p.page_fetches == 1);
  CHECK(p.articles == 2);  // "old" and "old-alerted"
  CHECK(p.kept_for_alerts == 2);
  CHECK_FALSE(store.has_article("src", "old"));
  CHECK_FALSE(store.has_article("src", "old-alerted"));
  CHECK(store.has_article("src", "old-in-recent"));
  CHECK(store.has_article("src", "old-pending"));
  CHECK(store.has_article("src", "recent"));
  std::set<std::string> kept;
  for (const auto& a : store.alerts(0)) kept.insert(a.id);
  CHECK(kept == std::set<std::string>{"alert_recent", "alert_pending"});
  CHECK(store.alert_hits("alert_old").empty());
  CHECK(store.alert_hits("alert_recent").size() == 1);
  CHECK(store.attempts("msg_old").empty());
  CHECK(store.attempts("msg_recent").size() == 1);
  std::set<std::string> deliveries;
  for (const auto& d : store.deliveries()) deliveries.insert(d.id);
  CHECK(deliveries == std::set<std::string>{"msg_recent", "msg_pending"});
  CHECK(store.page_fetches().size() == 1);
  const auto old_word = search_query(text::Normalizer{}, "قديم");
  REQUIRE(old_word);
  CHECK(store.search(*old_word, 10).empty());  // its search row went with it
  CHECK(store.integrity_check() == "ok");
  // Foreign keys hold: nothing refers to a removed row (PostgreSQL checks every one as it is
  // deleted; SQLite is asked).
  if (test::testing_postgres()) return;
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2(dir.file("rasd.db").c_str(), &h, SQLITE_OPEN_READONLY, nullptr) ==
          SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, "PRAGMA foreign_key_check", -1, &st, nullptr) == SQLITE_OK);
  CHECK(sqlite3_step(st) == SQLITE_DONE);
  sqlite3_finalize(st);
  sqlite3_close(h);
}

TEST_CASE(
    "store: the dashboard's alert pages are keyset pages under every filter, the live view "
    "reads what follows a cursor, and one dead delivery is retried alone",
    "[integration][store][backend]") {
  test::TempDir dir;
  const std::string location = test::store_location(dir.path());
  Store store(location);
  const int64_t day = 86400, now = 1800000000;
  // 30 alerts over 3 sources, 2 rules (tags differ), one an hour; every one has a delivery.
  for (int i = 0; i < 30; ++i) {
    NewArticle a = article("g" + std::to_string(i), now - (30 - i) * 3600);
    a.source_id = "src" + std::to_string(i % 3);
    NewAlert al;
    al.id = "alert_" + std::to_string(i);
    al.rule_id = i % 2 ? "odd" : "even";
    al.severity = i % 5 == 0 ? "high" : "low";
    al.created_at = a.fetched_at;
    al.payload = std::string("{\"rule\":{\"id\":\"") + al.rule_id + "\",\"tags\":[\"" +
                 (i % 2 ? "x" : "y") + "\",\"all\"]}}";
    al.deliveries.push_back({"msg_" + std::to_string(i), "hook"});
    REQUIRE(store.insert_article(a, {al}));
  }
  // Keyset pages: 30 = 12 + 12 + 6, newest first, no alert twice, none missed.
  std::vector<std::string> seen;
  int64_t cursor = 0;
  for (int page = 0; page < 4; ++page) {
    const auto rows = store.alert_list({}, cursor, 12);
    if (rows.empty()) break;
    for (const auto& r : rows) seen.push_back(r.alert.id);
    cursor = rows.back().seq;
  }
  REQUIRE(seen.size() == 30);
  CHECK(seen.front() == "alert_29");
  CHECK(seen.back() == "alert_0");
  CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == 30);
  // Each filter, and all combined, against what the rows say.
  AlertFilter f;
  f.rule_id = "odd";
  f.source_id = "src1";
  for (const auto& r : store.alert_list(f, 0, 100)) {
    CHECK(r.alert.rule_id == "odd");
    CHECK(r.source_id == "src1");
  }
  CHECK(store.alert_list(f, 0, 100).size() == 5);  // i odd and i % 3 == 1: 1, 7, 13, 19, 25
  AlertFilter tagged;
  tagged.tag = "x";
  CHECK(store.alert_list(tagged, 0, 100).size() == 15);
  tagged.tag = "al";  // a tag is matched whole, not as a prefix
  CHECK(store.alert_list(tagged, 0, 100).empty());
  AlertFilter recent;
  recent.since = now - 10 * 3600;  // alerts 20..29
  recent.severity = "high";        // of them 20 and 25
  const auto high = store.alert_list(recent, 0, 100);
  REQUIRE(high.size() == 2);
  CHECK(high[0].alert.id == "alert_25");
  CHECK(high[1].alert.id == "alert_20");
  // The live view: what follows a cursor, oldest first, filtered.
  const int64_t newest = store.newest_alert_seq();
  const auto after = store.alerts_after({}, newest - 3, newest, 10);
  REQUIRE(after.size() == 3);
  CHECK(after[0].alert.id == "alert_27");
  CHECK(after[2].seq == newest);
  CHECK(store.alerts_after(f, newest, newest, 10).empty());
  CHECK(store.alerts_after({}, newest - 3, newest - 1, 10).size() == 2);  // up to a bound
  // A week of counts per day for one source.
  const auto counts = store.source_daily_counts("src0", now - 7 * day, 7);
  REQUIRE(counts.size() == 7);
  CHECK(counts[5] + counts[6] == 10);  // src0's 10 articles, all in the last 30 hours
  // One dead delivery back in the queue; a pending one is not "retried".
  store.record_attempt("msg_3", now, 500, "HTTP 500", "dead", 0);
  CHECK(store.delivery_count("dead") == 1);
  CHECK(store.delivery_list("dead", 10).at(0).last_error == "HTTP 500");
  CHECK_FALSE(store.retry_delivery("msg_4", now));
  CHECK(store.retry_delivery("msg_3", now));
  CHECK(store.delivery_count("dead") == 0);
  CHECK(store.delivery_count("pending") == 30);
}

TEST_CASE("store: schema 19 moves the search index to the ascii tokenizer and keeps every row",
          "[integration][store][search]") {
  test::TempDir dir;
  const std::string db = dir.path() + "/rasd.db";
  text::Normalizer normalizer;
  {
    Store store(db);
    REQUIRE(store.insert_article(searchable(normalizer, "old", "هجوم لـ د|عـ.ـش", "قرب دير الزور"),
                                 {}));
  }
  // Back to schema 18's search table (unicode61), with the row in it.
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
  const char* to_18 =
      "CREATE VIRTUAL TABLE s18 USING fts5(words, stems, tokenize = 'unicode61 remove_diacritics "
      "0');"
      "INSERT INTO s18(rowid, words, stems) SELECT rowid, words, stems FROM article_search;"
      "DROP TABLE article_search; ALTER TABLE s18 RENAME TO article_search; PRAGMA "
      "user_version=18;";
  REQUIRE(sqlite3_exec(raw, to_18, nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
  Store store(db);
  CHECK(store.schema_version() == 19);
  CHECK(test::scalar(db,
                     "SELECT count(*) FROM sqlite_master WHERE name = 'article_search' AND "
                     "sql LIKE '%ascii%'") == "1");
  auto found = [&](const std::string& q) { return found_guids(store, normalizer, q); };
  CHECK(found("داعش") == std::set<std::string>{"old"});
  CHECK(found("\"دير الزور\"") == std::set<std::string>{"old"});
  REQUIRE(store.insert_article(searchable(normalizer, "new", "اشتباكات", "في ريف ديرالزور"), {}));
  CHECK(found("\"دير الزور\"") == std::set<std::string>{"old", "new"});
  CHECK(store.integrity_check() == "ok");
}

TEST_CASE("store: runs on a newer schema declared compatible with it, refuses one that is not",
          "[store][backend]") {
  test::TempDir dir;
  const std::string db = test::store_location(dir.path());
  {
    Store s(db);
    CHECK(s.schema_version() == Store::kSchemaVersion);
    CHECK(Store::peek_schema_version(db) == Store::kSchemaVersion);
    // Story keys need every instance to write them: no release before 17 may run on it (18
    // only dropped a foreign key, which 17 never relied on).
    CHECK(s.schema().oldest_binary == 17);
  }
  auto set_schema = [&](int version, int oldest) {
    if (test::testing_postgres()) {
      test::pg_scalar(db, "UPDATE rasd_schema SET version = " + std::to_string(version));
    } else {
      sqlite3* raw = nullptr;
      REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
      const std::string pragma = "PRAGMA user_version=" + std::to_string(version);
      REQUIRE(sqlite3_exec(raw, pragma.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
      sqlite3_close(raw);
    }
    test::scalar(db, "UPDATE rasd_compat SET oldest_binary = " + std::to_string(oldest));
  };
  // The next release's additive schema: this rasd runs on it, writes and reads, migrates
  // nothing, and leaves the version as it found it.
  const int next = Store::kSchemaVersion + 1;
  set_schema(next, Store::kSchemaVersion);
  {
    Store s(db);
    CHECK(s.schema_version() == next);
    NewArticle a;
    a.source_id = "src";
    a.guid = "on-newer";
    a.fetched_at = 1;
    CHECK(s.insert_article(a, {}));
    StoreOptions ro;
    ro.read_only = true;
    Store reader(db, ro);
    CHECK(reader.article_count() == 1);
  }
  CHECK(Store::peek_schema(db).version == next);
  CHECK(Store::peek_schema(db).oldest_binary == Store::kSchemaVersion);

  set_schema(99, 99);
  CHECK(Store::peek_schema_version(db) == 99);
  const std::string refusal = "database schema version 99 is newer than this rasd supports (" +
                              std::to_string(Store::kSchemaVersion) +
                              ") and needs a rasd of schema version 99 or later; upgrade rasd";
  try {
    Store s(db);
    FAIL("opened a newer schema");
  } catch (const sql::StoreError& e) {
    CHECK(std::string(e.what()) == refusal);
  }
  try {
    StoreOptions ro;
    ro.read_only = true;
    Store s(db, ro);
    FAIL("opened a newer schema read-only");
  } catch (const sql::StoreError& e) {
    CHECK(std::string(e.what()) == refusal);
  }
}

TEST_CASE("store: search rows written in a batch follow its savepoints and are all found at commit",
          "[integration][store][search][backend]") {
  // On SQLite a batch stages its search rows and writes them to FTS5 at its commit (store.hpp,
  // Batch): what a savepoint rolled back must not reach the index, and nothing may be left out.
  test::TempDir dir;
  const std::string location = test::store_location(dir.path());
  Store store(location);
  text::Normalizer normalizer;
  auto with_search = [&](const std::string& guid, const std::string& body) {
    return searchable(normalizer, guid, "عنوان " + guid, body);
  };
  auto found = [&](const std::string& q) { return found_guids(store, normalizer, q); };
  std::set<std::string> kept;
  {
    Store::Batch batch(store);
    for (int answer = 0; answer < 3; ++answer) {
      Store::Batch savepoint(store);
      for (int i = 0; i < 5; ++i) {
        const std::string guid = "a" + std::to_string(answer) + "-" + std::to_string(i);
        REQUIRE(store.insert_article(with_search(guid, "هجوم قرب ديرالزور " + guid), {}));
        if (answer != 1) kept.insert(guid);
      }
      // The second answer fails after its articles: its savepoint undoes them.
      if (answer == 1) {
        NewAlert dup{"alert_x", "r", "high", 100, "{}", {}, "", {}, ""};
        CHECK_THROWS_AS(store.insert_article(with_search("a1-dup", "هجوم"), {dup, dup}),
                        sql::StoreError);
        continue;
      }
      savepoint.commit();
    }
    batch.commit();
  }
  CHECK(found("\"دير الزور\"") == kept);
  CHECK(found("هجوم") == kept);
  {
    Store::Batch dropped(store);  // destroyed without commit: none of it is searchable
    REQUIRE(store.insert_article(with_search("gone", "هجوم في الرقة"), {}));
  }
  CHECK(found("الرقة").empty());
  CHECK_FALSE(store.has_article("src", "gone"));
  // Outside a batch the row is written at once, and the next batch stages afresh.
  REQUIRE(store.insert_article(with_search("alone", "اشتباكات في تدمر"), {}));
  CHECK(found("تدمر") == std::set<std::string>{"alone"});
  {
    Store::Batch batch(store);
    REQUIRE(store.insert_article(with_search("later", "اشتباكات في تدمر ثانية"), {}));
    batch.commit();
  }
  CHECK(found("تدمر") == std::set<std::string>{"alone", "later"});
  // A search row left behind under the id the next article gets (a store an older rasd wrote)
  // gives way at the flush instead of failing the batch.
  REQUIRE(store.insert_article(with_search("orphan", "كمين في حماة"), {}));
  test::scalar(location, "DELETE FROM articles WHERE guid = 'orphan'");
  {
    Store::Batch batch(store);
    REQUIRE(store.insert_article(with_search("after", "كمين في حمص"), {}));
    batch.commit();
  }
  CHECK(found("كمين") == std::set<std::string>{"after"});
  CHECK(store.integrity_check() == "ok");
}

TEST_CASE("store: a page the worker could not extract counts a try and waits for the next",
          "[integration][store][pages]") {
  // Found in review: the failure was written inside the page's batch, which then ended
  // without a commit, so the page never gained a try and was fetched again at every pump.
  test::TempDir dir;
  dir.write("rules.yaml", "rules: []\n");
  auto cfg =
      load_config_text(dir.file("rasd.yaml"),
                       "store: {path: rasd.db}\nrules: [rules.yaml]\n"
                       "sources:\n  - {id: site, type: html, url: \"https://news.example/\"}\n");
  REQUIRE(cfg.config);
  text::Normalizer normalizer;
  CurlGlobal curl;
  CurlHttpClient http;
  ManualClock clock(1734600000);
  Store store(cfg.config->store_path);
  Monitor monitor(*cfg.config, std::make_shared<const rules::RuleSet>(), normalizer, store, http,
                  clock, null_logger());
  store.ensure_source("site", "https://news.example/");
  PageFetch page;
  page.source_id = "site";
  page.url = "https://news.example/a/1";
  page.created_at = clock.now();
  REQUIRE(store.queue_page_fetch(page));
  HttpResponse ok;
  ok.status = 200;
  ok.body = "<html><body><p>نص</p></body></html>";
  const PollStats stats = monitor.handle_page(cfg.config->sources[0], page,
                                              Expected<HttpResponse>(ok), PreparedAnswer{});
  CHECK(stats.failed == 1);
  const auto pages = store.page_fetches();
  REQUIRE(pages.size() == 1);
  CHECK(pages[0].attempts == 1);
  CHECK(pages[0].last_error == "article extraction failed");
  CHECK(pages[0].next_attempt > clock.now());
  CHECK(store.due_page_fetches(clock.now(), 10).empty());
}

TEST_CASE("store: an article and its alerts are one transaction, duplicates write nothing",
          "[store][backend]") {
  test::TempDir dir;
  Store s(test::store_location(dir.path()));
  NewArticle a;
  a.source_id = "src";
  a.guid = "g1";
  a.title = "t";
  a.fetched_at = 100;
  NewAlert al{"alert_1", "r", "high", 100, "{}", {{"msg_1", "hook"}}, "", {}, ""};
  REQUIRE(s.insert_article(a, {al}));
  CHECK(s.alerts(0).size() == 1);
  CHECK(s.due_deliveries(100, 10).size() == 1);
  NewAlert again{"alert_2", "r", "high", 101, "{}", {{"msg_2", "hook"}}, "", {}, ""};
  CHECK_FALSE(s.insert_article(a, {again}));
  CHECK(s.alerts(0).size() == 1);
  CHECK(s.deliveries().size() == 1);
  // A failing alert insert rolls back the article too.
  NewArticle b = a;
  b.guid = "g2";
  NewAlert dup_id{"alert_1", "r2", "high", 102, "{}", {}, "", {}, ""};
  CHECK_THROWS_AS(s.insert_article(b, {dup_id}), sql::StoreError);
  CHECK_FALSE(s.has_article("src", "g2"));
  CHECK(s.integrity_check() == "ok");
}
