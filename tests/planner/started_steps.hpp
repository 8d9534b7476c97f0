// The online rule every repaired or improved plan keeps, checked the same way by every planner
// test: a step that had started before `now` keeps its start, device and unit; no other step
// starts before `now`. (The tests' own check, apart from the planner's.)
#pragma once

#include <foundry/planner/problem.hpp>
#include <foundry/planner/schedule.hpp>

#include <string>

namespace foundry::testing {

// The first breach, naming the step; empty when none.
inline std::string started_step_breach(const planner::Problem& p, const planner::Schedule& before,
                                       const planner::Schedule& after, planner::Time now) {
  if (before.assignments.size() != p.steps.size() || after.assignments.size() != p.steps.size())
    return "the plans do not have one assignment per step";
  for (std::size_t s = 0; s < p.steps.size(); ++s) {
    const planner::Assignment& b = before.assignments[s];
    const planner::Assignment& a = after.assignments[s];
    if (b.start < now && (a.start != b.start || a.device != b.device || a.unit != b.unit))
      return "started step '" + p.steps[s].id + "' moved";
    if (b.start >= now && a.start < now) return "step '" + p.steps[s].id + "' starts before now";
  }
  return {};
}

}  // namespace foundry::testing
