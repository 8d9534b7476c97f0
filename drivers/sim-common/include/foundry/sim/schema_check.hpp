// A small JSON Schema checker, so the schemas a simulated driver publishes in describe() are the
// very rules its execute() enforces (the two cannot drift apart).
//
// Supported keywords: type (name or list), properties, required, additionalProperties (bool or
// schema), items, minItems, maxItems, minimum, maximum, exclusiveMinimum, exclusiveMaximum, enum,
// minLength, maxLength. Annotations (description, default, title, examples, unit) are ignored.
// Other keywords are refused when a driver is built (see check_schema_keywords), not silently
// skipped.
//
// Why not share the conformance kit's checker (scheduler/src/engine/conformance_schema.hpp): the
// kit judges a driver's schemas and results without trusting any driver-side code, and sharing
// would have to go through the SDK, which is header-only and free of dependencies (no JSON
// library) so that vendors can build against it with any toolchain. The two are small and tested
// on their own (tests/drivers/test_schema_check.cpp, tests/sdk/test_conformance_schema.cpp).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>

namespace foundry::sim {

struct SchemaViolation {
  std::string path;    // "source.well", "samples[2].culture_hours"; empty for the value itself
  std::string reason;  // "must be an integer >= 1"
};

std::optional<SchemaViolation> schema_violation(const nlohmann::json& schema, const nlohmann::json& value);

// Throws std::logic_error naming the keyword if `schema` uses one this checker does not know.
void check_schema_keywords(const nlohmann::json& schema, const std::string& where);

}  // namespace foundry::sim
