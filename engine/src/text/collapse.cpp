// The collapsed view (DESIGN.md section 5, "Collapsed view"), built from the strict one.

#include <algorithm>
#include <cstring>
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
  void copy(const ViewText& from, size_t i) {
    push(from.chars[i], from.src_begin[i], from.src_end[i]);
  }
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
        if (is_alef_like(s.chars[k]))
          ++alef_like;
        else if (!is_punct_or_symbol(s.chars[k]))
          ++other;
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

// A stretch of the collapsed view: a copy of strict characters [from, from + length) at
// collapsed character `at`, or (verbatim false) characters that collapse_run() wrote.
struct Piece {
  bool verbatim;
  size_t from;
  size_t at;
  size_t length;
};

// Rewrites `pieces`, which tile a view before squeezing, to tile it after: `squeezed` are the
// runs of characters [start, end) that each became one, in order. A run of non-space characters
// that lost some becomes a rewritten piece; the rest of a verbatim piece stays verbatim. No
// squeezed run crosses a piece's edge: pieces meet at spaces, and only letters are squeezed.
std::vector<Piece> pieces_after_squeeze(const ViewText& before, const std::vector<Piece>& pieces,
                                        const std::vector<std::pair<size_t, size_t>>& squeezed) {
  // out_at(k): where character k of `before` lands, for k at no squeezed run's inside.
  std::vector<size_t> removed_by(squeezed.size());  // characters removed up to run i's end
  size_t removed = 0;
  for (size_t i = 0; i < squeezed.size(); ++i) {
    removed += squeezed[i].second - squeezed[i].first - 1;
    removed_by[i] = removed;
  }
  auto out_at = [&](size_t k) {
    const auto after = std::upper_bound(squeezed.begin(), squeezed.end(), k,
                                        [](size_t c, const auto& r) { return c < r.second; });
    const size_t runs = static_cast<size_t>(after - squeezed.begin());
    return k - (runs == 0 ? 0 : removed_by[runs - 1]);
  };
  std::vector<Piece> out;
  out.reserve(pieces.size() + 2 * squeezed.size());
  auto emit = [&](bool verbatim, size_t from, size_t b, size_t e) {
    if (e > b) out.push_back({verbatim, from, out_at(b), out_at(e) - out_at(b)});
  };
  size_t next = 0;  // the first squeezed run not yet placed
  for (const Piece& p : pieces) {
    const size_t b = p.at, e = p.at + p.length;
    if (!p.verbatim) {
      emit(false, p.from, b, e);
      while (next < squeezed.size() && squeezed[next].second <= e) ++next;
      continue;
    }
    size_t cur = b;
    while (next < squeezed.size() && squeezed[next].second <= e) {
      size_t rs = squeezed[next].first, re = squeezed[next].second;
      while (rs > b && !is_space(before.chars[rs - 1])) --rs;
      while (re < e && !is_space(before.chars[re])) ++re;
      while (next < squeezed.size() && squeezed[next].second <= re) ++next;  // the same run
      emit(true, p.from + (cur - b), cur, rs);
      emit(false, 0, rs, re);
      cur = re;
    }
    emit(true, p.from + (cur - b), cur, e);
  }
  return out;
}

