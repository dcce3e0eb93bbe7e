#include <cstdint>
#include <string>

#include "rasd/daemon/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto c = rasd::load_config_text("/nonexistent/fuzz.yaml", text);
  (void)c.diagnostics.format();
  return 0;
}
