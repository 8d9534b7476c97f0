// repair() when the steps tied to started steps must be placed again together, several jobs and
// device types at once: neither the local repair nor one pass of the schedule generator (which
// puts each step at the earliest time its window allows) finds the plan; the search over the
// pinned steps (scheduler/src/planner/pinned_search.cpp) does. Every plan is checked by the
// independent verifier.
#include <foundry/planner/planner.hpp>

#include "planner/compiled_problem.hpp"
#include "planner/pinned_search.hpp"
#include "planner/shift_repair.hpp"
#include "schedule_verifier.hpp"
#include "started_steps.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace foundry::planner {
namespace {

struct Event {
  Problem before;  // the problem the plan in force was made for
  Schedule plan;   // the plan in force
  Problem after;   // the problem once the event is applied
  Time now = 0;
};

// Five jobs on four device types of two units each (found by a random search over small labs,
// then reduced). At now = 2831 step "j22/s0", started on a0 at 2763 and planned to end at 3843,
// turns out to run until 5446. Then a0 is held to 5446 and a1 runs "j25/s2" (no wait after
// "j25/s1") to 4957, so "j7/s2" (3600-3900 s after "j7/s0" started) must take a1 at 4957 and
// "j28/s2" a0 from 5446; on the b units, four steps pinned to started steps meet: "j25/s3"
// (start 5917-6217, 900 s), "j7/s1" (6083-6263, 300 s), "j28/s3" (within 360 s of "j28/s2"'s
// end, 480 s) and "j22/s2" (within 600 s of "j22/s1"'s end, 1260 s). They fit only if "j22/s1"
// and "j28/s2" start later than their windows open, so that "j22/s2" follows "j25/s3" on one b
// unit and "j28/s3" follows "j7/s1" on the other: a greedy pass that starts each step as early
// as it can closes "j7/s1"'s window.
Event late_step_pins_four_jobs_onto_two_units() {
  Event e;
  Problem& p = e.before;
  p.name = "pinned";
  for (const char* type : {"a", "b", "c", "d"})
    for (int k = 0; k < 2; ++k) p.devices.push_back({type + std::to_string(k), type, 1, {}});
  const std::size_t a0 = 0, a1 = 1, b0 = 2, b1 = 3, c0 = 4, c1 = 5, d0 = 6;
  p.jobs = {{"j7", 2, 406, std::nullopt, {0, 1, 2}},
            {"j12", 1, 512, std::nullopt, {3, 4, 5}},
            {"j22", 2, 262, std::nullopt, {6, 7, 8}},
            {"j25", 3, 259, std::nullopt, {9, 10, 11, 12}},
            {"j28", 2, 230, std::nullopt, {13, 14, 15, 16, 17}}};
  auto step = [](const std::string& id, const char* type, Time duration, std::size_t job, std::vector<Lag> after) {
    return Step{id, type, duration, std::move(after), job, {}, {}, std::nullopt};
  };
  auto after_end = [](std::size_t pred, Time max_lag) { return Lag{pred, LagFrom::kEnd, 0, max_lag}; };
  auto after_start = [](std::size_t pred, Time min_lag) { return Lag{pred, LagFrom::kStart, min_lag, min_lag + 300}; };
  p.steps = {step("j7/s0", "c", 4781, 0, {}),
             step("j7/s1", "b", 300, 0, {after_end(0, 180)}),
             step("j7/s2", "a", 720, 0, {after_start(0, 3600)}),
             step("j12/s0", "c", 720, 1, {}),
             step("j12/s1", "d", 2280, 1, {after_end(3, 240)}),
             step("j12/s2", "b", 1440, 1, {after_end(4, 540)}),
             step("j22/s0", "a", 1080, 2, {}),
             step("j22/s1", "c", 660, 2, {after_end(6, 120)}),
             step("j22/s2", "b", 1260, 2, {after_end(7, 600)}),
             step("j25/s0", "d", 420, 3, {}),
             step("j25/s1", "a", 1020, 3, {after_end(9, 240)}),
             step("j25/s2", "a", 1200, 3, {after_end(10, 0)}),
             step("j25/s3", "b", 900, 3, {after_start(9, 3600)}),
             step("j28/s0", "b", 1440, 4, {}),
             step("j28/s1", "d", 660, 4, {after_end(13, 420)}),
             step("j28/s2", "a", 480, 4, {after_start(13, 3000)}),
             step("j28/s3", "b", 480, 4, {after_end(15, 360)}),
             step("j28/s4", "c", 1740, 4, {after_end(16, 180)})};
  // "j7/s0" was known to run long at an earlier event: it is frozen already.
  p.steps[0].frozen = Frozen{1302, c0, 0};
  const std::vector<std::pair<std::size_t, Time>> planned = {
      {c0, 1302}, {b1, 6083}, {a0, 4902}, {c1, 4623}, {d0, 5343}, {b0, 7803}, {a0, 2763}, {c1, 3963}, {b1, 4623},
      {d0, 2317}, {a1, 2737}, {a1, 3757}, {b0, 5917}, {b0, 2343}, {d0, 3840}, {a0, 5643}, {b1, 6383}, {c0, 6963}};
  for (std::size_t s = 0; s < planned.size(); ++s) {
    const auto [device, start] = planned[s];
    e.plan.assignments.push_back({s, device, 0, start, start + p.steps[s].duration});
    e.plan.makespan = std::max(e.plan.makespan, start + p.steps[s].duration);
  }
  e.now = 2831;
  e.after = p;
  e.after.steps[6].duration = 5446 - 2763;
  e.after.steps[6].frozen = Frozen{2763, a0, 0};
  return e;
}

void expect_valid_repair(const Event& e, const PlanResult& r) {
  ASSERT_TRUE(r.schedule.has_value()) << (r.infeasibility ? r.infeasibility->reason : "");
  const auto violations = testing::verify_schedule(e.after, *r.schedule);
  EXPECT_TRUE(violations.empty()) << testing::describe_violations(violations);
  EXPECT_EQ(testing::started_step_breach(e.after, e.plan, *r.schedule, e.now), "");
}

TEST(RepairPinned, PlanInForceIsValidBeforeTheEvent) {
  const Event e = late_step_pins_four_jobs_onto_two_units();
  const auto violations = testing::verify_schedule(e.before, e.plan);
  EXPECT_TRUE(violations.empty()) << testing::describe_violations(violations);
}

TEST(RepairPinned, LocalRepairGivesUpWithoutAProof) {
  const Event e = late_step_pins_four_jobs_onto_two_units();
  detail::ShiftRepairStats st;
  EXPECT_FALSE(detail::shift_repair(e.after, e.before, e.plan, e.now, Objective::kWeightedCompletion, &st));
  EXPECT_TRUE(st.loaded);
  EXPECT_FALSE(st.proven) << st.reason;
}

TEST(RepairPinned, StepsTiedToStartedStepsArePlacedTogether) {
  const Event e = late_step_pins_four_jobs_onto_two_units();
  PlanOptions o;
  o.time_limit_s = 0;  // as the engine repairs: the first plan, improvement comes later
  {
    SCOPED_TRACE("repair, no budget");
    expect_valid_repair(e, repair(e.after, e.before, e.plan, e.now, o));
  }
  // With a small deterministic budget the full pass then starts from the plan found.
  o.work_limit = 2000;
  {
    SCOPED_TRACE("repair, work limit 2000");
    expect_valid_repair(e, repair(e.after, e.before, e.plan, e.now, o));
  }
  // The full pass alone (no local repair) finds nothing within that budget; the search over the
  // pinned steps then still does.
  o.local_repair = false;
  {
    SCOPED_TRACE("full pass first, work limit 2000");
    expect_valid_repair(e, repair(e.after, e.before, e.plan, e.now, o));
  }
}

// The event's problem as repair's full pass builds it: the steps started before `now` frozen
// where the plan in force has them, and (with `not_before_now`) every unstarted step after a
// "(now)" milestone frozen at `now`.
Problem started_steps_frozen(const Event& e, bool not_before_now) {
  Problem q = e.after;
  for (std::size_t s = 0; s < q.steps.size(); ++s)
    if (!q.steps[s].frozen && e.plan.assignments[s].start < e.now) {
      const Assignment& a = e.plan.assignments[s];
      q.steps[s].frozen = Frozen{a.start, a.device, a.unit};
    }
  if (!not_before_now) return q;
  const std::size_t now_step = q.steps.size();
  for (Step& s : q.steps)
    if (!s.frozen) s.after.push_back({now_step, LagFrom::kStart, 0, std::nullopt});
  q.steps.push_back(Step{"(now)", "", 0, {}, q.jobs.size(), {}, {}, Frozen{e.now, kNoDevice, 0}});
  q.jobs.push_back({"(now)", 0, 0, std::nullopt, {now_step}});
  return q;
}

// The search on its own places the ten pinned steps; "j12" (not started, its window open) is
// left out.
TEST(RepairPinned, SearchPlacesExactlyThePinnedSteps) {
  const Event e = late_step_pins_four_jobs_onto_two_units();
  Problem q = started_steps_frozen(e, true);
  const detail::CompiledProblem c = detail::compile(q);
  const detail::PinnedPlacement placed = detail::place_pinned_steps(c, 1'000'000);
  ASSERT_EQ(placed.status, detail::PinnedPlacement::Status::kPlaced);
  std::vector<std::string> ids;
  for (std::size_t s : placed.steps) ids.push_back(q.steps[s].id);
  EXPECT_EQ(ids, (std::vector<std::string>{"j7/s1", "j7/s2", "j22/s1", "j22/s2", "j25/s2", "j25/s3", "j28/s1",
                                           "j28/s2", "j28/s3", "j28/s4"}));
  // Frozen there, the rest is a plain planning problem, and the whole passes the verifier.
  for (std::size_t k = 0; k < placed.steps.size(); ++k) q.steps[placed.steps[k]].frozen = placed.at[k];
  PlanOptions o;
  o.work_limit = 2000;
  const PlanResult r = plan(q, o);
  ASSERT_TRUE(r.schedule.has_value()) << (r.infeasibility ? r.infeasibility->reason : "");
  const auto violations = testing::verify_schedule(q, *r.schedule);
  EXPECT_TRUE(violations.empty()) << testing::describe_violations(violations);
}

// A budget too small to finish says so; it is never mistaken for a proof.
TEST(RepairPinned, SearchOutOfWorkIsNotAProof) {
  const Event e = late_step_pins_four_jobs_onto_two_units();
  const Problem q = started_steps_frozen(e, true);
  const detail::CompiledProblem c = detail::compile(q);
  EXPECT_EQ(detail::place_pinned_steps(c, 10).status, detail::PinnedPlacement::Status::kOutOfWork);
}

}  // namespace
}  // namespace foundry::planner
