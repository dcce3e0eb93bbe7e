// The real `rasd run` against a farm of hostile sources on 127.0.0.1, all at once, beside a
// healthy source and a webhook receiver that never answers (issue 18): a server that never
// answers, drips a byte a second, resets mid-body, sends an endless body, a gzip bomb, titles and
// content nested 2,000,000 deep, a redirect loop, a 429 storm, HTML as a feed, a lying charset,
// a TLS handshake that stalls, a bad certificate, and a name that does not exist. While they
// run the watchdog never pauses more than 2 s, the healthy source is polled on schedule, the
// process never dies; each bad source shows a precise error and its backoff in
// `rasd sources list`; SIGTERM exits within 12 s.
// Then the same for a name whose resolver drops every query (a real UDP server on
// 127.0.0.153:53 and a resolv.conf of the daemon's own, in a mount namespace), and for webhooks
// behind a stalled TLS handshake and a bad certificate.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <csignal>
#include <map>
#include <thread>

#include "fault_support.hpp"
#include "hostile_input.hpp"
#include "http_server.hpp"
#include "test_util.hpp"

using namespace rasd;
using namespace rasd::test;
using namespace std::chrono_literals;

namespace {

// `openssl s_server` with a fresh self-signed certificate: a TLS peer whose certificate no CA
// vouches for.
class BadCertServer {
 public:
  explicit BadCertServer(const TempDir& dir) {
    const std::string key = dir.file("key.pem"), cert = dir.file("cert.pem");
    auto r = run_process({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                          "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"});
    REQUIRE(r.exit_code == 0);
    {
      SilentListener probe;  // a free port: bound, read, released
      port_ = probe.port();
    }
    proc_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/openssl", "s_server", "-quiet", "-accept",
                                 std::to_string(port_), "-cert", cert, "-key", key, "-www"});
    std::this_thread::sleep_for(300ms);
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/feed.xml"; }

 private:
  unsigned short port_ = 0;
  std::unique_ptr<Process> proc_;
};

// The healthy source: a new item at every poll, so that its interval stays at min_interval
// (a feed with nothing new is polled less and less often).
Response fresh_item_feed(int n) {
  const std::string id = "h" + std::to_string(n);
  return Response{200,
                  {{"Content-Type", "application/rss+xml"}},
                  "<rss version=\"2.0\"><channel><title>h</title><item><title>طقس " + id +
                      "</title><guid>" + id + "</guid><description>طقس" + distinct_words(id) +
                      "</description></item></channel></rss>"};
}

// A DNS server that reads every query and never answers: 127.0.0.153:53 (port 53 needs root;
// ok() is false where it cannot be bound).
class DroppingResolver {
 public:
  DroppingResolver() {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(53);
    a.sin_addr.s_addr = htonl(0x7f000099);  // 127.0.0.153
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
    timeval tv{0, 100000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ok_ = true;
    thread_ = std::thread([this] {
      char buf[1500];
      while (!stop_) {
        if (recv(fd_, buf, sizeof buf, 0) > 0) ++queries_;
      }
    });
  }
  ~DroppingResolver() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return ok_; }
  int queries() const { return queries_; }

 private:
  int fd_ = -1;
  bool ok_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<int> queries_{0};
  std::thread thread_;
};

// Runs argv with /etc/resolv.conf replaced, in a mount namespace of its own (needs root); the
// prefix of the command, or empty where namespaces cannot be made here.
std::vector<std::string> with_resolv_conf(const std::string& resolv) {
  auto probe = run_process({"/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh",
                            "-c", "mount --bind \"$0\" /etc/resolv.conf", resolv});
  if (probe.exit_code != 0) return {};
  return {"/usr/bin/unshare",
          "--mount",
          "--propagation",
          "private",
          "/bin/sh",
          "-c",
          "mount --bind \"$0\" /etc/resolv.conf && exec \"$@\"",
          resolv};
}

}  // namespace

