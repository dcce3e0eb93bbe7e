#include "feed_xml_support.hpp"

#include <cctype>
#include <map>

namespace rasd::detail {
std::string trim(std::string_view s) {
  const char* ws = " \t\r\n";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return std::string(s.substr(b, s.find_last_not_of(ws) - b + 1));
}

namespace {

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == ':' ||
         static_cast<unsigned char>(c) >= 0x80;
}

}  // namespace

std::string expand_internal_entities(std::string owned, std::vector<std::string>& warnings) {
  const std::string_view doc = owned;
  const size_t dt = doc.find("<!DOCTYPE");
  if (dt == std::string_view::npos || dt > 4096) return owned;
  const size_t open = doc.find('[', dt);
  const size_t gt = doc.find('>', dt);
  if (open == std::string_view::npos || (gt != std::string_view::npos && gt < open)) return owned;
  const size_t close = doc.find("]>", open);
  if (close == std::string_view::npos) return owned;
  std::map<std::string, std::string, std::less<>> entities;
  const std::string_view subset = doc.substr(open + 1, close - open - 1);
  for (size_t p = subset.find("<!ENTITY"); p != std::string_view::npos; p = subset.find("<!ENTITY", p + 1)) {
    size_t i = p + 8;
    while (i < subset.size() && std::isspace(static_cast<unsigned char>(subset[i]))) ++i;
    if (i < subset.size() && subset[i] == '%') continue;  // parameter entities: DTD only
    const size_t name_begin = i;
    while (i < subset.size() && name_char(subset[i])) ++i;
    const std::string name(subset.substr(name_begin, i - name_begin));
    while (i < subset.size() && std::isspace(static_cast<unsigned char>(subset[i]))) ++i;
    if (name.empty() || i >= subset.size() || (subset[i] != '"' && subset[i] != '\'')) continue;  // external
    const char q = subset[i];
    const size_t end = subset.find(q, i + 1);
    if (end == std::string_view::npos) break;
    entities.emplace(name, std::string(subset.substr(i + 1, end - i - 1)));
  }
  if (entities.empty()) return owned;
  const size_t body = close + 2;
  std::string out(doc.substr(0, body));
  const size_t limit = doc.size() * 4 + (1u << 20);
  bool capped = false;
  for (size_t i = body; i < doc.size();) {
    if (doc[i] == '&' && !capped) {
      const size_t semi = doc.find(';', i);
      if (semi != std::string_view::npos && semi - i < 64) {
        auto it = entities.find(doc.substr(i + 1, semi - i - 1));
        if (it != entities.end()) {
          if (out.size() + it->second.size() > limit) {
            capped = true;
            warnings.emplace_back("entity expansion stopped at its size limit");
          } else {
            out += it->second;
            i = semi + 1;
            continue;
          }
        }
      }
    }
    out += doc[i++];
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  bool padding = false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    const int v = value(c);
    if (v < 0 || padding) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

std::string author_name(std::string_view text) {
  std::string t = trim(text);
  const size_t lp = t.find('(');
  const size_t rp = t.rfind(')');
  if (lp != std::string::npos && rp != std::string::npos && rp > lp) {
    const std::string inside = trim(std::string_view(t).substr(lp + 1, rp - lp - 1));
    const std::string outside = trim(std::string_view(t).substr(0, lp));
    if (outside.find('@') != std::string::npos && !inside.empty()) return inside;
    if (inside.find('@') != std::string::npos && !outside.empty()) return outside;
  }
  const size_t lt = t.find('<');
  if (lt != std::string::npos && lt > 0 && t.find('@', lt) != std::string::npos) return trim(std::string_view(t).substr(0, lt));
  // A bare address is not a name.
  if (t.find('@') != std::string::npos && t.find(' ') == std::string::npos) return {};
  return t;
}

std::string normalize_language(std::string_view tag) {
  std::string t = trim(tag);
  for (auto& c : t) {
    if (c == '_') c = '-';
  }
  return t;
}

}  // namespace rasd::detail
