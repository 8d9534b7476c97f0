// The planner's own full check of a plan against its problem, and the plan's objective worked out
// from the assignments alone. improve() hands out a plan only after this check: a background
// search must never replace a valid plan in force by a broken one. (Tests use the independent
// verifier in tests/support instead; this one is the planner's, for use at run time.)
#pragma once

#include <foundry/planner/planner.hpp>

#include <optional>
#include <string>

namespace foundry::planner::detail {

// The first constraint the schedule breaks, as a sentence naming the step (and device); nullopt
// when it keeps them all: one assignment per step, the right device type or alternative and
// duration, a unit within capacity free of other steps (summed amounts for multi-resource
// steps), no downtime, every lag, release and frozen start.
std::optional<std::string> first_violation(const Problem& problem, const Schedule& schedule);

// A step that had started before `now` in `before` and does not keep its start, device and unit
// in `after`, or another step that starts before `now` in `after`; nullopt when none.
std::optional<std::string> started_step_moved(const Problem& problem, const Schedule& before, const Schedule& after,
                                              Time now);

// The objective of the schedule as the planner defines it (sum of priority x job completion, or
// the makespan), from the assignments rather than the schedule's own objective_value.
double objective_of(const Problem& problem, const Schedule& schedule, Objective objective);

}  // namespace foundry::planner::detail
