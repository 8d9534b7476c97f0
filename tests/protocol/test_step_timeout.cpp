// Step timeouts in protocols: "timeout_s" per step and "timeout_factor" / "timeout_margin_s" in
// "defaults"; every expanded step carries the timeout in force, and bad values are refused with
// the JSON pointer of the problem.
#include <foundry/protocol/protocol.hpp>
#include <foundry/protocol/run_spec_json.hpp>

#include "protocol_test_helpers.hpp"

#include <gtest/gtest.h>

namespace foundry::testing {
namespace {

std::string with_defaults(const std::string& defaults, const std::string& steps) {
  return R"({"name": "t", "version": "1", "defaults": )" + defaults + R"(, "steps": )" + steps + "}";
}

TEST(StepTimeout, BuiltInDefaultIsTwiceTheDurationPlusAMinute) {
  RunSpec run = parse(protocol_json("[" + step_json("a") + "]")).expand({}, "r");
  ASSERT_TRUE(run.steps.at(0).timeout_s);
  EXPECT_DOUBLE_EQ(*run.steps.at(0).timeout_s, 2 * 60 + 60);
  // A step made in code without one gets the same rule.
  StepSpec bare;
  bare.duration_s = 100;
  EXPECT_DOUBLE_EQ(step_timeout_s(bare), 260);
}

TEST(StepTimeout, StepValueWinsOverProtocolDefaults) {
  RunSpec run = parse(with_defaults(R"({"timeout_factor": 3, "timeout_margin_s": 10})",
                                    "[" + step_json("a", R"("timeout_s": 90.5)") + ", " + step_json("b") + "]"))
                    .expand({}, "r");
  EXPECT_DOUBLE_EQ(*run.steps.at(0).timeout_s, 90.5);
  EXPECT_DOUBLE_EQ(*run.steps.at(1).timeout_s, 3 * 60 + 10) << "defaults: factor x duration + margin";
}

TEST(StepTimeout, ADurationFromAnExpressionGetsItsTimeoutAtExpansion) {
  std::string text = protocol_json(R"([{"id": "a", "operation": "transfer", "device_type": "liquid_handler",
                                        "duration": "${minutes * 60}"}])",
                                   R"({"minutes": {"type": "integer", "default": 10}})");
  RunSpec run = parse(text).expand({{"minutes", "30"}}, "r");
  EXPECT_DOUBLE_EQ(*run.steps.at(0).timeout_s, 2 * 1800 + 60);
}

TEST(StepTimeout, BadStepValuesNameThePath) {
  auto zero = load_errors(protocol_json("[" + step_json("a", R"("timeout_s": 0)") + "]"));
  EXPECT_TRUE(has_diagnostic(zero, "t.json:/steps/0/timeout_s", "timeout_s must be more than 0, not 0"));
  auto negative = load_errors(protocol_json("[" + step_json("a", R"("timeout_s": -30)") + "]"));
  EXPECT_TRUE(has_diagnostic(negative, "t.json:/steps/0/timeout_s", "must be more than 0, not -30"));
  auto text = load_errors(protocol_json("[" + step_json("a", R"("timeout_s": "1h")") + "]"));
  EXPECT_TRUE(has_diagnostic(text, "t.json:/steps/0/timeout_s", "must be a number of seconds, not a string"));
  auto boolean = load_errors(protocol_json("[" + step_json("a", R"("timeout_s": true)") + "]"));
  EXPECT_TRUE(has_diagnostic(boolean, "t.json:/steps/0/timeout_s", "must be a number of seconds"));
  auto huge = load_errors(protocol_json("[" + step_json("a", R"("timeout_s": 1e12)") + "]"));
  EXPECT_TRUE(has_diagnostic(huge, "t.json:/steps/0/timeout_s", "timeout_s 1e+12 s is longer than ten years"));
}

