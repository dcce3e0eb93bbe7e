// Language identification of a text (cld2). Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace rasd::text {

// ISO 639-1 code of the main language of UTF-8 text ("ar", "en", ...), or "" when unknown or
// unreliable (very short text).
std::string detect_language(std::string_view utf8);

}  // namespace rasd::text
