// The independent verifier catches each kind of violation in hand-made bad schedules, and
// accepts a good one. (If it missed one, every "verified" planner test would prove less.)
#include "schedule_verifier.hpp"

#include <foundry/planner/problem_io.hpp>

#include <gtest/gtest.h>

namespace foundry::testing {
namespace {

using planner::Assignment;
using planner::kNoDevice;
using planner::Problem;
using planner::Schedule;

// Devices: lh1, lh2 (type lh), br (24 units), m1/m2 (alternatives), arm + nest (demands).
// Job "j" (release 100): a (lh, 10) -> b (br, 500, within 60 s of a's end) -> s (lh, 20, 100-150 s
// after b's start); job "k": f (m1 3 s or m2 5 s), g (arm + 2 nest, 30 s), z (holds nothing).
Problem problem() {
  return planner::read_neutral_json(R"({"devices": [
      {"id": "lh1", "type": "lh"}, {"id": "lh2", "type": "lh"},
      {"id": "br", "type": "br", "capacity": 24, "downtimes": [{"from": 5000, "to": 6000}]},
      {"id": "m1", "type": "mill"}, {"id": "m2", "type": "mill"},
      {"id": "arm", "type": "arm"}, {"id": "nest", "type": "nest", "capacity": 3}],
    "jobs": [
      {"id": "j", "release": 100, "steps": [
        {"id": "a", "type": "lh", "duration": 10},
        {"id": "b", "type": "br", "duration": 500, "after": [{"step": "a", "max_lag": 60}]},
        {"id": "s", "type": "lh", "duration": 20,
         "after": [{"step": "b", "from": "start", "min_lag": 100, "max_lag": 150}]}]},
      {"id": "k", "steps": [
        {"id": "f", "alternatives": [{"device": "m1", "duration": 3}, {"device": "m2", "duration": 5}]},
        {"id": "g", "duration": 30, "demands": [{"device": "arm"}, {"device": "nest", "amount": 2}],
         "frozen": {"start": 0}},
        {"id": "z", "duration": 0, "demands": [], "after": [{"step": "f"}]}]}]})",
                                    "verifier.json");
}

// A schedule keeping every constraint.
Schedule good() {
  Schedule s;
  s.assignments = {
      {0, 0, 0, 100, 110},        // a on lh1
      {1, 2, 3, 120, 620},        // b on br unit 3, 10 s after a
      {2, 1, 0, 240, 260},        // s on lh2, 120 s after b's start
      {3, 4, 0, 0, 5},            // f on m2 (5 s)
      {4, 5, 0, 0, 30},           // g holds arm + 2 nest
      {5, kNoDevice, 0, 5, 5},    // z right after f
  };
  s.makespan = 620;
  return s;
}

