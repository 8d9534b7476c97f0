// Error policies in protocols: per step and as the protocol's default, checked at load with the
// JSON pointer of the problem.
#include <foundry/protocol/protocol.hpp>

#include "protocol_test_helpers.hpp"
#include "build_paths.hpp"

#include <gtest/gtest.h>

namespace foundry::testing {
namespace {

std::string with_defaults(const std::string& defaults, const std::string& steps) {
  return R"({"name": "t", "version": "1", "defaults": )" + defaults + R"(, "steps": )" + steps + "}";
}

const StepSpec& step_named(const RunSpec& run, const std::string& id) {
  for (const auto& step : run.steps)
    if (step.id == id) return step;
  throw std::runtime_error("no step " + id);
}

TEST(ErrorPolicy, BuiltInDefaultIsHold) {
  RunSpec run = parse(protocol_json("[" + step_json("a") + "]")).expand({}, "r");
  EXPECT_EQ(run.steps.at(0).on_error.action, ErrorAction::kHold);
}

TEST(ErrorPolicy, StepPolicyIsRead) {
  RunSpec run = parse(protocol_json(
                          "[" + step_json("a", R"("on_error": {"action": "retry", "retry_limit": 3, "backoff_s": 5.5, "then": "abort_sample"})") + "]"))
                    .expand({}, "r");
  const ErrorPolicy& policy = run.steps.at(0).on_error;
  EXPECT_EQ(policy.action, ErrorAction::kRetry);
  EXPECT_EQ(policy.retry_limit, 3);
  EXPECT_DOUBLE_EQ(policy.backoff_s, 5.5);
  EXPECT_EQ(policy.then, ErrorAction::kAbortSample);
}

TEST(ErrorPolicy, RetryDefaultsToThirtySecondsThenHold) {
  RunSpec run = parse(protocol_json("[" + step_json("a", R"("on_error": {"action": "retry", "retry_limit": 1})") + "]"))
                    .expand({}, "r");
  EXPECT_DOUBLE_EQ(run.steps.at(0).on_error.backoff_s, 30);
  EXPECT_EQ(run.steps.at(0).on_error.then, ErrorAction::kHold);
}

TEST(ErrorPolicy, ProtocolDefaultAppliesToStepsWithoutTheirOwn) {
  std::string steps = "[" + step_json("a") + ", " + step_json("b", R"("on_error": {"action": "abort_run"})") +
                      R"(, {"group": "g${i}", "repeat": {"var": "i", "to": 2}, "steps": [)" + step_json("c") + "]}]";
  RunSpec run = parse(with_defaults(R"({"on_error": {"action": "reroute", "then": "skip"}})", steps)).expand({}, "r");
  EXPECT_EQ(step_named(run, "a").on_error.action, ErrorAction::kReroute);
  EXPECT_EQ(step_named(run, "a").on_error.then, ErrorAction::kSkip);
  EXPECT_EQ(step_named(run, "b").on_error.action, ErrorAction::kAbortRun);
  EXPECT_EQ(step_named(run, "g2/c").on_error.action, ErrorAction::kReroute);  // also inside groups
}

TEST(ErrorPolicyErrors, UnknownAction) {
  auto d = load_errors(protocol_json("[" + step_json("a", R"("on_error": {"action": "pray"})") + "]"));
  EXPECT_TRUE(has_diagnostic(d, "t.json:/steps/0/on_error/action", "unknown action 'pray' (allowed: retry, reroute"));
}

TEST(ErrorPolicyErrors, NegativeOrHugeRetryLimit) {
  auto d = load_errors(protocol_json("[" + step_json("a", R"("on_error": {"action": "retry", "retry_limit": -1})") + ", " +
                                     step_json("b", R"("on_error": {"action": "retry", "retry_limit": 1000})") + "]"));
  EXPECT_TRUE(has_diagnostic(d, "t.json:/steps/0/on_error/retry_limit", "must not be negative"));
  EXPECT_TRUE(has_diagnostic(d, "t.json:/steps/1/on_error/retry_limit", "more than 100"));
}

TEST(ErrorPolicyErrors, RetryNeedsALimitOfAtLeastOne) {
  auto d = load_errors(protocol_json("[" + step_json("a", R"("on_error": {"action": "retry"})") + ", " +
                                     step_json("b", R"("on_error": {"action": "retry", "retry_limit": 0})") + "]"));
  EXPECT_TRUE(has_diagnostic(d, "t.json:/steps/0/on_error", "needs 'retry_limit'"));
  EXPECT_TRUE(has_diagnostic(d, "t.json:/steps/1/on_error/retry_limit", "never retries"));
}

TEST(ErrorPolicyErrors, ThenMustNotRetryOrReroute) {
  auto d = load_errors(protocol_json("[" + step_json("a", R"("on_error": {"action": "retry", "retry_limit": 2, "then": "retry"})") +
                                     ", " + step_json("b", R"("on_error": {"action": "reroute", "then": "reroute"})") + "]"));
  EXPECT_TRUE(has_diagnostic(d, "t.json:/steps/0/on_error/then", "cannot be \"retry\""));
  EXPECT_TRUE(has_diagnostic(d, "t.json:/steps/1/on_error/then", "cannot be \"reroute\""));
}

TEST(ErrorPolicyErrors, FieldsTheActionWouldIgnore) {
  auto d = load_errors(protocol_json(
      "[" + step_json("a", R"("on_error": {"action": "hold", "retry_limit": 2, "backoff_s": 10, "then": "skip"})") + "]"));
  EXPECT_TRUE(has_diagnostic(d, "t.json:/steps/0/on_error/retry_limit", "applies only to actions \"retry\" and \"reroute\", not \"hold\""));
  EXPECT_TRUE(has_diagnostic(d, "t.json:/steps/0/on_error/backoff_s", "applies only to actions"));
  EXPECT_TRUE(has_diagnostic(d, "t.json:/steps/0/on_error/then", "applies only to actions"));
}

TEST(ErrorPolicyErrors, WrongTypesAndUnknownFields) {
  auto d = load_errors(protocol_json(
      "[" + step_json("a", R"("on_error": "retry")") + ", " +
      step_json("b", R"("on_error": {"action": "retry", "retry_limit": 1.5, "backoff_s": -3, "tries": 2})") + ", " +
      step_json("c", R"("on_error": {"then": "hold"})") + "]"));
  EXPECT_TRUE(has_diagnostic(d, "t.json:/steps/0/on_error", "must be an object"));
  EXPECT_TRUE(has_diagnostic(d, "t.json:/steps/1/on_error/retry_limit", "whole number of attempts, not 1.5"));
  EXPECT_TRUE(has_diagnostic(d, "t.json:/steps/1/on_error/backoff_s", "must not be negative"));
  EXPECT_TRUE(has_diagnostic(d, "t.json:/steps/1/on_error/tries", "unknown field 'tries' in error policy"));
  EXPECT_TRUE(has_diagnostic(d, "t.json:/steps/2/on_error", "missing required field 'action'"));
}

TEST(ErrorPolicyErrors, BadDefaults) {
  std::string steps = "[" + step_json("a") + "]";
  auto d = load_errors(with_defaults(R"({"on_error": {"action": "retry", "retry_limit": 2, "then": "retry"}, "duration": 5})", steps));
  EXPECT_TRUE(has_diagnostic(d, "t.json:/defaults/on_error/then", "cannot be \"retry\""));
  EXPECT_TRUE(has_diagnostic(d, "t.json:/defaults/duration", "unknown field 'duration' in defaults"));
  EXPECT_TRUE(has_diagnostic(load_errors(with_defaults("[]", steps)), "t.json:/defaults", "must be an object"));
}

TEST(ErrorPolicy, ShippedProtocolsRetrySamplesAndHoldInoculation) {
  for (const char* file : {"dbtl-quick.json", "dbtl-build-test.json", "dbtl-campaign.json"}) {
    SCOPED_TRACE(file);
    RunSpec run = load_protocol(foundry::testing::source_dir() + "/protocols/" + file).expand({}, "r");
    int samples = 0;
    for (const StepSpec& step : run.steps) {
      if (step.operation == "sample") {
        ++samples;
        EXPECT_EQ(step.on_error.action, ErrorAction::kRetry) << step.id;
        EXPECT_EQ(step.on_error.retry_limit, 2) << step.id;
        EXPECT_EQ(step.on_error.then, ErrorAction::kHold) << step.id;
      } else {
        EXPECT_EQ(step.on_error.action, ErrorAction::kHold) << step.id;
      }
    }
    EXPECT_GT(samples, 0);
  }
}

}  // namespace
}  // namespace foundry::testing
