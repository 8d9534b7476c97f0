// foundry validate PROTOCOL [--workcell FILE] [--param k=v]...
// Loads and checks a protocol (against the workcell's devices when one is given), then expands it
// with the given parameters and the defaults, which also checks that its time lags can all be kept.
// Prints "ok: <name>, N steps", or every problem as "path: reason" and exits with kExitBadInput.
#include "commands.hpp"
#include "commands/parameter_values.hpp"

#include <foundry/model/workcell.hpp>
#include <foundry/protocol/protocol.hpp>

#include <iostream>
#include <memory>
#include <optional>

namespace foundry::cli {

namespace {

struct ValidateOptions {
  std::string protocol;
  std::string workcell;
  std::vector<std::string> params;
};

void validate(const ValidateOptions& options) {
  auto values = parse_parameter_values(options.params);
  try {
    std::optional<Workcell> workcell;
    if (!options.workcell.empty()) workcell = load_workcell(options.workcell);
    Protocol protocol = load_protocol(options.protocol, workcell ? &*workcell : nullptr);
    RunSpec run = protocol.expand(values, "validate");
    std::cout << "ok: " << protocol.name() << ", " << run.steps.size() << " steps\n";
  } catch (const InputError& e) {
    std::cout << format_diagnostics(e.diagnostics());
    throw CliExit(kExitBadInput, "");
  }
}

}  // namespace

void add_validate_command(CLI::App& app) {
  auto options = std::make_shared<ValidateOptions>();
  auto* cmd = app.add_subcommand("validate", "Check a protocol and expand it with its parameters");
  cmd->footer(
      "Prints \"ok: NAME, N steps\", or one \"path: reason\" line per problem (exit code 3).\n"
      "Example:\n"
      "  foundry validate protocols/dbtl-build-test.json --workcell protocols/workcells/sim-foundry.json \\\n"
      "      --param culture_h=24");
  cmd->add_option("protocol", options->protocol, "Protocol file (JSON)")->required();
  cmd->add_option("--workcell,-w", options->workcell,
                  "Workcell file: also check that every device type and operation exists in it");
  cmd->add_option("--param,-p", options->params, "Parameter value NAME=VALUE (VALUE is JSON, or a plain string)");
  cmd->callback([options] { validate(*options); });
}

}  // namespace foundry::cli
