// Feed parsing throughput (issue 3): every file named in a list, parsed in one process and
// repeated, reported as MB/s and items/s. scripts/bench/feeds runs it beside Python feedparser
// on the same list.
//
// Usage: bench_feeds LIST_FILE [--seconds N] [--write-parsed OUT_LIST]
//   LIST_FILE: one path per line. Files that rasd cannot parse are dropped (and counted);
//   --write-parsed writes the kept list, so that the peer parses exactly the same files.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "rasd/parsers/feed.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_feeds LIST_FILE [--seconds N] [--write-parsed OUT]\n");
    return 2;
  }
  double min_seconds = 3;
  std::string parsed_out;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) min_seconds = std::stod(argv[++i]);
    else if (a == "--write-parsed" && i + 1 < argc) parsed_out = argv[++i];
  }
  std::ifstream list(argv[1]);
  std::vector<std::string> paths, bodies;
  size_t dropped = 0, bytes = 0, items = 0;
  for (std::string p; std::getline(list, p);) {
    if (p.empty()) continue;
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto f = rasd::parse_feed(ss.str());
    if (!f) {
      ++dropped;
      continue;
    }
    items += f->items.size();
    bytes += ss.str().size();
    paths.push_back(p);
    bodies.push_back(ss.str());
  }
  if (!parsed_out.empty()) {
    std::ofstream out(parsed_out);
    for (const auto& p : paths) out << p << "\n";
  }
  size_t rounds = 0, sink = 0;
  const auto t0 = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < min_seconds || rounds < 3) {
    for (const auto& b : bodies) {
      auto f = rasd::parse_feed(b);
      sink += f ? f->items.size() : 0;
    }
    ++rounds;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  std::printf("rasd: %zu files (%zu dropped as unparseable), %.2f MB, %zu items per round; %zu rounds in %.2f s\n",
              bodies.size(), dropped, static_cast<double>(bytes) / 1e6, items, rounds, elapsed);
  std::printf("rasd: %.2f MB/s, %.0f items/s, %.0f files/s\n",
              static_cast<double>(bytes * rounds) / 1e6 / elapsed, static_cast<double>(items * rounds) / elapsed,
              static_cast<double>(bodies.size() * rounds) / elapsed);
  return sink == 0 ? 1 : 0;
}
