// Walking skeleton end to end: a real HTTP server on 127.0.0.1 serves a feed, a real webhook
// receiver records deliveries, the daemon code polls, matches, stores and delivers.
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "http_server.hpp"
#include "rasd/daemon/config.hpp"
#include "rasd/daemon/curl_http_client.hpp"
#include "rasd/daemon/deliverer.hpp"
#include "rasd/daemon/monitor.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/daemon/webhook.hpp"
#include "rasd/engine/rules/loader.hpp"
#include "test_util.hpp"

using namespace rasd;

namespace {

const char* kRules = R"(
lists:
  isis: [داعش, "تنظيم الدولة", ISIS]
rules:
  - id: isis-arrests
    title: Arrests of ISIS members
    query: '@isis AND (القبض OR اعتقال)'
    severity: high
    tags: [isis]
    notify: [analysts]
)";

std::string config_yaml(const test::HttpServer& site, const test::HttpServer& hooks) {
  return "store: {path: rasd.db}\n"
         "rules: [rules.yaml]\n"
         "network: {allow_private: true}\n"
         "defaults: {timeout: 5s}\n"
         "sources:\n"
         "  - {id: demo-ar, url: \"" +
         site.url("/feed.xml") +
         "\", type: feed, tags: [ar]}\n"
         "webhooks:\n"
         "  - {name: analysts, url: \"" +
         hooks.url("/hook") +
         "\", secret: \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\", group: false}\n";  // one POST
                                                                                     // per alert
}

std::shared_ptr<spdlog::logger> null_logger() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

int64_t count_rows(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const int64_t n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

// Config, rules, store and the daemon's pipeline objects over a temporary directory.
struct Rig {
  test::TempDir dir;
  ConfigLoad cfg;
  text::Normalizer normalizer;
  rules::LoadResult rules;
  CurlGlobal curl;
  CurlHttpClient http;
  ManualClock clock{1734600000};
  std::unique_ptr<Store> store;
  std::unique_ptr<Monitor> monitor;
  struct OnceDeliverer {
    Rig& rig;
    DeliveryStats deliver_due(int limit = 100) {
      return deliver_due_once(*rig.cfg.config, *rig.store, rig.clock, null_logger(), limit);
    }
  };
  std::unique_ptr<OnceDeliverer> deliverer;

  explicit Rig(const std::string& yaml) {
    dir.write("rules.yaml", kRules);
    cfg = load_config_file(dir.write("rasd.yaml", yaml));
    INFO(cfg.diagnostics.format());
    REQUIRE(cfg.config);
    Diagnostics diag;
    rules::LoadOptions opts;
    opts.known_webhooks = cfg.config->webhook_names();
    rules = rules::load_rules(read_rule_files(*cfg.config, diag), normalizer, opts);
    INFO(rules.diagnostics.format());
    REQUIRE(rules.rules);
    store = std::make_unique<Store>(cfg.config->store_path);
    monitor = std::make_unique<Monitor>(*cfg.config, rules.rules, normalizer, *store, http, clock,
                                        null_logger());
    deliverer = std::make_unique<OnceDeliverer>(OnceDeliverer{*this});
  }
  const std::string& db() const { return cfg.config->store_path; }
};

}  // namespace

