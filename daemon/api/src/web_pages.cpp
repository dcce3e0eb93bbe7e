// The dashboard (issue 21), first pages: sign-in with the API token, the alerts list and one
// alert with its article (hits marked) and its story's other copies. Server-rendered HTML with
// no script at all; every page is sent with a Content-Security-Policy that allows none.
#include <openssl/crypto.h>

#include <boost/json.hpp>
#include <boost/url/params_view.hpp>

#include "rasd/daemon/api_handlers.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/daemon/web_session.hpp"
#include "rasd/parsers/date.hpp"
#include "rasd/parsers/url.hpp"
#include "web_html.hpp"

namespace rasd {
namespace json = boost::json;
using web::bdi;
using web::esc;

namespace {

constexpr int kAlertsListed = 200;
constexpr int kStoryListed = 100;

// What every HTML answer carries: no script, no frame, no request to anywhere but here.
void secure(ApiResponse& r) {
  r.headers.emplace_back("content-security-policy",
                         "default-src 'none'; style-src 'self'; img-src 'self'; "
                         "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  r.headers.emplace_back("x-content-type-options", "nosniff");
  r.headers.emplace_back("referrer-policy", "no-referrer");
  r.headers.emplace_back("x-frame-options", "DENY");
}

ApiResponse html(int status, std::string_view title, const std::string& body) {
  ApiResponse r{status, "text/html; charset=utf-8", web::page(title, body), {}};
  secure(r);
  return r;
}

ApiResponse redirect(const std::string& to) {
  ApiResponse r{303, "text/html; charset=utf-8", "", {{"location", to}}};
  secure(r);
  return r;
}

std::string cookie(const std::string& value, int64_t max_age) {
  return std::string(WebSessions::kCookie) + "=" + value +
         "; HttpOnly; SameSite=Strict; Path=/; Max-Age=" + std::to_string(max_age);
}

// The fields of an application/x-www-form-urlencoded body; empty when it does not parse.
std::map<std::string, std::string> form_fields(const std::string& body) {
  std::map<std::string, std::string> out;
  try {
    for (const auto& p : boost::urls::params_view(body, boost::urls::encoding_opts(true)))
      out[std::string(p.key)] = std::string(p.value);
  } catch (const std::exception&) {
    out.clear();
  }
  return out;
}

ApiResponse sign_in_page(int status, const std::string& message) {
  std::string b = "<form class=\"signin\" method=\"post\" action=\"/login\"><h1>rasd</h1>";
  if (!message.empty()) b += "<p class=\"error\">" + esc(message) + "</p>";
  b += "<label>API token<br><input type=\"password\" name=\"token\" autocomplete=\"off\" "
       "required autofocus></label><p><button type=\"submit\">Sign in | دخول</button></p></form>";
  return html(status, "Sign in", b);
}

std::string header_bar(const WebSession& s) {
  return "<header><strong>rasd</strong><a href=\"/\">Alerts | التنبيهات</a>"
         "<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" "
         "value=\"" +
         esc(s.csrf) + "\"><button type=\"submit\">Sign out</button></form></header>";
}

std::string str(const json::value* v) {
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

struct AlertView {
  std::string type, rule, rule_title, title, source, url;
};

AlertView view_of(const StoredAlert& a) {
  AlertView v;
  v.rule = a.rule_id;
  boost::system::error_code ec;
  const json::value p = json::parse(a.payload, ec);
  if (ec || !p.is_object()) return v;
  const json::object& o = p.as_object();
  v.type = str(o.if_contains("type"));
  if (const auto* r = o.if_contains("rule"); r && r->is_object())
    v.rule_title = str(r->as_object().if_contains("title"));
  if (const auto* art = o.if_contains("article"); art && art->is_object()) {
    v.title = str(art->as_object().if_contains("title"));
    v.source = str(art->as_object().if_contains("source"));
    v.url = str(art->as_object().if_contains("url"));
  }
  if (v.title.empty()) v.title = v.rule_title;  // rasd's own alerts
  return v;
}

std::string state_of(const StoredAlert& a) {
  std::string s;
  if (!a.acked_by.empty()) s += "acknowledged by " + bdi(a.acked_by);
  if (!a.silenced_by.empty()) s += (s.empty() ? "" : "; ") + std::string("silenced");
  if (a.held_back) s += (s.empty() ? "" : "; ") + std::string("held back (max_alerts)");
  return s;
}

// Whether a form post comes from a page of this server: what browsers say of its origin
// (Sec-Fetch-Site, else Origin against Host). A post with neither is no browser's cross-site
// form. Stops another site's page from signing in or out in the user's browser, or spending
// the address's sign-in attempts.
bool same_origin(const ApiRequest& r) {
  if (!r.fetch_site.empty()) return r.fetch_site == "same-origin" || r.fetch_site == "none";
  if (!r.origin.empty()) return r.origin == "http://" + r.host || r.origin == "https://" + r.host;
  return true;
}

std::string when(std::optional<int64_t> t) { return t ? dates::format_rfc3339(*t) : "—"; }

}  // namespace

bool is_web_path(const std::string& path) {
  return path == "/" || path == "/login" || path == "/logout" || path == "/static/rasd.css" ||
         path.rfind("/alerts/", 0) == 0;
}

ApiResponse ApiHandlers::web(const ApiRequest& req, const std::string& path,
                             const std::map<std::string, std::string>& query) {
  const bool get = req.method == "GET" || req.method == "HEAD";
  if (path == "/static/rasd.css") {
    if (!get) return html(405, "Method not allowed", "<p>Use GET.</p>");
    ApiResponse r{200, "text/css; charset=utf-8", web::kStylesheet, {}};
    secure(r);
    return r;
  }
  if (!ctx_.sessions || !ctx_.token || ctx_.token->empty())
    return sign_in_page(503, "The API token file is missing or empty: the dashboard is closed.");
  const int64_t now = ctx_.now();
  if ((path == "/login" || path == "/logout") && req.method == "POST" && !same_origin(req))
    return html(403, "Forbidden",
                "<p class=\"error\">Forms are accepted from this dashboard only.</p>");
  if (path == "/login") {
    if (req.method != "POST") return redirect("/");
    if (!ctx_.sessions->may_try(req.peer, now))
      return sign_in_page(429, "Too many failed sign-ins from this address; wait 5 minutes.");
    const auto fields = form_fields(req.body);
    const auto token = fields.find("token");
    if (token == fields.end() || !ctx_.token->matches("Bearer " + token->second)) {
      ctx_.sessions->failed(req.peer, now);
      return sign_in_page(401, "That is not the API token.");
    }
    const WebSession s = ctx_.sessions->open(now, ctx_.token->generation());
    ApiResponse r = redirect("/");
    r.headers.emplace_back("set-cookie", cookie(s.id, WebSessions::kLifetimeSeconds));
    return r;
  }
  auto session = ctx_.sessions->find(req.cookie, now);
  if (session && session->token_generation != ctx_.token->generation()) {
    ctx_.sessions->close(session->id);  // opened with a token that has since been replaced
    session.reset();
  }
  if (!session) return sign_in_page(path == "/" ? 200 : 401, "");
  if (path == "/logout") {
    if (req.method != "POST") return redirect("/");
    const auto fields = form_fields(req.body);
    const auto csrf = fields.find("csrf");
    if (csrf == fields.end() || csrf->second.size() != session->csrf.size() ||
        CRYPTO_memcmp(csrf->second.data(), session->csrf.data(), session->csrf.size()) != 0)
      return html(403, "Forbidden", "<p class=\"error\">The form is stale; reload the page.</p>");
    ctx_.sessions->close(session->id);
    ApiResponse r = redirect("/");
    r.headers.emplace_back("set-cookie", cookie("", 0));
    return r;
  }
  if (!get) return html(405, "Method not allowed", "<p>Use GET.</p>");
  if (path == "/") return alerts_page(*session, query);
  return alert_page(*session, path.substr(std::string("/alerts/").size()));
}

ApiResponse ApiHandlers::alerts_page(const WebSession& s,
                                     const std::map<std::string, std::string>& query) {
  const auto rule = query.count("rule") ? query.at("rule") : std::string();
  std::string b = header_bar(s) + "<main><h1>Alerts | التنبيهات</h1>";
  b += "<form method=\"get\" action=\"/\"><label>Rule <input type=\"text\" name=\"rule\" value=\"" +
       esc(rule) + "\"></label> <button type=\"submit\">Filter</button></form>";
  b += "<table><thead><tr><th>Raised (UTC)</th><th>Severity</th><th>Rule</th><th>Article</th>"
       "<th>Source</th><th>State</th></tr></thead><tbody>";
  for (const StoredAlert& a : store().latest_alerts(0, rule, kAlertsListed)) {
    const AlertView v = view_of(a);
    b += "<tr><td>" + esc(dates::format_rfc3339(a.created_at)) + "</td><td class=\"sev-" +
         esc(a.severity) + "\">" + esc(a.severity) + "</td><td>" + bdi(a.rule_id) +
         "</td><td><a href=\"/alerts/" + esc(a.id) + "\">" + bdi(v.title) + "</a></td><td>" +
         bdi(v.source) + "</td><td class=\"state\">" + state_of(a) + "</td></tr>";
  }
  b += "</tbody></table></main>";
  return html(200, "Alerts", b);
}

ApiResponse ApiHandlers::alert_page(const WebSession& s, const std::string& id) {
  const auto a = store().alert(id);
  if (!a)
    return html(404, "No such alert",
                header_bar(s) + "<main><p>No alert " + bdi(id) + ".</p></main>");
  const AlertView v = view_of(*a);
  const auto hits = store().alert_hits(id, a->article_id);  // a story copy's hits are its own
  const auto article = a->article_id > 0 ? store().article(a->article_id) : std::nullopt;
  std::string b = header_bar(s) + "<main>";
  b += "<p class=\"state\">" + esc(a->severity) + " · rule " + bdi(a->rule_id) + " " +
       bdi(v.rule_title) + " · raised " + esc(dates::format_rfc3339(a->created_at)) + " " +
       state_of(*a) + "</p>";
  if (article) {
    b += "<h1 dir=\"auto\">" + web::marked(article->title, hits, "title") + "</h1>";
    b += "<p class=\"state\">" + bdi(article->source_id) + " · published " +
         esc(when(article->published)) + " · fetched " +
         esc(dates::format_rfc3339(article->fetched_at));
    const std::string origin = url::origin(article->url);
    if (origin.rfind("http://", 0) == 0 || origin.rfind("https://", 0) == 0)
      b += " · <a href=\"" + esc(article->url) + "\" rel=\"noreferrer noopener\">" +
           bdi(article->url) + "</a>";
    b += "</p><div class=\"article\" dir=\"auto\">" + web::marked(article->body, hits, "body") +
         "</div>";
  } else {
    b += "<h1 dir=\"auto\">" + bdi(v.title) + "</h1>";
  }
  const auto story = store().alert_story(id, kStoryListed);
  if (!story.empty()) {
    b += "<h2>The story in " + std::to_string(story.size()) +
         " articles | القصة</h2><table><thead><tr><th>Source</th><th>Published</th><th>Fetched</th>"
         "<th>Title</th></tr></thead><tbody>";
    for (const StoryCopy& c : story) {
      b += "<tr><td>" + bdi(c.source_id) + "</td><td>" + esc(when(c.published)) + "</td><td>" +
           esc(dates::format_rfc3339(c.fetched_at)) + "</td><td>" + bdi(c.title) + "</td></tr>";
    }
    b += "</tbody></table>";
  }
  b += "</main>";
  return html(200, v.title.empty() ? "Alert" : v.title, b);
}

}  // namespace rasd
