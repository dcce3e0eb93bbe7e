// Tokenization, proclitic candidates and glued pairs (DESIGN.md section 5).

#include <algorithm>
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

size_t proclitic_stems(std::string_view token, std::string_view (&out)[kMaxProcliticStems],
                       std::string& al_buffer) {
  // Letters as their two UTF-8 bytes in one integer (lead byte high), so prefixes compare as
  // small integer arrays. All prefix letters are in U+0621-064A, two bytes each.
  constexpr auto L = [](char32_t c) {
    return static_cast<uint16_t>(((0xC0 | (c >> 6)) << 8) | (0x80 | (c & 0x3F)));
  };
  constexpr uint16_t waw = L(0x0648), fa = L(0x0641), ba = L(0x0628), lam = L(0x0644),
                     kaf = L(0x0643), alef = L(0x0627);
  struct Prefix {
    uint8_t length;
    uint16_t letters[4];
    bool also_with_al;  // لل... is ل + ال... with the alef elided
  };
  // Grouped by first letter, so that a word is tried only against its letter's group.
  static constexpr Prefix kPrefixes[] = {
      {1, {waw}, false}, {3, {waw, alef, lam}, false}, {3, {waw, lam, lam}, true},  // و وال ولل
      {2, {waw, ba}, false}, {2, {waw, lam}, false}, {2, {waw, kaf}, false},      // وب ول وك
      {4, {waw, ba, alef, lam}, false}, {4, {waw, kaf, alef, lam}, false},        // وبال وكال
      {1, {fa}, false}, {3, {fa, alef, lam}, false}, {3, {fa, lam, lam}, true},   // ف فال فلل
      {2, {fa, ba}, false}, {2, {fa, lam}, false}, {2, {fa, kaf}, false},         // فب فل فك
      {4, {fa, ba, alef, lam}, false}, {4, {fa, kaf, alef, lam}, false},          // فبال فكال
      {1, {ba}, false}, {3, {ba, alef, lam}, false},                              // ب بال
      {1, {lam}, false}, {2, {lam, lam}, true},                                   // ل لل
      {1, {kaf}, false}, {3, {kaf, alef, lam}, false},                            // ك كال
      {2, {alef, lam}, false},                                                    // ال
  };
  struct Range {
    uint16_t letter;
    uint8_t begin, end;
  };
  static constexpr Range kGroups[] = {{waw, 0, 8}, {fa, 8, 16}, {ba, 16, 18},
                                      {lam, 18, 20}, {kaf, 20, 22}, {alef, 22, 23}};
  // A stem needs a one-letter prefix and three more letters, or a longer prefix and two more;
  // and every prefix starts with و ف ب ل ك or ا.
  if (token.size() < 8) return 0;
  const uint16_t lead = static_cast<uint16_t>(static_cast<unsigned char>(token[0]) << 8 |
                                              static_cast<unsigned char>(token[1]));
  const Range* group = nullptr;
  for (const auto& g : kGroups) {
    if (g.letter == lead) group = &g;
  }
  if (group == nullptr) return 0;
  uint16_t head[4] = {0, 0, 0, 0};
  size_t head_letters = 0;
  for (; head_letters < 4 && 2 * head_letters + 1 < token.size(); ++head_letters) {
    const auto b0 = static_cast<unsigned char>(token[2 * head_letters]);
    const auto b1 = static_cast<unsigned char>(token[2 * head_letters + 1]);
    if (b0 < 0xD8 || b0 > 0xD9 || (b1 & 0xC0) != 0x80) break;
    head[head_letters] = static_cast<uint16_t>(b0 << 8 | b1);
  }
  // In code points, counted up to 7: no prefix and rest need more (4 + 2, 1 + 3).
  size_t length = 0;
  for (size_t i = 0; i < token.size() && length < 7; ++i)
    length += (static_cast<unsigned char>(token[i]) & 0xC0) != 0x80;
  size_t n = 0;
  for (size_t pi = group->begin; pi < group->end; ++pi) {
    const Prefix& p = kPrefixes[pi];
    if (p.length > head_letters) continue;
    const size_t min_rest = p.length == 1 ? 3 : 2;
    if (length < p.length + min_rest) continue;
    bool same = true;
    for (size_t k = 1; k < p.length && same; ++k) same = head[k] == p.letters[k];
    if (!same) continue;
    const std::string_view stem = token.substr(2 * p.length);
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
