// A driver that segfaults, aborts, hangs, throws across the ABI or runs out of memory inside its
// driver host takes down only that host: the engine survives, the command fails with a
// connection error naming the cause, the device counts as faulted, and once the host was
// restarted the next command succeeds.
#include "isolation_support.hpp"

#include <nlohmann/json.hpp>

#include <signal.h>

#include <fstream>

using namespace foundry;
using foundry::test::Recorded;

namespace {

struct Fault {
  const char* operation;
  const char* cause;  // what the failure message must name
  std::int64_t memory_limit_mb = 0;
};

std::ostream& operator<<(std::ostream& out, const Fault& f) { return out << f.operation; }

class DriverHostFaultTest : public ::testing::TestWithParam<Fault> {
 protected:
  void SetUp() override { test::let_hosts_die_by_signal(); }
  std::unique_ptr<engine::Clock> clock = engine::make_virtual_clock(1000.0);
};

}  // namespace

TEST_P(DriverHostFaultTest, TakesDownOnlyItsHostWhichIsRestartedForTheNextCommand) {
  const Fault& fault = GetParam();
#if defined(__SANITIZE_ADDRESS__)
  if (fault.memory_limit_mb > 0) GTEST_SKIP() << "AddressSanitizer cannot run under an address-space limit";
#endif
  auto options = test::quick_host(test::faulty_plugin());
  options.memory_limit_mb = fault.memory_limit_mb;
  engine::DriverSession session(options, "faulty-device", "{}", *clock);
  const int first_host = session.health().host_pid;
  ASSERT_GT(first_host, 0);

  auto failed = std::make_shared<Recorded>();
  engine::DriverHealth health_at_failure;
  engine::Clock* c = clock.get();
  session.execute({"bad", "run/bad/1", fault.operation, "{}", 0}, nullptr, [&, c](const engine::CommandOutcome& o) {
    failed->outcome = o;
    failed->ended = c->now();
    health_at_failure = session.health();
  });
  test::run_with_deadline(*clock);

  ASSERT_TRUE(failed->outcome) << "the faulty command never completed";
  EXPECT_FALSE(failed->outcome->ok);
  EXPECT_EQ(failed->outcome->error_kind, FOUNDRY_ERROR_CONNECTION);
  EXPECT_NE(failed->outcome->message.find(fault.cause), std::string::npos) << failed->outcome->message;
  EXPECT_TRUE(health_at_failure.faulted);
  EXPECT_EQ(health_at_failure.fault, failed->outcome->message);
  EXPECT_EQ(::kill(first_host, 0), -1) << "the faulty host must be gone";

  // The loop ran the restart after its back-off: a new host serves the device.
  auto health = session.health();
  EXPECT_FALSE(health.faulted);
  EXPECT_EQ(health.faults, 1);
  EXPECT_EQ(health.restarts, 1);
  EXPECT_GT(health.host_pid, 0);
  EXPECT_NE(health.host_pid, first_host);

  auto next = test::run_command(session, *clock, "work", R"({"duration_s": 60})");
  ASSERT_TRUE(next.outcome);
  EXPECT_TRUE(next.outcome->ok) << next.outcome->message;
  EXPECT_EQ(next.progress, std::vector<double>{0.5});
}

INSTANTIATE_TEST_SUITE_P(
    Faults, DriverHostFaultTest,
    ::testing::Values(Fault{"segfault", "driver host died: signal 11 (Segmentation fault)"},
                      Fault{"abort", "driver host died: signal 6 (Aborted)"},
                      Fault{"hang", "driver host hung: no answer to 'execute' within 1 s; killed it"},
                      Fault{"throw_in_timer",
                            "driver host failed: driver threw std::runtime_error from a timer callback: sensor buffer overflow"},
                      Fault{"exhaust_memory", "driver host failed: driver ran out of memory in execute (std::bad_alloc, limit 256 MB)", 256}),
    [](const ::testing::TestParamInfo<Fault>& p) { return std::string(p.param.operation); });

TEST(DriverHostFaults, CommandsArrivingWhileTheHostRestartsWaitForIt) {
  test::let_hosts_die_by_signal();
  auto clock = engine::make_virtual_clock(0.0);
  engine::DriverSession session(test::quick_host(test::faulty_plugin()), "faulty-device", "{}", *clock);
  auto crashed = std::make_shared<Recorded>();
  auto retried = std::make_shared<Recorded>();
  engine::Clock* c = clock.get();
  // What an executor's retry does: a new attempt as soon as the first failed.
  session.execute({"a", "run/a/1", "segfault", "{}", 0}, nullptr, [&, c](const engine::CommandOutcome& o) {
    crashed->outcome = o;
    crashed->ended = c->now();
    test::start(session, *c, retried, "work", R"({"duration_s": 10})");
  });
  test::run_with_deadline(*clock);
  ASSERT_TRUE(crashed->outcome);
  EXPECT_EQ(crashed->outcome->error_kind, FOUNDRY_ERROR_CONNECTION);
  EXPECT_DOUBLE_EQ(crashed->ended, 1.0);  // the segfault comes 1 s of host time in
  ASSERT_TRUE(retried->outcome);
  EXPECT_TRUE(retried->outcome->ok) << retried->outcome->message;
  // Held for the 0.5 s back-off, then 10 s of work on the new host.
  EXPECT_DOUBLE_EQ(retried->ended, 1.0 + 0.5 + 10.0);
}

TEST(DriverHostFaults, BacksOffExponentiallyAndGivesUpAfterMaxRestarts) {
  test::let_hosts_die_by_signal();
  auto marker = std::filesystem::temp_directory_path() / ("foundry-crash-on-create-" + std::to_string(::getpid()));
  std::filesystem::remove(marker);
  auto clock = engine::make_virtual_clock(0.0);
  auto options = test::quick_host(test::faulty_plugin());
  options.max_restarts = 2;
  nlohmann::json settings = {{"crash_on_create_if_exists", marker.string()}};
  engine::DriverSession session(options, "faulty-device", settings.dump(), *clock);
  std::ofstream(marker) << "from now on the driver crashes while it is created\n";

  auto crashed = std::make_shared<Recorded>();
  test::start(session, *clock, crashed, "segfault");
  test::run_with_deadline(*clock);
  std::filesystem::remove(marker);

  ASSERT_TRUE(crashed->outcome);
  EXPECT_EQ(crashed->outcome->error_kind, FOUNDRY_ERROR_CONNECTION);
  auto health = session.health();
  EXPECT_TRUE(health.faulted);
  EXPECT_TRUE(health.given_up);
  EXPECT_EQ(health.faults, 3);  // the command's crash, then two restarts that crashed in create
  EXPECT_EQ(health.restarts, 0);
  EXPECT_NE(health.fault.find("signal 11"), std::string::npos) << health.fault;
  EXPECT_NE(health.fault.find("gave up after 2 restarts"), std::string::npos) << health.fault;
  // Back-off 0.5 s then 1 s after the crash at t = 1 s: the loop ended at 2.5 s of virtual time.
  EXPECT_DOUBLE_EQ(clock->now(), 2.5);

  auto refused = test::run_command(session, *clock, "instant");
  ASSERT_TRUE(refused.outcome);
  EXPECT_EQ(refused.outcome->error_kind, FOUNDRY_ERROR_CONNECTION);
  EXPECT_EQ(refused.outcome->message, health.fault);
}
