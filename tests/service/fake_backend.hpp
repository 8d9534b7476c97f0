// A Backend without an engine: runs are recorded in memory, each submitted run's steps "finish"
// when the test says so (finish_next_step), producing one event and one result each. Used to
// test the handler, the transport and the security on their own.
#pragma once

#include <foundry/service/backend.hpp>

#include <algorithm>
#include <map>
#include <mutex>

namespace foundry::service::testing {

class FakeBackend final : public Backend {
 public:
  engine::SubmitResult submit(RunSpec run, const std::string& client_request_id) override {
    std::unique_lock lock(mutex_);
    if (!client_request_id.empty()) {
      auto it = by_request_.find(client_request_id);
      if (it != by_request_.end()) return {it->second, false};
      by_request_[client_request_id] = run.run_id;
    }
    for (const auto& r : runs_)
      if (r.run_id == run.run_id) throw engine::EngineError("duplicate run id " + run.run_id);
    store::RunRow row;
    row.run_id = run.run_id;
    row.protocol = run.protocol;
    row.state = "queued";
    row.priority = run.priority;
    runs_.push_back(row);
    for (const auto& s : run.steps) {
      store::StepRow step;
      step.run_id = run.run_id;
      step.step_id = s.id;
      step.operation = s.operation;
      step.device_type = s.device_type;
      step.state = "planned";
      steps_[run.run_id].push_back(step);
    }
    lock.unlock();
    append(run.run_id, "", "run_created");
    return {run.run_id, true};
  }
  engine::PlanPreview preview(const RunSpec& run) override {
    double total = 0;
    for (const auto& s : run.steps) total += static_cast<double>(s.duration_s);
    return {1000, 1000 + total, {}, 1000};
  }
  void cancel(const std::string& run_id, const std::string& reason) override { set_state(run_id, "cancelled", reason); }
  void hold(const std::string& run_id, const std::string& reason) override { set_state(run_id, "held", reason); }
  void resume(const std::string& run_id) override { set_state(run_id, "queued", ""); }
  void acknowledge(const std::string& run_id, const std::string& step_id, engine::OperatorChoice) override {
    throw engine::EngineError("no prompt on " + run_id + "/" + step_id);
  }
  void set_device_in_service(const std::string& device_id, bool in_service, const std::string& reason) override {
    std::lock_guard lock(mutex_);
    out_of_service_.erase(device_id);
    if (!in_service) out_of_service_[device_id] = reason;
  }
  std::vector<engine::Prompt> prompts() override { return {}; }
  std::vector<DeviceStatus> devices() override {
    std::lock_guard lock(mutex_);
    DeviceStatus d{"lh1", "liquid_handler", {"transfer"}, 1, true, ""};
    if (out_of_service_.count("lh1")) {
      d.in_service = false;
      d.reason = out_of_service_["lh1"];
    }
    return {d};
  }
  double now() override { return 1000; }
  std::vector<store::RunRow> runs() override {
    std::lock_guard lock(mutex_);
    return runs_;
  }
  std::vector<store::StepRow> steps(const std::string& run_id) override {
    std::lock_guard lock(mutex_);
    return steps_[run_id];
  }
  std::vector<store::Event> events_after(std::int64_t after, int limit) override {
    std::lock_guard lock(mutex_);
    std::vector<store::Event> out;
    for (const auto& e : events_)
      if (e.seq > after && static_cast<int>(out.size()) < limit) out.push_back(e);
    return out;
  }
  std::vector<StepResult> results_after(std::int64_t after, int limit) override {
    std::lock_guard lock(mutex_);
    std::vector<StepResult> out;
    for (const auto& e : events_) {
      if (e.seq <= after || e.kind != "step_finished" || static_cast<int>(out.size()) >= limit) continue;
      store::Measurement m;
      m.run_id = e.run_id;
      m.step_id = e.step_id;
      m.device_id = "lh1";
      m.name = "titer";
      m.value = static_cast<double>(e.seq);
      m.unit = "g/L";
      out.push_back({e, {m}});
    }
    return out;
  }
  void on_event_committed(std::function<void(std::int64_t)> listener) override {
    std::lock_guard lock(mutex_);
    listener_ = std::move(listener);
  }

  // Finishes the first planned step of any run; false if none is left.
  bool finish_next_step() {
    std::string run_id, step_id;
    {
      std::lock_guard lock(mutex_);
      for (auto& [run, steps] : steps_)
        for (auto& s : steps)
          if (s.state == "planned" && run_id.empty()) {
            s.state = "done";
            run_id = run;
            step_id = s.step_id;
          }
    }
    if (run_id.empty()) return false;
    append(run_id, step_id, "step_finished");
    return true;
  }

 private:
  void set_state(const std::string& run_id, const std::string& state, const std::string& reason) {
    {
      std::lock_guard lock(mutex_);
      for (auto& r : runs_)
        if (r.run_id == run_id) r.state = state;
    }
    append(run_id, "", "run_" + state, reason);
  }
  void append(const std::string& run_id, const std::string& step_id, const std::string& kind,
              const std::string& = "") {
    std::function<void(std::int64_t)> listener;
    std::int64_t seq;
    {
      std::lock_guard lock(mutex_);
      seq = static_cast<std::int64_t>(events_.size()) + 1;
      events_.push_back({seq, 1000.0 + static_cast<double>(seq), run_id, step_id, kind, "{}"});
      listener = listener_;
    }
    if (listener) listener(seq);
  }

  std::mutex mutex_;
  std::vector<store::RunRow> runs_;
  std::map<std::string, std::vector<store::StepRow>> steps_;
  std::map<std::string, std::string> by_request_;
  std::map<std::string, std::string> out_of_service_;
  std::vector<store::Event> events_;
  std::function<void(std::int64_t)> listener_;
};

}  // namespace foundry::service::testing
