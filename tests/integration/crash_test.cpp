// Crash safety (issue 7): the real `rasd run` processes a stream of matching articles and is
// killed with SIGKILL at 50 random moments, restarted each time. At the end every committed
// alert has been delivered, no article was alerted twice under different ids, and the
// database passes PRAGMA integrity_check.
#include <sqlite3.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "http_server.hpp"
#include "test_util.hpp"

using namespace rasd;

namespace {

// Words for article bodies drawn at random, so that items are different stories (not one
// cluster) and every one matches the rule.
const char* kWords[] = {"مدينة", "قرية",  "طريق",   "جسر",    "سوق",    "مدرسة", "مستشفى", "معبر",
                        "حاجز",  "مخيم",  "الشمال", "الجنوب", "الشرق",  "الغرب", "صباح",   "مساء",
                        "أمس",   "اليوم", "مصادر",  "شهود",   "سيارة",  "دراجة", "منزل",   "مبنى",
                        "مقر",   "نقطة",  "دورية",  "قافلة",  "اجتماع", "بيان"};

// A source whose feed grows by a few new items at every request and shows the latest 25.
class GrowingFeed {
 public:
  explicit GrowingFeed(std::string name)
      : name_(std::move(name)), rng_(std::hash<std::string>{}(name_)) {}
  std::string next() {
    std::lock_guard<std::mutex> lock(mu_);
    for (int k = 0; k < 3; ++k) {
      std::string body = "أعلنت الجهات الأمنية القبض على عناصر من داعش";
      for (int w = 0; w < 40; ++w) body += std::string(" ") + kWords[rng_() % std::size(kWords)];
      items_.push_back("<item><title>القبض على خلية لداعش " + std::to_string(items_.size()) + " " +
                       name_ + "</title><guid>" + name_ + "-" + std::to_string(items_.size()) +
                       "</guid><link>https://" + name_ + ".example/" +
                       std::to_string(items_.size()) + "</link><description>" + body +
                       "</description></item>");
    }
    std::string out =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>" + name_ +
        "</title><link>https://" + name_ + ".example/</link><language>ar</language>";
    for (size_t i = items_.size() > 25 ? items_.size() - 25 : 0; i < items_.size(); ++i)
      out += items_[i];
    return out + "</channel></rss>";
  }

 private:
  std::string name_;
  std::mt19937 rng_;
  std::mutex mu_;
  std::vector<std::string> items_;
};

std::vector<std::vector<std::string>> query(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  std::vector<std::vector<std::string>> rows;
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int c = 0; c < sqlite3_column_count(st); ++c) {
      const auto* t = sqlite3_column_text(st, c);
      row.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
  return rows;
}

}  // namespace

