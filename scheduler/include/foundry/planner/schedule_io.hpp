// Writing and reading schedules as JSON, in the shape of ../shared/planning-problem.md:
//
//   {"problem": "ft06", "makespan": 55, "objective": "makespan", "objective_value": 55,
//    "assignments": [{"step": "j0.o0", "device": "m2", "unit": 0, "start": 0, "end": 1}, ...]}
//
// One assignment per step, in the problem's step order. A step holding several resources
// (Step::demands) also lists "devices": ["r1", "r3"] and "amounts": [2, 1], with "device" the
// first of them; a step holding nothing has "device": null.
#pragma once

#include <foundry/planner/problem.hpp>
#include <foundry/planner/schedule.hpp>

#include <string>
#include <string_view>

namespace foundry::planner {

std::string write_schedule_json(const Problem& problem, const Schedule& schedule);

// Reads a schedule written for `problem` (by write_schedule_json or by anyone else), so it can be
// checked. Throws foundry::InputError naming `origin` and the JSON pointer for a syntax error,
// an unknown or repeated step, a step left out, or an unknown device. Whether the times keep the
// constraints is not checked here.
Schedule read_schedule_json(const Problem& problem, std::string_view text, const std::string& origin);

}  // namespace foundry::planner
