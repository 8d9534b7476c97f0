// The planner's search as a redrawn line on a terminal ("[######..............] 3/10 s searching
// 240 steps"), so a long --time-limit does not look like a hang. The planner has no progress
// callback (yet), so the line shows the time spent against the budget, not the best plan so far.
#pragma once

#include <foundry/planner/planner.hpp>

namespace foundry::cli {

// planner::plan(problem, options), with the progress line on stderr when stderr is a terminal and
// the budget is time (not --work-limit); otherwise exactly planner::plan, so piped output and
// logs are unchanged. Exceptions from the planner propagate.
planner::PlanResult plan_with_progress(const planner::Problem& problem, const planner::PlanOptions& options);

}  // namespace foundry::cli
