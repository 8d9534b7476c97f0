// `foundry report` end to end: one self-contained HTML page with its sections from real runs,
// campaign selection, and exit codes.
#include "recorded_runs.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace foundry {
namespace {

using testing::foundry_binary;
using testing::read_text;
using testing::run_command;
using testing::shell_quote;

class ReportCommand : public testing::RecordedRuns {
 protected:
  static void SetUpTestSuite() {
    // Two cycles of one design each.
    std::vector<std::string> runs;
    for (const char* design : {"a1", "b2"})
      runs.push_back("--param " + shell_quote(std::string("designs=[{\"id\":\"") + design +
                                              "\",\"promoter\":\"J23100\",\"rbs\":\"B0034\",\"gene\":\"var3\"}]"));
    record_runs("report-cmd", runs);
  }
};

TEST_F(ReportCommand, WritesEverySectionFromRealRuns) {
  auto out = dir_ / "reports" / "lab.html";
  auto result = run_command(foundry_binary() + " report --db " + db() + " --out " + shell_quote(out.string()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("(2 run(s))"), std::string::npos) << result.out;
  std::string html = read_text(out);
  for (const char* part : {"1. Runs", "2. Gantt", "3. Device utilisation", "4. DBTL progress", "5. Growth curves",
                           "Best titer per cycle", "<td>dbtl-quick-1</td>", "<td>dbtl-quick-2</td>",
                           "a1 (br250 vessel 0)", "b2 (br250 vessel 0)"})
    EXPECT_NE(html.find(part), std::string::npos) << part;
  EXPECT_EQ(html.find("No titer measurements"), std::string::npos);
}

TEST_F(ReportCommand, ACampaignKeepsItsRunsOnly) {
  auto out = dir_ / "one.html";
  auto result = run_command(foundry_binary() + " report --db " + db() + " --campaign dbtl-quick-2 --out " +
                            shell_quote(out.string()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::string html = read_text(out);
  EXPECT_NE(html.find("<td>dbtl-quick-2</td>"), std::string::npos);
  EXPECT_EQ(html.find("<td>dbtl-quick-1</td>"), std::string::npos);
  EXPECT_NE(html.find("<title>Campaign dbtl-quick-2</title>"), std::string::npos);
}

TEST_F(ReportCommand, ExitCodes) {
  auto out = " --out " + shell_quote((dir_ / "r.html").string());
  auto none = run_command(foundry_binary() + " report --db " + db() + " --campaign nothing" + out);
  EXPECT_EQ(none.exit_code, 3);
  EXPECT_NE(none.err.find("no run in"), std::string::npos) << none.err;
  EXPECT_NE(none.err.find("dbtl-quick-1, dbtl-quick-2"), std::string::npos) << none.err;
  auto missing = run_command(foundry_binary() + " report --db " + shell_quote((dir_ / "none.db").string()) + out);
  EXPECT_EQ(missing.exit_code, 3);
  auto bad_workcell = run_command(foundry_binary() + " report --db " + db() + out + " --workcell " +
                                  shell_quote((dir_ / "missing-workcell.json").string()));
  EXPECT_EQ(bad_workcell.exit_code, 3);
  EXPECT_NE(bad_workcell.err.find("missing-workcell.json"), std::string::npos) << bad_workcell.err;
  auto unwritable = run_command(foundry_binary() + " report --db " + db() + " --out /proc/foundry/r.html");
  EXPECT_EQ(unwritable.exit_code, 1) << unwritable.err;
  EXPECT_NE(unwritable.err.find("cannot write"), std::string::npos) << unwritable.err;
}

}  // namespace
}  // namespace foundry