// Squeezes the repeats of v in place; false (v unchanged) when it has none. With `pieces`
// (tiling v), rewrites them to tile the result (pieces_after_squeeze).
bool squeeze_repeats(ViewText& v, std::vector<Piece>* pieces = nullptr) {
  if (!has_squeezable_repeat(v)) return false;
  const ViewText& in = v;
  // Everything between squeezed runs is copied in bulk.
  const char32_t* c = in.chars.data();
  const size_t n = in.chars.size();
  Builder out(n);
  std::vector<std::pair<size_t, size_t>> squeezed;
  size_t copied = 0;
  for (size_t i = 1; i < n; ++i) {
    if (c[i] != c[i - 1]) continue;
    const size_t start = i - 1;
    const size_t j = start + repeat_length(in.chars, start);
    if (detail::squeezes(c[start], j - start, is_arabic_letter(c[start]))) {
      out.copy_range(in, copied, start);
      out.push(c[start], in.src_begin[start], in.src_end[j - 1]);
      copied = j;
      squeezed.emplace_back(start, j);
    }
    i = j;  // c[j] differs from c[j - 1]
  }
  out.copy_range(in, copied, n);
  if (pieces != nullptr) *pieces = pieces_after_squeeze(in, *pieces, squeezed);
  v = std::move(out.v);
  return true;
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

size_t utf8_length(char32_t c) { return 1 + (c >= 0x80) + (c >= 0x800) + (c >= 0x10000); }

// Byte offset in strict.text of strict character k, from the last token that starts at or
// before it (pieces begin and end at spaces, a few characters from a token).
size_t strict_byte(const ViewText& strict, size_t k) {
  const auto& toks = strict.tokens;
  auto after = std::upper_bound(toks.begin(), toks.end(), k,
                                [](size_t c, const Token& t) { return c < t.char_begin; });
  size_t c = 0, byte = 0;
  if (after != toks.begin()) {
    c = std::prev(after)->char_begin;
    byte = std::prev(after)->byte_begin;
  }
  for (; c < k; ++c) byte += utf8_length(strict.chars[c]);
  return byte;
}

// Writes v.text and v.tokens of a collapsed view made of `pieces` (v's characters complete):
// verbatim pieces take their text and tokens from the strict view, shifted; only the others are
// encoded and cut. The result is what tokenize(v) gives, because pieces meet at spaces, which no
// token crosses.
void encode_pieces(ViewText& v, const ViewText& strict, const std::vector<Piece>& pieces) {
  size_t rewritten = 0;
  for (const Piece& p : pieces) rewritten += p.verbatim ? 0 : p.length;
  v.tokens.clear();
  v.tokens.reserve(strict.tokens.size() + rewritten / 2 + 2);
  v.text.resize(strict.text.size() + 4 * rewritten + 4);
  char* const out = v.text.data();
  const uint8_t* const props = detail::char_props_table();
  size_t bytes = 0;
  detail::TokenCutter cutter(v);
  for (const Piece& p : pieces) {
    if (p.length == 0) continue;
    if (!p.verbatim) {
      for (size_t k = p.at; k < p.at + p.length; ++k) {
        const char32_t c = v.chars[k];
        cutter.feed(k, detail::props_of(props, c), bytes);
        bytes +=
            c < 0x10000 ? detail::put_bmp_utf8(c, out + bytes) : detail::put_utf8(c, out + bytes);
      }
      cutter.finish(p.at + p.length, bytes);
      continue;
    }
    const size_t from_byte = strict_byte(strict, p.from);
    const size_t to_byte = strict_byte(strict, p.from + p.length);
    std::memcpy(out + bytes, strict.text.data() + from_byte, to_byte - from_byte);
    auto t = std::lower_bound(strict.tokens.begin(), strict.tokens.end(), p.from,
                              [](const Token& tok, size_t c) { return tok.char_begin < c; });
    for (; t != strict.tokens.end() && t->char_begin < p.from + p.length; ++t) {
      Token& copy = v.tokens.emplace_back(*t);
      copy.char_begin = static_cast<uint32_t>(t->char_begin - p.from + p.at);
      copy.char_end = static_cast<uint32_t>(t->char_end - p.from + p.at);
      copy.byte_begin = static_cast<uint32_t>(t->byte_begin - from_byte + bytes);
      copy.byte_end = static_cast<uint32_t>(t->byte_end - from_byte + bytes);
      copy.pos = static_cast<uint32_t>(v.tokens.size() - 1);
    }
    bytes += to_byte - from_byte;
  }
  v.text.resize(bytes);
  v.repoint();
}

}  // namespace

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
  std::vector<Piece> pieces;
  auto copy_verbatim = [&](size_t from, size_t to) {
    pieces.push_back({true, from, runs.v.chars.size(), to - from});
    runs.copy_range(strict, from, to);
  };
  size_t copied = 0;
  for (const uint32_t k : hints.gaps) {
    if (k < copied) continue;  // in a run already collapsed
    size_t i = k;              // the run around k: [i, j)
    while (i > 0 && !is_space(chars[i - 1])) --i;
    size_t j = k + 1;
    while (j < n && !is_space(chars[j])) ++j;
    copy_verbatim(copied, i);
    const size_t at = runs.v.chars.size();
    collapse_run(strict, i, j, runs);
    pieces.push_back({false, i, at, runs.v.chars.size() - at});
    copied = j;
  }
  copy_verbatim(copied, n);
  // Collapsing a run can put repeats side by side ("ب.ب.ب" -> "ببب").
  ViewText squeezed = std::move(runs.v);
  if (hints.repeats || !hints.gaps.empty()) squeeze_repeats(squeezed, &pieces);
  encode_pieces(squeezed, strict, pieces);
  const size_t before_join = squeezed.chars.size();
  ViewText joined = join_spaced_letters(std::move(squeezed));
  if (joined.chars.size() != before_join) {
    // Joining can put repeats side by side ("ا ا ع ش" -> "ااعش"); squeeze them too, or the
    // view would change when collapsed again.
    squeeze_repeats(joined);
    tokenize(joined);
  }
  return joined;
}

}  // namespace rasd::text
