// The engine's live state, shared by its parts: engine.cpp (the API), engine_planning.cpp
// (plans and replans), engine_dispatch.cpp (starting and finishing steps), engine_policies.cpp
// (what a failure leads to, operator answers), engine_timeouts.cpp (attempts that run too long),
// engine_improve.cpp (better plans after a repair) and engine_recovery.cpp (rebuilding from the
// store).
// The store is written first, memory second: every change below is committed before it is acted on.
#pragma once

#include <foundry/engine/clock.hpp>
#include <foundry/engine/device_fleet.hpp>
#include <foundry/engine/engine.hpp>
#include <foundry/store/store.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace foundry::engine {

enum class StepState { kWaiting, kRunning, kHeld, kDone, kFailed, kSkipped, kCancelled };

inline bool terminal(StepState s) {
  return s == StepState::kDone || s == StepState::kFailed || s == StepState::kSkipped || s == StepState::kCancelled;
}

struct LiveRun;

// "No live step": a plan problem's step that is not (yet) one of State::steps, such as a run
// being tried out before it is accepted (PlanAttempt::step_of, State::plan_step_of).
inline constexpr std::size_t kNone = static_cast<std::size_t>(-1);

struct LiveStep {
  LiveRun* run = nullptr;
  const StepSpec* spec = nullptr;
  std::size_t index = 0;  // in State::steps
  std::string device;     // planned or actual
  int unit = 0;
  double planned_start = 0, planned_end = 0;
  bool in_plan = false;   // part of the plan in force (not: held runs, ended-without-start steps)
  StepState state = StepState::kWaiting;
  double started = 0, ended = 0;
  int attempt = 0;             // attempts so far (the key of attempt n is run/step/n)
  int retries = 0;             // retries used under a kRetry policy
  double not_before = 0;       // back-off: no attempt before this time
  std::set<std::string> tried_devices;  // failed here: a reroute goes elsewhere
  bool reroute = false;        // the next attempt must use a device not in tried_devices
  bool violated = false;       // ran (or will run) outside a max-lag window, or after one that did
  std::string command_id;      // of the running attempt
  std::optional<Clock::TimerId> timer;        // start timer
  std::optional<Clock::TimerId> window_watch;  // max-lag warning timer
  std::optional<Clock::TimerId> timeout;       // the running attempt's timeout (engine_timeouts.cpp)
  std::vector<std::pair<std::size_t, const Dependency*>> preds;
  std::vector<std::size_t> dependents;
  std::string key() const;  // "run/step"
};

struct LiveRun {
  RunSpec spec;
  double created_at = 0;
  bool held = false;            // by an operator, a prompt, or a device with no alternative
  std::string held_for_device;  // held because this device is out of service with no alternative
  bool cancelling = false;      // cancel or abort asked: nothing new starts; ends cancelled/failed
  bool aborted = false;         // stopped because of a failure: ends "failed"
  std::string end_reason;
  bool failed = false;          // a step failed for good
  bool finished = false;
  std::vector<std::size_t> steps;  // indices in State::steps, in spec order
};

