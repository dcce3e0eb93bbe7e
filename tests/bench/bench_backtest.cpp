// Writes the workload of scripts/bench/backtest (issue 19): a real rasd store of N articles
// generated from a vocabulary of Arabic text (the seeds), and a rule file of M rules from
// bench_match's generator, both deterministic for a seed. The script then times
// `rasd backtest` over them on one core.
//
// Usage: bench_backtest TEXT_DIR_OR_FILE... --store PATH --rules-out PATH [--articles 200000]
//                       [--rules 1000] [--seed 1] [--alerts-every K] [--search] [--start T]
// --alerts-every K: one article in K carries an alert of one of the rules (its payload, a hit,
// a delivery; one delivery in 50 dead), for scripts/bench/dashboard. --search: the articles'
// full-text search rows too (normalized as the daemon does).
// The store's articles span 30 days of fetches from 200 sources; one in ten is a copy of a
// recent article from another source (a reworded title, the same body), as outlets republish.
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "generated_text.hpp"
#include "rasd/daemon/article_search.hpp"
#include "rasd/daemon/store.hpp"
#include "rasd/engine/rules/article.hpp"
#include "rasd/engine/text/normalize.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> paths;
  std::string store_path, rules_out;
  size_t article_count = 200000, rule_count = 1000;
  uint64_t seed = 1;
  int64_t start = 1764547200;  // 2025-12-01T00:00:00Z: the first fetch
  size_t alerts_every = 0;
  bool search = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--alerts-every" && i + 1 < argc) {
      alerts_every = std::stoul(argv[++i]);
      continue;
    }
    if (a == "--start" && i + 1 < argc) {
      start = std::stoll(argv[++i]);
      continue;
    }
    if (a == "--search") {
      search = true;
      continue;
    }
    if (a == "--store" && i + 1 < argc) {
      store_path = argv[++i];
    } else if (a == "--rules-out" && i + 1 < argc) {
      rules_out = argv[++i];
    } else if (a == "--articles" && i + 1 < argc) {
      article_count = std::stoul(argv[++i]);
    } else if (a == "--rules" && i + 1 < argc) {
      rule_count = std::stoul(argv[++i]);
    } else if (a == "--seed" && i + 1 < argc) {
      seed = std::stoull(argv[++i]);
    } else {
      paths.push_back(a);
    }
  }
  if (store_path.empty() || rules_out.empty()) {
    std::fprintf(stderr, "bench_backtest: --store and --rules-out are required\n");
    return 2;
  }
  const bench::Vocabulary vocab = bench::read_vocabulary(paths, 100000);
  std::mt19937_64 rule_rng(seed);
  std::ofstream(rules_out) << bench::make_rules(vocab, rule_count, rule_rng);

  std::filesystem::remove(store_path);
  std::filesystem::remove(store_path + "-wal");
  std::filesystem::remove(store_path + "-shm");
  rasd::Store store(store_path);
  const rasd::text::Normalizer normalizer;
  for (int source = 0; source < 200 && alerts_every > 0; ++source)
    store.ensure_source("source-" + std::to_string(source),
                        "https://news" + std::to_string(source) + ".example/feed.xml");
  std::mt19937_64 rng(seed + 1);
  const int64_t span = 30 * 86400;
  size_t bytes = 0;
  std::vector<rasd::NewArticle> recent;  // copies are drawn from here
  constexpr size_t kChunk = 10000;
  for (size_t done = 0; done < article_count;) {
    const size_t n = std::min(kChunk, article_count - done);
    auto fields = bench::make_articles(vocab, n, rng, 1000, 3000);
    rasd::Store::Batch batch(store);
    for (size_t i = 0; i < n; ++i, ++done) {
      rasd::NewArticle a;
      const size_t source = rng() % 200;
      a.source_id = "source-" + std::to_string(source);
      a.guid = "g" + std::to_string(done);
      a.url = "https://news" + std::to_string(source) + ".example/" + std::to_string(done);
      a.lang = "ar";
      a.fetched_at =
          start + static_cast<int64_t>(done) * span / static_cast<int64_t>(article_count);
      a.published = a.fetched_at - static_cast<int64_t>(rng() % 7200);
      if (!recent.empty() && rng() % 10 == 0) {
        const rasd::NewArticle& orig = recent[rng() % recent.size()];
        a.title = orig.title + " " + vocab.words[rng() % 1000];
        a.body = orig.body;
      } else {
        a.title = std::move(fields[i].title);
        a.body = std::move(fields[i].body);
      }
      bytes += a.title.size() + a.body.size();
      if (recent.size() < 64) {
        recent.push_back(a);
      } else {
        recent[rng() % recent.size()] = a;
      }
      if (search) {
        const rasd::rules::PreparedArticle p(normalizer,
                                             {a.guid, a.title, a.body, "", "", "", "ar", {}});
        auto cols = rasd::search_columns(p);
        a.search_words = std::move(cols.words);
        a.search_stems = std::move(cols.stems);
      }
      std::vector<rasd::NewAlert> alerts;
      if (alerts_every > 0 && done % alerts_every == 0) {
        rasd::NewAlert al;
        const size_t rule = rng() % rule_count;
        static const char* const kSeverities[] = {"low", "medium", "high", "critical"};
        al.id = "alert_" + std::to_string(done);
        al.rule_id = "r" + std::to_string(rule);
        al.severity = kSeverities[rule % 4];
        al.created_at = a.fetched_at;
        namespace json = boost::json;
        al.payload = json::serialize(json::object{
            {"type", "alert.created"},
            {"rule", json::object{{"id", al.rule_id},
                                  {"title", "rule " + std::to_string(rule)},
                                  {"severity", al.severity},
                                  {"tags", json::array{"t" + std::to_string(rule % 20), "bench"}}}},
            {"article",
             json::object{{"title", a.title}, {"source", a.source_id}, {"url", a.url}}}});
        al.hits.push_back({"title", 0, 3, a.title.substr(0, 6), "strict"});
        al.deliveries.push_back({"msg_" + std::to_string(done), "hook"});
        alerts.push_back(std::move(al));
      }
      a.cluster = "c" + std::to_string(done);
      const auto id = store.insert_article(a, alerts);
      if (id && !alerts.empty() && (done / alerts_every) % 50 == 0)
        store.record_attempt("msg_" + std::to_string(done), a.fetched_at, 500, "HTTP 500", "dead",
                             0);
      if (id && !alerts.empty() && (done / alerts_every) % 50 != 0)
        store.record_attempt("msg_" + std::to_string(done), a.fetched_at, 200, "", "delivered", 0);
    }
    batch.commit();
  }
  std::printf("store: %zu articles, %.1f KB of text on average; rules: %zu\n", article_count,
              static_cast<double>(bytes) / static_cast<double>(article_count) / 1024.0, rule_count);
  return 0;
}
