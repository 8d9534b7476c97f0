#include "commands/plan_progress.hpp"

#include "output/progress_line.hpp"
#include "output/terminal.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <future>

namespace foundry::cli {

planner::PlanResult plan_with_progress(const planner::Problem& problem, const planner::PlanOptions& options) {
  if (!output::is_terminal(stderr) || options.work_limit > 0) return planner::plan(problem, options);
  auto search = std::async(std::launch::async, [&problem, &options] { return planner::plan(problem, options); });
  const long budget = std::max(1L, std::lround(std::ceil(options.time_limit_s)));
  output::ProgressLine line(stderr, "s", budget);
  const std::string note = fmt::format("searching {} steps", problem.steps.size());
  auto started = std::chrono::steady_clock::now();
  while (search.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    line.update(std::min(budget, static_cast<long>(elapsed)), note);
  }
  auto result = search.get();  // rethrows the planner's exception; the line's destructor ends it
  line.update(std::min(budget, std::lround(result.seconds_total)), note);
  line.finish(fmt::format("searched {:.1f} s", result.seconds_total));
  return result;
}

}  // namespace foundry::cli
