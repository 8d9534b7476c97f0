// plan() and repair(): check the problem and its temporal network, then search. The search is
// anytime: a first plan from priority rules, then iterated local search over the priority keys
// of the schedule generator (and, for job shops, tabu search over device sequences) until the
// budget is spent.
#include <foundry/planner/planner.hpp>

#include "planner/compiled_problem.hpp"
#include "planner/job_shop_tabu.hpp"
#include "planner/pinned_search.hpp"
#include "planner/plan_check.hpp"
#include "planner/priority_search.hpp"
#include "planner/schedule_builder.hpp"
#include "planner/search_budget.hpp"
#include "planner/search_progress.hpp"
#include "planner/shift_repair.hpp"
#include "planner/temporal_network.hpp"

#include <cmath>
#include <exception>
#include <functional>
#include <limits>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace foundry::planner {
namespace {

using detail::PinnedPlacement;

// Steps that can only use one device of capacity 1 queue on it: their total duration, plus the
// earliest any of them can start and the least that must follow any of them, bounds the makespan.
Time device_load_bound(const detail::CompiledProblem& c, const std::vector<Time>& es, const std::vector<Time>& tail) {
  const auto& devices = c.problem->devices;
  std::vector<Time> load(devices.size(), 0), first(devices.size(), kForever), last(devices.size(), kForever);
  for (int v = 0; v < c.n; ++v) {
    const auto s = static_cast<std::size_t>(v);
    if (c.modes[s].size() != 1) continue;
    const std::size_t d = c.modes[s][0].device;
    if (devices[d].capacity != 1) continue;
    load[d] += c.modes[s][0].duration;
    first[d] = std::min(first[d], es[s]);
    last[d] = std::min(last[d], tail[s] - c.modes[s][0].duration);
  }
  Time bound = 0;
  for (std::size_t d = 0; d < devices.size(); ++d)
    if (load[d] > 0) bound = std::max(bound, first[d] + load[d] + last[d]);
  return bound;
}

PlanResult solve(const Problem& problem, const PlanOptions& options, const std::vector<double>* first_keys,
                 detail::SearchProgress* progress = nullptr) {
  detail::SearchBudget budget(options.time_limit_s, options.work_limit, progress);
  PlanResult result;
  const detail::CompiledProblem c = detail::compile(problem);
  auto finish = [&](Infeasibility why) {
    result.infeasibility = std::move(why);
    result.seconds_total = budget.elapsed();
    return result;
  };
  if (!c.impossible.empty()) return finish({c.impossible, c.impossible_culprits});

  // Contradicting lags are found before any search, with the cycle that proves it.
  std::vector<Time> es;
  const detail::Durations relaxed{&c.dur_min, &c.dur_max};
  if (auto cycle = detail::earliest_starts(c, relaxed, es))
    return finish({detail::explain(c, *cycle), detail::culprits(c, *cycle)});
  const std::vector<Time> tail = detail::tails(c, relaxed);
  for (int v = 0; v < c.n; ++v)
    result.lower_bound = std::max(result.lower_bound, es[static_cast<std::size_t>(v)] + tail[static_cast<std::size_t>(v)]);
  result.lower_bound = std::max(result.lower_bound, device_load_bound(c, es, tail));

  // Job shops get a specialised search: tabu over device sequences from the first plan on.
  const bool job_shop = options.objective == Objective::kMakespan && detail::is_job_shop(c);
  detail::SearchOutcome outcome =
      detail::priority_search(c, es, tail, result.lower_bound, options, budget, job_shop, first_keys);
  if (job_shop && outcome.best && outcome.best->makespan > result.lower_bound)
    outcome.best = detail::job_shop_tabu(c, *outcome.best, options.seed, result.lower_bound, budget, outcome.work);
  result.work_done = outcome.work;
  result.seconds_to_first = outcome.seconds_to_first;
  if (!outcome.best)
    return finish({(outcome.failure.proven ? "no plan exists: " : "no plan found within the time limit: ") +
                       outcome.failure.reason,
                   outcome.failure.culprits});
  result.schedule = detail::to_schedule(c, *outcome.best, options.objective);
  result.seconds_total = budget.elapsed();
  return result;
}

PlanResult repair_from_scratch(const Problem& problem, const Problem& previous_problem, const Schedule& previous,
                               Time now, const PlanOptions& options);
std::optional<Schedule> repair_pinned_first(const Problem& problem, const Problem& previous_problem,
                                            const Schedule& previous, Time now, const PlanOptions& options);

// A portfolio: options.threads independent searches with derived seeds (search k gets seed
// options.seed + 7919 k, so search 0 is the single-thread search); the best plan wins, ties to
// the lowest k, so the result is as deterministic as each search: with a work limit, the same
// seed, budget and thread count always give the same plan.
PlanResult portfolio(const PlanOptions& options, const std::function<PlanResult(const PlanOptions&)>& search) {
  if (options.threads <= 1) return search(options);
  std::vector<PlanResult> results(static_cast<std::size_t>(options.threads));
  std::vector<std::exception_ptr> errors(results.size());
  {
    std::vector<std::thread> workers;
    for (std::size_t k = 0; k < results.size(); ++k)
      workers.emplace_back([&, k] {
        try {
          PlanOptions o = options;
          o.threads = 1;
          o.seed = options.seed + 7919 * k;
          results[k] = search(o);
        } catch (...) {
          errors[k] = std::current_exception();
        }
      });
    for (auto& w : workers) w.join();
  }
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  std::size_t best = 0;
  for (std::size_t k = 1; k < results.size(); ++k) {
    const auto& r = results[k];
    if (!r.schedule) continue;
    if (!results[best].schedule || r.schedule->objective_value < results[best].schedule->objective_value ||
        (r.schedule->objective_value == results[best].schedule->objective_value &&
         r.schedule->makespan < results[best].schedule->makespan))
      best = k;
  }
  PlanResult out = std::move(results[best]);
  for (const auto& r : results) {
    out.lower_bound = std::max(out.lower_bound, r.lower_bound);
    if (r.schedule) out.seconds_to_first = std::min(out.seconds_to_first, r.seconds_to_first);
  }
  return out;
}

}  // namespace

