// When a webhook's digest is due (alerting.md, "Digests"). Pure functions of their arguments;
// the time zone rules come from ICU's time zone data, so a digest "at 07:00" in a zone with
// daylight saving is sent at 07:00 local time on both sides of the change (a 23 h or 25 h
// period), and a local time that a change skips (02:30 on a spring-forward night) is sent
// when the clock reaches it after the change (03:30).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "rasd/daemon/config.hpp"

namespace rasd {

// "07:00" or "7:05" -> minutes after midnight; nullopt for anything else.
std::optional<int> parse_time_of_day(std::string_view s);

// An IANA zone name ICU knows ("Asia/Baghdad", "UTC"); "Etc/Unknown" and typos are not.
bool valid_time_zone(const std::string& name);

// The end of the digest period that Unix time `t` falls in: the first boundary strictly after
// `t` (a multiple of `every` since the epoch, or the next `at` in `tz`).
int64_t next_digest_at(const DigestConfig& digest, int64_t t);

}  // namespace rasd
