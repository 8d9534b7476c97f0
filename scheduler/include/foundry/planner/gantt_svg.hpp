// A schedule drawn as a Gantt chart in SVG: one lane per device unit, lanes grouped by device,
// one box per step coloured by job, its id and times shown on hover (<title>).
#pragma once

#include <foundry/planner/problem.hpp>
#include <foundry/planner/schedule.hpp>

#include <string>

namespace foundry::planner {

std::string write_gantt_svg(const Problem& problem, const Schedule& schedule);

}  // namespace foundry::planner
