// URL helpers on Boost.URL. Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace rasd::url {

// Resolves `ref` against `base` (RFC 3986). Returns `ref` unchanged when either does not parse
// or when base is empty.
std::string resolve(std::string_view base, std::string_view ref);

// The identity form of an article URL (DESIGN.md section 6): scheme and host lower-cased, the
// default port dropped, the fragment removed, tracking parameters (utm_*, fbclid, gclid,
// mc_cid, mc_eid, igshid, _ga, yclid, msclkid, ref_src) removed, an empty query dropped and
// an empty path written "/". Returns the input, trimmed, when it is not an absolute http(s) URL.
std::string canonical(std::string_view url);

// The origin of an absolute URL: "scheme://host[:port]", scheme and host lower-cased, the port
// only when given and not the scheme's default; "" when `url` does not parse as an absolute URL
// with a host.
std::string origin(std::string_view url);

// The host of an absolute URL, lower-cased; "" when it has none.
std::string host(std::string_view url);

// `text` with the user-info of every URL in it replaced by "***" (https://user:pw@host/ ->
// https://***@host/), so that logs and API answers never show credentials.
std::string redact_credentials(std::string_view text);

}  // namespace rasd::url
