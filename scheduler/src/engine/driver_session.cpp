// The host wrapper: the only code that calls into a driver instance.
#include <foundry/engine/clock.hpp>
#include <foundry/engine/driver_session.hpp>

#include "remote_driver.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <utility>

namespace foundry::engine {

// Shared with every callback the plugin may still hold, so a late callback finds a valid
// (if closed) state instead of a dangling pointer.
struct DriverSession::State : std::enable_shared_from_this<State> {
  std::shared_ptr<PluginLibrary> library;  // released last: plugin code must outlive its objects
  std::string model;
  Clock* clock = nullptr;
  foundry_host host{};
  foundry_driver_instance* instance = nullptr;

  struct Timer {
    void (*fn)(void*, int);
    void* arg;
  };
  struct PendingCommand {
    std::weak_ptr<State> state;
    Progress progress;
    Completion done;
  };

  std::mutex mutex;
  bool closed = false;
  std::map<Clock::TimerId, Timer> timers;
  std::set<PendingCommand*> commands;

  // --- foundry_host callbacks (called by the plugin) ---
  static double host_now(void* context) { return static_cast<State*>(context)->clock->now(); }

  static void host_call_after(void* context, double delay, void (*fn)(void*, int), void* arg) {
    auto* self = static_cast<State*>(context);
    std::weak_ptr<State> weak = self->weak_from_this();
    std::lock_guard lock(self->mutex);
    if (self->closed) {
      fn(arg, 1);
      return;
    }
    // The id is only known after call_at returns, so the timer looks itself up through a shared slot.
    auto slot = std::make_shared<Clock::TimerId>(0);
    Clock::TimerId id = self->clock->call_after(delay < 0 ? 0 : delay, [weak, slot] {
      auto state = weak.lock();
      if (!state) return;
      Timer timer{};
      {
        std::lock_guard inner(state->mutex);
        auto it = state->timers.find(*slot);
        if (it == state->timers.end()) return;
        timer = it->second;
        state->timers.erase(it);
      }
      timer.fn(timer.arg, 0);
    });
    *slot = id;
    self->timers[id] = {fn, arg};
  }

  static void host_log(void* context, int level, const char* message) {
    auto* self = static_cast<State*>(context);
    auto lvl = level >= FOUNDRY_LOG_ERROR     ? spdlog::level::err
               : level >= FOUNDRY_LOG_WARNING ? spdlog::level::warn
               : level >= FOUNDRY_LOG_INFO    ? spdlog::level::info
                                              : spdlog::level::debug;
    spdlog::log(lvl, "[{}:{}] {}", self->library->name(), self->model, message ? message : "");
  }

  // --- foundry_command_events callbacks (called by the plugin, any thread) ---
  static void on_progress(void* context, double fraction, double remaining) {
    auto* pending = static_cast<PendingCommand*>(context);
    auto state = pending->state.lock();
    if (!state || !pending->progress) return;
    auto progress = pending->progress;
    state->clock->post([progress, fraction, remaining] { progress(fraction, remaining); });
  }
  static void on_finished(void* context, const char* result) {
    CommandOutcome outcome;
    outcome.ok = true;
    outcome.result_json = result ? result : "{}";
    complete(static_cast<PendingCommand*>(context), std::move(outcome));
  }
  static void on_failed(void* context, int kind, const char* message) {
    CommandOutcome outcome;
    outcome.ok = false;
    outcome.error_kind = kind == FOUNDRY_ERROR_NONE ? FOUNDRY_ERROR_UNEXPECTED : kind;
    outcome.message = message ? message : "";
    complete(static_cast<PendingCommand*>(context), std::move(outcome));
  }
  static void complete(PendingCommand* pending, CommandOutcome outcome) {
    std::unique_ptr<PendingCommand> owned(pending);
    auto state = pending->state.lock();
    if (!state) return;
    {
      std::lock_guard lock(state->mutex);
      if (state->closed || state->commands.erase(pending) == 0) {
        owned.release();  // not ours any more: close() frees abandoned commands
        return;
      }
    }
    auto done = std::move(pending->done);
    state->clock->post([done = std::move(done), outcome = std::move(outcome)] { done(outcome); });
  }

