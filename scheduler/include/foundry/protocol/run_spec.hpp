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

// What the engine does when a step fails. Cells die when a step comes late, so the built-in
// default is to hold the run for an operator rather than to guess.
enum class ErrorAction {
  kRetry,        // run the step again (new attempt, new idempotency key) after a back-off
  kReroute,      // run it again on another device of the same type
  kHold,         // hold the run and prompt an operator (retry / skip / abort)
  kSkip,         // mark the step skipped; steps depending on it are skipped too
  kAbortSample,  // skip the step and every step depending on it; the rest of the run goes on
  kAbortRun,     // cancel every step of the run that has not started
};

struct ErrorPolicy {
  ErrorAction action = ErrorAction::kHold;
  int retry_limit = 0;      // kRetry: attempts after the first
  double backoff_s = 30;    // kRetry: wait before the first retry; doubles after each
  ErrorAction then = ErrorAction::kHold;  // once retries or alternative devices are exhausted
};

struct StepSpec {
  std::string id;           // unique in the run, e.g. "build/strain-A/assembly" or "test/strain-A/sample-3"
  std::string operation;    // driver operation, e.g. "transfer"
  std::string device_type;  // e.g. "liquid_handler"
  std::string parameters_json = "{}";  // operation parameters after substitution, JSON object text
  std::int64_t duration_s = 1;
  std::vector<Dependency> after;
  ErrorPolicy on_error;
  // A dispatched attempt not finished this many seconds after it started is cancelled and fails
  // (event step_timed_out), then follows on_error. None: default_step_timeout_s(duration_s).
  std::optional<double> timeout_s = std::nullopt;  // initialised: brace-initialised steps may leave it out
};

// Without a timeout of its own, a step may take twice its duration plus a minute: long enough
// for an instrument that runs slow, short enough that a hung one is noticed the same hour.
// Protocols change both numbers in "defaults" (timeout_factor, timeout_margin_s).
inline constexpr double kDefaultTimeoutFactor = 2.0;
inline constexpr double kDefaultTimeoutMarginS = 60.0;
inline double default_step_timeout_s(std::int64_t duration_s) {
  return kDefaultTimeoutFactor * static_cast<double>(duration_s) + kDefaultTimeoutMarginS;
}
// The timeout in force for a step.
inline double step_timeout_s(const StepSpec& step) { return step.timeout_s.value_or(default_step_timeout_s(step.duration_s)); }

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
