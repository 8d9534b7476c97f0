// Operator actions on a database while no engine runs on it (foundry ack / hold / resume). The
// next `foundry run` on the database carries on from what they recorded. (foundryd will take
// these over through its API when it hosts the engine.)
#pragma once

#include <CLI/CLI.hpp>

namespace foundry::cli {

void add_operator_commands(CLI::App& app);

}  // namespace foundry::cli
