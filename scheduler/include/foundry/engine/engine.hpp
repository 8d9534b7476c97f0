// The durable execution engine: a long-lived owner of every run on the workcell. Runs arrive at
// any time and are planned around the steps already started; steps are dispatched through the
// driver sessions; failures follow each step's error policy; operators hold, resume, cancel and
// answer prompts. Every state change is committed to the store (with its event) before it is
// acted on, so recover() can rebuild everything after a crash (docs/database.md).
//
// Threading: every member function runs on the clock's thread (the engine thread); other
// threads hand work over with Clock::post(). Reads (runs, steps, events, measurements) go
// straight to store::Store, the source of truth.
#pragma once

#include <foundry/model/workcell.hpp>
#include <foundry/planner/planner.hpp>
#include <foundry/protocol/run_spec.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace foundry::store {
class Store;
}

namespace foundry::engine {

class Clock;
class DeviceFleet;

enum class OperatorChoice { kRetry, kSkip, kAbortRun };

// A step held for an operator: what happened, what can be done, how much time is left.
struct Prompt {
  std::string run_id, step_id, device_id;
  std::string what_happened;         // e.g. "d1 failed: simulated jam (retries exhausted: 2)"
  std::vector<std::string> choices;  // of "retry", "skip", "abort"
  std::optional<double> window_left_s;  // time left in the tightest max-lag window it is in, if any
  double since = 0;                  // clock time the prompt was raised
};

struct SubmitResult {
  std::string run_id;
  bool created = true;  // false: a run with this client request id existed; nothing new was made
};

struct RecoveryReport {
  std::vector<std::string> resumed_runs;           // run ids
  std::vector<std::string> rerun_steps;            // "run/step": in doubt, safe to run again
  std::vector<std::string> held_steps;             // "run/step": in doubt, not idempotent: operator
  std::vector<std::string> completed_from_driver;  // "run/step": the driver had finished it
};

// "When would it finish if submitted now?" Absolute clock seconds.
struct PlanPreview {
  double planned_start = 0, planned_end = 0;
  // Each step of the run as it would be planned, in the run's step order.
  struct Step {
    std::string step_id, device_id;
    int unit = 0;
    double planned_start = 0, planned_end = 0;
  };
  std::vector<Step> steps = {};
  // The clock's time the preview was planned from: planned_start >= now. A caller reading the
  // clock afterwards may find it later than planned_start, as time goes on while it plans.
  double now = 0;
};

struct EngineOptions {
  planner::PlanOptions plan;
  // Devices are reserved this fraction longer than a step's nominal duration, so a step that
  // overruns a little does not push the next step on its device out of a time window.
  double duration_margin = 0.05;
  // A waiting step whose max-lag window closes within this many seconds while it still cannot
  // start (its device is busy, its run held) holds its run with a prompt, instead of starting late.
  double max_lag_warning_s = 60;
  // Called on the engine thread after each step attempt ends (progress display, tests).
  std::function<void(const std::string& run_id, const std::string& step_id, bool ok)> on_step_end;
  // After an event's repair is put in force, the engine searches for a strictly better plan that
  // keeps every started step (planner::improve) and puts it in force unless another plan came
  // first (event `plan_improved`). With a wall clock the search runs on a worker thread for
  // improve_budget_s seconds (0: off), so the engine never waits for it; under simulated time
  // (Clock::simulated) it runs on the engine thread with improve_work_limit work units (0: off),
  // so the same inputs always give the same plans and the same history.
  double improve_budget_s = 1.0;
  std::uint64_t improve_work_limit = 20000;
  // Called on the engine thread when an improved plan is put in force: the problem, the plan it
  // replaced and the new one (tests check both).
  std::function<void(const planner::Problem& problem, const planner::Schedule& replaced,
                     const planner::Schedule& improved)>
      on_plan_improved;
};

// An operator or client asked for something impossible: unknown run/step/device, wrong state.
class EngineError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// No plan satisfies a run's constraints; the run is refused and nothing is recorded.
class InfeasibleRun : public EngineError {
 public:
  InfeasibleRun(const std::string& what, planner::Infeasibility why)
      : EngineError(what), why_(std::move(why)) {}
  const planner::Infeasibility& infeasibility() const noexcept { return why_; }

 private:
  planner::Infeasibility why_;
};

class Engine {
 public:
  Engine(const Workcell& workcell, DeviceFleet& fleet, store::Store& store, Clock& clock,
         EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Rebuilds state from the store at start: unfinished runs resume; steps with a recorded intent
  // but no result are settled with the driver (see issue 5). Call once, before submit().
  RecoveryReport recover();

  // Records the run (state queued) and plans it around what has started. A non-empty
  // client_request_id seen before returns that run (created=false) and changes nothing.
  // Throws InfeasibleRun (nothing recorded) or EngineError (duplicate run id, bad run).
  SubmitResult submit(RunSpec run, const std::string& client_request_id = "");
  // Cancels every step of the run that has not started; running steps are asked to stop.
  void cancel(const std::string& run_id, const std::string& reason);
  // A held run starts no new step until resumed; running steps finish.
  void hold(const std::string& run_id, const std::string& reason);
  void resume(const std::string& run_id);
  // Answers a prompt on a held step.
  void acknowledge(const std::string& run_id, const std::string& step_id, OperatorChoice choice);
  // Out of service: the device's waiting steps are replanned onto other devices of its type, or
  // their runs held when there are none. Back in service: the plan may use it again.
  void set_device_in_service(const std::string& device_id, bool in_service, const std::string& reason);
  // The store could be written again after a StorageFull (a full disk). While it could not, no
  // step started and each result that arrived was held in memory, neither acknowledged nor
  // published; now those results are committed (with the times they arrived), the plan is
  // repaired and waiting steps start again. Nothing to do if the store is still full.
  void storage_resumed();

  std::vector<Prompt> prompts() const;
  // When would `run` finish if submitted now? Changes nothing.
  PlanPreview preview(const RunSpec& run) const;
  // No step running or waiting to start and no run held: nothing left to do. A held run is not
  // idle (an operator may resume it); see waiting_for_operator().
  bool idle() const;
  // Nothing can happen without an operator: no step running or due, but some run is held.
  bool waiting_for_operator() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace foundry::engine
