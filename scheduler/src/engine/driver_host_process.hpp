// A spawned foundry-driver-host process, and the private directory its ipc:// socket lives in.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace foundry::engine {

class DriverHostProcess {
 public:
  // Starts argv[0] with `argv`, stdin on /dev/null, stdout/stderr shared with us, and NO other
  // file descriptor: the engine's database and sockets stay in the engine even where they lack
  // O_CLOEXEC. Signal mask and dispositions are reset. Throws std::system_error.
  static DriverHostProcess spawn(const std::vector<std::string>& argv);

  DriverHostProcess() = default;
  DriverHostProcess(DriverHostProcess&& other) noexcept;
  DriverHostProcess& operator=(DriverHostProcess&& other) noexcept;
  DriverHostProcess(const DriverHostProcess&) = delete;
  DriverHostProcess& operator=(const DriverHostProcess&) = delete;
  ~DriverHostProcess();  // kills and reaps a process still running

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // A descriptor that becomes readable when the process exits (a pidfd), or -1 where the kernel
  // has none: then poll try_reap().
  int exit_fd() const { return pidfd_; }
  // The wait status once the process has exited (it is then reaped), else nothing. Never blocks.
  std::optional<int> try_reap();
  // Waits up to `timeout` for the process to exit on its own.
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);
  // SIGKILL, then reap. Returns the wait status.
  int kill_and_reap();

 private:
  void reset();
  pid_t pid_ = -1;
  int pidfd_ = -1;
};

// "signal 11 (Segmentation fault)" or "status 3", for messages like "driver host died: ...".
std::string describe_wait_status(int status);

// A fresh directory only we can enter (mode 0700), under $XDG_RUNTIME_DIR or else /tmp, removed
// with everything in it on destruction. ipc:// sockets placed there are unreachable to other users.
class PrivateDirectory {
 public:
  PrivateDirectory();  // throws std::system_error
  ~PrivateDirectory();
  PrivateDirectory(const PrivateDirectory&) = delete;
  PrivateDirectory& operator=(const PrivateDirectory&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace foundry::engine
