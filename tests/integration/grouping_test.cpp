// Grouping and digests (issue 20) on a fake clock: alerts go through the daemon's pipeline
// (Monitor) into a real SQLite store, and the real Deliverer posts what is due to a webhook
// receiver on 127.0.0.1. A grouping webhook waits group_wait after a group's first alert and
// sends one alert.group body; later alerts of the group wait for group_interval; a digest
// webhook sends one alert.digest per period, at a local time of day across a DST change.
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "fault_support.hpp"
#include "http_server.hpp"
#include "rasd/daemon/config.hpp"
#include "rasd/daemon/curl_http_client.hpp"
#include "rasd/daemon/deliverer.hpp"
#include "rasd/daemon/monitor.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/engine/rules/loader.hpp"
#include "test_util.hpp"

using namespace rasd;
namespace json = boost::json;

namespace {

constexpr int64_t kStart = 1734600000;

const std::string kBody = "قالت مصادر محلية إن خلايا تنظيم داعش هاجمت نقطة عسكرية";

// What the receiver got: each POST's path, webhook-id and parsed body, in arrival order.
struct Received {
  std::string path, id;
  json::object body;
};

using Hooks = std::vector<std::pair<std::string, std::string>>;

struct GroupRig {
  test::TempDir dir;
  std::mutex mu;
  std::vector<Received> posts;
  int fail_next = 0;  // answer this many POSTs with 500
  test::HttpServer hooks{[this](const test::Request& r) {
    std::lock_guard<std::mutex> lock(mu);
    if (fail_next > 0) {
      --fail_next;
      return test::Response{500, {}, "down"};
    }
    posts.push_back({r.target, r.headers.at("webhook-id"), json::parse(r.body).as_object()});
    return test::Response{204, {}, ""};
  }};
  ConfigLoad cfg;
  text::Normalizer normalizer;
  rules::LoadResult rules;
  CurlHttpClient http;
  ManualClock clock{kStart};
  std::ostringstream log_text;
  std::shared_ptr<spdlog::logger> log = std::make_shared<spdlog::logger>(
      "t", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text));
  std::unique_ptr<Store> store;
  std::unique_ptr<Monitor> monitor;

  // `webhooks`: the entries of `webhooks:` after their name and url, by name; every rule
  // notifies all of them.
  explicit GroupRig(const Hooks& webhooks, int64_t start = kStart) : clock(start) {
    std::string names, list;
    for (const auto& [name, extra] : webhooks) {
      names += (names.empty() ? "" : ", ") + name;
      list += "  - {name: " + name + ", url: \"" + hooks.url("/" + name) + "\"" + extra + "}\n";
    }
    dir.write("rules.yaml", "rules:\n  - {id: isis, query: داعش, severity: high, notify: [" +
                                names + "]}\n  - {id: badia, query: البادية, notify: [" + names +
                                "]}\n");
    cfg = load_config_file(
        dir.write("rasd.yaml",
                  test::store_yaml(test::store_location(dir.path())) +
                      "\nrules: [rules.yaml]\nhttp: {listen: \"\"}\n"
                  "network: {allow_private: true}\nwebhooks:\n" +
                      list +
                      "sources:\n  - {id: a, url: \"http://127.0.0.1:9/a\"}\n"
                      "  - {id: b, url: \"http://127.0.0.1:9/b\"}\n"));
    INFO(cfg.diagnostics.format());
    REQUIRE(cfg.config);
    Diagnostics diag;
    rules = rules::load_rules(read_rule_files(*cfg.config, diag), normalizer);
    REQUIRE(rules.rules);
    store = std::make_unique<Store>(cfg.config->store_path);
    monitor =
        std::make_unique<Monitor>(*cfg.config, rules.rules, normalizer, *store, http, clock, log);
  }
  const SourceConfig& source(const std::string& id) const {
    for (const auto& s : cfg.config->sources) {
      if (s.id == id) return s;
    }
    FAIL("no source " << id);
    return cfg.config->sources.front();
  }
  void article(const std::string& source_id, const std::string& guid, const std::string& title,
               const std::string& body = kBody) {
    NewArticle a;
    a.source_id = source_id;
    a.guid = guid;
    a.url = "https://" + source_id + ".example/" + guid;
    a.title = title;
    a.body = body;
    a.lang = "ar";
    a.fetched_at = clock.now();
    PollStats st;
    auto tx = store->begin();
    monitor->process_article(source(source_id), std::move(a), st);
    tx->commit();
  }
  // A pump at the clock's time: the due groups form, the due deliveries go out. Returns the
  // POSTs that arrived.
  std::vector<Received> pump(bool flush = false) {
    const size_t before = posts.size();
    deliver_due_once(*cfg.config, *store, clock, log, 1000, flush);
    UNSCOPED_INFO("log: " << log_text.str());  // shown when a check fails
    std::lock_guard<std::mutex> lock(mu);
    return {posts.begin() + static_cast<long>(before), posts.end()};
  }
  size_t grouped_into(const std::string& group_id) {
    size_t n = 0;
    for (const auto& d : store->deliveries("grouped")) n += d.group_id == group_id;
    return n;
  }
};

