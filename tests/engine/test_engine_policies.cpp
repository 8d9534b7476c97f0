// Fault tests on the simulated fleet: a device failing mid-step under each error policy, a
// connection error under the same policy, and a late step that would break a max lag.
#include "test_engine_fixture.hpp"

#include <algorithm>

using namespace foundry;

namespace {

class EnginePolicyTest : public test::EngineTest {
 protected:
  static StepSpec flaky(const std::string& id, int fail_attempts, ErrorPolicy policy, const std::string& kind = "execution") {
    StepSpec s = step(id, "flaky", 60);
    s.parameters_json = R"({"fail_attempts":)" + std::to_string(fail_attempts) + R"(,"fail_kind":")" + kind + "\"}";
    s.on_error = policy;
    return s;
  }
  static ErrorPolicy policy(ErrorAction action, int retries = 0, double backoff = 30, ErrorAction then = ErrorAction::kHold) {
    ErrorPolicy p;
    p.action = action;
    p.retry_limit = retries;
    p.backoff_s = backoff;
    p.then = then;
    return p;
  }
  std::vector<double> times_of(const std::string& run, const std::string& step, const std::string& kind) {
    std::vector<double> out;
    for (auto& e : store->events(run))
      if (e.step_id == step && e.kind == kind) out.push_back(e.t);
    return out;
  }
};

}  // namespace

TEST_F(EnginePolicyTest, RetryRunsTheStepAgainAfterADoublingBackOff) {
  open();
  engine->submit(run_of("r", {flaky("a", 2, policy(ErrorAction::kRetry, 2, 30)), step("b", "work", 60, {{"a", Anchor::kEnd, 0, std::nullopt}})}));
  clock->run();
  auto s = steps_of("r");
  EXPECT_EQ(s["a"].state, "done");
  EXPECT_EQ(s["a"].attempt, 3);
  EXPECT_EQ(s["a"].idempotency_key, "r/a/3") << "every attempt has its own key";
  EXPECT_EQ(s["b"].state, "done");
  auto failed = times_of("r", "a", "step_attempt_failed");
  auto started = times_of("r", "a", "step_started");
  ASSERT_EQ(failed.size(), 2u);
  ASSERT_EQ(started.size(), 3u);
  EXPECT_GE(started[1] - failed[0], 30 - 1e-6);
  EXPECT_GE(started[2] - failed[1], 60 - 1e-6) << "the back-off doubles";
  EXPECT_EQ(run_state("r"), "done");
  expect_log_replays();
}

// A step waiting out a back-off cannot use its device, so the plan gives the device to others
// meanwhile: here 'x' (released 30 s in) runs as soon as 'a' fails, not after a slot kept for
// a retry that cannot start for 600 s.
TEST_F(EnginePolicyTest, TheDeviceWorksForOthersDuringABackOff) {
  workcell = test::test_workcell(1, 1);
  open();
  engine->submit(run_of("r", {flaky("a", 1, policy(ErrorAction::kRetry, 1, 600))}));
  RunSpec other = run_of("o", {step("x", "work", 60)});
  other.release_s = 30;
  engine->submit(other);
  clock->run();
  auto failed = times_of("r", "a", "step_attempt_failed");
  auto started = times_of("r", "a", "step_started");
  auto x_started = times_of("o", "x", "step_started");
  ASSERT_EQ(failed.size(), 1u);
  ASSERT_EQ(started.size(), 2u);
  ASSERT_EQ(x_started.size(), 1u);
  EXPECT_LT(x_started[0], std::max(failed[0], 1000.0 + 30) + 2) << "the device stood idle while 'a' waited out its back-off";
  EXPECT_GE(started[1] - failed[0], 600 - 1e-6) << "the retry waits out its back-off";
  EXPECT_EQ(steps_of("r")["a"].state, "done");
  EXPECT_EQ(steps_of("o")["x"].state, "done");
  expect_log_replays();
}