TEST_CASE("skeleton: one alert per matching new item, none again on the next poll",
          "[integration][skeleton]") {
  const std::string feed = test::read_file(RASD_FIXTURES_DIR "/feeds/skeleton_ar.rss");
  test::HttpServer site([&](const test::Request&) {
    return test::Response{200, {{"Content-Type", "application/rss+xml; charset=utf-8"}}, feed};
  });
  test::HttpServer hooks([](const test::Request&) { return test::Response{204, {}, ""}; });
  Rig rig(config_yaml(site, hooks));
  auto& monitor = *rig.monitor;
  auto& deliverer = *rig.deliverer;
  auto& clock = rig.clock;
  PollStats first = monitor.poll_all();
  CHECK(first.fetched == 1);
  CHECK(first.new_articles == 2);
  CHECK(first.alerts == 1);  // the book-fair item matches nothing

  DeliveryStats ds = deliverer.deliver_due();
  CHECK(ds.delivered == 1);
  auto received = hooks.requests();
  REQUIRE(received.size() == 1);
  const auto& req = received[0];
  CHECK(req.method == "POST");
  CHECK(req.headers.count("webhook-id") == 1);
  CHECK(req.headers.at("webhook-timestamp") == std::to_string(clock.now()));
  const auto key = decode_webhook_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  REQUIRE(key);
  CHECK(req.headers.at("webhook-signature") ==
        webhook_signature(*key, req.headers.at("webhook-id"), clock.now(), req.body));
  auto body = boost::json::parse(req.body).as_object();
  CHECK(body.at("type").as_string() == "alert.created");
  CHECK(body.at("rule").at("id").as_string() == "isis-arrests");
  CHECK(body.at("article").at("url").as_string() == "https://news.example/2024/12/cell-arrested");
  CHECK(body.at("article").at("published").as_string() == "2024-12-19T06:30:00Z");
  // The obfuscated headline spelling is reported as found, in the collapsed view.
  bool collapsed_title_hit = false;
  for (const auto& h : body.at("article").at("hits").as_array()) {
    if (h.at("field").as_string() == "title" && h.at("text").as_string() == "د|عـ.ـش") {
      collapsed_title_hit = h.at("view").as_string() == "collapsed";
    }
  }
  CHECK(collapsed_title_hit);
  // The store keeps the same hits beside the alert, and the article's identity hashes.
  const auto stored = rig.store->alert_hits(std::string(body.at("id").as_string()));
  bool stored_title_hit = false;
  for (const auto& h : stored)
    stored_title_hit |= h.field == "title" && h.text == "د|عـ.ـش" && h.view == "collapsed";
  CHECK(stored_title_hit);
  CHECK(stored.size() == body.at("article").at("hits").as_array().size());
  CHECK(count_rows(
            rig.db(),
            "SELECT count(*) FROM articles WHERE content_hash <> '' AND canonical_url <> ''") == 2);

  clock.advance(3600);
  PollStats second = monitor.poll_all();
  CHECK(second.fetched == 1);
  CHECK(second.new_articles == 0);
  CHECK(second.alerts == 0);
  CHECK(deliverer.deliver_due().delivered == 0);
  CHECK(hooks.requests().size() == 1);

  CHECK(count_rows(rig.db(), "SELECT count(*) FROM alerts WHERE rule_id = 'isis-arrests'") == 1);
  CHECK(count_rows(rig.db(), "SELECT count(*) FROM articles") == 2);
  CHECK(count_rows(rig.db(), "SELECT count(*) FROM deliveries WHERE state = 'delivered'") == 1);
}

TEST_CASE("skeleton: a conditional GET answered 304 costs no parsing and keeps state",
          "[integration][skeleton]") {
  const std::string feed = test::read_file(RASD_FIXTURES_DIR "/feeds/skeleton_ar.rss");
  test::HttpServer site([&](const test::Request& r) {
    auto it = r.headers.find("if-none-match");
    if (it != r.headers.end() && it->second == "\"v1\"")
      return test::Response{304, {{"ETag", "\"v1\""}}, ""};
    return test::Response{200, {{"Content-Type", "application/rss+xml"}, {"ETag", "\"v1\""}}, feed};
  });
  test::HttpServer hooks([](const test::Request&) { return test::Response{200, {}, "ok"}; });
  Rig rig(config_yaml(site, hooks));
  auto& monitor = *rig.monitor;
  auto& clock = rig.clock;
  CHECK(monitor.poll_all().fetched == 1);
  clock.advance(3600);
  PollStats again = monitor.poll_all();
  CHECK(again.not_modified == 1);
  CHECK(again.fetched == 0);
  auto st = rig.store->source("demo-ar");
  REQUIRE(st);
  CHECK(st->etag == "\"v1\"");
  CHECK(st->failures == 0);
  CHECK(st->last_success == clock.now());
}

