#include "rasd/engine/text/boilerplate.hpp"

#include <array>
#include <string>

namespace rasd::text {
namespace {

// Patterns in strict normalized form (hamza and alef folded, tanween removed, lower case).
// A line is chrome when it starts with a prefix pattern, or is short and contains a phrase.
constexpr std::array<std::string_view, 22> kPrefixes = {
    "اقرا ايضا", "اقرا المزيد", "اقرا اكثر", "قد يهمك", "اخترنا لك", "شاهد ايضا", "شاهد ايضا",
    "مواضيع ذات صله", "اخبار ذات صله", "تابعونا على", "تابعنا على", "للمزيد من الاخبار",
    "read more", "read also", "related:", "related articles", "see also", "sign up for",
    "subscribe to", "follow us on", "share this", "advertisement",
};

constexpr std::array<std::string_view, 16> kShortLinePhrases = {
    "التعليقات مغلقه",  "جميع الحقوق محفوظه", "مصدر الصوره",   "الصوره من",
    "حقوق الصوره",      "ملفات تعريف الارتباط", "comments are closed", "all rights reserved",
    "we use cookies",   "uses cookies",        "cookie policy", "photo credit",
    "image credit",     "image:",              "photo:",        "getty images",
};

constexpr size_t kShortLine = 160;  // bytes of normalized text

}  // namespace

bool is_boilerplate_line(const Normalizer& normalizer, std::string_view line) {
  // A long line (a feed item's whole body often is one) can only be chrome by its prefix: only
  // its head is normalized, cut at a character boundary.
  constexpr size_t kLongLine = 1024, kHead = 256;
  const bool long_line = line.size() > kLongLine;
  if (long_line) {
    size_t cut = kHead;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    line = line.substr(0, cut);
  }
  std::string n = normalizer.normalize_to_string(line, View::strict);
  size_t b = n.find_first_not_of(" \t*-•|(\"'");
  if (b == std::string::npos) return false;
  std::string_view v = std::string_view(n).substr(b);
  for (auto p : kPrefixes) {
    if (v.substr(0, p.size()) == p) return true;
  }
  if (!long_line && v.size() <= kShortLine) {
    for (auto p : kShortLinePhrases) {
      if (v.find(p) != std::string_view::npos) return true;
    }
  }
  return false;
}

}  // namespace rasd::text
