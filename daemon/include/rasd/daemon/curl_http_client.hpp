// HttpClient on libcurl's easy interface. Not thread-safe: one instance per thread. The
// process must call curl_global_init once before creating any (see CurlGlobal).
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

// True when a numeric address is loopback, private (RFC 1918, ULA), link-local, CGNAT,
// unspecified, multicast or a cloud metadata address.
bool is_restricted_address(const std::string& numeric_address);

}  // namespace rasd
