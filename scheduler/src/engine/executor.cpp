// Executing a plan. The plan fixes, per device unit, the order of steps; execution keeps that
// order and shifts steps right when something runs late ("shift-right repair"). A step starts
// when its planned time has come, its predecessors' minimum lags have passed, and every step
// planned before it on its unit has ended. A step that starts outside a maximum-lag window is
// recorded as a constraint violation, never silently continued.
#include <foundry/engine/clock.hpp>
#include <foundry/engine/device_fleet.hpp>
#include <foundry/engine/executor.hpp>
#include <foundry/engine/run_lowering.hpp>
#include <foundry/store/store.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace foundry::engine {

InfeasiblePlan::InfeasiblePlan(const planner::Infeasibility& why)
    : std::runtime_error("no feasible plan: " + why.reason), why_(why) {}

Executor::Executor(const Workcell& workcell, DeviceFleet& fleet, store::Store& store, Clock& clock)
    : workcell_(workcell), fleet_(fleet), store_(store), clock_(clock) {}

namespace {

enum class StepState { kWaiting, kRunning, kDone, kFailed, kSkipped };

struct LiveStep {
  const RunSpec* run = nullptr;
  const StepSpec* spec = nullptr;
  std::string device;
  int unit = 0;
  double planned_start = 0;
  StepState state = StepState::kWaiting;
  double started = 0;
  double ended = 0;
  int attempt = 0;
  std::vector<std::pair<std::size_t, const Dependency*>> preds;
  std::vector<std::size_t> dependents;
  std::size_t unit_queue = 0;  // index into the unit queues
};

bool terminal(StepState s) { return s == StepState::kDone || s == StepState::kFailed || s == StepState::kSkipped; }

// One execution of a set of runs: the state machine behind Executor::execute.
class Execution {
 public:
  Execution(const Workcell& workcell, DeviceFleet& fleet, store::Store& store, Clock& clock,
            const ExecutorOptions& options)
      : workcell_(workcell), fleet_(fleet), store_(store), clock_(clock), options_(options) {}

  ExecutionSummary run(const std::vector<RunSpec>& runs) {
    problem_ = lower_runs(runs, workcell_);
    for (auto& step : problem_.steps)
      step.duration = static_cast<planner::Time>(std::ceil(static_cast<double>(step.duration) * (1.0 + options_.duration_margin)));
    const planner::Problem& problem = problem_;
    planner::PlanResult result = planner::plan(problem, options_.plan);
    if (!result.schedule) {
      throw InfeasiblePlan(result.infeasibility.value_or(planner::Infeasibility{"the planner found no plan", {}}));
    }
    schedule_ = *result.schedule;
    origin_ = clock_.now();
    summary_.started_at = origin_;
    summary_.planned_makespan_s = static_cast<double>(result.schedule->makespan);
    for (const auto& r : runs) store_.create_run(r, origin_);

    // Build the live state, indexed like the problem's steps (runs in order, steps in order).
    std::vector<store::Store::PlannedStep> planned;
    for (const auto& r : runs) {
      std::map<std::string, std::size_t> local;
      for (const auto& spec : r.steps) {
        std::size_t i = steps_.size();
        const auto& a = result.schedule->assignments.at(i);
        LiveStep s;
        s.run = &r;
        s.spec = &spec;
        s.device = problem.devices.at(a.device).id;
        s.unit = a.unit;
        s.planned_start = origin_ + static_cast<double>(a.start);
        local[spec.id] = i;
        steps_.push_back(std::move(s));
        planned.push_back({r.run_id, spec.id, steps_[i].device, a.unit, steps_[i].planned_start,
                           origin_ + static_cast<double>(a.end)});
      }
      for (const auto& spec : r.steps) {
        std::size_t i = local.at(spec.id);
        for (const auto& dep : spec.after) {
          std::size_t p = local.at(dep.step);
          steps_[i].preds.emplace_back(p, &dep);
          steps_[p].dependents.push_back(i);
        }
      }
      remaining_[r.run_id] = r.steps.size();
    }
    store_.plan_steps(planned, origin_);
    for (const auto& r : runs) store_.set_run_state(r.run_id, "running", origin_);
    build_unit_queues();
    summary_.steps_total = steps_.size();
    timers_.assign(steps_.size(), 0);
    for (std::size_t i = 0; i < steps_.size(); ++i)
      timers_[i] = clock_.call_at(steps_[i].planned_start, [this, i] { try_start(i); });
    clock_.run();
    for (const auto& s : steps_)
      if (!terminal(s.state)) throw std::logic_error("execution ended with step '" + s.spec->id + "' unfinished");
    return summary_;
  }

