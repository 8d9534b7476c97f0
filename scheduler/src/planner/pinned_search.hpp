// Placing the "pinned" steps of a repair together: the unstarted steps whose latest start is
// finite because a chain of time lags ties them to started steps or to `now` (a job half run, a
// sample due 2 h into a running cultivation). Every plan must keep them inside windows the event
// may have made tight, on units that started steps partly hold; the other unstarted steps can
// always go later. When several jobs' pinned steps compete across device types, placing them one
// job or one device type at a time is not enough: this is a depth-first search over them all.
//
// Each decision puts one step on a unit at a position in that unit's sequence (between two
// steps already there, or gaps between started steps and downtimes); the start itself stays a
// window, narrowed by propagating every lag and sequence constraint over the pinned steps
// (incremental longest paths). A window that empties backtracks. The most constrained step (the
// fewest positions open to it) goes first. With one duration per step the search is complete:
// every plan orders the steps on each unit, and every such order is reachable, so running out
// of positions (kNone) means the pinned steps admit no placement. It stops after `work_limit`
// work units (lag relaxations and positions examined), so its result does not depend on the
// machine's speed.
#pragma once

#include "planner/compiled_problem.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace foundry::planner::detail {

struct PinnedPlacement {
  enum class Status { kPlaced, kNone, kOutOfWork, kNotApplicable };
  Status status = Status::kNotApplicable;
  // When placed: the pinned steps (indices into the problem) and where each goes.
  std::vector<std::size_t> steps;
  std::vector<Frozen> at;
  std::uint64_t work = 0;
  std::uint64_t decisions = 0;
  std::uint64_t backtracks = 0;
};

// `c` must be compiled from a problem in which every started step is frozen and "not before
// now" is an arc from a frozen milestone (as repair's full pass builds it). kNotApplicable when
// no step is pinned, when a pinned step or a started step holds several resources at once
// (demands), or when the lags already contradict the started steps.
PinnedPlacement place_pinned_steps(const CompiledProblem& c, std::uint64_t work_limit);

}  // namespace foundry::planner::detail
