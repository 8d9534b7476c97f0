// The independent event-log replay checker (tests/support/event_replay): a database written
// through the store replays cleanly, and every kind of tampering with it is caught.
#include "event_replay.hpp"

#include <foundry/store/store.hpp>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

namespace foundry::testing {
namespace {

namespace fs = std::filesystem;

class EventReplay : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("foundry-replay-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = (dir_ / "f.db").string();
    write_history();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Two runs: r1 done (one step with two measurements, one failed then retried... as far as the
  // store API goes), r2 still running with a step in flight.
  void write_history() {
    auto store = store::Store::open(db_);
    RunSpec r1;
    r1.run_id = "r1";
    r1.protocol = "p";
    r1.steps = {StepSpec{"a", "transfer", "liquid_handler", "{}", 60, {}, {}},
                StepSpec{"b", "read_absorbance", "plate_reader", "{}", 60, {{"a", Anchor::kEnd, 0, 600}}, {}},
                StepSpec{"c", "sample", "liquid_handler", "{}", 60, {}, {}}};
    RunSpec r2 = r1;
    r2.run_id = "r2";
    double t = 1000;
    store->create_run(r1, t);
    store->create_run(r2, t);
    store->plan_steps({{"r1", "a", "lh1", 0, 1000, 1060}, {"r1", "b", "pr1", 0, 1100, 1160}, {"r1", "c", "lh2", 0, 1000, 1060},
                       {"r2", "a", "lh1", 0, 1200, 1260}},
                      t);
    store->set_run_state("r1", "running", t);
    store->step_started("r1", "a", "lh1", 0, 1, "r1/a/1", 1000);
    store->step_started("r1", "c", "lh2", 0, 1, "r1/c/1", 1000);
    store->step_finished("r1", "a", R"({"ok":true})", {}, 1060);
    store->step_failed("r1", "c", "tip pickup error", 1061);
    store->step_started("r1", "b", "pr1", 0, 1, "r1/b/1", 1100);
    store->step_finished("r1", "b", R"({"measurements":[]})",
                         {{"r1", "b", "pr1", "OD600", 0.8, "AU", "d01/t1", 1160, false},
                          {"r1", "b", "pr1", "A450", 0.1, "AU", "d01/t1", 1160, false}},
                         1160);
    store->set_run_state("r1", "failed", 1161);
    store->set_run_state("r2", "running", 1200);
    store->step_started("r2", "a", "lh1", 0, 1, "r2/a/1", 1200);
  }

  void sql(const std::string& statement) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    int rc = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &error);
    std::string message = error ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << statement << ": " << message;
  }

  // The report has a problem containing every one of `parts`.
  static ::testing::AssertionResult caught(const ReplayReport& report, std::initializer_list<std::string> parts) {
    for (const auto& p : report.problems) {
      bool all = true;
      for (const auto& part : parts) all = all && p.find(part) != std::string::npos;
      if (all) return ::testing::AssertionSuccess();
    }
    auto failure = ::testing::AssertionFailure() << "no problem containing";
    for (const auto& part : parts) failure << " '" << part << "'";
    return failure << "; got:\n" << report.text();
  }