TEST_F(EnginePolicyTest, RetriesExhaustedHoldTheRunWithAPromptAndSkipGoesOn) {
  open();
  engine->submit(run_of("r", {flaky("a", 9, policy(ErrorAction::kRetry, 1, 10)), step("b", "work", 60, {{"a", Anchor::kEnd, 0, std::nullopt}}),
                              step("c", "work", 60)}));
  clock->run();
  EXPECT_TRUE(engine->waiting_for_operator());
  EXPECT_FALSE(engine->idle());
  EXPECT_EQ(run_state("r"), "held");
  auto prompts = engine->prompts();
  ASSERT_EQ(prompts.size(), 1u);
  EXPECT_EQ(prompts[0].step_id, "a");
  EXPECT_EQ(prompts[0].device_id, "d1");
  EXPECT_NE(prompts[0].what_happened.find("tip pickup error"), std::string::npos) << prompts[0].what_happened;
  EXPECT_NE(prompts[0].what_happened.find("retries exhausted: 1"), std::string::npos) << prompts[0].what_happened;
  EXPECT_EQ(prompts[0].choices, (std::vector<std::string>{"retry", "skip", "abort"}));
  EXPECT_THROW(engine->resume("r"), engine::EngineError) << "a prompt must be answered first";
  EXPECT_THROW(engine->acknowledge("r", "b", engine::OperatorChoice::kRetry), engine::EngineError);

  engine->acknowledge("r", "a", engine::OperatorChoice::kSkip);
  clock->run();
  auto s = steps_of("r");
  EXPECT_EQ(s["a"].state, "skipped");
  EXPECT_EQ(s["b"].state, "skipped");
  EXPECT_EQ(s["c"].state, "done");
  EXPECT_EQ(run_state("r"), "done");
  EXPECT_TRUE(engine->prompts().empty());
  EXPECT_TRUE(engine->idle());
  expect_log_replays();
}

TEST_F(EnginePolicyTest, HoldIsTheDefaultAndAnOperatorRetryRunsItAgain) {
  open();
  StepSpec a = flaky("a", 1, ErrorPolicy{});
  engine->submit(run_of("r", {a}));
  clock->run();
  ASSERT_EQ(engine->prompts().size(), 1u);
  EXPECT_EQ(steps_of("r")["a"].state, "held");
  engine->acknowledge("r", "a", engine::OperatorChoice::kRetry);
  clock->run();
  EXPECT_EQ(steps_of("r")["a"].state, "done");
  EXPECT_EQ(steps_of("r")["a"].attempt, 2);
  EXPECT_EQ(run_state("r"), "done");
  expect_log_replays();
}

TEST_F(EnginePolicyTest, RerouteMovesTheStepToAnotherDeviceOfItsType) {
  workcell = test::test_workcell(2, 1, {{"d1", R"({"broken": true})"}});
  open();
  // Two steps at once on two single-unit devices: one lands on the broken d1.
  engine->submit(run_of("r", {flaky("a", 0, policy(ErrorAction::kReroute)), flaky("b", 0, policy(ErrorAction::kReroute))}));
  clock->run();
  auto s = steps_of("r");
  EXPECT_EQ(s["a"].state, "done");
  EXPECT_EQ(s["b"].state, "done");
  EXPECT_EQ(s["a"].device_id, "d2");
  EXPECT_EQ(s["b"].device_id, "d2");
  int reroutes = 0;
  for (auto& e : store->events("r"))
    if (e.kind == "step_attempt_failed") {
      ++reroutes;
      EXPECT_NE(e.detail_json.find(R"("reroute_from":"d1")"), std::string::npos) << e.detail_json;
    }
  EXPECT_EQ(reroutes, 1);
  EXPECT_EQ(run_state("r"), "done");
}

TEST_F(EnginePolicyTest, RerouteWithNoOtherDeviceFallsBackToThen) {
  workcell = test::test_workcell(1, 1, {{"d1", R"({"broken": true})"}});
  open();
  engine->submit(run_of("r", {flaky("a", 0, policy(ErrorAction::kReroute, 0, 30, ErrorAction::kAbortRun)), step("b", "work", 60)}));
  clock->run();
  auto s = steps_of("r");
  EXPECT_EQ(s["a"].state, "failed");
  EXPECT_NE(s["a"].error.find("no other device"), std::string::npos) << s["a"].error;
  EXPECT_EQ(run_state("r"), "failed");
  expect_log_replays();
}

