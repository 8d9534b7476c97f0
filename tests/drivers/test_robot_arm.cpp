// The robot arm: plates between named nests, an idempotent move, the declared errors.
#include "sim_harness.hpp"

#include <gtest/gtest.h>

namespace {

using foundry::test::Outcome;
using foundry::test::SimHarness;
using nlohmann::json;

TEST(RobotArm, MovesAPlateFromTheHotelToADeviceAndBack) {
  SimHarness h("foundry_sim_robot_arm", "sim-arm");
  Outcome out = h.run("move_plate", {{"plate", "plate-03"}, {"to", "pr1.tray"}});
  ASSERT_TRUE(out.outcome.ok) << out.outcome.message;
  EXPECT_EQ(foundry::test::result_schema_violation(*h.library, "sim-arm", "move_plate", out.result()), "");
  EXPECT_EQ(out.result().at("from"), "hotel.3");
  EXPECT_EQ(out.result().at("moved"), true);
  EXPECT_GT(out.duration(), 20);
  Outcome back = h.run("move_plate", {{"plate", "plate-03"}, {"from", "pr1.tray"}, {"to", "hotel.3"}});
  ASSERT_TRUE(back.outcome.ok) << back.outcome.message;
  EXPECT_EQ(back.result().at("from"), "pr1.tray");
}

TEST(RobotArm, RepeatingAMoveLeavesThePlateWhereItIs) {
  SimHarness h("foundry_sim_robot_arm", "sim-arm");
  ASSERT_TRUE(h.run("move_plate", {{"plate", "plate-01"}, {"to", "lh1.deck"}}).outcome.ok);
  Outcome again = h.run("move_plate", {{"plate", "plate-01"}, {"to", "lh1.deck"}});
  ASSERT_TRUE(again.outcome.ok);
  EXPECT_EQ(again.result().at("moved"), false);
  EXPECT_EQ(again.result().at("from"), "lh1.deck");
}

TEST(RobotArm, DeclaredErrors) {
  SimHarness h("foundry_sim_robot_arm", "sim-arm", {{"nests", {{"a", "p1"}, {"b", "p2"}, {"c", nullptr}}}});
  auto message = [&](const json& parameters) {
    Outcome out = h.run("move_plate", parameters);
    EXPECT_EQ(out.outcome.error_kind, FOUNDRY_ERROR_EXECUTION) << parameters;
    return out.outcome.message;
  };
  EXPECT_EQ(message({{"plate", "p1"}, {"to", "z"}}), "unknown_nest: 'z' (nests: a, b, c)");
  EXPECT_EQ(message({{"plate", "p9"}, {"to", "c"}}), "plate_not_found: no nest holds 'p9'");
  EXPECT_EQ(message({{"plate", "p1"}, {"from", "b"}, {"to", "c"}}), "wrong_nest: 'p1' is in 'a', not in 'b'");
  EXPECT_EQ(message({{"plate", "p1"}, {"to", "b"}}), "nest_occupied: 'b' holds 'p2'");
  EXPECT_TRUE(h.run("move_plate", {{"plate", "p1"}, {"to", "c"}}).outcome.ok);
}

TEST(RobotArm, BadNestsSettingRefusesTheDevice) {
  try {
    SimHarness h("foundry_sim_robot_arm", "sim-arm", {{"nests", {{"a", 5}}}});
    FAIL() << "created";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("settings 'nests.a': must be a string or a null"), std::string::npos) << e.what();
  }
}

}  // namespace
