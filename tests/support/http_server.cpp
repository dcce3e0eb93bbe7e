#include "http_server.hpp"

#include <sys/socket.h>

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <chrono>
#include <set>

namespace rasd::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpServer::Impl {
  Handler handler;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread accept_thread;
  std::atomic<bool> stopping{false};
  mutable std::mutex mu;
  std::vector<Request> requests;
  std::vector<std::thread> connections;
  Connection mode = Connection::close;
  size_t accepted = 0;
  // Native handles of the connections being served, so the destructor can wake a thread that
  // waits for the next request on an idle keep-alive connection. A serve thread removes its own
  // (under mu) before closing it, so a handle here is never a closed or reused descriptor.
  std::set<int> open;

  void serve(tcp::socket socket) {
    try {
      beast::flat_buffer buffer;
      while (!stopping) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(64 << 20);
        http::read(socket, buffer, parser);
        auto& req = parser.get();
        Request r;
        r.method = std::string(req.method_string());
        r.target = std::string(req.target());
        for (const auto& f : req) {
          std::string name(f.name_string());
          for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          r.headers[name] = std::string(f.value());
        }
        r.body = req.body();
        {
          std::lock_guard<std::mutex> lock(mu);
          requests.push_back(r);
        }
        Response out = handler(r);
        if (out.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(out.delay_ms));
        http::response<http::string_body> res{static_cast<http::status>(out.status), req.version()};
        for (const auto& [k, v] : out.headers) res.set(k, v);
        res.body() = out.body;
        res.prepare_payload();
        const bool again = mode == Connection::keep_alive && req.keep_alive();
        res.keep_alive(again);
        http::write(socket, res);
        if (!again) break;
      }
    } catch (const std::exception&) {
      // client went away, sent garbage or the server is stopping: end this connection only
    }
    beast::error_code ec;
    {
      std::lock_guard<std::mutex> lock(mu);
      open.erase(socket.native_handle());
    }
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }
};

HttpServer::HttpServer(Handler handler, unsigned short port, Connection mode)
    : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  impl_->mode = mode;
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->accept_thread = std::thread([this] {
    while (!impl_->stopping) {
      beast::error_code ec;
      tcp::socket s(impl_->io);
      impl_->acceptor.accept(s, ec);
      if (ec || impl_->stopping) break;
      std::lock_guard<std::mutex> lock(impl_->mu);
      ++impl_->accepted;
      impl_->open.insert(s.native_handle());
      impl_->connections.emplace_back(
          [this, sock = std::move(s)]() mutable { impl_->serve(std::move(sock)); });
    }
  });
}

HttpServer::~HttpServer() {
  impl_->stopping = true;
  beast::error_code ec;
  // Wake the blocking accept() with a connection to ourselves, then close.
  try {
    tcp::socket wake(impl_->io);
    wake.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
  } catch (...) {
  }
  impl_->acceptor.close(ec);
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
  std::vector<std::thread> conns;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    conns.swap(impl_->connections);
    // Wakes the threads blocked reading the next request of an idle keep-alive connection.
    for (int fd : impl_->open) ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& t : conns) {
    if (t.joinable()) t.join();
  }
}

std::string HttpServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<Request> HttpServer::requests() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->requests;
}

size_t HttpServer::connection_count() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->accepted;
}

size_t HttpServer::request_count(const std::string& prefix) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  size_t n = 0;
  for (const auto& r : impl_->requests) n += r.target.rfind(prefix, 0) == 0;
  return n;
}

}  // namespace rasd::test
