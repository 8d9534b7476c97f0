// Helpers for the fault-isolation tests: where the plugins and the host program are, host options
// tuned for quick tests, and running the engine's clock with a wall-clock deadline.
#pragma once

#include <foundry/engine/clock.hpp>
#include <foundry/engine/driver_host.hpp>
#include <foundry/engine/driver_session.hpp>

#include "build_paths.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace foundry::test {

inline std::filesystem::path faulty_plugin() {
  return std::filesystem::path(foundry::testing::isolation_plugin_dir()) / "foundry_faulty_driver.so";
}
inline std::filesystem::path engine_test_plugin(const std::string& name) {
  return std::filesystem::path(foundry::testing::test_plugin_dir()) / (name + ".so");
}

// Quick to notice a hang and to restart; generous enough for a loaded CI machine under ASan.
inline engine::DriverHostOptions quick_host(const std::filesystem::path& plugin) {
  engine::DriverHostOptions o;
  o.plugin = plugin;
  o.program = foundry::testing::driver_host_binary();
  o.heartbeat_interval_s = 0.2;
  o.reply_timeout_s = 1.0;
  o.start_timeout_s = 20.0;
  o.restart_delay_s = 0.5;
  o.restart_delay_max_s = 4.0;
  return o;
}

// Sanitizers would catch the host's SIGSEGV and exit(1) instead; the tests want the signal
// itself, as a production build reports it. Environment changes reach only the hosts we spawn.
inline void let_hosts_die_by_signal() {
#if defined(__SANITIZE_ADDRESS__)
  std::string options = std::getenv("ASAN_OPTIONS") ? std::getenv("ASAN_OPTIONS") : "";
  if (options.find("handle_segv=0") == std::string::npos)
    ::setenv("ASAN_OPTIONS", (options + (options.empty() ? "" : ":") + "handle_segv=0:handle_abort=0").c_str(), 1);
#endif
}

// Runs the clock until it has nothing left to do, or stops it after `limit` of wall time (then
// the test fails): every asynchronous test has a timeout.
inline void run_with_deadline(engine::Clock& clock, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  std::atomic<bool> expired{false};
  std::thread watchdog([&] {
    std::unique_lock lock(mutex);
    if (!finished.wait_for(lock, limit, [&] { return done; })) {
      expired = true;
      clock.stop();
    }
  });
  clock.run();
  {
    std::lock_guard lock(mutex);
    done = true;
  }
  finished.notify_all();
  watchdog.join();
  EXPECT_FALSE(expired) << "the engine loop was still busy after " << limit.count() << " ms";
}

struct Recorded {
  std::optional<engine::CommandOutcome> outcome;
  std::vector<double> progress;
  double ended = -1;
};

// Starts a command whose outcome, progress and completion time land in `*out`.
inline void start(engine::DriverSession& session, engine::Clock& clock, std::shared_ptr<Recorded> out,
                  const std::string& operation, const std::string& parameters = "{}", const std::string& id = "") {
  static int counter = 0;
  std::string command_id = id.empty() ? operation + "-" + std::to_string(++counter) : id;
  engine::Clock* c = &clock;
  session.execute({command_id, "run/" + command_id + "/1", operation, parameters, 0},
                  [out](double fraction, double) { out->progress.push_back(fraction); },
                  [out, c](const engine::CommandOutcome& o) {
                    out->outcome = o;
                    out->ended = c->now();
                  });
}

// One command to its end.
inline Recorded run_command(engine::DriverSession& session, engine::Clock& clock, const std::string& operation,
                            const std::string& parameters = "{}") {
  auto out = std::make_shared<Recorded>();
  start(session, clock, out, operation, parameters);
  run_with_deadline(clock);
  EXPECT_TRUE(out->outcome) << operation << " never completed";
  return *out;
}

}  // namespace foundry::test
