// The store on a full disk (issue 5), in-process: a file size limit (RLIMIT_FSIZE, SIGXFSZ
// ignored) is set on this test process until a write fails. The failed write must leave the
// connection clean at once: no transaction open, no write lock held (another connection may write
// without waiting out a busy timeout), reads answer, the next write fails the same way rather than
// "within a transaction". The store reports "full" once, a probe write fails while the limit
// holds and succeeds once it is lifted (as freeing space would), and nothing committed is lost.
#include "event_replay.hpp"

#include <foundry/store/store.hpp>

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>

namespace foundry::store {
namespace {

namespace fs = std::filesystem;

RunSpec run_of(const std::string& id) {
  RunSpec run;
  run.run_id = id;
  run.protocol = "fill";
  for (int k = 0; k < 8; ++k) {
    StepSpec step;
    step.id = "step-" + std::to_string(k);
    step.operation = "work";
    step.device_type = "worker";
    step.parameters_json = "{\"padding\": \"" + std::string(600, 'x') + "\"}";
    run.steps.push_back(step);
  }
  return run;
}

// This process's files may not grow past `bytes` while it lives; SIGXFSZ is ignored meanwhile.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(std::uint64_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    rlimit limited = saved_;
    limited.rlim_cur = static_cast<rlim_t>(bytes);
    ::setrlimit(RLIMIT_FSIZE, &limited);
  }
  ~FileSizeLimit() { lift(); }
  void lift() {
    if (lifted_) return;
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    ::signal(SIGXFSZ, old_handler_);
    lifted_ = true;
  }

 private:
  rlimit saved_{};
  sighandler_t old_handler_ = SIG_DFL;
  bool lifted_ = false;
};

// An empty folder of this process's own for a test's database.
fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A file size limit 64 KiB above what the database (with its WAL) holds now: room for a few
// writes, then StorageFull.
std::uint64_t room_for_a_little_more(const fs::path& file) {
  const fs::path wal = file.string() + "-wal";
  return fs::file_size(file) + (fs::exists(wal) ? fs::file_size(wal) : 0) + 64 * 1024;
}

TEST(StoreFull, AFailedWriteLeavesTheConnectionCleanAndAProbeResumesWhenSpaceReturns) {
  const fs::path dir = fresh_dir("foundry-store-full");
  const fs::path file = dir / "full.db";
  auto store = Store::open(file);
  std::vector<StorageStatus> told;
  store->set_storage_listener([&](const StorageStatus& status) { told.push_back(status); });
  store->create_run(run_of("before-limit"), 1.0);
  EXPECT_FALSE(store->storage_status().full);

  std::vector<std::string> committed = {"before-limit"};
  {
    FileSizeLimit limit(room_for_a_little_more(file));
    std::string failure;
    for (int n = 0; n < 1000 && failure.empty(); ++n) {
      std::string id = "run-" + std::to_string(n);
      try {
        store->create_run(run_of(id), 2.0 + n);
        committed.push_back(id);
      } catch (const StorageFull& e) {
        failure = e.what();
      }
    }
    ASSERT_FALSE(failure.empty()) << "the database never filled up";
    EXPECT_NE(failure.find(file.string()), std::string::npos) << failure;
    EXPECT_NE(failure.find("cannot grow"), std::string::npos) << failure;

    StorageStatus status = store->storage_status();
    EXPECT_TRUE(status.full);
    EXPECT_EQ(status.message, failure);
    EXPECT_GT(status.since, 0.0);
    ASSERT_EQ(told.size(), 1u);
    EXPECT_TRUE(told[0].full);

    // No transaction or lock was left behind: another connection writes without waiting.
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &other), SQLITE_OK);
    sqlite3_busy_timeout(other, 0);
    auto started = std::chrono::steady_clock::now();
    int begin = sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    EXPECT_EQ(begin, SQLITE_OK) << sqlite3_errmsg(other) << ": the failed write still holds the write lock";
    sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(other);
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), 1.0);

    // Reads answer; the next write fails for the same reason, not because a transaction is open.
    EXPECT_EQ(store->runs().size(), committed.size());
    EXPECT_THROW(store->create_run(run_of("while-full"), 5000.0), StorageFull);
    EXPECT_FALSE(store->try_writing_again()) << "a probe succeeded while the limit holds";
    EXPECT_TRUE(store->storage_status().full);
    EXPECT_EQ(told.size(), 1u) << "full is told once";

    limit.lift();  // space returns
    EXPECT_TRUE(store->try_writing_again());
  }
  EXPECT_FALSE(store->storage_status().full);
  ASSERT_EQ(told.size(), 2u);
  EXPECT_FALSE(told[1].full);
  store->create_run(run_of("after-resume"), 9000.0);
  committed.push_back("after-resume");

  auto runs = store->runs();
  ASSERT_EQ(runs.size(), committed.size());
  for (std::size_t k = 0; k < runs.size(); ++k) {
    EXPECT_EQ(runs[k].run_id, committed[k]);
    EXPECT_EQ(store->steps(runs[k].run_id).size(), 8u) << runs[k].run_id;
  }
  store.reset();
  EXPECT_EQ(testing::integrity_check(file.string()), "ok");
  auto replay = testing::check_event_replay(file.string());
  EXPECT_TRUE(replay.ok()) << replay.text();
  if (!HasFailure()) fs::remove_all(dir);
}

// Group commit on a full disk: the group that cannot be written is stored not at all (not its
// first runs either), every group before it is stored whole, and groups commit again once the
// limit is lifted.
TEST(StoreFull, AWriteGroupThatCannotBeWrittenLeavesNothingOfItselfBehind) {
  const fs::path dir = fresh_dir("foundry-store-full-group");
  const fs::path file = dir / "full.db";
  auto store = Store::open(file);
  std::vector<std::string> heard;
  store->set_event_listener([&](const Event& e) {
    if (e.kind == "run_created") heard.push_back(e.run_id);
  });
  std::vector<std::string> committed;
  auto write_group = [&](int n) {
    Store::WriteGroup group(*store);
    std::vector<std::string> ids;
    for (int k = 0; k < 4; ++k) {
      ids.push_back("g" + std::to_string(n) + "-" + std::to_string(k));
      store->create_run(run_of(ids.back()), 2.0 + n);
    }
    group.commit();
    committed.insert(committed.end(), ids.begin(), ids.end());
  };
  {
    FileSizeLimit limit(room_for_a_little_more(file));
    bool failed = false;
    for (int n = 0; n < 1000 && !failed; ++n) {
      try {
        write_group(n);
      } catch (const StorageFull& e) {
        failed = true;
        EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
      }
    }
    ASSERT_TRUE(failed) << "the database never filled up";
    EXPECT_TRUE(store->storage_status().full);
    EXPECT_EQ(heard, committed) << "listeners heard of exactly the committed groups";
    std::vector<std::string> stored;
    for (const auto& r : store->runs()) stored.push_back(r.run_id);
    EXPECT_EQ(stored, committed) << "a group is stored whole or not at all";
    limit.lift();
    EXPECT_TRUE(store->try_writing_again());
  }
  write_group(5000);
  EXPECT_EQ(store->runs().size(), committed.size());
  EXPECT_EQ(heard, committed);
  store.reset();
  EXPECT_EQ(testing::integrity_check(file.string()), "ok");
  auto replay = testing::check_event_replay(file.string());
  EXPECT_TRUE(replay.ok()) << replay.text();
  if (!HasFailure()) fs::remove_all(dir);
}

}  // namespace
}  // namespace foundry::store
