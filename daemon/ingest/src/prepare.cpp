#include "rasd/daemon/prepare.hpp"

#include <algorithm>

#include "rasd/daemon/monitor.hpp"
#include "rasd/engine/text/boilerplate.hpp"

namespace rasd {

PreparedAnswer prepare_source_answer(const SourceConfig& s, const Expected<HttpResponse>& res,
                                     int64_t now,
                                     const std::function<bool(const std::string&)>& known,
                                     const text::Normalizer& normalizer) {
  PreparedAnswer out;
  out.parsed = parse_answer(s, res, now);
  if (!out.parsed.feed) return out;
  const Feed& feed = *out.parsed.feed;
  const size_t n = std::min(feed.items.size(), kMaxItemsPerFeed);
  out.items.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const FeedItem& item = feed.items[i];
    // Known items are dropped before any HTML-to-text or language detection.
    const std::string& cheap_guid = !item.guid.empty() ? item.guid : item.link;
    if (!cheap_guid.empty() && known && known(cheap_guid)) continue;
    out.items[i] = article_from_item(item, feed, s, now, &normalizer);
  }
  return out;
}

PreparedAnswer prepare_page_answer(const Expected<HttpResponse>& res, const std::string& url,
                                   const text::Normalizer& normalizer) {
  PreparedAnswer out;
  if (!res || res->status < 200 || res->status >= 300) return out;
  html::ExtractOptions opts;
  opts.content_type = res->header("content-type");
  opts.url = res->effective_url.empty() ? url : res->effective_url;
  opts.is_boilerplate = [&normalizer](std::string_view line) {
    return text::is_boilerplate_line(normalizer, line);
  };
  out.page = html::extract_article(res->body, opts);
  return out;
}

}  // namespace rasd
