#include <cstdint>
#include <string_view>

#include "rasd/parsers/feed.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)rasd::parse_feed(in, {"application/xml; charset=windows-1256", "https://news.example/feed/"});
  (void)rasd::parse_feed(in);
  return 0;
}
