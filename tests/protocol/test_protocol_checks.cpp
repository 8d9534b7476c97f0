// Every kind of bad protocol input found when loading, each with its path and reason.
#include "protocol_test_helpers.hpp"
#include "build_paths.hpp"

#include <foundry/model/workcell.hpp>

#include <filesystem>

namespace foundry::testing {
namespace {

TEST(ProtocolChecks, SyntaxErrorNamesLineAndColumn) {
  auto errors = load_errors("{\n  \"name\": \"t\",\n  \"version\": 1,,\n}");
  ASSERT_EQ(errors.size(), 1u);
  // The second ',' of line 3 (column 16) is where the parser gives up.
  EXPECT_TRUE(has_diagnostic(errors, "t.json:3:16", "JSON syntax error at line 3, column 16"));
}

TEST(ProtocolChecks, SyntaxErrorInFileNamesTheFile) {
  std::string file = foundry::testing::source_dir() + "/tests/data/protocols/syntax-error.json";
  auto errors = diagnostics_of([&] { load_protocol(file); });
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path.rfind(file + ":", 0), 0u) << errors[0].path;
  EXPECT_NE(errors[0].reason.find("JSON syntax error at line 5"), std::string::npos) << errors[0].reason;
}

TEST(ProtocolChecks, MissingFileIsReported) {
  auto errors = diagnostics_of([] { load_protocol("/nonexistent/p.json"); });
  EXPECT_TRUE(has_diagnostic(errors, "/nonexistent/p.json", "cannot read the protocol file"));
}

TEST(ProtocolChecks, DuplicateMember) {
  auto errors = load_errors(protocol_json("[" + step_json("a", R"("duration": 30)") + "]"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0/duration", "duplicate member 'duration'"));
}

TEST(ProtocolChecks, UnknownFieldAtTopLevel) {
  auto errors = load_errors(R"({"name": "t", "version": "1", "steps": [)" + step_json("a") + R"(], "stpes": []})");
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/stpes", "unknown field 'stpes' in protocol"));
}

TEST(ProtocolChecks, UnknownFieldInStep) {
  auto errors = load_errors(protocol_json("[" + step_json("a", R"("durration": 5)") + "]"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0/durration", "unknown field 'durration' in step"));
}

TEST(ProtocolChecks, UnknownFieldInDependency) {
  auto errors = load_errors(protocol_json(
      "[" + step_json("a") + "," + step_json("b", R"("after": [{"step": "a", "max_lag_s": 60}])") + "]"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/1/after/0/max_lag_s", "unknown field 'max_lag_s' in dependency"));
}

TEST(ProtocolChecks, UnknownFieldInParameterSpec) {
  auto errors = load_errors(
      protocol_json("[" + step_json("a") + "]", R"({"n": {"type": "integer", "default": 1, "units": "h"}})"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/parameters/n/units", "unknown field 'units' in parameter"));
}

TEST(ProtocolChecks, UnknownFieldInGroup) {
  auto errors = load_errors(protocol_json(R"([{"group": "g", "repeats": 3, "steps": [)" + step_json("a") + "]}]"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0/repeats", "unknown field 'repeats' in group"));
}

TEST(ProtocolChecks, MissingRequiredFields) {
  auto errors = load_errors(R"({"name": "t", "version": "1", "steps": [{"id": "a", "operation": "transfer"}]})");
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0", "missing required field 'device_type' in step"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0", "missing required field 'duration' in step"));
  auto top = load_errors(R"({"name": "t", "steps": [)" + step_json("a") + "]}");
  EXPECT_TRUE(has_diagnostic(top, "t.json", "missing required field 'version' in protocol"));
}

TEST(ProtocolChecks, WrongTypes) {
  auto errors = load_errors(R"({"name": 5, "version": "1", "steps": [)" +
                            step_json("a", R"("parameters": [1], "after": {"step": "x"})") + "]}");
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/name", "must be a string, not an integer"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0/parameters", "must be an object, not an array"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0/after", "must be an array of dependencies, not an object"));
}

TEST(ProtocolChecks, UnknownParameterType) {
  auto errors = load_errors(protocol_json("[" + step_json("a") + "]", R"({"n": {"type": "int"}})"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/parameters/n/type", "unknown parameter type 'int'"));
}

TEST(ProtocolChecks, IllTypedDefault) {
  auto errors = load_errors(protocol_json("[" + step_json("a") + "]", R"({"n": {"type": "integer", "default": "4"}})"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/parameters/n/default", "default must be an integer, not a string"));
}

TEST(ProtocolChecks, UnknownStepInDependency) {
  auto errors = load_errors(protocol_json("[" + step_json("a") + "," + step_json("b", R"("after": [{"step": "c"}])") + "]"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/1/after/0/step", "unknown step 'c'"));
}

TEST(ProtocolChecks, AmbiguousDependency) {
  auto errors = load_errors(protocol_json(R"([{"group": "g", "steps": [)" + step_json("a") +
                                          R"(]}, {"group": "h", "steps": [)" + step_json("a") + "]}," +
                                          step_json("b", R"("after": ["a"])") + "]"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/2/after/0", "step 'a' is ambiguous here"));
}

TEST(ProtocolChecks, DuplicateStepIdInOneGroup) {
  auto errors = load_errors(protocol_json("[" + step_json("a") + "," + step_json("a") + "]"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/1/id", "duplicate step id 'a' (also at /steps/0)"));
}

TEST(ProtocolChecks, StepIdWithSlash) {
  auto errors = load_errors(protocol_json("[" + step_json("a/b") + "]"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0/id", "may contain only letters"));
}

TEST(ProtocolChecks, DependencyCycleIsNamed) {
  auto errors = load_errors(protocol_json("[" + step_json("a", R"("after": ["c"])") + "," +
                                          step_json("b", R"("after": ["a"])") + "," +
                                          step_json("c", R"("after": [{"step": "b"}])") + "]"));
  ASSERT_EQ(errors.size(), 1u) << format_diagnostics(errors);
  // Named in the order the steps would have to run, at the dependency that closes the cycle.
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/1/after/0", "dependency cycle: 'b' -> 'c' -> 'a' -> 'b'"));
}

TEST(ProtocolChecks, SelfDependency) {
  auto errors = load_errors(protocol_json("[" + step_json("a", R"("after": ["a"])") + "]"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0/after/0", "depends on itself"));
}

TEST(ProtocolChecks, NegativeLags) {
  auto errors = load_errors(protocol_json(
      "[" + step_json("a") + "," + step_json("b", R"("after": [{"step": "a", "min_lag": -60, "max_lag": -1}])") + "]"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/1/after/0/min_lag", "min_lag must not be negative (-60 s)"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/1/after/0/max_lag", "max_lag must not be negative (-1 s)"));
}

TEST(ProtocolChecks, ContradictoryLags) {
  auto errors = load_errors(protocol_json(
      "[" + step_json("a") + "," + step_json("b", R"("after": [{"step": "a", "min_lag": 600, "max_lag": 300}])") + "]"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/1/after/0/max_lag",
                             "contradictory lags: max_lag 300 s is less than min_lag 600 s"));
}

TEST(ProtocolChecks, DurationBelowOneSecond) {
  auto errors = load_errors(protocol_json(R"([{"id": "a", "operation": "transfer", "device_type": "liquid_handler", "duration": 0}])"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0/duration", "duration must be at least 1 s, not 0 s"));
}

TEST(ProtocolChecks, FractionalOrTextDuration) {
  auto errors = load_errors(protocol_json(
      R"([{"id": "a", "operation": "transfer", "device_type": "liquid_handler", "duration": 1.5},
          {"id": "b", "operation": "transfer", "device_type": "liquid_handler", "duration": "20 min"}])"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0/duration", "must be a whole number of seconds, not 1.5"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/1/duration", "not the text '20 min'"));
}

TEST(ProtocolChecks, UnknownNameInExpression) {
  auto errors = load_errors(protocol_json("[" + step_json("a", R"("parameters": {"x": "${volume * 2}"})") + "]",
                                          R"({"n": {"type": "integer", "default": 1}})"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0/parameters/x", "unknown name 'volume' in '${volume * 2}' (known here: n)"));
}

TEST(ProtocolChecks, LoopVariableIsNotVisibleOutsideItsGroup) {
  auto errors = load_errors(protocol_json(R"([{"group": "g${i}", "repeat": {"var": "i", "to": 2}, "steps": [)" +
                                          step_json("a") + "]}," + step_json("b", R"("parameters": {"x": "${i}"})") + "]"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/1/parameters/x", "unknown name 'i'"));
}

TEST(ProtocolChecks, BadExpressionSyntax) {
  auto errors = load_errors(protocol_json("[" + step_json("a", R"("parameters": {"x": "${1 +}", "y": "${1"})") + "]"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0/parameters/x", "bad expression: expected a number, a name or '('"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0/parameters/y", "has no closing '}'"));
}

TEST(ProtocolChecks, LoopVariableMayNotHideAParameter) {
  auto errors = load_errors(protocol_json(R"([{"group": "g${n}", "repeat": {"var": "n", "to": 2}, "steps": [)" +
                                              step_json("a") + "]}]",
                                          R"({"n": {"type": "integer", "default": 1}})"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0/repeat/var", "loop variable 'n' hides a parameter"));
}

TEST(ProtocolChecks, BothRepetitionKinds) {
  auto errors = load_errors(protocol_json(
      R"([{"group": "g${i}", "repeat": {"var": "i", "to": 2}, "for_each": {"var": "j", "in": [1]}, "steps": [)" +
      step_json("a") + "]}]"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0", "either 'for_each'"));
}

TEST(ProtocolChecks, LagCycleFoundWithDefaults) {
  // b must start within 300 s of a's start, but it must also wait for a to end (600 s).
  auto errors = load_errors(protocol_json(R"([{"id": "a", "operation": "transfer", "device_type": "liquid_handler",
       "duration": 600},)" +
                                          step_json("b", R"("after": [{"step": "a"}, {"step": "a", "from": "start", "max_lag": 300}])") +
                                          "]"));
  ASSERT_EQ(errors.size(), 1u) << format_diagnostics(errors);
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/1/after/1/max_lag",
                             "'b' must start within 300 s of 'a' start, but its predecessors need at least 600 s"));
}

TEST(ProtocolChecks, EveryProblemIsReported) {
  auto errors = load_errors(R"({"name": "t", "version": "1", "colour": "red", "steps": [
      {"id": "a", "operation": "transfer", "device_type": "liquid_handler", "duration": 0, "after": ["zz"]},
      {"id": "b", "id": "c", "operation": "transfer", "device_type": "liquid_handler", "duration": 1}]})");
  EXPECT_EQ(errors.size(), 4u) << format_diagnostics(errors);
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/colour", "unknown field"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0/duration", "at least 1 s"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0/after/0", "unknown step 'zz'"));
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/1/id", "duplicate member 'id'"));
}

class ProtocolWorkcellChecks : public ::testing::Test {
 protected:
  Workcell workcell = parse_workcell(R"({"name": "w", "devices": [
      {"id": "lh1", "type": "liquid_handler", "capacity": 1, "operations": ["transfer", "sample"],
       "driver": {"plugin": "p", "model": "m"}},
      {"id": "pr1", "type": "plate_reader", "capacity": 1, "operations": ["read_absorbance"],
       "driver": {"plugin": "p", "model": "m"}}]})",
                                     "w.json");
};

TEST_F(ProtocolWorkcellChecks, UnknownDeviceType) {
  std::string text = protocol_json(R"([{"id": "a", "operation": "cultivate", "device_type": "bioreactor_250ml", "duration": 60}])");
  auto errors = diagnostics_of([&] { parse_protocol(text, "t.json", &workcell); });
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0/device_type",
                             "unknown device type 'bioreactor_250ml': the workcell has no such device (it has: liquid_handler, plate_reader)"));
  EXPECT_NO_THROW(parse_protocol(text, "t.json"));  // without a workcell, types are not checked
}

TEST_F(ProtocolWorkcellChecks, UnknownOperation) {
  std::string text = protocol_json(R"([{"id": "a", "operation": "read_fluorescence", "device_type": "plate_reader", "duration": 60}])");
  auto errors = diagnostics_of([&] { parse_protocol(text, "t.json", &workcell); });
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0/operation",
                             "no plate_reader in the workcell offers operation 'read_fluorescence' (they offer: read_absorbance)"));
}

TEST_F(ProtocolWorkcellChecks, TemplatedDeviceTypeIsCheckedAtExpansion) {
  std::string text = protocol_json(R"([{"id": "a", "operation": "transfer", "device_type": "${kind}", "duration": 60}])",
                                   R"({"kind": {"type": "string"}})");
  Protocol protocol = parse_protocol(text, "t.json", &workcell);
  EXPECT_EQ(protocol.expand({{"kind", "\"liquid_handler\""}}, "r").steps.at(0).device_type, "liquid_handler");
  auto errors = diagnostics_of([&] { protocol.expand({{"kind", "\"centrifuge\""}}, "r"); });
  EXPECT_TRUE(has_diagnostic(errors, "t.json:/steps/0/device_type", "unknown device type 'centrifuge'"));
}

}  // namespace
}  // namespace foundry::testing

namespace foundry::testing {
namespace {

// The schema and the loader enforce the same structural rules: every file the schema rejects
// (tests/data/protocols/schema-invalid, checked by the protocol_schema test) the loader rejects too.
TEST(ProtocolChecks, LoaderRejectsEveryFileTheSchemaRejects) {
  std::filesystem::path folder = std::filesystem::path(foundry::testing::source_dir()) / "tests/data/protocols/schema-invalid";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    SCOPED_TRACE(entry.path().string());
    ++count;
    auto errors = diagnostics_of([&] { load_protocol(entry.path()); });
    EXPECT_FALSE(errors.empty());
  }
  EXPECT_GE(count, 10);
}

}  // namespace
}  // namespace foundry::testing

namespace foundry::testing {
namespace {

TEST(ProtocolChecks, DeepNestingIsRefusedNotRecursedInto) {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto errors = load_errors(protocol_json("[" + step_json("a", R"("parameters": {"x": )" + deep + "}") + "]"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].reason, "nested deeper than 64 levels");
  EXPECT_EQ(errors[0].path.rfind("t.json:/steps/0/parameters/x/0/0/", 0), 0u) << errors[0].path;
}

}  // namespace
}  // namespace foundry::testing
