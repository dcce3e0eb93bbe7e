// The local HTTP API (DESIGN.md section 8, issue 10) on Boost.Beast.
//
// Endpoints: GET /healthz and /readyz without authentication; everything else needs
// `Authorization: Bearer <token>` (the token file of the config): GET /metrics, /api/alerts,
// /api/articles?q=, /api/sources, POST /api/rules/test. What each returns is in api_handlers.hpp.
//
// Threading: the server runs its own io_context on its own thread, so a burst of API requests
// never delays polling; handlers read the store through their own read-only SQLite connection
// (WAL lets it read while the loop writes) and the loop's health through atomics.
//
// Limits: a request head and body of at most 1 MiB, 30 s to read a request, at most
// kMaxSessions connections at once (further ones are closed at accept and counted).
//
// Errors: the constructor throws std::runtime_error naming the address when it cannot bind
// (the daemon refuses to start with an unusable API address, as it does with bad config).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace rasd {

struct ApiRequest;
struct ApiResponse;

class ApiServer {
 public:
  using Handler = std::function<ApiResponse(const ApiRequest&)>;
  // `listen` is "host:port" (port 0 picks a free one, for tests). With `slow`, POST requests
  // (rule tests, backtests) go to it, one at a time on a thread of their own, so that health
  // checks and metrics never wait behind them; `slow` must not share state with `handler`.
  // `is_slow` picks which requests go to `slow` (default: every one but GET and HEAD).
  ApiServer(const std::string& listen, Handler handler, std::shared_ptr<spdlog::logger> log,
            Handler slow = {}, std::function<bool(const ApiRequest&)> is_slow = {});
  ~ApiServer();  // stops accepting, closes connections, joins the thread
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  uint16_t port() const;
  void start();
  // Wakes the open event streams (EventStream) to look for news. Thread-safe and never waits:
  // the loop calls it after each commit; calls made while one wake is pending fold into it.
  void notify();

  static constexpr size_t kMaxSessions = 512;
  static constexpr size_t kMaxStreams = 64;  // event streams open at once; past it, 503
  static constexpr int kHeartbeatSeconds = 15;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rasd
