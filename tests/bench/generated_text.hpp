// Generated Arabic news text and rule sets for the benchmarks (bench_match, bench_backtest):
// a vocabulary read from real text (the seeds), articles drawn from it with a Zipf law, and rule
// files mixing every operator. Deterministic for a given seed.
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "rasd/engine/rules/article.hpp"

namespace bench {

// True when every character is an Arabic letter (U+0620-064A, U+0671-06D3): words only, no
// digits, quotes or joiners, so they can be pasted into queries as they are.
inline bool arabic_word(const std::string& w) {
  if (w.empty()) return false;
  for (size_t i = 0; i < w.size();) {
    const auto b0 = static_cast<unsigned char>(w[i]);
    if (b0 < 0xC0 || b0 >= 0xE0 || i + 1 >= w.size()) return false;
    const unsigned cp = ((b0 & 0x1Fu) << 6) | (static_cast<unsigned char>(w[i + 1]) & 0x3Fu);
    if (!((cp >= 0x620 && cp <= 0x64A) || (cp >= 0x671 && cp <= 0x6D3))) return false;
    i += 2;
  }
  return true;
}

// Strips ASCII and Arabic punctuation from both ends of a word.
inline std::string trim_word(std::string w) {
  static const std::vector<std::string> punct = {"،", "؛", "؟", ".", ",", ":", ";", "!", "?", "\"", "'",
                                                 "(", ")", "«", "»", "-", "[", "]"};
  for (bool changed = true; changed && !w.empty();) {
    changed = false;
    for (const auto& p : punct) {
      if (w.size() >= p.size() && w.compare(0, p.size(), p) == 0) {
        w.erase(0, p.size());
        changed = true;
      }
      if (w.size() >= p.size() && w.compare(w.size() - p.size(), p.size(), p) == 0) {
        w.erase(w.size() - p.size());
        changed = true;
      }
    }
  }
  return w;
}

struct Vocabulary {
  std::vector<std::string> words;  // by descending frequency
  std::vector<std::pair<std::string, std::string>> pairs;  // real adjacent Arabic words
};

// Pseudo-words of 3-7 Arabic letters, some with the article ال, for the long tail.
inline std::string pseudo_word(std::mt19937_64& rng) {
  static const char32_t kLetters[] = {0x627, 0x628, 0x62A, 0x62B, 0x62C, 0x62D, 0x62E, 0x62F, 0x630, 0x631,
                                      0x632, 0x633, 0x634, 0x635, 0x636, 0x637, 0x638, 0x639, 0x63A, 0x641,
                                      0x642, 0x643, 0x644, 0x645, 0x646, 0x647, 0x648, 0x64A};
  std::string w = rng() % 3 == 0 ? "\u0627\u0644" : "";
  const size_t n = 3 + rng() % 5;
  for (size_t i = 0; i < n; ++i) {
    const char32_t c = kLetters[rng() % std::size(kLetters)];
    w += static_cast<char>(0xC0 | (c >> 6));
    w += static_cast<char>(0x80 | (c & 0x3F));
  }
  return w;
}

inline Vocabulary read_vocabulary(const std::vector<std::string>& paths, size_t target_size) {
  std::unordered_map<std::string, size_t> freq;
  std::map<std::pair<std::string, std::string>, size_t> pair_freq;
  for (const auto& p : paths) {
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(p)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
    } else {
      files.emplace_back(p);
    }
    for (const auto& f : files) {
      std::ifstream in(f);
      std::string prev, w;
      while (in >> w) {
        w = trim_word(w);
        if (!arabic_word(w)) {
          prev.clear();
          continue;
        }
        ++freq[w];
        if (!prev.empty()) ++pair_freq[{prev, w}];
        prev = w;
      }
    }
  }
  // Inflected forms enlarge the vocabulary towards the size of real news text.
  const std::vector<std::string> prefixes = {"و", "ال", "وال", "ب", "لل"};
  const std::vector<std::string> suffixes = {"ات", "ين", "ها", "هم"};
  std::vector<std::pair<std::string, size_t>> ranked(freq.begin(), freq.end());
  const size_t base = ranked.size();
  for (size_t i = 0; i < base; ++i) {
    const auto [w, n] = ranked[i];
    for (const auto& pre : prefixes) ranked.emplace_back(pre + w, std::max<size_t>(1, n / 4));
    for (const auto& suf : suffixes) ranked.emplace_back(w + suf, std::max<size_t>(1, n / 6));
  }
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  ranked.erase(std::unique(ranked.begin(), ranked.end(),
                           [](const auto& a, const auto& b) { return a.first == b.first; }),
               ranked.end());
  Vocabulary v;
  for (auto& [w, n] : ranked) v.words.push_back(w);
  // Real news text of this size has on the order of 10^5 word types (Heaps' law; more for
  // Arabic, whose clitics multiply surface forms); the seeds have a few thousand. The tail is
  // filled with pseudo-words so that rare words are as rare as names and places really are.
  std::mt19937_64 rng(42);
  std::unordered_map<std::string, bool> seen;
  for (const auto& w : v.words) seen[w] = true;
  while (v.words.size() < target_size) {
    std::string w = pseudo_word(rng);
    if (seen.emplace(w, true).second) v.words.push_back(std::move(w));
  }
  for (auto& [pq, n] : pair_freq) v.pairs.push_back(pq);
  return v;
}

