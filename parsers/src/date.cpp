#include "rasd/parsers/date.hpp"

#include <array>
#include <cctype>
#include <cstdio>
#include <string>

namespace rasd::dates {
namespace {

struct Cursor {
  std::string_view s;
  size_t i = 0;
  bool done() const { return i >= s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }
  void skip_space() {
    while (!done() && (std::isspace(static_cast<unsigned char>(s[i])) || s[i] == ',')) ++i;
  }
  bool number(int max_digits, int& out, int* ndigits = nullptr) {
    int n = 0, v = 0;
    while (!done() && n < max_digits && std::isdigit(static_cast<unsigned char>(s[i]))) {
      v = v * 10 + (s[i] - '0');
      ++i;
      ++n;
    }
    if (ndigits) *ndigits = n;
    if (n == 0) return false;
    out = v;
    return true;
  }
  std::string word() {
    std::string w;
    while (!done() && std::isalpha(static_cast<unsigned char>(s[i]))) {
      w += static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
      ++i;
    }
    return w;
  }
  bool eat(char c) {
    if (peek() == c) {
      ++i;
      return true;
    }
    return false;
  }
};

int month_from_name(const std::string& w) {
  static constexpr std::array<const char*, 12> kNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                         "jul", "aug", "sep", "oct", "nov", "dec"};
  if (w.size() < 3) return 0;
  for (size_t m = 0; m < kNames.size(); ++m) {
    if (w.compare(0, 3, kNames[m]) == 0) return static_cast<int>(m) + 1;
  }
  return 0;
}

// Offset in minutes east of UTC for RFC 822 zone names and common abbreviations.
std::optional<int> zone_offset(const std::string& w) {
  struct Z {
    const char* name;
    int minutes;
  };
  static constexpr Z kZones[] = {
      {"ut", 0},      {"utc", 0},     {"gmt", 0},    {"z", 0},      {"est", -300}, {"edt", -240},
      {"cst", -360},  {"cdt", -300},  {"mst", -420}, {"mdt", -360}, {"pst", -480}, {"pdt", -420},
      {"akst", -540}, {"akdt", -480}, {"hst", -600}, {"bst", 60},   {"ist", 330},  {"cet", 60},
      {"cest", 120},  {"eet", 120},   {"eest", 180}, {"wet", 0},    {"west", 60},  {"msk", 180},
      {"ast", 180},   {"jst", 540},   {"kst", 540},  {"aest", 600}, {"aedt", 660}, {"nzst", 720},
      {"a", -60},     {"m", -720},    {"n", 60},     {"y", 720},
  };
  for (const auto& z : kZones) {
    if (w == z.name) return z.minutes;
  }
  return std::nullopt;
}

bool valid(int y, int mo, int d, int h, int mi, int s) {
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 24 || mi < 0 || mi > 59 || s < 0 ||
      s > 60)
    return false;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= (mo == 2 && !leap ? 28 : kDays[mo - 1]);
}

int64_t to_unix(int y, int mo, int d, int h, int mi, int s, int offset_minutes) {
  return days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
         h * 3600 + mi * 60 + s - offset_minutes * 60;
}

// Numeric zone "+0300", "+03:00", "-05".
bool numeric_zone(Cursor& c, int& minutes) {
  char sign = c.peek();
  if (sign != '+' && sign != '-') return false;
  ++c.i;
  int hh = 0, mm = 0, nd = 0;
  if (!c.number(2, hh, &nd) || nd != 2) return false;
  c.eat(':');
  c.number(2, mm);
  minutes = (hh * 60 + mm) * (sign == '-' ? -1 : 1);
  return true;
}

}  // namespace

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<int64_t> parse_rfc822(std::string_view s) {
  Cursor c{s};
  c.skip_space();
  // A leading word is either a weekday (skipped) or a month in "Dec 19 2024 06:30" order.
  if (std::isalpha(static_cast<unsigned char>(c.peek()))) {
    const std::string w = c.word();
    c.skip_space();
    if (const int month_first = month_from_name(w); month_first != 0) {
      int d = 0, y = 0;
      if (!c.number(2, d)) return std::nullopt;
      c.skip_space();
      if (!c.number(4, y)) return std::nullopt;
      c.skip_space();
      int h = 0, mi = 0, sec = 0;
      if (c.number(2, h) && c.eat(':') && c.number(2, mi)) {
        if (c.eat(':')) c.number(2, sec);
      }
      c.skip_space();
      int off = 0;
      if (!numeric_zone(c, off)) off = zone_offset(c.word()).value_or(0);
      if (!valid(y, month_first, d, h, mi, sec)) return std::nullopt;
      return to_unix(y, month_first, d, h, mi, sec, off);
    }
  }
  int d = 0, y = 0, ny = 0;
  if (!c.number(2, d)) return std::nullopt;
  c.skip_space();
  c.eat('-');
  int mo = month_from_name(c.word());
  if (mo == 0) return std::nullopt;
  c.skip_space();
  c.eat('-');
  if (!c.number(4, y, &ny)) return std::nullopt;
  if (ny == 2) y += y < 50 ? 2000 : 1900;
  if (ny == 3) y += 1900;
  c.skip_space();
  int h = 0, mi = 0, sec = 0;
  if (c.number(2, h)) {
    if (!c.eat(':') || !c.number(2, mi)) return std::nullopt;
    if (c.eat(':')) c.number(2, sec);
    if (c.eat('.')) {
      int frac = 0;
      c.number(9, frac);
    }
  }
  c.skip_space();
  int off = 0;
  if (!numeric_zone(c, off)) {
    std::string z = c.word();
    if (!z.empty()) {
      auto zo = zone_offset(z);
      if (!zo) return std::nullopt;
      off = *zo;
      c.skip_space();
      int extra = 0;  // "GMT+0300"
      if (numeric_zone(c, extra)) off += extra;
    }
  }
  if (!valid(y, mo, d, h, mi, sec)) return std::nullopt;
  return to_unix(y, mo, d, h, mi, sec, off);
}

