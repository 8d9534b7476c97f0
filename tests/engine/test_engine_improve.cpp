// After an event's repair the engine searches for a better plan and puts it in force when nothing
// changed meanwhile (engine_improve.cpp): under virtual time at once and deterministically, with
// a wall clock on a worker thread. Every plan involved passes the independent verifier; started
// steps never move; a result made for a plan no longer in force is dropped.
#include "test_engine_fixture.hpp"

#include "event_replay.hpp"
#include "schedule_verifier.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>

using namespace foundry;

namespace {

// Sum of priority x completion over the jobs, worked out here from the assignments.
double weighted_completion(const planner::Problem& problem, const planner::Schedule& schedule) {
  std::vector<planner::Time> end(problem.jobs.size(), 0);
  for (const auto& a : schedule.assignments)
    end[problem.steps.at(a.step).job] = std::max(end[problem.steps.at(a.step).job], a.end);
  double sum = 0;
  for (std::size_t j = 0; j < end.size(); ++j) sum += problem.jobs[j].priority * static_cast<double>(end[j]);
  return sum;
}

struct Improvement {
  planner::Problem problem;
  planner::Schedule replaced, improved;
  double at = 0;  // clock time
  std::thread::id thread;
};

class EngineImproveTest : public test::EngineTest {
 protected:
  std::vector<Improvement> improvements;
  double origin = 1000.0;  // the engine's planning origin: plan times count from it

  void SetUp() override {
    EngineTest::SetUp();
    options.on_plan_improved = [this](const planner::Problem& p, const planner::Schedule& before,
                                      const planner::Schedule& after) {
      improvements.push_back({p, before, after, clock->now(), std::this_thread::get_id()});
    };
  }

  static std::vector<StepSpec> chain(std::int64_t a, std::int64_t b, std::int64_t c, const std::string& first_op = "work") {
    return {step("s0", first_op, a), step("s1", "work", b, {{"s0", Anchor::kEnd, 0, std::nullopt}}),
            step("s2", "work", c, {{"s1", Anchor::kEnd, 0, std::nullopt}})};
  }
  static RunSpec run_with(const std::string& id, int priority, std::vector<StepSpec> steps) {
    RunSpec r = run_of(id, std::move(steps));
    r.priority = priority;
    return r;
  }
  // Three runs on two devices; r1's first step takes twice as long as planned (200 s -> 400 s).
  // When it ends late the repair pushes r1's next steps right (to the first gap long enough on
  // the unit, behind everything planned there); the search puts them in a better order.
  void late_step_lab() {
    workcell = test::test_workcell(2, 1);
    open();
    engine->submit(run_with("r0", 4, chain(600, 100, 300)));
    engine->submit(run_with("r1", 5, chain(200, 600, 600, "slow")));
    engine->submit(run_with("r2", 2, chain(100, 300, 400)));
  }

  // Σ priority x (end - t0) over the runs as they ran.
  double ran_weighted_completion() {
    double sum = 0;
    for (const auto& r : store->runs()) sum += r.priority * (r.finished_at.value_or(1e12) - 1000.0);
    return sum;
  }

  int improved_events() {
    int n = 0;
    for (const auto& e : store->events_since(0, 1000000)) n += e.kind == "plan_improved";
    return n;
  }

  std::vector<std::string> history() {
    std::vector<std::string> out;
    for (const auto& e : store->events_since(0, 1000000))
      out.push_back(std::to_string(e.t) + " " + e.run_id + "/" + e.step_id + " " + e.kind + " " + e.detail_json);
    return out;
  }

  // Every improvement: both plans valid for the problem, the new one strictly better, and every
  // step frozen in the problem (started when it was made) where it was.
  void expect_valid_improvements() {
    for (const auto& m : improvements) {
      EXPECT_EQ(foundry::testing::verify_schedule(m.problem, m.replaced), std::vector<std::string>{}) << "the repaired plan";
      EXPECT_EQ(foundry::testing::verify_schedule(m.problem, m.improved), std::vector<std::string>{}) << "the improved plan";
      EXPECT_LT(weighted_completion(m.problem, m.improved), weighted_completion(m.problem, m.replaced));
      for (std::size_t s = 0; s < m.problem.steps.size(); ++s) {
        const auto &a = m.improved.assignments[s], &b = m.replaced.assignments[s];
        if (m.problem.steps[s].frozen || b.start < static_cast<planner::Time>(m.at - origin)) {
          EXPECT_TRUE(a.start == b.start && a.device == b.device && a.unit == b.unit)
              << m.problem.steps[s].id << " had started and moved";
        } else {
          EXPECT_GE(static_cast<double>(a.start), std::floor(m.at - origin)) << m.problem.steps[s].id << " planned in the past";
        }
      }
    }
  }

