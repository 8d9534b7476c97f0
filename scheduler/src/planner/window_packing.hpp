// Packing a few steps, each into its own time window, onto device units that other steps already
// partly hold. This is the small, hard core of a repair that a step-by-step shift cannot solve:
// several steps pinned to running cultivations (a sample 2 h into each, within 15 min) competing
// for the few plate readers that started steps leave free. A bounded depth-first search over
// which step goes next and on which unit, each placed at the earliest gap its window allows.
//
// Without lags between the tasks the search is complete (every feasible packing can be shifted
// left into one it enumerates: list scheduling generates every active schedule), so kNone within
// the work limit proves that no packing exists; the repair uses that, on a relaxation, to prove
// that no plan exists.
#pragma once

#include <foundry/planner/problem.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace foundry::planner::detail {

// One way to run a task: on `unit` for `duration`, starting in [earliest, latest].
struct PackingOption {
  std::size_t unit = 0;
  Time duration = 1;
  Time earliest = 0;
  Time latest = kForever;
};

// min_lag <= start(task) - ref(pred) <= max_lag; ref = pred's start, or its end (from_end).
struct PackingLag {
  std::size_t pred = 0;  // index into PackingProblem::tasks
  bool from_end = true;
  Time min_lag = 0;
  std::optional<Time> max_lag;
};

struct PackingTask {
  std::vector<PackingOption> options;
  std::vector<PackingLag> after;
};

// A period [from, to) in which a unit is held by something that does not move.
struct Busy {
  Time from = 0;
  Time to = 0;
};

struct PackingProblem {
  std::vector<std::vector<Busy>> busy;  // per unit, in any order, may overlap
  std::vector<PackingTask> tasks;
};

struct Packing {
  enum class Status { kPacked, kNone, kOutOfWork };
  Status status = Status::kOutOfWork;
  std::vector<std::size_t> option;  // per task, when packed: index into its options
  std::vector<Time> start;          // per task, when packed
  std::uint64_t work = 0;           // gap searches done
};

// kPacked with every task inside its window, on its unit, clear of `busy` and of each other, and
// every lag kept; kNone when the search ran out of choices (a proof when no task has lags);
// kOutOfWork when `work_limit` gap searches did not settle it.
Packing pack_windows(const PackingProblem& problem, std::uint64_t work_limit);

}  // namespace foundry::planner::detail
