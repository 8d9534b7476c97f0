// The kit's JSON Schema subset: each keyword accepts what it should and names what it refuses.
#include "engine/conformance_schema.hpp"

#include <gtest/gtest.h>

using foundry::engine::conformance::describe;
using foundry::engine::conformance::schema_problems;
using foundry::engine::conformance::schema_violation;
using foundry::engine::conformance::unverified_keywords;
using nlohmann::json;

namespace {
// The violation as "path: reason" text, or "ok".
std::string verdict(const json& schema, const json& value) {
  auto v = schema_violation(schema, value);
  return v ? describe(*v, "value") : "ok";
}
}  // namespace

TEST(ConformanceSchema, ChecksTypesIncludingIntegralNumbersAndTypeLists) {
  EXPECT_EQ(verdict({{"type", "integer"}}, 3), "ok");
  EXPECT_EQ(verdict({{"type", "integer"}}, 3.0), "ok");
  EXPECT_EQ(verdict({{"type", "integer"}}, 3.5), "value: must be an integer (is 3.5)");
  EXPECT_EQ(verdict({{"type", "number"}}, "3"), "value: must be a number (is \"3\")");
  EXPECT_EQ(verdict({{"type", json::array({"object", "string"})}}, "x"), "ok");
  EXPECT_EQ(verdict({{"type", json::array({"object", "string"})}}, 1), "value: must be an object or a string (is 1)");
  EXPECT_EQ(verdict({{"type", "boolean"}}, nullptr), "value: must be a boolean (is null)");
}

TEST(ConformanceSchema, ChecksRangesEnumsAndConst) {
  json range = {{"minimum", 1}, {"maximum", 5}};
  EXPECT_EQ(verdict(range, 1), "ok");
  EXPECT_EQ(verdict(range, 0), "value: must be >= 1 (is 0)");
  EXPECT_EQ(verdict(range, 5.5), "value: must be <= 5 (is 5.5)");
  EXPECT_EQ(verdict({{"exclusiveMinimum", 0}}, 0), "value: must be > 0 (is 0)");
  EXPECT_EQ(verdict({{"exclusiveMaximum", 1}}, 1), "value: must be < 1 (is 1)");
  EXPECT_EQ(verdict({{"enum", {"foil", "clear_pp"}}}, "paper"), "value: must be one of [\"foil\",\"clear_pp\"] (is \"paper\")");
  EXPECT_EQ(verdict({{"const", 2}}, 2), "ok");
  EXPECT_EQ(verdict({{"const", 2}}, 3), "value: must be 2 (is 3)");
  EXPECT_EQ(verdict({{"minLength", 2}}, "a"), "value: must have at least 2 characters");
  EXPECT_EQ(verdict({{"maxItems", 1}}, json::array({1, 2})), "value: must have at most 1 items");
}

TEST(ConformanceSchema, NamesTheNestedPathOfAViolation) {
  json schema = json::parse(R"({"type": "object", "required": ["source"], "properties": {
      "source": {"type": "object", "required": ["well"], "properties": {"well": {"type": "string"}}},
      "values": {"type": "array", "items": {"type": "number"}}}})");
  EXPECT_EQ(verdict(schema, json::parse(R"({"source": {"well": "A1"}})")), "ok");
  EXPECT_EQ(verdict(schema, json::object()), "value 'source': is required");
  EXPECT_EQ(verdict(schema, json::parse(R"({"source": {}})")), "value 'source.well': is required");
  EXPECT_EQ(verdict(schema, json::parse(R"({"source": {"well": 1}})")), "value 'source.well': must be a string (is 1)");
  EXPECT_EQ(verdict(schema, json::parse(R"({"source": {"well": "A1"}, "values": [1, "2"]})")),
            "value 'values[1]': must be a number (is \"2\")");
}

TEST(ConformanceSchema, ChecksAdditionalPropertiesAsFlagOrSchema) {
  json closed = {{"properties", {{"a", json::object()}}}, {"additionalProperties", false}};
  EXPECT_EQ(verdict(closed, {{"a", 1}}), "ok");
  EXPECT_EQ(verdict(closed, {{"b", 1}}), "value 'b': is not a declared property");
  json typed = {{"additionalProperties", {{"type", "number"}}}};
  EXPECT_EQ(verdict(typed, {{"b", 1}}), "ok");
  EXPECT_EQ(verdict(typed, {{"b", "x"}}), "value 'b': must be a number (is \"x\")");
}

TEST(ConformanceSchema, FindsMalformedSchemasWithTheirPlace) {
  EXPECT_TRUE(schema_problems(json::parse(R"({"type": "object", "properties": {"a": {"type": "integer"}}})"), "parameters").empty());
  auto problems = schema_problems(
      json::parse(R"({"type": "obj", "required": "a", "properties": {"a": {"minimum": "1"}, "b": 3}})"), "parameters");
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_EQ(problems[0], "parameters.properties.a.minimum: must be a number");
  EXPECT_EQ(problems[1], "parameters.properties.b: a schema must be an object (or true/false)");
  EXPECT_EQ(problems[2], "parameters.required: must be an array of property names");
  EXPECT_EQ(problems[3], "parameters.type: must be one of object, array, string, number, integer, boolean, null (or a list of them)");
}

TEST(ConformanceSchema, ListsKeywordsItDoesNotVerifyButNotAnnotations) {
  json schema = json::parse(R"({"type": "object", "description": "x", "properties": {
      "well": {"type": "string", "pattern": "^[A-H][0-9]+$", "unit": "none", "default": "A1"},
      "list": {"items": {"oneOf": []}}}})");
  EXPECT_EQ(unverified_keywords(schema), (std::set<std::string>{"oneOf", "pattern"}));
}
