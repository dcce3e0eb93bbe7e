// Internal to parsers/: the one way parsers/ builds a gumbo tree from untrusted HTML.
//
// gumbo 0.10.1 (Debian 12) fails on deep nesting in three ways, measured on its build:
//  - it records each parse error with a copy of the stack of open elements, so N unclosed
//    tags cost O(N^2) memory: 100,000 nested <b> used up 24 GB;
//  - without errors, tree construction still scans the open elements for many tags: O(N^2)
//    time, 50 s for 500,000 nested <b>;
//  - gumbo_destroy_output() frees the tree by recursion, one call per level: at 500,000
//    levels it overflows an 8 MiB stack (SIGSEGV).
// parse_html() therefore records no parse errors (nothing in parsers/ reads them) and hands
// gumbo only the prefix that nesting_cut() allows, so the tree stays a few thousand levels
// deep. Walks over the tree are depth-bounded as well (kMaxDepth, to_text's own bound).
#pragma once

#include <gumbo.h>

#include <memory>
#include <string_view>

namespace rasd::html::detail {

struct GumboTreeDeleter {
  void operator()(GumboOutput* o) const;
};
using GumboTree = std::unique_ptr<GumboOutput, GumboTreeDeleter>;

// `utf8` (a whole document or a fragment) parsed up to nesting_cut(utf8). Null only when
// gumbo could not allocate.
GumboTree parse_html(std::string_view utf8);

}  // namespace rasd::html::detail
