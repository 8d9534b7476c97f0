// The planner's search as a redrawn line on a terminal ("[######..............] 3/10 s searching
// 240 steps, best makespan 1234"), so a long --time-limit does not look like a hang and shows
// what the search has found so far (PlanOptions::progress).
#pragma once

#include <foundry/planner/planner.hpp>

#include <cstddef>
#include <string>

namespace foundry::cli {

// planner::plan(problem, options), with the progress line on stderr when stderr is a terminal and
// the budget is time (not --work-limit); otherwise exactly planner::plan, so piped output and
// logs are unchanged. Exceptions from the planner propagate.
planner::PlanResult plan_with_progress(const planner::Problem& problem, const planner::PlanOptions& options);

// The note after the bar: "searching 150 steps, best makespan 1234" (", no plan yet" before the
// first plan).
std::string progress_note(std::size_t steps, planner::Objective objective, const planner::PlanProgress& p);

}  // namespace foundry::cli
