// A real HTTP/1.1 server on 127.0.0.1 for tests and the demo (Boost.Beast, one thread per
// connection). Routes are answered by a handler; every request and every accepted connection is
// recorded.
//
// By default each connection serves one request and closes (Connection: close). With
// Connection::keep_alive it serves requests until the client closes it or asks for close, so a
// test can see whether a client reuses a connection; the destructor shuts idle ones down.
//
// Thread safety: handler runs on connection threads; recorded requests are guarded by a mutex.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace rasd::test {

struct Request {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int delay_ms = 0;  // before answering (to provoke client timeouts)
};

enum class Connection { close, keep_alive };

class HttpServer {
 public:
  using Handler = std::function<Response(const Request&)>;
  explicit HttpServer(Handler handler, unsigned short port = 0,
                      Connection mode = Connection::close);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  unsigned short port() const { return port_; }
  std::string url(const std::string& path) const;
  std::vector<Request> requests() const;
  size_t request_count(const std::string& target_prefix = "") const;
  size_t connection_count() const;  // connections accepted so far

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  unsigned short port_ = 0;
};

}  // namespace rasd::test
