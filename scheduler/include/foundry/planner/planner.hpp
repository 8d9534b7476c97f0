// The planner: turns a Problem into a Schedule that keeps every constraint, or explains why
// none exists.
#pragma once

#include <foundry/planner/problem.hpp>
#include <foundry/planner/schedule.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace foundry::planner {

enum class Objective { kWeightedCompletion, kMakespan };

struct PlanOptions {
  Objective objective = Objective::kWeightedCompletion;
  double time_limit_s = 1.0;  // anytime budget; the first feasible plan may take less
  std::uint64_t seed = 1;
};

// Why no plan exists: a sentence, and the ids of the constraints at fault.
struct Infeasibility {
  std::string reason;                 // e.g. "max lag of 'b' after 'a' (600 s) is shorter than ..."
  std::vector<std::string> culprits;  // step / device ids involved
};

struct PlanResult {
  std::optional<Schedule> schedule;  // set when feasible
  std::optional<Infeasibility> infeasibility;
  double seconds_to_first = 0;  // time to the first feasible plan
  double seconds_total = 0;
};

// Throws std::invalid_argument for a malformed problem (dangling indices, no device of a type).
PlanResult plan(const Problem& problem, const PlanOptions& options = {});

}  // namespace foundry::planner
