// A plan (planner::Problem + Schedule) as a Timeline, so a preview ("when would my run finish?")
// is drawn with the same Gantt chart as what ran: bars carry the plan only, jobs are the runs,
// max lags become windows measured from the predecessor's planned start or end. A step holding
// several resources at once (Step::demands) has a bar on every unit it holds.
#pragma once

#include <foundry/planner/problem.hpp>
#include <foundry/planner/schedule.hpp>
#include <foundry/report/timeline.hpp>

namespace foundry::report {

// `origin`: the instant (seconds since the epoch) the plan's time 0 stands for.
Timeline timeline_from_plan(const planner::Problem& problem, const planner::Schedule& schedule, double origin = 0);

}  // namespace foundry::report
