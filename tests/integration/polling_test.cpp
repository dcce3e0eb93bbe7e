// The polling engine against real servers on 127.0.0.1 (issue 6): one event loop polls a healthy
// source beside sources that answer 304, 429, 500, redirect forever, send too much, send a gzip
// bomb, trickle one byte per second, refuse connections or serve HTML. Every source ends with
// the right stored state and the healthy one is served in every cycle.
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "fault_support.hpp"
#include "http_server.hpp"
#include "rasd/daemon/config.hpp"
#include "rasd/daemon/curl_http_client.hpp"
#include "rasd/daemon/fetcher.hpp"
#include "rasd/daemon/monitor.hpp"
#include "rasd/daemon/schedule.hpp"
#include "rasd/daemon/store.hpp"
#include "test_util.hpp"

using namespace rasd;
using test::gzip;
namespace asio = boost::asio;

namespace {

std::shared_ptr<spdlog::logger> null_logger() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

std::string feed_xml(const std::string& name, int items) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>" + name +
      "</title><link>https://" + name + ".example/</link>";
  for (int i = 0; i < items; ++i) {
    out += "<item><title>خبر " + std::to_string(i) + " من " + name + "</title><guid>" + name + "-" +
           std::to_string(i) + "</guid><description>نص الخبر رقم " + std::to_string(i) +
           "</description></item>";
  }
  return out + "</channel></rss>";
}

// A server that sends its headers and then one byte per second (slowloris from the other side).
class TricklingServer {
 public:
  TricklingServer() : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] {
      boost::system::error_code ec;
      asio::ip::tcp::socket s(io_);
      acceptor_.accept(s, ec);
      if (ec) return;
      char buf[4096];
      s.read_some(asio::buffer(buf), ec);
      const std::string head =
          "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\r\n";
      asio::write(s, asio::buffer(head), ec);
      for (int i = 0; i < 30 && !stop_ && !ec; ++i) {
        asio::write(s, asio::buffer("<", 1), ec);
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
    });
  }
  ~TricklingServer() {
    stop_ = true;
    boost::system::error_code ec;
    // Wake a blocking accept() that never got its client (closing does not, on Linux).
    asio::ip::tcp::socket wake(io_);
    wake.connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/feed.xml"; }

 private:
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

unsigned short free_port() {
  test::HttpServer s([](const test::Request&) { return test::Response{}; });
  return s.port();
}

}  // namespace

