#include "rasd/engine/rules/threshold.hpp"

#include <algorithm>
#include <unordered_set>

namespace rasd::rules {

int64_t threshold_event_time(std::optional<int64_t> published, int64_t fetched_at) {
  if (!published) return fetched_at;
  return std::min(*published, fetched_at + kMaxPublishedAhead);
}

bool counts_at(const Threshold& t, int64_t event_time, int64_t now) {
  return event_time > now - t.window_seconds;
}

ThresholdCount count_window(const Threshold& t, const std::vector<ThresholdEvent>& events,
                            int64_t now) {
  ThresholdCount c;
  std::unordered_set<std::string> stories, sources;
  for (const auto& e : events) {
    if (!counts_at(t, e.at, now)) continue;
    ++c.articles;
    stories.insert(e.cluster.empty() ? "article:" + std::to_string(e.article_id) : e.cluster);
    sources.insert(e.source_id);
  }
  c.stories = static_cast<int64_t>(stories.size());
  c.sources = static_cast<int64_t>(sources.size());
  return c;
}

bool holds(const Threshold& t, const ThresholdCount& c) {
  return c.counted(t.per) >= t.count && c.sources >= t.distinct_sources;
}

}  // namespace rasd::rules
