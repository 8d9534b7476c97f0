// foundry validate PROTOCOL [--workcell FILE] [--param k=v]...
// Loads and checks a protocol (against the workcell's devices when one is given), then expands it
// with the given parameters and the defaults, which also checks that its time lags can all be kept.
// Prints "ok: <name>, N steps", or every problem as "path: reason" and exits with kExitBadInput.
// --json prints the same as foundryd's validate result: {"valid", "protocol", "steps"} or
// {"valid": false, "diagnostics": [{"path", "reason"}]}, so tools read one shape either way.
#include "commands.hpp"
#include "commands/parameter_values.hpp"

#include <foundry/model/workcell.hpp>
#include <foundry/protocol/protocol.hpp>

#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>
#include <optional>

namespace foundry::cli {

namespace {

struct ValidateOptions {
  std::string protocol;
  std::string workcell;
  std::vector<std::string> params;
  bool json = false;
};

void validate(const ValidateOptions& options) {
  auto values = parse_parameter_values(options.params);
  try {
    std::optional<Workcell> workcell;
    if (!options.workcell.empty()) workcell = load_workcell(options.workcell);
    Protocol protocol = load_protocol(options.protocol, workcell ? &*workcell : nullptr);
    RunSpec run = protocol.expand(values, "validate");
    if (options.json)
      std::cout << nlohmann::json{{"valid", true}, {"protocol", protocol.name()}, {"steps", run.steps.size()}}.dump()
                << "\n";
    else
      std::cout << "ok: " << protocol.name() << ", " << run.steps.size() << " steps\n";
  } catch (const InputError& e) {
    if (options.json) {
      auto diagnostics = nlohmann::json::array();
      for (const auto& d : e.diagnostics()) diagnostics.push_back({{"path", d.path}, {"reason", d.reason}});
      std::cout << nlohmann::json{{"valid", false}, {"diagnostics", diagnostics}}.dump() << "\n";
    } else {
      std::cout << format_diagnostics(e.diagnostics());
    }
    throw CliExit(kExitBadInput, "");
  }
}

}  // namespace

void add_validate_command(CLI::App& app) {
  auto options = std::make_shared<ValidateOptions>();
  auto* cmd = app.add_subcommand("validate", "Check a protocol and expand it with its parameters");
  cmd->footer(
      "Prints \"ok: NAME, N steps\", or one \"path: reason\" line per problem (exit code 3);\n"
      "--json: {\"valid\", \"protocol\", \"steps\"} or {\"valid\": false, \"diagnostics\": [{\"path\", \"reason\"}]}.\n"
      "Example:\n"
      "  foundry validate protocols/dbtl-build-test.json --workcell protocols/workcells/sim-foundry.json \\\n"
      "      --param culture_h=24");
  cmd->add_option("protocol", options->protocol, "Protocol file (JSON)")->required();
  cmd->add_option("--workcell,-w", options->workcell,
                  "Workcell file: also check that every device type and operation exists in it");
  cmd->add_option("--param,-p", options->params, "Parameter value NAME=VALUE (VALUE is JSON, or a plain string)");
  cmd->add_flag("--json", options->json, "Print the result as JSON (the shape of foundryd's validate result)");
  cmd->callback([options] { validate(*options); });
}

}  // namespace foundry::cli