TEST_CASE(
    "hostile sources: a name whose resolver never answers holds neither the loop nor the "
    "watchdog, and the source reports a resolve timeout",
    "[integration][runtime][faults][hostile][dns]") {
  TempDir dir;
  DroppingResolver resolver;
  const std::string resolv =
      dir.write("resolv.conf", "nameserver 127.0.0.153\noptions timeout:30 attempts:1\n");
  const auto prefix = with_resolv_conf(resolv);
  if (!resolver.ok() || prefix.empty()) {
    WARN("SKIPPED: needs root to bind 127.0.0.153:53 and a mount namespace for resolv.conf");
    return;
  }
  std::atomic<int> healthy_polls{0};
  HttpServer site([&](const Request&) { return fresh_item_feed(++healthy_polls); });
  dir.write("rules.yaml", "rules:\n  - id: isis\n    query: داعش\n");
  const std::string cfg = dir.write(
      "rasd.yaml",
      "store: {path: rasd.db}\nrules: [rules.yaml]\nnetwork: {allow_private: true}\n"
      "http: {listen: \"\"}\n"
      "defaults: {interval: 1s, min_interval: 1s, timeout: 3s, per_host_gap: 0}\nsources:\n"
      "  - {id: healthy, url: \"" +
          site.url("/healthy.xml") +
          "\"}\n"
          "  - {id: no_answer, url: \"http://news.never-answers.test/feed.xml\"}\n");
  NotifySocket notify(dir.file("notify.sock"));
  std::vector<std::string> argv = prefix;
  for (const std::string a : {RASD_BINARY, "run", "--config", cfg.c_str(), "--tick-ms", "100"})
    argv.push_back(a);
  Process rasd(argv, {notify.env(), "WATCHDOG_USEC=2000000"});
  REQUIRE(rasd.wait_for("rasd running", 20000));
  const auto from = SteadyClock::now();
  rasd.wait_for("\x01never logged\x01", 8000);  // the 3 s timeout fires, twice at least
  const auto to = SteadyClock::now();
  const auto [gap, pings] = notify.watchdog(from, to);
  INFO(rasd.err());
  CHECK(resolver.queries() >= 1);
  CHECK(gap < 2.0);
  CHECK(pings >= 40);
  CHECK(healthy_polls >= 5);
  auto list = run_process({RASD_BINARY, "sources", "list", "--config", cfg});
  REQUIRE(list.exit_code == 0);
  const auto at = list.out.find("\"id\":\"no_answer\"");
  REQUIRE(at != std::string::npos);
  const std::string line = list.out.substr(at, list.out.find('\n', at) - at);
  INFO(line);
  CHECK((line.find("Resolving timed out") != std::string::npos ||
         line.find("resolve") != std::string::npos));
  const auto stop_at = SteadyClock::now();
  rasd.signal(SIGTERM);
  CHECK(rasd.wait() == 0);
  CHECK(std::chrono::duration<double>(SteadyClock::now() - stop_at).count() < 12.0);
}

