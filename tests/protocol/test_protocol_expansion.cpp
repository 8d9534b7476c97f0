// Expanding protocols into runs: repetition, ids, substitution, dependencies and lags, and the
// problems found only once parameter values are known.
#include "protocol_test_helpers.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace foundry::testing {
namespace {

using nlohmann::json;

const StepSpec& step(const RunSpec& run, const std::string& id) {
  auto it = std::find_if(run.steps.begin(), run.steps.end(), [&](const StepSpec& s) { return s.id == id; });
  if (it == run.steps.end()) throw std::runtime_error("no step " + id);
  return *it;
}

std::vector<std::string> ids(const RunSpec& run) {
  std::vector<std::string> out;
  for (const auto& s : run.steps) out.push_back(s.id);
  return out;
}

// A two-level protocol like the DBTL test phase: per design a cultivation, sampled n times.
const std::string kNested = protocol_json(R"([
  {"group": "${design.id}", "for_each": {"var": "design", "in": "${designs}"}, "steps": [
    {"id": "cultivate", "operation": "cultivate", "device_type": "bioreactor_250ml", "duration": "${hours * 3600}",
     "parameters": {"design": "${design}", "label": "${design.id}-${design.gene}"}},
    {"group": "t${i}", "repeat": {"var": "i", "from": 1, "to": "${hours / every}"}, "steps": [
      {"id": "sample", "operation": "sample", "device_type": "liquid_handler", "duration": 300,
       "parameters": {"sample": "${design.id}/t${i}", "culture_hours": "${i * every}"},
       "after": [{"step": "cultivate", "from": "start", "min_lag": "${i*every*3600 - 900}", "max_lag": "${i*every*3600 + 900}"}]},
      {"id": "read", "operation": "read_absorbance", "device_type": "plate_reader", "duration": 300,
       "after": [{"step": "sample", "max_lag": 600}]}
    ]},
    {"id": "analyse", "operation": "transfer", "device_type": "liquid_handler", "duration": 60, "after": ["read"]}
  ]}
])",
                                          R"({
  "designs": {"type": "array", "default": [{"id": "d01", "gene": "var3"}, {"id": "d02", "gene": "var1"}]},
  "hours": {"type": "integer", "default": 8, "minimum": 1},
  "every": {"type": "integer", "default": 2, "minimum": 1}})");

TEST(ProtocolExpansion, RepeatsPerListAndPerCount) {
  RunSpec run = parse(kNested).expand({}, "run-1");
  EXPECT_EQ(run.run_id, "run-1");
  EXPECT_EQ(run.protocol, "t");
  // Per design: cultivate + 4 x (sample, read) + analyse.
  ASSERT_EQ(run.steps.size(), 2u * (1 + 4 * 2 + 1));
  EXPECT_EQ(ids(run)[0], "d01/cultivate");
  EXPECT_EQ(ids(run)[1], "d01/t1/sample");
  EXPECT_EQ(ids(run)[2], "d01/t1/read");
  EXPECT_EQ(ids(run)[9], "d01/analyse");
  EXPECT_EQ(ids(run)[10], "d02/cultivate");
  EXPECT_EQ(step(run, "d02/cultivate").duration_s, 8 * 3600);
  EXPECT_EQ(step(run, "d02/cultivate").device_type, "bioreactor_250ml");
  EXPECT_EQ(step(run, "d02/cultivate").operation, "cultivate");
}

TEST(ProtocolExpansion, SubstitutesParametersWithTheirTypes) {
  RunSpec run = parse(kNested).expand({}, "r");
  json cultivate = json::parse(step(run, "d02/cultivate").parameters_json);
  EXPECT_EQ(cultivate["design"], json::parse(R"({"id": "d02", "gene": "var1"})"));  // a whole object
  EXPECT_EQ(cultivate["label"], "d02-var1");                                      // joined into text
  json sample = json::parse(step(run, "d01/t3/sample").parameters_json);
  EXPECT_EQ(sample["sample"], "d01/t3");
  EXPECT_EQ(sample["culture_hours"], 6);  // an integer, not "6"
  EXPECT_TRUE(sample["culture_hours"].is_number_integer());
  EXPECT_EQ(step(run, "d01/t1/read").parameters_json, "{}");
}

