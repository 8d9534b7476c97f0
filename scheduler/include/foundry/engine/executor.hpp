// The executor: plans queued runs, starts each step at its planned time through the device's
// driver session, and records starts, results, measurements and deviations in the store.
#pragma once

#include <foundry/model/workcell.hpp>
#include <foundry/planner/planner.hpp>
#include <foundry/protocol/run_spec.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace foundry::store {
class Store;
}

namespace foundry::engine {

class Clock;
class DeviceFleet;

struct ExecutionSummary {
  std::size_t steps_total = 0;
  std::size_t steps_done = 0;
  std::size_t steps_failed = 0;
  std::size_t steps_skipped = 0;
  std::size_t constraint_violations = 0;  // steps started outside a max-lag window
  std::size_t replans = 0;                // repairs after reality drifted from the plan
  std::size_t measurements = 0;
  double started_at = 0;   // clock time when execution began
  double finished_at = 0;  // clock time of the last step's end
  double planned_makespan_s = 0;
  std::vector<std::string> runs_failed;
  std::vector<std::string> deadlines_missed;  // runs that ended after their (soft) deadline
};

struct ExecutorOptions {
  planner::PlanOptions plan;
  // Devices are reserved this fraction longer than a step's nominal duration, so a step that
  // overruns a little does not push the next step on its device out of a time window. Drivers
  // still receive the nominal duration. Instruments vary by a few percent; 5 % absorbs that.
  double duration_margin = 0.05;
  // Called on the engine thread after each step ends (progress display, tests).
  std::function<void(const std::string& run_id, const std::string& step_id, bool ok)> on_step_end;
};

// Thrown when no plan satisfies the runs' constraints; nothing is started.
class InfeasiblePlan : public std::runtime_error {
 public:
  explicit InfeasiblePlan(const planner::Infeasibility& why);
  const planner::Infeasibility& infeasibility() const noexcept { return why_; }

 private:
  planner::Infeasibility why_;
};

class Executor {
 public:
  Executor(const Workcell& workcell, DeviceFleet& fleet, store::Store& store, Clock& clock);

  // Records the runs, plans them, and runs the clock's loop until every step ended.
  ExecutionSummary execute(const std::vector<RunSpec>& runs, const ExecutorOptions& options = {});

 private:
  const Workcell& workcell_;
  DeviceFleet& fleet_;
  store::Store& store_;
  Clock& clock_;
};

}  // namespace foundry::engine
