// Which parameters the conformance kit sends (private to the kit).
//
// Valid ones come from the operation's description, in this order: an "example" object on the
// operation, the parameter schema's first "examples" entry, else values generated from the
// schema (required properties only, each from its default, const, first example or enum value,
// else the smallest value its range allows). The report says which source was used, because a
// generated value may be valid for the schema yet meaningless to the instrument (a labware id).
// Invalid ones break the schema on purpose, to see the driver refuse them as a VALIDATION error.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace foundry::engine::conformance {

struct ExampleParameters {
  nlohmann::json value;
  std::string source;  // "the operation's example", "the parameter schema's examples", "generated from the schema: ..."
  bool generated = false;
};

// `operation`: one entry of a model's "operations" in the plugin description.
ExampleParameters example_parameters(const nlohmann::json& operation);

// A value that satisfies `schema` where the subset allows (see the file comment).
nlohmann::json value_from_schema(const nlohmann::json& schema);

struct InvalidParameters {
  nlohmann::json value;   // the parameters to send
  std::string parameter;  // the property made invalid; empty when the whole value is invalid
  std::string change;     // what was done, for the report: "'volume_ul' = \"not-valid\" (must be a number)"
};

// `valid` with one declared property replaced by a value of the wrong type, or, when the schema
// declares no typed property, a non-object in place of the parameters. Nothing when the schema
// accepts anything.
std::optional<InvalidParameters> invalid_parameters(const nlohmann::json& schema, const nlohmann::json& valid);

}  // namespace foundry::engine::conformance