TEST_CASE("crash: SIGKILL at 50 random moments loses no alert and alerts no article twice",
          "[integration][crash]") {
  std::map<std::string, std::unique_ptr<GrowingFeed>> feeds;
  for (const char* n : {"alpha", "beta", "gamma"}) feeds[n] = std::make_unique<GrowingFeed>(n);
  test::HttpServer site([&](const test::Request& r) {
    const std::string name = r.target.substr(1, r.target.find('.') - 1);
    auto it = feeds.find(name);
    if (it == feeds.end()) return test::Response{404, {}, "no"};
    return test::Response{200, {{"Content-Type", "application/rss+xml"}}, it->second->next()};
  });
  // The receiver deduplicates on webhook-id, as Standard Webhooks receivers do.
  std::mutex mu;
  std::map<std::string, std::string> received;  // webhook-id -> body
  size_t requests = 0;
  test::HttpServer hooks([&](const test::Request& r) {
    std::lock_guard<std::mutex> lock(mu);
    ++requests;
    received.emplace(r.headers.at("webhook-id"), r.body);
    return test::Response{200, {}, "ok"};
  });
  test::TempDir dir;
  dir.write("rules.yaml",
            "rules:\n  - id: isis-arrests\n    query: 'داعش AND القبض'\n    notify: [analysts]\n");
  std::string yaml =
      "store: {path: rasd.db}\nrules: [rules.yaml]\nnetwork: {allow_private: true}\nhttp: {listen: "
      "\"127.0.0.1:0\"}\n"
      "defaults: {interval: 1s, min_interval: 1s, timeout: 5s}\nsources:\n";
  for (const auto& [name, feed] : feeds) {
    yaml += "  - {id: " + name + ", url: \"" + site.url("/" + name + ".xml") + "\"}\n";
  }
  yaml += "webhooks:\n  - {name: analysts, url: \"" + hooks.url("/hook") +
          "\", secret: \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\",\n"
          "     group_wait: 0s, group_interval: 1s}\n";  // groups form between the kills too
  const std::string cfg = dir.write("rasd.yaml", yaml);

  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> moment_ms(0, 700);
  for (int kill = 0; kill < 50; ++kill) {
    test::Process rasd({RASD_BINARY, "run", "--config", cfg, "--tick-ms", "20"});
    REQUIRE(rasd.wait_for("rasd running", 20000));
    // Wait a random moment while reading the daemon's log (a full pipe would stall it).
    rasd.wait_for("\x01never\x01", moment_ms(rng));
    rasd.signal(SIGKILL);
    rasd.wait();
  }
  // A last run to completion: everything still pending is delivered.
  auto last = test::run_process({RASD_BINARY, "run", "--once", "--config", cfg});
  INFO(last.err);
  REQUIRE(last.exit_code == 0);

  const std::string db = dir.file("rasd.db");
  CHECK(query(db, "PRAGMA integrity_check") == std::vector<std::vector<std::string>>{{"ok"}});
  const auto alerts = query(db, "SELECT id FROM alerts");
  INFO(alerts.size() << " alerts");
  REQUIRE(alerts.size() >= 20);  // the stream really flowed through the kills
  // Every committed delivery was delivered, and the receiver has it under its id; or it was
  // folded into a group delivery that was, and whose body lists its alert.
  const auto deliveries =
      query(db, "SELECT id, state, coalesce(group_id, ''), alert_id FROM deliveries");
  REQUIRE(deliveries.size() >= alerts.size());
  std::lock_guard<std::mutex> lock(mu);
  std::printf(
      "crash test: 50 kills, %zu alerts, %zu deliveries, %zu requests received, %zu of them "
      "repeats of a "
      "webhook-id (sent again after a kill)\n",
      alerts.size(), deliveries.size(), requests, requests - received.size());
  // The alert bodies received, alone or in groups.
  std::vector<boost::json::object> bodies;
  std::map<std::string, std::set<std::string>> alerts_in_group;
  for (const auto& [id, body] : received) {
    const auto v = boost::json::parse(body).as_object();
    if (v.at("type").as_string() != "alert.group") {
      bodies.push_back(v);
      continue;
    }
    for (const auto& a : v.at("alerts").as_array()) {
      bodies.push_back(a.as_object());
      alerts_in_group[id].insert(std::string(a.at("id").as_string()));
    }
  }
  size_t grouped = 0;
  for (const auto& d : deliveries) {
    INFO("delivery " << d[0]);
    if (d[1] == "grouped") {
      ++grouped;
      CHECK(received.count(d[2]) == 1);
      CHECK(alerts_in_group[d[2]].count(d[3]) == 1);
      continue;
    }
    CHECK(d[1] == "delivered");
    CHECK(received.count(d[0]) == 1);
  }
  std::printf("crash test: %zu deliveries went out in groups\n", grouped);
  // No article alerted twice under different ids: per (rule, article), one alert id among
  // everything the receiver was sent...
  std::map<std::string, std::set<std::string>> alert_ids_per_article;
  for (const auto& v : bodies) {
    if (v.at("type").as_string() != "alert.created") continue;
    const std::string key = std::string(v.at("rule").at("id").as_string()) + " " +
                            std::string(v.at("article").at("url").as_string());
    alert_ids_per_article[key].insert(std::string(v.at("id").as_string()));
  }
  for (const auto& [article, ids] : alert_ids_per_article) {
    INFO(article);
    CHECK(ids.size() == 1);
  }
  // ... and in the store.
  CHECK(query(db,
              "SELECT count(*) FROM (SELECT rule_id, article_id FROM alerts GROUP BY 1, 2 HAVING "
              "count(*) > 1)") == std::vector<std::vector<std::string>>{{"0"}});
  CHECK(query(db,
              "SELECT count(*) FROM (SELECT source_id, guid FROM articles GROUP BY 1, 2 HAVING "
              "count(*) > 1)") == std::vector<std::vector<std::string>>{{"0"}});
}

