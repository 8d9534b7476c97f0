// Recovery at start: the store is the truth. Unfinished runs are rebuilt from their recorded
// specs and step states; a step with intent but no result is *in doubt* and settled with the
// driver's own record of the command (command_state): finished → its result is taken; failed →
// the step's error policy; never received → run again; interrupted or uncertain → run again only
// if the operation is idempotent, else held for an operator. Nothing non-idempotent is repeated
// without a person deciding.
#include "engine/engine_state.hpp"

#include <foundry/model/diagnostic.hpp>
#include <foundry/protocol/run_spec_json.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

namespace foundry::engine {

namespace {

StepState parse_state(const std::string& s) {
  if (s == "running") return StepState::kRunning;
  if (s == "held") return StepState::kHeld;
  if (s == "done") return StepState::kDone;
  if (s == "failed") return StepState::kFailed;
  if (s == "skipped") return StepState::kSkipped;
  if (s == "cancelled") return StepState::kCancelled;
  return StepState::kWaiting;  // pending, planned
}

}  // namespace

RecoveryReport Engine::recover() {
  State& st = *state_;
  RecoveryReport report;
  const double now = st.clock.now();
  for (const auto& [device, reason] : st.store.devices_out_of_service())
    if (st.workcell.find_device(device)) st.out_of_service[device] = reason;

  struct InDoubt {
    std::size_t step;
    std::string key;
  };
  std::vector<InDoubt> in_doubt;
  double earliest = now;
  for (const auto& row : st.store.runs()) {
    if (row.state != "queued" && row.state != "running" && row.state != "held") continue;
    if (st.runs.count(row.run_id)) continue;
    auto json = st.store.run_spec_json(row.run_id);
    RunSpec spec;
    try {
      if (!json) throw EngineError("recorded before schema v2, without its run spec");
      spec = run_spec_from_json(*json, "run '" + row.run_id + "' in " + st.store.file().string());
    } catch (const std::exception& e) {
      st.store.set_run_state(row.run_id, "failed", now, std::string("cannot resume: ") + e.what());
      continue;
    }
    st.add_run(std::move(spec), row.created_at);
    LiveRun& run = *st.runs.at(row.run_id);
    run.held = row.state == "held";
    earliest = std::min(earliest, row.created_at);
    std::map<std::string, store::StepRow> rows;
    for (auto& s : st.store.steps(row.run_id)) rows[s.step_id] = s;
    for (std::size_t k : run.steps) {
      LiveStep& s = st.steps[k];
      auto it = rows.find(s.spec->id);
      if (it == rows.end()) continue;
      const store::StepRow& r = it->second;
      s.state = parse_state(r.state);
      s.device = r.device_id;
      s.unit = std::max(0, r.unit);
      s.attempt = r.attempt;
      s.violated = r.constraint_violated;
      s.started = r.started_at.value_or(0);
      s.ended = r.finished_at.value_or(0);
      s.planned_start = r.planned_start.value_or(now);
      s.planned_end = r.planned_end.value_or(now);
      if (r.started_at) earliest = std::min(earliest, *r.started_at);
      if (s.state == StepState::kRunning) {
        s.command_id = r.idempotency_key;
        in_doubt.push_back({k, r.idempotency_key});
      }
    }
    report.resumed_runs.push_back(row.run_id);
  }
  st.origin = std::floor(std::min(st.origin, earliest));

  for (const auto& [k, key] : in_doubt) {
    LiveStep& s = st.steps[k];
    std::string where = s.run->spec.run_id + "/" + s.spec->id;
    std::string state = "uncertain";
    nlohmann::json answer;
    try {
      answer = nlohmann::json::parse(st.fleet.session(s.device).command_state(key), nullptr, false);
      if (answer.is_object() && answer.contains("state") && answer["state"].is_string())
        state = answer["state"].get<std::string>();
    } catch (const std::exception& e) {
      spdlog::warn("{}: cannot ask {} about {}: {}", where, s.device, key, e.what());
    }
    spdlog::info("{}: in doubt after a restart; {} says '{}' for {}", where, s.device, state, key);
    if (state == "finished" || state == "failed") {
      CommandOutcome outcome;
      outcome.ok = state == "finished";
      if (outcome.ok) {
        outcome.result_json = answer.contains("result") ? answer["result"].dump() : "{}";
      } else {
        outcome.error_kind = answer.value("error_kind", static_cast<int>(FOUNDRY_ERROR_UNEXPECTED));
        outcome.message = answer.value("message", std::string("failed (reported after a restart)"));
      }
      st.finish(k, outcome);
      report.completed_from_driver.push_back(where);
      continue;
    }
    nlohmann::json detail = {{"key", key}, {"driver_state", state}, {"device", s.device}};
    bool never_received = state == "unknown";
    if (never_received || st.fleet.idempotent(s.device, s.spec->operation)) {
      detail["reason"] = never_received ? "the driver never received it" : "in doubt; the operation is idempotent";
      st.store.step_requeued(s.run->spec.run_id, s.spec->id, "step_in_doubt_rerun", detail.dump(), now);
      s.state = StepState::kWaiting;
      report.rerun_steps.push_back(where);
    } else {
      st.hold_step(k,
                   "'" + s.spec->id + "' (" + s.spec->operation + " on " + s.device +
                       ") is in doubt after a restart: the driver reports '" + state + "' for " + key + ". '" +
                       s.spec->operation +
                       "' is not idempotent, so it was not run again: check the instrument, then retry, skip or abort.",
                   {"retry", "skip", "abort"});
      report.held_steps.push_back(where);
    }
  }

  for (auto& [id, run] : st.runs) st.finish_run_if_done(*run);
  st.replan("recovery");
  for (auto& [id, run] : st.runs) {
    if (run->finished) continue;
    if (!run->held) st.store.set_run_state(id, "running", now);
    for (std::size_t k : run->steps) {
      st.watch_windows(k);
      st.clock.post([&st, k] { st.try_start(k); });
    }
  }
  return report;
}

}  // namespace foundry::engine
