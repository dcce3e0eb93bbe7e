#include <cstdint>
#include <string_view>

#include "rasd/engine/rules/compiler.hpp"
#include "rasd/engine/rules/matcher.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const rasd::text::Normalizer normalizer;
  static const std::map<std::string, std::vector<std::string>> lists = {{"isis", {"داعش", "تنظيم الدولة"}}};
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto q = rasd::rules::compile_query_text(in, {normalizer, lists});
  if (!q) return 0;
  rasd::rules::PreparedArticle a(normalizer, {"1", "القبـ.ـض على د|عـ.ـش في ديرالزور", "هجوم لداعش في #دير_الزور 12 قتيلا",
                                              "https://n.example/a", "src", "", "ar", {}});
  std::vector<rasd::rules::Hit> hits;
  rasd::rules::evaluate(*q, a, hits);
  return 0;
}