 private:
  struct UnitQueue {
    std::vector<std::size_t> order;
    std::size_t next = 0;  // first step in `order` that has not ended
  };

  // Per device unit, the order its steps run in: those already started (by actual start), then
  // the waiting ones by planned start.
  void build_unit_queues() {
    std::map<std::pair<std::string, int>, std::vector<std::size_t>> by_unit;
    for (std::size_t i = 0; i < steps_.size(); ++i) by_unit[{steps_[i].device, steps_[i].unit}].push_back(i);
    unit_queues_.clear();
    for (auto& [key, queue] : by_unit) {
      auto when = [&](std::size_t i) {
        const LiveStep& s = steps_[i];
        bool waiting = s.state == StepState::kWaiting;
        return std::make_pair(waiting ? 1 : 0, waiting ? s.planned_start : s.started);
      };
      std::stable_sort(queue.begin(), queue.end(), [&](std::size_t a, std::size_t b) { return when(a) < when(b); });
      for (std::size_t i : queue) steps_[i].unit_queue = unit_queues_.size();
      unit_queues_.push_back({queue, 0});
    }
  }

  // Times are planned in whole seconds; actual times are not. Deviations below this are noise.
  static constexpr double kTolerance = 1.0;

  // Does the plan still fit what actually happened? It does not when a waiting step's planned
  // start breaks a lag from a predecessor's actual start or end.
  bool plan_broken() const {
    for (const LiveStep& w : steps_) {
      if (w.state != StepState::kWaiting) continue;
      for (const auto& [p, dep] : w.preds) {
        const LiveStep& pred = steps_[p];
        bool known = dep->from == Anchor::kStart ? pred.state != StepState::kWaiting : pred.state == StepState::kDone;
        if (!known) continue;
        double ref = dep->from == Anchor::kStart ? pred.started : pred.ended;
        if (w.planned_start + kTolerance < ref + static_cast<double>(dep->min_lag_s)) return true;
        if (dep->max_lag_s && w.planned_start > ref + static_cast<double>(*dep->max_lag_s) + kTolerance) return true;
      }
    }
    return false;
  }

  // Re-plans the steps that have not started around the ones that have (which never move), so
  // time windows are kept when reality drifts from the plan. Without a feasible repair the
  // current plan stays and execution shifts right.
  void replan() {
    double now = clock_.now();
    auto rel = [&](double t) { return static_cast<planner::Time>(std::llround(t - origin_)); };
    planner::Time now_rel = static_cast<planner::Time>(std::ceil(now - origin_));
    planner::Problem current = problem_;
    planner::Schedule previous = schedule_;
    std::map<std::string, std::size_t> device_index;
    for (std::size_t d = 0; d < problem_.devices.size(); ++d) device_index[problem_.devices[d].id] = d;
    for (std::size_t i = 0; i < steps_.size(); ++i) {
      const LiveStep& s = steps_[i];
      planner::Step& step = current.steps[i];
      if (s.state == StepState::kWaiting) {
        // Not started yet, whatever the old plan said: it may move (repair freezes what started).
        previous.assignments[i].start = std::max(previous.assignments[i].start, now_rel);
        continue;
      }
      planner::Frozen frozen;
      frozen.start = rel(s.started);
      frozen.device = device_index.at(s.device);
      frozen.unit = s.unit;
      step.frozen = frozen;
      if (terminal(s.state)) {
        step.duration = std::max<planner::Time>(1, static_cast<planner::Time>(std::ceil(s.ended - origin_)) - frozen.start);
      } else {
        // Still running: expected to end as planned, or not before now if it is overrunning.
        step.duration = std::max(step.duration, now_rel + 1 - frozen.start);
      }
    }
    planner::PlanOptions options = options_.plan;
    options.time_limit_s = 0;  // one repair pass: fast and deterministic
    options.work_limit = 0;
    planner::PlanResult result = planner::repair(current, problem_, previous, now_rel, options);
    ++summary_.replans;
    if (!result.schedule) {
      nlohmann::json detail = {{"reason", result.infeasibility ? result.infeasibility->reason : "no plan found"}};
      store_.append_event("", "", "replan_failed", detail.dump(), now);
      return;
    }
    problem_ = std::move(current);
    schedule_ = std::move(*result.schedule);
    std::size_t moved = 0;
    std::vector<store::Store::PlannedStep> planned;
    for (std::size_t i = 0; i < steps_.size(); ++i) {
      LiveStep& s = steps_[i];
      if (s.state != StepState::kWaiting) continue;
      const auto& a = schedule_.assignments[i];
      double start = origin_ + static_cast<double>(a.start);
      std::string device = problem_.devices.at(a.device).id;
      if (start == s.planned_start && device == s.device && a.unit == s.unit) continue;
      ++moved;
      s.planned_start = start;
      s.device = device;
      s.unit = a.unit;
      clock_.cancel(timers_[i]);
      timers_[i] = clock_.call_at(start, [this, i] { try_start(i); });
      planned.push_back({s.run->run_id, s.spec->id, device, a.unit, start, origin_ + static_cast<double>(a.end)});
    }
    store_.plan_steps(planned, now);
    build_unit_queues();
    store_.append_event("", "", "replanned", nlohmann::json{{"steps_moved", moved}}.dump(), now);
  }

