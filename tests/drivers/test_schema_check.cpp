// The JSON Schema subset the simulators validate parameters and settings with.
#include <foundry/sim/schema_check.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using foundry::sim::schema_violation;
using nlohmann::json;

const json schema = json::parse(R"({
  "type": "object",
  "required": ["source"],
  "properties": {
    "source": {"type": "object", "required": ["well"], "properties": {"well": {"type": "string", "minLength": 2}}},
    "volume_ul": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000},
    "channels": {"type": "integer", "minimum": 1, "maximum": 8},
    "mode": {"enum": ["fast", "gentle"]},
    "samples": {"type": "array", "minItems": 1, "items": {"type": "object", "properties": {"hours": {"type": "number", "minimum": 0}}}},
    "design": {"type": ["object", "string"]}
  }
})");

std::string violation(const std::string& value) {
  auto v = schema_violation(schema, json::parse(value));
  return v ? (v->path.empty() ? "" : "'" + v->path + "' ") + v->reason : "ok";
}

TEST(SchemaCheck, AcceptsAValidValue) {
  EXPECT_EQ(violation(R"({"source": {"well": "A1"}, "volume_ul": 10, "channels": 8.0, "mode": "fast",
                          "samples": [{"hours": 2}], "design": "d1", "extra": true})"),
            "ok");
}

TEST(SchemaCheck, NamesThePathAndTheReason) {
  EXPECT_EQ(violation(R"([])"), "must be an object");
  EXPECT_EQ(violation(R"({})"), "'source' is required");
  EXPECT_EQ(violation(R"({"source": {}})"), "'source.well' is required");
  EXPECT_EQ(violation(R"({"source": {"well": 1}})"), "'source.well' must be a string");
  EXPECT_EQ(violation(R"({"source": {"well": "A"}})"), "'source.well' must have at least 2 characters");
  EXPECT_EQ(violation(R"({"source": {"well": "A1"}, "volume_ul": 0})"), "'volume_ul' must be > 0");
  EXPECT_EQ(violation(R"({"source": {"well": "A1"}, "volume_ul": 1001})"), "'volume_ul' must be <= 1000");
  EXPECT_EQ(violation(R"({"source": {"well": "A1"}, "channels": 2.5})"), "'channels' must be an integer");
  EXPECT_EQ(violation(R"({"source": {"well": "A1"}, "channels": 0})"), "'channels' must be >= 1");
  EXPECT_EQ(violation(R"({"source": {"well": "A1"}, "mode": "slow"})"), R"('mode' must be one of ["fast","gentle"])");
  EXPECT_EQ(violation(R"({"source": {"well": "A1"}, "samples": []})"), "'samples' must have at least 1 items");
  EXPECT_EQ(violation(R"({"source": {"well": "A1"}, "samples": [{"hours": 1}, {"hours": -1}]})"), "'samples[1].hours' must be >= 0");
  EXPECT_EQ(violation(R"({"source": {"well": "A1"}, "design": 3})"), "'design' must be an object or a string");
}

TEST(SchemaCheck, ClosedObjectsRefuseUnknownFields) {
  const json closed = json::parse(R"({"type": "object", "additionalProperties": false, "properties": {"a": {}}})");
  auto v = schema_violation(closed, json::parse(R"({"a": 1, "b": 2})"));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->path, "b");
  EXPECT_EQ(v->reason, "is not a known field");
}

TEST(SchemaCheck, RefusesKeywordsItDoesNotImplement) {
  EXPECT_NO_THROW(foundry::sim::check_schema_keywords(schema, "op"));
  try {
    foundry::sim::check_schema_keywords(json::parse(R"({"type": "object", "properties": {"a": {"pattern": "x"}}})"), "op.parameters");
    FAIL() << "pattern accepted";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(), "op.parameters.properties.a: unsupported schema keyword 'pattern'");
  }
}

}  // namespace
