// Lowering expanded runs into the planner's problem: one job per run, step ids "<run>/<step>",
// one planner device per workcell device.
#pragma once

#include <foundry/model/workcell.hpp>
#include <foundry/planner/problem.hpp>
#include <foundry/protocol/run_spec.hpp>

#include <vector>

namespace foundry::engine {

// Throws InputError if a step needs a device type the workcell lacks or names an unknown predecessor.
planner::Problem lower_runs(const std::vector<RunSpec>& runs, const Workcell& workcell);

}  // namespace foundry::engine