// True when some violation contains every one of `words`.
::testing::AssertionResult reports(const std::vector<std::string>& violations,
                                   std::initializer_list<std::string> words) {
  for (const auto& v : violations) {
    bool all = true;
    for (const auto& w : words) all = all && v.find(w) != std::string::npos;
    if (all) return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no such violation in:\n" << describe_violations(violations);
}

TEST(ScheduleVerifier, AcceptsAScheduleKeepingEveryConstraint) {
  auto v = verify_schedule(problem(), good());
  EXPECT_TRUE(v.empty()) << describe_violations(v);
}

TEST(ScheduleVerifier, DetectsAMissingAssignment) {
  Schedule s = good();
  s.assignments.pop_back();
  EXPECT_TRUE(reports(verify_schedule(problem(), s), {"5 assignments for 6 steps"}));
  EXPECT_TRUE(reports(verify_schedule(problem(), s), {"'z' has no assignment"}));
}

TEST(ScheduleVerifier, DetectsAStepAssignedTwice) {
  Schedule s = good();
  s.assignments[5].step = 4;
  EXPECT_TRUE(reports(verify_schedule(problem(), s), {"'g' is assigned 2 times"}));
}

TEST(ScheduleVerifier, DetectsADeviceOfTheWrongType) {
  Schedule s = good();
  s.assignments[0].device = 2;  // a (lh) on br
  EXPECT_TRUE(reports(verify_schedule(problem(), s), {"'a' needs a device of type 'lh'", "'br'"}));
}

TEST(ScheduleVerifier, DetectsADeviceThatIsNotAnAlternative) {
  Schedule s = good();
  s.assignments[3].device = 0;  // f on lh1
  EXPECT_TRUE(reports(verify_schedule(problem(), s), {"'f' runs on 'lh1'", "not one of its alternatives"}));
}

TEST(ScheduleVerifier, DetectsAWrongDurationIncludingTheAlternativesOwn) {
  Schedule s = good();
  s.assignments[3].end = 3;  // 3 s is m1's duration, f runs on m2 (5 s)
  s.assignments[1].end = 600;
  auto v = verify_schedule(problem(), s);
  EXPECT_TRUE(reports(v, {"'f' lasts 3 s", "duration is 5 s"}));
  EXPECT_TRUE(reports(v, {"'b' lasts 480 s"}));
}

TEST(ScheduleVerifier, DetectsAUnitOutOfRange) {
  Schedule s = good();
  s.assignments[1].unit = 24;
  EXPECT_TRUE(reports(verify_schedule(problem(), s), {"'b' uses unit 24 of 'br'"}));
}

TEST(ScheduleVerifier, DetectsTwoStepsOnOneUnitAtOnce) {
  Schedule s = good();
  s.assignments[2].device = 0;  // s on lh1 too, but a and s do not overlap in time...
  EXPECT_TRUE(verify_schedule(problem(), s).empty());
  s.assignments[0] = {0, 0, 0, 240, 250};  // ...now a overlaps s on lh1 (and breaks its lag)
  EXPECT_TRUE(reports(verify_schedule(problem(), s), {"overlap on 'lh1' unit 0"}));
}

TEST(ScheduleVerifier, DetectsCapacityExceededByDemands) {
  Problem p = problem();
  p.devices[6].capacity = 1;  // nest: g needs 2
  EXPECT_TRUE(reports(verify_schedule(p, good()), {"'nest' holds 2 units", "capacity 1"}));
}

TEST(ScheduleVerifier, DetectsDemandsThatTogetherExceedCapacity) {
  Problem p = problem();
  planner::Step twin = p.steps[4];
  twin.id = "g2";
  twin.frozen.reset();
  p.steps.push_back(twin);
  p.jobs[1].steps.push_back(6);
  Schedule s = good();
  s.assignments.push_back({6, 5, 0, 29, 59});  // overlaps g for 1 s: arm 2 > 1, nest 4 > 3
  s.makespan = 620;
  auto v = verify_schedule(p, s);
  EXPECT_TRUE(reports(v, {"'arm' holds 2 units at time 29"}));
  EXPECT_TRUE(reports(v, {"'nest' holds 4 units at time 29", "capacity 3"}));
}

TEST(ScheduleVerifier, DetectsABrokenMinLag) {
  Schedule s = good();
  s.assignments[2] = {2, 1, 0, 200, 220};  // 80 s after b's start, min 100
  EXPECT_TRUE(reports(verify_schedule(problem(), s), {"'s' starts 80 s after the start of 'b'", "min lag 100"}));
}

TEST(ScheduleVerifier, DetectsABrokenMaxLag) {
  Schedule s = good();
  s.assignments[1] = {1, 2, 3, 200, 700};  // 90 s after a's end, max 60
  s.assignments[2] = {2, 1, 0, 320, 340};
  s.makespan = 700;
  EXPECT_TRUE(reports(verify_schedule(problem(), s), {"'b' starts 90 s after the end of 'a'", "max lag 60"}));
}

TEST(ScheduleVerifier, DetectsAStartBeforeTheRelease) {
  Schedule s = good();
  s.assignments[0] = {0, 0, 0, 90, 100};
  EXPECT_TRUE(reports(verify_schedule(problem(), s), {"'a' starts at 90", "release of job 'j' at 100"}));
}

TEST(ScheduleVerifier, DetectsAStepDuringADowntime) {
  Schedule s = good();
  s.assignments[1] = {1, 2, 3, 4800, 5300};
  s.assignments[0] = {0, 0, 0, 4780, 4790};
  s.assignments[2] = {2, 1, 0, 4920, 4940};
  s.makespan = 5300;
  EXPECT_TRUE(reports(verify_schedule(problem(), s), {"'b'", "holds 'br' during its downtime [5000, 6000)"}));
}

TEST(ScheduleVerifier, DetectsAFrozenStepThatMoved) {
  Schedule s = good();
  s.assignments[4] = {4, 5, 0, 1, 31};
  EXPECT_TRUE(reports(verify_schedule(problem(), s), {"'g' is frozen at start 0 but starts at 1"}));
}

TEST(ScheduleVerifier, DetectsADemandStepNotReportedOnItsFirstResource) {
  Schedule s = good();
  s.assignments[4].device = 6;
  EXPECT_TRUE(reports(verify_schedule(problem(), s), {"'g' holds several resources", "'arm', not 'nest'"}));
}

TEST(ScheduleVerifier, DetectsAResourceFreeStepGivenADevice) {
  Schedule s = good();
  s.assignments[5].device = 0;
  EXPECT_TRUE(reports(verify_schedule(problem(), s), {"'z' holds no resource but is assigned to 'lh1'"}));
}

TEST(ScheduleVerifier, RecomputesTheMakespan) {
  Schedule s = good();
  s.makespan = 600;
  EXPECT_TRUE(reports(verify_schedule(problem(), s), {"reported makespan is 600", "ends at 620"}));
}

}  // namespace
}  // namespace foundry::testing
