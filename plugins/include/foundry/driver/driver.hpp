// The C++ face of the Foundry driver SDK: what an instrument vendor implements.
//
// A driver is a class derived from foundry::driver::Driver. One plugin file may provide several
// device models; FOUNDRY_DRIVER_PLUGIN exports the plugin's single C entry point (see abi.h), and
// the inline adapter below turns C calls into virtual calls and C++ exceptions into error codes,
// so no exception ever crosses the plugin boundary.
//
// Threading: the host calls `execute`, `cancel` and `command_state` on its own threads, never
// concurrently for one instance. Events may be reported from any thread (e.g. a driver's I/O
// thread) or later from a `Host::call_after` callback; simulated drivers use the latter so they
// follow the host's virtual clock.
#ifndef FOUNDRY_DRIVER_DRIVER_HPP
#define FOUNDRY_DRIVER_DRIVER_HPP

#include <foundry/driver/abi.h>

#include <cstring>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace foundry::driver {

// Thrown from Driver::execute to refuse a command before anything happened.
class CommandRejected : public std::runtime_error {
 public:
  CommandRejected(foundry_error_kind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  foundry_error_kind kind() const noexcept { return kind_; }

 private:
  foundry_error_kind kind_;
};

// A non-owning view of the services the host offers (clock, timers, log).
class CommandEvents;

class Host {
 public:
  explicit Host(const foundry_host* host) : host_(host) {}

  double now() const { return host_->now(host_->context); }

  // Calls `fn(false)` after `delay_seconds` of host time, or `fn(true)` if the driver is destroyed
  // first. Exactly one call either way. An exception thrown by `fn` has no command to fail: it is
  // logged at error level (never swallowed silently). Prefer the overload below for timers that
  // belong to a command.
  void call_after(double delay_seconds, std::function<void(bool cancelled)> fn) const {
    call_after(delay_seconds, nullptr, std::move(fn));
  }

  // The same for a timer that works on `command`: if `fn(false)` throws, the command fails with
  // FOUNDRY_ERROR_UNEXPECTED "timer callback threw: <what>" (a no-op if it already ended).
  // Exceptions from `fn(true)` (the instance is being destroyed; nothing may be reported) are dropped.
  void call_after(double delay_seconds, std::shared_ptr<CommandEvents> command,
                  std::function<void(bool cancelled)> fn) const {
    auto* timer = new Timer{std::move(fn), host_, std::move(command)};
    host_->call_after(host_->context, delay_seconds, &Host::trampoline, timer);
  }

  void log(foundry_log_level level, const std::string& message) const {
    host_->log(host_->context, level, message.c_str());
  }

 private:
  struct Timer {
    std::function<void(bool)> fn;
    const foundry_host* host;
    std::shared_ptr<CommandEvents> command;  // failed if fn throws; may be null
  };
  // Defined after CommandEvents (they fail the command).
  static void trampoline(void* arg, int cancelled) noexcept;
  static void report_timer_exception(const Timer& timer, bool cancelled, const char* what) noexcept;
  const foundry_host* host_;
};

struct Command {
  std::string id;
  std::string idempotency_key;
  std::string operation;
  std::string parameters_json;
  int unit = -1;
};

// What a command's outcome is recorded as in this instance; answered to command_state.
struct CommandRecord {
  std::string state;        // "running", "finished", "failed"
  std::string result_json;  // result (finished) or message (failed)
  int error_kind = FOUNDRY_ERROR_NONE;  // failed: the foundry_error_kind
};

// The handle through which a driver reports one command's progress and outcome.
// Only the first finish()/fail() counts; later calls are ignored.
class CommandEvents {
 public:
  using RecordFn = std::function<void(const std::string& id, const CommandRecord&)>;
  CommandEvents(foundry_command_events events, std::string id, RecordFn record)
      : events_(events), id_(std::move(id)), record_(std::move(record)) {}
  CommandEvents(const CommandEvents&) = delete;
  CommandEvents& operator=(const CommandEvents&) = delete;

  const std::string& command_id() const { return id_; }

  void progress(double fraction, double remaining_seconds = -1.0) {
    std::lock_guard lock(mutex_);
    if (!done_) events_.progress(events_.context, fraction, remaining_seconds);
  }
  void finish(const std::string& result_json) {
    std::lock_guard lock(mutex_);
    if (done_) return;
    done_ = true;
    if (record_) record_(id_, {"finished", result_json});
    events_.finished(events_.context, result_json.c_str());
  }
  void fail(foundry_error_kind kind, const std::string& message) {
    std::lock_guard lock(mutex_);
    if (done_) return;
    done_ = true;
    if (record_) record_(id_, {"failed", message, kind});
    events_.failed(events_.context, kind, message.c_str());
  }
  bool done() const {
    std::lock_guard lock(mutex_);
    return done_;
  }

