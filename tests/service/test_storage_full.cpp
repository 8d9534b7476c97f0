// A full disk under foundryd (issue 5): a real foundryd whose files may not grow past a limit
// (RLIMIT_FSIZE, set before exec) is fed runs until its database cannot grow. It must pause, not
// crash: the process stays up, `hello` and `status` say storage "full" and since when, reads answer
// at once, changes are refused with `storage_full` (the CLI exits 7), and the log says so once,
// naming the database. The test then lifts the limit from outside (prlimit(2), as freeing space
// would): foundryd resumes by itself, every run finishes, nothing committed is lost and no step
// finished twice; the file passes PRAGMA integrity_check and its event log replays.
#include "foundryd_process.hpp"

#include "command_runner.hpp"
#include "event_replay.hpp"

#include <sqlite3.h>

#include <chrono>
#include <map>
#include <thread>

using foundry::client::ClientError;
using foundry::service::testing::FoundrydProcess;
using nlohmann::json;

namespace {

constexpr std::uint64_t kFileSizeLimit = 1u << 20;  // per file: the WAL reaches it after some runs

std::string designs(int n) {
  return json{{"designs", json::array({{{"id", "s" + std::to_string(n)}, {"promoter", "J23100"}, {"rbs", "B0034"},
                                        {"gene", "v1"}}})}}
      .dump();
}

json hello(foundry::client::Client& client) { return json::parse(client.request("hello")); }

// Waits up to `seconds` for `ready()`; returns whether it came.
template <class Ready>
bool wait_for(double seconds, Ready ready) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!ready()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Rows of a query with one integer column, read from the file directly.
std::vector<std::int64_t> integers(const std::filesystem::path& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  std::vector<std::int64_t> out;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(handle, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK)
      while (sqlite3_step(stmt) == SQLITE_ROW) out.push_back(sqlite3_column_int64(stmt, 0));
    sqlite3_finalize(stmt);
  }
  sqlite3_close(handle);
  return out;
}

