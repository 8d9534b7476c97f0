// The physical-action ledger ("ledger" setting): every command's begin and end on disk before it
// is reported, and command_state answered from it by a new driver instance after a restart —
// including one after the process running the driver was SIGKILLed mid-command.
#include "sim_harness.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using foundry::test::Outcome;
using foundry::test::SimHarness;
using nlohmann::json;

class Ledger : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("foundry-ledger-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "ledger.jsonl").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  json settings(json extra = json::object()) const {
    extra["ledger"] = path_;
    extra["device"] = "inc1";
    return extra;
  }
  std::vector<json> lines() const {
    std::vector<json> out;
    std::ifstream in(path_);
    for (std::string text; std::getline(in, text);) out.push_back(json::parse(text));
    return out;
  }
  json state(SimHarness& h, const std::string& id) const { return json::parse(h.session->command_state(id)); }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(Ledger, RecordsBeginAndEndOfEveryCommandWithItsKeyOperationUnitAndResult) {
  SimHarness h("foundry_sim_incubator", "sim-incubator", settings());
  Outcome out = h.run("incubate", {{"duration_s", 600.0}}, 4, "c1");
  ASSERT_TRUE(out.outcome.ok) << out.outcome.message;
  const auto written = lines();
  ASSERT_EQ(written.size(), 2u);
  const json& begin = written[0];
  EXPECT_EQ(begin.at("event"), "begin");
  EXPECT_EQ(begin.at("command_id"), "c1");
  EXPECT_EQ(begin.at("idempotency_key"), "run/c1/1");
  EXPECT_EQ(begin.at("operation"), "incubate");
  EXPECT_EQ(begin.at("unit"), 4);
  EXPECT_EQ(begin.at("device"), "inc1");
  EXPECT_EQ(begin.at("model"), "sim-incubator");
  EXPECT_DOUBLE_EQ(begin.at("time").get<double>(), out.started);
  EXPECT_EQ(begin.at("pid"), ::getpid());
  const json& end = written[1];
  EXPECT_EQ(end.at("event"), "end");
  EXPECT_EQ(end.at("outcome"), "finished");
  EXPECT_EQ(end.at("result"), out.result());
  EXPECT_DOUBLE_EQ(end.at("time").get<double>(), out.ended);
}

TEST_F(Ledger, TheEndIsOnDiskBeforeTheCommandIsReportedComplete) {
  SimHarness h("foundry_sim_incubator", "sim-incubator", settings());
  std::size_t lines_at_completion = 0;
  h.session->execute({"c1", "k1", "incubate", json{{"duration_s", 60.0}}.dump(), -1}, nullptr,
                     [&](const foundry::engine::CommandOutcome&) { lines_at_completion = lines().size(); });
  EXPECT_EQ(lines().size(), 1u) << "begin is written before execute returns";
  h.clock->run();
  EXPECT_EQ(lines_at_completion, 2u);
}

TEST_F(Ledger, RefusedCommandsDidNothingAndAreNotRecorded) {
  SimHarness h("foundry_sim_incubator", "sim-incubator", settings());
  EXPECT_FALSE(h.run("incubate", {{"temperature_c", "hot"}}).outcome.ok);
  EXPECT_FALSE(h.run("no_such_operation", json::object()).outcome.ok);
  EXPECT_TRUE(lines().empty());
}

TEST_F(Ledger, ACancelIsRecordedAsAFailedEnd) {
  SimHarness h("foundry_sim_incubator", "sim-incubator", settings());
  auto out = std::make_shared<Outcome>();
  h.start(out, "incubate", {{"duration_s", 3600.0}}, -1, "c1");
  ASSERT_TRUE(h.session->cancel("c1"));
  h.clock->run();
  const auto written = lines();
  ASSERT_EQ(written.size(), 2u);
  EXPECT_EQ(written[1].at("outcome"), "failed");
  EXPECT_EQ(written[1].at("error_kind"), FOUNDRY_ERROR_EXECUTION);
  EXPECT_EQ(written[1].at("message"), "cancelled");
}