TEST(ProtocolExpansion, DependenciesReferToTheSameIterationOrAnEnclosingOne) {
  RunSpec run = parse(kNested).expand({}, "r");
  const StepSpec& sample = step(run, "d02/t3/sample");
  ASSERT_EQ(sample.after.size(), 1u);
  EXPECT_EQ(sample.after[0].step, "d02/cultivate");
  EXPECT_EQ(sample.after[0].from, Anchor::kStart);
  EXPECT_EQ(sample.after[0].min_lag_s, 3 * 2 * 3600 - 900);
  EXPECT_EQ(sample.after[0].max_lag_s, 3 * 2 * 3600 + 900);
  const StepSpec& read = step(run, "d02/t3/read");
  ASSERT_EQ(read.after.size(), 1u);
  EXPECT_EQ(read.after[0].step, "d02/t3/sample");
  EXPECT_EQ(read.after[0].from, Anchor::kEnd);
  EXPECT_EQ(read.after[0].min_lag_s, 0);
  EXPECT_EQ(read.after[0].max_lag_s, 600);
}

TEST(ProtocolExpansion, DependencyOnANestedGroupWaitsForEveryIteration) {
  RunSpec run = parse(kNested).expand({}, "r");
  const StepSpec& analyse = step(run, "d01/analyse");
  std::vector<std::string> predecessors;
  for (const auto& d : analyse.after) predecessors.push_back(d.step);
  EXPECT_EQ(predecessors, (std::vector<std::string>{"d01/t1/read", "d01/t2/read", "d01/t3/read", "d01/t4/read"}));
  EXPECT_FALSE(analyse.after[0].max_lag_s.has_value());
}

TEST(ProtocolExpansion, ParameterValuesChangeTheShape) {
  RunSpec run = parse(kNested).expand({{"designs", R"([{"id": "x", "gene": "g"}])"}, {"hours", "12"}, {"every", "4"}}, "r");
  EXPECT_EQ(run.steps.size(), 1u + 3 * 2 + 1);
  EXPECT_EQ(step(run, "x/cultivate").duration_s, 12 * 3600);
  EXPECT_EQ(step(run, "x/t3/sample").after[0].min_lag_s, 12 * 3600 - 900);
  EXPECT_EQ(run.parameters.at("hours"), "12");
  EXPECT_EQ(run.parameters.at("every"), "4");
  EXPECT_EQ(json::parse(run.parameters.at("designs")), json::parse(R"([{"id": "x", "gene": "g"}])"));
}

TEST(ProtocolExpansion, EmptyListGivesNoSteps) {
  RunSpec run = parse(kNested).expand({{"designs", "[]"}}, "r");
  EXPECT_TRUE(run.steps.empty());
}

TEST(ProtocolExpansion, ForEachOverALiteralListAndPlainGroups) {
  RunSpec run = parse(protocol_json(R"([
    {"group": "build", "steps": [
      {"group": "${s}", "for_each": {"var": "s", "in": ["A", "B"]}, "steps": [)" + step_json("mix") + R"(]}]},
    {"group": "test", "steps": [)" + step_json("go", R"("after": ["mix"])") + "]}]"))
                    .expand({}, "r");
  EXPECT_EQ(ids(run), (std::vector<std::string>{"build/A/mix", "build/B/mix", "test/go"}));
  ASSERT_EQ(step(run, "test/go").after.size(), 2u);
}

