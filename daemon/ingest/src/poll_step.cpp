#include "rasd/daemon/poll_step.hpp"

#include <algorithm>
#include <cmath>

#include "rasd/daemon/schedule.hpp"

namespace rasd {
namespace {

void fail(PollStep& step, const SourceConfig& s, const Defaults& d, AnswerKind kind,
          std::string error, std::optional<int64_t> retry_after, int64_t now, double jitter) {
  step.kind = kind;
  step.error = std::move(error);
  SourceState& st = step.next;
  st.failures += 1;
  st.last_error = step.error;
  // Exponential backoff from the normal interval, capped at max_interval.
  const double backoff = static_cast<double>(interval_for(s, d)) *
                         std::pow(2.0, static_cast<double>(std::min<int64_t>(st.failures - 1, 16)));
  const auto capped = static_cast<int64_t>(std::min(backoff, static_cast<double>(d.max_interval)));
  st.next_due =
      now + (retry_after ? *retry_after : std::llround(static_cast<double>(capped) * jitter));
}

void schedule(PollStep& step, const SourceConfig& s, const Defaults& d,
              std::optional<int64_t> previous_success, int new_items, const HttpResponse& res,
              int64_t now, double jitter) {
  SourceState& st = step.next;
  ScheduleInput in;
  in.now = now;
  in.since_last_success =
      previous_success ? std::optional<int64_t>(now - *previous_success) : std::nullopt;
  in.new_items = new_items;
  in.current_interval = st.interval > 0 ? st.interval : interval_for(s, d);
  // A source's own interval is its floor (it never asks to be polled more often than that).
  in.min_interval = std::max<int64_t>(d.min_interval, s.interval.value_or(0));
  in.max_interval = std::max(d.max_interval, in.min_interval);
  if (const Feed* feed = step.feed ? &*step.feed : nullptr) {
    in.ttl_seconds =
        feed->ttl_minutes ? std::optional<int64_t>(int64_t{*feed->ttl_minutes} * 60) : std::nullopt;
    in.update_period_seconds =
        feed->update_period_minutes
            ? std::optional<int64_t>(int64_t{*feed->update_period_minutes} * 60)
            : std::nullopt;
    in.skip_hours = feed->skip_hours;
    in.skip_days = feed->skip_days;
  }
  in.max_age_seconds = cache_lifetime(res.header("cache-control"), res.header("expires"), now);
  const ScheduleOutput out = schedule_after_success(in, jitter);
  st.interval = out.interval;
  st.next_due = out.next_due;
  st.failures = 0;
  st.last_error.clear();
  st.last_success = now;
}

}  // namespace

const char* answer_kind_name(AnswerKind k) {
  switch (k) {
    case AnswerKind::not_modified:
      return "not_modified";
    case AnswerKind::feed:
    case AnswerKind::section_page:
      return "ok";
    case AnswerKind::transport_error:
      return "transport_error";
    case AnswerKind::http_error:
      return "http_error";
    case AnswerKind::parse_error:
      return "parse_error";
    case AnswerKind::cut_off:
      return "cut_off";
  }
  return "unknown";
}

int64_t interval_for(const SourceConfig& s, const Defaults& d) {
  return std::clamp(s.interval.value_or(d.interval), d.min_interval, d.max_interval);
}

ParsedAnswer parse_answer(const SourceConfig& s, const Expected<HttpResponse>& res, int64_t now) {
  ParsedAnswer p;
  if (!res) {
    p.kind = AnswerKind::transport_error;
    p.error = res.error().message;
    return p;
  }
  if (res->status == 304) {
    p.kind = AnswerKind::not_modified;
    return p;
  }
  if (res->status < 200 || res->status >= 300) {
    p.kind = AnswerKind::http_error;
    p.error = "HTTP " + std::to_string(res->status);
    if (res->status == 429 || res->status == 503)
      p.retry_after = parse_retry_after(res->header("retry-after"), now);
    return p;
  }
  const std::string base = res->effective_url.empty() ? s.url : res->effective_url;
  if (s.type == "html") {
    auto links = html::article_links(res->body, base, s.links, res->header("content-type"));
    if (!links) {
      p.kind = AnswerKind::parse_error;
      p.error = links.error().message;
      return p;
    }
    p.kind = AnswerKind::section_page;
    p.links = std::move(*links);
    return p;
  }
  FeedParseOptions opts;
  opts.content_type = res->header("content-type");
  opts.base_url = base;
  auto feed = parse_feed(res->body, opts);
  if (!feed) {
    p.kind = AnswerKind::parse_error;
    p.error = feed.error().message;
    if (feed.error().offset != static_cast<size_t>(-1))
      p.error += " (byte " + std::to_string(feed.error().offset) + ")";
    return p;
  }
  p.kind = AnswerKind::feed;
  p.feed = std::move(*feed);
  return p;
}

PollStep poll_step(const SourceConfig& s, const Defaults& d, SourceState state,
                   const Expected<HttpResponse>& res, bool shutting_down, int64_t now,
                   double jitter) {
  if (!res && shutting_down) {
    PollStep step;
    step.next = std::move(state);
    step.kind = AnswerKind::cut_off;
    step.error = res.error().message;
    return step;
  }
  return poll_step(s, d, std::move(state), parse_answer(s, res, now), res, shutting_down, now,
                   jitter);
}

PollStep poll_step(const SourceConfig& s, const Defaults& d, SourceState state, ParsedAnswer parsed,
                   const Expected<HttpResponse>& res, bool shutting_down, int64_t now,
                   double jitter) {
  PollStep step;
  step.next = std::move(state);
  if (!res && shutting_down) {
    step.kind = AnswerKind::cut_off;
    step.error = res.error().message;
    return step;
  }
  step.next.last_fetch = now;
  switch (parsed.kind) {
    case AnswerKind::transport_error:
    case AnswerKind::http_error:
    case AnswerKind::parse_error:
      fail(step, s, d, parsed.kind, std::move(parsed.error), parsed.retry_after, now, jitter);
      return step;
    case AnswerKind::not_modified:
      step.kind = AnswerKind::not_modified;
      schedule(step, s, d, step.next.last_success, 0, *res, now, jitter);
      return step;
    default:
      step.kind = parsed.kind;
      step.feed = std::move(parsed.feed);
      step.links = std::move(parsed.links);
      return step;
  }
}

void finish_success(PollStep& step, const SourceConfig& s, const Defaults& d,
                    std::optional<int64_t> previous_success, int new_items, const HttpResponse& res,
                    bool all_durable, int64_t now, double jitter) {
  schedule(step, s, d, previous_success, new_items, res, now, jitter);
  // Without validators the next poll reads the answer whole and finds what was not kept.
  step.next.etag = all_durable ? res.header("etag") : std::string();
  step.next.last_modified = all_durable ? res.header("last-modified") : std::string();
}

}  // namespace rasd
