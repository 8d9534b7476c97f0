// Which parameters the kit sends: examples first, else generated from the schema; and a
// deliberately invalid variant that breaks the schema in one named parameter.
#include "engine/conformance_parameters.hpp"
#include "engine/conformance_schema.hpp"

#include <gtest/gtest.h>

using foundry::engine::conformance::example_parameters;
using foundry::engine::conformance::invalid_parameters;
using foundry::engine::conformance::schema_violation;
using foundry::engine::conformance::value_from_schema;
using nlohmann::json;

TEST(ConformanceParameters, PrefersTheOperationsExampleThenTheSchemasExamples) {
  json op = json::parse(R"({"name": "seal", "example": {"t": 1},
                            "parameters": {"type": "object", "examples": [{"t": 2}]}})");
  auto chosen = example_parameters(op);
  EXPECT_EQ(chosen.value, json::parse(R"({"t": 1})"));
  EXPECT_FALSE(chosen.generated);
  EXPECT_EQ(chosen.source, "the operation's example");
  op.erase("example");
  chosen = example_parameters(op);
  EXPECT_EQ(chosen.value, json::parse(R"({"t": 2})"));
  EXPECT_EQ(chosen.source, "the parameter schema's examples");
}

TEST(ConformanceParameters, GeneratesRequiredPropertiesFromDefaultsEnumsAndMinimums) {
  json schema = json::parse(R"({"type": "object", "required": ["a", "b", "c", "d", "e", "f", "g"], "properties": {
      "a": {"type": "integer", "minimum": 3, "default": 7},
      "b": {"type": "integer", "minimum": 3},
      "c": {"type": "number", "exclusiveMinimum": 0, "maximum": 0.5},
      "d": {"type": "string", "enum": ["slow", "fast"]},
      "e": {"type": "string", "minLength": 9},
      "f": {"type": "array", "minItems": 2, "items": {"type": "boolean"}},
      "g": {"type": "object", "required": ["well"], "properties": {"well": {"type": "string", "maxLength": 3}}},
      "optional": {"type": "number"}}})");
  auto chosen = example_parameters(json{{"name", "op"}, {"parameters", schema}});
  EXPECT_TRUE(chosen.generated);
  EXPECT_EQ(chosen.value, json::parse(R"({"a": 7, "b": 3, "c": 0.25, "d": "slow", "e": "examplexx",
                                          "f": [false, false], "g": {"well": "exa"}})"));
  EXPECT_FALSE(schema_violation(schema, chosen.value));
}

TEST(ConformanceParameters, GeneratedNumbersRespectOpenAndUpperBounds) {
  EXPECT_EQ(value_from_schema({{"type", "integer"}, {"exclusiveMinimum", 4}}), 5);
  EXPECT_EQ(value_from_schema({{"type", "number"}, {"exclusiveMinimum", 4}}), 5.0);
  EXPECT_EQ(value_from_schema({{"type", "integer"}, {"maximum", -2}}), -2);
  EXPECT_EQ(value_from_schema({{"type", "number"}}), 0.0);
  EXPECT_EQ(value_from_schema({{"type", json::array({"null", "boolean"})}}), false);
}

TEST(ConformanceParameters, InvalidParametersBreakOneRequiredPropertyFirst) {
  json schema = json::parse(R"({"type": "object", "required": ["volume"], "properties": {
      "comment": {"type": "string"}, "volume": {"type": "number", "minimum": 0}}})");
  auto invalid = invalid_parameters(schema, json{{"volume", 5}, {"comment", "x"}});
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->parameter, "volume");
  EXPECT_EQ(invalid->value, json::parse(R"({"volume": "not-a-valid-value", "comment": "x"})"));
  EXPECT_TRUE(schema_violation(schema, invalid->value));
  EXPECT_NE(invalid->change.find("must be a number"), std::string::npos) << invalid->change;
}

TEST(ConformanceParameters, UsesAValueOutsideAnEnumOrTypeListWhenAStringIsAllowed) {
  json schema = json::parse(R"({"type": "object", "properties": {
      "film": {"type": "string", "enum": ["foil"]}}})");
  auto invalid = invalid_parameters(schema, json::object());
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->value, json::parse(R"({"film": "not-a-valid-value"})"));
  schema = json::parse(R"({"type": "object", "properties": {"design": {"type": ["object", "string"]}}})");
  invalid = invalid_parameters(schema, json::object());
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->value, json::parse(R"({"design": []})"));
}

TEST(ConformanceParameters, FallsBackToANonObjectOrNothing) {
  auto invalid = invalid_parameters(json::parse(R"({"type": "object"})"), json::object());
  ASSERT_TRUE(invalid);
  EXPECT_TRUE(invalid->parameter.empty());
  EXPECT_TRUE(invalid->value.is_array());
  EXPECT_FALSE(invalid_parameters(json::object(), json::object()));  // a schema that accepts anything
}
