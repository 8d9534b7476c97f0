// The engine as a long-lived service: runs submitted while others run, duplicate request ids,
// cancel, hold/resume, devices taken out of service and back, preview, and the event stream.
#include "test_engine_fixture.hpp"

using namespace foundry;

namespace {
class EngineOperationsTest : public test::EngineTest {};
}  // namespace

TEST_F(EngineOperationsTest, ARunSubmittedMidwayIsPlannedAroundWhatStarted) {
  open();
  engine->submit(run_of("first", {step("a", "work", 3600), step("b", "work", 3600, {{"a", Anchor::kEnd, 0, 600}})}));
  std::map<std::string, double> started_before;
  clock->call_at(1000.0 + 1800, [&] {
    for (auto& s : store->steps("first"))
      if (s.started_at) started_before[s.step_id] = *s.started_at;
    auto r = engine->submit(run_of("second", {step("x", "work", 600), step("y", "work", 600, {{"x", Anchor::kEnd, 0, 300}})}));
    EXPECT_TRUE(r.created);
  });
  clock->run();
  EXPECT_EQ(run_state("first"), "done");
  EXPECT_EQ(run_state("second"), "done");
  for (auto& [id, t] : started_before) EXPECT_EQ(*steps_of("first")[id].started_at, t) << "started steps never move";
  EXPECT_GE(*steps_of("second")["x"].started_at, 1000.0 + 1800);
  for (auto& s : store->steps("first")) EXPECT_FALSE(s.constraint_violated) << s.step_id;
  for (auto& s : store->steps("second")) EXPECT_FALSE(s.constraint_violated) << s.step_id;
  expect_log_replays();
}

TEST_F(EngineOperationsTest, ADuplicateRequestIdReturnsTheSameRun) {
  open();
  auto first = engine->submit(run_of("r1", {step("a", "work", 60)}), "req-1");
  auto again = engine->submit(run_of("r2", {step("a", "work", 60)}), "req-1");
  EXPECT_TRUE(first.created);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.run_id, "r1");
  EXPECT_EQ(store->runs().size(), 1u);
  EXPECT_THROW(engine->submit(run_of("r1", {step("a", "work", 60)})), engine::EngineError) << "a run id is unique";
  clock->run();
  EXPECT_EQ(run_state("r1"), "done");
}

TEST_F(EngineOperationsTest, CancelCancelsWhatHasNotStartedAndKeepsTheRunningStepsResult) {
  open();
  engine->submit(run_of("r", {step("a", "work", 600), step("b", "work", 600, {{"a", Anchor::kEnd, 0, std::nullopt}})}));
  engine->submit(run_of("other", {step("x", "work", 900)}));
  clock->call_at(1000.0 + 300, [&] { engine->cancel("r", "wrong strain"); });
  clock->run();
  auto s = steps_of("r");
  // The test driver cannot stop a command: it finishes, and its result is kept.
  EXPECT_EQ(s["a"].state, "done");
  EXPECT_EQ(store->measurements("r").size(), 1u);
  EXPECT_EQ(s["b"].state, "cancelled");
  EXPECT_EQ(run_state("r"), "cancelled");
  EXPECT_EQ(run_state("other"), "done");
  EXPECT_THROW(engine->cancel("r", "again"), engine::EngineError);
  EXPECT_THROW(engine->cancel("nope", ""), engine::EngineError);
  expect_log_replays();
}

TEST_F(EngineOperationsTest, AHeldRunStartsNothingUntilResumed) {
  open();
  engine->submit(run_of("r", {step("a", "work", 600), step("b", "work", 600, {{"a", Anchor::kEnd, 0, std::nullopt}})}));
  clock->call_at(1000.0 + 100, [&] { engine->hold("r", "checking the incubator"); });
  clock->run();
  EXPECT_EQ(run_state("r"), "held");
  EXPECT_EQ(steps_of("r")["a"].state, "done") << "a running step finishes";
  EXPECT_FALSE(steps_of("r")["b"].started_at);
  EXPECT_TRUE(engine->waiting_for_operator());
  double resumed_at = clock->now() + 5000;
  clock->call_at(resumed_at, [&] { engine->resume("r"); });
  clock->run();
  EXPECT_EQ(run_state("r"), "done");
  EXPECT_GE(*steps_of("r")["b"].started_at, resumed_at);
  expect_log_replays();
}

