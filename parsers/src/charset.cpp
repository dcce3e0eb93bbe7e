#include "rasd/parsers/charset.hpp"

#include <unicode/ucnv.h>
#include <unicode/ucsdet.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>

namespace rasd::charset {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_utf8_label(std::string_view l) { return l == "utf-8" || l == "utf8"; }

bool has_non_ascii(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

std::string repair_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  int32_t i = 0;
  const auto* s = reinterpret_cast<const uint8_t*>(bytes.data());
  const auto n = static_cast<int32_t>(bytes.size());
  while (i < n) {
    UChar32 c;
    int32_t start = i;
    U8_NEXT(s, i, n, c);
    if (c < 0) {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(bytes.data() + start, static_cast<size_t>(i - start));
    }
  }
  return out;
}

struct ConverterDeleter {
  void operator()(UConverter* c) const { ucnv_close(c); }
};
struct DetectorDeleter {
  void operator()(UCharsetDetector* d) const { ucsdet_close(d); }
};

}  // namespace

bool known(std::string_view charset) {
  UErrorCode err = U_ZERO_ERROR;
  std::unique_ptr<UConverter, ConverterDeleter> c(ucnv_open(std::string(charset).c_str(), &err));
  return U_SUCCESS(err) && c != nullptr;
}

std::string detect(std::string_view bytes) {
  UErrorCode err = U_ZERO_ERROR;
  std::unique_ptr<UCharsetDetector, DetectorDeleter> d(ucsdet_open(&err));
  if (U_FAILURE(err)) return {};
  ucsdet_setText(d.get(), bytes.data(), static_cast<int32_t>(std::min<size_t>(bytes.size(), 1 << 16)), &err);
  const UCharsetMatch* m = ucsdet_detect(d.get(), &err);
  if (U_FAILURE(err) || m == nullptr) return {};
  const char* name = ucsdet_getName(m, &err);
  return U_SUCCESS(err) && name != nullptr ? lower(name) : std::string();
}

std::string from_content_type(std::string_view ct) {
  const std::string l = lower(ct);
  auto p = l.find("charset=");
  if (p == std::string::npos) return {};
  p += 8;
  std::string v;
  for (; p < l.size() && l[p] != ';' && l[p] != ' '; ++p) {
    if (l[p] != '"' && l[p] != '\'') v += l[p];
  }
  return v;
}

std::string from_xml_declaration(std::string_view bytes) {
  std::string_view head = bytes.substr(0, 256);
  if (head.substr(0, 3) == "\xEF\xBB\xBF") head.remove_prefix(3);
  if (head.substr(0, 5) != "<?xml") return {};
  auto end = head.find("?>");
  if (end == std::string_view::npos) return {};
  const std::string decl = lower(head.substr(0, end));
  auto p = decl.find("encoding");
  if (p == std::string::npos) return {};
  p = decl.find_first_of("\"'", p);
  if (p == std::string::npos) return {};
  const char q = decl[p];
  auto e = decl.find(q, p + 1);
  if (e == std::string::npos) return {};
  return decl.substr(p + 1, e - p - 1);
}

