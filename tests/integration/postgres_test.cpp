// PostgreSQL only (issue 23), on the server of CTest's postgresql fixture (pg_server.hpp):
// `rasd migrate` copies a store the daemon filled on SQLite, and the copy answers the same
// (rows, alerts, deliveries, dashboard pages, search); `rasd check` reports what is wrong with
// store.url at its position. The backend-neutral tests ([backend]) run here too, on both.
#include "rasd/daemon/postgres.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <csignal>
#include <map>
#include <mutex>
#include <set>

#include "fault_support.hpp"
#include "http_server.hpp"
#include "pg_server.hpp"
#include "rasd/daemon/article_search.hpp"
#include "rasd/daemon/curl_http_client.hpp"
#include "rasd/daemon/store.hpp"
#include "test_util.hpp"

using namespace rasd;

namespace {

// Two outlets with the same story, obfuscated and glued spellings, and news of other things.
std::string feed(const std::string& outlet) {
  const std::vector<std::pair<std::string, std::string>> items = {
      {"هجوم لـ د|عـ.ـش قرب ديرالزور", "أعلنت مصادر محلية عن هجوم لعناصر داعش في ريف دير الزور"},
      {"القبض على خلية لداعش",
       "القبض على عناصر خلية في البادية" + test::distinct_words(outlet, 20)},
      {"اجتماع في دمشق",
       "اجتماع لبحث الوضع الاقتصادي في دمشق" + test::distinct_words(outlet + "x", 20)},
  };
  std::string out = "<rss version=\"2.0\"><channel><title>" + outlet + "</title>";
  for (size_t i = 0; i < items.size(); ++i) {
    out += "<item><title>" + items[i].first + "</title><guid>" + outlet + std::to_string(i) +
           "</guid><link>https://" + outlet + ".example/" + std::to_string(i) +
           "</link><description>" + items[i].second + "</description></item>";
  }
  return out + "</channel></rss>";
}

std::set<std::string> found(Store& store, const std::string& query) {
  auto q = search_query(text::Normalizer{}, query);
  REQUIRE(q);
  std::set<std::string> guids;
  for (const auto& a : store.search(*q, 100)) guids.insert(a.guid);
  return guids;
}

}  // namespace

