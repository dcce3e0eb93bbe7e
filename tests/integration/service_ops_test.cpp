// The daemon's operational face (issue 10), on the real `rasd run` process: the HTTP API with
// its token, /metrics checked by a strict text-format parser, reloads (valid while a request
// is in flight; broken, with the error, the metric and the internal alert), and systemd
// watchdog pings through a fake NOTIFY_SOCKET that stop while the loop is blocked.
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <mutex>
#include <regex>
#include <thread>

#include "fault_support.hpp"
#include "http_server.hpp"
#include "prometheus_text.hpp"
#include "rasd/daemon/curl_http_client.hpp"
#include "test_util.hpp"

using namespace rasd;
using namespace std::chrono_literals;

namespace {

const std::string kToken = "t0ken-for-tests-0123456789";

std::string item_feed(const std::string& guid, const std::string& title) {
  return "<rss version=\"2.0\"><channel><title>t</title><item><title>" + title + "</title><guid>" +
         guid + "</guid><description>" + title + "</description></item></channel></rss>";
}

struct Api {
  int port;
  CurlHttpClient http;
  HttpResponse call(const std::string& method, const std::string& target,
                    const std::string& token = kToken, const std::string& body = "") {
    HttpRequest r;
    r.method = method;
    r.url = "http://127.0.0.1:" + std::to_string(port) + target;
    r.allow_private = true;
    r.timeout_ms = 10000;
    if (!token.empty()) r.headers.emplace_back("authorization", "Bearer " + token);
    if (!body.empty()) {
      r.body = body;
      r.headers.emplace_back("content-type", "application/json");
    }
    auto res = http.perform(r);
    REQUIRE(res);
    return *res;
  }
};

// A config polling one source, with the API on an ephemeral port. The token file holds kToken
// unless token_file names another (which the caller may leave missing).
std::string config(const test::TempDir& dir, const std::string& source_url,
                   const std::string& extra = "", const std::string& token_file = "api-token") {
  if (token_file == "api-token") dir.write("api-token", kToken + "\n");
  return dir.write("rasd.yaml",
                   "store: {path: rasd.db}\nrules: [rules]\nnetwork: {allow_private: true}\n"
                   "http: {listen: \"127.0.0.1:0\", token_file: " +
                       token_file + "}\n" + extra + "sources:\n  - {id: s, url: \"" + source_url +
                       "\"}\n");
}

}  // namespace

TEST_CASE(
    "http api: health checks answer while a slow rule test runs, and a replay cut short says so",
    "[integration][service][api]") {
  std::atomic<int> slow_calls{0};
  test::HttpServer site([&](const test::Request& r) {
    if (r.target == "/slow.xml") {
      ++slow_calls;
      return test::Response{
          200, {{"Content-Type", "application/rss+xml"}}, item_feed("s1", "بطيء"), 3000};
    }
    return test::Response{
        200, {{"Content-Type", "application/rss+xml"}}, item_feed("g1", "القبض على عناصر من داعش")};
  });
  test::TempDir dir;
  dir.write("rules/a.yaml", "rules:\n  - id: one\n    query: داعش\n");
  const std::string cfg = config(dir, site.url("/f.xml"));
  test::Process rasd({RASD_BINARY, "run", "--config", cfg, "--tick-ms", "50"});
  REQUIRE(rasd.wait_for("alert", 10000));
  const int port = test::api_port(rasd);
  REQUIRE(port > 0);
  namespace json = boost::json;
  // A rule test on a feed that takes 3 s to answer, on its own connection and thread.
  std::thread slow([&] {
    Api a{port, {}};
    auto r = a.call("POST", "/api/rules/test", kToken,
                    json::serialize(json::object{{"rules", "rules:\n  - id: t\n    query: x\n"},
                                                 {"url", site.url("/slow.xml")}}));
    CHECK(r.status == 200);
  });
  while (slow_calls.load() == 0) std::this_thread::sleep_for(10ms);
  Api api{port, {}};
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(api.call("GET", "/healthz", "").status == 200);
  CHECK(api.call("GET", "/metrics").status == 200);
  CHECK(std::chrono::steady_clock::now() - t0 < 1500ms);  // not behind the 3 s test
  slow.join();
  // A replay with almost no time: it stops after its first article and says so.
  auto cut = api.call(
      "POST", "/api/rules/test", kToken,
      json::serialize(json::object{
          {"rules", "rules:\n  - id: t\n    query: x\n"}, {"days", 1}, {"max_seconds", 1e-9}}));
  REQUIRE(cut.status == 200);
  const auto replayed = json::parse(cut.body).at("replayed").as_object();
  CHECK(replayed.at("articles").as_int64() == 1);
  CHECK_FALSE(replayed.at("complete").as_bool());
  CHECK(replayed.at("stopped").as_string() == "time limit");
}

