// Threshold rules (issue 19, DESIGN.md section 4) on a fake clock, through the daemon's
// pipeline (Monitor) into a real SQLite store: the alert fires at exactly the count-th
// article, not with too few sources; the window slides; old news never counts; a restart in
// the middle keeps the count; per story counts stories, per article copies; updates are at
// most one per 5 minutes, the rest summarized; an episode closes as its events age out and a
// later surge opens a new one.
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "fault_support.hpp"
#include "http_server.hpp"
#include "rasd/daemon/config.hpp"
#include "rasd/daemon/curl_http_client.hpp"
#include "rasd/daemon/monitor.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/engine/rules/loader.hpp"
#include "test_util.hpp"

using namespace rasd;
namespace json = boost::json;

namespace {

constexpr int64_t kStart = 1734600000;

struct ThresholdRig {
  test::TempDir dir;
  ConfigLoad cfg;
  text::Normalizer normalizer;
  rules::LoadResult rules;
  CurlHttpClient http;
  ManualClock clock{kStart};
  std::unique_ptr<Store> store;
  std::unique_ptr<Monitor> monitor;

  explicit ThresholdRig(const std::string& threshold) {
    dir.write("rules.yaml",
              "rules:\n  - id: surge\n    title: ISIS surge\n    query: داعش\n"
              "    notify: [analysts]\n    threshold: " +
                  threshold + "\n");
    cfg = load_config_file(
        dir.write("rasd.yaml",
                  test::store_yaml(test::store_location(dir.path())) +
                      "\nrules: [rules.yaml]\n"
                  "webhooks:\n  - {name: analysts, url: \"http://127.0.0.1:9/h\"}\n"
                  "sources:\n  - {id: a, url: \"http://127.0.0.1:9/a\"}\n"
                  "  - {id: b, url: \"http://127.0.0.1:9/b\"}\n"
                  "  - {id: c, url: \"http://127.0.0.1:9/c\"}\n"));
    INFO(cfg.diagnostics.format());
    REQUIRE(cfg.config);
    Diagnostics diag;
    rules::LoadOptions opts;
    opts.known_webhooks = cfg.config->webhook_names();
    rules = rules::load_rules(read_rule_files(*cfg.config, diag), normalizer, opts);
    INFO(rules.diagnostics.format());
    REQUIRE(rules.rules);
    restart();
  }
  // A new store connection and Monitor on the same file: what a restart (or SIGKILL) leaves.
  void restart() {
    monitor.reset();
    store = std::make_unique<Store>(cfg.config->store_path);
    monitor = std::make_unique<Monitor>(
        *cfg.config, rules.rules, normalizer, *store, http, clock,
        std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>()));
  }
  const SourceConfig& source(const std::string& id) const {
    for (const auto& s : cfg.config->sources) {
      if (s.id == id) return s;
    }
    FAIL("no source " << id);
    return cfg.config->sources.front();
  }
  // One matching article from `source`; `story` picks its text, so equal stories cluster.
  PollStats article(const std::string& source, const std::string& guid, const std::string& story,
                    std::optional<int64_t> published = std::nullopt) {
    NewArticle a;
    a.source_id = source;
    a.guid = guid;
    a.url = "https://" + source + ".example/" + guid;
    a.title = "هجوم لداعش " + story;
    a.body = "أعلن مصدر أمني أن عناصر من داعش" + test::distinct_words(story, 60);
    a.lang = "ar";
    a.published = published;
    a.fetched_at = clock.now();
    PollStats st;
    auto tx = store->begin();
    monitor->process_article(source_of(source), std::move(a), st);
    tx->commit();
    return st;
  }
  const SourceConfig& source_of(const std::string& id) const { return source(id); }
  int64_t alerts() const {
    return std::stoll(test::scalar(cfg.config->store_path,
                                   "SELECT count(*) FROM alerts WHERE rule_id = 'surge'"));
  }
  // The bodies queued for the webhook, oldest first.
  std::vector<json::object> bodies() const {
    std::vector<json::object> out;
    const std::string db = cfg.config->store_path;
    const int64_t n = std::stoll(test::scalar(db, "SELECT count(*) FROM deliveries"));
    for (int64_t i = 0; i < n; ++i) {
      const std::string body =
          test::scalar(db,
                       "SELECT coalesce(d.payload, a.payload) FROM deliveries d JOIN alerts a ON "
                       "a.id = d.alert_id ORDER BY d.rowid LIMIT 1 OFFSET " +
                           std::to_string(i));
      out.push_back(json::parse(body).as_object());
    }
    return out;
  }
};

}  // namespace