std::optional<int64_t> parse_iso8601(std::string_view s) {
  Cursor c{s};
  c.skip_space();
  int y = 0, mo = 1, d = 1, h = 0, mi = 0, sec = 0, nd = 0;
  if (!c.number(4, y, &nd) || nd != 4) return std::nullopt;
  bool compact = false;
  if (c.eat('-')) {
    if (!c.number(2, mo)) return std::nullopt;
    if (c.eat('-') && !c.number(2, d)) return std::nullopt;
  } else if (std::isdigit(static_cast<unsigned char>(c.peek()))) {
    compact = true;  // 20241219T063000Z
    if (!c.number(2, mo) || !c.number(2, d)) return std::nullopt;
  }
  int off = 0;
  if (c.peek() == 'T' || c.peek() == 't' || c.peek() == ' ') {
    ++c.i;
    if (!c.number(2, h)) return std::nullopt;
    if (!compact && !c.eat(':')) return std::nullopt;
    if (!c.number(2, mi)) return std::nullopt;
    if (c.eat(':') || (compact && std::isdigit(static_cast<unsigned char>(c.peek())))) {
      c.number(2, sec);
    }
    if (c.eat('.') || c.eat(',')) {
      int frac = 0;
      while (std::isdigit(static_cast<unsigned char>(c.peek()))) c.number(9, frac);
    }
    c.skip_space();
    if (c.eat('Z') || c.eat('z')) {
      off = 0;
    } else if (!numeric_zone(c, off)) {
      std::string z = c.word();
      if (!z.empty()) {
        auto zo = zone_offset(z);
        if (!zo) return std::nullopt;
        off = *zo;
      }
    }
  }
  c.skip_space();
  if (!c.done()) return std::nullopt;
  if (!valid(y, mo, d, h, mi, sec)) return std::nullopt;
  return to_unix(y, mo, d, h, mi, sec, off);
}

std::optional<int64_t> parse_any(std::string_view s) {
  if (auto v = parse_iso8601(s)) return v;
  if (auto v = parse_rfc822(s)) return v;
  return parse_arabic(s);
}

std::string format_rfc3339(int64_t t) {
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t rem = t - days * 86400;
  // civil_from_days (Howard Hinnant).
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(y), m,
                d, static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60),
                static_cast<int>(rem % 60));
  return buf;
}

}  // namespace rasd::dates

namespace rasd::dates {

std::string format_duration(int64_t s) {
  if (s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

std::optional<int64_t> parse_duration_seconds(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  int64_t total = 0;
  size_t i = 0;
  bool bare = true;
  while (i < s.size()) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    int64_t n = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      n = n * 10 + (s[i] - '0');
      if (n > 100000000) return std::nullopt;
      ++i;
    }
    if (i == s.size()) {
      if (!bare) return std::nullopt;  // "1h30" is ambiguous
      return n;
    }
    bare = false;
    std::string unit;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) unit += s[i++];
    int64_t mult = 0;
    if (unit == "s")
      mult = 1;
    else if (unit == "m" || unit == "min")
      mult = 60;
    else if (unit == "h")
      mult = 3600;
    else if (unit == "d")
      mult = 86400;
    else if (unit == "w")
      mult = 7 * 86400;
    else
      return std::nullopt;
    total += n * mult;
  }
  return total;
}

std::optional<int64_t> parse_certificate_time(std::string_view text) {
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  auto skip_spaces = [&] {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  };
  auto number = [&](size_t max_digits) -> std::optional<int> {
    size_t n = 0;
    int v = 0;
    while (n < text.size() && n < max_digits && std::isdigit(static_cast<unsigned char>(text[n])))
      v = v * 10 + (text[n++] - '0');
    if (n == 0) return std::nullopt;
    text.remove_prefix(n);
    return v;
  };
  auto expect = [&](char ch) {
    if (text.empty() || text.front() != ch) return false;
    text.remove_prefix(1);
    return true;
  };
  skip_spaces();
  if (text.size() < 3) return std::nullopt;
  const size_t m = kMonths.find(text.substr(0, 3));
  if (m == std::string_view::npos || m % 3 != 0) return std::nullopt;
  text.remove_prefix(3);
  skip_spaces();
  const auto day = number(2);
  skip_spaces();
  const auto hour = number(2);
  if (!day || !hour || !expect(':')) return std::nullopt;
  const auto minute = number(2);
  if (!minute || !expect(':')) return std::nullopt;
  const auto second = number(2);
  skip_spaces();
  const auto year = number(4);
  skip_spaces();
  const int mon = static_cast<int>(m / 3) + 1;
  if (!second || !year || text != "GMT" || *hour > 23 ||
      !valid(*year, mon, *day, *hour, *minute, *second))
    return std::nullopt;
  return to_unix(*year, mon, *day, *hour, *minute, *second, 0);
}

}  // namespace rasd::dates
