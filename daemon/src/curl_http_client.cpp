#include "rasd/daemon/curl_http_client.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>

#include <cstring>

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

bool is_restricted_address(const std::string& a) {
  in_addr v4{};
  if (inet_pton(AF_INET, a.c_str(), &v4) == 1) {
    const uint32_t ip = ntohl(v4.s_addr);
    auto in = [&](uint32_t net, int bits) {
      const uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
      return (ip & mask) == (net & mask);
    };
    return in(0x00000000, 8) || in(0x0A000000, 8) || in(0x7F000000, 8) || in(0xA9FE0000, 16) ||
           in(0xAC100000, 12) || in(0xC0A80000, 16) || in(0x64400000, 10) || in(0xE0000000, 4) ||
           in(0xF0000000, 4) || in(0xC0000000, 24);
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, a.c_str(), &v6) == 1) {
    const uint8_t* b = v6.s6_addr;
    static const uint8_t kZero[16] = {0};
    if (std::memcmp(b, kZero, 15) == 0 && (b[15] == 0 || b[15] == 1)) return true;  // :: and ::1
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
      char buf[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, b + 12, buf, sizeof buf);
      return is_restricted_address(buf);
    }
    if ((b[0] & 0xFE) == 0xFC) return true;                  // fc00::/7 unique local
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return true;  // fe80::/10 link-local
    if (b[0] == 0xFF) return true;                           // multicast
    if (b[0] == 0xFD && b[1] == 0x00 && b[2] == 0x0E && b[3] == 0xC2) return true;  // AWS metadata
    return false;
  }
  return true;  // not a numeric address: refuse
}

}  // namespace rasd
