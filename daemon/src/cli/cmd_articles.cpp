// `rasd articles search QUERY`: full-text search of stored articles through the engine's
// normalization (see article_search.hpp for the query language).
#include <boost/json.hpp>
#include <ostream>

#include "commands.hpp"
#include "rasd/daemon/article_search.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/parsers/date.hpp"

namespace rasd::cli {

int cmd_articles_search(const std::string& store_path, const std::string& query, int limit, std::ostream& out,
                        std::ostream& err) {
  const text::Normalizer normalizer;
  auto fts = search_query(normalizer, query);
  if (!fts) {
    err << "rasd: search query: " << fts.error().message << "\n";
    return 2;
  }
  Store store(store_path);
  for (const auto& a : store.search(*fts, limit)) {
    namespace json = boost::json;
    out << json::serialize(json::object{
               {"id", a.id},
               {"source", a.source_id},
               {"guid", a.guid},
               {"url", a.url},
               {"title", a.title},
               {"lang", a.lang},
               {"published", a.published ? json::value(dates::format_rfc3339(*a.published)) : json::value(nullptr)},
               {"fetched", dates::format_rfc3339(a.fetched_at)},
               {"snippet", a.snippet}})
        << "\n";
  }
  return 0;
}

}  // namespace rasd::cli
