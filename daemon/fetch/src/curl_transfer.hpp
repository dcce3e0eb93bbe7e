// Internal to daemon/: the state and callbacks of one HTTP transfer on a curl easy handle:
// headers in, body capped while streaming (after decompression, so gzip bombs stop at the cap),
// the address policy checked on every connection curl opens (after DNS, redirects included),
// never a proxy (those named in the environment are ignored, so the connection curl opens is
// always to the target), and the outcome as an HttpResponse or an Error that says what went
// wrong.
//
// The policy is checked when a connection is opened, not when one is reused: the caller must
// never let a request without allow_private reuse a connection opened for one with it (both
// clients keep one connection cache per policy).
//
// A Transfer must stay at one address while curl runs it (curl holds pointers to it).
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

#include "rasd/daemon/http_client.hpp"

namespace rasd::detail {

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Transfer {
  // Resets the handle and sets every option for `request`, which must outlive the transfer.
  void configure(CURL* easy, const HttpRequest& request);
  // The outcome once curl has finished with code `rc`.
  Expected<HttpResponse> finish(CURL* easy, CURLcode rc);

  const HttpRequest* request = nullptr;
  HttpResponse response;
  int64_t max_body = 0;
  bool too_large = false;
  bool allow_private = false;
  std::string blocked_address;
  char errbuf[CURL_ERROR_SIZE] = {0};
  std::unique_ptr<curl_slist, SlistDeleter> headers;
};

}  // namespace rasd::detail
