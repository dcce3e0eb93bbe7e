#include "rasd/daemon/curl_http_client.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "curl_transfer.hpp"

namespace rasd {

CurlGlobal::CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
CurlGlobal::~CurlGlobal() { curl_global_cleanup(); }

// An easy handle keeps its connections (and reuses them) across curl_easy_perform calls and
// curl_easy_reset; one handle per policy keeps the two connection caches apart.
struct CurlHttpClient::Handle {
  std::unique_ptr<CURL, detail::EasyDeleter> strict{curl_easy_init()};      // allow_private off
  std::unique_ptr<CURL, detail::EasyDeleter> permissive{curl_easy_init()};  // allow_private on
};

CurlHttpClient::CurlHttpClient() : handle_(std::make_unique<Handle>()) {
  if (!handle_->strict || !handle_->permissive) throw std::runtime_error("curl_easy_init failed");
}
CurlHttpClient::~CurlHttpClient() = default;

Expected<HttpResponse> CurlHttpClient::perform(const HttpRequest& req) {
  CURL* c = (req.allow_private ? handle_->permissive : handle_->strict).get();
  detail::Transfer t;
  t.configure(c, req);
  return t.finish(c, curl_easy_perform(c));
}

namespace {

// An address prefix, as text: `net` as inet_pton reads it, `bits` its length.
struct Prefix {
  const char* net;
  int bits;
};

// IPv4 addresses a request without allow_private may not reach: the entries of IANA's IPv4
// Special-Purpose Address Registry (RFC 6890 and later) that are not globally reachable, and
// whole blocks that hold no news site or webhook receiver.
constexpr Prefix kRefusedV4[] = {
    {"0.0.0.0", 8},        // "this network"; 0.0.0.0 reaches the local host
    {"10.0.0.0", 8},       // private (RFC 1918)
    {"100.64.0.0", 10},    // shared address space, CGNAT (RFC 6598); Alibaba's metadata service
    {"127.0.0.0", 8},      // loopback
    {"169.254.0.0", 16},   // link-local; the cloud metadata service 169.254.169.254
    {"172.16.0.0", 12},    // private
    {"192.0.0.0", 24},     // IETF protocol assignments; Oracle's metadata service 192.0.0.192
    {"192.0.2.0", 24},     // documentation (TEST-NET-1)
    {"192.88.99.0", 24},   // 6to4 relay anycast (deprecated, RFC 7526)
    {"192.168.0.0", 16},   // private
    {"198.18.0.0", 15},    // benchmarking (RFC 2544)
    {"198.51.100.0", 24},  // documentation (TEST-NET-2)
    {"203.0.113.0", 24},   // documentation (TEST-NET-3)
    {"224.0.0.0", 4},      // multicast
    {"240.0.0.0", 4},      // reserved, and the broadcast address 255.255.255.255
};

// IPv6 forms that carry an IPv4 address, judged by that address (with kRefusedV4): where the
// IPv4 starts, in bytes.
struct Embedding {
  Prefix prefix;
  int v4_offset;
};
constexpr Embedding kEmbeddedV4[] = {
    {{"::ffff:0:0", 96}, 12},  // IPv4-mapped: what a dual-stack socket shows of an IPv4 peer
    {{"::", 96}, 12},          // IPv4-compatible (deprecated; a sit tunnel still routes it).
                               // Covers :: and ::1, which embed 0.0.0.0 and 0.0.0.1.
    {{"64:ff9b::", 96}, 12},   // NAT64 (RFC 6052): a translator connects to the IPv4 for us
    {{"2002::", 16}, 2},       // 6to4 (RFC 3056): the IPv4 of the site's relay router
};

// Only 2000::/3 is global unicast. Everything outside it is refused: fc00::/7 unique local (the
// AWS metadata service fd00:ec2::254), fe80::/10 link-local, fec0::/10 site-local (deprecated),
// ff00::/8 multicast, 100::/64 discard-only, 64:ff9b:1::/48 local-use NAT64 (RFC 8215),
// 5f00::/16 SRv6, ::ffff:0:0:0/96 SIIT, and unassigned space. Inside it, these are refused too:
constexpr Prefix kGlobalUnicast = {"2000::", 3};
constexpr Prefix kRefusedV6[] = {
    {"2001::", 23},      // IETF protocol assignments: Teredo, benchmarking 2001:2::/48, ORCHID, ...
    {"2001:db8::", 32},  // documentation
    {"3fff::", 20},      // documentation (RFC 9637)
};

// A prefix in binary.
struct Net {
  uint8_t bytes[16] = {0};
  int bits = 0;
};
// `family` is AF_INET or AF_INET6; a bad entry in a table is a bug, found by the first call.
Net parse(int family, const Prefix& p) {
  Net n;
  if (inet_pton(family, p.net, n.bytes) != 1)
    throw std::logic_error(std::string("bad prefix ") + p.net);
  n.bits = p.bits;
  return n;
}
bool in(const uint8_t* addr, const Net& n) {
  const int whole = n.bits / 8, rest = n.bits % 8;
  if (std::memcmp(addr, n.bytes, static_cast<size_t>(whole)) != 0) return false;
  const auto mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return rest == 0 || (addr[whole] & mask) == (n.bytes[whole] & mask);
}

// The tables in binary, parsed once.
struct Tables {
  std::vector<Net> v4, v6;
  std::vector<std::pair<Net, int>> embedded;
  Net global_unicast;
  Tables() : global_unicast(parse(AF_INET6, kGlobalUnicast)) {
    for (const auto& p : kRefusedV4) v4.push_back(parse(AF_INET, p));
    for (const auto& p : kRefusedV6) v6.push_back(parse(AF_INET6, p));
    for (const auto& e : kEmbeddedV4) embedded.emplace_back(parse(AF_INET6, e.prefix), e.v4_offset);
  }
};
const Tables& tables() {
  static const Tables t;
  return t;
}

bool refused_v4(const uint8_t* a) {
  const auto& v4 = tables().v4;
  return std::any_of(v4.begin(), v4.end(), [&](const Net& n) { return in(a, n); });
}

bool refused_v6(const uint8_t* a) {
  const Tables& t = tables();
  for (const auto& [net, offset] : t.embedded) {
    if (in(a, net)) return refused_v4(a + offset);
  }
  if (!in(a, t.global_unicast)) return true;
  return std::any_of(t.v6.begin(), t.v6.end(), [&](const Net& n) { return in(a, n); });
}

}  // namespace

bool is_restricted_address(const std::string& a) {
  uint8_t bytes[16];
  if (inet_pton(AF_INET, a.c_str(), bytes) == 1) return refused_v4(bytes);
  if (inet_pton(AF_INET6, a.c_str(), bytes) == 1) return refused_v6(bytes);
  return true;  // not a numeric address: refuse
}

}  // namespace rasd
