#include "rasd/daemon/poison_guard.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

namespace rasd {
namespace {

// Signal handlers cannot take arguments: the guard's file and the length of what it holds are
// the one piece of process-wide state here, written by the loop thread, read by the handler.
std::atomic<int> g_fd{-1};
std::atomic<long> g_len{0};  // bytes of "id\n" in the file; 0 when no parse is in progress
std::atomic<long> g_tid{0};  // the thread that handles answers
constexpr char kCrashMark[] = "crashed\n";
std::atomic<int64_t> g_started_ns{0};  // CLOCK_MONOTONIC when the current parse began; 0 idle
// A SIGABRT from outside (systemd's watchdog) is blamed on the parse only when the parse has
// run this long: the loop may stall for reasons of its own.
constexpr int64_t kOutsideAbortBlameNs = int64_t{20} * 1000000000;

int64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);  // async-signal-safe
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

void write_mark() {
  const int fd = g_fd.load();
  const long len = g_len.load();
  if (fd >= 0 && len > 0) {
    [[maybe_unused]] ssize_t n = ::pwrite(fd, kCrashMark, sizeof kCrashMark - 1, len);
  }
}
constexpr int kCrashSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};

void on_crash(int sig, siginfo_t* info, void*) {
  const bool on_parser = ::syscall(SYS_gettid) == g_tid.load();
  const int64_t started = g_started_ns.load();
  const bool from_outside = sig == SIGABRT && info && info->si_code == SI_USER &&
                            info->si_pid != ::getpid() && started != 0 &&
                            monotonic_ns() - started > kOutsideAbortBlameNs;
  if (on_parser || from_outside) write_mark();  // async-signal-safe: one pwrite
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

PoisonGuard::PoisonGuard(const std::string& path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    error_ = path + ": " + std::strerror(errno);
    return;
  }
  char buf[512];
  const ssize_t n = ::pread(fd_, buf, sizeof buf, 0);
  if (n > 0) {
    const std::string text(buf, static_cast<size_t>(n));
    const auto nl = text.find('\n');
    const std::string id = text.substr(0, nl);
    if (!id.empty()) left_over_ = id;
    left_over_crashed_ =
        nl != std::string::npos && text.compare(nl + 1, std::string::npos, kCrashMark) == 0;
  }
  dirty_ = n > 0;
}

void PoisonGuard::clear_left_over() { leave(); }

PoisonGuard::~PoisonGuard() {
  if (handlers_installed_) {
    for (int sig : kCrashSignals) ::signal(sig, SIG_DFL);
    g_fd = -1;
  }
  if (fd_ >= 0) {
    leave();
    ::close(fd_);
  }
}

void PoisonGuard::install_crash_handlers() {
  if (fd_ < 0 || handlers_installed_) return;
  g_fd = fd_;
  g_tid = ::syscall(SYS_gettid);
  // A stack overflow leaves no stack for the handler: give this thread one, unless it has one
  // already (a sanitizer's, which it unmaps itself at thread exit). Leaked on purpose: it
  // serves until the process ends.
  stack_t current{};
  if (::sigaltstack(nullptr, &current) == 0 && (current.ss_flags & SS_DISABLE)) {
    static std::vector<char>* alt = new std::vector<char>(1 << 16);
    stack_t ss{};
    ss.ss_sp = alt->data();
    ss.ss_size = alt->size();
    ::sigaltstack(&ss, nullptr);
  }
  struct sigaction sa {};
  sa.sa_sigaction = on_crash;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND | SA_NODEFER | SA_SIGINFO | SA_ONSTACK;
  for (int sig : kCrashSignals) ::sigaction(sig, &sa, nullptr);
  handlers_installed_ = true;
}

void PoisonGuard::enter(const std::string& source_id) {
  g_started_ns = monotonic_ns();
  if (fd_ < 0) return;
  const std::string line = source_id + "\n";
  g_len = 0;  // a crash while the file is rewritten marks nothing
  if (::pwrite(fd_, line.data(), line.size(), 0) == static_cast<ssize_t>(line.size()) &&
      ::ftruncate(fd_, static_cast<off_t>(line.size())) == 0) {
    dirty_ = true;
    g_len = static_cast<long>(line.size());
  }
}

double PoisonGuard::busy_seconds() const {
  const int64_t started = g_started_ns.load();
  return started == 0 ? 0.0 : static_cast<double>(monotonic_ns() - started) / 1e9;
}

void PoisonGuard::mark_crashed() const { write_mark(); }

void PoisonGuard::leave() {
  g_started_ns = 0;
  if (fd_ < 0 || !dirty_) return;
  g_len = 0;
  if (::ftruncate(fd_, 0) == 0) dirty_ = false;
}

}  // namespace rasd
