// improve(): the anytime improvement of a plan in force after a repair. Every plan it returns
// passes the independent verifier, is strictly better than the plan it was given (objective
// worked out here from the assignments), keeps every step started before `now` in place and
// starts nothing in the past; when it finds nothing better it returns no plan and says so.
#include "problem_generator.hpp"
#include "schedule_verifier.hpp"
#include "started_steps.hpp"

#include <foundry/planner/planner.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace foundry::planner {
namespace {

// Sum over jobs of priority x the latest end of the job's steps (the default objective).
double weighted_completion(const Problem& p, const Schedule& s) {
  std::vector<Time> completion(p.jobs.size(), 0);
  for (const Assignment& a : s.assignments)
    completion[p.steps[a.step].job] = std::max(completion[p.steps[a.step].job], a.end);
  double sum = 0;
  for (std::size_t j = 0; j < p.jobs.size(); ++j) sum += p.jobs[j].priority * static_cast<double>(completion[j]);
  return sum;
}

// A first plan only (a tiny work budget), so that there is room to improve.
Schedule first_plan(const Problem& p) {
  PlanOptions o;
  o.work_limit = 1;
  const PlanResult r = plan(p, o);
  if (!r.schedule) throw std::runtime_error("no first plan: " + r.infeasibility->reason);
  return *r.schedule;
}

// A moment when a fifth of the steps have started. (Later, the steps left are mostly held by
// their jobs' started steps through lags of minutes, so there is little left to improve.)
Time fifth_started(const Schedule& s) {
  std::vector<Time> starts;
  for (const Assignment& a : s.assignments) starts.push_back(a.start);
  std::sort(starts.begin(), starts.end());
  return starts[starts.size() / 5] + 1;
}

// A crowded lab (one device per type), where a first plan leaves room to improve.
Problem crowded_lab(std::uint64_t seed, bool demands = false, bool downtimes = false) {
  testing::LabProblemOptions options;
  options.max_devices_per_type = 1;
  options.min_jobs = 8;
  options.max_jobs = 14;
  options.demands = demands;
  options.downtimes = downtimes;
  return testing::generate_lab_problem(seed, options);
}

PlanOptions work_budget(std::uint64_t work, int threads = 1) {
  PlanOptions o;
  o.work_limit = work;
  o.threads = threads;
  return o;
}

TEST(Improve, ReturnsOnlyVerifiedStrictlyBetterPlansWithStartedStepsInPlace) {
  int improved = 0;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const Problem p = crowded_lab(seed, seed % 3 == 0, seed % 2 == 0);
    const Schedule current = first_plan(p);
    const Time now = fifth_started(current);
    const PlanResult r = improve(p, current, now, work_budget(200000));
    if (!r.schedule) {
      ASSERT_TRUE(r.infeasibility.has_value());
      EXPECT_NE(r.infeasibility->reason.find("plan in force stays"), std::string::npos);
      continue;
    }
    const auto violations = testing::verify_schedule(p, *r.schedule);
    ASSERT_TRUE(violations.empty()) << testing::describe_violations(violations);
    EXPECT_LT(weighted_completion(p, *r.schedule), weighted_completion(p, current));
    EXPECT_DOUBLE_EQ(r.schedule->objective_value, weighted_completion(p, *r.schedule));
    EXPECT_EQ(testing::started_step_breach(p, current, *r.schedule, now), "");
    ++improved;
  }
  EXPECT_GE(improved, 4);  // a first plan usually leaves room
}

