// Watches files and directories (the rule paths) with inotify on an Asio loop and calls back
// once a burst of changes has settled (editors write a file in several steps: a temporary
// file, a rename, a chmod). Used for `watch_rules: true` (issue 10).
//
// A path that cannot be watched (missing, no permission, inotify limits) is reported by
// errors() and skipped; the others are still watched. The callback runs on the loop's thread.
// Not thread-safe; destroy it on the loop's thread (it cancels its pending waits).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace rasd {

class FileWatch {
 public:
  FileWatch(boost::asio::io_context& io, const std::vector<std::string>& paths,
            std::chrono::milliseconds settle, std::function<void()> on_change);
  ~FileWatch();
  FileWatch(const FileWatch&) = delete;
  FileWatch& operator=(const FileWatch&) = delete;

  const std::vector<std::string>& errors() const { return errors_; }

 private:
  void wait();

  boost::asio::posix::stream_descriptor fd_;
  boost::asio::steady_timer settle_timer_;
  std::chrono::milliseconds settle_;
  std::function<void()> on_change_;
  std::vector<std::string> errors_;
  std::shared_ptr<bool> alive_;  // handlers check it: they may run after a cancel
};

}  // namespace rasd
