#include "rasd/daemon/digest_time.hpp"

#include <unicode/gregocal.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <memory>

namespace rasd {
namespace {

std::unique_ptr<icu::TimeZone> zone(const std::string& name) {
  std::unique_ptr<icu::TimeZone> tz(
      icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(name)));
  icu::UnicodeString id;
  tz->getID(id);
  // ICU answers an unknown name with the "Etc/Unknown" zone (GMT) rather than an error.
  if (id == icu::UnicodeString(u"Etc/Unknown")) return nullptr;
  return tz;
}

}  // namespace

std::optional<int> parse_time_of_day(std::string_view s) {
  const auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || s.size() != colon + 3)
    return std::nullopt;
  int h = 0, m = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == colon) continue;
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    (i < colon ? h : m) = (i < colon ? h : m) * 10 + (s[i] - '0');
  }
  if (h > 23 || m > 59) return std::nullopt;
  return h * 60 + m;
}

bool valid_time_zone(const std::string& name) { return zone(name) != nullptr; }

int64_t next_digest_at(const DigestConfig& digest, int64_t t) {
  if (digest.every > 0) {
    const int64_t e = digest.every;
    const int64_t floor = t >= 0 ? t / e * e : -((-t + e - 1) / e) * e;
    return floor + e;
  }
  auto tz = zone(digest.tz);
  if (!tz) tz.reset(icu::TimeZone::createTimeZone("UTC"));
  UErrorCode status = U_ZERO_ERROR;
  icu::GregorianCalendar cal(tz.release(), status);  // adopts the zone
  if (U_FAILURE(status)) return t + 86400;
  // The local day of `t`, at the digest's time; if that is not after `t`, the next day's.
  // Setting the fields (not adding 24 h) keeps the local time across a DST change.
  for (int day = 0; day < 3; ++day) {
    cal.setTime(static_cast<UDate>(t) * 1000.0, status);
    cal.add(UCAL_DATE, day, status);
    cal.set(UCAL_HOUR_OF_DAY, digest.at_minutes / 60);
    cal.set(UCAL_MINUTE, digest.at_minutes % 60);
    cal.set(UCAL_SECOND, 0);
    cal.set(UCAL_MILLISECOND, 0);
    const UDate when = cal.getTime(status);
    if (U_FAILURE(status)) return t + 86400;
    const auto at = static_cast<int64_t>(when / 1000.0);
    if (at > t) return at;
  }
  return t + 86400;
}

}  // namespace rasd
