// Parameter values given on the command line as NAME=VALUE.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace foundry::cli {

// VALUE is taken as JSON when it parses as JSON ("3", "[1,2]", "{...}", "\"x\""), otherwise as a
// plain string (so --param strain=ecoli works without quoting). Throws CliExit on a missing '=',
// naming `option` (the flag the values came with) so the message points at what was typed.
std::map<std::string, std::string> parse_parameter_values(const std::vector<std::string>& assignments,
                                                          const std::string& option = "--param");

}  // namespace foundry::cli
