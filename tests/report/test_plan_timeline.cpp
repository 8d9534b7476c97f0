// timeline_from_plan: a plan drawn like what ran (plan-only bars, windows from planned times).
#include <foundry/report/gantt.hpp>
#include <foundry/report/plan_timeline.hpp>

#include <gtest/gtest.h>

namespace foundry::report {
namespace {

planner::Problem two_steps() {
  planner::Problem p;
  p.name = "preview";
  p.devices = {{"lh1", "liquid_handler", 1, {}}, {"br", "bioreactor", 24, {}}};
  p.jobs = {{"run-a", 1, 0, std::nullopt, {0, 1}}};
  planner::Step inoculate;
  inoculate.id = "inoculate";
  inoculate.type = "liquid_handler";
  inoculate.duration = 600;
  planner::Step cultivate;
  cultivate.id = "cultivate";
  cultivate.type = "bioreactor";
  cultivate.duration = 3600;
  cultivate.after = {{0, planner::LagFrom::kEnd, 0, 900}};
  p.steps = {inoculate, cultivate};
  return p;
}

TEST(PlanTimeline, BarsCarryThePlanAndLagsBecomeWindows) {
  planner::Problem problem = two_steps();
  planner::Schedule schedule;
  schedule.assignments = {{0, 0, 0, 0, 600}, {1, 1, 7, 700, 4300}};
  schedule.makespan = 4300;
  Timeline t = timeline_from_plan(problem, schedule, 1000);
  ASSERT_EQ(t.bars.size(), 2u);
  EXPECT_EQ(t.bars[1].device_id, "br");
  EXPECT_EQ(t.bars[1].unit, 7);
  EXPECT_EQ(t.bars[1].run_id, "run-a");
  EXPECT_DOUBLE_EQ(*t.bars[1].planned_start, 1700);
  EXPECT_FALSE(t.bars[1].started.has_value());
  ASSERT_EQ(t.windows.size(), 1u);
  EXPECT_DOUBLE_EQ(t.windows[0].open, 1600);
  EXPECT_DOUBLE_EQ(t.windows[0].close, 2500);
  EXPECT_DOUBLE_EQ(t.end, 5300);
  std::string svg = gantt_svg(t);
  EXPECT_NE(svg.find("br · bioreactor · 1/24 vessels used"), std::string::npos);
  EXPECT_NE(svg.find("class=\"plan\""), std::string::npos);
  EXPECT_EQ(svg.find("class=\"ran"), std::string::npos) << "nothing ran yet";
}

}  // namespace
}  // namespace foundry::report
