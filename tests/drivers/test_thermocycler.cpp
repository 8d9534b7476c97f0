// The thermocycler: named programs and custom profiles, durations from the profile.
#include "sim_harness.hpp"

#include <gtest/gtest.h>

namespace {

using foundry::test::Outcome;
using foundry::test::SimHarness;
using nlohmann::json;

TEST(Thermocycler, RunsNamedProgramsForAboutTheirProfileTime) {
  SimHarness h("foundry_sim_thermocycler", "sim-tc-96");
  for (const char* program : {"gibson_assembly", "golden_gate", "pcr", "heat_shock"}) {
    Outcome out = h.run("run_program", {{"program", program}});
    ASSERT_TRUE(out.outcome.ok) << program << ": " << out.outcome.message;
    const json r = out.result();
    EXPECT_EQ(foundry::test::result_schema_violation(*h.library, "sim-tc-96", "run_program", r), "") << program;
    EXPECT_EQ(r.at("program"), program);
    const double profile = r.at("profile_duration_s");
    EXPECT_NEAR(out.duration(), profile, 0.04 * profile + 1e-6) << program;
  }
  // Gibson: one hour at 50 degC plus lid heating and ramping.
  EXPECT_NEAR(h.run("run_program", {{"program", "gibson_assembly"}}).result().at("profile_duration_s").get<double>(), 3600 + 120 + 25.0 / 3, 1e-6);
}

TEST(Thermocycler, ACustomProfileTakesCyclesTimesItsHolds) {
  SimHarness h("foundry_sim_thermocycler", "sim-tc-96", {{"duration_jitter", 0.0}});
  json steps = json::array({{{"temperature_c", 95}, {"hold_s", 30}}, {{"temperature_c", 55}, {"hold_s", 30}}});
  const double five = h.run("run_program", {{"steps", steps}, {"cycles", 5}}).duration();
  const double ten = h.run("run_program", {{"steps", steps}, {"cycles", 10}}).duration();
  EXPECT_NEAR(ten - five, 5 * (60 + 2 * 40.0 / 3), 1e-6);
}

TEST(Thermocycler, FollowsThePlannedDurationWhenGiven) {
  SimHarness h("foundry_sim_thermocycler", "sim-tc-96");
  Outcome out = h.run("run_program", {{"program", "pcr"}, {"duration_s", 5400}});
  EXPECT_NEAR(out.duration(), 5400, 0.04 * 5400);
}

TEST(Thermocycler, ValidationErrorsNameTheParameter) {
  SimHarness h("foundry_sim_thermocycler", "sim-tc-96");
  auto message = [&](const json& p) {
    Outcome out = h.run("run_program", p);
    EXPECT_EQ(out.outcome.error_kind, FOUNDRY_ERROR_VALIDATION) << p;
    return out.outcome.message;
  };
  EXPECT_EQ(message(json::object()), "parameter 'program': is required (or give steps)");
  EXPECT_EQ(message({{"program", "bake"}}), "parameter 'program': unknown program 'bake' (known: gibson_assembly, golden_gate, heat_shock, pcr)");
  EXPECT_EQ(message({{"steps", json::array({{{"temperature_c", 120}, {"hold_s", 10}}})}}), "parameter 'steps[0].temperature_c': must be <= 99");
  EXPECT_EQ(message({{"program", "pcr"}, {"cycles", 0}}), "parameter 'cycles': must be >= 1");
  EXPECT_EQ(message({{"program", "pcr"}, {"steps", json::array({{{"temperature_c", 50}, {"hold_s", 10}}})}}),
            "parameter 'program': give either a program or steps, not both");
}

}  // namespace
