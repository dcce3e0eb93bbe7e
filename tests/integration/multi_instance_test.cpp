// Several instances on one PostgreSQL (issue 23): three `rasd run` share 300 feeds on ten hosts
// and one webhook; one is SIGKILLed in the middle of the first cycle and PostgreSQL restarts
// once. At the end every article is stored once, every story alerts once per rule, every alert
// is delivered (repeats only under the same webhook-id), the killed instance's hosts were taken
// over once its leases lapsed, and no host ever saw more requests at once than its limit.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "fault_support.hpp"
#include "http_server.hpp"
#include "pg_server.hpp"
#include "test_util.hpp"

using namespace rasd;

namespace {

constexpr int kHosts = 10, kFeedsPerHost = 30, kItems = 5, kStories = 50;

// A feed server that counts how many of its requests are in flight at once.
struct CountingHost {
  std::atomic<int> now{0}, peak{0}, served{0};
  std::unique_ptr<test::HttpServer> server;
};

// Feed `feed`'s items: each tells one of kStories stories, in the same words as every other
// copy of it (its body hash clusters them), with a guid of its own.
std::string feed_of(int feed) {
  std::string out = "<rss version=\"2.0\"><channel><title>f" + std::to_string(feed) + "</title>";
  for (int k = 0; k < kItems; ++k) {
    const int story = (feed * kItems + k) % kStories;
    const std::string s = std::to_string(story);
    out += "<item><title>داعش " + s + "</title><guid>f" + std::to_string(feed) + "-" +
           std::to_string(k) + "</guid><link>https://news.example/f" + std::to_string(feed) + "/" +
           std::to_string(k) + "</link><description>هجوم لعناصر داعش في البادية " +
           test::distinct_words("story" + s, 40) + "</description></item>";
  }
  return out + "</channel></rss>";
}

}  // namespace

