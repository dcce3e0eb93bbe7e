#include "rasd/engine/text/language.hpp"

#include <cld2/public/compact_lang_det.h>

namespace CLD2 {
const char* LanguageCode(Language lang);  // declared in cld2's internal lang_script.h
}

namespace rasd::text {

std::string detect_language(std::string_view utf8) {
  if (utf8.empty()) return {};
  bool reliable = false;
  const auto lang = CLD2::DetectLanguage(utf8.data(), static_cast<int>(utf8.size()), true, &reliable);
  if (lang == CLD2::UNKNOWN_LANGUAGE) return {};
  const char* code = CLD2::LanguageCode(lang);
  return code ? std::string(code) : std::string();
}

}  // namespace rasd::text