TEST(ProtocolExpansion, TemplateEscapeAndTextJoining) {
  RunSpec run = parse(protocol_json("[" + step_json("a", R"("parameters": {"t": "$${not} ${n}x${n * 2}", "f": "${n / 3}", "d": "${n * 0.5}", "neg": "${-(n - 10)}", "mod": "${n % 4}"})") + "]",
                                    R"({"n": {"type": "integer", "default": 7}})"))
                    .expand({}, "r");
  json p = json::parse(run.steps[0].parameters_json);
  EXPECT_EQ(p["t"], "${not} 7x14");
  EXPECT_EQ(p["f"], 2);  // integer division
  EXPECT_DOUBLE_EQ(p["d"].get<double>(), 3.5);
  EXPECT_EQ(p["neg"], 3);
  EXPECT_EQ(p["mod"], 3);
}

TEST(ProtocolExpansion, ArrayIndexAndNestedFields) {
  RunSpec run = parse(protocol_json("[" + step_json("a", R"("parameters": {"g": "${d[1].parts.rbs}"})") + "]",
                                    R"({"d": {"type": "array", "default": [{}, {"parts": {"rbs": "B0034"}}]}})"))
                    .expand({}, "r");
  EXPECT_EQ(json::parse(run.steps[0].parameters_json)["g"], "B0034");
}

TEST(ProtocolExpansion, DecimalDurationsRoundToSeconds) {
  RunSpec run = parse(protocol_json(R"([{"id": "a", "operation": "o", "device_type": "t", "duration": "${h * 3600}"}])",
                                    R"({"h": {"type": "number", "default": 0.25}})"))
                    .expand({{"h", "0.3333"}}, "r");
  EXPECT_EQ(run.steps[0].duration_s, 1200);  // 1199.88 s
}

// --- problems found at expansion ---------------------------------------------------------------

const std::string kRequired = protocol_json("[" + step_json("a", R"("parameters": {"v": "${n}"})") + "]",
                                            R"({"n": {"type": "integer", "minimum": 1, "maximum": 10}})");

TEST(ProtocolExpansionErrors, MissingParameterValue) {
  auto errors = expand_errors(kRequired, {});
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/parameters/n", "no value given for required parameter 'n' (integer)"));
}

TEST(ProtocolExpansionErrors, UnknownParameterValue) {
  auto errors = expand_errors(kRequired, {{"n", "2"}, {"m", "3"}});
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/parameters/m", "unknown parameter 'm' (this protocol declares: n)"));
}

TEST(ProtocolExpansionErrors, IllTypedParameterValue) {
  auto errors = expand_errors(kRequired, {{"n", "\"two\""}});
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/parameters/n", "value for parameter 'n' must be an integer, not a string"));
}

TEST(ProtocolExpansionErrors, ParameterValueOutOfRange) {
  EXPECT_TRUE(has_diagnostic(expand_errors(kRequired, {{"n", "0"}}), "t.json:/parameters/n", "must be at least 1, not 0"));
  EXPECT_TRUE(has_diagnostic(expand_errors(kRequired, {{"n", "11"}}), "t.json:/parameters/n", "must be at most 10, not 11"));
}

TEST(ProtocolExpansionErrors, ParameterValueNotJson) {
  auto errors = expand_errors(kRequired, {{"n", "[1,"}});
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/parameters/n", "is not valid JSON"));
}

TEST(ProtocolExpansionErrors, ExpressionFailsForTheseValues) {
  auto errors = expand_errors(kNested, {{"designs", R"([{"id": "d01", "gene": "g"}, {"name": "oops"}])"}});
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0/group", "'design' has no field 'id'"));
}

TEST(ProtocolExpansionErrors, DivisionByZero) {
  auto errors = expand_errors(kNested, {{"every", "0"}});  // caught by minimum first
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/parameters/every", "must be at least 1"));
  std::string text = protocol_json("[" + step_json("a", R"("parameters": {"v": "${10 / n}"})") + "]", R"({"n": {"type": "integer"}})");
  EXPECT_TRUE(has_diagnostic(expand_errors(text, {{"n", "0"}}), "t.json:/steps/0/parameters/v", "division by zero"));
}

