// The outbound address policy against real servers on 127.0.0.1, through both HTTP clients (the
// blocking CurlHttpClient and the event-loop Fetcher): a keep-alive connection opened for a
// request that may reach private addresses is never handed to a request that may not, requests
// that all allow private addresses still share their connections, and proxies named in the
// environment are never used (a proxy would be the only address checked, not the target).
#include <boost/asio.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <optional>

#include "http_server.hpp"
#include "rasd/daemon/curl_http_client.hpp"
#include "rasd/daemon/fetcher.hpp"

using namespace rasd;
namespace asio = boost::asio;

namespace {

test::Response ok(const std::string& body) {
  return test::Response{200, {{"Content-Type", "text/plain"}}, body};
}

HttpRequest get(const std::string& url, bool allow_private) {
  HttpRequest r;
  r.url = url;
  r.allow_private = allow_private;
  r.timeout_ms = 10000;
  return r;
}

// One request through a Fetcher, run to completion on its loop; the Fetcher (and its connection
// cache) lives on between calls.
struct FetcherRig {
  asio::io_context io;
  Fetcher fetcher{io, {64, 2, 0, 1000}};

  Expected<HttpResponse> perform(const HttpRequest& request) {
    std::optional<Expected<HttpResponse>> out;
    REQUIRE(fetcher.submit(request, [&](Expected<HttpResponse> r) { out.emplace(std::move(r)); }));
    io.restart();
    io.run();
    REQUIRE(out);
    return std::move(*out);
  }
};

struct BlockingRig {
  CurlHttpClient client;
  Expected<HttpResponse> perform(const HttpRequest& request) { return client.perform(request); }
};

// Sets environment variables for one test and puts the old values back.
class EnvGuard {
 public:
  explicit EnvGuard(std::vector<std::string> names) {
    for (auto& n : names) {
      const char* v = std::getenv(n.c_str());
      saved_.emplace_back(n, v ? std::optional<std::string>(v) : std::nullopt);
      ::unsetenv(n.c_str());
    }
  }
  ~EnvGuard() {
    for (const auto& [n, v] : saved_)
      v ? ::setenv(n.c_str(), v->c_str(), 1) : ::unsetenv(n.c_str());
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

template <typename Rig>
void check_no_reuse_across_policies() {
  test::HttpServer server([](const test::Request&) { return ok("private data"); }, 0,
                          test::Connection::keep_alive);
  Rig rig;
  const std::string url = server.url("/internal");

  auto allowed = rig.perform(get(url, true));
  REQUIRE(allowed);
  CHECK(allowed->body == "private data");

  // Same host and port, without allow_private: the idle keep-alive connection must not serve it.
  auto refused = rig.perform(get(url, false));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("address not allowed: 127.0.0.1") != std::string::npos);
  CHECK(server.request_count() == 1);

  // The allowed request's connection is still there for the next allowed request.
  auto again = rig.perform(get(url, true));
  REQUIRE(again);
  CHECK(again->body == "private data");
  CHECK(server.request_count() == 2);
  CHECK(server.connection_count() == 1);
}

template <typename Rig>
void check_keep_alive_under_allow_private() {
  test::HttpServer server([](const test::Request& r) { return ok(r.target); }, 0,
                          test::Connection::keep_alive);
  Rig rig;
  for (int i = 0; i < 3; ++i) {
    auto r = rig.perform(get(server.url("/" + std::to_string(i)), true));
    REQUIRE(r);
    CHECK(r->body == "/" + std::to_string(i));
  }
  CHECK(server.request_count() == 3);
  CHECK(server.connection_count() == 1);
}

template <typename Rig>
void check_environment_proxy_ignored(const std::string& variable) {
  INFO(variable);
  test::HttpServer target([](const test::Request&) { return ok("from target"); });
  test::HttpServer proxy([](const test::Request&) { return ok("from proxy"); });
  EnvGuard env({"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                "no_proxy", "NO_PROXY"});
  ::setenv(variable.c_str(), ("http://127.0.0.1:" + std::to_string(proxy.port())).c_str(), 1);
  Rig rig;
  auto r = rig.perform(get(target.url("/feed.xml"), true));
  REQUIRE(r);
  CHECK(r->body == "from target");
  CHECK(target.request_count() == 1);
  CHECK(proxy.request_count() == 0);
  CHECK(proxy.connection_count() == 0);
}

}  // namespace

TEST_CASE(
    "fetch policy: a connection opened under allow_private is not reused without it (blocking "
    "client)",
    "[integration][safety]") {
  CurlGlobal curl;
  check_no_reuse_across_policies<BlockingRig>();
}

TEST_CASE(
    "fetch policy: a connection opened under allow_private is not reused without it (fetcher)",
    "[integration][safety]") {
  CurlGlobal curl;
  check_no_reuse_across_policies<FetcherRig>();
}

TEST_CASE("fetch policy: requests that all allow private addresses share a keep-alive connection",
          "[integration][safety]") {
  CurlGlobal curl;
  SECTION("blocking client") { check_keep_alive_under_allow_private<BlockingRig>(); }
  SECTION("fetcher") { check_keep_alive_under_allow_private<FetcherRig>(); }
}

TEST_CASE("fetch policy: proxies named in the environment are not used (blocking client)",
          "[integration][safety]") {
  CurlGlobal curl;
  for (const char* v : {"http_proxy", "ALL_PROXY", "all_proxy"})
    check_environment_proxy_ignored<BlockingRig>(v);
}

TEST_CASE("fetch policy: proxies named in the environment are not used (fetcher)",
          "[integration][safety]") {
  CurlGlobal curl;
  for (const char* v : {"http_proxy", "ALL_PROXY", "all_proxy"})
    check_environment_proxy_ignored<FetcherRig>(v);
}

TEST_CASE("fetch policy: the fetcher runs both policies at once, each on its own connections",
          "[integration][safety]") {
  // Requests with and without allow_private, to one keep-alive host, in flight together on one
  // loop: every allowed one is served, every other one is refused, none by a shared connection.
  test::HttpServer server([](const test::Request& r) { return ok(r.target); }, 0,
                          test::Connection::keep_alive);
  CurlGlobal curl;
  asio::io_context io;
  Fetcher fetcher(io, {64, 8, 0, 1000});
  int served = 0, refused = 0;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 8; ++i) {
      const bool allow = i % 2 == 0;
      const std::string path = "/" + std::to_string(round) + "/" + std::to_string(i);
      REQUIRE(
          fetcher.submit(get(server.url(path), allow), [&, allow, path](Expected<HttpResponse> r) {
            if (allow) {
              REQUIRE(r);
              CHECK(r->body == path);
              ++served;
            } else {
              REQUIRE_FALSE(r);
              CHECK(r.error().message.find("address not allowed: 127.0.0.1") != std::string::npos);
              ++refused;
            }
          }));
    }
    io.restart();
    io.run();
  }
  CHECK(served == 12);
  CHECK(refused == 12);
  CHECK(server.request_count() == 12);
  CHECK(server.connection_count() <= 4);  // at most per_host_concurrency / 2 per round, kept alive
  CHECK(fetcher.stats().completed == 12);
  CHECK(fetcher.stats().failed == 12);
}
