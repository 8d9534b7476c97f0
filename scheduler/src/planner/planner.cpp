// plan(): check the temporal network, then search. The search is anytime: a first plan from
// priority rules, then iterated local search over the priority keys of the schedule generator
// (and, for job shops, tabu search over machine sequences) until the budget is spent.
#include <foundry/planner/planner.hpp>

#include "planner/compiled_problem.hpp"
#include "planner/job_shop_tabu.hpp"
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

  // Device loads: steps that can only use one device of capacity 1 queue on it.
  {
    const auto devices = problem.devices.size();
    std::vector<Time> load(devices, 0), first(devices, kForever), last(devices, kForever);
    for (int v = 0; v < c.n; ++v) {
      const auto s = static_cast<std::size_t>(v);
      if (c.modes[s].size() != 1) continue;
      const std::size_t d = c.modes[s][0].device;
      if (problem.devices[d].capacity != 1) continue;
      load[d] += c.modes[s][0].duration;
      first[d] = std::min(first[d], es[s]);
      last[d] = std::min(last[d], tail[s] - c.modes[s][0].duration);
    }
    for (std::size_t d = 0; d < devices; ++d)
      if (load[d] > 0) result.lower_bound = std::max(result.lower_bound, first[d] + load[d] + last[d]);
  }

  // Job shops get a specialised search: tabu over device sequences from the first plan on.
  const bool job_shop = options.objective == Objective::kMakespan && detail::is_job_shop(c);
  detail::SearchOutcome outcome =
      detail::priority_search(c, es, tail, result.lower_bound, options, budget, job_shop);
  if (job_shop && outcome.best && outcome.best->makespan > result.lower_bound)
    outcome.best = detail::job_shop_tabu(c, *outcome.best, options.seed, result.lower_bound, budget, outcome.work);
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
