// What every simulated driver does (SimDriver): timing in host time with bounded jitter,
// progress, units, refusals, cancel, command state. Driven through the incubator plugin.
#include "sim_harness.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace {

using foundry::test::Outcome;
using foundry::test::SimHarness;
using nlohmann::json;

TEST(SimDriver, AFortyEightHourCommandCompletesInVirtualTimeCloseToThePlan) {
  SimHarness h("foundry_sim_incubator", "sim-incubator");
  const double planned = 48 * 3600.0;
  Outcome out = h.run("incubate", {{"duration_s", planned}});
  ASSERT_TRUE(out.outcome.ok) << out.outcome.message;
  EXPECT_GE(out.duration(), planned * (1 - 0.04) - 1e-6);
  EXPECT_LE(out.duration(), planned * (1 + 0.04) + 1e-6);
  EXPECT_NEAR(out.result().at("duration_s").get<double>(), out.duration(), 1e-6);
  EXPECT_NEAR(out.result().at("hours").get<double>() * 3600, out.duration(), 1e-6);
}

TEST(SimDriver, JitterIsDeterministicPerIdempotencyKeyAndNeverBeyondTenPercent) {
  std::set<double> durations;
  for (int i = 0; i < 40; ++i) {
    SimHarness h("foundry_sim_incubator", "sim-incubator", {{"duration_jitter", 0.1}});
    Outcome out = h.run("incubate", {{"duration_s", 1000.0}}, -1, "step-" + std::to_string(i));
    ASSERT_TRUE(out.outcome.ok);
    EXPECT_LE(out.duration(), 1100.0 + 1e-6);
    EXPECT_GE(out.duration(), 900.0 - 1e-6);
    durations.insert(out.duration());
    SimHarness again("foundry_sim_incubator", "sim-incubator", {{"duration_jitter", 0.1}});
    EXPECT_DOUBLE_EQ(again.run("incubate", {{"duration_s", 1000.0}}, -1, "step-" + std::to_string(i)).duration(), out.duration());
  }
  EXPECT_GT(durations.size(), 30u);  // it does jitter
}

TEST(SimDriver, WithoutAPlannedDurationTheModelsNominalIsUsed) {
  SimHarness h("foundry_sim_incubator", "sim-incubator", {{"duration_jitter", 0.0}});
  EXPECT_DOUBLE_EQ(h.run("incubate", json::object()).duration(), 16 * 3600.0);
}

TEST(SimDriver, ReportsProgressOnTheWay) {
  SimHarness h("foundry_sim_incubator", "sim-incubator");
  Outcome long_one = h.run("incubate", {{"duration_s", 7200.0}});
  ASSERT_GE(long_one.progress.size(), 9u);
  EXPECT_DOUBLE_EQ(long_one.progress.front(), 0.1);
  EXPECT_TRUE(std::is_sorted(long_one.progress.begin(), long_one.progress.end()));
  Outcome short_one = h.run("incubate", {{"duration_s", 60.0}});
  EXPECT_NE(std::find(short_one.progress.begin(), short_one.progress.end(), 0.5), short_one.progress.end());
}

TEST(SimDriver, RefusesUnknownOperationsBadJsonAndSchemaViolationsNamingTheParameter) {
  SimHarness h("foundry_sim_incubator", "sim-incubator");
  auto refused = [&](const std::string& operation, const std::string& parameters_json) {
    auto out = std::make_shared<Outcome>();
    h.session->execute({"c", "k", operation, parameters_json, -1}, nullptr, [out](const auto& o) { out->outcome = o; });
    h.clock->run();
    EXPECT_FALSE(out->outcome.ok);
    EXPECT_EQ(out->outcome.error_kind, FOUNDRY_ERROR_VALIDATION);
    return out->outcome.message;
  };
  EXPECT_EQ(refused("pipette", "{}"), "operation 'pipette': not offered by model sim-incubator (offers: incubate)");
  EXPECT_EQ(refused("incubate", "{oops"), refused("incubate", "{oops"));
  EXPECT_EQ(refused("incubate", "{oops").rfind("parameters: not valid JSON", 0), 0u);
  EXPECT_EQ(refused("incubate", "[1]"), "parameters: must be an object");
  EXPECT_EQ(refused("incubate", R"({"temperature_c": 99})"), "parameter 'temperature_c': must be <= 70");
  EXPECT_EQ(refused("incubate", R"({"shaking_rpm": "fast"})"), "parameter 'shaking_rpm': must be a number");
  EXPECT_EQ(refused("incubate", R"({"duration_s": -5})"), "parameter 'duration_s': must be > 0");
}

