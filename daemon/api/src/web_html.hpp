// Internal to daemon/api: the dashboard's HTML pieces (web_pages.cpp). Every text that comes
// from a feed, a rule or a user goes through esc() and, where it is a field of its own, into a
// <bdi> (its direction is its own, and bidi controls inside it, U+202E for one, end with it).
#pragma once

#include <cstdint>
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

// A whole page: the shared head (the stylesheet, no script), `title` escaped, `body` as given.
std::string page(std::string_view title, std::string_view body);

// The stylesheet at /static/rasd.css.
extern const char* const kStylesheet;

}  // namespace rasd::web
