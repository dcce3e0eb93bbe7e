// HttpClient on libcurl's easy interface. Not thread-safe: one instance per thread. The
// process must call curl_global_init once before creating any (see CurlGlobal).
//
// Connections are kept alive between requests, in two caches: one for requests with
// allow_private and one for requests without. The address policy is checked when curl opens a
// connection, never when it reuses one, so a connection opened to a private address for an
// allow_private request must not serve a later request without it; a connection opened under
// the strict policy may only have reached a public address. Two caches (rather than closing
// every allow_private connection after its request) keep keep-alive for setups where every
// source is private, such as loopback benchmarks.
#pragma once

#include <memory>

#include "rasd/daemon/http_client.hpp"

namespace rasd {

// RAII for curl_global_init/cleanup; create one in main before any thread starts.
class CurlGlobal {
 public:
  CurlGlobal();
  ~CurlGlobal();
  CurlGlobal(const CurlGlobal&) = delete;
  CurlGlobal& operator=(const CurlGlobal&) = delete;
};

class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient();
  ~CurlHttpClient() override;
  Expected<HttpResponse> perform(const HttpRequest& request) override;

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
};

// True when a request without allow_private may not connect to this numeric address (as
// inet_ntop writes it): loopback, unspecified, private (RFC 1918, ULA), link-local, site-local,
// CGNAT, cloud metadata, multicast, broadcast, benchmarking, documentation, discard, IETF
// protocol assignments, reserved, and IPv6 outside 2000::/3. An IPv6 address that carries an
// IPv4 one (IPv4-mapped, IPv4-compatible, NAT64 64:ff9b::/96, 6to4 2002::/16) is judged by the
// IPv4 address, since that is where the packets end up. Anything that is not a numeric address
// is refused. The tables, with the RFC of each range, are in curl_http_client.cpp.
bool is_restricted_address(const std::string& numeric_address);

}  // namespace rasd
