#include "parse_worker.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <cstdlib>

namespace rasd {

ParseWorker::ParseWorker(boost::asio::io_context& io, const std::string& store_path,
                         const text::Normalizer& normalizer, PoisonGuard& guard, size_t max_jobs,
                         std::shared_ptr<spdlog::logger> log)
    : io_(io),
      store_path_(store_path),
      normalizer_(normalizer),
      guard_(guard),
      max_jobs_(max_jobs),
      log_(std::move(log)),
      thread_([this] { run(); }) {}

ParseWorker::~ParseWorker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  ready_.notify_all();
  thread_.join();
}

bool ParseWorker::submit(Job job, Done done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || jobs_.size() >= max_jobs_) return false;
    jobs_.emplace_back(std::move(job), std::move(done));
  }
  ready_.notify_one();
  return true;
}

size_t ParseWorker::waiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  return jobs_.size();
}

void ParseWorker::run() {
  guard_.install_crash_handlers();  // this thread's crashes are the ones blamed on a source
  std::unique_ptr<Store> reader;
  try {
    reader = std::make_unique<Store>(store_path_, StoreOptions{true, std::nullopt});
  } catch (const std::exception& e) {
    log_->warn("parse worker: no read connection to the store ({}); every item is prepared",
               e.what());
  }
  for (;;) {
    std::pair<Job, Done> next;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ready_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      next = std::move(jobs_.front());
      jobs_.pop_front();
    }
    Job& job = next.first;
    const Expected<HttpResponse>& res = *job.response;
    PreparedAnswer prepared;
    guard_.enter(job.source.id);
#ifdef RASD_FAULT_HOOKS
    if (const char* crash_on = std::getenv("RASD_FAULT_CRASH_ON");
        crash_on && *crash_on && res && res->body.find(crash_on) != std::string::npos) {
      std::abort();  // test-only: a parser crash nobody has found yet
    }
#endif
    try {
      if (job.page_url) {
        prepared = prepare_page_answer(res, *job.page_url, normalizer_);
      } else {
        const std::string& id = job.source.id;
        prepared = prepare_source_answer(
            job.source, res, job.now,
            [&](const std::string& guid) {
              try {
                return reader && reader->has_article(id, guid);
              } catch (const std::exception&) {
                return false;  // the Monitor checks again
              }
            },
            normalizer_);
      }
    } catch (const std::exception& e) {
      // The loop handles the answer itself (and records the failure with the source).
      log_->error("source '{}': preparing the answer failed: {}", job.source.id, e.what());
      prepared = PreparedAnswer{};
      prepared.parsed.kind = AnswerKind::parse_error;
      prepared.parsed.error = std::string("preparing the answer failed: ") + e.what();
    }
    guard_.leave();
    boost::asio::post(io_, [done = std::move(next.second), p = std::move(prepared)]() mutable {
      done(std::move(p));
    });
  }
}

}  // namespace rasd
