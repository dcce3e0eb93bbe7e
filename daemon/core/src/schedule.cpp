#include "rasd/daemon/schedule.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "rasd/parsers/date.hpp"

namespace rasd {
namespace {

constexpr const char* kDays[] = {"sunday",   "monday", "tuesday", "wednesday",
                                 "thursday", "friday", "saturday"};

bool skipped(int64_t t, const ScheduleInput& in) {
  const int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  const int hour = static_cast<int>((t - days * 86400) / 3600);
  const int weekday = static_cast<int>(((days % 7) + 7 + 4) % 7);  // 1970-01-01 was a Thursday
  if (std::find(in.skip_hours.begin(), in.skip_hours.end(), hour) != in.skip_hours.end())
    return true;
  for (const auto& d : in.skip_days) {
    std::string lower;
    for (char c : d) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == kDays[weekday]) return true;
  }
  return false;
}

}  // namespace

ScheduleOutput schedule_after_success(const ScheduleInput& in, double jitter_factor) {
  const int64_t lo = std::max<int64_t>(1, in.min_interval);
  const int64_t hi = std::max(lo, in.max_interval);
  double estimate = static_cast<double>(std::clamp(in.current_interval, lo, hi));
  if (in.since_last_success && *in.since_last_success > 0) {
    const double since = static_cast<double>(*in.since_last_success);
    const double sample = in.new_items > 0 ? since / in.new_items : since * 2;
    estimate = 0.6 * estimate + 0.4 * sample;
  }
  ScheduleOutput out;
  out.interval = std::clamp(static_cast<int64_t>(std::llround(estimate)), lo, hi);
  int64_t wait = out.interval;
  for (const auto& hint : {in.ttl_seconds, in.update_period_seconds, in.max_age_seconds}) {
    if (hint && *hint > wait) wait = std::min(*hint, hi);
  }
  wait = std::max<int64_t>(1, std::llround(static_cast<double>(wait) * jitter_factor));
  int64_t due = in.now + wait;
  // Out of skipped hours and days: to the start of the next hour, at most a week ahead.
  for (int i = 0; i < 7 * 24 && skipped(due, in); ++i) due = (due / 3600 + 1) * 3600;
  out.next_due = due;
  return out;
}

std::optional<int64_t> cache_lifetime(const std::string& cache_control, const std::string& expires,
                                      int64_t now) {
  std::string cc;
  for (char c : cache_control) cc += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (cc.find("no-store") != std::string::npos || cc.find("no-cache") != std::string::npos)
    return 0;
  for (size_t at = cc.find("max-age"); at != std::string::npos; at = cc.find("max-age", at + 1)) {
    if (at > 0 && cc[at - 1] == '-') continue;  // s-maxage is spelled differently; stay strict
    size_t i = at + 7;
    while (i < cc.size() && cc[i] == ' ') ++i;
    if (i >= cc.size() || cc[i] != '=') continue;
    ++i;
    while (i < cc.size() && (cc[i] == ' ' || cc[i] == '"')) ++i;
    int64_t v = 0;
    size_t digits = 0;
    while (i < cc.size() && std::isdigit(static_cast<unsigned char>(cc[i])) && digits < 10) {
      v = v * 10 + (cc[i++] - '0');
      ++digits;
    }
    if (digits > 0) return v;
  }
  if (!expires.empty()) {
    if (auto t = dates::parse_rfc822(expires)) return std::max<int64_t>(0, *t - now);
  }
  return std::nullopt;
}

std::optional<int64_t> parse_retry_after(const std::string& value, int64_t now) {
  if (value.empty()) return std::nullopt;
  std::optional<int64_t> delay;
  if (std::all_of(value.begin(), value.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    if (value.size() > 9) return 86400;
    delay = std::stoll(value);
  } else if (auto t = dates::parse_rfc822(value)) {
    delay = *t - now;
  }
  if (!delay) return std::nullopt;
  return std::clamp<int64_t>(*delay, 1, 86400);
}

}  // namespace rasd