 private:
  mutable std::mutex mutex_;
  foundry_command_events events_;
  std::string id_;
  RecordFn record_;
  bool done_ = false;
};

// The base class of every driver. Copy and move are deleted: two owners of one instrument is a bug.
class Driver {
 public:
  Driver() = default;
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;
  virtual ~Driver() = default;

  // Starts `command`. Report the outcome through `events`, now or later (keep the shared_ptr).
  // Throw CommandRejected to refuse it up front (validation errors name the parameter).
  virtual void execute(const Command& command, std::shared_ptr<CommandEvents> events) = 0;

  // Asks a running command to stop. Returns false if it is unknown or already done.
  virtual bool cancel(const std::string& command_id) {
    (void)command_id;
    return false;
  }

  // The state of a command this instance has no record of — typically one an earlier instance
  // ran before the engine (or its driver host) was killed and restarted. Override to answer from
  // durable storage (a journal, the instrument's own log) with the command_state JSON text, e.g.
  // {"state":"finished","result":{...}} or {"state":"interrupted","message":"..."} (see abi.h for
  // the state strings). Return "" for no record: the answer is then {"state":"unknown"}.
  virtual std::string recorded_command_state(const std::string& command_id) const {
    (void)command_id;
    return {};
  }
};

inline void Host::trampoline(void* arg, int cancelled) noexcept {
  std::unique_ptr<Timer> timer(static_cast<Timer*>(arg));
  try {
    timer->fn(cancelled != 0);
  } catch (const std::exception& e) {
    report_timer_exception(*timer, cancelled != 0, e.what());
  } catch (...) {
    report_timer_exception(*timer, cancelled != 0, "a non-standard exception");
  }
}

inline void Host::report_timer_exception(const Timer& timer, bool cancelled, const char* what) noexcept {
  if (cancelled) return;  // the instance is being destroyed: no events, and the host log may be gone
  try {
    const std::string message = std::string("timer callback threw: ") + what;
    if (timer.command) {
      timer.command->fail(FOUNDRY_ERROR_UNEXPECTED, message);
    } else {
      timer.host->log(timer.host->context, FOUNDRY_LOG_ERROR, message.c_str());
    }
  } catch (...) {
    // Out of memory while reporting: nothing left to report with.
  }
}

// Creates the driver for one model. Throw std::exception to refuse (the message is reported).
using DriverFactory = std::unique_ptr<Driver> (*)(const std::string& model,
                                                  const std::string& settings_json, Host host);

namespace detail {

inline void write_error(char* buffer, std::size_t size, const std::string& message) {
  if (buffer == nullptr || size == 0) return;
  std::size_t n = message.size() < size - 1 ? message.size() : size - 1;
  std::memcpy(buffer, message.data(), n);
  buffer[n] = '\0';
}

// What the plugin hands to the host as an opaque instance: the driver plus command bookkeeping.
struct Instance {
  std::unique_ptr<Driver> driver;
  std::mutex mutex;
  std::map<std::string, CommandRecord> commands;
  std::map<std::string, std::weak_ptr<CommandEvents>> running;
};

// describe() is called through the C ABI, so an exception from it (say, bad_alloc while building
// the JSON) must not escape: the host sees NULL and refuses the plugin with a clear message.
template <const char* (*Describe)()>
const char* describe() noexcept {
  try {
    return Describe();
  } catch (...) {
    return nullptr;
  }
}

template <DriverFactory Factory>
foundry_driver_instance* create(const char* model, const char* settings_json, const foundry_host* host,
                                char* error, std::size_t error_size) noexcept {
  try {
    auto instance = std::make_unique<Instance>();
    instance->driver = Factory(model ? model : "", settings_json ? settings_json : "{}", Host(host));
    if (!instance->driver) {
      write_error(error, error_size, std::string("unknown model '") + (model ? model : "") + "'");
      return nullptr;
    }
    return reinterpret_cast<foundry_driver_instance*>(instance.release());
  } catch (const std::exception& e) {
    write_error(error, error_size, e.what());
  } catch (...) {
    write_error(error, error_size, "driver constructor threw a non-standard exception");
  }
  return nullptr;
}

inline void destroy(foundry_driver_instance* handle) noexcept {
  delete reinterpret_cast<Instance*>(handle);
}

inline int execute(foundry_driver_instance* handle, const foundry_command* command,
                   const foundry_command_events* events, char* error, std::size_t error_size) noexcept {
  auto* instance = reinterpret_cast<Instance*>(handle);
  try {
    Command cmd{command->command_id, command->idempotency_key, command->operation,
                command->parameters_json ? command->parameters_json : "{}", command->unit};
    {
      std::lock_guard lock(instance->mutex);
      instance->commands[cmd.id] = {"running", ""};
    }
    auto handle_events = std::make_shared<CommandEvents>(
        *events, cmd.id, [instance](const std::string& id, const CommandRecord& record) {
          std::lock_guard lock(instance->mutex);
          instance->commands[id] = record;
          instance->running.erase(id);
        });
    {
      std::lock_guard lock(instance->mutex);
      instance->running[cmd.id] = handle_events;
    }
    instance->driver->execute(cmd, handle_events);
    return 0;
  } catch (const CommandRejected& e) {
    std::lock_guard lock(instance->mutex);
    instance->commands.erase(command->command_id);
    instance->running.erase(command->command_id);
    write_error(error, error_size, e.what());
    return e.kind();
  } catch (const std::exception& e) {
    std::lock_guard lock(instance->mutex);
    instance->commands.erase(command->command_id);
    instance->running.erase(command->command_id);
    write_error(error, error_size, e.what());
    return FOUNDRY_ERROR_UNEXPECTED;
  } catch (...) {
    std::lock_guard lock(instance->mutex);
    instance->commands.erase(command->command_id);
    instance->running.erase(command->command_id);
    write_error(error, error_size, "driver threw a non-standard exception");
    return FOUNDRY_ERROR_UNEXPECTED;
  }
}

inline int cancel(foundry_driver_instance* handle, const char* command_id) noexcept {
  auto* instance = reinterpret_cast<Instance*>(handle);
  try {
    return instance->driver->cancel(command_id) ? 0 : 1;
  } catch (...) {
    return 1;
  }
}

inline std::size_t command_state(foundry_driver_instance* handle, const char* command_id, char* out,
                                 std::size_t out_size) noexcept {
  auto* instance = reinterpret_cast<Instance*>(handle);
  std::string text;
  try {
    std::optional<CommandRecord> record;
    {
      std::lock_guard lock(instance->mutex);
      auto it = instance->commands.find(command_id);
      if (it != instance->commands.end()) record = it->second;
    }
    if (!record) {
      // Not this instance's: perhaps an earlier instance's, in the driver's durable records.
      text = instance->driver->recorded_command_state(command_id);
      if (text.empty()) text = R"({"state":"unknown"})";
    } else if (record->state == "finished") {
      text = R"({"state":"finished","result":)" + record->result_json + "}";
    } else if (record->state == "running") {
      text = R"({"state":"running"})";
    } else {
      std::string message;  // minimal JSON string escaping for the failure message
      for (char c : record->result_json) {
        if (c == '"' || c == '\\') message += '\\';
        if (static_cast<unsigned char>(c) < 0x20) continue;
        message += c;
      }
      text = R"({"state":")" + record->state + R"(","error_kind":)" + std::to_string(record->error_kind) +
             R"(,"message":")" + message + "\"}";
    }
  } catch (...) {
    text = R"({"state":"unknown"})";
  }
  write_error(out, out_size, text);
  return text.size();
}

}  // namespace detail
}  // namespace foundry::driver

