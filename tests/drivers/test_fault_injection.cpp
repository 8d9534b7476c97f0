// The "faults" setting: a chosen command of a simulator fails with a typed error, refused up
// front (validation, connection), part-way (execution, unexpected) or never ends (hang).
#include "sim_harness.hpp"

#include <gtest/gtest.h>

namespace {

using foundry::test::Outcome;
using foundry::test::SimHarness;
using nlohmann::json;

json faults(json entries) { return {{"faults", std::move(entries)}, {"duration_jitter", 0.0}}; }

TEST(FaultInjection, TheThirdCommandOfAnOperationFailsPartWayWithAnExecutionError) {
  SimHarness h("foundry_sim_incubator", "sim-incubator",
               faults({{{"operation", "incubate"}, {"on_command", 3}, {"kind", "execution"}, {"message", "door jammed"}}}));
  EXPECT_TRUE(h.run("incubate", {{"duration_s", 1000.0}}).outcome.ok);
  EXPECT_TRUE(h.run("incubate", {{"duration_s", 1000.0}}).outcome.ok);
  Outcome third = h.run("incubate", {{"duration_s", 1000.0}});
  EXPECT_FALSE(third.outcome.ok);
  EXPECT_EQ(third.outcome.error_kind, FOUNDRY_ERROR_EXECUTION);
  EXPECT_EQ(third.outcome.message, "door jammed");
  EXPECT_DOUBLE_EQ(third.duration(), 100.0);  // at_fraction 0.1 by default
  EXPECT_TRUE(h.run("incubate", {{"duration_s", 1000.0}}).outcome.ok);
}

TEST(FaultInjection, OnlyValidCommandsOfTheNamedOperationCount) {
  SimHarness h("foundry_sim_plate_reader", "sim-pr",
               faults({{{"operation", "read_fluorescence"}, {"on_command", 1}, {"kind", "execution"}}}));
  const json sample = {{"design", "d01"}, {"culture_hours", 12}};
  EXPECT_TRUE(h.run("read_absorbance", sample).outcome.ok);
  EXPECT_EQ(h.run("read_fluorescence", {{"design", 5}}).outcome.error_kind, FOUNDRY_ERROR_VALIDATION);  // not counted
  Outcome failed = h.run("read_fluorescence", sample);
  EXPECT_EQ(failed.outcome.error_kind, FOUNDRY_ERROR_EXECUTION);
  EXPECT_EQ(failed.outcome.message, "injected execution fault (command 1 of 'read_fluorescence')");
}

TEST(FaultInjection, ValidationAndConnectionFaultsRefuseUpFrontAndFreeNothing) {
  SimHarness h("foundry_sim_thermocycler", "sim-tc-96",
               faults({{{"on_command", 1}, {"kind", "validation"}, {"message", "bad lid"}},
                       {{"on_command", 2}, {"kind", "connection"}, {"message", "no answer on COM3"}}}));
  Outcome first = h.run("run_program", {{"program", "pcr"}});
  EXPECT_EQ(first.outcome.error_kind, FOUNDRY_ERROR_VALIDATION);
  EXPECT_EQ(first.outcome.message, "bad lid");
  EXPECT_DOUBLE_EQ(first.duration(), 0.0);
  Outcome second = h.run("run_program", {{"program", "pcr"}});
  EXPECT_EQ(second.outcome.error_kind, FOUNDRY_ERROR_CONNECTION);
  EXPECT_EQ(second.outcome.message, "no answer on COM3");
  EXPECT_TRUE(h.run("run_program", {{"program", "pcr"}}).outcome.ok);  // the one unit is free
}

TEST(FaultInjection, AnUnexpectedFaultStrikesWhereItIsTold) {
  SimHarness h("foundry_sim_incubator", "sim-incubator",
               faults({{{"on_command", 1}, {"kind", "unexpected"}, {"at_fraction", 0.5}}}));
  Outcome out = h.run("incubate", {{"duration_s", 1000.0}});
  EXPECT_EQ(out.outcome.error_kind, FOUNDRY_ERROR_UNEXPECTED);
  EXPECT_DOUBLE_EQ(out.duration(), 500.0);
}

TEST(FaultInjection, AHangNeverEndsUntilCancelledAndHoldsItsUnit) {
  SimHarness h("foundry_sim_incubator", "sim-incubator", faults({{{"on_command", 1}, {"kind", "hang"}}}));
  auto hung = std::make_shared<Outcome>();
  h.start(hung, "incubate", {{"duration_s", 60.0}}, 0, "hung");
  h.clock->run();
  EXPECT_LT(hung->ended, 0) << "a hang never reports";
  EXPECT_TRUE(hung->progress.empty());
  EXPECT_EQ(json::parse(h.session->command_state("hung")).at("state"), "running");
  EXPECT_EQ(h.run("incubate", {{"duration_s", 60.0}}, 0).outcome.error_kind, FOUNDRY_ERROR_EXECUTION);  // busy
  ASSERT_TRUE(h.session->cancel("hung"));
  h.clock->run();
  EXPECT_EQ(hung->outcome.error_kind, FOUNDRY_ERROR_EXECUTION);
  EXPECT_EQ(hung->outcome.message, "cancelled");
}

// Which of 200 commands (keys k0..k199) a probability fault strikes under a seed.
std::vector<int> struck(std::uint64_t seed) {
  SimHarness h("foundry_sim_plate_reader", "sim-pr",
               {{"landscape_seed", seed}, {"faults", json::array({{{"probability", 0.25}, {"kind", "execution"}}})}});
  std::vector<int> out;
  for (int i = 0; i < 200; ++i) {
    auto o = std::make_shared<Outcome>();
    h.session->execute({"c" + std::to_string(i), "k" + std::to_string(i), "read_absorbance",
                        json{{"design", "d01"}, {"culture_hours", 1}}.dump(), -1},
                       nullptr, [o](const foundry::engine::CommandOutcome& r) { o->outcome = r; });
    h.clock->run();
    if (!o->outcome.ok) out.push_back(i);
  }
  return out;
}

TEST(FaultInjection, AProbabilityFaultIsSeededByTheLandscapeSeedAndTheIdempotencyKey) {
  const auto a = struck(7);
  EXPECT_GT(a.size(), 30u);
  EXPECT_LT(a.size(), 70u);
  EXPECT_EQ(struck(7), a);
  EXPECT_NE(struck(8), a);
}

TEST(FaultInjection, BadEntriesRefuseTheDeviceNamingTheEntry) {
  auto refusal = [](json entries) {
    try {
      SimHarness h("foundry_sim_incubator", "sim-incubator", faults(std::move(entries)));
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("created");
  };
  EXPECT_NE(refusal({{{"on_command", 1}, {"kind", "execution"}}, {{"on_command", 1}, {"kind", "boom"}}})
                .find("settings 'faults[1].kind': must be one of"),
            std::string::npos);
  EXPECT_NE(refusal({{{"on_command", 1}, {"probability", 0.5}, {"kind", "hang"}}})
                .find("settings 'faults[0]': needs on_command or probability, not both"),
            std::string::npos);
  EXPECT_NE(refusal({{{"kind", "hang"}}}).find("settings 'faults[0]': needs on_command or probability"), std::string::npos);
  EXPECT_NE(refusal({{{"on_command", 0}, {"kind", "hang"}}}).find("settings 'faults[0].on_command': must be >= 1"),
            std::string::npos);
  EXPECT_NE(refusal({{{"on_command", 1}, {"kind", "hang"}, {"when", "now"}}}).find("settings 'faults[0].when': is not a known field"),
            std::string::npos);
}

}  // namespace
