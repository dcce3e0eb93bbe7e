// Notices a jump of the wall clock against the monotonic one (an NTP step, an operator's
// `date -s`, a VM restored from a snapshot). The daemon's running schedules are monotonic
// already (the Poller's next polls, endpoint holds, per-host gaps); what the store keeps as
// wall-clock times (next poll, page and delivery retries) is moved by the jump
// (Store::shift_schedules), so that a jump of a day either way changes no schedule, while
// what is shown and stored as an event time (fetched, created, attempted) stays wall-clock.
//
// Steps smaller than kMinJumpSeconds are not jumps: NTP's slews and small steps move the
// schedules with them, which no one notices.
//
// Thread safety: one thread calls check() (the store's, before each job: every job then sees
// schedules in the same terms as the clock it reads).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "rasd/daemon/env.hpp"

namespace rasd {

class ClockJumps {
 public:
  explicit ClockJumps(const Clock& wall) : wall_(wall), offset_(offset_now()) {}

  // The jump since the last call (seconds, signed), or nullopt.
  std::optional<int64_t> check() {
    const int64_t now = offset_now();
    const int64_t delta = now - offset_;
    if (delta < kMinJumpSeconds && delta > -kMinJumpSeconds) return std::nullopt;
    offset_ = now;
    return delta;
  }

  static constexpr int64_t kMinJumpSeconds = 60;

 private:
  int64_t offset_now() const {
    const auto steady = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
    return wall_.now() - steady;
  }
  const Clock& wall_;
  int64_t offset_;  // wall minus monotonic, in seconds, at the last jump (or at the start)
};

}  // namespace rasd
