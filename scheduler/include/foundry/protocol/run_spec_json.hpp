// RunSpec as JSON text: how the engine stores a run so that recovery can rebuild it exactly, and
// how tools exchange runs. Every field is written, including each step's error policy.
//
//   {"run_id": "r1", "protocol": "dbtl-quick", "parameters": {"designs": [...]},
//    "priority": 1, "release_s": 0, "deadline_s": null,
//    "steps": [{"id": "d01/build", "operation": "transfer", "device_type": "liquid_handler",
//               "parameters": {...}, "duration_s": 600,
//               "after": [{"step": "setup", "from": "end", "min_lag_s": 0, "max_lag_s": null}],
//               "on_error": {"action": "retry", "retry_limit": 2, "backoff_s": 30, "then": "hold"}}]}
//
// Parameter values and step parameters (JSON text in RunSpec) are embedded as JSON values and
// read back in compact form (nlohmann's dump()), so text that is already compact round-trips
// byte for byte, which is what the protocol expansion produces.
#pragma once

#include <foundry/protocol/run_spec.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace foundry {

// Compact JSON (indent < 0) or indented by `indent` spaces.
// Throws std::invalid_argument naming the run and step if a parameter text is not valid JSON.
std::string run_spec_to_json(const RunSpec& run, int indent = -1);

// Throws InputError listing every problem as "<origin>:<JSON pointer>" and a reason: syntax
// errors (line and column), missing or unknown fields, wrong types, bad error policies, duplicate
// step ids and dependencies on steps the run does not have.
RunSpec run_spec_from_json(const std::string& json_text, const std::string& origin = "run spec");

// "retry", "reroute", "hold", "skip", "abort_sample", "abort_run".
std::string error_action_name(ErrorAction action);
std::optional<ErrorAction> parse_error_action(std::string_view name);

}  // namespace foundry
