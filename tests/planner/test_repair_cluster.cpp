// The local repair when one step at a time is not enough: samples pinned to running cultivations
// compete for the few plate readers a late step leaves free. Their window is packed again as a
// whole (the plan passes the independent verifier, started steps stay), or, when even the
// windows alone cannot all be kept, repair proves that no plan exists and names those windows.
#include <foundry/planner/planner.hpp>

#include "planner/shift_repair.hpp"
#include "schedule_verifier.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace foundry::planner {
namespace {

// Three cultivations on a bioreactor array started at 0; each has a sample that must start
// 100-140 s after its cultivation starts (sample B: 100-`b_latest` s) and reads for 60 s on one
// of three plate readers. A step "x" started at 0 on reader r3 was planned to end at 120, so
// sample C was planned on r3 at 120; A and B on r1 and r2 at 100.
struct Readers {
  Problem problem;
  Schedule plan;
};

Readers readers(Time b_latest) {
  Readers r;
  Problem& p = r.problem;
  p.devices = {{"bio", "bioreactor", 8, {}}, {"r1", "reader", 1, {}}, {"r2", "reader", 1, {}}, {"r3", "reader", 1, {}}};
  p.jobs = {{"a", 1, 0, std::nullopt, {0, 1}},
            {"b", 1, 0, std::nullopt, {2, 3}},
            {"c", 1, 0, std::nullopt, {4, 5}},
            {"x", 1, 0, std::nullopt, {6}}};
  auto cultivation = [](const std::string& id, std::size_t job) {
    return Step{id, "bioreactor", 10000, {}, job, {}, {}, std::nullopt};
  };
  auto sample = [](const std::string& id, std::size_t cult, std::size_t job, Time latest) {
    return Step{id, "reader", 60, {{cult, LagFrom::kStart, 100, latest}}, job, {}, {}, std::nullopt};
  };
  p.steps = {cultivation("a/cult", 0), sample("a/sample", 0, 0, 140),
             cultivation("b/cult", 1), sample("b/sample", 2, 1, b_latest),
             cultivation("c/cult", 2), sample("c/sample", 4, 2, 140),
             {"x", "reader", 120, {}, 3, {}, {}, std::nullopt}};
  r.plan.assignments = {{0, 0, 0, 0, 10000}, {1, 1, 0, 100, 160}, {2, 0, 1, 0, 10000}, {3, 2, 0, 100, 160},
                        {4, 0, 2, 0, 10000}, {5, 3, 0, 120, 180}, {6, 3, 0, 0, 120}};
  r.plan.makespan = 10000;
  return r;
}

// At `now` = 50, "x" (started) is known to run until 400.
Problem x_overruns(const Readers& r) {
  Problem after = r.problem;
  after.steps[6].duration = 400;
  after.steps[6].frozen = Frozen{0, 3, 0};
  return after;
}

PlanOptions repair_only() {
  PlanOptions o;
  o.time_limit_s = 0;
  return o;
}

TEST(ClusterRepair, PacksSamplesThatCompeteForTheReadersLeft) {
  // B may wait until 300: C takes B's reader at 100, and B reads after A or C.
  const Readers r = readers(300);
  ASSERT_TRUE(testing::verify_schedule(r.problem, r.plan).empty())
      << testing::describe_violations(testing::verify_schedule(r.problem, r.plan));
  const Problem after = x_overruns(r);

  detail::ShiftRepairStats stats;
  const auto local = detail::shift_repair(after, r.problem, r.plan, 50, Objective::kWeightedCompletion, &stats);
  ASSERT_TRUE(local.has_value()) << stats.gave_up;
  EXPECT_GE(stats.packed, 1u);  // the packing path did it

  const PlanResult result = repair(after, r.problem, r.plan, 50, repair_only());
  ASSERT_TRUE(result.schedule.has_value()) << (result.infeasibility ? result.infeasibility->reason : "");
  const auto violations = testing::verify_schedule(after, *result.schedule);
  EXPECT_TRUE(violations.empty()) << testing::describe_violations(violations);
  for (std::size_t s : {0u, 2u, 4u, 6u}) {  // started: kept
    EXPECT_EQ(result.schedule->assignments[s].start, r.plan.assignments[s].start);
    EXPECT_EQ(result.schedule->assignments[s].device, r.plan.assignments[s].device);
    EXPECT_EQ(result.schedule->assignments[s].unit, r.plan.assignments[s].unit);
  }
  EXPECT_LE(result.schedule->assignments[5].start, 140);  // C inside its window, off r3
  EXPECT_NE(result.schedule->assignments[5].device, 3u);
}

TEST(ClusterRepair, ProvesThatThreeWindowsCannotShareTwoReaders) {
  // B's window is as short as A's and C's: three 60 s reads starting in [100, 140] on the two
  // readers x leaves free. Each window alone has a free reader, so only the packing proves it.
  const Readers r = readers(140);
  const Problem after = x_overruns(r);
  const PlanResult result = repair(after, r.problem, r.plan, 50, repair_only());
  ASSERT_FALSE(result.schedule.has_value());
  ASSERT_TRUE(result.infeasibility.has_value());
  const std::string& why = result.infeasibility->reason;
  EXPECT_EQ(why.rfind("no plan exists", 0), 0u) << why;
  for (const char* id : {"'a/sample'", "'b/sample'", "'c/sample'", "'r1'", "'r2'"})
    EXPECT_NE(why.find(id), std::string::npos) << id << " not named in: " << why;
  EXPECT_NE(why.find("between 100 and 140"), std::string::npos) << why;
  const auto& culprits = result.infeasibility->culprits;
  for (const char* id : {"a/sample", "b/sample", "c/sample"})
    EXPECT_NE(std::find(culprits.begin(), culprits.end(), id), culprits.end()) << id;
}

TEST(ClusterRepair, NamesOnlyTheWindowsThatConflict) {
  // A fourth sample, D, pinned to A's cultivation with a wide window (start 100-400 s), competes
  // for the same readers at the same time, but could wait: the explanation leaves it out.
  Readers r = readers(140);
  Problem& p = r.problem;
  p.steps.push_back({"a/wide-sample", "reader", 60, {{0, LagFrom::kStart, 100, 400}}, 0, {}, {}, std::nullopt});
  p.jobs[0].steps.push_back(7);
  r.plan.assignments.push_back({7, 1, 0, 200, 260});
  ASSERT_TRUE(testing::verify_schedule(r.problem, r.plan).empty())
      << testing::describe_violations(testing::verify_schedule(r.problem, r.plan));
  const Problem after = x_overruns(r);
  const PlanResult result = repair(after, r.problem, r.plan, 50, repair_only());
  ASSERT_TRUE(result.infeasibility.has_value());
  const std::string& why = result.infeasibility->reason;
  EXPECT_EQ(why.rfind("no plan exists", 0), 0u) << why;
  EXPECT_NE(why.find("'c/sample'"), std::string::npos) << why;
  EXPECT_EQ(why.find("wide-sample"), std::string::npos) << why;
}

}  // namespace
}  // namespace foundry::planner
