// The neutral planning-problem JSON reader and writer: defaults, cross-job predecessors, the
// extensions, and one test per kind of bad input, each asserting the JSON pointer and reason.
#include "problem_generator.hpp"

#include <foundry/model/diagnostic.hpp>
#include <foundry/planner/problem_io.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace foundry::planner {
namespace {

// The example of planning-problem.md.
const char* kExample = R"({"name": "example",
 "devices": [{"id": "lh1", "type": "liquid_handler", "capacity": 1},
             {"id": "br250", "type": "bioreactor_250ml", "capacity": 24}],
 "jobs": [{"id": "cult-004", "priority": 3, "release": 7200, "deadline": 180000,
           "steps": [
             {"id": "cult-004/inoculation", "type": "liquid_handler", "duration": 1260, "after": []},
             {"id": "cult-004/cultivation", "type": "bioreactor_250ml", "duration": 111600,
              "after": [{"step": "cult-004/inoculation", "from": "end", "min_lag": 0, "max_lag": 1800}]},
             {"id": "cult-004/sample-1", "type": "liquid_handler", "duration": 420,
              "after": [{"step": "cult-004/cultivation", "from": "start", "min_lag": 13500, "max_lag": 15300}]}]}]})";

// A problem with one device and one job whose steps are given as JSON text.
std::string with_steps(const std::string& steps) {
  return R"({"devices": [{"id": "lh1", "type": "lh"}], "jobs": [{"id": "j", "steps": [)" + steps + "]}]}";
}

// The diagnostics of reading `text`; fails the test when it reads without error.
std::vector<Diagnostic> errors_of(const std::string& text) {
  try {
    read_neutral_json(text, "p.json");
  } catch (const InputError& e) {
    return e.diagnostics();
  }
  ADD_FAILURE() << "expected an InputError for: " << text;
  return {};
}

// True when some diagnostic has exactly `path` and a reason containing `words`.
::testing::AssertionResult has_error(const std::vector<Diagnostic>& diagnostics, const std::string& path,
                                     const std::string& words) {
  for (const auto& d : diagnostics)
    if (d.path == path && d.reason.find(words) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "no diagnostic '" << path << ": ..." << words << "...' in:\n"
                                       << format_diagnostics(diagnostics);
}

TEST(NeutralJson, ReadsTheDocumentedExample) {
  Problem p = read_neutral_json(kExample, "example.json");
  EXPECT_EQ(p.name, "example");
  ASSERT_EQ(p.devices.size(), 2u);
  EXPECT_EQ(p.devices[1].id, "br250");
  EXPECT_EQ(p.devices[1].capacity, 24);
  ASSERT_EQ(p.jobs.size(), 1u);
  EXPECT_EQ(p.jobs[0].priority, 3);
  EXPECT_EQ(p.jobs[0].release, 7200);
  EXPECT_EQ(p.jobs[0].deadline, 180000);
  ASSERT_EQ(p.steps.size(), 3u);
  EXPECT_EQ(p.jobs[0].steps, (std::vector<std::size_t>{0, 1, 2}));
  const Step& sample = p.steps[2];
  EXPECT_EQ(sample.type, "liquid_handler");
  EXPECT_EQ(sample.duration, 420);
  ASSERT_EQ(sample.after.size(), 1u);
  EXPECT_EQ(sample.after[0].pred, 1u);
  EXPECT_EQ(sample.after[0].from, LagFrom::kStart);
  EXPECT_EQ(sample.after[0].min_lag, 13500);
  EXPECT_EQ(sample.after[0].max_lag, 15300);
}

TEST(NeutralJson, AppliesTheDocumentedDefaults) {
  Problem p = read_neutral_json(
      with_steps(R"({"id": "a", "type": "lh", "duration": 5},
                    {"id": "b", "type": "lh", "duration": 6, "after": [{"step": "a"}]})"),
      "dir/defaults.json");
  EXPECT_EQ(p.name, "defaults");  // no "name": the file name
  EXPECT_EQ(p.devices[0].capacity, 1);
  EXPECT_EQ(p.jobs[0].priority, 1);
  EXPECT_EQ(p.jobs[0].release, 0);
  EXPECT_FALSE(p.jobs[0].deadline.has_value());
  EXPECT_TRUE(p.steps[0].after.empty());
  const Lag& lag = p.steps[1].after.at(0);
  EXPECT_EQ(lag.from, LagFrom::kEnd);
  EXPECT_EQ(lag.min_lag, 0);
  EXPECT_FALSE(lag.max_lag.has_value());
}

TEST(NeutralJson, IgnoresUnknownKeysAndAcceptsPredecessorsInOtherJobs) {
  Problem p = read_neutral_json(R"({"devices": [{"id": "lh1", "type": "lh", "colour": "red"}],
    "comment": "ignored", "jobs": [
      {"id": "j1", "steps": [{"id": "x", "type": "lh", "duration": 1, "note": 1,
                              "after": [{"step": "y", "min_lag": 5, "why": "cross-job"}]}]},
      {"id": "j2", "deadline": null, "steps": [{"id": "y", "type": "lh", "duration": 1}]}]})",
                                "p.json");
  ASSERT_EQ(p.steps.size(), 2u);
  EXPECT_EQ(p.steps[0].after.at(0).pred, 1u);
  EXPECT_EQ(p.steps[0].after.at(0).min_lag, 5);
  EXPECT_EQ(p.steps[1].job, 1u);
}

