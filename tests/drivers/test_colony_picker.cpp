// The colony picker: colony counts from the seed and design, picking, the "no colonies" error.
#include "sim_harness.hpp"

#include <gtest/gtest.h>

namespace {

using foundry::test::Outcome;
using foundry::test::SimHarness;
using nlohmann::json;

TEST(ColonyPicker, CountsAndPicksColoniesOfADesign) {
  SimHarness h("foundry_sim_colony_picker", "sim-cp");
  const json d = {{"id", "d01"}, {"promoter", "J23100"}, {"rbs", "B0034"}};
  Outcome out = h.run("pick_colonies", {{"design", d}, {"colonies", 6}});
  ASSERT_TRUE(out.outcome.ok) << out.outcome.message;
  const json r = out.result();
  EXPECT_EQ(foundry::test::result_schema_violation(*h.library, "sim-cp", "pick_colonies", r), "");
  EXPECT_GT(r.at("colonies_found").get<int>(), 6);
  EXPECT_EQ(r.at("picked"), 6);
  EXPECT_EQ(out.measurement("colony_count"), r.at("colonies_found").get<double>());
  // The same plate (seed, design) always shows the same colonies.
  SimHarness again("foundry_sim_colony_picker", "sim-cp");
  EXPECT_EQ(again.run("pick_colonies", {{"design", d}}).result().at("colonies_found"), r.at("colonies_found"));
}

TEST(ColonyPicker, AFailedTransformationIsTheDeclaredNoColoniesError) {
  SimHarness h("foundry_sim_colony_picker", "sim-cp", {{"transformation_failure_rate", 1.0}});
  Outcome out = h.run("pick_colonies", {{"design", "d02"}});
  EXPECT_EQ(out.outcome.error_kind, FOUNDRY_ERROR_EXECUTION);
  EXPECT_EQ(out.outcome.message, "no_colonies: 0 found on 'agar_plate', at least 1 needed");
}

TEST(ColonyPicker, FewerColoniesThanTheMinimumIsAnError) {
  SimHarness h("foundry_sim_colony_picker", "sim-cp");
  const int found = h.run("pick_colonies", {{"design", "d03"}}).result().at("colonies_found");
  ASSERT_LT(found, 96);
  Outcome out = h.run("pick_colonies", {{"design", "d03"}, {"min_colonies", found + 1}});
  EXPECT_EQ(out.outcome.error_kind, FOUNDRY_ERROR_EXECUTION);
  EXPECT_EQ(out.outcome.message, "no_colonies: " + std::to_string(found) + " found on 'agar_plate', at least " +
                                     std::to_string(found + 1) + " needed");
  EXPECT_TRUE(h.run("pick_colonies", {{"design", "d03"}, {"min_colonies", found}}).outcome.ok);
}

TEST(ColonyPicker, ValidationErrorsNameTheParameter) {
  SimHarness h("foundry_sim_colony_picker", "sim-cp");
  Outcome out = h.run("pick_colonies", {{"colonies", 200}});
  EXPECT_EQ(out.outcome.error_kind, FOUNDRY_ERROR_VALIDATION);
  EXPECT_EQ(out.outcome.message, "parameter 'colonies': must be <= 96");
}

}  // namespace
