// The planning problem: what the planner sees once runs are expanded and lowered.
// It mirrors the neutral planning-problem format (../shared/planning-problem.md). All times are
// integer seconds from the planning origin.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace foundry::planner {

using Time = std::int64_t;

enum class LagFrom { kEnd, kStart };

// A time far beyond any plan: the end of an open-ended window.
inline constexpr Time kForever = std::numeric_limits<Time>::max() / 4;

// A period [from, to) in which a device cannot be used at all (maintenance, a fault): no step
// holding the device may overlap it.
struct Downtime {
  Time from = 0;
  Time to = kForever;
};

struct Device {
  std::string id;
  std::string type;
  int capacity = 1;
  std::vector<Downtime> downtimes;  // empty = always available
};

// min_lag <= start(step) - ref(pred) <= max_lag, where ref is pred's start or end.
// min_lag may be NEGATIVE (never from the neutral JSON format, which rejects it): RCPSP/max
// maximum lags between activities with no forward path between them are read as
// "start(i) >= start(j) - a", a Lag on i from j's start with min_lag = -a. So `after` may form
// cycles; only a cycle of positive total length is infeasible.
struct Lag {
  std::size_t pred = 0;  // index into Problem::steps
  LagFrom from = LagFrom::kEnd;
  Time min_lag = 0;
  std::optional<Time> max_lag;
};

// One way to run a step with its own duration, on one named device (flexible job shop: the
// processing time depends on the machine).
struct Alternative {
  std::size_t device = 0;  // index into Problem::devices
  Time duration = 1;       // >= 1
};

// A resource a step holds for its whole duration, several at once (RCPSP: robot arm + nest,
// device + operator). `amount` units of the device are held, anywhere among its units.
struct Demand {
  std::size_t device = 0;  // index into Problem::devices
  int amount = 1;          // >= 1; above the device's capacity the problem is infeasible
                           // (51 demands in ../shared/bench/rcpsp-max are such)
};

// Assignment::device of a step that holds no resource.
inline constexpr std::size_t kNoDevice = static_cast<std::size_t>(-1);

// A step that has started (or is done): the planner keeps its start and device as they are.
// `device` is kNoDevice for steps that hold nothing or hold `demands` (fixed anyway).
struct Frozen {
  Time start = 0;
  std::size_t device = kNoDevice;
  int unit = 0;
};

// Which resources a step holds (exactly one of these cases):
//   - `demands` non-empty: every listed device at once, `amount` units each, for `duration`;
//     `type` and `alternatives` are unused (empty). Its Assignment::device is the first demand's
//     device and Assignment::unit is 0: units are interchangeable, so only the sum of amounts
//     held at any time is constrained (<= capacity).
//   - `alternatives` non-empty: one unit of exactly one listed device, for that alternative's
//     duration (`duration` is then unused); `type` is informational only.
//   - otherwise, `type` non-empty: one unit of any device of `type`, for `duration`.
//   - otherwise (no type, no alternatives, no demands): no resource at all; a milestone or pure
//     delay (RCPSP/max dummies). Its Assignment::device is kNoDevice.
// `duration` >= 1 for steps holding one unit; 0 is allowed for demand and resource-free steps.
struct Step {
  std::string id;    // unique over the problem
  std::string type;  // device type; holds one unit of one device of this type
  Time duration = 1;
  std::vector<Lag> after;
  std::size_t job = 0;  // index into Problem::jobs
  std::vector<Alternative> alternatives;  // empty = any device of `type`, with `duration`
  std::vector<Demand> demands;            // empty = one unit (see above)
  std::optional<Frozen> frozen;           // set = started or done: never moved
  // Earliest start of this step alone, on top of its job's release: a step the engine retries
  // after a back-off may not start before the back-off ends, and the plan must say so (else
  // its device looks free for it and the plan shifts right at every drift check).
  Time release = 0;
};

struct Job {
  std::string id;
  int priority = 1;
  Time release = 0;
  std::optional<Time> deadline;  // soft
  std::vector<std::size_t> steps;
};

struct Problem {
  std::string name;
  std::vector<Device> devices;
  std::vector<Job> jobs;
  std::vector<Step> steps;
};

// The earliest a step that is not frozen may start: its job's release or its own, the later.
inline Time release_of(const Problem& problem, const Step& step) {
  return std::max(problem.jobs[step.job].release, step.release);
}

}  // namespace foundry::planner