TEST(NeutralJson, RejectsAnUnknownPredecessor) {
  auto e = errors_of(with_steps(R"({"id": "a", "type": "lh", "duration": 5, "after": [{"step": "nope"}]})"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/steps/0/after/0/step", "no step has id 'nope'"));
}

TEST(NeutralJson, RejectsAStepAfterItself) {
  auto e = errors_of(with_steps(R"({"id": "a", "type": "lh", "duration": 5, "after": [{"step": "a"}]})"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/steps/0/after/0/step", "cannot come after itself"));
}

TEST(NeutralJson, RejectsAnUnknownDeviceType) {
  auto e = errors_of(with_steps(R"({"id": "a", "type": "centrifuge", "duration": 5})"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/steps/0/type", "no device has type 'centrifuge'"));
}

TEST(NeutralJson, RejectsADurationBelowOne) {
  auto e = errors_of(with_steps(R"({"id": "a", "type": "lh", "duration": 0})"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/steps/0/duration", "at least 1"));
}

TEST(NeutralJson, ReadsAStepReleaseAndRejectsANegativeOne) {
  Problem p = read_neutral_json(with_steps(R"({"id": "a", "type": "lh", "duration": 5, "release": 90}, {"id": "b", "type": "lh", "duration": 5})"),
                                "p.json");
  EXPECT_EQ(p.steps[0].release, 90);
  EXPECT_EQ(p.steps[1].release, 0);
  EXPECT_EQ(read_neutral_json(write_problem_json(p), "again.json").steps[0].release, 90) << "written back";
  auto e = errors_of(with_steps(R"({"id": "a", "type": "lh", "duration": 5, "release": -1})"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/steps/0/release", "")) << "a negative release";
}

TEST(NeutralJson, RejectsAMissingDuration) {
  auto e = errors_of(with_steps(R"({"id": "a", "type": "lh"})"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/steps/0/duration", "is required"));
}

TEST(NeutralJson, RejectsAMaxLagBelowTheMinLag) {
  auto e = errors_of(with_steps(R"({"id": "a", "type": "lh", "duration": 5},
      {"id": "b", "type": "lh", "duration": 5, "after": [{"step": "a", "min_lag": 60, "max_lag": 30}]})"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/steps/1/after/0/max_lag", "max_lag 30 is less than min_lag 60"));
}

TEST(NeutralJson, RejectsNegativeLags) {
  auto e = errors_of(with_steps(R"({"id": "a", "type": "lh", "duration": 5},
      {"id": "b", "type": "lh", "duration": 5, "after": [{"step": "a", "min_lag": -1}]},
      {"id": "c", "type": "lh", "duration": 5, "after": [{"step": "a", "max_lag": -5}]})"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/steps/1/after/0/min_lag", "negative lag"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/steps/2/after/0/max_lag", "negative lag"));
}

TEST(NeutralJson, RejectsDuplicateIds) {
  auto e = errors_of(R"({"devices": [{"id": "lh1", "type": "lh"}, {"id": "lh1", "type": "lh"}],
    "jobs": [{"id": "j", "steps": [{"id": "a", "type": "lh", "duration": 1}]},
             {"id": "j", "steps": [{"id": "a", "type": "lh", "duration": 1}]}]})");
  EXPECT_TRUE(has_error(e, "p.json:/devices/1/id", "duplicate device id 'lh1'"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/1/id", "duplicate job id 'j'"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/1/steps/0/id", "duplicate step id 'a'"));
}

TEST(NeutralJson, RejectsValuesOfTheWrongType) {
  auto e = errors_of(R"({"name": 7, "devices": [{"id": "lh1", "type": "lh", "capacity": 1.5}],
    "jobs": [{"id": "j", "priority": "high", "release": -1, "steps": [
      {"id": "a", "type": "lh", "duration": "10"},
      {"id": "b", "type": ["lh"], "duration": 1, "after": [{"step": "a", "from": "middle"}]},
      {"id": "c", "type": "lh", "duration": 1, "after": {"step": "a"}}, 5]}]})");
  EXPECT_TRUE(has_error(e, "p.json:/name", "must be a string"));
  EXPECT_TRUE(has_error(e, "p.json:/devices/0/capacity", "must be an integer"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/priority", "must be an integer"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/release", "at least 0"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/steps/0/duration", "must be an integer"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/steps/1/type", "must be a non-empty string"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/steps/1/after/0/from", "\"end\" or \"start\""));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/steps/2/after", "must be an array"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/steps/3", "must be a JSON object"));
}

TEST(NeutralJson, RejectsMissingSections) {
  auto e = errors_of(R"({"jobs": [{"id": "j", "steps": []}]})");
  EXPECT_TRUE(has_error(e, "p.json:/devices", "must be an array"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/steps", "non-empty array"));
  EXPECT_TRUE(has_error(errors_of("[1, 2]"), "p.json:", "must be a JSON object"));
}

TEST(NeutralJson, ReportsASyntaxErrorWithLineAndColumn) {
  auto e = errors_of("{\"devices\": [],\n  \"jobs\": [,]}");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].path, "p.json:2:12");
  EXPECT_NE(e[0].reason.find("JSON syntax error"), std::string::npos);
}

TEST(NeutralJson, ReadsTheExtensions) {
  Problem p = read_neutral_json(R"({"devices": [
      {"id": "m1", "type": "mill"}, {"id": "m2", "type": "mill"},
      {"id": "arm", "type": "robot_arm", "downtimes": [{"from": 100, "to": 200}, {"from": 900, "to": null}]},
      {"id": "nest", "type": "nest", "capacity": 4}],
    "jobs": [{"id": "j", "steps": [
      {"id": "a", "alternatives": [{"device": "m2", "duration": 7}, {"device": "m1", "duration": 4}]},
      {"id": "b", "duration": 3, "demands": [{"device": "arm"}, {"device": "nest", "amount": 2}],
       "after": [{"step": "a"}], "frozen": {"start": 40}},
      {"id": "c", "duration": 0, "demands": []},
      {"id": "d", "type": "mill", "duration": 2, "frozen": {"start": 0, "device": "m2", "unit": 0}}]}]})",
                                "x.json");
  const Step& a = p.steps[0];
  ASSERT_EQ(a.alternatives.size(), 2u);
  EXPECT_EQ(a.alternatives[0].device, 1u);
  EXPECT_EQ(a.alternatives[0].duration, 7);
  EXPECT_EQ(a.duration, 4);  // the shortest, for information
  const Step& b = p.steps[1];
  ASSERT_EQ(b.demands.size(), 2u);
  EXPECT_EQ(b.demands[0].device, 2u);
  EXPECT_EQ(b.demands[0].amount, 1);
  EXPECT_EQ(b.demands[1].amount, 2);
  ASSERT_TRUE(b.frozen.has_value());
  EXPECT_EQ(b.frozen->start, 40);
  EXPECT_EQ(b.frozen->device, kNoDevice);
  EXPECT_TRUE(p.steps[2].demands.empty());
  EXPECT_TRUE(p.steps[2].type.empty());
  EXPECT_EQ(p.steps[2].duration, 0);
  EXPECT_EQ(p.steps[3].frozen->device, 1u);
  ASSERT_EQ(p.devices[2].downtimes.size(), 2u);
  EXPECT_EQ(p.devices[2].downtimes[0].to, 200);
  EXPECT_EQ(p.devices[2].downtimes[1].to, kForever);
}

TEST(NeutralJson, RejectsBadExtensions) {
  auto e = errors_of(R"({"devices": [{"id": "m1", "type": "mill", "downtimes": [{"from": 50, "to": 10}]},
                                     {"id": "nest", "type": "nest", "capacity": 2}],
    "jobs": [{"id": "j", "steps": [
      {"id": "a", "alternatives": [{"device": "m9", "duration": 7}, {"device": "m1", "duration": 0}]},
      {"id": "b", "type": "mill", "duration": 3, "demands": [{"device": "nest", "amount": 3}]},
      {"id": "c", "alternatives": []},
      {"id": "d", "type": "mill", "duration": 1, "frozen": {"device": "m1", "unit": 1}}]}]})");
  EXPECT_TRUE(has_error(e, "p.json:/devices/0/downtimes/0/to", "must be after"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/steps/0/alternatives/0/device", "no device has id 'm9'"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/steps/0/alternatives/1/duration", "at least 1"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/steps/1/type", "not a type"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/steps/1/demands/0/amount", "has only 2"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/steps/2/alternatives", "non-empty array"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/steps/3/frozen/start", "is required"));
  EXPECT_TRUE(has_error(e, "p.json:/jobs/0/steps/3/frozen/unit", "below the device's capacity"));
}

TEST(NeutralJson, CollectsEveryErrorNotJustTheFirst) {
  auto e = errors_of(with_steps(R"({"id": "a", "type": "x", "duration": 0},
                                   {"id": "b", "type": "lh", "duration": 1, "after": [{"step": "zz"}]})"));
  EXPECT_EQ(e.size(), 3u) << format_diagnostics(e);
}

TEST(NeutralJson, WriterOutputReadsBackTheSameProblem) {
  testing::LabProblemOptions options;
  options.demands = true;
  options.downtimes = true;
  Problem original = testing::generate_lab_problem(11, options);
  original.steps[0].frozen = Frozen{0, 0, 0};  // the first step is a liquid-handler step; lh1 is device 0
  std::string text = write_problem_json(original);
  Problem again = read_neutral_json(text, "again.json");
  EXPECT_EQ(write_problem_json(again), text);
  ASSERT_EQ(again.steps.size(), original.steps.size());
  for (std::size_t i = 0; i < again.steps.size(); ++i) {
    EXPECT_EQ(again.steps[i].id, original.steps[i].id);
    EXPECT_EQ(again.steps[i].duration, original.steps[i].duration);
    EXPECT_EQ(again.steps[i].after.size(), original.steps[i].after.size());
    EXPECT_EQ(again.steps[i].demands.size(), original.steps[i].demands.size());
  }
}

TEST(ProblemFile, ReportsAMissingFileAndADirectory) {
  try {
    read_problem_file("/nonexistent/problem.json");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.diagnostics().at(0).path, "/nonexistent/problem.json");
    EXPECT_NE(e.diagnostics().at(0).reason.find("cannot open"), std::string::npos);
  }
  EXPECT_THROW(read_problem_file(std::filesystem::temp_directory_path()), InputError);
}

TEST(ProblemFile, ReadsJsonFromAFile) {
  auto path = std::filesystem::temp_directory_path() / "foundry_test_problem_io_example.json";
  std::ofstream(path) << kExample;
  Problem p = read_problem_file(path);
  std::filesystem::remove(path);
  EXPECT_EQ(p.steps.size(), 3u);
}

}  // namespace
}  // namespace foundry::planner
