// JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1) on Boost.JSON.
#include <boost/json.hpp>

#include "rasd/parsers/date.hpp"
#include "rasd/parsers/feed.hpp"
#include "rasd/parsers/html_text.hpp"
#include "rasd/parsers/url.hpp"

namespace rasd::detail {
namespace {

std::string str(const boost::json::object& o, std::string_view key) {
  if (auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->get_string());
  return {};
}

std::string author_of(const boost::json::object& o) {
  if (auto* a = o.if_contains("authors"); a && a->is_array() && !a->get_array().empty() &&
                                          a->get_array()[0].is_object()) {
    return str(a->get_array()[0].get_object(), "name");
  }
  if (auto* a = o.if_contains("author"); a && a->is_object()) return str(a->get_object(), "name");
  return {};
}

}  // namespace

Expected<Feed> parse_json_feed(std::string_view utf8, const FeedParseOptions& options) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(utf8, ec);
  if (ec) return Error{"not a feed: invalid JSON: " + ec.message(), 0};
  if (!v.is_object()) return Error{"not a feed: JSON top level is not an object", 0};
  const auto& o = v.get_object();
  const std::string version = str(o, "version");
  const bool has_items = o.contains("items") && o.at("items").is_array();
  if (version.find("jsonfeed.org") == std::string::npos && !(has_items && !version.empty()))
    return Error{"not a feed: JSON without a jsonfeed.org version", 0};
  Feed feed;
  feed.format = "json";
  feed.title = html::to_text(str(o, "title"));
  feed.link = url::resolve(options.base_url, str(o, "home_page_url"));
  feed.self = url::resolve(options.base_url, str(o, "feed_url"));
  feed.language = str(o, "language");
  feed.description = str(o, "description");
  if (version.find("jsonfeed.org") == std::string::npos) {
    feed.warnings.push_back("JSON Feed version '" + version + "' is not a jsonfeed.org URL");
  }
  if (auto* hubs = o.if_contains("hubs"); hubs && hubs->is_array()) {
    for (const auto& h : hubs->get_array()) {
      if (h.is_object() && feed.hub.empty()) feed.hub = str(h.get_object(), "url");
    }
  }
  const std::string feed_author = author_of(o);
  if (auto* items = o.if_contains("items"); items && items->is_array()) {
    for (const auto& iv : items->get_array()) {
      if (!iv.is_object()) {
        feed.warnings.emplace_back("item that is not an object skipped");
        continue;
      }
      const auto& io = iv.get_object();
      FeedItem it;
      if (auto* id = io.if_contains("id")) {
        if (id->is_string()) it.guid = std::string(id->get_string());
        else if (id->is_int64()) it.guid = std::to_string(id->get_int64());
      }
      it.title = html::to_text(str(io, "title"));
      it.link = url::resolve(options.base_url, str(io, "url"));
      it.summary = str(io, "summary");
      it.content = str(io, "content_html");
      if (it.content.empty()) it.content = str(io, "content_text");
      it.published = dates::parse_any(str(io, "date_published"));
      it.updated = dates::parse_any(str(io, "date_modified"));
      it.author = author_of(io);
      if (it.author.empty()) it.author = feed_author;
      if (auto* tags = io.if_contains("tags"); tags && tags->is_array()) {
        for (const auto& t : tags->get_array()) {
          if (t.is_string()) it.categories.emplace_back(t.get_string());
        }
      }
      feed.items.push_back(std::move(it));
    }
  }
  return feed;
}

}  // namespace rasd::detail
