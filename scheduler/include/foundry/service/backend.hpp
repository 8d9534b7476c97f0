// What the service needs from the engine side: the engine's operations and the store's reads.
// The request handler talks only to this interface, so the transport, the codec and the security
// are tested against a fake, and foundryd plugs in the real engine (engine_backend.hpp).
//
// Every call may come from the service thread; an implementation runs it where it must (the real
// one posts onto the engine thread and waits). Failures are thrown as engine::EngineError,
// engine::InfeasibleRun, InputError or store::StoreError; the handler turns them into error
// replies.
#pragma once

#include <foundry/engine/engine.hpp>
#include <foundry/store/store.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace foundry::service {

// A device as the API shows it: what it is and whether the plan may use it.
struct DeviceStatus {
  std::string id, type;
  std::vector<std::string> operations;
  int capacity = 1;
  bool in_service = true;
  std::string reason;  // why it is out of service, if it is
};

// A result: a finished step and the measurements it recorded, published under its event's seq.
struct StepResult {
  store::Event event;  // kind "step_finished"
  std::vector<store::Measurement> measurements;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // The engine's operations (see engine.hpp for what each does).
  virtual engine::SubmitResult submit(RunSpec run, const std::string& client_request_id) = 0;
  virtual engine::PlanPreview preview(const RunSpec& run) = 0;
  virtual void cancel(const std::string& run_id, const std::string& reason) = 0;
  virtual void hold(const std::string& run_id, const std::string& reason) = 0;
  virtual void resume(const std::string& run_id) = 0;
  virtual void acknowledge(const std::string& run_id, const std::string& step_id, engine::OperatorChoice choice) = 0;
  virtual void set_device_in_service(const std::string& device_id, bool in_service, const std::string& reason) = 0;
  virtual std::vector<engine::Prompt> prompts() = 0;
  virtual std::vector<DeviceStatus> devices() = 0;
  virtual double now() = 0;

  // The store's reads.
  virtual std::vector<store::RunRow> runs() = 0;
  virtual std::vector<store::StepRow> steps(const std::string& run_id) = 0;
  // Events with seq > `after`, oldest first, at most `limit`.
  virtual std::vector<store::Event> events_after(std::int64_t after, int limit) = 0;
  // Results (finished steps) with seq > `after`, oldest first, at most `limit`.
  virtual std::vector<StepResult> results_after(std::int64_t after, int limit) = 0;

  // Whether the database can be written (a full disk pauses execution: docs/api.md, "A full
  // disk"). Thread-safe and quick: the service asks before every change and in each status.
  virtual store::StorageStatus storage() { return {}; }
  // While storage() is full: try a write in the background; storage() turns "ok" once one
  // commits, and execution resumes by itself. The service calls this every few seconds.
  virtual void try_writing_again() {}

  // Called (on any thread) after each event is committed, so the service can publish at once.
  // The default does nothing: the service then finds new events by asking events_after().
  virtual void on_event_committed(std::function<void(std::int64_t seq)> listener) { (void)listener; }
};

}  // namespace foundry::service
