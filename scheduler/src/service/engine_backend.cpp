#include <foundry/service/engine_backend.hpp>

#include <foundry/engine/clock.hpp>
#include <foundry/model/workcell.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <stdexcept>

namespace foundry::service {

namespace {

constexpr std::size_t kScanPage = 1000;

class EngineBackend final : public Backend {
 public:
  EngineBackend(engine::Engine& engine, store::Store& store, engine::Clock& clock, const Workcell& workcell,
                double timeout_s)
      : engine_(engine), store_(store), clock_(clock), workcell_(workcell), timeout_(timeout_s) {
    // The store calls this on the engine thread once the event's transaction committed.
    store_.set_event_listener([this](const store::Event& event) {
      std::lock_guard lock(listener_mutex_);
      if (listener_) listener_(event.seq);
    });
    // On the engine thread, when a write fails for want of room or one commits again.
    store_.set_storage_listener([this](const store::StorageStatus& status) { storage_changed(status); });
  }

  ~EngineBackend() override {
    store_.set_event_listener(nullptr);
    store_.set_storage_listener(nullptr);
  }

  store::StorageStatus storage() override {
    std::lock_guard lock(storage_mutex_);
    return storage_;
  }

  void try_writing_again() override {
    if (probe_pending_.exchange(true)) return;  // one probe at a time, however slow the engine thread
    clock_.post([this] {
      probe_pending_ = false;
      store_.try_writing_again();  // success reaches storage_changed()
    });
  }

  engine::SubmitResult submit(RunSpec run, const std::string& client_request_id) override {
    return on_engine([this, run = std::move(run), client_request_id]() mutable {
      return engine_.submit(std::move(run), client_request_id);
    });
  }
  engine::PlanPreview preview(const RunSpec& run) override {
    return on_engine([this, run] { return engine_.preview(run); });
  }
  void cancel(const std::string& run_id, const std::string& reason) override {
    on_engine([this, run_id, reason] { engine_.cancel(run_id, reason); return 0; });
  }
  void hold(const std::string& run_id, const std::string& reason) override {
    on_engine([this, run_id, reason] { engine_.hold(run_id, reason); return 0; });
  }
  void resume(const std::string& run_id) override {
    on_engine([this, run_id] { engine_.resume(run_id); return 0; });
  }
  void acknowledge(const std::string& run_id, const std::string& step_id, engine::OperatorChoice choice) override {
    on_engine([this, run_id, step_id, choice] { engine_.acknowledge(run_id, step_id, choice); return 0; });
  }
  void set_device_in_service(const std::string& device_id, bool in_service, const std::string& reason) override {
    on_engine([this, device_id, in_service, reason] {
      engine_.set_device_in_service(device_id, in_service, reason);
      return 0;
    });
  }
  std::vector<engine::Prompt> prompts() override {
    return on_engine([this] { return engine_.prompts(); });
  }
  std::vector<DeviceStatus> devices() override {
    auto out = on_engine([this] { return store_.devices_out_of_service(); });
    std::vector<DeviceStatus> devices;
    for (const auto& d : workcell_.devices) {
      DeviceStatus status{d.id, d.type, d.operations, d.capacity, true, ""};
      if (auto it = out.find(d.id); it != out.end()) {
        status.in_service = false;
        status.reason = it->second;
      }
      devices.push_back(std::move(status));
    }
    return devices;
  }
  double now() override { return clock_.now(); }

