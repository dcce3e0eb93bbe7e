#include "rasd/engine/rules/threshold.hpp"

#include <algorithm>

namespace rasd::rules {

int64_t threshold_event_time(std::optional<int64_t> published, int64_t fetched_at) {
  if (!published) return fetched_at;
  return std::min(*published, fetched_at + kMaxPublishedAhead);
}

bool counts_at(const Threshold& t, int64_t event_time, int64_t now) {
  return event_time > now - t.window_seconds;
}

bool holds(const Threshold& t, const ThresholdCount& c) {
  return c.counted(t.per) >= t.count && c.sources >= t.distinct_sources;
}

}  // namespace rasd::rules