  void check_plan() {
    if (plan_broken()) replan();
  }

  // Is `i` the next step its unit may run? Ended steps at the head are passed over.
  bool unit_ready(std::size_t i) {
    auto& q = unit_queues_[steps_[i].unit_queue];
    while (q.next < q.order.size() && terminal(steps_[q.order[q.next]].state)) ++q.next;
    return q.next < q.order.size() && q.order[q.next] == i;
  }

  void try_start(std::size_t i) {
    LiveStep& s = steps_[i];
    if (s.state != StepState::kWaiting) return;
    double now = clock_.now();
    if (now + 1e-9 < s.planned_start) return;  // its own timer will come
    double earliest = now;
    for (const auto& [p, dep] : s.preds) {
      const LiveStep& pred = steps_[p];
      if (pred.state == StepState::kFailed || pred.state == StepState::kSkipped) {
        skip(i, "predecessor '" + pred.spec->id + "' did not complete");
        return;
      }
      bool anchored = dep->from == Anchor::kStart ? pred.state != StepState::kWaiting : pred.state == StepState::kDone;
      if (!anchored) return;  // re-checked when the predecessor starts or ends
      double ref = dep->from == Anchor::kStart ? pred.started : pred.ended;
      earliest = std::max(earliest, ref + static_cast<double>(dep->min_lag_s));
    }
    if (earliest > now + 1e-9) {
      clock_.call_at(earliest, [this, i] { try_start(i); });
      return;
    }
    if (!unit_ready(i)) return;  // re-checked when the unit's previous step ends
    start(i);
  }

  void start(std::size_t i) {
    LiveStep& s = steps_[i];
    double now = clock_.now();
    s.state = StepState::kRunning;
    s.started = now;
    s.attempt += 1;
    const std::string& run_id = s.run->run_id;
    std::string key = run_id + "/" + s.spec->id + "/" + std::to_string(s.attempt);
    store_.step_started(run_id, s.spec->id, s.device, s.unit, s.attempt, key, now);
    for (const auto& [p, dep] : s.preds) {
      if (!dep->max_lag_s) continue;
      const LiveStep& pred = steps_[p];
      double ref = dep->from == Anchor::kStart ? pred.started : pred.ended;
      double late = now - ref - static_cast<double>(*dep->max_lag_s);
      if (late > kTolerance) {
        ++summary_.constraint_violations;
        nlohmann::json detail = {{"predecessor", pred.spec->id},
                                 {"max_lag_s", *dep->max_lag_s},
                                 {"late_by_s", late},
                                 {"from", dep->from == Anchor::kStart ? "start" : "end"}};
        store_.append_event(run_id, s.spec->id, "constraint_violated", detail.dump(), now);
        spdlog::warn("{}/{} started {:.0f} s after its window after '{}' closed", run_id, s.spec->id, late,
                     pred.spec->id);
      }
    }
    nlohmann::json params = nlohmann::json::parse(s.spec->parameters_json, nullptr, false);
    if (!params.is_object()) params = nlohmann::json::object();
    params["duration_s"] = s.spec->duration_s;  // the planned duration, so simulators follow the plan
    CommandRequest request{key, key, s.spec->operation, params.dump(), s.unit};
    // Dependents anchored on this step's start may now be able to go.
    for (std::size_t d : s.dependents) clock_.post([this, d] { try_start(d); });
    fleet_.session(s.device).execute(request, nullptr,
                                     [this, i](const CommandOutcome& outcome) { finish(i, outcome); });
    check_plan();
  }

