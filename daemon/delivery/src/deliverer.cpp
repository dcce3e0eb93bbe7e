#include "rasd/daemon/deliverer.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <cmath>
#include <exception>

#include "rasd/daemon/schedule.hpp"
#include "rasd/daemon/webhook.hpp"

namespace rasd {

using Steady = std::chrono::steady_clock;

DeliveryStats& DeliveryStats::operator+=(const DeliveryStats& o) {
  delivered += o.delivered;
  failed += o.failed;
  dead += o.dead;
  disabled += o.disabled;
  store_errors += o.store_errors;
  return *this;
}

FetcherLimits delivery_fetcher_limits() {
  FetcherLimits l;
  l.max_concurrency = 64;
  l.per_host_concurrency = 64;  // each webhook's own concurrency applies (Deliverer)
  l.per_host_gap_ms = 0;
  l.max_queued = 10000;
  return l;
}

Deliverer::Deliverer(const Config& config, Store& store, boost::asio::io_context& io,
                     Fetcher& fetcher, const Clock& clock, std::shared_ptr<spdlog::logger> log)
    : config_(&config),
      store_(store),
      fetcher_(fetcher),
      io_(io),
      clock_(clock),
      log_(std::move(log)) {}

void Deliverer::pump(int limit, const std::function<bool(const std::string&)>& allow) {
  if (stopping_) return;
  const int64_t now = clock_.now();
  const auto steady_now = Steady::now();
  DeliveryStats stats;
  int handed = 0;
  // Endpoint by endpoint, so that one endpoint's backlog (held by Retry-After, at its
  // concurrency, disabled) never fills the window the others are read through.
  for (const std::string& name : store_.webhooks_with_due(now)) {
    if (handed >= limit) break;
    const WebhookConfig* hook = config_->webhook(name);
    if (!hook) {
      // The webhook was removed from the config; keep the rows visible rather than drop them.
      stats.dead += static_cast<int>(
          store_.kill_pending(name, now, "webhook '" + name + "' is not configured"));
      continue;
    }
    if (store_.webhook_disabled(name)) {
      stats.disabled += static_cast<int>(store_.disable_pending(name, now));
      continue;
    }
    if (auto h = held_until_.find(name); h != held_until_.end()) {
      if (steady_now < h->second) continue;
      held_until_.erase(h);
    }
    int64_t& n = in_flight_per_hook_[name];
    if (n >= hook->concurrency) continue;
    // Rows in flight are still pending in the store: ask for enough to see past them.
    const auto due = store_.due_deliveries(
        now, static_cast<int>(hook->concurrency + n) + (allow ? limit : 0), name);
    for (const Delivery& d : due) {
      if (n >= hook->concurrency || handed >= limit) break;
      if (in_flight_ids_.count(d.id) || (allow && !allow(d.id))) continue;
      HttpRequest req = build_webhook_request(*hook, d, now, hook->timeout);
      const bool accepted =
          fetcher_.submit(std::move(req), [this, d, now](Expected<HttpResponse> res) {
            arrived({d, now, std::move(res)});
          });
      if (!accepted) break;  // the fetcher is full or stopping: the rest wait for the next pump
      ++n;
      ++handed;
      in_flight_ids_.insert(d.id);
    }
  }
  if ((stats.dead || stats.disabled) && on_recorded_) on_recorded_(stats);
}

void Deliverer::release(const Delivery& d) {
  in_flight_ids_.erase(d.id);
  if (auto it = in_flight_per_hook_.find(d.webhook);
      it != in_flight_per_hook_.end() && it->second > 0) {
    --it->second;
  }
}

void Deliverer::arrived(Answer answer) {
  // Aborted at shutdown: not an attempt; the row stays pending and is sent at the next start.
  // Otherwise the row counts as in flight until its attempt is recorded, so that no pump in
  // between sends it again.
  if (stopping_ && !answer.response) {
    release(answer.delivery);
  } else {
    arrived_.push_back(std::move(answer));
  }
  // Every answer that arrives in the same turn of the loop shares one transaction.
  if (!record_posted_) {
    record_posted_ = true;
    boost::asio::post(io_, [this] { record_arrived(); });
  }
}

void Deliverer::record_arrived() {
  record_posted_ = false;
  std::vector<Answer> answers;
  answers.swap(arrived_);
  DeliveryStats stats;
  if (answers.empty()) {
    if (on_recorded_) on_recorded_(stats);  // the caller learns that requests ended
    return;
  }
  std::vector<AttemptRecord> records;
  std::vector<std::string> now_gone;
  records.reserve(answers.size());
  for (const Answer& a : answers) {
    records.push_back(outcome(a.delivery, a.sent_at, a.response, stats));
    if (records.back().new_state == "disabled") now_gone.push_back(a.delivery.webhook);
  }
  try {
    Store::Batch batch(store_);
    store_.record_attempts(records);
    const int64_t now = clock_.now();
    for (const auto& name : now_gone) {
      if (!store_.webhook_disabled(name)) store_.disable_webhook(name, now, "410 Gone");
      stats.disabled += static_cast<int>(store_.disable_pending(name, now));
    }
    batch.commit();
  } catch (const std::exception& e) {
    // Unrecorded attempts stay pending and are sent again (same webhook-id: at least once).
    log_->error("deliveries: store: {}; {} answers not recorded, sent again later", e.what(),
                answers.size());
    stats = DeliveryStats{};
    stats.store_errors = 1;
  }
  for (const Answer& a : answers) release(a.delivery);
  if (on_recorded_) on_recorded_(stats);
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
      log_->error("webhook '{}': 410 Gone: endpoint disabled until `rasd deliveries retry`",
                  d.webhook);
      ++stats.disabled;
      return rec;
    }
    rec.error = "HTTP " + std::to_string(res->status);
  }
  std::optional<int64_t> explicit_delay;
  if (res && (res->status == 429 || res->status == 503)) {
    explicit_delay = parse_retry_after(res->header("retry-after"), at);
    if (explicit_delay) {
      // The endpoint asked everyone to wait, not only this delivery.
      auto& until = held_until_[d.webhook];
      until = std::max(until, Steady::now() + std::chrono::seconds(*explicit_delay));
    }
  }
  const int64_t failed = d.attempts + 1;
  // An endpoint that asks to wait is not failing: its Retry-After holds, up to a bound.
  const auto delay = explicit_delay && failed < kMaxHeldAttempts
                         ? std::optional<int64_t>(*explicit_delay)
                         : retry_delay(failed);
  if (!delay) {
    rec.new_state = "dead";
    log_->error("webhook '{}': delivery {} dead after {} attempts: {}", d.webhook, d.id, failed,
                rec.error);
    ++stats.dead;
    return rec;
  }
  const int64_t wait =
      explicit_delay
          ? *explicit_delay
          : std::max<int64_t>(1, std::llround(static_cast<double>(*delay) * jitter(0.1)));
  rec.next_attempt = at + wait;
  log_->warn("webhook '{}': delivery {} failed ({}), retry in {}s", d.webhook, d.id, rec.error,
             wait);
  ++stats.failed;
  return rec;
}

DeliveryStats deliver_due_once(const Config& config, Store& store, const Clock& clock,
                               std::shared_ptr<spdlog::logger> log, int limit) {
  boost::asio::io_context io;
  Fetcher fetcher(io, delivery_fetcher_limits());
  Deliverer deliverer(config, store, io, fetcher, clock, std::move(log));
  DeliveryStats total;
  deliverer.on_recorded([&](const DeliveryStats& s) { total += s; });
  // One attempt per row: rows held back by an endpoint's concurrency go out as others finish;
  // a row that failed and is due again at once (Retry-After: 0) waits for the next call.
  std::unordered_set<std::string> tried;
  while (static_cast<int>(tried.size()) < limit) {
    deliverer.pump(limit - static_cast<int>(tried.size()),
                   [&](const std::string& id) { return !tried.count(id); });
    if (deliverer.in_flight() == 0) break;
    for (const auto& id : deliverer.in_flight_ids()) tried.insert(id);
    io.restart();
    io.run();
    if (total.store_errors) throw sql::StoreError("deliveries could not be recorded", 0);
  }
  return total;
}

}  // namespace rasd
