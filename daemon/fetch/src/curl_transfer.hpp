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
// The body's buffer grows by doubling (from the Content-Length when one is given), never past
// the body cap; before it grows, `admit` (when set) is asked for the extra bytes, and a refusal
// pauses the transfer (CURL_WRITEFUNC_PAUSE: curl keeps the data and offers it again once the
// owner resumes the handle with curl_easy_pause).
//
// A Transfer must stay at one address while curl runs it (curl holds pointers to it).
#pragma once

#include <curl/curl.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

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

  // Makes room for `needed` bytes of body; false when `admit` refused (the transfer pauses).
  bool grow(int64_t needed);

  const HttpRequest* request = nullptr;
  HttpResponse response;
  int64_t max_body = 0;
  // Asked before the body's buffer grows by `bytes`: true to let it (the bytes are then
  // counted), false to pause. Unset: no budget (the blocking client).
  std::function<bool(int64_t bytes)> admit;
  int64_t charged = 0;  // bytes admitted so far: the capacity of the body's buffer
  int64_t wanted = 0;   // while paused: the growth that was refused
  bool paused = false;
  CURLcode resume_error = CURLE_OK;  // curl_easy_pause failed when resuming: the transfer's error
  bool too_large = false;
  bool allow_private = false;
  std::string blocked_address;
  char errbuf[CURL_ERROR_SIZE] = {0};
  std::unique_ptr<curl_slist, SlistDeleter> headers;
};

}  // namespace rasd::detail
