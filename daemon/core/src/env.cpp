#include "rasd/daemon/env.hpp"

#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace rasd {

std::string random_id(const std::string& prefix, size_t random_bytes) {
  std::vector<unsigned char> bytes(random_bytes);
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    throw std::runtime_error("RAND_bytes failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = prefix;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

double jitter(double fraction) {
  uint32_t r = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&r), sizeof r) != 1) return 1.0;
  const double u = static_cast<double>(r) / 4294967295.0;  // [0, 1]
  return 1.0 - fraction + 2.0 * fraction * u;
}

}  // namespace rasd
