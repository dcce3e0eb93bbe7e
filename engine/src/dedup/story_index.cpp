#include "rasd/engine/dedup/story_index.hpp"

#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>

#include "rasd/parsers/url.hpp"

namespace rasd::dedup {
namespace {
// A lead shared by more articles than this is a site's stock opening, not a story's.
constexpr size_t kMaxLeadPostings = 256;
// Shingle blocks hold this many shingles (256 KiB); a larger set gets a block of its own.
constexpr size_t kBlockShingles = size_t{1} << 16;
constexpr size_t kMinBuckets = 256;

size_t bucket_of(uint64_t key, size_t buckets) {
  // Fibonacci hashing: the top bits of the product, so any bits of the key spread.
  return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> (64 - std::countr_zero(buckets)));
}
}  // namespace

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::exact:
      return "exact";
    case Kind::near:
      return "near";
    default:
      return "new";
  }
}

StoryIndex::StoryIndex(StoryOptions options) : options_(options) {
  for (auto& h : heads_) h.assign(kMinBuckets, kNone);
}

bool StoryIndex::in_window(const Entry& e, int64_t t) const {
  return (e.time > t ? e.time - t : t - e.time) <= options_.window_seconds;
}

Decision StoryIndex::decision(const Entry& e, Kind kind, double similarity) const {
  return {e.cluster, e.id, kind, similarity, e.label};
}

StoryIndex::Keys StoryIndex::keys_of(const ArticleIdentity& a) const {
  Keys k;
  if (!a.url.empty()) {
    const std::string canonical = url::canonical(a.url);
    k.exact[kUrl] = XXH3_64bits(canonical.data(), canonical.size());
    k.present |= 1u << kUrl;
  }
  if (!a.guid.empty()) {
    // Seeded by the source: the same GUID in another source is another article.
    k.exact[kGuid] = XXH3_64bits_withSeed(a.guid.data(), a.guid.size(),
                                          XXH3_64bits(a.source.data(), a.source.size()));
    k.present |= 1u << kGuid;
  }
  if (a.fp.shingles.size() >= options_.min_shingles) {
    k.exact[kBody] = a.fp.body_hash;
    k.present |= 1u << kBody;
    const auto bands = band_keys(a.fp);
    for (size_t i = 0; i < kBands; ++i) k.near[i] = static_cast<uint32_t>(bands[i]);
    for (size_t i = 0; i < kLeadShingles; ++i) k.near[kBands + i] = a.fp.lead[i];
    for (size_t s = 0; s < kNearSlots; ++s) k.present |= 1u << (kExactSlots + s);
  }
  return k;
}

uint32_t StoryIndex::first_exact(size_t slot, uint64_t key) const {
  const auto& heads = heads_[slot];
  for (uint32_t e = heads[bucket_of(key, heads.size())]; e != kNone; e = entries_[e].next[slot]) {
    if (entries_[e].keys.exact[slot] == key && !entries_[e].dead) return e;
  }
  return kNone;
}

Decision StoryIndex::find(const ArticleIdentity& a) const { return find(a, keys_of(a)); }

