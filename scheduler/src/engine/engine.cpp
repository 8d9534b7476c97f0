// The engine's public face: submissions, operator actions and queries. Each checks its
// arguments (EngineError names what is wrong), commits the change, then acts on it.
#include "engine/engine_state.hpp"

#include <foundry/engine/run_lowering.hpp>
#include <foundry/model/diagnostic.hpp>
#include <foundry/protocol/run_spec_json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace foundry::engine {

Engine::Engine(const Workcell& workcell, DeviceFleet& fleet, store::Store& store, Clock& clock, EngineOptions options)
    : state_(std::make_unique<State>(workcell, fleet, store, clock, std::move(options))) {
  state_->origin = std::floor(clock.now());
}

Engine::~Engine() {
  // Timers still pending point at this engine: cancel them so a clock that outlives us (and runs
  // again) does not call into freed memory.
  for (auto& s : state_->steps)
    for (auto* t : {&s.timer, &s.window_watch})
      if (*t) state_->clock.cancel(**t);
}

void Engine::State::add_run(RunSpec spec, double created_at) {
  auto live = std::make_unique<LiveRun>();
  live->spec = std::move(spec);
  live->created_at = created_at;
  LiveRun& run = *live;
  std::map<std::string, std::size_t> local;
  for (const auto& st : run.spec.steps) {
    std::size_t i = steps.size();
    LiveStep s;
    s.run = &run;
    s.spec = &st;
    s.index = i;
    s.device = "";
    steps.push_back(std::move(s));
    run.steps.push_back(i);
    local[st.id] = i;
  }
  for (const auto& st : run.spec.steps) {
    std::size_t i = local.at(st.id);
    for (const auto& dep : st.after) {
      auto p = local.find(dep.step);
      if (p == local.end()) continue;  // lower_runs refuses such a run before we get here
      steps[i].preds.emplace_back(p->second, &dep);
      steps[p->second].dependents.push_back(i);
    }
  }
  runs.emplace(run.spec.run_id, std::move(live));
}

LiveRun& Engine::State::run(const std::string& run_id) {
  auto it = runs.find(run_id);
  if (it == runs.end()) throw EngineError("unknown run '" + run_id + "' (not active in this engine)");
  return *it->second;
}

LiveStep& Engine::State::step(const std::string& run_id, const std::string& step_id) {
  LiveRun& r = run(run_id);
  for (std::size_t k : r.steps)
    if (steps[k].spec->id == step_id) return steps[k];
  throw EngineError("run '" + run_id + "' has no step '" + step_id + "'");
}

SubmitResult Engine::submit(RunSpec run, const std::string& client_request_id) {
  State& st = *state_;
  if (!client_request_id.empty())
    if (auto existing = st.store.run_for_request(client_request_id)) return {*existing, false};
  if (run.run_id.empty()) throw EngineError("a run needs a run id");
  if (run.steps.empty()) throw EngineError("run '" + run.run_id + "' has no steps");
  if (st.runs.count(run.run_id) || !st.store.steps(run.run_id).empty())
    throw EngineError("run '" + run.run_id + "' exists already");
  State::PlanAttempt attempt;
  try {
    attempt = st.attempt_plan(&run);
  } catch (const InputError& e) {
    throw EngineError("run '" + run.run_id + "': " + e.what());
  }
  if (!attempt.result.schedule) {
    planner::Infeasibility why = attempt.result.infeasibility.value_or(planner::Infeasibility{"the planner found no plan", {}});
    throw InfeasibleRun("run '" + run.run_id + "': no feasible plan: " + why.reason, why);
  }
  const double now = st.clock.now();
  st.store.create_run(run, now, client_request_id, run_spec_to_json(run));
  std::string run_id = run.run_id;
  st.add_run(std::move(run), now);
  const LiveRun& live = *st.runs.at(run_id);
  std::size_t next = 0;
  for (auto& i : attempt.step_of)
    if (i == kNone) i = live.steps.at(next++);
  st.apply_plan(std::move(attempt));
  st.store.set_run_state(run_id, "running", now);
  return {run_id, true};
}

void Engine::cancel(const std::string& run_id, const std::string& reason) {
  LiveRun& run = state_->run(run_id);
  if (run.finished) throw EngineError("run '" + run_id + "' has ended already");
  if (run.cancelling) return;
  state_->stop_run(run, "cancelled: " + reason, false);
}

void Engine::hold(const std::string& run_id, const std::string& reason) {
  LiveRun& run = state_->run(run_id);
  if (run.finished || run.cancelling) throw EngineError("run '" + run_id + "' has ended or is stopping");
  if (run.held) return;
  state_->hold_run(run, reason.empty() ? "held by an operator" : reason);
  state_->replan("hold " + run_id);
  // A held run must still hear about windows closing on its waiting steps.
  for (std::size_t k : run.steps) state_->watch_windows(k);
}

void Engine::resume(const std::string& run_id) {
  LiveRun& run = state_->run(run_id);
  if (run.finished || run.cancelling) throw EngineError("run '" + run_id + "' has ended or is stopping");
  if (std::size_t n = state_->open_prompts(run))
    throw EngineError("run '" + run_id + "' has " + std::to_string(n) + " step(s) waiting for an answer: acknowledge them");
  state_->resume_run(run);
}

