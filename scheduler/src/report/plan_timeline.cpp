#include <foundry/report/plan_timeline.hpp>

#include <algorithm>
#include <numeric>

namespace foundry::report {

namespace {

// A device with more units than this is drawn with its first units only: a lane each for a
// 100-unit RCPSP resource would bury the rest of the chart.
constexpr int kMaxUnitsDrawn = 64;

// The units a step holding `demands` is drawn on. The planner only bounds the sum of units held
// (Step::demands: units are interchangeable), so for drawing each demand takes the lowest units
// free at the step's start, keeping bars on one lane from overlapping. Steps must be laid in
// order of start time; `free_at[d][u]` is when unit u of device d is next free.
std::vector<std::pair<std::size_t, int>> lay_demands(const planner::Step& step, const planner::Assignment& a,
                                                     std::vector<std::vector<planner::Time>>& free_at) {
  std::vector<std::pair<std::size_t, int>> units;
  for (const auto& d : step.demands) {
    if (d.device >= free_at.size()) continue;
    auto& unit_free = free_at[d.device];
    for (int taken = 0, u = 0; taken < d.amount && u < static_cast<int>(unit_free.size()); ++u) {
      if (unit_free[static_cast<std::size_t>(u)] > a.start) continue;
      unit_free[static_cast<std::size_t>(u)] = a.end;
      units.emplace_back(d.device, u);
      ++taken;
    }
  }
  return units;
}

}  // namespace

Timeline timeline_from_plan(const planner::Problem& problem, const planner::Schedule& schedule, double origin) {
  Timeline timeline;
  timeline.title = problem.name;
  timeline.origin = origin;
  for (const auto& d : problem.devices) timeline.devices.push_back({d.id, d.type, d.capacity});
  for (const auto& j : problem.jobs) timeline.runs.push_back(j.id);
  double end = origin + 1;
  auto at = [&](planner::Time t) { return origin + static_cast<double>(t); };

  const std::size_t steps = std::min(schedule.assignments.size(), problem.steps.size());
  std::vector<std::size_t> by_start(steps);
  std::iota(by_start.begin(), by_start.end(), std::size_t{0});
  std::stable_sort(by_start.begin(), by_start.end(), [&](std::size_t x, std::size_t y) {
    return schedule.assignments[x].start < schedule.assignments[y].start;
  });
  std::vector<std::vector<planner::Time>> free_at;
  for (const auto& d : problem.devices)
    free_at.emplace_back(static_cast<std::size_t>(std::clamp(d.capacity, 1, kMaxUnitsDrawn)), planner::Time{0});

  // The (device, unit) lanes each step holds: one unit, or every unit of its demands.
  std::vector<std::vector<std::pair<std::size_t, int>>> held(steps);
  for (std::size_t i : by_start) {
    const auto& a = schedule.assignments[i];
    const auto& step = problem.steps[i];
    if (!step.demands.empty()) {
      held[i] = lay_demands(step, a, free_at);
    } else if (a.device < problem.devices.size()) {
      const int unit = std::max(0, a.unit);
      held[i].emplace_back(a.device, unit);
      auto& unit_free = free_at[a.device];  // so a demand step is not drawn over this one
      if (unit < static_cast<int>(unit_free.size()))
        unit_free[static_cast<std::size_t>(unit)] = std::max(unit_free[static_cast<std::size_t>(unit)], a.end);
    }
  }

  for (std::size_t i = 0; i < steps; ++i) {  // bars in step order
    const auto& a = schedule.assignments[i];
    const auto& step = problem.steps[i];
    end = std::max(end, at(a.end));
    if (held[i].empty()) continue;  // holds no device: nothing to draw
    const std::string run_id = step.job < problem.jobs.size() ? problem.jobs[step.job].id : "";
    for (const auto& [device, unit] : held[i]) {
      Bar bar;
      bar.run_id = run_id;
      bar.step_id = step.id;
      bar.operation = step.type;
      bar.device_id = problem.devices[device].id;
      bar.unit = unit;
      bar.state = "planned";
      bar.planned_start = at(a.start);
      bar.planned_end = at(a.end);
      timeline.bars.push_back(std::move(bar));
    }
    // Windows on the first lane the step holds, once per step.
    const Bar& first = timeline.bars[timeline.bars.size() - held[i].size()];
    for (const auto& lag : step.after) {
      if (!lag.max_lag || lag.pred >= schedule.assignments.size()) continue;
      const auto& p = schedule.assignments[lag.pred];
      double ref = at(lag.from == planner::LagFrom::kStart ? p.start : p.end);
      timeline.windows.push_back({run_id, step.id, problem.steps[lag.pred].id, first.device_id, first.unit,
                                  ref + static_cast<double>(lag.min_lag), ref + static_cast<double>(*lag.max_lag)});
    }
  }
  timeline.end = end;
  return timeline;
}

}  // namespace foundry::report
