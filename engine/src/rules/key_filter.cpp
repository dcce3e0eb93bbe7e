#include "rasd/engine/rules/key_filter.hpp"

#include <xxhash.h>

#include <algorithm>
#include <bit>

#include "rasd/engine/rules/rule.hpp"

namespace rasd::rules {
namespace {

// A bitset of about 16 bits per value (at least 4096), indexed by a value's top bits: one
// value in a few thousand others sets a bit another value tests with probability ~1/16.
void build_bits(const std::vector<uint64_t>& values, std::vector<uint64_t>& bits, unsigned& shift) {
  bits.clear();
  shift = 64;
  if (values.empty()) return;
  unsigned log2 = 12;
  while (log2 < 26 && (uint64_t{1} << log2) < values.size() * 16) ++log2;
  bits.assign(size_t{1} << (log2 - 6), 0);
  shift = 64 - log2;
  for (const uint64_t h : values) {
    const uint64_t bit = h >> shift;
    bits[bit >> 6] |= uint64_t{1} << (bit & 63);
  }
}

// Byte offsets of the ends of the first kMaxHead code points of s (0 past its end).
struct HeadEnds {
  size_t end[5] = {0, 0, 0, 0, 0};  // end[n]: bytes of the first n code points
};
HeadEnds head_ends(std::string_view s) {
  HeadEnds h;
  if (std::endian::native == std::endian::little && s.size() >= 8) {
    // Four two-byte letters (Arabic, most keys): lead bytes 110xxxxx, then 10xxxxxx.
    uint64_t x;
    std::memcpy(&x, s.data(), 8);
    if ((x & 0xC0E0C0E0C0E0C0E0ull) == 0x80C080C080C080C0ull) {
      h.end[1] = 2, h.end[2] = 4, h.end[3] = 6, h.end[4] = 8;
      return h;
    }
  }
  size_t i = 0;
  for (size_t cp = 1; cp <= 4; ++cp) {
    if (i >= s.size()) break;
    const auto b = static_cast<unsigned char>(s[i]);
    i += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    if (i > s.size()) break;
    h.end[cp] = i;
  }
  return h;
}

// The first `bytes` bytes of s (at most eight, s holds them) as an integer, mixed with the
// number of code points they are.
uint64_t head_value(std::string_view s, size_t bytes, size_t length) {
  uint64_t h = 0;
  std::memcpy(&h, s.data(), std::min<size_t>(bytes, 8));
  return (h ^ (static_cast<uint64_t>(length) << 59)) * 0x9E3779B97F4A7C15ull;
}

}  // namespace

void KeyFilter::add(const CompiledNode& query) {
  std::vector<const CompiledNode*> stack{&query};
  while (!stack.empty()) {
    const CompiledNode* n = stack.back();
    stack.pop_back();
    for (const auto& c : n->children) stack.push_back(&c);
    fields_ |= n->fields;
    switch (n->kind) {
      case QueryNode::Kind::term:
      case QueryNode::Kind::phrase:
        // Every word, not only those a lookup reads: candidate selection files a phrase by
        // its second word too.
        for (const auto& w : n->words) add_word(w);
        if (!n->glued.empty()) add_word(n->glued);
        break;
      case QueryNode::Kind::prefix:
        // Filed by its first kMaxHead code points (fewer when it is shorter): every key it
        // matches starts with them. Prefixes are at least two code points (the query
        // language's rule); a shorter one would need every key.
        for (const auto& w : n->words) {
          const HeadEnds ends = head_ends(w);
          size_t length = kMaxHead;
          while (length >= kMinHead && ends.end[length] == 0) --length;
          if (length < kMinHead) {
            every_key_ = true;
          } else {
            head_values_.push_back(head_value(w, ends.end[length], length));
            head_lengths_ |= 1u << length;
          }
        }
        break;
      default:
        break;
    }
  }
}

void KeyFilter::add_word(std::string_view w) {
  word_sketches_.push_back(sketch(w));
  for (size_t i = 0; i < w.size(); ++i) {  // the word and each ending at a code point
    if ((static_cast<unsigned char>(w[i]) & 0xC0) != 0x80)
      tail_sketches_.push_back(sketch(w.substr(i)));
  }
}

void KeyFilter::finish() {
  build_bits(word_sketches_, words_, word_shift_);
  build_bits(tail_sketches_, tails_, tail_shift_);
  build_bits(head_values_, prefix_heads_, head_shift_);
  word_sketches_ = {};
  tail_sketches_ = {};
  head_values_ = {};
  std::vector<uint64_t> content = {word_shift_,          tail_shift_, head_shift_,
                                   every_key_ ? 1u : 0u, fields_,     head_lengths_};
  for (const auto* bits : {&words_, &tails_, &prefix_heads_}) {
    content.push_back(bits->size());
    content.insert(content.end(), bits->begin(), bits->end());
  }
  digest_ = XXH3_64bits(content.data(), content.size() * sizeof(uint64_t));
}

bool KeyFilter::wants_head(std::string_view key) const {
  const HeadEnds ends = head_ends(key);
  for (size_t length = kMinHead; length <= kMaxHead; ++length) {
    if (!(head_lengths_ & (1u << length))) continue;
    if (ends.end[length] == 0) return false;  // shorter than this head, and the longer ones
    if (test(prefix_heads_, head_shift_, head_value(key, ends.end[length], length))) return true;
  }
  return false;
}

}  // namespace rasd::rules
