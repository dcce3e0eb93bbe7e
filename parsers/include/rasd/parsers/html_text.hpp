// Markup to plain text, using gumbo (an HTML5-conformant parser). Pure, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rasd::html {

// Text content of an HTML fragment with entities decoded. Block-level elements (p, div, br, li,
// h1-h6, ...) become line breaks; runs of spaces collapse; script/style/template are dropped.
// Input that holds no markup is returned with only entities decoded and spaces collapsed.
std::string to_text(std::string_view html);

// True when the string appears to hold markup or entities worth handing to to_text().
bool looks_like_html(std::string_view s);

// Hostile nesting. Every HTML parser in parsers/ (to_text, extract_article, article_links)
// reads a document only up to nesting_cut(): real pages nest a few dozen levels, and gumbo's
// cost and its recursive clean-up grow with the depth (see parsers/src/html_tree.hpp).
constexpr size_t kMaxNesting = 2000;

// The length of the prefix of `html` that is parsed: html.size(), or the offset of the start
// tag at which more than max_depth elements would be open. The depth is estimated from the
// tags alone, the way HTML tree construction treats them: void elements and "/>" outside SVG
// and MathML open nothing; an end tag closes only an element of its name that HTML would
// close; script, style, textarea, title and comments hold no tags. The estimate errs high.
size_t nesting_cut(std::string_view html, size_t max_depth = kMaxNesting);

}  // namespace rasd::html
