// The SQLite store. Durability settings are checked, not assumed: WAL + synchronous=FULL means a
// committed transaction survives an application crash and a power loss (docs/database.md).
// Every state change is one transaction that appends its event; listeners hear of events only
// after the commit, so nothing is published that a crash could take back.
#include <foundry/store/store.hpp>

#include "store/sqlite_db.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <exception>
#include <mutex>
#include <optional>
#include <set>

namespace foundry::store {

namespace {

// Version 1 of the schema. Later versions add migrations below, never edit this text.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE runs (
  run_id          TEXT PRIMARY KEY,
  protocol        TEXT NOT NULL,
  parameters_json TEXT NOT NULL,
  priority        INTEGER NOT NULL,
  release_s       INTEGER NOT NULL,
  deadline_s      INTEGER,
  state           TEXT NOT NULL,
  created_at      REAL NOT NULL,
  finished_at     REAL
);
CREATE TABLE steps (
  run_id          TEXT NOT NULL REFERENCES runs(run_id),
  step_id         TEXT NOT NULL,
  seq             INTEGER NOT NULL,
  operation       TEXT NOT NULL,
  device_type     TEXT NOT NULL,
  parameters_json TEXT NOT NULL,
  duration_s      INTEGER NOT NULL,
  state           TEXT NOT NULL,
  device_id       TEXT,
  unit            INTEGER,
  planned_start   REAL,
  planned_end     REAL,
  started_at      REAL,
  finished_at     REAL,
  attempt         INTEGER NOT NULL DEFAULT 0,
  idempotency_key TEXT,
  result_json     TEXT,
  error           TEXT,
  PRIMARY KEY (run_id, step_id)
);
CREATE TABLE events (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  t           REAL NOT NULL,
  run_id      TEXT,
  step_id     TEXT,
  kind        TEXT NOT NULL,
  detail_json TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE measurements (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id    TEXT NOT NULL,
  step_id   TEXT NOT NULL,
  device_id TEXT NOT NULL,
  name      TEXT NOT NULL,
  value     REAL NOT NULL,
  unit      TEXT NOT NULL,
  sample    TEXT,
  t         REAL NOT NULL
);
CREATE INDEX measurements_by_run ON measurements(run_id, name);
CREATE INDEX events_by_run ON events(run_id, seq);
-- The event log is append-only: the database itself refuses edits and deletions.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
)sql";

// Version 2: the full run spec (so recovery can rebuild a run), client request ids (one run per
// request), why a run is held/failed/cancelled, operator prompts, device service state, and the
// constraint_violated mark on steps and their measurements. Applied to a v1 file in one
// transaction; a new file is created as v1 and migrated, so the migration runs every time.
constexpr const char* kMigrationV2 = R"sql(
ALTER TABLE runs ADD COLUMN spec_json TEXT;
ALTER TABLE runs ADD COLUMN client_request_id TEXT;
ALTER TABLE runs ADD COLUMN reason TEXT;
CREATE UNIQUE INDEX runs_by_request ON runs(client_request_id);
ALTER TABLE steps ADD COLUMN constraint_violated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE measurements ADD COLUMN constraint_violated INTEGER NOT NULL DEFAULT 0;
CREATE TABLE prompts (
  run_id        TEXT NOT NULL,
  step_id       TEXT NOT NULL,
  device_id     TEXT NOT NULL,
  what_happened TEXT NOT NULL,
  choices_json  TEXT NOT NULL,
  window_left_s REAL,
  since         REAL NOT NULL,
  PRIMARY KEY (run_id, step_id)
);
CREATE TABLE devices (
  device_id  TEXT PRIMARY KEY,
  in_service INTEGER NOT NULL,
  reason     TEXT NOT NULL,
  since      REAL NOT NULL
);
CREATE INDEX steps_by_state ON steps(state);
)sql";

std::string event_detail(std::initializer_list<std::pair<const char*, nlohmann::json>> fields) {
  nlohmann::json detail = nlohmann::json::object();
  for (const auto& [k, v] : fields) detail[k] = v;
  return detail.dump();
}

}  // namespace

struct Store::Impl {
  std::filesystem::path path;
  SqliteDb db;
  EventListener listener;
  std::vector<Event> uncommitted;  // appended in the open transaction, told after its commit
  // The open WriteGroup's transaction, and the error that failed the group (rethrown by every
  // later write in it), if one did.
  std::optional<Transaction> group;
  std::optional<std::pair<std::string, bool>> group_failure;  // message, whether StorageFull
  mutable std::mutex storage_mutex;  // storage is read by other threads (the service's status)
  StorageStatus storage;
  StorageListener storage_listener;
  explicit Impl(const std::filesystem::path& p) : path(p), db(p.string()) {
    db.on_storage_full([this](const std::string& message) { storage_changed(true, message); });
  }

