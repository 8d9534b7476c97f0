// `foundry plan --preview PROTOCOL` against a real foundryd: the times it reports (JSON shape in
// docs/cli.md; the per-step plan inside the run's span), that nothing is recorded, --set and a
// local protocol file, the exit codes.
#include "command_runner.hpp"
#include "json_output.hpp"
#include "served_database.hpp"
#include "build_paths.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <iomanip>


namespace foundry::testing {
namespace {

using nlohmann::json;

// Rows of `table` in the database, read directly (not through the code under test).
int row_count(const std::filesystem::path& db, const std::string& table) {
  sqlite3* handle = nullptr;
  int n = -1;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(handle, ("SELECT count(*) FROM " + table).c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
      n = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
  }
  sqlite3_close(handle);
  return n;
}

TEST(PlanPreview, ReportsStartEndAndEveryStepAndRecordsNothing) {
  ServedDatabase server;
  auto r = server.foundry("plan --preview dbtl-quick --json");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json p = parse_json_output(r);
  double now = p.at("now").get<double>(), start = p.at("planned_start").get<double>(),
         end = p.at("planned_end").get<double>();
  EXPECT_GE(start, now) << std::setprecision(15) << start << " < " << now;
  EXPECT_GT(end, start);
  EXPECT_DOUBLE_EQ(p.at("makespan_s").get<double>(), end - start);
  const json& plan = p.at("plan");
  ASSERT_EQ(plan.size(), p.at("steps").get<std::size_t>());
  double first = 1e300, last = 0;
  for (const auto& s : plan) {
    SCOPED_TRACE(s.dump());
    EXPECT_TRUE(s.at("step_id").is_string());
    EXPECT_TRUE(s.at("device_id").is_string());
    EXPECT_GE(s.at("unit").get<int>(), 0);
    EXPECT_LT(s.at("planned_start").get<double>(), s.at("planned_end").get<double>());
    first = std::min(first, s.at("planned_start").get<double>());
    last = std::max(last, s.at("planned_end").get<double>());
  }
  EXPECT_DOUBLE_EQ(first, start);
  EXPECT_DOUBLE_EQ(last, end);
  EXPECT_EQ(plan.front().at("step_id"), "d01/assembly_setup");  // the run's order; the default design

  EXPECT_EQ(row_count(server.db(), "runs"), 0) << "a preview submits nothing";
  EXPECT_EQ(row_count(server.db(), "steps"), 0);
}

TEST(PlanPreview, HumanOutputSaysWhenItWouldStartAndFinish) {
  ServedDatabase server;
  auto r = server.foundry("plan --preview dbtl-quick");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* part : {"dbtl-quick: ", "would start now, finish in ", "(at 20", "makespan ", "STEP", "DEVICE",
                           "d01/assembly_setup", "a preview: nothing was submitted"})
    EXPECT_NE(r.out.find(part), std::string::npos) << part << " in\n" << r.out;
  EXPECT_EQ(r.out.find("\x1b["), std::string::npos) << "no colour when piped";
}

TEST(PlanPreview, SetValuesAndLocalProtocolFilesReachTheServer) {
  ServedDatabase server;
  auto one = parse_json_output(server.foundry("plan --preview dbtl-quick --json"));
  const std::string designs =
      R"([{"id":"a1","promoter":"J23100","rbs":"B0034","gene":"var3"},{"id":"a2","promoter":"J23106","rbs":"B0034","gene":"var3"}])";
  auto two = server.foundry("plan --preview dbtl-quick --json --set " + shell_quote("designs=" + designs));
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(parse_json_output(two).at("steps").get<int>(), 2 * one.at("steps").get<int>());

  auto file = server.foundry("plan " + shell_quote(foundry::testing::source_dir() + "/protocols/dbtl-quick.json") +
                             " --preview --json");
  ASSERT_EQ(file.exit_code, 0) << file.err;
  EXPECT_EQ(parse_json_output(file).at("steps"), one.at("steps"));
}

TEST(PlanPreview, BadInputExitCodes) {
  ServedDatabase server;
  auto unknown = server.foundry("plan --preview no-such-protocol");
  EXPECT_EQ(unknown.exit_code, 3) << unknown.err;
  EXPECT_NE(unknown.err.find("no-such-protocol"), std::string::npos) << unknown.err;

  auto missing = server.foundry("plan --preview ./missing.json");
  EXPECT_EQ(missing.exit_code, 3) << missing.err;
  EXPECT_NE(missing.err.find("./missing.json: no such protocol file"), std::string::npos) << missing.err;

  auto bad_set = server.foundry("plan --preview dbtl-quick --set nonsense");
  EXPECT_EQ(bad_set.exit_code, 2) << bad_set.err;
  EXPECT_NE(bad_set.err.find("--set 'nonsense': expected NAME=VALUE"), std::string::npos) << bad_set.err;

  auto set_alone = server.foundry("plan problem.json --set a=1");
  EXPECT_EQ(set_alone.exit_code, 2) << set_alone.err;
  EXPECT_NE(set_alone.err.find("--set goes with --preview"), std::string::npos) << set_alone.err;
  EXPECT_EQ(row_count(server.db(), "runs"), 0);
}

}  // namespace
}  // namespace foundry::testing
