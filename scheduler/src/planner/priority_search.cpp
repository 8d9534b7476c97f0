#include "planner/priority_search.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace foundry::planner::detail {

double score(const Solution& s, Objective objective) {
  if (objective == Objective::kMakespan) return static_cast<double>(s.makespan);
  return s.weighted_completion + 1e-6 * static_cast<double>(s.makespan);
}

SearchOutcome priority_search(const CompiledProblem& c, const std::vector<Time>& es, const std::vector<Time>& tail,
                              Time lower_bound, const PlanOptions& options, const SearchBudget& budget,
                              bool rules_only, const std::vector<double>* first_keys) {
  SearchOutcome out;
  const auto n = static_cast<std::size_t>(c.n);
  SerialSgs sgs(c);
  std::mt19937_64 rng(options.seed);
  double mean_duration = 1;
  for (std::size_t v = 0; v < n; ++v) mean_duration += static_cast<double>(c.dur_min[v]);
  mean_duration /= static_cast<double>(std::max<std::size_t>(n, 1));

  // Rule keys; smaller goes first. Ties are broken by step index through a tiny epsilon.
  std::vector<std::vector<double>> rules(3, std::vector<double>(n));
  for (std::size_t v = 0; v < n; ++v) {
    const double eps = 1e-9 * static_cast<double>(v);
    const double w = c.weight[v] > 0 ? c.weight[v] : 0.1;
    rules[0][v] = -static_cast<double>(tail[v]) + eps;                                // latest start
    rules[1][v] = static_cast<double>(es[v]) - 0.5 * static_cast<double>(tail[v]) + eps;  // mixed
    rules[2][v] = static_cast<double>(es[v]) - mean_duration * std::log(1 + w) + eps;  // earliest, priority first
  }
  if (options.objective != Objective::kMakespan) std::swap(rules[0], rules[2]);
  if (first_keys) {
    // Unknown entries (NaN: steps new to the plan) fall back to their earliest start.
    std::vector<double> keys = *first_keys;
    for (std::size_t v = 0; v < n; ++v)
      if (std::isnan(keys[v])) keys[v] = static_cast<double>(es[v]) + 1e-9 * static_cast<double>(v);
    rules.insert(rules.begin(), std::move(keys));
  }

  Solution sol;
  std::vector<double> best_keys, current_keys;
  double best_score = 0, current_score = 0;
  auto consider = [&](const std::vector<double>& keys) -> bool {
    const bool ok = sgs.build(keys, sol);
    out.work = sgs.work();
    if (!ok) {
      if (!out.best && (out.failure.reason.empty() || sgs.failure().proven)) out.failure = sgs.failure();
      return false;
    }
    const double sc = score(sol, options.objective);
    if (!out.best || sc < best_score) {
      if (!out.best) out.seconds_to_first = budget.elapsed();
      out.best = sol;
      best_score = sc;
      best_keys = keys;
      budget.improved(options.objective == Objective::kMakespan ? static_cast<double>(sol.makespan)
                                                                 : sol.weighted_completion);
    }
    return true;
  };
  auto optimal = [&] {
    return out.best && options.objective == Objective::kMakespan && out.best->makespan <= lower_bound;
  };

  for (const auto& keys : rules) {
    consider(keys);
    if (out.failure.proven) return out;
    if (optimal() || (out.best && budget.exhausted(sgs.work()))) return out;
  }
  if (rules_only && out.best) return out;

  // Iterated local search over keys. Before any plan exists, sample around the rules with
  // growing noise (biased random sampling); after, perturb the best keys a little.
  std::normal_distribution<double> noise(0.0, 1.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  if (out.best) {
    current_keys = best_keys;
    current_score = best_score;
  }
  int since_improvement = 0;
  std::vector<double> learned;
  for (std::uint64_t iter = 0; !optimal() && !out.failure.proven && !budget.exhausted(sgs.work()); ++iter) {
    std::vector<double> keys;
    if (!out.best && iter % 2 == 0) {
      // Squeaky wheel: the step that found no room last time goes earlier.
      if (learned.empty()) learned = rules[0];
      const int failed = sgs.failed_step();
      if (failed >= 0) learned[static_cast<std::size_t>(failed)] -= mean_duration * (1 + 4 * unit(rng));
      keys = learned;
      for (double& k : keys) k += 0.5 * mean_duration * noise(rng);
    } else if (!out.best) {
      keys = rules[iter % rules.size()];
      const double scale = mean_duration * (0.5 + static_cast<double>(iter % 16));
      for (double& k : keys) k += scale * noise(rng);
    } else {
      keys = current_keys;
      const double p = std::max(1.0 / static_cast<double>(n), 0.3 * unit(rng) * unit(rng));
      const double scale = mean_duration * (0.5 + 2 * unit(rng));
      for (double& k : keys)
        if (unit(rng) < p) k += scale * noise(rng);
    }
    if (!consider(keys)) continue;
    const double sc = score(sol, options.objective);
    if (current_keys.empty() || sc <= current_score) {
      if (sc < current_score) since_improvement = 0;
      current_keys = keys;
      current_score = sc;
    } else if (++since_improvement > 200) {
      current_keys = best_keys;
      current_score = best_score;
      since_improvement = 0;
    }
  }
  return out;
}

}  // namespace foundry::planner::detail
