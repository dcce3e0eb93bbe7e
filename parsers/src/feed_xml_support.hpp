// Internal to parsers/: text helpers of the XML feed reader that need no XML tree.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rasd::detail {

// Entities declared in the document's internal DTD subset (<!DOCTYPE rss [<!ENTITY x "...">]>)
// substituted into the rest of the document, which pugixml does not do. Returns `doc` itself
// (moved, not copied) when it declares none. Expansion is bounded (no "billion laughs"):
// entity values are not themselves expanded, and the output may grow at most to 4x the input
// plus 1 MiB; past that the remaining references stay as they are and a warning is added.
std::string expand_internal_entities(std::string doc, std::vector<std::string>& warnings);

// s without the XML white space (space, tab, CR, LF) at either end.
std::string trim(std::string_view s);

// RFC 4648 base64 (white space ignored); nullopt when the text is not base64.
std::optional<std::string> base64_decode(std::string_view text);

// The person's name in an RSS <author>/<managingEditor>: "jo@x.org (Jo Doe)", "Jo Doe (jo@x.org)"
// and "Jo Doe <jo@x.org>" give "Jo Doe"; a bare address gives "".
std::string author_name(std::string_view text);

// A language tag in its usual form: "en_US" -> "en-US", surrounding space removed.
std::string normalize_language(std::string_view tag);

}  // namespace rasd::detail
