#include "rasd/parsers/url.hpp"

#include <boost/url.hpp>

namespace rasd::url {

std::string resolve(std::string_view base, std::string_view ref) {
  auto trimmed = ref;
  while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\n' ||
                              trimmed.front() == '\t' || trimmed.front() == '\r'))
    trimmed.remove_prefix(1);
  while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\n' ||
                              trimmed.back() == '\t' || trimmed.back() == '\r'))
    trimmed.remove_suffix(1);
  if (base.empty()) return std::string(trimmed);
  auto b = boost::urls::parse_uri(base);
  if (!b) return std::string(trimmed);
  auto r = boost::urls::parse_uri_reference(trimmed);
  if (!r) return std::string(trimmed);
  boost::urls::url out;
  auto rv = boost::urls::resolve(*b, *r, out);
  if (!rv) return std::string(trimmed);
  return std::string(out.buffer());
}

}  // namespace rasd::url
