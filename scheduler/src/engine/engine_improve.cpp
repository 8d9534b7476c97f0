// Improving the plan in force after a repair: "repair incrementally, then keep improving in the
// background". An event's repair is one quick local pass (engine_planning.cpp); planner::improve()
// then searches for a strictly better plan of the same problem that keeps every started step, and
// the engine puts it in force only if that plan is still the one in force when the result comes.
//
// With a wall clock the search runs on a worker thread for EngineOptions::improve_budget_s, so the
// event loop never waits for it. The result can be in force no earlier than the search ends, so it
// is asked to keep every step the plan in force starts before then (`in_force`: now, twice the
// budget and a margin) and to place nothing earlier; it is dropped when it comes back later than
// that, when another plan was put in force meanwhile (plan_generation moved on; that plan gets a
// search of its own), or when a step it moves has started or its run was held or stopped.
//
// Under simulated time a worker would make the history depend on how fast the machine is (virtual
// time does not wait for it, and steps start meanwhile or not). So the search runs on the engine
// thread, in a task posted at the instant of the repair, with improve_work_limit work units
// instead of a time budget: the same inputs give the same plans and the same event log. Its result
// comes back in a second posted task and goes through the same checks, so what runs in between
// (a test's posted event, a step started at that instant) is handled as a late result would be.
#include "engine/engine_state.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cmath>
#include <exception>
#include <thread>
#include <utility>

namespace foundry::engine {

namespace {
// Added to twice the budget for when a worker's plan can be in force: the search overruns its
// budget a little (it checks and compiles the problem first), more on a loaded machine.
constexpr double kInForceMargin_s = 1.0;

// improve() never throws for a plan the planner made, but a search must not take the engine down.
planner::PlanResult search(const planner::Problem& problem, const planner::Schedule& current, planner::Time in_force,
                           const planner::PlanOptions& options) {
  try {
    return planner::improve(problem, current, in_force, options);
  } catch (const std::exception& e) {
    planner::PlanResult refused;
    refused.infeasibility = planner::Infeasibility{e.what(), {}};
    return refused;
  }
}
}  // namespace

struct Engine::State::Improver {
  // Posted tasks hold a weak reference: the engine may be gone when its clock runs them.
  std::shared_ptr<int> alive = std::make_shared<int>(0);
  std::thread worker;
  bool busy = false;   // the worker is searching (engine thread only)
  bool again = false;  // a plan was repaired meanwhile: search for it once the worker is back

  Improver() = default;
  Improver(const Improver&) = delete;
  Improver& operator=(const Improver&) = delete;
  ~Improver() {
    if (worker.joinable()) worker.join();
  }
};

void Engine::State::improve_later() {
  const bool simulated = clock.simulated();
  if (simulated ? options.improve_work_limit == 0 : options.improve_budget_s <= 0) return;
  if (plan_problem.steps.empty()) return;
  if (!improver) improver = std::make_shared<Improver>();
  std::weak_ptr<int> alive = improver->alive;
  const std::uint64_t generation = plan_generation;
  planner::PlanOptions opts = options.plan;
  opts.progress = nullptr;

  if (simulated) {
    opts.work_limit = options.improve_work_limit;
    clock.post([this, alive, generation, opts] {
      if (alive.expired() || generation != plan_generation) return;  // a newer plan has its own search
      const auto in_force = static_cast<planner::Time>(std::ceil(clock.now() - origin));
      planner::PlanResult result = search(plan_problem, plan_schedule, in_force, opts);
      clock.post([this, alive, generation, in_force, result = std::move(result)]() mutable {
        if (!alive.expired()) improvement_found(generation, in_force, std::move(result));
      });
    });
    return;
  }

  if (improver->busy) {
    improver->again = true;
    return;
  }
  if (improver->worker.joinable()) improver->worker.join();  // done already: it posted its result
  improver->busy = true;
  opts.time_limit_s = options.improve_budget_s;
  opts.work_limit = 0;
  const double in_force_at = clock.now() + 2 * options.improve_budget_s + kInForceMargin_s;
  const auto in_force = static_cast<planner::Time>(std::ceil(in_force_at - origin));
  // The worker reads only its own copies, and reaches the engine only through the clock.
  improver->worker = std::thread([this, alive, generation, in_force, opts, problem = plan_problem,
                                  current = plan_schedule, &clock = clock] {
    planner::PlanResult result = search(problem, current, in_force, opts);
    clock.post([this, alive, generation, in_force, result = std::move(result)]() mutable {
      if (alive.expired()) return;
      improver->busy = false;
      improvement_found(generation, in_force, std::move(result));
      if (improver->again) {
        improver->again = false;
        improve_later();
      }
    });
  });
}

void Engine::State::improvement_found(std::uint64_t generation, planner::Time in_force, planner::PlanResult result) {
  if (!result.schedule) {
    spdlog::debug("no better plan: {}", result.infeasibility ? result.infeasibility->reason : "");
    return;
  }
  const planner::Schedule& better = *result.schedule;
  std::string stale;
  std::size_t moved = 0;
  if (generation != plan_generation) {
    stale = "another plan was put in force meanwhile";
  } else if (clock.now() > origin + static_cast<double>(in_force)) {
    stale = "it came after the time it was made for";
  } else {
    for (std::size_t p = 0; p < plan_step_of.size() && stale.empty(); ++p) {
      const planner::Assignment& a = better.assignments.at(p);
      const planner::Assignment& b = plan_schedule.assignments.at(p);
      if (a.start == b.start && a.device == b.device && a.unit == b.unit) continue;
      ++moved;
      if (plan_step_of[p] == kNone) continue;
      const LiveStep& s = steps[plan_step_of[p]];
      if (s.state != StepState::kWaiting) stale = "'" + s.key() + "', which it moves, has started meanwhile";
      else if (s.run->held || s.run->cancelling) stale = "run '" + s.run->spec.run_id + "' was held or stopped meanwhile";
    }
  }
  if (!stale.empty()) {
    spdlog::info("a better plan was dropped: {}", stale);
    return;
  }
  const planner::Schedule replaced = plan_schedule;
  PlanAttempt attempt;
  attempt.problem = plan_problem;
  attempt.step_of = plan_step_of;
  attempt.result = std::move(result);
  attempt.now = clock.now();
  apply_plan(std::move(attempt));
  const char* objective = options.plan.objective == planner::Objective::kMakespan ? "makespan" : "weighted-completion";
  store.append_event("", "", "plan_improved",
                     nlohmann::json{{"objective", objective},
                                    {"before", replaced.objective_value},
                                    {"after", plan_schedule.objective_value},
                                    {"makespan_before", replaced.makespan},
                                    {"makespan_after", plan_schedule.makespan},
                                    {"moved_steps", moved}}
                         .dump(),
                     clock.now());
  spdlog::info("a better plan is in force: {} {} -> {} ({} steps moved)", objective, replaced.objective_value,
               plan_schedule.objective_value, moved);
  if (options.on_plan_improved) options.on_plan_improved(plan_problem, replaced, plan_schedule);
}

}  // namespace foundry::engine