TEST_CASE("migrate: a store the daemon filled on SQLite, copied to PostgreSQL, answers the same",
          "[integration][postgresql]") {
  test::HttpServer site([](const test::Request& r) {
    return test::Response{
        200, {{"Content-Type", "application/rss+xml"}}, feed(r.target == "/a.xml" ? "a" : "b")};
  });
  int calls = 0;
  test::HttpServer hook([&](const test::Request&) {
    // The first attempt fails: the copy carries a pending retry and an attempt's history.
    return ++calls == 1 ? test::Response{500, {}, "down"} : test::Response{204, {}, ""};
  });
  test::TempDir dir;
  dir.write("rules.yaml",
            "rules:\n  - {id: isis, query: داعش, severity: high, notify: [analysts]}\n"
            "  - {id: deir, query: \"\\\"دير الزور\\\"\", notify: [analysts]}\n");
  const std::string cfg =
      dir.write("rasd.yaml",
                "store: {path: rasd.db}\nrules: [rules.yaml]\nnetwork: {allow_private: true}\n"
                "defaults: {per_host_gap: 0}\nwebhooks:\n  - {name: analysts, url: \"" +
                    hook.url("/h") + "\"}\nsources:\n  - {id: a, url: \"" + site.url("/a.xml") +
                    "\"}\n  - {id: b, url: \"" + site.url("/b.xml") + "\"}\n");
  auto run = test::run_process({RASD_BINARY, "run", "--once", "--config", cfg});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const std::string sqlite_path = dir.file("rasd.db");
  REQUIRE(std::stoll(test::scalar(sqlite_path, "SELECT count(*) FROM alerts")) >= 2);
  REQUIRE(std::stoll(test::scalar(sqlite_path, "SELECT count(*) FROM delivery_attempts")) >= 1);

  const std::string url = test::store_location(dir.path());
  REQUIRE(url.rfind("postgresql://", 0) == 0);
  auto migrated =
      test::run_process({RASD_BINARY, "migrate", "--from", "sqlite:" + sqlite_path, "--to", url});
  INFO(migrated.out << migrated.err);
  REQUIRE(migrated.exit_code == 0);
  CHECK(migrated.out.find("articles: 6 rows") != std::string::npos);

  for (const char* table :
       {"sources", "articles", "article_search", "alerts", "alert_members", "alert_hits",
        "deliveries", "delivery_attempts", "webhook_endpoints", "page_fetches"}) {
    INFO(table);
    const std::string count = std::string("SELECT count(*) FROM ") + table;
    CHECK(test::scalar(url, count) == test::scalar(sqlite_path, count));
  }
  Store lite(sqlite_path);
  Store pg(url);
  CHECK(pg.dialect() == sql::Dialect::postgres);
  auto alert_ids = [](Store& s) {
    std::vector<std::string> out;
    for (const auto& a : s.alerts(0)) out.push_back(a.id + "/" + a.rule_id + "/" + a.cluster);
    return out;
  };
  CHECK(alert_ids(pg) == alert_ids(lite));
  auto delivery_rows = [](Store& s) {
    std::vector<std::string> out;
    for (const auto& d : s.deliveries())
      out.push_back(d.id + "/" + d.state + "/" + std::to_string(d.attempts) + "/" + d.payload);
    return out;
  };
  CHECK(delivery_rows(pg) == delivery_rows(lite));
  // The dashboard's keyset pages follow the copied insertion order.
  auto page = [](Store& s) {
    std::vector<std::string> out;
    for (const auto& l : s.alert_list({}, 0, 100))
      out.push_back(std::to_string(l.seq) + "/" + l.alert.id);
    return out;
  };
  CHECK(page(pg) == page(lite));
  AlertFilter by_tagless_rule;
  by_tagless_rule.rule_id = "deir";
  CHECK(pg.alert_list(by_tagless_rule, 0, 100).size() ==
        lite.alert_list(by_tagless_rule, 0, 100).size());
  // Search parity: tsvector on PostgreSQL, FTS5 on SQLite, the same articles.
  for (const std::string q : {"داعش", "\"دير الزور\"", "داعش -هجوم", "دمشق OR القبض", "البادية",
                              "بغداد", "داعش البادية"}) {
    INFO(q);
    CHECK(found(pg, q) == found(lite, q));
  }
  CHECK(found(pg, "داعش") == std::set<std::string>{"a0", "a1", "b0", "b1"});
  CHECK(found(pg, "\"دير الزور\"") == std::set<std::string>{"a0", "b0"});
  // New rows continue the copied ids.
  NewArticle next;
  next.source_id = "a";
  next.guid = "after-copy";
  next.fetched_at = 1;
  const auto id = pg.insert_article(next, {});
  REQUIRE(id);
  CHECK(*id == std::stoll(test::scalar(sqlite_path, "SELECT max(id) FROM articles")) + 1);

  // A second copy into the same database is refused and writes nothing.
  auto again =
      test::run_process({RASD_BINARY, "migrate", "--from", "sqlite:" + sqlite_path, "--to", url});
  CHECK(again.exit_code == 1);
  CHECK(again.err.find("the target store is not empty") != std::string::npos);
  CHECK(test::scalar(url, "SELECT count(*) FROM articles") == "7");
}

