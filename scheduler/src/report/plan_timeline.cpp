#include <foundry/report/plan_timeline.hpp>

#include <algorithm>

namespace foundry::report {

Timeline timeline_from_plan(const planner::Problem& problem, const planner::Schedule& schedule, double origin) {
  Timeline timeline;
  timeline.title = problem.name;
  timeline.origin = origin;
  for (const auto& d : problem.devices) timeline.devices.push_back({d.id, d.type, d.capacity});
  for (const auto& j : problem.jobs) timeline.runs.push_back(j.id);
  double end = origin + 1;
  auto at = [&](planner::Time t) { return origin + static_cast<double>(t); };
  for (std::size_t i = 0; i < schedule.assignments.size() && i < problem.steps.size(); ++i) {
    const auto& a = schedule.assignments[i];
    const auto& step = problem.steps[i];
    end = std::max(end, at(a.end));
    if (a.device >= problem.devices.size()) continue;  // holds no device: nothing to draw
    Bar bar;
    bar.run_id = step.job < problem.jobs.size() ? problem.jobs[step.job].id : "";
    bar.step_id = step.id;
    bar.operation = step.type;
    bar.device_id = problem.devices[a.device].id;
    bar.unit = std::max(0, a.unit);
    bar.state = "planned";
    bar.planned_start = at(a.start);
    bar.planned_end = at(a.end);
    for (const auto& lag : step.after) {
      if (!lag.max_lag || lag.pred >= schedule.assignments.size()) continue;
      const auto& p = schedule.assignments[lag.pred];
      double ref = at(lag.from == planner::LagFrom::kStart ? p.start : p.end);
      timeline.windows.push_back({bar.run_id, bar.step_id, problem.steps[lag.pred].id, bar.device_id, bar.unit,
                                  ref + static_cast<double>(lag.min_lag), ref + static_cast<double>(*lag.max_lag)});
    }
    timeline.bars.push_back(std::move(bar));
  }
  timeline.end = end;
  return timeline;
}

}  // namespace foundry::report
