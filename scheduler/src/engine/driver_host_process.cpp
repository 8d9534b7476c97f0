// Spawning driver hosts with posix_spawn: safe in a multi-threaded engine (no fork of a process
// with other threads holding locks), and the descriptor hygiene is a spawn file action.
#include "driver_host_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <thread>

extern char** environ;

namespace foundry::engine {

namespace {

[[noreturn]] void fail(int error, const std::string& what) { throw std::system_error(error, std::generic_category(), what); }

// A pidfd turns "the child exited" into a readable descriptor the I/O thread polls together with
// its socket: no SIGCHLD handler (process-wide, and the engine is a library) and no polling delay.
int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) {
    ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    return static_cast<int>(fd);
  }
#else
  (void)pid;
#endif
  return -1;
}

}  // namespace

DriverHostProcess DriverHostProcess::spawn(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attributes);
  ::posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  sigset_t none, defaults;
  ::sigemptyset(&none);
  ::sigemptyset(&defaults);
  for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM}) ::sigaddset(&defaults, s);
  ::posix_spawnattr_setsigmask(&attributes, &none);
  ::posix_spawnattr_setsigdefault(&attributes, &defaults);
  ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, args[0], &actions, &attributes, args.data(), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attributes);
  if (rc != 0) fail(rc, "cannot start " + argv[0]);
  DriverHostProcess process;
  process.pid_ = pid;
  process.pidfd_ = open_pidfd(pid);
  return process;
}

DriverHostProcess::DriverHostProcess(DriverHostProcess&& other) noexcept : pid_(other.pid_), pidfd_(other.pidfd_) {
  other.pid_ = -1;
  other.pidfd_ = -1;
}

DriverHostProcess& DriverHostProcess::operator=(DriverHostProcess&& other) noexcept {
  if (this != &other) {
    if (running()) kill_and_reap();
    reset();
    pid_ = other.pid_;
    pidfd_ = other.pidfd_;
    other.pid_ = -1;
    other.pidfd_ = -1;
  }
  return *this;
}

DriverHostProcess::~DriverHostProcess() {
  if (running()) kill_and_reap();
  reset();
}

void DriverHostProcess::reset() {
  if (pidfd_ >= 0) ::close(pidfd_);
  pidfd_ = -1;
  pid_ = -1;
}

std::optional<int> DriverHostProcess::try_reap() {
  if (!running()) return std::nullopt;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reset();
    return status;
  }
  if (r < 0 && errno == ECHILD) {  // reaped elsewhere (someone called wait(-1)): nothing to report
    reset();
    return 0;
  }
  return std::nullopt;
}

std::optional<int> DriverHostProcess::wait_for_exit(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (auto status = try_reap()) return status;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    if (pidfd_ >= 0) {
      pollfd p{pidfd_, POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(left.count()));
    } else {
      std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(10)));
    }
  }
}

int DriverHostProcess::kill_and_reap() {
  if (!running()) return 0;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reset();
  return status;
}

std::string describe_wait_status(int status) {
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* name = ::sigdescr_np(sig);
    return "signal " + std::to_string(sig) + (name ? std::string(" (") + name + ")" : "");
  }
  if (WIFEXITED(status)) return "status " + std::to_string(WEXITSTATUS(status));
  return "wait status " + std::to_string(status);
}

PrivateDirectory::PrivateDirectory() {
  // Short paths: an ipc:// socket path must fit sockaddr_un (108 bytes).
  std::filesystem::path base = "/tmp";
  if (const char* runtime = std::getenv("XDG_RUNTIME_DIR"); runtime && *runtime && std::strlen(runtime) < 60 &&
                                                             ::access(runtime, W_OK | X_OK) == 0)
    base = runtime;
  std::string pattern = (base / "foundry-host-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) fail(errno, "cannot create a private directory in " + base.string());
  path_ = pattern;  // mkdtemp creates it with mode 0700
}

PrivateDirectory::~PrivateDirectory() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace foundry::engine
