// Webhook delivery against real receivers on 127.0.0.1 (issue 7): failures then success, a
// receiver down for a (fake-clock) day, 410 Gone, and the per-endpoint concurrency cap.
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>

#include "http_server.hpp"
#include "rasd/daemon/config.hpp"
#include "rasd/daemon/curl_http_client.hpp"
#include "rasd/daemon/deliverer.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/daemon/webhook.hpp"
#include "pg_server.hpp"
#include "test_util.hpp"

using namespace rasd;

namespace {

std::shared_ptr<spdlog::logger> null_logger() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

Config config_with_hooks(const std::string& dir,
                         const std::vector<std::pair<std::string, std::string>>& hooks,
                         const std::string& extra = "") {
  std::string yaml =
      "store: {path: rasd.db}\nrules: []\nnetwork: {allow_private: true}\nwebhooks:\n";
  for (const auto& [name, url] : hooks) {
    yaml += "  - {name: " + name + ", url: \"" + url + "\", secret: \"" + kSecret + "\"" + extra +
            "}\n";
  }
  auto load = load_config_text(dir + "/rasd.yaml", yaml);
  INFO(load.diagnostics.format());
  REQUIRE(load.config);
  return *load.config;
}

// Stores one article with an alert that notifies `hooks`; returns the delivery ids.
std::vector<std::string> store_alert(Store& store, const std::string& guid,
                                     const std::vector<std::string>& hooks, int64_t now) {
  NewArticle a;
  a.source_id = "src";
  a.guid = guid;
  a.title = "القبض على عناصر من داعش " + guid;
  a.fetched_at = now;
  NewAlert al;
  al.id = "alert_" + guid;
  al.rule_id = "r";
  al.severity = "high";
  al.created_at = now;
  al.payload = R"({"type":"alert.created","id":"alert_)" + guid +
               R"(","article":{"title":"القبض على عناصر من داعش"}})";
  std::vector<std::string> ids;
  for (const auto& h : hooks) {
    ids.push_back("msg_" + guid + "_" + h);
    al.deliveries.push_back({ids.back(), h});
  }
  REQUIRE(store.insert_article(a, {al}));
  return ids;
}

// Each deliver_due() sends every due delivery once on a private loop and records the answers
// (the daemon's Deliverer, run to completion).
struct OnceDeliverer {
  const Config& cfg;
  Store& store;
  const Clock& clock;
  DeliveryStats deliver_due(int limit = 100) {
    return deliver_due_once(cfg, store, clock, null_logger(), limit);
  }
};

// Keeps a port that nothing listens on: a server is started there and stopped.
unsigned short free_port() {
  test::HttpServer s([](const test::Request&) { return test::Response{}; });
  return s.port();
}

Delivery delivery(Store& store, const std::string& id) {
  for (auto& d : store.deliveries()) {
    if (d.id == id) return d;
  }
  FAIL("no delivery " << id);
  return {};
}

}  // namespace

