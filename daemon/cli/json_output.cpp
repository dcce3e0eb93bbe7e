#include "json_output.hpp"

#include "rasd/parsers/date.hpp"

namespace rasd::cli {
namespace json = boost::json;

namespace {
json::value time_or_null(const std::optional<int64_t>& t) {
  return t ? json::value(dates::format_rfc3339(*t)) : json::value(nullptr);
}
}  // namespace

namespace {
json::object item_json(const FeedItem& it) {
  json::array cats;
  for (const auto& c : it.categories) cats.emplace_back(c);
  return json::object{{"guid", it.guid},
                      {"title", it.title},
                      {"link", it.link},
                      {"published", time_or_null(it.published)},
                      {"updated", time_or_null(it.updated)},
                      {"author", it.author},
                      {"summary", it.summary},
                      {"content", it.content},
                      {"categories", std::move(cats)}};
}
json::object channel_json(const Feed& feed) {
  return json::object{{"title", feed.title},       {"link", feed.link},
                      {"language", feed.language}, {"hub", feed.hub},
                      {"self", feed.self},         {"description", feed.description}};
}
json::array warnings_json(const Feed& feed) {
  json::array warnings;
  for (const auto& w : feed.warnings) warnings.emplace_back(w);
  return warnings;
}
}  // namespace

json::object feed_to_json(const Feed& feed) {
  json::array items;
  for (const auto& it : feed.items) items.emplace_back(item_json(it));
  return json::object{
      {"feed", channel_json(feed)}, {"items", std::move(items)}, {"warnings", warnings_json(feed)}};
}

void write_feed_json(const Feed& feed, std::ostream& out) {
  // serialize() writes an object's members in order with no white space.
  out << "{\"feed\":" << json::serialize(channel_json(feed)) << ",\"items\":[";
  for (size_t i = 0; i < feed.items.size(); ++i) {
    if (i > 0) out << ',';
    out << json::serialize(item_json(feed.items[i]));
  }
  out << "],\"warnings\":" << json::serialize(warnings_json(feed)) << '}';
}

}  // namespace rasd::cli
