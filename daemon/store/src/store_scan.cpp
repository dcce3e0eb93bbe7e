// Store: stored articles read in fetch order, for replays (rasd backtest, the rule tester).
#include "rasd/daemon/store.hpp"
#include "store_rows.hpp"

namespace rasd {
using detail::read_article;

namespace {
// Rows per read transaction: large enough that the statement cost is negligible, small enough
// that a page of 1-10 KB bodies stays a few MB.
constexpr int64_t kScanPage = 512;

}  // namespace

std::optional<StoredArticle> Store::article(int64_t id) {
  Lease s = cached(
      "SELECT id, source_id, guid, url, title, body, author, lang, published, fetched_at "
      "FROM articles WHERE id = ?1");
  s->bind(1, id);
  if (!s->step()) return std::nullopt;
  StoredArticle a;
  read_article(*s, a);
  return a;
}

int64_t Store::count_articles(const ArticleScan& scan) {
  sql::Query s(*db_, scan.source_id.empty()
                         ? "SELECT count(*) FROM articles WHERE fetched_at >= ?1 AND "
                           "fetched_at < ?2"
                         : "SELECT count(*) FROM articles WHERE source_id = ?3 AND "
                           "fetched_at >= ?1 AND fetched_at < ?2");
  s.bind(1, scan.since).bind(2, scan.until);
  if (!scan.source_id.empty()) s.bind(3, scan.source_id);
  s.step();
  return s.int64(0);
}

void Store::scan_articles(const ArticleScan& scan,
                          const std::function<bool(const StoredArticle&)>& fn) {
  // Keyset pagination over the articles_fetched index (fetched_at, then rowid), or over
  // articles_source_fetched for one source: each page is a fresh statement after the last row
  // seen, reading only the page's rows, so no snapshot outlives a page.
  sql::Query s(*db_, scan.source_id.empty()
                         ? "SELECT id, source_id, guid, url, title, body, author, lang, published, "
                           "fetched_at FROM articles WHERE (fetched_at, id) > (?1, ?2) "
                           "AND fetched_at < ?3 ORDER BY fetched_at, id LIMIT ?5"
                         : "SELECT id, source_id, guid, url, title, body, author, lang, published, "
                           "fetched_at FROM articles WHERE source_id = ?4 AND (fetched_at, id) > "
                           "(?1, ?2) AND fetched_at < ?3 ORDER BY fetched_at, id LIMIT ?5");
  int64_t after_time = scan.since == INT64_MIN ? INT64_MIN : scan.since - 1;
  int64_t after_id = INT64_MAX;
  StoredArticle a;
  for (;;) {
    s.bind(1, after_time).bind(2, after_id).bind(3, scan.until).bind(5, kScanPage);
    if (!scan.source_id.empty()) s.bind(4, scan.source_id);
    int64_t rows = 0;
    std::vector<StoredArticle> page;
    page.reserve(static_cast<size_t>(kScanPage));
    while (s.step()) {
      read_article(s, a);
      page.push_back(std::move(a));
      ++rows;
    }
    s.reset();  // the page's read transaction ends before the caller works on it
    for (const auto& row : page) {
      if (!fn(row)) return;
    }
    if (rows < kScanPage) return;
    after_time = page.back().fetched_at;
    after_id = page.back().id;
  }
}

}  // namespace rasd
