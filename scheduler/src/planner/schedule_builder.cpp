#include "planner/schedule_builder.hpp"

#include <algorithm>
#include <tuple>

namespace foundry::planner::detail {

Schedule to_schedule(const CompiledProblem& c, const Solution& s, Objective objective) {
  const auto n = static_cast<std::size_t>(c.n);
  const Problem& p = *c.problem;
  Schedule out;
  out.assignments.resize(n);
  std::vector<std::vector<std::size_t>> on_device(p.devices.size());
  for (std::size_t v = 0; v < n; ++v) {
    Assignment& a = out.assignments[v];
    a.step = v;
    a.start = s.start[v];
    a.end = s.start[v] + c.duration(static_cast<int>(v), s.mode[v]);
    a.unit = 0;
    if (!c.modes[v].empty()) {
      a.device = c.modes[v][static_cast<std::size_t>(s.mode[v])].device;
      on_device[a.device].push_back(v);
    } else if (!c.uses[v].empty()) {
      a.device = c.uses[v][0].device;
    } else if (!p.steps[v].demands.empty()) {
      a.device = p.steps[v].demands[0].device;  // all amounts zero
    } else {
      a.device = kNoDevice;
    }
  }
  // Units: frozen steps keep theirs, and so do steps the schedule generator put on a unit (on
  // devices where started steps hold given units); the others take the lowest unit free for
  // their interval, in start order (always possible while usage never exceeds capacity and no
  // unit is pinned).
  for (std::size_t d = 0; d < on_device.size(); ++d) {
    auto& list = on_device[d];
    std::sort(list.begin(), list.end(), [&](std::size_t x, std::size_t y) {
      return std::make_tuple(out.assignments[x].start, !p.steps[x].frozen, x) <
             std::make_tuple(out.assignments[y].start, !p.steps[y].frozen, y);
    });
    const int cap = p.devices[d].capacity;
    std::vector<std::vector<std::pair<Time, Time>>> busy(static_cast<std::size_t>(cap));
    auto free_over = [&](int u, Time from, Time to) {
      for (const auto& [b, e] : busy[static_cast<std::size_t>(u)])
        if (b < to && from < e) return false;
      return true;
    };
    auto given_unit = [&](std::size_t v) {
      if (p.steps[v].frozen && p.steps[v].frozen->unit >= 0 && p.steps[v].frozen->unit < cap)
        return p.steps[v].frozen->unit;
      if (v < s.unit.size() && s.unit[v] >= 0 && s.unit[v] < cap) return s.unit[v];
      return -1;
    };
    for (std::size_t v : list)
      if (given_unit(v) >= 0) {
        Assignment& a = out.assignments[v];
        a.unit = given_unit(v);
        busy[static_cast<std::size_t>(a.unit)].push_back({a.start, a.end});
      }
    for (std::size_t v : list) {
      if (given_unit(v) >= 0) continue;
      Assignment& a = out.assignments[v];
      int unit = 0;
      for (int u = 0; u < cap; ++u)
        if (free_over(u, a.start, a.end)) {
          unit = u;
          break;
        }
      a.unit = unit;
      auto& b = busy[static_cast<std::size_t>(unit)];
      b.push_back({a.start, a.end});
      // Keep only intervals that can still overlap later steps (starts are non-decreasing).
      if (b.size() > 8)
        b.erase(std::remove_if(b.begin(), b.end(), [&](const auto& iv) { return iv.second <= a.start; }), b.end());
    }
  }
  out.makespan = s.makespan;
  if (objective == Objective::kMakespan) {
    out.objective = "makespan";
    out.objective_value = static_cast<double>(s.makespan);
  } else {
    out.objective = "weighted-completion";
    out.objective_value = s.weighted_completion;
  }
  return out;
}

}  // namespace foundry::planner::detail
