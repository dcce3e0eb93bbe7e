// HTTP for sources and webhooks. Every request has a total timeout, a connect timeout, a
// low-speed limit, a body cap enforced while streaming (after decompression), a redirect limit,
// and an address policy applied after DNS resolution on every connection, redirects included.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rasd/parsers/expected.hpp"

namespace rasd {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int64_t timeout_ms = 30000;
  int64_t connect_timeout_ms = 10000;
  int64_t max_body = 16 << 20;
  int max_redirects = 5;
  bool allow_private = false;  // loopback, private, link-local and metadata addresses
  // Abort when fewer than low_speed_bytes arrive in low_speed_seconds (slowloris).
  int64_t low_speed_bytes = 64;
  int64_t low_speed_seconds = 15;
  // PEM file of the certificates an https peer's chain must lead to, instead of the system's
  // (an internal CA); "" for the system's.
  std::string ca_file;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; last value wins
  std::string body;
  std::string effective_url;
  // When this transfer made a TLS handshake: the peer's (leaf) certificate expiry, Unix seconds.
  // Unset over plain http and when the transfer reused a connection (no handshake, so no
  // certificate to read): the last value seen stays the one to go by.
  std::optional<int64_t> tls_expires_at;
  std::optional<int64_t> tls_valid_from;  // its start, when tls_expires_at is set
  // Set by a Fetcher (fetcher.hpp): while it lives, the body's bytes count in that Fetcher's
  // body budget. Copies share the one hold and moves carry it, so the bytes are counted once and
  // returned when the last response holding them is destroyed (from any thread). Keep the body
  // in its response while using it: bytes moved out are no longer what the budget counts.
  std::shared_ptr<void> budget_hold;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// Errors are transport failures (timeout, refused, too large, blocked address); any HTTP status
// is a response. Implementations are thread-compatible: one instance per thread.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual Expected<HttpResponse> perform(const HttpRequest& request) = 0;
};

}  // namespace rasd
