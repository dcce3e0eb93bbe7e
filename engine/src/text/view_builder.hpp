// Internal to engine/text: the one-pass machinery behind Normalizer::normalize.
//
// ViewBuilder appends normalized characters with their source spans to a ViewText and, in the
// same pass, cuts tokens (DESIGN.md 5.7) and watches for anything the collapsed view would
// change. tokenize() runs the same TokenCutter over an existing view, so both paths cut tokens
// identically.
//
// Not thread-safe; one builder per view being built.
#pragma once

#include <cstdint>
#include <string>

#include "rasd/engine/text/normalize.hpp"

namespace rasd::text::detail {

enum class CharClass : uint8_t { other, letter, digit, mark };

inline CharClass class_of(uint8_t props) {
  if (props & kLetter) return CharClass::letter;
  if (props & kDigit) return CharClass::digit;
  if (props & kMark) return CharClass::mark;
  return CharClass::other;
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

// Appends the token made of view characters [begin, end); out of line, it runs once a word.
void append_token(ViewText& v, size_t begin, size_t end, bool arabic);

// Grows the three arrays of a view to cap characters; out of line, it runs rarely.
void grow_view(ViewText& v, size_t cap);

// Runs of letters (with their marks) or of digits; everything else separates tokens.
// Kept free of out-of-line member calls so that, used as a local, it lives in registers.
class TokenCutter {
 public:
  explicit TokenCutter(ViewText& v) : v_(v) {}

  // Character i of the view, of the given properties, has just been appended.
  [[gnu::always_inline]] void feed(size_t i, uint8_t props) {
    const CharClass cls = class_of(props);
    if (open_) {
      if (cls == cls_ || cls == CharClass::mark) return;
      close(i);
    }
    if (cls == CharClass::letter || cls == CharClass::digit) {
      open_ = true;
      cls_ = cls;
      begin_ = i;
      arabic_ = (props & kArabicLetter) != 0;
    }
  }
  // The view ends at n characters.
  void finish(size_t n) {
    if (open_) close(n);
  }
  // Number of single-Arabic-letter tokens in a row so far (ending at the last closed token).
  size_t single_letter_streak() const { return singles_; }

 private:
  void close(size_t end) {
    open_ = false;
    append_token(v_, begin_, end, arabic_);
    singles_ = arabic_ && end - begin_ == 1 ? singles_ + 1 : 0;
  }

  ViewText& v_;
  bool open_ = false;
  bool arabic_ = false;
  CharClass cls_ = CharClass::other;
  size_t begin_ = 0;
  size_t singles_ = 0;
};

// Whether the collapsed view could differ from the strict one, decided character by
// character (see needs_collapse() for the rule). Conservative: true means "maybe".
class CollapseWatch {
 public:
  [[gnu::always_inline]] void feed(char32_t c, uint8_t props) {
    if (is_space_props(c, props)) {
      in_run_after_arabic_ = gap_ = false;
      last_ = 0;
      return;
    }
    const bool arabic = c >= 0x0600 && (props & kArabicLetter);
    repeat_ = c == last_ ? repeat_ + 1 : 1;
    last_ = c;
    if (arabic) {
      if (gap_ || squeezes(c, repeat_, true)) needed_ = true;
      in_run_after_arabic_ = true;
    } else if (in_run_after_arabic_) {
      gap_ = true;
    }
  }
  void single_letter_streak(size_t n) {
    if (n >= 3) needed_ = true;
  }
  bool needed() const { return needed_; }

 private:
  bool needed_ = false;
  bool in_run_after_arabic_ = false;  // inside a run, an Arabic letter seen
  bool gap_ = false;                  // ... and then a non-letter
  char32_t last_ = 0;
  size_t repeat_ = 0;
};

// Appends characters to a view, growing its three arrays together; they are sized up front
// and trimmed by finish(), so the common case is three stores.
class ViewBuilder {
 public:
  ViewBuilder(ViewText& v, size_t expected) : v_(v), cutter_(v) { grow(expected + 16); }

  [[gnu::always_inline]] void push(char32_t c, uint8_t props, uint32_t src_begin,
                                   uint32_t src_end) {
    if (n_ == cap_) grow(cap_ * 2);
    chars_[n_] = c;
    begin_[n_] = src_begin;
    end_[n_] = src_end;
    cutter_.feed(n_, props);
    if (!watch_.needed()) {
      watch_.feed(c, props);
      watch_.single_letter_streak(cutter_.single_letter_streak());
    }
    ++n_;
  }
  // Trims the arrays, closes the last token and returns whether collapsing may change the view.
  bool finish() {
    v_.chars.resize(n_);
    v_.src_begin.resize(n_);
    v_.src_end.resize(n_);
    cutter_.finish(n_);
    watch_.single_letter_streak(cutter_.single_letter_streak());
    return watch_.needed();
  }

 private:
  void grow(size_t cap) {
    grow_view(v_, cap);
    chars_ = v_.chars.data();
    begin_ = v_.src_begin.data();
    end_ = v_.src_end.data();
    cap_ = cap;
  }
  ViewText& v_;
  TokenCutter cutter_;
  CollapseWatch watch_;
  char32_t* chars_ = nullptr;
  uint32_t* begin_ = nullptr;
  uint32_t* end_ = nullptr;
  size_t n_ = 0;
  size_t cap_ = 0;
};

}  // namespace rasd::text::detail
