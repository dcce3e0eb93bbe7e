// Arabic dates as news sites write them: day, month name and year in any order the sites use,
// in either month-name system (يناير ... of Egypt and the Gulf, كانون الثاني ... of the Levant
// and Iraq, and the Maghreb's جانفي/يوليوز ... spellings), Arabic-Indic or Persian digits,
// optional weekday, time with ص/م (a.m./p.m.), and a few zone phrases (بتوقيت مكة, GMT+3).
// A date without a zone is read as UTC.
#include <unicode/utf8.h>

#include <array>
#include <cctype>
#include <string>
#include <vector>

#include "rasd/parsers/date.hpp"

namespace rasd::dates {
namespace {

// Decodes UTF-8 to code points with ICU; an invalid sequence becomes a space (a separator).
std::u32string decode(std::string_view s) {
  std::u32string out;
  const auto* b = reinterpret_cast<const uint8_t*>(s.data());
  const auto n = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(b, i, n, c);
    out += c < 0 ? U' ' : static_cast<char32_t>(c);
  }
  return out;
}

// Letters folded as the normalizer does (alef forms, ta marbuta, alef maqsura), digits to ASCII,
// marks and tatweel removed, and separators to spaces.
std::u32string fold(std::u32string_view s) {
  std::u32string out;
  for (char32_t c : s) {
    if (c >= 0x0660 && c <= 0x0669) c = U'0' + (c - 0x0660);
    else if (c >= 0x06F0 && c <= 0x06F9) c = U'0' + (c - 0x06F0);
    else if (c == 0x0622 || c == 0x0623 || c == 0x0625 || c == 0x0671) c = 0x0627;
    else if (c == 0x0629) c = 0x0647;
    else if (c == 0x0649 || c == 0x06CC) c = 0x064A;  // alef maqsura, Persian yeh
    else if (c == 0x06A9) c = 0x0643;                 // Persian kaf
    else if (c == 0x0640 || (c >= 0x064B && c <= 0x065F) || c == 0x0670) continue;
    else if (c == U'-' && out.size() >= 3 && (out.compare(out.size() - 3, 3, U"gmt") == 0 ||
                                               out.compare(out.size() - 3, 3, U"utc") == 0))
      ;  // "GMT-5": the sign of a zone, not a separator
    else if (c == 0x060C || c == U',' || c == U'/' || c == U'-' || c == U'|' || c == U'.' || c == 0x00A0 ||
             c == U'\t' || c == U'\n' || c == U'(' || c == U')')
      c = U' ';
    else if (c >= U'A' && c <= U'Z') c = c - U'A' + U'a';
    out += c;
  }
  return out;
}

std::vector<std::u32string> words(const std::u32string& s) {
  std::vector<std::u32string> out;
  std::u32string w;
  for (char32_t c : s) {
    if (c == U' ') {
      if (!w.empty()) out.push_back(std::move(w));
      w.clear();
    } else {
      w += c;
    }
  }
  if (!w.empty()) out.push_back(std::move(w));
  return out;
}

struct MonthName {
  std::u32string_view first, second;  // second word for two-word names, else empty
  int month;
};

// Spellings after fold(): alef forms as ا, ة as ه.
const MonthName kMonths[] = {
    // Levant and Iraq (two-word names first, so they win over their first word alone).
    {U"كانون", U"الثاني", 1}, {U"تشرين", U"الاول", 10}, {U"تشرين", U"الثاني", 11}, {U"كانون", U"الاول", 12},
    {U"شباط", U"", 2}, {U"اذار", U"", 3}, {U"نيسان", U"", 4}, {U"ايار", U"", 5}, {U"حزيران", U"", 6},
    {U"تموز", U"", 7}, {U"اب", U"", 8}, {U"ايلول", U"", 9},
    // Egypt, the Gulf and most of the press.
    {U"يناير", U"", 1}, {U"فبراير", U"", 2}, {U"مارس", U"", 3}, {U"ابريل", U"", 4},
    {U"مايو", U"", 5}, {U"يونيو", U"", 6}, {U"يونيه", U"", 6}, {U"يوليو", U"", 7}, {U"يوليه", U"", 7},
    {U"اغسطس", U"", 8}, {U"سبتمبر", U"", 9}, {U"اكتوبر", U"", 10}, {U"نوفمبر", U"", 11}, {U"ديسمبر", U"", 12},
    // Algeria and Tunisia.
    {U"جانفي", U"", 1}, {U"فيفري", U"", 2}, {U"افريل", U"", 4}, {U"ماي", U"", 5}, {U"جوان", U"", 6},
    {U"جويليه", U"", 7}, {U"جويلية", U"", 7}, {U"اوت", U"", 8},
    // Morocco.
    {U"يوليوز", U"", 7}, {U"غشت", U"", 8}, {U"شتنبر", U"", 9}, {U"نونبر", U"", 11}, {U"دجنبر", U"", 12},
    // Libya (by the old numbering, still seen) and loose spellings.
    {U"اغسطوس", U"", 8}, {U"سيبتمبر", U"", 9}, {U"نوفمير", U"", 11}, {U"كانون2", U"", 1}, {U"ديسيمبر", U"", 12},
    {U"فبرير", U"", 2}, {U"يونيوز", U"", 6},
};

struct Zone {
  std::u32string_view word;
  int minutes;
};
const Zone kZones[] = {
    {U"غرينتش", 0}, {U"جرينتش", 0}, {U"gmt", 0}, {U"utc", 0}, {U"مكه", 180}, {U"الرياض", 180},
    {U"دمشق", 180}, {U"بغداد", 180}, {U"عمان", 180}, {U"الدوحه", 180}, {U"الكويت", 180},
    {U"القاهره", 120}, {U"بيروت", 120}, {U"القدس", 120}, {U"الرباط", 60}, {U"ابوظبي", 240},
};

bool all_digits(const std::u32string& w) {
  if (w.empty()) return false;
  for (char32_t c : w) {
    if (c < U'0' || c > U'9') return false;
  }
  return true;
}

// The value of a digit string, saturating at 10^6 (no date part is longer; found by fuzz_feed).
int to_int(const std::u32string& w) {
  int v = 0;
  for (char32_t c : w) {
    v = v * 10 + static_cast<int>(c - U'0');
    if (v >= 1000000) return 1000000;
  }
  return v;
}

bool has_arabic_or_indic(std::string_view s) {
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b == 0xD8 || b == 0xD9 || b == 0xDA || b == 0xDB) return true;
  }
  return false;
}

}  // namespace