TEST_CASE(
    "postgresql: three instances share 300 feeds, one is SIGKILLed mid-cycle and the server "
    "restarts: every article stored once, every story alerted and delivered once, per-host "
    "limits kept",
    "[integration][postgresql][faults][instances]") {
  test::PgServer server;
  const std::string url = server.create_database();
  std::vector<std::unique_ptr<CountingHost>> hosts;
  for (int h = 0; h < kHosts; ++h) {
    auto host = std::make_unique<CountingHost>();
    CountingHost* c = host.get();
    host->server = std::make_unique<test::HttpServer>([c](const test::Request& r) {
      const int in = ++c->now;
      int seen = c->peak.load();
      while (in > seen && !c->peak.compare_exchange_weak(seen, in)) {
      }
      // Slow answers: the cycle lasts long enough to be cut by a kill and a restart.
      std::this_thread::sleep_for(std::chrono::milliseconds(60));
      ++c->served;
      --c->now;
      return test::Response{
          200, {{"Content-Type", "application/rss+xml"}}, feed_of(std::stoi(r.target.substr(2)))};
    });
    hosts.push_back(std::move(host));
  }
  std::mutex hook_mu;
  std::map<std::string, int> hook_ids;  // webhook-id -> POSTs received
  test::HttpServer hook([&](const test::Request& r) {
    std::lock_guard<std::mutex> lock(hook_mu);
    auto id = r.headers.find("webhook-id");
    ++hook_ids[id == r.headers.end() ? "" : id->second];
    return test::Response{204, {}, ""};
  });

  std::string sources;
  for (int h = 0; h < kHosts; ++h) {
    for (int f = 0; f < kFeedsPerHost; ++f) {
      const int feed = h * kFeedsPerHost + f;
      sources += "  - {id: s" + std::to_string(feed) + ", url: \"" +
                 hosts[static_cast<size_t>(h)]->server->url("/f" + std::to_string(feed)) + "\"}\n";
    }
  }
  test::TempDir dir;
  dir.write("rules.yaml", "rules:\n  - {id: isis, query: داعش, notify: [hook]}\n");
  std::vector<std::string> configs;
  for (int i = 0; i < 3; ++i) {
    const std::string sub = "i" + std::to_string(i);
    dir.write(sub + "/.keep", "");
    // Each instance its own state_dir (its poison guard), the same sources, rules and store.
    std::string store = test::store_yaml(url);
    store.replace(store.rfind('}'), 1, ", lease: 20s}");
    configs.push_back(
        dir.write(sub + "/rasd.yaml",
                  store + "\nrules: [" + dir.file("rules.yaml") +
                      "]\nhttp: {listen: \"\"}\nnetwork: {allow_private: true}\n"
                      "defaults: {interval: 1h, per_host_concurrency: 2, per_host_gap: 0, "
                      "max_concurrency: 8}\nwebhooks:\n  - {name: hook, group: false, url: \"" +
                      hook.url("/h") + "\"}\nsources:\n" + sources));
  }
  std::vector<std::unique_ptr<test::Process>> rasd;
  for (const auto& cfg : configs)
    rasd.push_back(std::make_unique<test::Process>(
        std::vector<std::string>{RASD_BINARY, "run", "--config", cfg, "--tick-ms", "100"}));
  auto drain = [&] {  // their logs must not fill the pipes
    for (auto& p : rasd)
      if (p) p->wait_for("\x01never\x01", 0);
  };
  const std::string stored = "SELECT count(*) FROM articles WHERE source_id LIKE 's%'";
  auto wait_articles = [&](int n, int seconds) {
    for (int i = 0; i < seconds * 10; ++i) {
      if (std::stoi("0" + test::scalar_or_empty(url, stored)) >= n) return true;
      drain();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  const int total = kHosts * kFeedsPerHost * kItems;
  REQUIRE(wait_articles(total / 5, 60));
  // Killed in the middle of the cycle: its hosts' leases, its claims, its batch in flight.
  rasd[0]->signal(SIGKILL);
  rasd[0]->wait();
  const auto killed_at = std::chrono::steady_clock::now();
  CHECK(std::stoi(test::scalar(url, stored)) < total);
  REQUIRE(wait_articles(total / 2, 60));
  server.restart();
  REQUIRE(wait_articles(total, 120));
  const double takeover =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
  INFO("all stored " << takeover << " s after the kill");
  CHECK(takeover < 20 + 60);  // the lease, then the survivors' retries and the restart

  // Every delivery goes out.
  const std::string undelivered = "SELECT count(*) FROM deliveries WHERE state <> 'delivered'";
  for (int i = 0; i < 600 && test::scalar_or_empty(url, undelivered) != "0"; ++i) {
    drain();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (size_t i = 1; i < rasd.size(); ++i) {
    rasd[i]->signal(SIGTERM);
    CHECK(rasd[i]->wait() == 0);
  }
  auto tail = [](const std::string& log) {
    return log.substr(log.size() - std::min<size_t>(log.size(), 3000));
  };
  INFO("survivor 1's log ends: " << tail(rasd[1]->err()));
  INFO("survivor 2's log ends: " << tail(rasd[2]->err()));
  CHECK(test::scalar(url, stored) == std::to_string(total));
  CHECK(test::scalar(url,
                     "SELECT count(DISTINCT source_id || '/' || guid) FROM articles WHERE "
                     "source_id LIKE 's%'") == std::to_string(total));
  CHECK(test::scalar(url,
                     "SELECT count(DISTINCT cluster) FROM articles WHERE source_id LIKE "
                     "'s%'") == std::to_string(kStories));
  // One alert per (rule, story), with every copy as its member.
  CHECK(test::scalar(url, "SELECT count(*) FROM alerts WHERE rule_id = 'isis'") ==
        std::to_string(kStories));
  CHECK(test::scalar(url,
                     "SELECT count(*) FROM (SELECT cluster FROM alerts WHERE rule_id = "
                     "'isis' GROUP BY cluster HAVING count(*) > 1) d") == "0");
  CHECK(test::scalar(url,
                     "SELECT count(*) FROM alert_members m JOIN alerts a ON a.id = "
                     "m.alert_id WHERE a.rule_id = 'isis'") == std::to_string(total));
  CHECK(test::scalar(url, undelivered) == "0");
  {
    std::lock_guard<std::mutex> lock(hook_mu);
    std::set<std::string> received;
    for (const auto& [id, n] : hook_ids) received.insert(id);
    CHECK(received.count("") == 0);
    CHECK(std::to_string(received.size()) == test::scalar(url, "SELECT count(*) FROM deliveries"));
  }
  for (const auto& h : hosts) {
    CHECK(h->peak.load() <= 2);
    CHECK(h->served.load() >= kFeedsPerHost);
  }
}