class Zipf {
 public:
  Zipf(size_t n, double s) : cdf_(n) {
    double sum = 0;
    for (size_t i = 0; i < n; ++i) cdf_[i] = sum += 1.0 / std::pow(static_cast<double>(i + 1), s);
    for (auto& c : cdf_) c /= sum;
  }
  size_t operator()(std::mt19937_64& rng) const {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return static_cast<size_t>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
  }

 private:
  std::vector<double> cdf_;
};

// Obfuscates one Arabic word the way the seeds do: a tatweel and a dot after its second letter.
inline std::string obfuscate(const std::string& w) {
  if (w.size() < 6) return w;
  return w.substr(0, 4) + "\u0640.\u0640" + w.substr(4);
}

// Articles of min_bytes..max_bytes of body text (UTF-8 bytes), a title of ten words.
inline std::vector<rasd::rules::ArticleFields> make_articles(const Vocabulary& v, size_t count, std::mt19937_64& rng,
                                                             size_t min_bytes = 3000, size_t max_bytes = 6000) {
  const Zipf zipf(v.words.size(), 1.0);
  std::uniform_int_distribution<size_t> size(min_bytes, max_bytes);
  std::vector<rasd::rules::ArticleFields> out;
  for (size_t i = 0; i < count; ++i) {
    rasd::rules::ArticleFields a;
    a.id = "a" + std::to_string(i);
    a.source = "source" + std::to_string(i % 40);
    a.lang = "ar";
    a.url = "https://news" + std::to_string(i % 40) + ".example/2024/" + std::to_string(i);
    for (int k = 0; k < 10; ++k) a.title += (k ? " " : "") + v.words[zipf(rng)];
    const size_t target = size(rng);
    size_t in_sentence = 0;
    while (a.body.size() < target) {
      std::string w = v.words[zipf(rng)];
      if (rng() % 200 == 0) w = obfuscate(w);
      if (!a.body.empty()) a.body += in_sentence == 0 ? (rng() % 4 == 0 ? "\n" : " ") : " ";
      a.body += w;
      if (++in_sentence == 12) {
        a.body += rng() % 2 ? "،" : ".";
        in_sentence = 0;
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

inline const std::vector<std::string> kEnglish = {"isis", "isil", "daesh", "attack", "ambush", "militants", "cell",
                                           "arrest", "raid", "drone", "explosion", "killed", "syria", "iraq"};
inline const std::vector<std::string> kPlaces = {"دير الزور", "الرقة", "الحسكة", "البوكمال", "الميادين", "الباغوز",
                                          "البادية", "تدمر", "الأنبار", "نينوى", "كركوك", "صلاح الدين"};

// A rule file of n rules mixing every operator, with 200 lists of 8 entries.
inline std::string make_rules(const Vocabulary& v, size_t n, std::mt19937_64& rng) {
  // Analysts pick content words: names, places, specific terms. Skip the most frequent 5% of
  // the vocabulary (function words and the commonest verbs and nouns, about 70% of the
  // running text of a Zipf article).
  const size_t skip = v.words.size() / 20;
  std::uniform_int_distribution<size_t> pick(skip, v.words.size() - 1);
  auto term = [&]() -> std::string {
    const unsigned r = static_cast<unsigned>(rng() % 20);
    if (r == 0) return kEnglish[rng() % kEnglish.size()];
    if (r == 1) {
      const auto& p = kPlaces[rng() % kPlaces.size()];
      return p.find(' ') != std::string::npos ? "\"" + p + "\"" : p;
    }
    if (r == 2 && !v.pairs.empty()) {
      const auto& [a, b] = v.pairs[rng() % v.pairs.size()];
      return "\"" + a + " " + b + "\"";
    }
    return v.words[pick(rng)];
  };
  std::ostringstream y;
  y << "lists:\n";
  const size_t list_count = 200;
  for (size_t l = 0; l < list_count; ++l) {
    y << "  l" << l << ": [";
    for (int k = 0; k < 8; ++k) {
      std::string t = term();
      if (t.front() != '"') t = "\"" + t + "\"";
      y << (k ? ", " : "") << t;
    }
    y << "]\n";
  }
  y << "rules:\n";
  for (size_t i = 0; i < n; ++i) {
    std::string q;
    switch (rng() % 20) {
      case 0: q = term(); break;
      case 1: q = term() + " AND " + term(); break;
      case 2: q = "(" + term() + " OR " + term() + " OR " + term() + ") AND " + term(); break;
      case 3: q = term() + " NEAR/" + std::to_string(3 + rng() % 8) + " " + term(); break;
      case 4: q = term() + " " + term() + " -" + term(); break;
      case 5: q = "@l" + std::to_string(rng() % list_count) + " AND " + term(); break;
      case 6: q = "@l" + std::to_string(rng() % list_count) + " NEAR/8 (" + term() + " OR " + term() + ")"; break;
      case 7: q = "title:" + term() + " OR (" + term() + " AND " + term() + ")"; break;
      case 8: {
        std::string w = v.words[pick(rng)];
        q = w + "* AND " + term();
        break;
      }
      case 9: q = term() + " AND /[0-9]+ " + v.words[pick(rng)] + "/"; break;
      case 10: q = "(" + term() + " OR " + term() + ") NEAR/5 " + term(); break;
      case 11: q = term() + " AND " + term() + " AND " + term(); break;
      case 12: q = "\"" + v.words[pick(rng)] + " " + v.words[pick(rng)] + "\" OR " + term(); break;
      default: q = term() + " " + term(); break;
    }
    for (auto& c : q) {
      if (c == '\'') c = ' ';
    }
    y << "  - id: r" << i << "\n    query: '" << q << "'\n";
  }
  return y.str();
}

}  // namespace bench