TEST_CASE(
    "hostile sources: the daemon keeps its watchdog, polls the healthy source, reports each "
    "precisely, and stops in time",
    "[integration][runtime][faults][hostile]") {
  TempDir dir;
  const std::string feed_head = "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n";
  // Each hostile behaviour on its own port (politeness is per host).
  RawServer never([](int fd, const std::atomic<bool>& stop) {
    RawServer::read_head(fd);
    while (!stop) RawServer::nap(stop, 100);
  });
  RawServer drip([&](int fd, const std::atomic<bool>& stop) {
    RawServer::read_head(fd);
    RawServer::send_all(fd, feed_head + "Content-Length: 100000\r\n\r\n<rss>");
    while (!stop && RawServer::send_all(fd, " ")) RawServer::nap(stop, 1000);
  });
  RawServer reset([&](int fd, const std::atomic<bool>&) {
    RawServer::read_head(fd);
    RawServer::send_all(fd,
                        feed_head + "Content-Length: 100000\r\n\r\n<rss version=\"2.0\"><channel>");
    linger l{1, 0};  // close with RST
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  });
  RawServer endless([&](int fd, const std::atomic<bool>& stop) {
    RawServer::read_head(fd);
    RawServer::send_all(fd, feed_head + "\r\n<rss version=\"2.0\"><channel><title>");
    const std::string chunk(64 << 10, 'a');
    while (!stop && RawServer::send_all(fd, chunk)) {
    }
  });
  const std::string bomb = gzip(std::string(64 << 20, ' '));
  const std::string deep_title = "<rss version=\"2.0\"><channel><title>t</title><item><title>" +
                                 nest("<a>", "x", "</a>") +
                                 "</title><guid>deep</guid></item></channel></rss>";
  const std::string deep_content =
      "<rss version=\"2.0\"><channel><title>t</title><item><title>ok</title><guid>dc</guid>"
      "<description><![CDATA[" +
      nest("<b>", "x", "</b>") + "]]></description></item></channel></rss>";
  std::atomic<int> healthy_polls{0};
  HttpServer site([&](const Request& r) -> Response {
    if (r.target == "/bomb.xml")
      return {200, {{"Content-Type", "application/rss+xml"}, {"Content-Encoding", "gzip"}}, bomb};
    if (r.target == "/deep-title.xml")
      return {200, {{"Content-Type", "application/rss+xml"}}, deep_title};
    if (r.target == "/deep-content.xml")
      return {200, {{"Content-Type", "application/rss+xml"}}, deep_content};
    if (r.target == "/loop.xml") return {302, {{"Location", "/loop.xml"}}, ""};
    if (r.target == "/html.xml")
      return {200,
              {{"Content-Type", "text/html"}},
              "<html><body><h1>Not a feed</h1><p>a page</p></body></html>"};
    if (r.target == "/liar.xml") {
      // Says UTF-8, is windows-1256 ("داعش" is C7 CF DA D4 there): invalid UTF-8 that must not
      // stop the feed.
      return {
          200,
          {{"Content-Type", "application/rss+xml; charset=utf-8"}},
          "<rss version=\"2.0\"><channel><title>t</title><item><title>\xC7\xCF\xDA\xD4 liar</title>"
          "<guid>liar-1</guid></item></channel></rss>"};
    }
    ++healthy_polls;
    return {200,
            {{"Content-Type", "application/rss+xml"}},
            "<rss version=\"2.0\"><channel><title>h</title><item><title>داعش " +
                std::to_string(healthy_polls.load()) + "</title><guid>h-" +
                std::to_string(healthy_polls.load()) + "</guid><description>داعش" +
                distinct_words("h" + std::to_string(healthy_polls.load())) +
                "</description></item></channel></rss>"};
  });
  // A 429 with Retry-After holds its whole host (politeness): the storm has a host of its own.
  HttpServer storm([](const Request&) -> Response {
    return {429, {{"Retry-After", "120"}}, "slow down"};
  });
  SilentListener tls_stall, hang_hook;
  BadCertServer bad_cert(dir);

  const std::map<std::string, std::string> sources = {
      {"never", never.url("/feed.xml")},
      {"drip", drip.url("/feed.xml")},
      {"reset", reset.url("/feed.xml")},
      {"endless", endless.url("/feed.xml")},
      {"bomb", site.url("/bomb.xml")},
      {"deep_title", site.url("/deep-title.xml")},
      {"deep_content", site.url("/deep-content.xml")},
      {"loop", site.url("/loop.xml")},
      {"storm", storm.url("/storm.xml")},
      {"html", site.url("/html.xml")},
      {"liar", site.url("/liar.xml")},
      {"tls_stall", tls_stall.url("/feed.xml").replace(0, 4, "https")},
      {"bad_cert", bad_cert.url()},
      {"no_dns", "http://never-resolves.invalid/feed.xml"},
  };
  std::string yaml =
      "store: {path: rasd.db}\nrules: [rules.yaml]\nnetwork: {allow_private: true}\nhttp: {listen: "
      "\"\"}\n"
      "defaults: {interval: 1s, min_interval: 1s, timeout: 5s, max_body: 16MiB, per_host_gap: 0}\n"
      "webhooks:\n  - {name: hang, url: \"" +
      hang_hook.url("/hook") +
      "\", timeout: 30s}\nsources:\n"
      "  - {id: healthy, url: \"" +
      site.url("/healthy.xml") + "\"}\n";
  for (const auto& [id, url] : sources)
    yaml += "  - {id: " + id + ", url: \"" + url + "\", interval: 1h}\n";
  dir.write("rules.yaml", "rules:\n  - id: isis\n    query: داعش\n    notify: [hang]\n");
  const std::string cfg = dir.write("rasd.yaml", yaml);

  NotifySocket notify(dir.file("notify.sock"));
  Process rasd({RASD_BINARY, "run", "--config", cfg, "--tick-ms", "100"},
               {notify.env(), "WATCHDOG_USEC=2000000"});
  REQUIRE(rasd.wait_for("rasd running", 20000));
  const auto from = SteadyClock::now();
  // Long enough for every timeout (5 s) to have fired once.
  rasd.wait_for("\x01never logged\x01",
                9000);  // reads its log meanwhile (a full pipe would block it)
  const auto to = SteadyClock::now();
  const auto [gap, pings] = notify.watchdog(from, to);
  INFO(rasd.err());
  CHECK(gap < 2.0);
  CHECK(pings >= 40);
  CHECK(healthy_polls >= 5);

  // Each bad source: a precise error and its backoff, from the real CLI.
  auto list = run_process({RASD_BINARY, "sources", "list", "--config", cfg});
  REQUIRE(list.exit_code == 0);
  std::map<std::string, boost::json::object> state;
  size_t pos = 0;
  while (pos < list.out.size()) {
    const size_t nl = list.out.find('\n', pos);
    const std::string line = list.out.substr(pos, nl - pos);
    pos = nl == std::string::npos ? list.out.size() : nl + 1;
    if (line.empty()) continue;
    auto o = boost::json::parse(line).as_object();
    state[std::string(o["id"].as_string())] = o;
  }
  auto error_of = [&](const std::string& id) {
    REQUIRE(state.count(id));
    return std::string(state[id]["last_error"].as_string());
  };
  auto check_failed = [&](const std::string& id, const std::vector<std::string>& any_of) {
    INFO("source " << id << ": " << boost::json::serialize(state[id]));
    const std::string err = error_of(id);
    bool found = false;
    for (const auto& needle : any_of) found = found || err.find(needle) != std::string::npos;
    CHECK(found);
    CHECK(state[id]["failures"].as_int64() >= 1);
    CHECK(state[id]["backoff_seconds"].is_int64());
    CHECK(state[id]["backoff_seconds"].as_int64() > 0);
  };
  check_failed("never", {"Timeout", "timed out"});
  check_failed("drip", {"Timeout", "timed out", "too slow"});
  check_failed("reset", {"reset", "Recv failure", "transfer closed", "Failure when receiving"});
  check_failed("endless", {"exceeds the limit"});
  check_failed("bomb", {"exceeds the limit"});
  check_failed("loop", {"too many redirects"});
  check_failed("storm", {"HTTP 429"});
  CHECK(state["storm"]["backoff_seconds"].as_int64() == 120);  // Retry-After, not the backoff
  check_failed("html", {"feed", "RSS", "XML", "root"});
  check_failed("tls_stall", {"Timeout", "timed out", "SSL"});
  check_failed("bad_cert", {"certificate", "SSL"});
  check_failed("no_dns", {"resolve", "Could not"});
  // Nested 2,000,000 deep: a clean error or a parsed item, never a crash.
  for (const std::string id : {"deep_title", "deep_content"}) {
    INFO("source " << id << ": " << boost::json::serialize(state[id]));
    CHECK(state[id]["last_fetch"].is_string());
    CHECK((state[id]["failures"].as_int64() == 0 || !error_of(id).empty()));
  }
  // The lying charset: read anyway.
  CHECK(state["liar"]["failures"].as_int64() == 0);
  CHECK(scalar(dir.file("rasd.db"), "SELECT count(*) FROM articles WHERE source_id = 'liar'") ==
        "1");

  const auto stop_at = SteadyClock::now();
  rasd.signal(SIGTERM);
  CHECK(rasd.wait() == 0);
  CHECK(std::chrono::duration<double>(SteadyClock::now() - stop_at).count() < 12.0);
  CHECK(scalar(dir.file("rasd.db"), "SELECT count(*) FROM deliveries WHERE state = 'pending'") !=
        "0");
}