PlanResult plan(const Problem& problem, const PlanOptions& options) {
  if (!options.progress)
    return portfolio(options, [&](const PlanOptions& o) { return solve(problem, o, nullptr); });
  // One report for the whole portfolio; its last call carries the result's own objective.
  detail::SearchProgress progress(options.progress);
  PlanResult result = portfolio(options, [&](const PlanOptions& o) { return solve(problem, o, nullptr, &progress); });
  progress.finish(result.schedule ? std::optional<double>(result.schedule->objective_value) : std::nullopt);
  return result;
}

PlanResult improve(const Problem& problem, const Schedule& current, Time now, const PlanOptions& options) {
  const detail::SearchBudget clock(0, 0);
  if (auto why = detail::first_violation(problem, current))
    throw std::invalid_argument("improve(): the plan to improve breaks a constraint: " + *why);
  const double before = detail::objective_of(problem, current, options.objective);
  // The search of repair(): started and frozen steps are fixed, nothing starts before `now`,
  // and the plan in force gives the first priorities.
  PlanResult found = portfolio(options, [&](const PlanOptions& o) {
    return repair_from_scratch(problem, problem, current, now, o);
  });
  PlanResult result;
  result.work_done = found.work_done;
  result.lower_bound = found.lower_bound;
  std::string why = "no plan found";
  if (found.schedule) {
    // Never trust the search alone with the plan in force: check everything again.
    std::optional<std::string> broken = detail::first_violation(problem, *found.schedule);
    if (!broken) broken = detail::started_step_moved(problem, current, *found.schedule, now);
    const double after = detail::objective_of(problem, *found.schedule, options.objective);
    if (broken) {
      why = "the best plan found was refused: " + *broken;
    } else if (after < before) {
      found.schedule->objective_value = after;
      result.schedule = std::move(found.schedule);
      result.seconds_to_first = found.seconds_to_first;
    } else {
      why = "the best plan found is not better (" + std::to_string(after) + " against " + std::to_string(before) + ")";
    }
  }
  if (!result.schedule)
    result.infeasibility =
        Infeasibility{"no better plan within the budget, the plan in force stays: " + why, {}};
  result.seconds_total = clock.elapsed();
  return result;
}

PlanResult repair(const Problem& problem, const Problem& previous_problem, const Schedule& previous, Time now,
                  const PlanOptions& options) {
  // First the local repair, which moves only what the event disturbs (milliseconds on a large
  // plan); the full pass below when it does not apply or finds nothing, or to improve on it
  // when the caller gives a budget.
  const detail::SearchBudget clock(0, 0);
  detail::ShiftRepairStats st;
  std::optional<Schedule> local;
  if (options.local_repair)
    local = detail::shift_repair(problem, previous_problem, previous, now, options.objective, &st);
  if (st.proven) {
    PlanResult result;
    result.infeasibility = Infeasibility{"no plan exists: " + st.reason, st.culprits};
    result.seconds_total = clock.elapsed();
    return result;
  }
  // The local repair tried and gave up: the steps tied to started steps are placed together
  // first (what a local repair and the full pass, one step or job at a time, may never find).
  bool tried_pinned = false;
  if (!local && st.loaded) {
    local = repair_pinned_first(problem, previous_problem, previous, now, options);
    tried_pinned = true;
  }
  if (local && options.time_limit_s <= 0 && options.work_limit == 0) {
    PlanResult result;
    result.schedule = std::move(local);
    result.seconds_to_first = result.seconds_total = clock.elapsed();
    return result;
  }
  PlanResult full = portfolio(options, [&](const PlanOptions& o) {
    return local ? repair_from_scratch(problem, problem, *local, now, o)
                 : repair_from_scratch(problem, previous_problem, previous, now, o);
  });
  if (!local && !full.schedule && !tried_pinned && full.infeasibility &&
      full.infeasibility->reason.rfind("no plan exists", 0) != 0)
    local = repair_pinned_first(problem, previous_problem, previous, now, options);
  if (local && (!full.schedule || local->objective_value < full.schedule->objective_value)) {
    full.schedule = std::move(local);
    full.infeasibility.reset();
  }
  full.seconds_total = clock.elapsed();
  return full;
}