TEST_CASE(
    "crash: SIGKILL during html and full_text sources with failing pages: every linked article "
    "stored once",
    "[integration][crash]") {
  // A section page and a full_text feed that grow by two items at every request and show the
  // latest 12; every article page answers 500 the first time it is asked for.
  std::mutex mu;
  int section_items = 0, feed_items = 0;
  bool growing = true;                               // until the kills are over
  std::set<std::string> listed_links, listed_guids;  // everything ever shown
  std::map<std::string, int> page_requests;
  test::HttpServer site([&](const test::Request& r) {
    std::lock_guard<std::mutex> lock(mu);
    if (r.target == "/section") {
      if (growing) section_items += 2;
      std::string page = "<html><body><ul class=\"l\">";
      for (int i = std::max(0, section_items - 12); i < section_items; ++i) {
        const std::string path = "/p/s-" + std::to_string(i);
        listed_links.insert(path);
        page += "<li><a href=\"" + path + "\">خبر " + std::to_string(i) + "</a></li>";
      }
      return test::Response{200,
                            {{"Content-Type", "text/html; charset=utf-8"},
                             {"ETag", "\"s" + std::to_string(section_items) + "\""}},
                            page + "</ul></body></html>"};
    }
    if (r.target == "/feed.xml") {
      if (growing) feed_items += 2;
      std::string f = "<rss version=\"2.0\"><channel><title>f</title>";
      for (int i = std::max(0, feed_items - 12); i < feed_items; ++i) {
        const std::string n = std::to_string(i);
        listed_guids.insert("ft-" + n);
        f += "<item><title>القبض على عناصر داعش " + n + "</title><guid>ft-" + n +
             "</guid><link>/p/f-" + n + "</link><description>مقدمة " + n + "</description></item>";
      }
      return test::Response{200,
                            {{"Content-Type", "application/rss+xml"},
                             {"ETag", "\"f" + std::to_string(feed_items) + "\""}},
                            f + "</channel></rss>"};
    }
    if (r.target.rfind("/p/", 0) == 0) {
      if (page_requests[r.target]++ == 0) return test::Response{500, {}, "try later"};
      std::string words;
      std::mt19937 g(static_cast<unsigned>(std::hash<std::string>{}(r.target)));
      for (int w = 0; w < 60; ++w) words += std::string(" ") + kWords[g() % std::size(kWords)];
      return test::Response{200,
                            {{"Content-Type", "text/html; charset=utf-8"}},
                            "<html lang=\"ar\"><head><title>القبض على عناصر داعش " + r.target +
                                "</title></head><body><article><h1>القبض على عناصر داعش " +
                                r.target + "</h1><p>" + words + "</p><p>" + words +
                                " وأضاف المصدر.</p></article></body></html>"};
    }
    return test::Response{404, {}, "no"};
  });
  test::HttpServer hooks([&](const test::Request&) { return test::Response{200, {}, "ok"}; });
  test::TempDir dir;
  dir.write("rules.yaml",
            "rules:\n  - id: isis-arrests\n    query: 'داعش AND القبض'\n    notify: [analysts]\n");
  const std::string cfg = dir.write("rasd.yaml",
                                    "store: {path: rasd.db}\nrules: [rules.yaml]\nnetwork: "
                                    "{allow_private: true}\nhttp: {listen: \"\"}\n"
                                    "defaults: {interval: 1s, min_interval: 1s, timeout: 5s, "
                                    "per_host_gap: 0, per_host_concurrency: 4}\nsources:\n"
                                    "  - {id: sect, url: \"" +
                                        site.url("/section") +
                                        "\", type: html, links: \"ul.l a\"}\n"
                                        "  - {id: ft, url: \"" +
                                        site.url("/feed.xml") +
                                        "\", full_text: true}\n"
                                        "webhooks:\n  - {name: analysts, url: \"" +
                                        hooks.url("/hook") + "\"}\n");
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> moment_ms(0, 700);
  for (int kill = 0; kill < 30; ++kill) {
    test::Process rasd({RASD_BINARY, "run", "--config", cfg, "--tick-ms", "20"});
    REQUIRE(rasd.wait_for("rasd running", 20000));
    rasd.wait_for("\x01never\x01", moment_ms(rng));
    rasd.signal(SIGKILL);
    rasd.wait();
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    growing = false;
  }
  const std::string db = dir.file("rasd.db");
  // Time passes (the pages' retry delay): the test moves the stored schedule, then lets runs
  // to completion fetch every page still waiting.
  for (int round = 0; round < 4; ++round) {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
    sqlite3_exec(h, "UPDATE page_fetches SET next_attempt = 0", nullptr, nullptr, nullptr);
    sqlite3_close(h);
    auto r = test::run_process({RASD_BINARY, "run", "--once", "--config", cfg});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  std::lock_guard<std::mutex> lock(mu);
  INFO(listed_links.size() << " links, " << listed_guids.size() << " feed items listed");
  REQUIRE(listed_links.size() >= 20);
  CHECK(query(db, "SELECT count(*) FROM page_fetches") ==
        std::vector<std::vector<std::string>>{{"0"}});
  // Every link the section page ever showed is stored once, under its URL.
  std::set<std::string> stored_links;
  for (const auto& row : query(db, "SELECT guid FROM articles WHERE source_id = 'sect'")) {
    stored_links.insert(row[0].substr(row[0].find("/p/")));
  }
  CHECK(stored_links == listed_links);
  // Every feed item is stored once, under the feed's GUID (its page's text or its teaser).
  std::set<std::string> stored_guids;
  for (const auto& row : query(db, "SELECT guid FROM articles WHERE source_id = 'ft'"))
    stored_guids.insert(row[0]);
  CHECK(stored_guids == listed_guids);
  CHECK(query(db,
              "SELECT count(*) FROM (SELECT source_id, guid FROM articles GROUP BY 1, 2 HAVING "
              "count(*) > 1)") == std::vector<std::vector<std::string>>{{"0"}});
  // Alerted at most once: no article is a member of two alerts of the rule.
  CHECK(query(db,
              "SELECT count(*) FROM (SELECT article_id FROM alert_members GROUP BY 1 HAVING "
              "count(*) > 1)") == std::vector<std::vector<std::string>>{{"0"}});
  CHECK(query(db, "PRAGMA integrity_check") == std::vector<std::vector<std::string>>{{"ok"}});
  std::printf(
      "crash test (html, full_text): 30 kills, %zu links and %zu feed items listed, all stored "
      "once\n",
      listed_links.size(), listed_guids.size());
}