TEST_CASE(
    "hostile webhooks: a TLS handshake that stalls and a bad certificate each fail their "
    "delivery precisely and hold neither polling nor the watchdog",
    "[integration][runtime][faults][hostile][delivery]") {
  TempDir dir;
  SilentListener tls_stall;
  BadCertServer bad_cert(dir);
  std::atomic<int> healthy_polls{0};
  HttpServer site([&](const Request& r) {
    if (r.target == "/alert.xml") {
      return Response{200,
                      {{"Content-Type", "application/rss+xml"}},
                      "<rss version=\"2.0\"><channel><title>a</title><item><title>هجوم لداعش"
                      "</title><guid>g1</guid><description>هجوم لداعش في البادية</description>"
                      "</item></channel></rss>"};
    }
    return fresh_item_feed(++healthy_polls);
  });
  dir.write("rules.yaml", "rules:\n  - id: isis\n    query: داعش\n    notify: [stall, bad]\n");
  const std::string cfg =
      dir.write("rasd.yaml",
                "store: {path: rasd.db}\nrules: [rules.yaml]\nnetwork: {allow_private: true}\n"
                "http: {listen: \"\"}\n"
                "defaults: {interval: 1s, min_interval: 1s, timeout: 5s, per_host_gap: 0}\n"
                "webhooks:\n  - {name: stall, url: \"" +
                    tls_stall.url("/hook").replace(0, 4, "https") +
                    "\", timeout: 3s, group_wait: 0s}\n"
                    "  - {name: bad, url: \"" +
                    bad_cert.url() +
                    "\", group_wait: 0s}\n"
                    "sources:\n  - {id: alert, url: \"" +
                    site.url("/alert.xml") + "\", interval: 1h}\n  - {id: healthy, url: \"" +
                    site.url("/healthy.xml") + "\"}\n");
  NotifySocket notify(dir.file("notify.sock"));
  Process rasd({RASD_BINARY, "run", "--config", cfg, "--tick-ms", "100"},
               {notify.env(), "WATCHDOG_USEC=2000000"});
  REQUIRE(rasd.wait_for("rasd running", 20000));
  const auto from = SteadyClock::now();
  rasd.wait_for("\x01never logged\x01", 6000);  // the stalled handshake's 3 s timeout fires
  const auto to = SteadyClock::now();
  const auto [gap, pings] = notify.watchdog(from, to);
  INFO(rasd.err());
  CHECK(gap < 2.0);
  CHECK(pings >= 30);
  CHECK(healthy_polls >= 4);
  const std::string db = dir.file("rasd.db");
  auto delivery = [&](const std::string& hook) {
    return scalar(db,
                  "SELECT state || ' ' || attempts || ' ' || last_error FROM deliveries "
                  "WHERE state <> 'grouped' AND webhook = '" +
                      hook + "'");  // the group's delivery
  };
  const std::string stalled = delivery("stall"), refused = delivery("bad");
  INFO(stalled << "\n" << refused);
  CHECK(stalled.rfind("pending ", 0) == 0);  // failed, to be retried on the schedule
  CHECK((stalled.find("timed out") != std::string::npos ||
         stalled.find("Timeout") != std::string::npos));
  CHECK(refused.rfind("pending ", 0) == 0);
  CHECK((refused.find("certificate") != std::string::npos ||
         refused.find("SSL") != std::string::npos));
  const auto stop_at = SteadyClock::now();
  rasd.signal(SIGTERM);
  CHECK(rasd.wait() == 0);
  CHECK(std::chrono::duration<double>(SteadyClock::now() - stop_at).count() < 12.0);
}