TEST_CASE("check: store.url problems are reported at their line and column",
          "[integration][postgresql][check]") {
  test::TempDir dir;
  const std::string url = test::store_location(dir.path());
  auto check = [&](const std::string& store_line) {
    return test::run_process(
        {RASD_BINARY, "check", "--config", dir.write("rasd.yaml", store_line + "\nrules: []\n")});
  };
  auto ok = check("store: {url: \"" + url + "\"}");
  INFO(ok.out << ok.err);
  CHECK(ok.exit_code == 0);
  // check writes nothing: the database has no schema until a daemon starts on it.
  CHECK(test::scalar(url, "SELECT to_regclass('rasd_schema') IS NULL") == "t");

  // Nothing listens on port 1; the password is not printed.
  auto refused = check("store: {url: \"postgresql://rasd:s3cret@127.0.0.1:1/x\"}");
  CHECK(refused.exit_code == 2);
  CHECK(refused.out.find("rasd.yaml:1:14: error: store.url: cannot connect to PostgreSQL at "
                         "postgresql://rasd:***@127.0.0.1:1/x") != std::string::npos);
  CHECK(refused.out.find("s3cret") == std::string::npos);

  auto missing_db = check("store: {url: \"" + url + "_missing\"}");
  CHECK(missing_db.exit_code == 2);
  CHECK(missing_db.out.find("does not exist") != std::string::npos);

  auto both = check("store: {path: rasd.db, url: \"" + url + "\"}");
  CHECK(both.exit_code == 2);
  CHECK(both.out.find("give path (an SQLite file) or url (PostgreSQL), not both") !=
        std::string::npos);
  auto not_pg = check("store: {url: \"mysql://h/db\"}");
  CHECK(not_pg.out.find("store.url: must be a postgresql:// URL") != std::string::npos);
  auto state_alone = check("store: {path: rasd.db, state_dir: /tmp}");
  CHECK(state_alone.out.find("store.state_dir: only with store.url") != std::string::npos);

  { Store migrated(url); }  // a daemon's start migrates; then a newer schema is refused
  // Newer, and declared compatible with this rasd (a rolling upgrade): accepted.
  test::pg_scalar(url,
                  "UPDATE rasd_schema SET version = " + std::to_string(Store::kSchemaVersion + 1));
  test::pg_scalar(
      url, "UPDATE rasd_compat SET oldest_binary = " + std::to_string(Store::kSchemaVersion));
  auto compatible = check("store: {url: \"" + url + "\"}");
  INFO(compatible.out << compatible.err);
  CHECK(compatible.exit_code == 0);
  test::pg_scalar(url, "UPDATE rasd_schema SET version = 99");
  test::pg_scalar(url, "UPDATE rasd_compat SET oldest_binary = 98");
  auto newer = check("store: {url: \"" + url + "\"}");
  CHECK(newer.exit_code == 2);
  CHECK(newer.out.find("rasd.yaml:1:14: error: store.url: database schema version 99 is newer "
                       "than this rasd supports (" +
                       std::to_string(Store::kSchemaVersion) +
                       ") and needs a rasd of schema version 98 or later; upgrade rasd") !=
        std::string::npos);
}

TEST_CASE(
    "postgresql: a server restart in the middle of a batch fails the batch loudly and loses "
    "nothing committed, and the store goes on after it",
    "[integration][postgresql][faults]") {
  test::PgServer server;  // its own: a restart must not cut the other tests' connections
  const std::string url = server.create_database();
  Store store(url);
  NewArticle first;
  first.source_id = "src";
  first.guid = "committed";
  first.fetched_at = 100;
  REQUIRE(store.insert_article(first, {}));
  {
    Store::Batch batch(store);
    NewArticle a = first;
    a.guid = "in-batch";
    REQUIRE(store.insert_article(a, {}));
    server.restart();  // fast shutdown: the session and its open transaction die
    a.guid = "after-restart";
    try {
      store.insert_article(a, {});
      FAIL("wrote on a new session inside a transaction that died");
    } catch (const sql::StoreError& e) {
      CHECK(e.is_environmental());
      CHECK(std::string(e.what()).find("connection") != std::string::npos);
    }
    CHECK(store.in_transaction());  // still "open" until rolled back: nothing reconnects
    CHECK_THROWS_AS(batch.commit(), sql::StoreError);
  }
  CHECK_FALSE(store.in_transaction());
  // The next unit of work reconnects; the batch's rows are gone, the committed one is there.
  CHECK(store.has_article("src", "committed"));
  CHECK_FALSE(store.has_article("src", "in-batch"));
  NewArticle later = first;
  later.guid = "later";
  CHECK(store.insert_article(later, {}));
  CHECK(store.article_count() == 2);
}