  // No step is planned again once started, whatever plan came later.
  void expect_no_started_step_moved() {
    std::map<std::string, bool> running;
    for (const auto& e : store->events_since(0, 1000000)) {
      const std::string key = e.run_id + "/" + e.step_id;
      if (e.kind == "step_started") running[key] = true;
      if (e.kind == "step_finished" || e.kind == "step_failed" || e.kind == "step_attempt_failed") running[key] = false;
      if (e.kind == "step_planned") {
        EXPECT_FALSE(running[key]) << key << " planned again while running";
      }
    }
  }
};

}  // namespace

TEST_F(EngineImproveTest, AfterADelayABetterPlanThanTheRepairIsPutInForce) {
  late_step_lab();
  clock->run();
  for (const char* r : {"r0", "r1", "r2"}) ASSERT_EQ(run_state(r), "done") << r;
  expect_valid_improvements();
  // r1/s0 ends late at t0 + 400: the drift repair is put in force, then the better plan.
  const double late_end = *steps_of("r1")["s0"].finished_at;
  ASSERT_EQ(late_end, 1000.0 + 400);
  auto at_delay = std::find_if(improvements.begin(), improvements.end(), [&](const auto& m) { return m.at == late_end; });
  ASSERT_NE(at_delay, improvements.end()) << "no better plan after the delay's repair";
  EXPECT_LT(weighted_completion(at_delay->problem, at_delay->improved),
            weighted_completion(at_delay->problem, at_delay->replaced));
  EXPECT_LE(at_delay->improved.makespan, at_delay->replaced.makespan);
  std::vector<std::string> at_late_end;
  for (const auto& e : store->events_since(0, 1000000))
    if (e.t == late_end && e.run_id.empty()) at_late_end.push_back(e.kind + " " + e.detail_json);
  ASSERT_EQ(at_late_end.size(), 2u);
  EXPECT_EQ(at_late_end[0], R"(replanned {"why":"drift"})");
  auto detail = nlohmann::json::parse(at_late_end[1].substr(at_late_end[1].find('{')));
  EXPECT_EQ(at_late_end[1].substr(0, at_late_end[1].find(' ')), "plan_improved");
  EXPECT_EQ(detail["objective"], "weighted-completion");
  EXPECT_EQ(detail["before"].get<double>(), at_delay->replaced.objective_value);
  EXPECT_EQ(detail["after"].get<double>(), at_delay->improved.objective_value);
  EXPECT_LT(detail["after"].get<double>(), detail["before"].get<double>());
  EXPECT_GE(detail["moved_steps"].get<int>(), 1);
  // r1's next step runs as the better plan says, not where the repair had pushed it.
  const auto& after = at_delay->improved;
  std::size_t s1 = 0;
  while (at_delay->problem.steps[s1].id.find("r1") == std::string::npos ||
         at_delay->problem.steps[s1].id.find("s1") == std::string::npos)
    ++s1;
  EXPECT_EQ(*steps_of("r1")["s1"].started_at, 1000.0 + static_cast<double>(after.assignments[s1].start));
  EXPECT_LT(after.assignments[s1].start, at_delay->replaced.assignments[s1].start);
  expect_no_started_step_moved();
  for (const char* r : {"r0", "r1", "r2"})
    for (auto& s : store->steps(r)) EXPECT_FALSE(s.constraint_violated) << r << "/" << s.step_id;
  expect_log_replays();
  auto replay = foundry::testing::check_event_replay(db.string());
  EXPECT_TRUE(replay.ok()) << replay.text();

  // The same lab without the search: the runs finish later, weighted by priority.
  const double with_search = ran_weighted_completion();
  improvements.clear();
  close();
  remove_db();
  options.improve_work_limit = 0;
  late_step_lab();
  clock->run();
  EXPECT_TRUE(improvements.empty());
  EXPECT_EQ(improved_events(), 0);
  EXPECT_LT(with_search, ran_weighted_completion());
}