  fs::path dir_;
  std::string db_;
};

TEST_F(EventReplay, AStoreWrittenDatabaseReplays) {
  ReplayReport report = check_event_replay(db_);
  EXPECT_TRUE(report.ok()) << report.text();
  EXPECT_EQ(report.runs, 2u);
  EXPECT_EQ(report.steps, 6u);
  EXPECT_EQ(report.results, 2u);
  EXPECT_GE(report.events, 13u);
  EXPECT_EQ(integrity_check(db_), "ok");
}

TEST_F(EventReplay, StepStateEditedInTheTable) {
  sql("UPDATE steps SET state='done' WHERE run_id='r2' AND step_id='a'");
  EXPECT_TRUE(caught(check_event_replay(db_), {"step 'r2/a'", "table state done", "replays to running"}));
}

TEST_F(EventReplay, RunStateEditedInTheTable) {
  sql("UPDATE runs SET state='done' WHERE run_id='r1'");
  EXPECT_TRUE(caught(check_event_replay(db_), {"run 'r1'", "table state done", "replays to failed"}));
}

TEST_F(EventReplay, IdempotencyKeyOrAttemptEdited) {
  sql("UPDATE steps SET idempotency_key='r2/a/9', attempt=9 WHERE run_id='r2' AND step_id='a'");
  ReplayReport report = check_event_replay(db_);
  EXPECT_TRUE(caught(report, {"step 'r2/a'", "idempotency key 'r2/a/9'", "log 'r2/a/1'"}));
  EXPECT_TRUE(caught(report, {"step 'r2/a'", "attempt 9"}));
}

TEST_F(EventReplay, MeasurementLost) {
  sql("DELETE FROM measurements WHERE name='A450'");
  EXPECT_TRUE(caught(check_event_replay(db_), {"step 'r1/b'", "1 measurement rows", "result had 2"}));
}

TEST_F(EventReplay, ResultStoredTwice) {
  sql("INSERT INTO measurements(run_id, step_id, device_id, name, value, unit, sample, t)"
      " SELECT run_id, step_id, device_id, name, value, unit, sample, t FROM measurements");
  EXPECT_TRUE(caught(check_event_replay(db_), {"step 'r1/b'", "4 measurement rows", "result had 2"}));
}

TEST_F(EventReplay, SecondResultEventForOneStep) {
  sql("INSERT INTO events(t, run_id, step_id, kind, detail_json) VALUES (1170, 'r1', 'b', 'step_finished', '{\"measurements\":2}')");
  ReplayReport report = check_event_replay(db_);
  EXPECT_TRUE(caught(report, {"step 'r1/b'", "second result"}));
}

TEST_F(EventReplay, EventDeletedInTheMiddle) {
  sql("DROP TRIGGER events_no_delete; DELETE FROM events WHERE kind='step_failed'");
  ReplayReport report = check_event_replay(db_);
  EXPECT_TRUE(caught(report, {"missing: the log has a gap"}));
  EXPECT_TRUE(caught(report, {"append-only triggers"}));
  EXPECT_TRUE(caught(report, {"step 'r1/c'", "table state failed", "replays to running"}));
}

TEST_F(EventReplay, EventsDeletedAtTheEnd) {
  sql("DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq = (SELECT max(seq) FROM events);"
      " CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'append-only'); END;");
  ReplayReport report = check_event_replay(db_);
  EXPECT_TRUE(caught(report, {"deleted at the end"}));
}

TEST_F(EventReplay, ViolationMarkMissingFromData) {
  auto store = store::Store::open(db_);
  store->mark_constraint_violated("r1", "b", R"({"why":"late"})", 1170);
  store.reset();
  EXPECT_TRUE(check_event_replay(db_).ok()) << check_event_replay(db_).text();
  sql("UPDATE measurements SET constraint_violated=0 WHERE name='OD600'");
  EXPECT_TRUE(caught(check_event_replay(db_), {"step 'r1/b'", "1 measurement rows lack the constraint_violated mark"}));
}

TEST_F(EventReplay, EventForAStepThatDoesNotExist) {
  sql("INSERT INTO events(t, run_id, step_id, kind, detail_json) VALUES (1300, 'r2', 'zz', 'step_started', '{}')");
  EXPECT_TRUE(caught(check_event_replay(db_), {"step 'r2/zz' is not in the steps table"}));
}

TEST_F(EventReplay, RunWithoutCreation) {
  sql("INSERT INTO runs(run_id, protocol, parameters_json, priority, release_s, state, created_at)"
      " VALUES ('ghost', 'p', '{}', 1, 0, 'queued', 5)");
  EXPECT_TRUE(caught(check_event_replay(db_), {"run 'ghost'", "never created it"}));
}

TEST_F(EventReplay, StepRowRemoved) {
  sql("DELETE FROM steps WHERE run_id='r2' AND step_id='c'");
  EXPECT_TRUE(caught(check_event_replay(db_), {"run 'r2'", "2 steps in the table", "said 3"}));
}

TEST_F(EventReplay, UnknownEventKindsAreReportedNotIgnored) {
  sql("INSERT INTO events(t, run_id, step_id, kind, detail_json) VALUES (1300, 'r2', 'a', 'step_teleported', '{}')");
  ReplayReport report = check_event_replay(db_);
  EXPECT_FALSE(report.ok());
  ASSERT_EQ(report.unknown_kinds.size(), 1u);
  EXPECT_EQ(report.unknown_kinds[0], "step_teleported (1 events)");
}

TEST_F(EventReplay, NotAFoundryDatabase) {
  std::string other = (dir_ / "other.db").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(other.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_THROW(check_event_replay(other), std::runtime_error);
}

TEST_F(EventReplay, IntegrityCheckSeesACorruptFile) {
  // Overwrite the middle of the file (past the header) with garbage.
  sql("PRAGMA wal_checkpoint(TRUNCATE)");
  auto size = fs::file_size(db_);
  ASSERT_GT(size, 8192u);
  {
    std::fstream f(db_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    std::string junk(4096, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  EXPECT_NE(integrity_check(db_), "ok");
}

}  // namespace
}  // namespace foundry::testing