TEST(ProtocolExpansionErrors, ArithmeticOnText) {
  std::string text = protocol_json("[" + step_json("a", R"("parameters": {"v": "${s * 2}"})") + "]", R"({"s": {"type": "string"}})");
  EXPECT_TRUE(has_diagnostic(expand_errors(text, {{"s", "\"x\""}}), "t.json:/steps/0/parameters/v",
                             "'s' is a string, not a number"));
}

TEST(ProtocolExpansionErrors, IntegerOverflow) {
  std::string text = protocol_json("[" + step_json("a", R"("parameters": {"v": "${n * n}"})") + "]", R"({"n": {"type": "integer"}})");
  EXPECT_TRUE(has_diagnostic(expand_errors(text, {{"n", "4000000000"}}), "t.json:/steps/0/parameters/v", "integer overflow"));
}

TEST(ProtocolExpansionErrors, ObjectInsideText) {
  std::string text = protocol_json("[" + step_json("a", R"("parameters": {"v": "id-${o}"})") + "]", R"({"o": {"type": "object"}})");
  EXPECT_TRUE(has_diagnostic(expand_errors(text, {{"o", "{}"}}), "t.json:/steps/0/parameters/v",
                             "'${o}' is an object, which cannot be placed inside text"));
}

TEST(ProtocolExpansionErrors, DuplicateStepIdsAfterExpansion) {
  auto errors = expand_errors(kNested, {{"designs", R"([{"id": "d01", "gene": "a"}, {"id": "d01", "gene": "b"}])"}});
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0/steps/0/id", "duplicate step id 'd01/cultivate' after expansion"));
}

TEST(ProtocolExpansionErrors, GroupIdWithSlash) {
  auto errors = expand_errors(kNested, {{"designs", R"([{"id": "a/b", "gene": "a"}])"}});
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0/group", "group id 'a/b' must not contain '/'"));
}

TEST(ProtocolExpansionErrors, ForEachOverANonArray) {
  std::string text = protocol_json(R"([{"group": "${x}", "for_each": {"var": "x", "in": "${n}"}, "steps": [)" + step_json("a") + "]}]",
                                   R"({"n": {"type": "integer"}})");
  EXPECT_TRUE(has_diagnostic(expand_errors(text, {{"n", "3"}}), "t.json:/steps/0/for_each/in",
                             "'in' must give an array to repeat over, not an integer"));
}

TEST(ProtocolExpansionErrors, HugeRepeatCountIsRefused) {
  std::string text = protocol_json(R"([{"group": "${i}", "repeat": {"var": "i", "to": "${n}"}, "steps": [)" + step_json("a") + "]}]",
                                   R"({"n": {"type": "integer"}})");
  EXPECT_TRUE(has_diagnostic(expand_errors(text, {{"n", "1000000000"}}), "t.json:/steps/0/repeat", "more than 100000 times"));
}

TEST(ProtocolExpansionErrors, LagsFromExpressionsAreChecked) {
  std::string text = protocol_json("[" + step_json("a") + "," +
                                       step_json("b", R"("after": [{"step": "a", "min_lag": "${lo}", "max_lag": "${hi}"}])") + "]",
                                   R"({"lo": {"type": "integer"}, "hi": {"type": "integer"}})");
  EXPECT_TRUE(has_diagnostic(expand_errors(text, {{"lo", "-5"}, {"hi", "10"}}), "t.json:/steps/1/after/0/min_lag",
                             "min_lag must not be negative (-5 s)"));
  EXPECT_TRUE(has_diagnostic(expand_errors(text, {{"lo", "50"}, {"hi", "10"}}), "t.json:/steps/1/after/0/max_lag",
                             "contradictory lags: max_lag 10 s is less than min_lag 50 s"));
}

