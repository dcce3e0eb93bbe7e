// When to poll a source next (issue 6). Pure functions of what the last fetch saw; the Monitor
// stores the result (SourceState.interval, .next_due) and the clock is the caller's.
//
// The interval follows how often the source really publishes: an exponentially weighted mean of
// the time per new item (a fetch with no new item counts as twice the time since the last one,
// so a quiet source drifts toward max_interval), clamped to [min_interval, max_interval]. The
// feed's <ttl> and sy:updatePeriod and the response's Cache-Control max-age / Expires are lower
// bounds (never poll before they say the content can change), also capped at max_interval; the
// result is jittered (±10 %) so that sources do not synchronise, and moved out of the feed's
// <skipHours>/<skipDays> (UTC).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rasd {

struct ScheduleInput {
  int64_t now = 0;
  std::optional<int64_t> since_last_success;  // seconds since the previous successful fetch
  int new_items = 0;
  int64_t current_interval = 900;  // the estimate so far, seconds
  int64_t min_interval = 120, max_interval = 6 * 3600;
  std::optional<int64_t> ttl_seconds, update_period_seconds, max_age_seconds;
  std::vector<int> skip_hours;         // 0-23, UTC
  std::vector<std::string> skip_days;  // "Monday" ... "Sunday"
};

struct ScheduleOutput {
  int64_t interval = 0;  // the new estimate (stored)
  int64_t next_due = 0;  // Unix seconds
};

// `jitter_factor` is the caller's random factor in [0.9, 1.1] (jitter(0.1)).
ScheduleOutput schedule_after_success(const ScheduleInput& in, double jitter_factor);

// Seconds the response may be cached for: Cache-Control max-age (s-maxage ignored; no-cache and
// no-store mean 0), else Expires minus now; nullopt when neither says anything usable.
std::optional<int64_t> cache_lifetime(const std::string& cache_control, const std::string& expires,
                                      int64_t now);

// Retry-After as delay seconds (delta-seconds or an HTTP date), clamped to [1, 86400].
std::optional<int64_t> parse_retry_after(const std::string& value, int64_t now);

}  // namespace rasd
