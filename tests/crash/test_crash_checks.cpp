// The crash harness's own assertions, on hand-made histories: each promise it checks is shown
// kept and shown broken.
#include "crash_harness.hpp"

#include <foundry/store/store.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace foundry::crash {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

class CrashChecks : public ::testing::Test {
 protected:
  void SetUp() override {
    files_.dir = (fs::temp_directory_path() / ("foundry-checks-" + std::to_string(::getpid()) + "-" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                     .string();
    fs::remove_all(files_.dir);
    fs::create_directories(files_.dir);
    files_.db = files_.dir + "/f.db";
    files_.ledger = files_.dir + "/ledger.jsonl";
    files_.idempotent = {"read_absorbance"};
    store_ = store::Store::open(files_.db);
    RunSpec run;
    run.run_id = "r";
    run.protocol = "p";
    run.steps = {StepSpec{"inoc", "inoculate", "liquid_handler", "{}", 60, {}, {}},
                 StepSpec{"read", "read_absorbance", "plate_reader", "{}", 60, {}, {}}};
    store_->create_run(run, 0);
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(files_.dir);
  }

  void ledger(const std::string& event, const std::string& key, const std::string& operation,
              const std::string& outcome = "", Json result = nullptr) {
    Json line = {{"event", event}, {"command_id", key}, {"idempotency_key", key}, {"operation", operation},
                 {"device", "d"}, {"unit", 0}, {"time", 1.0}, {"pid", 1}};
    if (!outcome.empty()) line["outcome"] = outcome;
    if (!result.is_null()) line["result"] = result;
    std::ofstream(files_.ledger, std::ios::app) << line.dump() << "\n";
  }

  // The read step, run once and finished with an OD600 of 0.5, on both sides.
  void finished_read() {
    store_->step_started("r", "read", "pr1", 0, 1, "r/read/1", 10);
    ledger("begin", "r/read/1", "read_absorbance");
    ledger("end", "r/read/1", "read_absorbance", "finished",
           {{"measurements", {{{"name", "OD600"}, {"value", 0.5}, {"unit", "AU"}}}}});
    store_->step_finished("r", "read", "{}", {{"r", "read", "pr1", "OD600", 0.5, "AU", "", 20, false}}, 20);
  }

  static bool mentions(const std::vector<std::string>& problems, const std::string& part) {
    for (const auto& p : problems)
      if (p.find(part) != std::string::npos) return true;
    return false;
  }

  CampaignFiles files_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(CrashChecks, AConsistentHistoryHasNoProblems) {
  finished_read();
  store_->step_started("r", "inoc", "lh1", 0, 1, "r/inoc/1", 10);
  ledger("begin", "r/inoc/1", "inoculate");
  ledger("end", "r/inoc/1", "inoculate", "failed");
  store_->step_started("r", "inoc", "lh1", 0, 2, "r/inoc/2", 30);  // a retry after a definite failure
  ledger("begin", "r/inoc/2", "inoculate");
  ledger("end", "r/inoc/2", "inoculate", "finished", Json::object());
  store_->step_finished("r", "inoc", "{}", {}, 40);
  auto problems = check_ledger_against_db(files_);
  EXPECT_TRUE(problems.empty()) << problems.front();
}

TEST_F(CrashChecks, ActionWithoutIntent) {
  ledger("begin", "r/inoc/1", "inoculate");
  EXPECT_TRUE(mentions(check_ledger_against_db(files_), "command r/inoc/1 (inoculate on d) began, but no intent"));
}

TEST_F(CrashChecks, DoneStepMissingFromTheLedger) {
  store_->step_started("r", "read", "pr1", 0, 1, "r/read/1", 10);
  store_->step_finished("r", "read", "{}", {}, 20);
  EXPECT_TRUE(mentions(check_ledger_against_db(files_), "done step r/read (key r/read/1): no such action in the ledger"));
}

TEST_F(CrashChecks, DoneStepWhoseActionHasNoEnd) {
  store_->step_started("r", "read", "pr1", 0, 1, "r/read/1", 10);
  ledger("begin", "r/read/1", "read_absorbance");
  store_->step_finished("r", "read", "{}", {}, 20);
  EXPECT_TRUE(mentions(check_ledger_against_db(files_), "the ledger says no end"));
}

TEST_F(CrashChecks, StoredResultDiffersFromTheDriversResult) {
  store_->step_started("r", "read", "pr1", 0, 1, "r/read/1", 10);
  ledger("begin", "r/read/1", "read_absorbance");
  ledger("end", "r/read/1", "read_absorbance", "finished",
         {{"measurements", {{{"name", "OD600"}, {"value", 0.5}, {"unit", "AU"}}}}});
  store_->step_finished("r", "read", "{}",
                        {{"r", "read", "pr1", "OD600", 0.5, "AU", "", 20, false}, {"r", "read", "pr1", "OD600", 0.5, "AU", "", 20, false}},
                        20);
  EXPECT_TRUE(mentions(check_ledger_against_db(files_), "2 measurements stored, the driver's result has 1"));
}

TEST_F(CrashChecks, NonIdempotentStepRunTwice) {
  store_->step_started("r", "inoc", "lh1", 0, 1, "r/inoc/1", 10);
  ledger("begin", "r/inoc/1", "inoculate");  // no end: the engine died mid-action
  store_->step_started("r", "inoc", "lh1", 0, 2, "r/inoc/2", 30);
  ledger("begin", "r/inoc/2", "inoculate");
  EXPECT_TRUE(mentions(check_ledger_against_db(files_), "non-idempotent step r/inoc (inoculate) physically ran 2 times"));
}

TEST_F(CrashChecks, SameCommandSentTwice) {
  store_->step_started("r", "inoc", "lh1", 0, 1, "r/inoc/1", 10);
  ledger("begin", "r/inoc/1", "inoculate");
  ledger("begin", "r/inoc/1", "inoculate");
  EXPECT_TRUE(mentions(check_ledger_against_db(files_), "non-idempotent command r/inoc/1 (inoculate) began 2 times"));
}

TEST_F(CrashChecks, IdempotentStepMayRunAgain) {
  store_->step_started("r", "read", "pr1", 0, 1, "r/read/0", 5);
  ledger("begin", "r/read/0", "read_absorbance");
  finished_read();
  EXPECT_TRUE(check_ledger_against_db(files_).empty());
}

TEST_F(CrashChecks, InDoubtSteps) {
  store_->step_started("r", "inoc", "lh1", 0, 1, "r/inoc/1", 10);
  ledger("begin", "r/inoc/1", "inoculate");
  store_->step_started("r", "read", "pr1", 0, 1, "r/read/1", 10);
  auto doubts = in_doubt_steps(files_);
  ASSERT_EQ(doubts.size(), 2u);
  const InDoubt& inoc = doubts[0].step.step_id == "inoc" ? doubts[0] : doubts[1];
  const InDoubt& read = doubts[0].step.step_id == "read" ? doubts[0] : doubts[1];
  EXPECT_TRUE(inoc.began);
  EXPECT_FALSE(inoc.ended);
  EXPECT_FALSE(inoc.idempotent);
  EXPECT_FALSE(read.began);
  EXPECT_TRUE(read.idempotent);
}

TEST_F(CrashChecks, JudgingWhatARestartedEngineDidWithAnInDoubtStep) {
  InDoubt doubt;
  doubt.step = {"r", "inoc", "inoculate", "running", "r/inoc/1", "lh1"};
  doubt.seq_at_kill = 10;
  doubt.began = true;
  auto after = [](const std::string& kind) { return std::vector<EventRow>{{11, "r", "inoc", kind, Json::object()}}; };

  EXPECT_EQ(judge_in_doubt(doubt, after("step_held")).violation, "");
  EXPECT_NE(judge_in_doubt(doubt, after("step_started")).violation, "");
  EXPECT_NE(judge_in_doubt(doubt, after("step_in_doubt_rerun")).violation, "");
  EXPECT_NE(judge_in_doubt(doubt, after("step_finished")).violation, "") << "no outcome was known";
  EXPECT_FALSE(judge_in_doubt(doubt, {{9, "r", "inoc", "step_started", Json::object()}}).settled) << "before the kill";
  EXPECT_FALSE(judge_in_doubt(doubt, {{11, "r", "other", "step_started", Json::object()}}).settled) << "another step";

  doubt.ended = true;  // finished physically: completing it from the driver is right, re-running is not
  EXPECT_EQ(judge_in_doubt(doubt, after("step_finished")).violation, "");
  EXPECT_NE(judge_in_doubt(doubt, after("step_requeued")).violation, "");

  doubt.began = doubt.ended = false;  // never reached the instrument: may be sent again
  EXPECT_EQ(judge_in_doubt(doubt, after("step_started")).violation, "");
  EXPECT_NE(judge_in_doubt(doubt, after("step_finished")).violation, "");

  doubt.began = true;
  doubt.idempotent = true;  // safe to run again
  EXPECT_EQ(judge_in_doubt(doubt, after("step_started")).violation, "");
}

TEST_F(CrashChecks, LedgerLinesCutShortAreSkipped) {
  ledger("begin", "r/read/1", "read_absorbance");
  std::ofstream(files_.ledger, std::ios::app) << R"({"event": "end", "command_id": "r/re)";
  auto entries = read_ledger(files_.ledger);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_TRUE(entries.at("r/read/1").began);
  EXPECT_FALSE(entries.at("r/read/1").outcome);
}

TEST(CrashChildProcess, KilledOnCueAndExitCodes) {
  std::string dir = (fs::temp_directory_path() / ("foundry-child-" + std::to_string(::getpid()))).string();
  ChildOptions sleeper{{"/bin/sleep", "5"}, {}, 0.05, {}, dir, 10};
  ChildResult killed = run_child(sleeper);
  EXPECT_EQ(killed.signal, SIGKILL);
  EXPECT_TRUE(killed.killed_by_harness);
  EXPECT_LT(killed.wall_s, 2.0);

  ChildOptions shell{{"/bin/sh", "-c", "echo out; echo err >&2; exit 6"}, {{"X", "1"}}, {}, {}, dir, 10};
  ChildResult exited = run_child(shell);
  EXPECT_EQ(exited.exit_code, 6);
  EXPECT_EQ(exited.out, "out\n");
  EXPECT_EQ(exited.err, "err\n");

  ChildOptions env{{"/bin/sh", "-c", "test \"$FOUNDRY_CRASH_AT\" = after_intent:2"}, {{"FOUNDRY_CRASH_AT", "after_intent:2"}}, {}, {}, dir, 10};
  EXPECT_EQ(run_child(env).exit_code, 0);

  // A file-size limit set in the child: writing past it fails (SIGXFSZ by default).
  ChildOptions big{{"/bin/sh", "-c", "head -c 100000 /dev/zero > " + dir + "/big"}, {}, {}, 4096, dir, 10};
  ChildResult limited = run_child(big);
  EXPECT_TRUE(limited.signal == SIGXFSZ || limited.exit_code != 0) << limited.describe();
  EXPECT_LE(fs::file_size(dir + "/big"), 4096u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace foundry::crash
