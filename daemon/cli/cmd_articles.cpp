// `rasd articles search QUERY`: full-text search of stored articles through the engine's
// normalization (see article_search.hpp for the query language).
#include <boost/json.hpp>
#include <ostream>

#include "commands.hpp"
#include "rasd/daemon/article_search.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/daemon/store_json.hpp"

namespace rasd::cli {

int cmd_articles_search(const std::string& store_path, const std::string& query, int limit,
                        std::ostream& out, std::ostream& err) {
  const text::Normalizer normalizer;
  auto fts = search_query(normalizer, query);
  if (!fts) {
    err << "rasd: search query: " << fts.error().message << "\n";
    return 2;
  }
  Store store(store_path);
  for (const auto& a : store.search(*fts, limit)) {
    out << boost::json::serialize(article_to_json(a)) << "\n";
  }
  return 0;
}

}  // namespace rasd::cli
