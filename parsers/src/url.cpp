#include "rasd/parsers/url.hpp"

#include <boost/url.hpp>
#include <cctype>

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

namespace {
bool tracking_parameter(std::string_view key) {
  static constexpr std::string_view kExact[] = {"fbclid",  "gclid", "mc_cid", "mc_eid",
                                                "igshid",  "_ga",   "yclid",  "msclkid",
                                                "ref_src", "dclid", "gbraid", "wbraid"};
  if (key.substr(0, 4) == "utm_") return true;
  for (auto k : kExact) {
    if (key == k) return true;
  }
  return false;
}
}  // namespace

std::string canonical(std::string_view raw) {
  std::string trimmed = resolve("", raw);
  auto parsed = boost::urls::parse_uri(trimmed);
  if (!parsed) return trimmed;
  boost::urls::url u(*parsed);
  std::string scheme(u.scheme());
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http" && scheme != "https") return trimmed;
  u.set_scheme(scheme);
  std::string host(u.encoded_host());
  for (auto& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  u.set_encoded_host(host);
  if ((scheme == "http" && u.port() == "80") || (scheme == "https" && u.port() == "443"))
    u.remove_port();
  u.remove_fragment();
  if (u.encoded_path().empty()) u.set_encoded_path("/");
  u.normalize_path();
  auto params = u.params();
  for (auto it = params.begin(); it != params.end();) {
    if (tracking_parameter((*it).key))
      it = params.erase(it);
    else
      ++it;
  }
  if (u.has_query() && u.encoded_query().empty()) u.remove_query();
  return std::string(u.buffer());
}

std::string redact_credentials(std::string_view text) {
  std::string out;
  size_t pos = 0;
  while (true) {
    const size_t scheme_end = text.find("://", pos);
    if (scheme_end == std::string_view::npos) break;
    const size_t authority = scheme_end + 3;
    size_t end = authority;
    while (end < text.size() && text[end] != '/' && text[end] != '?' && text[end] != '#' &&
           text[end] != '@' && !std::isspace(static_cast<unsigned char>(text[end])) &&
           text[end] != '"') {
      ++end;
    }
    out.append(text.substr(pos, authority - pos));
    if (end < text.size() && text[end] == '@') {
      out += "***";
      pos = end;  // the '@' and the host follow
    } else {
      pos = authority;
    }
  }
  out.append(text.substr(pos));
  return out;
}

std::string origin(std::string_view raw) {
  auto u = boost::urls::parse_uri(raw);
  if (!u || !u->has_authority() || u->host().empty()) return "";
  std::string out = u->scheme();
  out += "://";
  out += u->host();
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const std::string port(u->port());
  const bool default_port =
      (port == "443" && u->scheme() == "https") || (port == "80" && u->scheme() == "http");
  if (u->has_port() && !port.empty() && !default_port) out += ":" + port;
  return out;
}

std::string host(std::string_view raw) {
  auto u = boost::urls::parse_uri(raw);
  if (!u || !u->has_authority()) return "";
  std::string out = u->host();
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace rasd::url
