// Tokenization, the collapsed view, proclitic candidates and glued pairs (DESIGN.md section 5).

#include <algorithm>
#include <array>

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
  void push(char32_t c, uint32_t b, uint32_t e) {
    v.chars += c;
    v.src_begin.push_back(b);
    v.src_end.push_back(e);
  }
  void copy(const ViewText& from, size_t i) { push(from.chars[i], from.src_begin[i], from.src_end[i]); }
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
size_t repeat_length(const std::u32string& chars, size_t i) {
  size_t j = i + 1;
  while (j < chars.size() && chars[j] == chars[i]) ++j;
  return j - i;
}

ViewText squeeze_repeats(const ViewText& in) {
  Builder out;
  for (size_t i = 0; i < in.chars.size();) {
    const char32_t c = in.chars[i];
    const size_t j = i + repeat_length(in.chars, i);
    if (detail::squeezes(c, j - i, is_arabic_letter(c))) {
      out.push(c, in.src_begin[i], in.src_end[j - 1]);
    } else {
      for (size_t k = i; k < j; ++k) out.copy(in, k);
    }
    i = j;
  }
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
  Builder out;
  for (size_t c = 0; c < in.chars.size(); ++c) {
    if (!drop[c]) out.copy(in, c);
  }
  tokenize(out.v);
  return std::move(out.v);
}

}  // namespace

void detail::append_token(ViewText& v, size_t begin, size_t end, bool arabic) {
  Token& t = v.tokens.emplace_back();
  append_utf8(t.text, std::u32string_view(v.chars.data() + begin, end - begin));
  t.start = v.src_begin[begin];
  t.end = v.src_end[end - 1];
  t.pos = static_cast<uint32_t>(v.tokens.size() - 1);
  t.char_begin = static_cast<uint32_t>(begin);
  t.char_end = static_cast<uint32_t>(end);
  t.arabic = arabic;
}

void detail::grow_view(ViewText& v, size_t cap) {
  v.chars.resize(cap);
  v.src_begin.resize(cap);
  v.src_end.resize(cap);
}

void tokenize(ViewText& v) {
  const uint8_t* const props = detail::char_props_table();
  v.tokens.clear();
  v.tokens.reserve(v.chars.size() / 5 + 1);
  detail::TokenCutter cutter(v);
  for (size_t i = 0; i < v.chars.size(); ++i) cutter.feed(i, detail::props_of(props, v.chars[i]));
  cutter.finish(v.chars.size());
}

bool needs_collapse(const ViewText& s) {
  const uint8_t* const props = detail::char_props_table();
  detail::CollapseWatch watch;
  for (char32_t c : s.chars) watch.feed(c, detail::props_of(props, c));
  size_t singles = 0;
  for (const auto& t : s.tokens) {
    singles = t.arabic && t.char_end - t.char_begin == 1 ? singles + 1 : 0;
    watch.single_letter_streak(singles);
  }
  return watch.needed();
}

ViewText collapse(const ViewText& strict) {
  Builder runs;
  const size_t n = strict.chars.size();
  for (size_t i = 0; i < n;) {
    if (is_space(strict.chars[i])) {
      runs.copy(strict, i++);
      continue;
    }
    size_t j = i;
    bool arabic = false;
    while (j < n && !is_space(strict.chars[j])) arabic |= is_arabic_letter(strict.chars[j++]);
    if (arabic) {
      collapse_run(strict, i, j, runs);
    } else {
      for (size_t k = i; k < j; ++k) runs.copy(strict, k);
    }
    i = j;
  }
  ViewText squeezed = squeeze_repeats(runs.v);
  tokenize(squeezed);
  const size_t before_join = squeezed.chars.size();
  ViewText joined = join_spaced_letters(std::move(squeezed));
  if (joined.chars.size() != before_join) {
    // Joining can put repeats side by side ("ا ا ع ش" -> "ااعش"); squeeze them too, or the
    // view would change when collapsed again.
    joined = squeeze_repeats(joined);
    tokenize(joined);
  }
  return joined;
}

size_t proclitic_stems(std::string_view token, std::string_view (&out)[kMaxProcliticStems],
                       std::string& al_buffer) {
  struct Prefix {
    std::string_view letters;  // UTF-8; every letter is two bytes
    bool also_with_al;         // لل... is ل + ال... with the alef elided
  };
  static constexpr std::array<Prefix, 23> kPrefixes = {{
      {"\u0648", false}, {"\u0641", false}, {"\u0628", false}, {"\u0644", false},
      {"\u0643", false},                                          // و ف ب ل ك
      {"\u0627\u0644", false},                                    // ال
      {"\u0644\u0644", true},                                     // لل
      {"\u0648\u0627\u0644", false}, {"\u0641\u0627\u0644", false},  // وال فال
      {"\u0628\u0627\u0644", false}, {"\u0643\u0627\u0644", false},  // بال كال
      {"\u0648\u0644\u0644", true},  {"\u0641\u0644\u0644", true},   // ولل فلل
      {"\u0648\u0628", false}, {"\u0641\u0628", false},              // وب فب
      {"\u0648\u0644", false}, {"\u0641\u0644", false},              // ول فل
      {"\u0648\u0643", false}, {"\u0641\u0643", false},              // وك فك
      {"\u0648\u0628\u0627\u0644", false}, {"\u0641\u0628\u0627\u0644", false},  // وبال فبال
      {"\u0648\u0643\u0627\u0644", false}, {"\u0641\u0643\u0627\u0644", false},  // وكال فكال
  }};
  // A stem needs a prefix of Arabic letters (two bytes each) and at least two more letters.
  if (token.size() < 6) return 0;
  // Every prefix starts with و ف ب ل ك or ا; most words start with something else.
  static constexpr std::string_view kFirst[] = {"\u0648", "\u0641", "\u0628", "\u0644", "\u0643", "\u0627"};
  const std::string_view first = token.substr(0, 2);
  if (std::find(std::begin(kFirst), std::end(kFirst), first) == std::end(kFirst)) return 0;
  size_t length = 0;  // in code points
  for (char c : token) length += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  if (length < 3) return 0;
  size_t n = 0;
  for (const auto& p : kPrefixes) {
    const size_t prefix_letters = p.letters.size() / 2;
    const size_t min_rest = prefix_letters == 1 ? 3 : 2;
    if (length < prefix_letters + min_rest) continue;
    if (token.compare(0, p.letters.size(), p.letters) != 0) continue;
    const std::string_view stem = token.substr(p.letters.size());
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
