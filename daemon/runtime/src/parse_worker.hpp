// Internal to the runtime: the thread that does the heavy, pure part of every answer off the
// event loop (prepare.hpp: feed and page parsing, HTML to text, language detection, article
// extraction), so that a 16 MiB body or a page nested 2,000,000 deep never silences the
// watchdog. Results are posted back to the loop's io_context.
//
// It reads which items are known through its own read-only connection to the store (WAL lets
// it read while the loop writes); what it cannot see yet (an uncommitted batch) it prepares
// anyway, and the Monitor checks again.
//
// The poison-source guard lives here: the source being prepared is recorded before its body
// reaches a parser, and only a crash of this thread (or a SIGABRT from outside, systemd's
// watchdog) is blamed on it.
//
// Bounded: at most `max_jobs` answers wait (submit() refuses beyond). Thread safety: submit()
// from the loop thread; `done` runs on the loop. The destructor stops the thread; jobs not yet
// prepared are dropped and their `done` is never called (their fetches are simply repeated).
#pragma once

#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "rasd/daemon/config.hpp"
#include "rasd/daemon/poison_guard.hpp"
#include "rasd/daemon/prepare.hpp"
#include "rasd/daemon/store.hpp"

namespace spdlog {
class logger;
}

namespace rasd {

class ParseWorker {
 public:
  struct Job {
    SourceConfig source;                  // a copy: the snapshot may change while the job waits
    std::optional<std::string> page_url;  // set for a follow-up page
    std::shared_ptr<const Expected<HttpResponse>> response;
    int64_t now = 0;  // the loop's clock when the answer arrived (articles' fetch time)
  };
  using Done = std::function<void(PreparedAnswer)>;

  ParseWorker(boost::asio::io_context& io, const std::string& store_path,
              const text::Normalizer& normalizer, PoisonGuard& guard, size_t max_jobs,
              std::shared_ptr<spdlog::logger> log);
  ~ParseWorker();
  ParseWorker(const ParseWorker&) = delete;
  ParseWorker& operator=(const ParseWorker&) = delete;

  bool submit(Job job, Done done);
  size_t waiting() const;

 private:
  void run();

  boost::asio::io_context& io_;
  std::string store_path_;
  const text::Normalizer& normalizer_;
  PoisonGuard& guard_;
  const size_t max_jobs_;
  std::shared_ptr<spdlog::logger> log_;
  mutable std::mutex mu_;  // guards jobs_ and stopping_
  std::condition_variable ready_;
  std::deque<std::pair<Job, Done>> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace rasd
