#include "planner/plan_check.hpp"

#include <algorithm>
#include <map>
#include <tuple>
#include <vector>

namespace foundry::planner::detail {
namespace {

using std::size_t;

std::string step_name(const Problem& p, size_t s) { return "step '" + p.steps[s].id + "'"; }

// The device and duration the step's resources allow for this assignment, or why not.
std::optional<std::string> resource_violation(const Problem& p, const Assignment& a) {
  const Step& step = p.steps[a.step];
  const Time length = a.end - a.start;
  auto wrong_length = [&](Time expected) -> std::optional<std::string> {
    if (length == expected) return std::nullopt;
    return step_name(p, a.step) + " runs " + std::to_string(length) + " s instead of " + std::to_string(expected) + " s";
  };
  if (!step.demands.empty()) return wrong_length(step.duration);
  if (!step.alternatives.empty()) {
    for (const Alternative& alt : step.alternatives)
      if (alt.device == a.device) return wrong_length(alt.duration);
    return step_name(p, a.step) + " is on a device that is not one of its alternatives";
  }
  if (step.type.empty()) {
    if (a.device != kNoDevice) return step_name(p, a.step) + " holds a device but needs none";
    return wrong_length(step.duration);
  }
  if (a.device >= p.devices.size() || p.devices[a.device].type != step.type)
    return step_name(p, a.step) + " is not on a device of type '" + step.type + "'";
  return wrong_length(step.duration);
}

std::optional<std::string> downtime_violation(const Problem& p, size_t s, size_t device, Time from, Time to) {
  for (const Downtime& down : p.devices[device].downtimes)
    if (down.from < to && from < down.to)
      return step_name(p, s) + " overlaps a downtime of '" + p.devices[device].id + "'";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> first_violation(const Problem& p, const Schedule& schedule) {
  const size_t n = p.steps.size();
  if (schedule.assignments.size() != n) return std::string("the plan does not have one assignment per step");
  std::vector<const Assignment*> of(n, nullptr);
  for (const Assignment& a : schedule.assignments) {
    if (a.step >= n || of[a.step]) return std::string("the plan assigns a step twice or one that does not exist");
    of[a.step] = &a;
  }
  // Per unit: (start, end, step) of the steps holding it; per device: (time, +/- amount) events.
  std::map<std::pair<size_t, int>, std::vector<std::tuple<Time, Time, size_t>>> on_unit;
  std::vector<std::vector<std::pair<Time, int>>> demand_events(p.devices.size());
  for (size_t s = 0; s < n; ++s) {
    const Assignment& a = *of[s];
    const Step& step = p.steps[s];
    if (auto why = resource_violation(p, a)) return why;
    if (step.frozen) {
      if (a.start != step.frozen->start) return step_name(p, s) + " has started and may not move";
      if (step.frozen->device != kNoDevice && step.demands.empty() &&
          (a.device != step.frozen->device || a.unit != step.frozen->unit))
        return step_name(p, s) + " has started and may not change device or unit";
    } else if (a.start < release_of(p, step)) {
      return step_name(p, s) + " starts before its release";
    }
    for (const Lag& lag : step.after) {
      if (lag.pred >= n) return step_name(p, s) + " has a time lag after a step that does not exist";
      const Assignment& q = *of[lag.pred];
      const Time gap = a.start - (lag.from == LagFrom::kEnd ? q.end : q.start);
      if (gap < lag.min_lag || (lag.max_lag && gap > *lag.max_lag))
        return step_name(p, s) + " breaks its time lag after '" + p.steps[lag.pred].id + "'";
    }
    if (!step.demands.empty()) {
      for (const Demand& d : step.demands) {
        if (d.amount <= 0 || a.end <= a.start) continue;
        if (auto why = downtime_violation(p, s, d.device, a.start, a.end)) return why;
        demand_events[d.device].push_back({a.start, d.amount});
        demand_events[d.device].push_back({a.end, -d.amount});
      }
    } else if (a.device != kNoDevice) {
      if (a.unit < 0 || a.unit >= p.devices[a.device].capacity)
        return step_name(p, s) + " is on a unit '" + p.devices[a.device].id + "' does not have";
      if (auto why = downtime_violation(p, s, a.device, a.start, a.end)) return why;
      on_unit[{a.device, a.unit}].push_back({a.start, a.end, s});
    }
  }
  for (auto& [unit, held] : on_unit) {
    std::sort(held.begin(), held.end());
    for (size_t k = 1; k < held.size(); ++k)
      if (std::get<0>(held[k]) < std::get<1>(held[k - 1]))
        return step_name(p, std::get<2>(held[k])) + " overlaps '" + p.steps[std::get<2>(held[k - 1])].id + "' on '" +
               p.devices[unit.first].id + "'";
  }
  // Unit-holding steps and multi-resource steps share a device's capacity.
  for (size_t d = 0; d < p.devices.size(); ++d) {
    auto& events = demand_events[d];
    if (events.empty()) continue;
    for (int u = 0; u < p.devices[d].capacity; ++u) {
      auto it = on_unit.find({d, u});
      if (it == on_unit.end()) continue;
      for (const auto& [from, to, s] : it->second) {
        events.push_back({from, 1});
        events.push_back({to, -1});
      }
    }
    std::sort(events.begin(), events.end());  // at equal times, releases (-) before takes (+)
    int held = 0;
    for (const auto& [t, amount] : events)
      if ((held += amount) > p.devices[d].capacity)
        return "device '" + p.devices[d].id + "' is over capacity at " + std::to_string(t) + " s";
  }
  return std::nullopt;
}

std::optional<std::string> started_step_moved(const Problem& p, const Schedule& before, const Schedule& after,
                                              Time now) {
  if (before.assignments.size() != after.assignments.size()) return std::string("the plans have different steps");
  for (size_t k = 0; k < after.assignments.size(); ++k) {
    const Assignment& b = before.assignments[k];
    const Assignment& a = after.assignments[k];
    if (a.step != b.step || a.step >= p.steps.size()) return std::string("the plans list steps in different orders");
    if (b.start < now) {
      if (a.start != b.start || a.device != b.device || a.unit != b.unit)
        return step_name(p, a.step) + " had started and was moved";
    } else if (a.start < now) {
      return step_name(p, a.step) + " would start in the past";
    }
  }
  return std::nullopt;
}

double objective_of(const Problem& p, const Schedule& schedule, Objective objective) {
  Time makespan = 0;
  std::vector<Time> completion(p.jobs.size(), 0);
  for (const Assignment& a : schedule.assignments) {
    makespan = std::max(makespan, a.end);
    if (a.step < p.steps.size() && p.steps[a.step].job < completion.size())
      completion[p.steps[a.step].job] = std::max(completion[p.steps[a.step].job], a.end);
  }
  if (objective == Objective::kMakespan) return static_cast<double>(makespan);
  double sum = 0;
  for (size_t j = 0; j < completion.size(); ++j) sum += p.jobs[j].priority * static_cast<double>(completion[j]);
  return sum;
}

}  // namespace foundry::planner::detail
