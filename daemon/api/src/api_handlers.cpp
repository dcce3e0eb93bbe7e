#include "rasd/daemon/api_handlers.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url.hpp>

#include "rasd/daemon/article_search.hpp"
#include "rasd/daemon/hits_json.hpp"
#include "rasd/daemon/http_client.hpp"
#include "rasd/daemon/monitor.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/daemon/store_json.hpp"
#include "rasd/daemon/web_session.hpp"
#include "rasd/engine/rules/loader.hpp"
#include "rasd/engine/rules/matcher.hpp"
#include "rasd/parsers/date.hpp"
#include "rasd/parsers/feed.hpp"

namespace rasd {
namespace json = boost::json;
namespace {

constexpr int64_t kMaxLoopSilence = 10;  // seconds without a tick before /readyz fails
constexpr int kMaxLimit = 1000;

ApiResponse json_response(int status, const json::value& v) {
  return {status, "application/json", json::serialize(v) + "\n"};
}
ApiResponse error(int status, const std::string& message) {
  return json_response(status, json::object{{"error", message}});
}

// ?limit=N within [1, kMaxLimit]; nullopt when malformed.
std::optional<int> limit_of(const std::map<std::string, std::string>& q, int fallback) {
  auto it = q.find("limit");
  if (it == q.end()) return fallback;
  try {
    size_t used = 0;
    const int n = std::stoi(it->second, &used);
    if (used != it->second.size() || n < 1) return std::nullopt;
    return std::min(n, kMaxLimit);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

namespace {
// The request's path without the base path ("" when the target does not parse).
std::string local_path(const std::string& target, const std::string& base) {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return "";
  std::string path = parsed->path();
  if (!base.empty() && path.rfind(base, 0) == 0 &&
      (path.size() == base.size() || path[base.size()] == '/'))
    path = path.size() == base.size() ? "/" : path.substr(base.size());
  return path;
}
}  // namespace

bool runs_on_slow_lane(const ApiRequest& r, const std::string& base_path) {
  if (r.method == "GET" || r.method == "HEAD") return false;
  return !(r.method == "POST" && local_path(r.target, base_path) == "/rules/cancel");
}

bool is_ack_path(const std::string& path) {
  static const std::string kPrefix = "/api/alerts/", kSuffix = "/ack";
  return path.size() > kPrefix.size() + kSuffix.size() && path.rfind(kPrefix, 0) == 0 &&
         path.compare(path.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0;
}

void ReplaySettings::set(BacktestOptions options) {
  std::lock_guard lock(mutex_);
  options_ = std::move(options);
}

BacktestOptions ReplaySettings::get() const {
  std::lock_guard lock(mutex_);
  return options_;
}

void ReplaySettings::set_rules(std::shared_ptr<const rules::RuleSet> rules) {
  std::lock_guard lock(mutex_);
  rules_ = std::move(rules);
}

std::shared_ptr<const rules::RuleSet> ReplaySettings::rules() const {
  std::lock_guard lock(mutex_);
  return rules_;
}

void CancelledRuns::cancel(std::string run_id) {
  std::lock_guard lock(mutex_);
  if (ids_.size() >= kMax) ids_.erase(ids_.begin());
  ids_.push_back(std::move(run_id));
}

bool CancelledRuns::cancelled(const std::string& run_id) const {
  std::lock_guard lock(mutex_);
  return std::find(ids_.begin(), ids_.end(), run_id) != ids_.end();
}

void ApiToken::set(std::string token) {
  std::lock_guard lock(mutex_);
  if (token != token_) ++generation_;
  token_ = std::move(token);
}

uint64_t ApiToken::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

bool ApiToken::empty() const {
  std::lock_guard lock(mutex_);
  return token_.empty();
}

bool ApiToken::matches(const std::string& header) const {
  static constexpr std::string_view kBearer = "Bearer ";
  std::lock_guard lock(mutex_);
  if (token_.empty() || header.size() != kBearer.size() + token_.size() ||
      header.compare(0, kBearer.size(), kBearer) != 0) {
    return false;
  }
  return CRYPTO_memcmp(header.data() + kBearer.size(), token_.data(), token_.size()) == 0;
}

ApiHandlers::ApiHandlers(ApiContext context) : ctx_(std::move(context)) {}
ApiHandlers::~ApiHandlers() = default;

Store& ApiHandlers::store() {
  if (!store_)
    store_ = std::make_unique<Store>(ctx_.store_path,
                                     StoreOptions{.read_only = true, .max_page_count = {}});
  return *store_;
}

ApiResponse ApiHandlers::handle(const ApiRequest& req) {
  auto parsed = boost::urls::parse_origin_form(req.target);
  if (!parsed) return error(400, "malformed request target");
  // Behind a proxy at base_path, requests arrive under it; the API answers there and at the root.
  const std::string path = local_path(req.target, ctx_.base_path);
  std::map<std::string, std::string> query;
  for (const auto& p : parsed->params()) query[std::string(p.key)] = std::string(p.value);
  ApiResponse res;
  try {
    res = route(req, path, query);
  } catch (const sql::StoreError& e) {
    store_.reset();  // reopened on the next request
    res = error(500, std::string("store: ") + e.what());
  } catch (const std::exception& e) {
    res = error(500, e.what());
  }
  if (ctx_.daemon_metrics) {
    // Only known paths as labels: a scanner's random paths must not grow the series without bound.
    static const char* const kKnown[] = {"/healthz",        "/readyz",       "/metrics",
                                         "/api/alerts",     "/api/articles", "/api/sources",
                                         "/api/rules/test", "/api/reload",   "/api/silences"};
    std::string label = "other";
    for (const char* k : kKnown) {
      if (path == k) label = k;
    }
    if (path.rfind("/api/silences/", 0) == 0) label = "/api/silences";
    if (is_ack_path(path)) label = "/api/alerts/ack";
    if (is_web_path(path)) label = "/dashboard";
    ctx_.daemon_metrics->api_requests(label, res.status).inc();
  }
  return res;
}

ApiResponse ApiHandlers::route(const ApiRequest& req, const std::string& path,
                               const std::map<std::string, std::string>& query) {
  const bool get = req.method == "GET" || req.method == "HEAD";
  if (path == "/healthz")
    return get ? ApiResponse{200, "text/plain", "ok\n"} : error(405, "use GET");
  if (path == "/readyz") return get ? readyz() : error(405, "use GET");
  if (is_web_path(path)) return web(req, path, query);
  const bool known = path == "/metrics" || path == "/api/alerts" || path == "/api/articles" ||
                     path == "/api/sources" || path == "/api/rules/test" || path == "/api/reload" ||
                     path == "/api/silences" || path.rfind("/api/silences/", 0) == 0 ||
                     is_ack_path(path);
  if (!known) return error(404, "no such endpoint");
  const bool have_read = ctx_.read_token && !ctx_.read_token->empty();
  if ((!ctx_.token || ctx_.token->empty()) && !have_read)
    return error(401,
                 "the API token file is missing or empty; only /healthz and /readyz are served");
  // A wrong token counts against the address as a failed sign-in does (web_session.hpp): the
  // bearer header is no way around the dashboard's throttling.
  const int64_t now = ctx_.now();
  if (ctx_.sessions && !req.authorization.empty() && !ctx_.sessions->may_try(req.peer, now))
    return error(429, "too many wrong tokens from this address; wait 5 minutes");
  const bool admin = ctx_.token && ctx_.token->matches(req.authorization);
  if (!admin && !(have_read && ctx_.read_token->matches(req.authorization))) {
    if (ctx_.sessions && !req.authorization.empty()) ctx_.sessions->failed(req.peer, now);
    return error(401, "a valid 'Authorization: Bearer <token>' header is required");
  }
  // The read-only token reads and tests rules; acting (silences, acknowledgements, reload)
  // takes the admin token.
  if (!admin && !get && path != "/api/rules/test")
    return error(403, "the read-only token cannot change anything; use the admin token");
  if (path == "/api/rules/test")
    return req.method == "POST" ? rules_test(req.body) : error(405, "use POST");
  if (path == "/api/silences" || path.rfind("/api/silences/", 0) == 0)
    return silences_route(req, path, query);
  if (is_ack_path(path))
    return req.method == "POST" ? acknowledge(req, path) : error(405, "use POST");
  if (path == "/api/reload") {
    if (req.method != "POST") return error(405, "use POST");
    if (!ctx_.request_reload) return error(404, "this server cannot reload");
    ctx_.request_reload();
    return json_response(202, json::object{{"reload", "requested"}});
  }
  if (!get) return error(405, "use GET");
  if (path == "/metrics")
    return {200, "text/plain; version=0.0.4; charset=utf-8", ctx_.metrics->render()};
  if (path == "/api/alerts") return alerts(query);
  if (path == "/api/articles") return articles(query);
  return sources();
}

ApiResponse ApiHandlers::readyz() {
  const int64_t silent = ctx_.now() - ctx_.health->last_tick.load();
  if (!ctx_.health->polling.load())
    return {503, "text/plain", "not ready: polling has not started\n"};
  if (silent > kMaxLoopSilence) {
    return {503, "text/plain",
            "not ready: the event loop has not ticked for " + std::to_string(silent) + "s\n"};
  }
  if (!ctx_.health->store_ok.load())
    return {503, "text/plain", "not ready: the last store write failed\n"};
  return {200, "text/plain", "ready\n"};
}

ApiResponse ApiHandlers::alerts(const std::map<std::string, std::string>& q) {
  int64_t since = 0;
  if (auto it = q.find("since"); it != q.end()) {
    auto d = dates::parse_duration_seconds(it->second);
    if (!d) return error(400, "since: expected a duration such as 24h or 7d");
    since = ctx_.now() - *d;
  }
  const auto limit = limit_of(q, 100);
  if (!limit) return error(400, "limit: expected a positive integer");
  const auto rule = q.count("rule") ? q.at("rule") : std::string();
  json::array out;
  for (const auto& a : store().latest_alerts(since, rule, *limit)) out.push_back(alert_to_json(a));
  return json_response(200, out);
}

ApiResponse ApiHandlers::articles(const std::map<std::string, std::string>& q) {
  auto it = q.find("q");
  if (it == q.end() || it->second.empty()) return error(400, "q: a search query is required");
  auto fts = search_query(*ctx_.normalizer, it->second);
  if (!fts) return error(400, "q: " + fts.error().message);
  const auto limit = limit_of(q, 50);
  if (!limit) return error(400, "limit: expected a positive integer");
  json::array out;
  for (const auto& a : store().search(*fts, *limit)) out.push_back(article_to_json(a));
  return json_response(200, out);
}

ApiResponse ApiHandlers::sources() {
  json::array out;
  for (const auto& s : store().sources()) out.push_back(source_to_json(s));
  return json_response(200, out);
}

ApiResponse ApiHandlers::rules_test(const std::string& body) {
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  if (ec || !v.is_object())
    return error(400, "expected a JSON object {\"rules\", \"text\" | \"url\"}");
  const auto& o = v.as_object();
  auto str = [&](const char* key) -> std::string {
    const auto* f = o.if_contains(key);
    return f && f->is_string() ? std::string(f->get_string()) : std::string();
  };
  const std::string rules_yaml = str("rules"), text = str("text"), title = str("title"),
                    url = str("url");
  if (rules_yaml.empty()) return error(400, "rules: the YAML of a rule file is required");
  const bool replay = o.contains("days");
  if (!replay && text.empty() && title.empty() && url.empty())
    return error(400, "one of text, title, url or days is required");
  auto loaded = rules::load_rules({{"request", rules_yaml}}, *ctx_.normalizer);
  json::array diagnostics;
  for (const auto& d : loaded.diagnostics.items()) diagnostics.push_back(json::string(d.format()));
  if (!loaded.rules)
    return json_response(
        422, json::object{{"error", "the rules do not compile"}, {"diagnostics", diagnostics}});
  if (replay) return rules_replay(loaded.rules, o, std::move(diagnostics));
  const rules::Matcher matcher(loaded.rules);

  // The documents to test: the text given, or each item of the feed at the URL.
  std::vector<rules::ArticleFields> docs;
  if (!url.empty()) {
    if (!http_) http_ = ctx_.http();
    HttpRequest hr;
    hr.url = url;
    hr.timeout_ms = 10000;
    hr.max_body = 4 << 20;
    hr.allow_private = ctx_.allow_private_urls;
    auto res = http_->perform(hr);
    if (!res) return error(422, "url: " + res.error().message);
    if (res->status != 200) return error(422, "url: HTTP " + std::to_string(res->status));
    auto feed = parse_feed(res->body, {res->header("content-type"), res->effective_url});
    if (!feed) return error(422, "url: not a feed (" + feed.error().message + ")");
    for (const auto& item : feed->items) {
      // The text the daemon would match: as article_from_item() makes it from a polled item.
      NewArticle a = article_from_item(item, *feed, SourceConfig{}, ctx_.now(), ctx_.normalizer);
      docs.push_back({a.guid, a.title, a.body, a.url, "", a.author, a.lang, {}});
    }
  } else {
    docs.push_back({"text", title, text, "", "", "", str("lang"), {}});
  }
  json::array results;
  for (auto& fields : docs) {
    const std::string id = fields.id, doc_title = fields.title;
    const rules::PreparedArticle article(*ctx_.normalizer, std::move(fields));
    json::array matches;
    for (const auto& m : matcher.match(article)) {
      matches.push_back(json::object{{"rule", m.rule->id}, {"hits", hits_to_json(m.hits)}});
    }
    results.push_back(
        json::object{{"id", id}, {"title", doc_title}, {"matches", std::move(matches)}});
  }
  return json_response(200,
                       json::object{{"results", std::move(results)}, {"diagnostics", diagnostics}});
}

}  // namespace rasd
