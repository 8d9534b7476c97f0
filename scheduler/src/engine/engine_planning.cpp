// Planning inside the engine: every active run is planned together, started steps frozen where
// and when they ran, held runs left out (they reserve nothing while nobody may run them), devices
// out of service blocked from now on, and a step that must be rerouted restricted to the other
// devices of its type. A repair keeps what still fits and re-places the rest.
#include "engine/engine_state.hpp"

#include <foundry/engine/run_lowering.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

namespace foundry::engine {

namespace {
// Times are planned in whole seconds; actual times are not. Deviations below this are noise.
constexpr double kTolerance = 1.0;

// A window anchored on a predecessor's end closes earlier when the predecessor ends early, and
// by then the successor's device may be taken: planned at the end of the nominal window, it
// would have to wait past the window's close. Devices are reserved `margin` longer than a step's
// nominal duration and steps may end as much shorter, so the successor is planned inside the
// window that holds for any end in [d(1-margin), d(1+margin)]: its device is reserved in time
// before the predecessor even starts. Never tighter than the minimum lag: that would leave no
// window at all (then the plan is only robust to late ends).
void keep_window_if_early(Dependency& d, std::int64_t pred_duration_s, double margin) {
  if (!d.max_lag_s || d.from != Anchor::kEnd) return;
  auto slack = static_cast<std::int64_t>(std::ceil(2.0 * margin * static_cast<double>(pred_duration_s)));
  d.max_lag_s = std::max(d.min_lag_s, *d.max_lag_s - slack);
}
}  // namespace

planner::Time Engine::State::rel(double t) const { return static_cast<planner::Time>(std::llround(t - origin)); }

Engine::State::PlanAttempt Engine::State::attempt_plan(const RunSpec* extra) const {
  const double now = clock.now();
  const planner::Time now_rel = static_cast<planner::Time>(std::ceil(now - origin));
  // Which steps go into the problem: started ones always (they hold devices and anchor lags);
  // waiting ones unless their run is held or stopping.
  std::vector<RunSpec> specs;
  std::vector<std::vector<std::size_t>> chosen;  // per spec: State::steps indices (kNone: extra)
  std::vector<planner::Time> submitted;  // per spec: when its run was submitted, in plan time
  for (const auto& [id, run] : runs) {
    if (run->finished) continue;
    RunSpec spec = run->spec;
    spec.steps.clear();
    std::vector<std::size_t> picked;
    std::set<std::string> kept;
    for (std::size_t i : run->steps) {
      const LiveStep& s = steps[i];
      bool started = s.state == StepState::kRunning || ((s.state == StepState::kDone || s.state == StepState::kFailed) &&
                                                        s.started > 0);
      bool waiting = s.state == StepState::kWaiting && !run->held && !run->cancelling;
      if (!started && !waiting) continue;
      picked.push_back(i);
      kept.insert(s.spec->id);
      spec.steps.push_back(*s.spec);
    }
    if (picked.empty()) continue;
    std::map<std::string, const LiveStep*> by_id;
    for (std::size_t i : run->steps) by_id[steps[i].spec->id] = &steps[i];
    for (auto& st : spec.steps) {
      std::vector<Dependency> deps;
      for (auto d : st.after) {
        if (!kept.count(d.step)) continue;
        // A window that closed already cannot be kept: plan the step as soon as possible (its
        // start records the violation) instead of finding no plan at all.
        const LiveStep& pred = *by_id.at(d.step);
        bool anchored = d.from == Anchor::kStart ? pred.started > 0 : pred.state == StepState::kDone;
        double ref = d.from == Anchor::kStart ? pred.started : pred.ended;
        if (d.max_lag_s && anchored && ref + static_cast<double>(*d.max_lag_s) < now) d.max_lag_s.reset();
        if (pred.state != StepState::kDone) keep_window_if_early(d, pred.spec->duration_s, options.duration_margin);
        deps.push_back(d);
      }
      st.after = std::move(deps);
    }
    specs.push_back(std::move(spec));
    chosen.push_back(std::move(picked));
    submitted.push_back(rel(run->created_at));
  }
  if (extra) {
    specs.push_back(*extra);
    std::map<std::string, std::int64_t> durations;
    for (const auto& st : specs.back().steps) durations[st.id] = st.duration_s;
    for (auto& st : specs.back().steps)
      for (auto& d : st.after)
        if (durations.count(d.step)) keep_window_if_early(d, durations.at(d.step), options.duration_margin);
    chosen.emplace_back(extra->steps.size(), kNone);
    // Submitted now: rounding now down (rel) would let the plan start it up to half a second in
    // the past, and a preview would promise a start before the time it was asked.
    submitted.push_back(now_rel);
  }

  PlanAttempt attempt;
  attempt.now = now;
  attempt.problem = lower_runs(specs, workcell);
  planner::Problem& problem = attempt.problem;
  std::map<std::string, std::size_t> device_index;
  for (std::size_t d = 0; d < problem.devices.size(); ++d) {
    device_index[problem.devices[d].id] = d;
    if (out_of_service.count(problem.devices[d].id)) problem.devices[d].downtimes.push_back({now_rel, planner::kForever});
  }
  std::size_t k = 0;
  for (std::size_t r = 0; r < specs.size(); ++r) {
    planner::Job& job = problem.jobs[r];
    // A run's release and deadline count from when it was submitted.
    job.release = std::max<planner::Time>(submitted[r] + specs[r].release_s, 0);
    if (specs[r].deadline_s) job.deadline = submitted[r] + *specs[r].deadline_s;
    for (std::size_t i : chosen[r]) {
      planner::Step& step = problem.steps[k++];
      attempt.step_of.push_back(i);
      step.duration = static_cast<planner::Time>(
          std::ceil(static_cast<double>(step.duration) * (1.0 + options.duration_margin)));
      if (i == kNone) continue;
      const LiveStep& s = steps[i];
      if (s.state == StepState::kWaiting) {
        // Waiting out a retry back-off: the plan starts it no earlier, so the device it will
        // use is planned for it then, not handed to it now and taken back at the next check.
        if (s.not_before > now) step.release = static_cast<planner::Time>(std::ceil(s.not_before - origin));
        if (s.reroute || !out_of_service.empty()) {
          // Only devices that may take it: in service and (after a failure here) not tried.
          std::vector<planner::Alternative> alts;
          for (const auto& d : workcell.devices) {
            if (d.type != s.spec->device_type || out_of_service.count(d.id)) continue;
            if (s.reroute && s.tried_devices.count(d.id)) continue;
            alts.push_back({device_index.at(d.id), step.duration});
          }
          if (!alts.empty()) step.alternatives = std::move(alts);
        }
        continue;
      }
      // Started: it stays where and when it ran, whatever its lags say now (they are history).
      planner::Frozen frozen;
      frozen.start = rel(s.started);
      frozen.device = device_index.at(s.device);
      frozen.unit = s.unit;
      step.frozen = frozen;
      step.after.clear();
      step.alternatives.clear();
      if (terminal(s.state)) {
        step.duration = std::max<planner::Time>(1, static_cast<planner::Time>(std::ceil(s.ended - origin)) - frozen.start);
      } else {
        step.duration = std::max(step.duration, now_rel + 1 - frozen.start);
      }
    }
  }
  planner::PlanOptions opts = options.plan;
  if (problem.steps.empty()) {  // nothing to place (every run held or done)
    attempt.result.schedule = planner::Schedule{};
    return attempt;
  }
  if (plan_problem.steps.empty()) {
    attempt.result = planner::plan(problem, opts);
  } else {
    planner::Schedule previous = plan_schedule;
    std::set<std::string> frozen_ids;
    for (const auto& s : problem.steps)
      if (s.frozen) frozen_ids.insert(s.id);
    for (std::size_t p = 0; p < plan_problem.steps.size() && p < previous.assignments.size(); ++p) {
      auto& a = previous.assignments[p];
      // A step that has not started may move, whatever the old plan said (repair keeps a step
      // the previous plan started before `now` where it was).
      if (!frozen_ids.count(plan_problem.steps[p].id) && a.start < now_rel) {
        a.end += now_rel - a.start;
        a.start = now_rel;
      }
    }
    opts.time_limit_s = 0;  // one repair pass: fast and deterministic
    opts.work_limit = 0;
    attempt.result = planner::repair(problem, plan_problem, previous, now_rel, opts);
    attempt.repaired = true;
  }
  return attempt;
}

void Engine::State::apply_plan(PlanAttempt attempt) {
  const double now = clock.now();
  const planner::Schedule& schedule = *attempt.result.schedule;
  std::vector<store::Store::PlannedStep> planned;
  for (auto& s : steps) s.in_plan = false;
  for (std::size_t p = 0; p < attempt.step_of.size(); ++p) {
    std::size_t i = attempt.step_of[p];
    if (i == kNone) continue;
    LiveStep& s = steps[i];
    s.in_plan = true;
    if (s.state != StepState::kWaiting) continue;
    const auto& a = schedule.assignments.at(p);
    double start = origin + static_cast<double>(a.start);
    double end = origin + static_cast<double>(a.end);
    std::string device = attempt.problem.devices.at(a.device).id;
    bool moved = start != s.planned_start || device != s.device || a.unit != s.unit || !s.timer;
    s.planned_start = start;
    s.planned_end = end;
    s.device = device;
    s.unit = a.unit;
    if (moved) {
      planned.push_back({s.run->spec.run_id, s.spec->id, device, a.unit, start, end});
      arm(i);
    }
  }
  // Steps no longer planned (held runs) lose their timers.
  for (auto& s : steps)
    if (!s.in_plan && s.timer) {
      clock.cancel(*s.timer);
      s.timer.reset();
    }
  store.plan_steps(planned, now);
  plan_problem = std::move(attempt.problem);
  plan_schedule = *attempt.result.schedule;
  plan_step_of = std::move(attempt.step_of);
  ++plan_generation;
  unit_order.clear();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const LiveStep& s = steps[i];
    if (!s.in_plan || terminal(s.state)) continue;
    unit_order[{s.device, s.unit}].push_back(i);
  }
  for (auto& [unit, order] : unit_order) {
    auto when = [&](std::size_t i) {
      const LiveStep& s = steps[i];
      bool waiting = s.state == StepState::kWaiting;
      return std::make_tuple(waiting ? 1 : 0, waiting ? s.planned_start : s.started, i);
    };
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return when(a) < when(b); });
  }
  if (attempt.repaired) improve_later();
}

