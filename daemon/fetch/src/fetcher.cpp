#include "rasd/daemon/fetcher.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <unordered_map>
#include <vector>

#include "body_budget.hpp"
#include "curl_transfer.hpp"
#include "rasd/daemon/schedule.hpp"

// Paused transfers are left out of the low-speed check only since 7.75.0 (curl PR #6359).
static_assert(LIBCURL_VERSION_NUM >= 0x074b00, "the body budget needs libcurl >= 7.75.0");

namespace rasd {

namespace asio = boost::asio;
using Steady = std::chrono::steady_clock;

std::string host_of(const std::string& url) {
  auto u = boost::urls::parse_uri(url);
  if (!u) return {};
  std::string h = u->host();
  for (auto& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (u->has_port()) h += ":" + std::string(u->port());
  return h;
}

struct Fetcher::Impl {
  // A multi handle is a connection cache: curl reuses a connection for any transfer of the same
  // multi handle, and the address policy only runs when a connection is opened. So there is one
  // pool per policy (`strict` without allow_private, `permissive` with it), and a transfer, its
  // easy handle and its connections stay in the pool of its request's policy.
  struct Pool {
    Pool(Impl& o, asio::io_context& io) : owner(o), timer(io) {}
    Impl& owner;
    CURLM* multi = nullptr;
    asio::steady_timer timer;  // curl's timeout for this multi handle
    std::vector<std::unique_ptr<CURL, detail::EasyDeleter>> idle;
  };
  // A socket curl asked us to watch. Shared with pending waits, which may outlive its entry.
  struct Socket {
    explicit Socket(asio::io_context& io) : sd(io) {}
    asio::posix::stream_descriptor sd;
    Pool* pool = nullptr;  // the multi handle that watches it (set on every on_socket)
    int action = 0;        // CURL_POLL_IN / OUT / INOUT
    bool read_pending = false, write_pending = false, closed = false;
  };
  struct Job {
    std::string host;
    HttpRequest request;
    Callback done;
  };
  struct Active {
    uint64_t seq = 0;  // start order: the smallest in flight is the oldest
    Pool* pool = nullptr;
    std::unique_ptr<CURL, detail::EasyDeleter> easy;
    detail::Transfer transfer;
    Job job;
  };
  struct Host {
    std::deque<Job> queue;
    size_t in_flight = 0;
    Steady::time_point next_start{}, blocked_until{};
  };

  Impl(asio::io_context& io_, FetcherLimits l)
      : io(io_),
        limits(l),
        strict(*this, io_),
        permissive(*this, io_),
        dispatch_timer(io_),
        budget(std::make_shared<detail::BodyBudget>(l.body_budget)) {
    budget->attach(io, [this] { resume_paused(); });
    for (Pool* p : {&strict, &permissive}) {
      p->multi = curl_multi_init();
      if (!p->multi) {
        if (strict.multi) curl_multi_cleanup(strict.multi);
        throw std::runtime_error("curl_multi_init failed");
      }
      curl_multi_setopt(p->multi, CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
      curl_multi_setopt(p->multi, CURLMOPT_SOCKETDATA, p);
      curl_multi_setopt(p->multi, CURLMOPT_TIMERFUNCTION, &Impl::on_timer);
      curl_multi_setopt(p->multi, CURLMOPT_TIMERDATA, p);
      curl_multi_setopt(p->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                        static_cast<long>(limits.max_concurrency));
    }
  }

  ~Impl() {
    budget->detach();  // holds of delivered answers may outlive this; they only count down
    for (auto& [easy, a] : active) {
      curl_multi_remove_handle(a->pool->multi, easy);
      budget->release(a->transfer.charged);
    }
    active.clear();
    by_age.clear();
    // Each closes the sockets it still holds through on_close.
    for (Pool* p : {&strict, &permissive}) curl_multi_cleanup(p->multi);
    for (auto& [s, sock] : sockets) sock->closed = true;  // their pending waits must not call in
  }

  Pool& pool_for(const HttpRequest& r) { return r.allow_private ? permissive : strict; }

  // curl: watch socket s for `what`.
  static int on_socket(CURL*, curl_socket_t s, int what, void* pool_ptr, void*) {
    auto* pool = static_cast<Pool*>(pool_ptr);
    Impl* self = &pool->owner;
    if (what == CURL_POLL_REMOVE) {
      if (auto it = self->sockets.find(s); it != self->sockets.end()) {
        it->second->action = 0;
        boost::system::error_code ec;
        it->second->sd.cancel(ec);
      }
      return 0;
    }
    auto& sock = self->sockets[s];
    if (!sock) {
      sock = std::make_shared<Socket>(self->io);
      boost::system::error_code ec;
      sock->sd.assign(s, ec);
      if (ec) return -1;
    }
    sock->pool = pool;
    sock->action = what;
    self->arm(s, sock);
    return 0;
  }

  // curl closes a socket it opened: Asio must let go of it first.
  static int on_close(void* self_ptr, curl_socket_t s) {
    auto* self = static_cast<Impl*>(self_ptr);
    if (auto it = self->sockets.find(s); it != self->sockets.end()) {
      it->second->closed = true;
      boost::system::error_code ec;
      it->second->sd.cancel(ec);
      it->second->sd.release();
      self->sockets.erase(it);
    }
    return ::close(s);
  }

  static int on_timer(CURLM*, long timeout_ms, void* pool_ptr) {
    auto* pool = static_cast<Pool*>(pool_ptr);
    pool->timer.cancel();
    if (timeout_ms < 0) return 0;
    pool->timer.expires_after(std::chrono::milliseconds(timeout_ms));
    pool->timer.async_wait([pool](const boost::system::error_code& ec) {
      if (ec) return;
      int running = 0;
      curl_multi_socket_action(pool->multi, CURL_SOCKET_TIMEOUT, 0, &running);
      pool->owner.collect_done(*pool);
    });
    return 0;
  }

  // A wait cancelled by CURL_POLL_REMOVE may still be pending when curl asks for the socket again
  // (a paused transfer resumed at once): arm() skips it then, and its handler arms it instead.
  void arm(curl_socket_t s, const std::shared_ptr<Socket>& sock) {
    if ((sock->action & CURL_POLL_IN) && !sock->read_pending) {
      sock->read_pending = true;
      sock->sd.async_wait(asio::posix::stream_descriptor::wait_read,
                          [this, s, sock](const boost::system::error_code& ec) {
                            sock->read_pending = false;
                            if (sock->closed) return;
                            if (!ec) on_ready(s, CURL_CSELECT_IN, sock);
                            if (ec == asio::error::operation_aborted) arm(s, sock);
                          });
    }
    if ((sock->action & CURL_POLL_OUT) && !sock->write_pending) {
      sock->write_pending = true;
      sock->sd.async_wait(asio::posix::stream_descriptor::wait_write,
                          [this, s, sock](const boost::system::error_code& ec) {
                            sock->write_pending = false;
                            if (sock->closed) return;
                            if (!ec) on_ready(s, CURL_CSELECT_OUT, sock);
                            if (ec == asio::error::operation_aborted) arm(s, sock);
                          });
    }
  }

  void on_ready(curl_socket_t s, int flag, const std::shared_ptr<Socket>& sock) {
    Pool& pool = *sock->pool;
    int running = 0;
    curl_multi_socket_action(pool.multi, s, flag, &running);
    collect_done(pool);
    if (!sock->closed) arm(s, sock);
  }

  void collect_done(Pool& pool) {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(pool.multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      const CURLcode rc = msg->data.result;
      curl_multi_remove_handle(pool.multi, easy);
      auto it = active.find(easy);
      if (it == active.end()) continue;
      std::unique_ptr<Active> a = std::move(it->second);
      active.erase(it);
      by_age.erase(a->seq);
      Expected<HttpResponse> result = a->transfer.finish(easy, rc);
      settle_body(a->transfer.charged, result);
      Host& h = hosts[a->job.host];
      --h.in_flight;
      if (result && (result->status == 429 || result->status == 503)) {
        const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
        if (auto delay = parse_retry_after(result->header("retry-after"), now_s)) {
          h.blocked_until = std::max(h.blocked_until, Steady::now() + std::chrono::seconds(*delay));
        }
      }
      result ? ++stats.completed : ++stats.failed;
      pool.idle.push_back(std::move(a->easy));
      Callback done = std::move(a->job.done);
      a.reset();
      done(std::move(result));
    }
    if (any_paused()) budget->notify();  // the oldest in flight may be another one now
    dispatch();
  }

  // The body of a finished transfer: a failure's bytes go back; a response's stay counted by its
  // hold, after its buffer shrinks to the body when a quarter or more of it is unused.
  void settle_body(int64_t charged, Expected<HttpResponse>& result) {
    if (!result) return budget->release(charged);
    std::string& body = result->body;
    if (charged > 0 && static_cast<int64_t>(body.size()) <= charged - charged / 4) {
      body.shrink_to_fit();
      static const size_t inline_capacity = std::string().capacity();  // no heap below this
      const int64_t kept = body.capacity() > inline_capacity
                               ? std::min(charged, static_cast<int64_t>(body.capacity()))
                               : 0;
      budget->release(charged - kept);
      charged = kept;
    }
    if (charged > 0) result->budget_hold = budget->hold(charged);
  }

  // Whether transfer `a` may take `bytes` more of the budget. The oldest in flight is exempt while
  // everything else fits (BodyBudget::fits): it always moves on once the others' bytes and the
  // delivered answers are within the budget, so the budget never deadlocks the fetcher.
  bool admit(Active& a, int64_t bytes) {
    const bool oldest = !by_age.empty() && by_age.begin()->second == &a;
    if (budget->try_charge(bytes, a.transfer.charged, oldest)) return true;
    if (!a.transfer.paused) ++stats.pauses;
    return false;
  }

  bool any_paused() const {
    for (const auto& [seq, a] : by_age) {
      if (a->transfer.paused) return true;
    }
    return false;
  }

  // Posted by the budget after bytes came back (or a notify()): resumes, oldest first, every
  // paused transfer whose refused growth fits now. curl_easy_pause offers the held-back data to
  // the write callback at once (which may pause it again) and schedules the handle through the
  // timer callback (a 0 ms timeout), so the transfer goes on from the loop as usual. Never called
  // from inside a curl callback.
  void resume_paused() {
    std::vector<Active*> order;
    for (const auto& [seq, a] : by_age) {
      if (a->transfer.paused) order.push_back(a);
    }
    for (Active* a : order) {
      if (!by_age.count(a->seq)) continue;
      const bool oldest = by_age.begin()->second == a;
      if (!budget->fits(a->transfer.wanted, a->transfer.charged, oldest)) continue;
      a->transfer.paused = false;
      const CURLcode rc = curl_easy_pause(a->easy.get(), CURLPAUSE_CONT);
      if (rc != CURLE_OK && a->transfer.resume_error == CURLE_OK) a->transfer.resume_error = rc;
    }
  }

  void start(Job job) {
    auto a = std::make_unique<Active>();
    Pool& pool = pool_for(job.request);
    a->pool = &pool;
    if (!pool.idle.empty()) {
      a->easy = std::move(pool.idle.back());
      pool.idle.pop_back();
    } else {
      a->easy.reset(curl_easy_init());
    }
    a->job = std::move(job);
    a->seq = next_seq++;
    CURL* easy = a->easy.get();
    a->transfer.configure(easy, a->job.request);
    a->transfer.admit = [this, ap = a.get()](int64_t bytes) { return admit(*ap, bytes); };
    by_age.emplace(a->seq, a.get());
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &Impl::on_close);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, this);
    ++stats.started;
    active.emplace(easy, std::move(a));
    curl_multi_add_handle(pool.multi, easy);  // curl's timer callback schedules the first action
  }

  // Starts what the global and per-host limits allow, and wakes up again when a host's gap or
  // Retry-After ends.
  void dispatch() {
    dispatch_posted = false;
    if (!accepting) return;
    const auto now = Steady::now();
    Steady::time_point wake = Steady::time_point::max();
    for (size_t i = 0; i < busy_hosts.size() && active.size() < limits.max_concurrency;) {
      Host& h = hosts[busy_hosts[i]];
      while (!h.queue.empty() && active.size() < limits.max_concurrency &&
             h.in_flight < limits.per_host_concurrency && now >= h.next_start &&
             now >= h.blocked_until) {
        Job job = std::move(h.queue.front());
        h.queue.pop_front();
        --queued;
        ++h.in_flight;
        h.next_start = now + std::chrono::milliseconds(limits.per_host_gap_ms);
        start(std::move(job));
      }
      if (h.queue.empty()) {
        busy_hosts[i] = std::move(busy_hosts.back());
        busy_hosts.pop_back();
        continue;
      }
      if (h.in_flight < limits.per_host_concurrency)
        wake = std::min(wake, std::max(h.next_start, h.blocked_until));
      ++i;
    }
    if (wake != Steady::time_point::max() && wake > now &&
        (!dispatch_armed || wake < dispatch_at)) {
      dispatch_armed = true;
      dispatch_at = wake;
      dispatch_timer.expires_at(wake);
      dispatch_timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        dispatch_armed = false;
        dispatch();
      });
    }
  }

  asio::io_context& io;
  FetcherLimits limits;
  Pool strict, permissive;
  asio::steady_timer dispatch_timer;
  bool dispatch_armed = false;
  Steady::time_point dispatch_at{};
  std::unordered_map<curl_socket_t, std::shared_ptr<Socket>> sockets;
  std::unordered_map<CURL*, std::unique_ptr<Active>> active;
  std::map<uint64_t, Active*> by_age;  // the same transfers, by Active::seq
  uint64_t next_seq = 0;
  std::unordered_map<std::string, Host> hosts;
  std::vector<std::string> busy_hosts;  // hosts with a non-empty queue
  bool accepting = true;
  bool dispatch_posted = false;  // a dispatch() is already queued on the loop
  size_t queued = 0;             // jobs in the hosts' queues
  FetcherStats stats;
  std::shared_ptr<detail::BodyBudget> budget;  // shared with the holds of delivered answers
};

