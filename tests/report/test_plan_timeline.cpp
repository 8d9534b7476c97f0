// timeline_from_plan: a plan drawn like what ran (plan-only bars, windows from planned times),
// as `foundry plan --svg` draws it.
#include "mixed_resource_plan.hpp"

#include <foundry/planner/problem_io.hpp>
#include <foundry/report/gantt.hpp>
#include <foundry/report/plan_timeline.hpp>

#include <gtest/gtest.h>

#include <algorithm>

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

using testing::mixed_resource_problem;
using testing::mixed_resource_schedule;

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

TEST(PlanTimeline, AStepHoldingSeveralResourcesHasABarOnEveryUnitItHolds) {
  Timeline t = timeline_from_plan(mixed_resource_problem(), mixed_resource_schedule());
  std::vector<std::pair<std::string, int>> lanes_of_c;
  for (const auto& b : t.bars)
    if (b.step_id == "c") lanes_of_c.emplace_back(b.device_id, b.unit);
  std::sort(lanes_of_c.begin(), lanes_of_c.end());
  EXPECT_EQ(lanes_of_c, (std::vector<std::pair<std::string, int>>{{"arm", 0}, {"nest", 0}, {"nest", 1}}));
  for (const auto& b : t.bars) EXPECT_NE(b.step_id, "done") << "holds nothing: no bar";
  EXPECT_EQ(t.bars.size(), 5u);  // a<1>, b, and c three times
}

TEST(PlanTimeline, DemandStepsOnOneDeviceAtOnceTakeDifferentUnits) {
  planner::Problem p = planner::read_neutral_json(R"({"name": "rcpsp", "devices": [
      {"id": "pool", "type": "pool", "capacity": 4}],
    "jobs": [{"id": "j", "steps": [
      {"id": "x", "duration": 10, "demands": [{"device": "pool", "amount": 2}]},
      {"id": "y", "duration": 10, "demands": [{"device": "pool", "amount": 2}]},
      {"id": "z", "duration": 10, "demands": [{"device": "pool", "amount": 3}]}]}]})",
                                                  "rcpsp.json");
  planner::Schedule s;
  s.assignments = {{0, 0, 0, 0, 10}, {1, 0, 0, 5, 15}, {2, 0, 0, 15, 25}};
  s.makespan = 25;
  Timeline t = timeline_from_plan(p, s);
  auto units_of = [&](const std::string& step) {
    std::vector<int> units;
    for (const auto& b : t.bars)
      if (b.step_id == step) units.push_back(b.unit);
    std::sort(units.begin(), units.end());
    return units;
  };
  EXPECT_EQ(units_of("x"), (std::vector<int>{0, 1}));
  EXPECT_EQ(units_of("y"), (std::vector<int>{2, 3}));     // x still holds 0 and 1 at 5
  EXPECT_EQ(units_of("z"), (std::vector<int>{0, 1, 2}));  // both done by 15
}

// What `foundry plan --svg` writes: the ids escaped on hover, every device with its lanes, a
// step holding several resources drawn on each unit it holds, a step holding nothing not drawn.
TEST(PlanGantt, DrawsEveryStepWithItsIdOnHoverAndLanesPerDevice) {
  Timeline timeline = timeline_from_plan(mixed_resource_problem(), mixed_resource_schedule());
  timeline.dated = false;  // a problem file's plan: times from its origin, no dates
  std::string svg = gantt_svg(timeline);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("<title>small &lt;lab&gt;: 3 steps, 1 min</title>"), std::string::npos) << svg;
  EXPECT_NE(svg.find("<title>j&amp;1 a&lt;1&gt; (lh) on lh1: planned; planned +0 s, 10 s</title>"), std::string::npos)
      << svg;
  EXPECT_NE(svg.find("<title>j&amp;1 b (br) on br slot 5: planned; planned +10 s, 1 min</title>"), std::string::npos)
      << svg;
  EXPECT_EQ(svg.find("1970"), std::string::npos) << "no dates";
  EXPECT_EQ(count(svg, "<title>j&amp;1 c on "), 3u) << svg;  // arm 1 + nest 2
  EXPECT_EQ(count(svg, "<title>j&amp;1 c on arm: "), 1u) << svg;
  EXPECT_EQ(count(svg, "<title>j&amp;1 c on nest slot "), 2u) << svg;
  for (const char* lane : {">lh1 · lh<", ">br · 1/24 slots used<", ">arm<", ">nest · 2/3 slots used<"})
    EXPECT_NE(svg.find(lane), std::string::npos) << lane;
  EXPECT_EQ(svg.find(" done"), std::string::npos);  // holds nothing: no bar
}

}  // namespace
}  // namespace foundry::report