void Engine::State::replan(const std::string& why) {
  PlanAttempt attempt = attempt_plan(nullptr);
  if (!attempt.result.schedule) {
    // A step whose device type has no device in service cannot be placed: hold its run (it
    // resumes when the device is back) and plan the rest.
    bool held_any = false;
    for (auto& [id, run] : runs) {
      if (run->finished || run->held) continue;
      for (std::size_t i : run->steps) {
        const LiveStep& s = steps[i];
        if (s.state != StepState::kWaiting) continue;
        if (!alternatives(s).empty() || !workcell.has_type(s.spec->device_type)) continue;
        std::string device = s.device.empty() ? s.spec->device_type : s.device;
        run->held_for_device = device;
        hold_run(*run, "no " + s.spec->device_type + " in service for '" + s.spec->id + "' (" + device + ": " +
                           (out_of_service.count(device) ? out_of_service.at(device) : std::string("out of service")) +
                           ")");
        held_any = true;
        break;
      }
    }
    if (held_any) attempt = attempt_plan(nullptr);
  }
  if (!attempt.result.schedule) {
    std::string reason = attempt.result.infeasibility ? attempt.result.infeasibility->reason : "no plan found";
    store.append_event("", "", "replan_failed", nlohmann::json{{"reason", reason}, {"why", why}}.dump(), clock.now());
    spdlog::warn("replanning after {} failed: {}; the current plan stays (steps shift right)", why, reason);
    return;
  }
  apply_plan(std::move(attempt));
  store.append_event("", "", "replanned", nlohmann::json{{"why", why}}.dump(), clock.now());
}

bool Engine::State::plan_broken() const {
  for (const LiveStep& w : steps) {
    if (w.state != StepState::kWaiting || !w.in_plan) continue;
    if (out_of_service.count(w.device)) return true;
    for (const auto& [p, dep] : w.preds) {
      const LiveStep& pred = steps[p];
      bool known = dep->from == Anchor::kStart ? pred.state != StepState::kWaiting && pred.started > 0
                                               : pred.state == StepState::kDone;
      if (!known) continue;
      double ref = dep->from == Anchor::kStart ? pred.started : pred.ended;
      if (w.planned_start + kTolerance < ref + static_cast<double>(dep->min_lag_s)) return true;
      if (dep->max_lag_s && w.planned_start > ref + static_cast<double>(*dep->max_lag_s) + kTolerance) return true;
    }
  }
  return false;
}

void Engine::State::check_plan() {
  if (plan_broken()) replan("drift");
}

}  // namespace foundry::engine
