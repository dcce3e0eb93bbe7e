// Story index at scale (issue 9): N fingerprints filed, then lookups of near copies of filed
// articles and of fresh articles; time per insert and per lookup, memory per fingerprint.
// Fingerprints are built from synthetic shingle sequences (the index is what is measured;
// fingerprinting text is part of article preparation, measured by scripts/bench/match).
//
// Usage: bench_dedup [--n 1000000] [--shingles 120] [--queries 20000]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "rasd/engine/dedup/story_index.hpp"

namespace {
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
double rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}
}  // namespace

int main(int argc, char** argv) {
  size_t n = 1000000, shingles = 120, queries = 20000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--n") n = std::stoul(argv[i + 1]);
    else if (a == "--shingles") shingles = std::stoul(argv[i + 1]);
    else if (a == "--queries") queries = std::stoul(argv[i + 1]);
  }
  std::mt19937_64 rng(5);
  auto doc = [&](uint64_t seed) {
    std::mt19937_64 r(seed);
    std::vector<uint32_t> s(shingles);
    for (auto& x : s) x = static_cast<uint32_t>(r());
    return s;
  };
  const double rss0 = rss_mb();
  rasd::dedup::StoryIndex index(rasd::dedup::StoryOptions{int64_t{1} << 40, 0.4, 0.8, 8});
  auto t0 = Clock::now();
  for (size_t i = 0; i < n; ++i) {
    rasd::dedup::ArticleIdentity a;
    a.id = std::to_string(i);
    a.time = static_cast<int64_t>(i);
    a.fp = rasd::dedup::fingerprint_of_shingles(doc(i), i, shingles + 2);
    index.add(std::move(a));
  }
  const double insert_s = seconds_since(t0);
  const double rss1 = rss_mb();
  std::printf("filed %zu fingerprints of %zu shingles: %.2f us per insert (fingerprinting included)\n", n, shingles,
              1e6 * insert_s / static_cast<double>(n));
  std::printf("memory: %.0f bytes per fingerprint (peak RSS growth), index estimate %.0f bytes\n",
              (rss1 - rss0) * 1048576.0 / static_cast<double>(n),
              static_cast<double>(index.memory_bytes()) / static_cast<double>(n));

  // Queries: half near copies of filed articles (10 % of shingles replaced), half fresh.
  std::vector<rasd::dedup::ArticleIdentity> qs(queries);
  for (size_t q = 0; q < queries; ++q) {
    auto s = q % 2 == 0 ? doc(rng() % n) : doc((uint64_t{1} << 50) + q);
    if (q % 2 == 0) {
      for (size_t k = 0; k < s.size() / 10; ++k) s[rng() % s.size()] = static_cast<uint32_t>(rng());
    }
    qs[q].id = "q" + std::to_string(q);
    qs[q].time = static_cast<int64_t>(n);
    qs[q].fp = rasd::dedup::fingerprint_of_shingles(s, (uint64_t{1} << 60) + q, shingles + 2);
  }
  size_t found = 0, false_found = 0;
  t0 = Clock::now();
  for (size_t q = 0; q < queries; ++q) {
    const auto d = index.find(qs[q]);
    if (q % 2 == 0) found += d.kind == rasd::dedup::Kind::near;
    else false_found += d.kind != rasd::dedup::Kind::fresh;
  }
  const double lookup_s = seconds_since(t0);
  std::printf("lookups: %.2f us each (target <= 50 us); near copies found %zu of %zu, fresh articles matched %zu of %zu\n",
              1e6 * lookup_s / static_cast<double>(queries), found, queries / 2, false_found, queries / 2);

  // Why MinHash-LSH and not SimHash: how often a 64-bit SimHash of the same shingles stays
  // within the 3-bit radius that a 4 x 16-bit band index finds, for the same kinds of copies.
  auto simhash = [](const std::vector<uint32_t>& shingles) {
    int acc[64] = {};
    for (uint32_t s : shingles) {
      uint64_t h = s * 0x9E3779B97F4A7C15ull;
      h ^= h >> 29;
      h *= 0xBF58476D1CE4E5B9ull;
      h ^= h >> 32;
      for (int b = 0; b < 64; ++b) acc[b] += (h >> b) & 1 ? 1 : -1;
    }
    uint64_t out = 0;
    for (int b = 0; b < 64; ++b) out |= uint64_t{acc[b] > 0} << b;
    return out;
  };
  for (const double edit : {0.05, 0.10, 0.20}) {
    size_t sim_ok = 0, min_ok = 0;
    const size_t pairs = 2000;
    rasd::dedup::StoryIndex small;
    std::vector<std::vector<uint32_t>> originals;
    for (size_t i = 0; i < pairs; ++i) {
      originals.push_back(doc((uint64_t{1} << 55) + i));
      rasd::dedup::ArticleIdentity a;
      a.id = "o" + std::to_string(i);
      a.fp = rasd::dedup::fingerprint_of_shingles(originals.back(), i, shingles + 2);
      small.add(std::move(a));
    }
    for (size_t i = 0; i < pairs; ++i) {
      auto copy = originals[i];
      for (size_t k = 0; k < static_cast<size_t>(edit * static_cast<double>(copy.size())); ++k) {
        copy[rng() % copy.size()] = static_cast<uint32_t>(rng());
      }
      sim_ok += __builtin_popcountll(simhash(copy) ^ simhash(originals[i])) <= 3;
      rasd::dedup::ArticleIdentity q;
      q.fp = rasd::dedup::fingerprint_of_shingles(copy, (uint64_t{1} << 61) + i, shingles + 2);
      min_ok += small.find(q).duplicate_of == "o" + std::to_string(i);
    }
    std::printf("copies with %2.0f%% of shingles changed: SimHash within 3 bits %5.1f%%, MinHash-LSH found %5.1f%%\n",
                edit * 100, 100.0 * static_cast<double>(sim_ok) / pairs, 100.0 * static_cast<double>(min_ok) / pairs);
  }
  return 0;
}
