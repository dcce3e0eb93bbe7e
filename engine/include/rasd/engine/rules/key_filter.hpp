// The keys compiled queries can look up in an article's KeyIndex: a PreparedArticle built with
// a KeyFilter indexes only those, and the queries it was built from match it exactly as they
// match a fully indexed one, because a leaf reads the index only for its own words (terms,
// phrases and their glued spelling) and for keys that start with its prefix, and candidate
// selection (RuleIndex) only for such words and prefixes.
//
// Over-inclusive by design: words are kept as bits of a small filter on a sketch of their bytes
// (length, first and last eight bytes: two loads, no hash), and prefixes by their first two to
// four code points, which every key they match shares; a false positive costs one indexed key
// and never a match. Most keys of an article are no rule's word; not hashing and not indexing
// them is what the filter is for.
//
// Thread safety: built by one thread (add, finish), then only read (wants), from any thread.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "rasd/engine/rules/query.hpp"

namespace rasd::rules {

struct CompiledNode;

class KeyFilter {
 public:
  // Files the words and prefixes of every leaf of `query`. The walk is iterative.
  void add(const CompiledNode& query);
  // Builds the filter; call once after the last add(). wants() before finish() says no.
  void finish();

  // A digest of the filter's content, set by finish(): equal digests, equal answers (for
  // TokenKeyCache, which must not outlive the answers it remembers).
  uint64_t digest() const { return digest_; }

  // Whether some leaf reads field f (a Field bit): an article indexed with this filter need
  // not normalize the others (PreparedArticle still does the title and body, which dedup and
  // search read).
  bool reads(Field f) const { return (fields_ & f) != 0; }

  // Whether an index must hold `key` as a single token.
  bool wants(std::string_view key) const {
    if (wants_glued(key)) return true;
    return !prefix_heads_.empty() && wants_head(key);
  }
  // Whether it must hold `key` as the glued spelling of two tokens: prefixes match single
  // tokens only, so only words count.
  bool wants_glued(std::string_view key) const {
    return every_key_ || test(words_, word_shift_, sketch(key));
  }

  // False when no key built from the glued pair (a, b) can be wanted, given that a has at
  // least four code points: such a key (the pair glued, or one of its proclitic stems, which
  // cut at most four code points from its start, perhaps with ال put back) ends with b, so
  // it is wanted only if some word ends with b, and the filter keeps every word's endings.
  bool may_end_word(std::string_view b) const {
    return every_key_ || test(tails_, tail_shift_, sketch(b));
  }

  // The bytes of a key folded into 64 bits: its length and its first and last eight bytes.
  static uint64_t sketch(std::string_view key) {
    uint64_t first = 0, last = 0;
    if (key.size() >= 8) {
      std::memcpy(&first, key.data(), 8);
      std::memcpy(&last, key.data() + key.size() - 8, 8);
    } else {
      std::memcpy(&first, key.data(), key.size());
    }
    return (first * 0x9E3779B97F4A7C15ull) ^ (last * 0xC2B2AE3D27D4EB4Full) ^
           (key.size() * 0x165667B19E3779F9ull);
  }

 private:
  static bool test(const std::vector<uint64_t>& bits, unsigned shift, uint64_t h) {
    if (bits.empty()) return false;
    const uint64_t bit = h >> shift;
    return (bits[bit >> 6] >> (bit & 63)) & 1;
  }
  bool wants_head(std::string_view key) const;

  void add_word(std::string_view w);

  std::vector<uint64_t> word_sketches_, tail_sketches_, head_values_;  // until finish()
  std::vector<uint64_t> words_, tails_, prefix_heads_;                 // bitsets, after finish()
  unsigned word_shift_ = 64, tail_shift_ = 64, head_shift_ = 64;       // 64 - log2(bits)
  bool every_key_ = false;  // a prefix too short to have a head
  uint8_t fields_ = 0;      // Field bits of every node added
  uint64_t digest_ = 0;
  // Prefixes are filed by their first 2 to 4 code points; bit n: some prefix is filed by n.
  static constexpr size_t kMinHead = 2, kMaxHead = 4;
  unsigned head_lengths_ = 0;
};

}  // namespace rasd::rules
