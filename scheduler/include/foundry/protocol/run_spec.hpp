// A run: a protocol expanded with its parameter values into concrete steps, ready to plan and run.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace foundry {

// Which instant of a predecessor a time lag is measured from.
enum class Anchor { kEnd, kStart };

// "This step starts between min_lag and max_lag seconds after the predecessor's start/end."
struct Dependency {
  std::string step;  // id of the predecessor step (same run)
  Anchor from = Anchor::kEnd;
  std::int64_t min_lag_s = 0;
  std::optional<std::int64_t> max_lag_s;  // none: unbounded
};

struct StepSpec {
  std::string id;           // unique in the run, e.g. "build/strain-A/assembly" or "test/strain-A/sample-3"
  std::string operation;    // driver operation, e.g. "transfer"
  std::string device_type;  // e.g. "liquid_handler"
  std::string parameters_json = "{}";  // operation parameters after substitution, JSON object text
  std::int64_t duration_s = 1;
  std::vector<Dependency> after;
};

struct RunSpec {
  std::string run_id;
  std::string protocol;  // protocol name
  std::map<std::string, std::string> parameters;  // every parameter's value (given or default), JSON text
  int priority = 1;
  std::int64_t release_s = 0;               // earliest start, seconds from the planning origin
  std::optional<std::int64_t> deadline_s;   // soft
  std::vector<StepSpec> steps;
};

}  // namespace foundry
