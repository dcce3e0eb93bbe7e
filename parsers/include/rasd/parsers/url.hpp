// URL helpers on Boost.URL. Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace rasd::url {

// Resolves `ref` against `base` (RFC 3986). Returns `ref` unchanged when either does not parse
// or when base is empty.
std::string resolve(std::string_view base, std::string_view ref);

}  // namespace rasd::url
