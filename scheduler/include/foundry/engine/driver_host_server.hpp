// The driver-host side: what `foundry-driver-host` runs. One plugin, one driver instance at a time,
// served over a ZeroMQ ROUTER socket to the engine that spawned it (or to whichever engine
// connects to a standalone host on an instrument PC).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace foundry::engine {

struct DriverHostServerOptions {
  std::filesystem::path plugin;
  std::string endpoint;       // where to bind: ipc://path or tcp://address:port ("tcp://127.0.0.1:*" picks a port)
  std::string model;          // if set: the only model this host serves
  std::string settings_json;  // if set: instrument-side settings; their keys win over the engine's
  std::int64_t memory_limit_mb = 0;  // RLIMIT_AS for this process, set before the plugin is loaded
  long parent_pid = 0;  // set by a spawning engine: exit with it (and on "shutdown")
  // CURVE (both or neither): this host's key pair file ("public = ...", "secret = ..."), and the
  // file of client public keys it admits, one a line. A ZAP handler refuses every other client
  // (without one, libzmq would accept any CURVE client).
  std::filesystem::path curve_key_file;
  std::filesystem::path allowed_clients_file;
};

// Serves until shut down. Returns the process exit code: 0 after a shutdown, 2 when the endpoint
// cannot be bound or (standalone) the plugin cannot be loaded. A driver that throws across the ABI
// or runs out of memory makes the host report the cause to the engine and exit with status 70.
// A standalone host prints "listening on <endpoint>" (with the port bound for "*") to stdout once
// it accepts requests. Bad CURVE key files exit with status 2 too, naming the file.
int run_driver_host(const DriverHostServerOptions& options);

}  // namespace foundry::engine
