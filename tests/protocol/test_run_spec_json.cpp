// RunSpec <-> JSON: a lossless round trip (the engine rebuilds runs from it after a crash), and
// bad input named by JSON pointer.
#include <foundry/protocol/protocol.hpp>
#include <foundry/protocol/run_spec_json.hpp>

#include "protocol_test_helpers.hpp"
#include "build_paths.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace foundry {

// Field-by-field equality, for the round trip (found by argument-dependent lookup, hence here).
bool operator==(const Dependency& a, const Dependency& b) {
  return a.step == b.step && a.from == b.from && a.min_lag_s == b.min_lag_s && a.max_lag_s == b.max_lag_s;
}
bool operator==(const ErrorPolicy& a, const ErrorPolicy& b) {
  return a.action == b.action && a.retry_limit == b.retry_limit && a.backoff_s == b.backoff_s && a.then == b.then;
}
bool operator==(const StepSpec& a, const StepSpec& b) {
  return a.id == b.id && a.operation == b.operation && a.device_type == b.device_type &&
         a.parameters_json == b.parameters_json && a.duration_s == b.duration_s && a.after == b.after &&
         a.on_error == b.on_error;
}
bool operator==(const RunSpec& a, const RunSpec& b) {
  return a.run_id == b.run_id && a.protocol == b.protocol && a.parameters == b.parameters &&
         a.priority == b.priority && a.release_s == b.release_s && a.deadline_s == b.deadline_s && a.steps == b.steps;
}

namespace {

using testing::diagnostics_of;
using testing::has_diagnostic;

// A run exercising every field with values that differ from the defaults.
RunSpec sample_run() {
  RunSpec run;
  run.run_id = "campaign-7/run-3";
  run.protocol = "dbtl-quick";
  run.parameters = {{"designs", R"([{"id":"d01","gc":0.5}])"}, {"culture_h", "24"}, {"note", R"("a \"quoted\" text")"}};
  run.priority = 5;
  run.release_s = 3600;
  run.deadline_s = 86400;
  StepSpec build{"d01/build", "transfer", "liquid_handler", R"({"volume_ul":12.5,"wells":["A1","B2"]})", 600, {}, {}};
  build.on_error = {ErrorAction::kHold, 0, 30, ErrorAction::kHold};
  StepSpec grow{"d01/grow", "cultivate", "bioreactor_250ml", "{}", 86400, {}, {}};
  grow.after.push_back({"d01/build", Anchor::kEnd, 0, 900});
  grow.on_error = {ErrorAction::kReroute, 0, 30, ErrorAction::kAbortSample};
  StepSpec sample{"d01/t1/sample", "sample", "bioreactor_250ml", R"({"volume_ml":1})", 60, {}, {}};
  sample.after.push_back({"d01/grow", Anchor::kStart, 3600, std::nullopt});
  sample.on_error = {ErrorAction::kRetry, 2, 12.5, ErrorAction::kAbortRun};
  run.steps = {build, grow, sample};
  return run;
}

TEST(RunSpecJson, RoundTripKeepsEveryField) {
  RunSpec run = sample_run();
  RunSpec back = run_spec_from_json(run_spec_to_json(run));
  EXPECT_TRUE(back == run) << run_spec_to_json(back, 2);
}

TEST(RunSpecJson, RoundTripOfEachErrorAction) {
  for (auto action : {ErrorAction::kRetry, ErrorAction::kReroute, ErrorAction::kHold, ErrorAction::kSkip,
                      ErrorAction::kAbortSample, ErrorAction::kAbortRun}) {
    RunSpec run = sample_run();
    run.steps[0].on_error.action = action;
    RunSpec back = run_spec_from_json(run_spec_to_json(run));
    EXPECT_EQ(back.steps[0].on_error.action, action) << error_action_name(action);
    EXPECT_EQ(parse_error_action(error_action_name(action)), action);
  }
  EXPECT_EQ(parse_error_action("retry_forever"), std::nullopt);
}

TEST(RunSpecJson, IndentedAndCompactReadTheSame) {
  RunSpec run = sample_run();
  EXPECT_TRUE(run_spec_from_json(run_spec_to_json(run, 2)) == run);
  EXPECT_NE(run_spec_to_json(run, 2), run_spec_to_json(run));
}

TEST(RunSpecJson, WritingIsStable) {
  std::string once = run_spec_to_json(sample_run());
  EXPECT_EQ(run_spec_to_json(run_spec_from_json(once)), once);
}

TEST(RunSpecJson, ExpandedShippedProtocolRoundTrips) {
  Protocol protocol = load_protocol(foundry::testing::source_dir() + "/protocols/dbtl-quick.json");
  RunSpec run = protocol.expand({}, "r1");
  ASSERT_FALSE(run.steps.empty());
  EXPECT_TRUE(run_spec_from_json(run_spec_to_json(run)) == run);
}

TEST(RunSpecJson, OptionalFieldsTakeTheirDefaults) {
  RunSpec run = run_spec_from_json(
      R"({"run_id": "r", "protocol": "p", "steps": [{"id": "a", "operation": "o", "device_type": "t", "duration_s": 5}]})");
  ASSERT_EQ(run.steps.size(), 1u);
  EXPECT_EQ(run.priority, 1);
  EXPECT_EQ(run.deadline_s, std::nullopt);
  EXPECT_EQ(run.steps[0].parameters_json, "{}");
  EXPECT_EQ(run.steps[0].on_error.action, ErrorAction::kHold);
}

TEST(RunSpecJson, ParameterTextThatIsNotJsonIsRefusedOnWrite) {
  RunSpec run = sample_run();
  run.steps[1].parameters_json = "{volume: 3";
  try {
    run_spec_to_json(run);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("step 'd01/grow'"), std::string::npos) << e.what();
  }
}

std::vector<Diagnostic> read_errors(const std::string& text) {
  return diagnostics_of([&] { run_spec_from_json(text, "runs.json"); });
}

std::string with_step(const std::string& step_members) {
  return R"({"run_id": "r", "protocol": "p", "steps": [{"id": "a", "operation": "o", "device_type": "t", "duration_s": 5)" +
         (step_members.empty() ? "" : ", " + step_members) + "}]}";
}

TEST(RunSpecJsonErrors, SyntaxErrorNamesLineAndColumn) {
  auto d = read_errors("{\n  \"run_id\": \"r\",\n  oops\n}");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].path, "runs.json:3:3");
}

