// The SQLite store: durable settings, schema, append-only log, and refusal of files it must not touch.
#include "scratch_folder.hpp"

#include <foundry/store/store.hpp>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>

using namespace foundry;
using foundry::store::Store;
using foundry::store::StoreError;

namespace {

class StoreTest : public ::testing::Test {
 protected:
  foundry::testing::ScratchFolder scratch{"store"};
  std::filesystem::path dir = scratch.path();

  static RunSpec sample_run() {
    RunSpec run;
    run.run_id = "r1";
    run.protocol = "demo";
    run.parameters = {{"n", "3"}};
    StepSpec a;
    a.id = "a";
    a.operation = "work";
    a.device_type = "t";
    a.duration_s = 60;
    run.steps = {a};
    return run;
  }

  // Runs one SQL statement on the file with the raw SQLite API (independent of the Store).
  static std::string query(const std::filesystem::path& file, const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open(file.c_str(), &db);
    std::string out;
    char* err = nullptr;
    sqlite3_exec(
        db, sql.c_str(),
        [](void* arg, int n, char** values, char**) {
          auto* text = static_cast<std::string*>(arg);
          for (int i = 0; i < n; ++i) *text += (values[i] ? values[i] : "NULL") + std::string(i + 1 < n ? "|" : "\n");
          return 0;
        },
        &out, &err);
    if (err) {
      out = std::string("error: ") + err;
      sqlite3_free(err);
    }
    sqlite3_close(db);
    return out;
  }
};

}  // namespace

TEST_F(StoreTest, CreatesTheSchemaInWalModeWithFullSync) {
  auto file = dir / "f.db";
  auto store = Store::open(file);
  EXPECT_EQ(query(file, "PRAGMA journal_mode"), "wal\n");
  EXPECT_EQ(query(file, "PRAGMA user_version"), std::to_string(Store::kSchemaVersion) + "\n");
  EXPECT_EQ(query(file, "SELECT name FROM sqlite_master WHERE type='table' AND name IN "
                        "('runs','steps','events','measurements') ORDER BY name"),
            "events\nmeasurements\nruns\nsteps\n");
}

TEST_F(StoreTest, RecordsARunItsStepsEventsAndMeasurements) {
  auto file = dir / "f.db";
  auto store = Store::open(file);
  store->create_run(sample_run(), 10.0);
  store->plan_steps({{"r1", "a", "dev1", 0, 20.0, 80.0}}, 10.0);
  store->step_started("r1", "a", "dev1", 0, 1, "r1/a/1", 20.0);
  store->step_finished("r1", "a", R"({"ok":true})", {{"r1", "a", "dev1", "OD600", 0.5, "AU", "s1", 80.0}}, 80.0);
  store->set_run_state("r1", "done", 80.0);

  auto steps = store->steps("r1");
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].state, "done");
  EXPECT_EQ(steps[0].device_id, "dev1");
  EXPECT_EQ(steps[0].started_at, 20.0);
  EXPECT_EQ(steps[0].finished_at, 80.0);
  auto m = store->measurements("r1");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].name, "OD600");
  EXPECT_DOUBLE_EQ(m[0].value, 0.5);
  std::vector<std::string> kinds;
  for (const auto& e : store->events("r1")) kinds.push_back(e.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"run_created", "step_planned", "step_started", "step_finished", "run_done"}));
  // What the README documents works with plain SQL.
  EXPECT_EQ(query(file, "SELECT sample, name, value, unit FROM measurements WHERE run_id='r1'"), "s1|OD600|0.5|AU\n");
  EXPECT_EQ(store->runs().at(0).state, "done");
}

TEST_F(StoreTest, TheEventLogIsAppendOnly) {
  auto file = dir / "f.db";
  auto store = Store::open(file);
  store->create_run(sample_run(), 1.0);
  EXPECT_NE(query(file, "DELETE FROM events").find("append-only"), std::string::npos);
  EXPECT_NE(query(file, "UPDATE events SET kind='x'").find("append-only"), std::string::npos);
  EXPECT_EQ(store->events("r1").size(), 1u);
}

TEST_F(StoreTest, ADuplicateRunIdIsRefusedAndNothingIsLost) {
  auto store = Store::open(dir / "f.db");
  store->create_run(sample_run(), 1.0);
  EXPECT_THROW(store->create_run(sample_run(), 2.0), StoreError);
  EXPECT_EQ(store->steps("r1").size(), 1u);
  EXPECT_EQ(store->events("r1").size(), 1u);
}

