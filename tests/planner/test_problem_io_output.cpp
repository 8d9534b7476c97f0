// Schedule JSON: the shape of planning-problem.md, read back for checking. (The plan as a Gantt
// chart is the report's: tests/report/test_plan_timeline.cpp.)
#include "mixed_resource_plan.hpp"

#include <foundry/model/diagnostic.hpp>
#include <foundry/planner/problem_io.hpp>
#include <foundry/planner/schedule_io.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace foundry::planner {
namespace {

using nlohmann::json;

using testing::mixed_resource_problem;
using testing::mixed_resource_schedule;

TEST(ScheduleJson, HasTheDocumentedShape) {
  json doc = json::parse(write_schedule_json(mixed_resource_problem(), mixed_resource_schedule()));
  EXPECT_EQ(doc["makespan"], 110);
  EXPECT_EQ(doc["objective"], "makespan");
  ASSERT_EQ(doc["assignments"].size(), 4u);
  json first = doc["assignments"][0];
  EXPECT_EQ(first["step"], "a<1>");
  EXPECT_EQ(first["device"], "lh1");
  EXPECT_EQ(first["start"], 0);
  EXPECT_EQ(first["end"], 10);
  EXPECT_EQ(doc["assignments"][1]["unit"], 5);
  json multi = doc["assignments"][2];
  EXPECT_EQ(multi["device"], "arm");
  EXPECT_EQ(multi["devices"], json::array({"arm", "nest"}));
  EXPECT_EQ(multi["amounts"], json::array({1, 2}));
  EXPECT_TRUE(doc["assignments"][3]["device"].is_null());
}

TEST(ScheduleJson, ReadsBackWhatItWrote) {
  Problem p = mixed_resource_problem();
  Schedule written = mixed_resource_schedule();
  Schedule read = read_schedule_json(p, write_schedule_json(p, written), "s.json");
  EXPECT_EQ(read.makespan, written.makespan);
  EXPECT_EQ(read.objective, written.objective);
  ASSERT_EQ(read.assignments.size(), written.assignments.size());
  for (std::size_t i = 0; i < read.assignments.size(); ++i) {
    EXPECT_EQ(read.assignments[i].step, written.assignments[i].step);
    EXPECT_EQ(read.assignments[i].device, written.assignments[i].device);
    EXPECT_EQ(read.assignments[i].unit, written.assignments[i].unit);
    EXPECT_EQ(read.assignments[i].start, written.assignments[i].start);
    EXPECT_EQ(read.assignments[i].end, written.assignments[i].end);
  }
}

TEST(ScheduleJson, ReportsUnknownRepeatedAndMissingSteps) {
  Problem p = mixed_resource_problem();
  json doc = json::parse(write_schedule_json(p, mixed_resource_schedule()));
  doc["assignments"][1]["step"] = "a<1>";       // repeated; "b" is now missing
  doc["assignments"][2]["device"] = "robot-9";  // unknown device
  doc["assignments"][3]["start"] = "late";
  try {
    read_schedule_json(p, doc.dump(), "s.json");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    std::string all = format_diagnostics(e.diagnostics());
    EXPECT_NE(all.find("s.json:/assignments/1/step: step 'a<1>' is assigned twice"), std::string::npos) << all;
    EXPECT_NE(all.find("s.json:/assignments/2/device: must name a device"), std::string::npos) << all;
    EXPECT_NE(all.find("s.json:/assignments/3/start: must be an integer"), std::string::npos) << all;
    EXPECT_NE(all.find("s.json:/assignments: step 'b' has no assignment"), std::string::npos) << all;
  }
}

}  // namespace
}  // namespace foundry::planner
