// Article extraction fuzz target: no crash, no sanitizer report, every string valid UTF-8, and
// bounded work: nesting beyond what gumbo parses in linear time is cut off before parsing.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rasd/parsers/article.hpp"
#include "rasd/parsers/charset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  for (const char* ct : {"", "text/html; charset=windows-1256"}) {
    rasd::html::ExtractOptions opts;
    opts.content_type = ct;
    opts.url = "https://news.example/a/b.html";
    const auto a = rasd::html::extract_article(in, opts);
    for (const auto* s : {&a.title, &a.byline, &a.lang, &a.dir, &a.canonical_url, &a.text}) {
      if (!rasd::charset::is_valid_utf8(*s)) std::abort();
    }
  }
  return 0;
}
