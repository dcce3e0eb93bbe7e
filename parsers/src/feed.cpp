#include "rasd/parsers/feed.hpp"

#include <algorithm>
#include <cctype>

#include "rasd/parsers/charset.hpp"

namespace rasd {
namespace {

std::string_view skip_ws(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

bool starts_with_icase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
}

// XML and JSON media types, and the feed-specific ones; text/plain and the like are not.
bool feed_media_type(std::string_view content_type) {
  std::string mt(content_type.substr(0, content_type.find(';')));
  std::transform(mt.begin(), mt.end(), mt.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  while (!mt.empty() && mt.back() == ' ') mt.pop_back();
  return mt.find("xml") != std::string::npos || mt.find("json") != std::string::npos ||
         mt.find("rss") != std::string::npos || mt.find("atom") != std::string::npos ||
         mt.find("rdf") != std::string::npos || mt == "application/octet-stream";
}

// Character references can name what UTF-8 cannot carry (&#xD800;, &#x110000;), and pugixml
// encodes them anyway; every string leaves the parser as valid UTF-8.
void repair(std::string& s) {
  if (!charset::is_valid_utf8(s)) s = charset::convert(s, "");
}
void repair(Feed& feed) {
  for (auto* s : {&feed.title, &feed.link, &feed.language, &feed.hub, &feed.self, &feed.description}) repair(*s);
  for (auto& d : feed.skip_days) repair(d);
  for (auto& w : feed.warnings) repair(w);
  for (auto& it : feed.items) {
    for (auto* s : {&it.guid, &it.title, &it.link, &it.author, &it.summary, &it.content, &it.image}) repair(*s);
    for (auto& c : it.categories) repair(c);
  }
}

}  // namespace

Expected<Feed> parse_feed(std::string_view bytes, const FeedParseOptions& options) {
  charset::Decoded decoded =
      charset::to_utf8(bytes, charset::from_content_type(options.content_type),
                       charset::from_xml_declaration(bytes));
  std::string_view text = skip_ws(decoded.utf8);
  if (text.empty()) return Error{"not a feed: empty body", 0};
  if (starts_with_icase(text, "<!doctype html") || starts_with_icase(text, "<html"))
    return Error{"not a feed: an HTML page was served where a feed was expected", 0};
  Expected<Feed> feed = Error{"", 0};
  if (text.front() == '{') {
    feed = detail::parse_json_feed(text, options);
  } else {
    // The decoded copy becomes the XML parser's buffer: no further copy of a 15 MB feed.
    decoded.utf8.erase(0, decoded.utf8.size() - text.size());
    feed = detail::parse_xml_feed(std::move(decoded.utf8), options);
  }
  if (feed && decoded.label_ignored) {
    feed->warnings.push_back("declared charset ignored: the bytes are UTF-8");
  }
  if (feed && !decoded.problem.empty()) feed->warnings.push_back(decoded.problem);
  if (feed && !options.content_type.empty() && !feed_media_type(options.content_type)) {
    feed->warnings.push_back("served as '" + options.content_type + "', not a feed media type");
  }
  if (feed) repair(*feed);
  return feed;
}

}  // namespace rasd
