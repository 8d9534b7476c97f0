#include "commands/plan_progress.hpp"

#include "output/progress_line.hpp"
#include "output/terminal.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <future>
#include <mutex>

namespace foundry::cli {

namespace {

// The latest report of the planner's progress callback, read by the thread drawing the line.
class LatestProgress {
 public:
  void set(const planner::PlanProgress& p) {
    std::lock_guard lock(mutex_);
    latest_ = p;
  }
  planner::PlanProgress get() const {
    std::lock_guard lock(mutex_);
    return latest_;
  }

 private:
  mutable std::mutex mutex_;
  planner::PlanProgress latest_;
};

const char* objective_name(planner::Objective objective) {
  return objective == planner::Objective::kMakespan ? "makespan" : "weighted completion";
}

}  // namespace

std::string progress_note(std::size_t steps, planner::Objective objective, const planner::PlanProgress& p) {
  std::string note = fmt::format("searching {} steps", steps);
  if (!p.feasible) return note + ", no plan yet";
  return note + fmt::format(", best {} {:.0f}", objective_name(objective), p.best_objective);
}

planner::PlanResult plan_with_progress(const planner::Problem& problem, const planner::PlanOptions& options) {
  if (!output::is_terminal(stderr) || options.work_limit > 0) return planner::plan(problem, options);
  LatestProgress latest;
  planner::PlanOptions with_progress = options;
  with_progress.progress = [&latest](const planner::PlanProgress& p) { latest.set(p); };
  auto search = std::async(std::launch::async, [&problem, &with_progress] {
    return planner::plan(problem, with_progress);
  });
  const long budget = std::max(1L, std::lround(std::ceil(options.time_limit_s)));
  output::ProgressLine line(stderr, "s", budget);
  // The bar follows the clock: the search reports only between its steps, which can be long.
  const auto started = std::chrono::steady_clock::now();
  while (search.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    line.update(std::min(budget, static_cast<long>(elapsed)),
                progress_note(problem.steps.size(), options.objective, latest.get()));
  }
  auto result = search.get();  // rethrows the planner's exception; the line's destructor ends it
  line.update(std::min(budget, std::lround(result.seconds_total)),
              progress_note(problem.steps.size(), options.objective, latest.get()));
  std::string done = fmt::format("searched {:.1f} s", result.seconds_total);
  if (result.schedule) done += fmt::format(", best {} {:.0f}", objective_name(options.objective), result.schedule->objective_value);
  line.finish(done);
  return result;
}

}  // namespace foundry::cli
