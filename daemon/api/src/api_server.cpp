#include "rasd/daemon/api_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>
#include <stdexcept>
#include <thread>

#include "rasd/daemon/api_handlers.hpp"

namespace rasd {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr size_t kMaxRequestBytes = 1 << 20;
constexpr auto kReadTimeout = std::chrono::seconds(30);

// Requests that may take seconds or write (POST, DELETE: rule tests, a backtest of up to
// 10 s, silences) run one at a
// time on their own thread with their own handler, so /healthz, /readyz and /metrics answer
// meanwhile; at most kMaxQueued wait, further ones are answered 429.
struct SlowLane {
  static constexpr int kMaxQueued = 4;
  ApiServer::Handler handler;
  std::function<bool(const ApiRequest&)> is_slow;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::atomic<int> queued{0};
  std::thread thread;
};

class Session;

// The open event streams, touched on the server's thread only.
struct Streams {
  std::vector<std::weak_ptr<Session>> open;
  size_t count() {
    std::erase_if(open, [](const std::weak_ptr<Session>& w) { return w.expired(); });
    return open.size();
  }
};

// One connection: read a request, answer it, repeat while keep-alive; closes on any error.
// A request answered with an EventStream keeps the connection for the stream until either
// side ends it.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const ApiServer::Handler& handler, SlowLane* slow,
          std::atomic<size_t>& sessions, Streams& streams)
      : stream_(std::move(socket)),
        handler_(handler),
        slow_(slow),
        sessions_(sessions),
        streams_(streams),
        timer_(stream_.get_executor()) {
    beast::error_code ec;
    const auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) peer_ = ep.address().to_string();
  }
  ~Session() { sessions_.fetch_sub(1); }

  void start() { read(); }
  // Something was committed: an event stream looks now instead of at its next heartbeat.
  void wake() {
    woken_ = true;
    timer_.cancel();
  }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(kMaxRequestBytes);
    stream_.expires_after(kReadTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream) return close();
    if (ec == http::error::body_limit || ec == http::error::header_limit)
      return answer_error(413, "request too large");
    if (ec) return;  // timeout or reset: the socket closes with this session
    const auto& req = parser_->get();
    ApiRequest r{std::string(req.method_string()),
                 std::string(req.target()),
                 std::string(req[http::field::authorization]),
                 req.body(),
                 std::string(req[http::field::cookie]),
                 peer_,
                 std::string(req[http::field::host]),
                 std::string(req[http::field::origin]),
                 std::string(req["sec-fetch-site"]),
                 std::string(req["last-event-id"]),
                 std::string(req[http::field::accept_language])};
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive(), head = req.method() == http::verb::head;
    const bool slow = slow_ && (slow_->is_slow ? slow_->is_slow(r)
                                               : req.method() != http::verb::get &&
                                                     req.method() != http::verb::head);
    if (slow) {
      if (slow_->queued.fetch_add(1) >= SlowLane::kMaxQueued) {
        slow_->queued.fetch_sub(1);
        return respond({429, "application/json",
                        "{\"error\":\"busy: other requests are running; try again\"}\n"},
                       version, keep_alive, head);
      }
      asio::post(slow_->io, [self = shared_from_this(), r = std::move(r), version, keep_alive,
                             head]() mutable {
        ApiResponse a = self->slow_->handler(r);
        self->slow_->queued.fetch_sub(1);
        auto ex = self->stream_.get_executor();
        asio::post(ex, [self = std::move(self), a = std::move(a), version, keep_alive, head] {
          self->respond(a, version, keep_alive, head);
        });
      });
      return;
    }
    respond(handler_(r), version, keep_alive, head);
  }

  void answer_error(int status, const std::string& message) {
    respond({status, "application/json", "{\"error\":\"" + message + "\"}\n"}, 11, false, false);
  }

  void respond(const ApiResponse& a, unsigned version, bool keep_alive, bool head) {
    if (a.stream && !head) return open_stream(a, version);
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(a.status), version);
    res->set(http::field::server, "rasd");
    res->set(http::field::content_type, a.content_type);
    res->set(http::field::cache_control, "no-store");
    res->keep_alive(keep_alive);
    if (a.status == 401 && a.content_type == "application/json")
      res->set(http::field::www_authenticate, "Bearer");
    for (const auto& [name, value] : a.headers) res->insert(name, value);
    res->body() = head ? std::string() : a.body;
    res->prepare_payload();
    if (head) res->content_length(a.body.size());
    stream_.expires_after(kReadTimeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
                        if (ec) return;
                        if (keep_alive)
                          self->read();
                        else
                          self->close();
                      });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  // The head without a length (the body runs until the connection closes), then the stream.
  void open_stream(const ApiResponse& a, unsigned version) {
    if (streams_.count() >= ApiServer::kMaxStreams)
      return respond({503, "application/json", "{\"error\":\"too many live views open\"}\n"},
                     version, false, false);
    streams_.open.push_back(weak_from_this());
    events_ = a.stream;
    auto res = std::make_shared<http::response<http::empty_body>>(
        static_cast<http::status>(a.status), version);
    res->set(http::field::server, "rasd");
    res->set(http::field::content_type, a.content_type);
    res->set(http::field::cache_control, "no-store");
    res->set("x-accel-buffering", "no");  // nginx: pass each event on as it comes
    res->keep_alive(false);
    for (const auto& [name, value] : a.headers) res->insert(name, value);
    auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*res);
    stream_.expires_after(kReadTimeout);
    http::async_write_header(stream_, *sr,
                             [self = shared_from_this(), res, sr](beast::error_code ec, size_t) {
                               if (!ec) self->pump(false);
                             });
  }

  // Writes what the stream has, then waits for a wake or the heartbeat.
  void pump(bool heartbeat) {
    std::optional<std::string> data;
    try {
      data = events_->next();
    } catch (const std::exception&) {
      data.reset();  // a store failure ends the stream; the browser reconnects
    }
    if (!data) return close();
    if (data->empty() && heartbeat) *data = ":\n\n";
    if (data->empty()) return wait();
    auto owned = std::make_shared<std::string>(std::move(*data));
    stream_.expires_after(kReadTimeout);
    asio::async_write(stream_, asio::buffer(*owned),
                      [self = shared_from_this(), owned](beast::error_code ec, size_t) {
                        if (!ec) self->pump(false);  // more, until the stream has no news
                      });
  }

  void wait() {
    stream_.expires_never();  // an idle stream is not a stalled write
    if (woken_) {             // a wake came while writing
      woken_ = false;
      return asio::post(stream_.get_executor(), [self = shared_from_this()] { self->pump(false); });
    }
    timer_.expires_after(std::chrono::seconds(ApiServer::kHeartbeatSeconds));
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      self->woken_ = false;
      self->pump(!ec);
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const ApiServer::Handler& handler_;
  SlowLane* slow_;
  std::atomic<size_t>& sessions_;
  Streams& streams_;
  std::string peer_;                     // the client's address
  std::shared_ptr<EventStream> events_;  // while this connection carries an event stream
  asio::steady_timer timer_;
  bool woken_ = false;
};

