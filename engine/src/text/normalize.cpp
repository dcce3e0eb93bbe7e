#include "rasd/engine/text/normalize.hpp"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <array>
#include <cstring>

#include "view_builder.hpp"

namespace rasd::text {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

constexpr char32_t kDeleted = 0xFFFFFFFF;  // fold(): the character is removed

// Step 4's deletion set: tatweel and Arabic marks.
bool deleted_in_step4(char32_t c) {
  return c == 0x0640 || (c >= 0x0610 && c <= 0x061A) || (c >= 0x064B && c <= 0x065F) ||
         c == 0x0670 || (c >= 0x06D6 && c <= 0x06ED);
}

// Step 2: applied before NFKC, which would otherwise turn these into a space plus a mark.
// Step 4 characters of combining class 0 (tatweel, U+06DD, U+06DE, U+06E5, U+06E6, U+06E9) are
// removed here too: deleted after NFKC they could join two runs of marks out of canonical
// order, and the view would change when normalized again. Marks (class > 0) wait for step 4,
// because NFKC first composes some of them with their letter (و + U+0654 -> ؤ -> ء).
// The same goes for presentation forms that NFKC decomposes into tatweel and marks (the medial
// forms U+FE71, U+FE77 ... U+FE7F and U+FCF2-FCF4): step 4 would remove all of it, and the
// tatweel, a starter, would leave the marks on either side of it joined out of canonical order.
// U+0000 is dropped as well; it carries no text.
bool deleted_before_nfkc(char32_t c) {
  if (c == 0 || (c >= 0xFC5E && c <= 0xFC63) || (c >= 0xFCF2 && c <= 0xFCF4)) return true;
  if (deleted_in_step4(c) && u_getCombiningClass(static_cast<UChar32>(c)) == 0) return true;
  switch (c) {
    case 0xFE70: case 0xFE72: case 0xFE74: case 0xFE76:
    case 0xFE78: case 0xFE7A: case 0xFE7C: case 0xFE7E:
    case 0xFE71: case 0xFE77: case 0xFE79: case 0xFE7B: case 0xFE7D: case 0xFE7F:
      return true;
    default:
      return false;
  }
}

// Steps 4-6 on one NFKC_Casefold output character; kDeleted when step 4 removes it.
char32_t fold(char32_t c) {
  if (deleted_in_step4(c)) return kDeleted;
  switch (c) {
    case 0x0622: case 0x0623: case 0x0625: case 0x0671: case 0x0672: case 0x0673:
      return 0x0627;
    case 0x0649: case 0x06CC: case 0x06D0: case 0x06D2:
      return 0x064A;
    case 0x0629: case 0x06C3: case 0x06C0: case 0x06C1: case 0x06C2: case 0x06BE: case 0x06D5:
      return 0x0647;
    case 0x06A9: case 0x06AA:
      return 0x0643;
    case 0x0624: case 0x0626:
      return 0x0621;
    case 0x060C: return U',';
    case 0x061B: return U';';
    case 0x061F: return U'?';
    default:
      break;
  }
  if (c >= 0x80 && u_charType(static_cast<UChar32>(c)) == U_DECIMAL_DIGIT_NUMBER) {
    return U'0' + static_cast<char32_t>(u_charDigitValue(static_cast<UChar32>(c)));
  }
  return c;
}

// Encodes c into buf (at least 4 bytes), returning the length; surrogates and values beyond
// U+10FFFF become U+FFFD.
inline size_t encode_utf8(char32_t c, char* buf) {
  if ((c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF) c = kReplacement;
  return detail::put_utf8(c, buf);
}


}  // namespace

const char* view_name(View v) { return v == View::strict ? "strict" : "collapsed"; }

// Per BMP code point: the result of NFKC_Casefold plus steps 4-6 when the code point forms a
// normalization segment on its own, whether it starts a segment, and whether step 2 drops it.
// `fast` packs what the hot loop needs into one load: the single output character (or none)
// and the flags below; characters whose output is longer than one go through `pool`.
struct Normalizer::Tables {
  const icu::Normalizer2* nfkc_cf = nullptr;
  static constexpr uint32_t kCharMask = 0xFFFF;
  static constexpr uint32_t kBoundary = 1u << 16;   // starts a normalization segment
  static constexpr uint32_t kPreDelete = 1u << 17;  // removed by step 2, before NFKC
  static constexpr uint32_t kOne = 1u << 18;        // maps to exactly the BMP char in the low bits
  static constexpr uint32_t kNone = 1u << 19;       // maps to nothing
  // A mark that step 4 deletes and that composes with nothing (the harakat; not U+0653-0655):
  // in a segment it changes nothing but the segment's source span.
  static constexpr uint32_t kInertMark = 1u << 20;
  static constexpr int kCategoryShift = 21;  // with kOne: detail::watch_category() of the char
  // With kOne: the output character is longer in UTF-8 than the input one. The fast path leaves
  // such characters to the general path, so that its text never outgrows its input.
  static constexpr uint32_t kGrows = 1u << 23;
  static constexpr int kClassShift = 30;     // with kOne: detail::class_of() of the char
  static constexpr int kPropsShift = 24;            // with kOne: char_props() of that char
  std::vector<uint32_t> fast;
  // Per BMP code point: its UTF-8 bytes in the low three bytes (first byte lowest) and their
  // count in the high byte, so one 4-byte store writes any BMP character.
  std::vector<uint32_t> utf8;
  struct Span {
    uint32_t offset;
    uint8_t length;
  };
  std::vector<Span> bmp;
  std::u32string pool;

