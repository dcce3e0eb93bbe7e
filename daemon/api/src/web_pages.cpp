// The dashboard (issue 21): sign-in, the language, the base path and the dispatch to its pages
// (web_alerts.cpp, web_sources.cpp, web_rules.cpp). Pages are rendered on the server; the one
// script (/static/rasd.js) adds the live alert list and the tester's cancel button, and every
// answer carries a Content-Security-Policy that allows only this server's own files.
#include <openssl/crypto.h>

#include "rasd/daemon/api_handlers.hpp"
#include "rasd/daemon/web_session.hpp"
#include "web_forms.hpp"
#include "web_html.hpp"

namespace rasd {
using web::esc;

namespace web {

void secure(ApiResponse& r) {
  r.headers.emplace_back("content-security-policy",
                         "default-src 'none'; script-src 'self'; style-src 'self'; "
                         "img-src 'self'; connect-src 'self'; form-action 'self'; "
                         "frame-ancestors 'none'; base-uri 'none'");
  r.headers.emplace_back("x-content-type-options", "nosniff");
  r.headers.emplace_back("referrer-policy", "no-referrer");
  r.headers.emplace_back("x-frame-options", "DENY");
}

ApiResponse html(int status, const WebView& v, std::string_view title, const std::string& body) {
  ApiResponse r{status, "text/html; charset=utf-8", page(v, title, body), {}};
  secure(r);
  return r;
}

ApiResponse redirect(const std::string& to) {
  ApiResponse r{303, "text/html; charset=utf-8", "", {{"location", to}}};
  secure(r);
  return r;
}

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

std::string field(const std::map<std::string, std::string>& m, const std::string& key) {
  const auto it = m.find(key);
  return it == m.end() ? std::string() : it->second;
}

}  // namespace web

namespace {
using web::field;
using web::html;
using web::redirect;

std::string cookie(const ApiContext& ctx, const char* name, const std::string& value,
                   int64_t max_age, bool http_only) {
  return std::string(name) + "=" + value + (http_only ? "; HttpOnly" : "") +
         "; SameSite=Strict; Path=" + (ctx.base_path.empty() ? "/" : ctx.base_path) +
         "; Max-Age=" + std::to_string(max_age) + (ctx.secure_cookies ? "; Secure" : "");
}

ApiResponse sign_in_page(const web::WebView& v, int status, const std::string& message) {
  std::string b =
      "<form class=\"signin\" method=\"post\" action=\"" + v.href("/login") + "\"><h1>rasd</h1>";
  if (!message.empty()) b += "<p class=\"error\">" + esc(message) + "</p>";
  b += "<label>" +
       std::string(v.t("API token (admin or read-only)", "رمز الواجهة (مدير أو قراءة فقط)")) +
       "<br><input type=\"password\" name=\"token\" autocomplete=\"off\" required "
       "autofocus></label><p><button type=\"submit\">" +
       std::string(v.t("Sign in", "دخول")) + "</button></p></form>";
  return html(status, v, v.t("Sign in", "دخول"), b);
}

// Whether a form post comes from a page of this server: what browsers say of its origin
// (Sec-Fetch-Site, else Origin against Host). A post with neither is no browser's cross-site
// form. Stops another site's page from acting in the user's browser, or spending the address's
// sign-in attempts.
bool same_origin(const ApiRequest& r) {
  if (!r.fetch_site.empty()) return r.fetch_site == "same-origin" || r.fetch_site == "none";
  if (!r.origin.empty()) return r.origin == "http://" + r.host || r.origin == "https://" + r.host;
  return true;
}

// The language: ?lang= (a switch, remembered in a cookie), else the cookie, else the browser's
// first choice.
bool arabic_for(const ApiRequest& req, const std::map<std::string, std::string>& query) {
  if (const auto l = field(query, "lang"); !l.empty()) return l == "ar";
  const std::string& c = req.cookie;
  for (size_t at = c.find("rasd_lang="); at != std::string::npos;
       at = c.find("rasd_lang=", at + 1)) {
    if (at == 0 || c[at - 1] == ' ' || c[at - 1] == ';') return c.compare(at + 10, 2, "ar") == 0;
  }
  const auto& al = req.accept_language;
  const size_t start = al.find_first_not_of(' ');
  return start != std::string::npos && al.compare(start, 2, "ar") == 0;
}

// The request's path and query without lang= (the switch's link adds its own), every part
// %-encoded again: it goes into a Location header and a link, where a decoded CR LF or quote
// would be the requester's to inject.
std::string self_of(const std::string& path, const std::map<std::string, std::string>& query) {
  std::string out;
  for (const char c : path) out += c == '/' ? std::string("/") : web::url_encode(std::string(1, c));
  char sep = '?';
  for (const auto& [k, val] : query) {
    if (k == "lang" || k == "before") continue;
    out += sep + web::url_encode(k) + "=" + web::url_encode(val);
    sep = '&';
  }
  return out;
}

bool csrf_ok(const std::map<std::string, std::string>& form, const WebSession& s) {
  const std::string csrf = field(form, "csrf");
  return csrf.size() == s.csrf.size() &&
         CRYPTO_memcmp(csrf.data(), s.csrf.data(), s.csrf.size()) == 0;
}

}  // namespace

bool is_web_path(const std::string& path) {
  static const char* const kExact[] = {"/",           "/login",           "/logout",
                                       "/events",     "/search",          "/sources",
                                       "/rules",      "/rules/test",      "/rules/cancel",
                                       "/deliveries", "/static/rasd.css", "/static/rasd.js"};
  for (const char* p : kExact) {
    if (path == p) return true;
  }
  for (const char* prefix : {"/alerts/", "/sources/", "/deliveries/"}) {
    if (path.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

ApiResponse ApiHandlers::web(const ApiRequest& req, const std::string& path,
                             const std::map<std::string, std::string>& query) {
  const bool get = req.method == "GET" || req.method == "HEAD";
  web::WebView v;
  v.base = ctx_.base_path;
  v.arabic = arabic_for(req, query);
  v.self = self_of(path, query);
  if (path == "/static/rasd.css" || path == "/static/rasd.js") {
    if (!get) return html(405, v, "Method not allowed", "<p>Use GET.</p>");
    const bool css = path == "/static/rasd.css";
    ApiResponse r{200,
                  css ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8",
                  css ? web::kStylesheet : web::kScript,
                  {}};
    web::secure(r);
    return r;
  }
  const bool have_admin = ctx_.token && !ctx_.token->empty();
  const bool have_read = ctx_.read_token && !ctx_.read_token->empty();
  if (!ctx_.sessions || (!have_admin && !have_read))
    return sign_in_page(v, 503, "The API token file is missing or empty: the dashboard is closed.");
  const int64_t now = ctx_.now();
  if (req.method == "POST" && !same_origin(req))
    return html(403, v, "Forbidden",
                "<p class=\"error\">Forms are accepted from this dashboard only.</p>");
  if (path == "/login") {
    if (req.method != "POST") return redirect(v.base + "/");
    if (!ctx_.sessions->may_try(req.peer, now))
      return sign_in_page(v, 429, "Too many failed sign-ins from this address; wait 5 minutes.");
    const auto token = "Bearer " + field(web::form_fields(req.body), "token");
    const bool admin = have_admin && ctx_.token->matches(token);
    if (!admin && !(have_read && ctx_.read_token->matches(token))) {
      ctx_.sessions->failed(req.peer, now);
      return sign_in_page(v, 401, "That is not an API token of this daemon.");
    }
    const WebSession s = ctx_.sessions->open(
        now, admin ? ctx_.token->generation() : ctx_.read_token->generation(), admin);
    ApiResponse r = redirect(v.base + "/");
    r.headers.emplace_back("set-cookie", cookie(ctx_, WebSessions::kCookie, s.id,
                                                WebSessions::kLifetimeSeconds, true));
    return r;
  }
  auto session = ctx_.sessions->find(req.cookie, now);
  if (session) {
    // A session ends with its token: one opened before the token file changed is closed.
    const ApiToken* t = session->admin ? ctx_.token : ctx_.read_token;
    if (!t || t->empty() || session->token_generation != t->generation()) {
      ctx_.sessions->close(session->id);
      session.reset();
    }
  }
  if (!session) return sign_in_page(v, path == "/" ? 200 : 401, "");
  v.admin = session->admin;
  v.csrf = session->csrf;
  if (!field(query, "lang").empty() && get) {
    // The switch: remembered, and the page again without it.
    ApiResponse r = redirect(v.base + v.self);
    r.headers.emplace_back("set-cookie",
                           cookie(ctx_, "rasd_lang", v.arabic ? "ar" : "en", 365 * 86400, false));
    return r;
  }
  if (get) return web_signed_in(v, *session, req, path, query);
  if (req.method != "POST") return html(405, v, "Method not allowed", "<p>GET or POST.</p>");
  const auto form = web::form_fields(req.body);
  if (!csrf_ok(form, *session))
    return html(403, v, "Forbidden",
                "<p class=\"error\">" +
                    std::string(v.t("The form is stale; reload the page.",
                                    "انتهت صلاحية النموذج؛ أعد تحميل الصفحة.")) +
                    "</p>");
  if (path == "/logout") {
    ctx_.sessions->close(session->id);
    ApiResponse r = redirect(v.base + "/");
    r.headers.emplace_back("set-cookie", cookie(ctx_, WebSessions::kCookie, "", 0, true));
    return r;
  }
  if (path == "/rules/test") return rules_page(v, form, true);
  if (path == "/rules/cancel") {
    if (ctx_.cancelled && !field(form, "run").empty()) ctx_.cancelled->cancel(field(form, "run"));
    return ApiResponse{202, "application/json", "{\"cancel\":\"requested\"}\n"};
  }
  if (!v.admin)
    return html(403, v, "Forbidden",
                nav(v, "") + "<main><p class=\"error\">" +
                    std::string(v.t("Signed in with the read-only token: acting takes the admin "
                                    "token.",
                                    "الدخول برمز القراءة فقط: الإجراءات تتطلب رمز المدير.")) +
                    "</p></main>");
  // /alerts/ID/ack, /alerts/ID/silence, /deliveries/ID/retry
  const auto slash = path.rfind('/');
  const std::string action = path.substr(slash + 1);
  if (path.rfind("/alerts/", 0) == 0 && slash > 8)
    return alert_action(v, path.substr(8, slash - 8), action, form);
  if (path.rfind("/deliveries/", 0) == 0 && slash > 12 && action == "retry")
    return delivery_retry(v, path.substr(12, slash - 12));
  return html(404, v, "Not found", nav(v, "") + "<main><p>No such page.</p></main>");
}

ApiResponse ApiHandlers::web_signed_in(const web::WebView& v, const WebSession& session,
                                       const ApiRequest& req, const std::string& path,
                                       const Query& query) {
  if (path == "/") return alerts_page(v, query);
  if (path == "/events") return alert_events(session, v, req, query);
  if (path == "/search") return search_page(v, query);
  if (path == "/sources") return sources_page(v, query);
  if (path == "/rules") return rules_page(v, {}, false);
  if (path == "/deliveries") return deliveries_page(v, "");
  if (path.rfind("/sources/", 0) == 0) return source_page(v, path.substr(9));
  if (path.rfind("/alerts/", 0) == 0 && path.find('/', 8) == std::string::npos)
    return alert_page(v, path.substr(8));
  return html(404, v, "Not found", nav(v, "") + "<main><p>No such page.</p></main>");
}

}  // namespace rasd
