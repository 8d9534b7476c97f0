// Running a driver in a separate driver-host process: the options a device's workcell entry gives.
//
// With "isolation": "driver-host" the engine does not load the plugin itself. It spawns
// `foundry-driver-host` on the same plugin file (or connects to one already running on an
// instrument PC) and talks to it over ZeroMQ. A driver that segfaults, aborts, hangs, throws across
// the ABI or runs out of memory then takes down only its own host: the engine fails that device's
// running commands with a connection error naming the cause and restarts the host with back-off.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace foundry::engine {

struct DriverHostOptions {
  std::filesystem::path plugin;   // the plugin file a spawned host loads (a label only for `endpoint`)
  // Empty: spawn a host on a private ipc:// endpoint. Otherwise connect to a host already running
  // there ("tcp://instrument-pc:5555", "ipc:///run/foundry/lh1.sock"); it cannot be respawned, so a
  // restart re-creates the driver instance once the host answers again.
  std::string endpoint;
  std::filesystem::path program;  // foundry-driver-host; empty: find_driver_host_program()
  double heartbeat_interval_s = 1.0;  // an idle host is asked to answer this often
  double reply_timeout_s = 5.0;       // a host that leaves a request unanswered this long is hung
  double start_timeout_s = 30.0;      // ... except while it loads the plugin and creates the driver
  std::int64_t memory_limit_mb = 0;   // address-space limit (RLIMIT_AS) of a spawned host; 0: none
  double restart_delay_s = 0.5;       // back-off before the first restart; doubles per failed attempt
  double restart_delay_max_s = 30.0;  // ... up to this
  int max_restarts = 8;               // consecutive faults without a healthy command before giving up
  // CURVE for a host on tcp:// (both or neither): the host's public key (Z85, 40 characters) and
  // this engine's key pair file ("public = ..." and "secret = ..." lines, as `foundry keys` writes).
  // The host admits only client keys in its --allowed-clients file.
  std::string server_public_key;
  std::filesystem::path client_key_file;
};

// A device's driver settings split into the host options (the "driver_host" object, e.g.
// {"memory_limit_mb": 512, "endpoint": "tcp://10.0.0.7:5555"}) and what the driver itself sees.
struct DriverHostSettings {
  bool present = false;  // settings had a "driver_host" object
  DriverHostOptions options;
  std::string driver_settings_json;  // the settings without "driver_host"
};

// Throws std::invalid_argument naming the setting ("settings/driver_host/memory_limit_mb: must be
// an integer >= 1") when the settings are not a JSON object or a host option is unknown or invalid.
DriverHostSettings split_driver_host_settings(const std::string& settings_json);

// $FOUNDRY_DRIVER_HOST, then foundry-driver-host beside the running program, then the build tree's
// and the installed one. Returns "" when none exists.
std::filesystem::path find_driver_host_program();

}  // namespace foundry::engine
