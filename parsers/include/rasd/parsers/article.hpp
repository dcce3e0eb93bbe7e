// Article extraction from a news page (issue 8, DESIGN.md section 3 `rasd extract`): bytes of
// an HTML page in, the article's text and metadata out. Uses gumbo (HTML5 parsing) and ICU
// (charsets). Pure; thread-safe.
//
// Charset, in the HTML standard's order: byte order mark, the transport's Content-Type
// charset, a <meta charset> or <meta http-equiv="Content-Type"> in the first 1024 bytes, then
// detection; a non-UTF-8 label on valid non-ASCII UTF-8 is treated as a lie.
//
// Main text: block elements are scored by their own text (length, sentence punctuation in
// Latin and Arabic script: , . ، ؛ ؟), penalised by the share of their text inside links, and
// their scores flow to their ancestors; the best-scoring container is the article, with the
// siblings that score alike. Inside it, chrome is dropped: navigation, forms, asides, link
// lists, share bars, comment sections, and lines the caller's boilerplate filter recognises.
// Sub-headings, list items and paragraph breaks are kept ('\n' between blocks).
//
// Bounded: a document deeper than kMaxDepth is read to that depth only.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace rasd::html {

struct ExtractOptions {
  std::string content_type;  // the HTTP header, for its charset
  std::string url;           // the page's URL: base of relative links and canonical URLs
  // Lines of site chrome ("اقرأ أيضاً: …", cookie notices): true drops the line. Optional; the
  // daemon passes the engine's boilerplate filter (parsers depend on nothing of ours).
  std::function<bool(std::string_view line)> is_boilerplate;
};

struct ExtractedArticle {
  std::string title;
  std::string byline;
  std::optional<int64_t> published;  // Unix seconds
  std::string lang;  // from <html lang>, og:locale or JSON-LD inLanguage; "" unknown
  std::string dir;   // "rtl" | "ltr" | ""
  std::string canonical_url;
  std::string text;     // paragraphs separated by '\n'
  std::string charset;  // what the bytes were decoded as
};

constexpr int kMaxDepth = 400;

ExtractedArticle extract_article(std::string_view bytes, const ExtractOptions& options = {});

}  // namespace rasd::html
