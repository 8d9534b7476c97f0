// What a Gantt chart shows, independent of where it came from (the store's record of runs, or a
// plan from the planner): devices and their units, one bar per step with the plan in force and
// what actually ran, the max-lag windows steps had to start in, and marks for faults and holds.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace foundry::report {

struct TimelineDevice {
  std::string id;    // e.g. "br250"
  std::string type;  // e.g. "bioreactor_250ml"
  int capacity = 1;  // units (vessels, slots); an array has several
};

// One step on one unit of a device. Times are seconds since the epoch (the run's clock).
struct Bar {
  std::string run_id;
  std::string step_id;
  std::string operation;
  std::string device_id;
  int unit = 0;
  std::string state;  // pending, planned, running, done, failed, skipped, ...
  int attempt = 0;
  std::optional<double> planned_start, planned_end;  // the plan in force
  std::optional<double> started, finished;           // what ran (finished unset: still running)
};

// "`step_id` must start in [open, close]": a maximum time lag after its predecessor, drawn on
// the lane the step was planned or ran on.
struct Window {
  std::string run_id;
  std::string step_id;
  std::string predecessor;
  std::string device_id;
  int unit = 0;
  double open = 0, close = 0;
};

enum class MarkKind {
  kFault,      // a failed step (or attempt)
  kViolation,  // a step started outside its max-lag window (constraint_violated)
  kHold,       // a run (or a step) held for an operator; [t, until)
  kOutOfService,  // a device taken out of service; [t, until), on all its lanes
};

struct Mark {
  MarkKind kind = MarkKind::kFault;
  double t = 0;
  std::optional<double> until;  // holds: when released (unset: still held)
  std::string run_id;
  std::string step_id;    // empty for run-level marks
  std::string device_id;  // empty when not tied to a lane
  int unit = 0;
  std::string text;  // shown on hover
};

struct Timeline {
  std::string title;
  std::vector<TimelineDevice> devices;  // lane order
  std::vector<std::string> runs;        // colour order
  std::vector<Bar> bars;
  std::vector<Window> windows;
  std::vector<Mark> marks;
  double origin = 0;  // t = 0 on the time axis
  double end = 0;     // last instant shown
  // false: times are not dates but seconds from `origin` (a plan of a problem file has no
  // calendar), and are shown as "+2 h 10 min".
  bool dated = true;
};

}  // namespace foundry::report