  std::vector<store::RunRow> runs() override {
    return on_engine([this] { return store_.runs(); });
  }
  std::vector<store::StepRow> steps(const std::string& run_id) override {
    return on_engine([this, run_id] { return store_.steps(run_id); });
  }
  std::vector<store::Event> events_after(std::int64_t after, int limit) override {
    return on_engine([this, after, limit] { return store_.events_since(after, static_cast<std::size_t>(limit)); });
  }
  std::vector<StepResult> results_after(std::int64_t after, int limit) override {
    return on_engine([this, after, limit] {
      std::vector<StepResult> results;
      std::map<std::string, std::vector<store::Measurement>> by_run;  // read once per run per call
      std::int64_t cursor = after;
      while (static_cast<int>(results.size()) < limit) {
        auto events = store_.events_since(cursor, kScanPage);
        for (const auto& e : events) {
          cursor = e.seq;
          if (e.kind != "step_finished") continue;
          auto run = by_run.find(e.run_id);
          if (run == by_run.end()) run = by_run.emplace(e.run_id, store_.measurements(e.run_id)).first;
          StepResult result{e, {}};
          for (const auto& m : run->second)
            if (m.step_id == e.step_id) result.measurements.push_back(m);
          results.push_back(std::move(result));
          if (static_cast<int>(results.size()) == limit) break;
        }
        if (events.size() < kScanPage) break;
      }
      return results;
    });
  }

  void on_event_committed(std::function<void(std::int64_t)> listener) override {
    std::lock_guard lock(listener_mutex_);
    listener_ = std::move(listener);
  }

 private:
  // Runs `fn` on the engine thread and returns its result (or rethrows its exception). `fn` owns
  // copies of its arguments: if we stop waiting, it may still run later, safely.
  template <class Fn>
  auto on_engine(Fn fn) -> decltype(fn()) {
    using Result = decltype(fn());
    auto promise = std::make_shared<std::promise<Result>>();
    auto future = promise->get_future();
    clock_.post([promise, fn = std::move(fn)]() mutable {
      try {
        promise->set_value(fn());
      } catch (...) {
        promise->set_exception(std::current_exception());
      }
    });
    if (future.wait_for(std::chrono::duration<double>(timeout_)) != std::future_status::ready)
      throw std::runtime_error("the engine did not answer within " + std::to_string(static_cast<int>(timeout_)) + " s");
    return future.get();
  }

  // Logged once each way: the pause names the file and the reason and says what to do.
  void storage_changed(const store::StorageStatus& status) {
    double full_since = 0;
    std::string full_message;
    {
      std::lock_guard lock(storage_mutex_);
      full_since = storage_.since;
      full_message = storage_.message;
      storage_ = status;
    }
    // Time must not run on while nothing can be recorded: under a virtual clock it would jump from
    // timer to timer (days) and break every time window; the disk is "outside work" we wait for.
    if (status.full) clock_.begin_external_work();
    else clock_.end_external_work();
    if (status.full) {
      spdlog::error("{}. Execution paused: no step starts, and results that arrive are held until they can be "
                    "committed; the API serves reads and refuses changes (storage_full). Free space on the disk "
                    "holding the database (or raise the file size limit): foundryd resumes by itself.",
                    status.message);
      return;
    }
    double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    spdlog::info("{}: the database can be written again after {:.0f} s; execution resumed", store_.file().string(),
                 now - full_since);
    // The pause could not be written while it lasted; the log gets it now, so whoever reads the
    // history later learns why steps started late. (If this write finds the disk full again, the
    // store says so and the engine stays paused.)
    nlohmann::json detail = {{"full_since", full_since}, {"paused_s", now - full_since}, {"reason", full_message}};
    clock_.post([this, detail = detail.dump()] {
      store_.append_event("", "", "storage_resumed", detail, clock_.now());
      engine_.storage_resumed();
    });
  }

  engine::Engine& engine_;
  store::Store& store_;
  engine::Clock& clock_;
  const Workcell& workcell_;
  double timeout_;
  std::mutex listener_mutex_;
  std::function<void(std::int64_t)> listener_;
  std::mutex storage_mutex_;
  store::StorageStatus storage_;
  std::atomic<bool> probe_pending_{false};
};

}  // namespace

std::unique_ptr<Backend> make_engine_backend(engine::Engine& engine, store::Store& store, engine::Clock& clock,
                                             const Workcell& workcell, double timeout_s) {
  return std::make_unique<EngineBackend>(engine, store, clock, workcell, timeout_s);
}

}  // namespace foundry::service
