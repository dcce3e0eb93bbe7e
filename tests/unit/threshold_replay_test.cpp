// rules::ThresholdReplay (the backtest's threshold counting) on a fake clock.
#include "rasd/engine/rules/threshold_replay.hpp"

#include <catch2/catch.hpp>

using rasd::rules::Threshold;
using rasd::rules::ThresholdPer;
using rasd::rules::ThresholdReplay;

namespace {
Threshold threshold(int count, int64_t window, int sources, ThresholdPer per) {
  Threshold t;
  t.count = count;
  t.window_seconds = window;
  t.distinct_sources = sources;
  t.per = per;
  return t;
}
}  // namespace

TEST_CASE("threshold replay: opens at the count-th match and closes as events age out",
          "[threshold][replay]") {
  ThresholdReplay r(threshold(3, 3600, 2, ThresholdPer::article));
  CHECK_FALSE(r.add(1000, 1000, "s1", "a"));
  CHECK_FALSE(r.add(1100, 1100, "s2", "a"));  // two from one source
  const auto opened = r.add(1200, 1200, "s3", "b");
  REQUIRE(opened);
  CHECK(*opened == 0);
  CHECK(r.episodes()[0].opened_at == 1200);
  CHECK(r.episodes()[0].at_open.sources == 2);
  CHECK(r.add(1300, 1300, "s4", "b") == std::optional<size_t>(0));  // joins
  // The first event leaves (1000 + 3600): three remain from two sources, still holding; the
  // second leaves at 4700: two remain, the episode ends then.
  r.advance(4650);
  CHECK(r.open());
  r.advance(5000);
  CHECK_FALSE(r.open());
  REQUIRE(r.episodes()[0].closed_at);
  CHECK(*r.episodes()[0].closed_at == 4700);
  CHECK(r.episodes()[0].matches == 2);
}

TEST_CASE("threshold replay: per story counts clusters, and old news never counts",
          "[threshold][replay]") {
  ThresholdReplay story(threshold(2, 3600, 1, ThresholdPer::story));
  CHECK_FALSE(story.add(1000, 1000, "same", "a"));
  CHECK_FALSE(story.add(1010, 1010, "same", "b"));  // a copy of the same story
  CHECK(story.add(1020, 1020, "other", "c"));

  ThresholdReplay old(threshold(2, 3600, 1, ThresholdPer::article));
  CHECK_FALSE(old.add(0, 10000, "x", "a"));  // published hours before the fetch
  CHECK_FALSE(old.add(1, 10000, "y", "a"));
  CHECK(old.episodes().empty());
  // A published time far ahead of the fetch is clamped to 10 minutes after it: it ages out
  // an hour and ten minutes after the fetch, not days later.
  ThresholdReplay ahead(threshold(1, 3600, 1, ThresholdPer::article));
  CHECK(ahead.add(10000 + 86400, 10000, "z", "a"));
  ahead.advance(10000 + 600 + 3600);
  CHECK_FALSE(ahead.open());
}

TEST_CASE("threshold replay: a surge after a closed episode is a new episode, updates are paced",
          "[threshold][replay]") {
  ThresholdReplay r(threshold(1, 600, 1, ThresholdPer::article));
  CHECK(r.add(0, 0, "a", "s") == std::optional<size_t>(0));
  for (int64_t t = 10; t < 300; t += 10) r.add(t, t, "a" + std::to_string(t), "s");  // silent
  r.add(300, 300, "b", "s");  // 300 s after the last update: an update
  CHECK(r.episodes()[0].updates == 1);
  r.advance(2000);  // all aged out
  CHECK_FALSE(r.open());
  CHECK(r.add(3000, 3000, "c", "s") == std::optional<size_t>(1));
  CHECK(r.episodes().size() == 2);
}
