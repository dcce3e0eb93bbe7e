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
// Memory, because a daemon holds days of articles (issue 6: 100,000 articles within 150 MB
// for the whole process): an entry keeps its shingle set (in shared blocks, not one vector
// each), 64-bit hashes of its URL and GUID rather than the strings, and its band and lead
// keys; the lookup tables are chained through the entries (an entry's own `next` per key)
// from flat bucket arrays, so a key costs 8 bytes and a bucket 4 instead of a hash-map node
// and a vector each. About 1 KB per article of 120 words.
//
// Thread safety: none; one owner (the daemon's loop or a CLI run). expire() drops older
// entries and returns their memory.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
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
  int64_t time = 0;  // published (or first seen), Unix seconds
  Fingerprint fp;
  std::string label;  // the name of the cluster if this article starts one (see Decision::label)
};

struct Decision {
  uint64_t cluster = 0;
  std::string duplicate_of;  // id of the article it was matched to; empty when fresh
  Kind kind = Kind::fresh;
  double similarity = 0;  // of the confirmed near match
  std::string label;      // the label its cluster's first article brought
};

struct StoryOptions {
  int64_t window_seconds = 3 * 86400;  // only articles this close in time are compared
  double min_jaccard = 0.4;            // same story: shingle sets this similar ...
  double min_containment = 0.8;        // ... or the smaller this much inside the larger
  size_t min_shingles = 8;             // texts shorter than this match by URL or GUID only
};

class StoryIndex {
 public:
  explicit StoryIndex(StoryOptions options = {});

  // Files an article and says which cluster it belongs to.
  Decision add(ArticleIdentity article);
  // What add() would decide, without filing the article.
  Decision find(const ArticleIdentity& article) const;
  // Every lookup key `article` is filed and found by (URL, GUID, body hash, LSH bands, lead
  // shingles), each made distinct per slot: two articles add() could put in one cluster share
  // at least one. Instances sharing a store serialize on them (store_stories.cpp).
  std::vector<uint64_t> serial_keys(const ArticleIdentity& article) const;
  // Forgets the article filed as `id` (its store transaction rolled back, so the story it began
  // or joined does not hold it); false when there is none. Costs the entries filed since.
  bool forget(const std::string& id);
  // Forgets articles older than `before` (they no longer attract new members). Costs the
  // number of articles forgotten (times log n): they are marked, and the index is rebuilt
  // without them only once they are a fifth of it.
  void expire(int64_t before);

  size_t size() const { return entries_.size() - dead_; }
  size_t memory_bytes() const;  // an estimate, for benchmarks

 private:
  // Lookup keys of an entry, one per slot. Exact slots hold 64-bit hashes (a collision would
  // merge two stories unconfirmed); near slots hold 32-bit keys (candidates are confirmed).
  enum ExactSlot : uint8_t { kUrl, kGuid, kBody, kExactSlots };
  static constexpr size_t kNearSlots = kBands + kLeadShingles;  // bands, then leads
  static constexpr uint32_t kNone = UINT32_MAX;

  struct Keys {
    std::array<uint64_t, kExactSlots> exact{};
    std::array<uint32_t, kNearSlots> near{};
    uint32_t present = 0;  // bit s for exact slot s, bit kExactSlots + s for near slot s
  };
  struct Entry {
    std::string id;
    std::string label;
    int64_t time;
    uint64_t cluster;
    const uint32_t* shingles;  // sorted, in blocks_[block]
    uint32_t shingle_count;
    uint32_t block;
    Keys keys;
    std::array<uint32_t, kExactSlots + kNearSlots> next;  // the chain of each key's bucket
    bool dead = false;  // expired: skipped by every lookup until compact() drops it
  };

  Keys keys_of(const ArticleIdentity& a) const;
  Decision find(const ArticleIdentity& a, const Keys& keys) const;
  bool in_window(const Entry& e, int64_t t) const;
  Decision decision(const Entry& e, Kind kind, double similarity) const;
  uint32_t first_exact(size_t slot, uint64_t key) const;
  const uint32_t* store_shingles(std::span<const uint32_t> s, uint32_t& block);
  void link(uint32_t index);
  void retire(Entry& e);  // marks it dead and frees its shingles' share of their block
  void relink_all();
  // Drops the dead entries: the deque, the chains and by_time_ rebuilt from the live ones.
  void compact();

  StoryOptions options_;
  std::deque<Entry> entries_;  // deque: growing it never copies what is there
  size_t dead_ = 0;            // entries marked dead, still in entries_
  // (time, index) of the live entries, a min-heap: what expire() marks next.
  std::vector<std::pair<int64_t, uint32_t>> by_time_;
  // Bucket heads per slot, chained through Entry::next; a power of two, at least size().
  std::array<std::vector<uint32_t>, kExactSlots + kNearSlots> heads_;
  // Shingle sets live in blocks; a block is freed when its last entry expires.
  struct Block {
    std::unique_ptr<uint32_t[]> data;
    size_t used = 0, capacity = 0, entries = 0;
  };
  std::vector<Block> blocks_;
  uint64_t next_cluster_ = 1;
};

}  // namespace rasd::dedup
