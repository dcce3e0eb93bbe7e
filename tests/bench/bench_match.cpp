// Rule matching throughput (issue 5): generated rule sets of N rules over a vocabulary of Arabic
// and English terms, places and phrases, and generated articles of 3-6 KB of Arabic text.
// Reports rules compiled/s, articles/s end to end (normalization included) with candidate
// selection on and off, candidates per article, and peak memory. One thread.
//
// Usage: bench_match TEXT_DIR_OR_FILE... [--rules 10000,100000] [--articles 2000]
//                    [--off-articles 200] [--vocabulary 100000] [--seed 1]
// The text files provide the head of the vocabulary (real words by frequency, their inflected
// forms, real adjacent pairs); pseudo-words fill its tail up to --vocabulary types. Articles
// are drawn from it with a Zipf law, as words in news text are; rule terms are content words
// (outside the most frequent 5%), places, English terms and real word pairs.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "generated_text.hpp"
#include "rasd/engine/rules/loader.hpp"
#include "rasd/engine/rules/matcher.hpp"

namespace {

using bench::Vocabulary;
using bench::make_articles;
using bench::make_rules;
using bench::read_vocabulary;

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
double peak_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

struct RunResult {
  double seconds = 0, prepare_seconds = 0, select_seconds = 0;
  size_t articles = 0, matches = 0, candidates = 0;
};

RunResult run_articles(const rasd::text::Normalizer& norm, const rasd::rules::Matcher& m,
                       const std::vector<rasd::rules::ArticleFields>& articles, size_t limit) {
  RunResult r;
  std::vector<rasd::rules::RuleIndex::RuleId> ids;
  const auto t0 = Clock::now();
  for (size_t i = 0; i < std::min(limit, articles.size()); ++i) {
    const rasd::rules::PreparedArticle a(norm, articles[i]);
    r.matches += m.match(a).size();
    ++r.articles;
  }
  r.seconds = seconds_since(t0);
  // Preparation alone (normalization and token index), for the split.
  const auto t1 = Clock::now();
  for (size_t i = 0; i < r.articles; ++i) {
    const rasd::rules::PreparedArticle a(norm, articles[i]);
  }
  r.prepare_seconds = seconds_since(t1);
  // Candidate counts, outside the timed loop.
  if (m.index().size() > 0) {
    for (size_t i = 0; i < r.articles; ++i) {
      const rasd::rules::PreparedArticle a(norm, articles[i]);
      const auto t2 = Clock::now();
      m.index().candidates(a, ids);
      r.select_seconds += seconds_since(t2);
      r.candidates += ids.size();
    }
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> paths;
  std::vector<size_t> rule_counts = {10000, 100000};
  size_t article_count = 2000, off_articles = 200, vocabulary_size = 100000;
  uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--rules" && i + 1 < argc) {
      rule_counts.clear();
      std::stringstream ss(argv[++i]);
      for (std::string x; std::getline(ss, x, ',');) rule_counts.push_back(std::stoul(x));
    } else if (a == "--articles" && i + 1 < argc) {
      article_count = std::stoul(argv[++i]);
    } else if (a == "--off-articles" && i + 1 < argc) {
      off_articles = std::stoul(argv[++i]);
    } else if (a == "--vocabulary" && i + 1 < argc) {
      vocabulary_size = std::stoul(argv[++i]);
    } else if (a == "--seed" && i + 1 < argc) {
      seed = std::stoull(argv[++i]);
    } else {
      paths.push_back(a);
    }
  }
  const Vocabulary vocab = read_vocabulary(paths, vocabulary_size);
  if (vocab.words.size() < 100) {
    std::fprintf(stderr, "bench_match: too few Arabic words in the input (%zu)\n", vocab.words.size());
    return 2;
  }
  std::mt19937_64 rng(seed);
  const auto articles = make_articles(vocab, article_count, rng);
  size_t bytes = 0;
  for (const auto& a : articles) bytes += a.title.size() + a.body.size();
  std::printf("vocabulary: %zu words, %zu adjacent pairs\n", vocab.words.size(), vocab.pairs.size());
  std::printf("articles: %zu, %.1f KB on average\n", articles.size(),
              static_cast<double>(bytes) / static_cast<double>(articles.size()) / 1024.0);

