// Internal to daemon/: identifiers the Monitor and its helpers derive from articles.
#pragma once

#include <xxhash.h>

#include <cstdint>
#include <string>

#include "rasd/daemon/store_types.hpp"

namespace rasd::detail {

inline std::string hex64(uint64_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<size_t>(i)] = kHex[v & 15];
  return out;
}

// The article's stable id in alert bodies: a hash of its source and GUID.
inline std::string article_key_of(const std::string& source_id, const std::string& guid) {
  const std::string k = source_id + "\n" + guid;
  return hex64(XXH3_64bits(k.data(), k.size()));
}
inline std::string article_key(const NewArticle& a) { return article_key_of(a.source_id, a.guid); }

}  // namespace rasd::detail
