// Article links of a section page, for sources of type `html` (issue 8): the page's bytes in,
// the absolute URLs of its article links out, in page order, each once.
//
// With a selector (a CSS subset: `tag`, `.class`, `#id`, combined like `h3.title`, and the
// descendant combinator `div.news-list a`), the links are the <a href> elements it selects or
// that lie inside an element it selects. Without one, links are detected: same site as the
// page, text that reads like a headline (at least 4 words and 20 characters), and a URL that
// looks like an article (a path of two or more segments, or a long slug, or digits), not the
// page itself, not a tag, category, author or search page.
//
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rasd/parsers/expected.hpp"

namespace rasd::html {

struct PageLink {
  std::string url;   // absolute, fragment removed
  std::string text;  // the link's text, spaces collapsed
};

// A selector that cannot be parsed is an error naming the position ("selector: unexpected '>' at
// 5").
Expected<std::vector<PageLink>> article_links(std::string_view bytes, const std::string& page_url,
                                              const std::string& selector = "",
                                              const std::string& content_type = "");

// The feeds a page announces: <link rel="alternate"> elements of RSS, Atom or JSON Feed types
// (application/rss+xml, application/atom+xml, application/feed+json, application/json), in
// page order, each URL absolute and once. `title` is the link's title attribute.
struct FeedLink {
  std::string url;
  std::string type;
  std::string title;
};
std::vector<FeedLink> feed_links(std::string_view bytes, const std::string& page_url,
                                 const std::string& content_type = "");

}  // namespace rasd::html
