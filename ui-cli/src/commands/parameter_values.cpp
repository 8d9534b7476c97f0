#include "commands/parameter_values.hpp"

#include "commands.hpp"

#include <nlohmann/json.hpp>

namespace foundry::cli {

std::map<std::string, std::string> parse_parameter_values(const std::vector<std::string>& assignments,
                                                          const std::string& option) {
  std::map<std::string, std::string> values;
  for (const auto& a : assignments) {
    auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0)
      throw CliExit(kExitUsage, option + " '" + a + "': expected NAME=VALUE");
    std::string name = a.substr(0, eq);
    std::string text = a.substr(eq + 1);
    auto parsed = nlohmann::json::parse(text, nullptr, false);
    values[name] = parsed.is_discarded() ? nlohmann::json(text).dump() : parsed.dump();
  }
  return values;
}

}  // namespace foundry::cli
