// A driver instance living in a driver-host process, seen from the engine thread: the strategy
// DriverSession uses for "isolation": "driver-host".
//
// Virtual time stays the engine's: the host forwards every call_after to us, we schedule it on
// our Clock and send "timer_fired" back when it is due, and each request we send (execute,
// timer_fired, create) is external work until the host acknowledges it, having sent everything
// it caused first. So the virtual clock cannot move on while the host is still working, and wall
// and virtual time run through one code path.
//
// Faults: when the host dies, hangs or breaks the ABI, the running commands fail with
// FOUNDRY_ERROR_CONNECTION and the cause ("driver host died: signal 11 (Segmentation fault)"),
// the device counts as faulted, and a new host is started after a back-off (restart_delay_s,
// doubling per consecutive fault up to restart_delay_max_s). Commands that arrive meanwhile wait
// for it. After max_restarts consecutive faults without a healthy command in between, the session
// gives up: waiting and new commands fail at once.
#pragma once

#include <foundry/engine/driver_host.hpp>
#include <foundry/engine/driver_session.hpp>

#include <memory>
#include <string>

namespace foundry::engine {

class RemoteDriver {
 public:
  // Starts the host, reads the plugin's description from it and creates the driver. Throws
  // PluginError (naming the plugin file) as an in-process session would: unknown model, refused
  // creation, plugin that cannot be loaded, or a host that cannot be started or dies meanwhile.
  RemoteDriver(const DriverHostOptions& options, const std::string& model, const std::string& settings_json,
               Clock& clock);
  ~RemoteDriver();  // abandons running commands (no completion) and shuts the host down
  RemoteDriver(const RemoteDriver&) = delete;
  RemoteDriver& operator=(const RemoteDriver&) = delete;

  const std::string& model() const;
  const DriverModel& driver_model() const;
  void execute(const CommandRequest& request, DriverSession::Progress progress, DriverSession::Completion done);
  bool cancel(const std::string& command_id);
  std::string command_state(const std::string& command_id);
  DriverHealth health() const;

 private:
  struct Core;
  std::shared_ptr<Core> core_;
};

}  // namespace foundry::engine
