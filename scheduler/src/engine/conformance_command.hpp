// Runs one command through a DriverSession on a virtual clock until its outcome, recording what
// the driver reported on the way (private to the conformance kit).
#pragma once

#include <foundry/engine/clock.hpp>
#include <foundry/engine/driver_session.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace foundry::engine::conformance {

struct ProgressEvent {
  double at = 0;  // virtual time
  double fraction = 0;
  double remaining_s = 0;
};

struct CommandRun {
  std::optional<CommandOutcome> outcome;  // none: the driver never answered in time
  double started_at = 0;
  double ended_at = 0;
  std::vector<ProgressEvent> progress;
  double elapsed_s() const { return ended_at - started_at; }
};

struct CommandLimits {
  double virtual_s = 0;   // virtual time the command may take before it counts as hung
  double wall_grace_s = 0;  // real time to wait afterwards for an answer from a driver's own thread
};

// Something to do while the command runs (cancel it, ask its state), `after_s` into it.
struct MidCommandAction {
  double after_s = 0;
  std::function<void()> action;
};

// Executes `request` and runs `clock` until the outcome arrives or the limits are spent. Later
// events of an abandoned command are dropped, so the next run is not disturbed by them.
CommandRun run_command(DriverSession& session, Clock& clock, const CommandRequest& request, const CommandLimits& limits,
                       std::optional<MidCommandAction> during = std::nullopt);

}  // namespace foundry::engine::conformance
