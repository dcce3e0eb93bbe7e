// Builders of hostile inputs for the tests: text repeated or nested to the depth of a
// reported attack (2,000,000 levels), built in memory.
#pragma once

#include <string>
#include <string_view>

namespace rasd::test {

inline constexpr int kHostileDepth = 2'000'000;

inline std::string repeat(std::string_view s, int n) {
  std::string out;
  out.reserve(s.size() * static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// `open` n times, `middle`, then `close` n times.
inline std::string nest(std::string_view open, std::string_view middle, std::string_view close,
                        int n = kHostileDepth) {
  return repeat(open, n) + std::string(middle) + repeat(close, n);
}

}  // namespace rasd::test