TEST_CASE(
    "http api: token, endpoints, strict /metrics, rule test, and a reload failure counted and "
    "alerted",
    "[integration][service][api]") {
  test::HttpServer site([](const test::Request&) {
    return test::Response{
        200, {{"Content-Type", "application/rss+xml"}}, item_feed("g1", "القبض على عناصر من داعش")};
  });
  test::TempDir dir;
  dir.write("rules/a.yaml", "rules:\n  - id: one\n    query: داعش\n");
  const std::string cfg = config(dir, site.url("/f.xml"));
  test::Process rasd({RASD_BINARY, "run", "--config", cfg, "--tick-ms", "50"});
  REQUIRE(rasd.wait_for("alert", 10000));
  Api api{test::api_port(rasd), {}};
  REQUIRE(api.port > 0);

  // Health needs no token; everything else does, and a wrong one is refused.
  CHECK(api.call("GET", "/healthz", "").status == 200);
  CHECK(api.call("GET", "/readyz", "").status == 200);
  CHECK(api.call("GET", "/metrics", "").status == 401);
  CHECK(api.call("GET", "/api/alerts", "wrong-token").status == 401);
  CHECK(api.call("GET", "/nowhere").status == 404);
  CHECK(api.call("POST", "/api/alerts").status == 405);

  const auto metrics = api.call("GET", "/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.header("content-type").find("text/plain; version=0.0.4") == 0);
  INFO(metrics.body);
  const auto prom = test::parse_prometheus_text(metrics.body);  // throws on any malformed line
  if (access("/usr/bin/promtool", X_OK) ==
      0) {  // scripts/setup installs it; Prometheus's own linter
    const auto lint = test::run_process({"/usr/bin/promtool", "check", "metrics"}, metrics.body);
    INFO(lint.out << lint.err);
    CHECK(lint.exit_code == 0);
  } else {
    WARN("promtool not installed: /metrics checked by the strict parser only");
  }
  CHECK(prom.value("rasd_fetches_total", {{"outcome", "ok"}}) >= 1);
  CHECK(prom.value("rasd_articles_total") == 1);
  CHECK(prom.value("rasd_rule_matches_total", {{"rule", "one"}}) == 1);
  CHECK(prom.value("rasd_alerts_total", {{"type", "created"}}) == 1);
  CHECK(prom.value("rasd_fetch_duration_seconds_count") >= 1);
  CHECK(prom.value("rasd_sources") == 1);
  CHECK(prom.value("rasd_queue_depth", {{"queue", "fetch_in_flight"}}) >= 0);
  CHECK(prom.value("rasd_queue_depth", {{"queue", "deliveries_pending"}}) ==
        0);  // the rule notifies no webhook

  namespace json = boost::json;
  const auto alerts = json::parse(api.call("GET", "/api/alerts?since=1h").body).as_array();
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0].at("rule").as_string() == "one");
  CHECK(alerts[0].at("payload").at("article").at("title").as_string() == "القبض على عناصر من داعش");
  CHECK(api.call("GET", "/api/alerts?since=soon").status == 400);
  // Arabic query, percent-encoded (داعش).
  const auto found =
      json::parse(api.call("GET", "/api/articles?q=%D8%AF%D8%A7%D8%B9%D8%B4").body).as_array();
  CHECK(found.size() == 1);
  CHECK(api.call("GET", "/api/articles?q=%22unclosed").status == 400);
  const auto sources = json::parse(api.call("GET", "/api/sources").body).as_array();
  REQUIRE(sources.size() == 1);
  CHECK(sources[0].at("id").as_string() == "s");
  CHECK(sources[0].at("failures").as_int64() == 0);

  // A rule tried on a text: hits with offsets into the original spelling.
  auto tried =
      api.call("POST", "/api/rules/test", kToken,
               json::serialize(json::object{{"rules", "rules:\n  - id: t\n    query: داعش\n"},
                                            {"text", "خلية د|عـ.ـش في البادية"}}));
  REQUIRE(tried.status == 200);
  auto results = json::parse(tried.body).at("results").as_array();
  REQUIRE(results.size() == 1);
  auto matches = results[0].at("matches").as_array();
  REQUIRE(matches.size() == 1);
  CHECK(matches[0].at("hits").as_array()[0].at("text").as_string() == "د|عـ.ـش");
  // A rule tried over the stored articles of the last day (the backtest): the stored article
  // matches, the config's source tags apply, and bad parameters are 400s.
  tried = api.call("POST", "/api/rules/test", kToken,
                   json::serialize(json::object{
                       {"rules",
                        "rules:\n  - id: t\n    query: القبض\n  - id: tagged\n    query: القبض\n"
                        "    sources: [iraq]\n"},
                       {"days", 1}}));
  INFO(tried.body);
  REQUIRE(tried.status == 200);
  const auto replayed = json::parse(tried.body).as_object();
  CHECK(replayed.at("replayed").at("articles").as_int64() == 1);
  CHECK(replayed.at("replayed").at("complete").as_bool());
  REQUIRE(replayed.at("hits").as_array().size() == 1);
  CHECK(replayed.at("hits").as_array()[0].at("rule").as_string() == "t");
  CHECK(replayed.at("hits").as_array()[0].at("source").as_string() == "s");
  CHECK(replayed.at("rules").as_array()[0].at("hits").as_int64() == 1);
  CHECK(replayed.at("rules").as_array()[1].at("hits").as_int64() == 0);
  CHECK(api.call("POST", "/api/rules/test", kToken,
                 json::serialize(
                     json::object{{"rules", "rules:\n  - id: t\n    query: x\n"}, {"days", -3}}))
            .status == 400);
  // A broken rule: 422 with the position inside the YAML sent.
  tried = api.call("POST", "/api/rules/test", kToken,
                   json::serialize(json::object{
                       {"rules", "rules:\n  - id: t\n    query: '(داعش'\n"}, {"text", "x"}}));
  CHECK(tried.status == 422);
  CHECK(tried.body.find("request:3:13: error: rule 't'") != std::string::npos);
  CHECK(api.call("POST", "/api/rules/test", kToken, "not json").status == 400);
  // A query nested 100,000 levels (it once killed the daemon): a rule that does not compile,
  // reported like any other, and the daemon goes on answering.
  const std::string deep = std::string(100000, '(') + "a" + std::string(100000, ')');
  tried =
      api.call("POST", "/api/rules/test", kToken,
               json::serialize(json::object{
                   {"rules", "rules:\n  - id: t\n    query: '" + deep + "'\n"}, {"text", "x"}}));
  CHECK(tried.status == 422);
  CHECK(tried.body.find("request:3:269: error: rule 't': query nested deeper than 256 levels") !=
        std::string::npos);
  CHECK(api.call("GET", "/healthz", "").status == 200);

  // A broken rule file on reload: old rules kept, error with file:line:col, counted, alerted.
  dir.write("rules/a.yaml", "rules:\n  - id: one\n    query: '(داعش'\n");
  const size_t mark = rasd.err().size();
  rasd.signal(SIGHUP);
  REQUIRE(
      rasd.wait_for("reload failed; keeping the previous configuration and rules", 10000, mark));
  CHECK(rasd.err().find("a.yaml:3:13: error: rule 'one'", mark) != std::string::npos);
  REQUIRE(rasd.wait_for("internal alert", 10000, mark));
  const auto after = test::parse_prometheus_text(api.call("GET", "/metrics").body);
  CHECK(after.value("rasd_reloads_total", {{"outcome", "failed"}}) == 1);
  CHECK(after.value("rasd_reloads_total", {{"outcome", "ok"}}) == 0);
  CHECK(after.value("rasd_rules") == 1);
  const auto internal =
      json::parse(api.call("GET", "/api/alerts?rule=rasd.reload_failed").body).as_array();
  REQUIRE(internal.size() == 1);
  CHECK(std::string(internal[0].at("payload").at("article").at("snippet").as_string())
            .find("a.yaml:3:13") != std::string::npos);

  rasd.signal(SIGTERM);
  CHECK(rasd.wait() == 0);
}

