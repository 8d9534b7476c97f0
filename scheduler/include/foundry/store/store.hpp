// The durable store: runs (with their full RunSpec), steps with their states and times, an
// append-only event log from which every state can be rebuilt, operator prompts, device service
// state, and measurements, in one SQLite file (tables documented in docs/database.md).
// Every state change is one transaction that also appends its event (or joins a WriteGroup's);
// listeners hear of an event only after its transaction committed.
#pragma once

#include <foundry/protocol/run_spec.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace foundry::store {

struct Measurement {
  std::string run_id;
  std::string step_id;
  std::string device_id;
  std::string name;   // e.g. "OD600"
  double value = 0;
  std::string unit;   // e.g. "AU", "g/L"
  std::string sample; // sample label, if any
  double t = 0;       // seconds since the Unix epoch (virtual or wall)
  bool constraint_violated = false;  // taken from a step run outside a max-lag window (or after one)
};

struct Event {
  std::int64_t seq = 0;
  double t = 0;
  std::string run_id;
  std::string step_id;
  std::string kind;         // e.g. "step_started", "step_finished", "constraint_violated"
  std::string detail_json;  // JSON object
};

struct StepRow {
  std::string run_id;
  std::string step_id;
  std::string operation;
  std::string device_type;
  // pending, planned, running, done, failed, skipped, cancelled, held (waiting for an operator)
  std::string state;
  std::string device_id;
  int unit = -1;
  std::optional<double> planned_start, planned_end, started_at, finished_at;
  int attempt = 0;
  std::string idempotency_key;  // of the current attempt ("" before the first)
  std::string error;            // last failure message or skip/cancel reason
  bool constraint_violated = false;
};

struct RunRow {
  std::string run_id;
  std::string protocol;
  std::string state;  // queued, running, held, done, failed, cancelled
  int priority = 1;
  double created_at = 0;
  std::optional<double> finished_at;
  std::string client_request_id;  // "" if none
  std::string reason;             // why it is held, failed or cancelled ("" if none)
};

// A step waiting for an operator's answer.
struct PromptRow {
  std::string run_id, step_id, device_id;
  std::string what_happened;
  std::vector<std::string> choices;  // of "retry", "skip", "abort"
  std::optional<double> window_left_s;
  double since = 0;
};

// Run and step states rebuilt from the event log alone (see replay()).
struct ReplayedState {
  std::map<std::string, std::string> runs;                                  // run -> state
  std::map<std::pair<std::string, std::string>, std::string> steps;         // (run, step) -> state
};

// Thrown when the database cannot be opened or written. what() names the file and the reason.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown when a write fails because the database cannot grow: the disk is full, a quota or a
// file size limit (RLIMIT_FSIZE) was hit, or the device refused the write. The transaction in
// progress was rolled back; everything committed before is intact. Execution must pause: a
// result that cannot be committed must not be acknowledged.
class StorageFull : public StoreError {
 public:
  using StoreError::StoreError;
};

// Whether the database can be written. It turns "full" when a write fails with StorageFull and
// "ok" again when a write commits (a probe, see try_writing_again()).
struct StorageStatus {
  bool full = false;
  double since = 0;     // when it turned full: wall-clock seconds since the Unix epoch
  std::string message;  // the StorageFull message: the file and SQLite's reason
};

class Store {
 public:
  // Opens (creating if needed) the database at `file`: WAL journal, synchronous=FULL, schema
  // migrated to the current version. Refuses a file that is not a Foundry database or fails
  // SQLite's integrity check.
  static std::unique_ptr<Store> open(const std::filesystem::path& file);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  static constexpr int kSchemaVersion = 2;
  // The WAL file is truncated to this size whenever a checkpoint lets it start over.
  static constexpr std::int64_t kWalSizeLimitBytes = 16 * 1024 * 1024;

  // Thread-safe: the status as of the last write attempt.
  StorageStatus storage_status() const;
  // Called on the writing thread each time the status changes (full, or writable again).
  using StorageListener = std::function<void(const StorageStatus&)>;
  void set_storage_listener(StorageListener listener);
  // While full: a write of kStorageProbeBytes that leaves nothing behind but free pages (a table
  // made, filled and dropped in one transaction), to learn whether the database can grow again.
  // Returns whether it is writable (true when not full).
  bool try_writing_again();
  static constexpr int kStorageProbeBytes = 256 * 1024;

  // Group commit: the writes made while a WriteGroup lives share one transaction, so one fsync
  // makes them all durable (the engine commits the intents of steps due at the same instant, and
  // results that arrive together, this way). Each write still happens in order and checks what it
  // checks alone; listeners hear of the group's events once commit() succeeded, in order. A write
  // that throws inside a group (StorageFull, StoreError) fails the whole group: nothing of it is
  // stored, later writes in it throw the same error, and commit() does too. Leaving the scope
  // without commit() rolls back. One group at a time, on the writing thread.
  class WriteGroup {
   public:
    explicit WriteGroup(Store& store);
    ~WriteGroup();
    WriteGroup(const WriteGroup&) = delete;
    WriteGroup& operator=(const WriteGroup&) = delete;
    void commit();