std::optional<int64_t> parse_arabic(std::string_view text) {
  if (!has_arabic_or_indic(text)) return std::nullopt;
  const std::vector<std::u32string> ws = words(fold(decode(text)));
  int day = 0, month = 0, year = 0, hour = 0, minute = 0, second = 0;
  int zone = 0;
  bool have_time = false, pm = false, am = false;
  std::vector<int> numbers;  // bare numbers in order, for d m y without a month name
  for (size_t i = 0; i < ws.size(); ++i) {
    std::u32string w = ws[i];
    // "2024م" (AD) and "1446هـ" (AH, after fold "1446ه"): a year with its era letter glued on.
    if (w.size() > 1 && (w.back() == 0x0645 || w.back() == 0x0647) && all_digits(w.substr(0, w.size() - 1))) {
      if (w.back() == 0x0647) return std::nullopt;  // Hijri: not converted
      w.pop_back();
    }
    if (w.rfind(U"gmt", 0) == 0 || w.rfind(U"utc", 0) == 0) {
      // "GMT+3", "UTC-05:00".
      std::u32string off = w.substr(3);
      if (off.size() > 1 && (off[0] == U'+' || off[0] == U'-')) {
        const int sign = off[0] == U'-' ? -1 : 1;
        off = off.substr(1);
        const size_t colon = off.find(U':');
        const std::u32string h = off.substr(0, colon), m = colon == std::u32string::npos ? U"" : off.substr(colon + 1);
        if (all_digits(h) && (m.empty() || all_digits(m))) zone = sign * (to_int(h) * 60 + (m.empty() ? 0 : to_int(m)));
      }
      continue;
    }
    if (w.find(U':') != std::u32string::npos) {
      std::vector<int> parts;
      std::u32string part;
      for (char32_t c : w + U":") {
        if (c == U':') {
          if (!all_digits(part)) break;
          parts.push_back(to_int(part));
          part.clear();
        } else {
          part += c;
        }
      }
      if (parts.size() >= 2) {
        hour = parts[0];
        minute = parts[1];
        second = parts.size() > 2 ? parts[2] : 0;
        have_time = true;
      }
      continue;
    }
    if (all_digits(w)) {
      numbers.push_back(to_int(w));
      continue;
    }
    bool matched = false;
    for (const auto& m : kMonths) {
      if (w != m.first) continue;
      if (!m.second.empty()) {
        if (i + 1 < ws.size() && ws[i + 1] == m.second) {
          month = m.month;
          ++i;
          matched = true;
          break;
        }
        continue;
      }
      month = m.month;
      matched = true;
      break;
    }
    if (matched) continue;
    if (w == U"م" || w == U"مساء" || w == U"مساءا" || w == U"pm") {
      pm = have_time;
    } else if (w == U"ص" || w == U"صباحا" || w == U"صباح" || w == U"am") {
      am = have_time;
    } else {
      for (const auto& z : kZones) {
        if (w == z.word) zone = z.minutes;
      }
    }
  }
  // Numbers: with a month name, the day (1-31) and the year (4 digits); without one, d m y.
  if (month != 0) {
    for (int n : numbers) {
      if (n >= 1000) year = n;
      else if (day == 0 && n >= 1 && n <= 31) day = n;
    }
  } else if (numbers.size() >= 3) {
    if (numbers[0] >= 1000) {  // y m d
      year = numbers[0];
      month = numbers[1];
      day = numbers[2];
    } else {  // d m y, as Arabic sites write it
      day = numbers[0];
      month = numbers[1];
      year = numbers[2];
    }
  }
  if (year > 0 && year < 100) year += 2000;
  if (day < 1 || day > 31 || month < 1 || month > 12 || year < 1970 || year > 2200) return std::nullopt;
  static constexpr std::array<int, 12> kDays = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > (month == 2 && !leap ? 28 : kDays[static_cast<size_t>(month - 1)])) return std::nullopt;
  if (have_time) {
    if (pm && hour < 12) hour += 12;
    if (am && hour == 12) hour = 0;
    if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  }
  const int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return days * 86400 + hour * 3600 + minute * 60 + second - static_cast<int64_t>(zone) * 60;
}

}  // namespace rasd::dates