  // NFKC_Casefold and steps 4-6 on one normalization segment. A mark that step 4 deletes may
  // have blocked a composition (y + U+0658 + U+0300: the grave cannot join y past a mark of
  // its own class), so after a deletion the segment is normalized again until nothing more is
  // deleted; otherwise normalizing the view again would compose what is left (ỳ).
  void map_segment(std::u32string_view seg, std::u32string& out) const {
    icu::UnicodeString u;
    for (char32_t c : seg) u.append(static_cast<UChar32>(c));
    std::u32string folded;
    for (;;) {
      UErrorCode err = U_ZERO_ERROR;
      const icu::UnicodeString n = nfkc_cf->normalize(u, err);
      if (U_FAILURE(err)) {
        out += kReplacement;
        return;
      }
      folded.clear();
      bool deleted = false;
      for (int32_t i = 0; i < n.length();) {
        const UChar32 c = n.char32At(i);
        i += U16_LENGTH(c);
        if (const char32_t f = fold(static_cast<char32_t>(c)); f != kDeleted) folded += f;
        else deleted = true;
      }
      if (!deleted) break;
      u.remove();
      for (char32_t c : folded) u.append(static_cast<UChar32>(c));
    }
    out += folded;
  }

  uint32_t flags(char32_t c) const {
    if (c < 0x10000) return fast[c];
    uint32_t f = nfkc_cf->hasBoundaryBefore(static_cast<UChar32>(c)) ? kBoundary : 0;
    if (deleted_before_nfkc(c)) f |= kPreDelete;
    return f;
  }
};

Normalizer::Normalizer() : tables_(std::make_unique<Tables>()) {
  UErrorCode err = U_ZERO_ERROR;
  Tables& t = *tables_;
  t.nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(err);
  if (U_FAILURE(err) || t.nfkc_cf == nullptr)
    throw NormalizerError(std::string("ICU NFKC_Casefold unavailable: ") + u_errorName(err));
  t.bmp.resize(0x10000);
  t.fast.resize(0x10000);
  t.utf8.resize(0x10000);
  std::u32string out;
  for (char32_t c = 0; c < 0x10000; ++c) {
    out.clear();
    if (c >= 0xD800 && c <= 0xDFFF) {
      out += kReplacement;
    } else {
      t.map_segment(std::u32string_view(&c, 1), out);
    }
    t.bmp[c] = {static_cast<uint32_t>(t.pool.size()), static_cast<uint8_t>(out.size())};
    t.pool += out;
    uint32_t f = 0;
    if (t.nfkc_cf->hasBoundaryBefore(static_cast<UChar32>(c))) f |= Tables::kBoundary;
    if (deleted_before_nfkc(c)) f |= Tables::kPreDelete;
    if (out.empty()) f |= Tables::kNone;
    if (deleted_in_step4(c) && !(f & Tables::kBoundary) && !(c >= 0x0653 && c <= 0x0655)) {
      f |= Tables::kInertMark;
    }
    // kOne is the fast path's licence to copy the character; step 2 deletions never get it.
    if (out.size() == 1 && out[0] < 0x10000 && !(f & Tables::kPreDelete)) {
      const uint8_t props = detail::compute_char_props(out[0]);
      const auto cls = static_cast<uint32_t>(detail::class_of(props));
      f |= Tables::kOne | static_cast<uint32_t>(out[0]) | static_cast<uint32_t>(props) << Tables::kPropsShift |
           cls << Tables::kClassShift |
           static_cast<uint32_t>(detail::watch_category(out[0], props)) << Tables::kCategoryShift;
      char in_bytes[4], out_bytes[4];
      if (encode_utf8(out[0], out_bytes) > encode_utf8(c, in_bytes)) f |= Tables::kGrows;
    }
    t.fast[c] = f;
    char buf[4] = {0, 0, 0, 0};
    const size_t len = c >= 0xD800 && c <= 0xDFFF ? 0 : encode_utf8(c, buf);
    t.utf8[c] = static_cast<uint32_t>(static_cast<uint8_t>(buf[0])) | static_cast<uint32_t>(static_cast<uint8_t>(buf[1])) << 8 |
                static_cast<uint32_t>(static_cast<uint8_t>(buf[2])) << 16 | static_cast<uint32_t>(len) << 24;
  }
}

Normalizer::~Normalizer() = default;

namespace {

// Decodes one code point at s[i] (i < n), advancing i; invalid sequences give U+FFFD for each
// maximal invalid subpart, as ICU's U8_NEXT does. ASCII and two-byte sequences (Arabic) are
// decoded inline.
[[gnu::always_inline]] inline char32_t next_code_point(const uint8_t* s, int32_t& i, int32_t n) {
  const uint8_t b0 = s[i];
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  if (b0 >= 0xC2 && b0 < 0xE0 && i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {
    const char32_t c = (static_cast<char32_t>(b0 & 0x1F) << 6) | (s[i + 1] & 0x3F);
    i += 2;
    return c;
  }
  UChar32 c;
  U8_NEXT(s, i, n, c);
  return c < 0 ? kReplacement : static_cast<char32_t>(c);
}

}  // namespace

bool Normalizer::fast_strict_view(std::string_view utf8, Normalized& out, detail::CollapseHints& hints) const {
  // Text where every character is its own normalization segment and maps to at most one BMP
  // character (almost all news text): one pass writes the view, its UTF-8 text and its tokens.
  // Anything else returns false at once, and strict_view() starts over on the general path:
  // so does invalid UTF-8 and any character whose output is longer in UTF-8 than its input,
  // which bounds the text by the input's size.
  const Tables& t = *tables_;
  const uint32_t* const fast = t.fast.data();
  const uint32_t* const utf8_of = t.utf8.data();
  ViewText& v = out.strict;
  const size_t cap = utf8.size() + 1;  // a code point is at least one byte
  v.chars.resize(cap);
  v.src_begin.resize(cap);
  v.src_end.resize(cap);
  v.text.resize(utf8.size() + 4);  // the output is no longer; each character stores 4 bytes
  v.tokens.clear();
  v.tokens.reserve(utf8.size() / 8 + 2);
  char32_t* const ch = v.chars.data();
  uint32_t* const sb = v.src_begin.data();
  uint32_t* const se = v.src_end.data();
  char* const text = v.text.data();
  detail::TokenCutter cutter(v);
  char32_t previous = 0;  // the view's last character
  uint8_t previous_category = detail::kCatSpace;
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  const auto n = static_cast<int32_t>(utf8.size());
  size_t o = 0, bytes = 0;
  uint32_t index = 0;
  bool segment_has_char = false;  // the open segment wrote one character, at o - 1
  constexpr uint32_t kSimple = Tables::kOne | Tables::kBoundary;
  for (int32_t i = 0; i < n; ++index) {
    // ASCII (spaces, mostly) and two-byte sequences (Arabic) alternate at every word, too
    // irregularly for a branch predictor: both are decoded without a branch.
    char32_t c;
    const uint8_t b0 = s[i];
    const uint8_t b1 = i + 1 < n ? s[i + 1] : 0;
    const bool two = b0 >= 0xC2 && b0 < 0xE0 && (b1 & 0xC0) == 0x80;
    if (b0 < 0x80 || two) [[likely]] {
      c = two ? (static_cast<char32_t>(b0 & 0x1F) << 6) | (b1 & 0x3F) : b0;
      i += 1 + two;
    } else {
      const int32_t start = i;
      c = next_code_point(s, i, n);
      // An invalid sequence of one or two bytes would become U+FFFD, three bytes.
      if (c >= 0x10000 || (c == kReplacement && i - start < 3)) return false;
    }
    const uint32_t f = fast[c];
    if ((f & (kSimple | Tables::kGrows)) != kSimple) [[unlikely]] {
      if (f & Tables::kPreDelete) continue;
      if (f & Tables::kInertMark) {  // joins the open segment: widen its source span
        if (segment_has_char) se[o - 1] = index + 1;
        continue;
      }
      if ((f & Tables::kNone) && (f & Tables::kBoundary)) {
        segment_has_char = false;
        continue;
      }
      return false;
    }
    segment_has_char = true;
    const char32_t m = f & Tables::kCharMask;
    const auto props = static_cast<uint8_t>(f >> Tables::kPropsShift);
    ch[o] = m;
    sb[o] = index;
    se[o] = index + 1;
    cutter.feed(o, static_cast<detail::CharClass>(f >> Tables::kClassShift), (props & kArabicLetter) != 0, bytes);
    const auto category = static_cast<uint8_t>((f >> Tables::kCategoryShift) & 3);
    if (const auto sign = detail::collapse_sign(ch, o, category, previous, previous_category)) [[unlikely]] {
      hints.note(sign, o);
    }
    previous = m;
    previous_category = category;
    const uint32_t u = utf8_of[m];
    std::memcpy(text + bytes, &u, 4);  // the fourth byte is overwritten next or cut off
    bytes += u >> 24;
    ++o;
  }
  out.original_length = index;
  cutter.finish(o, bytes);
  v.chars.resize(o);
  v.src_begin.resize(o);
  v.src_end.resize(o);
  v.text.resize(bytes);
  hints.spaced_letters = cutter.saw_spaced_letters();
  return true;
}

void Normalizer::strict_view(std::string_view utf8, Normalized& out, detail::CollapseHints& hints) const {
  if (fast_strict_view(utf8, out, hints)) return;
  out = Normalized{};
  hints = detail::CollapseHints{};
  general_strict_view(utf8, out, hints);
}

void Normalizer::general_strict_view(std::string_view utf8, Normalized& out, detail::CollapseHints& hints) const {
  // Two passes. The first maps characters (steps 1-6): characters are grouped into
  // normalization segments (a starter and the characters after it that have no boundary before
  // them) and a segment's output inherits the segment's source span. A one-character BMP
  // segment, by far the most common, is written at once from one table load; when a character
  // without a boundary arrives, the open segment's output is taken back and the whole segment
  // goes through ICU when it ends. The second pass cuts tokens and watches for anything the
  // collapsed view would change.
  const Tables& t = *tables_;
  const uint32_t* const fast = t.fast.data();
  ViewText& v = out.strict;
  size_t cap = utf8.size() + 64;
  detail::grow_view(v, cap);
  char32_t* ch = v.chars.data();
  uint32_t* sb = v.src_begin.data();
  uint32_t* se = v.src_end.data();
  size_t o = 0;
  auto ensure = [&](size_t extra) {
    if (o + extra <= cap) return;
    cap = std::max(cap * 2, o + extra);
    detail::grow_view(v, cap);
    ch = v.chars.data();
    sb = v.src_begin.data();
    se = v.src_end.data();
  };

  // The open segment: its output starts at o_seg; it began with seg_first (source seg_src).
  bool have_seg = false;
  size_t o_seg = 0;
  uint32_t seg_src = 0, seg_last = 0;
  char32_t seg_first = 0;
  std::u32string multi;  // non-empty: the segment's characters, output not written yet
  std::u32string mapped;

  auto flush_multi = [&] {
    mapped.clear();
    t.map_segment(multi, mapped);
    ensure(mapped.size());
    for (char32_t c : mapped) {
      ch[o] = c;
      sb[o] = seg_src;
      se[o] = seg_last + 1;
      ++o;
    }
    multi.clear();
  };
  auto start_segment = [&](char32_t c, uint32_t f, uint32_t index) __attribute__((always_inline)) {
    if (!multi.empty()) [[unlikely]] flush_multi();
    have_seg = true;
    o_seg = o;
    seg_src = seg_last = index;
    seg_first = c;
    if (f & Tables::kOne) [[likely]] {
      ch[o] = f & Tables::kCharMask;
      sb[o] = index;
      se[o] = index + 1;
      ++o;
    } else if (c >= 0x10000) {
      multi.assign(1, c);  // above the BMP: ICU maps it when the segment ends
    } else if (!(f & Tables::kNone)) {
      const auto& span = t.bmp[c];
      ensure(span.length);
      for (uint32_t k = 0; k < span.length; ++k) {
        ch[o] = t.pool[span.offset + k];
        sb[o] = index;
        se[o] = index + 1;
        ++o;
      }
    }
  };

  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  const auto n = static_cast<int32_t>(utf8.size());
  uint32_t index = 0;
  for (int32_t i = 0; i < n; ++index) {
    const char32_t c = next_code_point(s, i, n);
    const uint32_t f = c < 0x10000 ? fast[c] : t.flags(c);
    if (f & Tables::kPreDelete) continue;
    ensure(32);  // the longest single-character expansion is 18
    if (c == 0xFDFC) [[unlikely]] {  // step 2: the rial sign is spelled out
      for (char32_t r : std::u32string_view(U"\u0631\u064A\u0627\u0644")) start_segment(r, fast[r], index);
      continue;
    }
    if ((f & Tables::kBoundary) || !have_seg) [[likely]] {
      start_segment(c, f, index);
    } else {  // joins the open segment, whose output is taken back
      if (multi.empty()) {
        o = o_seg;
        multi.assign(1, seg_first);
      }
      multi += c;
      seg_last = index;
    }
  }
  if (!multi.empty()) flush_multi();
  out.original_length = index;
  v.chars.resize(o);
  v.src_begin.resize(o);
  v.src_end.resize(o);

  // Second pass: UTF-8 text, tokens, and whether the collapsed view may differ.
  detail::encode_view_text(v, hints);
}

namespace {
// Builds the collapsed view when the strict one may differ, else lets the strict view stand.
void add_collapsed_view(Normalized& out, const detail::CollapseHints& hints) {
  if (!hints.empty()) out.collapsed = detail::collapse(out.strict, hints);
  else out.collapsed_is_strict = true;
}
}  // namespace

Normalized Normalizer::normalize(std::string_view utf8) const {
  Normalized out;
  detail::CollapseHints hints;
  strict_view(utf8, out, hints);
  add_collapsed_view(out, hints);
  return out;
}

Normalized Normalizer::normalize_general(std::string_view utf8) const {
  Normalized out;
  detail::CollapseHints hints;
  general_strict_view(utf8, out, hints);
  add_collapsed_view(out, hints);
  return out;
}

std::string Normalizer::normalize_to_string(std::string_view utf8, View view) const {
  if (view == View::collapsed) return normalize(utf8).view(view).utf8();
  Normalized out;
  detail::CollapseHints hints;
  strict_view(utf8, out, hints);
  return out.strict.utf8();
}

void ViewText::byte_to_char_index(std::vector<uint32_t>& byte_to_char) const {
  byte_to_char.clear();
  byte_to_char.reserve(text.size());
  char buf[4];
  for (size_t i = 0; i < chars.size(); ++i) {
    byte_to_char.insert(byte_to_char.end(), detail::put_utf8(chars[i], buf), static_cast<uint32_t>(i));
  }
}


uint8_t detail::compute_char_props(char32_t cp) {
  const auto c = static_cast<UChar32>(cp);
  uint8_t p = 0;
  const auto type = u_charType(c);
  if (u_isalpha(c)) {
    p |= kLetter;
    UErrorCode err = U_ZERO_ERROR;
    if (uscript_getScript(c, &err) == USCRIPT_ARABIC) p |= kArabicLetter;
  } else if (type == U_DECIMAL_DIGIT_NUMBER) {
    p |= kDigit;
  } else if (type == U_NON_SPACING_MARK || type == U_COMBINING_SPACING_MARK || type == U_ENCLOSING_MARK) {
    p |= kMark;
  }
  if (u_isUWhiteSpace(c)) p |= kSpace;
  if (u_ispunct(c) || type == U_MATH_SYMBOL || type == U_CURRENCY_SYMBOL ||
      type == U_MODIFIER_SYMBOL || type == U_OTHER_SYMBOL)
    p |= kPunctOrSymbol;
  return p;
}

const uint8_t* detail::char_props_table() {
  // Built once (thread-safe static initialization), immutable afterwards.
  static const std::vector<uint8_t> table = [] {
    std::vector<uint8_t> t(0x10000, 0);
    for (char32_t c = 0; c < 0x10000; ++c) t[c] = compute_char_props(c);
    return t;
  }();
  return table.data();
}

std::u32string to_u32(std::string_view utf8) {
  std::u32string out;
  out.reserve(utf8.size());
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  const auto n = static_cast<int32_t>(utf8.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    out += c < 0 ? kReplacement : static_cast<char32_t>(c);
  }
  return out;
}

void append_utf8(std::string& out, std::u32string_view s) {
  const size_t old = out.size();
  out.resize(old + s.size() * 4);
  char* p = out.data() + old;
  for (char32_t c : s) p += encode_utf8(c, p);
  out.resize(static_cast<size_t>(p - out.data()));
}

std::string to_utf8(std::u32string_view s) {
  std::string out;
  append_utf8(out, s);
  return out;
}

std::string slice_code_points(std::string_view utf8, uint32_t start, uint32_t end) {
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  const auto n = static_cast<int32_t>(utf8.size());
  int32_t i = 0, begin_byte = n, end_byte = n;
  for (uint32_t cp = 0; i <= n; ++cp) {
    if (cp == start) begin_byte = i;
    if (cp == end) {
      end_byte = i;
      break;
    }
    if (i == n) break;
    UChar32 c;
    U8_NEXT(s, i, n, c);
  }
  if (begin_byte > end_byte) return {};
  return std::string(utf8.substr(static_cast<size_t>(begin_byte),
                                 static_cast<size_t>(end_byte - begin_byte)));
}

}  // namespace rasd::text
