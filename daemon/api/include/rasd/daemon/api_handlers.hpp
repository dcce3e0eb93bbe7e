// What the HTTP API answers (issue 10), apart from the HTTP plumbing (api_server.hpp), so the
// routing, authentication and JSON are testable without a socket.
//
//   GET  /healthz          200 "ok" while the process runs
//   GET  /readyz           200 when the event loop ticked within the last 10 s and the last
//                          store write succeeded; 503 with the reason otherwise
//   GET  /metrics          Prometheus text format
//   GET  /api/alerts       ?since=24h&rule=ID&limit=100: newest first, each with its payload
//   GET  /api/articles     ?q=QUERY&limit=50: full-text search (the `rasd articles search`
//                          language)
//   GET  /api/sources      every source with its polling state
//   POST /api/rules/test   {"rules": "<rule file YAML>", "text": "...", "title": "..."} or with
//                          "url" (a feed: each item is tested): which rules match and their hits;
//                          or with "days": N, the backtest of the stored articles fetched in the
//                          last N days (backtest.hpp): {"replayed", "hits", "rules"}, at most
//                          "limit" hits listed (default 200) and at most 10 s of replay
//                          ("max_seconds" lowers it); a broken rule answers 422 with
//                          diagnostics (line:col in the YAML)
//   GET  /api/silences     the silences in force (?all=1: every one), newest first
//   POST /api/silences     {"kind": "rule|source|story|query", "value", "for": "6h", "reason",
//                          "author"}: 201 with the silence; 400 saying what is wrong
//   DELETE /api/silences/ID  ends it now: 200, or 404 when none is in force
//   POST /api/alerts/ID/ack  {"by", "note"}: acknowledges the alert (its story's updates then go
//                          only to webhooks with acknowledged_updates); 404 when there is none
//   POST /api/reload       202: the daemon reloads as on SIGHUP (the outcome is in its log and
//                          in rasd_reloads_total); what `rasd sources add` calls
//
// Errors answer JSON {"error": "..."} with 400 (bad parameter), 401 (no or wrong token), 404,
// 405, 422 or 500 (store failure), and never include the token or a URL's credentials.
//
// Thread safety: handle() runs on the API thread only (it owns a read-only store connection).
#pragma once

#include <atomic>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rasd/daemon/backtest.hpp"
#include "rasd/daemon/metrics.hpp"
#include "rasd/engine/text/normalize.hpp"

namespace rasd {

class Store;
class HttpClient;
class WebSessions;
struct WebSession;
namespace web {
struct WebView;
}

struct ApiRequest {
  std::string method;
  std::string target;  // path and query, as sent
  std::string authorization;
  std::string body;
  std::string cookie;  // the Cookie header (the dashboard's session)
  std::string peer;    // the client's address (sign-in throttling)
  // Host, Origin and Sec-Fetch-Site: whether a form post comes from the dashboard itself.
  std::string host, origin, fetch_site;
  std::string last_event_id;    // Last-Event-ID: where a reconnecting live view left off
  std::string accept_language;  // the dashboard's language when no switch says otherwise
};

// A response that stays open: Server-Sent Events (the dashboard's live alerts). After the
// head, the server writes what next() returns each time it is woken (ApiServer::notify: the
// loop committed something) and at least every ApiServer::kHeartbeatSeconds; an empty string
// writes nothing (a heartbeat comment instead when the wait ran out), nullopt ends the stream.
// next() runs on the API thread, like the handler that made it.
class EventStream {
 public:
  virtual ~EventStream() = default;
  virtual std::optional<std::string> next() = 0;
};

struct ApiResponse {
  ApiResponse() = default;
  ApiResponse(int s, std::string type, std::string text,
              std::vector<std::pair<std::string, std::string>> more = {})
      : status(s), content_type(std::move(type)), body(std::move(text)), headers(std::move(more)) {}
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // more: set-cookie, location, CSP
  std::shared_ptr<EventStream> stream;  // set: the body is this stream, not `body`
};

// The loop's health, written by the loop and read by /readyz.
struct LoopHealth {
  std::atomic<int64_t> last_tick = 0;  // Unix seconds of the loop's last tick
  std::atomic<bool> store_ok = true;   // the last store transaction committed
  std::atomic<bool> polling = false;   // READY: the loop has started polling
};

// The API's bearer token, replaced on reload.
class ApiToken {
 public:
  void set(std::string token);
  bool matches(const std::string& authorization_header) const;  // constant-time compare
  bool empty() const;
  // Counts the changes of the token: a dashboard session opened under an older one is closed.
  uint64_t generation() const;

 private:
  mutable std::mutex mutex_;
  std::string token_;
  uint64_t generation_ = 0;
};

// What the rule tester replays with (source tags, dedup window): the running configuration's,
// replaced on reload by the loop while the API thread reads it.
class ReplaySettings {
 public:
  void set(BacktestOptions options);
  BacktestOptions get() const;
  // The rules running now (the dashboard's Rules page).
  void set_rules(std::shared_ptr<const rules::RuleSet> rules);
  std::shared_ptr<const rules::RuleSet> rules() const;