// The statements a Store keeps are prepared once per session; a session that lost them
// (DEALLOCATE, DISCARD ALL, a pooler that moved it) has them made again, not failing forever.
TEST_CASE("postgresql: kept statements are prepared once per session and made again when lost",
          "[integration][postgresql]") {
  test::TempDir dir;
  const std::string url = test::store_location(dir.path());
  { Store create(url); }
  sql::PgConnection db(url);
  auto kept = db.prepare_kept("SELECT count(*) + ?1 FROM articles");
  auto count_named = [&] {
    sql::Query q(db,
                 "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE "
                 "'SELECT count(*) + $1 FROM articles%'");
    REQUIRE(q.step());
    return q.int64(0);
  };
  for (int i = 0; i < 3; ++i) {
    kept->bind(1, int64_t{i});
    REQUIRE(kept->step());
    CHECK(kept->int64(0) == i);
    kept->reset();
  }
  CHECK(count_named() == 1);  // one statement for the three runs
  db.exec("DEALLOCATE ALL");
  CHECK(count_named() == 0);
  kept->bind(1, int64_t{7});
  REQUIRE(kept->step());
  CHECK(kept->int64(0) == 7);
  kept->reset();
  CHECK(count_named() == 1);
}

TEST_CASE("postgresql: passwords never reach a message, NUL bytes do not cut text",
          "[integration][postgresql]") {
  CHECK(sql::redact_postgres_url("postgresql://u:pw@h:5432/db") == "postgresql://u:***@h:5432/db");
  CHECK(sql::redact_postgres_url("postgresql://u:p/w?x@h/db") == "postgresql://u:***@h/db");
  CHECK(sql::redact_postgres_url("postgresql://h/db?user=u&password=pw&sslmode=require") ==
        "postgresql://h/db?user=u&password=***&sslmode=require");
  CHECK(sql::redact_postgres_url("postgresql://u@h/db") == "postgresql://u@h/db");
  CHECK(sql::postgres_placeholders("SELECT '?1', ?12, \"a?\" -- ?3\nFROM t INDEXED BY t_i WHERE "
                                   "x = ?2") ==
        "SELECT '?1', $12, \"a?\" -- ?3\nFROM t  WHERE x = $2");

  test::TempDir dir;
  Store store(test::store_location(dir.path()));
  NewArticle a;
  a.source_id = "src";
  a.guid = std::string("g\0tail", 6);
  a.title = std::string("before\0after", 12);
  a.fetched_at = 1;
  const auto id = store.insert_article(a, {});
  REQUIRE(id);
  const auto stored = store.article(*id);
  REQUIRE(stored);
  CHECK(stored->title ==
        "before\xEF\xBF\xBD"
        "after");
  CHECK(stored->guid == "g\xEF\xBF\xBDtail");
  NewArticle other = a;
  other.guid = std::string("g\0other", 7);  // not the same item once its NUL is gone
  CHECK(store.insert_article(other, {}));
  // An answer's known items, asked for at once, NULs and all (a JSON Feed id may hold one).
  const auto known =
      store.known_articles("src", {a.guid, std::string("g\0new", 5), "plain", other.guid});
  CHECK(known == std::vector<std::string>{a.guid, other.guid});
  CHECK(store.silences(0, true).empty());  // an integer flag as a condition reads on both
}

namespace {

// 20 items mentioning داعش per feed path, each answer 250 ms late: with two at a time, a
// cycle of 40 feeds lasts seconds, long enough to cut in two.
test::Response slow_twenty_items(const test::Request& r) {
  std::string f = "<rss version=\"2.0\"><channel><title>t</title>";
  for (int i = 0; i < 20; ++i) {
    const std::string id = r.target + "-" + std::to_string(i);
    f += "<item><title>داعش " + id + "</title><guid>" + id + "</guid><description>داعش " + id +
         test::distinct_words(id, 40) + "</description></item>";
  }
  return test::Response{
      200, {{"Content-Type", "application/rss+xml"}}, f + "</channel></rss>", 250};
}

// Sources s0..s39 on `site`, as YAML list lines.
std::string forty_sources(const test::HttpServer& site) {
  std::string sources;
  for (int i = 0; i < 40; ++i)
    sources += "  - {id: s" + std::to_string(i) + ", url: \"" + site.url("/f" + std::to_string(i)) +
               "\"}\n";
  return sources;
}

}  // namespace

