#include "rasd/daemon/deliverer.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <exception>
#include <unordered_map>

#include "rasd/daemon/webhook.hpp"

namespace rasd {

Deliverer::Deliverer(const Config& config, Store& store, HttpClientFactory make_client, const Clock& clock,
                     std::shared_ptr<spdlog::logger> log, size_t workers)
    : config_(config), store_(store), make_client_(std::move(make_client)), clock_(clock), log_(std::move(log)) {
  for (size_t i = 0; i < std::max<size_t>(1, workers); ++i) workers_.emplace_back([this] { work(); });
}

Deliverer::~Deliverer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  job_ready_.notify_all();
  for (auto& t : workers_) t.join();
}

void Deliverer::work() {
  std::unique_ptr<HttpClient> client = make_client_();
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      job_ready_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    Expected<HttpResponse> res = Error{"no HTTP client"};
    try {
      if (client) res = client->perform(job.request);
    } catch (const std::exception& e) {  // a failing request must not take the worker down
      res = Error{std::string("request failed: ") + e.what()};
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      results_.push_back({job.index, std::move(res)});
    }
    result_ready_.notify_one();
  }
}

DeliveryStats Deliverer::deliver_due(int limit) {
  DeliveryStats stats;
  const std::vector<Delivery> due = store_.due_deliveries(clock_.now(), limit);
  if (due.empty()) return stats;

  std::unordered_map<std::string, int64_t> in_flight;
  std::unordered_map<std::string, bool> gone;  // per endpoint: disabled, so not sent
  std::vector<int64_t> sent_at(due.size(), 0);
  std::deque<size_t> waiting;
  for (size_t i = 0; i < due.size(); ++i) {
    const Delivery& d = due[i];
    const int64_t now = clock_.now();
    if (!config_.webhook(d.webhook)) {
      // The webhook was removed from the config; keep the row visible rather than drop it.
      store_.record_attempt(d.id, now, std::nullopt, "webhook '" + d.webhook + "' is not configured", "dead", now);
      ++stats.dead;
      continue;
    }
    auto g = gone.find(d.webhook);
    if (g == gone.end()) g = gone.emplace(d.webhook, store_.webhook_disabled(d.webhook)).first;
    if (g->second) continue;  // disable_pending() below marks them
    waiting.push_back(i);
  }
  size_t outstanding = 0;
  std::exception_ptr failure;
  for (;;) {
    // Hand out what the per-endpoint caps allow, in due order.
    size_t handed = 0;
    for (auto it = waiting.begin(); it != waiting.end();) {
      const Delivery& d = due[*it];
      const WebhookConfig& hook = *config_.webhook(d.webhook);
      if (gone[d.webhook]) {
        it = waiting.erase(it);
        continue;
      }
      if (in_flight[d.webhook] >= hook.concurrency) {
        ++it;
        continue;
      }
      const int64_t now = clock_.now();
      sent_at[*it] = now;
      ++in_flight[d.webhook];
      ++outstanding;
      ++handed;
      {
        std::lock_guard<std::mutex> lock(mu_);
        jobs_.push_back({*it, build_webhook_request(hook, d, now, hook.timeout)});
      }
      it = waiting.erase(it);
    }
    if (handed > 0) job_ready_.notify_all();
    if (outstanding == 0) break;
    // Every answer that has arrived is recorded in one transaction: under load one fsync
    // covers many attempts.
    std::vector<Result> arrived;
    {
      std::unique_lock<std::mutex> lock(mu_);
      result_ready_.wait(lock, [&] { return !results_.empty(); });
      while (!results_.empty()) {
        arrived.push_back(std::move(results_.front()));
        results_.pop_front();
      }
    }
    outstanding -= arrived.size();
    std::vector<AttemptRecord> records;
    std::vector<std::string> now_gone;
    for (const Result& r : arrived) {
      const Delivery& d = due[r.index];
      --in_flight[d.webhook];
      if (failure) continue;  // only collecting the answers still to come
      records.push_back(outcome(d, sent_at[r.index], r.response, stats));
      if (records.back().new_state == "disabled") now_gone.push_back(d.webhook);
    }
    if (failure) continue;
    try {
      store_.record_attempts(records);
      for (const auto& name : now_gone) {
        if (!gone[name]) store_.disable_webhook(name, clock_.now(), "410 Gone");
        gone[name] = true;
      }
    } catch (const std::exception&) {
      // The store failed: hand out nothing more, collect what is in flight so that the next
      // call starts clean, then report. Unrecorded attempts are simply sent again later.
      failure = std::current_exception();
      waiting.clear();
    }
  }
  if (failure) std::rethrow_exception(failure);
  for (const auto& [name, is_gone] : gone) {
    if (is_gone) stats.disabled += static_cast<int>(store_.disable_pending(name, clock_.now()));
  }
  return stats;
}

AttemptRecord Deliverer::outcome(const Delivery& d, int64_t at, const Expected<HttpResponse>& res,
                                 DeliveryStats& stats) {
  AttemptRecord rec{d.id, at, std::nullopt, "", "pending", at};
  if (!res) {
    rec.error = res.error().message;
  } else {
    rec.status = res->status;
    if (res->status >= 200 && res->status < 300) {
      rec.new_state = "delivered";
      log_->info("webhook '{}': delivered {} (alert {})", d.webhook, d.id, d.alert_id);
      ++stats.delivered;
      return rec;
    }
    if (res->status == 410) {
      rec.new_state = "disabled";
      rec.error = "endpoint gone (410)";
      log_->error("webhook '{}': 410 Gone: endpoint disabled until `rasd deliveries retry`", d.webhook);
      ++stats.disabled;
      return rec;
    }
    rec.error = "HTTP " + std::to_string(res->status);
  }
  std::optional<int64_t> explicit_delay;
  if (res && (res->status == 429 || res->status == 503)) explicit_delay = parse_retry_after(res->header("retry-after"), at);
  const int64_t failed = d.attempts + 1;
  const auto delay = retry_delay(failed);
  if (!delay) {
    rec.new_state = "dead";
    log_->error("webhook '{}': delivery {} dead after {} attempts: {}", d.webhook, d.id, failed, rec.error);
    ++stats.dead;
    return rec;
  }
  const int64_t wait =
      explicit_delay ? *explicit_delay : std::max<int64_t>(1, std::llround(static_cast<double>(*delay) * jitter(0.1)));
  rec.next_attempt = at + wait;
  log_->warn("webhook '{}': delivery {} failed ({}), retry in {}s", d.webhook, d.id, rec.error, wait);
  ++stats.failed;
  return rec;
}

}  // namespace rasd