TEST_F(EnginePolicyTest, SkipSkipsTheStepAndItsDependents) {
  open();
  engine->submit(run_of("r", {flaky("a", 1, policy(ErrorAction::kSkip)), step("b", "work", 60, {{"a", Anchor::kEnd, 0, std::nullopt}}),
                              step("c", "work", 60, {{"b", Anchor::kEnd, 0, std::nullopt}}), step("d", "work", 60)}));
  clock->run();
  auto s = steps_of("r");
  EXPECT_EQ(s["a"].state, "skipped");
  EXPECT_EQ(s["b"].state, "skipped");
  EXPECT_EQ(s["c"].state, "skipped");
  EXPECT_EQ(s["d"].state, "done");
  EXPECT_EQ(run_state("r"), "done");
}

TEST_F(EnginePolicyTest, AbortRunCancelsTheRestOfTheRunOnly) {
  open();
  engine->submit(run_of("r", {flaky("a", 1, policy(ErrorAction::kAbortRun)), step("b", "work", 600, {{"a", Anchor::kEnd, 0, std::nullopt}})}));
  engine->submit(run_of("other", {step("x", "work", 600)}));
  clock->run();
  auto s = steps_of("r");
  EXPECT_EQ(s["a"].state, "failed");
  EXPECT_EQ(s["b"].state, "cancelled");
  EXPECT_EQ(run_state("r"), "failed");
  EXPECT_EQ(run_state("other"), "done");
  expect_log_replays();
}

TEST_F(EnginePolicyTest, AConnectionErrorFollowsTheSamePolicy) {
  open();
  engine->submit(run_of("r", {flaky("a", 1, policy(ErrorAction::kRetry, 1, 5), "connection")}));
  clock->run();
  EXPECT_EQ(steps_of("r")["a"].state, "done");
  auto failed = times_of("r", "a", "step_attempt_failed");
  ASSERT_EQ(failed.size(), 1u);
  bool unreachable = false;
  for (auto& e : store->events("r"))
    if (e.kind == "step_attempt_failed") unreachable = e.detail_json.find("lost connection") != std::string::npos;
  EXPECT_TRUE(unreachable);
}

TEST_F(EnginePolicyTest, ALateStepThatWouldBreakAMaxLagHoldsTheRunAndSaysWhy) {
  workcell = test::test_workcell(1, 1);
  options.max_lag_warning_s = 120;
  open();
  // 'y' must start within 15 min of prep's end and after 'x'; 'x' is 'slow' (twice its 10 min),
  // so it is still running when y's window is about to close.
  engine->submit(run_of("r", {step("prep", "work", 60), step("x", "slow", 600, {{"prep", Anchor::kEnd, 0, std::nullopt}}),
                              step("y", "work", 60, {{"prep", Anchor::kEnd, 0, 900}, {"x", Anchor::kEnd, 0, std::nullopt}})}));
  clock->run();
  auto prompts = engine->prompts();
  ASSERT_EQ(prompts.size(), 1u);
  EXPECT_EQ(prompts[0].step_id, "y");
  EXPECT_EQ(run_state("r"), "held");
  const std::string& why = prompts[0].what_happened;
  EXPECT_NE(why.find("max-lag window"), std::string::npos) << why;
  EXPECT_NE(why.find("'x'"), std::string::npos) << "the prompt names what it waits for: " << why;
  ASSERT_TRUE(prompts[0].window_left_s);
  EXPECT_LE(*prompts[0].window_left_s, 120.0);
  EXPECT_EQ(steps_of("r")["y"].state, "held");
  EXPECT_EQ(steps_of("r")["x"].state, "done") << "the running step finished while the run was held";

  engine->acknowledge("r", "y", engine::OperatorChoice::kAbortRun);
  clock->run();
  EXPECT_EQ(run_state("r"), "cancelled");
  EXPECT_EQ(steps_of("r")["y"].state, "cancelled");
  expect_log_replays();
}
