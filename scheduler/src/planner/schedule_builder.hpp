// Turns the planner's working solution into a Schedule: device per step and a unit of that
// device, chosen so that no two overlapping steps share one.
#pragma once

#include "planner/compiled_problem.hpp"
#include "planner/serial_sgs.hpp"

#include <foundry/planner/planner.hpp>
#include <foundry/planner/schedule.hpp>

namespace foundry::planner::detail {

Schedule to_schedule(const CompiledProblem& c, const Solution& s, Objective objective);

}  // namespace foundry::planner::detail
