// A standalone driver host, as on an instrument PC: started by hand (here: by the test) on a
// tcp:// endpoint, the engine connects to it. When that host dies and its service manager starts
// it again, the engine notices (heartbeats go unanswered), fails the running command, reconnects
// and re-creates the driver.
#include "standalone_host.hpp"

using namespace foundry;
using test::StandaloneHost;

TEST(DriverHostRemote, ConnectsToARunningHostAndPicksItUpAgainAfterItRestarted) {
  auto host = std::make_unique<StandaloneHost>("tcp://127.0.0.1:*");
  ASSERT_EQ(host->endpoint().rfind("tcp://127.0.0.1:", 0), 0u) << host->endpoint();
  const std::string endpoint = host->endpoint();

  auto clock = engine::make_virtual_clock(0.0);
  auto options = test::quick_host("foundry_test_driver.so");  // a label: the plugin is the host's
  options.endpoint = endpoint;
  options.reply_timeout_s = 0.5;
  options.restart_delay_s = 0.2;
  options.max_restarts = 30;  // keeps reconnecting while the host is away
  engine::DriverSession session(options, "bench-device", "{}", *clock);
  EXPECT_EQ(session.health().host_pid, -1) << "not our process";
  auto first = test::run_command(session, *clock, "work", R"({"duration_s": 5})");
  ASSERT_TRUE(first.outcome);
  EXPECT_TRUE(first.outcome->ok) << first.outcome->message;

  // The host dies with a command running (it waits for a timer the engine holds); the instrument
  // PC's service manager starts a new one on the same port.
  auto lost = std::make_shared<test::Recorded>();
  test::start(session, *clock, lost, "work", R"({"duration_s": 100})");
  host->kill();
  host = std::make_unique<StandaloneHost>(endpoint);
  ASSERT_EQ(host->endpoint(), endpoint);
  test::run_with_deadline(*clock);
  ASSERT_TRUE(lost->outcome);
  EXPECT_EQ(lost->outcome->error_kind, FOUNDRY_ERROR_CONNECTION);
  EXPECT_TRUE(lost->outcome->message.find("driver host hung") != std::string::npos ||
              lost->outcome->message.find("restarted on its own") != std::string::npos)
      << lost->outcome->message;
  EXPECT_GE(session.health().restarts, 1);

  auto next = test::run_command(session, *clock, "work", R"({"duration_s": 5})");
  ASSERT_TRUE(next.outcome);
  EXPECT_TRUE(next.outcome->ok) << next.outcome->message;
}

TEST(DriverHostRemote, AHostServingOneModelRefusesAnother) {
  StandaloneHost host("tcp://127.0.0.1:*");
  auto clock = engine::make_virtual_clock(0.0);
  auto options = test::quick_host("foundry_test_driver.so");
  options.endpoint = host.endpoint();
  try {
    engine::DriverSession session(options, "other-model", "{}", *clock);
    FAIL() << "the session should have been refused";
  } catch (const engine::PluginError& e) {
    EXPECT_NE(std::string(e.what()).find("has no model 'other-model'"), std::string::npos) << e.what();
  }
}
