#include "store_thread.hpp"

#include <boost/asio/post.hpp>
#include <chrono>
#include <exception>
#include <memory>

namespace rasd {

StoreThread::StoreThread(boost::asio::io_context& loop)
    : loop_(loop), keep_(own_.get_executor()), thread_([this] { own_.run(); }) {}

StoreThread::~StoreThread() {
  own_.stop();  // after the job running; the rest are dropped with own_
  thread_.join();
}

double StoreThread::running_seconds() const {
  const int64_t since = running_since_ns_;
  if (since == 0) return 0;
  const int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  return std::chrono::duration<double>(std::chrono::steady_clock::duration(now - since)).count();
}

void StoreThread::submit(std::function<void()> work, std::function<void()> done) {
  ++outstanding_;
  auto busy =
      std::make_shared<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
          loop_.get_executor());
  boost::asio::post(own_, [this, work = std::move(work), done = std::move(done), busy]() mutable {
    std::exception_ptr failed;
    running_since_ns_ = std::chrono::steady_clock::now().time_since_epoch().count();
    try {
      if (before_each_) before_each_();
      work();
    } catch (...) {
      failed = std::current_exception();
    }
    running_since_ns_ = 0;
    boost::asio::post(loop_, [this, done = std::move(done), busy, failed] {
      --outstanding_;
      if (failed) std::rethrow_exception(failed);
      done();
      if (after_each_) after_each_();
    });
  });
}

}  // namespace rasd
