// foundry-bench-durability [--steps N] [--rounds R] [--group G] [--dir D]
//
// What full durability costs. Every step transition the engine records (intent before dispatch,
// result with its measurement after) is one SQLite transaction, fsync'd (WAL, synchronous=FULL),
// that also appends to the event log. The baseline is the least a durable transition can cost:
// one raw INSERT of a small row per transaction with the same settings. Both run in the same
// process, interleaved round by round (this machine is noisy), on files in the same folder; the
// table gives the medians and their ratio.
#include <foundry/protocol/run_spec.hpp>
#include <foundry/store/store.hpp>

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void remove_db(const fs::path& file) {
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(file.string() + suffix);
}

// Transitions per second through the store: per step, its intent and its result. With `group`
// > 1, as the engine commits them when `group` steps start at the same instant (a sampling round
// of a 24-vessel array) and their results arrive together: the intents of a round in one
// transaction (Store::WriteGroup), then its results in another.
double store_rate(const fs::path& file, int steps, int group) {
  remove_db(file);
  auto store = foundry::store::Store::open(file);
  foundry::RunSpec run;
  run.run_id = "bench-1";
  run.protocol = "bench";
  for (int i = 0; i < steps; ++i) {
    foundry::StepSpec step;
    step.id = "s" + std::to_string(i);
    step.operation = "sample";
    step.device_type = "liquid_handler";
    run.steps.push_back(step);
  }
  store->create_run(run, 0.0);
  store->set_run_state(run.run_id, "running", 0.0);
  auto start = Clock::now();
  for (int first = 0; first < steps; first += group) {
    const int last = std::min(steps, first + group);
    {
      std::optional<foundry::store::Store::WriteGroup> intents;
      if (group > 1) intents.emplace(*store);
      for (int i = first; i < last; ++i) {
        const std::string id = "s" + std::to_string(i);
        store->step_started(run.run_id, id, "lh1", 0, 1, run.run_id + "/" + id + "/1", i);
      }
      if (intents) intents->commit();
    }
    std::optional<foundry::store::Store::WriteGroup> results;
    if (group > 1) results.emplace(*store);
    for (int i = first; i < last; ++i) {
      const std::string id = "s" + std::to_string(i);
      foundry::store::Measurement m;
      m.run_id = run.run_id;
      m.step_id = id;
      m.device_id = "lh1";
      m.name = "OD600";
      m.value = 0.5 + i * 1e-3;
      m.unit = "AU";
      m.sample = id;
      m.t = i + 0.5;
      store->step_finished(run.run_id, id, R"({"measurements":[{"name":"OD600","value":0.5}]})", {m}, i + 0.5);
    }
    if (results) results->commit();
  }
  double elapsed = seconds_since(start);
  return 2.0 * steps / elapsed;
}

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
}

// Inserts per second into a bare table, one transaction each, same durability settings.
double raw_rate(const fs::path& file, int inserts) {
  remove_db(file);
  sqlite3* db = nullptr;
  check(sqlite3_open(file.c_str(), &db), db, "open");
  check(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                         "CREATE TABLE t(run TEXT, step TEXT, state TEXT, at REAL)",
                     nullptr, nullptr, nullptr),
        db, "setup");
  sqlite3_stmt* insert = nullptr;
  check(sqlite3_prepare_v2(db, "INSERT INTO t VALUES ('bench-1', ?1, 'done', ?2)", -1, &insert, nullptr), db,
        "prepare");
  auto start = Clock::now();
  for (int i = 0; i < inserts; ++i) {
    const std::string id = "s" + std::to_string(i);
    check(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), db, "begin");
    sqlite3_bind_text(insert, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(insert, 2, i);
    check(sqlite3_step(insert), db, "insert");
    sqlite3_reset(insert);
    check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
  }
  double elapsed = seconds_since(start);
  sqlite3_finalize(insert);
  sqlite3_close(db);
  return inserts / elapsed;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int steps = 500;
  int rounds = 5;
  int group = 24;  // steps starting (and ending) at one instant: a round on a 24-vessel array
  fs::path dir = ".";  // the current folder: a real disk (a tmpfs /tmp would fake the fsyncs)
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--steps" && i + 1 < argc) {
      steps = std::atoi(argv[++i]);
    } else if (arg == "--rounds" && i + 1 < argc) {
      rounds = std::atoi(argv[++i]);
    } else if (arg == "--group" && i + 1 < argc) {
      group = std::atoi(argv[++i]);
    } else if (arg == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: foundry-bench-durability [--steps N] [--rounds R] [--group G] [--dir D]\n");
      return 2;
    }
  }
  if (steps < 1 || rounds < 1 || group < 2) {
    std::fprintf(stderr, "--steps and --rounds must be at least 1, --group at least 2\n");
    return 2;
  }
  const fs::path store_file = dir / ("foundry-bench-durability-store-" + std::to_string(::getpid()) + ".db");
  const fs::path raw_file = dir / ("foundry-bench-durability-raw-" + std::to_string(::getpid()) + ".db");
  std::vector<double> store_rates, grouped_rates, raw_rates;
  try {
    for (int r = 0; r < rounds; ++r) {
      store_rates.push_back(store_rate(store_file, steps, 1));
      grouped_rates.push_back(store_rate(store_file, steps, group));
      raw_rates.push_back(raw_rate(raw_file, 2 * steps));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "foundry-bench-durability: %s\n", e.what());
    return 1;
  }
  remove_db(store_file);
  remove_db(raw_file);
  double store = median(store_rates), grouped = median(grouped_rates), raw = median(raw_rates);
  std::printf("durable step transitions, %d steps x 2 transitions, %d rounds interleaved, files in %s\n", steps,
              rounds, dir.c_str());
  std::printf("%-50s %14s\n", "", "per second");
  std::printf("%-50s %14.0f\n", "store: intent + result (with event, measurement)", store);
  const std::string grouped_label = "store, group commit: " + std::to_string(group) + " intents, then their results";
  std::printf("%-50s %14.0f\n", grouped_label.c_str(), grouped);
  std::printf("%-50s %14.0f\n", "raw SQLite: one INSERT per transaction", raw);
  std::printf("%-50s %14.2f\n", "ratio store / raw", store / raw);
  std::printf("%-50s %14.2f\n", "ratio store with group commit / raw", grouped / raw);
  return 0;
}
