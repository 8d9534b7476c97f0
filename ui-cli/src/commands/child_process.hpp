// A program `foundry` starts and owns (foundryd and the learner in `foundry demo`): started with
// fork/exec in a process group of its own, so a Ctrl-C at the terminal reaches only `foundry`,
// which then stops its children in order (SIGTERM, so foundryd shuts down cleanly) instead of
// every process dying at once. The destructor stops a child that is still running: an error or
// an exception never leaves a service behind.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace foundry::cli {

// Where the sibling programs (foundryd, foundry-driver-host) are: the folder of the running
// `foundry` executable.
std::string sibling_program(const std::string& name);

class ChildProcess {
 public:
  struct Options {
    std::vector<std::string> argv;  // argv[0] is the program's path
    std::string output_file;        // stdout and stderr appended here ("" = inherited)
    bool pipe_stdout = false;       // stdout to a pipe read through stdout_fd() (stderr still to output_file)
  };

  // Throws std::runtime_error naming the program when it cannot be started (not found, not
  // executable: the child reports exec's errno before we return).
  explicit ChildProcess(const Options& options);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The read end of the stdout pipe (non-blocking), or -1.
  int stdout_fd() const { return stdout_fd_; }
  // The exit status once it has ended (128 + signal when a signal ended it), without waiting.
  std::optional<int> poll_exit();
  // Waits until it ends; its exit status.
  int wait();
  // SIGTERM, then up to `grace_s` seconds to end, then SIGKILL. Its exit status.
  int terminate(double grace_s);

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::optional<int> status_;
};

}  // namespace foundry::cli