bool is_valid_utf8(std::string_view bytes) {
  // The well-formed sequences of Unicode's Table 3-7 (what ICU's U8_NEXT accepts: no
  // overlongs, surrogates or values past U+10FFFF), with eight ASCII bytes at a time and
  // two-byte letters (Arabic) without a table lookup: feeds and pages are checked whole, and
  // once more per field.
  const auto* s = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 0;
  auto cont = [&](size_t k) { return k < n && (s[k] & 0xC0) == 0x80; };
  while (i < n) {
    if (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, s + i, 8);
      if ((w & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    const uint8_t b = s[i];
    if (b < 0x80) {
      ++i;
    } else if (b >= 0xC2 && b <= 0xDF) {
      if (!cont(i + 1)) return false;
      i += 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      if (i + 1 >= n) return false;
      const uint8_t c = s[i + 1];
      const uint8_t lo = b == 0xE0 ? 0xA0 : 0x80, hi = b == 0xED ? 0x9F : 0xBF;
      if (c < lo || c > hi || !cont(i + 2)) return false;
      i += 3;
    } else if (b >= 0xF0 && b <= 0xF4) {
      if (i + 1 >= n) return false;
      const uint8_t c = s[i + 1];
      const uint8_t lo = b == 0xF0 ? 0x90 : 0x80, hi = b == 0xF4 ? 0x8F : 0xBF;
      if (c < lo || c > hi || !cont(i + 2) || !cont(i + 3)) return false;
      i += 4;
    } else {
      return false;  // a continuation byte without a lead, C0, C1 or F5..FF
    }
  }
  return true;
}

std::string convert(std::string_view bytes, std::string_view charset) {
  const std::string name = lower(charset);
  if (name.empty() || is_utf8_label(name)) return repair_utf8(bytes);
  UErrorCode err = U_ZERO_ERROR;
  std::unique_ptr<UConverter, ConverterDeleter> from(ucnv_open(name.c_str(), &err));
  if (U_FAILURE(err) || !from) return repair_utf8(bytes);
  std::unique_ptr<UConverter, ConverterDeleter> to(ucnv_open("utf-8", &err));
  if (U_FAILURE(err) || !to) return repair_utf8(bytes);
  std::string out(bytes.size() * 4 + 16, '\0');
  char* target = out.data();
  const char* source = bytes.data();
  ucnv_convertEx(to.get(), from.get(), &target, out.data() + out.size(), &source,
                 bytes.data() + bytes.size(), nullptr, nullptr, nullptr, nullptr, true, true, &err);
  if (U_FAILURE(err)) return repair_utf8(bytes);
  out.resize(static_cast<size_t>(target - out.data()));
  return out;
}

Decoded to_utf8(std::string_view bytes, std::string_view transport, std::string_view document) {
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") return {repair_utf8(bytes.substr(3)), "utf-8", false, {}};
  if (bytes.substr(0, 4) == std::string_view("\xFF\xFE\x00\x00", 4))
    return {convert(bytes.substr(4), "utf-32le"), "utf-32le", false, {}};
  if (bytes.substr(0, 4) == std::string_view("\x00\x00\xFE\xFF", 4))
    return {convert(bytes.substr(4), "utf-32be"), "utf-32be", false, {}};
  if (bytes.substr(0, 2) == "\xFF\xFE") return {convert(bytes.substr(2), "utf-16le"), "utf-16le", false, {}};
  if (bytes.substr(0, 2) == "\xFE\xFF") return {convert(bytes.substr(2), "utf-16be"), "utf-16be", false, {}};
  // BOM-less UTF-32 and UTF-16, recognised by how "<" is spelled (XML 1.0 appendix F).
  if (bytes.size() >= 4 && bytes.substr(0, 4) == std::string_view("\0\0\0<", 4))
    return {convert(bytes, "utf-32be"), "utf-32be", false, {}};
  if (bytes.size() >= 4 && bytes.substr(0, 4) == std::string_view("<\0\0\0", 4))
    return {convert(bytes, "utf-32le"), "utf-32le", false, {}};
  if (bytes.size() >= 4 && bytes[0] == '<' && bytes[1] == '\0' && bytes[2] != '\0')
    return {convert(bytes, "utf-16le"), "utf-16le", false, {}};
  if (bytes.size() >= 4 && bytes[0] == '\0' && bytes[1] == '<' && bytes[3] != '\0')
    return {convert(bytes, "utf-16be"), "utf-16be", false, {}};

  std::string label = lower(!transport.empty() ? transport : document);
  if (label.empty()) {
    if (is_valid_utf8(bytes)) return {std::string(bytes), "utf-8", false, {}};
    // Undeclared and not UTF-8: ask ICU's detector. Latin guesses are decoded as
    // windows-1252 (what browsers do with such bytes); others are reported as a guess.
    std::string guess = detect(bytes);
    if (guess.empty()) return {repair_utf8(bytes), "utf-8", false, "bytes are not UTF-8 and no charset was declared"};
    const bool latin = guess == "iso-8859-1" || guess == "windows-1252" || guess == "iso-8859-15";
    if (latin) guess = "windows-1252";
    return {convert(bytes, guess), guess, false,
            latin ? "" : "no charset declared; decoded as " + guess + ", which the bytes look like"};
  }
  if (is_utf8_label(label)) {
    if (is_valid_utf8(bytes)) return {std::string(bytes), "utf-8", false, {}};
    return {repair_utf8(bytes), "utf-8", false, "declared UTF-8 but the bytes are not; invalid sequences replaced"};
  }
  if (label == "us-ascii" || label == "ascii") label = "windows-1252";
  // A single-byte label on bytes that are valid multi-byte UTF-8 is almost always a lie.
  if (label.rfind("utf-16", 0) != 0 && label.rfind("utf-32", 0) != 0 && has_non_ascii(bytes) &&
      is_valid_utf8(bytes)) {
    return {std::string(bytes), "utf-8", true, {}};
  }
  if (label == "iso-8859-1" || label == "latin1" || label == "latin-1") label = "windows-1252";
  if (!known(label)) {
    return {repair_utf8(bytes), "utf-8", false, "unknown charset '" + label + "'; decoded as UTF-8"};
  }
  return {convert(bytes, label), label, false, {}};
}

}  // namespace rasd::charset
