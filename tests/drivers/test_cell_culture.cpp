// The cell-culture station: confluence grows over time, a medium exchange every ~24 h keeps
// cells viable and a late one costs viability, passage splits, harvest empties the vessel.
#include "sim_harness.hpp"

#include <gtest/gtest.h>

namespace {

using foundry::test::Outcome;
using foundry::test::SimHarness;
using nlohmann::json;

double value(const Outcome& out, const char* key) { return out.result().at(key).get<double>(); }

TEST(CellCulture, ConfluenceGrowsWhileTheMediumIsChangedDaily) {
  SimHarness h("foundry_sim_cell_culture", "sim-ccs");
  Outcome seeded = h.run("seed", {{"line", "iPS-201B7"}, {"cells", 5e5}}, 2);
  ASSERT_TRUE(seeded.outcome.ok) << seeded.outcome.message;
  EXPECT_EQ(foundry::test::result_schema_violation(*h.library, "sim-ccs", "seed", seeded.result()), "");
  EXPECT_NEAR(value(seeded, "confluence_pct"), 5.0 / 0.95, 0.2);  // viable plus the 5 % dead
  double last = value(seeded, "confluence_pct");
  for (int day = 0; day < 3; ++day) {
    h.wait_hours(23.5);
    Outcome fed = h.run("medium_exchange", json::object(), 2);
    ASSERT_TRUE(fed.outcome.ok) << fed.outcome.message;
    EXPECT_EQ(foundry::test::result_schema_violation(*h.library, "sim-ccs", "medium_exchange", fed.result()), "");
    EXPECT_GT(value(fed, "confluence_pct"), 1.5 * last) << "day " << day;
    EXPECT_DOUBLE_EQ(value(fed, "late_h"), 0.0);
    EXPECT_GT(value(fed, "viability_pct"), 90.0);
    last = value(fed, "confluence_pct");
  }
}

TEST(CellCulture, AMediumExchangeThatComesLateCostsViability) {
  SimHarness h("foundry_sim_cell_culture", "sim-ccs");
  ASSERT_TRUE(h.run("seed", {{"cells", 1e6}}, 0).outcome.ok);
  ASSERT_TRUE(h.run("seed", {{"cells", 1e6}}, 1).outcome.ok);
  h.wait_hours(23);
  Outcome on_time = h.run("medium_exchange", json::object(), 0);
  h.wait_hours(24);  // vessel 1 is now 48 h on its first medium
  Outcome late = h.run("medium_exchange", json::object(), 1);
  ASSERT_TRUE(late.outcome.ok) << late.outcome.message;
  EXPECT_GT(value(late, "late_h"), 23.0);
  EXPECT_GT(value(late, "medium_age_h"), 47.0);
  EXPECT_LT(value(late, "viability_pct"), 60.0);
  Outcome again = h.run("medium_exchange", json::object(), 0);
  EXPECT_GT(value(again, "viability_pct"), 90.0);
  EXPECT_GT(value(again, "viable_cells"), 2 * value(late, "viable_cells"));
  // A fresh medium washes dead cells out: viability rises again.
  Outcome after = h.run("medium_exchange", json::object(), 1);
  EXPECT_GT(value(after, "viability_pct"), value(late, "viability_pct"));
}

TEST(CellCulture, PassageSplitsAndHarvestEmptiesTheVessel) {
  SimHarness h("foundry_sim_cell_culture", "sim-ccs", {{"vessels", 4}});
  ASSERT_TRUE(h.run("seed", {{"cells", 2e6}}, 3).outcome.ok);
  h.wait_hours(20);
  Outcome passage = h.run("passage", {{"split_ratio", 5}}, 3);
  ASSERT_TRUE(passage.outcome.ok) << passage.outcome.message;
  EXPECT_NEAR(value(passage, "cells_reseeded"), value(passage, "viable_cells") / 5, 0.15 * value(passage, "cells_reseeded"));
  Outcome harvest = h.run("harvest", json::object(), 3);
  ASSERT_TRUE(harvest.outcome.ok);
  EXPECT_LT(value(harvest, "confluence_pct"), value(passage, "confluence_pct") / 3);
  Outcome empty = h.run("medium_exchange", json::object(), 3);
  EXPECT_EQ(empty.outcome.error_kind, FOUNDRY_ERROR_EXECUTION);
  EXPECT_EQ(empty.outcome.message, "vessel_empty: vessel 3 holds no culture (seed it first)");
  EXPECT_EQ(h.run("seed", json::object(), 4).outcome.error_kind, FOUNDRY_ERROR_VALIDATION);  // 4 vessels
}

TEST(CellCulture, SeedingAnOccupiedVesselIsTheDeclaredError) {
  SimHarness h("foundry_sim_cell_culture", "sim-ccs");
  ASSERT_TRUE(h.run("seed", {{"line", "iPS-A"}}, 0).outcome.ok);
  Outcome twice = h.run("seed", {{"line", "iPS-B"}}, 0);
  EXPECT_EQ(twice.outcome.error_kind, FOUNDRY_ERROR_EXECUTION);
  EXPECT_EQ(twice.outcome.message, "vessel_occupied: vessel 0 holds a culture of iPS-A; harvest it first");
  EXPECT_EQ(h.run("seed", {{"cells", 10}}).outcome.message, "parameter 'cells': must be >= 10000");
}

}  // namespace
