// The daemon's StoreQueue: one thread that owns the write connection to the store (and the
// Monitor, whose story index and matcher go with it) and runs jobs in submission order.
//
// While a job is outstanding the loop's io_context has work, so `io.run()` (as `rasd run
// --once` uses it) returns only after every job's `done` ran.
//
// Destruction: the job running finishes; jobs not started are dropped (what they would have
// written is fetched or sent again: nothing is committed half); the thread is joined. Destroy
// it before the objects its jobs use and before the loop's io_context.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <thread>

#include "rasd/daemon/store_queue.hpp"

namespace rasd {

class StoreThread final : public StoreQueue {
 public:
  explicit StoreThread(boost::asio::io_context& loop);
  ~StoreThread() override;
  StoreThread(const StoreThread&) = delete;
  StoreThread& operator=(const StoreThread&) = delete;

  void submit(std::function<void()> work, std::function<void()> done) override;
  // Runs on the store's thread before each job's work (set it before the first submit).
  void before_each(std::function<void()> fn) { before_each_ = std::move(fn); }
  // Runs on the loop after each job's `done` (the shutdown's "is everything finished?").
  void after_each(std::function<void()> fn) { after_each_ = std::move(fn); }
  // How long the job running now has been running (0 when none is): a store that hangs is
  // seen by the loop, which stops being ready and, past a bound, stops the watchdog's pings.
  double running_seconds() const;
  size_t outstanding() const override { return outstanding_; }

 private:
  boost::asio::io_context& loop_;
  boost::asio::io_context own_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> keep_;
  size_t outstanding_ = 0;  // the loop's thread only
  std::function<void()> before_each_;
  std::function<void()> after_each_;
  std::atomic<int64_t> running_since_ns_{0};  // steady clock ticks; 0 when idle
  std::thread thread_;
};

}  // namespace rasd