TEST_F(StoreTest, ReopeningKeepsTheData) {
  auto file = dir / "f.db";
  Store::open(file)->create_run(sample_run(), 1.0);
  auto again = Store::open(file);
  EXPECT_EQ(again->runs().size(), 1u);
}

TEST_F(StoreTest, RefusesAFileThatIsNotADatabase) {
  auto file = dir / "garbage.db";
  std::ofstream(file) << std::string(4096, 'x');
  try {
    Store::open(file);
    FAIL() << "should refuse";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("not a Foundry database or is corrupt"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos);
  }
  EXPECT_EQ(std::filesystem::file_size(file), 4096u) << "a refused file must be left untouched";
}

TEST_F(StoreTest, RefusesATruncatedDatabase) {
  auto file = dir / "f.db";
  {
    auto store = Store::open(file);
    for (int i = 0; i < 50; ++i) {
      auto run = sample_run();
      run.run_id = "r" + std::to_string(i);
      store->create_run(run, 1.0);
    }
  }
  query(file, "PRAGMA wal_checkpoint(TRUNCATE)");
  auto size = std::filesystem::file_size(file);
  std::filesystem::resize_file(file, size / 2);
  EXPECT_THROW(Store::open(file), StoreError);
}

TEST_F(StoreTest, RefusesAnotherApplicationsDatabase) {
  auto file = dir / "other.db";
  query(file, "CREATE TABLE customers(id INTEGER)");
  try {
    Store::open(file);
    FAIL() << "should refuse";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("not a Foundry one"), std::string::npos) << e.what();
  }
  EXPECT_EQ(query(file, "SELECT name FROM sqlite_master"), "customers\n");
}

TEST_F(StoreTest, RefusesANewerSchemaVersion) {
  auto file = dir / "f.db";
  Store::open(file);
  query(file, "PRAGMA user_version=99");
  try {
    Store::open(file);
    FAIL() << "should refuse";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
}

// Schema v1 exactly as Foundry 0.1 wrote it (copied, so the test keeps a real v1 file even if the
// store's own copy were edited by mistake).
static const char* kV1Schema = R"sql(
CREATE TABLE runs (run_id TEXT PRIMARY KEY, protocol TEXT NOT NULL, parameters_json TEXT NOT NULL,
  priority INTEGER NOT NULL, release_s INTEGER NOT NULL, deadline_s INTEGER, state TEXT NOT NULL,
  created_at REAL NOT NULL, finished_at REAL);
CREATE TABLE steps (run_id TEXT NOT NULL REFERENCES runs(run_id), step_id TEXT NOT NULL, seq INTEGER NOT NULL,
  operation TEXT NOT NULL, device_type TEXT NOT NULL, parameters_json TEXT NOT NULL, duration_s INTEGER NOT NULL,
  state TEXT NOT NULL, device_id TEXT, unit INTEGER, planned_start REAL, planned_end REAL, started_at REAL,
  finished_at REAL, attempt INTEGER NOT NULL DEFAULT 0, idempotency_key TEXT, result_json TEXT, error TEXT,
  PRIMARY KEY (run_id, step_id));
CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, t REAL NOT NULL, run_id TEXT, step_id TEXT,
  kind TEXT NOT NULL, detail_json TEXT NOT NULL DEFAULT '{}');
CREATE TABLE measurements (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, step_id TEXT NOT NULL,
  device_id TEXT NOT NULL, name TEXT NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL, sample TEXT, t REAL NOT NULL);
CREATE INDEX measurements_by_run ON measurements(run_id, name);
CREATE INDEX events_by_run ON events(run_id, seq);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
INSERT INTO runs VALUES ('old-1', 'demo', '{}', 1, 0, NULL, 'done', 5.0, 50.0);
INSERT INTO steps(run_id, step_id, seq, operation, device_type, parameters_json, duration_s, state, device_id, unit,
  started_at, finished_at, attempt, idempotency_key) VALUES ('old-1', 'a', 0, 'work', 't', '{}', 45, 'done', 'dev1', 0,
  5.0, 50.0, 1, 'old-1/a/1');
INSERT INTO events(t, run_id, step_id, kind) VALUES (5.0, 'old-1', '', 'run_created');
INSERT INTO measurements(run_id, step_id, device_id, name, value, unit, t) VALUES ('old-1', 'a', 'dev1', 'OD600', 0.3, 'AU', 50.0);
PRAGMA user_version=1;
)sql";

