// The SQLite store: durable settings, schema, append-only log, and refusal of files it must not touch.
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
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("foundry-store-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  void SetUp() override {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

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
