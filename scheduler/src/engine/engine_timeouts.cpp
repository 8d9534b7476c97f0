// Per-step timeouts. Every attempt gets a timer when it is dispatched: step_timeout_s (the step's
// timeout_s, or its protocol's timeout_factor x duration + timeout_margin_s, built in 2 x duration
// + 60 s). An attempt still running then is recorded as timed out (event step_timed_out), the
// driver is asked to cancel it, and it fails like any other attempt: its error policy decides
// (retry, reroute, hold, skip, abort). The timer runs on the engine's clock, so virtual and wall
// time take the same path.
#include "engine/engine_state.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace foundry::engine {

void Engine::State::arm_timeout(std::size_t i) {
  LiveStep& s = steps[i];
  cancel_timeout(s);
  const std::string command = s.command_id;
  s.timeout = clock.call_at(s.started + step_timeout_s(*s.spec), [this, i, command] {
    steps[i].timeout.reset();
    time_out(i, command);
  });
}

void Engine::State::cancel_timeout(LiveStep& s) {
  if (!s.timeout) return;
  clock.cancel(*s.timeout);
  s.timeout.reset();
}

void Engine::State::time_out(std::size_t i, const std::string& command) {
  LiveStep& s = steps[i];
  if (!attempt_running(i, command)) return;  // ended meanwhile
  const double now = clock.now();
  const double limit = step_timeout_s(*s.spec);
  const std::string& run_id = s.run->spec.run_id;
  nlohmann::json detail = {{"attempt", s.attempt},   {"command_id", command},   {"device", s.device},
                           {"timeout_s", limit},     {"running_s", now - s.started}};
  // On record before anything is done about it: a crash from here on finds the step in doubt,
  // and the driver's own record of the command settles it.
  store.append_event(run_id, s.spec->id, "step_timed_out", detail.dump(), now);
  // Detached first: a driver that reports the cancelled command at once (or later) is not heard
  // as the end of this attempt a second time.
  s.command_id.clear();
  bool cancelled = false;
  try {
    cancelled = fleet.session(s.device).cancel(command);
  } catch (const std::exception& e) {
    spdlog::warn("{}: cannot cancel {} on {}: {}", s.key(), command, s.device, e.what());
  }
  spdlog::error("{} timed out on {} after {:.0f} s (timeout_s {:g}){}", s.key(), s.device, now - s.started, limit,
                cancelled ? "; cancelled" : "; the driver could not cancel it");
  CommandOutcome outcome;
  outcome.ok = false;
  outcome.error_kind = FOUNDRY_ERROR_EXECUTION;
  outcome.message = fmt::format("timed out: no result {:.0f} s after it started (timeout_s {:g}){}", now - s.started,
                                limit, cancelled ? "" : "; the driver could not cancel it, check the instrument");
  finish(i, outcome);
}

}  // namespace foundry::engine
