// Operator actions: foundry ack / hold / resume. When a foundryd serves the database (its socket
// answers) or --connect names one, they go through its API, and the engine acts at once.
// Otherwise they change the database directly (one transaction each, with its event), for a
// database `foundry run` works on without a server: the next `foundry run` carries on from what
// they recorded. The output says which of the two happened.
#pragma once

#include <CLI/CLI.hpp>

namespace foundry::cli {

void add_operator_commands(CLI::App& app);

}  // namespace foundry::cli