TEST_CASE(
    "delivery: 500, then 429 with Retry-After, then a timeout, then success, once per webhook-id",
    "[integration][delivery][backend]") {
  test::TempDir dir;
  std::atomic<int> calls{0};
  test::HttpServer receiver([&](const test::Request&) {
    switch (++calls) {
      case 1:
        return test::Response{500, {}, "boom"};
      case 2:
        return test::Response{429, {{"Retry-After", "120"}}, "slow down"};
      case 3:
        return test::Response{200, {}, "late", 1300};  // after the client's 1 s timeout
      default:
        return test::Response{200, {}, "ok"};
    }
  });
  const Config cfg =
      config_with_hooks(dir.path(), {{"analysts", receiver.url("/hook")}}, ", timeout: 1s");
  Store store(test::store_location(dir.path()));
  ManualClock clock(1734600000);
  const auto ids = store_alert(store, "a1", {"analysts"}, clock.now());
  OnceDeliverer deliverer{cfg, store, clock};

  std::vector<int64_t> attempt_times;
  for (int round = 0; round < 10 && delivery(store, ids[0]).state == "pending"; ++round) {
    const Delivery d = delivery(store, ids[0]);
    clock.set(std::max(clock.now(), d.next_attempt));
    attempt_times.push_back(clock.now());
    deliverer.deliver_due();
  }
  const Delivery d = delivery(store, ids[0]);
  CHECK(d.state == "delivered");
  CHECK(d.attempts == 4);
  const auto attempts = store.attempts(ids[0]);
  REQUIRE(attempts.size() == 4);
  CHECK(attempts[0].status == 500);
  CHECK(attempts[1].status == 429);
  CHECK(!attempts[2].status.has_value());  // timed out: a transport error, no status
  CHECK(!attempts[2].error.empty());
  CHECK(attempts[3].status == 200);
  // Stored times: the first retry 5 s (+-10 % jitter) later, the second exactly as Retry-After
  // said, the third after the schedule's 30 min step (the timeout was the third failure).
  const int64_t gap1 = attempts[1].at - attempts[0].at;
  CHECK(gap1 >= 4);
  CHECK(gap1 <= 6);
  CHECK(attempts[2].at - attempts[1].at == 120);
  const int64_t gap3 = attempts[3].at - attempts[2].at;
  CHECK(gap3 >= 1620);
  CHECK(gap3 <= 1980);

  // From the receiver's side: every attempt carried the same webhook-id and a valid signature;
  // after deduplication on webhook-id the alert arrived once.
  const auto reqs = receiver.requests();
  REQUIRE(reqs.size() >= 4);
  std::set<std::string> ids_seen;
  for (const auto& r : reqs) {
    ids_seen.insert(r.headers.at("webhook-id"));
    const auto ts = std::stoll(r.headers.at("webhook-timestamp"));
    CHECK(r.headers.at("webhook-signature") == webhook_signature(*decode_webhook_secret(kSecret),
                                                                 r.headers.at("webhook-id"), ts,
                                                                 r.body));
  }
  CHECK(ids_seen == std::set<std::string>{ids[0]});
}

TEST_CASE("delivery: a receiver down for a day gets the schedule, then everything when it is back",
          "[integration][delivery][backend]") {
  test::TempDir dir;
  const unsigned short port = free_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/hook";
  const Config cfg = config_with_hooks(dir.path(), {{"analysts", url}});
  Store store(test::store_location(dir.path()));
  const int64_t start = 1734600000;
  ManualClock clock(start);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto more = store_alert(store, "down" + std::to_string(i), {"analysts"}, start);
    ids.insert(ids.end(), more.begin(), more.end());
  }
  OnceDeliverer deliverer{cfg, store, clock};
  // A day of refused connections, the clock jumping to each next attempt.
  while (clock.now() < start + 86400) {
    deliverer.deliver_due();
    int64_t next = INT64_MAX;
    for (const auto& d : store.deliveries("pending")) next = std::min(next, d.next_attempt);
    REQUIRE(next != INT64_MAX);  // nothing may die within a day
    clock.set(std::max(next, clock.now() + 1));
  }
  for (const auto& id : ids) {
    const auto attempts = store.attempts(id);
    // 5 s, 5 min, 30 min, 2 h, 5 h, 10 h fit in a day: seven attempts.
    REQUIRE(attempts.size() == 7);
    const int64_t expected[] = {5, 300, 1800, 7200, 18000, 36000};
    for (size_t k = 1; k < attempts.size(); ++k) {
      const int64_t gap = attempts[k].at - attempts[k - 1].at;
      INFO("attempt " << k << " gap " << gap);
      CHECK(gap >= expected[k - 1] * 9 / 10 - 1);
      CHECK(gap <= expected[k - 1] * 11 / 10 + 1);
      CHECK(!attempts[k].status.has_value());
    }
    CHECK(delivery(store, id).state == "pending");
  }
  // The receiver comes back on the same port.
  test::HttpServer receiver(
      [](const test::Request&) {
        return test::Response{200, {}, "ok"};
      },
      port);
  for (int round = 0; round < 3 && !store.deliveries("pending").empty(); ++round) {
    int64_t next = INT64_MAX;
    for (const auto& d : store.deliveries("pending")) next = std::min(next, d.next_attempt);
    clock.set(std::max(next, clock.now()));
    deliverer.deliver_due();
  }
  CHECK(store.deliveries("pending").empty());
  CHECK(store.deliveries("delivered").size() == 3);
  std::set<std::string> seen;
  for (const auto& r : receiver.requests()) seen.insert(r.headers.at("webhook-id"));
  CHECK(seen == std::set<std::string>(ids.begin(), ids.end()));
  CHECK(store.integrity_check() == "ok");
}

