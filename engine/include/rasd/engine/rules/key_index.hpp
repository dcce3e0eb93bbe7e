// The word index of one view of one article field: every key (a token, its proclitic stems, the
// glued spelling of adjacent Arabic tokens and its stems) with the places it occurs.
//
// Built once per article and then only read, so it is laid out flat: key text in one arena,
// an open-addressing table of 64-bit key hashes, and each key's occurrences contiguous. A
// typical 5 KB article has a few thousand keys; building costs a few allocations, not one per
// key. Lookups take the key's hash (key_hash()), which rules compute once when compiled.
//
// Thread safety: add() and finish() by one thread; after finish(), lookups may run concurrently
// except for_each_with_prefix(), which builds a sorted key list on first use.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rasd::rules {

uint64_t key_hash(std::string_view key);

// The first two code points of a key packed into an integer (their UTF-8 bytes, at most 8), or
// 0 when the key has fewer than two. Prefix queries are at least two code points long, so
// keys and prefixes are grouped by this.
uint64_t key_head(std::string_view key);

// A place where a key occurs in one view of one field: `length` tokens from `pos`.
struct Occurrence {
  uint32_t pos;
  uint32_t length;
};

class KeyIndex {
 public:
  void reserve(size_t keys);
  // Records an occurrence of key; keys may repeat. Only before finish().
  void add(std::string_view key, Occurrence o);
  // Groups the occurrences of each key, in the order they were added.
  void finish();

  std::span<const Occurrence> find(std::string_view key, uint64_t hash) const;
  std::span<const Occurrence> find(std::string_view key) const { return find(key, key_hash(key)); }

  size_t size() const { return keys_.size(); }
  std::string_view key(size_t i) const {
    return {arena_.data() + keys_[i].text_offset, keys_[i].text_length};
  }
  uint64_t hash(size_t i) const { return keys_[i].hash; }
  // Whether key i occurs as one token (not only as a glued pair); prefixes match only those.
  bool single_token(size_t i) const { return keys_[i].single; }
  std::span<const Occurrence> occurrences(size_t i) const {
    return {occurrences_.data() + keys_[i].first, keys_[i].count};
  }

  // Calls f(key id) for every key that starts with prefix (at least two code points). The
  // first few lookups scan the keys; after that a list sorted by head is built once, which
  // costs more than a scan but pays off over many lookups.
  template <class F>
  void for_each_with_prefix(std::string_view prefix, F&& f) const {
    if (!by_head_ready_ && ++prefix_scans_ <= kScansBeforeSort) {
      for (uint32_t id = 0; id < keys_.size(); ++id) {
        const std::string_view k = key(id);
        if (k.size() >= prefix.size() && std::memcmp(k.data(), prefix.data(), prefix.size()) == 0)
          f(id);
      }
      return;
    }
    const auto [b, e] = head_range(key_head(prefix));
    for (size_t i = b; i < e; ++i) {
      const uint32_t id = by_head_[i].second;
      if (key(id).substr(0, prefix.size()) == prefix) f(id);
    }
  }

 private:
  struct Key {
    uint64_t hash;
    uint32_t text_offset, text_length;
    uint32_t first, count;  // into occurrences_, after finish()
    bool single;            // some occurrence is one token long
  };
  std::pair<size_t, size_t> head_range(uint64_t head) const;
  uint32_t* slot_for(std::string_view key, uint64_t hash);
  const uint32_t* slot_for(std::string_view key, uint64_t hash) const;
  void grow();

  std::string arena_;
  std::vector<Key> keys_;
  std::vector<uint32_t> slots_;  // key id + 1; 0 is empty; size is a power of two
  std::vector<std::pair<uint32_t, Occurrence>> added_;  // (key id, occurrence) until finish()
  std::vector<Occurrence> occurrences_;
  // (key_head, key id) sorted, built on first prefix lookup.
  mutable std::vector<std::pair<uint64_t, uint32_t>> by_head_;
  mutable bool by_head_ready_ = false;
  static constexpr int kScansBeforeSort = 8;
  mutable int prefix_scans_ = 0;
};

}  // namespace rasd::rules
