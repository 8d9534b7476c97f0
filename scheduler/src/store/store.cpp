// The SQLite store. Durability settings are checked, not assumed: WAL + synchronous=FULL means a
// committed transaction survives an application crash and a power loss (docs/database.md).
#include <foundry/store/store.hpp>

#include "store/sqlite_db.hpp"

#include <nlohmann/json.hpp>

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

std::string event_detail(std::initializer_list<std::pair<const char*, nlohmann::json>> fields) {
  nlohmann::json detail = nlohmann::json::object();
  for (const auto& [k, v] : fields) detail[k] = v;
  return detail.dump();
}

}  // namespace

struct Store::Impl {
  std::filesystem::path path;
  SqliteDb db;
  explicit Impl(const std::filesystem::path& p) : path(p), db(p.string()) {}

  void event(const std::string& run_id, const std::string& step_id, const std::string& kind,
             const std::string& detail, double t) {
    Statement(db, "INSERT INTO events(t, run_id, step_id, kind, detail_json) VALUES (?,?,?,?,?)")
        .bind(1, t).bind(2, run_id).bind(3, step_id).bind(4, kind).bind(5, detail).run();
  }
};

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
  {
    Statement mode(db, "PRAGMA journal_mode");
    if (!mode.step() || mode.text(0) != "wal") throw StoreError(name + ": cannot switch the journal to WAL mode");
    Statement sync(db, "PRAGMA synchronous");
    if (!sync.step() || sync.integer(0) != 2) throw StoreError(name + ": cannot set synchronous=FULL");
  }
  Statement version_query(db, "PRAGMA user_version");
  version_query.step();
  auto version = version_query.integer(0);
  if (version > kSchemaVersion)
    throw StoreError(name + ": database schema version " + std::to_string(version) +
                     " is newer than this Foundry understands (" + std::to_string(kSchemaVersion) + ")");
  if (version == 0) {
    Statement tables(db, "SELECT count(*) FROM sqlite_master");
    tables.step();
    if (tables.integer(0) != 0)
      throw StoreError(name + ": refusing to open: an SQLite database, but not a Foundry one (no schema version)");
    Transaction tx(db);
    db.exec(kSchemaV1);
    db.exec("PRAGMA user_version=1");
    tx.commit();
  }
  // Future migrations: if (version < 2) { ... PRAGMA user_version=2 } in one transaction each.
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

const std::filesystem::path& Store::file() const { return impl_->path; }

void Store::create_run(const RunSpec& run, double t) {
  auto& db = impl_->db;
  Transaction tx(db);
  nlohmann::json params = nlohmann::json::object();
  for (const auto& [k, v] : run.parameters) {
    try {
      params[k] = nlohmann::json::parse(v);
    } catch (const nlohmann::json::exception&) {
      params[k] = v;
    }
  }
  Statement ins(db,
                "INSERT INTO runs(run_id, protocol, parameters_json, priority, release_s, deadline_s, state, created_at)"
                " VALUES (?,?,?,?,?,?, 'queued', ?)");
  ins.bind(1, run.run_id).bind(2, run.protocol).bind(3, params.dump()).bind(4, run.priority)
      .bind(5, static_cast<std::int64_t>(run.release_s));
  if (run.deadline_s) ins.bind(6, static_cast<std::int64_t>(*run.deadline_s));
  else ins.bind_null(6);
  ins.bind(7, t).run();
  Statement step(db,
                 "INSERT INTO steps(run_id, step_id, seq, operation, device_type, parameters_json, duration_s, state)"
                 " VALUES (?,?,?,?,?,?,?, 'pending')");
  for (std::size_t i = 0; i < run.steps.size(); ++i) {
    const auto& s = run.steps[i];
    step.bind(1, run.run_id).bind(2, s.id).bind(3, static_cast<std::int64_t>(i)).bind(4, s.operation)
        .bind(5, s.device_type).bind(6, s.parameters_json).bind(7, static_cast<std::int64_t>(s.duration_s)).run();
  }
  impl_->event(run.run_id, "", "run_created",
               event_detail({{"protocol", run.protocol}, {"steps", run.steps.size()}, {"priority", run.priority}}), t);
  tx.commit();
}

void Store::set_run_state(const std::string& run_id, const std::string& state, double t) {
  auto& db = impl_->db;
  Transaction tx(db);
  bool terminal = state == "done" || state == "failed" || state == "cancelled";
  Statement(db, "UPDATE runs SET state=?, finished_at=CASE WHEN ? THEN ? ELSE finished_at END WHERE run_id=?")
      .bind(1, state).bind(2, terminal ? 1 : 0).bind(3, t).bind(4, run_id).run();
  impl_->event(run_id, "", "run_" + state, "{}", t);
  tx.commit();
}

