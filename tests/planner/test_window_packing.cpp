// The window packer under the repair: its packings keep every window, unit and lag; without lags
// between tasks it finds a packing whenever one exists (checked against brute force on small
// random instances), which is what lets the repair call "no packing" a proof.
#include "planner/window_packing.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace foundry::planner::detail {
namespace {

// Own checks, not the packer's: every task on one of its options, inside its window, clear of
// the busy periods and of the other tasks on its unit, and every lag kept.
std::string packing_breach(const PackingProblem& p, const Packing& r) {
  const std::size_t n = p.tasks.size();
  if (r.option.size() != n || r.start.size() != n) return "wrong sizes";
  for (std::size_t i = 0; i < n; ++i) {
    if (r.option[i] >= p.tasks[i].options.size()) return "task " + std::to_string(i) + ": no option";
    const PackingOption& o = p.tasks[i].options[r.option[i]];
    const Time s = r.start[i], e = s + o.duration;
    if (s < o.earliest || s > o.latest) return "task " + std::to_string(i) + " outside its window";
    for (const Busy& b : p.busy[o.unit])
      if (b.from < e && s < b.to) return "task " + std::to_string(i) + " on a busy unit";
    for (std::size_t j = 0; j < i; ++j) {
      const PackingOption& q = p.tasks[j].options[r.option[j]];
      if (q.unit == o.unit && r.start[j] < e && s < r.start[j] + q.duration)
        return "tasks " + std::to_string(j) + " and " + std::to_string(i) + " overlap";
    }
    for (const PackingLag& lag : p.tasks[i].after) {
      const Time ref = r.start[lag.pred] + (lag.from_end ? p.tasks[lag.pred].options[r.option[lag.pred]].duration : 0);
      if (s - ref < lag.min_lag || (lag.max_lag && s - ref > *lag.max_lag))
        return "lag of task " + std::to_string(i) + " broken";
    }
  }
  return {};
}

// Whether any packing exists, by trying every option and start of every task.
bool brute_force(const PackingProblem& p, std::size_t i, std::vector<std::size_t>& option, std::vector<Time>& start) {
  if (i == p.tasks.size()) {
    Packing r;
    r.option = option;
    r.start = start;
    return packing_breach(p, r).empty();
  }
  for (std::size_t k = 0; k < p.tasks[i].options.size(); ++k)
    for (Time t = p.tasks[i].options[k].earliest; t <= p.tasks[i].options[k].latest; ++t) {
      option[i] = k;
      start[i] = t;
      // Prune on what is placed so far (the same check, on a prefix).
      PackingProblem prefix{p.busy, {p.tasks.begin(), p.tasks.begin() + static_cast<std::ptrdiff_t>(i + 1)}};
      Packing r;
      r.option.assign(option.begin(), option.begin() + static_cast<std::ptrdiff_t>(i + 1));
      r.start.assign(start.begin(), start.begin() + static_cast<std::ptrdiff_t>(i + 1));
      if (packing_breach(prefix, r).empty() && brute_force(p, i + 1, option, start)) return true;
    }
  return false;
}

// A small deterministic generator (own LCG): 2-3 units with a few busy periods, 3-5 tasks with
// windows of 0-8 time units and durations 1-5, each usable on one or every unit.
PackingProblem random_instance(std::uint64_t seed) {
  std::uint64_t x = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  auto next = [&](int lo, int hi) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return lo + static_cast<int>((x >> 33) % static_cast<std::uint64_t>(hi - lo + 1));
  };
  PackingProblem p;
  const int units = next(2, 3);
  p.busy.assign(static_cast<std::size_t>(units), {});
  for (auto& line : p.busy)
    for (int k = next(0, 2); k > 0; --k) {
      const Time from = next(0, 14);
      line.push_back({from, from + next(1, 4)});
    }
  for (int t = next(3, 5); t > 0; --t) {
    PackingTask task;
    const Time duration = next(1, 5), earliest = next(0, 8), latest = earliest + next(0, 8);
    const int only = next(-1, units - 1);  // -1: any unit
    for (int u = 0; u < units; ++u)
      if (only < 0 || only == u) task.options.push_back({static_cast<std::size_t>(u), duration, earliest, latest});
    p.tasks.push_back(task);
  }
  return p;
}

