// Runs a program on a pseudo-terminal, as a person at a terminal would, so tests can check
// what human output looks like there (colour, progress redraws) against the piped case.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace foundry::testing {

struct PtyResult {
  int exit_code = -1;  // 128 + signal when killed; -1 when it could not be started
  std::string output;  // everything written to the terminal (stdout and stderr), "\r\n" line ends
  bool timed_out = false;
};

// Runs `argv` (argv[0] is a path) with stdin, stdout and stderr on a new pseudo-terminal of
// `columns` x 40. `environment` entries are set (an empty value unsets the variable) on top of
// this process's environment. The child is killed after `timeout_s` seconds.
PtyResult run_on_pty(const std::vector<std::string>& argv, const std::map<std::string, std::string>& environment = {},
                     int columns = 120, double timeout_s = 20);

}  // namespace foundry::testing
