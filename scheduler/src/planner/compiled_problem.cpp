#include "planner/compiled_problem.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace foundry::planner::detail {
namespace {

[[noreturn]] void fail(const Problem& p, std::size_t s, const std::string& why) {
  throw std::invalid_argument("step '" + p.steps[s].id + "': " + why);
}

void build_csr(int nodes, const std::vector<Arc>& arcs, bool by_from, std::vector<int>& begin,
               std::vector<int>& list) {
  begin.assign(static_cast<std::size_t>(nodes) + 1, 0);
  for (const Arc& a : arcs) ++begin[static_cast<std::size_t>(by_from ? a.from : a.to) + 1];
  for (std::size_t i = 1; i < begin.size(); ++i) begin[i] += begin[i - 1];
  list.assign(arcs.size(), 0);
  std::vector<int> fill(begin.begin(), begin.end() - 1);
  for (std::size_t i = 0; i < arcs.size(); ++i) {
    const int key = by_from ? arcs[i].from : arcs[i].to;
    list[static_cast<std::size_t>(fill[static_cast<std::size_t>(key)]++)] = static_cast<int>(i);
  }
}

}  // namespace

std::string CompiledProblem::describe(const Arc& arc) const {
  const auto& steps = problem->steps;
  const auto& step = steps[static_cast<std::size_t>(arc.step)];
  switch (arc.origin) {
    case ArcOrigin::kRelease:
      return "'" + step.id + "' not before its release";
    case ArcOrigin::kFrozen:
      return "'" + step.id + "' frozen at its start";
    case ArcOrigin::kMinLag:
    case ArcOrigin::kMaxLag: {
      const Lag& lag = step.after[static_cast<std::size_t>(arc.lag)];
      const std::string ref =
          std::string(lag.from == LagFrom::kEnd ? "end" : "start") + " of '" + steps[lag.pred].id + "'";
      if (arc.origin == ArcOrigin::kMinLag)
        return "'" + step.id + "' at least " + std::to_string(lag.min_lag) + " s after the " + ref;
      return "'" + step.id + "' at most " + std::to_string(*lag.max_lag) + " s after the " + ref;
    }
  }
  return {};
}