TEST_CASE("threshold: fires at exactly the count-th article and lists the articles that made it",
          "[integration][threshold][backend]") {
  ThresholdRig rig("{count: 3, window: 1h, distinct_sources: 2}");
  CHECK(rig.article("a", "1", "one").alerts == 0);
  rig.clock.advance(60);
  CHECK(rig.article("b", "2", "two").alerts == 0);
  CHECK(rig.alerts() == 0);
  rig.clock.advance(60);
  CHECK(rig.article("a", "3", "three").alerts == 1);
  REQUIRE(rig.alerts() == 1);
  const auto bodies = rig.bodies();
  REQUIRE(bodies.size() == 1);
  const json::object& b = bodies[0];
  CHECK(b.at("type").as_string() == "alert.created");
  CHECK(b.at("threshold").at("count").as_int64() == 3);
  CHECK(b.at("threshold").at("window").as_string() == "1h");
  CHECK(b.at("threshold").at("distinct_sources").as_int64() == 2);
  CHECK(b.at("threshold").at("per").as_string() == "article");
  CHECK(b.at("counted").at("articles").as_int64() == 3);
  CHECK(b.at("counted").at("sources").as_int64() == 2);
  const auto& listed = b.at("articles").as_array();
  REQUIRE(listed.size() == 3);
  CHECK(listed[0].at("source").as_string() == "a");
  CHECK(listed[1].at("source").as_string() == "b");
  CHECK(listed[2].at("url").as_string() == "https://a.example/3");
  CHECK(listed[0].at("title").as_string() == "هجوم لداعش one");
  // Every counted article is a member of the alert.
  CHECK(test::scalar(rig.cfg.config->store_path, "SELECT count(*) FROM alert_members") == "3");
}

TEST_CASE("threshold: not with too few sources", "[integration][threshold][backend]") {
  ThresholdRig rig("{count: 3, window: 1h, distinct_sources: 2}");
  for (int i = 0; i < 5; ++i) {
    rig.clock.advance(30);
    CHECK(rig.article("a", std::to_string(i), "story " + std::to_string(i)).alerts == 0);
  }
  CHECK(rig.alerts() == 0);
  rig.clock.advance(30);
  CHECK(rig.article("c", "c1", "another").alerts == 1);  // a second source: it holds now
}

TEST_CASE("threshold: the window slides, and old news never counts", "[integration][threshold][backend]") {
  ThresholdRig rig("{count: 3, window: 1h, distinct_sources: 1}");
  rig.article("a", "1", "one");
  rig.clock.advance(1800);
  rig.article("b", "2", "two");
  rig.clock.advance(1801);  // the first is out of the window now
  CHECK(rig.article("c", "3", "three").alerts == 0);
  // A catch-up after an outage: items published two hours ago do not count.
  const int64_t old = rig.clock.now() - 7200;
  CHECK(rig.article("a", "4", "four", old).alerts == 0);
  CHECK(rig.article("b", "5", "five", old + 60).alerts == 0);
  CHECK(rig.alerts() == 0);
  CHECK(test::scalar(rig.cfg.config->store_path, "SELECT count(*) FROM threshold_events") == "3");
  // Published "in the future" (local time labelled GMT) counts, at most 10 minutes ahead.
  CHECK(rig.article("c", "6", "six", rig.clock.now() + 3 * 3600).alerts == 1);
  CHECK(test::scalar(rig.cfg.config->store_path, "SELECT max(event_time) - " +
                                                     std::to_string(rig.clock.now()) +
                                                     " FROM threshold_events") == "600");
}

