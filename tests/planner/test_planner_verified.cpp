// Every plan the planner makes, checked by the independent verifier: many seeded random lab
// problems (tight max lags, samples pinned inside cultivations, 24- and 12-unit devices, several
// devices per type, releases), with and without multi-resource steps and downtimes, and small
// benchmark instances. A result without a schedule must say why.
#include "problem_generator.hpp"
#include "schedule_verifier.hpp"
#include "build_paths.hpp"

#include <foundry/planner/planner.hpp>
#include <foundry/planner/problem_io.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>

namespace foundry::testing {
namespace {

using planner::Objective;
using planner::PlanOptions;
using planner::PlanResult;
using planner::Problem;

constexpr double kBudgetSeconds = 0.05;  // per problem: the first plan is what is checked most

struct Tally {
  int solved = 0;
  int unsolved = 0;
};

// Plans `problem`; checks the schedule with the verifier, or that a missing one has a reason.
void plan_and_verify(const Problem& problem, const PlanOptions& options, Tally& tally) {
  PlanResult result = planner::plan(problem, options);
  if (result.schedule) {
    ++tally.solved;
    auto violations = verify_schedule(problem, *result.schedule);
    EXPECT_TRUE(violations.empty()) << problem.name << " (seed " << options.seed << "):\n"
                                    << describe_violations(violations)
                                    << "problem:\n" << planner::write_problem_json(problem);
    EXPECT_GE(result.schedule->makespan, result.lower_bound) << problem.name;
  } else {
    ++tally.unsolved;
    ASSERT_TRUE(result.infeasibility.has_value()) << problem.name << ": neither a schedule nor a reason";
    EXPECT_FALSE(result.infeasibility->reason.empty()) << problem.name;
  }
}

// Generated problems are feasible by construction, so nearly all must get a plan.
void plan_generated(std::uint64_t first_seed, int count, const LabProblemOptions& shape, Objective objective) {
  Tally tally;
  for (int k = 0; k < count; ++k) {
    std::uint64_t seed = first_seed + static_cast<std::uint64_t>(k);
    PlanOptions options;
    options.objective = objective;
    options.time_limit_s = kBudgetSeconds;
    options.seed = seed;
    plan_and_verify(generate_lab_problem(seed, shape), options, tally);
  }
  std::cout << "  " << tally.solved << " of " << count << " generated problems planned, " << tally.unsolved
            << " without a plan\n";
  EXPECT_GE(tally.solved * 10, count * 9) << tally.solved << " of " << count << " generated problems got a plan";
}

TEST(PlannerVerified, GeneratedLabProblemsWeightedCompletion) {
  plan_generated(1, 24, {}, Objective::kWeightedCompletion);
}

// With a device of each type only, jobs queue for devices and the makespan is no longer just
// the longest cultivation.
TEST(PlannerVerified, CrowdedGeneratedLabProblemsMakespan) {
  LabProblemOptions shape;
  shape.min_jobs = 10;
  shape.max_jobs = 16;
  shape.max_devices_per_type = 1;
  plan_generated(1001, 12, shape, Objective::kMakespan);
}

TEST(PlannerVerified, GeneratedLabProblemsWithMultiResourceStepsAndDowntimes) {
  LabProblemOptions shape;
  shape.demands = true;
  shape.downtimes = true;
  plan_generated(2001, 12, shape, Objective::kWeightedCompletion);
}

TEST(PlannerVerified, LargerGeneratedLabProblems) {
  LabProblemOptions shape;
  shape.min_jobs = 20;
  shape.max_jobs = 30;
  plan_generated(3001, 4, shape, Objective::kWeightedCompletion);
}

TEST(PlannerVerified, CrowdedGeneratedLabProblems) {
  LabProblemOptions shape;
  shape.min_jobs = 8;
  shape.max_jobs = 14;
  shape.max_devices_per_type = 1;
  shape.demands = true;
  plan_generated(4001, 12, shape, Objective::kWeightedCompletion);
}

TEST(PlannerVerified, TheGeneratorIsDeterministic) {
  EXPECT_EQ(planner::write_problem_json(generate_lab_problem(7)), planner::write_problem_json(generate_lab_problem(7)));
  EXPECT_NE(planner::write_problem_json(generate_lab_problem(7)), planner::write_problem_json(generate_lab_problem(8)));
}

TEST(PlannerVerified, ALagCycleIsInfeasibleWithAReason) {
  Problem p = planner::read_neutral_json(R"({"devices": [{"id": "lh1", "type": "lh"}],
    "jobs": [{"id": "j", "steps": [
      {"id": "a", "type": "lh", "duration": 10, "after": [{"step": "b", "min_lag": 5}]},
      {"id": "b", "type": "lh", "duration": 10, "after": [{"step": "a", "min_lag": 5}]}]}]})",
                                         "cycle.json");
  PlanResult result = planner::plan(p, {});
  EXPECT_FALSE(result.schedule.has_value());
  ASSERT_TRUE(result.infeasibility.has_value());
  EXPECT_FALSE(result.infeasibility->reason.empty());
}

// Small instances of each benchmark format, when ../shared/bench is there.
TEST(PlannerVerified, BenchmarkInstances) {
  std::filesystem::path bench = foundry::testing::shared_bench_dir();
  if (!std::filesystem::exists(bench)) {
    GTEST_SKIP() << "no benchmark data at " << bench;
  }
  Tally tally;
  for (const char* file : {"jssp/ft06.txt", "jssp/la01.txt", "jssp/orb07.txt", "fjsp/brandimarte/mk01.fjs",
                           "fjsp/kacem/kacem1.fjs", "rcpsp-max/j10/psp1.sch", "rcpsp-max/j10/psp2.sch",
                           "rcpsp-max/j10/psp108.sch", "rcpsp-max/ubo10/psp3.sch"}) {
    PlanOptions options;
    options.objective = Objective::kMakespan;
    options.time_limit_s = kBudgetSeconds;
    plan_and_verify(planner::read_problem_file(bench / file), options, tally);
  }
  EXPECT_GE(tally.solved, 7);
}

}  // namespace
}  // namespace foundry::testing
