// The pure half of one poll: (source config, source state, response, now) -> what the answer
// is, the source's next state, and what it carries (a parsed feed, a section page's links).
// No store, no network, no clock: the caller passes `now` and the jitter factor, so every
// path is unit-tested without sockets (tests/unit/poll_step_test.cpp).
//
// Contract:
// - Every failure (transport, HTTP status, a feed or page that cannot be read) backs off
//   exponentially from the source's interval, capped at max_interval; 429/503 honour
//   Retry-After instead. A failure never touches the validators.
// - An answer cut off by shutdown is not a failure: the state is returned unchanged.
// - 304 resets the failures and schedules the next poll; validators stay.
// - 2xx: finish_success() schedules the next poll once the caller knows how many items were
//   new, and keeps the answer's validators only when `all_durable` says every item and page
//   the answer leads to is stored or queued in the same transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rasd/daemon/config.hpp"
#include "rasd/daemon/http_client.hpp"
#include "rasd/daemon/store_types.hpp"
#include "rasd/parsers/feed.hpp"
#include "rasd/parsers/links.hpp"

namespace rasd {

enum class AnswerKind {
  not_modified,
  feed,          // 2xx with a parsed feed (PollStep::feed)
  section_page,  // 2xx of an html source with its article links (PollStep::links)
  transport_error,
  http_error,
  parse_error,
  cut_off,  // the fetch was cut off by shutdown
};
const char* answer_kind_name(AnswerKind k);  // the fetch outcome metric's label

// What an answer holds, read without any state: the heavy, pure part (feed and page parsing),
// safe to run on any thread.
struct ParsedAnswer {
  AnswerKind kind = AnswerKind::transport_error;
  std::string error;
  std::optional<int64_t> retry_after;  // 429/503
  std::optional<Feed> feed;
  std::vector<html::PageLink> links;
};
ParsedAnswer parse_answer(const SourceConfig& source, const Expected<HttpResponse>& response,
                          int64_t now);

struct PollStep {
  AnswerKind kind = AnswerKind::transport_error;
  SourceState next;  // final for failures, 304 and cut_off; finish_success() completes 2xx
  std::string error;
  std::optional<Feed> feed;
  std::vector<html::PageLink> links;
  bool failed() const {
    return kind == AnswerKind::transport_error || kind == AnswerKind::http_error ||
           kind == AnswerKind::parse_error;
  }
};

// The effective interval of a source: its own, or the default, within [min, max].
int64_t interval_for(const SourceConfig& source, const Defaults& defaults);

PollStep poll_step(const SourceConfig& source, const Defaults& defaults, SourceState state,
                   const Expected<HttpResponse>& response, bool shutting_down, int64_t now,
                   double jitter);
// The same with the answer already parsed (parse_answer(), perhaps on another thread).
PollStep poll_step(const SourceConfig& source, const Defaults& defaults, SourceState state,
                   ParsedAnswer parsed, const Expected<HttpResponse>& response, bool shutting_down,
                   int64_t now, double jitter);

void finish_success(PollStep& step, const SourceConfig& source, const Defaults& defaults,
                    std::optional<int64_t> previous_success, int new_items,
                    const HttpResponse& response, bool all_durable, int64_t now, double jitter);

}  // namespace rasd
