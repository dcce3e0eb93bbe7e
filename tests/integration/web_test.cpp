// The dashboard's first pages (issue 21) on the real `rasd run` process: sign-in with the API
// token into an HttpOnly, SameSite=Strict session cookie, throttled after failures; the alerts
// list and one alert with its article, the hits marked (an obfuscated spelling marked as such),
// every feed text escaped and isolated in <bdi>; a strict Content-Security-Policy; sign-out
// guarded by the session's CSRF token.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <regex>

#include "http_server.hpp"
#include "rasd/daemon/curl_http_client.hpp"
#include "rasd/daemon/store.hpp"
#include "test_util.hpp"

using namespace rasd;

namespace {

const std::string kToken = "t0ken-for-web-tests-0123456789";

struct Browser {
  int port = 0;
  std::string cookie;  // "rasd_session=..." once signed in
  CurlHttpClient http;
  HttpResponse go(const std::string& method, const std::string& target,
                  const std::string& form = "",
                  const std::vector<std::pair<std::string, std::string>>& more = {}) {
    HttpRequest r;
    r.method = method;
    r.url = "http://127.0.0.1:" + std::to_string(port) + target;
    r.allow_private = true;
    r.max_redirects = 0;
    r.timeout_ms = 10000;
    if (!cookie.empty()) r.headers.emplace_back("cookie", cookie);
    for (const auto& h : more) r.headers.push_back(h);
    if (method == "POST") {
      r.body = form;
      r.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
    }
    auto res = http.perform(r);
    REQUIRE(res);
    return *res;
  }
  // Posts the sign-in form; on its 303, keeps the session cookie. Returns the answer.
  HttpResponse sign_in(const std::string& login_path, const std::string& token) {
    HttpResponse in = go("POST", login_path, "token=" + token);
    REQUIRE(in.status == 303);
    const std::string set = in.header("set-cookie");
    cookie = set.substr(0, set.find(';'));
    return in;
  }
};

bool contains(const std::string& s, const std::string& what) {
  return s.find(what) != std::string::npos;
}

// What an event stream sends within `ms` after a GET with these headers (a raw socket: the
// stream never ends, so no HTTP client would return it). Reads until `until` is seen or time
// runs out.
std::string read_stream(int port, const std::string& target, const std::string& headers,
                        const std::string& until, int ms) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n";
  REQUIRE(::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size()));
  std::string got;
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (got.find(until) == std::string::npos && std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return got;
}

}  // namespace