TEST_CASE("skeleton: a broken source is recorded and the others keep being served",
          "[integration][skeleton]") {
  const std::string feed = test::read_file(RASD_FIXTURES_DIR "/feeds/skeleton_ar.rss");
  test::HttpServer site([&](const test::Request& r) {
    if (r.target == "/broken.xml")
      return test::Response{
          200, {{"Content-Type", "text/html"}}, "<!DOCTYPE html><html><body>Oops</body></html>"};
    if (r.target == "/missing.xml") return test::Response{500, {}, "boom"};
    return test::Response{200, {{"Content-Type", "application/rss+xml"}}, feed};
  });
  test::HttpServer hooks([](const test::Request&) { return test::Response{200, {}, "ok"}; });
  std::string yaml = config_yaml(site, hooks);
  yaml.insert(yaml.find("webhooks:"), "  - {id: broken, url: \"" + site.url("/broken.xml") +
                                          "\"}\n"
                                          "  - {id: failing, url: \"" +
                                          site.url("/missing.xml") + "\"}\n");
  Rig rig(yaml);
  auto& monitor = *rig.monitor;
  auto& clock = rig.clock;
  PollStats s = monitor.poll_all();
  CHECK(s.fetched == 1);
  CHECK(s.failed == 2);
  CHECK(s.alerts == 1);
  auto broken = rig.store->source("broken");
  REQUIRE(broken);
  CHECK(broken->failures == 1);
  CHECK(broken->last_error.find("HTML page was served") != std::string::npos);
  CHECK(broken->next_due > clock.now());
  auto failing = rig.store->source("failing");
  REQUIRE(failing);
  CHECK(failing->last_error == "HTTP 500");
}

TEST_CASE("skeleton: sources on private addresses are refused unless allowed",
          "[integration][safety]") {
  test::HttpServer site([](const test::Request&) { return test::Response{200, {}, "<rss/>"}; });
  CurlGlobal curl;
  CurlHttpClient http;
  HttpRequest req;
  req.url = site.url("/feed.xml");
  auto refused = http.perform(req);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("address not allowed: 127.0.0.1") != std::string::npos);
  CHECK(site.request_count() == 0);
  req.allow_private = true;
  auto allowed = http.perform(req);
  REQUIRE(allowed);
  CHECK(allowed->status == 200);
}

TEST_CASE("skeleton: rasd run --once drives the real binary end to end",
          "[integration][skeleton][cli]") {
  const std::string feed = test::read_file(RASD_FIXTURES_DIR "/feeds/skeleton_ar.rss");
  test::HttpServer site([&](const test::Request&) {
    return test::Response{200, {{"Content-Type", "application/rss+xml"}}, feed};
  });
  test::HttpServer hooks([](const test::Request&) { return test::Response{200, {}, "ok"}; });
  test::TempDir dir;
  dir.write("rules.yaml", kRules);
  const std::string cfg = dir.write("rasd.yaml", config_yaml(site, hooks));
  auto r = test::run_process({RASD_BINARY, "run", "--once", "--config", cfg});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(hooks.request_count("/hook") == 1);
  auto alerts = test::run_process({RASD_BINARY, "alerts", "--json", "--config", cfg});
  CHECK(alerts.exit_code == 0);
  CHECK(alerts.out.find("\"rule\":{\"id\":\"isis-arrests\"") != std::string::npos);
  // Arabic is written as UTF-8, never \u-escaped.
  CHECK(alerts.out.find("د|عـ.ـش") != std::string::npos);
  // Full-text search through the engine's normalization: the plain spelling finds the
  // obfuscated headline; a malformed query is a usage error.
  auto found = test::run_process({RASD_BINARY, "articles", "search", "داعش", "--config", cfg});
  INFO(found.err);
  CHECK(found.exit_code == 0);
  CHECK(found.out.find("https://news.example/2024/12/cell-arrested") != std::string::npos);
  CHECK(std::count(found.out.begin(), found.out.end(), '\n') == 1);
  CHECK(
      test::run_process({RASD_BINARY, "articles", "search", "-داعش", "--config", cfg}).exit_code ==
      2);
  // Second run: nothing new.
  auto again = test::run_process({RASD_BINARY, "run", "--once", "--config", cfg});
  CHECK(again.exit_code == 0);
  CHECK(hooks.request_count("/hook") == 1);
}