Fetcher::Fetcher(boost::asio::io_context& io, FetcherLimits limits)
    : impl_(std::make_unique<Impl>(io, limits)) {}
Fetcher::~Fetcher() = default;

bool Fetcher::submit(HttpRequest request, Callback done) {
  Impl& m = *impl_;
  if (!m.accepting || m.queued >= m.limits.max_queued) {
    ++m.stats.refused_queue_full;
    return false;
  }
  std::string host = host_of(request.url);
  Impl::Host& h = m.hosts[host];
  if (h.queue.empty()) m.busy_hosts.push_back(host);
  h.queue.push_back({std::move(host), std::move(request), std::move(done)});
  ++m.queued;
  // Started from the loop, so that a callback that submits again does not recurse; one
  // dispatch serves every submit made before it runs.
  if (!m.dispatch_posted) {
    m.dispatch_posted = true;
    asio::post(m.io, [&m] { m.dispatch(); });
  }
  return true;
}

void Fetcher::stop_accepting() {
  Impl& m = *impl_;
  m.accepting = false;
  m.dispatch_timer.cancel();
  std::vector<Impl::Job> dropped;
  for (const auto& name : m.busy_hosts) {
    auto& q = m.hosts[name].queue;
    for (auto& j : q) dropped.push_back(std::move(j));
    q.clear();
  }
  m.busy_hosts.clear();
  m.queued = 0;
  for (auto& j : dropped) j.done(Error{"shutting down: request not started"});
}