void Engine::acknowledge(const std::string& run_id, const std::string& step_id, OperatorChoice choice) {
  State& st = *state_;
  LiveStep& s = st.step(run_id, step_id);
  if (s.state != StepState::kHeld) throw EngineError("step '" + run_id + "/" + step_id + "' is not waiting for an operator");
  LiveRun& run = *s.run;
  const double now = st.clock.now();
  switch (choice) {
    case OperatorChoice::kRetry:
      st.store.prompt_answered(run_id, step_id, "retry", "planned", now);
      s.state = StepState::kWaiting;
      s.not_before = 0;
      s.retries = 0;
      break;
    case OperatorChoice::kSkip: {
      st.store.prompt_answered(run_id, step_id, "skip", "skipped", now);
      s.state = StepState::kSkipped;
      for (std::size_t d : s.dependents) st.skip_with_dependents(d, "depends on '" + step_id + "', which was skipped");
      st.finish_run_if_done(run);
      break;
    }
    case OperatorChoice::kAbortRun:
      st.store.prompt_answered(run_id, step_id, "abort", "cancelled", now);
      s.state = StepState::kCancelled;
      st.stop_run(run, "aborted by an operator at '" + step_id + "'", false);
      return;
  }
  if (!run.finished && st.open_prompts(run) == 0) st.resume_run(run);
}

void Engine::set_device_in_service(const std::string& device_id, bool in_service, const std::string& reason) {
  State& st = *state_;
  if (!st.workcell.find_device(device_id)) throw EngineError("unknown device '" + device_id + "'");
  bool out = st.out_of_service.count(device_id) > 0;
  if (out == !in_service) return;
  st.store.set_device_in_service(device_id, in_service, reason, st.clock.now());
  if (!in_service) {
    st.out_of_service[device_id] = reason.empty() ? "out of service" : reason;
    st.replan("device " + device_id + " out of service");
    return;
  }
  st.out_of_service.erase(device_id);
  // A run is held for the device its step was planned on, or for the type when it had none;
  // any device of that type coming back can take the step (the replan chooses which).
  const std::string& type = st.workcell.find_device(device_id)->type;
  auto can_take = [&](const std::string& held_for) {
    if (held_for == device_id || held_for == type) return true;
    const auto* device = st.workcell.find_device(held_for);
    return device && device->type == type;
  };
  for (auto& [id, run] : st.runs)
    if (!run->finished && run->held && !run->held_for_device.empty() && can_take(run->held_for_device) &&
        st.open_prompts(*run) == 0)
      st.resume_run(*run);
  st.replan("device " + device_id + " back in service");
}

std::vector<Prompt> Engine::prompts() const {
  std::vector<Prompt> out;
  for (const auto& p : state_->store.prompts()) {
    Prompt prompt{p.run_id, p.step_id, p.device_id, p.what_happened, p.choices, p.window_left_s, p.since};
    auto r = state_->runs.find(p.run_id);
    if (r != state_->runs.end())
      for (std::size_t k : r->second->steps)
        if (state_->steps[k].spec->id == p.step_id) prompt.window_left_s = state_->window_left(state_->steps[k]);
    out.push_back(std::move(prompt));
  }
  return out;
}

PlanPreview Engine::preview(const RunSpec& run) const {
  State::PlanAttempt attempt;
  try {
    attempt = state_->attempt_plan(&run);
  } catch (const InputError& e) {
    throw EngineError("run '" + run.run_id + "': " + e.what());
  }
  if (!attempt.result.schedule) {
    planner::Infeasibility why = attempt.result.infeasibility.value_or(planner::Infeasibility{"the planner found no plan", {}});
    throw InfeasibleRun("run '" + run.run_id + "': no feasible plan: " + why.reason, why);
  }
  PlanPreview preview{std::numeric_limits<double>::max(), 0, {}};
  // The run's steps are the problem's steps without a live step (kNone), in the run's order.
  std::size_t k = 0;
  for (std::size_t p = 0; p < attempt.step_of.size(); ++p) {
    if (attempt.step_of[p] != kNone) continue;
    const auto& a = attempt.result.schedule->assignments.at(p);
    double start = state_->origin + static_cast<double>(a.start), end = state_->origin + static_cast<double>(a.end);
    preview.planned_start = std::min(preview.planned_start, start);
    preview.planned_end = std::max(preview.planned_end, end);
    preview.steps.push_back({k < run.steps.size() ? run.steps[k].id : attempt.problem.steps[p].id,
                             attempt.problem.devices.at(a.device).id, a.unit, start, end});
    ++k;
  }
  if (preview.planned_end == 0) preview.planned_start = 0;
  preview.now = attempt.now;
  return preview;
}

bool Engine::idle() const {
  for (const auto& [id, run] : state_->runs)
    if (!run->finished) return false;
  return true;
}

bool Engine::waiting_for_operator() const {
  bool held = false;
  for (const auto& [id, run] : state_->runs) {
    if (run->finished) continue;
    if (!run->held) return false;
    held = true;
    for (std::size_t k : run->steps)
      if (state_->steps[k].state == StepState::kRunning) return false;
  }
  return held;
}

}  // namespace foundry::engine
