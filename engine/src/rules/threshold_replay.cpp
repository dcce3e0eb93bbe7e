#include "rasd/engine/rules/threshold_replay.hpp"

#include <algorithm>

namespace rasd::rules {

void ThresholdReplay::forget(const Event& e) {
  --count_.articles;
  if (--stories_[e.story] == 0) {
    stories_.erase(e.story);
    --count_.stories;
  }
  if (--sources_[e.source] == 0) {
    sources_.erase(e.source);
    --count_.sources;
  }
}

void ThresholdReplay::close(int64_t at) {
  ReplayedEpisode& ep = episodes_.back();
  if (unsent_ > 0) ++ep.updates;  // the silent joins are told before the episode ends
  unsent_ = 0;
  ep.closed_at = at;
  open_ = false;
}

void ThresholdReplay::advance(int64_t now) {
  // Events leave in time order; an event of time e is out of (T - window, T] from T = e + window.
  while (!window_.empty() && window_.top().time <= now - t_.window_seconds) {
    const int64_t leaves_at = window_.top().time + t_.window_seconds;
    if (open_) {
      const ReplayedEpisode& ep = episodes_.back();
      if (unsent_ > 0 && last_update_at_ + kThresholdUpdateGap <= leaves_at) {
        ++episodes_.back().updates;  // the timer's summary
        last_update_at_ += kThresholdUpdateGap;
        unsent_ = 0;
      }
      if (ep.opened_at + kMaxEpisodeSeconds <= leaves_at) close(ep.opened_at + kMaxEpisodeSeconds);
    }
    forget(window_.top());
    window_.pop();
    if (open_ && !holds(t_, count_)) close(leaves_at);
  }
  if (open_) {
    if (unsent_ > 0 && last_update_at_ + kThresholdUpdateGap <= now) {
      ++episodes_.back().updates;
      last_update_at_ += kThresholdUpdateGap;
      unsent_ = 0;
    }
    const int64_t ends = episodes_.back().opened_at + kMaxEpisodeSeconds;
    if (ends <= now) close(ends);
  }
}

std::optional<size_t> ThresholdReplay::add(std::optional<int64_t> published, int64_t now,
                                           const std::string& story, const std::string& source) {
  advance(now);
  const int64_t at = threshold_event_time(published, now);
  if (!counts_at(t_, at, now)) return std::nullopt;  // old news: a first poll or a catch-up
  ++count_.articles;
  if (++stories_[story] == 1) ++count_.stories;
  if (++sources_[source] == 1) ++count_.sources;
  window_.push({at, story, source});
  if (!open_) {
    if (!holds(t_, count_)) return std::nullopt;
    ReplayedEpisode ep;
    ep.opened_at = now;
    ep.at_open = count_;
    ep.matches = 1;
    episodes_.push_back(ep);
    open_ = true;
    last_update_at_ = now;
    unsent_ = 0;
    return episodes_.size() - 1;
  }
  ReplayedEpisode& ep = episodes_.back();
  ++ep.matches;
  if (now - last_update_at_ >= kThresholdUpdateGap) {
    ++ep.updates;
    last_update_at_ = now;
    unsent_ = 0;
  } else {
    ++unsent_;
  }
  return episodes_.size() - 1;
}

}  // namespace rasd::rules