TEST_F(StoreTest, MigratesAVersion1FileKeepingItsData) {
  auto file = dir / "v1.db";
  ASSERT_EQ(query(file, kV1Schema), "");
  auto store = Store::open(file);
  EXPECT_EQ(query(file, "PRAGMA user_version"), "2\n");
  ASSERT_EQ(store->runs().size(), 1u);
  EXPECT_EQ(store->runs()[0].state, "done");
  EXPECT_EQ(store->steps("old-1").at(0).idempotency_key, "old-1/a/1");
  EXPECT_EQ(store->measurements("old-1").size(), 1u);
  EXPECT_FALSE(store->run_spec_json("old-1")) << "a v1 run has no recorded spec";
  // The new tables and columns work on the migrated file.
  store->create_run(sample_run(), 60.0, "req-1", R"({"run_id":"r1"})");
  EXPECT_EQ(store->run_for_request("req-1"), "r1");
  EXPECT_EQ(query(file, "PRAGMA integrity_check"), "ok\n");
}

TEST_F(StoreTest, AFailedMigrationLeavesTheVersion1FileAsItWas) {
  auto file = dir / "v1.db";
  ASSERT_EQ(query(file, kV1Schema), "");
  // A table the migration wants to create exists already: the migration must fail as a whole.
  ASSERT_EQ(query(file, "CREATE TABLE prompts(x INTEGER)"), "");
  EXPECT_THROW(Store::open(file), StoreError);
  EXPECT_EQ(query(file, "PRAGMA user_version"), "1\n");
  EXPECT_EQ(query(file, "SELECT count(*) FROM pragma_table_info('runs') WHERE name='spec_json'"), "0\n");
}

TEST_F(StoreTest, AClientRequestIdNamesOneRun) {
  auto store = Store::open(dir / "f.db");
  store->create_run(sample_run(), 1.0, "req-7", "{}");
  auto other = sample_run();
  other.run_id = "r2";
  EXPECT_THROW(store->create_run(other, 2.0, "req-7", "{}"), StoreError);
  EXPECT_EQ(store->runs().size(), 1u);
  EXPECT_EQ(store->run_for_request("req-7"), "r1");
  EXPECT_FALSE(store->run_for_request("req-8"));
  // Runs without a request id do not collide with each other.
  store->create_run(other, 3.0);
  auto third = sample_run();
  third.run_id = "r3";
  store->create_run(third, 3.0);
  EXPECT_EQ(store->runs().size(), 3u);
  EXPECT_EQ(store->run_spec_json("r1"), "{}");
}

TEST_F(StoreTest, ListenersHearEventsAfterTheCommitWithTheirSeq) {
  auto file = dir / "f.db";
  auto store = Store::open(file);
  std::vector<foundry::store::Event> heard;
  std::vector<std::string> committed_when_heard;
  store->set_event_listener([&](const foundry::store::Event& e) {
    heard.push_back(e);
    // Another connection sees the event already: it was committed before we were told.
    committed_when_heard.push_back(query(file, "SELECT kind FROM events WHERE seq=" + std::to_string(e.seq)));
  });
  store->create_run(sample_run(), 1.0);
  store->plan_steps({{"r1", "a", "dev1", 0, 2.0, 62.0}}, 1.0);
  ASSERT_EQ(heard.size(), 2u);
  EXPECT_EQ(heard[0].kind, "run_created");
  EXPECT_EQ(heard[1].kind, "step_planned");
  EXPECT_LT(heard[0].seq, heard[1].seq);
  EXPECT_EQ(committed_when_heard, (std::vector<std::string>{"run_created\n", "step_planned\n"}));
  // A failed change tells nobody.
  EXPECT_THROW(store->create_run(sample_run(), 2.0), StoreError);
  EXPECT_EQ(heard.size(), 2u);

  auto since = store->events_since(heard[0].seq, 10);
  ASSERT_EQ(since.size(), 1u);
  EXPECT_EQ(since[0].seq, heard[1].seq);
  EXPECT_EQ(store->events_since(0, 1).size(), 1u);
  EXPECT_EQ(store->last_event_seq(), heard[1].seq);
}