TEST_CASE("polling: hostile and broken sources beside a healthy one, over three cycles",
          "[integration][polling]") {
  const std::string last_modified = "Thu, 19 Dec 2024 06:30:00 GMT";
  test::HttpServer healthy([&](const test::Request&) {
    return test::Response{200, {{"Content-Type", "application/rss+xml"}}, feed_xml("healthy", 3)};
  });
  test::HttpServer etag([&](const test::Request& r) {
    auto it = r.headers.find("if-none-match");
    if (it != r.headers.end() && it->second == "\"v1\"")
      return test::Response{304, {{"ETag", "\"v1\""}}, ""};
    return test::Response{
        200, {{"Content-Type", "application/rss+xml"}, {"ETag", "\"v1\""}}, feed_xml("etag", 2)};
  });
  test::HttpServer lastmod([&](const test::Request& r) {
    auto it = r.headers.find("if-modified-since");
    if (it != r.headers.end() && it->second == last_modified) return test::Response{304, {}, ""};
    return test::Response{
        200,
        {{"Content-Type", "application/rss+xml"}, {"Last-Modified", last_modified}},
        feed_xml("lastmod", 2)};
  });
  test::HttpServer limited([](const test::Request&) {
    return test::Response{429, {{"Retry-After", "3600"}}, "slow down"};
  });
  std::atomic<int> flaky_calls{0};
  test::HttpServer flaky([&](const test::Request&) {
    return ++flaky_calls <= 2
               ? test::Response{500, {}, "oops"}
               : test::Response{
                     200, {{"Content-Type", "application/rss+xml"}}, feed_xml("flaky", 1)};
  });
  test::HttpServer loop([](const test::Request& r) {
    return test::Response{302, {{"Location", r.target}}, ""};
  });
  test::HttpServer big([](const test::Request&) {
    return test::Response{
        200, {{"Content-Type", "application/rss+xml"}}, std::string(2 << 20, 'x')};
  });
  const std::string bomb =
      gzip(std::string(64 << 20, '\0'));  // 64 MiB of zeros, ~64 KB on the wire
  test::HttpServer gz([&](const test::Request&) {
    return test::Response{
        200, {{"Content-Type", "application/rss+xml"}, {"Content-Encoding", "gzip"}}, bomb};
  });
  test::HttpServer html([](const test::Request&) {
    return test::Response{200,
                          {{"Content-Type", "text/html"}},
                          "<!doctype html><html><head><title>News</title></head><body><p>Not a "
                          "feed</p></body></html>"};
  });
  TricklingServer slow;
  const std::string refused = "http://127.0.0.1:" + std::to_string(free_port()) + "/feed.xml";

  test::TempDir dir;
  std::string yaml =
      "store: {path: rasd.db}\nrules: []\nnetwork: {allow_private: true}\n"
      "defaults: {interval: 15m, min_interval: 2m, max_interval: 6h, timeout: 10s, max_body: "
      "1MiB,\n"
      "           per_host_gap: 0, low_speed_bytes: 64, low_speed_time: 2s}\nsources:\n";
  auto source = [&](const std::string& id, const std::string& url) {
    yaml += "  - {id: " + id + ", url: \"" + url + "\"}\n";
  };
  source("healthy", healthy.url("/feed.xml"));
  source("etag", etag.url("/feed.xml"));
  source("lastmod", lastmod.url("/feed.xml"));
  source("limited", limited.url("/feed.xml"));
  source("flaky", flaky.url("/feed.xml"));
  source("loop", loop.url("/loop"));
  source("big", big.url("/feed.xml"));
  source("bomb", gz.url("/feed.xml"));
  source("html", html.url("/index.html"));
  source("slow", slow.url());
  source("refused", refused);
  auto cfg = load_config_text(dir.file("rasd.yaml"), yaml);
  INFO(cfg.diagnostics.format());
  REQUIRE(cfg.config);
  const Config& config = *cfg.config;

  text::Normalizer normalizer;
  CurlGlobal curl;
  CurlHttpClient unused;
  ManualClock clock(1734600000);
  Store store(config.store_path);
  Monitor monitor(config, std::make_shared<const rules::RuleSet>(), normalizer, store, unused,
                  clock, null_logger());

  // One cycle: every source whose next_due has come, concurrently on one event loop.
  auto cycle = [&](const std::vector<std::string>& skip = {}) {
    asio::io_context io;
    Fetcher fetcher(io, {64, 2, 0, 1000});
    std::map<std::string, PollStats> out;
    for (const auto& s : config.sources) {
      if (std::find(skip.begin(), skip.end(), s.id) != skip.end()) continue;
      const auto st = store.source(s.id);
      if (st && st->next_due > clock.now()) continue;
      REQUIRE(fetcher.submit(monitor.request_for(s), [&, s](Expected<HttpResponse> res) {
        out[s.id] = monitor.handle_response(s, res);
      }));
    }
    io.run();
    return out;
  };
  auto state = [&](const std::string& id) {
    auto st = store.source(id);
    REQUIRE(st);
    return *st;
  };
  const int64_t t0 = clock.now();

  // Cycle 1.
  auto c1 = cycle();
  CHECK(c1["healthy"].new_articles == 3);
  CHECK(c1["etag"].new_articles == 2);
  CHECK(state("etag").etag == "\"v1\"");
  CHECK(c1["lastmod"].new_articles == 2);
  CHECK(state("lastmod").last_modified == last_modified);
  CHECK(state("limited").last_error == "HTTP 429");
  CHECK(state("limited").next_due == t0 + 3600);  // Retry-After, not the backoff
  CHECK(state("flaky").failures == 1);
  CHECK(state("flaky").last_error == "HTTP 500");
  CHECK(state("loop").last_error.find("too many redirects") != std::string::npos);
  CHECK(state("big").last_error.find("exceeds the limit of 1048576 bytes") != std::string::npos);
  CHECK(state("bomb").last_error.find("exceeds the limit of 1048576 bytes") != std::string::npos);
  CHECK(state("html").last_error.find("HTML") != std::string::npos);
  INFO("slow: " << state("slow").last_error);
  CHECK(state("slow").last_error.find("too slow") != std::string::npos);
  CHECK(state("refused").last_error.find("onnect") != std::string::npos);
  for (const char* id : {"limited", "flaky", "loop", "big", "bomb", "html", "slow", "refused"}) {
    INFO(id);
    CHECK(state(id).failures == 1);
    CHECK(state(id).next_due > t0);  // never dropped: a next try is scheduled
    CHECK_FALSE(state(id).last_success.has_value());
  }
  // Backoff starts at the source's interval (15 min, +-10 %).
  CHECK(state("flaky").next_due - t0 >= 810);
  CHECK(state("flaky").next_due - t0 <= 990);

  // Cycle 2, when the backoff has passed: conditional GETs answered 304, the 500 again (backoff
  // doubles), the healthy source served again. The trickling server is left alone (one costs
  // two seconds).
  clock.set(t0 + 1000);
  const size_t etag_requests = etag.request_count();
  auto c2 = cycle({"slow"});
  CHECK(c2["etag"].not_modified == 1);
  CHECK(etag.requests().back().headers.at("if-none-match") == "\"v1\"");
  CHECK(etag.request_count() == etag_requests + 1);
  CHECK(c2["lastmod"].not_modified == 1);
  CHECK(lastmod.requests().back().headers.at("if-modified-since") == last_modified);
  CHECK(c2["healthy"].fetched == 1);
  CHECK(c2["healthy"].new_articles == 0);  // the same items: nothing new
  CHECK(c2.count("limited") == 0);         // still inside its Retry-After
  CHECK(state("flaky").failures == 2);
  CHECK(state("flaky").next_due - (t0 + 1000) >= 1620);  // 2 x 15 min, +-10 %
  CHECK(state("flaky").next_due - (t0 + 1000) <= 1980);

  // Cycle 3: the flaky source recovers and its failure count is reset.
  clock.set(t0 + 4000);
  auto c3 = cycle({"slow"});
  CHECK(c3["flaky"].new_articles == 1);
  CHECK(state("flaky").failures == 0);
  CHECK(state("flaky").last_error.empty());
  CHECK(c3["limited"].failed == 1);  // polled again once Retry-After passed
  CHECK(c3["healthy"].fetched == 1);
  CHECK(store.integrity_check() == "ok");
}

