// Starting and finishing steps. A step starts when its planned time has come, its run is neither
// held nor stopping, its predecessors' minimum lags have passed, any back-off is over, and it is
// the next step its device unit runs in the plan (shift-right when something runs late). Intent
// is committed before the command is sent; the result is committed before anyone hears of it.
// Group commit: steps found ready at one instant (a sampling round) start together, their intents
// in one transaction; results that arrive at one instant are committed in one transaction too.
// While the store cannot be written (a full disk) no step starts and results are held in memory
// (not acknowledged, not published) until storage_resumed() commits them.
#include "engine/engine_state.hpp"

#include <foundry/engine/crash_point.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>

namespace foundry::engine {

namespace {
constexpr double kTolerance = 1.0;  // planned times are whole seconds
constexpr double kEpsilon = 1e-9;

std::string seconds(double s) { return fmt::format("{:.0f} s", s); }
}  // namespace

std::string LiveStep::key() const { return run->spec.run_id + "/" + spec->id; }

void Engine::State::arm(std::size_t i) {
  LiveStep& s = steps[i];
  if (s.timer) clock.cancel(*s.timer);
  s.timer = clock.call_at(std::max(s.planned_start, s.not_before), [this, i] {
    steps[i].timer.reset();
    try_start(i);
  });
}

bool Engine::State::unit_ready(std::size_t i) {
  const LiveStep& me = steps[i];
  auto it = unit_order.find({me.device, me.unit});
  if (it == unit_order.end()) return false;
  for (std::size_t k : it->second) {
    const LiveStep& s = steps[k];
    if (s.state == StepState::kRunning) return false;  // the unit is busy
    if (s.state != StepState::kWaiting || s.run->held || s.run->cancelling || !s.in_plan) continue;
    return k == i;  // the first waiting step of the unit in plan order goes first
  }
  return false;
}

bool Engine::State::may_start_now(std::size_t i) {
  if (storage_full()) return false;  // storage_resumed() looks again
  LiveStep& s = steps[i];
  if (s.state != StepState::kWaiting || !s.in_plan || s.run->held || s.run->cancelling) return false;
  const double now = clock.now();
  if (now + kEpsilon < s.planned_start || now + kEpsilon < s.not_before) return false;  // its timer will come
  if (out_of_service.count(s.device)) return false;  // a replan moves it
  double earliest = now;
  for (const auto& [p, dep] : s.preds) {
    const LiveStep& pred = steps[p];
    if (pred.state == StepState::kSkipped || pred.state == StepState::kCancelled || pred.state == StepState::kFailed) {
      skip_with_dependents(i, "predecessor '" + pred.spec->id + "' did not complete");
      return false;
    }
    bool anchored = dep->from == Anchor::kStart ? (pred.state == StepState::kRunning || pred.state == StepState::kDone)
                                                : pred.state == StepState::kDone;
    if (!anchored) return false;  // re-checked when the predecessor starts or ends
    double ref = dep->from == Anchor::kStart ? pred.started : pred.ended;
    earliest = std::max(earliest, ref + static_cast<double>(dep->min_lag_s));
  }
  if (earliest > now + kEpsilon) {
    clock.call_at(earliest, [this, i] { try_start(i); });
    return false;
  }
  return unit_ready(i);  // if not, re-checked when the unit's previous step ends
}

void Engine::State::try_start(std::size_t i) {
  if (!may_start_now(i)) return;
  if (std::find(due.begin(), due.end(), i) != due.end()) return;
  due.push_back(i);
  // Behind every timer already due at this instant (on the virtual clock a timer at `now` runs
  // after them), so a whole sampling round is in `due` when it runs. A wall clock promises no such
  // order; that costs only the grouping (reversed_ties.* tests run the engine so).
  if (due.size() == 1)
    due_timer = clock.call_at(clock.now(), [this] {
      due_timer.reset();
      start_due();
    });
}

void Engine::State::start_due() {
  std::vector<std::size_t> ready;
  // Anything may have changed since each was queued (a hold, a replan, a device out): the same
  // checks again, and what no longer passes them is woken again by whatever changed.
  for (std::size_t i : std::exchange(due, {}))
    if (may_start_now(i)) ready.push_back(i);
  if (!ready.empty()) start(ready);
}

void Engine::State::start(const std::vector<std::size_t>& ready) {
  const double now = clock.now();
  // Intents first, all in one transaction (group commit: one fsync for a round of samples), and
  // memory only once they are on record: a StorageFull leaves every step waiting as it was
  // (storage_resumed() wakes them). A window broken anyway is recorded on the step and on
  // everything after it, in the same transaction: never silent.
  std::vector<std::pair<std::size_t, std::string>> marks;
  {
    store::Store::WriteGroup group(store);
    for (std::size_t i : ready) {
      const LiveStep& s = steps[i];
      const std::string& run_id = s.run->spec.run_id;
      const int attempt = s.attempt + 1;
      store.step_started(run_id, s.spec->id, s.device, s.unit, attempt, command_id_of(s, attempt), now);
      for (const auto& [p, dep] : s.preds) {
        if (!dep->max_lag_s) continue;
        const LiveStep& pred = steps[p];
        double ref = dep->from == Anchor::kStart ? pred.started : pred.ended;
        double late = now - ref - static_cast<double>(*dep->max_lag_s);
        if (late <= kTolerance) continue;
        nlohmann::json detail = {{"predecessor", pred.spec->id},
                                 {"max_lag_s", *dep->max_lag_s},
                                 {"late_by_s", late},
                                 {"from", dep->from == Anchor::kStart ? "start" : "end"}};
        spdlog::warn("{} started {:.0f} s after its window after '{}' closed", s.key(), late, pred.spec->id);
        for (auto& mark : violation_marks(i, detail.dump())) {
          store.mark_constraint_violated(steps[mark.first].run->spec.run_id, steps[mark.first].spec->id, mark.second, now);
          marks.push_back(std::move(mark));
        }
      }
    }
    group.commit();
  }
  for (std::size_t i : ready) {
    LiveStep& s = steps[i];
    for (auto* t : {&s.timer, &s.window_watch})
      if (*t) {
        clock.cancel(**t);
        t->reset();
      }
    s.attempt += 1;
    s.command_id = command_id_of(s, s.attempt);
    s.state = StepState::kRunning;
    s.started = now;
    s.reroute = false;
  }
  for (const auto& mark : marks) steps[mark.first].violated = true;
  crash_point("after_intent");
  for (std::size_t i : ready) {
    LiveStep& s = steps[i];
    if (s.state != StepState::kRunning) continue;  // an earlier command in this round failed at once and replanned
    nlohmann::json params = nlohmann::json::parse(s.spec->parameters_json, nullptr, false);
    if (!params.is_object()) params = nlohmann::json::object();
    params["duration_s"] = s.spec->duration_s;  // the planned duration, so simulators follow the plan
    CommandRequest request{s.command_id, s.command_id, s.spec->operation, params.dump(), s.unit};
    for (std::size_t d : s.dependents) clock.post([this, d] { try_start(d); });  // anchored on my start
    for (std::size_t d : s.dependents) watch_windows(d);
    std::string command = s.command_id;
    arm_timeout(i);  // before execute: a refusal up front ends the attempt (and the timer) at once
    fleet.session(s.device).execute(request, nullptr, [this, i, command](const CommandOutcome& outcome) {
      result_arrived(i, command, outcome);
    });
    crash_point("after_dispatch");
  }
  check_plan();
}

std::string Engine::State::command_id_of(const LiveStep& s, int attempt) {
  return s.run->spec.run_id + "/" + s.spec->id + "/" + std::to_string(attempt);
}

void Engine::State::result_arrived(std::size_t i, const std::string& command, const CommandOutcome& outcome) {
  // The attempt is over when its outcome is in hand, before it is committed with the others of
  // this instant: a timeout due in between (on a wall clock) must not strike it.
  if (attempt_running(i, command)) cancel_timeout(steps[i]);
  arrived.push_back({i, command, outcome, clock.now()});
  // Results that arrive at the same instant (a sampling round ending) are committed together.
  if (arrived.size() == 1)
    arrived_timer = clock.call_at(clock.now(), [this] {
      arrived_timer.reset();
      record_arrived();
    });
}

void Engine::State::record_arrived() {
  auto results = std::exchange(arrived, {});
  record_results(results);
}

void Engine::State::record_results(const std::vector<ResultArrival>& results) {
  std::vector<ResultArrival> live;
  for (const ResultArrival& r : results)
    if (attempt_running(r.step, r.command)) live.push_back(r);  // else stale
  if (live.empty()) return;
  if (storage_full()) {
    for (const ResultArrival& r : live) hold_result(r.step, r.outcome, r.ended_at);
    return;
  }
  // Every result first, in one transaction (group commit), before anyone hears of it and before
  // memory moves on; if it cannot be written, nothing has changed and every result waits.
  std::vector<const ResultArrival*> succeeded;
  for (const ResultArrival& r : live)
    if (r.outcome.ok) succeeded.push_back(&r);
  if (!succeeded.empty()) {
    crash_point("before_result_commit");
    try {
      store::Store::WriteGroup group(store);
      for (const ResultArrival* r : succeeded) {
        const LiveStep& s = steps[r->step];
        store.step_finished(s.run->spec.run_id, s.spec->id, r->outcome.result_json, measurements_of(s, r->outcome, r->ended_at),
                            r->ended_at);
      }
      group.commit();
    } catch (const store::StorageFull&) {
      for (const ResultArrival& r : live) hold_result(r.step, r.outcome, r.ended_at);
      return;
    }
  }
  for (const ResultArrival* r : succeeded) {
    LiveStep& s = steps[r->step];
    cancel_timeout(s);
    s.ended = r->ended_at;
    s.state = StepState::kDone;
    if (options.on_step_end) options.on_step_end(s.run->spec.run_id, s.spec->id, true);
    step_ended(r->step);
  }
  // Failures one at a time: each decides under its policy what follows, and may re-plan.
  for (const ResultArrival& r : live)
    if (!r.outcome.ok && attempt_running(r.step, r.command))
      finish(r.step, r.outcome, r.ended_at);
  check_plan();
}

std::vector<store::Measurement> Engine::State::measurements_of(const LiveStep& s, const CommandOutcome& outcome, double t) const {
  std::vector<store::Measurement> measurements;
  auto result = nlohmann::json::parse(outcome.result_json, nullptr, false);
  if (!result.is_object() || !result.contains("measurements") || !result["measurements"].is_array()) return measurements;
  for (const auto& m : result["measurements"]) {
    if (!m.is_object() || !m.contains("name") || !m.contains("value") || !m["value"].is_number() || !m["name"].is_string())
      continue;
    std::string sample = m.contains("sample") && m["sample"].is_string() ? m["sample"].get<std::string>() : "";
    std::string unit = m.contains("unit") && m["unit"].is_string() ? m["unit"].get<std::string>() : "";
    measurements.push_back({s.run->spec.run_id, s.spec->id, s.device, m["name"].get<std::string>(), m["value"].get<double>(),
                            unit, sample, t, s.violated});
  }
  return measurements;
}

void Engine::State::finish(std::size_t i, const CommandOutcome& outcome, std::optional<double> ended_at) {
  const double now = ended_at.value_or(clock.now());
  if (outcome.ok) return record_results({{i, steps[i].command_id, outcome, now}});
  if (storage_full()) return hold_result(i, outcome, now);
  // A failure's policy changes memory as it writes. If its first write fails for want of room
  // nothing is committed: the step goes back to how it was, running, and its failure waits. (A
  // later write failing leaves the committed part acted on; storage_resumed() settles what
  // follows from it.)
  const LiveStep before = steps[i];
  LiveRun& run = *before.run;
  const auto run_before = std::make_tuple(run.held, run.held_for_device, run.cancelling, run.aborted, run.end_reason,
                                          run.failed, run.finished);
  const std::int64_t seq_before = store.last_event_seq();
  try {
    record_failure(i, outcome, now);
  } catch (const store::StorageFull&) {
    if (store.last_event_seq() != seq_before) throw;
    LiveStep& s = steps[i];
    s = before;
    s.timeout.reset();  // cancelled: the attempt is over, only its record waits
    std::tie(run.held, run.held_for_device, run.cancelling, run.aborted, run.end_reason, run.failed, run.finished) =
        run_before;
    hold_result(i, outcome, now);
  }
}

void Engine::State::record_failure(std::size_t i, const CommandOutcome& outcome, double now) {
  LiveStep& s = steps[i];
  const std::string& run_id = s.run->spec.run_id;
  crash_point("before_result_commit");
  cancel_timeout(s);
  s.ended = now;
  if (s.run->cancelling) {
    store.step_cancelled(run_id, s.spec->id, "run stopped: " + outcome.message, now);
    s.state = StepState::kCancelled;
    if (options.on_step_end) options.on_step_end(run_id, s.spec->id, false);
    step_ended(i);
  } else {
    spdlog::error("{} failed on {}: {}", s.key(), s.device, outcome.message);
    if (options.on_step_end) options.on_step_end(run_id, s.spec->id, false);
    handle_failure(i, outcome.message, outcome.error_kind);
    wake_dependents_and_unit(i);
  }
  check_plan();
}

void Engine::State::hold_result(std::size_t i, const CommandOutcome& outcome, double ended_at) {
  LiveStep& s = steps[i];
  cancel_timeout(s);  // the attempt is over; only its record waits
  held_results.push_back({i, s.command_id, outcome, ended_at});
  spdlog::warn("{} ended on {}; its {} is held in memory until the database can be written", s.key(), s.device,
               outcome.ok ? "result" : "failure");
}

void Engine::storage_resumed() { state_->storage_resumed(); }

void Engine::State::storage_resumed() {
  if (storage_full()) return;
  auto held = std::exchange(held_results, {});
  record_results(held);  // held again if the store is full again
  if (storage_full()) return;
  // What a failed write may have left undone: a run whose last step ended, a plan not put in
  // force, a timeout that could not be recorded, timers and window watches that found the store full.
  for (auto& [id, run] : runs) finish_run_if_done(*run);
  bool active = false;
  for (const auto& [id, run] : runs) active = active || !run->finished;
  if (active) replan("the database can be written again");
  for (std::size_t i = 0; i < steps.size(); ++i) {
    LiveStep& s = steps[i];
    if (s.run->finished) continue;
    bool result_held = std::any_of(held_results.begin(), held_results.end(), [i](const ResultArrival& h) { return h.step == i; });
    if (s.state == StepState::kRunning && !s.timeout && !result_held) arm_timeout(i);
    if (s.state != StepState::kWaiting) continue;
    clock.post([this, i] { try_start(i); });
    watch_windows(i);
  }
}

void Engine::State::wake_dependents_and_unit(std::size_t i) {
  LiveStep& s = steps[i];
  for (std::size_t d : s.dependents) {
    clock.post([this, d] { try_start(d); });
    watch_windows(d);
  }
  auto it = unit_order.find({s.device, s.unit});
  if (it != unit_order.end())
    for (std::size_t k : it->second)
      if (steps[k].state == StepState::kWaiting) {
        clock.post([this, k] { try_start(k); });
        break;
      }
}

void Engine::State::step_ended(std::size_t i) {
  wake_dependents_and_unit(i);
  finish_run_if_done(*steps[i].run);
}

void Engine::State::finish_run_if_done(LiveRun& run) {
  if (run.finished) return;
  bool failed = false;
  for (std::size_t k : run.steps) {
    if (!terminal(steps[k].state)) return;
    failed |= steps[k].state == StepState::kFailed;
  }
  const double now = clock.now();
  const auto& deadline = run.spec.deadline_s;
  if (deadline && now > run.created_at + static_cast<double>(*deadline)) {
    nlohmann::json detail = {{"deadline_s", *deadline}, {"late_by_s", now - run.created_at - static_cast<double>(*deadline)}};
    store.append_event(run.spec.run_id, "", "deadline_missed", detail.dump(), now);
  }
  std::string state = run.aborted || failed || run.failed ? "failed" : run.cancelling ? "cancelled" : "done";
  store.set_run_state(run.spec.run_id, state, now, state == "done" ? "" : run.end_reason);
  run.finished = true;
  for (std::size_t k : run.steps) {
    LiveStep& s = steps[k];
    for (auto* t : {&s.timer, &s.window_watch})
      if (*t) {
        clock.cancel(**t);
        t->reset();
      }
  }
}

std::optional<double> Engine::State::window_left(const LiveStep& s) const {
  std::optional<double> left;
  const double now = clock.now();
  for (const auto& [p, dep] : s.preds) {
    if (!dep->max_lag_s) continue;
    const LiveStep& pred = steps[p];
    bool anchored = dep->from == Anchor::kStart ? (pred.state == StepState::kRunning || pred.state == StepState::kDone)
                                                : pred.state == StepState::kDone;
    if (!anchored) continue;
    double ref = dep->from == Anchor::kStart ? pred.started : pred.ended;
    double l = ref + static_cast<double>(*dep->max_lag_s) - now;
    if (!left || l < *left) left = l;
  }
  return left;
}

void Engine::State::watch_windows(std::size_t i) {
  LiveStep& s = steps[i];
  if (s.state != StepState::kWaiting) return;
  auto left = window_left(s);
  if (!left) return;
  if (s.window_watch) clock.cancel(*s.window_watch);
  double at = clock.now() + std::max(0.0, *left - options.max_lag_warning_s);
  s.window_watch = clock.call_at(at, [this, i] {
    steps[i].window_watch.reset();
    window_check(i);
  });
}

std::string Engine::State::why_waiting(const LiveStep& s) const {
  if (s.run->held) return "its run is held";
  for (const auto& [p, dep] : s.preds) {
    const LiveStep& pred = steps[p];
    bool anchored = dep->from == Anchor::kStart ? (pred.state == StepState::kRunning || pred.state == StepState::kDone)
                                                : pred.state == StepState::kDone;
    if (!anchored)
      return "it waits for '" + pred.spec->id + "' to " + (dep->from == Anchor::kStart ? "start" : "end") +
             (pred.state == StepState::kRunning ? " (still running on " + pred.device + ")" : "");
  }
  auto it = unit_order.find({s.device, s.unit});
  if (it != unit_order.end())
    for (std::size_t k : it->second) {
      const LiveStep& other = steps[k];
      if (&other == &s) break;
      if (other.state == StepState::kRunning)
        return fmt::format("{} unit {} is busy with {} (running {})", s.device, s.unit, other.key(),
                           seconds(clock.now() - other.started));
      if (other.state == StepState::kWaiting && !other.run->held) return fmt::format("{} unit {} runs {} first", s.device, s.unit, other.key());
    }
  if (s.not_before > clock.now()) return "it waits for a retry back-off";
  return fmt::format("it is planned to start in {}", seconds(s.planned_start - clock.now()));
}

void Engine::State::window_check(std::size_t i, bool after_replan) {
  if (storage_full()) return;  // storage_resumed() watches again
  LiveStep& s = steps[i];
  if (s.state != StepState::kWaiting || s.run->finished || s.run->cancelling) return;
  // Found ready at this instant: it starts with the others due now (start_due()), late or not.
  if (std::find(due.begin(), due.end(), i) != due.end()) return;
  auto left = window_left(s);
  if (!left) return;
  const double now = clock.now();
  // It will be in time if it may start now, or is planned to start before the window closes and
  // nothing ahead of it on its unit is running late.
  bool can_start_in_time = false;
  if (!s.run->held && s.in_plan && s.planned_start <= now + *left + kTolerance) {
    bool preds_ok = true;
    for (const auto& [p, dep] : s.preds) {
      const LiveStep& pred = steps[p];
      bool anchored = dep->from == Anchor::kStart ? (pred.state == StepState::kRunning || pred.state == StepState::kDone)
                                                  : pred.state == StepState::kDone;
      preds_ok &= anchored;
    }
    bool unit_busy = false;
    auto it = unit_order.find({s.device, s.unit});
    if (it != unit_order.end())
      for (std::size_t k : it->second) {
        if (k == i) break;
        const LiveStep& other = steps[k];
        // Ahead of us and running past its planned end: we will not get the unit in time.
        if (other.state == StepState::kRunning && other.started + static_cast<double>(other.spec->duration_s) > now + *left)
          unit_busy = true;
      }
    can_start_in_time = preds_ok && !unit_busy;
  }
  if (can_start_in_time) {
    if (*left > options.max_lag_warning_s) {
      watch_windows(i);  // look again closer to the end
    } else if (*left > kTolerance) {
      // Inside the warning period watch_windows would look again at once, forever, without virtual
      // time moving (a livelock when a step is planned to start in its window's last minute): look
      // again when the window closes.
      if (s.window_watch) clock.cancel(*s.window_watch);
      s.window_watch = clock.call_at(now + *left, [this, i] {
        steps[i].window_watch.reset();
        window_check(i);
      });
    }
    return;
  }
  if (!after_replan && !s.run->held) {
    // The plan in force may be stale (drift not yet repaired): replan once, then look again.
    replan("window closing for " + s.key());
    if (steps[i].state == StepState::kWaiting) window_check(i, true);
    return;
  }
  std::string what = fmt::format("'{}' must start within its max-lag window, which closes in {}, but {}", s.spec->id,
                                 seconds(std::max(0.0, *left)), why_waiting(s));
  hold_step(i, what, {"retry", "skip", "abort"});
}

std::vector<std::pair<std::size_t, std::string>> Engine::State::violation_marks(std::size_t i,
                                                                               const std::string& detail_json) const {
  // The step and everything downstream of it (its sample's later data) carry the mark.
  std::vector<std::pair<std::size_t, std::string>> marks;
  std::vector<std::size_t> todo = {i};
  std::set<std::size_t> seen;
  while (!todo.empty()) {
    std::size_t k = todo.back();
    todo.pop_back();
    if (!seen.insert(k).second) continue;
    const LiveStep& s = steps[k];
    if (k != i && terminal(s.state)) continue;  // ran before (e.g. an earlier attempt's data)
    nlohmann::json detail = nlohmann::json::parse(detail_json, nullptr, false);
    if (!detail.is_object()) detail = nlohmann::json::object();
    if (k != i) detail = {{"because_of", steps[i].spec->id}};
    auto params = nlohmann::json::parse(s.spec->parameters_json, nullptr, false);
    if (params.is_object() && params.contains("sample") && params["sample"].is_string()) detail["sample"] = params["sample"];
    marks.emplace_back(k, detail.dump());
    for (std::size_t d : s.dependents) todo.push_back(d);
  }
  return marks;
}

}  // namespace foundry::engine