std::vector<std::string> listed_titles(const json::object& group) {
  std::vector<std::string> out;
  for (const auto& a : group.at("alerts").as_array())
    out.emplace_back(a.at("article").at("title").as_string());
  return out;
}

}  // namespace

TEST_CASE("grouping: one alert.group per rule after group_wait, later alerts every group_interval",
          "[grouping][integration][backend]") {
  GroupRig rig(Hooks{{"analysts", ""}});  // the defaults: group_by [rule], 30 s, 5 min
  rig.article("a", "1", "هجوم لداعش");
  rig.clock.advance(10);
  rig.article("b", "2", "كمين لخلايا داعش في البادية");  // isis and badia
  CHECK(rig.pump().empty());                             // t+10: the isis group waits until t+30
  rig.clock.advance(19);
  CHECK(rig.pump().empty());  // t+29
  rig.clock.advance(1);
  auto got = rig.pump();  // t+30: isis; badia's group began at t+10
  REQUIRE(got.size() == 1);
  const json::object& isis = got[0].body;
  CHECK(isis.at("type").as_string() == "alert.group");
  CHECK(got[0].id == std::string(isis.at("id").as_string()));
  CHECK(isis.at("group").at("key").at("rule").as_string() == "isis");
  CHECK(isis.at("group").at("count").as_int64() == 2);
  CHECK(isis.at("group").at("omitted").as_int64() == 0);
  // Newest first, each the alert body it replaces.
  CHECK(listed_titles(isis) ==
        std::vector<std::string>{"كمين لخلايا داعش في البادية", "هجوم لداعش"});
  CHECK(isis.at("alerts").as_array()[1].at("type").as_string() == "alert.created");
  CHECK(rig.grouped_into(got[0].id) == 2);
  rig.clock.advance(10);
  got = rig.pump();  // t+40
  REQUIRE(got.size() == 1);
  CHECK(got[0].body.at("group").at("key").at("rule").as_string() == "badia");

  // A later isis alert waits for the group's interval (5 min after t+30), not only 30 s.
  rig.clock.advance(20);  // t+60
  rig.article("a", "3", "داعش يعلن مسؤوليته عن تفجير", "تبنى تنظيم داعش تفجيرا في سوق المدينة");
  rig.clock.advance(60);
  CHECK(rig.pump().empty());  // t+120
  rig.clock.set(kStart + 329);
  CHECK(rig.pump().empty());
  rig.clock.set(kStart + 330);
  got = rig.pump();
  REQUIRE(got.size() == 1);
  CHECK(listed_titles(got[0].body) == std::vector<std::string>{"داعش يعلن مسؤوليته عن تفجير"});
  // Every alert is still stored and listed.
  CHECK(rig.store->alerts(0, "isis").size() == 2);  // the second copy joined the first's story
  CHECK(rig.store->deliveries("pending").empty());
  CHECK(rig.pump().empty());  // nothing twice
}

TEST_CASE("grouping: group false sends each alert alone, group_by source splits the groups",
          "[grouping][integration][backend]") {
  GroupRig rig(Hooks{{"single", ", group: false"},
                     {"by_source", ", group_by: [source, severity], group_wait: 0s"}});
  rig.article("a", "1", "هجوم لداعش");
  rig.article("b", "2", "كمين لخلايا داعش في البادية", "نص مختلف تماما عن الخبر الأول هنا");
  auto got = rig.pump();
  std::map<std::string, std::vector<Received>> by_path;
  for (auto& r : got) by_path[r.path].push_back(r);
  // group: false: every alert alone, as it was raised (isis a, isis b, badia b).
  REQUIRE(by_path["/single"].size() == 3);
  for (const auto& r : by_path["/single"]) CHECK(r.body.at("type").as_string() != "alert.group");
  // By (source, severity): a/high, b/high, b/medium.
  std::set<std::string> keys;
  for (const auto& r : by_path["/by_source"]) {
    const auto& key = r.body.at("group").at("key").as_object();
    CHECK(!key.contains("rule"));
    keys.insert(std::string(key.at("source").as_string()) + "/" +
                std::string(key.at("severity").as_string()));
  }
  CHECK(keys == std::set<std::string>{"a/high", "b/high", "b/medium"});
}