TEST(ProtocolExpansionErrors, DurationFromExpressionBelowOneSecond) {
  std::string text = protocol_json(R"([{"id": "a", "operation": "o", "device_type": "t", "duration": "${h * 3600}"}])",
                                   R"({"h": {"type": "integer"}})");
  auto errors = expand_errors(text, {{"h", "0"}});
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0/duration", "duration must be at least 1 s, not 0 s"));
}

TEST(ProtocolExpansionErrors, LagCycleNamesStepsAndLags) {
  // The sample window is 3*every h +/- 15 min after the cultivation starts, but with a 3 h setup
  // before it chained from the cultivation's start the first sample cannot make it.
  std::string text = protocol_json(R"([
    {"id": "cultivate", "operation": "cultivate", "device_type": "bioreactor_250ml", "duration": 36000},
    {"id": "prepare", "operation": "transfer", "device_type": "liquid_handler", "duration": "${setup_s}",
     "after": [{"step": "cultivate", "from": "start"}]},
    {"id": "sample", "operation": "sample", "device_type": "liquid_handler", "duration": 300,
     "after": [{"step": "prepare"}, {"step": "cultivate", "from": "start", "min_lag": 2700, "max_lag": 4500}]}])",
                                   R"({"setup_s": {"type": "integer"}})");
  Protocol protocol = parse(text);
  EXPECT_NO_THROW(protocol.expand({{"setup_s", "3600"}}, "r"));
  auto errors = diagnostics_of([&] { protocol.expand({{"setup_s", "5400"}}, "r"); });
  ASSERT_EQ(errors.size(), 1u) << format_diagnostics(errors);
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/2/after/1/max_lag",
                             "'sample' must start within 4500 s of 'cultivate' start, but its predecessors need at least "
                             "5400 s ('prepare' starts at least 0 s after 'cultivate' starts; 'sample' starts at least 0 s "
                             "after 'prepare' ends ('prepare' takes 5400 s))"));
}

TEST(ProtocolExpansionErrors, EveryIterationsLagCycleIsReported) {
  std::string text = protocol_json(R"([{"group": "${x}", "for_each": {"var": "x", "in": ["a", "b", "c"]}, "steps": [
    {"id": "p", "operation": "o", "device_type": "t", "duration": "${d}"},
    {"id": "q", "operation": "o", "device_type": "t", "duration": 1, "after": [{"step": "p", "from": "start", "max_lag": 60}, "p"]}]}])",
                                   R"({"d": {"type": "integer"}})");
  auto errors = expand_errors(text, {{"d", "61"}});
  EXPECT_EQ(errors.size(), 3u) << format_diagnostics(errors);
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0/steps/1/after/0/max_lag", "'c/q' must start within 60 s of 'c/p' start"));
}

TEST(ProtocolExpansionErrors, SeveralMaxLagsInOneCycle) {
  // a -> b within 100 s, b -> c within 100 s, but c must start at least 500 s after a starts.
  std::string text = protocol_json(R"([
    {"id": "a", "operation": "o", "device_type": "t", "duration": 10},
    {"id": "b", "operation": "o", "device_type": "t", "duration": 10, "after": [{"step": "a", "max_lag": 100}]},
    {"id": "c", "operation": "o", "device_type": "t", "duration": 10,
     "after": [{"step": "b", "max_lag": "${m}"}, {"step": "a", "from": "start", "min_lag": 500}]}])",
                                   R"({"m": {"type": "integer"}})");
  auto errors = expand_errors(text, {{"m", "100"}});
  ASSERT_EQ(errors.size(), 1u) << format_diagnostics(errors);
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/1/after/0/max_lag", "lags cannot be kept together"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/1/after/0/max_lag", "'c' must start within 100 s of 'b' end"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/1/after/0/max_lag", "280 s more than the windows allow"));
}

}  // namespace
}  // namespace foundry::testing
