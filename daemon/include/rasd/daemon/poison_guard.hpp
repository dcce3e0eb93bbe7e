// The poison-source guard: before a source's body reaches the parsers, its id is written to a
// small file beside the store; after the answer's transaction, the file is emptied. A process
// that dies in between (a parser crash nobody has found yet, SIGSEGV, abort) leaves the id
// behind, and the next start blames that source. After kQuarantineAfter unclean exits blamed
// on the same source without a clean parse between them, the Service quarantines it.
//
// Only process crashes are guarded: the file is written without fsync (the page cache keeps it
// across a process death; an OS crash is not a parser's fault). Errors opening or writing the
// file are reported by ok()/error() and make the guard do nothing (the daemon runs on).
//
// Thread safety: one thread.
#pragma once

#include <optional>
#include <string>

namespace rasd {

class PoisonGuard {
 public:
  static constexpr int kQuarantineAfter = 3;

  explicit PoisonGuard(const std::string& path);
  ~PoisonGuard();
  PoisonGuard(const PoisonGuard&) = delete;
  PoisonGuard& operator=(const PoisonGuard&) = delete;

  // The source id an unclean exit left in the file when this guard opened it.
  const std::optional<std::string>& left_over() const { return left_over_; }
  void enter(const std::string& source_id);
  void leave();
  bool ok() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }

 private:
  int fd_ = -1;
  bool dirty_ = false;
  std::optional<std::string> left_over_;
  std::string error_;
};

}  // namespace rasd