struct Engine::State {
  State(const Workcell& w, DeviceFleet& f, store::Store& s, Clock& c, EngineOptions o)
      : workcell(w), fleet(f), store(s), clock(c), options(std::move(o)) {}
  // Pending timeouts (engine_timeouts.cpp) point at this state: a clock that outlives it (and runs
  // again, as foundryd's after a pause) must not call into freed memory.
  ~State() {
    for (auto& s : steps)
      if (s.timeout) clock.cancel(*s.timeout);
    for (auto* t : {&due_timer, &arrived_timer})
      if (*t) clock.cancel(**t);
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  const Workcell& workcell;
  DeviceFleet& fleet;
  store::Store& store;
  Clock& clock;
  EngineOptions options;

  double origin = 0;  // planner time 0, whole seconds
  bool origin_set = false;
  std::map<std::string, std::unique_ptr<LiveRun>> runs;
  std::vector<LiveStep> steps;  // never shrinks; finished runs' steps stay (not planned)
  std::map<std::string, std::string> out_of_service;  // device -> reason

  // The plan in force: the problem it was made for, the schedule, and which step each problem
  // step is. Kept so the next repair changes little (planner::repair matches steps by id).
  planner::Problem plan_problem;
  planner::Schedule plan_schedule;
  std::map<std::pair<std::string, int>, std::vector<std::size_t>> unit_order;  // waiting/running, by plan
  std::vector<std::size_t> plan_step_of;  // plan_problem index -> State::steps index
  std::uint64_t plan_generation = 0;      // +1 whenever a plan is put in force

  // --- planning (engine_planning.cpp)
  struct PlanAttempt {
    planner::Problem problem;
    std::vector<std::size_t> step_of;  // problem index -> State::steps index (extra run: kNone)
    planner::PlanResult result;
    double now = 0;  // the clock's time the problem was made at (nothing in it starts earlier)
    bool repaired = false;  // by planner::repair after an event: an improvement may follow
  };
  planner::Time rel(double t) const;
  // Plans every active run (held runs' waiting steps left out) plus `extra`, around what started.
  PlanAttempt attempt_plan(const RunSpec* extra) const;
  // Replans and applies the plan; holds runs that cannot be placed (no device in service).
  void replan(const std::string& why);
  void apply_plan(PlanAttempt attempt);
  bool plan_broken() const;
  void check_plan();

  // --- dispatch (engine_dispatch.cpp)
  void arm(std::size_t i);  // (re)sets the step's start timer
  // Whether the step may start now. When not, whatever it waits for wakes it again (its timer, a
  // predecessor's start or end, the unit's previous step, a replan); for a minimum lag it sets
  // a timer itself; after a predecessor that did not complete it skips the step.
  bool may_start_now(std::size_t i);
  // If the step may start now it joins `due`, and start_due() starts every step due at this
  // instant together.
  void try_start(std::size_t i);
  bool unit_ready(std::size_t i);
  void start_due();
  // Commits the intents of `ready` in one transaction (group commit), then sends their commands.
  void start(const std::vector<std::size_t>& ready);
  static std::string command_id_of(const LiveStep& s, int attempt);  // the idempotency key of an attempt
  // Whether `command` is the step's attempt still running: an outcome or a timeout for any other
  // (an earlier attempt, one already ended) is stale.
  bool attempt_running(std::size_t i, const std::string& command) const {
    return steps[i].state == StepState::kRunning && steps[i].command_id == command;
  }
  std::vector<std::size_t> due;                   // found ready at this instant, to start together
  std::optional<Clock::TimerId> due_timer;         // runs start_due()

  // A command's outcome, as it arrived (or was held while storage was full).
  struct ResultArrival {
    std::size_t step = 0;
    std::string command;  // the attempt it ends
    CommandOutcome outcome;
    double ended_at = 0;
  };
  // Results arriving at one instant are recorded together by record_arrived().
  void result_arrived(std::size_t i, const std::string& command, const CommandOutcome& outcome);
  void record_arrived();
  std::vector<ResultArrival> arrived;
  std::optional<Clock::TimerId> arrived_timer;  // runs record_arrived()
  // Commits every successful result in one transaction before memory and listeners hear of them,
  // then handles the failures one by one (finish()). Stale outcomes are ignored.
  void record_results(const std::vector<ResultArrival>& results);
  std::vector<store::Measurement> measurements_of(const LiveStep& s, const CommandOutcome& outcome, double t) const;
  // `ended_at`: when the attempt ended, if earlier than now (a result held while storage was full).
  void finish(std::size_t i, const CommandOutcome& outcome, std::optional<double> ended_at = std::nullopt);
  void record_failure(std::size_t i, const CommandOutcome& outcome, double now);
  void step_ended(std::size_t i);
  void wake_dependents_and_unit(std::size_t i);
  void finish_run_if_done(LiveRun& run);
  void watch_windows(std::size_t i);
  void window_check(std::size_t i, bool after_replan = false);
  std::optional<double> window_left(const LiveStep& s) const;
  std::string why_waiting(const LiveStep& s) const;
  // The marks a max-lag window broken at step i puts on it and on everything after it: (step, detail).
  std::vector<std::pair<std::size_t, std::string>> violation_marks(std::size_t i, const std::string& detail_json) const;

  // --- a full disk (engine_dispatch.cpp): while the store cannot be written no step starts and a
  // result that arrives waits here, neither acknowledged nor published, until storage_resumed().
  std::vector<ResultArrival> held_results;
  bool storage_full() const { return store.storage_status().full; }
  void hold_result(std::size_t i, const CommandOutcome& outcome, double ended_at);
  void storage_resumed();

  // --- timeouts (engine_timeouts.cpp)
  // Arms the running attempt's timeout (step_timeout_s after it started).
  void arm_timeout(std::size_t i);
  void cancel_timeout(LiveStep& s);
  // The attempt `command` is still running at its timeout: cancel it, record step_timed_out, and
  // fail it under the step's error policy.
  void time_out(std::size_t i, const std::string& command);

  // --- policies (engine_policies.cpp)
  void handle_failure(std::size_t i, const std::string& message, int error_kind);
  void apply_action(std::size_t i, ErrorAction action, const std::string& what_happened);
  void hold_step(std::size_t i, const std::string& what_happened, std::vector<std::string> choices);
  void skip_with_dependents(std::size_t i, const std::string& reason);
  // Cancels every step not started and stops the running ones; the run ends "failed" (an
  // abort after a failure) or "cancelled" (an operator or client asked).
  void stop_run(LiveRun& run, const std::string& reason, bool as_failure);
  void hold_run(LiveRun& run, const std::string& reason);
  void resume_run(LiveRun& run);
  std::vector<std::string> alternatives(const LiveStep& s) const;  // other in-service devices of its type

  // --- improvement after a repair (engine_improve.cpp)
  struct Improver;
  // The plan in force was just repaired: search for a better one (a worker thread, or a posted
  // deterministic search under simulated time) and put it in force if nothing changed meanwhile.
  void improve_later();
  void improvement_found(std::uint64_t generation, planner::Time in_force, planner::PlanResult result);

  // --- helpers
  LiveRun& run(const std::string& run_id);
  LiveStep& step(const std::string& run_id, const std::string& step_id);
  void add_run(RunSpec spec, double created_at);  // memory only
  std::size_t open_prompts(const LiveRun& run) const;

  // Last member, so destroyed first: joins a search still running before anything it may
  // report to goes.
  std::shared_ptr<Improver> improver;
};

}  // namespace foundry::engine
