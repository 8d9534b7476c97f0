// Recovery: the engine process "dies" (everything destroyed at a moment of virtual time, no
// orderly shutdown; only committed rows survive) and a new one continues from the store. A step
// in doubt is settled with the driver's record; nothing non-idempotent is repeated on its own.
#include "test_engine_fixture.hpp"

#include <fstream>

using namespace foundry;

namespace {

class EngineRecoveryTest : public test::EngineTest {
 protected:
  std::filesystem::path journal = db.string() + ".journal";
  void SetUp() override {
    test::EngineTest::SetUp();
    std::filesystem::remove(journal);
  }
  void TearDown() override {
    test::EngineTest::TearDown();
    std::filesystem::remove(journal);
  }
  void with_journal() {
    workcell = test::test_workcell(1, 2, {{"d1", R"({"journal": ")" + journal.string() + "\"}"}});
  }
  // Runs the clock until `t`, then drops everything as a killed process would.
  void run_until_and_die(double t) {
    clock->call_at(t, [this] { clock->stop(); });
    clock->run();
    close();
  }
  int journal_begins(const std::string& key) {
    std::ifstream in(journal);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) n += line.find(R"("e":"begin")") != std::string::npos && line.find("\"" + key + "\"") != std::string::npos;
    return n;
  }
};

}  // namespace

TEST_F(EngineRecoveryTest, UnfinishedRunsResumeAndFinishWithNothingRepeated) {
  with_journal();
  open(1000.0);
  engine->submit(run_of("r", {step("a", "work", 600), step("b", "work", 600, {{"a", Anchor::kEnd, 0, std::nullopt}}),
                              step("c", "work", 600, {{"b", Anchor::kEnd, 0, std::nullopt}})}),
                 "req-r");
  run_until_and_die(1000.0 + 900);  // a done, b running

  open(1000.0 + 950);
  auto report = engine->recover();
  EXPECT_EQ(report.resumed_runs, std::vector<std::string>{"r"});
  EXPECT_TRUE(report.held_steps.empty());
  EXPECT_EQ(report.rerun_steps, std::vector<std::string>{"r/b"}) << "b was interrupted; 'work' is idempotent";
  // The same request again continues the run instead of creating one.
  EXPECT_FALSE(engine->submit(run_of("r-again", {step("a", "work", 60)}), "req-r").created);
  clock->run();
  EXPECT_EQ(run_state("r"), "done");
  EXPECT_EQ(journal_begins("r/a/1"), 1) << "a finished step is never run again";
  EXPECT_EQ(store->runs().size(), 1u);
  expect_log_replays();
}

TEST_F(EngineRecoveryTest, AStepTheDriverFinishedWhileTheEngineWasDownIsTakenFromTheDriver) {
  with_journal();
  open(1000.0);
  engine->submit(run_of("r", {step("a", "work", 600)}));
  run_until_and_die(1000.0 + 300);
  // The instrument carried on and logged its result while the engine was down.
  std::ofstream(journal, std::ios::app)
      << R"({"e":"end","key":"r/a/1","result":{"measurements":[{"name":"OD600","value":0.7,"unit":"AU"}]}})" << "\n";
  open(1000.0 + 700);
  auto report = engine->recover();
  EXPECT_EQ(report.completed_from_driver, std::vector<std::string>{"r/a"});
  EXPECT_TRUE(report.rerun_steps.empty());
  clock->run();
  EXPECT_EQ(steps_of("r")["a"].state, "done");
  auto m = store->measurements("r");
  ASSERT_EQ(m.size(), 1u) << "the driver's result, stored once";
  EXPECT_EQ(m[0].name, "OD600");
  EXPECT_EQ(journal_begins("r/a/2"), 0) << "not run again";
  EXPECT_EQ(run_state("r"), "done");
  expect_log_replays();
}

