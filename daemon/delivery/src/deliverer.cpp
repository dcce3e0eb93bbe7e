#include "rasd/daemon/deliverer.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <cmath>
#include <exception>
#include <map>

#include "rasd/daemon/grouping.hpp"
#include "rasd/daemon/schedule.hpp"
#include "rasd/daemon/webhook.hpp"
#include "rasd/parsers/url.hpp"

namespace rasd {

using Steady = std::chrono::steady_clock;

DeliveryStats& DeliveryStats::operator+=(const DeliveryStats& o) {
  delivered += o.delivered;
  failed += o.failed;
  dead += o.dead;
  disabled += o.disabled;
  store_errors += o.store_errors;
  groups += o.groups;
  grouped += o.grouped;
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

struct Deliverer::DueRows {
  std::vector<std::pair<std::string, std::vector<Delivery>>> by_hook;  // in the store's order
  DeliveryStats stats;      // rows of removed or disabled webhooks, settled by the job
  std::string error;        // the store failed
  std::string group_error;  // forming the due groups failed (retried at the next pump)
};

Deliverer::Deliverer(const Config& config, Store& store, StoreQueue& queue,
                     boost::asio::io_context& io, Fetcher& fetcher, const Clock& clock,
                     std::shared_ptr<spdlog::logger> log)
    : webhooks_(std::make_shared<const std::vector<WebhookConfig>>(config.webhooks)),
      job_state_(std::make_shared<JobState>(JobState{webhooks_})),
      store_(store),
      queue_(queue),
      fetcher_(fetcher),
      io_(io),
      clock_(clock),
      log_(std::move(log)) {}

void Deliverer::set_config_in_store_job(const Config& config) {
  job_state_->webhooks = std::make_shared<const std::vector<WebhookConfig>>(config.webhooks);
}

void Deliverer::set_config(const Config& config) {
  webhooks_ = std::make_shared<const std::vector<WebhookConfig>>(config.webhooks);
}

void Deliverer::pump(int limit, std::function<bool(const std::string&)> allow) {
  if (stopping_) return;
  if (pumping_) {  // one read at a time; the latest ask runs when it is back
    pump_again_ = PumpAsk{limit, std::move(allow)};
    return;
  }
  pumping_ = true;
  const auto steady_now = Steady::now();
  // Per endpoint, how many due rows to read: none for one held by Retry-After or at its
  // concurrency; rows in flight are still pending in the store, so read enough to see past.
  auto want = std::make_shared<std::unordered_map<std::string, int>>();
  for (const WebhookConfig& hook : *webhooks_) {
    if (auto h = held_until_.find(hook.name); h != held_until_.end()) {
      if (steady_now < h->second) continue;
      held_until_.erase(h);
    }
    const int64_t n = in_flight_per_hook_[hook.name];
    if (n >= hook.concurrency) continue;
    (*want)[hook.name] = static_cast<int>(hook.concurrency + n) + (allow ? limit : 0);
  }
  auto rows = std::make_shared<DueRows>();
  // Claiming: the rows in flight keep their claims for as long as they are (a slow endpoint
  // must not let another instance send them meanwhile).
  std::vector<std::string> in_flight;
  if (!claim_owner_.empty()) in_flight.assign(in_flight_ids_.begin(), in_flight_ids_.end());
  ++jobs_;
  queue_.submit(
      // Endpoint by endpoint, so that one endpoint's backlog (held, at its concurrency,
      // disabled) never fills the window the others are read through.
      // The clock is read on the store's thread, in the same terms as the rows it compares.
      [&store = store_, &clock = clock_, state = job_state_, want, rows, flush = flush_groups_,
       owner = claim_owner_, claim_seconds = claim_seconds_, in_flight = std::move(in_flight)] {
        try {
          if (!owner.empty()) store.renew_delivery_claims(owner, in_flight, claim_seconds);
          const auto& hooks = state->webhooks;
          const int64_t now = clock.now();
          // A group that cannot form (the store failed, a body too odd to build) waits for
          // the next pass; the deliveries that are due go out regardless.
          try {
            const GroupingStats gs = form_due_groups(store, *hooks, now, flush);
            rows->stats.groups = gs.groups;
            rows->stats.grouped = gs.grouped;
            rows->group_error = gs.error;
          } catch (const std::exception& e) {
            rows->group_error = e.what();
          }
          for (const std::string& name : store.webhooks_with_due(now)) {
            if (!find_webhook(*hooks, name)) {
              // Removed from the config: the rows stay visible (dead) rather than dropped.
              rows->stats.dead += static_cast<int>(
                  store.kill_pending(name, now, "webhook '" + name + "' is not configured"));
              continue;
            }
            if (store.webhook_disabled(name)) {
              rows->stats.disabled += static_cast<int>(store.disable_pending(name, now));
              continue;
            }
            auto w = want->find(name);
            if (w == want->end()) continue;
            rows->by_hook.emplace_back(
                name, owner.empty()
                          ? store.due_deliveries(now, w->second, name)
                          : store.claim_due_deliveries(owner, now, w->second, name, claim_seconds));
          }
        } catch (const sql::StoreError& e) {
          rows->error = e.what();
        }
      },
      [this, rows, limit, allow = std::move(allow)] {
        --jobs_;
        pumping_ = false;
        if (!rows->group_error.empty())
          log_->error("deliveries: grouping: {} (will retry)", rows->group_error);
        if (!rows->error.empty()) {
          log_->error("deliveries: store: {} (will retry)", rows->error);
          rows->stats.store_errors = 1;
        }
        send_due(*rows, limit, allow);
        const DeliveryStats& st = rows->stats;
        if ((st.dead || st.disabled || st.store_errors || st.groups) && on_recorded_)
          on_recorded_(st);
        if (pump_again_) {
          PumpAsk ask = std::move(*pump_again_);
          pump_again_.reset();
          pump(ask.limit, std::move(ask.allow));
        }
      });
}

void Deliverer::send_due(const DueRows& rows, int limit,
                         const std::function<bool(const std::string&)>& allow) {
  if (stopping_) return;
  const int64_t now = clock_.now();
  const auto steady_now = Steady::now();
  int handed = 0;
  bool full = false;                // the fetcher is full or stopping: the rest wait for a pump
  std::vector<std::string> unsent;  // claimed and not sent now: given back
  for (const auto& [name, due] : rows.by_hook) {
    const WebhookConfig* hook = find_webhook(*webhooks_, name);
    const bool held = hook != nullptr && held_until_.count(name) != 0 &&
                      steady_now < held_until_.at(name);  // by an answer back meanwhile
    // A hook removed by a reload meanwhile: the next pump settles its rows.
    int64_t* n = hook != nullptr ? &in_flight_per_hook_[name] : nullptr;
    for (const Delivery& d : due) {
      if (in_flight_ids_.count(d.id)) continue;  // its claim is this instance's, in flight
      const bool go = !full && hook != nullptr && !held && handed < limit &&
                      *n < hook->concurrency && !(allow && !allow(d.id));
      if (!go) {
        unsent.push_back(d.id);
        continue;
      }
      HttpRequest req = build_webhook_request(*hook, d, now, hook->timeout);
      const bool accepted =
          fetcher_.submit(std::move(req), [this, d, now](Expected<HttpResponse> res) {
            arrived({d, now, std::move(res)});
          });
      if (!accepted) {
        full = true;
        unsent.push_back(d.id);
        continue;
      }
      ++*n;
      ++handed;
      in_flight_ids_.insert(d.id);
      if (on_sent_) on_sent_(d.id);
    }
  }
  if (claim_owner_.empty() || unsent.empty()) return;
  queue_.submit(
      [&store = store_, owner = claim_owner_, unsent = std::move(unsent), log = log_] {
        try {
          store.release_delivery_claims(owner, unsent);
        } catch (const sql::StoreError& e) {
          log->warn("deliveries: store: {} (unsent claims lapse by themselves)", e.what());
        }
      },
      [] {});
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
  auto answers = std::make_shared<std::vector<Answer>>();
  answers->swap(arrived_);
  if (answers->empty()) {
    if (on_recorded_) on_recorded_(DeliveryStats{});  // the caller learns that requests ended
    return;
  }
  struct Job {
    std::vector<AttemptRecord> records;
    std::vector<std::string> now_gone;
    std::map<std::string, WebhookCertificate> certificates;  // seen at a handshake, by webhook
    DeliveryStats stats;
    std::string error;
  };
  auto job = std::make_shared<Job>();
  job->records.reserve(answers->size());
  for (const Answer& a : *answers) {
    job->records.push_back(outcome(a.delivery, a.sent_at, a.response, job->stats));
    if (job->records.back().new_state == "disabled") job->now_gone.push_back(a.delivery.webhook);
    if (a.response && a.response->tls_expires_at) {
      job->certificates[a.delivery.webhook] = {
          a.delivery.webhook, url::origin(a.response->effective_url), *a.response->tls_expires_at,
          a.response->tls_valid_from};
    }
  }
  ++jobs_;
  queue_.submit(
      [&store = store_, &clock = clock_, job, decided = clock_.now(), owner = claim_owner_] {
        try {
          // A retry is due its delay after the attempt is recorded, in the terms of the clock
          // the store's rows are in now (see clock_jumps.hpp in the runtime).
          const int64_t now = clock.now();
          for (AttemptRecord& r : job->records) r.next_attempt += now - decided;
          Store::Batch batch(store);
          store.record_attempts(job->records, owner);
          for (const auto& name : job->now_gone) {
            if (!store.webhook_disabled(name)) store.disable_webhook(name, now, "410 Gone");
            job->stats.disabled += static_cast<int>(store.disable_pending(name, now));
          }
          for (const auto& [name, c] : job->certificates) store.note_webhook_certificate(c);
          batch.commit();
        } catch (const std::exception& e) {
          job->error = e.what();
        }
      },
      [this, job, answers] {
        --jobs_;
        if (!job->error.empty()) {
          // Unrecorded attempts stay pending and are sent again (same webhook-id: at least
          // once).
          log_->error("deliveries: store: {}; {} answers not recorded, sent again later",
                      job->error, answers->size());
          job->stats = DeliveryStats{};
          job->stats.store_errors = 1;
        }
        for (const Answer& a : *answers) release(a.delivery);
        if (on_recorded_) on_recorded_(job->stats);
      });
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

namespace {
// For one-shot use without a store thread: each job runs at once on the caller's thread, its
// `done` on the loop afterwards (the same order and the same asynchrony as the daemon's).
class InlineStoreQueue final : public StoreQueue {
 public:
  explicit InlineStoreQueue(boost::asio::io_context& io) : io_(io) {}
  void submit(std::function<void()> work, std::function<void()> done) override {
    work();
    ++outstanding_;
    boost::asio::post(io_, [this, done = std::move(done)] {
      --outstanding_;
      done();
    });
  }
  size_t outstanding() const override { return outstanding_; }

 private:
  boost::asio::io_context& io_;
  size_t outstanding_ = 0;
};
}  // namespace

DeliveryStats deliver_due_once(const Config& config, Store& store, const Clock& clock,
                               std::shared_ptr<spdlog::logger> log, int limit, bool flush_groups) {
  boost::asio::io_context io;
  Fetcher fetcher(io, delivery_fetcher_limits());
  InlineStoreQueue queue(io);
  Deliverer deliverer(config, store, queue, io, fetcher, clock, std::move(log));
  deliverer.flush_groups(flush_groups);
  DeliveryStats total;
  deliverer.on_recorded([&](const DeliveryStats& s) { total += s; });
  // One attempt per row: rows held back by an endpoint's concurrency go out as others finish;
  // a row that failed and is due again at once (Retry-After: 0) waits for the next call.
  std::unordered_set<std::string> tried;
  deliverer.on_sent([&](const std::string& id) { tried.insert(id); });
  while (static_cast<int>(tried.size()) < limit) {
    const size_t before = tried.size();
    deliverer.pump(limit - static_cast<int>(tried.size()),
                   [&](const std::string& id) { return !tried.count(id); });
    io.restart();
    io.run();
    if (total.store_errors) throw sql::StoreError("deliveries could not be recorded", 0);
    if (tried.size() == before) break;
  }
  return total;
}

}  // namespace rasd
