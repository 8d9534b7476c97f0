#include "commands.hpp"

namespace foundry::cli {
void add_plan_command(CLI::App& app) {
  app.add_subcommand("plan", "not implemented yet")->callback([] { throw CliExit(kExitFailure, "not implemented"); });
}
}  // namespace foundry::cli
