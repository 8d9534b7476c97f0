// What a failed attempt leads to: the step's ErrorPolicy (retry with a doubling back-off, reroute
// to another device of its type, hold for an operator, skip, abort the sample, abort the run),
// then its `then` action once retries or alternative devices are exhausted. Connection errors
// (device unreachable, driver host down) follow the same policy. Also holds and resumes runs.
#include "engine/engine_state.hpp"

#include <foundry/protocol/run_spec_json.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace foundry::engine {

std::vector<std::string> Engine::State::alternatives(const LiveStep& s) const {
  std::vector<std::string> out;
  for (const auto& d : workcell.devices)
    if (d.type == s.spec->device_type && !out_of_service.count(d.id) && !s.tried_devices.count(d.id)) out.push_back(d.id);
  return out;
}

void Engine::State::handle_failure(std::size_t i, const std::string& message, int error_kind) {
  LiveStep& s = steps[i];
  const ErrorPolicy& policy = s.spec->on_error;
  std::string what = fmt::format("{} failed on {}: {}{}", s.spec->id, s.device, message,
                                 error_kind == FOUNDRY_ERROR_CONNECTION ? " (device unreachable)" : "");
  s.tried_devices.insert(s.device);
  s.state = StepState::kWaiting;  // the attempt is over; what follows decides the step's fate
  ErrorAction action = policy.action;
  if (action == ErrorAction::kRetry) {
    if (s.retries < policy.retry_limit) {
      double backoff = policy.backoff_s * std::pow(2.0, s.retries);
      s.retries += 1;
      s.not_before = clock.now() + backoff;
      s.state = StepState::kWaiting;
      nlohmann::json detail = {{"message", message}, {"attempt", s.attempt}, {"error_kind", error_kind},
                               {"retry", s.retries}, {"of", policy.retry_limit}, {"backoff_s", backoff}};
      store.step_requeued(s.run->spec.run_id, s.spec->id, "step_attempt_failed", detail.dump(), clock.now());
      // The retry cannot start before the back-off ends: re-plan so its device goes to the next
      // steps meanwhile (else they keep waiting behind it in the unit's order).
      replan("retry of " + s.key() + " after a back-off");
      arm(i);
      return;
    }
    what += fmt::format(" (retries exhausted: {})", policy.retry_limit);
    action = policy.then;
  }
  if (action == ErrorAction::kReroute) {
    auto others = alternatives(s);
    if (!others.empty()) {
      s.state = StepState::kWaiting;
      s.reroute = true;
      nlohmann::json detail = {{"message", message}, {"attempt", s.attempt}, {"error_kind", error_kind},
                               {"reroute_from", s.device}, {"candidates", others}};
      store.step_requeued(s.run->spec.run_id, s.spec->id, "step_attempt_failed", detail.dump(), clock.now());
      replan("reroute " + s.key());
      return;
    }
    what += " (no other device of type " + s.spec->device_type + " left)";
    action = policy.then == ErrorAction::kReroute ? ErrorAction::kHold : policy.then;
  }
  if (action == ErrorAction::kRetry) action = ErrorAction::kHold;  // `then: retry` would never end
  apply_action(i, action, what);
}

void Engine::State::apply_action(std::size_t i, ErrorAction action, const std::string& what) {
  LiveStep& s = steps[i];
  switch (action) {
    case ErrorAction::kHold:
      hold_step(i, what, {"retry", "skip", "abort"});
      return;
    case ErrorAction::kSkip:
      skip_with_dependents(i, "skipped after failure: " + what);
      return;
    case ErrorAction::kAbortSample:
      skip_with_dependents(i, "sample aborted: " + what);
      return;
    case ErrorAction::kAbortRun:
      s.state = StepState::kFailed;
      s.ended = clock.now();
      store.step_failed(s.run->spec.run_id, s.spec->id, what, clock.now());
      stop_run(*s.run, "aborted: " + what, true);
      return;
    case ErrorAction::kRetry:
    case ErrorAction::kReroute:
      hold_step(i, what, {"retry", "skip", "abort"});
      return;
  }
}

void Engine::State::hold_step(std::size_t i, const std::string& what_happened, std::vector<std::string> choices) {
  LiveStep& s = steps[i];
  const double now = clock.now();
  store::PromptRow prompt{s.run->spec.run_id, s.spec->id, s.device, what_happened, std::move(choices), window_left(s), now};
  store.step_held(prompt, now);
  s.state = StepState::kHeld;
  for (auto* t : {&s.timer, &s.window_watch})
    if (*t) {
      clock.cancel(**t);
      t->reset();
    }
  if (!s.run->held) hold_run(*s.run, "waiting for an operator: " + what_happened);
}

void Engine::State::skip_with_dependents(std::size_t i, const std::string& reason) {
  std::vector<std::size_t> todo = {i};
  const double now = clock.now();
  LiveRun& run = *steps[i].run;
  while (!todo.empty()) {
    std::size_t k = todo.back();
    todo.pop_back();
    LiveStep& s = steps[k];
    if (terminal(s.state) || s.state == StepState::kRunning) continue;
    store.step_skipped(run.spec.run_id, s.spec->id, k == i ? reason : "depends on '" + steps[i].spec->id + "', which was skipped", now);
    s.state = StepState::kSkipped;
    for (auto* t : {&s.timer, &s.window_watch})
      if (*t) {
        clock.cancel(**t);
        t->reset();
      }
    for (std::size_t d : s.dependents) todo.push_back(d);
  }
  wake_dependents_and_unit(i);
  finish_run_if_done(run);
}

void Engine::State::stop_run(LiveRun& run, const std::string& reason, bool as_failure) {
  run.cancelling = true;
  run.aborted = as_failure;
  run.end_reason = reason;
  const double now = clock.now();
  for (std::size_t k : run.steps) {
    LiveStep& s = steps[k];
    if (s.state == StepState::kRunning) {
      fleet.session(s.device).cancel(s.command_id);  // it ends through finish()
      continue;
    }
    if (terminal(s.state)) continue;
    store.step_cancelled(run.spec.run_id, s.spec->id, reason, now);
    s.state = StepState::kCancelled;
    for (auto* t : {&s.timer, &s.window_watch})
      if (*t) {
        clock.cancel(**t);
        t->reset();
      }
  }
  finish_run_if_done(run);
  if (!run.finished) replan("run stopping " + run.spec.run_id);
}

void Engine::State::hold_run(LiveRun& run, const std::string& reason) {
  if (run.held) return;
  run.held = true;
  store.set_run_state(run.spec.run_id, "held", clock.now(), reason);
  for (std::size_t k : run.steps) {
    LiveStep& s = steps[k];
    if (s.timer) {
      clock.cancel(*s.timer);
      s.timer.reset();
    }
  }
}

void Engine::State::resume_run(LiveRun& run) {
  if (!run.held) return;
  run.held = false;
  run.held_for_device.clear();
  store.set_run_state(run.spec.run_id, "running", clock.now());
  replan("resume " + run.spec.run_id);
  for (std::size_t k : run.steps) {
    watch_windows(k);
    clock.post([this, k] { try_start(k); });
  }
}

std::size_t Engine::State::open_prompts(const LiveRun& run) const {
  std::size_t n = 0;
  for (std::size_t k : run.steps) n += steps[k].state == StepState::kHeld;
  return n;
}

}  // namespace foundry::engine
