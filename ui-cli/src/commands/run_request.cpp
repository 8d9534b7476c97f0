#include "commands/run_request.hpp"

#include "commands.hpp"
#include "commands/parameter_values.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace foundry::cli {

namespace fs = std::filesystem;
using nlohmann::json;

json protocol_reference(const std::string& protocol) {
  std::error_code ec;
  if (fs::is_regular_file(protocol, ec)) {
    std::ifstream in(protocol);
    json document = json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!in.good() && !in.eof()) throw CliExit(kExitBadInput, protocol + ": cannot read the protocol file");
    if (document.is_discarded()) throw CliExit(kExitBadInput, protocol + ": the protocol file is not valid JSON");
    if (!document.is_object()) throw CliExit(kExitBadInput, protocol + ": a protocol file holds a JSON object");
    return document;
  }
  // Server-side names are plain ("dbtl-quick"), so anything path-like was meant as a local file.
  if (protocol.find('/') != std::string::npos || fs::path(protocol).extension() == ".json")
    throw CliExit(kExitBadInput, protocol + ": no such protocol file\n  (a protocol on the server is named plainly, "
                                            "e.g. dbtl-quick)");
  return protocol;
}

json run_request_fields(const std::string& protocol, const std::vector<std::string>& assignments,
                        const std::string& option) {
  json fields = {{"protocol", protocol_reference(protocol)}};
  json parameters = json::object();
  for (const auto& [name, text] : parse_parameter_values(assignments, option)) parameters[name] = json::parse(text);
  if (!parameters.empty()) fields["parameters"] = parameters;
  return fields;
}

}  // namespace foundry::cli
