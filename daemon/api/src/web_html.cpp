#include "web_html.hpp"

#include <algorithm>
#include <cctype>

#include "rasd/parsers/date.hpp"

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

// Appends the name of the bidi control at s[i] (bidi_control(s, i) > 0), as ‹RLO›.
void append_control_name(std::string& out, std::string_view s, size_t i) {
  static constexpr const char* kNames[] = {"LRE", "RLE", "PDF", "LRO", "RLO"};
  static constexpr const char* kIsolates[] = {"LRI", "RLI", "FSI", "PDI"};
  const auto b1 = static_cast<unsigned char>(s[i + 1]), b2 = static_cast<unsigned char>(s[i + 2]);
  out += "\u2039";
  out += b1 == 0x80 ? kNames[b2 - 0xAA] : kIsolates[b2 - 0xA6];
  out += "\u203A";
}

}  // namespace

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (size_t i = 0; i < s.size(); ++i) {
    // Shown, not obeyed: a feed's override cannot reorder what follows, and an analyst sees
    // that the text carries one.
    if (const size_t n = bidi_control(s, i)) {
      append_control_name(out, s, i);
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

std::string named_controls(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (const size_t n = bidi_control(s, i)) {
      append_control_name(out, s, i);
      i += n - 1;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string WebView::href(std::string_view path) const { return esc(base + std::string(path)); }

std::string WebView::csrf_field() const {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + esc(csrf) + "\">";
}

std::string time_text(std::optional<int64_t> t) {
  return t ? dates::format_rfc3339(*t) : std::string("\u2014");
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

std::string page(const WebView& v, std::string_view title, std::string_view body) {
  return std::string("<!DOCTYPE html>\n<html lang=\"") + (v.arabic ? "ar\" dir=\"rtl" : "en") +
         "\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>" +
         esc(title) + " | rasd</title><link rel=\"stylesheet\" href=\"" +
         v.href("/static/rasd.css") + "\"><script src=\"" + v.href("/static/rasd.js") +
         "\" defer></script></head>\n<body>" + std::string(body) + "</body></html>\n";
}

std::string nav(const WebView& v, std::string_view current) {
  struct Section {
    const char* path;
    const char* en;
    const char* ar;
  };
  static constexpr Section kSections[] = {{"/", "Alerts", "التنبيهات"},
                                          {"/search", "Search", "البحث"},
                                          {"/sources", "Sources", "المصادر"},
                                          {"/rules", "Rules", "القواعد"},
                                          {"/deliveries", "Deliveries", "التسليم"}};
  std::string out = "<header><strong>rasd</strong><nav>";
  for (const auto& s : kSections) {
    out += "<a href=\"" + v.href(s.path) + "\"" +
           (current == s.path ? std::string(" aria-current=\"page\"") : std::string()) + ">" +
           std::string(v.t(s.en, s.ar)) + "</a>";
  }
  // The switch keeps the page: its own path with lang= set (the handler drops it after).
  const std::string sep = v.self.find('?') == std::string::npos ? "?" : "&";
  out += "</nav><a class=\"lang\" href=\"" + esc(v.base + v.self + sep) +
         (v.arabic ? "lang=en\" lang=\"en\">English" : "lang=ar\" lang=\"ar\">العربية") + "</a>";
  if (!v.admin)
    out += "<span class=\"state\">" + std::string(v.t("read-only", "قراءة فقط")) + "</span>";
  out += "<form method=\"post\" action=\"" + v.href("/logout") + "\">" + v.csrf_field() +
         "<button type=\"submit\">" + std::string(v.t("Sign out", "خروج")) +
         "</button></form></header>";
  return out;
}

// Logical properties (inline-start, not left) throughout: the Arabic interface mirrors.
const char* const kStylesheet = R"css(
body { font: 15px/1.5 system-ui, "Noto Naskh Arabic", "DejaVu Sans", sans-serif; margin: 0;
       color: #1d2330; background: #f6f7f9; }
header { background: #1d2330; color: #fff; padding: .5em 1em; display: flex; gap: 1em;
         align-items: center; flex-wrap: wrap; }
header a { color: #fff; } header nav { display: flex; gap: 1em; }
header a[aria-current] { text-decoration: none; border-block-end: 2px solid #ffe27a; }
header form { margin-inline-start: auto; }
main { padding: 1em; max-width: 80em; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: start; padding: .35em .6em; border-bottom: 1px solid #e3e6eb;
         vertical-align: top; }
th a { color: inherit; }
tr.new { background: #fff8d6; }
.article { background: #fff; padding: 1em 1.5em; white-space: pre-wrap; font-size: 17px;
           line-height: 1.8; }
mark.hit { background: #ffe27a; }
mark.hit.collapsed { background: #ffc2c2; text-decoration: underline dotted; }
.sev-high, .sev-critical { color: #b00020; font-weight: 600; }
.state { color: #5a6270; font-size: 90%; }
.error { color: #b00020; }
.ok { color: #1b7a35; }
form.signin { background: #fff; padding: 2em; max-width: 24em; margin: 4em auto; }
form.filters { display: flex; gap: .6em; flex-wrap: wrap; align-items: end; margin-block-end: 1em; }
form.filters label { display: flex; flex-direction: column; font-size: 90%; }
form.actions { display: flex; gap: .5em; flex-wrap: wrap; align-items: center; margin: .4em 0; }
input[type=password] { width: 100%; padding: .4em; box-sizing: border-box; }
input[type=text], select { padding: .3em; }
textarea { width: 100%; box-sizing: border-box; font: 14px/1.4 monospace; }
pre.diagnostics { background: #fff0f0; padding: .6em; white-space: pre-wrap; }
svg.spark rect { fill: #4a6fa5; }
.pager { margin: 1em 0; }
)css";

// The one script: the live alert list (Server-Sent Events, rows built with textContent, so no
// feed text is ever parsed as HTML) and the rule tester's cancel button. Pages work without it.
const char* const kScript = R"js(
(function () {
  'use strict';
  var list = document.getElementById('alerts');
  if (list && list.dataset.events && window.EventSource) {
    var rows = list.tBodies[0];
    var events = new EventSource(list.dataset.events);
    var status = document.getElementById('live');
    events.onopen = function () { if (status) status.textContent = status.dataset.on; };
    events.onerror = function () { if (status) status.textContent = status.dataset.off; };
    events.addEventListener('alert', function (e) {
      var a = JSON.parse(e.data);
      if (document.getElementById('alert-' + a.seq)) return;
      var tr = document.createElement('tr');
      tr.id = 'alert-' + a.seq;
      tr.className = 'new';
      function cell(cls) {
        var td = document.createElement('td');
        if (cls) td.className = cls;
        tr.appendChild(td);
        return td;
      }
      function bdi(parent, text) {
        var b = document.createElement('bdi');
        b.dir = 'auto';
        b.textContent = text;
        parent.appendChild(b);
      }
      cell().textContent = a.raised;
      cell('sev-' + a.severity).textContent = a.severity;
      bdi(cell(), a.rule);
      var link = document.createElement('a');
      link.href = a.href;
      bdi(link, a.title);
      cell().appendChild(link);
      bdi(cell(), a.source);
      cell('state').textContent = a.state;
      rows.insertBefore(tr, rows.firstChild);
    });
  }
  var tester = document.getElementById('tester');
  var cancel = document.getElementById('cancel');
  if (tester && cancel) {
    tester.addEventListener('submit', function () {
      cancel.hidden = false;
      var running = document.getElementById('running');
      if (running) running.hidden = false;
    });
    cancel.addEventListener('click', function () {
      var data = new URLSearchParams();
      data.set('run', tester.elements.run.value);
      data.set('csrf', tester.elements.csrf.value);
      fetch(cancel.dataset.url, { method: 'POST', body: data, credentials: 'same-origin' });
    });
  }
})();
)js";

}  // namespace rasd::web
