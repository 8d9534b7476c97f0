// plan() on small hand-checked problems (capacity, units, windows, release, downtimes, frozen
// steps, several resources, alternatives), its infeasibility reasons, determinism, and random
// lab problems checked by the independent verifier.
#include <foundry/planner/planner.hpp>

#include "problem_generator.hpp"
#include "schedule_verifier.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

namespace foundry::planner {
namespace {

PlanOptions quick(Objective objective = Objective::kMakespan) {
  PlanOptions o;
  o.objective = objective;
  o.time_limit_s = 0.2;
  return o;
}

Step step(std::string id, std::string type, Time duration, std::vector<Lag> after = {}, std::size_t job = 0) {
  Step s;
  s.id = std::move(id);
  s.type = std::move(type);
  s.duration = duration;
  s.after = std::move(after);
  s.job = job;
  return s;
}

// n independent one-step jobs of `duration` on one device of `capacity` units.
Problem parallel_jobs(int n, int capacity, Time duration) {
  Problem p;
  p.devices.push_back({"br", "bioreactor", capacity, {}});
  for (int i = 0; i < n; ++i) {
    p.jobs.push_back({"j" + std::to_string(i), 1, 0, std::nullopt, {static_cast<std::size_t>(i)}});
    p.steps.push_back(step("s" + std::to_string(i), "bioreactor", duration, {}, static_cast<std::size_t>(i)));
  }
  return p;
}

void expect_valid(const Problem& p, const PlanResult& r) {
  ASSERT_TRUE(r.schedule.has_value()) << (r.infeasibility ? r.infeasibility->reason : "");
  const auto v = testing::verify_schedule(p, *r.schedule);
  EXPECT_TRUE(v.empty()) << testing::describe_violations(v);
}

TEST(Planner, MultiUnitDeviceRunsCapacityStepsAtOnceOnDistinctUnits) {
  const Problem p = parallel_jobs(5, 2, 100);
  const PlanResult r = plan(p, quick());
  expect_valid(p, r);
  EXPECT_EQ(r.schedule->makespan, 300);  // 2 + 2 + 1
  const auto& a = r.schedule->assignments;
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t k = i + 1; k < a.size(); ++k)
      if (a[i].start < a[k].end && a[k].start < a[i].end) {
        EXPECT_NE(a[i].unit, a[k].unit);
      }
}

TEST(Planner, SampleIsPinnedInsideTheCultivationWindowFromStart) {
  Problem p;
  p.devices = {{"lh", "liquid_handler", 1, {}}, {"br", "bioreactor", 24, {}}};
  p.jobs.push_back({"cult", 1, 0, std::nullopt, {0, 1, 2}});
  p.steps.push_back(step("inoculation", "liquid_handler", 1260));
  p.steps.push_back(step("cultivation", "bioreactor", 111600, {{0, LagFrom::kEnd, 0, 1800}}));
  p.steps.push_back(step("sample", "liquid_handler", 420, {{1, LagFrom::kStart, 14400, 15300}}));
  const PlanResult r = plan(p, quick(Objective::kWeightedCompletion));
  expect_valid(p, r);
  const auto& a = r.schedule->assignments;
  EXPECT_GE(a[2].start - a[1].start, 14400);
  EXPECT_LE(a[2].start - a[1].start, 15300);
}

TEST(Planner, MaxLagForcesThePredecessorLater) {
  // The reader is busy until 1000 (a started step); 'read' must start within 60 s of 'prep'
  // ending, so 'prep' (free at 0) has to be delayed rather than placed as early as possible.
  Problem p;
  p.devices = {{"lh", "liquid_handler", 1, {}}, {"pr", "plate_reader", 1, {}}};
  p.jobs.push_back({"busy", 5, 0, std::nullopt, {0}});
  p.jobs.push_back({"assay", 1, 0, std::nullopt, {1, 2}});
  p.steps.push_back(step("blocker", "plate_reader", 1000, {}, 0));
  p.steps.back().frozen = Frozen{0, 1, 0};
  p.steps.push_back(step("prep", "liquid_handler", 100, {}, 1));
  p.steps.push_back(step("read", "plate_reader", 50, {{1, LagFrom::kEnd, 0, 60}}, 1));
  const PlanResult r = plan(p, quick(Objective::kWeightedCompletion));
  expect_valid(p, r);
  const auto& a = r.schedule->assignments;
  EXPECT_GE(a[2].start, 1000);
  EXPECT_LE(a[2].start - a[1].end, 60);
}

TEST(Planner, ReleaseAndDowntimeAreKept) {
  Problem p = parallel_jobs(2, 1, 100);
  p.jobs[1].release = 50;
  p.devices[0].downtimes.push_back({120, 400});
  const PlanResult r = plan(p, quick());
  expect_valid(p, r);
  EXPECT_EQ(r.schedule->makespan, 500);  // one at 0-100, the other after the downtime
}

TEST(Planner, FrozenStepsStayWhereTheyAre) {
  Problem p = parallel_jobs(3, 1, 100);
  p.steps[2].frozen = Frozen{30, 0, 0};
  const PlanResult r = plan(p, quick());
  expect_valid(p, r);
  EXPECT_EQ(r.schedule->assignments[2].start, 30);
}

TEST(Planner, AStepOnAMultiUnitDeviceGetsOneUnitFreeThroughoutAroundStartedSteps) {
  // Started steps hold unit 0 over [0, 100) and unit 1 over [200, 300): two units are free or
  // one is at every moment, but no unit is free over [50, 250). 'long' (200 s, released at 50)
  // fits the summed usage at 50; it must wait for unit 0 at 100. (Repair freezes every started
  // step on its unit, so long cultivations met this: plans with two steps on one vessel.)
  Problem p = parallel_jobs(3, 2, 100);
  p.steps[0].frozen = Frozen{0, 0, 0};
  p.steps[1].frozen = Frozen{200, 0, 1};
  p.steps[2].duration = 200;
  p.jobs[2].release = 50;
  const PlanResult r = plan(p, quick());
  expect_valid(p, r);
  EXPECT_EQ(r.schedule->assignments[2].start, 100);
  EXPECT_EQ(r.schedule->assignments[2].unit, 0);
}

TEST(Planner, StepsWithSeveralResourcesAndAlternatives) {
  Problem p;
  p.devices = {{"arm", "robot_arm", 1, {}}, {"hotel", "hotel", 3, {}}, {"m1", "mill", 1, {}}, {"m2", "mill", 1, {}}};
  p.jobs.push_back({"j", 1, 0, std::nullopt, {0, 1, 2, 3}});
  for (int i = 0; i < 3; ++i) {
    Step s = step("move" + std::to_string(i), "", 10);
    s.demands = {{0, 1}, {1, 2}};
    p.steps.push_back(s);
  }
  Step alt = step("mill", "mill", 1);
  alt.alternatives = {{2, 50}, {3, 20}};
  p.steps.push_back(alt);
  const PlanResult r = plan(p, quick());
  expect_valid(p, r);
  EXPECT_EQ(r.schedule->makespan, 30);  // the arm serialises the moves; mill m2 takes 20
  EXPECT_EQ(r.schedule->assignments[3].device, 3u);
}

TEST(Planner, UnresolvableResourceConflictNamesStepsAndDevice) {
  // Both steps need the single plate reader at exactly the same moment.
  Problem p;
  p.devices = {{"pr", "plate_reader", 1, {}}};
  p.jobs.push_back({"j", 1, 0, std::nullopt, {0, 1}});
  p.steps.push_back(step("read-1", "plate_reader", 100));
  p.steps.push_back(step("read-2", "plate_reader", 100, {{0, LagFrom::kStart, 0, 0}}));
  const PlanResult r = plan(p, quick());
  ASSERT_FALSE(r.schedule.has_value());
  ASSERT_TRUE(r.infeasibility.has_value());
  const auto& c = r.infeasibility->culprits;
  EXPECT_NE(std::find(c.begin(), c.end(), "pr"), c.end()) << r.infeasibility->reason;
  EXPECT_NE(r.infeasibility->reason.find("read-"), std::string::npos) << r.infeasibility->reason;
}

TEST(Planner, WindowInsideAStartedStepIsProvenInfeasible) {
  // 'read' must start 0-60 s after 'prep' (started at 0) ends, but the only reader is held by a
  // started step until 1000: no plan exists, and the planner says so rather than "not found".
  Problem p;
  p.devices = {{"lh", "liquid_handler", 1, {}}, {"pr", "plate_reader", 1, {}}};
  p.jobs.push_back({"busy", 1, 0, std::nullopt, {0}});
  p.jobs.push_back({"assay", 1, 0, std::nullopt, {1, 2}});
  p.steps.push_back(step("blocker", "plate_reader", 1000, {}, 0));
  p.steps.back().frozen = Frozen{0, 1, 0};
  p.steps.push_back(step("prep", "liquid_handler", 100, {}, 1));
  p.steps.back().frozen = Frozen{0, 0, 0};
  p.steps.push_back(step("read", "plate_reader", 50, {{1, LagFrom::kEnd, 0, 60}}, 1));
  const PlanResult r = plan(p, quick());
  ASSERT_TRUE(r.infeasibility.has_value());
  EXPECT_EQ(r.infeasibility->reason.rfind("no plan exists", 0), 0u) << r.infeasibility->reason;
  const auto& c = r.infeasibility->culprits;
  EXPECT_NE(std::find(c.begin(), c.end(), "read"), c.end());
  EXPECT_NE(std::find(c.begin(), c.end(), "pr"), c.end());
}

TEST(Planner, DemandAboveCapacityIsInfeasible) {
  Problem p = parallel_jobs(1, 2, 10);
  p.steps[0].type.clear();
  p.steps[0].demands = {{0, 3}};
  const PlanResult r = plan(p, quick());
  ASSERT_TRUE(r.infeasibility.has_value());
  EXPECT_NE(r.infeasibility->reason.find("only 2"), std::string::npos) << r.infeasibility->reason;
}

TEST(Planner, StepWithoutDeviceOfItsTypeIsRejected) {
  Problem p = parallel_jobs(1, 1, 10);
  p.steps[0].type = "centrifuge";
  EXPECT_THROW(plan(p, quick()), std::invalid_argument);
}

TEST(Planner, SameSeedAndWorkBudgetGiveTheSamePlan) {
  const Problem p = testing::generate_lab_problem(7);
  PlanOptions o;
  o.work_limit = 200000;
  o.time_limit_s = 60;
  o.seed = 3;
  const PlanResult a = plan(p, o);
  const PlanResult b = plan(p, o);
  ASSERT_TRUE(a.schedule && b.schedule);
  ASSERT_EQ(a.schedule->assignments.size(), b.schedule->assignments.size());
  for (std::size_t i = 0; i < a.schedule->assignments.size(); ++i) {
    EXPECT_EQ(a.schedule->assignments[i].start, b.schedule->assignments[i].start);
    EXPECT_EQ(a.schedule->assignments[i].device, b.schedule->assignments[i].device);
  }
}

TEST(Planner, SeveralThreadsKeepTheBestPlanDeterministically) {
  const Problem p = testing::generate_lab_problem(9);
  PlanOptions o;
  o.work_limit = 100000;
  o.time_limit_s = 60;
  o.threads = 2;
  const PlanResult a = plan(p, o);
  const PlanResult b = plan(p, o);
  expect_valid(p, a);
  ASSERT_TRUE(b.schedule.has_value());
  EXPECT_EQ(a.schedule->objective_value, b.schedule->objective_value);
  o.threads = 1;
  const PlanResult single = plan(p, o);
  ASSERT_TRUE(single.schedule.has_value());
  EXPECT_LE(a.schedule->objective_value, single.schedule->objective_value);  // seed 1 is among the searches
}

TEST(Planner, RandomLabProblemsPassTheVerifier) {
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    testing::LabProblemOptions options;
    options.demands = seed % 3 == 0;
    options.downtimes = seed % 2 == 0;
    const Problem p = testing::generate_lab_problem(seed, options);
    PlanOptions o;
    o.time_limit_s = 0.1;
    o.seed = seed;
    SCOPED_TRACE("seed " + std::to_string(seed));
    expect_valid(p, plan(p, o));
  }
}

}  // namespace
}  // namespace foundry::planner
