// Internal to daemon/: one HTTP transfer on a curl easy handle, shared by the blocking client
// (curl_http_client.cpp) and the event-loop fetcher (fetcher.cpp).
#include "curl_transfer.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string_view>

#include "rasd/daemon/curl_http_client.hpp"
#include "rasd/parsers/date.hpp"
#include "rasd/parsers/url.hpp"

namespace rasd::detail {
namespace {

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  const auto needed = static_cast<int64_t>(t->response.body.size() + len);
  if (needed > t->max_body) {
    t->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  if (needed > static_cast<int64_t>(t->response.body.capacity()) && !t->grow(needed)) {
    return CURL_WRITEFUNC_PAUSE;  // curl offers the same data again after curl_easy_pause
  }
  t->response.body.append(data, len);
  return len;
}

// The smallest buffer a body gets: most feeds fit, and a larger one grows by doubling.
constexpr int64_t kFirstBuffer = 64 << 10;

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  std::string line(data, len);
  if (line.rfind("HTTP/", 0) == 0) {
    t->response.headers.clear();  // a new response (after a redirect or 100-continue)
    return len;
  }
  auto colon = line.find(':');
  if (colon == std::string::npos) return len;
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string value = line.substr(colon + 1);
  const auto b = value.find_first_not_of(" \t");
  const auto e = value.find_last_not_of(" \t\r\n");
  value = b == std::string::npos ? "" : value.substr(b, e - b + 1);
  t->response.headers[name] = value;
  return len;
}

// Runs for every connection curl opens, after DNS resolution, redirects included.
curl_socket_t on_open_socket(void* user, curlsocktype, curl_sockaddr* addr) {
  auto* t = static_cast<Transfer*>(user);
  char buf[INET6_ADDRSTRLEN] = {0};
  if (addr->family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&addr->addr)->sin_addr, buf, sizeof buf);
  } else if (addr->family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&addr->addr)->sin6_addr, buf, sizeof buf);
  } else {
    t->blocked_address = "non-IP address family";
    return CURL_SOCKET_BAD;
  }
  if (!t->allow_private && is_restricted_address(buf)) {
    t->blocked_address = buf;
    return CURL_SOCKET_BAD;
  }
  return socket(addr->family, addr->socktype, addr->protocol);
}

// The leaf certificate's "Start date" and "Expire date" from curl's certificate info (OpenSSL's
// ASN1_TIME_print: "Dec  4 18:27:29 2026 GMT"), when this transfer made a handshake.
void read_leaf_dates(CURL* c, HttpResponse& response) {
  curl_certinfo* info = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_CERTINFO, &info) != CURLE_OK || !info || info->num_of_certs < 1)
    return;
  constexpr std::string_view kStart = "Start date:", kExpire = "Expire date:";
  for (curl_slist* item = info->certinfo[0]; item; item = item->next) {
    const std::string_view line(item->data);
    if (line.substr(0, kStart.size()) == kStart)
      response.tls_valid_from = dates::parse_certificate_time(line.substr(kStart.size()));
    if (line.substr(0, kExpire.size()) == kExpire)
      response.tls_expires_at = dates::parse_certificate_time(line.substr(kExpire.size()));
  }
  if (!response.tls_expires_at) response.tls_valid_from.reset();
}

}  // namespace

bool Transfer::grow(int64_t needed) {
  std::string& body = response.body;
  const auto capacity = static_cast<int64_t>(body.capacity());
  int64_t next = std::max(kFirstBuffer, 2 * capacity);
  if (body.empty()) {  // the announced length (compressed, when encoded: a lower bound)
    const std::string cl = response.header("content-length");
    if (!cl.empty() && cl.size() < 19 &&
        std::all_of(cl.begin(), cl.end(), [](unsigned char c) { return std::isdigit(c); })) {
      next = std::max(next, static_cast<int64_t>(std::stoll(cl)));
    }
  }
  next = std::max(needed, std::min(next, max_body));
  if (admit && !admit(next - charged)) {
    wanted = next - charged;
    paused = true;
    return false;
  }
  paused = false;
  wanted = 0;
  // A fresh string reserves exactly `next` (reserve() on this one could round up to twice its
  // capacity, past the cap and the count).
  std::string bigger;
  bigger.reserve(static_cast<size_t>(next));
  bigger.append(body);
  body.swap(bigger);
  charged = next;
  return true;
}