TEST_CASE("grouping: a group that fails is sent again with the same webhook-id and body",
          "[grouping][integration][backend]") {
  GroupRig rig(Hooks{{"analysts", ", group_wait: 0s"}});
  rig.article("a", "1", "هجوم لداعش");
  rig.fail_next = 1;
  CHECK(rig.pump().empty());  // formed, sent, 500
  const auto deliveries = rig.store->deliveries("pending");
  REQUIRE(deliveries.size() == 1);
  const Delivery group = deliveries[0];
  CHECK(group.id.rfind("grp_", 0) == 0);
  CHECK(group.attempts == 1);
  rig.clock.advance(10);  // past the first retry's 5 s (with jitter)
  const auto got = rig.pump();
  REQUIRE(got.size() == 1);
  CHECK(got[0].id == group.id);
  CHECK(json::serialize(got[0].body) == json::serialize(json::parse(group.payload)));
}

TEST_CASE(
    "grouping: a flush (run --once) forms every group at once, and a reload to group false "
    "sends the waiting alerts alone",
    "[grouping][integration][backend]") {
  GroupRig rig(Hooks{{"analysts", ""}});
  rig.article("a", "1", "هجوم لداعش");
  rig.article("a", "2", "كمين في البادية", "نص آخر عن البادية لا علاقة له بالخبر الأول");
  auto got = rig.pump(true);
  CHECK(got.size() == 2);  // isis and badia, without waiting 30 s
  rig.article("a", "3", "اشتباكات مع داعش", "خبر ثالث عن اشتباكات في ريف المدينة الشرقي");
  rig.cfg.config->webhooks[0].group = false;  // as a reload would leave it
  got = rig.pump();
  REQUIRE(got.size() == 1);
  CHECK(got[0].body.at("type").as_string() == "alert.created");
}

TEST_CASE(
    "digests: one alert.digest per day at 07:00 Europe/Berlin, across the change to summer "
    "time, by rule and story, newest first",
    "[grouping][digest][integration][backend]") {
  // Saturday 2026-03-28 08:00 CET (07:00Z). Summer time starts on Sunday 29 March at 02:00, so
  // Sunday's 07:00 CEST is 05:00Z: 22 h later, not 24.
  constexpr int64_t kSaturday = 1774681200;
  GroupRig rig(Hooks{{"morning", ", digest: {at: \"07:00\", tz: Europe/Berlin}"}}, kSaturday);
  rig.article("a", "1", "هجوم لداعش");
  rig.clock.advance(60);
  rig.article("b", "2", "هجوم لداعش");  // the same story from another outlet
  rig.clock.advance(60);
  rig.article("a", "3", "كمين في البادية", "نص آخر عن البادية لا علاقة له بالخبر الأول");
  CHECK(rig.pump(true).empty());  // a flush does not cut a digest's period short
  rig.clock.set(kSaturday + 22 * 3600 - 1);
  CHECK(rig.pump().empty());
  // rasd was busy at 07:00: the digest goes out a little late, for the period that ended at
  // 07:00; an alert raised after 07:00 waits for the next one.
  rig.clock.set(kSaturday + 22 * 3600 + 5);
  rig.article("b", "late", "خبر عن داعش بعد السابعة", "نص خبر متأخر عن هجوم في ريف حلب الشمالي");
  rig.clock.advance(5);
  auto got = rig.pump();
  REQUIRE(got.size() == 1);
  const json::object& d = got[0].body;
  CHECK(d.at("type").as_string() == "alert.digest");
  CHECK(d.at("digest").at("count").as_int64() == 3);
  CHECK(d.at("digest").at("to").as_string() == "2026-03-29T05:00:00Z");
  const auto& rules = d.at("rules").as_array();
  REQUIRE(rules.size() == 2);
  CHECK(rules[0].at("rule").at("id").as_string() == "badia");  // its alert is the newest
  CHECK(rules[1].at("rule").at("id").as_string() == "isis");
  const auto& stories = rules[1].at("stories").as_array();
  REQUIRE(stories.size() == 1);  // both copies, one story
  const auto& alerts = stories[0].at("alerts").as_array();
  REQUIRE(alerts.size() == 2);
  CHECK(alerts[0].at("type").as_string() == "alert.updated");  // newest first
  CHECK(alerts[1].at("type").as_string() == "alert.created");
  // The next day's alerts wait for Monday 07:00 CEST (05:00Z), 24 h later.
  rig.article("b", "4", "اشتباكات مع داعش", "خبر رابع عن اشتباكات في ريف المدينة الشرقي");
  rig.clock.set(kSaturday + 46 * 3600 - 1);
  CHECK(rig.pump().empty());
  rig.clock.set(kSaturday + 46 * 3600);
  got = rig.pump();
  REQUIRE(got.size() == 1);
  CHECK(got[0].body.at("digest").at("count").as_int64() == 2);  // the late one and the fourth
  CHECK(got[0].body.at("digest").at("from").as_string() == "2026-03-29T05:00:00Z");
}
