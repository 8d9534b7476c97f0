// Shared set-up for the engine tests: a workcell of test devices (tests/engine/plugins/
// test_driver.cpp), a fresh database, virtual time, and helpers to build runs and read results.
#pragma once

#include <foundry/engine/clock.hpp>
#include <foundry/engine/device_fleet.hpp>
#include <foundry/engine/engine.hpp>
#include <foundry/model/workcell.hpp>
#include <foundry/store/store.hpp>

#include "build_paths.hpp"
#include "ties_reversed_clock.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace foundry::test {

// One test device, or several of the same type ("d1", "d2", ...). `settings` per device id.
inline Workcell test_workcell(int devices, int capacity, std::map<std::string, std::string> settings = {}) {
  std::string json = R"({"devices": [)";
  for (int d = 1; d <= devices; ++d) {
    std::string id = "d" + std::to_string(d);
    if (d > 1) json += ",";
    json += R"({"id": ")" + id + R"(", "type": "test_device", "capacity": )" + std::to_string(capacity) +
            R"(, "operations": ["work", "slow", "fail", "flaky", "dispense"], "driver": {"plugin": ")" +
            foundry::testing::test_plugin_dir() + R"(/foundry_test_driver.so", "model": "bench-device", "settings": )" +
            (settings.count(id) ? settings[id] : std::string("{}")) + "}}";
  }
  return parse_workcell(json + "]}", "test-workcell.json");
}

class EngineTest : public ::testing::Test {
 protected:
  std::filesystem::path db = std::filesystem::temp_directory_path() /
                             ("foundry-engine-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name()) +
                              "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
  Workcell workcell = test_workcell(1, 2);
  std::unique_ptr<engine::Clock> clock;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<engine::DeviceFleet> fleet;
  std::unique_ptr<engine::Engine> engine;
  engine::EngineOptions options;

  void SetUp() override {
    remove_db();
    options.plan.time_limit_s = 0.2;
    options.plan.work_limit = 20000;  // deterministic plans
  }
  void TearDown() override {
    close();
    remove_db();
  }
  void remove_db() {
    for (auto suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db.string() + suffix);
  }
  // Opens everything (again) on the same database, as a restarted process would; virtual time
  // starts at `t0`.
  void open(double t0 = 1000.0) {
    close();
    clock = make_clock(t0);
    store = store::Store::open(db);
    fleet = std::make_unique<engine::DeviceFleet>(workcell, *clock);
    engine = std::make_unique<engine::Engine>(workcell, *fleet, *store, *clock, options);
  }
  // Virtual time; with FOUNDRY_TEST_CLOCK_TIES=reversed (ctest runs these tests a second time so,
  // as reversed_ties.*) timers due at one instant run in the other order a wall clock may take.
  virtual std::unique_ptr<engine::Clock> make_clock(double t0) {
    auto virtual_time = engine::make_virtual_clock(t0);
    const char* ties = std::getenv("FOUNDRY_TEST_CLOCK_TIES");
    if (ties != nullptr && std::string(ties) == "reversed") return std::make_unique<TiesReversedClock>(std::move(virtual_time));
    return virtual_time;
  }
  void close() {
    engine.reset();
    fleet.reset();
    store.reset();
    clock.reset();
  }

  static StepSpec step(const std::string& id, const std::string& op, std::int64_t duration,
                       std::vector<Dependency> after = {}) {
    StepSpec s;
    s.id = id;
    s.operation = op;
    s.device_type = "test_device";
    s.duration_s = duration;
    s.after = std::move(after);
    return s;
  }
  static RunSpec run_of(const std::string& id, std::vector<StepSpec> steps) {
    RunSpec r;
    r.run_id = id;
    r.protocol = "p";
    r.steps = std::move(steps);
    return r;
  }

  std::map<std::string, store::StepRow> steps_of(const std::string& run) {
    std::map<std::string, store::StepRow> out;
    for (auto& s : store->steps(run)) out[s.step_id] = s;
    return out;
  }
  std::string run_state(const std::string& run) {
    for (auto& r : store->runs())
      if (r.run_id == run) return r.state;
    return "(none)";
  }
  std::vector<std::string> kinds(const std::string& run, const std::string& step = "") {
    std::vector<std::string> out;
    for (auto& e : store->events(run))
      if (step.empty() || e.step_id == step) out.push_back(e.kind);
    return out;
  }
  int count(const std::vector<std::string>& v, const std::string& what) {
    return static_cast<int>(std::count(v.begin(), v.end(), what));
  }
  // Every run's and step's state, rebuilt from the event log, equals the state tables.
  void expect_log_replays() {
    auto replayed = store->replay();
    for (auto& r : store->runs()) {
      EXPECT_EQ(replayed.runs[r.run_id], r.state) << r.run_id;
      for (auto& s : store->steps(r.run_id))
        EXPECT_EQ((replayed.steps[{r.run_id, s.step_id}]), s.state) << r.run_id << "/" << s.step_id;
    }
  }
};

}  // namespace foundry::test
