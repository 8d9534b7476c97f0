// A driver-host session behaves as an in-process one: commands in the engine's (virtual) time,
// typed refusals, state queries, teardown with commands in flight; creation refused with the
// same clear messages; and the host inherits none of the engine's open files.
#include "isolation_support.hpp"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

using namespace foundry;

namespace {

class DriverHostSessionTest : public ::testing::Test {
 protected:
  std::unique_ptr<engine::Clock> clock = engine::make_virtual_clock(1000.0);
  engine::DriverHostOptions options = test::quick_host(test::engine_test_plugin("foundry_test_driver"));
};

std::string refusal(const engine::DriverHostOptions& options, const std::string& model, engine::Clock& clock) {
  try {
    engine::DriverSession session(options, model, "{}", clock);
  } catch (const engine::PluginError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_F(DriverHostSessionTest, RunsCommandsInTheEnginesVirtualTime) {
  engine::DriverSession session(options, "bench-device", "{}", *clock);
  EXPECT_EQ(session.driver_model().device_type, "test_device");
  EXPECT_EQ(session.driver_model().units, 2);
  auto health = session.health();
  EXPECT_TRUE(health.isolated);
  EXPECT_FALSE(health.faulted);
  EXPECT_GT(health.host_pid, 0);
  EXPECT_NE(health.host_pid, ::getpid());

  auto engine_thread = std::this_thread::get_id();
  auto out = std::make_shared<test::Recorded>();
  session.execute({"w", "run/w/1", "work", R"({"duration_s": 3600})", 1},
                  [&](double fraction, double) {
                    EXPECT_EQ(std::this_thread::get_id(), engine_thread);
                    out->progress.push_back(fraction);
                  },
                  [&](const engine::CommandOutcome& o) {
                    EXPECT_EQ(std::this_thread::get_id(), engine_thread);
                    out->outcome = o;
                    out->ended = clock->now();
                  });
  test::run_with_deadline(*clock);
  ASSERT_TRUE(out->outcome);
  EXPECT_TRUE(out->outcome->ok) << out->outcome->message;
  EXPECT_DOUBLE_EQ(out->ended, 1000.0 + 3600.0);  // not a microsecond of wall time leaks in
  EXPECT_EQ(out->progress, std::vector<double>{0.5});
  EXPECT_EQ(nlohmann::json::parse(out->outcome->result_json)["measurements"][0]["value"], 3600.0);
  EXPECT_EQ(nlohmann::json::parse(session.command_state("w"))["state"], "finished");
  EXPECT_EQ(nlohmann::json::parse(session.command_state("never-sent"))["state"], "unknown");
  EXPECT_THROW(session.library(), std::logic_error);
}

TEST_F(DriverHostSessionTest, ReportsRefusalsAndDeclaredErrorsTyped) {
  engine::DriverSession session(options, "bench-device", "{}", *clock);
  auto rejected = test::run_command(session, *clock, "reject");
  ASSERT_TRUE(rejected.outcome);
  EXPECT_EQ(rejected.outcome->error_kind, FOUNDRY_ERROR_VALIDATION);
  EXPECT_EQ(rejected.outcome->message, "parameter 'x': must be given");
  auto failed = test::run_command(session, *clock, "fail");
  ASSERT_TRUE(failed.outcome);
  EXPECT_EQ(failed.outcome->error_kind, FOUNDRY_ERROR_EXECUTION);
  EXPECT_EQ(failed.outcome->message, "simulated jam");
  EXPECT_FALSE(session.faulted()) << "a driver's own errors are not host faults";
}

TEST_F(DriverHostSessionTest, CancelsThroughTheHost) {
  engine::DriverSession session(test::quick_host(test::faulty_plugin()), "faulty-device", "{}", *clock);
  // The faulty driver knows no cancel: the host answers for it, it does not hang.
  EXPECT_FALSE(session.cancel("anything"));
  EXPECT_FALSE(session.faulted());
}

TEST_F(DriverHostSessionTest, TearingDownWithCommandsInFlightStopsTheHost) {
  auto out = std::make_shared<test::Recorded>();
  int host = -1;
  {
    engine::DriverSession session(options, "bench-device", "{}", *clock);
    host = session.health().host_pid;
    test::start(session, *clock, out, "work", R"({"duration_s": 100})");
  }
  test::run_with_deadline(*clock);
  EXPECT_FALSE(out->outcome) << "an abandoned command must not complete after teardown";
  EXPECT_EQ(::kill(host, 0), -1) << "the host process must be gone";
}

TEST_F(DriverHostSessionTest, RunsInWallClockTimeToo) {
  auto wall = engine::make_wall_clock();
  engine::DriverSession session(options, "bench-device", "{}", *wall);
  double started = wall->now();
  auto out = test::run_command(session, *wall, "work", R"({"duration_s": 0.05})");
  ASSERT_TRUE(out.outcome);
  EXPECT_TRUE(out.outcome->ok) << out.outcome->message;
  EXPECT_GE(out.ended - started, 0.05);
}

TEST_F(DriverHostSessionTest, TheHostInheritsNoneOfTheEnginesFiles) {
  // Opened without O_CLOEXEC on purpose, as a careless database layer might.
  auto path = std::filesystem::temp_directory_path() / ("foundry-isolation-db-" + std::to_string(::getpid()));
  int fd = ::open(path.c_str(), O_CREAT | O_RDWR, 0600);
  ASSERT_GE(fd, 0);
  engine::DriverSession session(options, "bench-device", "{}", *clock);
  const auto fd_dir = std::filesystem::path("/proc") / std::to_string(session.health().host_pid) / "fd";
  std::vector<std::string> open_files;
  for (const auto& entry : std::filesystem::directory_iterator(fd_dir)) {
    std::error_code ec;
    auto target = std::filesystem::read_symlink(entry.path(), ec);
    open_files.push_back(entry.path().filename().string() + " -> " + target.string());
    EXPECT_NE(target, path) << "the host inherited the engine's file as fd " << entry.path().filename();
  }
  EXPECT_FALSE(open_files.empty());
  ::close(fd);
  std::filesystem::remove(path);
}

TEST_F(DriverHostSessionTest, RefusesWhatAnInProcessSessionRefusesWithTheSameReasons) {
  EXPECT_NE(refusal(options, "no-such-model", *clock).find("has no model 'no-such-model'"), std::string::npos);
  auto bad_abi = test::quick_host(test::engine_test_plugin("foundry_bad_abi_major"));
  EXPECT_NE(refusal(bad_abi, "m", *clock).find("driver ABI major version"), std::string::npos)
      << refusal(bad_abi, "m", *clock);
  auto missing = test::quick_host("/nonexistent/driver.so");
  EXPECT_NE(refusal(missing, "m", *clock).find("/nonexistent/driver.so: no such file"), std::string::npos)
      << refusal(missing, "m", *clock);
  auto no_program = options;
  no_program.program = "/nonexistent/foundry-driver-host";
  EXPECT_NE(refusal(no_program, "bench-device", *clock).find("cannot start its driver host"), std::string::npos)
      << refusal(no_program, "bench-device", *clock);
}
