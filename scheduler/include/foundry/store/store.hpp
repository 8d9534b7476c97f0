// The durable store: runs, steps with their states and times, an append-only event log, and
// measurements, in one SQLite file (tables documented in docs/database.md).
#pragma once

#include <foundry/protocol/run_spec.hpp>

#include <filesystem>
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
  std::string state;  // pending, planned, running, done, failed, skipped
  std::string device_id;
  int unit = -1;
  std::optional<double> planned_start, planned_end, started_at, finished_at;
  int attempt = 0;
};

struct RunRow {
  std::string run_id;
  std::string protocol;
  std::string state;  // queued, running, done, failed
  int priority = 1;
  double created_at = 0;
  std::optional<double> finished_at;
};

// Thrown when the database cannot be opened or written. what() names the file and the reason.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
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

  static constexpr int kSchemaVersion = 1;

  // Records a new run and its steps (state "pending") in one transaction.
  void create_run(const RunSpec& run, double t);
  void set_run_state(const std::string& run_id, const std::string& state, double t);
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
  void append_event(const std::string& run_id, const std::string& step_id, const std::string& kind,
                    const std::string& detail_json, double t);

  std::vector<RunRow> runs() const;
  std::vector<StepRow> steps(const std::string& run_id) const;
  std::vector<Event> events(const std::string& run_id) const;
  std::vector<Measurement> measurements(const std::string& run_id) const;

  const std::filesystem::path& file() const;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace foundry::store