TEST(RunSpecJsonErrors, MissingAndUnknownFields) {
  auto d = read_errors(R"({"protocol": "p", "colour": "red", "steps": [{"id": "a"}]})");
  EXPECT_TRUE(has_diagnostic(d, "runs.json", "missing required field 'run_id'"));
  EXPECT_TRUE(has_diagnostic(d, "runs.json:/colour", "unknown field 'colour'"));
  EXPECT_TRUE(has_diagnostic(d, "runs.json:/steps/0", "missing required field 'duration_s'"));
}

TEST(RunSpecJsonErrors, WrongTypes) {
  auto d = read_errors(R"({"run_id": 3, "protocol": "p", "priority": "high", "deadline_s": 1.5, "steps": {}})");
  EXPECT_TRUE(has_diagnostic(d, "runs.json:/run_id", "must be a string, not an integer"));
  EXPECT_TRUE(has_diagnostic(d, "runs.json:/priority", "must be a whole number"));
  EXPECT_TRUE(has_diagnostic(d, "runs.json:/deadline_s", "must be a whole number"));
  EXPECT_TRUE(has_diagnostic(d, "runs.json:/steps", "must be an array of steps"));
}

TEST(RunSpecJsonErrors, BadDependency) {
  auto d = read_errors(with_step(R"("after": [{"step": "zz", "from": "middle", "min_lag_s": 10, "max_lag_s": 5}])"));
  EXPECT_TRUE(has_diagnostic(d, "runs.json:/steps/0/after/0/step", "no step 'zz'"));
  EXPECT_TRUE(has_diagnostic(d, "runs.json:/steps/0/after/0/from", "\"end\" or \"start\""));
  EXPECT_TRUE(has_diagnostic(d, "runs.json:/steps/0/after/0/max_lag_s", "less than min_lag_s"));
}

TEST(RunSpecJsonErrors, DuplicateStepIdAndSelfDependency) {
  auto d = read_errors(R"({"run_id": "r", "protocol": "p", "steps": [
      {"id": "a", "operation": "o", "device_type": "t", "duration_s": 5, "after": [{"step": "a"}]},
      {"id": "a", "operation": "o", "device_type": "t", "duration_s": 5}]})");
  EXPECT_TRUE(has_diagnostic(d, "runs.json:/steps/1/id", "duplicate step id 'a'"));
  EXPECT_TRUE(has_diagnostic(d, "runs.json:/steps/0/after/0/step", "cannot depend on itself"));
}

TEST(RunSpecJsonErrors, BadErrorPolicy) {
  auto d = read_errors(with_step(R"("on_error": {"action": "pray", "retry_limit": -1, "backoff_s": "soon", "then": "retry", "x": 1})"));
  EXPECT_TRUE(has_diagnostic(d, "runs.json:/steps/0/on_error/action", "unknown action 'pray'"));
  EXPECT_TRUE(has_diagnostic(d, "runs.json:/steps/0/on_error/retry_limit", "must not be negative"));
  EXPECT_TRUE(has_diagnostic(d, "runs.json:/steps/0/on_error/backoff_s", "must be a number of seconds"));
  EXPECT_TRUE(has_diagnostic(d, "runs.json:/steps/0/on_error/then", "cannot be \"retry\""));
  EXPECT_TRUE(has_diagnostic(d, "runs.json:/steps/0/on_error/x", "unknown field 'x' in error policy"));
}

TEST(RunSpecJsonErrors, DurationBelowOneSecond) {
  auto d = read_errors(R"({"run_id": "r", "protocol": "p", "steps": [{"id": "a", "operation": "o", "device_type": "t", "duration_s": 0}]})");
  EXPECT_TRUE(has_diagnostic(d, "runs.json:/steps/0/duration_s", "at least 1 s"));
}

}  // namespace
}  // namespace foundry
