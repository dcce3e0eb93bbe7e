// No crash, offsets in range, both views idempotent, each view's tokens what tokenize() cuts
// from its characters, and the one-pass fast path gives exactly what the general path gives.
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
  const auto g = normalizer.normalize_general(in);
  if (g.collapsed_is_strict != n.collapsed_is_strict || g.original_length != n.original_length)
    std::abort();
  for (const rasd::text::View view : {rasd::text::View::strict, rasd::text::View::collapsed}) {
    const auto& a = n.view(view);
    const auto& b = g.view(view);
    if (a.chars != b.chars || a.src_begin != b.src_begin || a.src_end != b.src_end ||
        a.text != b.text)
      std::abort();
    if (a.tokens.size() != b.tokens.size()) std::abort();
    for (size_t i = 0; i < a.tokens.size(); ++i) {
      const auto &x = a.tokens[i], &y = b.tokens[i];
      if (x.text != y.text || x.start != y.start || x.end != y.end || x.arabic != y.arabic)
        std::abort();
    }
  }
  // Each view's text and tokens are what tokenize() makes of its characters.
  for (const rasd::text::View view : {rasd::text::View::strict, rasd::text::View::collapsed}) {
    const auto& a = n.view(view);
    rasd::text::ViewText copy = a;
    rasd::text::tokenize(copy);
    if (copy.text != a.text || copy.tokens.size() != a.tokens.size()) std::abort();
    for (size_t i = 0; i < a.tokens.size(); ++i) {
      const auto &x = a.tokens[i], &y = copy.tokens[i];
      if (x.text != y.text || x.start != y.start || x.end != y.end || x.pos != y.pos ||
          x.char_begin != y.char_begin || x.char_end != y.char_end || x.arabic != y.arabic)
        std::abort();
    }
  }
  const std::string s = n.strict.utf8();
  if (normalizer.normalize_to_string(s, rasd::text::View::strict) != s) std::abort();
  const std::string c = n.view(rasd::text::View::collapsed).utf8();
  if (normalizer.normalize_to_string(c, rasd::text::View::collapsed) != c) std::abort();
  return 0;
}
