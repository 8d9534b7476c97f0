// A schedule: when and on which device (and unit) each step of a Problem runs.
#pragma once

#include <foundry/planner/problem.hpp>

#include <string>
#include <vector>

namespace foundry::planner {

struct Assignment {
  std::size_t step = 0;    // index into Problem::steps
  std::size_t device = 0;  // index into Problem::devices
  int unit = 0;            // which unit of the device, 0 .. capacity-1
  Time start = 0;
  Time end = 0;
};

struct Schedule {
  std::vector<Assignment> assignments;  // one per step, indexed like Problem::steps
  Time makespan = 0;
  std::string objective;  // what was optimised, e.g. "weighted-completion"
  double objective_value = 0;
};

}  // namespace foundry::planner
