// The shaking incubator: slots as units, conditions and hours in the result.
#include "sim_harness.hpp"

#include <gtest/gtest.h>

namespace {

using foundry::test::Outcome;
using foundry::test::SimHarness;
using nlohmann::json;

TEST(Incubator, HoldsAPlateOvernightAndLogsTheChamberTemperature) {
  SimHarness h("foundry_sim_incubator", "sim-incubator");
  Outcome out = h.run("incubate", {{"temperature_c", 30}, {"shaking_rpm", 800}, {"duration_s", 16 * 3600.0}, {"design", "d01"}}, 19);
  ASSERT_TRUE(out.outcome.ok) << out.outcome.message;
  const json r = out.result();
  EXPECT_EQ(foundry::test::result_schema_violation(*h.library, "sim-incubator", "incubate", r), "");
  EXPECT_EQ(r.at("unit"), 19);
  EXPECT_EQ(r.at("design"), "d01");
  EXPECT_NEAR(r.at("hours").get<double>(), 16, 16 * 0.04);
  EXPECT_NEAR(out.measurement("chamber_temperature"), 30, 0.3);
}

TEST(Incubator, TheSlotsSettingSizesTheDevice) {
  SimHarness h("foundry_sim_incubator", "sim-incubator", {{"slots", 48}});
  EXPECT_TRUE(h.run("incubate", {{"duration_s", 60}}, 47).outcome.ok);
  EXPECT_EQ(h.run("incubate", {{"duration_s", 60}}, 48).outcome.error_kind, FOUNDRY_ERROR_VALIDATION);
}

}  // namespace
