// Date parsing for feeds and pages. Pure functions, thread-safe.
// Every parser returns Unix seconds (UTC) or nullopt: an unknown date is absent, never "now".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rasd::dates {

// RFC 822/1123 ("Thu, 19 Dec 2024 06:30:00 GMT"), with named and numeric zones and the sloppy
// variants feeds send (missing weekday, missing seconds, two-digit years, extra spaces).
std::optional<int64_t> parse_rfc822(std::string_view s);

// RFC 3339 / ISO 8601 / W3C-DTF, including partial dates ("2024", "2024-12", "2024-12-19").
std::optional<int64_t> parse_iso8601(std::string_view s);

// Arabic dates: "الخميس ١٩ ديسمبر ٢٠٢٤ - ٠٦:٣٠ م", "19 كانون الأول 2024", "١٩/١٢/٢٠٢٤", with either
// month-name system or the Maghreb spellings, Arabic-Indic or Persian digits, ص/م, and zone
// phrases such as "بتوقيت مكة" or "GMT+3"; no zone means UTC. Hijri dates are not converted.
std::optional<int64_t> parse_arabic(std::string_view s);

// Tries every supported format in turn.
std::optional<int64_t> parse_any(std::string_view s);

// "2024-12-19T06:30:00Z".
// A certificate time as OpenSSL prints it (ASN1_TIME_print, as in curl's certificate info):
// "Dec  4 18:27:29 2026 GMT"; nullopt for anything else.
std::optional<int64_t> parse_certificate_time(std::string_view s);

std::string format_rfc3339(int64_t unix_seconds);

// Days since 1970-01-01 of a proleptic Gregorian date (month 1..12).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

}  // namespace rasd::dates

namespace rasd::dates {
// Durations as written in config and rule files: "30s", "15m", "6h", "90d", "1h30m", "2w".
// A bare number is seconds. nullopt on anything else.
std::optional<int64_t> parse_duration_seconds(std::string_view s);
// The other way, in the largest whole unit: 3600 -> "1h", 90 -> "90s", 172800 -> "2d".
std::string format_duration(int64_t seconds);
}  // namespace rasd::dates