TEST_CASE("delivery: 410 Gone disables the endpoint until an operator retries",
          "[integration][delivery][backend]") {
  test::TempDir dir;
  std::atomic<bool> gone{true};
  test::HttpServer receiver([&](const test::Request&) {
    return gone ? test::Response{410, {}, "gone"} : test::Response{200, {}, "ok"};
  });
  test::HttpServer other([](const test::Request&) { return test::Response{200, {}, "ok"}; });
  const Config cfg =
      config_with_hooks(dir.path(), {{"old", receiver.url("/hook")}, {"other", other.url("/hook")}},
                        ", concurrency: 1");
  Store store(test::store_location(dir.path()));
  ManualClock clock(1734600000);
  store_alert(store, "g1", {"old", "other"}, clock.now());
  store_alert(store, "g2", {"old", "other"}, clock.now());
  OnceDeliverer deliverer{cfg, store, clock};
  const DeliveryStats s = deliverer.deliver_due();
  CHECK(s.delivered == 2);  // the other endpoint is not affected
  CHECK(s.disabled == 2);
  CHECK(receiver.request_count() == 1);  // with concurrency 1, the second was never sent
  CHECK(store.webhook_disabled("old"));
  // A new alert for the disabled endpoint is kept, visible, and not sent.
  store_alert(store, "g3", {"old"}, clock.now());
  deliverer.deliver_due();
  CHECK(receiver.request_count() == 1);
  CHECK(store.deliveries("disabled").size() == 3);
  // The operator fixes the endpoint and retries: everything arrives.
  gone = false;
  CHECK(store.retry_dead(clock.now(), "old") == 3);
  CHECK_FALSE(store.webhook_disabled("old"));
  CHECK(deliverer.deliver_due().delivered == 3);
  CHECK(store.deliveries("delivered").size() == 5);
}

TEST_CASE(
    "delivery: at most `concurrency` requests in flight to an endpoint, and that many in parallel",
    "[integration][delivery][backend]") {
  test::TempDir dir;
  // A request that arrives alone waits (up to 3 s) for a second one, so a Deliverer that sent
  // one at a time would show a maximum of 1 here; the cap says the maximum is never above 2.
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0, max_in_flight = 0, started = 0, pairings = 0;
  test::HttpServer receiver([&](const test::Request&) {
    std::unique_lock<std::mutex> lock(mu);
    ++in_flight;
    ++started;
    max_in_flight = std::max(max_in_flight, in_flight);
    const int seen = pairings;
    if (in_flight >= 2) {
      ++pairings;  // releases whoever is waiting for company
      cv.notify_all();
    } else if (started < 8) {  // the last one may come alone
      cv.wait_for(lock, std::chrono::seconds(3), [&] { return pairings != seen; });
    }
    --in_flight;
    return test::Response{200, {}, "ok"};
  });
  const Config cfg =
      config_with_hooks(dir.path(), {{"capped", receiver.url("/hook")}}, ", concurrency: 2");
  Store store(test::store_location(dir.path()));
  ManualClock clock(1734600000);
  for (int i = 0; i < 8; ++i) store_alert(store, "c" + std::to_string(i), {"capped"}, clock.now());
  OnceDeliverer deliverer{cfg, store, clock};
  CHECK(deliverer.deliver_due().delivered == 8);
  CHECK(max_in_flight == 2);
}

