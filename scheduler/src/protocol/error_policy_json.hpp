// A step's error policy (ErrorPolicy) in JSON: {"action", "retry_limit", "backoff_s", "then"}.
// Shared by the protocol reader (as authors write it) and the RunSpec io (as the engine stores it).
#pragma once

#include <foundry/protocol/run_spec.hpp>

#include "protocol/json_document.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace foundry::protocol_detail {

// Retries beyond this are a typo or a loop, not a policy.
inline constexpr int kMaxRetryLimit = 100;

// How strictly a policy is read.
enum class PolicyStrictness {
  // As a protocol author writes it: retry_limit is required for "retry" and, like backoff_s and
  // then, allowed only for "retry" and "reroute", so a field that would be ignored is an error.
  kAuthored,
  // As the engine stores it (every field written): types and ranges are checked, nothing more.
  kStored,
};

// Reads a policy at `pointer`, recording every problem in `sink`; nothing if there was one.
std::optional<ErrorPolicy> read_error_policy(const Json& value, const std::string& pointer, DiagnosticSink& sink,
                                             PolicyStrictness strictness);

// Every field, for storage.
Json error_policy_to_json(const ErrorPolicy& policy);

}  // namespace foundry::protocol_detail
