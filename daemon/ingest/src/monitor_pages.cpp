// Monitor: follow-up pages. An html source's section page queues its new article links, a
// full_text feed queues its new items with their teasers (monitor.cpp); both wait durably in
// page_fetches until handle_page() stores the article they lead to, in the same transaction
// that removes the row.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

#include "rasd/daemon/monitor.hpp"
#include "rasd/parsers/article.hpp"
#include "rasd/parsers/links.hpp"
#include "rasd/parsers/url.hpp"

namespace rasd {

int64_t page_retry_delay(int64_t attempts) {
  const int64_t n = std::clamp<int64_t>(attempts, 1, 20);
  return std::min<int64_t>(int64_t{300} << (n - 1), 6 * 3600);
}

std::string teaser_to_json(const NewArticle& a) {
  namespace json = boost::json;
  json::object o{{"source_id", a.source_id},
                 {"guid", a.guid},
                 {"url", a.url},
                 {"title", a.title},
                 {"body", a.body},
                 {"author", a.author},
                 {"lang", a.lang},
                 {"fetched_at", a.fetched_at}};
  o["published"] = a.published ? json::value(*a.published) : json::value(nullptr);
  return json::serialize(o);
}

std::optional<NewArticle> teaser_from_json(const std::string& text) {
  namespace json = boost::json;
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::object& o = v.as_object();
  auto str = [&](const char* k) -> std::string {
    const json::value* f = o.if_contains(k);
    return f && f->is_string() ? std::string(f->as_string()) : std::string();
  };
  NewArticle a;
  a.source_id = str("source_id");
  a.guid = str("guid");
  a.url = str("url");
  a.title = str("title");
  a.body = str("body");
  a.author = str("author");
  a.lang = str("lang");
  if (const json::value* f = o.if_contains("fetched_at"); f && f->is_int64())
    a.fetched_at = f->as_int64();
  if (const json::value* f = o.if_contains("published"); f && f->is_int64())
    a.published = f->as_int64();
  if (a.guid.empty()) return std::nullopt;
  return a;
}

int Monitor::queue_article_links(const SourceConfig& s, const std::vector<html::PageLink>& links,
                                 bool* truncated) {
  const int64_t now = clock_.now();
  int new_links = 0;
  for (const auto& l : links) {
    if (store_.has_article(s.id, l.url) || store_.page_fetch_known(s.id, l.url)) continue;
    if (static_cast<size_t>(new_links) >= kMaxArticlesPerPoll) {
      *truncated = true;
      break;
    }
    PageFetch p;
    p.source_id = s.id;
    p.url = l.url;
    p.created_at = p.next_attempt = now;
    if (store_.queue_page_fetch(p)) ++new_links;
  }
  return new_links;
}

HttpRequest article_request(const Defaults& d, const SourceConfig& s, const std::string& url) {
  HttpRequest req = source_get(d, s, url);
  req.headers.emplace_back("accept", "text/html, application/xhtml+xml;q=0.9, */*;q=0.5");
  return req;
}

HttpRequest Monitor::request_for_article(const SourceConfig& s, const std::string& url) const {
  return article_request(config_->defaults, s, url);
}

PollStats Monitor::handle_page(const SourceConfig& s, const PageFetch& page,
                               const Expected<HttpResponse>& res) {
  return handle_page(s, page, res, prepare_page_answer(res, page.url, normalizer_));
}

PollStats Monitor::handle_page(const SourceConfig& s, const PageFetch& page,
                               const Expected<HttpResponse>& res, PreparedAnswer prepared) {
  PollStats stats;
  const std::string& url = page.url;
  std::optional<NewArticle> teaser;
  if (!page.teaser.empty()) {
    teaser = teaser_from_json(page.teaser);
    if (!teaser) log_->error("source '{}': page {}: stored teaser unreadable", s.id, url);
  }
  auto batch = store_.begin();  // the article and the removal of its queued row, together
  auto give_up_or_retry = [&](const std::string& why) {
    const int64_t attempts = page.attempts + 1;
    const bool dead = attempts >= kMaxPageAttempts;
    const int64_t next = clock_.now() + page_retry_delay(attempts);
    store_.page_fetch_failed(s.id, url, why, next, dead);
    if (dead) {
      ++stats.pages_dead;
      log_->error("source '{}': article {}: {}; given up after {} tries", s.id,
                  url::redact_credentials(url), why, attempts);
    } else {
      log_->warn("source '{}': article {}: {} (try {}, again in {}s)", s.id,
                 url::redact_credentials(url), why, attempts, next - clock_.now());
    }
  };
  if (!res || res->status < 200 || res->status >= 300) {
    const std::string why = !res ? res.error().message : "HTTP " + std::to_string(res->status);
    ++stats.failed;
    count(!res ? "transport_error" : "http_error");
    if (teaser) {
      log_->warn("source '{}': article {}: {}; stored with the feed's text", s.id,
                 url::redact_credentials(url), why);
      process_article(s, std::move(*teaser), stats);  // the feed's text rather than nothing
      store_.page_fetch_done(s.id, url);
    } else {
      give_up_or_retry(why);
    }
    batch->commit();
    return stats;
  }
  if (!prepared.page) {
    // The worker could not extract the page (it threw): a page failure like any other, kept
    // with this call's batch (whose end would otherwise roll it back).
    stats = handle_page(
        s, page,
        Error{prepared.parsed.error.empty() ? "article extraction failed" : prepared.parsed.error},
        PreparedAnswer{});
    batch->commit();
    return stats;
  }
  const html::ExtractedArticle& extracted = *prepared.page;
  count("ok");
  if (metrics_) metrics_->fetch_bytes.inc(res->body.size());
  if (teaser) {
    // The feed's identity, title and date; the page's text when it holds more than the teaser.
    if (extracted.text.size() > teaser->body.size()) teaser->body = extracted.text;
    process_article(s, std::move(*teaser), stats);
    store_.page_fetch_done(s.id, url);
    batch->commit();
    return stats;
  }
  if (extracted.text.empty() && extracted.title.empty()) {
    // A page without an article will not grow one by asking again soon: kept, visible, dead.
    store_.page_fetch_failed(s.id, url, "no article text found", clock_.now(), true);
    ++stats.pages_dead;
    log_->warn("source '{}': article {}: no article text found", s.id,
               url::redact_credentials(url));
    batch->commit();
    return stats;
  }
  NewArticle a;
  a.source_id = s.id;
  a.guid = url;  // the link as the section page gives it: what the next poll compares
  a.url = extracted.canonical_url.empty() ? url : extracted.canonical_url;
  a.title = extracted.title;
  a.body = extracted.text;
  a.lang = extracted.lang.substr(0, extracted.lang.find('-'));
  a.published = extracted.published;
  a.fetched_at = clock_.now();
  process_article(s, std::move(a), stats);
  store_.page_fetch_done(s.id, url);
  batch->commit();
  return stats;
}

}  // namespace rasd
