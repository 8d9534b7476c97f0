// The base of every simulated instrument: turns "this command takes d seconds and then yields
// this result" into host timers, so simulations follow the host's clock (virtual or wall) and
// never sleep or own threads.
//
// What it does for every operation of a model:
//  - refuses unknown operations, parameters that are not a JSON object or break the operation's
//    published schema (FOUNDRY_ERROR_VALIDATION, "parameter 'x': reason"), and units out of range;
//  - claims a free unit (vessel, slot, the one head of a liquid handler) for the command, or
//    refuses with FOUNDRY_ERROR_EXECUTION when the requested unit is busy; for "any unit" (-1)
//    it prefers a free unit that suits the operation (see unit_suits);
//  - takes the planned duration ("duration_s" parameter, else the model's estimate) with a
//    deterministic jitter of at most `duration_jitter` (default 4 %, at most 10 %), seeded by the
//    landscape seed and the idempotency key, so a re-run of the same step takes the same time;
//  - reports progress on the way (twice for short commands, every 10 % for long ones);
//  - honours cancel: the command fails at once with FOUNDRY_ERROR_EXECUTION "cancelled".
// Subclasses implement start(); it and every Activity::complete run under one lock, so driver
// state (deck, tips, vessels) needs no locking of its own.
#pragma once

#include <foundry/driver/driver.hpp>
#include <foundry/sim/model_spec.hpp>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace foundry::sim {

// Thrown from start() or Activity::complete for a declared execution error of the operation:
// what() is "<id>: <details>". An id the operation does not declare (OperationSpec::errors)
// fails the command as FOUNDRY_ERROR_UNEXPECTED instead, so declarations cannot drift from behaviour.
class ExecutionFailure : public std::runtime_error {
 public:
  ExecutionFailure(std::string error_id, const std::string& details)
      : std::runtime_error(error_id + ": " + details), id_(std::move(error_id)) {}
  const std::string& id() const noexcept { return id_; }

 private:
  std::string id_;
};

// What the simulated instrument will do for one accepted command.
struct Activity {
  // The duration when the command carries no "duration_s" (default: the model's nominal).
  std::optional<double> estimated_duration_s;
  // Produces the result object when the time is up. May throw ExecutionFailure.
  std::function<nlohmann::json()> complete;
  // A declared execution error that the instrument runs into `failure_fraction` of the way in
  // (e.g. the first aspiration of a transfer); then `complete` is never called.
  std::optional<std::string> failure;
  double failure_fraction = 0.1;
  foundry_error_kind failure_kind = FOUNDRY_ERROR_EXECUTION;  // an injected fault may be unexpected
  // An injected "hang": accepted, then silent until cancelled or destroyed.
  bool hangs = false;
};

// Settings every simulated driver accepts (in the workcell's driver settings).
inline constexpr const char* common_settings_schema = R"({
  "type": "object",
  "properties": {
    "landscape_seed": {"type": "integer", "minimum": 0,
                       "description": "seed of the design -> performance landscape and of all simulated noise"},
    "duration_jitter": {"type": "number", "minimum": 0, "maximum": 0.1,
                        "description": "largest relative deviation of a simulated duration from the plan"},
    "ledger": {"type": "string", "minLength": 1,
               "description": "file every physical action is appended to, fsync'd, see drivers/README.md"},
    "device": {"type": "string", "minLength": 1, "description": "device id written into ledger lines"}
  }
})";
// (The "faults" setting is checked against faults_settings_schema, fault_plan.hpp.)

// What a retry of `command` shares with its first try: the idempotency key, else the command id.
// Faults and measurement noise are drawn from it, so a retried (or resumed) command meets the
// same fault and reads the same values as the first try would have.
inline const std::string& retry_key(const driver::Command& command) {
  return command.idempotency_key.empty() ? command.id : command.idempotency_key;
}

class SimDriver : public driver::Driver {
 public:
  static constexpr std::uint64_t default_landscape_seed = 42;
  static constexpr double default_duration_jitter = 0.04;

  // `settings` must already be checked (see parse_settings). `units` may differ from spec.units
  // when a setting sizes the device (incubator slots).
  SimDriver(driver::Host host, const ModelSpec& spec, const nlohmann::json& settings, int units);
  ~SimDriver() override;

  void execute(const driver::Command& command, std::shared_ptr<driver::CommandEvents> events) final;
  bool cancel(const std::string& command_id) final;
  // With a "ledger": what an earlier instance did (finished, failed or interrupted).
  std::string recorded_command_state(const std::string& command_id) const final;

 protected:
  struct Request {
    const driver::Command& command;
    const nlohmann::json& parameters;  // valid against the operation's schema
    int unit;                          // the claimed unit
  };
  // Checks what the schema cannot (throw driver::CommandRejected: nothing happens) and says what
  // will happen. Throwing ExecutionFailure means the instrument accepts the command and runs into
  // that declared error `Activity::failure_fraction` of the way in (a missing tip, say).
  virtual Activity start(const Request& request) = 0;
  // For a command on "any unit" (-1): does free `unit` suit it? The first free unit that suits
  // is taken, else the first free one (start() then reports why it does not suit). Default: all.
  virtual bool unit_suits(const driver::Command& command, int unit) const {
    (void)command;
    (void)unit;
    return true;
  }

  const ModelSpec& spec() const;
  const driver::Host& host() const;
  std::uint64_t seed() const;
  int units() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// Parses driver settings text and checks it against the common settings plus `extra_schema`
// (the model's own settings). Throws std::invalid_argument("settings 'x': reason").
nlohmann::json parse_settings(const std::string& settings_json, const char* extra_schema = nullptr);

// Reads design parameter `name` of `parameters` (found at `prefix`, e.g. "samples[2].", in the
// command's parameters); throws driver::CommandRejected(VALIDATION, "parameter 'name': ...").
struct Design;
Design design_parameter(const nlohmann::json& parameters, const std::string& name, const std::string& prefix = "");

}  // namespace foundry::sim