TEST_F(Ledger, ANewInstanceAnswersFinishedFailedInterruptedAndUnknownFromTheLedger) {
  json finished_result;
  {
    SimHarness before("foundry_sim_incubator", "sim-incubator",
                      settings({{"faults", json::array({{{"on_command", 2}, {"kind", "execution"}, {"message", "door jammed"}}})}}));
    Outcome done = before.run("incubate", {{"duration_s", 60.0}}, -1, "done");
    ASSERT_TRUE(done.outcome.ok);
    finished_result = done.result();
    EXPECT_FALSE(before.run("incubate", {{"duration_s", 60.0}}, -1, "broke").outcome.ok);
    auto never = std::make_shared<Outcome>();
    before.start(never, "incubate", {{"duration_s", 3600.0}}, 7, "midway");
    // The session goes away with "midway" running: like a crash, nothing ends it.
  }
  SimHarness after("foundry_sim_incubator", "sim-incubator", settings());
  const json done = state(after, "done");
  EXPECT_EQ(done.at("state"), "finished");
  EXPECT_EQ(done.at("result"), finished_result);
  const json broke = state(after, "broke");
  EXPECT_EQ(broke.at("state"), "failed");
  EXPECT_EQ(broke.at("error_kind"), FOUNDRY_ERROR_EXECUTION);
  EXPECT_EQ(broke.at("message"), "door jammed");
  const json midway = state(after, "midway");
  EXPECT_EQ(midway.at("state"), "interrupted");
  EXPECT_EQ(midway.at("operation"), "incubate");
  EXPECT_EQ(midway.at("unit"), 7);
  EXPECT_EQ(midway.at("idempotency_key"), "run/midway/1");
  EXPECT_EQ(state(after, "never-sent").at("state"), "unknown");
}

TEST_F(Ledger, WithoutALedgerANewInstanceKnowsNothingOfTheOld) {
  { SimHarness before("foundry_sim_incubator", "sim-incubator"); before.run("incubate", {{"duration_s", 60.0}}, -1, "done"); }
  SimHarness after("foundry_sim_incubator", "sim-incubator");
  EXPECT_EQ(state(after, "done").at("state"), "unknown");
}

TEST_F(Ledger, AfterTheProcessWasKilledMidCommandANewInstanceSaysInterrupted) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The "engine": one command done, one half-way, then SIGKILL (no destructor, no flush).
    SimHarness h("foundry_sim_incubator", "sim-incubator", settings());
    if (!h.run("incubate", {{"duration_s", 60.0}}, -1, "done").outcome.ok) ::_exit(3);
    auto out = std::make_shared<Outcome>();
    h.start(out, "incubate", {{"duration_s", 3600.0}}, 2, "midway");
    ::raise(SIGKILL);
    ::_exit(4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
  SimHarness restarted("foundry_sim_incubator", "sim-incubator", settings());
  EXPECT_EQ(state(restarted, "done").at("state"), "finished");
  EXPECT_EQ(state(restarted, "midway").at("state"), "interrupted");
  EXPECT_EQ(state(restarted, "never-sent").at("state"), "unknown");
  // The restarted instance runs the same id again: its own record wins over the ledger's past.
  EXPECT_TRUE(restarted.run("incubate", {{"duration_s", 60.0}}, 2, "midway").outcome.ok);
  EXPECT_EQ(state(restarted, "midway").at("state"), "finished");
}

TEST_F(Ledger, ALineCutShortByACrashIsSkipped) {
  { SimHarness before("foundry_sim_incubator", "sim-incubator", settings()); before.run("incubate", {{"duration_s", 60.0}}, -1, "done"); }
  { std::ofstream(path_, std::ios::app) << R"({"event":"begin","command_id":"cut)"; }
  SimHarness after("foundry_sim_incubator", "sim-incubator", settings());
  EXPECT_EQ(state(after, "done").at("state"), "finished");
  EXPECT_EQ(state(after, "cut").at("state"), "unknown");
}

TEST_F(Ledger, AFileThatCannotBeOpenedRefusesTheDeviceNamingTheSetting) {
  try {
    SimHarness h("foundry_sim_incubator", "sim-incubator", {{"ledger", (dir_ / "no-such-dir" / "l.jsonl").string()}});
    FAIL() << "created";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("settings 'ledger': cannot open"), std::string::npos) << e.what();
  }
}

}  // namespace
