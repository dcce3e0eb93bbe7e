// The poison-source guard: before a source's body reaches the parsers, its id is written to a
// small file beside the store; once the answer is handled, the file is emptied. A crash in
// between (a parser fault nobody has found yet: SIGSEGV, SIGBUS, SIGILL, SIGFPE, or SIGABRT
// from abort(), a sanitizer or systemd's watchdog) runs a signal handler that appends a
// "crashed" mark before the process dies, and the next start blames that source. After
// kQuarantineAfter crashes blamed on the same source without a clean parse between them, the
// Service quarantines it. A SIGKILL (an operator, the OOM killer, a test) leaves the id
// without the mark: reported, not blamed, since nothing says the source caused it.
//
// Only a crash of the thread that called install_crash_handlers() (the parse worker) is
// marked, or a SIGABRT sent by another process (systemd's watchdog) while a parse has run for
// more than 20 s: a crash on another thread says nothing about the source being parsed. The
// handlers run on an alternate signal stack, so a stack overflow in a parser is marked too.
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

  // The source id an unclean exit left in the file when this guard opened it, and whether that
  // exit was a crash (the handler's mark) rather than a kill.
  const std::optional<std::string>& left_over() const { return left_over_; }
  bool left_over_crashed() const { return left_over_crashed_; }
  // Empties the file once the caller has stored its blame (until then a failure to store it
  // keeps the mark for the next start).
  void clear_left_over();
  // Installs the crash handlers that mark the file (once per process; the guard must outlive
  // them, so the destructor restores the default actions).
  void install_crash_handlers();
  // enter() and leave() run on the thread that parses (the one that installed the handlers).
  void enter(const std::string& source_id);
  void leave();
  // From any thread: how long the current parse has run (0 when none), and a crash mark for
  // it written now (a parse that never ends is a crash too: the caller then aborts).
  double busy_seconds() const;
  void mark_crashed() const;
  bool ok() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }

 private:
  int fd_ = -1;
  bool dirty_ = false;
  std::optional<std::string> left_over_;
  bool left_over_crashed_ = false;
  bool handlers_installed_ = false;
  std::string error_;
};

}  // namespace rasd
