// The fields of a run request (docs/api.md: submit, validate, preview) as the command line gives
// them: PROTOCOL is a protocol name on the server, or a local protocol file, sent inline so the
// server needs no copy of it; --set NAME=VALUE values become `parameters`.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace foundry::cli {

// A name travels as a string, a local file as its JSON object. Throws CliExit (kExitBadInput) for
// an unreadable or invalid file, or a path that names no file.
nlohmann::json protocol_reference(const std::string& protocol);

// {"protocol": ..., "parameters": {...}} (parameters only when some are set).
nlohmann::json run_request_fields(const std::string& protocol, const std::vector<std::string>& assignments,
                                  const std::string& option = "--set");

}  // namespace foundry::cli
