#include "daemon_clock.hpp"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>

namespace rasd {
namespace {

#ifdef RASD_FAULT_HOOKS
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(std::string path) : path_(std::move(path)) {}
  int64_t now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    const auto steady = std::chrono::steady_clock::now();
    if (steady - read_at_ > std::chrono::milliseconds(100)) {
      read_at_ = steady;
      std::ifstream in(path_);
      int64_t v = 0;
      if (in >> v) offset_ = v;
    }
    return system_.now() + offset_;
  }

 private:
  std::string path_;
  SystemClock system_;
  mutable std::mutex mu_;
  mutable std::chrono::steady_clock::time_point read_at_{};
  mutable int64_t offset_ = 0;
};
#endif

}  // namespace

std::unique_ptr<Clock> make_daemon_clock() {
#ifdef RASD_FAULT_HOOKS
  if (const char* path = std::getenv("RASD_FAULT_CLOCK_FILE"); path && *path)
    return std::make_unique<OffsetClock>(path);
#endif
  return std::make_unique<SystemClock>();
}

}  // namespace rasd
