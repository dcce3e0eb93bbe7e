// Internal to daemon/api: the dashboard's HTML pieces (web_pages.cpp). Every text that comes
// from a feed, a rule or a user goes through esc() and, where it is a field of its own, into a
// <bdi> (its direction is its own, and bidi controls inside it, U+202E for one, end with it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rasd/daemon/store_types.hpp"

namespace rasd::web {

// `s` with & < > " ' as character references: safe in element content and quoted attributes.
std::string esc(std::string_view s);

// esc(s) in <bdi>, with dir="auto": a title in Arabic reads right to left inside an English row.
std::string bdi(std::string_view s);

// `text` escaped, with the hits of `field` marked: <mark class="hit"> for the strict view,
// <mark class="hit collapsed" title=…> for hits found in the collapsed view (an obfuscated
// spelling such as داعـ.ـش). Offsets are code points of `text`; overlapping hits keep the first.
std::string marked(std::string_view text, const std::vector<StoredHit>& hits,
                   std::string_view field);

// Who is looking, in which language, and where the dashboard lives: what every page needs.
struct WebView {
  std::string base;     // the base path ("" or "/rasd"): every link starts with it
  bool arabic = false;  // the interface language (the page's lang and dir follow it)
  bool admin = false;   // the session may act: acknowledge, silence, retry
  std::string csrf;     // the session's CSRF token; "" before sign-in
  std::string self;     // this page's path and query, for the language switch

  // The interface string in the page's language.
  std::string_view t(std::string_view en, std::string_view ar) const { return arabic ? ar : en; }
  // base + path, escaped for an attribute.
  std::string href(std::string_view path) const;
  // The hidden field every state-changing form carries.
  std::string csrf_field() const;
};

// A whole page: the shared head (the stylesheet and the one script), `title` escaped, `body`
// as given; lang and dir from the view, so an Arabic interface mirrors.
std::string page(const WebView& v, std::string_view title, std::string_view body);

// The bar on top of every signed-in page: the sections (`current` highlighted), the language
// switch, sign-out.
std::string nav(const WebView& v, std::string_view current);

// A time as RFC 3339 UTC; "—" for none.
std::string time_text(std::optional<int64_t> t);

// `s` with the bidi controls replaced by their names, as esc() shows them: for text that a
// script puts into the page (the live alerts) rather than the server.
std::string named_controls(std::string_view s);

// %-encoding for a query string value.
std::string url_encode(std::string_view s);

// The stylesheet at /static/rasd.css and the script at /static/rasd.js.
extern const char* const kStylesheet;
extern const char* const kScript;

}  // namespace rasd::web
