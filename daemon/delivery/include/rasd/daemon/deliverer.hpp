// Webhook delivery (DESIGN.md section 7). Delivery is at least once: the outbox row is committed
// with its alert, and this class sends the rows that are due and records every attempt.
//
// Requests run on a Fetcher (curl multi on the daemon's Asio loop): pump() asks the store queue
// for the due rows and returns at once; they are handed to the Fetcher when the rows arrive
// back on the loop; each answer comes back as a callback on the loop thread, and the answers
// that arrive together are recorded in one store job (one transaction). The store is touched
// only inside jobs of the StoreQueue (store_queue.hpp), never on the loop. Nothing here waits, so
// a receiver that accepts a connection and never answers holds only its own requests (each
// bounded by the webhook's timeout), never the loop. At most WebhookConfig::concurrency
// requests are in flight to one endpoint.
//
// Deliveries that wait under a group key are folded into group deliveries first, in the
// same store job (grouping.hpp); the group's delivery is then sent like any other.
//
// Outcomes: 2xx delivered; 410 disables the endpoint (its pending deliveries become `disabled`
// until `rasd deliveries retry`); 429/503 with Retry-After hold the whole endpoint (none of
// its deliveries is sent before then) and the delivery waits that long; anything else, and
// transport errors, wait for the next step of the retry schedule (with jitter) and, when it is
// exhausted, the delivery is `dead` (visible, and retried by command).
//
// Shutdown: after stop(), answers that fail (aborted at shutdown) are not recorded as attempts:
// the rows stay pending and are sent at the next start (at least once, same webhook-id).
//
// Store failures while recording: logged, counted in the stats' store_errors; the attempts are
// not recorded and the rows are sent again later (at least once).
//
// Thread safety: every method runs on the Fetcher's io_context thread; the Store is used only
// by the queue's jobs, which capture no pointer to the Deliverer. The Deliverer must outlive
// the requests it has in flight and the `done` of its store jobs (destroy or abort the Fetcher
// and the queue first, or wait until in_flight() and busy() are 0).
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "rasd/daemon/config.hpp"
#include "rasd/daemon/env.hpp"
#include "rasd/daemon/fetcher.hpp"
#include "rasd/daemon/http_client.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/daemon/store_queue.hpp"

namespace spdlog {
class logger;
}

namespace rasd {

struct DeliveryStats {
  int delivered = 0;
  int failed = 0;        // will be retried
  int dead = 0;          // out of retries, or the webhook is no longer configured
  int disabled = 0;      // the endpoint is disabled (410 Gone)
  int store_errors = 0;  // batches of answers the store could not record (sent again later)
  int groups = 0;        // alert.group and alert.digest deliveries formed (grouping.hpp)
  int grouped = 0;       // deliveries folded into them
  DeliveryStats& operator+=(const DeliveryStats& o);
};

// The limits of the Fetcher that carries webhook requests: no per-host gap (politeness is for
// sources), concurrency per endpoint is the Deliverer's.
FetcherLimits delivery_fetcher_limits();

class Deliverer {
 public:
  // `fetcher` (on `io`) runs the requests; `store` is used only in jobs of `queue`.
  Deliverer(const Config& config, Store& store, StoreQueue& queue, boost::asio::io_context& io,
            Fetcher& fetcher, const Clock& clock, std::shared_ptr<spdlog::logger> log);
  Deliverer(const Deliverer&) = delete;
  Deliverer& operator=(const Deliverer&) = delete;

