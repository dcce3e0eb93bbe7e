// Threshold counting (DESIGN.md section 4), pure: what counts, when, and whether a window of
// events holds. The store keeps the events; the pipeline (daemon/ingest) decides episodes.
//
// * An event is one matching article of the rule, after its `sources:` and `lang:` filters.
// * Its time is the article's published time, clamped to at most kMaxPublishedAhead after the
//   fetch (sites that label local time as GMT); no published time means the fetch time.
// * An event whose time is already older than the window when it is fetched never counts: the
//   first poll of a new source, or a catch-up after an outage, raises no surge.
// * In a window (now - window, now]: per article, every event counts (five outlets' copies of
//   one story are five); per story, distinct story clusters count (an article in no cluster is
//   a story of its own); `distinct_sources` counts the sources of the events in the window.
//   The store adds them up (Store::threshold_tally), over as many events as the window holds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rasd/engine/rules/rule.hpp"

namespace rasd::rules {

constexpr int64_t kMaxPublishedAhead = 600;
// While an episode is open, at most one alert.updated per rule in this many seconds.
constexpr int64_t kThresholdUpdateGap = 300;
// An episode that has held this long ends and, if it still holds, a new one (a new alert)
// begins: a rule that always holds must not keep one alert, and every article it matched,
// past retention.
constexpr int64_t kMaxEpisodeSeconds = 86400;

struct ThresholdCount {
  int64_t articles = 0;
  int64_t stories = 0;
  int64_t sources = 0;
  int64_t counted(ThresholdPer per) const {
    return per == ThresholdPer::story ? stories : articles;
  }
};

int64_t threshold_event_time(std::optional<int64_t> published, int64_t fetched_at);
// False for an event that is already outside the window at `now`.
bool counts_at(const Threshold& t, int64_t event_time, int64_t now);
bool holds(const Threshold& t, const ThresholdCount& c);

}  // namespace rasd::rules