TEST_CASE(
    "postgresql: the server stops in the middle of a cycle and comes back: not ready meanwhile, "
    "then every article stored once",
    "[integration][postgresql][faults]") {
  test::PgServer server;
  const std::string url = server.create_database();
  test::HttpServer site(slow_twenty_items);
  test::TempDir dir;
  dir.write("rules.yaml", "rules:\n  - id: isis\n    query: داعش\n");
  dir.write("api-token", "t0ken-for-tests-0123456789\n");
  const std::string sources = forty_sources(site);
  const std::string base = test::store_yaml(url) +
                           "\nrules: [rules.yaml]\nnetwork: {allow_private: true}\n"
                           "defaults: {per_host_gap: 0, per_host_concurrency: 2}\n";
  const std::string cfg = dir.write(
      "rasd.yaml", base + "http: {listen: \"127.0.0.1:0\", token_file: " + dir.file("api-token") +
                       "}\nsources:\n" + sources);
  test::Process rasd({RASD_BINARY, "run", "--config", cfg, "--tick-ms", "100"});
  REQUIRE(rasd.wait_for("(port ", 20000));
  const int port = test::api_port(rasd);
  const std::string count = "SELECT count(*) FROM articles WHERE source_id <> 'rasd'";
  for (int i = 0; i < 200 && std::stoi("0" + test::scalar_or_empty(url, count)) < 60; ++i)
    rasd.wait_for("\x01never\x01", 50);
  const int before_stop = std::stoi(test::scalar(url, count));
  CHECK(before_stop >= 60);
  CHECK(before_stop < 800);  // stopped in the middle of the cycle
  server.stop();
  CHECK(test::wait_for_readyz(rasd, port, 503, 100) == 503);
  server.start();
  CHECK(test::wait_for_readyz(rasd, port, 200, 150) == 200);
  rasd.signal(SIGTERM);
  CHECK(rasd.wait() == 0);
  CHECK(rasd.err().find("lost the connection") != std::string::npos);
  // What the cut cycle did not keep is fetched again in full (its validators were not saved).
  const std::string once_cfg =
      dir.write("once.yaml", base + "http: {listen: \"\"}\nsources:\n" + sources);
  for (int i = 0; i < 3 && test::scalar(url, count) != "800"; ++i) {
    auto r = test::run_process({RASD_BINARY, "run", "--once", "--config", once_cfg});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  CHECK(test::scalar(url, count) == "800");
  CHECK(test::scalar(url, "SELECT count(DISTINCT guid) FROM articles WHERE source_id <> 'rasd'") ==
        "800");
  CHECK(test::scalar(url, "SELECT count(*) FROM alert_members WHERE source_id <> 'rasd'") == "800");
}

// `--once` promises every source a poll: the answers the store failed for while the server
// was down are asked for again, and the one run ends with every article.
TEST_CASE(
    "postgresql: the server restarts under run --once: the sources it failed for are polled "
    "again, and the run stores every article",
    "[integration][postgresql][faults]") {
  test::PgServer server;
  const std::string url = server.create_database();
  test::HttpServer site(slow_twenty_items);
  test::TempDir dir;
  dir.write("rules.yaml", "rules:\n  - id: isis\n    query: داعش\n");
  const std::string sources = forty_sources(site);
  const std::string cfg = dir.write(
      "rasd.yaml", test::store_yaml(url) +
                       "\nrules: [rules.yaml]\nnetwork: {allow_private: true}\n"
                       "http: {listen: \"\"}\n"
                       "defaults: {per_host_gap: 0, per_host_concurrency: 2}\nsources:\n" +
                       sources);
  test::Process rasd({RASD_BINARY, "run", "--once", "--config", cfg});
  const std::string count = "SELECT count(*) FROM articles WHERE source_id <> 'rasd'";
  for (int i = 0; i < 200 && std::stoi("0" + test::scalar_or_empty(url, count)) < 60; ++i)
    rasd.wait_for("\x01never\x01", 50);
  const int before_stop = std::stoi(test::scalar(url, count));
  CHECK(before_stop >= 60);
  CHECK(before_stop < 800);  // stopped in the middle of the cycle
  server.stop();
  rasd.wait_for("\x01never\x01", 1000);  // answers arrive and fail meanwhile
  server.start();
  CHECK(rasd.wait() == 0);
  INFO(rasd.err());
  CHECK(rasd.err().find("will fetch again") != std::string::npos);
  CHECK(test::scalar(url, count) == "800");
  CHECK(test::scalar(url, "SELECT count(*) FROM alert_members WHERE source_id <> 'rasd'") == "800");
}

TEST_CASE(
    "postgresql: a source whose host another instance holds is polled only once that lease "
    "lapses, and the instance releases its hosts when done",
    "[integration][postgresql]") {
  std::map<std::string, int> requests;
  std::mutex m;
  test::HttpServer site([&](const test::Request& r) {
    {
      std::lock_guard<std::mutex> lock(m);
      ++requests[r.target];
    }
    return test::Response{
        200, {{"Content-Type", "application/rss+xml"}}, feed(r.target == "/a.xml" ? "a" : "b")};
  });
  test::TempDir dir;
  const std::string url = test::store_location(dir.path());
  // Two hosts as rasd names them: 127.0.0.1:port and localhost:port, the same server.
  const std::string a_url = site.url("/a.xml");
  std::string b_url = site.url("/b.xml");
  const auto at = b_url.find("127.0.0.1");
  REQUIRE(at != std::string::npos);
  b_url.replace(at, 9, "localhost");
  const std::string b_host = b_url.substr(7, b_url.find('/', 7) - 7);
  {
    Store s(url);  // the schema, and another instance's lease on b's host
    REQUIRE(s.claim_hosts("other:1:0", {b_host}, 3600) == std::vector<std::string>{b_host});
  }
  dir.write("rules.yaml", "rules:\n  - {id: isis, query: داعش}\n");
  const std::string cfg =
      dir.write("rasd.yaml", test::store_yaml(url) +
                                 "\nrules: [rules.yaml]\nnetwork: {allow_private: true}\n"
                                 "defaults: {per_host_gap: 0}\nsources:\n  - {id: a, url: \"" +
                                 a_url + "\"}\n  - {id: b, url: \"" + b_url + "\"}\n");
  test::Process rasd({RASD_BINARY, "run", "--once", "--config", cfg});
  REQUIRE(rasd.wait_for("wait for their hosts, leased by other instances (first: 'b')", 20000));
  const std::string a_count = "SELECT count(*) FROM articles WHERE source_id = 'a'";
  for (int i = 0; i < 100 && test::scalar(url, a_count) != "3"; ++i)
    rasd.wait_for("\x01never\x01", 50);
  CHECK(test::scalar(url, a_count) == "3");
  // Asked again 5 s later, and refused again while the lease holds.
  CHECK(rasd.wait_for("wait for their hosts", 10000, rasd.err().find("wait for their hosts") + 1));
  {
    std::lock_guard<std::mutex> lock(m);
    CHECK(requests["/b.xml"] == 0);
  }
  // The other instance was killed: its lease lapses (on the database's clock).
  test::scalar(url, "UPDATE host_leases SET expires_at = 1 WHERE owner = 'other:1:0'");
  CHECK(rasd.wait() == 0);
  INFO(rasd.err());
  CHECK(test::scalar(url, "SELECT count(*) FROM articles WHERE source_id = 'b'") == "3");
  {
    std::lock_guard<std::mutex> lock(m);
    CHECK(requests["/a.xml"] == 1);
    CHECK(requests["/b.xml"] == 1);
  }
  // Done: nothing is held any more, by anyone (per_host_gap 0: free at once).
  CHECK(test::scalar(url, "SELECT count(*) FROM host_leases") == "2");
  CHECK(test::scalar(url,
                     "SELECT count(*) FROM host_leases WHERE expires_at > "
                     "floor(extract(epoch FROM now()))") == "0");
}