CompiledProblem compile(const Problem& p) {
  CompiledProblem c;
  c.problem = &p;
  c.n = static_cast<int>(p.steps.size());
  c.origin = c.n;
  const std::size_t n = p.steps.size();
  c.modes.resize(n);
  c.uses.resize(n);
  c.demand_duration.assign(n, 0);
  c.dur_min.assign(n, 0);
  c.dur_max.assign(n, 0);
  c.weight.assign(n, 1.0);
  c.job_of.assign(n, 0);

  std::map<std::string, std::vector<std::size_t>> devices_of_type;
  for (std::size_t d = 0; d < p.devices.size(); ++d) {
    if (p.devices[d].capacity < 1)
      throw std::invalid_argument("device '" + p.devices[d].id + "': capacity must be >= 1");
    devices_of_type[p.devices[d].type].push_back(d);
    if (!p.devices[d].downtimes.empty()) c.has_downtimes = true;
  }
  for (std::size_t j = 0; j < p.jobs.size(); ++j)
    for (std::size_t s : p.jobs[j].steps)
      if (s >= n) throw std::invalid_argument("job '" + p.jobs[j].id + "': step index out of range");

  for (std::size_t s = 0; s < n; ++s) {
    const Step& step = p.steps[s];
    if (step.job >= p.jobs.size()) fail(p, s, "job index out of range");
    c.job_of[s] = step.job;
    c.weight[s] = p.jobs[step.job].priority;
    if (!step.demands.empty()) {
      if (step.duration < 0) fail(p, s, "duration must be >= 0");
      for (const Demand& d : step.demands) {
        if (d.device >= p.devices.size()) fail(p, s, "demand names a device index out of range");
        if (d.amount < 0) fail(p, s, "demand amount must be >= 0");
        if (d.amount > p.devices[d.device].capacity && c.impossible.empty()) {
          c.impossible = "step '" + step.id + "' needs " + std::to_string(d.amount) + " units of '" +
                         p.devices[d.device].id + "', which has only " +
                         std::to_string(p.devices[d.device].capacity);
          c.impossible_culprits = {step.id, p.devices[d.device].id};
        }
        if (d.amount > 0) c.uses[s].push_back({d.device, d.amount});
      }
      c.demand_duration[s] = step.duration;
    } else if (!step.alternatives.empty()) {
      for (const Alternative& a : step.alternatives) {
        if (a.device >= p.devices.size()) fail(p, s, "alternative names a device index out of range");
        if (a.duration < 1) fail(p, s, "alternative duration must be >= 1");
        c.modes[s].push_back({a.device, a.duration});
      }
    } else if (!step.type.empty()) {
      auto it = devices_of_type.find(step.type);
      if (it == devices_of_type.end()) fail(p, s, "no device has type '" + step.type + "'");
      if (step.duration < 1) fail(p, s, "duration must be >= 1");
      for (std::size_t d : it->second) c.modes[s].push_back({d, step.duration});
    } else {
      if (step.duration < 0) fail(p, s, "duration must be >= 0");
      c.demand_duration[s] = step.duration;
    }
    if (step.frozen) {
      c.has_frozen = true;
      if (!c.modes[s].empty() && step.frozen->device != kNoDevice) {
        std::vector<Mode> keep;
        for (const Mode& m : c.modes[s])
          if (m.device == step.frozen->device) keep.push_back(m);
        if (keep.empty()) fail(p, s, "frozen on a device it cannot use");
        c.modes[s] = keep;
      }
    }
    if (c.modes[s].empty()) {
      c.dur_min[s] = c.dur_max[s] = c.demand_duration[s];
    } else {
      c.dur_min[s] = c.dur_max[s] = c.modes[s][0].duration;
      for (const Mode& m : c.modes[s]) {
        c.dur_min[s] = std::min(c.dur_min[s], m.duration);
        c.dur_max[s] = std::max(c.dur_max[s], m.duration);
      }
    }
  }

  // Arcs. start(s) >= release; lags both ways; frozen starts as two opposite arcs.
  for (std::size_t s = 0; s < n; ++s) {
    const Step& step = p.steps[s];
    const int si = static_cast<int>(s);
    c.arcs.push_back({c.origin, si, release_of(p, step), -1, 0, ArcOrigin::kRelease, si, -1});
    for (std::size_t l = 0; l < step.after.size(); ++l) {
      const Lag& lag = step.after[l];
      if (lag.pred >= n) fail(p, s, "lag names a step index out of range");
      if (lag.max_lag && *lag.max_lag < lag.min_lag)
        fail(p, s, "max_lag " + std::to_string(*lag.max_lag) + " < min_lag " + std::to_string(lag.min_lag));
      const int pi = static_cast<int>(lag.pred);
      const bool from_end = lag.from == LagFrom::kEnd;
      c.arcs.push_back({pi, si, lag.min_lag, from_end ? pi : -1, from_end ? 1 : 0, ArcOrigin::kMinLag, si,
                        static_cast<int>(l)});
      if (lag.max_lag)
        c.arcs.push_back({si, pi, -*lag.max_lag, from_end ? pi : -1, from_end ? -1 : 0, ArcOrigin::kMaxLag, si,
                          static_cast<int>(l)});
    }
    if (step.frozen) {
      c.arcs.push_back({c.origin, si, step.frozen->start, -1, 0, ArcOrigin::kFrozen, si, -1});
      c.arcs.push_back({si, c.origin, -step.frozen->start, -1, 0, ArcOrigin::kFrozen, si, -1});
    }
  }
  build_csr(c.n + 1, c.arcs, true, c.out_begin, c.out_arcs);
  build_csr(c.n + 1, c.arcs, false, c.in_begin, c.in_arcs);
  return c;
}

}  // namespace foundry::planner::detail
