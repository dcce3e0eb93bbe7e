#include "rasd/daemon/poison_guard.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rasd {

PoisonGuard::PoisonGuard(const std::string& path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    error_ = path + ": " + std::strerror(errno);
    return;
  }
  char buf[512];
  const ssize_t n = ::pread(fd_, buf, sizeof buf, 0);
  if (n > 0) {
    std::string id(buf, static_cast<size_t>(n));
    if (const auto nl = id.find('\n'); nl != std::string::npos) id.resize(nl);
    if (!id.empty()) left_over_ = id;
  }
  dirty_ = n > 0;
  leave();
}

PoisonGuard::~PoisonGuard() {
  if (fd_ >= 0) {
    leave();
    ::close(fd_);
  }
}

void PoisonGuard::enter(const std::string& source_id) {
  if (fd_ < 0) return;
  const std::string line = source_id + "\n";
  if (::pwrite(fd_, line.data(), line.size(), 0) == static_cast<ssize_t>(line.size()) &&
      ::ftruncate(fd_, static_cast<off_t>(line.size())) == 0) {
    dirty_ = true;
  }
}

void PoisonGuard::leave() {
  if (fd_ < 0 || !dirty_) return;
  if (::ftruncate(fd_, 0) == 0) dirty_ = false;
}

}  // namespace rasd
