// The daemon's window on time and randomness, so tests can replace both (LevelDB's Env idea).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>

namespace rasd {

// Wall-clock time in Unix seconds. Implementations must be thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t now() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock tests move by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start) : now_(start) {}
  int64_t now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void advance(int64_t seconds) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += seconds;
  }
  void set(int64_t t) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ = t;
  }

 private:
  mutable std::mutex mu_;
  int64_t now_;
};

// Random identifiers ("msg_…"): `prefix` and `random_bytes` bytes from a cryptographic source
// (OpenSSL RAND_bytes) in hex.
std::string random_id(const std::string& prefix, size_t random_bytes = 16);

// Uniform jitter factor in [1 - fraction, 1 + fraction].
double jitter(double fraction);

}  // namespace rasd
