// foundry-driver-host: runs one driver plugin in a process of its own, so that a driver that
// crashes, hangs or runs out of memory takes down only this process and not the foundry.
//
// The engine spawns it for devices with "isolation": "driver-host" (on a private ipc:// socket).
// On an instrument PC, start it by hand or as a service and name its endpoint in the workcell
// (settings "driver_host": {"endpoint": "tcp://instrument-pc:5555"}):
//   foundry-driver-host --plugin /opt/vendor/lh.so --endpoint tcp://0.0.0.0:5555 --settings '{"port":"/dev/ttyUSB0"}'
// On a lab network, encrypt and authenticate with CURVE: --curve-key-file host.secret
// --allowed-clients engines.txt; the workcell then gives "server_public_key" and "client_key_file".
#include <foundry/engine/driver_host_server.hpp>
#include <foundry/version.h>

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"foundry-driver-host: serve one Foundry driver plugin to an engine over ZeroMQ"};
  app.set_version_flag("--version", std::to_string(FOUNDRY_VERSION_MAJOR) + "." + std::to_string(FOUNDRY_VERSION_MINOR) +
                                        "." + std::to_string(FOUNDRY_VERSION_PATCH));
  foundry::engine::DriverHostServerOptions options;
  std::string plugin;
  app.add_option("--plugin", plugin, "driver plugin file (.so)")->required();
  app.add_option("--endpoint", options.endpoint,
                 "where to listen: ipc://PATH or tcp://ADDRESS:PORT (PORT * picks a free one)")
      ->required();
  app.add_option("--model", options.model, "serve only this model");
  app.add_option("--settings", options.settings_json,
                 "driver settings (JSON object) of this machine; they win over the workcell's");
  app.add_option("--memory-limit-mb", options.memory_limit_mb, "address-space limit of this process (RLIMIT_AS)")
      ->check(CLI::PositiveNumber);
  app.add_option("--parent-pid", options.parent_pid, "set by a spawning engine: exit when it does");
  std::string curve_key_file, allowed_clients_file;
  app.add_option("--curve-key-file", curve_key_file,
                 "CURVE: this host's key pair file (public = ..., secret = ...; see foundry keys)");
  app.add_option("--allowed-clients", allowed_clients_file,
                 "CURVE: file of the engine public keys this host admits, one a line; all others are refused");
  CLI11_PARSE(app, argc, argv);
  options.plugin = plugin;
  options.curve_key_file = curve_key_file;
  options.allowed_clients_file = allowed_clients_file;
  try {
    return foundry::engine::run_driver_host(options);
  } catch (const std::exception& e) {
    std::cerr << "foundry-driver-host: " << e.what() << "\n";
    return 1;
  }
}
