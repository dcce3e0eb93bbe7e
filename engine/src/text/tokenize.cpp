// Tokenization, the collapsed view, proclitic candidates and glued pairs (DESIGN.md section 5).

#include <algorithm>
#include <array>
#include <vector>

#include "rasd/engine/text/normalize.hpp"
#include "view_builder.hpp"

namespace rasd::text {
namespace {

bool is_space(char32_t c) { return detail::is_space_props(c, char_props(c)); }

bool is_punct_or_symbol(char32_t c) { return char_props(c) & kPunctOrSymbol; }

// Characters used for alef in obfuscated spellings, as they look after the strict view
// (I is case-folded, Arabic-Indic and Persian one are ASCII digits by then).
bool is_alef_like(char32_t c) { return c == U'|' || c == U'l' || c == U'i' || c == U'1'; }

constexpr char32_t kAlef = 0x0627;

struct Builder {
  ViewText v;
  explicit Builder(size_t expected) {
    v.chars.reserve(expected);
    v.src_begin.reserve(expected);
    v.src_end.reserve(expected);
  }
  void push(char32_t c, uint32_t b, uint32_t e) {
    v.chars.push_back(c);
    v.src_begin.push_back(b);
    v.src_end.push_back(e);
  }
  void copy(const ViewText& from, size_t i) { push(from.chars[i], from.src_begin[i], from.src_end[i]); }
  void copy_range(const ViewText& from, size_t b, size_t e) {
    if (b >= e) return;
    append(v.chars, from.chars.data() + b, e - b);
    append(v.src_begin, from.src_begin.data() + b, e - b);
    append(v.src_end, from.src_end.data() + b, e - b);
  }
  // A bulk copy: insert() would construct element by element through the allocator.
  template <class T>
  static void append(UninitializedVector<T>& to, const T* from, size_t count) {
    const size_t old = to.size();
    to.resize(old + count);
    std::copy(from, from + count, to.data() + old);
  }
};

// Within one run of non-space characters that holds Arabic letters: alef look-alikes between
// Arabic letters become alef, punctuation between them is deleted.
void collapse_run(const ViewText& s, size_t r0, size_t r1, Builder& out) {
  size_t prev_letter = SIZE_MAX;
  for (size_t i = r0; i < r1; ++i) {
    if (!is_arabic_letter(s.chars[i])) continue;
    if (prev_letter == SIZE_MAX) {
      for (size_t k = r0; k < i; ++k) out.copy(s, k);
    } else if (i > prev_letter + 1) {
      size_t alef_like = 0, other = 0;
      for (size_t k = prev_letter + 1; k < i; ++k) {
        if (is_alef_like(s.chars[k])) ++alef_like;
        else if (!is_punct_or_symbol(s.chars[k])) ++other;
      }
      if (other > 0) {
        for (size_t k = prev_letter + 1; k < i; ++k) out.copy(s, k);
      } else if (alef_like > 0) {
        out.push(kAlef, s.src_begin[prev_letter + 1], s.src_end[i - 1]);
      }  // else: only punctuation and symbols, deleted
    }
    out.copy(s, i);
    prev_letter = i;
  }
  if (prev_letter == SIZE_MAX) prev_letter = r0 - 1;
  for (size_t k = prev_letter + 1; k < r1; ++k) out.copy(s, k);
}


// Length of the run of c starting at chars[i].
size_t repeat_length(const UninitializedVector<char32_t>& chars, size_t i) {
  size_t j = i + 1;
  while (j < chars.size() && chars[j] == chars[i]) ++j;
  return j - i;
}

bool has_squeezable_repeat(const ViewText& in) {
  const char32_t* c = in.chars.data();
  const size_t n = in.chars.size();
  for (size_t i = 1; i < n; ++i) {
    if (c[i] != c[i - 1]) continue;  // most characters differ from the one before
    const size_t j = i - 1 + repeat_length(in.chars, i - 1);
    if (detail::squeezes(c[i], j - (i - 1), is_arabic_letter(c[i]))) return true;
    i = j;
  }
  return false;
}

ViewText squeeze_repeats(ViewText in) {
  if (!has_squeezable_repeat(in)) return in;
  // Everything between squeezed runs is copied in bulk.
  const char32_t* c = in.chars.data();
  const size_t n = in.chars.size();
  Builder out(n);
  size_t copied = 0;
  for (size_t i = 1; i < n; ++i) {
    if (c[i] != c[i - 1]) continue;
    const size_t start = i - 1;
    const size_t j = start + repeat_length(in.chars, start);
    if (detail::squeezes(c[start], j - start, is_arabic_letter(c[start]))) {
      out.copy_range(in, copied, start);
      out.push(c[start], in.src_begin[start], in.src_end[j - 1]);
      copied = j;
    }
    i = j;  // c[j] differs from c[j - 1]
  }
  out.copy_range(in, copied, n);
  return std::move(out.v);
}

bool single_arabic_letter(const Token& t) { return t.arabic && t.char_end - t.char_begin == 1; }

// Three or more single-letter Arabic tokens in a row, separated by spaces only, are joined.
ViewText join_spaced_letters(ViewText in) {
  const auto& toks = in.tokens;
  const auto single = single_arabic_letter;
  auto only_spaces_between = [&](const Token& a, const Token& b) {
    for (uint32_t c = a.char_end; c < b.char_begin; ++c) {
      if (!is_space(in.chars[c])) return false;
    }
    return true;
  };
  std::vector<bool> drop;
  for (size_t i = 0; i < toks.size();) {
    size_t j = i + 1;
    if (single(toks[i])) {
      while (j < toks.size() && single(toks[j]) && only_spaces_between(toks[j - 1], toks[j])) ++j;
    }
    if (j - i >= 3) {
      if (drop.empty()) drop.assign(in.chars.size(), false);
      for (size_t k = i; k + 1 < j; ++k) {
        for (uint32_t c = toks[k].char_end; c < toks[k + 1].char_begin; ++c) drop[c] = true;
      }
    }
    i = j;
  }
  if (drop.empty()) return in;
  Builder out(in.chars.size());
  for (size_t c = 0; c < in.chars.size(); ++c) {
    if (!drop[c]) out.copy(in, c);
  }
  tokenize(out.v);
  return std::move(out.v);
}

}  // namespace

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

ViewText collapse(const ViewText& strict) {
  // The hints the strict view's writing would have produced.
  detail::CollapseHints hints;
  ViewText scratch = strict;
  detail::encode_view_text(scratch, hints);
  return detail::collapse(strict, hints);
}

ViewText detail::collapse(const ViewText& strict, const CollapseHints& hints) {
  // Runs of non-space characters that the collapse rules can change (an Arabic letter, then
  // something else, then an Arabic letter) go through collapse_run(); everything between them
  // is copied in bulk. The hints name a character of each such run, where its gap closes.
  Builder runs(strict.chars.size());
  const size_t n = strict.chars.size();
  const char32_t* const chars = strict.chars.data();
  auto is_space = [&](size_t k) { return detail::watch_category(chars[k], char_props(chars[k])) == kCatSpace; };
  size_t copied = 0;
  for (const uint32_t k : hints.gaps) {
    if (k < copied) continue;  // in a run already collapsed
    size_t i = k;  // the run around k: [i, j)
    while (i > 0 && !is_space(i - 1)) --i;
    size_t j = k + 1;
    while (j < n && !is_space(j)) ++j;
    runs.copy_range(strict, copied, i);
    collapse_run(strict, i, j, runs);
    copied = j;
  }
  runs.copy_range(strict, copied, n);
  // Collapsing a run can put repeats side by side ("ب.ب.ب" -> "ببب").
  ViewText squeezed = hints.repeats || !hints.gaps.empty() ? squeeze_repeats(std::move(runs.v)) : std::move(runs.v);
  tokenize(squeezed);
  const size_t before_join = squeezed.chars.size();
  ViewText joined = join_spaced_letters(std::move(squeezed));
  if (joined.chars.size() != before_join) {
    // Joining can put repeats side by side ("ا ا ع ش" -> "ااعش"); squeeze them too, or the
    // view would change when collapsed again.
    joined = squeeze_repeats(std::move(joined));
    tokenize(joined);
  }
  return joined;
}

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
  size_t length = 0;  // in code points
  for (char c : token) length += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
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