TEST_CASE("reload: a valid change applies to the answer of a request in flight during the reload",
          "[integration][service]") {
  std::atomic<int> served{0};
  test::HttpServer site([&](const test::Request&) {
    ++served;
    return test::Response{
        200, {{"Content-Type", "application/rss+xml"}}, item_feed("g1", "هجوم في البادية"), 1500};
  });
  test::TempDir dir;
  dir.write("rules/a.yaml", "rules:\n  - id: one\n    query: داعش\n");
  const std::string cfg = config(dir, site.url("/f.xml"));
  test::Process rasd({RASD_BINARY, "run", "--config", cfg, "--tick-ms", "50"});
  REQUIRE(rasd.wait_for("rasd running", 10000));
  for (int i = 0; i < 100 && served == 0; ++i) std::this_thread::sleep_for(20ms);
  REQUIRE(served == 1);  // the answer is 1.5 s away
  dir.write("rules/a.yaml",
            "rules:\n  - id: one\n    query: داعش\n  - id: attacks\n    query: هجوم\n");
  rasd.signal(SIGHUP);
  REQUIRE(rasd.wait_for("reloaded: 1 sources, 2 rules", 10000));
  // The article arrives after the swap: stored, and matched by the new rule.
  REQUIRE(rasd.wait_for("rule 'attacks'", 10000));
  rasd.signal(SIGTERM);
  CHECK(rasd.wait() == 0);
  auto alerts = test::run_process({RASD_BINARY, "alerts", "--config", cfg, "--json"});
  CHECK(alerts.out.find("\"attacks\"") != std::string::npos);
  CHECK(served == 1);  // nothing was fetched twice
}

