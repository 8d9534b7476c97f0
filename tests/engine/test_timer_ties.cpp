// Timers due at the same instant, run in an order a wall clock may run them (ties_reversed_clock.hpp):
// a result that arrived when its timeout strikes was in hand, and the step is not timed out.
#include "test_engine_fixture.hpp"
#include "ties_reversed_clock.hpp"

using namespace foundry;

namespace {

class TimerTiesTest : public test::EngineTest {
 protected:
  test::TiesReversedClock* ties = nullptr;

  // Reversed ties whatever FOUNDRY_TEST_CLOCK_TIES says.
  std::unique_ptr<engine::Clock> make_clock(double t0) override {
    auto owned = std::make_unique<test::TiesReversedClock>(engine::make_virtual_clock(t0));
    ties = owned.get();
    return owned;
  }
};

}  // namespace

TEST(TiesReversedClockTest, RunsTimersOfOneInstantNewestFirstAndPostedWorkBeforeTheNextTimer) {
  test::TiesReversedClock clock(engine::make_virtual_clock(0));
  std::vector<std::string> order;
  clock.call_at(5, [&] { order.push_back("first"); });
  clock.call_at(5, [&] {
    order.push_back("second");
    clock.post([&] { order.push_back("posted by second"); });
    clock.call_at(5, [&] { order.push_back("scheduled by second"); });
  });
  const auto cancelled = clock.call_at(5, [&] { order.push_back("cancelled"); });
  clock.cancel(cancelled);
  clock.call_at(1, [&] { order.push_back("earlier"); });
  clock.run();
  EXPECT_EQ(order, (std::vector<std::string>{"earlier", "second", "posted by second", "first", "scheduled by second"}));
}

// The step's timeout is due at the very instant its result comes: the driver's completion timer
// runs first, the result arrives and waits for the commit of that instant, then the timeout's
// timer runs. The result was in hand: the step is done, once, and not timed out.
TEST_F(TimerTiesTest, AResultInHandWhenItsTimeoutStrikesIsRecordedAndTheStepIsNotTimedOut) {
  open();
  StepSpec a = step("a", "work", 600);
  a.timeout_s = 600;
  engine->submit(run_of("r", {a, step("b", "work", 60, {{"a", Anchor::kEnd, 0, std::nullopt}})}));
  clock->run();
  EXPECT_GE(ties->reordered_instants(), 1);
  EXPECT_EQ(count(kinds("r", "a"), "step_timed_out"), 0);
  EXPECT_EQ(count(kinds("r", "a"), "step_started"), 1);
  EXPECT_EQ(run_state("r"), "done");
  auto steps = steps_of("r");
  EXPECT_EQ(steps["a"].state, "done");
  ASSERT_TRUE(steps["a"].finished_at);
  EXPECT_DOUBLE_EQ(*steps["a"].finished_at - *steps["a"].started_at, 600);
  expect_log_replays();
}
