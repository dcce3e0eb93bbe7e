#include "rasd/engine/text/normalize.hpp"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <array>

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
// U+0000 is dropped as well; it carries no text.
bool deleted_before_nfkc(char32_t c) {
  if (c == 0 || (c >= 0xFC5E && c <= 0xFC63)) return true;
  if (deleted_in_step4(c) && u_getCombiningClass(static_cast<UChar32>(c)) == 0) return true;
  switch (c) {
    case 0xFE70: case 0xFE72: case 0xFE74: case 0xFE76:
    case 0xFE78: case 0xFE7A: case 0xFE7C: case 0xFE7E:
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

void append_utf8(std::string& out, char32_t c) {
  char buf[4];
  int32_t n = 0;
  UBool err = false;
  U8_APPEND(reinterpret_cast<uint8_t*>(buf), n, 4, static_cast<UChar32>(c), err);
  if (err) {
    out += "\xEF\xBF\xBD";
  } else {
    out.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace

const char* view_name(View v) { return v == View::strict ? "strict" : "collapsed"; }

// Per BMP code point: the result of NFKC_Casefold plus steps 4-6 when the code point forms a
// normalization segment on its own, and whether it starts a segment.
struct Normalizer::Tables {
  const icu::Normalizer2* nfkc_cf = nullptr;
  struct Entry {
    uint32_t offset;
    uint8_t length;
    bool boundary_before;
  };
  std::vector<Entry> bmp;
  std::u32string pool;

  void map_segment(const std::u32string& seg, std::u32string& out) const {
    icu::UnicodeString u;
    for (char32_t c : seg) u.append(static_cast<UChar32>(c));
    UErrorCode err = U_ZERO_ERROR;
    icu::UnicodeString n = nfkc_cf->normalize(u, err);
    if (U_FAILURE(err)) {
      out += kReplacement;
      return;
    }
    for (int32_t i = 0; i < n.length();) {
      const UChar32 c = n.char32At(i);
      i += U16_LENGTH(c);
      if (const char32_t f = fold(static_cast<char32_t>(c)); f != kDeleted) out += f;
    }
  }

  bool boundary_before(char32_t c) const {
    return c < bmp.size() ? bmp[c].boundary_before
                          : nfkc_cf->hasBoundaryBefore(static_cast<UChar32>(c));
  }
};

Normalizer::Normalizer() : tables_(std::make_unique<Tables>()) {
  UErrorCode err = U_ZERO_ERROR;
  tables_->nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(err);
  if (U_FAILURE(err) || tables_->nfkc_cf == nullptr)
    throw NormalizerError(std::string("ICU NFKC_Casefold unavailable: ") + u_errorName(err));
  tables_->bmp.resize(0x10000);
  std::u32string seg(1, U'\0'), out;
  for (char32_t c = 0; c < 0x10000; ++c) {
    auto& e = tables_->bmp[c];
    e.offset = static_cast<uint32_t>(tables_->pool.size());
    e.boundary_before = tables_->nfkc_cf->hasBoundaryBefore(static_cast<UChar32>(c));
    out.clear();
    if (c >= 0xD800 && c <= 0xDFFF) {
      out += kReplacement;
    } else {
      seg[0] = c;
      tables_->map_segment(seg, out);
    }
    e.length = static_cast<uint8_t>(out.size());
    tables_->pool += out;
  }
}

Normalizer::~Normalizer() = default;

void Normalizer::strict_view(std::string_view utf8, Normalized& out) const {
  // Steps 1-2: decode, pre-map; remember each character's original offset.
  std::u32string pre;
  std::vector<uint32_t> pre_src;
  pre.reserve(utf8.size());
  pre_src.reserve(utf8.size());
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  const auto n = static_cast<int32_t>(utf8.size());
  uint32_t index = 0;
  for (int32_t i = 0; i < n; ++index) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    const char32_t cp = c < 0 ? kReplacement : static_cast<char32_t>(c);
    if (deleted_before_nfkc(cp)) continue;
    if (cp == 0xFDFC) {
      for (char32_t r : std::u32string_view(U"\u0631\u064A\u0627\u0644")) {
        pre += r;
        pre_src.push_back(index);
      }
      continue;
    }
    pre += cp;
    pre_src.push_back(index);
  }
  out.original_length = index;

  // Steps 3-6, segment by segment; a segment's output inherits the segment's source span.
  ViewText& v = out.strict;
  v.chars.reserve(pre.size());
  v.src_begin.reserve(pre.size());
  v.src_end.reserve(pre.size());
  std::u32string seg, mapped;
  const Tables& t = *tables_;
  for (size_t i = 0; i < pre.size();) {
    size_t j = i + 1;
    while (j < pre.size() && !t.boundary_before(pre[j])) ++j;
    const uint32_t b = pre_src[i];
    const uint32_t e = pre_src[j - 1] + 1;
    if (j == i + 1 && pre[i] < 0x10000) {
      const auto& entry = t.bmp[pre[i]];
      for (uint32_t k = 0; k < entry.length; ++k) {
        v.chars += t.pool[entry.offset + k];
        v.src_begin.push_back(b);
        v.src_end.push_back(e);
      }
    } else {
      seg.assign(pre, i, j - i);
      mapped.clear();
      t.map_segment(seg, mapped);
      for (char32_t c : mapped) {
        v.chars += c;
        v.src_begin.push_back(b);
        v.src_end.push_back(e);
      }
    }
    i = j;
  }
}

Normalized Normalizer::normalize(std::string_view utf8) const {
  Normalized out;
  strict_view(utf8, out);
  tokenize(out.strict);
  if (needs_collapse(out.strict)) {
    out.collapsed = collapse(out.strict);
  } else {
    out.collapsed_is_strict = true;
  }
  return out;
}

std::string Normalizer::normalize_to_string(std::string_view utf8, View view) const {
  if (view == View::collapsed) return normalize(utf8).view(view).utf8();
  Normalized out;  // the strict view needs neither tokens nor the collapse check
  strict_view(utf8, out);
  return out.strict.utf8();
}

std::string ViewText::utf8() const {
  std::string out;
  out.reserve(chars.size() * 2);
  for (char32_t c : chars) append_utf8(out, c);
  return out;
}

std::string ViewText::utf8_with_index(std::vector<uint32_t>& byte_to_char) const {
  std::string out;
  out.reserve(chars.size() * 2);
  byte_to_char.clear();
  for (size_t i = 0; i < chars.size(); ++i) {
    const size_t before = out.size();
    append_utf8(out, chars[i]);
    byte_to_char.insert(byte_to_char.end(), out.size() - before, static_cast<uint32_t>(i));
  }
  return out;
}

bool is_arabic_letter(char32_t c) { return c >= 0x0600 && (char_props(c) & kArabicLetter); }

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

std::string to_utf8(std::u32string_view s) {
  std::string out;
  out.reserve(s.size() * 2);
  for (char32_t c : s) append_utf8(out, c);
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