void Fetcher::abort_all() {
  Impl& m = *impl_;
  stop_accepting();
  std::vector<std::unique_ptr<Impl::Active>> aborted;
  for (auto& [easy, a] : m.active) {
    curl_multi_remove_handle(a->pool->multi, easy);
    m.budget->release(a->transfer.charged);
    aborted.push_back(std::move(a));
  }
  m.active.clear();
  m.by_age.clear();
  for (auto& a : aborted) {
    --m.hosts[a->job.host].in_flight;
    a->job.done(Error{"aborted at shutdown"});
  }
}

void Fetcher::set_limits(FetcherLimits limits) {
  Impl& m = *impl_;
  m.limits = limits;
  m.budget->set_limit(limits.body_budget);
  for (auto* p : {&m.strict, &m.permissive}) {
    curl_multi_setopt(p->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                      static_cast<long>(limits.max_concurrency));
  }
  if (!m.dispatch_posted) {
    m.dispatch_posted = true;
    boost::asio::post(m.io, [&m] { m.dispatch(); });
  }
}

FetcherStats Fetcher::stats() const {
  FetcherStats s = impl_->stats;
  s.in_flight = impl_->active.size();
  s.queued = impl_->queued;
  const auto b = impl_->budget->snapshot();
  s.bytes_held = b.used;
  s.peak_bytes = b.peak;
  for (const auto& [seq, a] : impl_->by_age) s.paused += a->transfer.paused ? 1 : 0;
  return s;
}

}  // namespace rasd
