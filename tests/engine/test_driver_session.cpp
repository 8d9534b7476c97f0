// The host wrapper: commands through a real plugin, events delivered on the engine thread in
// the host's (virtual) time, refusals and failures typed, plugin objects freed on teardown.
#include <foundry/engine/clock.hpp>
#include <foundry/engine/driver_session.hpp>

#include "build_paths.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <thread>

using namespace foundry::engine;

namespace {

class DriverSessionTest : public ::testing::Test {
 protected:
  std::shared_ptr<PluginLibrary> library =
      PluginLibrary::load(std::filesystem::path(foundry::testing::test_plugin_dir()) / "foundry_test_driver.so");
  std::unique_ptr<Clock> clock = make_virtual_clock(1000.0);

  CommandRequest request(const std::string& op, const std::string& params = "{}") {
    return {"cmd-" + op, "run/step/1", op, params, 1};
  }
};

}  // namespace

TEST_F(DriverSessionTest, CompletesInVirtualTimeWithProgressOnTheEngineThread) {
  DriverSession session(library, "bench-device", "{}", *clock);
  std::optional<CommandOutcome> outcome;
  double finished_at = 0;
  std::vector<double> progress;
  auto engine_thread = std::this_thread::get_id();
  session.execute(
      request("work", R"({"duration_s": 3600})"),
      [&](double fraction, double) { progress.push_back(fraction); },
      [&](const CommandOutcome& o) {
        EXPECT_EQ(std::this_thread::get_id(), engine_thread);
        outcome = o;
        finished_at = clock->now();
      });
  clock->run();
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->ok) << outcome->message;
  EXPECT_DOUBLE_EQ(finished_at, 1000.0 + 3600.0);
  EXPECT_NE(outcome->result_json.find("\"elapsed\""), std::string::npos);
  EXPECT_EQ(progress, std::vector<double>{0.5});
  auto state = session.command_state("cmd-work");
  EXPECT_NE(state.find("\"finished\""), std::string::npos) << state;
  EXPECT_NE(session.command_state("never-sent").find("\"unknown\""), std::string::npos);
}

TEST_F(DriverSessionTest, ReportsAValidationRefusalThroughTheCompletion) {
  DriverSession session(library, "bench-device", "{}", *clock);
  std::optional<CommandOutcome> outcome;
  session.execute(request("reject"), nullptr, [&](const CommandOutcome& o) { outcome = o; });
  clock->run();
  ASSERT_TRUE(outcome);
  EXPECT_FALSE(outcome->ok);
  EXPECT_EQ(outcome->error_kind, FOUNDRY_ERROR_VALIDATION);
  EXPECT_NE(outcome->message.find("parameter 'x'"), std::string::npos);
}

TEST_F(DriverSessionTest, ReportsADeclaredExecutionError) {
  DriverSession session(library, "bench-device", "{}", *clock);
  std::optional<CommandOutcome> outcome;
  session.execute(request("fail"), nullptr, [&](const CommandOutcome& o) { outcome = o; });
  clock->run();
  ASSERT_TRUE(outcome);
  EXPECT_FALSE(outcome->ok);
  EXPECT_EQ(outcome->error_kind, FOUNDRY_ERROR_EXECUTION);
  EXPECT_EQ(outcome->message, "simulated jam");
  EXPECT_NE(session.command_state("cmd-fail").find("\"failed\""), std::string::npos);
}

TEST_F(DriverSessionTest, TearingDownWithCommandsInFlightFreesEverything) {
  // Under ASan this also proves the pending timers' arguments are released (no leak).
  std::optional<CommandOutcome> outcome;
  {
    DriverSession session(library, "bench-device", "{}", *clock);
    session.execute(request("work", R"({"duration_s": 100})"), nullptr,
                    [&](const CommandOutcome& o) { outcome = o; });
  }
  clock->run();
  EXPECT_FALSE(outcome) << "an abandoned command must not complete after teardown";
}

TEST_F(DriverSessionTest, RefusesAnUnknownModel) {
  EXPECT_THROW(DriverSession(library, "no-such-model", "{}", *clock), PluginError);
}

TEST_F(DriverSessionTest, RefusesAPluginWhoseConstructorThrows) {
  auto throwing = PluginLibrary::load(std::filesystem::path(foundry::testing::test_plugin_dir()) / "foundry_throwing_constructor.so");
  try {
    DriverSession session(throwing, "m", "{}", *clock);
    FAIL() << "creation should have failed";
  } catch (const PluginError& e) {
    EXPECT_NE(std::string(e.what()).find("serial port /dev/ttyUSB9 not found"), std::string::npos) << e.what();
  }
}