void Store::plan_steps(const std::vector<PlannedStep>& steps, double t) {
  auto& db = impl_->db;
  Transaction tx(db);
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
  Transaction tx(db);
  Statement(db,
            "UPDATE steps SET state='running', device_id=?, unit=?, attempt=?, idempotency_key=?, started_at=?"
            " WHERE run_id=? AND step_id=?")
      .bind(1, device_id).bind(2, unit).bind(3, attempt).bind(4, idempotency_key).bind(5, t).bind(6, run_id)
      .bind(7, step_id).run();
  impl_->event(run_id, step_id, "step_started",
               event_detail({{"device", device_id}, {"unit", unit}, {"attempt", attempt}, {"key", idempotency_key}}), t);
  tx.commit();
}

void Store::step_finished(const std::string& run_id, const std::string& step_id, const std::string& result_json,
                          const std::vector<Measurement>& measurements, double t) {
  auto& db = impl_->db;
  Transaction tx(db);
  Statement(db, "UPDATE steps SET state='done', finished_at=?, result_json=? WHERE run_id=? AND step_id=?")
      .bind(1, t).bind(2, result_json).bind(3, run_id).bind(4, step_id).run();
  Statement ins(db,
                "INSERT INTO measurements(run_id, step_id, device_id, name, value, unit, sample, t)"
                " VALUES (?,?,?,?,?,?,?,?)");
  for (const auto& m : measurements) {
    ins.bind(1, m.run_id).bind(2, m.step_id).bind(3, m.device_id).bind(4, m.name).bind(5, m.value).bind(6, m.unit);
    if (m.sample.empty()) ins.bind_null(7);
    else ins.bind(7, m.sample);
    ins.bind(8, m.t).run();
  }
  impl_->event(run_id, step_id, "step_finished", event_detail({{"measurements", measurements.size()}}), t);
  tx.commit();
}

void Store::step_failed(const std::string& run_id, const std::string& step_id, const std::string& message, double t) {
  auto& db = impl_->db;
  Transaction tx(db);
  Statement(db, "UPDATE steps SET state='failed', finished_at=?, error=? WHERE run_id=? AND step_id=?")
      .bind(1, t).bind(2, message).bind(3, run_id).bind(4, step_id).run();
  impl_->event(run_id, step_id, "step_failed", event_detail({{"message", message}}), t);
  tx.commit();
}

void Store::step_skipped(const std::string& run_id, const std::string& step_id, const std::string& reason, double t) {
  auto& db = impl_->db;
  Transaction tx(db);
  Statement(db, "UPDATE steps SET state='skipped', error=? WHERE run_id=? AND step_id=?")
      .bind(1, reason).bind(2, run_id).bind(3, step_id).run();
  impl_->event(run_id, step_id, "step_skipped", event_detail({{"reason", reason}}), t);
  tx.commit();
}

void Store::append_event(const std::string& run_id, const std::string& step_id, const std::string& kind,
                         const std::string& detail_json, double t) {
  impl_->event(run_id, step_id, kind, detail_json, t);
}

std::vector<RunRow> Store::runs() const {
  std::vector<RunRow> rows;
  Statement q(impl_->db, "SELECT run_id, protocol, state, priority, created_at, finished_at FROM runs ORDER BY created_at, run_id");
  while (q.step()) rows.push_back({q.text(0), q.text(1), q.text(2), static_cast<int>(q.integer(3)), q.real(4), q.optional_real(5)});
  return rows;
}

std::vector<StepRow> Store::steps(const std::string& run_id) const {
  std::vector<StepRow> rows;
  Statement q(impl_->db,
              "SELECT run_id, step_id, operation, device_type, state, coalesce(device_id,''), coalesce(unit,-1),"
              " planned_start, planned_end, started_at, finished_at, attempt FROM steps WHERE run_id=? ORDER BY seq");
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

std::vector<Measurement> Store::measurements(const std::string& run_id) const {
  std::vector<Measurement> rows;
  Statement q(impl_->db,
              "SELECT run_id, step_id, device_id, name, value, unit, coalesce(sample,''), t FROM measurements"
              " WHERE run_id=? ORDER BY id");
  q.bind(1, run_id);
  while (q.step()) rows.push_back({q.text(0), q.text(1), q.text(2), q.text(3), q.real(4), q.text(5), q.text(6), q.real(7)});
  return rows;
}

}  // namespace foundry::store
