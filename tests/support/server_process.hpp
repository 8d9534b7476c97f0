// A server program started by an end-to-end test (foundryd): its output in a log file, ready once
// it has written its ready file, stopped with SIGTERM. The foundryd fixtures of tests/service and
// tests/cli differ in how they configure the service, not in how they run the process.
// A file size limit (RLIMIT_FSIZE, set in the child before exec) fills its "disk"; the test lifts
// it again from outside with prlimit(2), as an operator freeing space would.
// Header-only: it reports start-up failures through GoogleTest, which the support library does
// not link.
#pragma once

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace foundry::testing {

class ServerProcess {
 public:
  ServerProcess() = default;
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ~ServerProcess() { stop(); }

  // Runs `argv` (argv[0] a path) with stdout and stderr in `log`, and waits up to 30 s for
  // `ready_file` to appear. A process that exits first, or is not ready in time, is a test
  // failure carrying the log; returns whether it is ready.
  // No file the process writes may grow past `bytes` (soft limit; the hard limit stays). Call
  // before start().
  void limit_file_size(std::uint64_t bytes) { file_size_limit_ = bytes; }
  // Lifts the soft file size limit of the running process to its hard limit; false if it fails.
  bool lift_file_size_limit() {
    rlimit current{};
    if (pid_ <= 0 || ::prlimit(pid_, RLIMIT_FSIZE, nullptr, &current) != 0) return false;
    rlimit lifted{current.rlim_max, current.rlim_max};
    return ::prlimit(pid_, RLIMIT_FSIZE, &lifted, nullptr) == 0;
  }

  bool start(std::vector<std::string> argv, const std::filesystem::path& ready_file, std::filesystem::path log) {
    log_ = std::move(log);
    pid_ = ::fork();
    if (pid_ == 0) {
      auto log_file = log_.string();
      if (!std::freopen(log_file.c_str(), "w", stdout) || !std::freopen(log_file.c_str(), "a", stderr)) ::_exit(126);
      if (file_size_limit_) {
        rlimit limit{};
        ::getrlimit(RLIMIT_FSIZE, &limit);
        limit.rlim_cur = static_cast<rlim_t>(*file_size_limit_);
        if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(125);
      }
      std::vector<char*> pointers;
      for (auto& a : argv) pointers.push_back(a.data());
      pointers.push_back(nullptr);
      ::execv(pointers[0], pointers.data());
      ::_exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!std::filesystem::exists(ready_file)) {
      if (::waitpid(pid_, &status_, WNOHANG) == pid_) {
        pid_ = -1;
        ADD_FAILURE() << argv[0] << " exited at start:\n" << log_text();
        return false;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << argv[0] << " not ready after 30 s:\n" << log_text();
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }

  // SIGTERM, wait; returns the wait status (or the one already collected).
  int stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, &status_, 0);
      pid_ = -1;
    }
    return status_;
  }
  bool alive() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }
  pid_t pid() const { return pid_; }

  const std::filesystem::path& log() const { return log_; }
  std::string log_text() const {
    std::ifstream in(log_);
    return {std::istreambuf_iterator<char>(in), {}};
  }

 private:
  std::filesystem::path log_;
  std::optional<std::uint64_t> file_size_limit_;
  pid_t pid_ = -1;
  int status_ = 0;
};

}  // namespace foundry::testing
