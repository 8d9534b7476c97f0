// Longest paths in the temporal network (the distance graph of the lags): earliest starts from
// the origin, "tails" to the end of the plan, and positive cycles (lags that contradict each
// other) named in the problem's own words.
#pragma once

#include "planner/compiled_problem.hpp"

#include <optional>
#include <string>
#include <vector>

namespace foundry::planner::detail {

// Durations used for arc weights: `lo` where a duration adds to a minimum distance, `hi` where it
// subtracts (a maximum lag from a predecessor's end). Using the shortest and longest mode gives a
// relaxation that is valid for every choice of modes; a fixed mode gives lo == hi.
struct Durations {
  const std::vector<Time>* lo = nullptr;
  const std::vector<Time>* hi = nullptr;
};

inline Time arc_weight(const Arc& a, const Durations& d) {
  if (a.dur_of < 0) return a.weight;
  const auto i = static_cast<std::size_t>(a.dur_of);
  return a.weight + (a.dur_sign > 0 ? (*d.lo)[i] : -(*d.hi)[i]);
}

struct PositiveCycle {
  std::vector<int> arcs;  // indices into CompiledProblem::arcs, in cycle order
  Time length = 0;        // > 0
};

// Earliest start of every node (origin = 0), or the positive cycle that makes none exist.
std::optional<PositiveCycle> earliest_starts(const CompiledProblem& c, const Durations& d, std::vector<Time>& es);

// tail[s] = longest path from s's start to the end of any step reachable from s (>= duration of
// s); a priority for "latest start" rules. Assumes no positive cycle.
std::vector<Time> tails(const CompiledProblem& c, const Durations& d);

// "lags contradict each other: A; B; C (together they need 120 s more than they allow)".
std::string explain(const CompiledProblem& c, const PositiveCycle& cycle);
std::vector<std::string> culprits(const CompiledProblem& c, const PositiveCycle& cycle);

}  // namespace foundry::planner::detail
