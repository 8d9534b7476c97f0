// The small JSON Schema subset the conformance kit checks drivers against (private to the kit).
//
// Why our own: the kit must judge a vendor's published schemas and results without trusting the
// driver's own checker, and the engine cannot use the simulators' code (drivers/ depends on the
// SDK only). The subset is what driver descriptions need:
//   type (a name or a list), enum, const, required, properties, additionalProperties (bool or
//   schema), items, minItems, maxItems, minimum, maximum, exclusiveMinimum, exclusiveMaximum,
//   minLength, maxLength.
// Annotations (description, title, default, examples, unit, $schema, $id, $comment) are ignored.
// Any other keyword is reported by unverified_keywords(), so a report says what it did not check
// instead of passing it silently.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace foundry::engine::conformance {

struct SchemaViolation {
  std::string path;    // "source.well", "items[2]"; empty for the value itself
  std::string reason;  // "must be >= 1"
};

// The first way `value` breaks `schema`, or nothing. `schema` must be well-formed (schema_problems).
std::optional<SchemaViolation> schema_violation(const nlohmann::json& schema, const nlohmann::json& value);

// Why `schema` is not a usable schema ("parameters.properties.x.minimum: must be a number"),
// each problem prefixed with `where`. Empty when it is well-formed.
std::vector<std::string> schema_problems(const nlohmann::json& schema, const std::string& where);

// Keywords used in `schema` (at any depth) that the subset does not verify.
std::set<std::string> unverified_keywords(const nlohmann::json& schema);

// "path: reason", or "reason" for the value itself, prefixed with `what` ("result", "parameter").
std::string describe(const SchemaViolation& violation, const std::string& what);

}  // namespace foundry::engine::conformance