 private:
  mutable std::mutex mutex_;
  BacktestOptions options_;
  std::shared_ptr<const rules::RuleSet> rules_;
};

// Rule tests asked to stop from the dashboard (POST /rules/cancel, on the fast lane, while the
// test runs on the slow one). Bounded: the newest kMax requests are kept.
class CancelledRuns {
 public:
  static constexpr size_t kMax = 64;
  void cancel(std::string run_id);
  bool cancelled(const std::string& run_id) const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> ids_;  // oldest first
};

// A backtest of stored articles, as the API and the dashboard's tester run it.
struct StoredReplay {
  int64_t articles = 0;
  std::string stopped;  // "" (complete), "time limit" or "cancelled"
  std::vector<RuleSummary> summaries;
};

struct ApiContext {
  std::string store_path;
  const text::Normalizer* normalizer = nullptr;
  MetricsRegistry* metrics = nullptr;
  DaemonMetrics* daemon_metrics = nullptr;
  const LoopHealth* health = nullptr;
  const ApiToken* token = nullptr;         // admin: everything
  const ApiToken* read_token = nullptr;    // read-only: GETs and rule tests; none or empty: none
  const ReplaySettings* replay = nullptr;  // none: replays without source tags
  std::function<int64_t()> now;            // Unix seconds
  std::function<std::unique_ptr<HttpClient>()> http;  // for /api/rules/test with a URL
  bool allow_private_urls = false;                    // the config's network.allow_private
  std::function<void()> request_reload;  // thread-safe: posts a reload to the event loop
  WebSessions* sessions = nullptr;       // the dashboard's sign-ins; none: the dashboard is closed
  CancelledRuns* cancelled = nullptr;    // the dashboard's rule tests asked to stop
  // The dashboard's place behind a reverse proxy: "" or "/rasd" (http.base_path), and whether
  // its cookie is Secure (http.secure_cookies: the proxy speaks TLS).
  std::string base_path;
  bool secure_cookies = false;
};

// Whether a request goes to the API's slow lane (api_server.hpp): every one but GET and HEAD,
// except the rule tester's cancel, which must not queue behind the test it stops.
bool runs_on_slow_lane(const ApiRequest& request, const std::string& base_path);

// POST /api/alerts/ID/ack (api_silences.cpp).
bool is_ack_path(const std::string& path);
// The dashboard's pages (web_pages.cpp): /, /login, /logout, /alerts/ID, /static/rasd.css.
bool is_web_path(const std::string& path);

class ApiHandlers {
 public:
  explicit ApiHandlers(ApiContext context);
  ~ApiHandlers();
  ApiResponse handle(const ApiRequest& request);

 private:
  ApiResponse route(const ApiRequest& request, const std::string& path,
                    const std::map<std::string, std::string>& query);
  ApiResponse readyz();
  ApiResponse alerts(const std::map<std::string, std::string>& query);
  ApiResponse articles(const std::map<std::string, std::string>& query);
  ApiResponse sources();
  ApiResponse rules_test(const std::string& body);
  ApiResponse acknowledge(const ApiRequest& req, const std::string& path);
  ApiResponse silences_route(const ApiRequest& req, const std::string& path,
                             const std::map<std::string, std::string>& query);
  Store& write_store();  // opened on first write (POST/DELETE run on the slow lane only)
  ApiResponse rules_replay(const std::shared_ptr<const rules::RuleSet>& rules,
                           const boost::json::object& request, boost::json::array diagnostics);
  // Replays the stored articles of `scan` through `rules` for at most `max_seconds`, or until
  // `cancelled` (may be empty) says stop, in short read transactions.
  StoredReplay replay_stored(const std::shared_ptr<const rules::RuleSet>& rules,
                             const ArticleScan& scan, double max_seconds,
                             const std::function<bool()>& cancelled,
                             const std::function<void(const BacktestHit&)>& on_hit);
  Store& store();
  // The dashboard (web_pages.cpp): its own sign-in (a session cookie) instead of the bearer
  // token; answers HTML.
  ApiResponse web(const ApiRequest& request, const std::string& path,
                  const std::map<std::string, std::string>& query);
  using Query = std::map<std::string, std::string>;
  ApiResponse web_signed_in(const web::WebView& v, const WebSession& session, const ApiRequest& req,
                            const std::string& path, const Query& query);
  ApiResponse alerts_page(const web::WebView& v, const Query& query);
  ApiResponse alert_page(const web::WebView& v, const std::string& id);
  ApiResponse alert_action(const web::WebView& v, const std::string& id, const std::string& action,
                           const Query& form);
  ApiResponse alert_events(const WebSession& session, const web::WebView& v, const ApiRequest& req,
                           const Query& query);
  ApiResponse search_page(const web::WebView& v, const Query& query);
  ApiResponse sources_page(const web::WebView& v, const Query& query);
  ApiResponse source_page(const web::WebView& v, const std::string& id);
  ApiResponse deliveries_page(const web::WebView& v, const std::string& message);
  ApiResponse delivery_retry(const web::WebView& v, const std::string& id);
  ApiResponse rules_page(const web::WebView& v, const Query& form, bool run);

  ApiContext ctx_;
  std::unique_ptr<Store> store_;  // opened on first use, read-only
  std::unique_ptr<Store> write_store_;
  std::unique_ptr<HttpClient> http_;
};

}  // namespace rasd
