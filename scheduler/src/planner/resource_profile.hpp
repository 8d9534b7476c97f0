// How many units of one device are in use over time: a step function, kept as sorted
// breakpoints. Downtimes are loaded as full usage so no step can overlap them.
#pragma once

#include <foundry/planner/problem.hpp>

#include <utility>
#include <vector>

namespace foundry::planner::detail {

class ResourceProfile {
 public:
  explicit ResourceProfile(int capacity = 1) : capacity_(capacity) { reset(); }

  void reset() { points_.assign(1, {-kForever, 0}); }
  int capacity() const { return capacity_; }

  // Adds `amount` units in use over [from, to) (negative amount releases them).
  void add(Time from, Time to, int amount);

  // The earliest t >= from such that `amount` more units fit over [t, t + duration);
  // kForever when none (the device is down for good).
  Time earliest_fit(Time from, Time duration, int amount) const;

 private:
  std::size_t split(Time t);  // index of the breakpoint at t, created if missing
  int capacity_;
  std::vector<std::pair<Time, int>> points_;  // (time, usage from then until the next point)
};

}  // namespace foundry::planner::detail
