// Helpers for tests: temporary directories, files, running the rasd binary.
#pragma once

#include <string>
#include <vector>

namespace rasd::test {

// A fresh directory under $TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

std::string read_file(const std::string& path);

struct ProcessResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs a program with arguments (no shell), optional stdin, and captures its output.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& stdin_data = "");

}  // namespace rasd::test

namespace rasd::test {

// A child process whose stderr is read as it runs (for daemons under test).
class Process {
 public:
  // `env` entries ("NAME=value") are added to the child's environment.
  explicit Process(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});
  ~Process();  // SIGKILLs and reaps the child if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Reads stderr until it contains `needle` after position `from`; false after timeout_ms.
  bool wait_for(const std::string& needle, int timeout_ms, size_t from = 0);
  const std::string& err() const { return err_; }
  void signal(int sig);
  int wait();  // exit status

 private:
  int pid_ = -1;
  int err_fd_ = -1;
  std::string err_;
  bool reaped_ = false;
};

// The port a running `rasd run` bound for its HTTP API (it logs it; tests configure port 0), or
// -1 before it has.
int api_port(const Process& rasd);

}  // namespace rasd::test