std::vector<uint64_t> StoryIndex::serial_keys(const ArticleIdentity& a) const {
  const Keys k = keys_of(a);
  std::vector<uint64_t> out;
  out.reserve(kExactSlots + kNearSlots);
  for (size_t s = 0; s < kExactSlots; ++s) {
    // The slot in the top byte of the hash, and each near key in its own slot's range.
    if (k.present & (1u << s)) out.push_back((k.exact[s] >> 8) | (uint64_t{s} << 56));
  }
  for (size_t s = 0; s < kNearSlots; ++s) {
    if (k.present & (1u << (kExactSlots + s)))
      out.push_back((uint64_t{kExactSlots + s} << 56) | k.near[s]);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Decision StoryIndex::find(const ArticleIdentity& a, const Keys& k) const {
  // Exact identities, strongest first.
  for (size_t slot : {kUrl, kGuid, kBody}) {
    if (!(k.present & (1u << slot))) continue;
    if (const uint32_t e = first_exact(slot, k.exact[slot]); e != kNone)
      return decision(entries_[e], Kind::exact, 1.0);
  }
  if (!(k.present & (1u << kBody))) return {};  // too short for near matches
  // Near duplicates: candidates from the LSH bands and the first shingles, confirmed.
  std::vector<uint32_t> candidates;
  for (size_t s = 0; s < kNearSlots; ++s) {
    const size_t slot = kExactSlots + s;
    const uint32_t key = k.near[s];
    const auto& heads = heads_[slot];
    const size_t cap = s < kBands ? SIZE_MAX : kMaxLeadPostings;
    size_t taken = 0;
    for (uint32_t e = heads[bucket_of(key, heads.size())]; e != kNone && taken < cap;
         e = entries_[e].next[slot]) {
      if (entries_[e].keys.near[s] == key && !entries_[e].dead) {
        candidates.push_back(e);
        ++taken;
      }
    }
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  const std::span<const uint32_t> mine(a.fp.shingles);
  Decision d;
  double best = 0;
  for (uint32_t c : candidates) {
    const Entry& e = entries_[c];
    if (!in_window(e, a.time)) continue;
    const std::span<const uint32_t> theirs(e.shingles, e.shingle_count);
    const double j = jaccard(mine, theirs);
    const double inside =
        mine.size() <= theirs.size() ? containment(mine, theirs) : containment(theirs, mine);
    const double score = std::max(j, inside >= options_.min_containment ? inside : 0.0);
    if ((j >= options_.min_jaccard || inside >= options_.min_containment) && score > best) {
      best = score;
      d = decision(e, Kind::near, score);
    }
  }
  return d;
}

const uint32_t* StoryIndex::store_shingles(std::span<const uint32_t> s, uint32_t& block) {
  if (blocks_.empty() || blocks_.back().capacity - blocks_.back().used < s.size()) {
    Block b;
    b.capacity = std::max(kBlockShingles, s.size());
    b.data = std::make_unique_for_overwrite<uint32_t[]>(b.capacity);
    blocks_.push_back(std::move(b));
  }
  Block& b = blocks_.back();
  uint32_t* out = b.data.get() + b.used;
  std::memcpy(out, s.data(), s.size() * sizeof(uint32_t));
  b.used += s.size();
  ++b.entries;
  block = static_cast<uint32_t>(blocks_.size() - 1);
  return out;
}

void StoryIndex::link(uint32_t index) {
  Entry& e = entries_[index];
  for (size_t slot = 0; slot < heads_.size(); ++slot) {
    if (!(e.keys.present & (1u << slot))) continue;
    const uint64_t key = slot < kExactSlots ? e.keys.exact[slot] : e.keys.near[slot - kExactSlots];
    auto& head = heads_[slot][bucket_of(key, heads_[slot].size())];
    e.next[slot] = head;
    head = index;
  }
}

void StoryIndex::relink_all() {
  const size_t buckets = std::max(kMinBuckets, std::bit_ceil(entries_.size()));
  for (auto& h : heads_) {
    h.assign(buckets, kNone);
    h.shrink_to_fit();
  }
  for (size_t i = 0; i < entries_.size(); ++i) link(static_cast<uint32_t>(i));
}

Decision StoryIndex::add(ArticleIdentity a) {
  const Keys k = keys_of(a);
  Decision d = find(a, k);
  if (d.cluster == 0) d = {next_cluster_++, "", Kind::fresh, 0, a.label};
  Entry e{std::move(a.id), d.label, a.time, d.cluster, nullptr, 0, kNone, k, {}};
  if (k.present & (1u << kBody)) {  // only entries with near keys are ever compared by text
    e.shingles = store_shingles(a.fp.shingles, e.block);
    e.shingle_count = static_cast<uint32_t>(a.fp.shingles.size());
  }
  const int64_t time = e.time;
  entries_.push_back(std::move(e));
  const auto index = static_cast<uint32_t>(entries_.size() - 1);
  by_time_.emplace_back(time, index);
  std::push_heap(by_time_.begin(), by_time_.end(), std::greater<>());
  if (entries_.size() > heads_[0].size())
    relink_all();  // keeps chains about one entry long
  else
    link(index);
  return d;
}

void StoryIndex::expire(int64_t before) {
  while (!by_time_.empty() && by_time_.front().first < before) {
    Entry& e = entries_[by_time_.front().second];
    std::pop_heap(by_time_.begin(), by_time_.end(), std::greater<>());
    by_time_.pop_back();
    if (!e.dead) retire(e);  // forget() may have retired it already
  }
  // Dead entries cost memory and chain steps, and rebuilding costs every live one: rebuilt when
  // the dead are a fifth, so each forgotten article pays for about four moves and relinks.
  if (dead_ > 0 && dead_ * 5 >= entries_.size()) compact();
}

void StoryIndex::retire(Entry& e) {
  e.dead = true;
  ++dead_;
  if (e.block != kNone && --blocks_[e.block].entries == 0)
    blocks_[e.block] = Block{};  // freed; the slot stays so later indexes keep their meaning
  e.shingles = nullptr;
  e.shingle_count = 0;
}

bool StoryIndex::forget(const std::string& id) {
  // From the newest: what is forgotten was filed moments ago (its transaction rolled back).
  for (size_t i = entries_.size(); i-- > 0;) {
    Entry& e = entries_[i];
    if (e.dead || e.id != id) continue;
    retire(e);
    if (dead_ * 5 >= entries_.size()) compact();
    return true;
  }
  return false;
}

void StoryIndex::compact() {
  std::deque<Entry> kept;
  for (auto& e : entries_) {
    if (!e.dead) kept.push_back(std::move(e));
  }
  entries_.swap(kept);
  kept.clear();
  dead_ = 0;
  by_time_.clear();
  for (size_t i = 0; i < entries_.size(); ++i)
    by_time_.emplace_back(entries_[i].time, static_cast<uint32_t>(i));
  std::make_heap(by_time_.begin(), by_time_.end(), std::greater<>());
  relink_all();
}

size_t StoryIndex::memory_bytes() const {
  size_t bytes = entries_.size() * (sizeof(Entry) + 16);  // a deque node each (Entry > 512 / 2)
  bytes += by_time_.capacity() * sizeof(by_time_[0]);
  for (const auto& e : entries_) {
    for (const std::string* s : {&e.id, &e.label}) {
      if (s->capacity() > 15) bytes += s->capacity() + 1;
    }
  }
  for (const auto& h : heads_) bytes += h.capacity() * sizeof(uint32_t);
  for (const auto& b : blocks_) bytes += b.capacity * sizeof(uint32_t);
  return bytes;
}

}  // namespace rasd::dedup