TEST_CASE("watchdog: pings flow from the event loop and go on while the store is locked for 3 s",
          "[integration][service][watchdog]") {
  test::TempDir dir;
  // The fake systemd: a datagram socket that records every notification with its time.
  test::NotifySocket notify(dir.file("notify.sock"));
  using Clock = std::chrono::steady_clock;
  // WATCHDOG=1 pings in [a, b] and the longest pause among them (edges included).
  auto pings_between = [&](Clock::time_point a, Clock::time_point b, double* max_gap) {
    const auto [gap, n] = notify.watchdog(a, b);
    *max_gap = gap;
    return n;
  };

  // A source polled every second, so the daemon writes to the store every second; each poll
  // after the first brings a new item.
  std::atomic<int> served{0};
  test::HttpServer site([&](const test::Request&) {
    const int n = ++served;
    return test::Response{200,
                          {{"Content-Type", "application/rss+xml"}},
                          item_feed("g" + std::to_string(n), "خبر داعش " + std::to_string(n))};
  });
  dir.write("rules/a.yaml", "rules:\n  - id: one\n    query: داعش\n");
  const std::string cfg =
      config(dir, site.url("/f.xml"), "defaults: {interval: 1s, min_interval: 1s}\n");
  test::Process rasd({RASD_BINARY, "run", "--config", cfg, "--tick-ms", "50"},
                     {notify.env(), "WATCHDOG_USEC=2000000"});
  REQUIRE(rasd.wait_for("rasd running", 10000));
  std::this_thread::sleep_for(1500ms);
  const auto healthy_from = Clock::now() - 1000ms;
  double gap = 0;
  CHECK(pings_between(healthy_from, Clock::now(), &gap) >= 5);
  CHECK(gap < 0.5);
  CHECK(notify.saw("READY=1"));
  CHECK(notify.saw("STATUS=1 sources"));

  // Another process holds the store's write lock for 3 s (a slow disk or a backup tool looks
  // the same to rasd): the store's thread waits on it (busy timeout 5 s); the event loop does
  // not, so the pings go on, and what was fetched meanwhile is committed once it is released.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(dir.file("rasd.db").c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  const auto locked_at = Clock::now();
  const int served_at_lock = served;
  std::this_thread::sleep_for(3000ms);
  REQUIRE(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
  const auto released_at = Clock::now();
  sqlite3_close(db);
  CHECK(pings_between(locked_at, released_at, &gap) >= 20);
  CHECK(gap < 0.5);  // no pause while the lock was held
  // Polling resumes once the store is back, and every item served was stored once.
  for (int i = 0; i < 100 && served < served_at_lock + 3; ++i) std::this_thread::sleep_for(50ms);
  CHECK(served >= served_at_lock + 3);
  std::this_thread::sleep_for(1500ms);
  rasd.signal(SIGTERM);
  CHECK(rasd.wait() == 0);
  const int64_t stored =
      std::stoll(test::scalar(dir.file("rasd.db"), "SELECT count(*) FROM articles"));
  const int64_t distinct =
      std::stoll(test::scalar(dir.file("rasd.db"), "SELECT count(DISTINCT guid) FROM articles"));
  CHECK(stored == distinct);
  CHECK(stored >= served - 1);  // at most the answer cut off by SIGTERM is missing
  CHECK(stored <= served);
}

TEST_CASE(
    "watch_rules: editing a rule file reloads without a signal, a broken edit keeps the old rules",
    "[integration][service]") {
  test::HttpServer site([](const test::Request&) {
    return test::Response{200, {{"Content-Type", "application/rss+xml"}}, item_feed("g1", "خبر")};
  });
  test::TempDir dir;
  dir.write("rules/a.yaml", "rules:\n  - id: one\n    query: داعش\n");
  const std::string cfg = config(dir, site.url("/f.xml"), "watch_rules: true\n");
  test::Process rasd({RASD_BINARY, "run", "--config", cfg, "--tick-ms", "50"});
  REQUIRE(rasd.wait_for("rasd running: 1 sources, 1 rules", 10000));
  size_t mark = rasd.err().size();
  dir.write("rules/b.yaml", "rules:\n  - id: two\n    query: هجوم\n");
  REQUIRE(rasd.wait_for("reloaded: 1 sources, 2 rules", 10000, mark));
  mark = rasd.err().size();
  dir.write("rules/b.yaml", "rules:\n  - id: two\n    query: 'هجوم AND'\n");
  REQUIRE(
      rasd.wait_for("reload failed; keeping the previous configuration and rules", 10000, mark));
  CHECK(rasd.err().find("b.yaml:3:", mark) != std::string::npos);
  rasd.signal(SIGTERM);
  CHECK(rasd.wait() == 0);
}

TEST_CASE("http api: under systemd the token comes from the unit's credential, not the token file",
          "[integration][service][api]") {
  test::HttpServer site([](const test::Request&) {
    return test::Response{200, {{"Content-Type", "application/rss+xml"}}, item_feed("g1", "خبر")};
  });
  test::TempDir dir;
  dir.write("rules/a.yaml", "rules:\n  - id: one\n    query: داعش\n");
  dir.write("creds/api-token", "credential-token-0123456789\n");
  const std::string cfg = config(dir, site.url("/f.xml"), "", "missing-token");
  test::Process rasd({RASD_BINARY, "run", "--config", cfg, "--tick-ms", "50"},
                     {"CREDENTIALS_DIRECTORY=" + dir.file("creds")});
  REQUIRE(rasd.wait_for("rasd running", 10000));
  Api api{test::api_port(rasd), {}};
  REQUIRE(api.port > 0);
  CHECK(api.call("GET", "/api/sources", "credential-token-0123456789").status == 200);
  CHECK(api.call("GET", "/api/sources", kToken).status == 401);
  rasd.signal(SIGTERM);
  CHECK(rasd.wait() == 0);
}

TEST_CASE("http api: without a token file only health answers, and the log says why",
          "[integration][service][api]") {
  test::HttpServer site([](const test::Request&) {
    return test::Response{200, {{"Content-Type", "application/rss+xml"}}, item_feed("g1", "خبر")};
  });
  test::TempDir dir;
  dir.write("rules/a.yaml", "rules:\n  - id: one\n    query: داعش\n");
  const std::string cfg = config(dir, site.url("/f.xml"), "", "missing-token");
  test::Process rasd({RASD_BINARY, "run", "--config", cfg, "--tick-ms", "50"});
  REQUIRE(rasd.wait_for("rasd running", 10000));
  CHECK(rasd.err().find("only /healthz and /readyz answer") != std::string::npos);
  Api api{test::api_port(rasd), {}};
  CHECK(api.call("GET", "/healthz", "").status == 200);
  const auto refused = api.call("GET", "/metrics", "");
  CHECK(refused.status == 401);
  CHECK(refused.body.find("token file is missing") != std::string::npos);
  rasd.signal(SIGTERM);
  CHECK(rasd.wait() == 0);
}