TEST_F(EngineOperationsTest, ADeviceOutOfServiceMovesItsStepsToAnotherDevice) {
  workcell = test::test_workcell(2, 1);
  open();
  std::vector<StepSpec> steps;
  for (int i = 0; i < 6; ++i) steps.push_back(step("s" + std::to_string(i), "work", 600));
  engine->submit(run_of("r", steps));
  clock->call_at(1000.0 + 10, [&] { engine->set_device_in_service("d1", false, "calibration"); });
  clock->run();
  EXPECT_EQ(run_state("r"), "done");
  int on_d1 = 0;
  for (auto& s : store->steps("r"))
    if (s.device_id == "d1") {
      ++on_d1;
      EXPECT_LT(*s.started_at, 1000.0 + 10) << s.step_id << " started on d1 after it left service";
    }
  EXPECT_EQ(on_d1, 1) << "only the step already running there";
  EXPECT_EQ(store->devices_out_of_service().count("d1"), 1u);
  EXPECT_THROW(engine->set_device_in_service("d9", false, ""), engine::EngineError);
}

TEST_F(EngineOperationsTest, WithNoOtherDeviceTheRunIsHeldUntilTheDeviceIsBack) {
  workcell = test::test_workcell(1, 1);
  open();
  engine->submit(run_of("r", {step("a", "work", 600), step("b", "work", 600, {{"a", Anchor::kEnd, 0, std::nullopt}})}));
  clock->call_at(1000.0 + 10, [&] { engine->set_device_in_service("d1", false, "door open"); });
  clock->run();
  EXPECT_EQ(run_state("r"), "held");
  EXPECT_NE(store->runs()[0].reason.find("door open"), std::string::npos) << store->runs()[0].reason;
  EXPECT_FALSE(steps_of("r")["b"].started_at);
  double back = clock->now() + 1000;
  clock->call_at(back, [&] { engine->set_device_in_service("d1", true, "door closed"); });
  clock->run();
  EXPECT_EQ(run_state("r"), "done");
  EXPECT_GE(*steps_of("r")["b"].started_at, back);
  expect_log_replays();
}

// Held because both devices of the type left service: the other one coming back resumes it,
// not only the one it happens to be held for.
TEST_F(EngineOperationsTest, AHeldRunResumesWhenAnyDeviceOfItsTypeIsBack) {
  workcell = test::test_workcell(2, 1);
  open();
  engine->submit(run_of("r", {step("a", "work", 600), step("b", "work", 600, {{"a", Anchor::kEnd, 0, std::nullopt}})}));
  clock->call_at(1000.0 + 10, [&] {
    engine->set_device_in_service("d1", false, "door open");
    engine->set_device_in_service("d2", false, "door open");
  });
  clock->run();
  ASSERT_EQ(run_state("r"), "held");
  const std::string reason = store->runs()[0].reason;  // "... for 'b' (d1: door open)"
  const std::string held_for = reason.find("(d1:") != std::string::npos ? "d1" : "d2";
  const std::string other = held_for == "d1" ? "d2" : "d1";
  ASSERT_NE(reason.find("(" + held_for + ":"), std::string::npos) << reason;
  double back = clock->now() + 1000;
  clock->call_at(back, [&] { engine->set_device_in_service(other, true, "fixed"); });
  clock->run();
  EXPECT_EQ(run_state("r"), "done") << "held for " << held_for << ", " << other << " came back";
  EXPECT_EQ(steps_of("r")["b"].device_id, other);
  EXPECT_GE(*steps_of("r")["b"].started_at, back);
  expect_log_replays();
}

TEST_F(EngineOperationsTest, PreviewPlansWithoutChangingAnything) {
  open();
  engine->submit(run_of("r", {step("a", "work", 3600)}));
  auto seq = store->last_event_seq();
  auto preview = engine->preview(run_of("p", {step("x", "work", 600), step("y", "work", 600, {{"x", Anchor::kEnd, 0, std::nullopt}})}));
  EXPECT_GE(preview.planned_start, clock->now());
  EXPECT_GE(preview.planned_end - preview.planned_start, 1200);
  EXPECT_EQ(store->last_event_seq(), seq);
  EXPECT_EQ(store->runs().size(), 1u);
}

TEST_F(EngineOperationsTest, TheListenerHearsEveryEventInOrderAfterItsCommit) {
  open();
  std::vector<std::int64_t> seqs;
  store->set_event_listener([&](const store::Event& e) { seqs.push_back(e.seq); });
  engine->submit(run_of("r", {step("a", "work", 60), step("b", "flaky", 60)}));
  clock->run();
  ASSERT_FALSE(seqs.empty());
  for (std::size_t k = 1; k < seqs.size(); ++k) EXPECT_EQ(seqs[k], seqs[k - 1] + 1);
  EXPECT_EQ(seqs.back(), store->last_event_seq());
  EXPECT_EQ(store->events_since(0, 100000).size(), seqs.size());
}
