// `foundry plan` end to end: the real binary on problem files, its exit codes (0 planned,
// 2 usage, 3 bad input with every diagnostic, 4 infeasible with the reason) and its outputs
// (schedule JSON that the independent verifier accepts, SVG Gantt chart).
#include "schedule_verifier.hpp"
#include "build_paths.hpp"

#include <foundry/planner/problem_io.hpp>
#include <foundry/planner/schedule_io.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace foundry {
namespace {

namespace fs = std::filesystem;

struct Outcome {
  int code = -1;
  std::string out, err;
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class PlanCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("foundry_test_plan_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    ASSERT_TRUE(fs::exists(binary())) << binary() << " is missing: build the 'foundry' target first";
  }
  void TearDown() override { fs::remove_all(dir_); }

  static fs::path binary() { return foundry::testing::foundry_binary(); }

  fs::path write(const std::string& name, const std::string& content) {
    fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  // Runs `foundry plan <args>`, capturing stdout, stderr and the exit code.
  Outcome plan(const std::string& args) {
    fs::path out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
    std::string command = "'" + binary().string() + "' plan " + args + " >'" + out.string() + "' 2>'" + err.string() + "'";
    int status = std::system(command.c_str());
    Outcome outcome;
    outcome.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    outcome.out = slurp(out);
    outcome.err = slurp(err);
    return outcome;
  }

  fs::path dir_;
};

const char* kProblem = R"({"name": "two-cultivations",
 "devices": [{"id": "lh1", "type": "liquid_handler"}, {"id": "br", "type": "bioreactor", "capacity": 24}],
 "jobs": [
  {"id": "c1", "priority": 2, "steps": [
    {"id": "c1/inoculation", "type": "liquid_handler", "duration": 600},
    {"id": "c1/cultivation", "type": "bioreactor", "duration": 36000,
     "after": [{"step": "c1/inoculation", "max_lag": 900}]},
    {"id": "c1/sample", "type": "liquid_handler", "duration": 300,
     "after": [{"step": "c1/cultivation", "from": "start", "min_lag": 14400, "max_lag": 15300}]}]},
  {"id": "c2", "release": 300, "steps": [
    {"id": "c2/inoculation", "type": "liquid_handler", "duration": 600},
    {"id": "c2/cultivation", "type": "bioreactor", "duration": 36000,
     "after": [{"step": "c2/inoculation", "max_lag": 900}]}]}]})";

TEST_F(PlanCommand, WritesAVerifiedScheduleAndAGanttChart) {
  fs::path problem_file = write("problem.json", kProblem);
  fs::path out = dir_ / "schedule.json", svg = dir_ / "gantt.svg";
  Outcome r = plan("'" + problem_file.string() + "' --time-limit 0.2 --out '" + out.string() + "' --svg '" +
                   svg.string() + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("two-cultivations: 5 steps, 2 jobs, 2 devices"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("makespan"), std::string::npos) << r.out;

  planner::Problem problem = planner::read_problem_file(problem_file);
  planner::Schedule schedule = planner::read_schedule_json(problem, slurp(out), out.string());
  auto violations = testing::verify_schedule(problem, schedule);
  EXPECT_TRUE(violations.empty()) << testing::describe_violations(violations);
  EXPECT_EQ(schedule.objective, "weighted-completion");

  std::string chart = slurp(svg);
  EXPECT_EQ(chart.rfind("<svg", 0), 0u);
  EXPECT_NE(chart.find("c1/sample"), std::string::npos);
}

TEST_F(PlanCommand, WritesPureJsonToStdoutWithoutOut) {
  fs::path problem_file = write("problem.json", kProblem);
  Outcome r = plan("'" + problem_file.string() + "' --time-limit 0.1 --objective makespan --seed 3");
  ASSERT_EQ(r.code, 0) << r.err;
  nlohmann::json doc = nlohmann::json::parse(r.out);  // throws (fails the test) if not pure JSON
  EXPECT_EQ(doc["assignments"].size(), 5u);
  EXPECT_EQ(doc["objective"], "makespan");
  EXPECT_NE(r.err.find("makespan"), std::string::npos) << r.err;  // the summary
}

TEST_F(PlanCommand, ReadsBenchmarkFormatsWithTheirNames) {
  fs::path problem_file = write("tiny.txt", "2 2\n0 3 1 2\n1 4 0 1\n");
  Outcome r = plan("'" + problem_file.string() + "' --time-limit 0.1 --objective makespan");
  ASSERT_EQ(r.code, 0) << r.err;
  nlohmann::json doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["assignments"][0]["step"], "j0.o0");
  EXPECT_EQ(doc["assignments"][0]["device"], "m0");
  EXPECT_EQ(doc["assignments"][3]["step"], "j1.o1");
  EXPECT_EQ(doc["assignments"][3]["device"], "m0");
}

TEST_F(PlanCommand, BadInputExitsWith3AndEveryDiagnostic) {
  fs::path problem_file = write("bad.json", R"({"devices": [{"id": "lh1", "type": "lh"}],
    "jobs": [{"id": "j", "steps": [{"id": "a", "type": "lh", "duration": 0},
                                   {"id": "b", "type": "oven", "duration": 5}]}]})");
  Outcome r = plan("'" + problem_file.string() + "'");
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find(problem_file.string() + ":/jobs/0/steps/0/duration: must be at least 1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(problem_file.string() + ":/jobs/0/steps/1/type: no device has type 'oven'"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST_F(PlanCommand, AMissingFileIsBadInput) {
  Outcome r = plan("'" + (dir_ / "nope.json").string() + "'");
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find("cannot open the problem file"), std::string::npos) << r.err;
}

TEST_F(PlanCommand, InfeasibleExitsWith4AndTheReason) {
  fs::path problem_file = write("cycle.json", R"({"devices": [{"id": "lh1", "type": "lh"}],
    "jobs": [{"id": "j", "steps": [
      {"id": "a", "type": "lh", "duration": 10, "after": [{"step": "b", "min_lag": 5}]},
      {"id": "b", "type": "lh", "duration": 10, "after": [{"step": "a", "min_lag": 5}]}]}]})");
  Outcome r = plan("'" + problem_file.string() + "' --time-limit 0.1");
  EXPECT_EQ(r.code, 4);
  EXPECT_EQ(r.err.rfind("infeasible: ", 0), 0u) << r.err;
  EXPECT_GT(r.err.size(), std::string("infeasible: \n").size());
}

TEST_F(PlanCommand, AnUnknownObjectiveIsAUsageError) {
  fs::path problem_file = write("problem.json", kProblem);
  Outcome r = plan("'" + problem_file.string() + "' --objective fastest");
  EXPECT_EQ(r.code, 2);
}

}  // namespace
}  // namespace foundry
