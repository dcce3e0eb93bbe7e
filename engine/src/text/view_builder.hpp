// Internal to engine/text: the machinery shared by Normalizer::normalize and tokenize().
//
// encode_view_text() writes a view's UTF-8 text and, in the same pass, cuts its tokens
// (DESIGN.md 5.7) and watches for anything the collapsed view would change; both the strict
// view and every view built by collapse() go through it, so they cut tokens identically.
//
// Not thread-safe; one cutter per view being built.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "rasd/engine/text/normalize.hpp"

namespace rasd::text::detail {

enum class CharClass : uint8_t { other, letter, digit, mark };

// A table rather than tests: letters, digits and spaces alternate at every word, too irregularly
// for a branch predictor.
inline CharClass class_of(uint8_t props) {
  static constexpr auto kTable = [] {
    std::array<CharClass, 64> t{};
    for (size_t p = 0; p < t.size(); ++p) {
      t[p] = p & kLetter ? CharClass::letter
             : p & kDigit ? CharClass::digit
             : p & kMark  ? CharClass::mark
                          : CharClass::other;
    }
    return t;
  }();
  return kTable[props & 63];
}

inline uint8_t props_of(const uint8_t* table, char32_t c) {
  return c < 0x10000 ? table[c] : compute_char_props(c);
}

inline bool is_space_props(char32_t c, uint8_t props) {
  return c == U' ' || c == U'\n' || c == U'\t' || c == U'\r' || (c >= 0x80 && (props & kSpace));
}

// Letters repeated three times or more become one in the collapsed view; a repeated alef too.
inline bool squeezes(char32_t c, size_t count, bool arabic) {
  return count > 1 && arabic && (count >= 3 || c == 0x0627);
}

// Appends the token made of view characters [begin, end), bytes [byte_begin, byte_end) of the
// view's text; its text view is set by ViewText::repoint() once the text is complete.
[[gnu::always_inline]] inline void append_token(ViewText& v, size_t begin, size_t end, size_t byte_begin, size_t byte_end,
                          bool arabic) {
  Token& t = v.tokens.emplace_back();
  // The text buffer is sized before tokens are cut and only shrinks afterwards, so the view
  // stays valid.
  t.text = std::string_view(v.text.data() + byte_begin, byte_end - byte_begin);
  t.byte_begin = static_cast<uint32_t>(byte_begin);
  t.byte_end = static_cast<uint32_t>(byte_end);
  t.start = v.src_begin[begin];
  t.end = v.src_end[end - 1];
  t.pos = static_cast<uint32_t>(v.tokens.size() - 1);
  t.char_begin = static_cast<uint32_t>(begin);
  t.char_end = static_cast<uint32_t>(end);
  t.arabic = arabic;
}


// Grows the three arrays of a view to cap characters; out of line, it runs rarely.
void grow_view(ViewText& v, size_t cap);

// Runs of letters (with their marks) or of digits; everything else separates tokens.
// Kept free of out-of-line member calls so that, used as a local, it lives in registers.
class TokenCutter {
 public:
  explicit TokenCutter(ViewText& v) : v_(v) {}

  // Character i of the view, of the given properties, starts at byte `byte` of the view text.
  [[gnu::always_inline]] void feed(size_t i, uint8_t props, size_t byte) {
    feed(i, class_of(props), (props & kArabicLetter) != 0, byte);
  }
  [[gnu::always_inline]] void feed(size_t i, CharClass cls, bool arabic, size_t byte) {
    if (cls == cur_ || cls == CharClass::mark) return;  // a mark extends an open token only
    if (cur_ != CharClass::other) close(i, byte);
    cur_ = cls;
    if (cls != CharClass::other) {
      begin_ = i;
      byte_begin_ = byte;
      arabic_ = arabic;
    }
  }
  // The view ends at n characters, `bytes` bytes.
  void finish(size_t n, size_t bytes) {
    if (cur_ != CharClass::other) close(n, bytes);
  }
  // Whether three or more single-Arabic-letter tokens in a row have been closed so far.
  bool saw_spaced_letters() const { return spaced_letters_; }

 private:
  void close(size_t end, size_t byte_end) {
    cur_ = CharClass::other;
    append_token(v_, begin_, end, byte_begin_, byte_end, arabic_);
    singles_ = arabic_ && end - begin_ == 1 ? singles_ + 1 : 0;
    spaced_letters_ |= singles_ >= 3;
  }