TEST_CASE("polling: per-host concurrency and Retry-After hold the host's queue",
          "[integration][polling]") {
  std::mutex mu;
  int in_flight = 0, max_in_flight = 0;
  std::atomic<int> calls{0};
  test::HttpServer server([&](const test::Request&) {
    {
      std::lock_guard<std::mutex> lock(mu);
      max_in_flight = std::max(max_in_flight, ++in_flight);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    {
      std::lock_guard<std::mutex> lock(mu);
      --in_flight;
    }
    return ++calls == 1 ? test::Response{429, {{"Retry-After", "1"}}, ""}
                        : test::Response{200, {}, "ok"};
  });
  CurlGlobal curl;
  asio::io_context io;
  Fetcher fetcher(io, {64, 2, 0, 1000});
  std::vector<std::chrono::steady_clock::time_point> done_at;
  const auto start = std::chrono::steady_clock::now();
  HttpRequest first;
  first.url = server.url("/a");
  first.allow_private = true;
  REQUIRE(fetcher.submit(first, [&](Expected<HttpResponse> r) {
    REQUIRE(r);
    CHECK(r->status == 429);
    // Everything queued behind the 429 for this host waits for its Retry-After (1 s).
    for (int i = 0; i < 6; ++i) {
      HttpRequest q = first;
      q.url = server.url("/b" + std::to_string(i));
      REQUIRE(fetcher.submit(q, [&](Expected<HttpResponse> r2) {
        CHECK(r2);
        done_at.push_back(std::chrono::steady_clock::now());
      }));
    }
  }));
  io.run();
  REQUIRE(done_at.size() == 6);
  CHECK(max_in_flight <= 2);
  for (auto t : done_at) CHECK(t - start >= std::chrono::milliseconds(900));
  CHECK(fetcher.stats().completed == 7);
}

TEST_CASE("schedule: the interval follows a source's publishing rate, and back", "[schedule]") {
  // A source that publishes every 10 minutes, then every 3 hours, then every 10 minutes again;
  // the poller follows its own schedule on a fake clock.
  int64_t now = 1734600000;
  int64_t interval = 900, last_success = now - 900;
  int64_t published_up_to = now;
  int64_t period = 600;
  auto run = [&](int polls) {
    for (int i = 0; i < polls; ++i) {
      int items = 0;
      while (published_up_to + period <= now) {
        published_up_to += period;
        ++items;
      }
      ScheduleInput in;
      in.now = now;
      in.since_last_success = now - last_success;
      in.new_items = items;
      in.current_interval = interval;
      in.min_interval = 120;
      in.max_interval = 6 * 3600;
      const auto out = schedule_after_success(in, 1.0);
      interval = out.interval;
      last_success = now;
      now = out.next_due;
    }
  };
  run(30);
  CHECK(interval >= 400);
  CHECK(interval <= 900);
  period = 3 * 3600;
  run(30);
  CHECK(interval >= 2 * 3600);
  CHECK(interval <= 6 * 3600);
  period = 600;
  run(30);
  CHECK(interval >= 400);
  CHECK(interval <= 900);
}

TEST_CASE("schedule: hints and quiet hours", "[schedule]") {
  ScheduleInput in;
  in.now = 1734600000;  // Thursday 2024-12-19 09:20 UTC
  in.current_interval = 600;
  in.min_interval = 120;
  in.max_interval = 6 * 3600;
  CHECK(schedule_after_success(in, 1.0).next_due == in.now + 600);
  in.ttl_seconds = 3600;  // <ttl>60</ttl>: not before an hour
  CHECK(schedule_after_success(in, 1.0).next_due == in.now + 3600);
  in.ttl_seconds = 48 * 3600;  // capped at max_interval
  CHECK(schedule_after_success(in, 1.0).next_due == in.now + 6 * 3600);
  in.ttl_seconds.reset();
  in.skip_hours = {9, 10};  // due at 09:30 -> 11:00
  CHECK(schedule_after_success(in, 1.0).next_due == 1734606000);
  in.skip_hours.clear();
  in.skip_days = {"Thursday"};  // -> Friday 00:00
  CHECK(schedule_after_success(in, 1.0).next_due == 1734652800);
  CHECK(cache_lifetime("public, max-age=300", "", 0) == 300);
  CHECK(cache_lifetime("no-cache", "", 0) == 0);
  CHECK(cache_lifetime("", "Thu, 19 Dec 2024 10:20:00 GMT", 1734600000) == 3600);
  CHECK_FALSE(cache_lifetime("public", "", 0).has_value());
}
