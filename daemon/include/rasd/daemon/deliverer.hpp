// Webhook delivery (DESIGN.md section 7). Delivery is at least once: the outbox row is committed
// with its alert, and this class sends the rows that are due and records every attempt.
//
// Requests run on a small pool of worker threads, each with its own HttpClient, so that one
// slow receiver does not hold up the others; at most WebhookConfig::concurrency requests are in
// flight to one endpoint. Only the calling thread touches the Store: workers perform HTTP and
// hand the response back.
//
// Outcomes: 2xx delivered; 410 disables the endpoint (its pending deliveries become `disabled`
// until `rasd deliveries retry`); 429/503 wait for Retry-After; anything else, and transport
// errors, wait for the next step of the retry schedule (with jitter) and, when it is exhausted,
// the delivery is `dead` (visible, and retried by command).
//
// Thread safety: deliver_due() is called from one thread at a time. The destructor waits for
// requests in flight (each bounded by its timeout).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "rasd/daemon/config.hpp"
#include "rasd/daemon/env.hpp"
#include "rasd/daemon/http_client.hpp"
#include "rasd/daemon/store.hpp"

namespace spdlog {
class logger;
}

namespace rasd {

struct DeliveryStats {
  int delivered = 0;
  int failed = 0;    // will be retried
  int dead = 0;      // out of retries, or the webhook is no longer configured
  int disabled = 0;  // the endpoint is disabled (410 Gone)
};

using HttpClientFactory = std::function<std::unique_ptr<HttpClient>()>;

class Deliverer {
 public:
  // `workers` threads are started, each with a client from `make_client`.
  Deliverer(const Config& config, Store& store, HttpClientFactory make_client, const Clock& clock,
            std::shared_ptr<spdlog::logger> log, size_t workers = 4);
  ~Deliverer();
  Deliverer(const Deliverer&) = delete;
  Deliverer& operator=(const Deliverer&) = delete;

  // Sends every due pending delivery once (up to `limit`), waits for the answers and records
  // them. Throws sql::StoreError when the store fails; attempts not yet recorded are then sent
  // again later (at least once).
  DeliveryStats deliver_due(int limit = 100);

 private:
  struct Job {
    size_t index;
    HttpRequest request;
  };
  struct Result {
    size_t index;
    Expected<HttpResponse> response;
  };
  void work();
  // What one attempt made at `at` leads to (the delivery's new state; "disabled" when the
  // endpoint is gone), counted in stats.
  AttemptRecord outcome(const Delivery& d, int64_t at, const Expected<HttpResponse>& res, DeliveryStats& stats);

  const Config& config_;
  Store& store_;
  HttpClientFactory make_client_;
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;

  std::mutex mu_;  // guards jobs_, results_ and stopping_
  std::condition_variable job_ready_, result_ready_;
  std::deque<Job> jobs_;
  std::deque<Result> results_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace rasd
