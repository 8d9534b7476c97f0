// The planning problem: what the planner sees once runs are expanded and lowered.
// It mirrors the neutral planning-problem format (../shared/planning-problem.md). All times are
// integer seconds from the planning origin.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace foundry::planner {

using Time = std::int64_t;

enum class LagFrom { kEnd, kStart };

struct Device {
  std::string id;
  std::string type;
  int capacity = 1;
};

// min_lag <= start(step) - ref(pred) <= max_lag, where ref is pred's start or end.
struct Lag {
  std::size_t pred = 0;  // index into Problem::steps
  LagFrom from = LagFrom::kEnd;
  Time min_lag = 0;
  std::optional<Time> max_lag;
};

struct Step {
  std::string id;    // unique over the problem
  std::string type;  // device type; holds one unit of one device of this type
  Time duration = 1;
  std::vector<Lag> after;
  std::size_t job = 0;  // index into Problem::jobs
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

}  // namespace foundry::planner
