// Internal to daemon/fetch: the memory budget of one Fetcher for response bodies: the bytes of
// the bodies being downloaded (their buffers' capacity) plus those of the bodies delivered and
// not yet released (HttpResponse::budget_hold).
//
// The policy (who may take bytes past the limit, who is paused) is the Fetcher's; this class
// counts, decides one charge at a time, and wakes the Fetcher when bytes come back.
//
// Thread safety: every member may be called from any thread (a hold may be destroyed wherever
// its response goes); the wake-up always runs on the io_context given to attach(), and never
// after detach() (the Fetcher detaches in its destructor; holds may outlive it, and then only
// count down).
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

namespace rasd::detail {

class BodyBudget : public std::enable_shared_from_this<BodyBudget> {
 public:
  // `limit` in bytes; 0: no limit (bytes are still counted).
  explicit BodyBudget(int64_t limit) : limit_(limit) {}
  BodyBudget(const BodyBudget&) = delete;
  BodyBudget& operator=(const BodyBudget&) = delete;

  // True when `bytes` more may be taken by a transfer that already holds `own`: when the total
  // stays within the limit, or, for the one transfer the Fetcher exempts, when everything but its
  // own bytes is within the limit (so the total stays within limit + its body cap).
  bool fits(int64_t bytes, int64_t own, bool exempt) const;
  // fits(), and if so the bytes are counted.
  bool try_charge(int64_t bytes, int64_t own, bool exempt);
  // Gives back bytes charged before, and wakes the Fetcher.
  void release(int64_t bytes);
  // A token that releases `bytes` (already charged) when its last copy is destroyed.
  std::shared_ptr<void> hold(int64_t bytes);

  void set_limit(int64_t limit);
  // `wake` runs on `io` after bytes were released or notify() was called; requests made while
  // one is pending share it.
  void attach(boost::asio::io_context& io, std::function<void()> wake);
  void detach();
  void notify();

  struct Snapshot {
    int64_t limit = 0, used = 0, peak = 0;
  };
  Snapshot snapshot() const;

 private:
  bool fits_locked(int64_t bytes, int64_t own, bool exempt) const;
  void post_wake_locked();
  void run_wake();

  mutable std::mutex mutex_;
  int64_t limit_;
  int64_t used_ = 0, peak_ = 0;
  boost::asio::io_context* io_ = nullptr;
  std::function<void()> wake_;
  bool wake_posted_ = false;
};

}  // namespace rasd::detail
