// Concurrent HTTP fetching on one event loop (issue 6): libcurl's multi interface driven by
// Boost.Asio (CURLMOPT_SOCKETFUNCTION / CURLMOPT_TIMERFUNCTION map curl's sockets and timeout
// onto Asio descriptors and a timer), so thousands of sources share one thread and no request
// has a thread of its own.
//
// Politeness lives here, keyed by host: at most `per_host_concurrency` requests in flight to a
// host and `per_host_gap` between the starts of two of them; a 429 or 503 with Retry-After holds
// that host's queue until then. At most `max_concurrency` requests are in flight in all.
// Requests wait in a queue (bounded: submit() refuses beyond `max_queued`, counted in stats).
//
// Each request keeps every limit of HttpRequest (timeouts, low-speed abort, body cap after
// decompression, redirect limit, address policy on every connection).
//
// Connections are kept alive and reused, within one of two pools (a curl multi handle each):
// one for requests with allow_private, one for requests without. curl checks the address policy
// when it opens a connection, not when it reuses one; with a single pool, a connection opened to
// a private address for an allow_private source would serve a later request to the same host
// and port that may not reach it. Two pools rather than closing every allow_private connection
// after its request (CURLOPT_FORBID_REUSE): keep-alive stays for setups where every source is
// private (loopback benchmarks, an intranet), at the cost of a second multi handle and timer.
// The `max_concurrency` limit counts the requests of both pools.
//
// Body budget (`body_budget` bytes, 0: none): one bound for the bodies being downloaded (the
// capacity of their buffers) plus the bodies delivered to callbacks whose HttpResponse (or a
// copy of it) is still alive (HttpResponse::budget_hold). A transfer whose buffer would grow
// past the budget is paused (CURL_WRITEFUNC_PAUSE; the server waits on TCP flow control) and
// resumed, oldest first, when bytes are released. To guarantee progress the oldest transfer in
// flight is exempt as long as everything but its own bytes fits in the budget, so at any time
//     bytes counted <= body_budget + the largest max_body of a request
// (after a reload lowers the budget, once the excess is released). Progress needs the callers to
// release what they were given: while delivered answers hold the whole budget, every transfer
// waits. A paused transfer is not killed by the low-speed limit (libcurl >= 7.75 skips paused
// transfers in that check and restarts its clock on resume), but its total timeout still runs.
// Not counted: curl's own buffers (a read buffer per transfer, the data a paused transfer holds
// back) and, for the moment a buffer grows on the loop thread, its old copy.
//
// Thread safety: every method and every callback runs on the io_context's thread (a response's
// budget hold may be destroyed on any thread, also after the Fetcher). Callbacks are called
// exactly once per accepted request, also on stop() (with an error).
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "rasd/daemon/http_client.hpp"

namespace rasd {

struct FetcherLimits {
  size_t max_concurrency = 64;
  size_t per_host_concurrency = 2;
  int64_t per_host_gap_ms = 1000;
  size_t max_queued = 100000;
  int64_t body_budget = 0;  // bytes of bodies downloading and delivered-not-released; 0: none
};

struct FetcherStats {
  uint64_t started = 0, completed = 0, failed = 0, refused_queue_full = 0;
  size_t in_flight = 0, queued = 0;
  int64_t bytes_held = 0;  // counted in the body budget now
  int64_t peak_bytes = 0;  // the most bytes_held has been
  uint64_t pauses = 0;     // times a transfer was paused for the budget
  size_t paused = 0;       // transfers paused now
};

class Fetcher {
 public:
  using Callback = std::function<void(Expected<HttpResponse>)>;

  Fetcher(boost::asio::io_context& io, FetcherLimits limits);
  ~Fetcher();
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  // Queues a request; `done` runs on the io thread when it completes. False (and `done` is not
  // called) when the queue is full or the fetcher is stopping.
  bool submit(HttpRequest request, Callback done);

  // Stops starting queued requests (their callbacks get "shutting down"); requests in flight go
  // on until they finish or their own timeouts end them.
  void stop_accepting();
  // Aborts everything still in flight (callbacks get "aborted at shutdown").
  void abort_all();

  // A reload: later dispatches follow the new limits; requests in flight and queued stay. A new
  // body budget applies at once (a larger one resumes paused transfers).
  void set_limits(FetcherLimits limits);

  FetcherStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The host of a URL, lower-cased, with its port when the URL names one ("" when the URL does
// not parse): the politeness key.
std::string host_of(const std::string& url);

}  // namespace rasd
