// A standalone foundry-driver-host, as on an instrument PC: started by the test (not by the
// engine) with the test driver on `endpoint`; the engine connects to it. The host reports the
// endpoint it bound ("listening on tcp://127.0.0.1:PORT"), so tests bind port * and read it back.
#pragma once

#include "isolation_support.hpp"
#include "build_paths.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

extern char** environ;

namespace foundry::test {

class StandaloneHost {
 public:
  // `more_arguments` go after the plugin, endpoint and model (e.g. CURVE's key files); the host's
  // standard error is appended to `log` when given, else shared with the test's.
  explicit StandaloneHost(const std::string& endpoint, const std::vector<std::string>& more_arguments = {},
                          const std::optional<std::filesystem::path>& log = std::nullopt) {
    int out[2];
    EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    if (log)
      ::posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log->c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    std::vector<std::string> args = {foundry::testing::driver_host_binary(), "--plugin",
                                     engine_test_plugin("foundry_test_driver").string(),
                                     "--endpoint", endpoint, "--model", "bench-device"};
    args.insert(args.end(), more_arguments.begin(), more_arguments.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    EXPECT_EQ(::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ), 0);
    ::posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    FILE* lines = ::fdopen(out[0], "r");
    char line[256] = {};
    if (std::fgets(line, sizeof line, lines)) {
      const std::string text = line, prefix = "listening on ";
      if (text.rfind(prefix, 0) == 0)
        endpoint_ = text.substr(prefix.size(), text.find_last_not_of("\r\n") + 1 - prefix.size());
    }
    std::fclose(lines);
  }
  ~StandaloneHost() { kill(); }
  StandaloneHost(const StandaloneHost&) = delete;
  StandaloneHost& operator=(const StandaloneHost&) = delete;

  // The endpoint the host reported; empty when it reported none (it failed to start).
  const std::string& endpoint() const { return endpoint_; }

  // The host dies at once (SIGKILL), as in a power cut on the instrument PC.
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  std::string endpoint_;
};

}  // namespace foundry::test
