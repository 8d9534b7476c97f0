#include "event_replay.hpp"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>

namespace foundry::testing {

namespace {

using Json = nlohmann::json;

// --- a few lines of SQLite, on purpose not the store's wrappers ---------------------------------

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;

struct StatementFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

Db open_read_only(const std::string& file) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK)
    throw std::runtime_error(file + ": cannot open: " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  sqlite3_busy_timeout(raw, 5000);
  return db;
}

class Query {
 public:
  Query(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK)
      throw std::runtime_error("query failed: " + sql + ": " + sqlite3_errmsg(db));
    statement_.reset(raw);
  }
  bool next() {
    int rc = sqlite3_step(statement_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(std::string("query failed: ") + sqlite3_errstr(rc));
  }
  bool is_null(int column) { return sqlite3_column_type(statement_.get(), column) == SQLITE_NULL; }
  std::string text(int column) {
    auto* p = sqlite3_column_text(statement_.get(), column);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  std::int64_t integer(int column) { return sqlite3_column_int64(statement_.get(), column); }
  double real(int column) { return sqlite3_column_double(statement_.get(), column); }
  std::optional<double> optional_real(int column) {
    if (is_null(column)) return std::nullopt;
    return real(column);
  }

 private:
  std::unique_ptr<sqlite3_stmt, StatementFinalizer> statement_;
};

bool has_column(sqlite3* db, const std::string& table, const std::string& column) {
  Query q(db, "PRAGMA table_info(" + table + ")");
  while (q.next())
    if (q.text(1) == column) return true;
  return false;
}

bool has_object(sqlite3* db, const std::string& type, const std::string& name) {
  Query q(db, "SELECT 1 FROM sqlite_master WHERE type='" + type + "' AND name='" + name + "'");
  return q.next();
}

// --- the replayed state --------------------------------------------------------------------

const std::set<std::string> kRunStates = {"queued", "running", "held", "done", "failed", "cancelled"};
const std::set<std::string> kTerminalRunStates = {"done", "failed", "cancelled"};

// Step event kinds and the state each leads to (the attempt ended without a result: "planned").
const std::map<std::string, std::string> kStepStateEvents = {
    {"step_started", "running"},        {"step_finished", "done"},     {"step_failed", "failed"},
    {"step_skipped", "skipped"},        {"step_cancelled", "cancelled"}, {"step_held", "held"},
    {"step_attempt_failed", "planned"}, {"step_requeued", "planned"},  {"step_in_doubt_rerun", "planned"},
};
// Kinds that record something without changing a run's or step's state.
const std::set<std::string> kInformational = {
    "constraint_violated", "deadline_missed", "replanned", "replan_failed", "plan_improved", "plan", "planned",
    "recovered",           "recovery",        "device_in_service", "device_out_of_service",
    "step_progress",       "run_resumed",     "run_hold_requested", "step_completed_from_driver",
    "storage_resumed",
};

struct ReplayedStep {
  std::string state = "pending";
  std::string device_id;
  std::optional<std::int64_t> unit;
  std::int64_t attempt = 0;
  std::string key;
  std::optional<double> started_at, finished_at;
  std::int64_t measurements = 0;
  int results = 0;
  bool constraint_violated = false;
};

struct ReplayedRun {
  std::string state = "queued";
  double created_at = 0;
  std::optional<double> finished_at;
  std::int64_t step_count = -1;  // from run_created
};

using StepKey = std::pair<std::string, std::string>;

std::string name(const StepKey& key) { return key.first + "/" + key.second; }

bool same_time(std::optional<double> a, std::optional<double> b) {
  if (!a || !b) return a.has_value() == b.has_value();
  return std::fabs(*a - *b) <= 1e-6 * std::max(1.0, std::fabs(*a));
}

std::string show(std::optional<double> t) { return t ? std::to_string(*t) : std::string("NULL"); }

class Replayer {
 public:
  Replayer(sqlite3* db, ReplayReport& report) : db_(db), report_(report) {}

  void run() {
    load_step_ids();
    replay_events();
    compare_runs();
    compare_steps();
    compare_measurements();
    compare_prompts();
  }

 private:
  void problem(std::string text) { report_.problems.push_back(std::move(text)); }

  void load_step_ids() {
    Query q(db_, "SELECT run_id, step_id FROM steps");
    while (q.next()) table_steps_.insert({q.text(0), q.text(1)});
  }

  void replay_events() {
    if (!has_object(db_, "trigger", "events_no_update") || !has_object(db_, "trigger", "events_no_delete"))
      problem("the event log's append-only triggers (events_no_update, events_no_delete) are missing");
    Query q(db_, "SELECT seq, t, coalesce(run_id,''), coalesce(step_id,''), kind, detail_json FROM events ORDER BY seq");
    std::int64_t expected_seq = 1;
    while (q.next()) {
      std::int64_t seq = q.integer(0);
      if (seq != expected_seq)
        problem("event seq " + std::to_string(expected_seq) + (seq > expected_seq + 1 ? ".." + std::to_string(seq - 1) : "") +
                " missing: the log has a gap (events deleted?)");
      expected_seq = seq + 1;
      ++report_.events;
      Json detail = Json::parse(q.text(5), nullptr, false);
      if (detail.is_discarded()) {
        problem("event " + std::to_string(seq) + ": detail_json is not JSON");
        detail = Json::object();
      }
      apply(seq, q.real(1), q.text(2), q.text(3), q.text(4), detail);
    }
    if (has_object(db_, "table", "sqlite_sequence")) {
      Query s(db_, "SELECT seq FROM sqlite_sequence WHERE name='events'");
      if (s.next() && s.integer(0) != expected_seq - 1)
        problem("the events table handed out seq " + std::to_string(s.integer(0)) + " but the log ends at " +
                std::to_string(expected_seq - 1) + " (events deleted at the end?)");
    }
    for (const auto& [kind, count] : unknown_)
      report_.unknown_kinds.push_back(kind + " (" + std::to_string(count) + " events)");
  }

  void apply(std::int64_t seq, double t, const std::string& run_id, const std::string& step_id, const std::string& kind,
             const Json& detail) {
    std::string at = "event " + std::to_string(seq) + " (" + kind + ")";
    if (run_id.empty()) {
      if (!kInformational.count(kind)) ++unknown_[kind];
      return;
    }
    if (step_id.empty()) {
      if (kind == "run_created") {
        if (runs_.count(run_id)) problem(at + ": run '" + run_id + "' created twice");
        ReplayedRun& run = runs_[run_id];
        run.created_at = t;
        if (detail.contains("steps") && detail["steps"].is_number_integer()) run.step_count = detail["steps"].get<std::int64_t>();
        return;
      }
      auto it = runs_.find(run_id);
      if (kind.rfind("run_", 0) == 0 && kRunStates.count(kind.substr(4))) {
        if (it == runs_.end()) return problem(at + ": run '" + run_id + "' changes state before run_created");
        it->second.state = kind.substr(4);
        if (kTerminalRunStates.count(it->second.state)) it->second.finished_at = t;
        return;
      }
      if (!kInformational.count(kind)) ++unknown_[kind];
      return;
    }
    StepKey key{run_id, step_id};
    if (!runs_.count(run_id)) return problem(at + ": step '" + name(key) + "' of a run that was never created");
    if (!table_steps_.count(key)) return problem(at + ": step '" + name(key) + "' is not in the steps table");
    ReplayedStep& step = steps_[key];
    if (kind == "step_planned") {
      if (step.state == "pending") step.state = "planned";
      step.device_id = detail.value("device", step.device_id);
      if (detail.contains("unit") && detail["unit"].is_number_integer()) step.unit = detail["unit"].get<std::int64_t>();
      return;
    }
    if (kind == "prompt_answered") {
      if (step.state != "held") problem(at + ": step '" + name(key) + "' answered while " + step.state + ", not held");
      step.state = detail.value("step_state", std::string("planned"));
      return;
    }
    if (kind == "constraint_violated") {
      step.constraint_violated = true;
      return;
    }
    auto it = kStepStateEvents.find(kind);
    if (it == kStepStateEvents.end()) {
      if (!kInformational.count(kind)) ++unknown_[kind];
      return;
    }
    if (kind == "step_started") {
      std::int64_t attempt = detail.value("attempt", std::int64_t{-1});
      if (attempt <= step.attempt)
        problem(at + ": step '" + name(key) + "' attempt " + std::to_string(attempt) + " after attempt " +
                std::to_string(step.attempt) + " (attempts must grow)");
      step.attempt = attempt;
      step.key = detail.value("key", std::string());
      step.device_id = detail.value("device", step.device_id);
      if (detail.contains("unit") && detail["unit"].is_number_integer()) step.unit = detail["unit"].get<std::int64_t>();
      step.started_at = t;
      step.finished_at.reset();
    } else if (kind == "step_finished") {
      if (step.state != "running")
        problem(at + ": step '" + name(key) + "' finished while " + step.state + ", not running");
      ++step.results;
      ++report_.results;
      if (step.results > 1) problem(at + ": step '" + name(key) + "' has a second result (stored twice)");
      step.measurements += detail.value("measurements", std::int64_t{0});
      step.finished_at = t;
    } else if (kind == "step_failed") {
      step.finished_at = t;
    }
    step.state = it->second;
  }

  void compare_runs() {
    bool has_reason = has_column(db_, "runs", "reason");
    (void)has_reason;
    Query q(db_, "SELECT run_id, state, created_at, finished_at FROM runs");
    std::set<std::string> seen;
    while (q.next()) {
      std::string run_id = q.text(0);
      seen.insert(run_id);
      ++report_.runs;
      auto it = runs_.find(run_id);
      if (it == runs_.end()) {
        problem("run '" + run_id + "' is in the runs table but the log never created it");
        continue;
      }
      const ReplayedRun& run = it->second;
      if (q.text(1) != run.state)
        problem("run '" + run_id + "': table state " + q.text(1) + ", log replays to " + run.state);
      if (!same_time(q.real(2), run.created_at))
        problem("run '" + run_id + "': created_at " + std::to_string(q.real(2)) + ", log " + std::to_string(run.created_at));
      if (kTerminalRunStates.count(run.state) && !same_time(q.optional_real(3), run.finished_at))
        problem("run '" + run_id + "': finished_at " + show(q.optional_real(3)) + ", log " + show(run.finished_at));
    }
    for (const auto& [run_id, run] : runs_)
      if (!seen.count(run_id)) problem("run '" + run_id + "' was created in the log but is not in the runs table");
  }

  void compare_steps() {
    bool has_flag = has_column(db_, "steps", "constraint_violated");
    Query q(db_, std::string("SELECT run_id, step_id, state, coalesce(device_id,''), unit, attempt, coalesce(idempotency_key,''),"
                             " started_at, finished_at, ") +
                     (has_flag ? "constraint_violated" : "0") + " FROM steps");
    std::map<std::string, std::int64_t> per_run;
    while (q.next()) {
      StepKey key{q.text(0), q.text(1)};
      ++report_.steps;
      ++per_run[key.first];
      ReplayedStep step;
      if (auto it = steps_.find(key); it != steps_.end()) step = it->second;
      std::string who = "step '" + name(key) + "'";
      if (q.text(2) != step.state) problem(who + ": table state " + q.text(2) + ", log replays to " + step.state);
      if (q.integer(5) != step.attempt)
        problem(who + ": table attempt " + std::to_string(q.integer(5)) + ", log " + std::to_string(step.attempt));
      if (q.text(6) != step.key) problem(who + ": table idempotency key '" + q.text(6) + "', log '" + step.key + "'");
      if (!step.device_id.empty() && q.text(3) != step.device_id)
        problem(who + ": table device '" + q.text(3) + "', log '" + step.device_id + "'");
      if (step.unit && (q.is_null(4) || q.integer(4) != *step.unit))
        problem(who + ": table unit " + (q.is_null(4) ? std::string("NULL") : std::to_string(q.integer(4))) + ", log " +
                std::to_string(*step.unit));
      if (step.started_at && !same_time(q.optional_real(7), step.started_at))
        problem(who + ": started_at " + show(q.optional_real(7)) + ", log " + show(step.started_at));
      if ((step.state == "done" || step.state == "failed") && !same_time(q.optional_real(8), step.finished_at))
        problem(who + ": finished_at " + show(q.optional_real(8)) + ", log " + show(step.finished_at));
      if (has_flag && (q.integer(9) != 0) != step.constraint_violated)
        problem(who + ": table constraint_violated " + std::to_string(q.integer(9)) + ", log " +
                (step.constraint_violated ? "1" : "0"));
    }
    for (const auto& [run_id, run] : runs_)
      if (run.step_count >= 0 && per_run[run_id] != run.step_count)
        problem("run '" + run_id + "': " + std::to_string(per_run[run_id]) + " steps in the table, run_created said " +
                std::to_string(run.step_count));
  }

  // Every result stored exactly once: each step's measurement rows are the ones its
  // step_finished event announced, no more, no fewer.
  void compare_measurements() {
    Query q(db_, "SELECT run_id, step_id, count(*) FROM measurements GROUP BY run_id, step_id");
    std::set<StepKey> seen;
    while (q.next()) {
      StepKey key{q.text(0), q.text(1)};
      seen.insert(key);
      auto it = steps_.find(key);
      std::int64_t expected = it == steps_.end() ? 0 : it->second.measurements;
      if (q.integer(2) != expected)
        problem("step '" + name(key) + "': " + std::to_string(q.integer(2)) + " measurement rows, the log's result had " +
                std::to_string(expected));
    }
    for (const auto& [key, step] : steps_)
      if (step.measurements > 0 && !seen.count(key))
        problem("step '" + name(key) + "': no measurement rows, the log's result had " + std::to_string(step.measurements));
    // Data from a step that broke a time window carries the mark, whenever it was stored.
    if (!has_column(db_, "measurements", "constraint_violated")) return;
    Query flags(db_, "SELECT run_id, step_id, count(*) FROM measurements WHERE constraint_violated=0 GROUP BY run_id, step_id");
    while (flags.next()) {
      StepKey key{flags.text(0), flags.text(1)};
      auto it = steps_.find(key);
      if (it != steps_.end() && it->second.constraint_violated)
        problem("step '" + name(key) + "': " + std::to_string(flags.integer(2)) +
                " measurement rows lack the constraint_violated mark the log gave the step");
    }
  }

  // A prompt is open exactly while its step is held.
  void compare_prompts() {
    if (!has_object(db_, "table", "prompts")) return;
    std::set<StepKey> open;
    Query q(db_, "SELECT run_id, step_id FROM prompts");
    while (q.next()) open.insert({q.text(0), q.text(1)});
    for (const auto& key : open) {
      auto it = steps_.find(key);
      if (it == steps_.end() || it->second.state != "held")
        problem("step '" + name(key) + "': a prompt is open but the log replays the step to " +
                (it == steps_.end() ? std::string("pending") : it->second.state));
    }
    for (const auto& [key, step] : steps_)
      if (step.state == "held" && !open.count(key)) problem("step '" + name(key) + "': held in the log, but no prompt is open");
  }

  sqlite3* db_;
  ReplayReport& report_;
  std::set<StepKey> table_steps_;
  std::map<std::string, ReplayedRun> runs_;
  std::map<StepKey, ReplayedStep> steps_;
  std::map<std::string, int> unknown_;
};

}  // namespace

std::string ReplayReport::text() const {
  std::string out;
  for (const auto& p : problems) out += p + "\n";
  for (const auto& k : unknown_kinds) out += "unknown event kind: " + k + "\n";
  return out;
}

ReplayReport check_event_replay(const std::string& db_file) {
  Db db = open_read_only(db_file);
  for (const char* table : {"runs", "steps", "events", "measurements"})
    if (!has_object(db.get(), "table", table))
      throw std::runtime_error(db_file + ": no table '" + table + "': not a Foundry database");
  ReplayReport report;
  Replayer(db.get(), report).run();
  return report;
}

std::string integrity_check(const std::string& db_file) {
  try {
    Db db = open_read_only(db_file);
    Query q(db.get(), "PRAGMA integrity_check");
    std::string out;
    while (q.next()) out += (out.empty() ? "" : "\n") + q.text(0);
    return out;
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace foundry::testing
