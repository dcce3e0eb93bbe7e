#include "web_html.hpp"

#include <algorithm>

namespace rasd::web {
namespace {

// Walks a UTF-8 text forward, code point by code point: the byte of each code point asked for,
// in increasing order, costs the distance from the previous one (hits are sorted: one pass).
struct Cursor {
  std::string_view s;
  size_t byte = 0;
  int64_t cp = 0;
  size_t to(int64_t target) {
    while (byte < s.size() && cp < target) {
      ++byte;
      while (byte < s.size() && (static_cast<unsigned char>(s[byte]) & 0xC0) == 0x80) ++byte;
      ++cp;
    }
    return byte;
  }
};

// The bidi embedding, override and isolate controls (U+202A..U+202E, U+2066..U+2069): the
// length of the one at s[i], or 0.
size_t bidi_control(std::string_view s, size_t i) {
  if (i + 2 >= s.size()) return 0;
  const auto b0 = static_cast<unsigned char>(s[i]), b1 = static_cast<unsigned char>(s[i + 1]),
             b2 = static_cast<unsigned char>(s[i + 2]);
  if (b0 != 0xE2) return 0;
  if (b1 == 0x80 && b2 >= 0xAA && b2 <= 0xAE) return 3;
  if (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9) return 3;
  return 0;
}

}  // namespace

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (size_t i = 0; i < s.size(); ++i) {
    // Shown, not obeyed: a feed's override cannot reorder what follows, and an analyst sees
    // that the text carries one.
    if (const size_t n = bidi_control(s, i)) {
      static constexpr const char* kNames[] = {"LRE", "RLE", "PDF", "LRO", "RLO"};
      static constexpr const char* kIsolates[] = {"LRI", "RLI", "FSI", "PDI"};
      const auto b1 = static_cast<unsigned char>(s[i + 1]),
                 b2 = static_cast<unsigned char>(s[i + 2]);
      out += "\u2039";
      out += b1 == 0x80 ? kNames[b2 - 0xAA] : kIsolates[b2 - 0xA6];
      out += "\u203A";
      i += n - 1;
      continue;
    }
    const char c = s[i];
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string bdi(std::string_view s) { return "<bdi dir=\"auto\">" + esc(s) + "</bdi>"; }

std::string marked(std::string_view text, const std::vector<StoredHit>& hits,
                   std::string_view field) {
  std::vector<const StoredHit*> mine;
  for (const auto& h : hits) {
    if (h.field == field && h.end > h.start && h.start >= 0) mine.push_back(&h);
  }
  std::sort(mine.begin(), mine.end(),
            [](const StoredHit* a, const StoredHit* b) { return a->start < b->start; });
  std::string out;
  Cursor cursor{text};
  size_t at = 0;        // bytes of text written
  int64_t done_cp = 0;  // code points of text written or skipped past
  for (const StoredHit* h : mine) {
    if (h->start < done_cp) continue;  // overlaps the previous mark
    const size_t b = cursor.to(h->start), e = cursor.to(h->end);
    if (b >= text.size() || b < at) continue;
    out += esc(text.substr(at, b - at));
    const bool collapsed = h->view == "collapsed";
    out += collapsed ? "<mark class=\"hit collapsed\" title=\"obfuscated spelling | تهجئة مموهة\">"
                     : "<mark class=\"hit\">";
    out += esc(text.substr(b, e - b));
    out += "</mark>";
    at = e;
    done_cp = h->end;
  }
  out += esc(text.substr(std::min(at, text.size())));
  return out;
}

std::string page(std::string_view title, std::string_view body) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>" +
         esc(title) +
         " | rasd</title><link rel=\"stylesheet\" href=\"/static/rasd.css\"></head>\n<body>" +
         std::string(body) + "</body></html>\n";
}

const char* const kStylesheet = R"css(
body { font: 15px/1.5 system-ui, "Noto Naskh Arabic", "DejaVu Sans", sans-serif; margin: 0;
       color: #1d2330; background: #f6f7f9; }
header { background: #1d2330; color: #fff; padding: .5em 1em; display: flex; gap: 1em;
         align-items: center; }
header a { color: #fff; } header form { margin-inline-start: auto; }
main { padding: 1em; max-width: 70em; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: start; padding: .35em .6em; border-bottom: 1px solid #e3e6eb;
         vertical-align: top; }
.article { background: #fff; padding: 1em 1.5em; white-space: pre-wrap; font-size: 17px;
           line-height: 1.8; }
mark.hit { background: #ffe27a; }
mark.hit.collapsed { background: #ffc2c2; text-decoration: underline dotted; }
.sev-high, .sev-critical { color: #b00020; font-weight: 600; }
.state { color: #5a6270; font-size: 90%; }
.error { color: #b00020; }
form.signin { background: #fff; padding: 2em; max-width: 24em; margin: 4em auto; }
input[type=password], input[type=text] { width: 100%; padding: .4em; box-sizing: border-box; }
)css";

}  // namespace rasd::web