void Transfer::configure(CURL* c, const HttpRequest& req) {
  curl_easy_reset(c);
  request = &req;
  response = {};
  max_body = req.max_body;
  charged = wanted = 0;
  paused = false;
  resume_error = CURLE_OK;
  allow_private = req.allow_private;
  too_large = false;
  blocked_address.clear();
  errbuf[0] = 0;
  headers.reset();
  for (const auto& [k, v] : req.headers) {
    headers.reset(curl_slist_append(headers.release(), (k + ": " + v).c_str()));
  }
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  // No proxy, whatever http_proxy, https_proxy or ALL_PROXY say: through a proxy the only
  // connection curl opens (and the only address on_open_socket checks) is the proxy's, and the
  // proxy would reach the target for us. "" turns proxies off; NOPROXY "*" again, for all hosts.
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, req.max_redirects > 0 ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, static_cast<long>(req.max_redirects));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout_ms));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.connect_timeout_ms));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(req.low_speed_bytes));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(req.low_speed_seconds));
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(req.max_body));
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // every encoding curl decodes
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  // A transfer that times out while its name is being resolved would otherwise wait, in the
  // caller's thread (the event loop), for the resolver thread's getaddrinfo() to return: a
  // resolver that drops queries held the loop for the rest of resolv.conf's timeout (test
  // "a name whose resolver never answers"). The resolver thread is let go instead; it ends on
  // its own when getaddrinfo() gives up.
  curl_easy_setopt(c, CURLOPT_QUICK_EXIT, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "rasd/0.1 (+https://github.com/rasd)");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, this);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  // The peer's certificate, for the coverage alert about its expiry. Collected at each handshake
  // only (a reused connection has none), and never for plain http.
  curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
  // A resumed TLS session shows no certificate, so every new connection makes a full handshake:
  // a renewed certificate is seen at the first poll after it is installed. (Sources are polled
  // minutes apart over new connections: resumption would save little.)
  curl_easy_setopt(c, CURLOPT_SSL_SESSIONID_CACHE, 0L);
  if (!req.ca_file.empty()) {
    // Instead of the system's CAs: the built-in bundle and the CA directory (/etc/ssl/certs in
    // Debian's libcurl) would otherwise still be trusted beside the file.
    curl_easy_setopt(c, CURLOPT_CAINFO, req.ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_CAPATH, static_cast<char*>(nullptr));
  }
  if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (req.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  } else if (req.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
}

Expected<HttpResponse> Transfer::finish(CURL* c, CURLcode rc) {
  const HttpRequest& req = *request;
  Transfer& t = *this;
  if (!t.blocked_address.empty()) {
    return Error{"address not allowed: " + t.blocked_address +
                 " (not a public address: loopback, private, link-local, metadata or reserved; set "
                 "allow_private to permit)"};
  }
  if (rc == CURLE_OK && t.resume_error != CURLE_OK) rc = t.resume_error;
  if (t.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
    return Error{"response body exceeds the limit of " + std::to_string(req.max_body) + " bytes"};
  }
  if (rc == CURLE_TOO_MANY_REDIRECTS) {
    return Error{"too many redirects (limit " + std::to_string(req.max_redirects) + ")"};
  }
  if (rc != CURLE_OK) {
    // curl's detail may quote the URL; credentials in it never reach a log or the store.
    return Error{url::redact_credentials(std::string(curl_easy_strerror(rc)) +
                                         (errbuf[0] ? std::string(": ") + errbuf : ""))};
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  t.response.status = status;
  char* eff = nullptr;
  curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff);
  if (eff) t.response.effective_url = eff;
  read_leaf_dates(c, t.response);
  return std::move(t.response);
}

}  // namespace rasd::detail