  void finish(std::size_t i, const CommandOutcome& outcome) {
    LiveStep& s = steps_[i];
    double now = clock_.now();
    s.ended = now;
    const std::string& run_id = s.run->run_id;
    if (outcome.ok) {
      s.state = StepState::kDone;
      std::vector<store::Measurement> measurements;
      auto result = nlohmann::json::parse(outcome.result_json, nullptr, false);
      if (result.is_object() && result.contains("measurements") && result["measurements"].is_array()) {
        for (const auto& m : result["measurements"]) {
          if (!m.is_object() || !m.contains("name") || !m.contains("value") || !m["value"].is_number()) continue;
          measurements.push_back({run_id, s.spec->id, s.device, m["name"].get<std::string>(), m["value"].get<double>(),
                                  m.value("unit", ""), m.value("sample", ""), now});
        }
      }
      summary_.measurements += measurements.size();
      store_.step_finished(run_id, s.spec->id, outcome.result_json, measurements, now);
      ++summary_.steps_done;
    } else {
      s.state = StepState::kFailed;
      store_.step_failed(run_id, s.spec->id, outcome.message, now);
      ++summary_.steps_failed;
      failed_runs_[run_id] = true;
      spdlog::error("{}/{} failed on {}: {}", run_id, s.spec->id, s.device, outcome.message);
    }
    summary_.finished_at = std::max(summary_.finished_at, now);
    if (options_.on_step_end) options_.on_step_end(run_id, s.spec->id, outcome.ok);
    step_ended(i);
    check_plan();
  }

  void skip(std::size_t i, const std::string& reason) {
    LiveStep& s = steps_[i];
    s.state = StepState::kSkipped;
    ++summary_.steps_skipped;
    store_.step_skipped(s.run->run_id, s.spec->id, reason, clock_.now());
    step_ended(i);
  }

  // A step ended (done, failed or skipped): wake whoever may have waited for it.
  void step_ended(std::size_t i) {
    LiveStep& s = steps_[i];
    for (std::size_t d : s.dependents) clock_.post([this, d] { try_start(d); });
    auto& q = unit_queues_[s.unit_queue];
    for (std::size_t k = q.next; k < q.order.size(); ++k) {
      if (terminal(steps_[q.order[k]].state)) continue;
      std::size_t next = q.order[k];
      clock_.post([this, next] { try_start(next); });
      break;
    }
    const std::string& run_id = s.run->run_id;
    if (--remaining_[run_id] == 0) {
      const auto& deadline = s.run->deadline_s;
      if (deadline && clock_.now() > origin_ + static_cast<double>(*deadline)) {
        summary_.deadlines_missed.push_back(run_id);
        nlohmann::json detail = {{"deadline_s", *deadline}, {"late_by_s", clock_.now() - origin_ - static_cast<double>(*deadline)}};
        store_.append_event(run_id, "", "deadline_missed", detail.dump(), clock_.now());
      }
      bool failed = failed_runs_.count(run_id) > 0;
      store_.set_run_state(run_id, failed ? "failed" : "done", clock_.now());
      if (failed) summary_.runs_failed.push_back(run_id);
    }
  }

  const Workcell& workcell_;
  DeviceFleet& fleet_;
  store::Store& store_;
  Clock& clock_;
  const ExecutorOptions& options_;
  double origin_ = 0;
  planner::Problem problem_;    // as last planned; started steps frozen
  planner::Schedule schedule_;  // the plan in force
  std::vector<Clock::TimerId> timers_;  // each waiting step's start timer
  std::vector<LiveStep> steps_;
  std::vector<UnitQueue> unit_queues_;
  std::map<std::string, std::size_t> remaining_;
  std::map<std::string, bool> failed_runs_;
  ExecutionSummary summary_;
};

}  // namespace

ExecutionSummary Executor::execute(const std::vector<RunSpec>& runs, const ExecutorOptions& options) {
  Execution execution(workcell_, fleet_, store_, clock_, options);
  return execution.run(runs);
}

}  // namespace foundry::engine
