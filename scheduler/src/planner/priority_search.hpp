// The general-purpose search: the serial schedule generator driven by priority keys, first
// from classic rules (latest start, earliest start), then iterated local search that perturbs
// the keys of the best plan and keeps what is not worse.
#pragma once

#include "planner/compiled_problem.hpp"
#include "planner/search_budget.hpp"
#include "planner/serial_sgs.hpp"

#include <foundry/planner/planner.hpp>

#include <optional>

namespace foundry::planner::detail {

struct SearchOutcome {
  std::optional<Solution> best;
  PlacementFailure failure;  // the first failure, when no plan was found
  double seconds_to_first = 0;
  std::uint64_t work = 0;
};

// `first_keys`, when given, are tried before the rules (repair: the previous plan's order).
// Smaller is better: makespan, or weighted completion with makespan as tie-break.
double score(const Solution& s, Objective objective);

SearchOutcome priority_search(const CompiledProblem& c, const std::vector<Time>& es, const std::vector<Time>& tail,
                              Time lower_bound, const PlanOptions& options, const SearchBudget& budget,
                              bool rules_only = false, const std::vector<double>* first_keys = nullptr);

}  // namespace foundry::planner::detail