   private:
    Store& store_;
    bool done_ = false;
  };

  // Called after each commit, once per event it appended, in order (the engine thread).
  using EventListener = std::function<void(const Event&)>;
  void set_event_listener(EventListener listener);

  // Records a new run, its full spec (`spec_json`, RunSpec as JSON: run_spec_json.hpp) and its
  // steps (state "pending") in one transaction. Throws StoreError if the run id or the
  // (non-empty) client request id is taken.
  void create_run(const RunSpec& run, double t, const std::string& client_request_id = "",
                  const std::string& spec_json = "");
  // The run created with this client request id, if any.
  std::optional<std::string> run_for_request(const std::string& client_request_id) const;
  // The run as submitted, as JSON (nullopt for an unknown run or one recorded before schema v2).
  std::optional<std::string> run_spec_json(const std::string& run_id) const;
  void set_run_state(const std::string& run_id, const std::string& state, double t, const std::string& reason = "");
  struct PlannedStep {
    std::string run_id, step_id, device_id;
    int unit = 0;
    double start = 0, end = 0;
  };
  // Records where and when steps are planned, in one transaction; `t` is when the plan was made.
  void plan_steps(const std::vector<PlannedStep>& steps, double t);
  // Intent is committed before the command is sent: the step, attempt and idempotency key.
  void step_started(const std::string& run_id, const std::string& step_id, const std::string& device_id,
                    int unit, int attempt, const std::string& idempotency_key, double t);
  // The result and its measurements are committed in one transaction.
  void step_finished(const std::string& run_id, const std::string& step_id, const std::string& result_json,
                     const std::vector<Measurement>& measurements, double t);
  void step_failed(const std::string& run_id, const std::string& step_id, const std::string& message, double t);
  void step_skipped(const std::string& run_id, const std::string& step_id, const std::string& reason, double t);
  void step_cancelled(const std::string& run_id, const std::string& step_id, const std::string& reason, double t);
  // An attempt ended without a result (failed, in doubt, interrupted): the step waits again
  // ("planned") for its next attempt. `kind` names the event, e.g. "step_attempt_failed".
  void step_requeued(const std::string& run_id, const std::string& step_id, const std::string& kind,
                     const std::string& detail_json, double t);
  // The step waits for an operator: state "held" and its prompt, in one transaction.
  void step_held(const PromptRow& prompt, double t);
  // The operator answered: the prompt goes, the step takes `step_state` ("planned" to run it
  // again, "skipped", "cancelled"), in one transaction.
  void prompt_answered(const std::string& run_id, const std::string& step_id, const std::string& choice,
                       const std::string& step_state, double t);
  std::vector<PromptRow> prompts() const;
  // Answers a prompt while no engine runs (`foundry ack`), in one transaction: "retry" → the step
  // waits again; "skip" → skipped (its dependents are skipped when an engine resumes the run);
  // "abort" → every unfinished step is cancelled and the run ends "cancelled". A run left with
  // no open prompt is set "running" again, so the next engine resumes it. Throws StoreError
  // naming the run and step if no such prompt is open or the choice is not offered.
  void answer_prompt(const std::string& run_id, const std::string& step_id, const std::string& choice, double t);
  // A step (and so every measurement it produced or will produce) ran outside a max-lag window,
  // or after one that did.
  void mark_constraint_violated(const std::string& run_id, const std::string& step_id, const std::string& detail_json,
                                double t);
  void set_device_in_service(const std::string& device_id, bool in_service, const std::string& reason, double t);
  std::map<std::string, std::string> devices_out_of_service() const;  // device -> reason
  void append_event(const std::string& run_id, const std::string& step_id, const std::string& kind,
                    const std::string& detail_json, double t);

  std::vector<RunRow> runs() const;
  std::vector<StepRow> steps(const std::string& run_id) const;
  std::vector<Event> events(const std::string& run_id) const;
  // Events with seq > `after_seq`, oldest first, at most `limit`.
  std::vector<Event> events_since(std::int64_t after_seq, std::size_t limit) const;
  std::int64_t last_event_seq() const;
  std::vector<Measurement> measurements(const std::string& run_id) const;

  const std::filesystem::path& file() const;

  // Run and step states rebuilt from the event log alone: equal to runs()/steps() states when
  // the log is complete (the crash suite checks this).
  ReplayedState replay() const;

 public:
  struct Impl;  // defined in store.cpp; named here only so the implementation's helpers can use it

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace foundry::store
