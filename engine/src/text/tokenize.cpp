// Tokenization, proclitic candidates and glued pairs (DESIGN.md section 5).

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

#include "rasd/engine/text/normalize.hpp"
#include "view_builder.hpp"

namespace rasd::text {

void detail::grow_view(ViewText& v, size_t cap) {
  v.chars.resize(cap);
  v.src_begin.resize(cap);
  v.src_end.resize(cap);
}

namespace {
// With Watch false the collapse rules (collapse_sign) are not asked and hints is unused.
template <bool Watch>
void encode(ViewText& v, detail::CollapseHints* hints) {
  const uint8_t* const props = detail::char_props_table();
  const size_t n = v.chars.size();
  const char32_t* const chars = v.chars.data();
  v.tokens.clear();
  v.tokens.reserve(n / 5 + 2);
  // Four bytes per character bound the text, including the four-byte stores of put_bmp_utf8();
  // zero-filling them is cheaper than counting the exact size.
  v.text.resize(n * 4);
  char* const out = v.text.data();
  size_t bytes = 0;
  detail::TokenCutter cutter(v);
  char32_t prev = 0;
  uint8_t prev_cat = detail::kCatSpace;
  for (size_t k = 0; k < n; ++k) {
    const char32_t c = chars[k];
    const uint8_t p = detail::props_of(props, c);
    cutter.feed(k, p, bytes);
    if constexpr (Watch) {
      const uint8_t cat = detail::watch_category(c, p);
      if (const auto sign = detail::collapse_sign(chars, k, cat, prev, prev_cat)) [[unlikely]] hints->note(sign, k);
      prev = c;
      prev_cat = cat;
    }
    if (c < 0x10000) [[likely]] {
      bytes += detail::put_bmp_utf8(c, out + bytes);
    } else {
      bytes += detail::put_utf8(c, out + bytes);
    }
  }
  cutter.finish(n, bytes);
  v.text.resize(bytes);
  if constexpr (Watch) hints->spaced_letters = cutter.saw_spaced_letters();
}
}  // namespace

void detail::encode_view_text(ViewText& v, CollapseHints& hints) { encode<true>(v, &hints); }

bool detail::gap_closes_at(const char32_t* chars, size_t k) {
  auto category = [](char32_t c) { return watch_category(c, char_props(c)); };
  size_t j = k - 1;  // chars[k - 1] ends a run of other characters
  while (j > 0 && category(chars[j - 1]) == kCatOther) --j;
  return j > 0 && category(chars[j - 1]) == kCatArabic;
}

void tokenize(ViewText& v) { encode<false>(v, nullptr); }

namespace {
// Whether s has at least n code points as the Normalizer counts them: bytes that are not
// UTF-8 continuation bytes (on invalid text too, so no shortcut by length).
bool has_code_points(std::string_view s, size_t n) {
  size_t count = 0;
  for (const char c : s) {
    count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (count >= n) return true;
  }
  return false;
}
}  // namespace

size_t detail::proclitic_stems_of_candidate(std::string_view token,
                                            std::string_view (&out)[kMaxProcliticStems],
                                            std::string& al_buffer) {
  // A prefix is a few letters of U+0621-064A, two UTF-8 bytes each: it is matched as the first
  // 2 to 8 bytes of the token, read as one little-endian integer, under a mask.
  struct Prefix {
    uint64_t bytes = 0, mask = 0;
    uint8_t length = 0;  // letters
    bool also_with_al = false;  // لل... is ل + ال... with the alef elided
  };
  constexpr auto P = [](std::initializer_list<char32_t> letters, bool also_with_al = false) {
    Prefix p;
    for (const char32_t c : letters) {
      const uint64_t lead = 0xC0 | (c >> 6), trail = 0x80 | (c & 0x3F);
      p.bytes |= (lead | trail << 8) << (16 * p.length);
      p.mask |= uint64_t{0xFFFF} << (16 * p.length);
      ++p.length;
    }
    p.also_with_al = also_with_al;
    return p;
  };
  constexpr char32_t waw = 0x0648, fa = 0x0641, ba = 0x0628, lam = 0x0644, kaf = 0x0643,
                     alef = 0x0627;
  // Grouped by first letter, so that a word is tried only against its letter's group.
  static constexpr Prefix kPrefixes[] = {
      P({waw}), P({waw, alef, lam}), P({waw, lam, lam}, true),                // و وال ولل
      P({waw, ba}), P({waw, lam}), P({waw, kaf}),                             // وب ول وك
      P({waw, ba, alef, lam}), P({waw, kaf, alef, lam}),                      // وبال وكال
      P({fa}), P({fa, alef, lam}), P({fa, lam, lam}, true),                   // ف فال فلل
      P({fa, ba}), P({fa, lam}), P({fa, kaf}),                                // فب فل فك
      P({fa, ba, alef, lam}), P({fa, kaf, alef, lam}),                        // فبال فكال
      P({ba}), P({ba, alef, lam}),                                            // ب بال
      P({lam}), P({lam, lam}, true),                                          // ل لل
      P({kaf}), P({kaf, alef, lam}),                                          // ك كال
      P({alef, lam}),                                                         // ال
  };
  // A stem needs a one-letter prefix and three more letters, or a longer prefix and two more;
  // and every prefix starts with و ف ب ل ك or ا.
  if (token.size() < 8) return 0;
  uint64_t first8;
  std::memcpy(&first8, token.data(), 8);
  if constexpr (std::endian::native == std::endian::big) first8 = __builtin_bswap64(first8);
  uint8_t begin, end;  // the lead letter's group in kPrefixes
  switch (first8 & 0xFFFF) {
    case P({waw}).bytes: begin = 0, end = 8; break;
    case P({fa}).bytes: begin = 8, end = 16; break;
    case P({ba}).bytes: begin = 16, end = 18; break;
    case P({lam}).bytes: begin = 18, end = 20; break;
    case P({kaf}).bytes: begin = 20, end = 22; break;
    case P({alef}).bytes: begin = 22, end = 23; break;
    default: return 0;
  }
  size_t n = 0;
  for (size_t pi = begin; pi < end; ++pi) {
    const Prefix& p = kPrefixes[pi];
    if ((first8 & p.mask) != p.bytes) continue;
    const std::string_view stem = token.substr(2 * p.length);
    if (!has_code_points(stem, p.length == 1 ? 3 : 2)) continue;
    out[n++] = stem;
    if (p.also_with_al) {
      al_buffer.assign("\u0627\u0644");
      al_buffer.append(stem);
      out[n++] = al_buffer;
    }
    if (n + 2 > kMaxProcliticStems) break;
  }
  return n;
}

std::vector<std::string> proclitic_candidates(std::string_view token) {
  std::string_view stems[kMaxProcliticStems];
  std::string al;
  const size_t n = proclitic_stems(token, stems, al);
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    if (std::find(out.begin(), out.end(), stems[i]) == out.end()) out.emplace_back(stems[i]);
  }
  return out;
}

std::string glue(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += w;
  return out;
}

}  // namespace rasd::text