namespace {

// The problem repair's full pass solves: every step `previous` started before `now` frozen where
// it is, and "not before now" as a milestone "(now)" frozen at `now` (the last step) that every
// unstarted step follows. `keys`: the previous plan's starts as first priorities.
Problem started_steps_frozen(const Problem& problem, const Problem& previous_problem, const Schedule& previous,
                             Time now, std::vector<double>& keys) {
  std::unordered_map<std::string, const Assignment*> before;
  for (const Assignment& a : previous.assignments)
    if (a.step < previous_problem.steps.size()) before[previous_problem.steps[a.step].id] = &a;
  std::unordered_map<std::string, std::size_t> device_index;
  for (std::size_t d = 0; d < problem.devices.size(); ++d) device_index[problem.devices[d].id] = d;

  // "Not before now" is a milestone frozen at `now` that every unstarted step follows.
  Problem q = problem;
  const std::size_t now_step = q.steps.size();
  keys.assign(now_step + 1, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t s = 0; s < now_step; ++s) {
    Step& step = q.steps[s];
    auto it = before.find(step.id);
    if (!step.frozen && it != before.end() && it->second->start < now) {
      const Assignment& a = *it->second;
      Frozen f{a.start, kNoDevice, a.unit};
      if (a.device != kNoDevice && a.device < previous_problem.devices.size()) {
        auto d = device_index.find(previous_problem.devices[a.device].id);
        if (d != device_index.end()) f.device = d->second;
      }
      if (!step.demands.empty()) f.device = kNoDevice;
      step.frozen = f;
    }
    if (step.frozen) continue;
    step.after.push_back({now_step, LagFrom::kStart, 0, std::nullopt});
    if (it != before.end()) keys[s] = static_cast<double>(std::max(it->second->start, now));
  }
  Step milestone;
  milestone.id = "(now)";
  milestone.duration = 0;
  milestone.job = q.jobs.size();
  milestone.frozen = Frozen{now, kNoDevice, 0};
  q.steps.push_back(milestone);
  q.jobs.push_back({"(now)", 0, 0, std::nullopt, {now_step}});
  keys[now_step] = static_cast<double>(now);
  return q;
}

PlanResult repair_from_scratch(const Problem& problem, const Problem& previous_problem, const Schedule& previous,
                               Time now, const PlanOptions& options) {
  std::vector<double> keys;
  const Problem q = started_steps_frozen(problem, previous_problem, previous, now, keys);
  PlanResult result = solve(q, options, &keys);
  if (result.schedule) result.schedule->assignments.pop_back();
  return result;
}

// Work units for the search over the pinned steps (see pinned_search.hpp).
constexpr std::uint64_t kPinnedWorkLimit = 20'000'000;

// The pinned steps (those the started steps bound: see pinned_search.hpp) placed together by a
// depth-first search, then frozen there while the schedule generator places the rest, in the
// previous plan's order. The plan only after the planner's own full check; nullopt otherwise.
std::optional<Schedule> repair_pinned_first(const Problem& problem, const Problem& previous_problem,
                                            const Schedule& previous, Time now, const PlanOptions& options) {
  std::vector<double> keys;
  Problem q = started_steps_frozen(problem, previous_problem, previous, now, keys);
  PinnedPlacement pinned;
  {
    const detail::CompiledProblem c = detail::compile(q);
    if (!c.impossible.empty()) return std::nullopt;
    pinned = detail::place_pinned_steps(c, kPinnedWorkLimit);
  }
  if (pinned.status != PinnedPlacement::Status::kPlaced) return std::nullopt;
  for (std::size_t k = 0; k < pinned.steps.size(); ++k) q.steps[pinned.steps[k]].frozen = pinned.at[k];
  PlanOptions rest = options;
  rest.time_limit_s = 0;
  rest.work_limit = 0;
  rest.threads = 1;
  PlanResult result = solve(q, rest, &keys);
  if (!result.schedule) return std::nullopt;
  result.schedule->assignments.pop_back();
  if (detail::first_violation(problem, *result.schedule)) return std::nullopt;
  return std::move(result.schedule);
}

}  // namespace

}  // namespace foundry::planner
