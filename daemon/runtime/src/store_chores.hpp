// The daemon's periodic store jobs, each at most one at a time on the StoreQueue: retention
// (at start, then hourly, or a minute after a pass that reached its bound), the store's queue
// lengths in the metrics, and the threshold rules' timer; plus, on the store's thread before
// each job, following jumps of the wall clock (clock_jumps.hpp).
//
// Failures: a job's store error is logged and makes the daemon not ready; the job runs again
// at its next turn.
//
// Thread safety: follow_clock_jumps() runs on the store's thread; everything else on the loop.
// attach() before the first job; the queue's thread must be gone before detach().
#pragma once

#include <functional>
#include <memory>

#include "clock_jumps.hpp"
#include "rasd/daemon/api_handlers.hpp"
#include "rasd/daemon/metrics.hpp"
#include "rasd/daemon/monitor.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/daemon/store_queue.hpp"

namespace spdlog {
class logger;
}

namespace rasd {

class StoreChores {
 public:
  StoreChores(Store& store, Monitor& monitor, const Clock& clock, DaemonMetrics& metrics,
              LoopHealth& health, std::shared_ptr<spdlog::logger> log);
  void attach(StoreQueue& queue) { queue_ = &queue; }
  void detach() { queue_ = nullptr; }

  // Retention of `retention` seconds, when due.
  void prune_if_due(int64_t retention);
  void count_queues();
  // Threshold episodes end as their events age out and silent joins are summarized
  // (monitor_thresholds.cpp); also without threshold rules, so that the episodes of rules a
  // reload removed end. `on_alerts` runs on the loop when the check wrote alerts.
  void check_thresholds(std::function<void()> on_alerts);  // and the other timer chores
  void follow_clock_jumps();

 private:
  Store& store_;
  Monitor& monitor_;
  const Clock& clock_;
  DaemonMetrics& metrics_;
  LoopHealth& health_;
  std::shared_ptr<spdlog::logger> log_;
  StoreQueue* queue_ = nullptr;
  ClockJumps jumps_;  // the store's thread only
  bool pruning_ = false, counting_ = false, checking_thresholds_ = false;
  int64_t last_prune_ = 0;
  bool prune_more_ = false;
};

}  // namespace rasd