#define FOUNDRY_DRIVER_EXPORT __attribute__((visibility("default")))

// Exports the plugin's entry point. `NAME`: reverse-DNS plugin name; `DESCRIBE_FN`: a function
// returning the description JSON (static storage); `FACTORY`: a foundry::driver::DriverFactory.
#define FOUNDRY_DRIVER_PLUGIN(NAME, DESCRIBE_FN, FACTORY)                                       \
  extern "C" FOUNDRY_DRIVER_EXPORT const foundry_plugin* foundry_driver_plugin(void) {          \
    static const foundry_plugin plugin = {                                                      \
        sizeof(foundry_plugin),                                                                 \
        FOUNDRY_DRIVER_ABI_MAJOR,                                                               \
        FOUNDRY_DRIVER_ABI_MINOR,                                                               \
        NAME,                                                                                   \
        &::foundry::driver::detail::describe<DESCRIBE_FN>,                                      \
        &::foundry::driver::detail::create<FACTORY>,                                            \
        &::foundry::driver::detail::destroy,                                                    \
        &::foundry::driver::detail::execute,                                                    \
        &::foundry::driver::detail::cancel,                                                     \
        &::foundry::driver::detail::command_state,                                              \
    };                                                                                          \
    return &plugin;                                                                             \
  }

#endif  // FOUNDRY_DRIVER_DRIVER_HPP