  // A reload, in two steps. On the store's thread, inside the job that switches the Monitor
  // (which from then on writes outbox rows for the new webhooks): the webhooks the pump's
  // store jobs judge rows by. On the loop, when that job is back: the webhooks requests are
  // built for. Requests in flight finish unchanged.
  void set_config_in_store_job(const Config& config);
  void set_config(const Config& config);
  // Instances share the store (PostgreSQL): each pump claims the rows it reads
  // (Store::claim_due_deliveries) as `owner` for `lease_seconds`, so that no two instances
  // send one row at once. Before the first pump.
  void claim_as(std::string owner, int64_t lease_seconds) {
    claim_owner_ = std::move(owner);
    claim_seconds_ = lease_seconds;
  }
  // Called on the loop with the id of each delivery handed to the Fetcher.
  void on_sent(std::function<void(const std::string&)> fn) { on_sent_ = std::move(fn); }
  // Hands every due pending delivery (up to `limit`) that the endpoint limits and holds allow
  // to the Fetcher, once the store queue has read them. Returns at once; a pump asked for while
  // one is reading runs after it. Rows the store cannot read are counted in store_errors.
  // `allow`, when given, says which delivery ids may be sent.
  void pump(int limit = 500, std::function<bool(const std::string&)> allow = {});
  // Called (on the loop) with the stats of each recorded batch of answers.
  void on_recorded(std::function<void(const DeliveryStats&)> fn) { on_recorded_ = std::move(fn); }
  // Every pump first forms the groups that are due (grouping.hpp); with `flush`, every group
  // (the end of `rasd run --once`, which must not leave alerts waiting for a later run).
  void flush_groups(bool flush) { flush_groups_ = flush; }
  // From now on, failed answers (aborted at shutdown) are not recorded and pump() sends nothing.
  void stop() { stopping_ = true; }
  size_t in_flight() const { return in_flight_ids_.size(); }
  // Store jobs (a pump's read, a batch's record) submitted and not yet back on the loop.
  size_t busy() const { return jobs_; }
  // 429/503 answers with Retry-After do not use up the retry schedule, up to this many.
  static constexpr int64_t kMaxHeldAttempts = 100;

 private:
  struct Answer {
    Delivery delivery;
    int64_t sent_at = 0;
    Expected<HttpResponse> response;
  };
  struct DueRows;  // what a pump's store job read
  void arrived(Answer answer);
  void send_due(const DueRows& rows, int limit,
                const std::function<bool(const std::string&)>& allow);
  void release(const Delivery& d);  // no longer in flight
  void record_arrived();
  // What one attempt made at `at` leads to (the delivery's new state; "disabled" when the
  // endpoint is gone), counted in stats; a 429/503 with Retry-After holds the endpoint.
  AttemptRecord outcome(const Delivery& d, int64_t at, const Expected<HttpResponse>& res,
                        DeliveryStats& stats);

  std::shared_ptr<const std::vector<WebhookConfig>> webhooks_;  // the loop's copy
  struct JobState {  // read and replaced on the store's thread only
    std::shared_ptr<const std::vector<WebhookConfig>> webhooks;
  };
  std::shared_ptr<JobState> job_state_;
  std::string claim_owner_;  // "" when this instance has the store to itself
  int64_t claim_seconds_ = 0;
  std::function<void(const std::string&)> on_sent_;
  Store& store_;
  StoreQueue& queue_;
  Fetcher& fetcher_;
  boost::asio::io_context& io_;
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  std::function<void(const DeliveryStats&)> on_recorded_;
  std::unordered_set<std::string> in_flight_ids_;
  std::unordered_map<std::string, int64_t> in_flight_per_hook_;
  // Monotonic: an endpoint that asked to wait (429/503 Retry-After) is not sent to before then.
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> held_until_;
  std::vector<Answer> arrived_;
  bool record_posted_ = false;
  bool stopping_ = false;
  bool flush_groups_ = false;
  size_t jobs_ = 0;
  bool pumping_ = false;  // a pump's read is at the store queue
  struct PumpAsk {
    int limit;
    std::function<bool(const std::string&)> allow;
  };
  std::optional<PumpAsk> pump_again_;
};

// Forms every waiting group (as `rasd run --once`; only the due ones without `flush_groups`),
// then sends every due delivery once (up to `limit`) on a private loop and returns when every
// answer is recorded: `rasd deliveries`-style one-shot use, tests and benchmarks. Throws
// sql::StoreError when the store fails.
DeliveryStats deliver_due_once(const Config& config, Store& store, const Clock& clock,
                               std::shared_ptr<spdlog::logger> log, int limit = 100,
                               bool flush_groups = true);

}  // namespace rasd