TEST_F(StoreTest, PromptsDeviceServiceAndConstraintMarksAreStoredWithTheirEvents) {
  auto store = Store::open(dir / "f.db");
  store->create_run(sample_run(), 1.0);
  store->step_held({"r1", "a", "dev1", "dev1 failed: jam", {"retry", "skip", "abort"}, 120.0, 5.0}, 5.0);
  auto prompts = store->prompts();
  ASSERT_EQ(prompts.size(), 1u);
  EXPECT_EQ(prompts[0].what_happened, "dev1 failed: jam");
  EXPECT_EQ(prompts[0].choices, (std::vector<std::string>{"retry", "skip", "abort"}));
  EXPECT_EQ(prompts[0].window_left_s, 120.0);
  EXPECT_EQ(store->steps("r1")[0].state, "held");
  store->prompt_answered("r1", "a", "retry", "planned", 6.0);
  EXPECT_TRUE(store->prompts().empty());
  EXPECT_EQ(store->steps("r1")[0].state, "planned");
  EXPECT_THROW(store->prompt_answered("r1", "a", "retry", "planned", 7.0), StoreError) << "no prompt is open";

  store->set_device_in_service("dev1", false, "maintenance", 8.0);
  EXPECT_EQ(store->devices_out_of_service(), (std::map<std::string, std::string>{{"dev1", "maintenance"}}));
  store->set_device_in_service("dev1", true, "", 9.0);
  EXPECT_TRUE(store->devices_out_of_service().empty());

  store->mark_constraint_violated("r1", "a", R"({"late_by_s": 30})", 10.0);
  store->step_started("r1", "a", "dev1", 0, 2, "r1/a/2", 10.0);
  store->step_finished("r1", "a", "{}", {{"r1", "a", "dev1", "OD600", 0.5, "AU", "s1", 20.0}}, 20.0);
  EXPECT_TRUE(store->steps("r1")[0].constraint_violated);
  EXPECT_TRUE(store->measurements("r1").at(0).constraint_violated) << "data from a violated step is marked";
}

TEST_F(StoreTest, TheEventLogReplaysToTheStateTables) {
  auto store = Store::open(dir / "f.db");
  auto run = sample_run();
  StepSpec b = run.steps[0];
  b.id = "b";
  StepSpec c = run.steps[0];
  c.id = "c";
  run.steps.push_back(b);
  run.steps.push_back(c);
  store->create_run(run, 1.0);
  store->set_run_state("r1", "running", 1.0);
  store->plan_steps({{"r1", "a", "d", 0, 2, 3}, {"r1", "b", "d", 0, 3, 4}, {"r1", "c", "d", 0, 4, 5}}, 1.0);
  store->step_started("r1", "a", "d", 0, 1, "r1/a/1", 2.0);
  store->step_requeued("r1", "a", "step_attempt_failed", R"({"message":"jam"})", 3.0);
  store->step_started("r1", "a", "d", 0, 2, "r1/a/2", 4.0);
  store->step_finished("r1", "a", "{}", {}, 5.0);
  store->step_held({"r1", "b", "d", "jam", {"retry"}, std::nullopt, 6.0}, 6.0);
  store->set_run_state("r1", "held", 6.0, "b failed");
  store->prompt_answered("r1", "b", "skip", "skipped", 7.0);
  store->step_cancelled("r1", "c", "operator", 7.0);
  store->set_run_state("r1", "cancelled", 7.0, "operator");
  auto replayed = store->replay();
  EXPECT_EQ(replayed.runs.at("r1"), store->runs().at(0).state);
  for (const auto& s : store->steps("r1")) EXPECT_EQ(replayed.steps.at({"r1", s.step_id}), s.state) << s.step_id;
  EXPECT_EQ(replayed.steps.at({"r1", "b"}), "skipped");
}

TEST_F(StoreTest, AnOfflineAbortCancelsTheRestOfTheRunInOneTransaction) {
  auto store = Store::open(dir / "f.db");
  auto run = sample_run();
  StepSpec b = run.steps[0];
  b.id = "b";
  run.steps.push_back(b);
  store->create_run(run, 1.0);
  store->set_run_state("r1", "running", 1.0);
  store->step_held({"r1", "a", "d", "jam", {"retry", "skip", "abort"}, std::nullopt, 2.0}, 2.0);
  store->set_run_state("r1", "held", 2.0, "jam");
  EXPECT_THROW(store->answer_prompt("r1", "a", "later", 3.0), StoreError) << "not one of the choices";
  EXPECT_THROW(store->answer_prompt("r1", "b", "retry", 3.0), StoreError) << "no prompt on b";
  store->answer_prompt("r1", "a", "abort", 3.0);
  EXPECT_EQ(store->runs()[0].state, "cancelled");
  for (const auto& s : store->steps("r1")) EXPECT_EQ(s.state, "cancelled") << s.step_id;
  EXPECT_TRUE(store->prompts().empty());
  auto replayed = store->replay();
  EXPECT_EQ(replayed.runs["r1"], "cancelled");
  for (const auto& s : store->steps("r1")) EXPECT_EQ((replayed.steps[{"r1", s.step_id}]), s.state) << s.step_id;
}

