// Feed parsing: bytes in, a Feed value out. RSS 0.9x/2.0, RSS 1.0 (RDF), Atom 0.3/1.0 and
// JSON Feed 1.x. Pure and thread-safe; no I/O.
//
// Contract (DESIGN.md section 3, `rasd parse-feed`): titles are plain UTF-8 text with markup
// removed; summary and content keep their HTML; links are absolute when a base is known; times
// are Unix seconds UTC and absent when the feed has none or they cannot be read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rasd/parsers/expected.hpp"

namespace rasd {

struct FeedItem {
  std::string guid;
  std::string title;
  std::string link;
  std::optional<int64_t> published;
  std::optional<int64_t> updated;
  std::string author;
  std::string summary;
  std::string content;
  std::vector<std::string> categories;
  std::string image;  // media:thumbnail / media:content image / enclosure image URL
};

struct Feed {
  std::string format;  // "rss", "rdf", "atom", "json"
  std::string title;
  std::string link;
  std::string language;
  std::string hub;
  std::string self;
  std::string description;  // RSS channel description, Atom subtitle, JSON Feed description
  // Publishing hints for the scheduler: <ttl>, sy:updatePeriod x sy:updateFrequency, and the
  // hours (0-23, UTC) and days ("Monday"...) <skipHours>/<skipDays> ask not to poll in.
  std::optional<int> ttl_minutes;
  std::optional<int> update_period_minutes;
  std::vector<int> skip_hours;
  std::vector<std::string> skip_days;
  std::vector<FeedItem> items;
  // Problems the parser recovered from; non-empty means the input was malformed ("bozo").
  std::vector<std::string> warnings;
};

struct FeedParseOptions {
  std::string content_type;  // HTTP Content-Type, may carry a charset
  std::string base_url;      // the URL the bytes came from
};

// Parses a feed. Returns an Error (with a byte offset when one applies) when nothing usable
// could be recovered, e.g. an HTML page served where a feed was expected.
Expected<Feed> parse_feed(std::string_view bytes, const FeedParseOptions& options = {});

namespace detail {
// Takes the text by value: it is parsed in place.
Expected<Feed> parse_xml_feed(std::string utf8, const FeedParseOptions& options);
Expected<Feed> parse_json_feed(std::string_view utf8, const FeedParseOptions& options);
}  // namespace detail

}  // namespace rasd