TEST_CASE(
    "delivery: 429 with Retry-After holds the whole endpoint, and its backlog never starves "
    "another endpoint",
    "[integration][delivery][backend]") {
  test::TempDir dir;
  test::HttpServer busy([](const test::Request&) {
    return test::Response{429, {{"Retry-After", "3600"}}, "slow down"};
  });
  test::HttpServer ok([](const test::Request&) { return test::Response{200, {}, "ok"}; });
  const Config cfg = config_with_hooks(
      dir.path(), {{"busy", busy.url("/hook")}, {"ok", ok.url("/hook")}}, ", concurrency: 2");
  Store store(test::store_location(dir.path()));
  ManualClock clock(1734600000);
  // A backlog for the busy endpoint, older than (and more than a window of) the other's rows.
  {
    Store::Batch batch(store);
    for (int i = 0; i < 700; ++i)
      store_alert(store, "b" + std::to_string(i), {"busy"}, clock.now() - 1000 + i);
    batch.commit();
  }
  for (int i = 0; i < 3; ++i) store_alert(store, "o" + std::to_string(i), {"ok"}, clock.now());
  OnceDeliverer deliverer{cfg, store, clock};
  const DeliveryStats s = deliverer.deliver_due(100);
  CHECK(s.delivered == 3);
  CHECK(ok.request_count() == 3);
  // The first answers (at most `concurrency` in flight) said to wait an hour: nothing more was
  // sent to that endpoint, and the rows wait that long.
  CHECK(busy.request_count() <= 2);
  CHECK(busy.request_count() >= 1);
  int64_t waiting_an_hour = 0;
  for (const auto& d : store.deliveries("pending")) {
    if (d.attempts == 1) {
      CHECK(d.next_attempt >= clock.now() + 3600);
      ++waiting_an_hour;
    }
  }
  CHECK(waiting_an_hour == static_cast<int64_t>(busy.request_count()));
  CHECK(store.deliveries("pending").size() == 700);
}

TEST_CASE("delivery: retry of a dead delivery grants a fresh schedule, not one attempt",
          "[integration][delivery][backend]") {
  test::TempDir dir;
  std::atomic<bool> up{false};
  test::HttpServer receiver([&](const test::Request&) {
    return up ? test::Response{200, {}, "ok"} : test::Response{500, {}, "down"};
  });
  const Config cfg = config_with_hooks(dir.path(), {{"h", receiver.url("/hook")}});
  Store store(test::store_location(dir.path()));
  ManualClock clock(1734600000);
  const auto ids = store_alert(store, "r1", {"h"}, clock.now());
  OnceDeliverer deliverer{cfg, store, clock};
  for (int i = 0; i < 20 && delivery(store, ids[0]).state == "pending"; ++i) {
    clock.set(std::max(clock.now(), delivery(store, ids[0]).next_attempt));
    deliverer.deliver_due();
  }
  REQUIRE(delivery(store, ids[0]).state == "dead");
  const size_t attempts_when_dead = store.attempts(ids[0]).size();
  CHECK(store.retry_dead(clock.now()) == 1);
  // Still failing after the retry: it is retried on the schedule again, not dead at once.
  deliverer.deliver_due();
  CHECK(delivery(store, ids[0]).state == "pending");
  clock.set(delivery(store, ids[0]).next_attempt);
  deliverer.deliver_due();
  CHECK(delivery(store, ids[0]).state == "pending");
  up = true;
  clock.set(delivery(store, ids[0]).next_attempt);
  CHECK(deliverer.deliver_due().delivered == 1);
  CHECK(store.attempts(ids[0]).size() == attempts_when_dead + 3);  // the history is kept
}
