// When digests are due (digest_time.hpp): periods aligned in UTC, and local times of day in
// named zones on both sides of daylight-saving changes.
#include "rasd/daemon/digest_time.hpp"

#include <catch2/catch.hpp>

#include "rasd/parsers/date.hpp"

using namespace rasd;

namespace {
int64_t at(const char* rfc3339) {
  auto t = dates::parse_iso8601(rfc3339);
  REQUIRE(t);
  return *t;
}
DigestConfig daily(int minutes, const std::string& tz) {
  DigestConfig d;
  d.at_minutes = minutes;
  d.tz = tz;
  return d;
}
}  // namespace

TEST_CASE("digest time: every N is the next multiple of N since the epoch", "[digest]") {
  DigestConfig hourly;
  hourly.every = 3600;
  CHECK(next_digest_at(hourly, at("2026-12-01T10:00:00Z")) == at("2026-12-01T11:00:00Z"));
  CHECK(next_digest_at(hourly, at("2026-12-01T10:59:59Z")) == at("2026-12-01T11:00:00Z"));
  CHECK(next_digest_at(hourly, at("2026-12-01T10:00:01Z")) == at("2026-12-01T11:00:00Z"));
}

TEST_CASE("digest time: 07:00 in a named zone keeps local time across DST changes", "[digest]") {
  const DigestConfig berlin = daily(7 * 60, "Europe/Berlin");
  // Summer time begins 2026-03-29 02:00 CET: Saturday 07:00 is 06:00Z, Sunday's is 05:00Z.
  CHECK(next_digest_at(berlin, at("2026-03-28T06:00:00Z")) == at("2026-03-29T05:00:00Z"));
  CHECK(next_digest_at(berlin, at("2026-03-28T05:59:59Z")) == at("2026-03-28T06:00:00Z"));
  // It ends 2026-10-25 03:00 CEST: Saturday 07:00 is 05:00Z, Sunday's is 06:00Z (25 h).
  CHECK(next_digest_at(berlin, at("2026-10-24T05:00:00Z")) == at("2026-10-25T06:00:00Z"));
  // A time the spring change skips (02:30) happens when the clock reaches it: 03:30 CEST.
  CHECK(next_digest_at(daily(150, "Europe/Berlin"), at("2026-03-28T12:00:00Z")) ==
        at("2026-03-29T01:30:00Z"));
  // New York, the other direction of the world; Baghdad keeps UTC+3 all year.
  CHECK(next_digest_at(daily(7 * 60, "America/New_York"), at("2026-11-01T00:00:00Z")) ==
        at("2026-11-01T12:00:00Z"));  // EST after the change at 02:00 EDT
  CHECK(next_digest_at(daily(7 * 60, "Asia/Baghdad"), at("2026-12-01T04:00:00Z")) ==
        at("2026-12-02T04:00:00Z"));
  CHECK(next_digest_at(daily(0, "UTC"), at("2026-12-01T00:00:00Z")) == at("2026-12-02T00:00:00Z"));
}

TEST_CASE("digest time: times of day and zone names", "[digest]") {
  CHECK(parse_time_of_day("07:00") == 420);
  CHECK(parse_time_of_day("7:05") == 425);
  CHECK(parse_time_of_day("23:59") == 1439);
  for (const char* bad : {"24:00", "07:60", "0700", "7", ":30", "07:0", "07:00:00", "a7:00", ""})
    CHECK_FALSE(parse_time_of_day(bad));
  CHECK(valid_time_zone("Asia/Baghdad"));
  CHECK(valid_time_zone("UTC"));
  CHECK_FALSE(valid_time_zone("Mars/Olympus"));
  CHECK_FALSE(valid_time_zone("Etc/Unknown"));
}
