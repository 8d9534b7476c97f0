// The subcommands of `foundry`. Each lives in src/commands/<name>_command.cpp and adds itself
// to the application; its callback throws CliExit to end with a documented exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <stdexcept>
#include <string>

namespace foundry::cli {

// Exit codes (documented in README.md).
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,      // the operation ran and failed (e.g. a step failed)
  kExitUsage = 2,        // bad command line
  kExitBadInput = 3,     // a protocol, workcell or problem file is invalid
  kExitInfeasible = 4,   // no plan satisfies the constraints
  kExitPluginError = 5,  // a driver plugin could not be loaded or misbehaved
  kExitHeld = 6,         // a run is held for an operator and nobody could answer (no terminal);
                         // the database is consistent: answer, then run the same command again
  kExitStorage = 7,      // the database cannot grow (disk full, file size limit): execution
                         // stopped, nothing committed was lost; free space, run the same command
  kExitUnavailable = 8,  // no foundryd answered (not running, wrong endpoint, or our key is not
                         // on its allow-list): start it with `foundry serve`, or check --connect/--keys
};

// Thrown by a command to stop with `code`; the message (if any) goes to stderr.
class CliExit : public std::runtime_error {
 public:
  CliExit(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

void add_validate_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_plan_command(CLI::App& app);
void add_driver_command(CLI::App& app);
void add_history_command(CLI::App& app);
void add_gantt_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_keys_command(CLI::App& app);
// foundryd's staff commands (commands/server_connection.hpp: --db, --connect, --keys, --as).
void add_submit_command(CLI::App& app);
void add_queue_command(CLI::App& app);
void add_show_command(CLI::App& app);
void add_cancel_command(CLI::App& app);
void add_results_command(CLI::App& app);
void add_devices_command(CLI::App& app);
void add_plugins_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_serve_command(CLI::App& app);

}  // namespace foundry::cli