  // A write failed for want of room (full) or one committed (not full): tell on a change only.
  void storage_changed(bool full, const std::string& message) {
    StorageStatus now;
    {
      std::lock_guard lock(storage_mutex);
      if (storage.full == full) return;
      storage.full = full;
      storage.since = full ? std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() : 0;
      storage.message = full ? message : "";
      now = storage;
    }
    if (storage_listener) storage_listener(now);
  }
  bool storage_full() const {
    std::lock_guard lock(storage_mutex);
    return storage.full;
  }
  std::string storage_message() const {
    std::lock_guard lock(storage_mutex);
    return storage.message;
  }

  // After a commit: writable again if it was full, and the listener hears of every event.
  void committed() {
    if (storage_full()) storage_changed(false, "");
    std::vector<Event> told;
    told.swap(uncommitted);
    if (listener)
      for (const auto& e : told) listener(e);
  }

  void event(const std::string& run_id, const std::string& step_id, const std::string& kind,
             const std::string& detail, double t) {
    Statement ins(db, "INSERT INTO events(t, run_id, step_id, kind, detail_json) VALUES (?,?,?,?,?)");
    ins.bind(1, t).bind(3, step_id).bind(4, kind).bind(5, detail);
    if (run_id.empty()) ins.bind_null(2);
    else ins.bind(2, run_id);
    ins.run();
    uncommitted.push_back({sqlite3_last_insert_rowid(db.handle()), t, run_id, step_id, kind, detail});
  }
};

namespace {

// A write transaction whose events reach the listener only once it committed. Inside a
// WriteGroup it opens no transaction of its own: its writes join the group's, which commits them.
class Change {
 public:
  explicit Change(Store::Impl& impl) : impl_(impl) {
    if (impl_.group_failure) {
      if (impl_.group_failure->second) throw StorageFull(impl_.group_failure->first);
      throw StoreError(impl_.group_failure->first);
    }
    if (impl_.group) return;
    tx_.emplace(impl_.db);
    impl_.uncommitted.clear();
  }
  ~Change() {
    if (!impl_.group) {
      impl_.uncommitted.clear();
    } else if (!committed_) {
      // A write failed half-way: the group can no longer commit all it was given, nor part of it.
      const bool full = std::uncaught_exceptions() > 0 && impl_.storage_full();
      std::string message = full ? impl_.storage_message() : impl_.db.file() + ": a write of this group failed";
      impl_.group_failure.emplace(std::move(message), full);
    }
  }
  Change(const Change&) = delete;
  Change& operator=(const Change&) = delete;
  void commit() {
    committed_ = true;
    if (!tx_) return;  // the group commits
    tx_->commit();
    impl_.committed();
  }

 private:
  Store::Impl& impl_;
  std::optional<Transaction> tx_;
  bool committed_ = false;
};

// Rows touched by an UPDATE; a change to an unknown run or step is a bug in the caller.
void expect_changed(SqliteDb& db, const std::string& what) {
  if (sqlite3_changes(db.handle()) == 0) throw StoreError(db.file() + ": no such " + what);
}

}  // namespace

