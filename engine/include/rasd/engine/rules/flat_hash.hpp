// Part of engine/rules (used by RuleIndex; not an API of its own): an open-addressing map from
// 64-bit hashes to 32-bit values, for lookups on the per-article hot path (one probe sequence in
// one array, no nodes). Linear probing, power-of-two capacity, at most half full, backward-shift
// deletion (no tombstones).
//
// Not thread-safe for writers; const lookups may run concurrently.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace rasd::rules::detail {

class FlatHashMap {
 public:
  // Returns the value for key, or nullptr.
  const uint32_t* find(uint64_t key) const {
    if (slots_.empty()) return nullptr;
    key = fix(key);
    for (size_t i = key & mask();; i = (i + 1) & mask()) {
      const Slot& s = slots_[i];
      if (s.key == key) return &s.value;
      if (s.key == 0) return nullptr;
    }
  }
  // Starts loading the cache line where a lookup of key begins, so that a batch of lookups
  // waits for memory once instead of once per key.
  void prefetch(uint64_t key) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[fix(key) & mask()]);
  }
  // Inserts key with value if absent; returns the stored value either way.
  uint32_t& insert(uint64_t key, uint32_t value) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    key = fix(key);
    size_t i = key & mask();
    for (; slots_[i].key != 0; i = (i + 1) & mask()) {
      if (slots_[i].key == key) return slots_[i].value;
    }
    slots_[i] = {key, value};
    ++size_;
    return slots_[i].value;
  }
  void erase(uint64_t key) {
    if (slots_.empty()) return;
    key = fix(key);
    size_t i = key & mask();
    for (; slots_[i].key != key; i = (i + 1) & mask()) {
      if (slots_[i].key == 0) return;
    }
    // Shift later members of the cluster back so that no probe sequence is broken.
    for (size_t j = (i + 1) & mask(); slots_[j].key != 0; j = (j + 1) & mask()) {
      const size_t home = slots_[j].key & mask();
      const bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
      if (movable) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = {};
    --size_;
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t key = 0;  // 0: empty
    uint32_t value = 0;
  };
  static uint64_t fix(uint64_t key) { return key == 0 ? 1 : key; }  // 0 marks empty slots
  size_t mask() const { return slots_.size() - 1; }
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
    size_ = 0;
    for (const Slot& s : old) {
      if (s.key != 0) insert(s.key, s.value);
    }
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace rasd::rules::detail

namespace rasd::rules::detail {

// Lists of postings keyed by a 64-bit hash, for incremental indexes: add and remove touch one
// list; lookups are one FlatHashMap probe.
template <class Posting>
class PostingTable {
 public:
  void add(uint64_t key, const Posting& p) {
    uint32_t& slot = map_.insert(key, kNone);
    if (slot == kNone) {
      if (free_.empty()) {
        slot = static_cast<uint32_t>(lists_.size());
        lists_.emplace_back();
      } else {
        slot = free_.back();
        free_.pop_back();
      }
    }
    lists_[slot].push_back(p);
  }
  // Removes the postings of key for which pred is true.
  template <class Pred>
  void remove_if(uint64_t key, Pred pred) {
    const uint32_t* slot = map_.find(key);
    if (slot == nullptr) return;
    const uint32_t s = *slot;
    auto& v = lists_[s];
    v.erase(std::remove_if(v.begin(), v.end(), pred), v.end());
    if (v.empty()) {
      map_.erase(key);
      free_.push_back(s);
    }
  }
  const std::vector<Posting>* find(uint64_t key) const {
    const uint32_t* slot = map_.find(key);
    return slot == nullptr ? nullptr : &lists_[*slot];
  }
  // For batched lookups: prefetch(key) for every key first, then find() each.
  void prefetch(uint64_t key) const { map_.prefetch(key); }
  size_t size() const { return map_.size(); }
  bool empty() const { return map_.size() == 0; }

 private:
  static constexpr uint32_t kNone = 0xFFFFFFFF;
  FlatHashMap map_;
  std::vector<std::vector<Posting>> lists_;
  std::vector<uint32_t> free_;
};

}  // namespace rasd::rules::detail
