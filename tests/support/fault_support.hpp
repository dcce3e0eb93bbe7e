// Test support for fault-injection tests: servers that misbehave on purpose, a fake systemd
// notification socket, and small helpers over the store file. Header-only; each test binary
// that includes it gets its own copies.
#pragma once

#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "pg_server.hpp"
#include "rasd/daemon/curl_http_client.hpp"
#include "test_util.hpp"

namespace rasd::test {

using SteadyClock = std::chrono::steady_clock;

// The first column of the first row of `sql` on the store file (read-write: tests also move
// stored schedules).
// A postgresql:// location is read through libpq (pg_server.hpp) with the same SQL.
inline std::string scalar(const std::string& db_path, const std::string& sql) {
  if (db_path.rfind("postgresql://", 0) == 0) return pg_scalar(db_path, sql);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// The same, for a store the daemon may still be creating: "" while it cannot be read.
inline std::string scalar_or_empty(const std::string& db_path, const std::string& sql) {
  if (db_path.rfind("postgresql://", 0) == 0) {
    try {
      return pg_scalar(db_path, sql);
    } catch (const std::exception&) {
      return {};
    }
  }
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return out;
}

// Polls a running daemon's GET /readyz on `port` until it answers `want`, at most `tries` times
// 100 ms apart (reading the daemon's stderr meanwhile, so its pipe never fills); returns the
// last status (0 when nothing answered).
inline long wait_for_readyz(Process& rasd, int port, long want, int tries) {
  long status = 0;
  for (int i = 0; i < tries; ++i) {
    HttpRequest q;
    q.url = "http://127.0.0.1:" + std::to_string(port) + "/readyz";
    q.allow_private = true;
    q.timeout_ms = 5000;
    CurlHttpClient http;
    auto res = http.perform(q);
    status = res ? res->status : 0L;
    if (status == want) break;
    rasd.wait_for("\x01never\x01", 100);
  }
  return status;
}

// A TCP port that completes connections (the kernel's backlog) and never answers a byte.
class SilentListener {
 public:
  SilentListener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(listen(fd_, 128) == 0);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~SilentListener() { close(fd_); }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  unsigned short port() const { return port_; }

 private:
  int fd_ = -1;
  unsigned short port_ = 0;
};

// The fake systemd: a datagram socket recording every notification with its time.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    timeval tv{0, 50000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    thread_ = std::thread([this] {
      char buf[4096];
      while (!done_) {
        const ssize_t n = recv(fd_, buf, sizeof buf, 0);
        if (n > 0) {
          std::lock_guard l(mu_);
          got_.emplace_back(SteadyClock::now(), std::string(buf, static_cast<size_t>(n)));
        }
      }
    });
  }
  ~NotifySocket() {
    done_ = true;
    thread_.join();
    close(fd_);
  }
  std::string env() const { return "NOTIFY_SOCKET=" + path_; }
  // Whether any notification so far contained `needle` (READY=1, STATUS=…).
  bool saw(const std::string& needle) {
    std::lock_guard l(mu_);
    for (const auto& m : got_) {
      if (m.second.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  // The longest pause between two WATCHDOG=1 in [from, to], and how many there were.
  std::pair<double, size_t> watchdog(SteadyClock::time_point from, SteadyClock::time_point to) {
    std::lock_guard l(mu_);
    std::optional<SteadyClock::time_point> prev = from;
    double gap = 0;
    size_t n = 0;
    for (const auto& [t, msg] : got_) {
      if (msg.find("WATCHDOG=1") == std::string::npos || t < from || t > to) continue;
      gap = std::max(gap, std::chrono::duration<double>(t - *prev).count());
      prev = t;
      ++n;
    }
    gap = std::max(gap, std::chrono::duration<double>(to - *prev).count());
    return {gap, n};
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::atomic<bool> done_{false};
  std::mutex mu_;
  std::vector<std::pair<SteadyClock::time_point, std::string>> got_;
  std::thread thread_;
};

// Words drawn from `seed`, so that texts are different stories (not one cluster).
inline std::string distinct_words(const std::string& seed, int n = 30) {
  static const char* const kWords[] = {"مدينة",  "قرية",  "طريق", "جسر",  "سوق",    "مدرسة",
                                       "مستشفى", "معبر",  "حاجز", "مخيم", "الشمال", "الجنوب",
                                       "الشرق",  "الغرب", "صباح", "مساء", "سيارة",  "دراجة",
                                       "منزل",   "مبنى",  "مقر",  "نقطة", "دورية",  "قافلة"};
  uint64_t x = std::hash<std::string>{}(seed) | 1;
  std::string out;
  for (int i = 0; i < n; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    out += std::string(" ") + kWords[x % std::size(kWords)];
  }
  return out;
}

// gzip of `data` (a bomb: megabytes of one byte become kilobytes on the wire).
inline std::string gzip(const std::string& data) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// A raw TCP server whose every connection runs `serve(fd, stop)` on its own thread: the test
// decides byte by byte what a hostile peer sends (drips, resets, endless bodies). `stop` turns
// true when the server is destroyed; serve() must then return soon.
class RawServer {
 public:
  using Serve = std::function<void(int fd, const std::atomic<bool>& stop)>;
  explicit RawServer(Serve serve) : serve_(std::move(serve)) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    const int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(listen(fd_, 64) == 0);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    accept_ = std::thread([this] {
      for (;;) {
        const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0 || stop_) {
          if (c >= 0) close(c);
          return;
        }
        std::lock_guard l(mu_);
        conns_.emplace_back([this, c] {
          serve_(c, stop_);
          close(c);
        });
      }
    });
  }
  ~RawServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);  // wakes accept()
    close(fd_);
    accept_.join();
    std::lock_guard l(mu_);
    for (auto& t : conns_) t.join();
  }
  std::string url(const std::string& path, const std::string& scheme = "http") const {
    return scheme + "://127.0.0.1:" + std::to_string(port_) + path;
  }
  unsigned short port() const { return port_; }

  // Reads the request head (up to the blank line) so that the peer's send completes.
  static void read_head(int fd) {
    std::string got;
    char buf[2048];
    while (got.find("\r\n\r\n") == std::string::npos && got.size() < 65536) {
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      got.append(buf, static_cast<size_t>(n));
    }
  }
  static bool send_all(int fd, const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      const ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  // Sleeps up to `ms`, returning early when the server stops.
  static void nap(const std::atomic<bool>& stop, int ms) {
    for (int i = 0; i < ms / 10 && !stop; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

 private:
  Serve serve_;
  int fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread accept_;
  std::mutex mu_;
  std::vector<std::thread> conns_;
};

}  // namespace rasd::test