TEST_F(EngineRecoveryTest, AnInterruptedNonIdempotentStepIsHeldNotRepeated) {
  with_journal();
  open(1000.0);
  engine->submit(run_of("r", {step("inoculate", "dispense", 600), step("grow", "work", 600, {{"inoculate", Anchor::kEnd, 0, std::nullopt}})}));
  run_until_and_die(1000.0 + 300);
  open(1000.0 + 400);
  auto report = engine->recover();
  EXPECT_EQ(report.held_steps, std::vector<std::string>{"r/inoculate"});
  EXPECT_TRUE(report.rerun_steps.empty());
  clock->run();
  EXPECT_EQ(journal_begins("r/inoculate/1"), 1);
  EXPECT_EQ(journal_begins("r/inoculate/2"), 0) << "never repeated without an operator";
  auto prompts = engine->prompts();
  ASSERT_EQ(prompts.size(), 1u);
  EXPECT_NE(prompts[0].what_happened.find("interrupted"), std::string::npos) << prompts[0].what_happened;
  EXPECT_NE(prompts[0].what_happened.find("not idempotent"), std::string::npos) << prompts[0].what_happened;
  EXPECT_EQ(run_state("r"), "held");
  // The operator checked the instrument and says: run it again.
  engine->acknowledge("r", "inoculate", engine::OperatorChoice::kRetry);
  clock->run();
  EXPECT_EQ(run_state("r"), "done");
  EXPECT_EQ(journal_begins("r/inoculate/2"), 1);
  expect_log_replays();
}

TEST_F(EngineRecoveryTest, AnInterruptedIdempotentStepIsRunAgain) {
  with_journal();
  open(1000.0);
  engine->submit(run_of("r", {step("read", "work", 600)}));
  run_until_and_die(1000.0 + 300);
  open(1000.0 + 400);
  auto report = engine->recover();
  EXPECT_EQ(report.rerun_steps, std::vector<std::string>{"r/read"});
  clock->run();
  EXPECT_EQ(run_state("r"), "done");
  EXPECT_EQ(steps_of("r")["read"].attempt, 2);
  EXPECT_EQ(journal_begins("r/read/2"), 1);
  expect_log_replays();
}

TEST_F(EngineRecoveryTest, ACommandTheDriverNeverReceivedIsRunAgain) {
  open(1000.0);  // no journal: a new driver instance knows nothing of the old one's commands
  engine->submit(run_of("r", {step("a", "dispense", 600)}));
  run_until_and_die(1000.0 + 300);
  open(1000.0 + 400);
  auto report = engine->recover();
  EXPECT_EQ(report.rerun_steps, std::vector<std::string>{"r/a"});
  clock->run();
  EXPECT_EQ(run_state("r"), "done");
}

TEST_F(EngineRecoveryTest, HeldRunsAndTheirPromptsSurviveARestart) {
  open(1000.0);
  StepSpec a = step("a", "flaky", 60);
  a.parameters_json = R"({"fail_attempts":1})";
  engine->submit(run_of("r", {a}));
  clock->run();
  ASSERT_EQ(engine->prompts().size(), 1u);
  close();
  open(5000.0);
  engine->recover();
  ASSERT_EQ(engine->prompts().size(), 1u);
  EXPECT_EQ(run_state("r"), "held");
  engine->acknowledge("r", "a", engine::OperatorChoice::kRetry);
  clock->run();
  EXPECT_EQ(run_state("r"), "done");
  expect_log_replays();
}

TEST_F(EngineRecoveryTest, ARunRecordedWithoutItsSpecIsFailedWithAReason) {
  open(1000.0);
  store->create_run(run_of("old", {step("a", "work", 60)}), 900.0);  // no spec: as migrated from v1
  engine->recover();
  EXPECT_EQ(run_state("old"), "failed");
  EXPECT_NE(store->runs()[0].reason.find("cannot resume"), std::string::npos) << store->runs()[0].reason;
}
