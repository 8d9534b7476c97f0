// foundry: the command line for lab staff.
#include "commands.hpp"

#include <foundry/version.h>

#include <csignal>
#include <iostream>

int main(int argc, char** argv) {
  // Past a file size limit, a write must fail (EFBIG, a clean "database full" stop with nothing
  // lost) instead of the default SIGXFSZ killing us mid-transaction.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"foundry: plan and run automated biology lab work"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::to_string(FOUNDRY_VERSION_MAJOR) + "." +
                                        std::to_string(FOUNDRY_VERSION_MINOR) + "." +
                                        std::to_string(FOUNDRY_VERSION_PATCH));
  foundry::cli::add_validate_command(app);
  foundry::cli::add_run_command(app);
  foundry::cli::add_plan_command(app);
  foundry::cli::add_driver_command(app);
  foundry::cli::add_history_command(app);
  foundry::cli::add_gantt_command(app);
  foundry::cli::add_report_command(app);
  foundry::cli::add_keys_command(app);
  foundry::cli::add_submit_command(app);
  foundry::cli::add_queue_command(app);
  foundry::cli::add_show_command(app);
  foundry::cli::add_cancel_command(app);
  foundry::cli::add_results_command(app);
  foundry::cli::add_devices_command(app);
  foundry::cli::add_plugins_command(app);
  foundry::cli::add_demo_command(app);
  foundry::cli::add_serve_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : foundry::cli::kExitUsage;
  } catch (const foundry::cli::CliExit& e) {
    if (e.what()[0] != '\0') std::cerr << e.what() << "\n";
    return e.code();
  } catch (const std::exception& e) {
    std::cerr << "foundry: " << e.what() << "\n";
    return foundry::cli::kExitFailure;
  }
  return foundry::cli::kExitOk;
}
