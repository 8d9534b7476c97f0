// The temporal network as plan() uses it: earliest starts from lags and releases, and lag
// cycles that no schedule can satisfy, reported with the lags that form them.
#include <foundry/planner/planner.hpp>

#include <gtest/gtest.h>

#include <algorithm>

namespace foundry::planner {
namespace {

// One device per step, so only the lags decide the starts.
Problem chain_problem() {
  Problem p;
  p.name = "chain";
  for (const char* t : {"lh", "br", "pr"}) p.devices.push_back({std::string(t) + "1", t, 1, {}});
  p.jobs.push_back({"job", 1, 100, std::nullopt, {0, 1, 2}});
  p.steps.push_back({"a", "lh", 50, {}, 0, {}, {}, {}});
  p.steps.push_back({"b", "br", 1000, {{0, LagFrom::kEnd, 30, 60}}, 0, {}, {}, {}});
  p.steps.push_back({"c", "pr", 10, {{1, LagFrom::kStart, 400, 500}}, 0, {}, {}, {}});
  return p;
}

TEST(TemporalNetwork, EarliestStartsFollowReleaseAndMinimumLags) {
  const PlanResult r = plan(chain_problem(), {Objective::kMakespan, 0.2, 1});
  ASSERT_TRUE(r.schedule.has_value());
  const auto& a = r.schedule->assignments;
  EXPECT_EQ(a[0].start, 100);              // release
  EXPECT_EQ(a[1].start, 100 + 50 + 30);    // end of a + 30
  EXPECT_EQ(a[2].start, 180 + 400);        // start of b + 400
  EXPECT_EQ(r.schedule->makespan, 180 + 1000);
}

TEST(TemporalNetwork, PositiveCycleIsReportedWithItsLags) {
  Problem p = chain_problem();
  // a must start at least 2000 s after c starts, but c follows a closely: a cycle of +length.
  p.steps[0].after.push_back({2, LagFrom::kStart, 2000, std::nullopt});
  const PlanResult r = plan(p, {});
  ASSERT_FALSE(r.schedule.has_value());
  ASSERT_TRUE(r.infeasibility.has_value());
  const auto& why = *r.infeasibility;
  EXPECT_NE(why.reason.find("contradict"), std::string::npos) << why.reason;
  EXPECT_NE(why.reason.find("'a' at least 2000 s after the start of 'c'"), std::string::npos) << why.reason;
  for (const char* id : {"a", "b", "c"})
    EXPECT_NE(std::find(why.culprits.begin(), why.culprits.end(), id), why.culprits.end()) << id;
}

TEST(TemporalNetwork, MaxLagShorterThanMinLagChainIsACycle) {
  Problem p = chain_problem();
  // c at most 100 s after a's end, yet it needs b (>= 30 s after a's end) + 400 s.
  p.steps[2].after.push_back({0, LagFrom::kEnd, 0, 100});
  const PlanResult r = plan(p, {});
  ASSERT_TRUE(r.infeasibility.has_value());
  EXPECT_NE(r.infeasibility->reason.find("'c' at most 100 s after the end of 'a'"), std::string::npos)
      << r.infeasibility->reason;
  EXPECT_NE(r.infeasibility->reason.find("they need 330 s more"), std::string::npos) << r.infeasibility->reason;
}

TEST(TemporalNetwork, ZeroLengthCycleIsFeasible) {
  Problem p = chain_problem();
  // c exactly 400 s after b's start: min == max closes a cycle of length 0.
  p.steps[2].after[0].max_lag = 400;
  const PlanResult r = plan(p, {Objective::kMakespan, 0.2, 1});
  ASSERT_TRUE(r.schedule.has_value());
  EXPECT_EQ(r.schedule->assignments[2].start - r.schedule->assignments[1].start, 400);
}

}  // namespace
}  // namespace foundry::planner
