// POST /api/rules/test with "days": the backtest (backtest.hpp) of the request's rules over the
// stored articles of the last N days, on the API thread (never the event loop), through the
// API's read-only store connection in short read transactions (Store::scan_articles).
#include <boost/json.hpp>
#include <chrono>

#include "rasd/daemon/api_handlers.hpp"
#include "rasd/daemon/store.hpp"

namespace rasd {
namespace json = boost::json;

namespace {
constexpr double kMaxReplaySeconds = 10;
constexpr int64_t kMaxDays = 3650;
constexpr int64_t kDefaultHitLimit = 200, kMaxHitLimit = 5000;

ApiResponse answer(int status, const json::value& v) {
  return {status, "application/json", json::serialize(v) + "\n"};
}

// A positive integer field within [1, max], the fallback when absent; nullopt when malformed.
std::optional<int64_t> positive(const json::object& o, const char* key, int64_t fallback,
                                int64_t max) {
  const auto* v = o.if_contains(key);
  if (!v) return fallback;
  if (!v->is_int64() || v->get_int64() < 1 || v->get_int64() > max) return std::nullopt;
  return v->get_int64();
}
}  // namespace

ApiResponse ApiHandlers::rules_replay(const std::shared_ptr<const rules::RuleSet>& rules,
                                      const json::object& request, json::array diagnostics) {
  auto bad = [](const std::string& m) { return answer(400, json::object{{"error", m}}); };
  const auto days = positive(request, "days", 7, kMaxDays);
  if (!days) return bad("days: expected an integer from 1 to " + std::to_string(kMaxDays));
  const auto limit = positive(request, "limit", kDefaultHitLimit, kMaxHitLimit);
  if (!limit) return bad("limit: expected an integer from 1 to " + std::to_string(kMaxHitLimit));
  double max_seconds = kMaxReplaySeconds;
  if (const auto* v = request.if_contains("max_seconds")) {
    if (!v->is_number() || v->to_number<double>() <= 0) return bad("max_seconds: expected > 0");
    max_seconds = std::min(max_seconds, v->to_number<double>());
  }
  ArticleScan scan;
  scan.since = ctx_.now() - *days * 86400;
  if (const auto* v = request.if_contains("source"); v && v->is_string())
    scan.source_id = std::string(v->get_string());

  json::array hits;
  int64_t hit_count = 0;
  const StoredReplay run = replay_stored(rules, scan, max_seconds, {}, [&](const BacktestHit& h) {
    if (++hit_count <= *limit) hits.push_back(backtest_hit_json(h));
  });
  json::array summaries;
  for (const auto& s : run.summaries) summaries.push_back(rule_summary_json(s));
  const std::string& stopped = run.stopped;
  return answer(
      200,
      json::object{{"replayed", json::object{{"articles", run.articles},
                                             {"days", *days},
                                             {"hits", hit_count},
                                             {"hits_listed", hits.size()},
                                             {"complete", stopped.empty()},
                                             {"stopped", stopped.empty() ? json::value(nullptr)
                                                                         : json::value(stopped)}}},
                   {"hits", std::move(hits)},
                   {"rules", std::move(summaries)},
                   {"diagnostics", std::move(diagnostics)}});
}

StoredReplay ApiHandlers::replay_stored(const std::shared_ptr<const rules::RuleSet>& rules,
                                        const ArticleScan& scan, double max_seconds,
                                        const std::function<bool()>& cancelled,
                                        const std::function<void(const BacktestHit&)>& on_hit) {
  Backtest backtest(rules, *ctx_.normalizer, ctx_.replay ? ctx_.replay->get() : BacktestOptions{});
  StoredReplay out;
  int64_t last_fetch = scan.since;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(max_seconds));
  store().scan_articles(scan, [&](const StoredArticle& a) {
    last_fetch = a.fetched_at;
    backtest.add(a, on_hit);
    if (std::chrono::steady_clock::now() >= deadline) {
      out.stopped = "time limit";
      return false;
    }
    // Asked every 64 articles: a cancel from the dashboard is seen within milliseconds.
    if (cancelled && backtest.articles() % 64 == 0 && cancelled()) {
      out.stopped = "cancelled";
      return false;
    }
    return true;
  });
  // A replay cut short ends where it stopped: aging its windows up to now would close episodes
  // that the articles not replayed might have kept open.
  out.summaries = backtest.finish(out.stopped.empty() ? ctx_.now() : last_fetch);
  out.articles = backtest.articles();
  return out;
}

}  // namespace rasd
