// A real foundryd for the CLI's end-to-end tests, serving a temporary database the way a lab
// runs it: the default ipc socket beside the database (<db>.sock/api) and the keys foundryd makes
// on first start (<db>.keys/staff.secret), so `foundry COMMAND --db DB` reaches it with no other
// option. Virtual time by default (a run finishes in a moment); wall-clock time keeps a run
// running, for hold, resume and cancel. Stopped with SIGTERM (and checked to exit 0) when the
// object goes.
#pragma once

#include "command_runner.hpp"
#include "server_process.hpp"
#include "build_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

namespace foundry::testing {

// Whether a command's output has `part` (the tests read output as a person would: by phrases).
inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class ServedDatabase {
 public:
  struct Options {
    bool virtual_time = true;
    // The workcell document; null: protocols/workcells/sim-foundry.json.
    nlohmann::json workcell = nullptr;
  };

  ServedDatabase() : ServedDatabase(Options{}) {}
  explicit ServedDatabase(Options options) {
    std::random_device random;
    dir_ = std::filesystem::temp_directory_path() /
           ("foundry-cli-" + std::to_string(::getpid()) + "-" + std::to_string(random() % 100000));
    std::filesystem::create_directories(dir_);
    auto workcell = source_dir() / "protocols/workcells/sim-foundry.json";
    if (!options.workcell.is_null()) {
      workcell = dir_ / "workcell.json";
      std::ofstream(workcell) << options.workcell.dump(2);
    }
    auto ready = dir_ / "ready.json";
    std::vector<std::string> args{foundry::testing::foundryd_binary(),
                                  "--workcell", workcell.string(),
                                  "--db", db().string(),
                                  "--protocols", (source_dir() / "protocols").string(),
                                  "--ready-file", ready.string()};
    if (options.virtual_time) args.push_back("--virtual-time");
    process_.start(std::move(args), ready, log());
  }

  ~ServedDatabase() {
    int status = stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "foundryd did not stop cleanly: " << status << "\n"
                                                                << log_text();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  ServedDatabase(const ServedDatabase&) = delete;
  ServedDatabase& operator=(const ServedDatabase&) = delete;

  // SIGTERM, wait; returns the wait status (or the one already collected).
  int stop() { return process_.stop(); }

  static std::filesystem::path source_dir() { return foundry::testing::source_dir(); }

  // sim-foundry with one liquid handler (lh1) whose first inoculation fails with `message`: the
  // shipped protocols hold a failed inoculation for an operator, and a retry succeeds.
  static nlohmann::json workcell_with_failing_inoculation(const std::string& message) {
    std::ifstream in(source_dir() / "protocols/workcells/sim-foundry.json");
    auto workcell = nlohmann::json::parse(in);
    auto& devices = workcell.at("devices");
    for (auto it = devices.begin(); it != devices.end();)
      it = it->at("id") == "lh2" ? devices.erase(it) : it + 1;
    for (auto& device : devices)
      if (device.at("id") == "lh1")
        device["driver"]["settings"]["faults"] = nlohmann::json::array(
            {{{"operation", "inoculate"}, {"on_command", 1}, {"kind", "execution"}, {"message", message}}});
    return workcell;
  }
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path db() const { return dir_ / "lab.db"; }
  std::filesystem::path keys() const { return dir_ / "lab.db.keys"; }
  std::filesystem::path log() const { return dir_ / "foundryd.log"; }
  std::string log_text() const { return process_.log_text(); }

  // `foundry ARGS --db DB` (ARGS starts with the subcommand and is already shell-quoted).
  CommandResult foundry(const std::string& args) const {
    return run_command(shell_quote(foundry_binary()) + " " + args + " --db " + shell_quote(db().string()));
  }

  // Runs `foundry show RUN --json` until the run's state is `state` (or 60 s pass); its status.
  nlohmann::json wait_for_state(const std::string& run_id, const std::string& state) const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    nlohmann::json status;
    while (std::chrono::steady_clock::now() < deadline) {
      auto shown = foundry("show " + shell_quote(run_id) + " --json");
      if (shown.exit_code == 0) {
        status = nlohmann::json::parse(shown.out);
        if (status.at("state") == state) return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << run_id << " did not become " << state << ": " << status.dump();
    return status;
  }

 private:
  std::filesystem::path dir_;
  ServerProcess process_;
};

}  // namespace foundry::testing