TEST(SimDriver, UnitsAreCheckedAndABusyUnitRefusesASecondCommand) {
  SimHarness h("foundry_sim_incubator", "sim-incubator", {{"slots", 2}});
  auto first = std::make_shared<Outcome>();
  auto second = std::make_shared<Outcome>();
  auto third = std::make_shared<Outcome>();
  auto any = std::make_shared<Outcome>();
  auto out_of_range = std::make_shared<Outcome>();
  h.start(first, "incubate", {{"duration_s", 100.0}}, 1);
  h.start(second, "incubate", {{"duration_s", 100.0}}, 1);
  h.start(any, "incubate", {{"duration_s", 100.0}}, -1);    // gets the free slot 0
  h.start(third, "incubate", {{"duration_s", 100.0}}, -1);  // none left
  h.start(out_of_range, "incubate", {{"duration_s", 100.0}}, 2);
  h.clock->run();
  EXPECT_TRUE(first->outcome.ok);
  EXPECT_EQ(first->result().at("unit"), 1);
  EXPECT_EQ(second->outcome.error_kind, FOUNDRY_ERROR_EXECUTION);
  EXPECT_EQ(second->outcome.message, "unit_busy: unit 1 is busy with command 'cmd-1'");
  EXPECT_TRUE(any->outcome.ok);
  EXPECT_EQ(any->result().at("unit"), 0);
  EXPECT_EQ(third->outcome.message, "unit_busy: all 2 units are busy");
  EXPECT_EQ(out_of_range->outcome.error_kind, FOUNDRY_ERROR_VALIDATION);
  EXPECT_EQ(out_of_range->outcome.message, "unit: 2 is out of range 0..1 (or -1 for any)");
  // Once the first command ended its slot is free again.
  EXPECT_TRUE(h.run("incubate", {{"duration_s", 10.0}}, 1).outcome.ok);
}

TEST(SimDriver, CancelFailsTheCommandAtOnceAndFreesItsUnit) {
  SimHarness h("foundry_sim_incubator", "sim-incubator", {{"slots", 1}});
  auto out = std::make_shared<Outcome>();
  h.start(out, "incubate", {{"duration_s", 3600.0}}, 0, "long");
  bool cancelled = false;
  h.clock->call_after(600, [&] { cancelled = h.session->cancel("long"); });
  h.clock->run();
  EXPECT_TRUE(cancelled);
  EXPECT_FALSE(out->outcome.ok);
  EXPECT_EQ(out->outcome.error_kind, FOUNDRY_ERROR_EXECUTION);
  EXPECT_EQ(out->outcome.message, "cancelled");
  EXPECT_NEAR(out->duration(), 600, 1e-6);
  EXPECT_FALSE(h.session->cancel("long"));  // already over
  EXPECT_FALSE(h.session->cancel("never-heard-of"));
  EXPECT_TRUE(h.run("incubate", {{"duration_s", 10.0}}, 0).outcome.ok);
}

TEST(SimDriver, CommandStateAnswersForFinishedFailedAndUnknownCommands) {
  SimHarness h("foundry_sim_incubator", "sim-incubator");
  Outcome done = h.run("incubate", {{"duration_s", 10.0}}, -1, "a");
  ASSERT_TRUE(done.outcome.ok);
  auto state = json::parse(h.session->command_state("a"));
  EXPECT_EQ(state.at("state"), "finished");
  EXPECT_EQ(state.at("result"), done.result());
  auto out = std::make_shared<Outcome>();
  h.start(out, "incubate", {{"duration_s", 100.0}}, -1, "b");
  h.clock->call_after(1, [&] { h.session->cancel("b"); });
  h.clock->run();
  EXPECT_EQ(json::parse(h.session->command_state("b")).at("state"), "failed");
  EXPECT_EQ(json::parse(h.session->command_state("zzz")).at("state"), "unknown");
}

TEST(SimDriver, DestroyingTheDriverWithCommandsInFlightIsClean) {
  SimHarness h("foundry_sim_incubator", "sim-incubator");
  auto out = std::make_shared<Outcome>();
  h.start(out, "incubate", {{"duration_s", 3600.0}});
  h.session.reset();  // timers are told "cancelled"; no completion, no crash, nothing leaked (ASan)
  h.clock->run();
  EXPECT_LT(out->ended, 0);
}

}  // namespace
