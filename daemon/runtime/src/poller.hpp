// Internal to the runtime: the one owner of the work in flight between the network and the
// store. It submits source polls and follow-up page fetches to the loop's Fetcher, gathers
// their answers, and handles every answer that arrived within kGroupCommitMs in one store
// transaction (one fsync for many feeds), each answer in its own savepoint: a source's own
// failure rolls back only its writes. Follow-up pages are rows in the store (page_fetches),
// handed out a bounded number at a time; nothing that must survive a restart lives here.
//
// Counting: totals() and the metrics hold only what committed.
//
// The store is never touched on the loop: reading validators for requests, reading due pages,
// and each batch's transaction are jobs of the StoreQueue (store_queue.hpp), whose `done`
// brings the result back here. One batch is at the queue at a time; answers that arrive
// meanwhile wait for the next one (they are the next group commit).
//
// The heavy part of each 2xx answer (parsing, HTML to text, extraction) runs on the
// ParseWorker's thread, under the poison-source guard (poison_guard.hpp);
// a source blamed for kQuarantineAfter crashes is quarantined (not polled, its pages not
// fetched) until released in the store or its URL changes.
//
// Thread safety: every method runs on the loop's thread; the store and the Monitor are used
// only inside store jobs (and by the constructor, before the store's thread exists). attach()
// before polling; destroy the StoreQueue (its jobs call into this object), then detach(),
// before the io_context, Fetcher or Deliverer it names go away.
#pragma once

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "host_leases.hpp"
#include "parse_worker.hpp"
#include "rasd/daemon/api_handlers.hpp"
#include "rasd/daemon/config.hpp"
#include "rasd/daemon/deliverer.hpp"
#include "rasd/daemon/env.hpp"
#include "rasd/daemon/fetcher.hpp"
#include "rasd/daemon/metrics.hpp"
#include "rasd/daemon/monitor.hpp"
#include "rasd/daemon/poison_guard.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/daemon/store_queue.hpp"

namespace spdlog {
class logger;
}

namespace rasd {

class Poller {
 public:
  // `once`: deliveries are not pumped after commits (`rasd run --once` delivers at the end).
  // The poison guard's file is `guard_path` (Config::guard_path()).
  Poller(Store& store, Monitor& monitor, const Clock& clock, std::shared_ptr<spdlog::logger> log,
         DaemonMetrics& metrics, LoopHealth& health, bool once, const std::string& store_path,
         const std::string& guard_path, const text::Normalizer& normalizer);
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  // The running snapshot's sources (by id) and request cap; `config` must outlive the next
  // call. New sources are due at once.
  void set_snapshot(const Config& config);
  void attach(boost::asio::io_context& io, Fetcher& fetcher, Deliverer* deliverer,
              StoreQueue& queue);
  void detach();
  // Instances share the store (PostgreSQL): from now on a source is polled and a page fetched
  // only while this instance holds its host's lease (host_leases.hpp). Before attach().
  // At a clean stop the owner's leases end in the store (Store::release_owner, the Service's).
  void lease_hosts(std::unique_ptr<HostLeases> leases) { leases_ = std::move(leases); }

  // Submits the sources that are due (not in flight, not quarantined), then due pages. At
  // most max_uncommitted() sources are between their request and their commit: the rest wait
  // (still due) for room, so answers never pile up faster than the store commits them.
  void poll_due();
  // Polls every source once, regardless of schedule (`--once`), as room allows, then due pages.
  void poll_all();
  void pump_pages();
  void refresh_quarantine();
  // From now on answers cut off by the shutdown are neither failures nor handled.
  void stop();

  bool idle() const {
    return once_queue_.empty() && pending_.empty() && preparing_ == 0 && in_flight_.empty() &&
           pages_in_flight_.empty() && !committing_ && !pages_reading_ && !quarantine_reading_;
  }
  const PollStats& totals() const { return totals_; }
  size_t answers_pending() const { return pending_.size(); }
  size_t quarantined() const { return quarantined_.size(); }

  static constexpr int kGroupCommitMs = 50;
  static constexpr int kStoreRetrySeconds = 5;
  static constexpr int kPagesPerPump = 200;
  static constexpr double kParseDeadlineSeconds = 30;  // below systemd's WatchdogSec (60 s)
  // A source whose host another instance holds is asked for again after this.
  static constexpr int kLeaseRetrySeconds = 5;
  static constexpr int kOnceStoreRetries = 3;

