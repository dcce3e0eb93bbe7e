// Site chrome detection for single lines of article text ("اقرأ أيضاً: …", cookie notices,
// "Comments are closed", image credits). Pure, thread-safe; used by extraction and by the
// normalizer's callers to keep chrome out of matching and fingerprints.
#pragma once

#include <string_view>

#include "rasd/engine/text/normalize.hpp"

namespace rasd::text {

// True when the line is site boilerplate rather than article text. The line is normalized with
// the given normalizer first, so spelling variants (اقرأ / اقرا, أيضاً / ايضا) all match.
bool is_boilerplate_line(const Normalizer& normalizer, std::string_view line);

}  // namespace rasd::text
