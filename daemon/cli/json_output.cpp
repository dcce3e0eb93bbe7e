#include "json_output.hpp"

#include "rasd/parsers/date.hpp"

namespace rasd::cli {
namespace json = boost::json;

namespace {
json::value time_or_null(const std::optional<int64_t>& t) {
  return t ? json::value(dates::format_rfc3339(*t)) : json::value(nullptr);
}
}  // namespace

json::object feed_to_json(const Feed& feed) {
  json::array items;
  for (const auto& it : feed.items) {
    json::array cats;
    for (const auto& c : it.categories) cats.emplace_back(c);
    items.emplace_back(json::object{{"guid", it.guid},
                                    {"title", it.title},
                                    {"link", it.link},
                                    {"published", time_or_null(it.published)},
                                    {"updated", time_or_null(it.updated)},
                                    {"author", it.author},
                                    {"summary", it.summary},
                                    {"content", it.content},
                                    {"categories", std::move(cats)}});
  }
  json::array warnings;
  for (const auto& w : feed.warnings) warnings.emplace_back(w);
  return json::object{{"feed", json::object{{"title", feed.title},
                                            {"link", feed.link},
                                            {"language", feed.language},
                                            {"hub", feed.hub},
                                            {"self", feed.self},
                                            {"description", feed.description}}},
                      {"items", std::move(items)},
                      {"warnings", std::move(warnings)}};
}

}  // namespace rasd::cli