  void close() {
    std::map<Clock::TimerId, Timer> pending_timers;
    std::set<PendingCommand*> abandoned;
    {
      std::lock_guard lock(mutex);
      if (closed) return;
      closed = true;
      pending_timers.swap(timers);
      abandoned.swap(commands);
    }
    for (auto& [id, timer] : pending_timers) {
      clock->cancel(id);
      timer.fn(timer.arg, 1);  // the ABI promises exactly one call: tell the plugin to free it
    }
    if (instance) library->api().destroy(instance);
    instance = nullptr;
    for (auto* command : abandoned) delete command;
  }
};

DriverSession::DriverSession(std::shared_ptr<PluginLibrary> library, const std::string& model,
                             const std::string& settings_json, Clock& clock)
    : state_(std::make_shared<State>()) {
  if (!library->find_model(model))
    throw PluginError(library->file(), "has no model '" + model + "'");
  state_->library = std::move(library);
  state_->model = model;
  state_->clock = &clock;
  state_->host = {sizeof(foundry_host), state_.get(), &State::host_now, &State::host_call_after, &State::host_log};
  char error[1024] = {};
  state_->instance =
      state_->library->api().create(model.c_str(), settings_json.c_str(), &state_->host, error, sizeof error);
  if (state_->instance == nullptr)
    throw PluginError(state_->library->file(),
                      "creating model '" + model + "' failed: " + (error[0] ? error : "no reason given"));
}

DriverSession::DriverSession(const DriverHostOptions& host, const std::string& model, const std::string& settings_json,
                             Clock& clock)
    : remote_(std::make_unique<RemoteDriver>(host, model, settings_json, clock)) {}

DriverSession::~DriverSession() {
  if (state_) state_->close();
}

const PluginLibrary& DriverSession::library() const {
  if (remote_) throw std::logic_error("the driver of model '" + remote_->model() + "' runs in a driver host");
  return *state_->library;
}
const std::string& DriverSession::model() const { return remote_ ? remote_->model() : state_->model; }

const DriverModel& DriverSession::driver_model() const {
  if (remote_) return remote_->driver_model();
  return *state_->library->find_model(state_->model);  // checked by the constructor
}

DriverHealth DriverSession::health() const { return remote_ ? remote_->health() : DriverHealth{}; }

void DriverSession::execute(const CommandRequest& request, Progress progress, Completion done) {
  if (remote_) return remote_->execute(request, std::move(progress), std::move(done));
  auto* pending = new State::PendingCommand{state_, std::move(progress), std::move(done)};
  {
    std::lock_guard lock(state_->mutex);
    state_->commands.insert(pending);
  }
  foundry_command command{sizeof(foundry_command),       request.command_id.c_str(),
                          request.idempotency_key.c_str(), request.operation.c_str(),
                          request.parameters_json.c_str(), request.unit};
  foundry_command_events events{pending, &State::on_progress, &State::on_finished, &State::on_failed};
  char error[1024] = {};
  int rc = state_->library->api().execute(state_->instance, &command, &events, error, sizeof error);
  if (rc != 0) {
    // Refused up front: the plugin will never call `events`, so the outcome is ours to deliver.
    bool ours;
    {
      std::lock_guard lock(state_->mutex);
      ours = state_->commands.erase(pending) > 0;
    }
    if (!ours) return;
    std::unique_ptr<State::PendingCommand> owned(pending);
    CommandOutcome outcome;
    outcome.error_kind = rc;
    outcome.message = error[0] ? error : "command refused without a reason";
    state_->clock->post([done = std::move(owned->done), outcome] { done(outcome); });
  }
}

bool DriverSession::cancel(const std::string& command_id) {
  if (remote_) return remote_->cancel(command_id);
  return state_->library->api().cancel(state_->instance, command_id.c_str()) == 0;
}

std::string DriverSession::command_state(const std::string& command_id) {
  if (remote_) return remote_->command_state(command_id);
  std::string buffer(256, '\0');
  std::size_t needed = state_->library->api().command_state(state_->instance, command_id.c_str(),
                                                            buffer.data(), buffer.size());
  if (needed >= buffer.size()) {
    buffer.assign(needed + 1, '\0');
    needed = state_->library->api().command_state(state_->instance, command_id.c_str(), buffer.data(),
                                                  buffer.size());
  }
  buffer.resize(needed < buffer.size() ? needed : buffer.size() - 1);
  return buffer;
}

}  // namespace foundry::engine