TEST_CASE("threshold: a restart in the middle keeps the count and the open episode",
          "[integration][threshold][backend]") {
  ThresholdRig rig("{count: 3, window: 1h, distinct_sources: 2}");
  rig.article("a", "1", "one");
  rig.article("b", "2", "two");
  rig.restart();
  CHECK(rig.article("c", "3", "three").alerts == 1);
  rig.restart();
  rig.clock.advance(10);
  // Still the same episode: the new match joins it (silently: within 5 minutes).
  CHECK(rig.article("a", "4", "four").alerts == 0);
  CHECK(rig.alerts() == 1);
  CHECK(test::scalar(rig.cfg.config->store_path, "SELECT count(*) FROM alert_members") == "4");
}

TEST_CASE("threshold: per story counts story clusters, per article counts copies",
          "[integration][threshold][backend]") {
  for (const std::string per : {"article", "story"}) {
    ThresholdRig rig("{count: 3, window: 1h, distinct_sources: 3, per: " + per + "}");
    // One story copied by three outlets.
    rig.article("a", "1", "the same story");
    rig.article("b", "2", "the same story");
    rig.article("c", "3", "the same story");
    INFO("per " << per);
    CHECK(test::scalar(rig.cfg.config->store_path,
                       "SELECT count(DISTINCT cluster) FROM threshold_events") == "1");
    CHECK(rig.alerts() == (per == "article" ? 1 : 0));
    if (per == "story") {
      // Two more stories from other outlets: three stories from three sources.
      rig.article("a", "4", "a second story");
      CHECK(rig.alerts() == 0);
      rig.article("b", "5", "a third story");
      CHECK(rig.alerts() == 1);
      CHECK(rig.bodies().back().at("counted").at("stories").as_int64() == 3);
    }
  }
}

TEST_CASE(
    "threshold: one update per 5 minutes, the rest summarized, the episode closes as "
    "events age out and a later surge opens a new alert",
    "[integration][threshold][backend]") {
  ThresholdRig rig("{count: 2, window: 1h, distinct_sources: 1}");
  rig.article("a", "1", "one");
  CHECK(rig.article("b", "2", "two").alerts == 1);
  rig.clock.advance(60);
  CHECK(rig.article("c", "3", "three").alerts == 0);  // joins silently
  rig.clock.advance(60);
  CHECK(rig.article("a", "4", "four").alerts == 0);
  CHECK(rig.bodies().size() == 1);
  // No match comes; the timer sends the summary once 5 minutes have passed.
  rig.clock.advance(120);
  CHECK(rig.monitor->check_thresholds().alerts == 0);  // 4 minutes since the alert
  rig.clock.advance(61);
  CHECK(rig.monitor->check_thresholds().alerts == 1);
  auto bodies = rig.bodies();
  REQUIRE(bodies.size() == 2);
  CHECK(bodies[1].at("type").as_string() == "alert.updated");
  CHECK(bodies[1].at("attached_since_last_update").as_int64() == 2);
  CHECK(bodies[1].at("articles").as_array().size() == 4);
  // A match 5 minutes after that update is sent at once.
  rig.clock.advance(300);
  CHECK(rig.article("b", "5", "five").alerts == 1);
  // The window empties: the episode closes on the timer, not at the next match.
  rig.clock.advance(3601);
  CHECK(rig.monitor->check_thresholds().alerts == 0);
  CHECK(test::scalar(rig.cfg.config->store_path, "SELECT count(*) FROM threshold_episodes") == "0");
  CHECK(test::scalar(rig.cfg.config->store_path, "SELECT count(*) FROM threshold_events") == "0");
  // A later surge: a new episode, a new alert.
  rig.article("c", "6", "six");
  CHECK(rig.article("a", "7", "seven").alerts == 1);
  CHECK(rig.alerts() == 2);
}

