// Text normalization (DESIGN.md section 5): any field in, its strict and collapsed views and
// their tokens out. The same code runs over rule terms and article text, so both meet.
//
// Offsets: every normalized character remembers the span [begin, end) of code points of the
// original text it came from, so a token or hit can be sliced back to the original spelling
// (e.g. "د|عـ.ـش" for the collapsed token "داعش").
//
// Thread safety: a Normalizer is immutable after construction; one instance may be shared by
// any number of threads. Construction builds a 64K-entry table and throws NormalizerError if
// ICU's NFKC_Casefold data is unavailable.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace rasd::text {

enum class View { strict, collapsed };
const char* view_name(View v);

struct Token {
  std::string_view text;  // normalized, UTF-8: a view into its ViewText::text
  uint32_t byte_begin = 0;  // the same as offsets into ViewText::text
  uint32_t byte_end = 0;
  uint32_t start = 0;  // code-point offset of the first original character
  uint32_t end = 0;    // one past the last original character
  uint32_t pos = 0;    // index in its view's token sequence
  uint32_t char_begin = 0;  // index of its first char in the view
  uint32_t char_end = 0;    // one past its last char in the view
  bool arabic = false;
};

// An allocator whose value-initialization (resize(), a sized constructor) leaves elements
// uninitialized. The normalizer sizes a view's arrays for the worst case and then writes each
// element once, so zero-filling them first would be a second pass over memory for nothing.
template <class T>
struct UninitializedAllocator : std::allocator<T> {
  using value_type = T;
  template <class U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <class U>
  UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;  // default-initialized: no zeroing for scalars
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
template <class T>
using UninitializedVector = std::vector<T, UninitializedAllocator<T>>;

// One view of a text: normalized code points with their source spans, the same text as
// UTF-8, and its tokens, whose text points into `text` (copies and moves re-point them).
struct ViewText {
  UninitializedVector<char32_t> chars;
  UninitializedVector<uint32_t> src_begin;  // per char, original code-point offset
  UninitializedVector<uint32_t> src_end;
  std::string text;                 // chars as UTF-8
  std::vector<Token> tokens;

  ViewText() = default;
  ViewText(const ViewText& o) : chars(o.chars), src_begin(o.src_begin), src_end(o.src_end), text(o.text), tokens(o.tokens) { repoint(); }
  ViewText(ViewText&& o) noexcept
      : chars(std::move(o.chars)), src_begin(std::move(o.src_begin)), src_end(std::move(o.src_end)),
        text(std::move(o.text)), tokens(std::move(o.tokens)) { repoint_if_moved(); }
  ViewText& operator=(const ViewText& o) {
    if (this != &o) *this = ViewText(o);
    return *this;
  }
  ViewText& operator=(ViewText&& o) noexcept {
    chars = std::move(o.chars);
    src_begin = std::move(o.src_begin);
    src_end = std::move(o.src_end);
    text = std::move(o.text);
    tokens = std::move(o.tokens);
    repoint_if_moved();
    return *this;
  }
  // Points every token's text at its bytes of `text`.
  void repoint() {
    for (auto& t : tokens) t.text = std::string_view(text).substr(t.byte_begin, t.byte_end - t.byte_begin);
  }
  // The same after a move, which keeps a heap buffer where it was (all tokens then still point
  // into it, the first one tells) and copies a short string's inline one.
  void repoint_if_moved() {
    if (!tokens.empty() && tokens.front().text.data() != text.data() + tokens.front().byte_begin) repoint();
  }

  std::string utf8() const { return text; }
  // Per byte of `text`, the index of the char it belongs to; for regex hits.
  void byte_to_char_index(std::vector<uint32_t>& byte_to_char) const;
};

struct Normalized {
  uint32_t original_length = 0;  // in code points
  ViewText strict;
  // Empty when collapsed_is_strict: most text has nothing to collapse, and sharing the strict
  // view then saves building, storing and indexing a copy. Read views through view().
  ViewText collapsed;
  bool collapsed_is_strict = false;

  const ViewText& view(View v) const {
    return v == View::strict || collapsed_is_strict ? strict : collapsed;
  }
};

namespace detail {
struct CollapseHints;  // internal to engine/text
}  // namespace detail

class NormalizerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Normalizer {
 public:
  Normalizer();
  ~Normalizer();
  Normalizer(const Normalizer&) = delete;
  Normalizer& operator=(const Normalizer&) = delete;