 private:
  struct PendingAnswer {
    std::string id;  // the source
    std::shared_ptr<const Expected<HttpResponse>> response;
    std::optional<PageFetch> page;              // set for a follow-up page
    std::optional<PreparedAnswer> prepared;     // the parse worker's part, when it did it
    std::optional<SourceConfig> prepared_with;  // the source as it was asked for and read
  };
  struct BatchJob;  // one group commit at the store queue
  struct WaitingJob {
    ParseWorker::Job job;
    std::string id;
    std::optional<PageFetch> page;
  };
  void submit_to_worker(ParseWorker::Job job, const std::string& id, std::optional<PageFetch> page);
  void arm_stall_check();
  // `requested`: the source as it was when the request was made.
  void arrived(const std::string& id, Expected<HttpResponse> res, std::optional<PageFetch> page,
               const SourceConfig& requested);
  using SteadyClock = std::chrono::steady_clock;
  const SourceConfig* source(const std::string& id) const;
  SteadyClock::time_point steady_due(int64_t wall_due) const;
  void blame(const std::string& id);
  // Reads the sources' validators at the store queue, then submits their GETs.
  void submit_polls(const std::vector<const SourceConfig*>& sources);
  void poll_queued();  // from once_queue_, as room allows
  // Sources fetched or fetching and not yet committed: enough for a batch at the store, one
  // gathering and the fetches in flight.
  size_t max_uncommitted() const { return std::max<size_t>(32, 3 * max_pending_); }
  // Follow-up pages handed to the fetcher and not yet committed (the rest wait in the store).
  size_t max_pages_in_flight() const { return std::max<size_t>(kPagesPerPump, 4 * max_pending_); }
  void submit_request(const SourceConfig& src, HttpRequest req);
  // A source is no longer in flight: forgets it, and settles its unit on its host's lease
  // (`lease_settled`: the store job that ended it settled it already).
  void source_settled(const std::string& id, bool lease_settled);
  // Settles units of work on leased hosts in a store job (work given up on the loop).
  void settle_hosts(std::vector<std::string> hosts);
  void arm_lease_renewal();
  void follow_lease_renewal();  // armed while not idle(); `--once`: cancelled when idle()
  // `--once`: sources whose host another instance holds are asked for again later.
  void retry_denied_later(std::vector<std::string> ids);
  void submit_pages(const std::vector<PageFetch>& due);
  void schedule_flush();
  void handle_pending();
  // On the store's thread: the batch's transaction; then on the loop: what it leads to.
  void commit_batch(BatchJob& b);
  void batch_done(BatchJob& b);
  // On the store's thread. `current`: the source as the Monitor's snapshot has it (null when a
  // reload removed it). False when not handled: the source is polled again after
  // kStoreRetrySeconds.
  // `store_error`: set to the store's error when the answer failed at the store.
  bool handle_one(PendingAnswer& a, const SourceConfig* current, bool stopping, PollStats& stats,
                  std::string* store_error);

  Store& store_;
  Monitor& monitor_;
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  DaemonMetrics& metrics_;
  LoopHealth& health_;
  const bool once_;
  std::string store_path_;
  const text::Normalizer& normalizer_;
  PoisonGuard guard_;
  std::unique_ptr<ParseWorker> worker_;  // while attached
  size_t preparing_ = 0;                 // answers at the worker or waiting for it
  std::deque<WaitingJob> overflow_;      // answers waiting for room at the worker
  std::unique_ptr<boost::asio::steady_timer> stall_timer_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      loop_busy_;
  boost::asio::io_context* io_ = nullptr;
  Fetcher* fetcher_ = nullptr;
  Deliverer* deliverer_ = nullptr;
  StoreQueue* queue_ = nullptr;
  bool committing_ = false;          // a batch is at the store queue
  bool pages_reading_ = false;       // due pages are being read
  bool pages_again_ = false;         // pump_pages() was asked for meanwhile
  bool quarantine_reading_ = false;  // refresh_quarantine() is reading
  const Config* config_ = nullptr;
  std::unordered_map<std::string, const SourceConfig*> sources_by_id_;  // into *config_
  // Per source id, when it is due: the store's next_due as a delay on the monotonic clock.
  std::unordered_map<std::string, SteadyClock::time_point> next_due_;
  // Source ids from request until commit, with the host leased for each ("" when not leasing).
  std::unordered_map<std::string, std::string> in_flight_;
  std::unique_ptr<HostLeases> leases_;  // null: this instance has the store to itself
  std::unique_ptr<boost::asio::steady_timer> renew_timer_, denied_timer_;
  bool renew_armed_ = false, renewing_ = false;
  std::vector<std::string> denied_once_;             // `--once`: waiting for denied_timer_
  std::deque<std::string> once_queue_;               // `--once`: sources not yet asked for
  // `--once`: answers the store failed for, by source; each is asked for again
  // (kLeaseRetrySeconds later) up to kOnceStoreRetries times.
  std::unordered_map<std::string, int> once_store_retries_;
  size_t poll_cursor_ = 0;                           // where poll_due() starts looking
  std::unordered_set<std::string> pages_in_flight_;  // "source\nurl" of pages being fetched
  std::unordered_set<std::string> quarantined_;      // not polled (poison-source guard)
  std::unordered_set<std::string> blamed_;           // crashes > 0: cleared on a clean parse
  std::vector<PendingAnswer> pending_;  // at most max_pending_ before they are handled at once
  size_t max_pending_ = 1;
  bool flush_posted_ = false;
  bool flush_now_posted_ = false;
  std::unique_ptr<boost::asio::steady_timer> flush_timer_;
  PollStats totals_;
  bool stopping_ = false;
};

}  // namespace rasd
