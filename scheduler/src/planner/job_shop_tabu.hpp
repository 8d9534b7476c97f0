// Tabu search for the (flexible) job-shop special case: each step holds one unit of a
// single-unit device, steps of a job form a chain with minimum lags only, the objective is the
// makespan. A plan is then a sequence per device (and a device per step); starts follow as
// longest paths in the disjunctive graph. Moves swap adjacent operations at the ends of the
// blocks of a critical path (the N5 neighbourhood of Nowicki & Smutnicki) and, for flexible job
// shops, move a critical operation to another of its devices (Mastrolilli & Gambardella).
// Candidates are rated by the usual head/tail estimate; the chosen one is evaluated exactly.
#pragma once

#include "planner/compiled_problem.hpp"
#include "planner/search_budget.hpp"
#include "planner/serial_sgs.hpp"

#include <cstdint>

namespace foundry::planner::detail {

// True when the problem has the job-shop structure above (release times are allowed).
bool is_job_shop(const CompiledProblem& c);

// Improves `initial` (a feasible plan) until the budget is spent or `lower_bound` is reached.
Solution job_shop_tabu(const CompiledProblem& c, const Solution& initial, std::uint64_t seed, Time lower_bound,
                       const SearchBudget& budget, std::uint64_t& work);

}  // namespace foundry::planner::detail