namespace {
// One story as three outlets publish it: another URL and headline, a light edit, an
// obfuscated copy.
std::string story_feed(const std::string& outlet, const std::string& title,
                       const std::string& body) {
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>" +
         outlet + "</title><link>https://" + outlet +
         ".example/</link><language>ar</language><item><title>" + title + "</title><link>https://" +
         outlet + ".example/2024/12/19/story</link><guid>" + outlet +
         "-1</guid><pubDate>Thu, 19 Dec 2024 06:30:00 GMT</pubDate><description>" + body +
         "</description></item></channel></rss>";
}
const std::string kStoryBody =
    "أعلنت قوات الأمن الداخلي القبض على خلية تابعة لتنظيم داعش في ريف دير الزور الشرقي بعد عملية "
    "أمنية "
    "استمرت ثلاثة أيام، وقالت مصادر محلية إن الخلية كانت تخطط لهجمات على نقاط عسكرية في البادية "
    "وإن العملية "
    "أسفرت عن مصادرة أسلحة وذخائر ووثائق تكشف عن شبكة تمويل تمتد إلى مناطق أخرى في شرق سوريا.";
}  // namespace

TEST_CASE(
    "one story from three sources: one alert, three sources on it, alert.updated for the later two",
    "[integration][dedup]") {
  std::string edited = kStoryBody;
  edited.replace(edited.find("ثلاثة أيام"), std::string("ثلاثة أيام").size(), "يومين");
  std::string obfuscated = kStoryBody;
  obfuscated.replace(obfuscated.find("داعش"), std::string("داعش").size(), "د|عـ.ـش");
  const std::map<std::string, std::string> feeds = {
      {"/one.xml", story_feed("one", "القبض على خلية لداعش في دير الزور", kStoryBody)},
      {"/two.xml", story_feed("two", "عاجل: تفكيك خلية في ريف ديرالزور", edited)},
      {"/three.xml", story_feed("three", "القبـ.ـض على خلية لـ د|عـ.ـش", obfuscated)},
  };
  test::HttpServer site([&](const test::Request& r) {
    auto it = feeds.find(r.target);
    if (it == feeds.end()) return test::Response{404, {}, ""};
    return test::Response{
        200, {{"Content-Type", "application/rss+xml; charset=utf-8"}}, it->second};
  });
  test::HttpServer hooks([](const test::Request&) { return test::Response{204, {}, ""}; });
  std::string yaml = config_yaml(site, hooks);
  const std::string one =
      "  - {id: demo-ar, url: \"" + site.url("/feed.xml") + "\", type: feed, tags: [ar]}\n";
  yaml.replace(yaml.find(one), one.size(),
               "  - {id: one, url: \"" + site.url("/one.xml") +
                   "\", type: feed}\n"
                   "  - {id: two, url: \"" +
                   site.url("/two.xml") +
                   "\", type: feed}\n"
                   "  - {id: three, url: \"" +
                   site.url("/three.xml") + "\", type: feed}\n");
  Rig rig(yaml);
  const PollStats stats = rig.monitor->poll_all();
  CHECK(stats.new_articles == 3);
  CHECK(count_rows(rig.db(), "SELECT count(*) FROM alerts") == 1);
  CHECK(count_rows(rig.db(), "SELECT count(DISTINCT cluster) FROM articles") == 1);
  CHECK(count_rows(rig.db(), "SELECT count(DISTINCT source_id) FROM alert_members") == 3);
  CHECK(count_rows(rig.db(), "SELECT count(*) FROM deliveries") == 3);

  CHECK(rig.deliverer->deliver_due().delivered == 3);
  auto received = hooks.requests();
  REQUIRE(received.size() == 3);
  std::set<std::string> types, alert_ids, webhook_ids;
  size_t most_sources = 0;
  for (const auto& req : received) {
    auto body = boost::json::parse(req.body).as_object();
    types.insert(std::string(body.at("type").as_string()));
    alert_ids.insert(std::string(body.at("id").as_string()));
    webhook_ids.insert(req.headers.at("webhook-id"));
    most_sources = std::max(most_sources, body.at("cluster").at("sources").as_array().size());
  }
  CHECK(types == std::set<std::string>{"alert.created", "alert.updated"});
  CHECK(alert_ids.size() == 1);    // the same alert, updated
  CHECK(webhook_ids.size() == 3);  // three messages, each deduplicable on its own id
  CHECK(most_sources == 3);

  // After a restart the story index is rebuilt from the store: a fourth copy joins the cluster.
  rig.monitor.reset();
  rig.monitor = std::make_unique<Monitor>(*rig.cfg.config, rig.rules.rules, rig.normalizer,
                                          *rig.store, rig.http, rig.clock, null_logger());
  Feed late;
  late.language = "ar";
  FeedItem item;
  item.guid = "four-1";
  item.title = "خلية لداعش في ريف دير الزور";
  item.link = "https://four.example/story";
  item.summary = kStoryBody;
  late.items.push_back(item);
  SourceConfig four;
  four.id = "four";
  rig.monitor->process_feed(four, late);
  CHECK(count_rows(rig.db(), "SELECT count(*) FROM alerts") == 1);
  CHECK(count_rows(rig.db(), "SELECT count(DISTINCT source_id) FROM alert_members") == 4);
}

