// A memo of a KeyFilter's answers for single tokens, kept across articles: which of a token's
// keys (the token itself and its proclitic stems, in proclitic_stems() order) the filter wants.
// News text repeats its words; on a repeated token, indexing costs one probe instead of the
// stems and a filter test per key.
//
// Exact: an entry is a token's whole bytes (tokens of up to 16 bytes; longer ones are not
// kept), so a hit is that token's own answer. Bound to the filter's digest (KeyFilter::digest):
// used with a filter of other content, the cache starts empty. Direct-mapped, fixed size: a
// new token evicts the one in its slot.
//
// Thread safety: none. One per thread (a Backtest, a Monitor), passed in PrepareOptions.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace rasd::rules {

class TokenKeyCache {
 public:
  // Bit 0: the token itself; bit 1 + i: its i-th proclitic stem.
  using Mask = uint32_t;
  static constexpr unsigned kSlotBits = 14;

  // Empties the cache unless it was filled for a filter of this digest.
  void bind(uint64_t filter_digest) {
    if (slots_.empty() || digest_ != filter_digest) {
      slots_.assign(size_t{1} << kSlotBits, Slot{});
      digest_ = filter_digest;
    }
  }

  static bool cacheable(std::string_view token) { return token.size() <= 16; }

  // The slot for a cacheable token, whose KeyFilter::sketch is `sketch`; found() tells whether
  // it holds this token's answer.
  struct Probe {
    uint64_t first = 0, last = 0;
    uint32_t tag = 0;
    size_t slot = 0;
  };
  Probe probe(std::string_view token, bool arabic, uint64_t sketch) const {
    Probe p;
    if (token.size() > 8) {
      std::memcpy(&p.first, token.data(), 8);
      std::memcpy(&p.last, token.data() + token.size() - 8, 8);
    } else {
      std::memcpy(&p.first, token.data(), token.size());
    }
    p.tag = static_cast<uint32_t>(token.size()) << 1 | (arabic ? 1 : 0);
    p.slot = static_cast<size_t>(sketch >> (64 - kSlotBits));
    return p;
  }
  bool found(const Probe& p, Mask& mask) const {
    const Slot& s = slots_[p.slot];
    if (s.tag != p.tag || s.first != p.first || s.last != p.last) return false;
    mask = s.mask;
    return true;
  }
  void remember(const Probe& p, Mask mask) { slots_[p.slot] = {p.first, p.last, p.tag, mask}; }

 private:
  struct Slot {
    uint64_t first = 0, last = 0;
    uint32_t tag = UINT32_MAX;  // size << 1 | arabic; never a real token's
    Mask mask = 0;
  };
  std::vector<Slot> slots_;
  uint64_t digest_ = 0;
};

}  // namespace rasd::rules