  const rasd::text::Normalizer norm;
  {
    size_t collapsed = 0;
    const auto t0 = Clock::now();
    for (const auto& a : articles) {
      collapsed += !norm.normalize(a.title).collapsed_is_strict;
      collapsed += !norm.normalize(a.body).collapsed_is_strict;
    }
    std::printf("normalization alone (title and body, both views, tokens): %.0f us per article; %zu of %zu fields have a distinct collapsed view\n",
                1e6 * seconds_since(t0) / static_cast<double>(articles.size()), collapsed, 2 * articles.size());
  }
  for (const size_t n : rule_counts) {
    const std::string yaml = make_rules(vocab, n, rng);
    auto t0 = Clock::now();
    auto loaded = rasd::rules::load_rules({{"bench.yaml", yaml}}, norm);
    const double load_s = seconds_since(t0);
    if (!loaded.rules) {
      std::fprintf(stderr, "%s", loaded.diagnostics.format().c_str());
      return 1;
    }
    t0 = Clock::now();
    const rasd::rules::Matcher indexed(loaded.rules);
    const double index_s = seconds_since(t0);
    const rasd::rules::Matcher every(loaded.rules, rasd::rules::MatcherOptions{false});
    std::printf("\n== %zu rules ==\n", n);
    std::printf("load + compile: %.2f s, %.0f rules/s; index build %.3f s (%zu keys, %zu always checked)\n",
                load_s, static_cast<double>(n) / load_s, index_s, indexed.index().distinct_keys(),
                indexed.index().always_checked());
    const RunResult on = run_articles(norm, indexed, articles, articles.size());
    const double on_rate = static_cast<double>(on.articles) / on.seconds;
    std::printf("candidate selection on:  %8.0f articles/s (%zu articles, %.1f candidates and %.2f matches per article)\n",
                on_rate, on.articles, static_cast<double>(on.candidates) / static_cast<double>(on.articles),
                static_cast<double>(on.matches) / static_cast<double>(on.articles));
    std::printf("  per article: %.0f us preparing (normalization, token index), %.0f us matching, of which %.0f us selecting candidates\n",
                1e6 * on.prepare_seconds / static_cast<double>(on.articles),
                1e6 * (on.seconds - on.prepare_seconds) / static_cast<double>(on.articles),
                1e6 * on.select_seconds / static_cast<double>(on.articles));
    const RunResult off = run_articles(norm, every, articles, off_articles);
    const double off_rate = static_cast<double>(off.articles) / off.seconds;
    std::printf("candidate selection off: %8.0f articles/s (first %zu articles, %.2f matches per article)\n", off_rate,
                off.articles, static_cast<double>(off.matches) / static_cast<double>(off.articles));
    // The same articles must match the same number of rules either way.
    RunResult on_same = run_articles(norm, indexed, articles, off_articles);
    // Article preparation is the same work either way; the matching step is what candidate
    // selection replaces, so its speed-up is reported on its own as well.
    const double on_match = (on_same.seconds - on_same.prepare_seconds) / static_cast<double>(on_same.articles);
    const double off_match = (off.seconds - off.prepare_seconds) / static_cast<double>(off.articles);
    std::printf("speed-up from candidate selection: %.1fx end to end, %.1fx on the matching step (%.0f vs %.0f us per article; matches on the same articles: %zu vs %zu)\n",
                on_rate / off_rate, off_match / on_match, 1e6 * off_match, 1e6 * on_match, on_same.matches, off.matches);
    std::printf("peak memory so far: %.0f MB\n", peak_mb());
    if (on_same.matches != off.matches) {
      std::fprintf(stderr, "bench_match: candidate selection changed the result\n");
      return 1;
    }
  }
  return 0;
}
