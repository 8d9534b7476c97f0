// foundry driver check PLUGIN [--model M] [--settings JSON] [--report FILE] [--json] [--isolated]
// Runs the driver conformance kit (foundry/engine/conformance.hpp) on a plugin, found by path or
// by name like a workcell's "plugin" (FOUNDRY_DRIVER_PATH, then the built-in driver directory).
// Prints one PASS/FAIL/SKIP line per check, writes the same report to FILE if asked, and exits
// 0 when every check passed, kExitFailure when one failed, kExitPluginError when the plugin
// cannot be loaded at all, kExitUsage for an unknown model or bad settings.
#include "commands.hpp"

#include <foundry/engine/conformance.hpp>
#include <foundry/engine/plugin_library.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>

namespace foundry::cli {

namespace {

struct CheckOptions {
  std::string plugin;
  std::string model;
  std::string settings = "{}";
  std::string report_file;
  bool json = false;
  bool isolated = false;
};

void write_report(const std::string& file, const std::string& text) {
  std::filesystem::path path(file);
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw CliExit(kExitFailure, "foundry driver check: cannot write the report to " + file);
}

void check(const CheckOptions& options) {
  const auto plugin = engine::resolve_plugin(options.plugin, std::filesystem::current_path());
  engine::ConformanceOptions kit;
  kit.model = options.model;
  kit.settings_json = options.settings;
  kit.isolated = options.isolated;
  engine::ConformanceReport report;
  try {
    report = engine::check_driver_conformance(plugin, kit);
  } catch (const std::invalid_argument& e) {
    throw CliExit(kExitUsage, std::string("foundry driver check: ") + e.what());
  }
  const std::string text = options.json ? report.json() : report.text();
  std::cout << text << std::flush;
  if (!options.report_file.empty()) write_report(options.report_file, text);
  if (!report.loaded()) throw CliExit(kExitPluginError, "");
  if (!report.passed()) throw CliExit(kExitFailure, "");
}

}  // namespace

void add_driver_command(CLI::App& app) {
  auto* driver = app.add_subcommand("driver", "Tools for driver plugins (for instrument vendors)");
  driver->require_subcommand(1);

  auto options = std::make_shared<CheckOptions>();
  auto* cmd = driver->add_subcommand("check", "Run the conformance kit on a driver plugin, in simulation");
  cmd->footer(
      "Exercises every model and operation in virtual time: description, each operation with its\n"
      "example parameters (result schema, progress, duration), command state, a validation error\n"
      "and cancel. One PASS/FAIL/SKIP line per check; exit code 0 only when nothing failed\n"
      "(1: a check failed, 5: the plugin cannot be loaded, 2: unknown model or bad settings).\n"
      "Example:\n"
      "  foundry driver check ./acme_platesealer.so --report conformance.txt\n"
      "  foundry driver check ./acme_platesealer.so --isolated   # survive a crashing driver");
  cmd->add_option("plugin", options->plugin, "Plugin file, or a name found on FOUNDRY_DRIVER_PATH")->required();
  cmd->add_option("--model,-m", options->model, "Check only this model (default: every model)");
  cmd->add_option("--settings,-s", options->settings, "Driver settings as a JSON object (default {})");
  cmd->add_option("--report,-r", options->report_file, "Also write the report to this file");
  cmd->add_flag("--json", options->json, "Print (and write) the report as JSON");
  cmd->add_flag("--isolated", options->isolated,
                "Run the driver in a foundry-driver-host process: a crash or hang fails a check, not the kit");
  cmd->callback([options] { check(*options); });
}

}  // namespace foundry::cli
