// foundry serve [FOUNDRYD OPTIONS...]
// Runs foundryd, the service (docs/api.md), in place of this process: the foundryd next to this
// foundry executable, with every option passed through unchanged. Staff then have one command to
// remember; the service's options and exit codes are foundryd's own.
#include "commands.hpp"
#include "commands/child_process.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace foundry::cli {

namespace {

void serve(const std::vector<std::string>& arguments) {
  const std::string foundryd = sibling_program("foundryd");
  std::vector<std::string> argv{foundryd};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  std::vector<char*> pointers;
  for (auto& a : argv) pointers.push_back(a.data());
  pointers.push_back(nullptr);
  ::execv(foundryd.c_str(), pointers.data());
  // Only reached when exec failed.
  throw CliExit(kExitFailure, "foundry serve: cannot run " + foundryd + ": " + std::strerror(errno) +
                                  " (build it: cmake --build --preset default --target foundryd)");
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto arguments = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("serve", "Run foundryd, the service learners and staff commands talk to");
  cmd->footer(
      "Every option after 'serve' goes to foundryd unchanged (the foundryd next to this foundry); see\n"
      "'foundry serve -- --help' for its options and docs/api.md for the API, keys and roles.\n"
      "foundryd stops cleanly on Ctrl-C or SIGTERM; its exit codes are foundryd's (6: a damaged database).\n"
      "Examples:\n"
      "  foundry serve --workcell protocols/workcells/sim-foundry.json --db lab.db --virtual-time\n"
      "  foundry serve --workcell lab.json --db lab.db --protocols protocols --bind tcp://127.0.0.1:5555\n"
      "  foundry serve -- --help");
  cmd->prefix_command();  // everything after 'serve' (but --help itself) is foundryd's
  cmd->callback([cmd, arguments] {
    *arguments = cmd->remaining();
    if (!arguments->empty() && arguments->front() == "--") arguments->erase(arguments->begin());
    serve(*arguments);
  });
}

}  // namespace foundry::cli