TEST_CASE("skeleton: a feed item's boilerplate line is neither stored, matched nor in the snippet",
          "[integration][skeleton][boilerplate]") {
  // As the demo feed has it: the article, then the site's "read also" line.
  const std::string feed =
      "<rss version=\"2.0\"><channel><title>t</title><item><guid>g1</guid>"
      "<title>القبض على خلية</title><description><![CDATA[<p>أعلنت قوى الأمن الداخلي القبض "
      "على خمسة أشخاص قالت إنهم ينتمون إلى خلية تابعة لتنظيم داعش في ريف الحسكة.</p>"
      "<p>اقرأ أيضاً: حملة أمنية في البادية</p>]]></description></item></channel></rss>";
  test::HttpServer site([&](const test::Request&) {
    return test::Response{200, {{"Content-Type", "application/rss+xml"}}, feed};
  });
  test::HttpServer hooks([](const test::Request&) { return test::Response{204, {}, ""}; });
  Rig rig(config_yaml(site, hooks));
  CHECK(rig.monitor->poll_all().alerts == 1);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(rig.db().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  auto text_of = [&](const char* sql) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    std::string out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
  };
  const std::string body = text_of("SELECT body FROM articles");
  const std::string payload = text_of("SELECT payload FROM alerts");
  sqlite3_close(db);
  CHECK(body.find("ريف الحسكة") != std::string::npos);
  CHECK(body.find("اقرأ") == std::string::npos);
  const auto alert = boost::json::parse(payload).as_object();
  const std::string snippet(alert.at("article").at("snippet").as_string());
  CHECK(snippet.find("اقرأ") == std::string::npos);
  CHECK(snippet.find("داعش") != std::string::npos);
  // Hit offsets (code points) refer to the stored text.
  for (const auto& h : alert.at("article").at("hits").as_array()) {
    if (h.at("field").as_string() != "body") continue;
    const auto start = static_cast<size_t>(h.at("start").as_int64());
    const auto end = static_cast<size_t>(h.at("end").as_int64());
    CHECK(text::slice_code_points(body, static_cast<uint32_t>(start), static_cast<uint32_t>(end)) ==
          std::string(h.at("text").as_string()));
  }
}
