// Checking parameter values (defaults at load, given values at expansion) against their specs.
#pragma once

#include "protocol/protocol_model.hpp"

#include <map>
#include <optional>
#include <string>

namespace foundry::protocol_detail {

inline const char* const kParameterTypes[] = {"string", "integer", "number", "boolean", "array", "object"};

bool is_parameter_type(const std::string& type);

// Why `value` does not fit `parameter` (type, minimum, maximum), or nothing if it fits.
std::optional<std::string> check_parameter_value(const ParameterDecl& parameter, const Json& value);

// The value of every parameter for one run: given values (JSON text), else defaults. Reports
// unknown names, values that are not JSON, ill-typed values and missing required values.
std::map<std::string, Json> resolve_parameter_values(const Protocol::Impl& protocol,
                                                     const std::map<std::string, std::string>& given,
                                                     DiagnosticSink& sink);

}  // namespace foundry::protocol_detail
