// No crash, offsets in range, and both views idempotent.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rasd/engine/text/normalize.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const rasd::text::Normalizer normalizer;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto n = normalizer.normalize(in);
  for (const rasd::text::View view : {rasd::text::View::strict, rasd::text::View::collapsed}) {
    const auto* v = &n.view(view);
    for (const auto& t : v->tokens) {
      if (t.start >= t.end || t.end > n.original_length) std::abort();
    }
  }
  const std::string s = n.strict.utf8();
  if (normalizer.normalize_to_string(s, rasd::text::View::strict) != s) std::abort();
  const std::string c = n.view(rasd::text::View::collapsed).utf8();
  if (normalizer.normalize_to_string(c, rasd::text::View::collapsed) != c) std::abort();
  return 0;
}
