// Normalization throughput: the whole rasd normalization (strict view, tokens, collapsed view
// and its tokens) beside ICU's NFKC_Casefold alone, on the same UTF-8 text in the same run.
// Usage: bench_normalize DIR_OR_FILE... [--mb N]
#include <unicode/normalizer2.h>
#include <unicode/bytestream.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "rasd/engine/text/normalize.hpp"

namespace {
std::vector<std::string> read_lines(const std::vector<std::string>& paths) {
  std::vector<std::string> lines;
  for (const auto& p : paths) {
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::directory_iterator(p)) files.push_back(e.path());
    } else {
      files.emplace_back(p);
    }
    for (const auto& f : files) {
      std::ifstream in(f);
      for (std::string l; std::getline(in, l);) {
        if (!l.empty()) lines.push_back(l);
      }
    }
  }
  return lines;
}
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> paths;
  double target_mb = 50;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--mb" && i + 1 < argc) target_mb = std::stod(argv[++i]);
    else paths.push_back(a);
  }
  auto lines = read_lines(paths);
  if (lines.empty()) {
    std::fprintf(stderr, "no input text\n");
    return 2;
  }
  size_t one_pass = 0;
  for (const auto& l : lines) one_pass += l.size();
  const size_t reps = static_cast<size_t>(target_mb * 1e6 / static_cast<double>(one_pass)) + 1;
  const double mb = static_cast<double>(one_pass * reps) / 1e6;

  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCCasefoldInstance(err);
  const rasd::text::Normalizer normalizer;
  size_t collapsing = 0, collapsing_bytes = 0;
  for (const auto& l : lines) {
    if (!normalizer.normalize(l).collapsed_is_strict) {
      ++collapsing;
      collapsing_bytes += l.size();
    }
  }
  size_t sink = 0, tokens = 0;
  auto run_icu = [&](size_t count) {
    const auto t0 = std::chrono::steady_clock::now();
    for (size_t r = 0; r < count; ++r) {
      for (const auto& l : lines) {
        std::string out;
        icu::StringByteSink<std::string> bs(&out);
        err = U_ZERO_ERROR;
        nfkc->normalizeUTF8(0, l, bs, nullptr, err);
        sink += out.size();
      }
    }
    return seconds_since(t0);
  };
  auto run_rasd = [&](size_t count) {
    const auto t0 = std::chrono::steady_clock::now();
    for (size_t r = 0; r < count; ++r) {
      for (const auto& l : lines) {
        auto n = normalizer.normalize(l);
        tokens += n.strict.tokens.size() + (n.collapsed_is_strict ? 0 : n.collapsed.tokens.size());
      }
    }
    return seconds_since(t0);
  };
  // The two run in alternating rounds, so that a change in the machine's load (it is shared)
  // falls on both alike; the ratio is of the totals, and the spread of the per-round ratios is
  // printed to show how steady the run was.
  constexpr size_t kRounds = 10;
  double icu_s = 0, rasd_s = 0;
  std::vector<double> round_ratios;
  for (size_t round = 0; round < kRounds; ++round) {
    const size_t count = reps / kRounds + (round < reps % kRounds ? 1 : 0);
    if (count == 0) continue;
    double i_s, r_s;
    if (round % 2 == 0) {
      i_s = run_icu(count);
      r_s = run_rasd(count);
    } else {
      r_s = run_rasd(count);
      i_s = run_icu(count);
    }
    icu_s += i_s;
    rasd_s += r_s;
    round_ratios.push_back(i_s / r_s);
  }
  std::sort(round_ratios.begin(), round_ratios.end());
  std::printf("input: %zu lines, %.1f MB over %zu repetitions\n", lines.size(), mb, reps);
  std::printf("lines whose collapsed view differs from the strict one: %zu of %zu (%.0f%% of bytes)\n",
              collapsing, lines.size(), 100.0 * static_cast<double>(collapsing_bytes) / static_cast<double>(one_pass));
  std::printf("ICU NFKC_Casefold alone:              %8.1f MB/s\n", mb / icu_s);
  std::printf("rasd normalize (both views + tokens): %8.1f MB/s  (%zu tokens)\n", mb / rasd_s, tokens);
  std::printf("ratio rasd / ICU: %.2f (target >= 0.50); per round %.2f to %.2f, median %.2f\n", icu_s / rasd_s,
              round_ratios.front(), round_ratios.back(), round_ratios[round_ratios.size() / 2]);
  return sink == 0 ? 1 : 0;
}
