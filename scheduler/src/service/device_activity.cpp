#include <foundry/service/device_activity.hpp>

#include <algorithm>

namespace foundry::service {

std::map<std::string, DeviceActivity> device_activity(const std::vector<store::StepRow>& steps,
                                                      const std::map<std::string, int>& capacity, double now,
                                                      const std::set<std::string>& held_runs) {
  std::map<std::string, DeviceActivity> out;
  std::map<std::string, double> busy_s;
  for (const auto& [id, units] : capacity) out[id];
  const double window_start = now - kUtilisationWindowS;
  for (const auto& s : steps) {
    auto it = out.find(s.device_id);
    if (it == out.end()) continue;
    DeviceActivity& a = it->second;
    if (s.state == "running") {
      a.busy_units += 1;
      a.running.push_back({s.run_id, s.step_id, s.started_at.value_or(now)});
    } else if (s.state == "planned" && s.planned_start && !held_runs.count(s.run_id)) {
      if (!a.next_planned || *s.planned_start < a.next_planned->at) a.next_planned = StepOnDevice{s.run_id, s.step_id, *s.planned_start};
    }
    // Busy time: from its start to its end, or to now while it runs; a step that ended without a
    // recorded end (cancelled while waiting) never started, so it has no start either.
    if (!s.started_at) continue;
    double end = s.finished_at ? *s.finished_at : (s.state == "running" ? now : *s.started_at);
    double overlap = std::min(end, now) - std::max(*s.started_at, window_start);
    if (overlap > 0) busy_s[s.device_id] += overlap;
  }
  for (auto& [id, a] : out) {
    std::sort(a.running.begin(), a.running.end(), [](const StepOnDevice& x, const StepOnDevice& y) { return x.at < y.at; });
    int units = std::max(1, capacity.at(id));
    a.utilisation_24h = std::clamp(busy_s[id] / (units * kUtilisationWindowS), 0.0, 1.0);
  }
  return out;
}

bool run_may_matter(const store::RunRow& run, double now) {
  return !run.finished_at || *run.finished_at >= now - kUtilisationWindowS;
}

}  // namespace foundry::service
