#include "commands/demo_summary.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace foundry::cli {

bool DemoSummary::all_runs_done() const {
  for (const auto& r : runs)
    if (r.state != "done") return false;
  return !runs.empty();
}

namespace {

std::string policy_of(const nlohmann::json& detail) {
  if (detail.contains("retry"))
    return fmt::format("retry {} of {} after {:g} s", detail.value("retry", 0), detail.value("of", 0),
                       detail.value("backoff_s", 0.0));
  if (detail.contains("reroute_from")) return "reroute from " + detail.value("reroute_from", std::string());
  return "requeued";
}

}  // namespace

DemoSummary summarise_demo(const store::Store& store, const std::string& maintenance_protocol) {
  DemoSummary summary;
  summary.runs = store.runs();
  for (const auto& run : summary.runs) {
    const bool maintenance = run.protocol == maintenance_protocol;
    if (maintenance && summary.maintenance_run.empty()) {
      summary.maintenance_run = run.run_id;
      summary.maintenance_state = run.state;
    }
    std::map<std::string, store::StepRow> steps;
    for (auto& step : store.steps(run.run_id)) {
      if (step.state == "done") {
        summary.steps_done_by_device[step.device_id] += 1;
        if (maintenance && run.run_id == summary.maintenance_run) summary.maintenance_steps_done += 1;
      }
      if (step.constraint_violated) {
        summary.window_violations += 1;
        if (maintenance) summary.maintenance_violations += 1;
      }
      steps.emplace(step.step_id, std::move(step));
    }
    for (const auto& event : store.events(run.run_id)) {
      if (event.kind != "step_attempt_failed") continue;
      auto detail = nlohmann::json::parse(event.detail_json, nullptr, false);
      if (!detail.is_object()) detail = nlohmann::json::object();
      DemoSummary::Fault fault{run.run_id, event.step_id, detail.value("message", std::string()), policy_of(detail), "",
                               false};
      auto it = steps.find(event.step_id);
      if (it != steps.end()) {
        fault.outcome = fmt::format("{} on attempt {} ({})", it->second.state, it->second.attempt, it->second.device_id);
        fault.recovered = it->second.state == "done";
      }
      summary.faults.push_back(std::move(fault));
    }
  }
  return summary;
}

}  // namespace foundry::cli
