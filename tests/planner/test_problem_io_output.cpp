// Schedule JSON (the shape of planning-problem.md, read back for checking) and the SVG Gantt chart.
#include <foundry/model/diagnostic.hpp>
#include <foundry/planner/gantt_svg.hpp>
#include <foundry/planner/problem_io.hpp>
#include <foundry/planner/schedule_io.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace foundry::planner {
namespace {

using nlohmann::json;

// lh1 (one unit), br (24 units), arm + nest for a two-resource step, and a milestone.
Problem small_problem() {
  return read_neutral_json(R"({"name": "small <lab>", "devices": [
      {"id": "lh1", "type": "lh"}, {"id": "br", "type": "br", "capacity": 24},
      {"id": "arm", "type": "arm"}, {"id": "nest", "type": "nest", "capacity": 3}],
    "jobs": [{"id": "j&1", "steps": [
      {"id": "a<1>", "type": "lh", "duration": 10},
      {"id": "b", "type": "br", "duration": 100, "after": [{"step": "a<1>"}]},
      {"id": "c", "duration": 5, "demands": [{"device": "arm"}, {"device": "nest", "amount": 2}]},
      {"id": "done", "duration": 0, "demands": []}]}]})",
                           "small.json");
}

Schedule small_schedule() {
  Schedule s;
  s.assignments = {{0, 0, 0, 0, 10}, {1, 1, 5, 10, 110}, {2, 2, 0, 20, 25}, {3, kNoDevice, 0, 110, 110}};
  s.makespan = 110;
  s.objective = "makespan";
  s.objective_value = 110;
  return s;
}

TEST(ScheduleJson, HasTheDocumentedShape) {
  json doc = json::parse(write_schedule_json(small_problem(), small_schedule()));
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
  Problem p = small_problem();
  Schedule written = small_schedule();
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
  Problem p = small_problem();
  json doc = json::parse(write_schedule_json(p, small_schedule()));
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

TEST(GanttSvg, DrawsEveryStepWithItsIdOnHoverAndALaneGroupPerDevice) {
  std::string svg = write_gantt_svg(small_problem(), small_schedule());
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  // Ids are escaped; the two-resource step is drawn once per unit it holds (arm 1 + nest 2).
  EXPECT_NE(svg.find("<title>a&lt;1&gt; (job j&amp;1) on lh1: 0-10</title>"), std::string::npos);
  EXPECT_NE(svg.find("b (job j&amp;1) on br unit 5: 10-110"), std::string::npos);
  std::size_t boxes_of_c = 0;
  for (std::size_t at = svg.find("<title>c "); at != std::string::npos; at = svg.find("<title>c ", at + 1))
    ++boxes_of_c;
  EXPECT_EQ(boxes_of_c, 3u);
  std::size_t groups = 0;
  for (std::size_t at = svg.find("class=\"device\""); at != std::string::npos;
       at = svg.find("class=\"device\"", at + 1))
    ++groups;
  EXPECT_EQ(groups, 4u);
  EXPECT_EQ(svg.find("<title>done"), std::string::npos);  // holds nothing: no box
}

}  // namespace
}  // namespace foundry::planner