tcp::endpoint parse_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos)
    throw std::runtime_error("http.listen '" + listen + "': expected host:port");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("http.listen '" + listen + "': not an IP address");
  int port = -1;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
  }
  if (port < 0 || port > 65535) throw std::runtime_error("http.listen '" + listen + "': bad port");
  return {address, static_cast<uint16_t>(port)};
}
}  // namespace

struct ApiServer::Impl {
  Impl(const std::string& listen, Handler h, std::shared_ptr<spdlog::logger> l, Handler slow_h,
       std::function<bool(const ApiRequest&)> is_slow)
      : handler(std::move(h)), log(std::move(l)), acceptor(io) {
    if (slow_h) {
      slow = std::make_unique<SlowLane>();
      slow->handler = std::move(slow_h);
      slow->is_slow = std::move(is_slow);
    }
    const tcp::endpoint ep = parse_listen(listen);
    boost::system::error_code ec;
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("http.listen '" + listen + "': " + ec.message());
  }

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        if (sessions.fetch_add(1) >= kMaxSessions) {
          sessions.fetch_sub(1);
          ++refused;
          log->warn("http api: {} connections open; one refused", kMaxSessions);
        } else {
          std::make_shared<Session>(std::move(socket), handler, slow.get(), sessions, streams)
              ->start();
        }
      }
      accept();
    });
  }

  // Declared before io: sessions still queued in io reference them while io is destroyed.
  Handler handler;
  std::shared_ptr<spdlog::logger> log;
  std::atomic<size_t> sessions{0};
  uint64_t refused = 0;
  Streams streams;
  std::atomic<bool> wake_posted{false};
  std::unique_ptr<SlowLane> slow;  // reset in ~ApiServer before io goes
  asio::io_context io;
  tcp::acceptor acceptor;
  std::thread thread;
};

ApiServer::ApiServer(const std::string& listen, Handler handler,
                     std::shared_ptr<spdlog::logger> log, Handler slow,
                     std::function<bool(const ApiRequest&)> is_slow)
    : impl_(std::make_unique<Impl>(listen, std::move(handler), std::move(log), std::move(slow),
                                   std::move(is_slow))) {}

void ApiServer::notify() {
  if (impl_->wake_posted.exchange(true)) return;
  asio::post(impl_->io, [this] {
    impl_->wake_posted = false;
    for (const auto& w : impl_->streams.open) {
      if (auto s = w.lock()) s->wake();
    }
  });
}

ApiServer::~ApiServer() {
  if (impl_->slow) {
    // A running test finishes (a backtest stops within its 10 s); queued ones are dropped.
    impl_->slow->work.reset();
    impl_->slow->io.stop();
    if (impl_->slow->thread.joinable()) impl_->slow->thread.join();
  }
  asio::post(impl_->io, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
  });
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  // Requests still queued on the slow lane hold sessions whose sockets belong to `io`: they go
  // while `io` is alive.
  impl_->slow.reset();
}

uint16_t ApiServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void ApiServer::start() {
  impl_->accept();
  if (impl_->slow) {
    impl_->slow->thread = std::thread([this] {
      try {
        impl_->slow->io.run();
      } catch (const std::exception& e) {
        impl_->log->error("http api: rule test thread stopped: {}", e.what());
      }
    });
  }
  impl_->thread = std::thread([this] {
    try {
      impl_->io.run();
    } catch (const std::exception& e) {
      impl_->log->error("http api: stopped: {}", e.what());
    }
  });
}

}  // namespace rasd
