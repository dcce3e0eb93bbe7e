// Markup to plain text, using gumbo (an HTML5-conformant parser). Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace rasd::html {

// Text content of an HTML fragment with entities decoded. Block-level elements (p, div, br, li,
// h1-h6, ...) become line breaks; runs of spaces collapse; script/style/template are dropped.
// Input that holds no markup is returned with only entities decoded and spaces collapsed.
std::string to_text(std::string_view html);

// True when the string appears to hold markup or entities worth handing to to_text().
bool looks_like_html(std::string_view s);

}  // namespace rasd::html
