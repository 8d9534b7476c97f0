// Storage faults (issue 5): a disk that fills up under `foundry run` (RLIMIT_FSIZE, set in the
// child before exec) stops it with a clear error, not a crash, and loses nothing committed; a
// truncated or corrupt database file is refused with a message naming it, and left untouched.
#include "crash_harness.hpp"
#include "event_replay.hpp"
#include "build_paths.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace foundry::crash {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string contents(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class StorageFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(foundry_features().binary)) GTEST_SKIP() << "no foundry binary";
    dir_ = (fs::temp_directory_path() / ("foundry-storage-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    files_ = write_campaign(dir_, 2);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }

  // One plain `foundry run` of protocol `index` into `db`.
  ChildResult run(std::size_t index, const std::string& db, std::optional<std::uint64_t> file_size_limit = {}) {
    ChildOptions child;
    child.argv = {foundry_features().binary, "run", files_.protocols.at(index), "--workcell", workcell(),
                  "--db", db, "--time-limit", "0.05"};
    child.file_size_limit = file_size_limit;
    child.output_dir = dir_;
    return run_child(child);
  }

  // The campaign's workcell without ledgers: the file-size limit is about the database.
  std::string workcell() {
    std::string file = dir_ + "/workcell-no-ledger.json";
    if (!fs::exists(file)) {
      std::string text = contents(foundry::testing::source_dir() + "/protocols/workcells/sim-foundry.json");
      std::ofstream(file) << text;
    }
    return file;
  }

  // A finished database to damage.
  std::string good_db() {
    std::string db = dir_ + "/good.db";
    ChildResult result = run(0, db);
    EXPECT_EQ(result.exit_code, 0) << result.describe();
    EXPECT_EQ(testing::integrity_check(db), "ok");
    EXPECT_FALSE(fs::exists(db + "-wal") && fs::file_size(db + "-wal") > 0) << "the WAL was not checkpointed at exit";
    return db;
  }

  // `foundry run` refuses `db`, names it, and leaves its bytes as they were.
  void expect_refused(const std::string& db, std::initializer_list<const char*> any_of_words) {
    std::string before = contents(db);
    ChildResult result = run(1, db);
    EXPECT_TRUE(result.exited()) << "crashed instead of refusing: " << result.describe();
    EXPECT_NE(result.exit_code, 0) << result.describe();
    EXPECT_NE(result.err.find(db), std::string::npos) << "the message does not name the file: " << result.err;
    bool says_why = false;
    for (const char* word : any_of_words) says_why = says_why || lower(result.err).find(word) != std::string::npos;
    EXPECT_TRUE(says_why) << "the message does not say what is wrong: " << result.err;
    EXPECT_TRUE(contents(db) == before) << db << " was modified";
  }

  std::string dir_;
  CampaignFiles files_;
};

TEST_F(StorageFaults, TruncatedDatabaseIsRefusedAndLeftAlone) {
  std::string db = good_db();
  ASSERT_FALSE(HasFailure());
  auto size = fs::file_size(db);
  ASSERT_GT(size, 3 * 4096u);
  fs::resize_file(db, size / 2 + 100);  // cut mid-page
  expect_refused(db, {"corrupt", "malformed", "truncated", "integrity", "not a database"});
}

TEST_F(StorageFaults, CorruptPagesAreRefusedAndLeftAlone) {
  std::string db = good_db();
  ASSERT_FALSE(HasFailure());
  auto size = fs::file_size(db);
  ASSERT_GT(size, 3 * 4096u);
  {
    std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
    for (std::uint64_t at = 2 * 4096; at + 512 < size; at += 4096) {  // every page after the first two
      f.seekp(static_cast<std::streamoff>(at + 100));
      std::string junk(300, '\xa5');
      f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
  }
  ASSERT_NE(testing::integrity_check(db), "ok");
  expect_refused(db, {"corrupt", "malformed", "integrity", "not a database"});
}

TEST_F(StorageFaults, CorruptHeaderIsRefusedAndLeftAlone) {
  std::string db = good_db();
  ASSERT_FALSE(HasFailure());
  {
    std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
    f.write("NOT SQLITE AT ALL", 16);
  }
  expect_refused(db, {"corrupt", "malformed", "not a database", "not a foundry database"});
}

TEST_F(StorageFaults, FullDiskStopsCleanlyAndKeepsEveryCommittedResult) {
  std::string db = good_db();  // run 1, complete
  ASSERT_FALSE(HasFailure());
  testing::ReplayReport before = testing::check_event_replay(db);
  ASSERT_TRUE(before.ok()) << before.text();
  auto measurements_before = read_measurements(db);
  ASSERT_FALSE(measurements_before.empty());

  // The second run may write a few pages, then no file of the process can grow.
  std::uint64_t limit = fs::file_size(db) + 24 * 1024;
  ChildResult result = run(1, db, limit);

  // Whatever happened, the database is whole and everything committed is there.
  EXPECT_EQ(testing::integrity_check(db), "ok");
  testing::ReplayReport after = testing::check_event_replay(db);
  EXPECT_TRUE(after.ok()) << after.text();
  EXPECT_GE(after.results, before.results);
  auto measurements_after = read_measurements(db);
  for (const auto& [step, values] : measurements_before)
    EXPECT_EQ(measurements_after[step], values) << step.first << "/" << step.second << " lost or changed results";

  EXPECT_NE(result.signal, SIGXFSZ) << "foundry must ignore SIGXFSZ and stop with a clear error";
  EXPECT_TRUE(result.exited()) << "crashed instead of stopping: " << result.describe();
  EXPECT_EQ(result.exit_code, 7) << "exit code 7 (storage) expected; the run cannot have completed in " << limit
                                 << " bytes: " << result.describe();
  EXPECT_NE(result.err.find(db), std::string::npos) << "the message does not name the database: " << result.err;
  std::string err = lower(result.err);
  EXPECT_TRUE(err.find("full") != std::string::npos || err.find("too large") != std::string::npos ||
              err.find("cannot grow") != std::string::npos)
      << "the message does not say the disk is full: " << result.err;
}

}  // namespace
}  // namespace foundry::crash