  // Both views with tokens. Invalid UTF-8 becomes U+FFFD (one per maximal invalid subpart, each
  // counted as one original code point).
  Normalized normalize(std::string_view utf8) const;
  // The same without the one-pass fast path for common text: the result must be identical
  // (the fuzz target and tests compare the two).
  Normalized normalize_general(std::string_view utf8) const;

  // One view as a UTF-8 string (for `rasd normalize` and for rule terms).
  std::string normalize_to_string(std::string_view utf8, View view) const;

 private:
  struct Tables;
  std::unique_ptr<Tables> tables_;
  // Builds out.strict with its tokens, and the hints for building the collapsed view.
  void strict_view(std::string_view utf8, Normalized& out, detail::CollapseHints& hints) const;
  // The same for common text in one pass; false (out and hints unspecified) when the text
  // needs the general path.
  bool fast_strict_view(std::string_view utf8, Normalized& out, detail::CollapseHints& hints) const;
  void general_strict_view(std::string_view utf8, Normalized& out, detail::CollapseHints& hints) const;
};

// Splits a view into tokens (DESIGN.md 5.7): on white space and punctuation, at letter/digit
// boundaries; "_" inside a hashtag is a space. Also rebuilds view.text from view.chars.
void tokenize(ViewText& view);

// Builds the collapsed view from the strict one (DESIGN.md section 5, "Collapsed view").
ViewText collapse(const ViewText& strict);


// Character properties from ICU: from a table built once for the BMP, computed above it.
enum CharProp : uint8_t {
  kLetter = 1, kArabicLetter = 2, kDigit = 4, kMark = 8, kSpace = 16, kPunctOrSymbol = 32,
};
namespace detail {
uint8_t compute_char_props(char32_t c);
const uint8_t* char_props_table();  // 0x10000 entries, built once, immutable
}  // namespace detail
inline uint8_t char_props(char32_t c) {
  static const uint8_t* const table = detail::char_props_table();
  return c < 0x10000 ? table[c] : detail::compute_char_props(c);
}

// True for letters of the Arabic script.
inline bool is_arabic_letter(char32_t c) { return c >= 0x0600 && (char_props(c) & kArabicLetter); }

// Stems of an Arabic token with its proclitics (و ف ب ل ك ال and their combinations) removed,
// with length guards: at least 3 letters left after a one-letter prefix, 2 after a longer one;
// for لل... also ال.... Empty for non-Arabic tokens or when no prefix applies.
std::vector<std::string> proclitic_candidates(std::string_view token);

// The same stems without allocating: writes up to kMaxProcliticStems views into `out` and
// returns how many. Views point into `token` or, for the ال form of a لل prefix, into
// `al_buffer`; they stay valid while both are unchanged.
constexpr size_t kMaxProcliticStems = 8;
namespace detail {
size_t proclitic_stems_of_candidate(std::string_view token,
                                    std::string_view (&out)[kMaxProcliticStems],
                                    std::string& al_buffer);
}  // namespace detail
// Inline for the common answer: most tokens are too short, or start with no prefix letter
// (ا ب are D8 A7, D8 A8 in UTF-8; ف ك ل و are D9 81, 83, 84, 88).
inline size_t proclitic_stems(std::string_view token, std::string_view (&out)[kMaxProcliticStems],
                              std::string& al_buffer) {
  if (token.size() < 8) return 0;
  const auto lead = static_cast<unsigned char>(token[0]);
  const auto second = static_cast<unsigned char>(token[1]);
  if ((lead & 0xFE) != 0xD8) return 0;
  constexpr uint64_t kAfterD8 = (1ull << 0x27) | (1ull << 0x28);
  constexpr uint64_t kAfterD9 = (1ull << 0x01) | (1ull << 0x03) | (1ull << 0x04) | (1ull << 0x08);
  if ((((lead & 1) ? kAfterD9 : kAfterD8) >> (second & 0x3F) & 1) == 0) return 0;
  return detail::proclitic_stems_of_candidate(token, out, al_buffer);
}

// The glued spelling of adjacent tokens ("دير" + "الزور" -> "ديرالزور"), which lets a two-word
// phrase meet its glued form and vice versa.
std::string glue(const std::vector<std::string>& words);

// UTF-8 helpers.
std::u32string to_u32(std::string_view utf8);
std::string to_utf8(std::u32string_view s);
void append_utf8(std::string& out, std::u32string_view s);
// Substring of UTF-8 text by code-point offsets [start, end).
std::string slice_code_points(std::string_view utf8, uint32_t start, uint32_t end);

}  // namespace rasd::text