TEST_CASE(
    "dashboard: sign in with the token, see the alerts and one alert with its hits marked, "
    "hostile feed text escaped, sign out with the CSRF token",
    "[integration][web]") {
  // A hostile title (markup characters and a right-to-left override; the feed parser already
  // drops tags such as <script>) over an article that names the group
  // twice: once plainly, once obfuscated (داعـ.ـش: found in the collapsed view).
  test::HttpServer site([&](const test::Request&) {
    return test::Response{
        200,
        {{"Content-Type", "application/rss+xml"}},
        "<rss version=\"2.0\"><channel><title>t</title><item><guid>g1</guid><title>" +
            std::string("1 &lt; 2 &amp;amp; 3 &gt; 0 \"q\" \u202Eهجوم لداعش") +
            "</title><description>أعلن تنظيم داعـ.ـش مسؤوليته عن الهجوم في ريف دير الزور، وقال "
            "مصدر إن داعش نقل عناصره</description></item></channel></rss>"};
  });
  test::TempDir dir;
  dir.write("rules/a.yaml", "rules:\n  - id: isis\n    query: داعش\n");
  dir.write("api-token", kToken + "\n");
  const std::string cfg =
      dir.write("rasd.yaml",
                "store: {path: rasd.db}\nrules: [rules]\nnetwork: {allow_private: true}\n"
                "http: {listen: \"127.0.0.1:0\", token_file: api-token}\nsources:\n"
                "  - {id: s, url: \"" +
                    site.url("/f.xml") + "\"}\n");
  test::Process rasd({RASD_BINARY, "run", "--config", cfg, "--tick-ms", "50"});
  REQUIRE(rasd.wait_for("alert", 10000));
  Browser b;
  b.port = test::api_port(rasd);
  REQUIRE(b.port > 0);

  // Signed out: the sign-in form, under the policy, and no session.
  auto front = b.go("GET", "/");
  CHECK(front.status == 200);
  CHECK(contains(front.body, "name=\"token\""));
  CHECK(contains(front.header("content-security-policy"), "default-src 'none'"));
  CHECK(contains(front.header("content-security-policy"), "frame-ancestors 'none'"));
  CHECK(front.header("x-content-type-options") == "nosniff");
  CHECK(b.go("GET", "/alerts/whatever").status == 401);
  CHECK(contains(b.go("GET", "/").body, "name=\"token\""));

  // Another site's page cannot post the form (nor spend the address's attempts).
  CHECK(b.go("POST", "/login", "token=" + kToken, {{"origin", "http://evil.example"}}).status ==
        403);
  CHECK(b.go("POST", "/login", "token=" + kToken, {{"sec-fetch-site", "cross-site"}}).status ==
        403);
  auto wrong = b.go("POST", "/login", "token=nope");
  CHECK(wrong.status == 401);
  CHECK(wrong.header("set-cookie").empty());
  const std::string set = b.sign_in("/login", kToken).header("set-cookie");
  CHECK(contains(set, "HttpOnly"));
  CHECK(contains(set, "SameSite=Strict"));
  CHECK(contains(set, "Max-Age=43200"));

  // The alerts list: the title escaped, never markup, and isolated.
  auto list = b.go("GET", "/");
  REQUIRE(list.status == 200);
  CHECK_FALSE(contains(list.body, "<script>"));
  // The title's markup characters escaped, and its right-to-left override (U+202E) shown as
  // such rather than obeyed, inside the <bdi>.
  CHECK(contains(list.body,
                 "<bdi dir=\"auto\">1 &lt; 2 &amp; 3 &gt; 0 &quot;q&quot; ‹RLO›هجوم لداعش</bdi>"));
  std::smatch m;
  REQUIRE(std::regex_search(list.body, m, std::regex("href=\"/alerts/(alert_[0-9a-f]+)\"")));
  const std::string id = m[1];

  // The alert: the article with both spellings marked, the obfuscated one as such.
  auto one = b.go("GET", "/alerts/" + id);
  REQUIRE(one.status == 200);
  INFO(one.body);
  CHECK(contains(one.body, "<mark class=\"hit\">داعش</mark>"));
  CHECK(contains(one.body, "<mark class=\"hit collapsed\" title=\"obfuscated spelling"));
  CHECK(contains(one.body, ">داعـ.ـش</mark>"));
  CHECK(contains(one.body, "class=\"article\" dir=\"auto\""));
  CHECK_FALSE(contains(one.body, "<script>"));
  CHECK(contains(one.body, "The story in 1 articles"));
  CHECK(b.go("GET", "/alerts/alert_nothere").status == 404);
  auto css = b.go("GET", "/static/rasd.css");
  CHECK(css.status == 200);
  CHECK(contains(css.header("content-type"), "text/css"));

  // Sign-out needs the session's CSRF token.
  CHECK(b.go("POST", "/logout", "csrf=forged").status == 403);
  REQUIRE(std::regex_search(one.body, m, std::regex("name=\"csrf\" value=\"([0-9a-f]{64})\"")));
  auto out = b.go("POST", "/logout", "csrf=" + std::string(m[1]));
  CHECK(out.status == 303);
  CHECK(contains(out.header("set-cookie"), "Max-Age=0"));
  CHECK(b.go("GET", "/alerts/" + id).status == 401);  // the old cookie opens nothing

  // Failed sign-ins are throttled per address: after 5, even the right token waits.
  b.cookie.clear();
  for (int i = 0; i < 4; ++i) CHECK(b.go("POST", "/login", "token=bad").status == 401);
  CHECK(b.go("POST", "/login", "token=bad").status == 429);  // the 6th try (one failed above)
  CHECK(b.go("POST", "/login", "token=" + kToken).status == 429);
  // ... and so does the bearer header of the JSON API, from that address.
  Browser api;
  api.port = b.port;
  CHECK(api.go("GET", "/api/alerts", "", {{"authorization", "Bearer " + kToken}}).status == 429);
  rasd.signal(SIGTERM);
  CHECK(rasd.wait() == 0);
}

