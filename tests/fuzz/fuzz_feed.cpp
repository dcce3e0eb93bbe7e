// Feed parser fuzz target: no crash, no sanitizer report, and every string it returns is valid
// UTF-8 (the JSON output and the normalizer rely on that).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rasd/parsers/charset.hpp"
#include "rasd/parsers/feed.hpp"

namespace {
void check_utf8(std::string_view s) {
  if (!rasd::charset::is_valid_utf8(s)) std::abort();
}
void check(const rasd::Expected<rasd::Feed>& f) {
  if (!f) return;
  for (const auto* s : {&f->title, &f->link, &f->language, &f->hub, &f->self, &f->description}) check_utf8(*s);
  for (const auto& w : f->warnings) check_utf8(w);
  for (const auto& it : f->items) {
    for (const auto* s : {&it.guid, &it.title, &it.link, &it.author, &it.summary, &it.content, &it.image}) check_utf8(*s);
    for (const auto& c : it.categories) check_utf8(c);
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  check(rasd::parse_feed(in, {"application/xml; charset=windows-1256", "https://news.example/feed/"}));
  check(rasd::parse_feed(in));
  return 0;
}
