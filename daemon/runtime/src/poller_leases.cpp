// The Poller's side of host leases (poller.hpp, host_leases.hpp): settling units of work,
// renewing while work is in flight, and `--once` waiting for hosts other instances hold.
#include <spdlog/spdlog.h>

#include "poller.hpp"

namespace rasd {

void Poller::source_settled(const std::string& id, bool lease_settled) {
  auto it = in_flight_.find(id);
  if (it == in_flight_.end()) return;
  std::string host = std::move(it->second);
  in_flight_.erase(it);
  if (leases_ && !lease_settled) settle_hosts({std::move(host)});
}

void Poller::settle_hosts(std::vector<std::string> hosts) {
  if (!leases_ || hosts.empty() || !queue_) return;
  queue_->submit(
      [this, hosts = std::move(hosts)] {
        // A release that cannot be written now is written at the next renewal.
        for (const auto& h : hosts) leases_->settle(store_, h);
      },
      [] {});
}

void Poller::retry_denied_later(std::vector<std::string> ids) {
  for (auto& id : ids) denied_once_.push_back(std::move(id));
  if (!io_ || (denied_timer_ && denied_timer_->expiry() > SteadyClock::now())) return;
  if (!denied_timer_) denied_timer_ = std::make_unique<boost::asio::steady_timer>(*io_);
  denied_timer_->expires_after(std::chrono::seconds(kLeaseRetrySeconds));
  // Keeps `--once` running until they are polled.
  denied_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    for (auto& id : denied_once_) once_queue_.push_back(std::move(id));
    denied_once_.clear();
    poll_queued();
  });
}

// Every lease/4 while attached: the hosts with work in flight keep their leases (a lost one is
// logged; its work goes on, and the store keeps each article once however many fetch it).
void Poller::arm_lease_renewal() {
  if (!leases_ || !io_ || stopping_ || renew_armed_) return;
  if (!renew_timer_) renew_timer_ = std::make_unique<boost::asio::steady_timer>(*io_);
  renew_armed_ = true;
  renew_timer_->expires_after(
      std::chrono::seconds(std::max<int64_t>(1, leases_->lease_seconds() / 4)));
  renew_timer_->async_wait([this](const boost::system::error_code& ec) {
    renew_armed_ = false;
    if (ec || !queue_ || renewing_) return;
    renewing_ = true;
    struct Renewed {
      std::vector<std::string> lost;
      std::string error;
    };
    auto r = std::make_shared<Renewed>();
    queue_->submit(
        [this, r] {
          try {
            r->lost = leases_->renew(store_);
          } catch (const sql::StoreError& e) {
            r->error = e.what();
          }
        },
        [this, r] {
          renewing_ = false;
          if (!r->error.empty())
            log_->error("store: {} (host leases renewed again later)", r->error);
          for (const auto& h : r->lost)
            log_->warn(
                "host '{}': its lease lapsed while this instance worked on it; another "
                "instance may poll it too",
                h);
          if (!(once_ && idle())) arm_lease_renewal();
        });
  });
}

void Poller::stop() {
  stopping_ = true;
  if (renew_timer_) renew_timer_->cancel();
  if (denied_timer_) denied_timer_->cancel();
}

// Leases are renewed while work is in flight; `--once` ends when its work does, so no renewal
// timer may keep its loop running once it is idle.
void Poller::follow_lease_renewal() {
  if (!leases_) return;
  if (!idle()) {
    arm_lease_renewal();
  } else if (once_ && renew_timer_) {
    renew_timer_->cancel();
  }
}

}  // namespace rasd
