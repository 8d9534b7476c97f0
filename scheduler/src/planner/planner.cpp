// plan(): check the temporal network, then search. The search is anytime: a first plan from
// priority rules, then iterated local search over the priority keys of the schedule generator
// (and, for job shops, tabu search over machine sequences) until the budget is spent.
#include <foundry/planner/planner.hpp>

#include "planner/compiled_problem.hpp"
#include "planner/priority_search.hpp"
#include "planner/schedule_builder.hpp"
#include "planner/search_budget.hpp"
#include "planner/temporal_network.hpp"

namespace foundry::planner {

PlanResult plan(const Problem& problem, const PlanOptions& options) {
  detail::SearchBudget budget(options.time_limit_s, options.work_limit);
  PlanResult result;
  const detail::CompiledProblem c = detail::compile(problem);

  if (!c.impossible.empty()) {
    result.infeasibility = Infeasibility{c.impossible, c.impossible_culprits};
    result.seconds_total = budget.elapsed();
    return result;
  }
  // Contradicting lags are found before any search, with the cycle that proves it.
  std::vector<Time> es;
  const detail::Durations relaxed{&c.dur_min, &c.dur_max};
  if (auto cycle = detail::earliest_starts(c, relaxed, es)) {
    result.infeasibility = Infeasibility{detail::explain(c, *cycle), detail::culprits(c, *cycle)};
    result.seconds_total = budget.elapsed();
    return result;
  }
  const std::vector<Time> tail = detail::tails(c, relaxed);
  for (int v = 0; v < c.n; ++v)
    result.lower_bound = std::max(result.lower_bound, es[static_cast<std::size_t>(v)] + tail[static_cast<std::size_t>(v)]);

  detail::SearchOutcome outcome = detail::priority_search(c, es, tail, result.lower_bound, options, budget);
  result.work_done = outcome.work;
  result.seconds_to_first = outcome.seconds_to_first;
  if (outcome.best) {
    result.schedule = detail::to_schedule(c, *outcome.best, options.objective);
  } else {
    result.infeasibility = Infeasibility{"no plan found within the time limit: " + outcome.failure.reason,
                                         outcome.failure.culprits};
  }
  result.seconds_total = budget.elapsed();
  return result;
}

}  // namespace foundry::planner
