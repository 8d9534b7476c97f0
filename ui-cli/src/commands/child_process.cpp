#include "commands/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace foundry::cli {

namespace {

int status_of(int raw) {
  if (WIFEXITED(raw)) return WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
  return 1;
}

// In the child, between fork and exec: only async-signal-safe calls. Reports exec's errno on
// `report_fd` (close-on-exec: a successful exec closes it with nothing written).
[[noreturn]] void exec_child(const ChildProcess::Options& options, std::vector<char*>& argv, int report_fd, int out_fd,
                             int pipe_write_fd) {
  setpgid(0, 0);  // our own group: the terminal's Ctrl-C goes to foundry, which stops us
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
  if (out_fd >= 0) {
    if (!options.pipe_stdout) dup2(out_fd, STDOUT_FILENO);
    dup2(out_fd, STDERR_FILENO);
  }
  if (pipe_write_fd >= 0) dup2(pipe_write_fd, STDOUT_FILENO);
  int devnull = open("/dev/null", O_RDONLY);
  if (devnull >= 0) dup2(devnull, STDIN_FILENO);
  execv(argv[0], argv.data());
  int error = errno;
  ssize_t ignored = write(report_fd, &error, sizeof error);
  (void)ignored;
  _exit(127);
}

}  // namespace

std::string sibling_program(const std::string& name) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return name;
  return (self.parent_path() / name).string();
}

ChildProcess::ChildProcess(const Options& options) {
  if (options.argv.empty()) throw std::invalid_argument("ChildProcess: no program");
  const std::string& program = options.argv.front();
  std::vector<char*> argv;
  for (const auto& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  int out_fd = -1;
  if (!options.output_file.empty()) {
    out_fd = ::open(options.output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (out_fd < 0) throw std::runtime_error("cannot write " + options.output_file + ": " + std::strerror(errno));
  }
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  int out_pipe[2] = {-1, -1};
  if (options.pipe_stdout && ::pipe2(out_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));

  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("cannot start " + program + ": " + std::strerror(errno));
  if (pid_ == 0) exec_child(options, argv, report[1], out_fd, out_pipe[1]);

  ::setpgid(pid_, pid_);  // also here: no race with a signal sent right after we return
  ::close(report[1]);
  if (out_fd >= 0) ::close(out_fd);
  if (out_pipe[1] >= 0) ::close(out_pipe[1]);
  int error = 0;
  ssize_t n;
  do n = ::read(report[0], &error, sizeof error);
  while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == static_cast<ssize_t>(sizeof error)) {
    wait();
    if (out_pipe[0] >= 0) ::close(out_pipe[0]);
    throw std::runtime_error("cannot run " + program + ": " + std::strerror(error));
  }
  if (out_pipe[0] >= 0) {
    stdout_fd_ = out_pipe[0];
    ::fcntl(stdout_fd_, F_SETFL, ::fcntl(stdout_fd_, F_GETFL) | O_NONBLOCK);
  }
}

ChildProcess::~ChildProcess() {
  if (!status_) terminate(5);
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

std::optional<int> ChildProcess::poll_exit() {
  if (status_) return status_;
  int raw = 0;
  pid_t r = ::waitpid(pid_, &raw, WNOHANG);
  if (r == pid_) status_ = status_of(raw);
  return status_;
}

int ChildProcess::wait() {
  while (!status_) {
    int raw = 0;
    pid_t r = ::waitpid(pid_, &raw, 0);
    if (r == pid_) status_ = status_of(raw);
    else if (r < 0 && errno != EINTR) status_ = 1;  // not our child any more: nothing to wait for
  }
  return *status_;
}

int ChildProcess::terminate(double grace_s) {
  if (poll_exit()) return *status_;
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(grace_s);
  while (!poll_exit()) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      return wait();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return *status_;
}

}  // namespace foundry::cli
