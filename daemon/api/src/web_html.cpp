#include "web_html.hpp"

#include <algorithm>

namespace rasd::web {
namespace {

// Byte offset of code point `cp` in UTF-8 `s` (s.size() past the end).
size_t byte_of(std::string_view s, int64_t cp) {
  size_t i = 0;
  for (int64_t n = 0; i < s.size() && n < cp; ++n) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  }
  return i;
}

}  // namespace

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char c : s) {
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
  size_t at = 0;        // bytes of text written
  int64_t done_cp = 0;  // code points of text written or skipped past
  for (const StoredHit* h : mine) {
    if (h->start < done_cp) continue;  // overlaps the previous mark
    const size_t b = byte_of(text, h->start), e = byte_of(text, h->end);
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
