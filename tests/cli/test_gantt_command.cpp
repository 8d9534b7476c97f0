// `foundry gantt` end to end: the files it writes from a real run, the windows --protocol adds,
// the lanes --workcell gives, and its exit codes.
#include "recorded_runs.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace foundry {
namespace {

using testing::foundry_binary;
using testing::occurrences;
using testing::read_text;
using testing::run_command;
using testing::shell_quote;

class GanttCommand : public testing::RecordedRuns {
 protected:
  static void SetUpTestSuite() { record_runs("gantt"); }
  static std::string gantt(const std::string& args) { return foundry_binary() + " gantt --db " + db() + " " + args; }
};

TEST_F(GanttCommand, WritesTheSvgAndASelfContainedHtmlPage) {
  auto prefix = dir_ / "out" / "quick";
  auto result = run_command(gantt("dbtl-quick-1 --out " + shell_quote(prefix.string())));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("quick.svg and "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("(1 run(s), 16 steps)"), std::string::npos) << result.out;
  std::string svg = read_text(prefix.string() + ".svg"), html = read_text(prefix.string() + ".html");
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_EQ(occurrences(svg, "class=\"ran\""), 16u) << "every step of dbtl-quick ran";
  EXPECT_EQ(occurrences(svg, "class=\"plan\""), 16u);
  EXPECT_NE(svg.find(">br250 · bioreactor_250ml<"), std::string::npos)
      << "without a workcell the capacity is what the run used: one vessel, one lane";
  EXPECT_EQ(svg.find(">lh2 · liquid_handler<"), std::string::npos) << "without a workcell: the devices used only";
  EXPECT_NE(html.find(svg.substr(0, 200)), std::string::npos) << "the page holds the same chart inline";
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST_F(GanttCommand, ProtocolAndWorkcellAddWindowsAndEveryDevice) {
  auto prefix = dir_ / "full";
  auto result = run_command(gantt("--out " + shell_quote(prefix.string()) + " --workcell " + workcell() +
                                  " --protocol " + protocol()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::string svg = read_text(prefix.string() + ".svg");
  ASSERT_FALSE(svg.empty());
  // dbtl-quick's max lags: golden_gate, transformation, plate_incubation, pick_colonies,
  // preculture, inoculate, cultivate, 4 samples and 4 reads.
  EXPECT_GE(occurrences(svg, "class=\"window\""), 10u);
  EXPECT_NE(svg.find("br250 · bioreactor_250ml · 1/24 vessels used"), std::string::npos);
  EXPECT_NE(svg.find("br1l · bioreactor_1l · 0/12 vessels used"), std::string::npos) << "idle devices shown";
  EXPECT_NE(svg.find(">lh2 · liquid_handler<"), std::string::npos);
}

TEST_F(GanttCommand, ExitCodes) {
  auto out = " --out " + shell_quote((dir_ / "x").string());
  auto missing = run_command(foundry_binary() + " gantt --db " + shell_quote((dir_ / "none.db").string()) + out);
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_NE(missing.err.find("no such database"), std::string::npos) << missing.err;
  auto unknown = run_command(gantt("nope" + out));
  EXPECT_EQ(unknown.exit_code, 3);
  EXPECT_NE(unknown.err.find("no run 'nope'"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("runs: dbtl-quick-1"), std::string::npos) << unknown.err;

  auto bad = dir_ / "bad.json";
  std::ofstream(bad) << R"({"name": "x", "version": "1", "steps": [{"id": "a"}]})";
  auto bad_protocol = run_command(gantt(out + " --protocol " + shell_quote(bad.string())));
  EXPECT_EQ(bad_protocol.exit_code, 3);
  EXPECT_NE(bad_protocol.err.find("bad.json:/steps/0"), std::string::npos) << bad_protocol.err;

  auto blocked = dir_ / "file";
  std::ofstream(blocked) << "a file, not a folder";
  auto unwritable = run_command(gantt("--out " + shell_quote((blocked / "g").string())));
  EXPECT_EQ(unwritable.exit_code, 1);
  EXPECT_NE(unwritable.err.find("cannot write"), std::string::npos) << unwritable.err;
  EXPECT_EQ(run_command(gantt("--bogus")).exit_code, 2);
}

}  // namespace
}  // namespace foundry
