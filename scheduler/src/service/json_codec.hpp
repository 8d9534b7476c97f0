// JSON helpers shared by the handler and the stream: parsing an untrusted request safely and
// reading typed fields with errors that name the field.
#pragma once

#include "service/api_error.hpp"

#include <foundry/engine/engine.hpp>
#include <foundry/service/backend.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace foundry::service {

using nlohmann::json;

// Deeper nesting is refused before parsing: no request needs it, and it bounds the work (and
// stack) a hostile request can cost.
inline constexpr int kMaxJsonDepth = 64;

// Parses `text` as a JSON object. Throws ApiError "malformed_json" (with the parser's position)
// or "not_an_object".
json parse_request_object(std::string_view text);
// Serialises without ever throwing: invalid UTF-8 in strings is replaced, not an exception.
std::string dump(const json& value);

// Field readers: throw ApiError "missing_field" or "bad_field" naming `name`.
const json& required(const json& object, const char* name);
std::string required_string(const json& object, const char* name);
std::optional<std::string> optional_string(const json& object, const char* name);
std::optional<std::int64_t> optional_integer(const json& object, const char* name, std::int64_t min,
                                             std::int64_t max);
std::optional<double> optional_number(const json& object, const char* name);
std::optional<bool> optional_bool(const json& object, const char* name);

json event_to_json(const store::Event& event);
json measurement_to_json(const store::Measurement& m);
json result_to_json(const StepResult& result);
json run_to_json(const store::RunRow& run);
json step_to_json(const store::StepRow& step);
json prompt_to_json(const engine::Prompt& prompt);

}  // namespace foundry::service
