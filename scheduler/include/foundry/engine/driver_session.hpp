// The host wrapper around one driver instance. Every call into plugin code goes through here:
// it owns the instance and the library's lifetime, turns the C ABI into C++ callbacks, delivers
// every event on the engine thread (drivers never touch engine state), and captures failures.
#pragma once

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

class DriverSession {
 public:
  using Progress = std::function<void(double fraction, double remaining_s)>;
  using Completion = std::function<void(const CommandOutcome&)>;

  // Creates the driver instance. Throws PluginError if the model is unknown or creation fails.
  DriverSession(std::shared_ptr<PluginLibrary> library, const std::string& model,
                const std::string& settings_json, Clock& clock);
  ~DriverSession();
  DriverSession(const DriverSession&) = delete;
  DriverSession& operator=(const DriverSession&) = delete;

  const PluginLibrary& library() const;
  const std::string& model() const;

  // Starts a command. `done` runs exactly once on the engine thread: with the result, with the
  // driver's error, or with the refusal if the driver rejected the command up front.
  void execute(const CommandRequest& request, Progress progress, Completion done);
  bool cancel(const std::string& command_id);
  std::string command_state(const std::string& command_id);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace foundry::engine
