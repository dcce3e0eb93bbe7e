// Threshold episodes replayed in memory (rasd backtest, the rule tester): what the daemon's
// durable counting (daemon/ingest/src/monitor_thresholds.cpp) would have done over a sequence of
// matches, with the same rules (threshold.hpp): event times clamped, old news never counted,
// the window (now - window, now], an episode opening when the count holds, closing when it
// stops holding (at the moment the event that kept it leaves the window) or after
// kMaxEpisodeSeconds, and at most one alert.updated per kThresholdUpdateGap.
//
// Thread safety: none; one replay per rule, fed in non-decreasing `now` order.
#pragma once

#include <cstdint>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "rasd/engine/rules/threshold.hpp"

namespace rasd::rules {

struct ReplayedEpisode {
  int64_t opened_at = 0;
  std::optional<int64_t> closed_at;  // none: still open when the replay ended
  ThresholdCount at_open;            // what was counted when it fired
  int64_t matches = 0;               // events counted while it was open, the opening one included
  int64_t updates = 0;               // alert.updated bodies it would have sent
};

class ThresholdReplay {
 public:
  explicit ThresholdReplay(const Threshold& t) : t_(t) {}

  // One match of the rule, fetched at `now`. Returns the index of the episode the match belongs
  // to (the one it opened or joined), or nullopt when it opened none and joined none.
  std::optional<size_t> add(std::optional<int64_t> published, int64_t now, const std::string& story,
                            const std::string& source);
  // Moves the clock to `now`: events leave the window, an episode ends when the count stops
  // holding, a pending update goes out when its gap has passed. add() calls it first.
  void advance(int64_t now);
  // Ends the replay at `now`: what has aged out by then is applied; an episode still holding
  // stays open (closed_at empty).
  void finish(int64_t now) { advance(now); }

  const std::vector<ReplayedEpisode>& episodes() const { return episodes_; }
  bool open() const { return open_; }

 private:
  struct Event {
    int64_t time;
    std::string story, source;
    bool operator>(const Event& o) const { return time > o.time; }
  };
  void close(int64_t at);
  void forget(const Event& e);

  Threshold t_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> window_;  // oldest on top
  std::unordered_map<std::string, int64_t> stories_, sources_;
  ThresholdCount count_;
  std::vector<ReplayedEpisode> episodes_;
  bool open_ = false;
  int64_t last_update_at_ = 0;
  int64_t unsent_ = 0;
};

}  // namespace rasd::rules
