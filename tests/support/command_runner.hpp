// Runs a command line in a shell (for end-to-end tests of the foundry binary) and captures its
// exit code, standard output and standard error.
#pragma once

#include "build_paths.hpp"  // foundry_binary(), the program most of these commands run

#include <string>

namespace foundry::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// `command` is passed to /bin/sh; quote arguments yourself (see shell_quote).
CommandResult run_command(const std::string& command);
std::string shell_quote(const std::string& argument);

}  // namespace foundry::testing
