// `foundry run` end to end: the real binary, the shipped quick DBTL protocol, the simulated
// foundry's plugins, and the database it leaves behind (read back with plain SQLite).
#include "command_runner.hpp"
#include "scratch_folder.hpp"
#include "build_paths.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

using foundry::testing::foundry_binary;
using foundry::testing::run_command;
using foundry::testing::shell_quote;

namespace {

namespace fs = std::filesystem;

class RunCommand : public ::testing::Test {
 protected:
  foundry::testing::ScratchFolder scratch{"run"};
  fs::path dir = scratch.path();
  std::string source = foundry::testing::source_dir();

  std::string run(const std::string& protocol, const std::string& workcell, const std::string& extra = "") {
    return foundry_binary() + " run " + shell_quote(protocol) + " --workcell " + shell_quote(workcell) + " --db " +
           shell_quote((dir / "run.db").string()) + " --time-limit 0.2 " + extra;
  }
  std::string sim_workcell() const { return source + "/protocols/workcells/sim-foundry.json"; }

  static long long count(const fs::path& db, const std::string& sql) {
    sqlite3* handle = nullptr;
    sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* stmt = nullptr;
    long long n = -1;
    if (sqlite3_prepare_v2(handle, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
      n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(handle);
    return n;
  }
};

}  // namespace

TEST_F(RunCommand, RunsTheQuickDbtlProtocolToCompletionAndStoresMeasurements) {
  auto result = run_command(run(source + "/protocols/dbtl-quick.json", sim_workcell()));
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("0 failed, 0 skipped"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("database: "), std::string::npos) << result.out;
  auto db = dir / "run.db";
  // Every step done, with an actual start and end.
  EXPECT_EQ(count(db, "SELECT count(*) FROM steps WHERE state != 'done' OR started_at IS NULL OR finished_at IS NULL"), 0);
  EXPECT_GT(count(db, "SELECT count(*) FROM steps"), 5);
  // Plate-reader OD600 readings of the samples, as the README shows how to query them.
  EXPECT_GT(count(db, "SELECT count(*) FROM measurements WHERE name='OD600' AND sample IS NOT NULL"), 0);
  EXPECT_EQ(count(db, "SELECT count(*) FROM events WHERE kind='constraint_violated'"), 0);
  EXPECT_EQ(count(db, "SELECT count(*) FROM runs WHERE state='done'"), 1);
}

TEST_F(RunCommand, ASecondRunInTheSameDatabaseGetsItsOwnId) {
  ASSERT_EQ(run_command(run(source + "/protocols/dbtl-quick.json", sim_workcell())).exit_code, 0);
  ASSERT_EQ(run_command(run(source + "/protocols/dbtl-quick.json", sim_workcell())).exit_code, 0);
  EXPECT_EQ(count(dir / "run.db", "SELECT count(DISTINCT run_id) FROM runs"), 2);
}

TEST_F(RunCommand, AMissingParameterValueIsRefusedWithExitCode3AndNothingStored) {
  auto result = run_command(run(source + "/protocols/dbtl-quick.json", sim_workcell(), "--param no_such_parameter=1"));
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("no_such_parameter"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("nothing was run"), std::string::npos) << result.err;
  EXPECT_EQ(count(dir / "run.db", "SELECT count(*) FROM runs"), 0);
}

TEST_F(RunCommand, AnUnloadablePluginIsRefusedWithExitCode5NamingTheDevice) {
  auto workcell = dir / "broken.json";
  std::ofstream(workcell) << R"({"devices": [{"id": "lh9", "type": "liquid_handler", "operations": ["transfer"],
                                   "driver": {"plugin": "no_such_plugin", "model": "x"}}]})";
  auto result = run_command(run(source + "/protocols/dbtl-quick.json", workcell.string()));
  EXPECT_EQ(result.exit_code, 3) << "the protocol needs device types this workcell lacks: bad input first\n" << result.err;

  auto simple = dir / "simple.json";
  std::ofstream(simple) << R"({"name": "one", "version": "1", "steps": [{"id": "t", "operation": "transfer", "device_type": "liquid_handler", "duration": 60}]})";
  result = run_command(run(simple.string(), workcell.string()));
  EXPECT_EQ(result.exit_code, 5) << result.out << result.err;
  EXPECT_NE(result.err.find("device 'lh9'"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("no such file"), std::string::npos) << result.err;
}

TEST_F(RunCommand, HistoryPrintsTheRunsEventLogAndRefusesUnknownRuns) {
  ASSERT_EQ(run_command(run(source + "/protocols/dbtl-quick.json", sim_workcell())).exit_code, 0);
  auto db = shell_quote((dir / "run.db").string());
  auto result = run_command(foundry_binary() + " history dbtl-quick-1 --db " + db);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("run_created"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("step_finished"), std::string::npos);
  EXPECT_NE(result.out.find("run_done"), std::string::npos);

  auto json = run_command(foundry_binary() + " history dbtl-quick-1 --json --db " + db);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out.front(), '[');
  EXPECT_NE(json.out.find("\"kind\": \"run_done\""), std::string::npos) << json.out;

  auto unknown = run_command(foundry_binary() + " history no-such-run --db " + db);
  EXPECT_EQ(unknown.exit_code, 3);
  EXPECT_NE(unknown.err.find("runs: dbtl-quick-1"), std::string::npos) << unknown.err;
}
