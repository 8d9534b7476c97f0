// A real foundryd for end-to-end tests: its own temporary directory, keys for one client of each
// role, loopback TCP on ports the system picks (read back from --ready-file), virtual time.
// Stopped with SIGTERM (and checked to exit 0) when the object goes.
#pragma once

#include "server_process.hpp"
#include "service_test_env.hpp"
#include "build_paths.hpp"

#include <foundry/client/client.hpp>
#include <foundry/service/access.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>

namespace foundry::service::testing {

class FoundrydProcess {
 public:
  // `file_size_limit`: no file foundryd writes may grow past it (RLIMIT_FSIZE; see ServerProcess).
  explicit FoundrydProcess(std::vector<std::string> extra_args = {},
                           std::optional<std::uint64_t> file_size_limit = std::nullopt) {
    std::random_device random;
    dir_ = std::filesystem::temp_directory_path() / ("foundryd-test-" + std::to_string(::getpid()) + "-" +
                                                     std::to_string(random()));
    std::filesystem::create_directories(dir_ / "keys");
    ::chmod((dir_ / "keys").c_str(), 0700);
    write_key_pair(dir_ / "keys", "server", generate_key_pair());
    for (auto role : {Role::kStaff, Role::kLearner, Role::kViewer}) {
      auto keys = generate_key_pair();
      std::string name(role_name(role));
      write_key_pair(dir_ / "keys", name, keys);
      AllowList::add(dir_ / "keys/allowed_clients", keys.public_key, role, name);
    }
    // A key pair that is not on the allow-list.
    write_key_pair(dir_ / "keys", "stranger", generate_key_pair());
    if (file_size_limit) process_.limit_file_size(*file_size_limit);
    start(std::move(extra_args));
  }

  ~FoundrydProcess() {
    int status = stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "foundryd did not stop cleanly: " << status;
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // SIGTERM, wait; returns the wait status (or the one already collected).
  int stop() { return process_.stop(); }
  bool alive() const { return process_.alive(); }
  bool lift_file_size_limit() { return process_.lift_file_size_limit(); }

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path db() const { return dir_ / "lab.db"; }
  std::filesystem::path log() const { return dir_ / "foundryd.log"; }
  const std::string& api() const { return api_; }
  const std::string& stream() const { return stream_; }
  std::string log_text() const { return process_.log_text(); }

  client::Client client(const std::string& key_name, double timeout_s = 5, int retries = 2) const {
    return client::Client::from_key_files(api_, dir_ / "keys/server.pub", dir_ / ("keys/" + key_name + ".secret"),
                                          timeout_s, retries);
  }

 private:
  void start(std::vector<std::string> extra) {
    auto ready = dir_ / "ready.json";
    std::vector<std::string> args{foundry::testing::foundryd_binary(),
                                  "--workcell", workcell_file().string(),
                                  "--db", db().string(),
                                  "--keys", (dir_ / "keys").string(),
                                  "--protocols", protocols_dir().string(),
                                  "--bind", "tcp://127.0.0.1:*",
                                  "--stream-bind", "tcp://127.0.0.1:*",
                                  "--ready-file", ready.string(),
                                  "--virtual-time"};
    args.insert(args.end(), extra.begin(), extra.end());
    if (!process_.start(std::move(args), ready, log())) return;
    std::ifstream in(ready);
    auto endpoints = nlohmann::json::parse(in);
    api_ = endpoints.at("api").get<std::string>();
    stream_ = endpoints.at("stream").get<std::string>();
  }

  std::filesystem::path dir_;
  foundry::testing::ServerProcess process_;
  std::string api_, stream_;
};

}  // namespace foundry::service::testing
