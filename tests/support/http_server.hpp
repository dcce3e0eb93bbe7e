// A real HTTP/1.1 server on 127.0.0.1 for tests and the demo (Boost.Beast, one thread per
// connection). Routes are answered by a handler; every request is recorded.
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

class HttpServer {
 public:
  using Handler = std::function<Response(const Request&)>;
  explicit HttpServer(Handler handler, unsigned short port = 0);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  unsigned short port() const { return port_; }
  std::string url(const std::string& path) const;
  std::vector<Request> requests() const;
  size_t request_count(const std::string& target_prefix = "") const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  unsigned short port_ = 0;
};

}  // namespace rasd::test
