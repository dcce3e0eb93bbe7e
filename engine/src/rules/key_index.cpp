#include "rasd/engine/rules/key_index.hpp"

// Inlined: the hashes here are of a few bytes each, where a call costs as much as the hash.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <cstring>

namespace rasd::rules {

uint64_t key_hash(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

uint64_t key_head(std::string_view s) {
  size_t i = 0;
  for (int cp = 0; cp < 2; ++cp) {
    if (i >= s.size()) return 0;
    const auto b = static_cast<unsigned char>(s[i]);
    i += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  }
  if (i > s.size()) return 0;
  uint64_t h = 0;
  std::memcpy(&h, s.data(), i);
  return h;
}

void KeyIndex::reserve(size_t keys) {
  size_t cap = 16;
  while (cap < keys * 2) cap *= 2;
  if (cap > slots_.size()) {
    slots_.assign(cap, 0);
    for (uint32_t id = 0; id < keys_.size(); ++id) *slot_for(key(id), keys_[id].hash) = id + 1;
  }
  keys_.reserve(keys);
  added_.reserve(keys * 2);
  arena_.reserve(keys * 12);
}

const uint32_t* KeyIndex::slot_for(std::string_view k, uint64_t h) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    const uint32_t s = slots_[i];
    if (s == 0) return &slots_[i];
    const Key& e = keys_[s - 1];
    if (e.hash == h && key(s - 1) == k) return &slots_[i];
  }
}

uint32_t* KeyIndex::slot_for(std::string_view k, uint64_t h) {
  return const_cast<uint32_t*>(static_cast<const KeyIndex&>(*this).slot_for(k, h));
}

void KeyIndex::grow() {
  std::vector<uint32_t> old;
  old.swap(slots_);
  slots_.assign(std::max<size_t>(16, old.size() * 2), 0);
  for (uint32_t s : old) {
    if (s != 0) *slot_for(key(s - 1), keys_[s - 1].hash) = s;
  }
}

void KeyIndex::add(std::string_view k, Occurrence o) {
  if ((keys_.size() + 1) * 2 > slots_.size()) grow();
  const uint64_t h = key_hash(k);
  uint32_t* slot = slot_for(k, h);
  if (*slot == 0) {
    keys_.push_back(
        {h, static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(k.size()), 0, 0, false});
    arena_.append(k);
    *slot = static_cast<uint32_t>(keys_.size());
  }
  const uint32_t id = *slot - 1;
  ++keys_[id].count;
  keys_[id].single |= o.length == 1;
  added_.emplace_back(id, o);
}

void KeyIndex::finish() {
  uint32_t next = 0;
  for (auto& k : keys_) {
    k.first = next;
    next += k.count;
    k.count = 0;
  }
  occurrences_.resize(next);
  for (const auto& [id, o] : added_) {
    Key& k = keys_[id];
    occurrences_[k.first + k.count++] = o;
  }
  added_.clear();
  added_.shrink_to_fit();
}

std::span<const Occurrence> KeyIndex::find(std::string_view k, uint64_t h) const {
  if (slots_.empty()) return {};
  const uint32_t s = *slot_for(k, h);
  if (s == 0) return {};
  return occurrences(s - 1);
}

std::pair<size_t, size_t> KeyIndex::head_range(uint64_t head) const {
  if (!by_head_ready_) {
    by_head_.clear();
    by_head_.reserve(keys_.size());
    for (uint32_t i = 0; i < keys_.size(); ++i) {
      if (const uint64_t h = key_head(key(i))) by_head_.emplace_back(h, i);
    }
    std::sort(by_head_.begin(), by_head_.end());
    by_head_ready_ = true;
  }
  if (head == 0) return {0, 0};
  const auto lo =
      std::lower_bound(by_head_.begin(), by_head_.end(), std::pair<uint64_t, uint32_t>{head, 0});
  auto hi = lo;
  while (hi != by_head_.end() && hi->first == head) ++hi;
  return {static_cast<size_t>(lo - by_head_.begin()), static_cast<size_t>(hi - by_head_.begin())};
}

}  // namespace rasd::rules
