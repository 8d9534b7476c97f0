// The local repair inside repair(): it re-places only the steps an event disturbs, and its plans
// keep every constraint (checked by the independent verifier), keep started steps in place and
// are deterministic. Events: a running step overruns, a step finishes early, a device goes down,
// a tight time window is blocked; and several events in a row, each on the repaired plan.
#include <foundry/planner/planner.hpp>

#include "problem_generator.hpp"
#include "schedule_verifier.hpp"
#include "started_steps.hpp"

#include <gtest/gtest.h>

#include <string>

namespace foundry::planner {
namespace {

PlanOptions repair_only() {
  PlanOptions o;
  o.time_limit_s = 0;
  return o;
}

Schedule initial_plan(const Problem& p) {
  PlanOptions o;
  o.work_limit = 20000;  // deterministic
  const PlanResult r = plan(p, o);
  EXPECT_TRUE(r.schedule.has_value()) << (r.infeasibility ? r.infeasibility->reason : "");
  return r.schedule.value_or(Schedule{});
}

// The running step (at `now`) that started last, or nullptr.
const Assignment* running_at(const Schedule& s, Time now) {
  const Assignment* late = nullptr;
  for (const Assignment& a : s.assignments)
    if (a.start < now && a.end > now && (!late || a.start > late->start)) late = &a;
  return late;
}

// The event: `step` runs `extra` seconds longer (negative: shorter) and is frozen where it runs.
Problem overrun(const Problem& p, const Assignment& a, Time extra) {
  Problem after = p;
  Step& s = after.steps[a.step];
  s.duration = (a.end - a.start) + extra;
  s.frozen = Frozen{a.start, a.device, a.unit};
  return after;
}

// Verifier-clean; steps started before `now` keep start, device and unit; the others start at
// `now` or later.
void expect_valid_repair(const Problem& after, const Schedule& before, Time now, const PlanResult& r) {
  ASSERT_TRUE(r.schedule.has_value()) << (r.infeasibility ? r.infeasibility->reason : "");
  const auto v = testing::verify_schedule(after, *r.schedule);
  EXPECT_TRUE(v.empty()) << testing::describe_violations(v);
  EXPECT_EQ(testing::started_step_breach(after, before, *r.schedule, now), "");
}

TEST(LocalRepair, OverrunsInARowKeepEveryConstraintAndStartedStepsInPlace) {
  int repaired = 0;
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    testing::LabProblemOptions options;
    options.downtimes = seed % 3 == 0;
    options.max_jobs = 14;
    Problem problem = testing::generate_lab_problem(seed, options);
    Schedule current = initial_plan(problem);
    Time now = 0;
    for (int e = 0; e < 8; ++e) {
      now += current.makespan / 12;
      const Assignment* late = running_at(current, now);
      if (!late) continue;
      const Problem after = overrun(problem, *late, 600 + 900 * e);
      const PlanResult r = repair(after, problem, current, now, repair_only());
      if (!r.schedule) {
        // An overrun can make a later window impossible; then repair says so, with a reason.
        ASSERT_TRUE(r.infeasibility.has_value());
        EXPECT_FALSE(r.infeasibility->reason.empty());
        continue;
      }
      expect_valid_repair(after, current, now, r);
      EXPECT_EQ(r.schedule->assignments[late->step].end, late->end + 600 + 900 * e);
      problem = after;
      current = *r.schedule;
      ++repaired;
    }
  }
  EXPECT_GT(repaired, 40);  // most events are repairable; the loop above must not be vacuous
}

TEST(LocalRepair, AnEventThatBreaksNothingChangesNothing) {
  const Problem problem = testing::generate_lab_problem(7);
  const Schedule plan0 = initial_plan(problem);
  const Time now = plan0.makespan / 3;
  const Assignment* running = running_at(plan0, now);
  ASSERT_NE(running, nullptr);
  // The running step finishes a minute early (still after `now`): every constraint still holds.
  const Time shorter = std::min<Time>(60, running->end - now - 1);
  ASSERT_GT(shorter, 0);
  const Problem after = overrun(problem, *running, -shorter);
  const PlanResult r = repair(after, problem, plan0, now, repair_only());
  expect_valid_repair(after, plan0, now, r);
  for (std::size_t s = 0; s < after.steps.size(); ++s) {
    if (s == running->step) continue;
    EXPECT_EQ(r.schedule->assignments[s].start, plan0.assignments[s].start) << after.steps[s].id;
    EXPECT_EQ(r.schedule->assignments[s].device, plan0.assignments[s].device) << after.steps[s].id;
    EXPECT_EQ(r.schedule->assignments[s].unit, plan0.assignments[s].unit) << after.steps[s].id;
  }
}

TEST(LocalRepair, MovesFewerStepsThanTheFullPass) {
  // The local repair leaves what the overrun does not touch where it was; the full pass
  // (local_repair = false) re-places every unstarted step.
  int local_moved = 0, full_moved = 0;
  testing::LabProblemOptions options;
  options.min_jobs = 12;
  options.max_jobs = 16;
  for (std::uint64_t seed = 21; seed <= 26; ++seed) {
    const Problem problem = testing::generate_lab_problem(seed, options);
    const Schedule plan0 = initial_plan(problem);
    const Time now = plan0.makespan / 4;
    const Assignment* late = running_at(plan0, now);
    if (!late) continue;
    const Problem after = overrun(problem, *late, 1800);
    PlanOptions full = repair_only();
    full.local_repair = false;
    const PlanResult a = repair(after, problem, plan0, now, repair_only());
    const PlanResult b = repair(after, problem, plan0, now, full);
    if (!a.schedule || !b.schedule) continue;
    expect_valid_repair(after, plan0, now, a);
    expect_valid_repair(after, plan0, now, b);
    for (std::size_t s = 0; s < after.steps.size(); ++s) {
      const Assignment &was = plan0.assignments[s], &x = a.schedule->assignments[s], &y = b.schedule->assignments[s];
      local_moved += x.start != was.start || x.device != was.device || x.unit != was.unit;
      full_moved += y.start != was.start || y.device != was.device || y.unit != was.unit;
    }
  }
  EXPECT_GT(full_moved, 0);
  EXPECT_LT(local_moved, full_moved);
}

TEST(LocalRepair, IsDeterministic) {
  const Problem problem = testing::generate_lab_problem(11, {4, 12, false, true, 2});
  const Schedule plan0 = initial_plan(problem);
  const Time now = plan0.makespan / 3;
  const Assignment* late = running_at(plan0, now);
  ASSERT_NE(late, nullptr);
  const Problem after = overrun(problem, *late, 2400);
  const PlanResult a = repair(after, problem, plan0, now, repair_only());
  const PlanResult b = repair(after, problem, plan0, now, repair_only());
  ASSERT_TRUE(a.schedule && b.schedule);
  for (std::size_t s = 0; s < after.steps.size(); ++s) {
    EXPECT_EQ(a.schedule->assignments[s].start, b.schedule->assignments[s].start);
    EXPECT_EQ(a.schedule->assignments[s].device, b.schedule->assignments[s].device);
    EXPECT_EQ(a.schedule->assignments[s].unit, b.schedule->assignments[s].unit);
  }
  EXPECT_EQ(a.schedule->objective_value, b.schedule->objective_value);
}

// Job x runs "x0" on "a1", then "x1" on a "b" device exactly when x0 ends (max lag 0); job y's
// "y0" also needs a "b" device. Plan in force: x0 [0,100) on a1, x1 [100,150) on b1, y0 on b1
// [150,230) (movable) or, in `blocked`, on b2 [50,400) (started) while b1 is down from 160.
struct TightWindow {
  Problem problem;
  Schedule plan;
};

TightWindow tight_window(bool blocked) {
  TightWindow t;
  Problem& p = t.problem;
  p.devices = {{"a1", "a", 1, {}}, {"b1", "b", 1, {}}};
  if (blocked) {
    p.devices[1].downtimes.push_back({160, 500});
    p.devices.push_back({"b2", "b", 1, {}});
  }
  p.jobs = {{"x", 1, 0, std::nullopt, {0, 1}}, {"y", 1, 0, std::nullopt, {2}}};
  p.steps = {{"x0", "a", 100, {}, 0, {}, {}, std::nullopt},
             {"x1", "b", 50, {{0, LagFrom::kEnd, 0, 0}}, 0, {}, {}, std::nullopt},
             {"y0", "b", blocked ? 350 : 80, {}, 1, {}, {}, std::nullopt}};
  t.plan.assignments = {{0, 0, 0, 0, 100}, {1, 1, 0, 100, 150},
                        blocked ? Assignment{2, 2, 0, 50, 400} : Assignment{2, 1, 0, 150, 230}};
  t.plan.makespan = blocked ? 400 : 230;
  return t;
}

TEST(LocalRepair, TakesAMovableStepOutOfATightWindow) {
  const TightWindow t = tight_window(false);
  ASSERT_TRUE(testing::verify_schedule(t.problem, t.plan).empty())
      << testing::describe_violations(testing::verify_schedule(t.problem, t.plan));
  // At 50, x0 (running) is known to overrun by 100: x1 must start at 200, where y0 was.
  const Problem after = overrun(t.problem, t.plan.assignments[0], 100);
  const PlanResult r = repair(after, t.problem, t.plan, 50, repair_only());
  expect_valid_repair(after, t.plan, 50, r);
  EXPECT_EQ(r.schedule->assignments[1].start, 200);
}

TEST(LocalRepair, ProvesAWindowHeldShutByStartedStepsAndDowntime) {
  // x0 overruns to end at 200; x1 must start exactly then, but b1 is down and the started y0
  // holds b2 until 400: no plan exists, and repair names x1.
  const TightWindow t = tight_window(true);
  ASSERT_TRUE(testing::verify_schedule(t.problem, t.plan).empty())
      << testing::describe_violations(testing::verify_schedule(t.problem, t.plan));
  const Problem after = overrun(t.problem, t.plan.assignments[0], 100);
  const PlanResult r = repair(after, t.problem, t.plan, 90, repair_only());
  ASSERT_FALSE(r.schedule.has_value());
  ASSERT_TRUE(r.infeasibility.has_value());
  EXPECT_EQ(r.infeasibility->reason.rfind("no plan exists", 0), 0u) << r.infeasibility->reason;
  EXPECT_NE(r.infeasibility->reason.find("'x1'"), std::string::npos) << r.infeasibility->reason;
  ASSERT_FALSE(r.infeasibility->culprits.empty());
  EXPECT_EQ(r.infeasibility->culprits[0], "x1");
}

TEST(LocalRepair, MultiResourceStepsFallBackToTheFullPass) {
  testing::LabProblemOptions options;
  options.demands = true;
  const Problem problem = testing::generate_lab_problem(3, options);
  const Schedule plan0 = initial_plan(problem);
  const Time now = plan0.makespan / 3;
  const Assignment* late = running_at(plan0, now);
  ASSERT_NE(late, nullptr);
  const Problem after = overrun(problem, *late, 1200);
  expect_valid_repair(after, plan0, now, repair(after, problem, plan0, now, repair_only()));
}

}  // namespace
}  // namespace foundry::planner
