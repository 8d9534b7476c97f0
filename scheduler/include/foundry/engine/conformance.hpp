// The driver conformance kit: exercises a driver plugin through the whole driver interface, in
// simulation on a virtual clock, and reports one pass/fail line per check. Behind
// `foundry driver check`; vendors attach the report to a release.
//
// Checks, per plugin:   loads, description (vendor, version, models)
//        per model:     description (model, device_type, units, operations), create,
//                       state-finished, state-unknown, validation-error, state-running, cancel
//        per operation: description (name, idempotent, parameter and result schemas, duration_s
//                       {nominal, min, max}, example valid), completes, result-schema, progress,
//                       duration
// docs/driver-sdk.md explains each check and what a failure means.
#pragma once

#include <foundry/engine/driver_host.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace foundry::engine {

enum class CheckStatus { passed, failed, skipped };

struct ConformanceCheck {
  std::string model;      // empty for plugin-wide checks
  std::string operation;  // empty for model-wide checks
  std::string name;       // "completes", "cancel", ... (see the file comment)
  CheckStatus status = CheckStatus::passed;
  std::string detail;     // the reason when failed or skipped; what was observed when passed
};

struct ConformanceReport {
  std::filesystem::path file;
  std::string plugin_name;
  std::string vendor;
  std::string version;
  std::string settings_json;
  bool isolated = false;  // the driver ran in a foundry-driver-host process
  std::vector<ConformanceCheck> checks;
  std::vector<std::string> driver_log;  // what the driver logged while being checked

  bool passed() const;  // no check failed
  bool loaded() const;  // the plugin could be loaded at all
  // The check with this identity, or null.
  const ConformanceCheck* find(const std::string& model, const std::string& operation, const std::string& name) const;
  // One line per check, then a one-line verdict: meant to be attached to a release.
  std::string text() const;
  // The same as a JSON document: {"plugin": {...}, "passed": bool, "checks": [...], ...}.
  std::string json() const;
};

struct ConformanceOptions {
  std::string model;                // empty: every model of the plugin
  std::string settings_json = "{}";  // driver settings for create()
  // How long to wait in real time for a command whose driver still owes an answer once virtual
  // time has run out (drivers reporting from their own threads).
  double wall_grace_s = 2.0;
  // Run each model's driver instance in a foundry-driver-host process (the engine's fault
  // isolation), so a driver that crashes, aborts or hangs fails the check it was in instead of
  // taking the kit down. `driver_host.plugin` is set by the kit; the rest are the host options
  // (program, timeouts, restarts). The description is still read in the kit's own process.
  bool isolated = false;
  DriverHostOptions driver_host;
};

// Loads `plugin` and runs every check. Faults of the plugin are failed checks, never exceptions.
// Throws std::invalid_argument if `options.model` is not one of the plugin's models or
// `options.settings_json` is not a JSON object.
ConformanceReport check_driver_conformance(const std::filesystem::path& plugin, const ConformanceOptions& options);

}  // namespace foundry::engine
