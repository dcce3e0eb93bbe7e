// The dashboard's first pages (issue 21) on the real `rasd run` process: sign-in with the API
// token into an HttpOnly, SameSite=Strict session cookie, throttled after failures; the alerts
// list and one alert with its article, the hits marked (an obfuscated spelling marked as such),
// every feed text escaped and isolated in <bdi>; a strict Content-Security-Policy; sign-out
// guarded by the session's CSRF token.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <csignal>
#include <regex>

#include "http_server.hpp"
#include "rasd/daemon/curl_http_client.hpp"
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
};

bool contains(const std::string& s, const std::string& what) {
  return s.find(what) != std::string::npos;
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
  auto in = b.go("POST", "/login", "token=" + kToken);
  REQUIRE(in.status == 303);
  const std::string set = in.header("set-cookie");
  CHECK(contains(set, "HttpOnly"));
  CHECK(contains(set, "SameSite=Strict"));
  CHECK(contains(set, "Max-Age=43200"));
  b.cookie = set.substr(0, set.find(';'));

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
