#include "commands.hpp"

namespace foundry::cli {
void add_validate_command(CLI::App& app) {
  app.add_subcommand("validate", "not implemented yet")->callback([] { throw CliExit(kExitFailure, "not implemented"); });
}
}  // namespace foundry::cli
