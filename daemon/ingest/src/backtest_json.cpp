#include <boost/json.hpp>

#include "rasd/daemon/backtest.hpp"
#include "rasd/daemon/hits_json.hpp"
#include "rasd/daemon/store_json.hpp"
#include "rasd/parsers/date.hpp"

namespace rasd {
namespace json = boost::json;

json::object backtest_hit_json(const BacktestHit& hit) {
  const StoredArticle& a = *hit.article;
  json::object o{{"rule", hit.rule->id},
                 {"article", *hit.key},
                 {"title", a.title},
                 {"source", a.source_id},
                 {"published", time_or_null(a.published)},
                 {"url", a.url},
                 {"hits", hits_to_json(*hit.hits)},
                 {"story", *hit.story}};
  if (hit.rule->threshold) {
    o["episode"] = hit.episode ? json::value(static_cast<int64_t>(*hit.episode)) : nullptr;
    o["opens_episode"] = hit.opens_episode;
  }
  return o;
}

json::object rule_summary_json(const RuleSummary& s) {
  json::array examples;
  for (const auto& e : s.examples)
    examples.emplace_back(json::object{{"title", e.title}, {"context", e.context}});
  json::object o{{"rule", s.rule->id},
                 {"title", s.rule->title},
                 {"hits", s.hits},
                 {"stories", s.stories},
                 {"first", time_or_null(s.first)},
                 {"last", time_or_null(s.last)},
                 {"examples", std::move(examples)}};
  if (s.rule->threshold) {
    json::array episodes;
    for (const auto& ep : s.episodes) {
      episodes.emplace_back(json::object{{"opened_at", dates::format_rfc3339(ep.opened_at)},
                                         {"closed_at", time_or_null(ep.closed_at)},
                                         {"counted", json::object{{"articles", ep.at_open.articles},
                                                                  {"stories", ep.at_open.stories},
                                                                  {"sources", ep.at_open.sources}}},
                                         {"matches", ep.matches},
                                         {"updates", ep.updates}});
    }
    o["firings"] = static_cast<int64_t>(s.episodes.size());
    o["episodes"] = std::move(episodes);
  }
  return o;
}

}  // namespace rasd
