#include "mixed_resource_plan.hpp"

#include <foundry/planner/problem_io.hpp>

namespace foundry::testing {

planner::Problem mixed_resource_problem() {
  return planner::read_neutral_json(R"({"name": "small <lab>", "devices": [
      {"id": "lh1", "type": "lh"}, {"id": "br", "type": "br", "capacity": 24},
      {"id": "arm", "type": "arm"}, {"id": "nest", "type": "nest", "capacity": 3}],
    "jobs": [{"id": "j&1", "steps": [
      {"id": "a<1>", "type": "lh", "duration": 10},
      {"id": "b", "type": "br", "duration": 100, "after": [{"step": "a<1>"}]},
      {"id": "c", "duration": 5, "demands": [{"device": "arm"}, {"device": "nest", "amount": 2}]},
      {"id": "done", "duration": 0, "demands": []}]}]})",
                                    "small.json");
}

planner::Schedule mixed_resource_schedule() {
  planner::Schedule s;
  s.assignments = {{0, 0, 0, 0, 10}, {1, 1, 5, 10, 110}, {2, 2, 0, 20, 25}, {3, planner::kNoDevice, 0, 110, 110}};
  s.makespan = 110;
  s.objective = "makespan";
  s.objective_value = 110;
  return s;
}

}  // namespace foundry::testing
