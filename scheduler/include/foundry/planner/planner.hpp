// The planner: turns a Problem into a Schedule that keeps every constraint, or explains why
// none exists.
#pragma once

#include <foundry/planner/problem.hpp>
#include <foundry/planner/schedule.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace foundry::planner {

enum class Objective { kWeightedCompletion, kMakespan };

// Where plan()'s search stands, for a progress display.
struct PlanProgress {
  double elapsed_s = 0;       // since plan() was called
  bool feasible = false;      // a plan has been found
  double best_objective = 0;  // the best plan's objective so far (as Schedule::objective_value); when feasible
};

struct PlanOptions {
  Objective objective = Objective::kWeightedCompletion;
  double time_limit_s = 1.0;  // anytime budget; the first feasible plan may take less
  std::uint64_t seed = 1;
  // Deterministic budget: when > 0 the search stops after this many work units (propagation
  // steps and graph evaluations) and time_limit_s is ignored. The same problem, seed and
  // work_limit always give the same plan; a time limit alone depends on the machine's speed.
  std::uint64_t work_limit = 0;
  // > 1: a portfolio of independent searches (plan, improve, repair's full pass) with seeds
  // seed, seed + 7919, ...; the best plan is kept (ties: the lowest seed), so with a work limit
  // the result depends only on seed, work_limit and threads.
  int threads = 1;
  // repair() only: first try the local repair that re-places just the steps the event disturbs
  // (false: always the full pass, e.g. to compare the two).
  bool local_repair = true;
  // plan() only (repair() and improve() ignore it): called from the search at most every
  // ~100 ms, and once more at the end with the result's objective. best_objective never goes
  // up from one call to the next. With threads > 1 it reports the best over all searches and is
  // never called by two threads at once. It should return quickly: the search waits for it.
  std::function<void(const PlanProgress&)> progress = nullptr;
};

// Why no plan exists: a sentence, and the ids of the constraints at fault.
struct Infeasibility {
  std::string reason;                 // e.g. "max lag of 'b' after 'a' (600 s) is shorter than ..."
  std::vector<std::string> culprits;  // step / device ids involved
};

struct PlanResult {
  std::optional<Schedule> schedule;  // set when feasible
  std::optional<Infeasibility> infeasibility;
  double seconds_to_first = 0;  // time to the first feasible plan
  double seconds_total = 0;
  std::uint64_t work_done = 0;  // work units spent (see PlanOptions::work_limit)
  Time lower_bound = 0;         // a proven lower bound on the makespan (0 = none known)
};

// Throws std::invalid_argument for a malformed problem (dangling indices, no device of a type).
PlanResult plan(const Problem& problem, const PlanOptions& options = {});

// Online repair after an event. The caller applies the event to the problem first: a started
// step becomes `frozen` (with its actual or newly expected duration), a failed device gets a
// Downtime, jobs are added or removed. `previous` is the plan in force, for `previous_problem`
// (steps are matched by id). Every step that `previous` started before `now` keeps its start,
// device and unit, frozen or not; every other step starts at `now` or later, in the order the
// previous plan gave it where that still holds, so the plan changes little. The first repaired
// plan comes from the local repair: steps keep start, device and unit unless a constraint now
// breaks them, and only those are re-placed (a job whose time window is blocked is re-placed as
// a whole); its work grows with the steps the event disturbs, not with the plan. When it gives
// up without a proof, the steps whose time windows started steps bound (by chains of lags) are
// placed together by a bounded depth-first search, and the generator places the rest around
// them. When neither applies or finds anything, one pass of the schedule generator over all
// unstarted steps does.
// options.time_limit_s (may be 0) is then spent improving the plan with the full search.
PlanResult repair(const Problem& problem, const Problem& previous_problem, const Schedule& previous, Time now,
                  const PlanOptions& options = {});

// Anytime improvement of the plan in force, for after a repair ("repair incrementally, then keep
// improving in the background"). Searches within options.time_limit_s (or work_limit: then
// deterministic for a given seed, budget and thread count) for a plan of `problem` with a
// strictly better objective that keeps every frozen step, and every step that `current` started
// before `now`, at its start, device and unit, and starts every other step at `now` or later.
// `schedule` is set only for such a plan, after the planner's own full check of every
// constraint; otherwise it is empty and `infeasibility` says that the plan in force stays.
// Call it again with the plan it returned to keep improving in slices. Run in the background,
// pass as `now` the earliest time the result can be put in force (the current time plus the
// budget and a margin): steps the plan in force starts before then are kept as they are, so
// nothing dispatched while the search runs is moved; drop the result if an event arrived
// meanwhile (repair() that event from the plan in force instead). Throws
// std::invalid_argument (naming the step) when `current` itself breaks a constraint of `problem`.
PlanResult improve(const Problem& problem, const Schedule& current, Time now, const PlanOptions& options = {});

}  // namespace foundry::planner
