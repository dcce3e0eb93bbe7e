// Story clusters (DESIGN.md section 6): each article joins the cluster of an earlier one when
// it is the same story, by exact identity (canonical URL, feed GUID within its source, hash of
// the body's tokens) or by near-duplicate text (MinHash-LSH candidates over 3-word shingles,
// and first-shingle candidates for teasers and truncated copies, confirmed by the exact
// Jaccard similarity or containment of their shingle sets), among articles within a time
// window of each other.
//
// Why MinHash rather than SimHash: a light edit, a teaser or a truncated copy changes a large
// share of a 64-bit SimHash's bits once the texts differ by more than a few percent, so
// Hamming-radius search misses them; MinHash bands find pairs by Jaccard similarity, which is
// what the confirmation measures anyway (see scripts/eval/dedup for the figures).
//
// Thread safety: none; one owner (the daemon's loop or a CLI run). Memory: the entries of
// the window; expire() drops the older ones.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "rasd/engine/dedup/fingerprint.hpp"

namespace rasd::dedup {

enum class Kind { fresh, exact, near };
const char* kind_name(Kind k);  // "new", "exact", "near"

struct ArticleIdentity {
  std::string id;
  std::string url;     // any form; canonicalized here
  std::string source;  // GUIDs are unique within a source only
  std::string guid;
  int64_t time = 0;    // published (or first seen), Unix seconds
  Fingerprint fp;
};

struct Decision {
  uint64_t cluster = 0;
  std::string duplicate_of;  // id of the article it was matched to; empty when fresh
  Kind kind = Kind::fresh;
  double similarity = 0;     // of the confirmed near match
};

struct StoryOptions {
  int64_t window_seconds = 3 * 86400;  // only articles this close in time are compared
  double min_jaccard = 0.4;            // same story: shingle sets this similar ...
  double min_containment = 0.8;        // ... or the smaller this much inside the larger
  size_t min_shingles = 8;             // texts shorter than this match by URL or GUID only
};

class StoryIndex {
 public:
  explicit StoryIndex(StoryOptions options = {}) : options_(options) {}

  // Files an article and says which cluster it belongs to.
  Decision add(ArticleIdentity article);
  // What add() would decide, without filing the article.
  Decision find(const ArticleIdentity& article) const;
  // Forgets articles older than `before` (they no longer attract new members).
  void expire(int64_t before);

  size_t size() const { return live_; }
  size_t memory_bytes() const;  // an estimate, for benchmarks

 private:
  struct Entry {
    std::string id;
    int64_t time;
    uint64_t cluster;
    Fingerprint fp;
    bool alive;
  };
  // What find() and add() look an article up by, computed once per article.
  struct Keys {
    std::string url;   // canonical; "" when none
    std::string guid;  // "source\nguid"; "" when none
    bool long_enough = false;
    std::array<uint64_t, kBands> bands{};  // set when long_enough
  };
  Keys keys_of(const ArticleIdentity& a) const;
  Decision find(const ArticleIdentity& a, const Keys& keys) const;
  bool in_window(const Entry& e, int64_t t) const;
  Decision exact(size_t entry, Kind kind) const;

  StoryOptions options_;
  std::vector<Entry> entries_;
  size_t live_ = 0;
  std::unordered_map<std::string, uint32_t> by_url_, by_guid_;
  std::unordered_map<uint64_t, uint32_t> by_body_;
  std::array<std::unordered_map<uint64_t, std::vector<uint32_t>>, kBands> bands_;
  std::unordered_map<uint32_t, std::vector<uint32_t>> by_lead_;
  uint64_t next_cluster_ = 1;
};

}  // namespace rasd::dedup
