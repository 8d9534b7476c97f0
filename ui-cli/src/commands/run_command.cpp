#include "commands.hpp"

namespace foundry::cli {
void add_run_command(CLI::App& app) {
  app.add_subcommand("run", "not implemented yet")->callback([] { throw CliExit(kExitFailure, "not implemented"); });
}
}  // namespace foundry::cli