std::unique_ptr<Store> Store::open(const std::filesystem::path& file) {
  auto impl = std::make_unique<Impl>(file);
  auto& db = impl->db;
  const std::string name = file.string();
  try {
    // The first read of the header is where SQLite notices a file that is not a database.
    Statement check(db, "PRAGMA quick_check");
    std::string verdict = check.step() ? check.text(0) : "no answer";
    if (verdict != "ok") throw StoreError(name + ": database is corrupt (quick_check: " + verdict + ")");
  } catch (const StoreError& e) {
    std::string what = e.what();
    if (what.find("corrupt") != std::string::npos || what.find("not a database") != std::string::npos)
      throw StoreError(name + ": refusing to open: the file is not a Foundry database or is corrupt (" + what +
                       "). Move it aside or restore a backup.");
    throw;
  }
  db.exec("PRAGMA journal_mode=WAL");
  db.exec("PRAGMA synchronous=FULL");
  db.exec("PRAGMA foreign_keys=ON");
  // A WAL that grew while readers (the CLI, foundryd's clients) kept the checkpoint from restarting
  // it would otherwise keep its size on disk for good; it is cut back to this when it restarts.
  db.exec(("PRAGMA journal_size_limit=" + std::to_string(Store::kWalSizeLimitBytes)).c_str());
  {
    Statement mode(db, "PRAGMA journal_mode");
    if (!mode.step() || mode.text(0) != "wal") throw StoreError(name + ": cannot switch the journal to WAL mode");
    Statement sync(db, "PRAGMA synchronous");
    if (!sync.step() || sync.integer(0) != 2) throw StoreError(name + ": cannot set synchronous=FULL");
  }
  auto version = [&] {
    Statement version_query(db, "PRAGMA user_version");
    version_query.step();
    return version_query.integer(0);
  };
  if (version() > kSchemaVersion)
    throw StoreError(name + ": database schema version " + std::to_string(version()) +
                     " is newer than this Foundry understands (" + std::to_string(kSchemaVersion) + ")");
  if (version() == 0) {
    Statement tables(db, "SELECT count(*) FROM sqlite_master");
    tables.step();
    if (tables.integer(0) != 0)
      throw StoreError(name + ": refusing to open: an SQLite database, but not a Foundry one (no schema version)");
    Transaction tx(db);
    db.exec(kSchemaV1);
    db.exec("PRAGMA user_version=1");
    tx.commit();
  }
  if (version() < 2) {
    Transaction tx(db);
    db.exec(kMigrationV2);
    db.exec("PRAGMA user_version=2");
    tx.commit();
  }
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

const std::filesystem::path& Store::file() const { return impl_->path; }

void Store::set_event_listener(EventListener listener) { impl_->listener = std::move(listener); }

StorageStatus Store::storage_status() const {
  std::lock_guard lock(impl_->storage_mutex);
  return impl_->storage;
}

void Store::set_storage_listener(StorageListener listener) { impl_->storage_listener = std::move(listener); }

bool Store::try_writing_again() {
  if (!impl_->storage_full()) return true;
  try {
    // Room for real work, not one page: a write that failed half-way may have left just enough for
    // a small one, and resuming on that would only fill up again at once. The table is made and
    // dropped in the same transaction: nothing a reader could see, the pages stay free for later.
    Transaction tx(impl_->db);
    impl_->db.exec("CREATE TABLE foundry_storage_probe(b BLOB)");
    impl_->db.exec(("INSERT INTO foundry_storage_probe VALUES (zeroblob(" + std::to_string(kStorageProbeBytes) + "))").c_str());
    impl_->db.exec("DROP TABLE foundry_storage_probe");
    tx.commit();
  } catch (const StorageFull&) {
    return false;
  }
  impl_->storage_changed(false, "");
  return true;
}

Store::WriteGroup::WriteGroup(Store& store) : store_(store) {
  Impl& impl = *store_.impl_;
  if (impl.group) throw StoreError(impl.db.file() + ": a write group is open already (groups do not nest)");
  impl.uncommitted.clear();
  impl.group.emplace(impl.db);
}

Store::WriteGroup::~WriteGroup() {
  if (done_) return;
  Impl& impl = *store_.impl_;
  impl.group.reset();  // rolls back
  impl.group_failure.reset();
  impl.uncommitted.clear();
}

void Store::WriteGroup::commit() {
  Impl& impl = *store_.impl_;
  if (impl.group_failure) {
    std::string message = impl.group_failure->first;
    bool full = impl.group_failure->second;
    done_ = true;
    impl.group.reset();
    impl.group_failure.reset();
    impl.uncommitted.clear();
    if (full) throw StorageFull(message);
    throw StoreError(message);
  }
  done_ = true;
  try {
    impl.group->commit();
  } catch (...) {
    impl.group.reset();
    impl.uncommitted.clear();
    throw;
  }
  impl.group.reset();
  impl.committed();
}

void Store::create_run(const RunSpec& run, double t, const std::string& client_request_id, const std::string& spec_json) {
  auto& db = impl_->db;
  Change tx(*impl_);
  nlohmann::json params = nlohmann::json::object();
  for (const auto& [k, v] : run.parameters) {
    try {
      params[k] = nlohmann::json::parse(v);
    } catch (const nlohmann::json::exception&) {
      params[k] = v;
    }
  }
  {
    Statement taken(db, "SELECT count(*) FROM runs WHERE run_id=?");
    taken.bind(1, run.run_id);
    taken.step();
    if (taken.integer(0) != 0) throw StoreError(db.file() + ": run '" + run.run_id + "' exists already");
  }
  if (!client_request_id.empty() && run_for_request(client_request_id))
    throw StoreError(db.file() + ": client request id '" + client_request_id + "' was used already");
  Statement ins(db,
                "INSERT INTO runs(run_id, protocol, parameters_json, priority, release_s, deadline_s, state, created_at,"
                " spec_json, client_request_id) VALUES (?,?,?,?,?,?, 'queued', ?,?,?)");
  ins.bind(1, run.run_id).bind(2, run.protocol).bind(3, params.dump()).bind(4, run.priority)
      .bind(5, static_cast<std::int64_t>(run.release_s));
  if (run.deadline_s) ins.bind(6, static_cast<std::int64_t>(*run.deadline_s));
  else ins.bind_null(6);
  ins.bind(7, t);
  if (spec_json.empty()) ins.bind_null(8);
  else ins.bind(8, spec_json);
  if (client_request_id.empty()) ins.bind_null(9);
  else ins.bind(9, client_request_id);
  ins.run();
  Statement step(db,
                 "INSERT INTO steps(run_id, step_id, seq, operation, device_type, parameters_json, duration_s, state)"
                 " VALUES (?,?,?,?,?,?,?, 'pending')");
  for (std::size_t i = 0; i < run.steps.size(); ++i) {
    const auto& s = run.steps[i];
    step.bind(1, run.run_id).bind(2, s.id).bind(3, static_cast<std::int64_t>(i)).bind(4, s.operation)
        .bind(5, s.device_type).bind(6, s.parameters_json).bind(7, static_cast<std::int64_t>(s.duration_s)).run();
  }
  nlohmann::json detail = {{"protocol", run.protocol}, {"steps", run.steps.size()}, {"priority", run.priority}};
  if (!client_request_id.empty()) detail["client_request_id"] = client_request_id;
  impl_->event(run.run_id, "", "run_created", detail.dump(), t);
  tx.commit();
}

std::optional<std::string> Store::run_for_request(const std::string& client_request_id) const {
  Statement q(impl_->db, "SELECT run_id FROM runs WHERE client_request_id=?");
  q.bind(1, client_request_id);
  if (!q.step()) return std::nullopt;
  return q.text(0);
}

std::optional<std::string> Store::run_spec_json(const std::string& run_id) const {
  Statement q(impl_->db, "SELECT spec_json FROM runs WHERE run_id=? AND spec_json IS NOT NULL");
  q.bind(1, run_id);
  if (!q.step()) return std::nullopt;
  return q.text(0);
}

void Store::set_run_state(const std::string& run_id, const std::string& state, double t, const std::string& reason) {
  static const std::set<std::string> known = {"queued", "running", "held", "done", "failed", "cancelled"};
  if (!known.count(state)) throw StoreError(impl_->db.file() + ": unknown run state '" + state + "'");
  auto& db = impl_->db;
  Change tx(*impl_);
  bool terminal = state == "done" || state == "failed" || state == "cancelled";
  Statement(db, "UPDATE runs SET state=?, finished_at=CASE WHEN ? THEN ? ELSE finished_at END, reason=? WHERE run_id=?")
      .bind(1, state).bind(2, terminal ? 1 : 0).bind(3, t).bind(4, reason).bind(5, run_id).run();
  expect_changed(db, "run '" + run_id + "'");
  impl_->event(run_id, "", "run_" + state, reason.empty() ? "{}" : event_detail({{"reason", reason}}), t);
  tx.commit();
}

void Store::plan_steps(const std::vector<PlannedStep>& steps, double t) {
  if (steps.empty()) return;
  auto& db = impl_->db;
  Change tx(*impl_);
  Statement update(db,
                   "UPDATE steps SET state=CASE WHEN state='pending' THEN 'planned' ELSE state END,"
                   " device_id=?, unit=?, planned_start=?, planned_end=? WHERE run_id=? AND step_id=?");
  for (const auto& p : steps) {
    update.bind(1, p.device_id).bind(2, p.unit).bind(3, p.start).bind(4, p.end).bind(5, p.run_id).bind(6, p.step_id).run();
    impl_->event(p.run_id, p.step_id, "step_planned",
                 event_detail({{"device", p.device_id}, {"unit", p.unit}, {"start", p.start}, {"end", p.end}}), t);
  }
  tx.commit();
}

void Store::step_started(const std::string& run_id, const std::string& step_id, const std::string& device_id, int unit,
                         int attempt, const std::string& idempotency_key, double t) {
  auto& db = impl_->db;
  Change tx(*impl_);
  Statement(db,
            "UPDATE steps SET state='running', device_id=?, unit=?, attempt=?, idempotency_key=?, started_at=?"
            " WHERE run_id=? AND step_id=?")
      .bind(1, device_id).bind(2, unit).bind(3, attempt).bind(4, idempotency_key).bind(5, t).bind(6, run_id)
      .bind(7, step_id).run();
  expect_changed(db, "step '" + run_id + "/" + step_id + "'");
  impl_->event(run_id, step_id, "step_started",
               event_detail({{"device", device_id}, {"unit", unit}, {"attempt", attempt}, {"key", idempotency_key}}), t);
  tx.commit();
}

void Store::step_finished(const std::string& run_id, const std::string& step_id, const std::string& result_json,
                          const std::vector<Measurement>& measurements, double t) {
  auto& db = impl_->db;
  Change tx(*impl_);
  Statement(db, "UPDATE steps SET state='done', finished_at=?, result_json=? WHERE run_id=? AND step_id=?")
      .bind(1, t).bind(2, result_json).bind(3, run_id).bind(4, step_id).run();
  expect_changed(db, "step '" + run_id + "/" + step_id + "'");
  Statement violated(db, "SELECT constraint_violated FROM steps WHERE run_id=? AND step_id=?");
  violated.bind(1, run_id).bind(2, step_id);
  bool flag = violated.step() && violated.integer(0) != 0;
  Statement ins(db,
                "INSERT INTO measurements(run_id, step_id, device_id, name, value, unit, sample, t, constraint_violated)"
                " VALUES (?,?,?,?,?,?,?,?,?)");
  for (const auto& m : measurements) {
    ins.bind(1, m.run_id).bind(2, m.step_id).bind(3, m.device_id).bind(4, m.name).bind(5, m.value).bind(6, m.unit);
    if (m.sample.empty()) ins.bind_null(7);
    else ins.bind(7, m.sample);
    ins.bind(8, m.t).bind(9, (flag || m.constraint_violated) ? 1 : 0).run();
  }
  impl_->event(run_id, step_id, "step_finished", event_detail({{"measurements", measurements.size()}}), t);
  tx.commit();
}

namespace {
// A step ends without a result: its state, the message and its event, in one transaction. A
// failure ends an attempt that ran, so it records when; a skip or a cancel may end a step that
// never ran, and closes any prompt the step had open.
enum class Ending { kFailed, kSkipped, kCancelled };

void end_step(Store::Impl& impl, const std::string& run_id, const std::string& step_id, Ending ending,
              const std::string& message, double t) {
  auto& db = impl.db;
  Change tx(impl);
  if (ending == Ending::kFailed) {
    Statement(db, "UPDATE steps SET state='failed', finished_at=?, error=? WHERE run_id=? AND step_id=?")
        .bind(1, t).bind(2, message).bind(3, run_id).bind(4, step_id).run();
  } else {
    Statement(db, "UPDATE steps SET state=?, error=? WHERE run_id=? AND step_id=?")
        .bind(1, std::string(ending == Ending::kSkipped ? "skipped" : "cancelled"))
        .bind(2, message).bind(3, run_id).bind(4, step_id).run();
  }
  expect_changed(db, "step '" + run_id + "/" + step_id + "'");
  if (ending != Ending::kFailed)
    Statement(db, "DELETE FROM prompts WHERE run_id=? AND step_id=?").bind(1, run_id).bind(2, step_id).run();
  switch (ending) {
    case Ending::kFailed: impl.event(run_id, step_id, "step_failed", event_detail({{"message", message}}), t); break;
    case Ending::kSkipped: impl.event(run_id, step_id, "step_skipped", event_detail({{"reason", message}}), t); break;
    case Ending::kCancelled: impl.event(run_id, step_id, "step_cancelled", event_detail({{"reason", message}}), t); break;
  }
  tx.commit();
}
}  // namespace

void Store::step_failed(const std::string& run_id, const std::string& step_id, const std::string& message, double t) {
  end_step(*impl_, run_id, step_id, Ending::kFailed, message, t);
}

void Store::step_skipped(const std::string& run_id, const std::string& step_id, const std::string& reason, double t) {
  end_step(*impl_, run_id, step_id, Ending::kSkipped, reason, t);
}

void Store::step_cancelled(const std::string& run_id, const std::string& step_id, const std::string& reason, double t) {
  end_step(*impl_, run_id, step_id, Ending::kCancelled, reason, t);
}

void Store::step_requeued(const std::string& run_id, const std::string& step_id, const std::string& kind,
                          const std::string& detail_json, double t) {
  auto& db = impl_->db;
  Change tx(*impl_);
  auto detail = nlohmann::json::parse(detail_json, nullptr, false);
  std::string message = detail.is_object() ? detail.value("message", detail.value("reason", "")) : "";
  Statement(db, "UPDATE steps SET state='planned', error=? WHERE run_id=? AND step_id=?")
      .bind(1, message).bind(2, run_id).bind(3, step_id).run();
  expect_changed(db, "step '" + run_id + "/" + step_id + "'");
  impl_->event(run_id, step_id, kind, detail_json, t);
  tx.commit();
}

void Store::step_held(const PromptRow& prompt, double t) {
  auto& db = impl_->db;
  Change tx(*impl_);
  Statement(db, "UPDATE steps SET state='held', error=? WHERE run_id=? AND step_id=?")
      .bind(1, prompt.what_happened).bind(2, prompt.run_id).bind(3, prompt.step_id).run();
  expect_changed(db, "step '" + prompt.run_id + "/" + prompt.step_id + "'");
  Statement(db,
            "INSERT OR REPLACE INTO prompts(run_id, step_id, device_id, what_happened, choices_json, window_left_s, since)"
            " VALUES (?,?,?,?,?,?,?)")
      .bind(1, prompt.run_id).bind(2, prompt.step_id).bind(3, prompt.device_id).bind(4, prompt.what_happened)
      .bind(5, nlohmann::json(prompt.choices).dump()).bind(6, prompt.window_left_s).bind(7, prompt.since).run();
  nlohmann::json detail = {{"device", prompt.device_id}, {"what_happened", prompt.what_happened}, {"choices", prompt.choices}};
  if (prompt.window_left_s) detail["window_left_s"] = *prompt.window_left_s;
  impl_->event(prompt.run_id, prompt.step_id, "step_held", detail.dump(), t);
  tx.commit();
}

void Store::prompt_answered(const std::string& run_id, const std::string& step_id, const std::string& choice,
                            const std::string& step_state, double t) {
  auto& db = impl_->db;
  Change tx(*impl_);
  Statement(db, "DELETE FROM prompts WHERE run_id=? AND step_id=?").bind(1, run_id).bind(2, step_id).run();
  expect_changed(db, "prompt for step '" + run_id + "/" + step_id + "'");
  Statement(db, "UPDATE steps SET state=? WHERE run_id=? AND step_id=?")
      .bind(1, step_state).bind(2, run_id).bind(3, step_id).run();
  impl_->event(run_id, step_id, "prompt_answered", event_detail({{"choice", choice}, {"step_state", step_state}}), t);
  tx.commit();
}

void Store::answer_prompt(const std::string& run_id, const std::string& step_id, const std::string& choice, double t) {
  auto& db = impl_->db;
  const std::string where = db.file() + ": step '" + run_id + "/" + step_id + "'";
  Change tx(*impl_);
  std::string choices;
  {
    Statement q(db, "SELECT choices_json FROM prompts WHERE run_id=? AND step_id=?");
    q.bind(1, run_id).bind(2, step_id);
    if (!q.step()) throw StoreError(where + " is not waiting for an operator");
    choices = q.text(0);
  }
  auto offered = nlohmann::json::parse(choices, nullptr, false);
  bool ok = offered.is_array() && std::find(offered.begin(), offered.end(), choice) != offered.end();
  if (!ok) throw StoreError(where + ": '" + choice + "' is not one of the choices " + choices);
  const std::string step_state = choice == "retry" ? "planned" : choice == "skip" ? "skipped" : "cancelled";
  Statement(db, "DELETE FROM prompts WHERE run_id=? AND step_id=?").bind(1, run_id).bind(2, step_id).run();
  Statement(db, "UPDATE steps SET state=? WHERE run_id=? AND step_id=?").bind(1, step_state).bind(2, run_id).bind(3, step_id).run();
  impl_->event(run_id, step_id, "prompt_answered", event_detail({{"choice", choice}, {"step_state", step_state}}), t);
  if (choice == "abort") {
    std::vector<std::string> open;
    Statement q(db, "SELECT step_id FROM steps WHERE run_id=? AND state NOT IN ('done','failed','skipped','cancelled')");
    q.bind(1, run_id);
    while (q.step()) open.push_back(q.text(0));
    const std::string reason = "aborted by an operator at '" + step_id + "'";
    for (const auto& s : open) {
      Statement(db, "UPDATE steps SET state='cancelled', error=? WHERE run_id=? AND step_id=?").bind(1, reason).bind(2, run_id).bind(3, s).run();
      Statement(db, "DELETE FROM prompts WHERE run_id=? AND step_id=?").bind(1, run_id).bind(2, s).run();
      impl_->event(run_id, s, "step_cancelled", event_detail({{"reason", reason}}), t);
    }
    Statement(db, "UPDATE runs SET state='cancelled', finished_at=?, reason=? WHERE run_id=?").bind(1, t).bind(2, reason).bind(3, run_id).run();
    impl_->event(run_id, "", "run_cancelled", event_detail({{"reason", reason}}), t);
  } else {
    Statement left(db, "SELECT count(*) FROM prompts WHERE run_id=?");
    left.bind(1, run_id);
    left.step();
    if (left.integer(0) == 0) {
      Statement(db, "UPDATE runs SET state='running', reason='' WHERE run_id=? AND state='held'").bind(1, run_id).run();
      if (sqlite3_changes(db.handle()) > 0) impl_->event(run_id, "", "run_running", "{}", t);
    }
  }
  tx.commit();
}

std::vector<PromptRow> Store::prompts() const {
  std::vector<PromptRow> rows;
  Statement q(impl_->db,
              "SELECT run_id, step_id, device_id, what_happened, choices_json, window_left_s, since FROM prompts"
              " ORDER BY since, run_id, step_id");
  while (q.step()) {
    PromptRow p;
    p.run_id = q.text(0);
    p.step_id = q.text(1);
    p.device_id = q.text(2);
    p.what_happened = q.text(3);
    auto choices = nlohmann::json::parse(q.text(4), nullptr, false);
    if (choices.is_array())
      for (const auto& c : choices)
        if (c.is_string()) p.choices.push_back(c.get<std::string>());
    p.window_left_s = q.optional_real(5);
    p.since = q.real(6);
    rows.push_back(std::move(p));
  }
  return rows;
}

void Store::mark_constraint_violated(const std::string& run_id, const std::string& step_id,
                                     const std::string& detail_json, double t) {
  auto& db = impl_->db;
  Change tx(*impl_);
  Statement(db, "UPDATE steps SET constraint_violated=1 WHERE run_id=? AND step_id=?").bind(1, run_id).bind(2, step_id).run();
  expect_changed(db, "step '" + run_id + "/" + step_id + "'");
  Statement(db, "UPDATE measurements SET constraint_violated=1 WHERE run_id=? AND step_id=?")
      .bind(1, run_id).bind(2, step_id).run();
  impl_->event(run_id, step_id, "constraint_violated", detail_json, t);
  tx.commit();
}

void Store::set_device_in_service(const std::string& device_id, bool in_service, const std::string& reason, double t) {
  auto& db = impl_->db;
  Change tx(*impl_);
  Statement(db, "INSERT OR REPLACE INTO devices(device_id, in_service, reason, since) VALUES (?,?,?,?)")
      .bind(1, device_id).bind(2, in_service ? 1 : 0).bind(3, reason).bind(4, t).run();
  impl_->event("", "", in_service ? "device_in_service" : "device_out_of_service",
               event_detail({{"device", device_id}, {"reason", reason}}), t);
  tx.commit();
}

std::map<std::string, std::string> Store::devices_out_of_service() const {
  std::map<std::string, std::string> out;
  Statement q(impl_->db, "SELECT device_id, reason FROM devices WHERE in_service=0");
  while (q.step()) out[q.text(0)] = q.text(1);
  return out;
}

void Store::append_event(const std::string& run_id, const std::string& step_id, const std::string& kind,
                         const std::string& detail_json, double t) {
  Change tx(*impl_);
  impl_->event(run_id, step_id, kind, detail_json, t);
  tx.commit();
}

std::vector<RunRow> Store::runs() const {
  std::vector<RunRow> rows;
  Statement q(impl_->db,
              "SELECT run_id, protocol, state, priority, created_at, finished_at, coalesce(client_request_id,''),"
              " coalesce(reason,'') FROM runs ORDER BY created_at, run_id");
  while (q.step())
    rows.push_back({q.text(0), q.text(1), q.text(2), static_cast<int>(q.integer(3)), q.real(4), q.optional_real(5),
                    q.text(6), q.text(7)});
  return rows;
}

std::vector<StepRow> Store::steps(const std::string& run_id) const {
  std::vector<StepRow> rows;
  Statement q(impl_->db,
              "SELECT run_id, step_id, operation, device_type, state, coalesce(device_id,''), coalesce(unit,-1),"
              " planned_start, planned_end, started_at, finished_at, attempt, coalesce(idempotency_key,''),"
              " coalesce(error,''), constraint_violated FROM steps WHERE run_id=? ORDER BY seq");
  q.bind(1, run_id);
  while (q.step()) {
    StepRow r;
    r.run_id = q.text(0);
    r.step_id = q.text(1);
    r.operation = q.text(2);
    r.device_type = q.text(3);
    r.state = q.text(4);
    r.device_id = q.text(5);
    r.unit = static_cast<int>(q.integer(6));
    r.planned_start = q.optional_real(7);
    r.planned_end = q.optional_real(8);
    r.started_at = q.optional_real(9);
    r.finished_at = q.optional_real(10);
    r.attempt = static_cast<int>(q.integer(11));
    r.idempotency_key = q.text(12);
    r.error = q.text(13);
    r.constraint_violated = q.integer(14) != 0;
    rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<Event> Store::events(const std::string& run_id) const {
  std::vector<Event> rows;
  Statement q(impl_->db,
              "SELECT seq, t, coalesce(run_id,''), coalesce(step_id,''), kind, detail_json FROM events"
              " WHERE run_id=? ORDER BY seq");
  q.bind(1, run_id);
  while (q.step()) rows.push_back({q.integer(0), q.real(1), q.text(2), q.text(3), q.text(4), q.text(5)});
  return rows;
}

std::vector<Event> Store::events_since(std::int64_t after_seq, std::size_t limit) const {
  std::vector<Event> rows;
  Statement q(impl_->db,
              "SELECT seq, t, coalesce(run_id,''), coalesce(step_id,''), kind, detail_json FROM events"
              " WHERE seq>? ORDER BY seq LIMIT ?");
  q.bind(1, after_seq).bind(2, static_cast<std::int64_t>(limit));
  while (q.step()) rows.push_back({q.integer(0), q.real(1), q.text(2), q.text(3), q.text(4), q.text(5)});
  return rows;
}

std::int64_t Store::last_event_seq() const {
  Statement q(impl_->db, "SELECT coalesce(max(seq), 0) FROM events");
  q.step();
  return q.integer(0);
}

std::vector<Measurement> Store::measurements(const std::string& run_id) const {
  std::vector<Measurement> rows;
  Statement q(impl_->db,
              "SELECT run_id, step_id, device_id, name, value, unit, coalesce(sample,''), t, constraint_violated"
              " FROM measurements WHERE run_id=? ORDER BY id");
  q.bind(1, run_id);
  while (q.step())
    rows.push_back({q.text(0), q.text(1), q.text(2), q.text(3), q.real(4), q.text(5), q.text(6), q.real(7),
                    q.integer(8) != 0});
  return rows;
}

ReplayedState Store::replay() const {
  // Each event kind that changes a state, and the state it leads to.
  static const std::map<std::string, std::string> step_state = {
      {"step_planned", "planned"},  {"step_started", "running"},         {"step_finished", "done"},
      {"step_failed", "failed"},    {"step_skipped", "skipped"},         {"step_cancelled", "cancelled"},
      {"step_held", "held"},        {"step_attempt_failed", "planned"},  {"step_requeued", "planned"},
      {"step_in_doubt_rerun", "planned"}};
  ReplayedState state;
  Statement q(impl_->db,
              "SELECT coalesce(run_id,''), coalesce(step_id,''), kind, detail_json FROM events ORDER BY seq");
  while (q.step()) {
    std::string run = q.text(0), step = q.text(1), kind = q.text(2);
    if (run.empty()) continue;
    if (kind == "run_created") {
      state.runs[run] = "queued";
      Statement steps(impl_->db, "SELECT step_id FROM steps WHERE run_id=?");
      steps.bind(1, run);
      while (steps.step()) state.steps[{run, steps.text(0)}] = "pending";
    } else if (step.empty() && kind.rfind("run_", 0) == 0) {
      state.runs[run] = kind.substr(4);
    } else if (kind == "step_planned") {
      auto& s = state.steps[{run, step}];
      if (s == "pending") s = "planned";  // replanning moves a step without changing its state
    } else if (kind == "prompt_answered") {
      auto detail = nlohmann::json::parse(q.text(3), nullptr, false);
      if (detail.is_object()) state.steps[{run, step}] = detail.value("step_state", "planned");
    } else if (auto it = step_state.find(kind); it != step_state.end()) {
      state.steps[{run, step}] = it->second;
    }
  }
  return state;
}

}  // namespace foundry::store
