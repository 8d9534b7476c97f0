// The independent schedule verifier: checks a Schedule against a Problem with its own code (it
// shares only the data types with the planner, never its algorithms), so a planner bug cannot
// hide behind a verifier that reasons the same way.
#pragma once

#include <foundry/planner/problem.hpp>
#include <foundry/planner/schedule.hpp>

#include <string>
#include <vector>

namespace foundry::testing {

// Every way `schedule` breaks `problem`, one sentence each naming the steps and devices involved;
// empty when the schedule keeps every constraint. Checked: one assignment per step, in step order;
// the device fits the step (its type, one of its alternatives, its first demand, or none); the
// duration; the unit within capacity; no two steps on one unit of a device at once; the sum of
// units held on a device never above its capacity (demands included); device downtimes; job
// releases; frozen steps kept; every min and max lag; the reported makespan equal to the latest
// end. Deadlines are soft and not checked.
std::vector<std::string> verify_schedule(const planner::Problem& problem,
                                         const planner::Schedule& schedule);

// The violations as one text, a line each (for test failure messages).
std::string describe_violations(const std::vector<std::string>& violations);

}  // namespace foundry::testing
