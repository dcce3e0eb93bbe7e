#include "store_chores.hpp"

#include <spdlog/spdlog.h>

namespace rasd {

StoreChores::StoreChores(Store& store, Monitor& monitor, const Clock& clock, DaemonMetrics& metrics,
                         LoopHealth& health, std::shared_ptr<spdlog::logger> log)
    : store_(store),
      monitor_(monitor),
      clock_(clock),
      metrics_(metrics),
      health_(health),
      log_(std::move(log)),
      jumps_(clock) {}

void StoreChores::prune_if_due(int64_t retention) {
  const int64_t now = clock_.now();
  if (!queue_ || pruning_ || (last_prune_ != 0 && now - last_prune_ < (prune_more_ ? 60 : 3600)))
    return;
  last_prune_ = now;
  pruning_ = true;
  struct Pass {
    PruneStats stats;
    std::string error;
  };
  auto pass = std::make_shared<Pass>();
  // Bounded per pass (the store must not stall on months of rows after an upgrade): a pass
  // that reached the bound is followed by another a minute later.
  queue_->submit(
      [&store = store_, &clock = clock_, pass, retention] {
        try {
          pass->stats = store.prune(clock.now() - retention);
        } catch (const sql::StoreError& e) {
          pass->error = e.what();
        }
      },
      [this, pass, retention] {
        pruning_ = false;
        if (!pass->error.empty()) {
          log_->error("retention: store: {} (will retry)", pass->error);
          health_.store_ok = false;
          return;
        }
        const PruneStats& p = pass->stats;
        prune_more_ = p.more;
        if (p.articles > 0 || p.kept_for_alerts > 0 || p.alerts > 0 || p.attempts > 0) {
          log_->info(
              "retention: {} articles, {} alerts, {} deliveries, {} attempts, {} dead pages "
              "older than {}s pruned; {} articles kept because kept alerts refer to them",
              p.articles, p.alerts, p.deliveries, p.attempts, p.page_fetches, retention,
              p.kept_for_alerts);
        }
      });
}

void StoreChores::check_thresholds(std::function<void()> on_alerts) {
  if (!queue_ || checking_thresholds_) return;
  checking_thresholds_ = true;
  auto stats = std::make_shared<PollStats>();
  auto error = std::make_shared<std::string>();
  queue_->submit(
      [&monitor = monitor_, stats, error] {
        // The timer's chores, each its own transaction and failure: one that fails (a full
        // disk, a broken row) does not keep the others from running.
        const std::pair<const char*, std::function<void()>> chores[] = {
            {"thresholds", [&] { *stats += monitor.check_thresholds(); }},
            {"rate-limit notices", [&] { *stats += monitor.send_held_back_notices(); }},
            {"silences", [&] { monitor.report_expired_silences(); }},
            {"coverage", [&] { monitor.check_coverage(); }}};
        for (const auto& [name, chore] : chores) {
          try {
            chore();
          } catch (const sql::StoreError& e) {
            if (!error->empty()) *error += "; ";
            *error += std::string(name) + ": " + e.what();
          }
        }
        monitor.committed(*stats);
      },
      [this, stats, error, on_alerts = std::move(on_alerts)] {
        checking_thresholds_ = false;
        if (!error->empty()) {
          log_->error("timer chores: store: {} (tried again later)", *error);
          health_.store_ok = false;
          return;
        }
        if (stats->alerts > 0 && on_alerts) on_alerts();
      });
}

void StoreChores::follow_clock_jumps() {
  const auto delta = jumps_.check();
  if (!delta) return;
  try {
    const int64_t moved = store_.shift_schedules(*delta);
    log_->warn("the wall clock jumped by {}s; {} stored schedules moved with it (none changes)",
               *delta, moved);
  } catch (const sql::StoreError& e) {
    log_->error("the wall clock jumped by {}s; store: {} (schedules not moved)", *delta, e.what());
  }
}

void StoreChores::count_queues() {
  if (!queue_ || counting_) return;
  counting_ = true;
  queue_->submit(
      [&store = store_, &m = metrics_, &health = health_, log = log_] {
        try {
          m.queue("deliveries_pending").set(static_cast<double>(store.pending_delivery_count()));
          m.queue("pages_pending").set(static_cast<double>(store.page_fetch_count("pending")));
          m.queue("pages_dead").set(static_cast<double>(store.page_fetch_count("dead")));
        } catch (const sql::StoreError& e) {
          log->error("store: {} (queue lengths read again later)", e.what());
          health.store_ok = false;
        }
      },
      [this] { counting_ = false; });
}

}  // namespace rasd
