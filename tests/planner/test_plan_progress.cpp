// PlanOptions::progress: plan() reports the best objective found so far while it searches, at
// most every ~100 ms, never going up, never from two threads at once, and ends with the result's
// own objective (or "no plan"). Every plan is checked by the independent verifier.
#include <foundry/planner/planner.hpp>

#include "problem_generator.hpp"
#include "schedule_verifier.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <random>
#include <vector>

namespace foundry::planner {
namespace {

// Every call the callback got, and whether two ever overlapped.
struct Recorder {
  std::mutex mutex;
  std::vector<PlanProgress> calls;
  std::atomic<int> inside{0};
  std::atomic<bool> overlapped{false};

  std::function<void(const PlanProgress&)> callback() {
    return [this](const PlanProgress& p) {
      if (inside.fetch_add(1) != 0) overlapped = true;
      {
        std::lock_guard lock(mutex);
        calls.push_back(p);
      }
      inside.fetch_sub(1);
    };
  }
};

// The reports keep the callback's promises; the last one is the result.
void expect_reports_of(const Problem& problem, const PlanResult& result, const Recorder& r) {
  ASSERT_FALSE(r.calls.empty());
  EXPECT_FALSE(r.overlapped) << "the callback ran on two threads at once";
  for (std::size_t k = 1; k < r.calls.size(); ++k) {
    const PlanProgress& before = r.calls[k - 1];
    const PlanProgress& now = r.calls[k];
    EXPECT_GE(now.elapsed_s, before.elapsed_s) << "call " << k;
    if (before.feasible && k + 1 < r.calls.size()) {
      EXPECT_TRUE(now.feasible) << "call " << k << ": a plan found is not lost";
      EXPECT_LE(now.best_objective, before.best_objective) << "call " << k;
    }
    // The last call comes when the search ends; the others no closer than the interval.
    if (k + 1 < r.calls.size()) {
      EXPECT_GE(now.elapsed_s - before.elapsed_s, 0.09) << "call " << k;
    }
  }
  const PlanProgress& last = r.calls.back();
  ASSERT_EQ(last.feasible, result.schedule.has_value());
  if (!result.schedule) return;
  EXPECT_EQ(last.best_objective, result.schedule->objective_value);
  if (r.calls.size() > 1 && r.calls[r.calls.size() - 2].feasible) {
    EXPECT_LE(last.best_objective, r.calls[r.calls.size() - 2].best_objective);
  }
  const auto violations = testing::verify_schedule(problem, *result.schedule);
  EXPECT_TRUE(violations.empty()) << testing::describe_violations(violations);
}

// A random job shop (jobs x machines, each job visits every machine once).
Problem job_shop(int jobs, int machines, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Problem p;
  for (int m = 0; m < machines; ++m) p.devices.push_back({"m" + std::to_string(m), "m" + std::to_string(m), 1, {}});
  for (int j = 0; j < jobs; ++j) {
    Job job{"j" + std::to_string(j), 1, 0, std::nullopt, {}};
    std::vector<int> order(static_cast<std::size_t>(machines));
    for (int m = 0; m < machines; ++m) order[static_cast<std::size_t>(m)] = m;
    std::shuffle(order.begin(), order.end(), rng);
    for (int k = 0; k < machines; ++k) {
      Step s;
      s.id = job.id + "/" + std::to_string(k);
      s.type = "m" + std::to_string(order[static_cast<std::size_t>(k)]);
      s.duration = 1 + static_cast<Time>(rng() % 99);
      s.job = static_cast<std::size_t>(j);
      if (k > 0) s.after.push_back({p.steps.size() - 1, LagFrom::kEnd, 0, std::nullopt});
      job.steps.push_back(p.steps.size());
      p.steps.push_back(s);
    }
    p.jobs.push_back(job);
  }
  return p;
}

TEST(PlanProgress, WeightedCompletionIsReportedWhileSearchingAndEndsWithTheResult) {
  testing::LabProblemOptions shape;
  shape.min_jobs = shape.max_jobs = 12;
  const Problem p = testing::generate_lab_problem(3, shape);
  Recorder r;
  PlanOptions o;
  o.time_limit_s = 0.6;
  o.progress = r.callback();
  const PlanResult result = plan(p, o);
  ASSERT_TRUE(result.schedule) << result.infeasibility->reason;
  expect_reports_of(p, result, r);
  // The search polls often: over 0.6 s there are reports before the last one.
  EXPECT_GE(r.calls.size(), 3u);
}

TEST(PlanProgress, ThePortfolioReportsItsBestFromOneThreadAtATime) {
  const Problem p = job_shop(15, 10, 7);
  Recorder r;
  PlanOptions o;
  o.objective = Objective::kMakespan;
  o.time_limit_s = 0.6;
  o.threads = 3;
  o.progress = r.callback();
  const PlanResult result = plan(p, o);
  ASSERT_TRUE(result.schedule);
  expect_reports_of(p, result, r);
  EXPECT_EQ(r.calls.back().best_objective, static_cast<double>(result.schedule->makespan));
}

TEST(PlanProgress, NoPlanIsReportedAsSuch) {
  // 'a' and 'b' must each start after the other ends: a lag cycle of positive length.
  Problem p;
  p.devices.push_back({"lh", "liquid_handler", 1, {}});
  p.jobs.push_back({"j", 1, 0, std::nullopt, {0, 1}});
  Step a;
  a.id = "a";
  a.type = "liquid_handler";
  a.duration = 10;
  Step b = a;
  b.id = "b";
  a.after.push_back({1, LagFrom::kEnd, 0, std::nullopt});
  b.after.push_back({0, LagFrom::kEnd, 0, std::nullopt});
  p.steps = {a, b};
  Recorder r;
  PlanOptions o;
  o.progress = r.callback();
  const PlanResult result = plan(p, o);
  ASSERT_FALSE(result.schedule);
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_FALSE(r.calls.back().feasible);
}

TEST(PlanProgress, WithoutACallbackThePlanIsTheSame) {
  const Problem p = testing::generate_lab_problem(5);
  PlanOptions o;
  o.work_limit = 200'000;
  const PlanResult plain = plan(p, o);
  Recorder r;
  o.progress = r.callback();
  const PlanResult reported = plan(p, o);
  ASSERT_TRUE(plain.schedule && reported.schedule);
  EXPECT_EQ(plain.schedule->objective_value, reported.schedule->objective_value);
  expect_reports_of(p, reported, r);
}

}  // namespace
}  // namespace foundry::planner
