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
// Thread safety: every method and every callback runs on the io_context's thread. Callbacks
// are called exactly once per accepted request, also on stop() (with an error).
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
};

struct FetcherStats {
  uint64_t started = 0, completed = 0, failed = 0, refused_queue_full = 0;
  size_t in_flight = 0, queued = 0;
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

  // A reload: later dispatches follow the new limits; requests in flight and queued stay.
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
