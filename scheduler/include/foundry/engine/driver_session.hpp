// The host wrapper around one driver instance. Every call into plugin code goes through here:
// it owns the instance and the library's lifetime, turns the C ABI into C++ callbacks, delivers
// every event on the engine thread (drivers never touch engine state), and captures failures.
#pragma once

#include <foundry/engine/driver_host.hpp>
#include <foundry/engine/plugin_library.hpp>

#include <functional>
#include <memory>
#include <string>

namespace foundry::engine {

class Clock;

struct CommandRequest {
  std::string command_id;
  std::string idempotency_key;  // run/step/attempt
  std::string operation;
  std::string parameters_json = "{}";
  int unit = -1;
};

struct CommandOutcome {
  bool ok = false;
  int error_kind = FOUNDRY_ERROR_NONE;  // foundry_error_kind when !ok
  std::string result_json;              // when ok
  std::string message;                  // when !ok
};

// How a session's driver is doing. In-process drivers are never "faulted": their faults are ours.
struct DriverHealth {
  bool isolated = false;  // runs in a driver-host process
  bool faulted = false;   // the host is down: restarting, or given up
  bool given_up = false;  // restarts exhausted; commands fail at once
  std::string fault;      // the cause of the last fault ("" if none yet), e.g. "driver host died: signal 11 (...)"
  int faults = 0;         // faults so far
  int restarts = 0;       // successful restarts so far
  int host_pid = -1;      // the spawned host's process id while one runs
};

class RemoteDriver;

class DriverSession {
 public:
  using Progress = std::function<void(double fraction, double remaining_s)>;
  using Completion = std::function<void(const CommandOutcome&)>;

  // Creates the driver instance. Throws PluginError if the model is unknown or creation fails.
  DriverSession(std::shared_ptr<PluginLibrary> library, const std::string& model,
                const std::string& settings_json, Clock& clock);
  // Runs the driver in a separate driver-host process (see driver_host.hpp): the same plugin
  // file, spawned or connected over ZeroMQ. Throws PluginError like the in-process constructor.
  DriverSession(const DriverHostOptions& host, const std::string& model, const std::string& settings_json,
                Clock& clock);
  ~DriverSession();
  DriverSession(const DriverSession&) = delete;
  DriverSession& operator=(const DriverSession&) = delete;

  // The loaded plugin. In-process sessions only: throws std::logic_error for a driver-host session.
  const PluginLibrary& library() const;
  const std::string& model() const;
  // The model as the driver describes it (operations, units, device type).
  const DriverModel& driver_model() const;

  // Starts a command. `done` runs exactly once on the engine thread: with the result, with the
  // driver's error, or with the refusal if the driver rejected the command up front.
  void execute(const CommandRequest& request, Progress progress, Completion done);
  bool cancel(const std::string& command_id);
  std::string command_state(const std::string& command_id);

  bool faulted() const { return health().faulted; }
  DriverHealth health() const;

 private:
  struct State;
  std::shared_ptr<State> state_;          // in-process
  std::unique_ptr<RemoteDriver> remote_;  // driver host
};

}  // namespace foundry::engine