// Group commit: writes in a WriteGroup become visible (to another connection, and to listeners)
// together at commit(), in order; a failed write fails the whole group, and nothing of it stays.
TEST_F(StoreTest, AWriteGroupCommitsItsWritesTogetherAndTellsListenersAfterward) {
  auto file = dir / "f.db";
  auto store = Store::open(file);
  auto run = sample_run();
  StepSpec b = run.steps[0];
  b.id = "b";
  run.steps.push_back(b);
  store->create_run(run, 1.0);
  std::vector<std::string> heard;
  store->set_event_listener([&](const foundry::store::Event& e) { heard.push_back(e.kind + ":" + e.step_id); });
  {
    Store::WriteGroup group(*store);
    store->step_started("r1", "a", "dev1", 0, 1, "r1/a/1", 2.0);
    store->step_started("r1", "b", "dev2", 0, 1, "r1/b/1", 2.0);
    EXPECT_TRUE(heard.empty()) << "told before the commit";
    EXPECT_EQ(query(file, "SELECT count(*) FROM events WHERE kind='step_started'"), "0\n")
        << "another connection sees the group's writes before the commit";
    group.commit();
  }
  EXPECT_EQ(heard, (std::vector<std::string>{"step_started:a", "step_started:b"}));
  EXPECT_EQ(query(file, "SELECT step_id, state FROM steps ORDER BY step_id"), "a|running\nb|running\n");

  // A group left without commit() stores nothing and tells nobody.
  heard.clear();
  {
    Store::WriteGroup group(*store);
    store->step_finished("r1", "a", "{}", {}, 3.0);
  }
  EXPECT_TRUE(heard.empty());
  EXPECT_EQ(query(file, "SELECT state FROM steps WHERE step_id='a'"), "running\n");

  // One failed write fails the group: the good write before it goes too, later writes and the
  // commit throw, and the store takes single writes again afterwards.
  {
    Store::WriteGroup group(*store);
    store->step_finished("r1", "a", "{}", {}, 4.0);
    EXPECT_THROW(store->step_finished("r1", "nope", "{}", {}, 4.0), StoreError);
    EXPECT_THROW(store->step_finished("r1", "b", "{}", {}, 4.0), StoreError);
    EXPECT_THROW(group.commit(), StoreError);
  }
  EXPECT_TRUE(heard.empty());
  EXPECT_EQ(query(file, "SELECT step_id, state FROM steps ORDER BY step_id"), "a|running\nb|running\n");
  store->step_finished("r1", "a", "{}", {}, 5.0);
  EXPECT_EQ(heard, (std::vector<std::string>{"step_finished:a"}));
  {
    Store::WriteGroup group(*store);
    EXPECT_THROW({ Store::WriteGroup second(*store); }, StoreError) << "groups do not nest";
  }
  auto replayed = store->replay();
  for (const auto& s : store->steps("r1")) EXPECT_EQ((replayed.steps[{"r1", s.step_id}]), s.state) << s.step_id;
}

// A reader holding a snapshot keeps the checkpoint from starting the WAL over, so a burst of
// writes meanwhile grows it. Once the reader lets go, the WAL is cut back to its limit instead of
// keeping that size on disk for good; nothing is lost on the way.
TEST_F(StoreTest, TheWalShrinksBackToItsLimitOnceAReaderLetsGo) {
  const auto file = dir / "wal.db";
  const auto wal = std::filesystem::path(file.string() + "-wal");
  auto store = Store::open(file);
  store->create_run(sample_run(), 1000);
  sqlite3* reader = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &reader), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM events;", nullptr, nullptr, nullptr), SQLITE_OK);
  const std::string long_reason(512 * 1024, 'x');  // in the run's row and in its event
  for (int k = 0; k < 40; ++k) store->set_run_state("r1", "running", 1000 + k, long_reason);
  EXPECT_GT(std::filesystem::file_size(wal), static_cast<std::uintmax_t>(Store::kWalSizeLimitBytes));
  sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(reader);
  // The next commit checkpoints the whole WAL (no reader left); the write after it starts it over.
  for (int k = 0; k < 3; ++k) store->set_run_state("r1", "running", 2000 + k, "short");
  EXPECT_LE(std::filesystem::file_size(wal), static_cast<std::uintmax_t>(Store::kWalSizeLimitBytes));
  EXPECT_EQ(store->runs().at(0).reason, "short");
  EXPECT_EQ(query(file, "SELECT count(*) FROM events WHERE kind = 'run_running' AND length(detail_json) > 500000"), "40\n");
  EXPECT_EQ(query(file, "PRAGMA integrity_check"), "ok\n");
}