TEST_CASE(
    "dashboard: the live stream replays from Last-Event-ID, read-only and admin tokens, a base "
    "path with a Secure cookie, the rule tester cancelled, a dead delivery retried from the page",
    "[integration][web]") {
  test::HttpServer site([&](const test::Request& r) {
    if (r.method == "POST") return test::Response{500, {}, "down"};  // the webhook fails
    std::string items;
    for (int i = 1; i <= 100; ++i)
      items += "<item><guid>g" + std::to_string(i) + "</guid><title>خبر " + std::to_string(i) +
               " عن داعش</title><description>نص " + std::to_string(i) + "</description></item>";
    return test::Response{
        200,
        {{"Content-Type", "application/rss+xml"}},
        "<rss version=\"2.0\"><channel><title>t</title>" + items + "</channel></rss>"};
  });
  test::TempDir dir;
  dir.write("rules/a.yaml", "rules:\n  - id: isis\n    query: داعش\n    notify: [hook]\n");
  dir.write("api-token", kToken + "\n");
  const std::string kRead = "read-only-token-for-web-tests-987";
  dir.write("read-token", kRead + "\n");
  const std::string cfg = dir.write(
      "rasd.yaml",
      "store: {path: rasd.db}\nrules: [rules]\nnetwork: {allow_private: true}\n"
      "http: {listen: \"127.0.0.1:0\", token_file: api-token, read_token_file: read-token, "
      "base_path: /rasd, secure_cookies: true}\nwebhooks:\n  - {name: hook, url: \"" +
          site.url("/hook") + "\", group_wait: 0s}\nsources:\n  - {id: s, url: \"" +
          site.url("/f.xml") + "\"}\n");
  test::Process rasd({RASD_BINARY, "run", "--config", cfg, "--tick-ms", "50"});
  REQUIRE(rasd.wait_for("100 alerts", 20000));
  REQUIRE(rasd.wait_for("webhook 'hook'", 10000));  // the first attempts failed
  Browser b;
  b.port = test::api_port(rasd);

  // The read-only token reads and tests rules through the API, and changes nothing.
  Browser api;
  api.port = b.port;
  const std::pair<std::string, std::string> reader{"authorization", "Bearer " + kRead};
  CHECK(api.go("GET", "/api/alerts", "", {reader}).status == 200);
  CHECK(api.go("GET", "/rasd/api/alerts", "", {reader}).status == 200);  // under the base too
  auto tested = api.go("POST", "/api/rules/test",
                       R"({"rules": "rules:\n  - {id: x, query: داعش}\n", "text": "داعش"})",
                       {reader, {"content-type", "application/json"}});
  CHECK(tested.status == 200);
  CHECK(api.go("POST", "/api/silences",
               R"({"kind": "rule", "value": "isis", "for": "1h", "reason": "r"})",
               {reader, {"content-type", "application/json"}})
            .status == 403);

  // Behind the base path: the cookie is scoped to it and Secure; links carry it.
  const auto in = b.sign_in("/rasd/login", kToken);
  CHECK(in.header("location") == "/rasd/");
  const std::string set = in.header("set-cookie");
  CHECK(contains(set, "Path=/rasd;"));
  CHECK(contains(set, "; Secure"));
  auto list = b.go("GET", "/rasd/");
  REQUIRE(list.status == 200);
  CHECK(contains(list.body, "href=\"/rasd/static/rasd.css\""));
  CHECK(contains(list.body, "src=\"/rasd/static/rasd.js\""));
  CHECK(contains(list.header("content-security-policy"), "script-src 'self'"));
  std::smatch m;
  REQUIRE(
      std::regex_search(list.body, m, std::regex("data-events=\"/rasd/events\\?after=(\\d+)\"")));
  const int newest = std::stoi(m[1]);
  CHECK(newest >= 100);

  // A reconnect with Last-Event-ID gets every alert after it, in order, and nothing before; it
  // counts over the page's `after` (the URL the browser reconnects to is the page's).
  const std::string cookie_header = "Cookie: " + b.cookie + "\r\n";
  const std::string replay =
      read_stream(b.port, "/rasd/events?after=" + std::to_string(newest - 10),
                  cookie_header + "Last-Event-ID: " + std::to_string(newest - 2) + "\r\n",
                  "id: " + std::to_string(newest) + "\n", 5000);
  INFO(replay);
  CHECK(contains(replay, "200 OK"));
  CHECK(contains(replay, "text/event-stream"));
  CHECK_FALSE(contains(replay, "id: " + std::to_string(newest - 2) + "\n"));
  const auto first = replay.find("id: " + std::to_string(newest - 1) + "\n");
  const auto second = replay.find("id: " + std::to_string(newest) + "\n");
  CHECK(first != std::string::npos);
  CHECK(second != std::string::npos);
  CHECK(first < second);
  CHECK(contains(replay, "event: alert\ndata: {"));
  // Without a session there is no stream.
  CHECK(contains(read_stream(b.port, "/rasd/events", "", "\r\n\r\n", 3000), "401"));

  // A delivery given up on (dead) is put back by the page's Retry.
  std::string dead_id;
  {
    Store st(dir.file("rasd.db"));
    const auto pending = st.deliveries("pending");
    REQUIRE_FALSE(pending.empty());
    dead_id = pending.front().id;
    st.record_attempt(dead_id, 1, 500, "HTTP 500", "dead", 0);
  }
  auto page = b.go("GET", "/rasd/deliveries");
  REQUIRE(page.status == 200);
  CHECK(contains(page.body, "action=\"/rasd/deliveries/" + dead_id + "/retry\""));
  REQUIRE(std::regex_search(page.body, m, std::regex("name=\"csrf\" value=\"([0-9a-f]{64})\"")));
  const std::string csrf = m[1];
  CHECK(b.go("POST", "/rasd/deliveries/" + dead_id + "/retry", "csrf=forged").status == 403);
  auto retried = b.go("POST", "/rasd/deliveries/" + dead_id + "/retry", "csrf=" + csrf);
  CHECK(retried.status == 200);
  CHECK(contains(retried.body, "Queued again"));
  {
    Store st(dir.file("rasd.db"), StoreOptions{.read_only = true, .max_page_count = {}});
    bool found = false;
    for (const auto& d : st.deliveries("dead")) found = found || d.id == dead_id;
    CHECK_FALSE(found);
  }
  // Retrying it again: it is no longer dead.
  CHECK(b.go("POST", "/rasd/deliveries/" + dead_id + "/retry", "csrf=" + csrf).status == 404);

  // The rule tester: a run cancelled from the page stops at once (at its first check, after 64
  // of the 100 articles), and a run not cancelled replays them all.
  const std::string rule_form =
      "rules=" +
      std::string("rules%3A%0A%20%20-%20%7Bid%3A%20t%2C%20query%3A%20%D8%AE%D8%A8%D8%B1%7D%0A") +
      "&days=7&csrf=" + csrf;
  CHECK(b.go("POST", "/rasd/rules/cancel", "run=run_stop&csrf=" + csrf).status == 202);
  auto stopped = b.go("POST", "/rasd/rules/test", rule_form + "&run=run_stop");
  INFO(stopped.body);
  CHECK(stopped.status == 200);
  CHECK(contains(stopped.body, "64 articles replayed, 64 hits — cancelled"));
  auto full = b.go("POST", "/rasd/rules/test", rule_form + "&run=run_go");
  // (rasd's own alerts, such as the failing webhook's, are stored articles too: no hit)
  CHECK(std::regex_search(full.body, std::regex("\\b1[0-9][0-9] articles replayed, 100 hits</p>")));
  CHECK(b.go("POST", "/rasd/rules/cancel", "run=run_x&csrf=forged").status == 403);

  // A read-only session sees the alert but cannot acknowledge it.
  Browser viewer;
  viewer.port = b.port;
  viewer.sign_in("/rasd/login", kRead);
  auto vlist = viewer.go("GET", "/rasd/");
  CHECK(contains(vlist.body, "read-only"));
  REQUIRE(std::regex_search(vlist.body, m, std::regex("href=\"/rasd/alerts/(alert_[0-9a-f]+)\"")));
  const std::string alert_id = m[1];
  auto vpage = viewer.go("GET", "/rasd/alerts/" + alert_id);
  CHECK_FALSE(contains(vpage.body, "name=\"note\""));
  REQUIRE(std::regex_search(vpage.body, m, std::regex("name=\"csrf\" value=\"([0-9a-f]{64})\"")));
  CHECK(
      viewer.go("POST", "/rasd/alerts/" + alert_id + "/ack", "csrf=" + std::string(m[1])).status ==
      403);
  rasd.signal(SIGTERM);
  CHECK(rasd.wait() == 0);
}