  ViewText& v_;
  CharClass cur_ = CharClass::other;  // of the open token; other when none is open
  bool arabic_ = false;
  size_t begin_ = 0;
  size_t byte_begin_ = 0;
  size_t singles_ = 0;
  bool spaced_letters_ = false;
};

// What the collapse watch needs to know of a character: white space, an Arabic letter, or
// anything else.
enum WatchCategory : uint8_t { kCatSpace = 0, kCatArabic = 1, kCatOther = 2 };
inline uint8_t watch_category(char32_t c, uint8_t props) {
  if (is_space_props(c, props)) return kCatSpace;
  if (c >= 0x0600 && (props & kArabicLetter)) return kCatArabic;
  return kCatOther;
}

// Whether the collapsed view could differ from the strict one, decided as a view is written;
// false for every character guarantees it would not, so the strict view can stand for both.
// Conservative: true means "maybe" (a digit between Arabic letters, say). Three or more
// single-letter Arabic tokens in a row are seen by the TokenCutter instead.
//
// collapse_sign() is asked about chars[k], of watch category `cat`, the character before it
// being `prev` of category `prev_cat` (0 and kCatSpace at the start). It sees a repeat when a
// letter equals the one before it (three alike, or two alefs), and a gap (inside a run of
// non-space characters an Arabic letter, then something else, then an Arabic letter) when an
// Arabic letter follows another category than its own and that run leads back to an Arabic
// letter. Both are rare, so a caller carries no state but the previous character: no serial
// dependency from one character to the next.
bool gap_closes_at(const char32_t* chars, size_t k);  // the walk back, out of line
enum CollapseSign : uint8_t { kNoSign = 0, kRepeatSign = 1, kGapSign = 2 };
[[gnu::always_inline]] inline CollapseSign collapse_sign(const char32_t* chars, size_t k, uint8_t cat, char32_t prev,
                                                          uint8_t prev_cat) {
  const char32_t c = chars[k];
  if (c == prev) [[unlikely]] {
    return cat == kCatArabic && (c == 0x0627 || (k >= 2 && chars[k - 2] == c)) ? kRepeatSign : kNoSign;
  }
  if (cat == kCatArabic && prev_cat == kCatOther) [[unlikely]] return gap_closes_at(chars, k) ? kGapSign : kNoSign;
  return kNoSign;
}

// What writing the strict view saw of the collapse rules, so that collapse() looks only where
// they apply: empty means the collapsed view is the strict one.
struct CollapseHints {
  bool repeats = false;         // a repeat that squeezing may shorten
  bool spaced_letters = false;  // three or more single-letter Arabic tokens in a row
  std::vector<uint32_t> gaps;   // view characters where a gap between Arabic letters closes
  void note(CollapseSign sign, size_t k) {
    if (sign == kRepeatSign) repeats = true;
    else gaps.push_back(static_cast<uint32_t>(k));
  }
  bool empty() const { return !repeats && !spaced_letters && gaps.empty(); }
};

// The collapsed view of `strict`, given the hints its writing produced.
ViewText collapse(const ViewText& strict, const CollapseHints& hints);

// Encodes c (a valid code point, not a surrogate) at p, returning the number of bytes.
[[gnu::always_inline]] inline size_t put_utf8(char32_t c, char* p) {
  if (c < 0x80) {
    p[0] = static_cast<char>(c);
    return 1;
  }
  if (c < 0x800) {
    p[0] = static_cast<char>(0xC0 | (c >> 6));
    p[1] = static_cast<char>(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    p[0] = static_cast<char>(0xE0 | (c >> 12));
    p[1] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    p[2] = static_cast<char>(0x80 | (c & 0x3F));
    return 3;
  }
  p[0] = static_cast<char>(0xF0 | (c >> 18));
  p[1] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
  p[2] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
  p[3] = static_cast<char>(0x80 | (c & 0x3F));
  return 4;
}

// Encodes c (below U+10000, not a surrogate) at p without a branch, storing four bytes of which
// the first 1-3 are the character's; returns its length. ASCII and Arabic alternate at every
// word, which would mispredict put_utf8()'s tests.
[[gnu::always_inline]] inline size_t put_bmp_utf8(char32_t c, char* p) {
  const uint32_t two = (0xC0 | (c >> 6)) | (0x80 | (c & 0x3F)) << 8;
  const uint32_t three = (0xE0 | (c >> 12)) | (0x80 | ((c >> 6) & 0x3F)) << 8 | (0x80 | (c & 0x3F)) << 16;
  const uint32_t u = c < 0x80 ? static_cast<uint32_t>(c) : c < 0x800 ? two : three;
  std::memcpy(p, &u, 4);
  return 1 + (c >= 0x80) + (c >= 0x800);
}

// Writes v.text from v.chars and cuts v.tokens (replacing both), collecting the collapse hints
// of this view (meaningful for the strict view).
void encode_view_text(ViewText& v, CollapseHints& hints);

}  // namespace rasd::text::detail