TEST_F(EngineImproveTest, TheSameInputsGiveTheSameHistory) {
  late_step_lab();
  clock->run();
  auto first = history();
  EXPECT_GE(improved_events(), 2);
  close();
  remove_db();
  late_step_lab();
  clock->run();
  EXPECT_EQ(history(), first);
}

TEST_F(EngineImproveTest, ABetterPlanForAPlanNoLongerInForceIsDropped) {
  // Two runs arrive while r0 runs: the second one's repair is improved by a task posted at that
  // instant; before its result comes back, d2 goes out of service and the replan puts a plan
  // without d2 in force. The result, made for a plan with d2, must not replace it.
  workcell = test::test_workcell(2, 1);
  open();
  engine->submit(run_with("r0", 4, chain(600, 100, 300)));
  clock->call_at(1000.0 + 50, [&] {
    engine->submit(run_with("r1", 5, chain(200, 600, 600)));
    engine->submit(run_with("r2", 2, chain(100, 300, 400)));
    clock->post([&] { engine->set_device_in_service("d2", false, "maintenance"); });
  });
  clock->run();
  for (const char* r : {"r0", "r1", "r2"}) ASSERT_EQ(run_state(r), "done") << r;
  expect_valid_improvements();
  for (const auto& m : improvements) {
    ASSERT_GE(m.problem.devices.size(), 2u);
    EXPECT_EQ(m.problem.devices[1].id, "d2");
    EXPECT_EQ(m.problem.devices[1].downtimes.size(), 1u) << "a plan made while d2 was in service was put in force at "
                                                         << m.at - 1000.0;
  }
  for (const char* r : {"r1", "r2"})
    for (auto& s : store->steps(r)) EXPECT_EQ(s.device_id, "d1") << r << "/" << s.step_id << " ran on d2, out of service";
  expect_log_replays();
}

namespace {
// The same engine on a wall clock: the search runs on a worker thread.
class EngineImproveWallClockTest : public EngineImproveTest {
 protected:
  void open_on_wall_clock() {
    close();
    clock = engine::make_wall_clock();
    store = store::Store::open(db);
    fleet = std::make_unique<engine::DeviceFleet>(workcell, *clock);
    engine = std::make_unique<engine::Engine>(workcell, *fleet, *store, *clock, options);
    origin = std::floor(clock->now());
  }
  // Nothing starts during the test: every run is released an hour from now.
  void submit_lab() {
    for (auto r : {run_with("r0", 4, chain(600, 100, 300)), run_with("r1", 5, chain(200, 600, 600)),
                   run_with("r2", 2, chain(100, 300, 400))}) {
      r.release_s = 3600;
      engine->submit(r);
    }
  }
};
}  // namespace

TEST_F(EngineImproveWallClockTest, TheSearchRunsOnAWorkerAndItsPlanIsPutInForceByTheLoop) {
  workcell = test::test_workcell(2, 1);
  options.improve_budget_s = 0.1;
  open_on_wall_clock();
  submit_lab();
  EXPECT_TRUE(improvements.empty()) << "submit() waited for the search";
  EXPECT_EQ(improved_events(), 0);
  // Run the loop until a better plan is in force (or long enough to know none comes).
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::function<void()> poll = [&] {
    if (!improvements.empty() || std::chrono::steady_clock::now() > give_up) clock->stop();
    else clock->call_after(0.01, poll);
  };
  clock->call_after(0.01, poll);
  clock->run();
  ASSERT_EQ(improvements.size(), 1u);
  EXPECT_EQ(improvements[0].thread, std::this_thread::get_id()) << "put in force on the engine's thread";
  expect_valid_improvements();
  EXPECT_EQ(improved_events(), 1);
}

TEST_F(EngineImproveWallClockTest, AResultThatComesAfterTheEngineIsGoneIsIgnored) {
  workcell = test::test_workcell(2, 1);
  options.improve_budget_s = 0.05;
  open_on_wall_clock();
  submit_lab();
  // The engine goes while its worker searches: it waits for the worker, whose result is then
  // posted to a clock that outlives the engine and must not reach it.
  engine.reset();
  clock->run();
  EXPECT_EQ(improved_events(), 0);
}