TEST_CASE(
    "threshold: rasd run --once raises one alert for a surge across two sources and "
    "delivers its body",
    "[integration][threshold][daemon][backend]") {
  auto feed = [](const std::string& prefix, int n) {
    std::string out = "<rss version=\"2.0\"><channel><title>" + prefix + "</title>";
    for (int i = 0; i < n; ++i) {
      const std::string id = prefix + std::to_string(i);
      out += "<item><title>هجوم لداعش " + id + "</title><guid>" + id +
             "</guid><description>عناصر من داعش" + test::distinct_words(id, 40) +
             "</description></item>";
    }
    return out + "</channel></rss>";
  };
  test::HttpServer site([&](const test::Request& r) {
    return test::Response{200,
                          {{"Content-Type", "application/rss+xml"}},
                          feed(r.target == "/a.xml" ? "a" : "b", r.target == "/a.xml" ? 3 : 1)};
  });
  test::HttpServer hook([](const test::Request&) { return test::Response{204, {}, ""}; });
  test::TempDir dir;
  dir.write("rules.yaml",
            "rules:\n  - id: surge\n    query: داعش\n    notify: [analysts]\n"
            "    threshold: {count: 4, window: 1h, distinct_sources: 2}\n");
  const std::string store = test::store_location(dir.path());
  const std::string cfg =
      dir.write("rasd.yaml",
                test::store_yaml(store) + "\nrules: [rules.yaml]\nnetwork: {allow_private: true}\n"
                "defaults: {per_host_gap: 0}\nwebhooks:\n  - {name: analysts, url: \"" +
                    hook.url("/h") + "\"}\nsources:\n  - {id: a, url: \"" + site.url("/a.xml") +
                    "\"}\n  - {id: b, url: \"" + site.url("/b.xml") + "\"}\n");
  auto r = test::run_process({RASD_BINARY, "run", "--once", "--config", cfg});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(test::scalar(store, "SELECT count(*) FROM alerts") == "1");
  const auto received = hook.requests();
  REQUIRE(received.size() == 1);
  const auto body = json::parse(received[0].body).as_object();
  CHECK(body.at("type").as_string() == "alert.created");
  CHECK(body.at("threshold").at("count").as_int64() == 4);
  CHECK(body.at("articles").as_array().size() == 4);
  CHECK(body.at("counted").at("sources").as_int64() == 2);
  // The next cycle brings nothing new: no second alert.
  auto again = test::run_process({RASD_BINARY, "run", "--once", "--config", cfg});
  CHECK(again.exit_code == 0);
  CHECK(test::scalar(store, "SELECT count(*) FROM alerts") == "1");
  CHECK(hook.requests().size() == 1);
}

TEST_CASE(
    "threshold: without the timer (a restart, --once) an ended episode ends at the next "
    "match, and a rule that always holds starts a new alert each day",
    "[integration][threshold][backend]") {
  ThresholdRig rig("{count: 2, window: 1h, distinct_sources: 1}");
  rig.article("a", "1", "one");
  CHECK(rig.article("b", "2", "two").alerts == 1);
  rig.clock.advance(7200);  // no check_thresholds() meanwhile
  CHECK(rig.article("c", "3", "three").alerts == 0);
  CHECK(test::scalar(rig.cfg.config->store_path, "SELECT count(*) FROM threshold_episodes") == "0");
  CHECK(rig.article("a", "4", "four").alerts == 1);  // a new surge: a new alert
  CHECK(rig.alerts() == 2);

  ThresholdRig busy("{count: 1, window: 2h, distinct_sources: 1}");
  int created = 0;
  for (int hour = 0; hour < 26; ++hour) {
    busy.article("a", "h" + std::to_string(hour), "hour " + std::to_string(hour));
    busy.clock.advance(3600);
  }
  for (const auto& b : busy.bodies()) created += b.at("type").as_string() == "alert.created";
  CHECK(created == 2);  // the first day's episode ended after 24 h
}

TEST_CASE("threshold: retention keeps the alert of an open episode and prunes it once it ended",
          "[integration][threshold][retention][backend]") {
  ThresholdRig rig("{count: 2, window: 1h, distinct_sources: 1}");
  rig.article("a", "1", "one");
  CHECK(rig.article("b", "2", "two").alerts == 1);
  // Everything is "older than retention", but the episode is open: nothing breaks, it stays.
  REQUIRE_NOTHROW(rig.store->prune(rig.clock.now() + 1));
  CHECK(rig.alerts() == 1);
  rig.clock.advance(3601);
  rig.monitor->check_thresholds();
  // A pending delivery keeps an alert too: this one's receiver gave up on it.
  test::scalar(rig.cfg.config->store_path, "UPDATE deliveries SET state = 'dead'");
  rig.store->prune(rig.clock.now() + 1);
  CHECK(rig.alerts() == 0);
  CHECK(test::scalar(rig.cfg.config->store_path, "SELECT count(*) FROM threshold_events") == "0");
}