TEST(WindowPacking, WithoutLagsFindsAPackingExactlyWhenOneExists) {
  int packed = 0, none = 0;
  for (std::uint64_t seed = 1; seed <= 150; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const PackingProblem p = random_instance(seed);
    std::vector<std::size_t> option(p.tasks.size(), 0);
    std::vector<Time> start(p.tasks.size(), 0);
    const bool exists = brute_force(p, 0, option, start);
    const Packing r = pack_windows(p, 1'000'000);
    ASSERT_NE(r.status, Packing::Status::kOutOfWork);
    EXPECT_EQ(r.status == Packing::Status::kPacked, exists);
    if (r.status == Packing::Status::kPacked) {
      EXPECT_EQ(packing_breach(p, r), "");
      ++packed;
    } else {
      ++none;
    }
  }
  // Both answers occur, so neither half of the comparison is vacuous.
  EXPECT_GT(packed, 20);
  EXPECT_GT(none, 20);
}

TEST(WindowPacking, TheOrderOfTheTasksMatters) {
  // One free unit from 0; "wide" (length 5, start in [0, 10]) listed before "narrow" (length 3,
  // start in [0, 2]): placing the first-listed first at 0 would shut narrow out.
  PackingProblem p;
  p.busy.assign(1, {});
  p.tasks.push_back({{{0, 5, 0, 10}}, {}});
  p.tasks.push_back({{{0, 3, 0, 2}}, {}});
  const Packing r = pack_windows(p, 1000);
  ASSERT_EQ(r.status, Packing::Status::kPacked);
  EXPECT_EQ(packing_breach(p, r), "");
  EXPECT_EQ(r.start[1], 0);
  EXPECT_EQ(r.start[0], 3);
}

TEST(WindowPacking, KeepsLagsBetweenTasks) {
  // Task 1 must start 2-4 after task 0 ends; task 0's unit is busy in [3, 6).
  PackingProblem p;
  p.busy = {{{3, 6}}, {}};
  p.tasks.push_back({{{0, 2, 0, 10}}, {}});
  p.tasks.push_back({{{1, 3, 0, 20}}, {{0, true, 2, 4}}});
  const Packing r = pack_windows(p, 1000);
  ASSERT_EQ(r.status, Packing::Status::kPacked);
  EXPECT_EQ(packing_breach(p, r), "");
}

TEST(WindowPacking, ThreeTasksInOneShortWindowOnTwoUnitsDoNotFit) {
  PackingProblem p;
  p.busy.assign(2, {});
  for (int k = 0; k < 3; ++k) p.tasks.push_back({{{0, 60, 100, 140}, {1, 60, 100, 140}}, {}});
  EXPECT_EQ(pack_windows(p, 10'000).status, Packing::Status::kNone);
  p.tasks.pop_back();
  EXPECT_EQ(pack_windows(p, 10'000).status, Packing::Status::kPacked);
}

TEST(WindowPacking, StopsAtItsWorkLimit) {
  // Ten tasks that cannot all fit, on units alike except for one busy period each: the search
  // has far more orders to rule out than 50 gap searches allow.
  PackingProblem p;
  p.busy.assign(4, {});
  for (std::size_t u = 0; u < 4; ++u) p.busy[u].push_back({static_cast<Time>(u), static_cast<Time>(u) + 1});
  for (int k = 0; k < 10; ++k) {
    PackingTask task;
    for (std::size_t u = 0; u < 4; ++u) task.options.push_back({u, 10 + k, 0, 25});
    p.tasks.push_back(task);
  }
  const Packing r = pack_windows(p, 50);
  EXPECT_EQ(r.status, Packing::Status::kOutOfWork);
  EXPECT_LE(r.work, 50u + 10u * 4u);  // checked between decisions: at most one decision's worth over
}

}  // namespace
}  // namespace foundry::planner::detail