TEST(StepTimeout, ATimeoutShorterThanTheStepIsRefused) {
  auto literal = load_errors(protocol_json("[" + step_json("a", R"("timeout_s": 30)") + "]"));
  EXPECT_TRUE(has_diagnostic(literal, "t.json:/steps/0/timeout_s", "shorter than the step's duration (60 s)"));
  // Known only once the duration's expression is evaluated.
  std::string text = protocol_json(R"([{"id": "a", "operation": "transfer", "device_type": "liquid_handler",
                                        "duration": "${minutes * 60}", "timeout_s": 600}])",
                                   R"({"minutes": {"type": "integer", "default": 5}})");
  EXPECT_NO_THROW(parse(text).expand({}, "r"));
  auto expanded = expand_errors(text, {{"minutes", "20"}});
  EXPECT_TRUE(has_diagnostic(expanded, "t.json:/steps/0/timeout_s", "timeout_s 600 s is shorter than the step's duration (1200 s)"));
}

TEST(StepTimeout, BadDefaultsNameThePath) {
  auto factor = load_errors(with_defaults(R"({"timeout_factor": 0.5})", "[" + step_json("a") + "]"));
  EXPECT_TRUE(has_diagnostic(factor, "t.json:/defaults/timeout_factor", "timeout_factor must be at least 1, not 0.5"));
  auto factor_huge = load_errors(with_defaults(R"({"timeout_factor": 5000})", "[" + step_json("a") + "]"));
  EXPECT_TRUE(has_diagnostic(factor_huge, "t.json:/defaults/timeout_factor", "timeout_factor 5000 is more than 1000"));
  auto factor_text = load_errors(with_defaults(R"({"timeout_factor": "x2"})", "[" + step_json("a") + "]"));
  EXPECT_TRUE(has_diagnostic(factor_text, "t.json:/defaults/timeout_factor", "must be a number"));
  auto margin = load_errors(with_defaults(R"({"timeout_margin_s": -1})", "[" + step_json("a") + "]"));
  EXPECT_TRUE(has_diagnostic(margin, "t.json:/defaults/timeout_margin_s", "timeout_margin_s must be at least 0, not -1"));
  auto margin_null = load_errors(with_defaults(R"({"timeout_margin_s": null})", "[" + step_json("a") + "]"));
  EXPECT_TRUE(has_diagnostic(margin_null, "t.json:/defaults/timeout_margin_s", "must be a number of seconds, not null"));
}

TEST(StepTimeout, StoredRunsKeepTheTimeoutAndOldOnesGetTheDefault) {
  RunSpec run = parse(protocol_json("[" + step_json("a", R"("timeout_s": 75)") + "]")).expand({}, "r");
  RunSpec back = run_spec_from_json(run_spec_to_json(run), "stored");
  ASSERT_TRUE(back.steps.at(0).timeout_s);
  EXPECT_DOUBLE_EQ(*back.steps.at(0).timeout_s, 75);

  // Stored before steps had timeouts: no field, the built-in rule applies.
  std::string old = R"({"run_id": "r", "protocol": "t", "steps": [{"id": "a", "operation": "transfer",
                       "device_type": "liquid_handler", "duration_s": 60}]})";
  RunSpec old_run = run_spec_from_json(old, "stored");
  EXPECT_FALSE(old_run.steps.at(0).timeout_s);
  EXPECT_DOUBLE_EQ(step_timeout_s(old_run.steps.at(0)), 180);

  std::string bad = R"({"run_id": "r", "protocol": "t", "steps": [{"id": "a", "operation": "transfer",
                       "device_type": "liquid_handler", "duration_s": 60, "timeout_s": -1}]})";
  try {
    run_spec_from_json(bad, "stored");
    ADD_FAILURE() << "a negative stored timeout was accepted";
  } catch (const InputError& e) {
    EXPECT_TRUE(has_diagnostic(e.diagnostics(), "stored:/steps/0/timeout_s", "must be more than 0"));
  }
}

}  // namespace
}  // namespace foundry::testing
