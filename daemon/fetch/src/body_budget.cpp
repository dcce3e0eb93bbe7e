#include "body_budget.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

namespace rasd::detail {

bool BodyBudget::fits_locked(int64_t bytes, int64_t own, bool exempt) const {
  if (limit_ <= 0 || used_ + bytes <= limit_) return true;
  return exempt && used_ - own <= limit_;
}

bool BodyBudget::fits(int64_t bytes, int64_t own, bool exempt) const {
  std::lock_guard lock(mutex_);
  return fits_locked(bytes, own, exempt);
}

bool BodyBudget::try_charge(int64_t bytes, int64_t own, bool exempt) {
  std::lock_guard lock(mutex_);
  if (!fits_locked(bytes, own, exempt)) return false;
  used_ += bytes;
  peak_ = std::max(peak_, used_);
  return true;
}

void BodyBudget::release(int64_t bytes) {
  if (bytes <= 0) return;
  std::lock_guard lock(mutex_);
  used_ -= bytes;
  post_wake_locked();
}

std::shared_ptr<void> BodyBudget::hold(int64_t bytes) {
  struct Hold {
    std::shared_ptr<BodyBudget> budget;
    int64_t bytes;
    Hold(std::shared_ptr<BodyBudget> b, int64_t n) : budget(std::move(b)), bytes(n) {}
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;
    ~Hold() { budget->release(bytes); }
  };
  return std::make_shared<Hold>(shared_from_this(), bytes);
}

void BodyBudget::set_limit(int64_t limit) {
  std::lock_guard lock(mutex_);
  limit_ = limit;
  post_wake_locked();
}

void BodyBudget::attach(boost::asio::io_context& io, std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  io_ = &io;
  wake_ = std::move(wake);
}

void BodyBudget::detach() {
  std::lock_guard lock(mutex_);
  io_ = nullptr;
  wake_ = nullptr;
}

void BodyBudget::notify() {
  std::lock_guard lock(mutex_);
  post_wake_locked();
}

void BodyBudget::post_wake_locked() {
  if (!io_ || !wake_ || wake_posted_) return;
  wake_posted_ = true;
  // The handler keeps this object alive; it finds wake_ empty when the Fetcher went meanwhile.
  boost::asio::post(*io_, [self = shared_from_this()] { self->run_wake(); });
}

// On the io thread, where the Fetcher lives and dies: a wake_ seen here stays valid while it runs.
void BodyBudget::run_wake() {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    wake_posted_ = false;
    wake = wake_;
  }
  if (wake) wake();
}

BodyBudget::Snapshot BodyBudget::snapshot() const {
  std::lock_guard lock(mutex_);
  return {limit_, used_, peak_};
}

}  // namespace rasd::detail