TEST(StorageFull, FoundrydPausesAnswersReadsRefusesChangesAndResumesWhenSpaceReturns) {
  FoundrydProcess foundryd({"--storage-probe-s", "0.5"}, kFileSizeLimit);
  ASSERT_FALSE(foundryd.api().empty());
  auto staff = foundryd.client("staff", 5, 0);  // one attempt: a read must answer within 5 s
  EXPECT_EQ(hello(staff).value("storage", ""), "ok");

  // A run finished first, so that results committed before the pause are there to check after it.
  // (Whether any of the runs below finishes before the disk fills depends on how the requests and
  // the engine's virtual time interleave, which the machine's load changes: once, none did.)
  std::vector<std::string> acknowledged;  // runs whose submission was answered "created"
  acknowledged.push_back(staff.submit("dbtl-quick", designs(-1), "finished-first"));
  ASSERT_TRUE(wait_for(30, [&] {
    return json::parse(staff.request("status", json{{"run_id", acknowledged.front()}}.dump())).value("state", "") == "done";
  })) << foundryd.log_text();

  // Submit runs (each executes at once in virtual time) until the database cannot grow.
  bool full = false;
  for (int n = 0; n < 300 && !full; ++n) {
    try {
      acknowledged.push_back(staff.submit("dbtl-quick", designs(n), "fill-" + std::to_string(n)));
    } catch (const ClientError& e) {
      ASSERT_EQ(e.code(), "storage_full") << "submit " << n << " failed otherwise: " << e.what();
      full = true;
    }
    full = full || hello(staff).value("storage", "") == "full";
  }
  ASSERT_TRUE(full) << "the database never filled up under a " << kFileSizeLimit << "-byte limit";
  ASSERT_FALSE(acknowledged.empty());

  // Paused, not dead.
  ASSERT_TRUE(foundryd.alive()) << foundryd.log_text();
  json greeting = hello(staff);
  EXPECT_EQ(greeting.value("storage", ""), "full") << greeting.dump();
  EXPECT_GT(greeting.value("storage_full_since", 0.0), 0.0) << greeting.dump();
  EXPECT_NE(greeting.value("storage_message", "").find(foundryd.db().string()), std::string::npos) << greeting.dump();

  // Reads answer, each well within the client's 5 s (one attempt).
  auto started = std::chrono::steady_clock::now();
  json status = json::parse(staff.request("status", json{{"run_id", acknowledged.front()}}.dump()));
  EXPECT_EQ(status.value("storage", ""), "full") << status.dump();
  EXPECT_EQ(status.value("run_id", ""), acknowledged.front());
  auto listed = json::parse(staff.request("list")).at("runs");
  EXPECT_GE(listed.size(), acknowledged.size());
  EXPECT_FALSE(json::parse(staff.request("devices")).at("devices").empty());
  std::map<std::int64_t, std::size_t> results_before;  // seq -> measurements, committed before resuming
  std::int64_t after = 0;
  for (bool more = true; more;)
    for (const auto& r : staff.results(after, &more)) results_before[after = r.seq] = r.measurements.size();
  EXPECT_FALSE(results_before.empty());
  auto reads_took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_LT(reads_took, 5.0) << "reads while the disk is full must not wait out a busy timeout";

  // Changes are refused, saying what to do.
  try {
    staff.submit("dbtl-quick", designs(1000), "while-full");
    ADD_FAILURE() << "a submission was accepted while the database cannot grow";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.code(), "storage_full") << e.what();
    EXPECT_NE(std::string(e.what()).find("free"), std::string::npos) << e.what();
  }
  try {
    staff.request("hold", json{{"run_id", acknowledged.front()}}.dump());
    ADD_FAILURE() << "a hold was accepted while the database cannot grow";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.code(), "storage_full") << e.what();
  }
  using foundry::testing::shell_quote;
  auto cli = foundry::testing::run_command(
      shell_quote(foundry::testing::foundry_binary()) + " submit dbtl-quick --connect " + shell_quote(foundryd.api()) +
      " --keys " + shell_quote((foundryd.dir() / "keys").string()) + " --as staff");
  EXPECT_EQ(cli.exit_code, 7) << cli.out << cli.err;
  EXPECT_NE(cli.err.find("free"), std::string::npos) << cli.err;

  // Several failed probes later (every 0.5 s) the log still holds one error, naming the file.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_TRUE(foundryd.alive()) << foundryd.log_text();
  std::string log = foundryd.log_text();
  EXPECT_EQ(count(log, "cannot grow"), 1u) << log;
  EXPECT_NE(log.find(foundryd.db().string()), std::string::npos) << log;
  EXPECT_EQ(count(log, "resumed"), 0u) << log;

  // Space returns: foundryd resumes by itself and finishes every run.
  ASSERT_TRUE(foundryd.lift_file_size_limit());
  ASSERT_TRUE(wait_for(20, [&] { return hello(staff).value("storage", "") == "ok"; })) << foundryd.log_text();
  EXPECT_EQ(count(foundryd.log_text(), "resumed"), 1u) << foundryd.log_text();
  acknowledged.push_back(staff.submit("dbtl-quick", designs(2000), "after-resume"));
  // Every run ends done: the acknowledged ones, and one whose submission the full disk cut short
  // after its run was recorded (the client was told storage_full; its request id would return it).
  bool all_done = wait_for(60, [&] {
    std::size_t acknowledged_done = 0;
    const json listed_now = json::parse(staff.request("list"));
    for (const auto& r : listed_now.at("runs")) {
      if (r["state"] != "done") return false;
      if (std::find(acknowledged.begin(), acknowledged.end(), r["run_id"]) != acknowledged.end()) ++acknowledged_done;
    }
    return acknowledged_done == acknowledged.size();
  });
  EXPECT_TRUE(all_done) << "acknowledged: " << json(acknowledged).dump() << "\n"
                        << json::parse(staff.request("list")).dump() << "\n" << foundryd.log_text();

  // Nothing lost, nothing twice, the file whole.
  ASSERT_EQ(foundryd.stop(), 0) << foundryd.log_text();
  const std::string db = foundryd.db().string();
  EXPECT_EQ(foundry::testing::integrity_check(db), "ok");
  auto replay = foundry::testing::check_event_replay(db);
  EXPECT_TRUE(replay.ok()) << replay.text();
  for (const auto& [seq, measurements] : results_before) {
    auto found = integers(db, "SELECT count(*) FROM events WHERE kind='step_finished' AND seq=" + std::to_string(seq));
    EXPECT_EQ(found, std::vector<std::int64_t>{1}) << "result " << seq << " acknowledged before resuming is gone";
    auto stored = integers(db, "SELECT count(*) FROM measurements m JOIN events e ON e.run_id=m.run_id AND "
                               "e.step_id=m.step_id WHERE e.seq=" + std::to_string(seq));
    EXPECT_EQ(stored, std::vector<std::int64_t>{static_cast<std::int64_t>(measurements)}) << "result " << seq;
  }
  EXPECT_TRUE(integers(db, "SELECT count(*) FROM events WHERE kind='step_finished' GROUP BY run_id, step_id "
                           "HAVING count(*) > 1")
                  .empty())
      << "a step finished twice";
  EXPECT_EQ(integers(db, "SELECT count(*) FROM runs WHERE state<>'done'"), std::vector<std::int64_t>{0});
  // The pause is in the event log once, written when it ended, naming what paused it.
  EXPECT_EQ(integers(db, "SELECT count(*) FROM events WHERE kind='storage_resumed' AND run_id IS NULL AND "
                         "json_extract(detail_json, '$.paused_s') > 0 AND "
                         "instr(json_extract(detail_json, '$.reason'), 'cannot grow') > 0"),
            std::vector<std::int64_t>{1});
  auto runs = integers(db, "SELECT count(*) FROM runs");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_GE(runs.front(), static_cast<std::int64_t>(acknowledged.size()));
  EXPECT_LE(runs.front(), static_cast<std::int64_t>(acknowledged.size()) + 1);
}

}  // namespace
