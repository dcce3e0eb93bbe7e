#include <cstdint>
#include <string>

#include "rasd/engine/rules/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const rasd::text::Normalizer normalizer;
  std::string text(reinterpret_cast<const char*>(data), size);
  auto r = rasd::rules::load_rules({{"fuzz.yaml", text}}, normalizer);
  (void)r.diagnostics.format();
  return 0;
}
