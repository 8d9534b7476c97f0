// End to end through the engine as the batch executor was used: lowering, planning, dispatch
// through a real plugin in virtual time, and what lands in the store.
#include "test_engine_fixture.hpp"

#include <sqlite3.h>

#include <algorithm>

using namespace foundry;

namespace {
class ExecutorTest : public test::EngineTest {};
}  // namespace

TEST_F(ExecutorTest, RunsAChainWithWindowsAndRecordsEverything) {
  open();
  engine->submit(run_of("r1", {step("prep", "work", 600),
                               step("grow", "work", 7200, {{"prep", Anchor::kEnd, 0, 1800}}),
                               step("sample", "work", 300, {{"grow", Anchor::kStart, 3600, 3900}}),
                               step("read", "work", 300, {{"sample", Anchor::kEnd, 0, 600}})}));
  clock->run();
  EXPECT_TRUE(engine->idle());
  auto s = steps_of("r1");
  for (auto& [id, row] : s) {
    EXPECT_EQ(row.state, "done") << id;
    EXPECT_FALSE(row.constraint_violated) << id;
    ASSERT_TRUE(row.started_at && row.finished_at) << id;
  }
  double grow_after_prep = *s["grow"].started_at - *s["prep"].finished_at;
  EXPECT_GE(grow_after_prep, 0);
  EXPECT_LE(grow_after_prep, 1800);
  double sample_after_grow_start = *s["sample"].started_at - *s["grow"].started_at;
  EXPECT_GE(sample_after_grow_start, 3600);
  EXPECT_LE(sample_after_grow_start, 3900);
  EXPECT_NE(s["sample"].unit, s["grow"].unit) << "overlapping steps must use different units";
  EXPECT_EQ(run_state("r1"), "done");
  EXPECT_EQ(store->measurements("r1").size(), 4u);
  expect_log_replays();
}

TEST_F(ExecutorTest, AFailedStepUnderAbortSampleSkipsItsDependentsAndTheOtherRunGoesOn) {
  open();
  StepSpec a = step("a", "fail", 60);
  a.on_error.action = ErrorAction::kAbortSample;
  engine->submit(run_of("bad", {a, step("b", "work", 60, {{"a", Anchor::kEnd, 0, std::nullopt}}), step("c", "work", 60)}));
  engine->submit(run_of("good", {step("x", "work", 60)}));
  clock->run();
  auto s = steps_of("bad");
  EXPECT_EQ(s["a"].state, "skipped");
  EXPECT_NE(s["a"].error.find("simulated jam"), std::string::npos) << s["a"].error;
  EXPECT_EQ(s["b"].state, "skipped");
  EXPECT_EQ(s["c"].state, "done") << "abort_sample leaves the rest of the run alone";
  EXPECT_EQ(run_state("bad"), "done");
  EXPECT_EQ(run_state("good"), "done");
  expect_log_replays();
}

TEST_F(ExecutorTest, AStepThatStartsOutsideItsWindowIsMarkedWithItsData) {
  // 'slow' takes twice its planned hour, so 'next' (within 3600..4200 s of first's START, and
  // after its end) cannot be kept in its window; the operator says go on anyway.
  options.max_lag_warning_s = 0;
  open();
  StepSpec first = step("first", "slow", 3600);
  StepSpec next = step("next", "work", 60, {{"first", Anchor::kStart, 3600, 4200}, {"first", Anchor::kEnd, 0, std::nullopt}});
  StepSpec after = step("after", "work", 60, {{"next", Anchor::kEnd, 0, std::nullopt}});
  engine->submit(run_of("late", {first, next, after}));
  clock->run();
  ASSERT_EQ(engine->prompts().size(), 1u) << "the late step is held for an operator first";
  engine->acknowledge("late", "next", engine::OperatorChoice::kRetry);
  clock->run();
  auto s = steps_of("late");
  EXPECT_EQ(s["next"].state, "done");
  EXPECT_TRUE(s["next"].constraint_violated);
  EXPECT_TRUE(s["after"].constraint_violated) << "what comes after a broken window is marked too";
  for (auto& m : store->measurements("late"))
    EXPECT_EQ(m.constraint_violated, m.step_id != "first") << m.step_id;
  EXPECT_EQ(count(kinds("late", "next"), "constraint_violated"), 1);
  expect_log_replays();
}

