// `foundry demo` end to end with small settings: a real foundryd in virtual time, the Python lab
// side, the report. What the campaign did is checked in its database, not in the printed text:
// every cycle ran, the injected fault was recorded and recovered by policy, the cell-culture
// maintenance kept its windows, the robot arm, the 1 L array and the culture station worked.
// Then: progress on a terminal, Ctrl-C stopping foundryd cleanly, and bad arguments.
#include "command_runner.hpp"
#include "pty_runner.hpp"

#include <foundry/store/store.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

namespace foundry {
namespace {

namespace fs = std::filesystem;
using testing::foundry_binary;
using testing::run_command;
using testing::shell_quote;

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("foundry-demo-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

class DemoCommand : public ::testing::Test {
 protected:
  static constexpr int kCycles = 2;
  static constexpr int kBatch = 4;

  // One demo for the suite: it is the expensive part.
  static void SetUpTestSuite() {
    out_ = new fs::path(fresh_dir("campaign") / "demo");
    // What an earlier demo left (scripts/demo.sh wrote these before `foundry demo` existed): a
    // rerun empties the folder instead of refusing it, and a stale database is not reused.
    fs::create_directories(*out_);
    std::ofstream(*out_ / "campaign.db") << "not a database\n";
    std::ofstream(*out_ / "foundryd.log") << "an earlier run\n";
    result_ = new testing::CommandResult(run_command(foundry_binary() + " demo --cycles " + std::to_string(kCycles) +
                                                     " --batch " + std::to_string(kBatch) + " --scale-up 1 --out " +
                                                     shell_quote(out_->string())));
  }
  static void TearDownTestSuite() {
    fs::remove_all(out_->parent_path());
    delete out_;
    delete result_;
  }

  static std::unique_ptr<store::Store> open_store() { return store::Store::open(*out_ / "campaign.db"); }

  static fs::path* out_;
  static testing::CommandResult* result_;
};

fs::path* DemoCommand::out_ = nullptr;
testing::CommandResult* DemoCommand::result_ = nullptr;

TEST_F(DemoCommand, FinishesAndSaysWhereTheReportIs) {
  ASSERT_EQ(result_->exit_code, 0) << result_->out << result_->err;
  const fs::path report = *out_ / "report.html";
  ASSERT_TRUE(fs::exists(report));
  EXPECT_NE(result_->out.find("report: " + report.string()), std::string::npos) << result_->out;
  EXPECT_NE(result_->out.find("xdg-open " + report.string()), std::string::npos) << result_->out;
  std::string html = read_file(report);
  // The injected fault is in the report too: the Gantt marks it on its device lane.
  for (const char* part : {"DBTL progress", "cell-culture-maintenance-", "dbtl-scale-up-", "arm1", "cc1", "br1l", "clot_detected"})
    EXPECT_NE(html.find(part), std::string::npos) << part;
  // Piped: plain lines, one per cycle of each learner, no carriage returns.
  EXPECT_EQ(result_->out.find('\r'), std::string::npos);
  EXPECT_NE(result_->out.find("gp cycle 2/2"), std::string::npos) << result_->out;
  EXPECT_NE(result_->out.find("random cycle 2/2"), std::string::npos) << result_->out;
}

TEST_F(DemoCommand, EveryLearnerReachedTheCyclesAskedAndClosedTheLoop) {
  ASSERT_EQ(result_->exit_code, 0) << result_->err;
  auto store = open_store();
  int campaign_runs = 0, scale_up_runs = 0;
  std::set<std::string> designs;
  for (const auto& run : store->runs()) {
    EXPECT_EQ(run.state, "done") << run.run_id;
    if (run.protocol == "dbtl-campaign") {
      ++campaign_runs;
      int titers = 0;
      for (const auto& m : store->measurements(run.run_id))
        if (m.name == "titer") {
          ++titers;
          designs.insert(m.step_id.substr(0, m.step_id.find('/')));
        }
      EXPECT_EQ(titers, kBatch) << run.run_id;
    }
    if (run.protocol == "dbtl-scale-up") ++scale_up_runs;
  }
  EXPECT_EQ(campaign_runs, 2 * kCycles);  // the GP learner and the random baseline
  EXPECT_EQ(scale_up_runs, 1);
  // A learner that closes the loop never tests a design twice: every titer is a new design
  // (the two learners may meet, so at least one learner's worth).
  EXPECT_GE(designs.size(), static_cast<std::size_t>(kCycles * kBatch));
}

TEST_F(DemoCommand, TheInjectedFaultWasRecordedAndRecoveredByPolicy) {
  ASSERT_EQ(result_->exit_code, 0) << result_->err;
  auto store = open_store();
  int faults = 0;
  for (const auto& run : store->runs()) {
    for (const auto& event : store->events(run.run_id)) {
      if (event.kind != "step_attempt_failed") continue;
      ++faults;
      auto detail = nlohmann::json::parse(event.detail_json);
      EXPECT_NE(detail["message"].get<std::string>().find("clot_detected"), std::string::npos) << event.detail_json;
      EXPECT_EQ(detail["retry"], 1);
      EXPECT_NE(event.step_id.find("harvest_sample"), std::string::npos) << event.step_id;
      for (const auto& step : store->steps(run.run_id))
        if (step.step_id == event.step_id) {
          EXPECT_EQ(step.state, "done");
          EXPECT_EQ(step.attempt, 2);
        }
    }
  }
  EXPECT_EQ(faults, 1);
  EXPECT_NE(result_->out.find("clot_detected"), std::string::npos) << result_->out;
  EXPECT_NE(result_->out.find("(recovered)"), std::string::npos) << result_->out;
}

TEST_F(DemoCommand, TheMaintenanceRunFinishedWithItsWindowsKept) {
  ASSERT_EQ(result_->exit_code, 0) << result_->err;
  auto store = open_store();
  int maintenance = 0;
  for (const auto& run : store->runs()) {
    if (run.protocol != "cell-culture-maintenance") continue;
    ++maintenance;
    EXPECT_EQ(run.state, "done");
    std::map<std::string, int> done_by_operation;
    for (const auto& step : store->steps(run.run_id)) {
      EXPECT_EQ(step.state, "done") << step.step_id;
      EXPECT_FALSE(step.constraint_violated) << step.step_id;
      done_by_operation[step.operation] += step.state == "done";
    }
    EXPECT_EQ(done_by_operation["seed"], 1);
    EXPECT_GE(done_by_operation["medium_exchange"], 3);
    EXPECT_GE(done_by_operation["passage"], 1);
    EXPECT_EQ(done_by_operation["harvest"], 1);
    EXPECT_EQ(done_by_operation["move_plate"], 2);
    for (const auto& event : store->events(run.run_id)) EXPECT_NE(event.kind, "constraint_violated") << event.detail_json;
  }
  EXPECT_EQ(maintenance, 1);
  EXPECT_NE(result_->out.find("every window kept"), std::string::npos) << result_->out;
}

TEST_F(DemoCommand, TheArmTheOneLitreArrayAndTheCultureStationDidWork) {
  ASSERT_EQ(result_->exit_code, 0) << result_->err;
  auto store = open_store();
  std::map<std::string, int> done;
  for (const auto& run : store->runs())
    for (const auto& step : store->steps(run.run_id)) done[step.device_id] += step.state == "done";
  for (const char* device : {"arm1", "br1l", "cc1", "br250", "lh1", "lh2", "pr1"}) EXPECT_GT(done[device], 0) << device;
}

TEST(DemoCommandTerminal, ShowsOneRedrawnProgressLine) {
  fs::path out = fresh_dir("pty") / "demo";
  auto result = testing::run_on_pty({foundry_binary(), "demo", "--cycles", "1", "--batch", "2", "--scale-up", "0", "--out",
                                     out.string()},
                                    {}, 120, 60);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  // Redrawn in place: a carriage return, then the line, then "erase to end of line".
  EXPECT_NE(result.output.find("\r"), std::string::npos);
  EXPECT_NE(result.output.find("steps done  gp cycle 1/1  lab time"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("\x1b[K"), std::string::npos);
  fs::remove_all(out.parent_path());
}

TEST(DemoCommandInterrupt, CtrlCStopsFoundrydCleanly) {
  fs::path out = fresh_dir("interrupt") / "demo";
  // Interrupt once foundryd serves (its ready file is there), as a person pressing Ctrl-C would.
  auto result = run_command("cd " + shell_quote(fs::temp_directory_path().string()) + " && " + foundry_binary() +
                            " demo --cycles 3 --out " + shell_quote(out.string()) +
                            " >/dev/null 2>&1 & pid=$!; for i in $(seq 300); do [ -s " +
                            shell_quote((out / "ready.json").string()) +
                            " ] && break; sleep 0.02; done; sleep 0.3; kill -INT $pid; wait $pid; echo \"exit $?\"");
  EXPECT_NE(result.out.find("exit 130"), std::string::npos) << result.out << result.err;
  auto ready = nlohmann::json::parse(read_file(out / "ready.json"));
  const int pid = ready["pid"].get<int>();
  EXPECT_NE(::kill(pid, 0), 0) << "foundryd (pid " << pid << ") still runs";
  EXPECT_NE(read_file(out / "foundryd.log").find("stopping"), std::string::npos) << read_file(out / "foundryd.log");
  fs::remove_all(out.parent_path());
}

TEST(DemoCommandArguments, BadArgumentsExitWithTwoAndTouchNothing) {
  fs::path dir = fresh_dir("args");
  fs::create_directories(dir / "precious");
  std::ofstream(dir / "precious" / "notes.txt") << "mine\n";
  struct Case {
    std::string arguments, message;
  };
  for (const Case& c : {Case{"--cycles 0", "--cycles"}, Case{"--batch 13", "--batch"}, Case{"--scale-up -1", "--scale-up"},
                        Case{"--source " + shell_quote((dir / "nowhere").string()), "not a Foundry source tree"},
                        Case{"--out " + shell_quote((dir / "precious").string()), "not an earlier demo's"},
                        Case{"--python /nonexistent/python3", "no such program"}, Case{"--no-such-option", "no-such-option"}}) {
    SCOPED_TRACE(c.arguments);
    auto result = run_command(foundry_binary() + " demo " + c.arguments);
    EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
    EXPECT_NE(result.err.find(c.message), std::string::npos) << result.err;
  }
  EXPECT_EQ(read_file(dir / "precious" / "notes.txt"), "mine\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir / "precious"), fs::directory_iterator()), 1);
  fs::remove_all(dir);
}

TEST(ServeCommand, RunsFoundrydWithTheOptionsGiven) {
  auto help = run_command(foundry_binary() + " serve --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("goes to foundryd unchanged"), std::string::npos) << help.out;
  // Options after 'serve' are foundryd's: its own help, and its own refusal of a bad option.
  auto passed = run_command(foundry_binary() + " serve -- --help");
  EXPECT_EQ(passed.exit_code, 0) << passed.err;
  EXPECT_NE(passed.out.find("--virtual-time"), std::string::npos) << passed.out;
  auto bad = run_command(foundry_binary() + " serve --workcell /nonexistent/workcell.json --db /nonexistent/x.db");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE((bad.out + bad.err).find("/nonexistent/workcell.json"), std::string::npos) << bad.out << bad.err;
}

}  // namespace
}  // namespace foundry
