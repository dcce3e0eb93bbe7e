// The pure poll step (daemon/ingest/poll_step.hpp): every answer's meaning and the source state
// it leads to, without sockets, store or clock.
#include "rasd/daemon/poll_step.hpp"

#include <catch2/catch.hpp>

using namespace rasd;

namespace {

const int64_t kNow = 1734600000;

Defaults defaults() {
  Defaults d;
  d.interval = 600;
  d.min_interval = 120;
  d.max_interval = 6 * 3600;
  return d;
}

SourceConfig feed_source() {
  SourceConfig s;
  s.id = "s";
  s.url = "https://news.example/feed.xml";
  return s;
}

SourceState known_state() {
  SourceState st;
  st.id = "s";
  st.url = "https://news.example/feed.xml";
  st.etag = "\"old\"";
  st.last_modified = "Mon, 01 Jan 2024 00:00:00 GMT";
  st.last_success = kNow - 600;
  return st;
}

HttpResponse response(long status, std::string body = "",
                      std::map<std::string, std::string> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

const char* kFeed =
    "<rss version=\"2.0\"><channel><title>t</title><item><title>a</title><guid>g1</guid>"
    "</item></channel></rss>";

}  // namespace

TEST_CASE("poll step: every failure backs off exponentially, capped, and keeps the validators",
          "[poll_step]") {
  const SourceConfig s = feed_source();
  const Defaults d = defaults();
  struct Case {
    const char* name;
    Expected<HttpResponse> res;
    AnswerKind kind;
    const char* error;
  };
  const std::vector<Case> cases = {
      {"transport", Error{"Timeout was reached"}, AnswerKind::transport_error, "Timeout"},
      {"http 500", response(500), AnswerKind::http_error, "HTTP 500"},
      {"http 404", response(404), AnswerKind::http_error, "HTTP 404"},
      {"not a feed", response(200, "plain text, not a feed at all"), AnswerKind::parse_error, ""},
      {"html served as a feed",
       response(200, "<html><body><p>not a feed</p></body></html>",
                {{"content-type", "text/html"}}),
       AnswerKind::parse_error, ""},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    SourceState st = known_state();
    std::vector<int64_t> delays;
    for (int i = 0; i < 8; ++i) {
      PollStep step = poll_step(s, d, st, c.res, false, kNow, 1.0);
      REQUIRE(step.kind == c.kind);
      CHECK(step.failed());
      CHECK(step.error.find(c.error) != std::string::npos);
      CHECK(step.next.failures == i + 1);
      CHECK(step.next.etag == "\"old\"");
      CHECK(step.next.last_modified == st.last_modified);
      CHECK(step.next.last_success == kNow - 600);  // a failure is no success
      CHECK(step.next.last_fetch == kNow);
      delays.push_back(step.next.next_due - kNow);
      st = step.next;
    }
    // 600, 1200, 2400, ... up to max_interval.
    CHECK(delays[0] == 600);
    CHECK(delays[1] == 1200);
    CHECK(delays[2] == 2400);
    CHECK(delays.back() == 6 * 3600);
  }
}

TEST_CASE("poll step: 429 and 503 wait for Retry-After", "[poll_step]") {
  for (long status : {429L, 503L}) {
    PollStep step = poll_step(feed_source(), defaults(), known_state(),
                              response(status, "", {{"retry-after", "90"}}), false, kNow, 1.0);
    CHECK(step.kind == AnswerKind::http_error);
    CHECK(step.next.next_due == kNow + 90);
    CHECK(step.next.failures == 1);
  }
}

TEST_CASE("poll step: an answer cut off by shutdown is not a failure", "[poll_step]") {
  const SourceState before = known_state();
  PollStep step =
      poll_step(feed_source(), defaults(), before, Error{"aborted at shutdown"}, true, kNow, 1.0);
  CHECK(step.kind == AnswerKind::cut_off);
  CHECK_FALSE(step.failed());
  CHECK(step.next.failures == 0);
  CHECK(step.next.next_due == before.next_due);
  CHECK(step.next.last_fetch == before.last_fetch);
  // An answer that did arrive during shutdown is handled as usual.
  CHECK(poll_step(feed_source(), defaults(), before, response(500), true, kNow, 1.0).failed());
}

TEST_CASE("poll step: 304 clears failures and keeps the validators", "[poll_step]") {
  SourceState st = known_state();
  st.failures = 3;
  st.last_error = "HTTP 500";
  PollStep step = poll_step(feed_source(), defaults(), st, response(304), false, kNow, 1.0);
  CHECK(step.kind == AnswerKind::not_modified);
  CHECK(step.next.failures == 0);
  CHECK(step.next.last_error.empty());
  CHECK(step.next.etag == "\"old\"");
  CHECK(step.next.last_success == kNow);
  CHECK(step.next.next_due > kNow);
}

TEST_CASE("poll step: validators are kept only when everything the answer leads to is durable",
          "[poll_step]") {
  const auto res = response(
      200, kFeed, {{"etag", "\"new\""}, {"last-modified", "Tue, 02 Jan 2024 00:00:00 GMT"}});
  PollStep step = poll_step(feed_source(), defaults(), known_state(), res, false, kNow, 1.0);
  REQUIRE(step.kind == AnswerKind::feed);
  REQUIRE(step.feed);
  CHECK(step.feed->items.size() == 1);
  PollStep durable = step;
  finish_success(durable, feed_source(), defaults(), kNow - 600, 1, res, true, kNow, 1.0);
  CHECK(durable.next.etag == "\"new\"");
  CHECK(durable.next.last_modified == "Tue, 02 Jan 2024 00:00:00 GMT");
  CHECK(durable.next.failures == 0);
  PollStep partial = step;
  finish_success(partial, feed_source(), defaults(), kNow - 600, 1, res, false, kNow, 1.0);
  CHECK(partial.next.etag.empty());
  CHECK(partial.next.last_modified.empty());
  CHECK(partial.next.next_due > kNow);
}

TEST_CASE("poll step: an html source's page gives its links, a selector it cannot read fails it",
          "[poll_step]") {
  SourceConfig s = feed_source();
  s.type = "html";
  s.url = "https://news.example/section";
  s.links = "ul.latest a";
  const auto page = response(200,
                             "<html><body><ul class=\"latest\"><li><a href=\"/a/1\">one</a></li>"
                             "<li><a href=\"/a/2\">two</a></li></ul></body></html>",
                             {{"content-type", "text/html; charset=utf-8"}});
  PollStep step = poll_step(s, defaults(), known_state(), page, false, kNow, 1.0);
  REQUIRE(step.kind == AnswerKind::section_page);
  REQUIRE(step.links.size() == 2);
  CHECK(step.links[0].url == "https://news.example/a/1");
  s.links = "ul > a";
  PollStep bad = poll_step(s, defaults(), known_state(), page, false, kNow, 1.0);
  CHECK(bad.kind == AnswerKind::parse_error);
  CHECK(bad.error.find("selector") != std::string::npos);
  CHECK(bad.next.failures == 1);
}
