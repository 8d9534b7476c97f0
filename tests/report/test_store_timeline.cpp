// timeline_from_store: bars carry the plan in force and what ran, windows follow the actual
// predecessor, faults/violations/holds become marks on the right lanes.
#include "report_fixture.hpp"

#include <foundry/protocol/run_spec_json.hpp>
#include <foundry/report/store_timeline.hpp>

#include <algorithm>

namespace foundry::report {
namespace {

using testing::kT0;
using testing::ReportStore;

const Bar& bar(const Timeline& t, const std::string& run, const std::string& step) {
  auto it = std::find_if(t.bars.begin(), t.bars.end(),
                         [&](const Bar& b) { return b.run_id == run && b.step_id == step; });
  if (it == t.bars.end()) throw std::runtime_error("no bar " + run + " " + step);
  return *it;
}

TEST_F(ReportStore, BarsHoldThePlanInForceAndWhatRan) {
  Timeline t = timeline_from_store(*store, {});
  ASSERT_EQ(t.runs, (std::vector<std::string>{"cycle-1", "cycle-2"}));
  ASSERT_EQ(t.bars.size(), 4u);
  const Bar& sample = bar(t, "cycle-1", "d01/t1/sample");
  EXPECT_EQ(sample.device_id, "lh1");
  EXPECT_DOUBLE_EQ(*sample.planned_start, kT0 + 3600);
  EXPECT_DOUBLE_EQ(*sample.started, kT0 + 4000);
  EXPECT_DOUBLE_EQ(*sample.finished, kT0 + 4300);
  EXPECT_EQ(bar(t, "cycle-2", "d02/cultivate").unit, 5);
  EXPECT_EQ(bar(t, "cycle-2", "d02/t1/sample").state, "failed");
  EXPECT_DOUBLE_EQ(t.origin, kT0);
  EXPECT_DOUBLE_EQ(t.end, kT0 + 7800);
}

TEST_F(ReportStore, DevicesWithoutAWorkcellAreThoseUsedWithCapacityFromTheHighestUnit) {
  Timeline t = timeline_from_store(*store, {});
  ASSERT_EQ(t.devices.size(), 2u);
  EXPECT_EQ(t.devices[0].id, "br250");
  EXPECT_EQ(t.devices[0].type, "bioreactor_250ml");
  EXPECT_EQ(t.devices[0].capacity, 6);
  EXPECT_EQ(t.devices[1].id, "lh1");
}

TEST_F(ReportStore, AWorkcellGivesLaneOrderAndCapacities) {
  Workcell workcell;
  workcell.devices = {{"lh1", "liquid_handler", {}, 1, {}}, {"lh2", "liquid_handler", {}, 1, {}},
                      {"br250", "bioreactor_250ml", {}, 24, {}}};
  TimelineSources sources;
  sources.workcell = &workcell;
  Timeline t = timeline_from_store(*store, {}, sources);
  ASSERT_EQ(t.devices.size(), 3u);
  EXPECT_EQ(t.devices[1].id, "lh2");
  EXPECT_EQ(t.devices[2].capacity, 24);
}

TEST_F(ReportStore, WindowsOpenFromThePredecessorsActualStart) {
  TimelineSources sources;
  sources.dependencies = dependencies_of(testing::two_step_run("x", "d01"));
  Timeline t = timeline_from_store(*store, {"cycle-1"}, sources);
  ASSERT_EQ(t.windows.size(), 1u);
  EXPECT_EQ(t.windows[0].step_id, "d01/t1/sample");
  EXPECT_EQ(t.windows[0].device_id, "lh1");
  EXPECT_DOUBLE_EQ(t.windows[0].open, kT0 + 3000);
  EXPECT_DOUBLE_EQ(t.windows[0].close, kT0 + 3900);
  EXPECT_TRUE(timeline_from_store(*store, {"cycle-1"}).windows.empty()) << "no dependencies given, no windows";
}

TEST_F(ReportStore, ARunsRecordedSpecGivesItsWindows) {
  RunSpec run = testing::two_step_run("cycle-3", "d03");
  run.steps[1].after[0].max_lag_s = 4500;  // differs from what a protocol file would say
  store->create_run(run, kT0, "", run_spec_to_json(run));
  store->plan_steps({{"cycle-3", "d03/cultivate", "br250", 1, kT0, kT0 + 7200},
                     {"cycle-3", "d03/t1/sample", "lh1", 0, kT0 + 3600, kT0 + 3900}},
                    kT0);
  TimelineSources sources;
  sources.dependencies = dependencies_of(testing::two_step_run("x", "d03"));  // max 3900
  Timeline t = timeline_from_store(*store, {"cycle-3"}, sources);
  ASSERT_EQ(t.windows.size(), 1u);
  EXPECT_DOUBLE_EQ(t.windows[0].open, kT0 + 3000) << "from the planned start: not started yet";
  EXPECT_DOUBLE_EQ(t.windows[0].close, kT0 + 4500) << "the run's own spec wins over the protocol file";
}

TEST_F(ReportStore, DevicesOutOfServiceAreMarkedWhileTheyOverlapTheRuns) {
  Timeline t = timeline_from_store(*store, {});
  std::vector<Mark> out;
  for (const auto& m : t.marks)
    if (m.kind == MarkKind::kOutOfService) out.push_back(m);
  ASSERT_EQ(out.size(), 1u) << "lh1's period ended before the first run";
  EXPECT_EQ(out[0].device_id, "br250");
  EXPECT_DOUBLE_EQ(out[0].t, kT0 + 5000);
  ASSERT_TRUE(out[0].until.has_value());
  EXPECT_DOUBLE_EQ(*out[0].until, kT0 + 5960);
  EXPECT_EQ(out[0].text, "br250 out of service: pump fault");
}

TEST_F(ReportStore, FaultsViolationsAndHoldsAreMarked) {
  Timeline t = timeline_from_store(*store, {});
  auto count = [&](MarkKind kind) {
    return std::count_if(t.marks.begin(), t.marks.end(), [&](const Mark& m) { return m.kind == kind; });
  };
  EXPECT_EQ(count(MarkKind::kFault), 1);
  EXPECT_EQ(count(MarkKind::kViolation), 1);
  EXPECT_EQ(count(MarkKind::kHold), 1);
  for (const auto& m : t.marks) {
    if (m.kind == MarkKind::kFault) {
      EXPECT_EQ(m.step_id, "d02/t1/sample");
      EXPECT_EQ(m.device_id, "lh1");
      EXPECT_NE(m.text.find("tip pick-up failed"), std::string::npos) << m.text;
    }
    if (m.kind == MarkKind::kViolation) {
      EXPECT_NE(m.text.find("100 s after"), std::string::npos) << m.text;
    }
    if (m.kind == MarkKind::kHold) {
      EXPECT_EQ(m.run_id, "cycle-2");
      EXPECT_DOUBLE_EQ(m.t, kT0 + 1200);
      ASSERT_TRUE(m.until.has_value());
      EXPECT_DOUBLE_EQ(*m.until, kT0 + 1800);
    }
  }
}

TEST_F(ReportStore, AnUnknownRunIsRefusedNamingTheKnownOnes) {
  try {
    timeline_from_store(*store, {"cycle-9"});
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("no run 'cycle-9'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cycle-1, cycle-2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace foundry::report