TEST(Improve, KeepsImprovingInSlicesAfterARepair) {
  // Repair after an overrun, then improve in small slices: each slice's plan is valid, better
  // than the one before, and keeps the started steps (including the late one) where they are.
  const Problem p = crowded_lab(2);
  const Schedule planned = first_plan(p);
  const Time now = fifth_started(planned);
  const Assignment* late = nullptr;
  for (const Assignment& a : planned.assignments)
    if (a.start < now && a.end > now && p.steps[a.step].demands.empty()) late = &a;
  ASSERT_NE(late, nullptr);
  Problem after = p;
  after.steps[late->step].duration = (late->end - late->start) + 1800;
  after.steps[late->step].frozen = Frozen{late->start, late->device, late->unit};
  PlanOptions repair_only;
  repair_only.time_limit_s = 0;
  const PlanResult repaired = repair(after, p, planned, now, repair_only);
  ASSERT_TRUE(repaired.schedule.has_value()) << repaired.infeasibility->reason;
  Schedule current = *repaired.schedule;
  int better = 0;
  for (int slice = 0; slice < 4; ++slice) {
    PlanOptions o = work_budget(50000);
    o.seed = static_cast<std::uint64_t>(slice) + 1;
    const PlanResult r = improve(after, current, now, o);
    if (!r.schedule) continue;
    ASSERT_TRUE(testing::verify_schedule(after, *r.schedule).empty())
        << testing::describe_violations(testing::verify_schedule(after, *r.schedule));
    EXPECT_LT(weighted_completion(after, *r.schedule), weighted_completion(after, current));
    EXPECT_EQ(testing::started_step_breach(after, current, *r.schedule, now), "");
    current = *r.schedule;
    ++better;
  }
  EXPECT_GE(better, 1);
}

TEST(Improve, FindsNothingBetterThanAnOptimalPlan) {
  Problem p;
  p.devices = {{"lh", "liquid_handler", 1, {}}};
  p.jobs = {{"a", 1, 0, std::nullopt, {0, 1}}};
  p.steps = {{"a/mix", "liquid_handler", 60, {}, 0, {}, {}, std::nullopt},
             {"a/dilute", "liquid_handler", 60, {{0, LagFrom::kEnd, 0, 300}}, 0, {}, {}, std::nullopt}};
  Schedule best;
  best.assignments = {{0, 0, 0, 0, 60}, {1, 0, 0, 60, 120}};
  best.makespan = 120;
  const PlanResult r = improve(p, best, 0, work_budget(20000));
  EXPECT_FALSE(r.schedule.has_value());
  ASSERT_TRUE(r.infeasibility.has_value());
  EXPECT_NE(r.infeasibility->reason.find("plan in force stays"), std::string::npos);
}

TEST(Improve, IsDeterministicForASeedWorkBudgetAndThreadCount) {
  const Problem p = crowded_lab(3);
  const Schedule current = first_plan(p);
  const Time now = fifth_started(current);
  for (int threads : {1, 2}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    const PlanResult a = improve(p, current, now, work_budget(100000, threads));
    const PlanResult b = improve(p, current, now, work_budget(100000, threads));
    ASSERT_TRUE(a.schedule.has_value()) << a.infeasibility->reason;
    ASSERT_TRUE(b.schedule.has_value());
    ASSERT_EQ(a.schedule->assignments.size(), b.schedule->assignments.size());
    for (std::size_t s = 0; s < a.schedule->assignments.size(); ++s) {
      EXPECT_EQ(a.schedule->assignments[s].start, b.schedule->assignments[s].start) << p.steps[s].id;
      EXPECT_EQ(a.schedule->assignments[s].device, b.schedule->assignments[s].device) << p.steps[s].id;
    }
  }
}

TEST(Improve, RefusesAPlanThatBreaksAConstraintNamingTheStep) {
  const Problem p = testing::generate_lab_problem(2);
  Schedule broken = first_plan(p);
  // Move the second step of the first job far past its maximum lag after the first.
  const std::size_t s = p.jobs[0].steps[1];
  broken.assignments[s].start += 100000;
  broken.assignments[s].end += 100000;
  try {
    improve(p, broken, 0, work_budget(1000));
    FAIL() << "a broken plan was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'" + p.steps[s].id + "'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace foundry::planner
