// Where the daemon's store work runs: off the event loop, one job at a time, in the order
// submitted. The loop never calls the store itself: a commit with synchronous=FULL on a slow
// disk, a lock held by another process or a bounded retention pass then delays only the
// store's own queue, never a fetch, a timer or the watchdog.
//
// submit(work, done): `work` runs on the store's thread (it may use the Store and the Monitor,
// which belong to that thread); `done` runs afterwards on the loop's thread, where the caller's
// own state lives. Results travel in state both lambdas share (a shared_ptr). `work` catches
// the store errors it expects; an exception that escapes it is a broken invariant and is
// rethrown on the loop.
//
// Thread safety: submit() and outstanding() are called on the loop's thread only.
#pragma once

#include <cstddef>
#include <functional>

namespace rasd {

class StoreQueue {
 public:
  virtual ~StoreQueue() = default;
  virtual void submit(std::function<void()> work, std::function<void()> done) = 0;
  // Jobs submitted whose `done` has not run yet.
  virtual size_t outstanding() const = 0;
};

}  // namespace rasd
