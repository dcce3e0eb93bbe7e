#include "rasd/daemon/file_watch.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rasd {

FileWatch::FileWatch(boost::asio::io_context& io, const std::vector<std::string>& paths,
                     std::chrono::milliseconds settle, std::function<void()> on_change)
    : fd_(io),
      settle_timer_(io),
      settle_(settle),
      on_change_(std::move(on_change)),
      alive_(std::make_shared<bool>(true)) {
  const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    errors_.push_back(std::string("inotify: ") + std::strerror(errno));
    return;
  }
  fd_.assign(fd);
  constexpr uint32_t kEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
                               IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB;
  for (const auto& p : paths) {
    if (inotify_add_watch(fd, p.c_str(), kEvents) < 0)
      errors_.push_back(p + ": " + std::strerror(errno));
  }
  wait();
}

FileWatch::~FileWatch() {
  *alive_ = false;
  boost::system::error_code ignored;
  settle_timer_.cancel();
  fd_.cancel(ignored);
}

void FileWatch::wait() {
  if (!fd_.is_open()) return;
  fd_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                 [this, alive = alive_](const boost::system::error_code& ec) {
                   if (ec || !*alive) return;
                   alignas(inotify_event) char buf[8192];
                   while (::read(fd_.native_handle(), buf, sizeof buf) > 0) {
                   }  // the events themselves do not matter: any change reloads everything
                   settle_timer_.expires_after(settle_);
                   settle_timer_.async_wait([this, alive](const boost::system::error_code& e) {
                     if (!e && *alive) on_change_();
                   });
                   wait();
                 });
}

}  // namespace rasd