TEST_F(ExecutorTest, AnImpossibleWindowIsRefusedBeforeAnythingIsRecorded) {
  open();
  auto run = run_of("impossible", {step("a", "work", 60), step("c", "work", 60, {{"a", Anchor::kEnd, 100, std::nullopt}}),
                                   step("b", "work", 60, {{"a", Anchor::kEnd, 0, 10}, {"c", Anchor::kEnd, 0, std::nullopt}})});
  EXPECT_THROW(engine->submit(run), engine::InfeasibleRun);
  EXPECT_TRUE(store->runs().empty()) << "an infeasible plan must not leave a half-recorded run";
}

TEST_F(ExecutorTest, AMissedDeadlineIsReportedButTheRunStillCompletes) {
  open();
  auto late = run_of("late", {step("a", "work", 600)});
  late.deadline_s = 100;
  auto in_time = run_of("in-time", {step("b", "work", 600)});
  in_time.deadline_s = 100000;
  engine->submit(late);
  engine->submit(in_time);
  clock->run();
  EXPECT_EQ(run_state("late"), "done");
  EXPECT_EQ(count(kinds("late"), "deadline_missed"), 1);
  EXPECT_EQ(count(kinds("in-time"), "deadline_missed"), 0);
}

// Group commit: steps found ready at one instant have their intents committed in one transaction
// before any command goes out, and results that arrive at one instant are committed together
// before anyone hears of them. Seen from another connection at the moment the first event of a
// round is told: the whole round is on disk already (step by step, only the first would be).
TEST_F(ExecutorTest, StepsDueTogetherShareOneCommitForIntentsAndOneForResults) {
  workcell = test::test_workcell(2, 2);  // four units
  open();
  std::map<std::string, std::vector<int>> visible_when_first_told;  // kind -> committed rows seen
  std::string last_kind;
  store->set_event_listener([&](const store::Event& e) {
    if (e.kind != "step_started" && e.kind != "step_finished") return;
    if (e.kind == last_kind) return;  // only the first of a round
    last_kind = e.kind;
    sqlite3* other = nullptr;
    sqlite3_open_v2(db.c_str(), &other, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(other, "SELECT count(*) FROM events WHERE kind=?1", -1, &q, nullptr);
    sqlite3_bind_text(q, 1, e.kind.c_str(), -1, SQLITE_TRANSIENT);
    int rows = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
    sqlite3_finalize(q);
    sqlite3_close(other);
    visible_when_first_told[e.kind].push_back(rows);
  });
  engine->submit(run_of("round", {step("v1", "work", 600), step("v2", "work", 600), step("v3", "work", 600),
                                  step("v4", "work", 600)}));
  clock->run();
  store->set_event_listener(nullptr);
  auto s = steps_of("round");
  for (auto& [id, row] : s) {
    EXPECT_EQ(row.state, "done") << id;
    ASSERT_TRUE(row.started_at && row.finished_at) << id;
    EXPECT_EQ(*row.started_at, *s["v1"].started_at) << id << " did not start with the others";
    EXPECT_EQ(*row.finished_at, *s["v1"].finished_at) << id;
  }
  EXPECT_EQ(visible_when_first_told["step_started"], std::vector<int>{4}) << "the 4 intents were not one transaction";
  EXPECT_EQ(visible_when_first_told["step_finished"], std::vector<int>{4}) << "the 4 results were not one transaction";
  EXPECT_EQ(store->measurements("round").size(), 4u);
  expect_log_replays();
}
