#include <catch2/catch.hpp>

#include "rasd/parsers/date.hpp"

using namespace rasd::dates;

TEST_CASE("dates: RFC 822 and ISO 8601 to UTC", "[parsers][dates]") {
  struct C {
    const char* in;
    const char* out;
  };
  const C cases[] = {
      {"Thu, 19 Dec 2024 06:30:00 GMT", "2024-12-19T06:30:00Z"},
      {"Thu, 19 Dec 2024 06:30:00 +0300", "2024-12-19T03:30:00Z"},
      {"19 Dec 2024 06:30:00 EST", "2024-12-19T11:30:00Z"},
      {"Thu, 19 Dec 24 06:30:00 GMT", "2024-12-19T06:30:00Z"},
      {"Thu, 19 Dec 2024 06:30 GMT", "2024-12-19T06:30:00Z"},
      {"Thu,19 Dec 2024 06:30:00 Z", "2024-12-19T06:30:00Z"},
      {"Thu, 9 Dec 2024 06:30:00 PDT", "2024-12-09T13:30:00Z"},
      {"Thu, 19 December 2024 06:30:00 +03:00", "2024-12-19T03:30:00Z"},
      {"Thu, 19 Dec 2024 06:30:00", "2024-12-19T06:30:00Z"},
      {"Dec 19 2024 06:30:00 GMT", "2024-12-19T06:30:00Z"},
      {"2024-12-19T06:30:00Z", "2024-12-19T06:30:00Z"},
      {"2024-12-19T06:30:00.123+03:00", "2024-12-19T03:30:00Z"},
      {"2024-12-19T06:30:00-05:00", "2024-12-19T11:30:00Z"},
      {"2024-12-19 06:30:00Z", "2024-12-19T06:30:00Z"},
      {"2024-12-19", "2024-12-19T00:00:00Z"},
      {"2024-12", "2024-12-01T00:00:00Z"},
      {"2024", "2024-01-01T00:00:00Z"},
      {"20241219T063000Z", "2024-12-19T06:30:00Z"},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    auto t = parse_any(c.in);
    REQUIRE(t);
    CHECK(format_rfc3339(*t) == c.out);
  }
  for (const char* bad : {"", "yesterday", "32 Dec 2024", "2024-13-01", "Thu, 19 Foo 2024 06:30:00 GMT"}) {
    INFO(bad);
    CHECK_FALSE(parse_any(bad));
  }
}

TEST_CASE("durations", "[parsers][dates]") {
  CHECK(parse_duration_seconds("30s") == 30);
  CHECK(parse_duration_seconds("15m") == 900);
  CHECK(parse_duration_seconds("6h") == 21600);
  CHECK(parse_duration_seconds("90d") == 90 * 86400);
  CHECK(parse_duration_seconds("1h30m") == 5400);
  CHECK(parse_duration_seconds("45") == 45);
  CHECK_FALSE(parse_duration_seconds("fast"));
  CHECK_FALSE(parse_duration_seconds("1h30"));
  CHECK_FALSE(parse_duration_seconds("10y"));
}
